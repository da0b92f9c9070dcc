//! Every error a client can see, one enum, rendered once as RFC 9457 `application/problem+json`.
//!
//! Each variant has its HTTP status and a stable snake_case `code` from api.md. A 5xx never
//! carries internals: the cause is logged with the request's id, the client gets a generic detail.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Map, Value};

use crate::domain::budget::Insufficient;
use crate::domain::FieldError;
use crate::metrics;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("a valid bearer token is required")]
    Unauthenticated,
    #[error("your role does not allow this")]
    Forbidden,
    #[error("nobody decides on their own claim or approves a batch they made")]
    SelfApprovalForbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Malformed JSON (400), or a wrong type or missing field (422).
    #[error("{detail}")]
    InvalidRequest {
        status: StatusCode,
        detail: String,
        field: Option<String>,
    },
    #[error("the request has invalid fields: {}", describe_fields(.0))]
    Validation(Vec<FieldError>),
    #[error("unknown city {name:?}; known cities: {}", known.join(", "))]
    UnknownCity {
        field: String,
        name: String,
        known: Vec<String>,
    },
    #[error("no budget line {0} in this organisation")]
    UnknownBudgetLine(String),
    #[error("no travel policy is in force on {date}")]
    NoPolicyInForce {
        date: chrono::NaiveDate,
        field: &'static str,
    },
    #[error("line {} has {} available, {} requested", .0.line_code, .0.available, .0.requested)]
    InsufficientBudget(Insufficient),
    #[error("cannot {action} a {from} {what}")]
    InvalidTransition {
        what: &'static str,
        from: String,
        action: &'static str,
    },
    /// R15: the invoice at `field` belongs to the live claim `claim_id` (`None` only until the
    /// holder is looked up after a lost race).
    #[error("the invoice at {field} is already claimed")]
    DuplicateInvoice {
        claim_id: Option<i64>,
        field: String,
    },
    #[error("budget line code {0} already exists in that year")]
    DuplicateCode(String),
    #[error("a new policy must take effect after {0}, the latest version's effective_from")]
    PolicyNotLater(chrono::NaiveDate),
    #[error(
        "a batch for this line and half-year already exists; void it or make a supplementary batch"
    )]
    BatchExists,
    #[error(
        "nothing to pay: every enrolled recipient-month of that half-year is already in a batch"
    )]
    EmptyBatch,
    #[error(
        "the recipients or their paid months changed since this draft was made; regenerate it"
    )]
    BatchOutdated,
    #[error("{0} already exists")]
    DuplicateName(String),
    #[error("months already in an approved or paid batch would no longer be enrolled: {}", .0.join(", "))]
    MonthsAlreadyPaid(Vec<String>),
    #[error("{person} is already on duty at this station from {from} to {to}")]
    OverlappingAssignment {
        person: String,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
    #[error("this Idempotency-Key was used with another request")]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still running")]
    IdempotencyKeyInFlight,
    #[error("the request body exceeds 64 KiB")]
    PayloadTooLarge,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("the database is busy; retry shortly")]
    Busy,
    /// The database cannot be reached (or no connection came free in time).
    #[error("the service cannot reach its database; retry shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(String),
}

