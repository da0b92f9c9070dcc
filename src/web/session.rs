//! Signing in and out, the signed-in user of a request, and CSRF checks.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::Role;
use crate::config::WebSettings;
use crate::db::Pool;
use crate::error::AppError;
use crate::services::clock::PaymentMargin;
use crate::services::sign_in::{self, Lifetimes, Session, SignIn};
use crate::services::Context;
use crate::wire::PayBody;

use super::{
    format, html, html_response, render, run, see_other, Flash, Nav, PageError, PageResult, Sent,
};

pub const COOKIE: &str = "bx_session";

/// How the pages run: session lifetimes and whether the cookie is `Secure`.
#[derive(Clone, Copy, Debug)]
pub struct WebConfig {
    pub lifetimes: Lifetimes,
    pub secure_cookie: bool,
}

impl WebConfig {
    pub fn from_settings(s: &WebSettings) -> WebConfig {
        WebConfig {
            lifetimes: Lifetimes {
                idle: chrono::Duration::hours(s.session_idle_hours.max(1)),
                absolute: chrono::Duration::days(s.session_absolute_days.max(1)),
            },
            secure_cookie: s.is_https(),
        }
    }
}

/// A step of a document that takes what a form asks ([`SignedIn::act_with`]).
type StepWith<A, T> = fn(&Pool, &Context, i64, Result<A, AppError>) -> Result<T, AppError>;

/// Paying a document on a day, within the payment margin ([`SignedIn::pay`]).
type PayStep<T> =
    fn(&Pool, &Context, i64, Result<NaiveDate, AppError>, PaymentMargin) -> Result<T, AppError>;

/// The signed-in user of a page: the same [`Actor`] a bearer token gives, plus the session.
pub struct SignedIn(pub Session);

impl std::ops::Deref for SignedIn {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.0
    }
}

impl SignedIn {
    /// Who is asking, as the services take it (a page carries no Idempotency-Key).
    pub fn actor(&self) -> Context {
        Context::from(self.0.actor.clone())
    }

    /// Runs a service call as this user on the blocking pool: `f` gets the pool and the user's
    /// [`Actor`].
    pub async fn run<T, F>(&self, pool: &web::Data<Pool>, f: F) -> Result<T, PageError>
    where
        F: FnOnce(&Pool, &Context) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, actor) = (pool.clone(), self.actor());
        run(move || f(&pool, &actor)).await
    }

    /// A step of document `id` as this user (approve, void, …), on the blocking pool.
    pub async fn act<T: Send + 'static>(
        &self,
        pool: &web::Data<Pool>,
        id: i64,
        step: fn(&Pool, &Context, i64) -> Result<T, AppError>,
    ) -> Result<T, PageError> {
        self.run(pool, move |p, actor| step(p, actor, id)).await
    }

    /// A step of document `id` that takes what the form asks (a reason, a day), or why it could
    /// not be read, which the use case reports after its role check.
    pub async fn act_with<A, T>(
        &self,
        pool: &web::Data<Pool>,
        id: i64,
        asked: Result<A, AppError>,
        step: StepWith<A, T>,
    ) -> Result<T, PageError>
    where
        A: Send + 'static,
        T: Send + 'static,
    {
        self.run(pool, move |p, actor| step(p, actor, id, asked))
            .await
    }

    /// The document a form was posted about ([`super::Posted`]), once the form's CSRF token is
    /// this session's ([`Self::check_csrf`]).
    pub fn checked(&self, id: web::Path<i64>, csrf: &str) -> Result<i64, PageError> {
        self.check_csrf(csrf)?;
        Ok(id.into_inner())
    }

    /// Rejects document `id` for the reason typed in the form ([`super::forms::reject_reason`]).
    pub async fn reject<T: Send + 'static>(
        &self,
        pool: &web::Data<Pool>,
        id: i64,
        reason: &str,
        step: StepWith<String, T>,
    ) -> Result<T, PageError> {
        let reason = super::forms::reject_reason(reason);
        self.act_with(pool, id, reason, step).await
    }

    /// Records document `id` (a claim, a subsidy batch) paid on the day its form gives, read as
    /// the API reads `{"paid_on"}`.
    pub async fn pay<T: Send + 'static>(
        &self,
        pool: &web::Data<Pool>,
        id: i64,
        paid_on: &str,
        margin: PaymentMargin,
        step: PayStep<T>,
    ) -> Result<T, PageError> {
        let paid_on = super::forms::one_field::<PayBody>("paid_on", paid_on).map(|b| b.paid_on);
        self.run(pool, move |p, actor| step(p, actor, id, paid_on, margin))
            .await
    }

    /// 403 unless the form carried this session's CSRF token (compared by digest, so the time
    /// taken says nothing about how much of it matched).
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        let digest = |s: &str| Sha256::digest(s.as_bytes());
        if !sent.is_empty() && digest(sent) == digest(&self.csrf_token) {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }
}

