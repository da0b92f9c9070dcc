//! Every error a client can see, one enum, rendered once as RFC 9457 `application/problem+json`.
//!
//! Each variant has its HTTP status and a stable snake_case `code` from api.md. A 5xx never
//! carries internals: the cause is logged with the request's id, the client gets a generic detail.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::budget::Insufficient;
use crate::domain::einvoice::{FileProblem, Refusal};
use crate::domain::{FieldError, FieldProblem};
use crate::metrics;

/// How an invalid request is answered: 400 when it could not be read at all (a body that is no
/// JSON, a body cut off), 422 when it was read and a field is wrong or missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    Unreadable,
    Unprocessable,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("a valid bearer token is required")]
    Unauthenticated,
    #[error("your role does not allow this")]
    Forbidden,
    #[error("nobody decides on their own claim or approves a batch they made")]
    SelfApprovalForbidden,
    /// R18: no person decides two steps of one claim.
    #[error("you have already decided a step of this claim")]
    StepAlreadyDecidedByYou,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Malformed JSON (400), or a wrong type or missing field (422).
    #[error("{detail}")]
    InvalidRequest {
        status: Invalid,
        detail: String,
        field: Option<String>,
        /// The field's problem as a value, where it is known (a refused date).
        problem: Option<Box<FieldProblem>>,
    },
    #[error("the request has invalid fields: {}", describe_fields(.0))]
    Validation(Vec<FieldError>),
    #[error("unknown city {name:?}; known cities: {}", known.join(", "))]
    UnknownCity {
        field: String,
        name: String,
        known: Vec<String>,
        /// The known cities' names (pages show these; the API the codes).
        known_names: Vec<String>,
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
    /// R16: an advance above the request's estimate (`Some`), or a second advance (`None`).
    /// api.md answers it as any other refused transition.
    #[error("cannot pay this advance on a {} travel request", .estimate.map_or_else(|| "advanced".to_string(), |e| format!("{e}-estimated")))]
    AdvanceRefused {
        estimate: Option<crate::domain::Money>,
    },
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
    /// R19: a file that is not a readable 数电发票 (413 when it is over 1 MiB).
    #[error("{0}")]
    InvalidInvoiceFile(FileProblem),
    /// R19: an invoice read that cannot fill a row of this organisation's claim.
    #[error("{0}")]
    InvoiceRefused(Refusal),
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
    /// R17: a file over 10 MiB, refused as soon as its bytes pass the limit.
    #[error("an attachment may be at most 10 MiB")]
    AttachmentTooLarge,
    /// R17: the bytes are none of PDF, OFD, XML, JPEG or PNG (whatever the name or header said).
    #[error("an attachment must be a PDF, OFD, XML, JPEG or PNG file (read from its content)")]
    UnsupportedAttachment,
    /// R17: the claim holds 30 files already.
    #[error("a claim holds at most 30 attachments")]
    TooManyAttachments,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    /// A request line or header that actix-http's parser refuses (answered by [`crate::http1`]).
    #[error("the request line or a header is malformed")]
    MalformedRequestHead,
    /// A request head over 128 KiB or with more than 96 headers (answered by [`crate::http1`]).
    #[error("the request head exceeds 128 KiB or 96 headers")]
    RequestHeadTooLarge,
    #[error("the database is busy; retry shortly")]
    Busy,
    /// The database ended this work to break a cycle of lock waits (PostgreSQL's deadlock
    /// detection). A shared write runs it again ([`crate::db::group`]); elsewhere it is answered
    /// as [`AppError::Busy`].
    #[error("the database broke a cycle of lock waits; retry shortly")]
    Deadlocked,
    /// The database cannot be reached (or no connection came free in time).
    #[error("the service cannot reach its database; retry shortly")]
    Unavailable,
    /// Every password-hashing turn stayed taken for the sign-in's short wait
    /// ([`crate::services::passwords`]): too many sign-ins at once.
    #[error("too many sign-ins at once; retry shortly")]
    SignInBusy,
    #[error("internal error")]
    Internal(String),
}

/// `name: at most 200 characters allowed; stays[0].city: …`, for the detail and the CLI.
fn describe_fields(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.problem))
        .collect::<Vec<_>>()
        .join("; ")
}

impl AppError {
    /// Amounts read from the books that add or subtract beyond what money holds: the books are
    /// wrong, not the request (500, logged), and no plausible figure is shown in their place.
    pub fn out_of_range(what: impl std::fmt::Display) -> AppError {
        AppError::Internal(format!("{what}: amount out of range"))
    }
}

