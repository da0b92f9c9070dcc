//! Request extractors: the authenticated caller, and JSON bodies that are size-limited, name the
//! field of any error, and are validated before a handler sees them.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use validator::Validate;

use crate::auth::Actor;
use crate::db::Pool;
use crate::domain::{text, FieldError};
use crate::error::{AppError, AppResult};
use crate::services;
use crate::services::idempotency::KeyScope;
use crate::services::Context;
use crate::wire::flatten_validation;

/// The largest JSON body accepted: 64 KiB (413 beyond).
pub const MAX_BODY: usize = 64 * 1024;

/// The caller, from `Authorization: Bearer TOKEN`; 401 `unauthenticated` without a valid one.
/// It carries the pool its use cases run on, so a handler takes the two as one.
pub struct Caller {
    context: Context,
    pool: web::Data<Pool>,
}

impl Caller {
    /// The pool the caller's use cases run on.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }
}

impl std::ops::Deref for Caller {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.context
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_string())
}

fn pool_of(req: &HttpRequest) -> Result<web::Data<Pool>, AppError> {
    req.app_data::<web::Data<Pool>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("no pool".into()))
}

/// Authenticates once per request; the result is kept in the request's extensions.
pub async fn authenticate(req: &HttpRequest) -> Result<Actor, AppError> {
    if let Some(actor) = req.extensions().get::<Actor>() {
        return Ok(actor.clone());
    }
    let token = bearer(req).ok_or(AppError::Unauthenticated)?;
    let pool = pool_of(req)?;
    // Most requests come from a caller this process authenticated a moment ago: no database.
    let actor = match services::users::authenticate_recent(&pool, &token) {
        Some(actor) => actor,
        None => {
            let shared = pool.clone();
            read(&pool, move |c| {
                services::users::authenticate_on(&shared, c, &token)
            })
            .await?
        }
    };
    req.extensions_mut().insert(actor.clone());
    Ok(actor)
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Caller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let actor = authenticate(&req).await?;
            let pool = pool_of(&req)?;
            // The Idempotency-Key the middleware accepted for this request, if any.
            let key = req.extensions().get::<Arc<KeyScope>>().cloned();
            Ok(Caller {
                context: Context { actor, key },
                pool,
            })
        })
    }
}

/// How long a client may take to send a body, as actix gives it for the headers: a body still
/// incomplete after this is 408 and the connection is closed.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads a body of at most [`MAX_BODY`] bytes within [`BODY_TIMEOUT`].
pub async fn read_body(req: &HttpRequest, payload: &mut Payload) -> Result<web::Bytes, AppError> {
    read_body_within(req, payload, MAX_BODY, || AppError::PayloadTooLarge).await
}

/// Reads a body of at most `limit` bytes within [`BODY_TIMEOUT`], refusing with `too_large` as
/// soon as the declared length or the bytes arrived pass it (the rest is never read).
pub async fn read_body_within(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
    too_large: fn() -> AppError,
) -> Result<web::Bytes, AppError> {
    let read = read_body_untimed(req, payload, limit, too_large);
    actix_web::rt::time::timeout(BODY_TIMEOUT, read)
        .await
        .unwrap_or(Err(AppError::RequestTimeout))
}

async fn read_body_untimed(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
    too_large: fn() -> AppError,
) -> Result<web::Bytes, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::InvalidRequest {
            status: crate::error::Invalid::Unreadable,
            detail: format!("could not read the body: {e}"),
            field: None,
            problem: None,
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses JSON, naming the field of a wrong type or missing value (422) or answering 400 for
/// JSON that does not parse at all. Every text in the body goes through
/// [`crate::domain::text::clean`] first: trimmed, and 422 naming the field for a control
/// character or a text of invisible characters only.
pub fn parse_json<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, AppError> {
    let mut document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| AppError::InvalidRequest {
            status: crate::error::Invalid::Unreadable,
            detail: format!("malformed JSON: {e}"),
            field: None,
            problem: None,
        })?;
    let mut problems = Vec::new();
    clean_texts(&mut document, &At::Root, &mut problems);
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let value: T = serde_path_to_error::deserialize(document).map_err(|e| {
        let path = e.path().to_string();
        let detail = e.into_inner().to_string();
        AppError::InvalidRequest {
            status: crate::error::Invalid::Unprocessable,
            problem: crate::wire::iso::take_refused(&detail).map(Box::new),
            detail,
            field: (path != ".").then_some(path),
        }
    })?;
    value
        .validate()
        .map_err(|e| AppError::Validation(flatten_validation(&e)))?;
    Ok(value)
}