fn pool_of(req: &HttpRequest) -> Option<web::Data<Pool>> {
    req.app_data::<web::Data<Pool>>().cloned()
}

fn config_of(req: &HttpRequest) -> WebConfig {
    req.app_data::<web::Data<WebConfig>>()
        .map(|c| *c.get_ref())
        .unwrap_or(WebConfig {
            lifetimes: Lifetimes::default(),
            secure_cookie: false,
        })
}

/// The live session of a request, if any.
async fn current(req: &HttpRequest) -> Result<Option<Session>, PageError> {
    let Some(cookie) = req.cookie(COOKIE) else {
        return Ok(None);
    };
    let pool = pool_of(req).ok_or(PageError::NotFound)?;
    let lifetimes = config_of(req).lifetimes;
    let id = cookie.value().to_string();
    run(move || sign_in::session(&pool, &id, lifetimes)).await
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<SignedIn, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let htmx = req.headers().contains_key("hx-request");
            let session = current(&req).await?.ok_or_else(|| PageError::SignIn {
                next: if req.method() == actix_web::http::Method::GET {
                    req.path().to_string()
                } else if htmx {
                    // The live quote's form: come back to a new one.
                    "/claims/new".to_string()
                } else {
                    "/".to_string()
                },
                htmx,
            })?;
            if session.must_change_password && req.path() != "/password" && req.path() != "/logout"
            {
                return Err(PageError::ChangePassword);
            }
            Ok(SignedIn(session))
        })
    }
}

fn session_cookie(value: String, config: WebConfig) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookie)
        .finish()
}

fn expired_cookie(config: WebConfig) -> Cookie<'static> {
    let mut cookie = session_cookie(String::new(), config);
    cookie.set_max_age(time::Duration::ZERO);
    cookie
}

/// Sets a one-time message for the next page.
pub async fn flash(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    message: Flash,
) -> Result<(), PageError> {
    let pool = pool.clone();
    let id_hash = user.id_hash.clone();
    let text = message.stored();
    run(move || sign_in::flash(&pool, &id_hash, &text)).await
}

/// Each person's first page by their roles, finance first; `/` itself for someone with none of
/// those roles (an administrator).
fn first_page(user: &SignedIn) -> &'static str {
    if user.actor.has(Role::Finance) {
        "/finance"
    } else if user.actor.has(Role::DepartmentHead) || user.actor.has(Role::Leader) {
        // R18: each approver's home page is the list of what waits at their step.
        "/approvals"
    } else if user.actor.has(Role::Claimant) {
        "/claims"
    } else if user.actor.has(Role::BudgetHolder) {
        "/budget"
    } else {
        "/"
    }
}

/// `/`: each person's first page.
pub async fn home(user: SignedIn) -> PageResult {
    match first_page(&user) {
        "/" => {}
        page => return Ok(see_other(page)),
    }
    html(
        StatusCode::OK,
        &HomePage {
            nav: Nav::new(&user, "/"),
            admin: user.actor.has(Role::Admin),
        },
    )
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Nav,
    admin: bool,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    login: String,
    error: Option<String>,
    /// The organisation the sign-in is for, named on the page.
    org: String,
    /// A form posted after its session ended, carried through the sign-in (web.md "Forms never
    /// lose work"): the typed fields as JSON pairs, without the stale CSRF token.
    kept: String,
}

/// What a form of [`KEEPS_WORK`] says when posted with a stale token (signed in again elsewhere
/// since): nothing was sent, and the form is shown again as typed.
pub const STALE_KEPT: &str = "这张表单已过期，没有提交。已为您保留填写内容，请检查后再提交。";

/// Forms whose typed work survives a session that ended while they were open: each is posted to
/// the same path that shows it.
const KEEPS_WORK: [&str; 2] = ["/claims/new", "/travel-requests"];

