//! The web pages (web.md): server-rendered HTML for people, beside the JSON API and calling the
//! same services. A handler extracts the signed-in user, calls a service on the blocking pool (the
//! service checks the user's role, as it does for the API) and renders a template struct;
//! refusals are shown in Chinese in place, never as problem+json.
//!
//! Sessions live in the database (`services::sign_in`); the cookie holds only a random id. Every
//! state-changing form carries the session's CSRF token and is refused (403) without it.

pub mod adjustments;
pub mod admin;
pub mod admin_approval;
pub mod approvals;
pub mod attachments;
pub mod budget;
pub mod charts;
pub mod claims;
pub mod einvoices;
pub mod finance;
pub mod format;
pub mod forms;
pub mod session;
pub mod subsidy;
pub mod travel;
pub mod vouchers;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse, ResponseError};
use askama::Template;

use crate::error::AppError;
use crate::services::permissions::{self, UseCase};

pub use session::{SignedIn, WebConfig};

/// One entry of the menu.
#[derive(Clone, Debug)]
pub struct MenuItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What every signed-in page shows around its content.
#[derive(Clone, Debug)]
pub struct Nav {
    pub user_name: String,
    pub menu: Vec<MenuItem>,
    pub csrf: String,
    /// The one-time message after a redirect, and whether it reports success or a refusal.
    pub flash: Option<String>,
    pub flash_ok: bool,
    /// The quiet note that the organisation's books are pinned to a day (the demo).
    pub pinned: Option<String>,
}

impl Nav {
    /// The menu shows only what the user's roles allow (web.md "What each role sees"), by the
    /// table of use cases the services check.
    pub fn new(user: &SignedIn, current: &str) -> Nav {
        let mut menu = Vec::new();
        let mut add = |href: &'static str, label: &'static str| {
            menu.push(MenuItem {
                href,
                label,
                current: href == current,
            })
        };
        let may = |use_case| permissions::allows(&user.actor, use_case);
        if may(UseCase::MyClaims) {
            add("/claims", "我的报销");
        }
        if may(UseCase::SubmitClaim) {
            add("/claims/new", "新建差旅报销");
        }
        if may(UseCase::RequestTrip) {
            add("/travel-requests", "出差申请");
        }
        if may(UseCase::DecideTrip) {
            add("/travel-requests/queue", "出差审批");
        }
        if may(UseCase::StepQueue) {
            add("/approvals", "待我审批");
        }
        if may(UseCase::ClaimQueue) {
            add("/finance", "待审核");
        }
        if may(UseCase::MakeBatch) {
            add("/subsidy", "老干部补助");
        }
        if may(UseCase::OutstandingAdvances) {
            add("/advances", "借款");
        }
        if may(UseCase::ManageUsers) {
            add("/admin/users", "用户");
            add("/admin/approval", "审批流程");
        }
        if may(UseCase::CreateLine) {
            add("/admin/budget-lines", "预算科目");
        }
        if may(UseCase::PublishPolicy) {
            add("/admin/policy", "差旅费标准");
        }
        if may(UseCase::BudgetOverview) {
            add("/budget", "预算总览");
        }
        if may(UseCase::Performance) {
            add("/performance", "绩效自评");
        }
        if may(UseCase::ExecutionReport) {
            add("/reports", "报表");
        }
        if may(UseCase::ReadAdjustments) {
            add("/adjustments", "预算调整");
        }
        if may(UseCase::ReadVouchers) {
            add("/vouchers", "记账凭证");
        }
        if may(UseCase::SetAccountMap) {
            add("/admin/account-map", "会计科目");
        }
        let (flash, flash_ok) = match user.flash.as_deref().map(Flash::read) {
            Some(Flash::Kept(_)) => (
                Some("登录已过期，已为您保留填写内容。请检查后再提交。".to_string()),
                true,
            ),
            Some(Flash::Done(text)) => (Some(text), true),
            Some(Flash::Refused(text)) => (Some(text), false),
            None => (None, true),
        };
        Nav {
            user_name: user.name.clone(),
            menu,
            csrf: user.csrf_token.clone(),
            flash,
            flash_ok,
            pinned: user.as_of.map(format::pinned_calendar),
        }
    }
}