/// Cleans every string (and object key) of a JSON document in place, collecting the fields it
/// refuses by their JSON path (`stays[1].city`). A text that is already clean is left as it is,
/// and a path is spelled out only for a field refused.
fn clean_texts(value: &mut serde_json::Value, at: &At<'_>, problems: &mut Vec<FieldError>) {
    use serde_json::Value;
    match value {
        Value::String(text) => match text::clean(text) {
            // `clean` only trims: the same length is the same text.
            Ok(kept) if kept.len() == text.len() => {}
            Ok(kept) => *text = kept.to_string(),
            Err(problem) => problems.push(FieldError::new(at.to_string(), problem)),
        },
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                clean_texts(item, &At::Index(at, i), problems);
            }
        }
        Value::Object(map) => {
            if map
                .keys()
                .all(|key| text::clean(key).is_ok_and(|kept| kept.len() == key.len()))
            {
                for (key, item) in map.iter_mut() {
                    clean_texts(item, &At::Key(at, key), problems);
                }
                return;
            }
            // A key to trim or refuse: the map is built again under the cleaned keys.
            for (key, mut item) in std::mem::take(map) {
                let kept = match text::clean(&key) {
                    Ok(kept) => kept.to_string(),
                    Err(problem) => {
                        let field = At::Key(at, &key).to_string();
                        problems.push(FieldError::new(field, problem));
                        key.clone()
                    }
                };
                clean_texts(&mut item, &At::Key(at, &key), problems);
                map.insert(kept, item);
            }
        }
        _ => {}
    }
}

/// Where a value sits in a JSON document, written out (`stays[1].city`, `.` for the whole
/// document) only when a field is refused.
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Root => f.write_str("."),
            At::Key(At::Root, key) => f.write_str(key),
            At::Key(parent, key) => write!(f, "{parent}.{key}"),
            At::Index(At::Root, i) => write!(f, "[{i}]"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A validated JSON body. A bad body is reported only when the handler asks for it with
/// [`Body::into_inner`], and the handler hands that result to the use case, which reports it
/// after its role check: authentication (401), then the role (403), then the body, and the order
/// of refusals never depends on which extractor finished first.
pub struct Body<T> {
    parsed: Result<T, AppError>,
    /// The bytes as they arrived.
    sent: web::Bytes,
}

impl<T> Body<T> {
    /// The body, or its 400/413/422.
    pub fn into_inner(self) -> Result<T, AppError> {
        self.parsed
    }

    /// The body, and its JSON text exactly as the client sent it (for a document that keeps
    /// what was asked).
    pub fn into_inner_and_text(self) -> Result<(T, String), AppError> {
        let body = self.parsed?;
        // It parsed as JSON, so it is UTF-8.
        let text = String::from_utf8(self.sent.to_vec())
            .map_err(|e| AppError::Internal(format!("body text: {e}")))?;
        Ok((body, text))
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Body<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Body<T>, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let (parsed, sent) = match read_body(&req, &mut payload).await {
                Ok(bytes) => (parse_json(&bytes), bytes),
                Err(error) => (Err(error), web::Bytes::new()),
            };
            Ok(Body { parsed, sent })
        })
    }
}

/// Authenticates every request of the scope it wraps before any extractor runs, so a missing
/// or bad token is always 401, whatever else is wrong with the request.
pub async fn require_authentication(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<actix_web::body::BoxBody>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    match authenticate(req.request()).await {
        Ok(_) => next.call(req).await,
        Err(error) => Ok(req.error_response(error)),
    }
}

/// Runs a read on a database connection: on SQLite, here and now when a connection is free;
/// otherwise (PostgreSQL, or every SQLite connection busy) on the blocking pool.
///
/// A SQLite read is an index walk in this process's memory that never waits for the writer (WAL
/// readers are not blocked), a few microseconds: less than the hop to a blocking thread and back,
/// which it would otherwise pay. A PostgreSQL read is a network round trip, and must not hold up
/// the worker's other connections. Only reads go here: a write may wait for the write lock.
pub async fn read<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut crate::db::DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    if let Some(mut c) = pool.idle_sqlite() {
        return f(&mut c);
    }
    // No more reads on the blocking pool than there are connections: the others wait here, in
    // the order they came. Waiting in the pool instead, a woken thread may find its connection
    // taken by one that just arrived, again and again, and the slowest reads wait many times
    // longer (BENCHMARKS.md, "Figures behind the code").
    let _turn = pool
        .read_turns()
        .acquire()
        .await
        .map_err(|_| AppError::Unavailable)?;
    let pool = pool.clone();
    web::block(move || f(&mut *services::conn(&pool)?)).await?
}