impl AppError {
    /// The one table: each variant's HTTP status, stable `code` (api.md) and `title`.
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use StatusCode as S;
        match self {
            AppError::Unauthenticated => (S::UNAUTHORIZED, "unauthenticated", "Unauthenticated"),
            AppError::Forbidden => (S::FORBIDDEN, "forbidden", "Forbidden"),
            AppError::SelfApprovalForbidden => {
                (S::FORBIDDEN, "self_approval_forbidden", "Forbidden")
            }
            AppError::StepAlreadyDecidedByYou => {
                (S::FORBIDDEN, "step_already_decided_by_you", "Forbidden")
            }
            AppError::NotFound(_) => (S::NOT_FOUND, "not_found", "Not found"),
            // Another organisation's line is as unknown as one that does not exist (api.md: 404).
            AppError::UnknownBudgetLine(_) => (S::NOT_FOUND, "not_found", "Not found"),
            AppError::InvalidRequest { status, .. } => {
                let status = match status {
                    Invalid::Unreadable => S::BAD_REQUEST,
                    Invalid::Unprocessable => S::UNPROCESSABLE_ENTITY,
                };
                (status, "invalid_request", "Invalid request")
            }
            // api.md's one code for a field problem; `errors` names the field.
            AppError::Validation(_) => (
                S::UNPROCESSABLE_ENTITY,
                "invalid_request",
                "Validation failed",
            ),
            AppError::UnknownCity { .. } => {
                (S::UNPROCESSABLE_ENTITY, "unknown_city", "Validation failed")
            }
            AppError::NoPolicyInForce { .. } => (
                S::UNPROCESSABLE_ENTITY,
                "invalid_request",
                "No policy in force",
            ),
            AppError::EmptyBatch => (S::UNPROCESSABLE_ENTITY, "empty_batch", "Empty batch"),
            AppError::IdempotencyKeyReused => (
                S::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
            ),
            AppError::InsufficientBudget(_) => {
                (S::CONFLICT, "insufficient_budget", "Insufficient budget")
            }
            AppError::InvalidTransition { .. } | AppError::AdvanceRefused { .. } => {
                (S::CONFLICT, "invalid_transition", "Invalid transition")
            }
            AppError::InvalidInvoiceFile(FileProblem::TooLarge { .. }) => (
                S::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
            ),
            AppError::InvalidInvoiceFile(_) => (
                S::UNPROCESSABLE_ENTITY,
                "invalid_invoice_file",
                "Invalid invoice file",
            ),
            AppError::InvoiceRefused(refusal) => (
                S::UNPROCESSABLE_ENTITY,
                match refusal {
                    Refusal::TaxIdMissing => "organisation_tax_id_missing",
                    Refusal::BuyerMismatch { .. } => "invoice_buyer_mismatch",
                    Refusal::CreditNote { .. } => "invoice_is_credit_note",
                    Refusal::KindUnsupported { .. } => "invoice_kind_unsupported",
                },
                "Invoice refused",
            ),
            AppError::DuplicateCode(_) => (S::CONFLICT, "duplicate_code", "Duplicate code"),
            // api.md has one code for any duplicate that is refused; the title tells which.
            AppError::DuplicateName(_) => (S::CONFLICT, "duplicate_code", "Duplicate name"),
            AppError::DuplicateInvoice { .. } => {
                (S::CONFLICT, "duplicate_invoice", "Duplicate invoice")
            }
            AppError::PolicyNotLater(_) => (S::CONFLICT, "policy_not_later", "Policy not later"),
            AppError::BatchExists => (S::CONFLICT, "batch_exists", "Batch exists"),
            AppError::BatchOutdated => (S::CONFLICT, "batch_outdated", "Batch outdated"),
            AppError::MonthsAlreadyPaid(_) => {
                (S::CONFLICT, "months_already_paid", "Months already paid")
            }
            AppError::OverlappingAssignment { .. } => (
                S::CONFLICT,
                "overlapping_assignment",
                "Overlapping assignment",
            ),
            AppError::IdempotencyKeyInFlight => (
                S::CONFLICT,
                "idempotency_key_in_flight",
                "Idempotency key in flight",
            ),
            AppError::PayloadTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
            ),
            AppError::AttachmentTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                "attachment_too_large",
                "Attachment too large",
            ),
            AppError::UnsupportedAttachment => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_attachment",
                "Unsupported attachment",
            ),
            AppError::TooManyAttachments => {
                (S::CONFLICT, "too_many_attachments", "Too many attachments")
            }
            AppError::RequestTimeout => (S::REQUEST_TIMEOUT, "request_timeout", "Request timeout"),
            AppError::MalformedRequestHead => {
                (S::BAD_REQUEST, "invalid_request", "Invalid request")
            }
            AppError::RequestHeadTooLarge => (
                S::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "request_header_fields_too_large",
                "Request header fields too large",
            ),
            AppError::Busy | AppError::Deadlocked => {
                (S::SERVICE_UNAVAILABLE, "service_busy", "Service busy")
            }
            AppError::Unavailable => (
                S::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "Service unavailable",
            ),
            AppError::SignInBusy => (S::SERVICE_UNAVAILABLE, "sign_in_busy", "Sign-in busy"),
            AppError::Internal(_) => (S::INTERNAL_SERVER_ERROR, "internal_error", "Internal error"),
        }
    }

    pub fn code(&self) -> &'static str {
        self.parts().1
    }

    /// `Retry-After` (seconds) of a refusal that answers one, other than the database's own.
    pub fn retry_after(&self) -> Option<&'static str> {
        matches!(self, AppError::SignInBusy).then_some("5")
    }

    /// Shorthand for a 422 on one field.
    pub fn field(field: impl Into<String>, problem: impl Into<FieldProblem>) -> AppError {
        AppError::Validation(vec![FieldError::new(field, problem)])
    }

    /// The problem+json body: [`AppError::parts`], the detail, and the members some variants add.
    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.parts();
        let detail = match self {
            AppError::Internal(_) => "an internal error occurred; it has been logged".to_string(),
            other => other.to_string(),
        };
        let mut problem = Problem::new(status, code, title, detail);
        let one = |field: &str| vec![ProblemField::new(field, self.to_string())];
        let errors = match self {
            AppError::Validation(errors) => errors
                .iter()
                .map(|e| ProblemField::new(&e.field, e.message()))
                .collect(),
            AppError::InvalidRequest {
                field: Some(field),
                detail,
                ..
            } => vec![ProblemField::new(field, detail)],
            AppError::UnknownCity { field, known, .. } => {
                problem.known_cities = Some(known.clone());
                one(field)
            }
            AppError::UnknownBudgetLine(_) => one("budget_line_id"),
            AppError::NoPolicyInForce { field, .. } => one(field),
            AppError::DuplicateInvoice { claim_id, field } => {
                problem.claim_id = Some(*claim_id);
                one(field)
            }
            AppError::MonthsAlreadyPaid(months) => {
                problem.months = Some(months.clone());
                vec![]
            }
            AppError::InvalidInvoiceFile(
                FileProblem::Missing { path } | FileProblem::Unreadable { path, .. },
            ) => one(path),
            AppError::InvoiceRefused(Refusal::BuyerMismatch {
                buyer_tax_id,
                organisation_tax_id,
                ..
            }) => {
                problem.buyer_tax_id = Some(buyer_tax_id.clone());
                problem.organisation_tax_id = Some(organisation_tax_id.clone());
                vec![]
            }
            AppError::InsufficientBudget(i) => {
                problem.line_code = Some(i.line_code.clone());
                problem.available = Some(i.available.to_string());
                problem.requested = Some(i.requested.to_string());
                vec![]
            }
            _ => vec![],
        };
        if !errors.is_empty() {
            problem.errors = Some(errors);
        }
        problem
    }
}

