//! The JSON API, HTTP only: one file per resource, each handler extracting (`extract`: the caller
//! and a checked body), calling one service on the blocking pool (which checks the caller's role
//! itself, `services::permissions`) and shaping the response (`list` pages every list). No SQL,
//! no arithmetic, no business branching, no permission here.
//!
//! This file holds the route table ([`api`]) and the OpenAPI document ([`ApiDoc`]) of the same
//! routes, and the problem+json answers nobody else gives: a query or path that does not parse,
//! an unknown route (404) or method (405), and any other error answer not already problem+json.

/// The endpoints on one document by its id, a line each: the method and path, the handler's
/// name, what its body is read into (and what of it the use case takes), the success status and
/// view, the problems it can answer besides 401, and the use case. A `get` reads; a `put`
/// sets what its body says; a `post` takes an `Idempotency-Key` (api.md). Each answers 200 with
/// the view it leaves ([`extract::act`], [`extract::act_with`]) or 201 with what it made
/// ([`extract::made`]).
///
/// ```ignore
/// on_one! { "subsidy";
///     /// Approves a batch (finance, not its creator): commits its total.
///     post "/subsidy-batches/{id}/approve" approve_batch -> 200 BatchView [403, 409] = subsidy::approve;
///     /// Rejects a claim (finance), releasing any commitment.
///     post "/travel-claims/{id}/reject" reject(RejectBody: |b| b.reason) -> 200 ClaimView [409] = claims::reject;
/// }
/// ```
macro_rules! on_one {
    ($tag:tt; $($(#[$doc:meta])* $method:ident $path:tt $name:ident $(($body:ident: $take:expr))?
        -> $status:tt $view:ty [$($problem:tt),*] = $use_case:expr;)*) => {
        $(on_one!(@one $tag, $(#[$doc])*, $method $path $name $(($body: $take))?, $status $view [$($problem),*], $use_case);)*
    };
    (@one $tag:tt, $(#[$doc:meta])*, get $path:tt $name:ident, 200 $($rest:tt)*) => {
        on_one!(@by_id $tag, $(#[$doc])*, get $path $name, [("id" = i64, Path)], act, 200 $($rest)*);
    };
    (@one $tag:tt, $(#[$doc:meta])*, post $path:tt $name:ident, 200 $($rest:tt)*) => {
        on_one!(@by_id $tag, $(#[$doc])*, post $path $name, [("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)], act, 200 $($rest)*);
    };
    (@one $tag:tt, $(#[$doc:meta])*, post $path:tt $name:ident, 201 $($rest:tt)*) => {
        on_one!(@by_id $tag, $(#[$doc])*, post $path $name, [("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)], made, 201 $($rest)*);
    };
    (@one $tag:tt, $(#[$doc:meta])*, post $path:tt $name:ident ($body:ident: $take:expr), $($rest:tt)*) => {
        on_one!(@with $tag, $(#[$doc])*, post $path $name ($body: $take), [("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)], $($rest)*);
    };
    (@one $tag:tt, $(#[$doc:meta])*, put $path:tt $name:ident ($body:ident: $take:expr), $($rest:tt)*) => {
        on_one!(@with $tag, $(#[$doc])*, put $path $name ($body: $take), [("id" = i64, Path)], $($rest)*);
    };
    (@by_id $tag:tt, $(#[$doc:meta])*, $method:ident $path:tt $name:ident, [$($param:tt)*], $answer:ident,
        $status:tt $view:ty [$($problem:tt),*], $use_case:expr) => {
        $(#[$doc])*
        #[utoipa::path(tag = $tag, params($($param)*),
            responses((status = $status, body = $view) $(, (status = $problem, body = $crate::routes::Problem))*),
            security(("bearer" = [])))]
        #[$method($path)]
        pub async fn $name(caller: $crate::routes::extract::Caller, id: actix_web::web::Path<i64>) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::routes::extract::$answer(caller, id, $use_case).await
        }
    };
    (@with $tag:tt, $(#[$doc:meta])*, $method:ident $path:tt $name:ident ($body:ident: $take:expr), [$($param:tt)*],
        200 $view:ty [$($problem:tt),*], $use_case:expr) => {
        $(#[$doc])*
        #[utoipa::path(tag = $tag, request_body = $body, params($($param)*),
            responses((status = 200, body = $view) $(, (status = $problem, body = $crate::routes::Problem))*),
            security(("bearer" = [])))]
        #[$method($path)]
        pub async fn $name(
            caller: $crate::routes::extract::Caller,
            id: actix_web::web::Path<i64>,
            body: $crate::routes::extract::Body<$body>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            let asked = body.into_inner().map($take);
            $crate::routes::extract::act_with(caller, id, asked, $use_case).await
        }
    };
}

pub mod approval;
pub mod attachments;
pub mod audit;
pub mod budget_adjustments;
pub mod budget_lines;
pub mod duty;
pub mod einvoices;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod list;
pub mod policy;
pub mod reports;
pub mod request_log;
pub mod subsidy;
pub mod travel_claims;
pub mod travel_requests;
pub mod vouchers;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{from_fn, ErrorHandlerResponse};
use actix_web::{web, App, HttpResponse, ResponseError};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};

use crate::error::AppError;
/// The handlers document their refusals with the very type [`AppError`] renders.
pub use crate::error::{Problem, ProblemField};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The document's frame; its paths are added by [`documented`] as it registers the routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "baoxiao", description = "差旅费报销、老干部补助与值班经费 against a budget ledger that cannot be overspent."),
    components(schemas(Problem, ProblemField)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

/// Registers health and the `/api/v1` routes on `app` and returns it with their OpenAPI
/// document: one `service()` call per handler gives actix the route and the document its path
/// and method (both from the handler's actix route macro). The app also gets the routes for
/// [`not_found`]'s 405.
pub fn documented<T>(app: App<T>) -> (App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, doc) = app
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(health::healthz)
        .service(health::readyz)
        .service(
            scope::scope("/api/v1")
                .wrap(from_fn(idempotency::middleware))
                .wrap(from_fn(extract::require_authentication))
                .configure(api),
        )
        .split_for_parts();
    let mut doc = doc;
    refusals_are_problems(&mut doc);
    let app = app.app_data(web::Data::new(ApiRoutes::new(&doc)));
    (app, doc)
}

/// Every refusal (4xx, 5xx) is sent as `application/problem+json` (RFC 9457), and documented so:
/// utoipa documents a response body as `application/json` unless told otherwise, route by route.
fn refusals_are_problems(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, response) in operation.responses.responses.iter_mut() {
                let refusal = status.starts_with('4') || status.starts_with('5');
                if let (true, RefOr::T(response)) = (refusal, response) {
                    if let Some(content) = response.content.shift_remove("application/json") {
                        response
                            .content
                            .insert("application/problem+json".to_string(), content);
                    }
                }
            }
        }
    }
}

/// The `/api/v1` routes.
fn api(cfg: &mut ServiceConfig) {
    cfg.service(policy::get_policy)
        .service(policy::publish_policy)
        .service(budget_lines::list_lines)
        .service(budget_lines::create_line)
        .service(budget_lines::get_line)
        .service(budget_lines::line_entries)
        .service(travel_claims::quote)
        .service(travel_claims::submit)
        .service(travel_claims::list)
        .service(travel_claims::get_claim)
        .service(travel_claims::approve)
        .service(travel_claims::reject)
        .service(travel_claims::pay)
        .service(travel_claims::save_draft)
        .service(travel_claims::replace_draft)
        .service(travel_claims::delete_draft)
        .service(travel_claims::submit_draft)
        .service(travel_claims::withdraw)
        .service(travel_claims::amend)
        .service(travel_claims::copy)
        .service(attachments::upload)
        .service(attachments::list)
        .service(attachments::download)
        .service(attachments::remove)
        .service(subsidy::create_recipient)
        .service(subsidy::list_recipients)
        .service(subsidy::patch_recipient)
        .service(subsidy::create_batch)
        .service(subsidy::list_batches)
        .service(subsidy::get_batch)
        .service(subsidy::approve_batch)
        .service(subsidy::pay_batch)
        .service(subsidy::void_batch)
        .service(subsidy::regenerate_batch)
        .service(subsidy::payment_file)
        .service(duty::list_stations)
        .service(duty::create_station)
        .service(duty::add_assignment)
        .service(duty::list_assignments)
        .service(duty::create_event)
        .service(duty::list_events)
        .service(duty::forecast)
        .service(reports::budget_execution)
        .service(reports::performance)
        .service(reports::get_targets)
        .service(reports::put_targets)
        .service(reports::journal)
        .service(audit::list_events)
        .service(vouchers::list_vouchers)
        .service(vouchers::get_voucher)
        .service(vouchers::get_account_map)
        .service(vouchers::put_account_map)
        .service(travel_requests::create_request)
        .service(travel_requests::list_requests)
        .service(travel_requests::get_request)
        .service(travel_requests::approve_request)
        .service(travel_requests::reject_request)
        .service(travel_requests::cancel_request)
        .service(travel_requests::draft_claim)
        .service(travel_requests::pay_advance)
        .service(travel_requests::outstanding)
        .service(travel_requests::advance_returned)
        .service(budget_adjustments::request)
        .service(budget_adjustments::list)
        .service(budget_adjustments::get_adjustment)
        .service(budget_adjustments::approve_adjustment)
        .service(budget_adjustments::reject_adjustment)
        .service(einvoices::read_invoice)
        .service(einvoices::put_organisation)
        .service(approval::get_chain)
        .service(approval::put_chain)
        .service(approval::list_departments)
        .service(approval::add_department)
        .service(approval::put_user_department);
}

/// Query strings that do not parse: 422 naming the parameter.
pub fn query_error(
    error: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    AppError::InvalidRequest {
        status: crate::error::Invalid::Unprocessable,
        detail: format!("bad query parameter: {error}"),
        field: None,
        problem: None,
    }
    .into()
}

/// A path id that is not a number names nothing: 404.
pub fn path_error(_: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    AppError::NotFound("resource").into()
}

/// No route matched: 405 with `Allow` when the path is one of the API's (problem+json) or a
/// page's (in Chinese) with another method, otherwise 404.
pub async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    let allowed = req
        .app_data::<web::Data<ApiRoutes>>()
        .map(|routes| routes.allowed_methods(req.path()))
        .unwrap_or_default();
    if allowed.is_empty() {
        let page = req
            .app_data::<web::Data<crate::web::PageRoutes>>()
            .map(|pages| pages.allowed_methods(req.path()))
            .unwrap_or_default();
        if !page.is_empty() {
            return crate::web::method_not_allowed(&page);
        }
        return AppError::NotFound("route").error_response();
    }
    let mut response = problem_response(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    if let Ok(value) = header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The documented routes (path template, method), read from the OpenAPI document
/// [`documented`] returns: one list for the docs and for 405.
struct ApiRoutes(Vec<(String, &'static str)>);

impl ApiRoutes {
    fn new(doc: &utoipa::openapi::OpenApi) -> ApiRoutes {
        let mut routes = Vec::new();
        for (path, item) in &doc.paths.paths {
            let methods = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            for (method, present) in methods {
                if present {
                    routes.push((path.clone(), method));
                }
            }
        }
        // The Prometheus endpoint, answered by its middleware before routing, for GET only.
        routes.push(("/metrics".to_string(), "GET"));
        ApiRoutes(routes)
    }

    /// The methods the API serves on `path`; empty for a path it does not have.
    fn allowed_methods(&self, path: &str) -> Vec<&'static str> {
        methods_fitting(self.0.iter().map(|(t, m)| (t.as_str(), *m)), path)
    }
}

/// The methods of the `routes` (a path template such as `/claims/{id}`, and a method) whose
/// template fits `path`, sorted, each once: what an `Allow` header lists. Shared by the API's
/// routes and the pages'.
pub fn methods_fitting<'t>(
    routes: impl Iterator<Item = (&'t str, &'static str)>,
    path: &str,
) -> Vec<&'static str> {
    let parts: Vec<&str> = path.split('/').collect();
    let mut methods: Vec<&'static str> = routes
        .filter(|(template, _)| {
            let template: Vec<&str> = template.split('/').collect();
            template.len() == parts.len()
                && template
                    .iter()
                    .zip(&parts)
                    .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
        })
        .map(|(_, method)| method)
        .collect();
    methods.sort_unstable();
    methods.dedup();
    methods
}

/// The methods HTTP defines and this service may answer; any other method token is refused
/// before routing, so that no client can invent metric labels.
pub async fn only_known_methods<B: actix_web::body::MessageBody + 'static>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    use actix_web::http::Method;
    let known = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    if known.contains(req.method()) {
        next.call(req)
            .await
            .map(ServiceResponse::map_into_left_body)
    } else {
        let response = problem_response(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
        Ok(req.into_response(response).map_into_right_body())
    }
}

/// Bounds a request by [`Pool::request_limit`] (PostgreSQL): a database that stops answering
/// without closing its connections gives 503 `service_unavailable` (a page, its message in
/// Chinese) instead of holding the request for the whole outage. The work on the blocking pool is
/// not stopped: it ends when the database answers or the connection fails, and a write that then
/// commits is the request's, as with any 503 (an Idempotency-Key retry replays it).
pub async fn bounded_by_the_database<B: actix_web::body::MessageBody + 'static>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<crate::db::Pool>>()
        .and_then(|pool| pool.request_limit());
    let Some(limit) = limit else {
        return next.call(req).await;
    };
    // The request itself goes to the router untouched (it must not be shared while routed).
    let path = req.path().to_string();
    match actix_web::rt::time::timeout(limit, next.call(req)).await {
        Ok(answer) => answer,
        Err(_) => {
            tracing::warn!(path, "the database did not answer in time");
            crate::db::connection_lost();
            Err(if path.starts_with("/api/") {
                AppError::Unavailable.into()
            } else {
                crate::web::PageError::Failed(AppError::Unavailable).into()
            })
        }
    }
}

/// A problem+json response for statuses that have no [`AppError`] (405, 501, 408, 431…).
pub fn problem_response(status: StatusCode, code: &'static str) -> HttpResponse {
    let problem = Problem::for_status(status, code);
    problem.response().json(problem)
}

/// Any error response not already problem+json (405 from the router, say) becomes one.
pub fn problem_for_others<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        // Pages (`crate::web`) answer their own errors in HTML, in Chinese.
        v.as_bytes().starts_with(b"application/problem+json")
            || v.as_bytes().starts_with(b"text/html")
    });
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "invalid_request",
        s if s.is_server_error() => "internal_error",
        _ => "invalid_request",
    };
    let (req, _) = res.into_parts();
    let response = problem_response(status, code);
    let res: ServiceResponse<EitherBody<_, BoxBody>> =
        ServiceResponse::new(req, response).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