impl Nav {
    /// Whether the menu offers `href` (a page may link to it only then).
    pub fn offers(&self, href: &str) -> bool {
        self.menu.iter().any(|m| m.href == href)
    }
}

/// The one-time message a page leaves for the next one (post/redirect/get), by its level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flash {
    /// What was done.
    Done(String),
    /// Why it was not done.
    Refused(String),
    /// A form posted after its session ended, carried through the sign-in to its page (the
    /// typed fields as JSON pairs, see [`session::kept_form`]).
    Kept(String),
}

impl Flash {
    /// The text the session keeps until the next page: the level as a prefix.
    pub fn stored(&self) -> String {
        match self {
            Flash::Done(text) => format!("ok:{text}"),
            Flash::Refused(text) => format!("err:{text}"),
            Flash::Kept(json) => format!("kept:{json}"),
        }
    }

    /// The message as [`Flash::stored`] wrote it (a text without a level is a refusal).
    pub fn read(stored: &str) -> Flash {
        if let Some(json) = stored.strip_prefix("kept:") {
            Flash::Kept(json.to_string())
        } else if let Some(text) = stored.strip_prefix("ok:") {
            Flash::Done(text.to_string())
        } else {
            Flash::Refused(stored.trim_start_matches("err:").to_string())
        }
    }

    /// How a form's action went: what it did, or its refusal in the words `refusal` gives. Other
    /// failures (sign in, 403, 404) are answered as pages.
    pub fn of(
        result: Result<String, PageError>,
        refusal: impl FnOnce(&AppError) -> String,
    ) -> Result<Flash, PageError> {
        match result {
            Ok(text) => Ok(Flash::Done(text)),
            Err(PageError::Failed(e)) => Ok(Flash::Refused(refusal(&e))),
            Err(other) => Err(other),
        }
    }
}

/// A form posted about document `id` (its path), with the pool and who posts it: what a
/// button on a document's page sends.
pub type Posted<F> = (
    web::Data<crate::db::Pool>,
    SignedIn,
    web::Path<i64>,
    web::Form<F>,
);

/// A form sent by who is signed in, with the pool: what a page's own form posts.
pub type Sent<F> = (web::Data<crate::db::Pool>, SignedIn, web::Form<F>);

/// A page asked for by who is signed in, with its query and the pool.
pub type Asked<Q> = (web::Data<crate::db::Pool>, SignedIn, web::Query<Q>);

/// After a form's action: says how it went on the next page, and goes to `back`.
pub async fn done(
    pool: &web::Data<crate::db::Pool>,
    user: &SignedIn,
    result: Result<String, PageError>,
    refusal: impl FnOnce(&AppError) -> String,
    back: &str,
) -> PageResult {
    session::flash(pool, user, Flash::of(result, refusal)?).await?;
    Ok(see_other(back))
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in: go to the sign-in page (and come back afterwards).
    SignIn {
        next: String,
        /// An htmx request (the live quote): the browser must go to the sign-in page instead of
        /// having it drawn inside the quote panel.
        htmx: bool,
    },
    /// A password someone else chose must be replaced first.
    ChangePassword,
    /// The form lacked this session's CSRF token: 403, nothing changed.
    Csrf,
    Forbidden,
    NotFound,
    Failed(AppError),
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> PageError {
        match error {
            AppError::Forbidden => PageError::Forbidden,
            AppError::NotFound(_) | AppError::UnknownBudgetLine(_) => PageError::NotFound,
            other => PageError::Failed(other),
        }
    }
}