/// A form of [`KEEPS_WORK`] as posted to its page: who posts it, and the typed fields. A session
/// that ended while the form was open is answered by the extractor itself, with the sign-in page
/// carrying what was typed, so that signing in shows the form again filled in.
pub struct KeepsWork {
    pub user: SignedIn,
    pub pairs: Vec<(String, String)>,
}

impl FromRequest for KeepsWork {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<KeepsWork, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = SignedIn::from_request(req, payload);
        let pairs = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let pairs = pairs.await?.into_inner();
            let user = match user.await {
                Err(PageError::SignIn { .. }) => {
                    return Err(sign_in_keeping(&req, &pairs).await?.into());
                }
                other => other?,
            };
            Ok(KeepsWork { user, pairs })
        })
    }
}

/// The answer to a form of [`KEEPS_WORK`] posted without a live session: the sign-in page (its
/// text), carrying what was typed. An extractor answers only by failing, so [`KeepsWork`] gives
/// it as its error; it is no failure, and the pages drop it from the response as they do a
/// sign-in redirect's (`quiet_redirects`).
#[derive(Debug)]
pub struct SignInKept(String);

impl std::fmt::Display for SignInKept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the session ended while a form was open: sign in, keeping what was typed")
    }
}

impl actix_web::ResponseError for SignInKept {
    fn status_code(&self) -> StatusCode {
        StatusCode::OK
    }

    fn error_response(&self) -> HttpResponse {
        html_response(StatusCode::OK, self.0.clone())
    }
}

/// The sign-in page for a form of [`KEEPS_WORK`] posted without a live session (the form is
/// posted to the path that shows it), carrying what was typed.
async fn sign_in_keeping(
    req: &HttpRequest,
    pairs: &[(String, String)],
) -> Result<SignInKept, PageError> {
    let path = req.path();
    if !KEEPS_WORK.contains(&path) {
        return Err(PageError::SignIn {
            next: "/".into(),
            htmx: false,
        });
    }
    let pool = pool_of(req).ok_or(PageError::NotFound)?;
    let typed: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "csrf" && k != "action")
        .collect();
    let kept = serde_json::to_string(&typed)
        .map_err(|e| PageError::Failed(crate::error::AppError::Internal(e.to_string())))?;
    let page = LoginPage {
        next: path.to_string(),
        login: String::new(),
        error: Some("登录已过期，请重新登录。您填写的内容已保留，登录后会回到这张表单。".into()),
        org: org_name(&pool).await,
        kept,
    };
    Ok(SignInKept(render(&page)?))
}

/// The form a session's first page should show again, if the sign-in carried one.
pub fn kept_form(user: &SignedIn) -> Option<Vec<(String, String)>> {
    match Flash::read(user.flash.as_deref()?) {
        Flash::Kept(json) => serde_json::from_str(&json).ok(),
        _ => None,
    }
}

/// The organisation's name for the sign-in page (empty if it cannot be read).
async fn org_name(pool: &web::Data<Pool>) -> String {
    let pool = pool.clone();
    run(move || sign_in::org_name(&pool))
        .await
        .unwrap_or_default()
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Where to go after signing in: `next` when it is a path of this site, else `/`. A path of this
/// site starts with one `/` that no second `/` or `\` follows (`//host` and `/\host` name another
/// host to a browser), and holds no `\`, no control character and no white space anywhere
/// (browsers drop a tab or a line break from a URL, so `/\t/host` is `//host` to them; a line
/// break or other control character cannot be sent in a `Location` header at all).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n[1..].starts_with('/')
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// This site's origin (`http://127.0.0.1:8080`): the scheme, host and port of the public URL, as
/// browsers send it in `Origin`.
#[derive(Clone, Debug)]
pub struct SiteOrigin(String);

impl SiteOrigin {
    pub fn of(public_url: &str) -> SiteOrigin {
        SiteOrigin(origin_of(public_url).unwrap_or_default())
    }
}

/// `scheme://host[:port]` of a URL, lower-cased; `None` for what is not one (`null`).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!scheme.is_empty() && !authority.is_empty())
        .then(|| format!("{scheme}://{authority}").to_ascii_lowercase())
}