/// An RFC 9457 problem, the `application/problem+json` body of every 4xx and 5xx. The extension
/// members after `code` appear only with the codes named on them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:baoxiao:problem:` and the code.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: &'static str,
    #[serde(serialize_with = "status_number")]
    #[schema(value_type = u16)]
    pub status: StatusCode,
    pub detail: String,
    /// Stable snake_case code, e.g. `insufficient_budget`.
    pub code: &'static str,
    /// The fields at fault, for field problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemField>>,
    /// `unknown_city`: the cities the policy knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_cities: Option<Vec<String>>,
    /// `insufficient_budget`: the binding line (R11).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_code: Option<String>,
    /// `insufficient_budget`: what that line has available, e.g. `100.00`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<String>,
    /// `insufficient_budget`: the amount asked for, e.g. `1231.00`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    /// `duplicate_invoice`: the claim that holds the invoice (R15); null when it cannot be told.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub claim_id: Option<Option<i64>>,
    /// `months_already_paid`: the months, `2021-03`, that an approved or paid batch holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub months: Option<Vec<String>>,
    /// `invoice_buyer_mismatch`: the buyer's 统一社会信用代码 on the invoice (R19).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_tax_id: Option<String>,
    /// `invoice_buyer_mismatch`: the organisation's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_tax_id: Option<String>,
}

