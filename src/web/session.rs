//! Signing in and out, the signed-in user of a request, and CSRF checks.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::{Actor, Role};
use crate::config::WebSettings;
use crate::db::Pool;
use crate::services::sign_in::{self, Lifetimes, Session, SignIn};

use super::{format, html, run, see_other, Nav, PageError, PageResult};

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
            secure_cookie: s.public_url.starts_with("https://"),
        }
    }
}

/// The signed-in user of a page: the same [`Actor`] a bearer token gives, plus the session.
pub struct SignedIn(pub Session);

impl std::ops::Deref for SignedIn {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.0
    }
}

impl SignedIn {
    pub fn actor(&self) -> Actor {
        self.0.actor.clone()
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

    /// 403 page unless the user holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), PageError> {
        self.actor.require(roles).map_err(PageError::from)
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
pub async fn flash(pool: &web::Data<Pool>, user: &SignedIn, text: String) -> Result<(), PageError> {
    let pool = pool.clone();
    let id_hash = user.id_hash.clone();
    run(move || sign_in::flash(&pool, &id_hash, &text)).await
}

/// Each person's first page by their roles, finance first; `/` itself for someone with none of
/// those roles (an administrator).
fn first_page(user: &SignedIn) -> &'static str {
    if user.actor.has(Role::Finance) {
        "/finance"
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
        },
    )
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Nav,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    login: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path of this site: never an absolute URL (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

pub async fn login_form(query: web::Query<NextQuery>) -> PageResult {
    html(
        StatusCode::OK,
        &LoginPage {
            next: safe_next(query.next.as_deref()),
            login: String::new(),
            error: None,
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
}

pub async fn login(
    req: HttpRequest,
    pool: web::Data<Pool>,
    form: web::Form<LoginForm>,
) -> PageResult {
    let form = form.into_inner();
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let next = safe_next(Some(&form.next));
    let (login, password) = (form.login.clone(), form.password);
    let answer = run(move || sign_in::sign_in(&pool, &login, &password, &address)).await?;
    let error = match answer {
        SignIn::Started { session_id } => {
            let config = config_of(&req);
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
    html(
        StatusCode::OK,
        &LoginPage {
            next,
            login: form.login,
            error: Some(error),
        },
    )
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

pub async fn change_password(
    pool: web::Data<Pool>,
    user: SignedIn,
    form: web::Form<PasswordForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let error = if form.password != form.repeat {
        Some("两次输入的新密码不一致。".to_string())
    } else {
        let (pool2, actor) = (pool.clone(), user.actor());
        match run(move || sign_in::change_password(&pool2, &actor, &form.current, &form.password))
            .await
        {
            Ok(()) => None,
            Err(PageError::Failed(e)) => Some(format::refusal(&e)),
            Err(other) => return Err(other),
        }
    };
    match error {
        None => {
            flash(&pool, &user, "ok:密码已更改。".into()).await?;
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
        assert_eq!(safe_next(Some("/claims/3")), "/claims/3");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "claims",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