/// Login CSRF: a sign-in form must come from this site's own pages, or another site could sign
/// a visitor in to an account of its choosing. Its `Origin` (or, without one, the origin of its
/// `Referer`) must be this site's: the configured public URL's origin, or the host the request
/// was sent to (`Host`), which a page of another site cannot choose. `Origin: null` (a sandboxed
/// frame, a `data:` page) is refused. A post with neither header is let through: every current
/// browser sends `Origin` on a cross-site form post, so only a client that is no browser (or a
/// very old one) sends none, and it signs in nobody but itself.
fn from_this_site(origin: Option<&str>, referer: Option<&str>, site: &str, host: &str) -> bool {
    let claimed = match (origin, referer) {
        (Some(origin), _) => origin_of(origin),
        (None, Some(referer)) => origin_of(referer),
        (None, None) => return true,
    };
    let Some(claimed) = claimed else {
        return false;
    };
    let host_of = |o: &str| o.split_once("://").map(|(_, h)| h.to_string());
    claimed == site
        || host_of(&claimed).is_some_and(|h| !host.is_empty() && h == host.to_ascii_lowercase())
}

fn sent_from_this_site(req: &HttpRequest) -> bool {
    let header = |name| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("\u{0}"))
    };
    let site = req
        .app_data::<web::Data<SiteOrigin>>()
        .map(|s| s.0.clone())
        .unwrap_or_default();
    from_this_site(
        header(actix_web::http::header::ORIGIN),
        header(actix_web::http::header::REFERER),
        &site,
        header(actix_web::http::header::HOST).unwrap_or(""),
    )
}

pub async fn login_form(pool: web::Data<Pool>, query: web::Query<NextQuery>) -> PageResult {
    html(
        StatusCode::OK,
        &LoginPage {
            next: safe_next(query.next.as_deref()),
            login: String::new(),
            error: None,
            org: org_name(&pool).await,
            kept: String::new(),
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    kept: String,
}

pub async fn login(
    req: HttpRequest,
    pool: web::Data<Pool>,
    form: web::Form<LoginForm>,
) -> PageResult {
    let form = form.into_inner();
    let next = safe_next(Some(&form.next));
    let org = org_name(&pool).await;
    let page = |status: StatusCode, error: &str| {
        html(
            status,
            &LoginPage {
                next: next.clone(),
                login: form.login.clone(),
                error: Some(error.to_string()),
                org: org.clone(),
                kept: form.kept.clone(),
            },
        )
    };
    if !sent_from_this_site(&req) {
        return page(
            StatusCode::FORBIDDEN,
            "这个登录请求不是从本系统的登录页提交的，已拒绝。请在本系统的登录页重新登录。",
        );
    }
    let address = crate::routes::extract::client_address(&req);
    let (login, password) = (form.login.clone(), form.password.clone());
    let p = pool.clone();
    let answer = match run(move || sign_in::sign_in(&p, &login, &password, &address)).await {
        Ok(answer) => answer,
        Err(PageError::Failed(busy @ AppError::SignInBusy)) => {
            let retry_after = busy.retry_after().unwrap_or("5");
            let shown = page(
                StatusCode::SERVICE_UNAVAILABLE,
                "登录的人太多，请稍后再试。",
            )?;
            // The page with its headers, carrying its cause for the request log.
            let (shown, body) = shown.into_parts();
            let mut answer = HttpResponse::from_error(busy).set_body(body);
            *answer.headers_mut() = shown.headers().clone();
            answer.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static(retry_after),
            );
            return Ok(answer);
        }
        Err(other) => return Err(other),
    };
    let error = match answer {
        SignIn::Started { session_id } => {
            let config = config_of(&req);
            let keeps = KEEPS_WORK.contains(&next.as_str())
                && serde_json::from_str::<Vec<(String, String)>>(&form.kept).is_ok();
            if keeps {
                let (p, text) = (pool.clone(), Flash::Kept(form.kept.clone()).stored());
                let id_hash = crate::auth::token_hash(&session_id);
                run(move || sign_in::flash(&p, &id_hash, &text)).await?;
            }
            return Ok(HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, next))
                .cookie(session_cookie(session_id, config))
                .finish());
        }
        SignIn::Refused => "登录名或密码不正确。".to_string(),
        SignIn::Throttled {
            retry_after_minutes,
        } => format!(
            "尝试次数过多，已暂停登录。请在 {retry_after_minutes} 分钟后重试；忘记密码请联系管理员。"
        ),
    };
    page(StatusCode::OK, &error)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// Sign-out ends the session in the database, so it is over in every process at once.