/// `name: at most 200 characters allowed; stays[0].city: …`, for the detail and the CLI.
fn describe_fields(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::SelfApprovalForbidden => "self_approval_forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::InvalidRequest { .. } => "invalid_request",
            // api.md's one code for a field problem; `errors` names the field.
            AppError::Validation(_) => "invalid_request",
            AppError::UnknownCity { .. } => "unknown_city",
            // Another organisation's line is as unknown as one that does not exist (api.md: 404).
            AppError::UnknownBudgetLine(_) => "not_found",
            AppError::NoPolicyInForce { .. } => "invalid_request",
            AppError::InsufficientBudget(_) => "insufficient_budget",
            AppError::InvalidTransition { .. } => "invalid_transition",
            AppError::DuplicateCode(_) => "duplicate_code",
            AppError::DuplicateInvoice { .. } => "duplicate_invoice",
            AppError::PolicyNotLater(_) => "policy_not_later",
            AppError::BatchExists => "batch_exists",
            AppError::EmptyBatch => "empty_batch",
            AppError::BatchOutdated => "batch_outdated",
            AppError::DuplicateName(_) => "duplicate_code",
            AppError::MonthsAlreadyPaid(_) => "months_already_paid",
            AppError::OverlappingAssignment { .. } => "overlapping_assignment",
            AppError::IdempotencyKeyReused => "idempotency_key_reused",
            AppError::IdempotencyKeyInFlight => "idempotency_key_in_flight",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::RequestTimeout => "request_timeout",
            AppError::Busy => "service_busy",
            AppError::Unavailable => "service_unavailable",
            AppError::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "Unauthenticated",
            AppError::Forbidden | AppError::SelfApprovalForbidden => "Forbidden",
            AppError::NotFound(_) | AppError::UnknownBudgetLine(_) => "Not found",
            AppError::InvalidRequest { .. } => "Invalid request",
            AppError::Validation(_) | AppError::UnknownCity { .. } => "Validation failed",
            AppError::NoPolicyInForce { .. } => "No policy in force",
            AppError::InsufficientBudget(_) => "Insufficient budget",
            AppError::InvalidTransition { .. } => "Invalid transition",
            AppError::DuplicateCode(_) => "Duplicate code",
            AppError::DuplicateInvoice { .. } => "Duplicate invoice",
            AppError::PolicyNotLater(_) => "Policy not later",
            AppError::BatchExists => "Batch exists",
            AppError::EmptyBatch => "Empty batch",
            AppError::BatchOutdated => "Batch outdated",
            AppError::DuplicateName(_) => "Duplicate name",
            AppError::MonthsAlreadyPaid(_) => "Months already paid",
            AppError::OverlappingAssignment { .. } => "Overlapping assignment",
            AppError::IdempotencyKeyReused => "Idempotency key reused",
            AppError::IdempotencyKeyInFlight => "Idempotency key in flight",
            AppError::PayloadTooLarge => "Payload too large",
            AppError::RequestTimeout => "Request timeout",
            AppError::Busy => "Service busy",
            AppError::Unavailable => "Service unavailable",
            AppError::Internal(_) => "Internal error",
        }
    }

    /// Shorthand for a 422 on one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    /// The problem+json body.
    pub fn problem(&self) -> Value {
        let status = self.status_code();
        let detail = match self {
            AppError::Internal(_) => "an internal error occurred; it has been logged".to_string(),
            other => other.to_string(),
        };
        let mut body = Map::new();
        body.insert(
            "type".into(),
            json!(format!("urn:baoxiao:problem:{}", self.code())),
        );
        body.insert("title".into(), json!(self.title()));
        body.insert("status".into(), json!(status.as_u16()));
        body.insert("detail".into(), json!(detail));
        body.insert("code".into(), json!(self.code()));
        let errors: Vec<Value> = match self {
            AppError::Validation(errors) => errors
                .iter()
                .map(|e| json!({"field": e.field, "message": e.message}))
                .collect(),
            AppError::InvalidRequest {
                field: Some(field),
                detail,
                ..
            } => {
                vec![json!({"field": field, "message": detail})]
            }
            AppError::UnknownCity { field, .. } => {
                vec![json!({"field": field, "message": self.to_string()})]
            }
            AppError::UnknownBudgetLine(_) => {
                vec![json!({"field": "budget_line_id", "message": self.to_string()})]
            }
            AppError::NoPolicyInForce { field, .. } => {
                vec![json!({"field": field, "message": self.to_string()})]
            }
            AppError::DuplicateInvoice { field, .. } => {
                vec![json!({"field": field, "message": self.to_string()})]
            }
            _ => vec![],
        };
        if !errors.is_empty() {
            body.insert("errors".into(), Value::Array(errors));
        }
        match self {
            AppError::UnknownCity { known, .. } => {
                body.insert("known_cities".into(), json!(known));
            }
            AppError::MonthsAlreadyPaid(months) => {
                body.insert("months".into(), json!(months));
            }
            AppError::DuplicateInvoice { claim_id, .. } => {
                body.insert("claim_id".into(), json!(claim_id));
            }
            AppError::InsufficientBudget(i) => {
                body.insert("line_code".into(), json!(i.line_code));
                body.insert("available".into(), json!(i.available.to_string()));
                body.insert("requested".into(), json!(i.requested.to_string()));
            }
            _ => {}
        }
        Value::Object(body)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::SelfApprovalForbidden => StatusCode::FORBIDDEN,
            AppError::NotFound(_) | AppError::UnknownBudgetLine(_) => StatusCode::NOT_FOUND,
            AppError::InvalidRequest { status, .. } => *status,
            AppError::Validation(_)
            | AppError::UnknownCity { .. }
            | AppError::NoPolicyInForce { .. }
            | AppError::EmptyBatch
            | AppError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::InsufficientBudget(_)
            | AppError::InvalidTransition { .. }
            | AppError::DuplicateCode(_)
            | AppError::DuplicateInvoice { .. }
            | AppError::PolicyNotLater(_)
            | AppError::BatchExists
            | AppError::BatchOutdated
            | AppError::DuplicateName(_)
            | AppError::MonthsAlreadyPaid(_)
            | AppError::OverlappingAssignment { .. }
            | AppError::IdempotencyKeyInFlight => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Busy | AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        metrics::record_refusal(self.code());
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if matches!(self, AppError::Unauthenticated) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if matches!(self, AppError::Busy) {
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        if matches!(self, AppError::RequestTimeout | AppError::PayloadTooLarge) {
            // The rest of the body is not read: the connection cannot carry another request.
            response.force_close();
        }
        if matches!(self, AppError::Unavailable) {
            response.insert_header((header::RETRY_AFTER, "2"));
        }
        response.body(self.problem().to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> AppError {
        if crate::db::is_busy(&error) {
            AppError::Busy
        } else if crate::db::is_connection_lost(&error) {
            tracing::warn!(%error, "database connection lost");
            AppError::Unavailable
        } else {
            AppError::Internal(format!("database: {error}"))
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> AppError {
        tracing::warn!(%error, "no database connection available");
        AppError::Unavailable
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(error: actix_web::error::BlockingError) -> AppError {
        AppError::Internal(format!("blocking task: {error}"))
    }
}

impl From<crate::domain::status::InvalidTransition> for AppError {
    fn from(e: crate::domain::status::InvalidTransition) -> Self {
        AppError::InvalidTransition {
            what: e.what,
            from: e.from.to_string(),
            action: e.action,
        }
    }
}

impl From<crate::domain::travel::TripError> for AppError {
    fn from(error: crate::domain::travel::TripError) -> AppError {
        use crate::domain::travel::TripError;
        match error {
            TripError::UnknownCity { field, name, known } => {
                AppError::UnknownCity { field, name, known }
            }
            TripError::Invalid(errors) => AppError::Validation(errors),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
