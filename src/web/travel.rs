//! R16 pages: the claimant's 出差申请 form with its live estimate and their requests; the
//! approvers' 出差审批 queue; finance's 借款 page (advances to pay, what each person still owes,
//! returns to record). Forms build the API's JSON bodies and parse them with the same rules.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use crate::db::Pool;
use crate::domain::status::{RequestAction, Status};
use crate::error::AppError;
use crate::routes::extract::parse_json;
use crate::services::clock::PaymentMargin;
use crate::services::{claims, pages, travel_requests};
use crate::wire::travel_requests::{
    AdvanceInput, EstimateLineView, OutstandingView, RequestBody, RequestInput, RequestView,
    ReturnedBody,
};

use super::claims::LineOption;
use super::format::{self, yuan};
use super::forms::one_field;
use super::session::{flash, KeepsWork, SignedIn, STALE_KEPT};
use super::{html, run, see_other, Flash, Nav, PageError, PageResult, Posted, Sent};

/// The request form as typed, kept as text so it can be shown again exactly.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    budget_line_id: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    departure_date: String,
    #[serde(default)]
    return_date: String,
    #[serde(default)]
    travellers: String,
    #[serde(default)]
    tickets_estimate: String,
    #[serde(default)]
    advance_requested: String,
}

/// The request form from its posted fields (the last of a repeated name wins, as a form's would).
fn request_form(pairs: &[(String, String)]) -> Option<RequestForm> {
    let fields: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(fields)).ok()
}

impl RequestForm {
    /// The API's body, parsed by the same rules as a JSON request.
    fn to_body(&self) -> Result<RequestBody, AppError> {
        let opt = |s: &str| {
            let s = s.trim();
            if s.is_empty() {
                serde_json::Value::Null
            } else {
                json!(s)
            }
        };
        let line = self.budget_line_id.trim().parse::<i64>().unwrap_or(0);
        let travellers = match self.travellers.trim() {
            "" => json!(1),
            t => t.parse::<i64>().map_or(json!(0), |n| json!(n)),
        };
        let body = json!({
            "budget_line_id": line,
            "purpose": self.purpose.trim(),
            "destination": self.destination.trim(),
            "departure_date": self.departure_date.trim(),
            "return_date": self.return_date.trim(),
            "travellers": travellers,
            "tickets_estimate": opt(&self.tickets_estimate),
            "advance_requested": opt(&self.advance_requested),
        });
        parse_json::<RequestBody>(body.to_string().as_bytes())
    }
}

/// The live estimate: its total and explained lines, a hint, or why it cannot be computed.
#[derive(Clone, Debug, Default)]
pub struct EstimateShown {
    pub hint: Option<String>,
    pub error: Option<String>,
    pub total: String,
    pub lines: Vec<(String, String, String)>,
}

async fn estimate_of(pool: &web::Data<Pool>, user: &SignedIn, form: &RequestForm) -> EstimateShown {
    if form.departure_date.trim().is_empty()
        || form.return_date.trim().is_empty()
        || form.destination.trim().is_empty()
    {
        return EstimateShown {
            hint: Some("填写目的地和出发、返回日期后，这里显示预计费用。".into()),
            ..EstimateShown::default()
        };
    }
    let input = form.to_body().and_then(RequestInput::try_from);
    let result = match input {
        Ok(input) => {
            user.run(pool, move |p, actor| {
                travel_requests::quote(p, actor, &input)
            })
            .await
        }
        Err(e) => Err(PageError::Failed(e)),
    };
    match result {
        Ok((total, lines)) => EstimateShown {
            total: yuan(total),
            lines: lines.iter().map(estimate_line).collect(),
            ..EstimateShown::default()
        },
        Err(PageError::Failed(e)) => EstimateShown {
            error: Some(format!("无法估算：{}", format::refusal(&e))),
            ..EstimateShown::default()
        },
        Err(_) => EstimateShown {
            error: Some("无法估算".into()),
            ..EstimateShown::default()
        },
    }
}

/// An estimate line as the pages show it: item, its basis in Chinese, amount.
fn estimate_line(l: &EstimateLineView) -> (String, String, String) {
    (
        format::item(&l.item).to_string(),
        format::estimate_rule(&l.item, &l.basis),
        yuan(l.amount),
    )
}

#[derive(Clone, Debug)]
pub struct RequestLine {
    pub id: i64,
    pub who: String,
    pub purpose: String,
    pub destination: String,
    pub dates: String,
    pub travellers: i64,
    pub estimate: String,
    /// The estimate's lines: item, basis in Chinese, amount.
    pub estimate_lines: Vec<(String, String, String)>,
    pub advance_requested: String,
    /// The advance wanted as the amount field takes it (`3000.00`), or empty.
    pub advance_requested_input: String,
    pub advance: String,
    pub status: String,
    pub cancellable: bool,
    /// R17: an approved request no claim names yet: 据此填写报销 makes a claim draft of it.
    pub draftable: bool,
}