/// Runs a service call on the blocking pool.
pub async fn run<T, F>(f: F) -> Result<T, AppError>
where
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    web::block(f).await?
}

/// 200 with the JSON of what a service call answers on the blocking pool.
pub async fn ok<T, F>(f: F) -> AppResult<HttpResponse>
where
    F: FnOnce() -> AppResult<T> + Send + 'static,
    T: Serialize + Send + 'static,
{
    Ok(HttpResponse::Ok().json(run(f).await?))
}

/// 200 with a file the client saves as `name`; the caller adds the body.
pub fn attachment(content_type: &str, name: &str) -> HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response.content_type(content_type).insert_header((
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    ));
    response
}

/// A use case on the document its path names (`/…/{id}`, `/…/{id}/approve`): 200 with the view
/// it answers.
pub async fn act<T: Serialize + Send + 'static>(
    caller: Caller,
    id: web::Path<i64>,
    step: fn(&Pool, &Context, i64) -> AppResult<T>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    ok(move || step(caller.pool(), &caller, id)).await
}

/// A use case making a new document from the one its path names (`/…/{id}/copy`): 201 with the
/// view of what it made.
pub async fn made<T: Serialize + Send + 'static>(
    caller: Caller,
    id: web::Path<i64>,
    step: fn(&Pool, &Context, i64) -> AppResult<T>,
) -> AppResult<HttpResponse> {
    let mut response = act(caller, id, step).await?;
    *response.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(response)
}

/// A step that takes what the body asks (a reason, a day), or why the body could not be read,
/// which the use case reports after its role check: 200 with the view it leaves.
pub async fn act_with<A, T>(
    caller: Caller,
    id: web::Path<i64>,
    asked: AppResult<A>,
    step: fn(&Pool, &Context, i64, AppResult<A>) -> AppResult<T>,
) -> AppResult<HttpResponse>
where
    A: Send + 'static,
    T: Serialize + Send + 'static,
{
    let id = id.into_inner();
    ok(move || step(caller.pool(), &caller, id, asked)).await
}