impl Problem {
    /// A problem with no extension members.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Problem {
        Problem {
            type_: format!("urn:baoxiao:problem:{code}"),
            title,
            status,
            detail: detail.into(),
            code,
            errors: None,
            known_cities: None,
            line_code: None,
            available: None,
            requested: None,
            claim_id: None,
            months: None,
            buyer_tax_id: None,
            organisation_tax_id: None,
        }
    }

    /// For a status with no [`AppError`] (405 from the router, 501, 431…): its reason is the
    /// title and the detail.
    pub fn for_status(status: StatusCode, code: &'static str) -> Problem {
        let reason = status.canonical_reason();
        Problem::new(
            status,
            code,
            reason.unwrap_or("Error"),
            reason.unwrap_or("error"),
        )
    }

    /// A response of this status, `application/problem+json`, for this problem as its body.
    pub fn response(&self) -> HttpResponseBuilder {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        response
    }
}

fn status_number<S: serde::Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(status.as_u16())
}

/// One field at fault: its path in the request (`stays[1].check_out`) and what is wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

impl ProblemField {
    fn new(field: impl Into<String>, message: impl Into<String>) -> ProblemField {
        ProblemField {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        metrics::record_refusal(self.code());
        let problem = self.problem();
        let mut response = problem.response();
        if matches!(self, AppError::Unauthenticated) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if matches!(self, AppError::Busy | AppError::Deadlocked) {
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        if matches!(
            self,
            AppError::RequestTimeout
                | AppError::PayloadTooLarge
                | AppError::InvalidInvoiceFile(FileProblem::TooLarge { .. })
                | AppError::AttachmentTooLarge
                | AppError::MalformedRequestHead
                | AppError::RequestHeadTooLarge
        ) {
            // The rest of the body is not read: the connection cannot carry another request.
            response.force_close();
        }
        if matches!(self, AppError::Unavailable) {
            response.insert_header((header::RETRY_AFTER, "2"));
        }
        if let Some(seconds) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        response.json(problem)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> AppError {
        if crate::db::is_busy(&error) {
            AppError::Busy
        } else if crate::db::is_deadlock(&error) {
            AppError::Deadlocked
        } else if crate::db::is_connection_lost(&error) {
            tracing::warn!(%error, "database connection lost");
            AppError::Unavailable
        } else {
            AppError::Internal(format!("database: {error}"))
        }
    }
}

impl crate::db::group::LockWait for AppError {
    fn lock_timed_out(&self) -> bool {
        matches!(self, AppError::Busy)
    }

    fn deadlocked(&self) -> bool {
        matches!(self, AppError::Deadlocked)
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
            TripError::UnknownCity {
                field,
                name,
                known,
                known_names,
            } => AppError::UnknownCity {
                field,
                name,
                known,
                known_names,
            },
            TripError::Invalid(errors) => AppError::Validation(errors),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::money::Money;
    use serde_json::{json, Value};

    fn body(error: AppError) -> Value {
        serde_json::to_value(error.problem()).unwrap()
    }

    #[test]
    fn a_plain_problem_has_the_five_members() {
        assert_eq!(
            body(AppError::BatchExists),
            json!({"type": "urn:baoxiao:problem:batch_exists", "title": "Batch exists", "status": 409,
                "detail": "a batch for this line and half-year already exists; void it or make a supplementary batch",
                "code": "batch_exists"})
        );
    }

    #[test]
    fn extension_members_come_with_their_codes() {
        let insufficient = body(AppError::InsufficientBudget(Insufficient {
            line_code: "dept.basic".into(),
            line_name: "基本支出".into(),
            available: Money::yuan(100),
            requested: Money::yuan(1231),
        }));
        assert_eq!(insufficient["line_code"], "dept.basic");
        assert_eq!(insufficient["available"], "100.00");
        assert_eq!(insufficient["requested"], "1231.00");
        assert!(insufficient.get("errors").is_none());

        let city = body(AppError::UnknownCity {
            field: "stays[0].city".into(),
            name: "上海".into(),
            known: vec!["北京".into()],
            known_names: vec!["北京".into()],
        });
        assert_eq!(city["known_cities"], json!(["北京"]));
        assert_eq!(city["errors"][0]["field"], "stays[0].city");

        // The holder may be unknown after a lost race: the member is there, null.
        let invoice = body(AppError::DuplicateInvoice {
            claim_id: None,
            field: "invoices[0]".into(),
        });
        assert_eq!(invoice.get("claim_id"), Some(&Value::Null));

        let months = body(AppError::MonthsAlreadyPaid(vec!["2021-03".into()]));
        assert_eq!(months["months"], json!(["2021-03"]));
        assert!(months.get("claim_id").is_none());

        let empty = body(AppError::Validation(vec![]));
        assert!(empty.get("errors").is_none(), "{empty}");
    }

    #[test]
    fn a_server_error_hides_its_cause() {
        let problem = body(AppError::Internal("database: secret".into()));
        assert_eq!(problem["status"], 500);
        assert_eq!(
            problem["detail"],
            "an internal error occurred; it has been logged"
        );
    }
}