fn request_line(r: &RequestView, who: &str) -> RequestLine {
    RequestLine {
        id: r.id,
        who: who.to_string(),
        purpose: r.purpose.clone(),
        destination: r.destination.clone(),
        dates: format::dates(r.departure_date, r.return_date),
        travellers: r.travellers,
        estimate: yuan(r.estimate),
        estimate_lines: r.estimate_lines.iter().map(estimate_line).collect(),
        advance_requested: r.advance_requested.map(yuan).unwrap_or_default(),
        advance_requested_input: r
            .advance_requested
            .map(|m| m.to_string())
            .unwrap_or_default(),
        advance: r.advance.map(yuan).unwrap_or_default(),
        status: r.status.chinese().to_string(),
        cancellable: r.status.next(RequestAction::Cancel).is_some()
            && !r.claimed
            && r.advance.is_none(),
        draftable: r.status.next(RequestAction::NameInClaim).is_some() && !r.claimed,
    }
}

#[derive(Template)]
#[template(path = "travel_requests.html")]
struct RequestsPage {
    nav: Nav,
    form: RequestForm,
    lines: Vec<LineOption>,
    estimate: EstimateShown,
    error: Option<String>,
    mine: Vec<RequestLine>,
}

#[derive(Template)]
#[template(path = "travel_estimate.html")]
struct EstimateFragment {
    estimate: EstimateShown,
}

async fn requests_page(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    form: RequestForm,
    estimate: EstimateShown,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let (choices, mine) = user
        .run(pool, move |p, actor| {
            Ok((
                pages::line_choices(p, actor)?,
                travel_requests::list(
                    p,
                    actor,
                    None,
                    crate::routes::list::Page {
                        limit: 200,
                        after: None,
                    },
                )?,
            ))
        })
        .await?;
    let lines = LineOption::budget_lines(choices, &form.budget_line_id);
    let mine = mine
        .iter()
        .filter(|r| r.requester_id == user.actor.user_id)
        .map(|r| request_line(r, &user.name))
        .collect();
    html(
        status,
        &RequestsPage {
            nav: Nav::new(user, "/travel-requests"),
            form,
            lines,
            estimate,
            error,
            mine,
        },
    )
}

/// 出差申请: the form and the claimant's requests.
pub async fn requests(pool: web::Data<Pool>, user: SignedIn) -> PageResult {
    // A request posted after the session ended comes back filled in, once signed in again.
    let kept = super::session::kept_form(&user).and_then(|pairs| request_form(&pairs));
    let form = kept.unwrap_or_else(|| RequestForm {
        travellers: "1".into(),
        ..RequestForm::default()
    });
    let estimate = estimate_of(&pool, &user, &form).await;
    requests_page(&pool, &user, form, estimate, None, StatusCode::OK).await
}

/// The live estimate (htmx), nothing stored.
pub async fn estimate((pool, user, form): Sent<RequestForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let estimate = estimate_of(&pool, &user, &form).await;
    html(StatusCode::OK, &EstimateFragment { estimate })
}