/// A use case creating what the body describes (the body's `TryInto` its spec, refused after
/// the role check like any bad body): 201 with its view.
pub async fn create<B, S, T>(
    caller: Caller,
    body: Body<B>,
    make: fn(&Pool, &Context, AppResult<S>) -> AppResult<T>,
) -> AppResult<HttpResponse>
where
    B: TryInto<S, Error = AppError>,
    S: Send + 'static,
    T: Serialize + Send + 'static,
{
    let spec = body.into_inner().and_then(TryInto::try_into);
    let view = run(move || make(caller.pool(), &caller, spec)).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The reverse proxies whose forwarding headers are believed (`server.trusted_proxies`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// IP addresses (`10.0.0.5`, `::1`) and CIDR ranges (`10.0.0.0/8`).
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        format!(
                            "server.trusted_proxies: {entry:?} is not an IP address or CIDR range"
                        )
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer`: the peer itself, unless it is a trusted
    /// proxy. Then the hops its forwarding header lists (`X-Forwarded-For`, or else `Forwarded`'s
    /// `for=`) are walked from the right, each believed only while the one who reported it is
    /// trusted: the client is the right-most hop that is not a trusted proxy. A hop that is not
    /// an address (`unknown`, a hidden name) ends the walk at the trusted hop that reported it.
    pub fn client(
        &self,
        peer: IpAddr,
        forwarded_for: Option<&str>,
        forwarded: Option<&str>,
    ) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops: Vec<&str> = match (forwarded_for, forwarded) {
            (Some(list), _) => list.split(',').collect(),
            (None, Some(forwarded)) => forwarded
                .split(',')
                .filter_map(|element| {
                    element.split(';').find_map(|pair| {
                        let (name, value) = pair.split_once('=')?;
                        name.trim().eq_ignore_ascii_case("for").then_some(value)
                    })
                })
                .collect(),
            (None, None) => Vec::new(),
        };
        for hop in hops.iter().rev() {
            if !self.trusts(client) {
                break;
            }
            match hop_address(hop) {
                Some(ip) => client = ip.to_canonical(),
                None => break,
            }
        }
        client
    }
}

/// The address of one forwarding hop: `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`,
/// `2001:db8::1`.
fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip())
}

/// The client's address, as throttling and the request log know it: the TCP peer, or what a
/// trusted proxy says ([`TrustedProxies::client`]). Empty when the peer is unknown.
pub fn client_address(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    let Some(trusted) = req.app_data::<web::Data<TrustedProxies>>() else {
        return peer.to_canonical().to_string();
    };
    let joined = |name: header::HeaderName| {
        let values: Vec<&str> = req
            .headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    let forwarded_for = joined(header::HeaderName::from_static("x-forwarded-for"));
    let forwarded = joined(header::FORWARDED);
    trusted
        .client(peer, forwarded_for.as_deref(), forwarded.as_deref())
        .to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cleaned(mut document: serde_json::Value) -> (serde_json::Value, Vec<String>) {
        let mut problems = Vec::new();
        clean_texts(&mut document, &At::Root, &mut problems);
        let mut fields: Vec<String> = problems.into_iter().map(|p| p.field).collect();
        fields.sort();
        (document, fields)
    }

    /// Texts are trimmed where they sit; a refused one is named by its path, keys included.
    #[test]
    fn texts_are_trimmed_and_refusals_named_by_path() {
        let (document, refused) = cleaned(json!({
            "purpose": " 赴省汇报 ",
            "stays": [{"city": "石家庄"}, {"city": "石家\u{0}庄", " note ": "\u{200B}"}],
            "nested": [["ok", "\u{3000}"]],
        }));
        assert_eq!(document["purpose"], "赴省汇报");
        assert_eq!(document["stays"][0]["city"], "石家庄");
        assert!(
            document["stays"][1].get("note").is_some(),
            "the key is trimmed"
        );
        assert_eq!(
            refused,
            ["nested[0][1]", "stays[1]. note ", "stays[1].city"]
        );
        assert_eq!(cleaned(json!("\u{0}")).1, ["."]);
        assert_eq!(cleaned(json!(["a", "\u{0}"])).1, ["[1]"]);
        assert_eq!(cleaned(json!({"a\u{0}": 1})).1, ["a\u{0}"]);
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn only_a_trusted_proxy_is_believed_about_the_client() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let trusted = TrustedProxies::parse(&["10.0.0.5".into(), "192.168.0.0/16".into()]).unwrap();
        let none = TrustedProxies::default();
        let client = |t: &TrustedProxies, peer: &str, xff: Option<&str>, fwd: Option<&str>| {
            t.client(ip(peer), xff, fwd).to_string()
        };
        // peer, X-Forwarded-For, Forwarded → client
        let table = [
            (&none, "10.0.0.5", Some("1.2.3.4"), None, "10.0.0.5"),
            (&trusted, "127.0.0.1", Some("1.2.3.4"), None, "127.0.0.1"),
            (&trusted, "10.0.0.5", Some("1.2.3.4"), None, "1.2.3.4"),
            (&trusted, "10.0.0.5", None, None, "10.0.0.5"),
            // The client's own header is to the left of what the proxy appended.
            (
                &trusted,
                "10.0.0.5",
                Some("6.6.6.6, 1.2.3.4"),
                None,
                "1.2.3.4",
            ),
            (
                &trusted,
                "10.0.0.5",
                Some("6.6.6.6, 1.2.3.4, 192.168.1.9"),
                None,
                "1.2.3.4",
            ),
            (
                &trusted,
                "10.0.0.5",
                Some("unknown, 192.168.1.9"),
                None,
                "192.168.1.9",
            ),
            (&trusted, "10.0.0.5", Some("1.2.3.4:5678"), None, "1.2.3.4"),
            (
                &trusted,
                "10.0.0.5",
                None,
                Some("for=1.2.3.4;proto=https"),
                "1.2.3.4",
            ),
            (
                &trusted,
                "10.0.0.5",
                None,
                Some("for=6.6.6.6, For=\"[2001:db8::1]:4711\""),
                "2001:db8::1",
            ),
            (&trusted, "10.0.0.5", None, Some("for=_hidden"), "10.0.0.5"),
            (
                &trusted,
                "::ffff:10.0.0.5",
                Some("1.2.3.4"),
                None,
                "1.2.3.4",
            ),
        ];
        for (proxies, peer, xff, fwd, expected) in table {
            assert_eq!(
                client(proxies, peer, xff, fwd),
                expected,
                "{peer} {xff:?} {fwd:?}"
            );
        }
        assert!(TrustedProxies::parse(&["not an address".into()]).is_err());
    }
}
