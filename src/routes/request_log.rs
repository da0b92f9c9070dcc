//! The request log: one span per request (tracing-actix-web's fields), whose client address is
//! the one throttling uses ([`super::extract::client_address`]: a forwarding header only from a
//! trusted proxy, never a client's own claim), and an error-level event for every 5xx.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

use super::extract::client_address;

pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %request.uri().path_and_query().map_or("", |p| p.as_str()),
            http.client_ip = %client_address(request.request()),
            http.user_agent = %user_agent,
            http.status_code = Empty,
            otel.kind = "server",
            otel.status_code = Empty,
            request_id = %request_id,
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
        // A 5xx carrying its error is logged at error level with it by the logger itself
        // (tracing-actix-web's `emit_event_on_error`); one built without an error is logged here.
        if let Ok(response) = outcome {
            if response.status().is_server_error() && response.response().error().is_none() {
                tracing::error!(
                    status = response.status().as_u16(),
                    "server error answered without a recorded cause"
                );
            }
        }
    }
}