impl From<actix_web::error::BlockingError> for PageError {
    fn from(error: actix_web::error::BlockingError) -> PageError {
        PageError::Failed(error.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            // Answered with a redirect (see `error_response`); the status here is what the
            // request logs record: a visitor without a session, not a server error.
            PageError::SignIn { .. } => StatusCode::UNAUTHORIZED,
            PageError::ChangePassword => StatusCode::FORBIDDEN,
            PageError::Csrf | PageError::Forbidden => StatusCode::FORBIDDEN,
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Failed(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, message) = match self {
            PageError::SignIn { next, htmx } => {
                if *htmx {
                    // A live panel (the quote) of a form left open: say so in the panel and stay
                    // on the form, whose typed work the sign-in keeps when it is submitted.
                    return HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(concat!(
                            r#"<p class="flash err" role="alert" id="session-ended">"#,
                            "登录已过期，暂时无法试算。提交时会请您重新登录，填写的内容会保留。",
                            "</p>"
                        ));
                }
                return see_other(&format!("/login?next={}", encode(next)));
            }
            PageError::ChangePassword => return see_other("/password"),
            PageError::Csrf => (
                "请求已过期",
                "这张表单已过期或不是从本系统的页面提交的，没有做任何更改。请返回上一页刷新后重试。"
                    .to_string(),
            ),
            PageError::Forbidden => ("无权访问", "您的角色无权查看这个页面。".to_string()),
            PageError::NotFound => (
                "没有找到",
                "没有找到这个页面或记录；它可能不存在，或不属于您的单位。".to_string(),
            ),
            PageError::Failed(e) => {
                if let AppError::Internal(cause) = e {
                    tracing::error!(%cause, "internal error on a page");
                }
                ("出错了", format::refusal(e))
            }
        };
        let status = self.status_code();
        let body = ErrorPage {
            status: status.as_u16(),
            title,
            message,
        }
        .render()
        .unwrap_or_else(|_| title.to_string());
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body)
    }
}

/// A page's result.
pub type PageResult = Result<HttpResponse, PageError>;

/// 303 See Other (post/redirect/get).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A rendered page.
pub fn html<T: Template>(status: StatusCode, page: &T) -> PageResult {
    Ok(html_response(status, render(page)?))
}

/// A page's text, as its template draws it.
fn render<T: Template>(page: &T) -> Result<String, PageError> {
    page.render()
        .map_err(|e| PageError::Failed(AppError::Internal(format!("template: {e}"))))
}

/// A page's text as sent, with the headers every page carries.
fn html_response(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // No page may be framed by another site (a hidden 批准 button under a decoy).
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .body(body)
}

/// Percent-encodes a path for a query parameter.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Runs a service call on the blocking pool.
pub async fn run<T, F>(f: F) -> Result<T, PageError>
where
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    Ok(web::block(f).await??)
}

/// The embedded assets: htmx (vendored, with its licence) and our stylesheet.
async fn asset(name: web::Path<String>) -> HttpResponse {
    let (body, kind): (&'static [u8], &str) = match name.as_str() {
        "htmx.min.js" => (
            include_bytes!("../../assets/htmx.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "htmx.LICENSE" => (
            include_bytes!("../../assets/htmx.LICENSE"),
            "text/plain; charset=utf-8",
        ),
        "app.css" => (
            include_bytes!("../../assets/app.css"),
            "text/css; charset=utf-8",
        ),
        "attachments.js" => (
            include_bytes!("../../assets/attachments.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return PageError::NotFound.error_response(),
    };
    HttpResponse::Ok()
        .content_type(kind)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}

/// A redirect to the sign-in page, or the sign-in page that keeps a form's work
/// ([`session::SignInKept`]), is how a page answers a visitor without a session, not a failure:
/// the response keeps its status and headers but no longer carries the error, so the request log
/// does not report every such visit as an error.
async fn quiet_redirects(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let redirect = res.status().is_redirection() || res.headers().contains_key("hx-redirect");
    let sign_in = match res.response().error() {
        Some(e) => redirect || e.as_error::<session::SignInKept>().is_some(),
        None => false,
    };
    if !sign_in {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let (status, headers) = (res.status(), res.headers().clone());
    let mut plain = HttpResponse::with_body(status, res.into_body());
    *plain.headers_mut() = headers;
    Ok(actix_web::dev::ServiceResponse::new(req, plain))
}

/// Registers the pages (outside `/api/`, so the API's middleware and errors stay as they are),
/// and remembers each path's methods ([`PageRoutes`]) for the 405 of another method.
pub fn pages(cfg: &mut web::ServiceConfig) {
    let mut known = Vec::new();
    cfg.service(
        web::scope("")
            .wrap(actix_web::middleware::from_fn(quiet_redirects))
            .configure(|cfg| {
                routes(&mut Pages {
                    cfg,
                    known: &mut known,
                })
            }),
    );
    cfg.app_data(web::Data::new(PageRoutes(known)));
}

/// A page route: its method, remembered beside the route actix serves.
struct PageRoute {
    method: &'static str,
    route: actix_web::Route,
}

impl PageRoute {
    fn to<F, Args>(self, handler: F) -> PageRoute
    where
        F: actix_web::Handler<Args>,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
    {
        PageRoute {
            method: self.method,
            route: self.route.to(handler),
        }
    }
}

fn get() -> PageRoute {
    PageRoute {
        method: "GET",
        route: web::get(),
    }
}

fn post() -> PageRoute {
    PageRoute {
        method: "POST",
        route: web::post(),
    }
}

/// The page routes as they are registered, each remembered with its method.
struct Pages<'a> {
    cfg: &'a mut web::ServiceConfig,
    known: &'a mut Vec<(&'static str, &'static str)>,
}

impl Pages<'_> {
    fn route(&mut self, path: &'static str, page: PageRoute) -> &mut Self {
        self.known.push((path, page.method));
        self.cfg.route(path, page.route);
        self
    }

    fn configure(&mut self, f: fn(&mut Pages<'_>)) -> &mut Self {
        f(self);
        self
    }
}

/// Every page path (`/claims/{id}`) with its methods: another method on one of them is 405 with
/// `Allow` ([`crate::routes::not_found`]), not 404.
pub struct PageRoutes(Vec<(&'static str, &'static str)>);

impl PageRoutes {
    /// The methods served on `path`; empty for a path that is no page.
    pub fn allowed_methods(&self, path: &str) -> Vec<&'static str> {
        crate::routes::methods_fitting(self.0.iter().copied(), path)
    }
}

/// Another method on a page: 405 with `Allow`, the refusal in Chinese.
pub fn method_not_allowed(allowed: &[&str]) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, allowed.join(", ")))
        .content_type("text/html; charset=utf-8")
        .body(
            "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>请求方式不对</title>\
             <p>此页面不支持该请求方式。</p></html>",
        )
}