/// 估算 (without scripts) or 提交申请 (a session that ended while the form was open keeps the
/// work: [`KeepsWork`]).
pub async fn create(pool: web::Data<Pool>, KeepsWork { user, pairs }: KeepsWork) -> PageResult {
    let form = request_form(&pairs).unwrap_or_default();
    let estimate = estimate_of(&pool, &user, &form).await;
    if user.check_csrf(&form.csrf).is_err() {
        let error = Some(STALE_KEPT.to_string());
        return requests_page(&pool, &user, form, estimate, error, StatusCode::FORBIDDEN).await;
    }
    if form.action == "estimate" {
        return requests_page(&pool, &user, form, estimate, None, StatusCode::OK).await;
    }
    let input = form.to_body().and_then(RequestInput::try_from);
    let result = user
        .run(&pool, move |p, actor| {
            travel_requests::create(p, actor, input)
        })
        .await;
    match result {
        Ok(r) => {
            let text = format!(
                "出差申请 {} 已提交，预计 {}，等待审批。",
                r.id,
                yuan(r.estimate)
            );
            flash(&pool, &user, Flash::Done(text)).await?;
            Ok(see_other("/travel-requests"))
        }
        Err(PageError::Failed(e)) => {
            let message = format::refusal(&e);
            requests_page(
                &pool,
                &user,
                form,
                estimate,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    returned_on: String,
}

/// Says how an action on document `id` (a `kind` such as 出差申请) went on the next page, and
/// goes to `back`.
async fn done(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    (kind, id): (&str, i64),
    result: Result<String, PageError>,
    back: &str,
) -> PageResult {
    let refusal = |e: &AppError| format!("{kind} {id}：{}", format::refusal(e));
    super::done(pool, user, result, refusal, back).await
}

/// Says how a decision on request `id` went, back on the queue.
async fn decided(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    id: i64,
    result: Result<String, PageError>,
) -> PageResult {
    done(
        pool,
        user,
        ("出差申请", id),
        result,
        "/travel-requests/queue",
    )
    .await
}

/// The requester withdraws a request, releasing its commitment.
pub async fn cancel((pool, user, id, form): Posted<ActionForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .act(&pool, id, travel_requests::cancel)
        .await
        .map(|_| format!("出差申请 {id} 已撤回。"));
    done(&pool, &user, ("出差申请", id), result, "/travel-requests").await
}

#[derive(Template)]
#[template(path = "travel_queue.html")]
struct QueuePage {
    nav: Nav,
    /// Each request waiting, and whether it is the viewer's own (the service refuses to let
    /// anyone decide their own request, so no deciding button is offered on it).
    waiting: Vec<(RequestLine, bool)>,
}

/// 出差审批: requests waiting for a budget holder or finance.
pub async fn queue(pool: web::Data<Pool>, user: SignedIn) -> PageResult {
    let actor = user.actor();
    let me = actor.user_id;
    let waiting = run(move || travel_requests::to_decide(&pool, &actor)).await?;
    html(
        StatusCode::OK,
        &QueuePage {
            nav: Nav::new(&user, "/travel-requests/queue"),
            waiting: waiting
                .iter()
                .map(|(r, n)| (request_line(r, n), r.requester_id == me))
                .collect(),
        },
    )
}

pub async fn approve((pool, user, id, form): Posted<ActionForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .act(&pool, id, travel_requests::approve)
        .await
        .map(|r| {
            format!(
                "出差申请 {id} 已批准：{} 已从预算中占用。",
                yuan(r.estimate)
            )
        });
    decided(&pool, &user, id, result).await
}

pub async fn reject((pool, user, id, form): Posted<ActionForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .reject(&pool, id, &form.reason, travel_requests::reject)
        .await
        .map(|_| format!("出差申请 {id} 已驳回。"));
    decided(&pool, &user, id, result).await
}

/// One advance still owed, amounts shown in ¥.
#[derive(Clone, Debug)]
pub struct OwedLine {
    pub request_id: i64,
    pub request: String,
    pub advance: String,
    pub claim_id: Option<i64>,
    pub outstanding: String,
}

/// A person's advances still owed.
#[derive(Clone, Debug)]
pub struct OwedPerson {
    pub name: String,
    pub outstanding: String,
    pub advances: Vec<OwedLine>,
}

fn owed_person(p: &OutstandingView) -> OwedPerson {
    OwedPerson {
        name: p.name.clone(),
        outstanding: yuan(p.outstanding),
        advances: p
            .advances
            .iter()
            .map(|a| OwedLine {
                request_id: a.travel_request_id,
                request: format!("#{} {}", a.travel_request_id, a.purpose),
                advance: yuan(a.advance),
                claim_id: a.travel_claim_id,
                outstanding: yuan(a.outstanding),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "advances.html")]
struct AdvancesPage {
    nav: Nav,
    to_pay: Vec<RequestLine>,
    owed: Vec<OwedPerson>,
    today: String,
}

/// 借款: approved requests whose advance is not paid, and what each person still owes.
pub async fn advances(pool: web::Data<Pool>, user: SignedIn) -> PageResult {
    let actor = user.actor();
    let (approved, owed, today) = run(move || {
        Ok((
            travel_requests::to_advance(&pool, &actor)?,
            travel_requests::outstanding(&pool, &actor)?,
            pages::today(&pool, &actor)?,
        ))
    })
    .await?;
    let to_pay = approved
        .iter()
        .filter(|(r, _)| r.advance.is_none() && !r.claimed)
        .map(|(r, n)| request_line(r, n))
        .collect();
    html(
        StatusCode::OK,
        &AdvancesPage {
            nav: Nav::new(&user, "/advances"),
            to_pay,
            owed: owed.iter().map(owed_person).collect(),
            today: format::date(today),
        },
    )
}

pub async fn pay_advance(
    (pool, user, id, form): Posted<ActionForm>,
    margin: web::Data<PaymentMargin>,
) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let body = parse_json::<crate::wire::travel_requests::AdvanceBody>(
        json!({"amount": form.amount.trim(), "paid_on": form.paid_on.trim()})
            .to_string()
            .as_bytes(),
    )
    .and_then(AdvanceInput::try_from);
    let margin = **margin;
    let result = user
        .run(&pool, move |p, actor| {
            travel_requests::pay_advance(p, actor, id, body, margin)
        })
        .await
        .map(|r| {
            format!(
                "出差申请 {id} 的借款 {} 已支付。",
                r.advance.map(yuan).unwrap_or_default()
            )
        });
    done(&pool, &user, ("出差申请", id), result, "/advances").await
}

pub async fn returned((pool, user, id, form): Posted<ActionForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let returned_on =
        one_field::<ReturnedBody>("returned_on", &form.returned_on).map(|b| b.returned_on);
    let result = user
        .act_with(&pool, id, returned_on, claims::advance_returned)
        .await
        .map(|_| format!("报销单 {id} 的应退借款已登记退还。"));
    done(
        &pool,
        &user,
        ("报销单", id),
        result,
        &format!("/claims/{id}"),
    )
    .await
}