pub async fn logout(
    req: HttpRequest,
    pool: web::Data<Pool>,
    user: SignedIn,
    form: web::Form<CsrfForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let id_hash = user.id_hash.clone();
    run(move || sign_in::sign_out(&pool, &id_hash)).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, "/login"))
        .cookie(expired_cookie(config_of(&req)))
        .finish())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    nav: Nav,
    required: bool,
    error: Option<String>,
}

pub async fn password_form(user: SignedIn) -> PageResult {
    html(
        StatusCode::OK,
        &PasswordPage {
            required: user.must_change_password,
            nav: Nav::new(&user, "/password"),
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

pub async fn change_password((pool, user, form): Sent<PasswordForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let error = if form.password != form.repeat {
        Some("两次输入的新密码不一致。".to_string())
    } else {
        let session = user.id_hash.clone();
        match user
            .run(&pool, move |pool2, actor| {
                sign_in::change_password(pool2, actor, &session, &form.current, &form.password)
            })
            .await
        {
            Ok(()) => None,
            Err(PageError::Failed(e)) => Some(format::refusal(&e)),
            Err(other) => return Err(other),
        }
    };
    match error {
        None => {
            flash(&pool, &user, Flash::Done("密码已更改。".into())).await?;
            // Straight to the first page: a stop at `/` would show the message to a redirect.
            Ok(see_other(first_page(&user)))
        }
        Some(error) => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                required: user.must_change_password,
                nav: Nav::new(&user, "/password"),
                error: Some(error),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_secure_exactly_when_the_public_url_is_https() {
        let mut settings = WebSettings::default();
        let plain = WebConfig::from_settings(&settings);
        assert!(!plain.secure_cookie);
        assert_eq!(plain.lifetimes.idle, chrono::Duration::hours(8));
        assert_eq!(plain.lifetimes.absolute, chrono::Duration::days(7));
        settings.public_url = "https://baoxiao.example.gov.cn".into();
        let config = WebConfig::from_settings(&settings);
        assert!(config.secure_cookie);
        let cookie = session_cookie("id".into(), config).to_string();
        for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(cookie.contains(flag), "{cookie}");
        }
    }

    #[test]
    fn only_paths_of_this_site_are_followed_after_sign_in() {
        for kept in [
            "/",
            "/claims/3",
            "/claims?status=submitted",
            "/a/b//c",
            "/%2F/x",
        ] {
            assert_eq!(safe_next(Some(kept)), kept);
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/a\\b",
            "claims",
            "",
            "/\t/evil/x",
            "/\r\nSet-Cookie: x=1",
            "/claims\n",
            "/a\u{b}b",
            "/a b",
            "/a\u{3000}b",
            "/a\u{85}b",
            " /claims",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn a_sign_in_must_come_from_this_site() {
        let site = "http://127.0.0.1:8080";
        let host = "127.0.0.1:8080";
        // Origin, Referer → let through
        let table: [(Option<&str>, Option<&str>, bool); 10] = [
            (Some("http://127.0.0.1:8080"), None, true),
            (Some("HTTP://127.0.0.1:8080"), None, true),
            (None, Some("http://127.0.0.1:8080/login?next=/claims"), true),
            (None, None, true),
            (Some("https://evil.example"), None, false),
            (Some("null"), None, false),
            (Some("http://127.0.0.1:8081"), None, false),
            (None, Some("https://evil.example/login"), false),
            // Origin decides when both are there.
            (
                Some("https://evil.example"),
                Some("http://127.0.0.1:8080/login"),
                false,
            ),
            (Some("http://127.0.0.1:8080.evil.example"), None, false),
        ];
        for (origin, referer, expected) in table {
            assert_eq!(
                from_this_site(origin, referer, site, host),
                expected,
                "{origin:?} {referer:?}"
            );
        }
        // The host the request was sent to, when the public URL names another (a proxy's).
        assert!(from_this_site(
            Some("https://baoxiao.example.gov.cn"),
            None,
            site,
            "baoxiao.example.gov.cn"
        ));
        assert!(from_this_site(
            Some("https://baoxiao.example.gov.cn"),
            None,
            "https://baoxiao.example.gov.cn",
            "127.0.0.1:8080"
        ));
    }
}