fn routes(cfg: &mut Pages<'_>) {
    cfg.route("/assets/{name}", get().to(asset))
        .route("/", get().to(session::home))
        .route("/login", get().to(session::login_form))
        .route("/login", post().to(session::login))
        .route("/logout", post().to(session::logout))
        .route("/password", get().to(session::password_form))
        .route("/password", post().to(session::change_password))
        .route("/claims", get().to(claims::list))
        .route("/claims/new", get().to(claims::new_form))
        .route("/claims/new", post().to(claims::submit))
        .route("/claims/quote", post().to(claims::quote))
        .route("/claims/{id}", get().to(claims::show))
        .route("/claims/{id}/print", get().to(claims::print))
        .route("/claims/new/import", post().to(einvoices::import))
        .route("/claims/{id}/attachments", post().to(attachments::upload))
        .route(
            "/claims/{id}/attachments/{aid}",
            get().to(attachments::download),
        )
        .route(
            "/claims/{id}/attachments/{aid}/delete",
            post().to(attachments::remove),
        )
        .route("/claims/{id}/{action}", post().to(claims::act))
        .route(
            "/travel-requests/{id}/draft-claim",
            post().to(claims::from_request),
        )
        .route("/approvals", get().to(approvals::queue))
        .route(
            "/approvals/claims/{id}/approve",
            post().to(approvals::approve),
        )
        .route(
            "/approvals/claims/{id}/reject",
            post().to(approvals::reject),
        )
        .route("/finance", get().to(finance::queue))
        .route("/finance/claims/{id}/approve", post().to(finance::approve))
        .route("/finance/claims/{id}/reject", post().to(finance::reject))
        .route("/finance/claims/{id}/pay", post().to(finance::pay))
        .route("/budget", get().to(budget::overview))
        .route("/budget/lines/{id}", get().to(budget::line))
        .route(
            "/budget/lines/{id}/assignments",
            post().to(budget::add_assignment),
        )
        .route("/budget/lines/{id}/events", post().to(budget::add_event))
        .route("/performance", get().to(budget::performance))
        .route("/reports", get().to(budget::reports_page))
        .route("/reports/{what}", get().to(budget::download))
        .configure(adjustment_routes)
        .configure(subsidy_routes)
        .configure(admin_routes)
        .configure(travel_routes);
}

fn admin_routes(cfg: &mut Pages<'_>) {
    cfg.route("/admin/users", get().to(admin::users))
        .route("/admin/users", post().to(admin::add_user))
        .route(
            "/admin/users/{id}/password",
            post().to(admin::reset_password),
        )
        .route("/admin/users/{id}/revoke", post().to(admin::revoke))
        .route("/admin/organisation", post().to(admin::set_tax_id))
        .route("/admin/approval", get().to(admin_approval::page))
        .route("/admin/approval", post().to(admin_approval::set_chain))
        .route(
            "/admin/departments",
            post().to(admin_approval::add_department),
        )
        .route(
            "/admin/departments/members",
            post().to(admin_approval::put_member),
        )
        .route("/admin/budget-lines", get().to(admin::lines))
        .route("/admin/budget-lines", post().to(admin::add_line))
        .route("/admin/policy", get().to(admin::policy))
        .route("/admin/policy", post().to(admin::publish))
        .route("/admin/account-map", get().to(vouchers::account_map))
        .route("/admin/account-map", post().to(vouchers::set_account_map))
        .route("/vouchers", get().to(vouchers::list))
        .route("/vouchers/{id}", get().to(vouchers::show))
        .route("/vouchers/{id}/print", get().to(vouchers::print));
}

fn subsidy_routes(cfg: &mut Pages<'_>) {
    cfg.route("/subsidy", get().to(subsidy::index))
        .route("/subsidy/recipients", post().to(subsidy::add_recipient))
        .route(
            "/subsidy/recipients/{id}/payee",
            get().to(subsidy::payee_form),
        )
        .route(
            "/subsidy/recipients/{id}/payee",
            post().to(subsidy::set_payee),
        )
        .route(
            "/subsidy/recipients/{id}/end",
            post().to(subsidy::end_enrollment),
        )
        .route("/subsidy/batches", post().to(subsidy::make_batch))
        .route("/subsidy/batches/{id}", get().to(subsidy::show))
        .route("/subsidy/batches/{id}/approve", post().to(subsidy::approve))
        .route(
            "/subsidy/batches/{id}/regenerate",
            post().to(subsidy::regenerate),
        )
        .route("/subsidy/batches/{id}/pay", post().to(subsidy::pay))
        .route("/subsidy/batches/{id}/void", post().to(subsidy::void))
        .route(
            "/subsidy/batches/{id}/payment-file",
            get().to(subsidy::payment_file),
        );
}

fn travel_routes(cfg: &mut Pages<'_>) {
    cfg.route("/travel-requests", get().to(travel::requests))
        .route("/travel-requests", post().to(travel::create))
        .route("/travel-requests/estimate", post().to(travel::estimate))
        .route("/travel-requests/queue", get().to(travel::queue))
        .route("/travel-requests/{id}/cancel", post().to(travel::cancel))
        .route("/travel-requests/{id}/approve", post().to(travel::approve))
        .route("/travel-requests/{id}/reject", post().to(travel::reject))
        .route("/advances", get().to(travel::advances))
        .route(
            "/advances/requests/{id}/pay",
            post().to(travel::pay_advance),
        )
        .route(
            "/advances/claims/{id}/returned",
            post().to(travel::returned),
        );
}

fn adjustment_routes(cfg: &mut Pages<'_>) {
    cfg.route("/adjustments", get().to(adjustments::page))
        .route("/adjustments", post().to(adjustments::request))
        .route("/adjustments/{id}/approve", post().to(adjustments::approve))
        .route("/adjustments/{id}/reject", post().to(adjustments::reject));
}

#[cfg(test)]
mod tests {
    use super::Flash;

    /// A message reads back at the level it was left with, whatever its text says; a stored
    /// text without a level (written before levels were kept) is a refusal.
    #[test]
    fn a_flash_reads_back_at_its_level() {
        for flash in [
            Flash::Done("报销单 3 已批准。".into()),
            Flash::Refused("ok:不是前缀".into()),
            Flash::Kept(r#"[["purpose","赴省"]]"#.into()),
        ] {
            assert_eq!(Flash::read(&flash.stored()), flash);
        }
        assert_eq!(Flash::Done("已保存。".into()).stored(), "ok:已保存。");
        assert_eq!(Flash::read("没有级别"), Flash::Refused("没有级别".into()));
    }
}
