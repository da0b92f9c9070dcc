//! The claimant's pages: 我的报销 (drafts first), 新建差旅报销 with its live quote (also the form
//! of a draft), a claim's page and its print view, and the claimant's buttons of R17: 保存草稿,
//! 删除, 撤回, 修改后重新提交, 复制, 据此填写报销.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use crate::db::Pool;
use crate::domain::attachment::{size_text, MediaType};
use crate::domain::status::{ClaimAction, ClaimStatus, Status as _};
use crate::domain::travel::TripInput;
use crate::error::AppError;
use crate::routes::extract::parse_json;
use crate::services::permissions::{self, UseCase};
use crate::services::views::AttachmentView;
use crate::services::{attachments, claims, lifecycle, pages, Context};
use crate::wire::{BreakdownView, ClaimBody, ItemView, RuleText};

use super::format::{self, yuan};
use super::forms::ClaimForm;
use super::session::{flash, CsrfForm, KeepsWork, SignedIn, STALE_KEPT};
use super::{done, html, run, see_other, Asked, Flash, Nav, PageError, PageResult, Sent};
use crate::domain::Money;

/// Claims per page of 我的报销.
const PAGE_SIZE: i64 = 20;

/// A status as a badge: the text, and a class for its colour (the text alone says it all).
#[derive(Clone, Debug)]
pub struct Status {
    pub text: &'static str,
    pub class: &'static str,
}

pub fn status(status: ClaimStatus) -> Status {
    Status {
        text: status.chinese(),
        class: match status {
            ClaimStatus::Draft => "st-draft",
            ClaimStatus::Submitted => "st-wait",
            ClaimStatus::Approved => "st-ok",
            ClaimStatus::Paid => "st-paid",
            ClaimStatus::Rejected | ClaimStatus::Withdrawn => "st-no",
        },
    }
}

#[derive(Clone, Debug)]
pub struct ClaimLine {
    pub id: i64,
    pub purpose: String,
    pub destination: String,
    pub dates: String,
    pub amount: String,
    pub line: String,
    pub submitted: String,
    pub status: Status,
    /// R17: its claimant may withdraw it (submitted, nothing decided yet).
    pub can_withdraw: bool,
    /// R17: its claimant may amend it (rejected or withdrawn).
    pub can_amend: bool,
}

pub fn claim_line(c: &pages::ClaimSummary) -> ClaimLine {
    ClaimLine {
        id: c.id,
        purpose: c.purpose.clone(),
        destination: c.destination.clone(),
        dates: format::dates(c.departure_date, c.return_date),
        amount: yuan(c.reimbursable),
        line: c.line_name.clone(),
        submitted: format::date(c.submitted_on),
        status: status(c.status),
        can_withdraw: c.status.next(ClaimAction::Withdraw).is_some() && !c.decided,
        can_amend: c.status.next(ClaimAction::Amend).is_some(),
    }
}

/// A draft on 我的报销: what of it is filled in, as typed.
#[derive(Clone, Debug)]
pub struct DraftLine {
    pub id: i64,
    pub purpose: String,
    pub destination: String,
    pub dates: String,
    pub saved: String,
}

fn draft_line(d: &crate::wire::DraftView, zone: chrono_tz::Tz) -> DraftLine {
    let form = ClaimForm::from_draft(d.id, &d.body);
    let dates = match (form.departure_date.trim(), form.return_date.trim()) {
        ("", "") => String::new(),
        (from, to) => format!("{from} 至 {to}"),
    };
    DraftLine {
        id: d.id,
        purpose: form.purpose,
        destination: form.destination,
        dates,
        saved: format::local_time(&d.updated_at, zone),
    }
}

#[derive(Template)]
#[template(path = "claims.html")]
struct ClaimsPage {
    nav: Nav,
    drafts: Vec<DraftLine>,
    claims: Vec<ClaimLine>,
    next: Option<String>,
    first_page: bool,
}

#[derive(Deserialize)]
pub struct PageQuery {
    before: Option<i64>,
}

/// 我的报销: own claims, newest first, a page at a time.
pub async fn list((pool, user, query): Asked<PageQuery>) -> PageResult {
    let (actor, before) = (user.actor(), query.before);
    let page = run(move || pages::my_claims(&pool, &actor, before, PAGE_SIZE)).await?;
    html(
        StatusCode::OK,
        &ClaimsPage {
            nav: Nav::new(&user, "/claims"),
            drafts: page
                .drafts
                .iter()
                .map(|d| draft_line(d, page.zone))
                .collect(),
            claims: page.claims.iter().map(claim_line).collect(),
            next: page.next_before.map(|id| format!("/claims?before={id}")),
            first_page: before.is_none(),
        },
    )
}

/// One explained amount of a quote.
#[derive(Clone, Debug)]
pub struct QuoteItem {
    pub item: &'static str,
    pub date: String,
    pub rule: String,
    pub amount: String,
    pub negative: bool,
}

#[derive(Clone, Debug)]
pub struct QuoteStay {
    pub city: String,
    pub nights: i64,
    pub cap_per_night: String,
    pub cap_total: String,
    pub claimed: String,
    pub allowed: String,
    pub self_borne: String,
}

/// The quote panel: a hint, refusals, or the computed claim.
#[derive(Clone, Debug, Default)]
pub struct Quote {
    pub hint: Option<String>,
    pub error: Option<String>,
    pub computed: bool,
    pub days: i64,
    pub policy_version: i32,
    pub items: Vec<QuoteItem>,
    pub stays: Vec<QuoteStay>,
    /// 住宿费 as reimbursed: the stays' allowed amounts.
    pub lodging: String,
    /// The 报销单's rows: allowances grouped by rate with their day counts, one row per stay
    /// and per ticket, so any trip of up to 31 days fits one A4 page.
    pub print_rows: Vec<PrintRow>,
    pub meals: String,
    pub deductions: String,
    pub transport: String,
    pub tickets: String,
    pub reimbursable: String,
    pub reimbursable_plain: String,
    pub capitals: String,
    pub self_borne: String,
    pub ineligible: Option<String>,
}

/// The rule of a line in Chinese, with its R-number and rate, from the rule itself (a stored
/// claim's text, kept from before rules were values, is shown as it was stored).
fn rule_text(item: &ItemView, cities: &HashMap<String, String>, forfeited: bool) -> String {
    use crate::domain::travel::Rule;
    let rule = match &item.rule {
        RuleText::Rule(rule) => rule,
        RuleText::Text(text) => return stored_rule_text(item, text, forfeited),
    };
    let number = rule.number();
    let city = |code: &str| {
        cities
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    };
    match rule {
        Rule::Lodging {
            city: code,
            nights,
            cap_per_night,
        } => format!(
            "{number} 住宿费按发票实报，{}不超过每晚 {} 的限额（{nights} 晚）",
            city(code),
            yuan(*cap_per_night)
        ),
        Rule::Meal { city: code, rate } => {
            format!("{number} 伙食补助费，{}每天 {}", city(code), yuan(*rate))
        }
        Rule::HostMeals { rate, .. } => format!(
            "{number} 对方提供餐食，按伙食补助标准 {} 扣除相应部分",
            yuan(*rate)
        ),
        Rule::Transport { city: code, rate } => {
            format!("{number} 市内交通费，{}每天 {}", city(code), yuan(*rate))
        }
        Rule::VehicleProvided => format!("{number} 对方派车，当天不发市内交通费"),
        Rule::Ticket { description } => {
            format!("{number} 城市间交通费按票据实报：{description}")
        }
        Rule::MissingInvoice => {
            format!("{number} 有住宿没有发票，整张报销单不予报销，本项为 ¥0.00")
        }
    }
}

/// A stored claim's line (its rule kept as text): worded from its item and rate; on a claim R4
/// made ineligible, every line says so.
fn stored_rule_text(item: &ItemView, text: &str, forfeited: bool) -> String {
    let number = text.split_whitespace().next().unwrap_or("");
    let rate = item.rate.map(yuan).unwrap_or_default();
    if forfeited {
        return format!("{number} 有住宿没有发票，整张报销单不予报销，本项为 ¥0.00");
    }
    match item.item.as_ref() {
        "lodging" => format!("{number} 住宿费按发票实报，不超过每晚 {rate} 的限额"),
        "meal_allowance" => format!("{number} 伙食补助费，每天 {rate}"),
        "meal_deduction" => format!("{number} 对方提供餐食，按伙食补助标准 {rate} 扣除相应部分"),
        "transport_allowance" if item.amount.is_zero() => {
            format!("{number} 对方派车，当天不发市内交通费")
        }
        "transport_allowance" => format!("{number} 市内交通费，每天 {rate}"),
        "ticket" => {
            let description = text.split_once(": ").map_or("", |(_, d)| d);
            format!("{number} 城市间交通费按票据实报：{description}")
        }
        _ => format!("{number} {}", format::item(&item.item)),
    }
}

/// One row of the printed 报销单's 明细.
#[derive(Clone, Debug)]
pub struct PrintRow {
    pub item: &'static str,
    pub basis: String,
    pub amount: String,
}

/// The 报销单's 明细 (web.md "Claims through their life"): a row per stay (city, nights, the
/// nightly limit), the per-day allowances and host-meal deductions grouped by amount with their
/// day counts (伙食补助费 3 天 × ¥100.00), a row per ticket; plain Chinese, no rule codes.
fn print_rows(b: &BreakdownView, cities: &HashMap<String, String>) -> Vec<PrintRow> {
    let mut rows: Vec<PrintRow> = b
        .stays
        .iter()
        .map(|s| PrintRow {
            item: format::item("lodging"),
            basis: format!(
                "{} {} 晚，每晚限额 {}，发票 {}",
                cities.get(&s.city).map_or(s.city.as_str(), String::as_str),
                s.nights,
                yuan(s.cap_per_night),
                yuan(s.lodging_claimed)
            ),
            amount: yuan(s.lodging_allowed),
        })
        .collect();
    // (item, amount of one day) → days, in the order first met.
    let mut groups: Vec<(&str, Money, i64)> = Vec::new();
    for l in &b.lines {
        let item = l.item.as_ref();
        if !matches!(
            item,
            "meal_allowance" | "meal_deduction" | "transport_allowance"
        ) {
            continue;
        }
        match groups
            .iter_mut()
            .find(|(i, amount, _)| *i == item && *amount == l.amount)
        {
            Some(group) => group.2 = group.2.saturating_add(1),
            None => groups.push((item, l.amount, 1)),
        }
    }
    for (item, each, days) in groups {
        let total = each
            .fen()
            .checked_mul(days)
            .map_or(Money::ZERO, Money::from_fen);
        rows.push(PrintRow {
            item: format::item(item),
            basis: format!(
                "{days} 天 × {}",
                yuan(Money::from_fen(each.fen().saturating_abs()))
            ),
            amount: yuan(total),
        });
    }
    for l in b.lines.iter().filter(|l| l.item == "ticket") {
        let text = l.rule.to_string();
        rows.push(PrintRow {
            item: format::item("ticket"),
            basis: format!(
                "按票据实报：{}",
                text.split_once(": ").map_or("", |(_, d)| d)
            ),
            amount: yuan(l.amount),
        });
    }
    rows
}

/// The computed claim as the quote panel shows it; `cities` names the stays' city codes.
pub fn quote_of(b: &BreakdownView, cities: &HashMap<String, String>) -> Quote {
    Quote {
        hint: None,
        error: None,
        computed: true,
        days: b.days,
        policy_version: b.policy_version,
        items: b
            .lines
            .iter()
            .map(|l| QuoteItem {
                item: format::item(&l.item),
                date: l.date.map(format::date).unwrap_or_default(),
                rule: rule_text(l, cities, b.ineligible_reason.is_some()),
                amount: yuan(l.amount),
                negative: l.amount.is_negative(),
            })
            .collect(),
        stays: b
            .stays
            .iter()
            .map(|s| QuoteStay {
                city: cities
                    .get(&s.city)
                    .cloned()
                    .unwrap_or_else(|| s.city.clone()),
                nights: s.nights,
                cap_per_night: yuan(s.cap_per_night),
                cap_total: yuan(s.cap_total),
                claimed: yuan(s.lodging_claimed),
                allowed: yuan(s.lodging_allowed),
                self_borne: yuan(s.self_borne),
            })
            .collect(),
        lodging: yuan(
            b.stays
                .iter()
                .try_fold(Money::ZERO, |sum, s| sum.checked_add(s.lodging_allowed))
                .unwrap_or(Money::ZERO),
        ),
        print_rows: print_rows(b, cities),
        meals: yuan(b.meal_allowance),
        deductions: yuan(b.meal_deductions),
        transport: yuan(b.transport_allowance),
        tickets: yuan(b.tickets),
        reimbursable: yuan(b.reimbursable),
        reimbursable_plain: format::grouped(b.reimbursable),
        capitals: format::capitals(b.reimbursable),
        self_borne: yuan(b.self_borne),
        ineligible: b
            .ineligible_reason
            .as_deref()
            .map(|r| format::ineligible(r).to_string()),
    }
}

fn hint(text: &str) -> Quote {
    Quote {
        hint: Some(text.to_string()),
        ..Quote::default()
    }
}

/// A form that cannot be quoted yet says why, in place of any earlier totals (web.md "Forms
/// never lose work": the panel never shows stale numbers).
fn refused(error: &AppError) -> Quote {
    Quote {
        error: Some(format!("无法试算：{}", format::refusal(error))),
        ..Quote::default()
    }
}

/// The quote of a form: the same service as `POST /api/v1/travel-claims/quote`.
async fn quote_form(pool: &web::Data<Pool>, user: &SignedIn, form: &ClaimForm) -> Quote {
    let (departure, back) = (
        form.departure_date.trim().is_empty(),
        form.return_date.trim().is_empty(),
    );
    if departure && back {
        return hint("填写出发日期和返回日期后，这里显示试算结果。");
    }
    if departure || back {
        let missing = if departure {
            "出发日期"
        } else {
            "返回日期"
        };
        return Quote {
            error: Some(format!("无法试算：请填写{missing}")),
            ..Quote::default()
        };
    }
    let input = match form.to_body().and_then(TripInput::try_from) {
        Ok(input) => input,
        Err(e) => return refused(&form.in_form_terms(e)),
    };
    let quoted = user.run(pool, move |pool, actor| {
        let breakdown = claims::quote(pool, actor, input)?;
        Ok((breakdown, pages::city_names(pool, actor)?))
    });
    match quoted.await {
        Ok((b, cities)) => quote_of(&b, &cities),
        Err(PageError::Failed(e)) => refused(&form.in_form_terms(e)),
        Err(_) => hint("暂时无法试算。"),
    }
}

#[derive(Clone, Debug)]
pub struct LineOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

impl LineOption {
    /// The budget lines a form may charge, the one it names (`selected`, as typed) chosen.
    pub fn budget_lines(choices: Vec<pages::LineChoice>, selected: &str) -> Vec<LineOption> {
        choices
            .into_iter()
            .map(|l| LineOption {
                selected: l.id.to_string() == selected,
                id: l.id.to_string(),
                label: l.label,
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "claim_new.html")]
struct NewClaimPage {
    nav: Nav,
    form: ClaimForm,
    lines: Vec<LineOption>,
    /// R16: the claimant's approved requests no live claim names.
    requests: Vec<LineOption>,
    quote: Quote,
    error: Option<String>,
    /// R17: the draft the form is, whose files are listed below it.
    draft_id: Option<i64>,
    files: Vec<FileLine>,
    can_attach: bool,
}

#[derive(Template)]
#[template(path = "quote.html")]
struct QuoteFragment {
    quote: Quote,
}

async fn new_page(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    form: ClaimForm,
    quote: Quote,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let choices = user
        .run(pool, move |p, actor| pages::line_choices(p, actor))
        .await?;
    let open = user
        .run(pool, move |p, actor| {
            crate::services::travel_requests::open_for_claims(p, actor)
        })
        .await?;
    let requests = open
        .into_iter()
        .map(|r| LineOption {
            selected: r.id.to_string() == form.travel_request_id,
            id: r.id.to_string(),
            label: format!(
                "#{} {}（{}，{} 至 {}，预计 {}）",
                r.id,
                r.purpose,
                r.destination,
                super::format::date(r.departure_date),
                super::format::date(r.return_date),
                super::format::yuan(r.estimate)
            ),
        })
        .collect();
    let lines = LineOption::budget_lines(choices, &form.budget_line_id);
    // R17: a draft's files; a form whose draft is gone (submitted meanwhile) lists none.
    let mut draft_id = form.draft_id.trim().parse::<i64>().ok();
    let mut files = Vec::new();
    if let Some(id) = draft_id {
        match user
            .run(pool, move |p, actor| attachments::list(p, actor, id))
            .await
        {
            Ok(listed) => files = file_lines(id, &listed),
            Err(PageError::Failed(_)) => draft_id = None,
            Err(other) => return Err(other),
        }
    }
    html(
        status,
        &NewClaimPage {
            nav: Nav::new(user, "/claims/new"),
            form,
            lines,
            requests,
            quote,
            error,
            draft_id,
            files,
            can_attach: permissions::allows(&user.actor, UseCase::ChangeAttachments),
        },
    )
}

#[derive(Deserialize)]
pub struct NewQuery {
    /// R17: the draft to continue.
    draft: Option<String>,
}

/// 新建差旅报销: the empty form, or (`?draft=N`) the form of the caller's draft N.
pub async fn new_form((pool, user, query): Asked<NewQuery>) -> PageResult {
    // A form posted after the session ended comes back filled in, once signed in again.
    if let Some(pairs) = super::session::kept_form(&user) {
        let form = ClaimForm::from_pairs(&pairs);
        let quote = quote_form(&pool, &user, &form).await;
        return new_page(&pool, &user, form, quote, None, StatusCode::OK).await;
    }
    if let Some(draft) = query.draft.as_deref() {
        let id = draft.parse::<i64>().map_err(|_| PageError::NotFound)?;
        let saved = user
            .run(&pool, move |p, actor| lifecycle::draft(p, actor, id))
            .await?;
        let form = ClaimForm::from_draft(id, &saved.body);
        let quote = quote_form(&pool, &user, &form).await;
        return new_page(&pool, &user, form, quote, None, StatusCode::OK).await;
    }
    let quote = hint("填写出发日期和返回日期后，这里显示试算结果。");
    new_page(
        &pool,
        &user,
        ClaimForm::blank(),
        quote,
        None,
        StatusCode::OK,
    )
    .await
}

/// The live quote beside the form (htmx posts the whole form here on every change).
pub async fn quote((pool, user, form): Sent<Vec<(String, String)>>) -> PageResult {
    let form = ClaimForm::from_pairs(&form);
    user.check_csrf(&form.csrf)?;
    let quote = quote_form(&pool, &user, &form).await;
    html(StatusCode::OK, &QuoteFragment { quote })
}

/// The form's buttons: add or remove a row, 试算 (quote without scripts), or 提交报销 (a session
/// that ended while the form was open keeps the work: [`KeepsWork`]).
pub async fn submit(pool: web::Data<Pool>, KeepsWork { user, pairs }: KeepsWork) -> PageResult {
    let mut form = ClaimForm::from_pairs(&pairs);
    if user.check_csrf(&form.csrf).is_err() {
        // A stale page (signed in again elsewhere since): show the form again, filled in.
        let quote = quote_form(&pool, &user, &form).await;
        let error = Some(STALE_KEPT.to_string());
        // Refused as any form without its token is (403, nothing changed), the work kept.
        return new_page(&pool, &user, form, quote, error, StatusCode::FORBIDDEN).await;
    }
    if form.edit_rows() || form.action == "quote" {
        let quote = quote_form(&pool, &user, &form).await;
        return new_page(&pool, &user, form, quote, None, StatusCode::OK).await;
    }
    if form.action == "save_draft" {
        return save_draft(&pool, &user, form).await;
    }
    let result = match form.draft_id.trim().parse::<i64>().ok() {
        None => {
            let parsed = form.to_body().and_then(|body| {
                // What the claimant sent is the form, as the body it makes.
                let sent =
                    serde_json::to_string(&body).map_err(|e| AppError::Internal(e.to_string()))?;
                Ok((spec_of(body)?, sent))
            });
            user.run(&pool, move |p, actor| {
                claims::submit(p, actor, parsed, None)
            })
            .await
        }
        // R17: what was typed is saved in the draft first, so a refusal loses none of it.
        Some(id) => {
            let sent = form.to_json().to_string();
            user.run(&pool, move |p, actor| {
                lifecycle::replace(p, actor, id, Ok(sent))?;
                let parse = |text: &str| spec_of(parse_json::<ClaimBody>(text.as_bytes())?);
                lifecycle::submit(p, actor, id, parse)
            })
            .await
        }
    };
    match result {
        Ok(claim) => {
            let mut message = format!(
                "报销单 {} 已提交，可报销 {}，等待财务审核。",
                claim.id,
                yuan(claim.breakdown.reimbursable)
            );
            if claim.budget_warning.is_some() {
                message.push_str(
                    "注意：所选预算科目目前的可用额不足以支付这笔报销，审批时可能被拒绝。",
                );
            }
            flash(&pool, &user, Flash::Done(message)).await?;
            Ok(see_other(&format!("/claims/{}", claim.id)))
        }
        Err(PageError::Failed(e)) => {
            let e = form.in_form_terms(e);
            // R15: the holding claim is linked only for someone who may open it.
            let holder_visible = match &e {
                AppError::DuplicateInvoice {
                    claim_id: Some(id), ..
                } => {
                    let id = *id;
                    user.run(&pool, move |p, actor| claims::visible(p, actor, id))
                        .await?
                }
                _ => false,
            };
            form.place(&e, holder_visible);
            let quote = quote_form(&pool, &user, &form).await;
            let error = Some(format!("未能提交：{}", format::refusal(&e)));
            new_page(
                &pool,
                &user,
                form,
                quote,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

/// A claim the form sends: the API's own order of checks, the line first (the form's own words
/// for a missing line), the trip, then the invoices (R15).
fn spec_of(body: ClaimBody) -> Result<claims::NewClaimSpec, AppError> {
    if body.budget_line_id.is_none() {
        return Err(AppError::field(
            "budget_line_id",
            crate::domain::FieldProblem::Required {
                english: "choose a budget line",
            },
        ));
    }
    claims::NewClaimSpec::try_from(body)
}

/// R17: a draft's form posted to add or remove one of its files carries what was typed; it is
/// saved in the draft `id` first, so that nothing typed is lost. Any other form (a claim's page)
/// carries no `draft_id` and saves nothing.
pub(super) async fn keep_typed(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    id: i64,
    pairs: &[(String, String)],
) -> Result<(), PageError> {
    let form = ClaimForm::from_pairs(pairs);
    if form.draft_id.trim().parse::<i64>().ok() != Some(id) {
        return Ok(());
    }
    let sent = form.to_json().to_string();
    user.run(pool, move |p, actor| {
        lifecycle::replace(p, actor, id, Ok(sent))
    })
    .await
    .map(drop)
}

/// R17: the form as typed saved as the caller's draft (a new one, or the one it continues),
/// nothing checked; the draft's id.
pub(super) async fn save_typed(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    form: &ClaimForm,
) -> Result<i64, PageError> {
    let sent = form.to_json().to_string();
    let id = form.draft_id.trim().parse::<i64>().ok();
    user.run(pool, move |p, actor| match id {
        Some(id) => lifecycle::replace(p, actor, id, Ok(sent)),
        None => lifecycle::save(p, actor, Ok(sent)),
    })
    .await
    .map(|draft| draft.id)
}

/// 保存草稿 (R17): the form as typed becomes (or replaces) the caller's draft, nothing checked,
/// and opens again as that draft.
async fn save_draft(pool: &web::Data<Pool>, user: &SignedIn, mut form: ClaimForm) -> PageResult {
    let sent = form.to_json().to_string();
    let id = form.draft_id.trim().parse::<i64>().ok();
    let saved = user
        .run(pool, move |p, actor| match id {
            Some(id) => lifecycle::replace(p, actor, id, Ok(sent)),
            None => lifecycle::save(p, actor, Ok(sent)),
        })
        .await;
    match saved {
        Ok(draft) => {
            let text = format!(
                "草稿 #{} 已保存，可以随时在「我的报销」中继续填写。",
                draft.id
            );
            flash(pool, user, Flash::Done(text)).await?;
            Ok(see_other(&format!("/claims/new?draft={}", draft.id)))
        }
        // The draft is no longer one (submitted meanwhile): the form stays as typed.
        Err(PageError::Failed(e)) => {
            let error = Some(format!("未能保存草稿：{}", format::refusal(&e)));
            form.draft_id.clear();
            let quote = quote_form(pool, user, &form).await;
            new_page(pool, user, form, quote, error, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other),
    }
}

/// The claimant's buttons on their claim or draft (R17): 删除 (a draft, after the list's own
/// confirmation step), 撤回, 修改后重新提交 and 复制. The page the button was on says how it went;
/// a new draft opens in the form.
pub async fn act(
    pool: web::Data<Pool>,
    user: SignedIn,
    path: web::Path<(i64, String)>,
    form: web::Form<CsrfForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let (id, action) = path.into_inner();
    let (done_text, back) = match action.as_str() {
        "amend" => {
            let make = move |p: &Pool, actor: &Context| lifecycle::amend(p, actor, id);
            let back = format!("/claims/{id}");
            return new_draft(&pool, &user, make, format!("报销单 {id} 的修改："), &back).await;
        }
        "copy" => {
            let make = move |p: &Pool, actor: &Context| lifecycle::copy(p, actor, id);
            return new_draft(&pool, &user, make, format!("复制报销单 {id}："), "/claims").await;
        }
        "delete" => {
            let deleted = user.run(&pool, move |p, actor| lifecycle::delete(p, actor, id));
            (
                deleted.await.map(|()| format!("草稿 #{id} 已删除。")),
                "/claims".to_string(),
            )
        }
        "withdraw" => {
            let withdrawn = user.run(&pool, move |p, actor| claims::withdraw(p, actor, id));
            let text = format!("报销单 {id} 已撤回，其中的发票已释放。需要时可以修改后重新提交。");
            (withdrawn.await.map(|_| text), format!("/claims/{id}"))
        }
        _ => return Err(PageError::NotFound),
    };
    let refusal = |e: &AppError| format!("#{id}：{}", format::refusal(e));
    done(&pool, &user, done_text, refusal, &back).await
}

/// A new draft made by `make` (修改后重新提交, 复制, 据此填写报销): its form opens, or the page
/// `back` says why not.
async fn new_draft(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    make: impl FnOnce(&Pool, &Context) -> Result<crate::wire::DraftView, AppError> + Send + 'static,
    what: String,
    back: &str,
) -> PageResult {
    match user.run(pool, make).await {
        Ok(draft) => {
            let text = format!("{what}已生成草稿 #{}，请检查后提交。", draft.id);
            flash(pool, user, Flash::Done(text)).await?;
            Ok(see_other(&format!("/claims/new?draft={}", draft.id)))
        }
        Err(PageError::Failed(e)) => {
            let text = format!("{what}未能生成草稿：{}", format::refusal(&e));
            flash(pool, user, Flash::Refused(text)).await?;
            Ok(see_other(back))
        }
        Err(other) => Err(other),
    }
}

/// 据此填写报销: a draft from one's approved travel request (R17).
pub async fn from_request(
    pool: web::Data<Pool>,
    user: SignedIn,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let make = move |p: &Pool, actor: &Context| lifecycle::from_request(p, actor, id);
    new_draft(
        &pool,
        &user,
        make,
        format!("出差申请 #{id}："),
        "/travel-requests",
    )
    .await
}

#[derive(Clone, Debug)]
pub struct HistoryLine {
    pub at: String,
    pub action: &'static str,
    pub who: String,
    pub note: String,
}

/// R18: one step of the claim's chain as its page shows it.
#[derive(Clone, Debug)]
pub struct ChainLine {
    /// 部门审核, 财务审核 or 单位负责人审批.
    pub name: &'static str,
    /// 已同意, 已驳回, 无需办理（why）, 等待办理, 未到.
    pub state: String,
    pub who: String,
    pub at: String,
    /// The step waiting now.
    pub waiting: bool,
}

/// R18: the claim's chain, step by step: who decided and when, why a step was skipped, which
/// step waits now.
fn chain_lines(c: &crate::wire::ClaimView, zone: chrono_tz::Tz) -> Vec<ChainLine> {
    use crate::domain::approval::Verdict;
    c.chain
        .iter()
        .map(|&step| {
            let decided = c.approvals.iter().find(|a| a.step == step);
            let waiting = c.step == Some(step);
            let state = match decided {
                Some(a) => match (a.decision, a.skipped()) {
                    (Verdict::Approved, _) => "已同意".to_string(),
                    (Verdict::Rejected, _) => "已驳回".to_string(),
                    (Verdict::Skipped, Some(reason)) => format!("无需办理：{}", reason.chinese()),
                    (Verdict::Skipped, None) => "无需办理".to_string(),
                },
                None if waiting => "等待办理".to_string(),
                None => "未到".to_string(),
            };
            ChainLine {
                name: step.chinese(),
                state,
                who: decided.and_then(|a| a.by_name.clone()).unwrap_or_default(),
                at: decided
                    .filter(|a| a.by.is_some())
                    .map(|a| format::local_time(&a.at, zone))
                    .unwrap_or_default(),
                waiting,
            }
        })
        .collect()
}

/// R18: what the 报销单 prints in its 审核 box (the department head's and finance's steps) and
/// its 审批 box (the leader's): each approved step's name, who and the date.
fn signed(c: &crate::wire::ClaimView, zone: chrono_tz::Tz) -> (Vec<String>, Vec<String>) {
    use crate::domain::approval::{Step, Verdict};
    let (mut review, mut sign_off) = (Vec::new(), Vec::new());
    for a in c
        .approvals
        .iter()
        .filter(|a| a.decision == Verdict::Approved)
    {
        let step = a.step;
        let day: String = format::local_time(&a.at, zone).chars().take(10).collect();
        let line = format!(
            "{} {} {}",
            step.chinese(),
            a.by_name.clone().unwrap_or_default(),
            day
        );
        if step == Step::Leader {
            sign_off.push(line);
        } else {
            review.push(line);
        }
    }
    (review, sign_off)
}

/// What a claim's page and its print view show.
#[derive(Clone, Debug)]
pub struct ClaimDetail {
    pub id: i64,
    pub org: String,
    pub claimant: String,
    pub purpose: String,
    pub destination: String,
    pub departure: String,
    pub return_date: String,
    pub line: String,
    pub submitted: String,
    pub status: Status,
    pub quote: Quote,
    pub history: Vec<HistoryLine>,
    pub reject_reason: Option<String>,
    pub paid_on: Option<String>,
    /// R16: how the claim settles its travel request's advance.
    pub settlement: Option<SettlementLine>,
    /// R17: the claim this one amends, and the draft or claim that amends it.
    pub amends: Option<i64>,
    pub amended_by: Option<i64>,
    /// R18: the chain, step by step (empty for a chain of finance alone).
    pub chain: Vec<ChainLine>,
}

/// R16 借款、应付、应退, for the claim page and the printed 报销单.
#[derive(Clone, Debug)]
pub struct SettlementLine {
    pub request_id: i64,
    pub advance: String,
    pub net_payable: String,
    pub to_return: String,
    /// Something is still to be returned and finance has not recorded it.
    pub owed: bool,
    pub returned_on: Option<String>,
}

fn detail(page: &pages::ClaimPage) -> ClaimDetail {
    let c = &page.claim;
    ClaimDetail {
        id: c.id,
        org: page.org_name.clone(),
        claimant: page.claimant_name.clone(),
        purpose: c.purpose.clone(),
        destination: c.destination.clone(),
        departure: format::date(c.departure_date),
        return_date: format::date(c.return_date),
        line: page.line_name.clone(),
        submitted: format::local_time(&c.submitted_at, page.zone),
        status: status(c.status),
        quote: quote_of(&c.breakdown, &page.city_names),
        history: page
            .history
            .iter()
            .map(|(h, who)| HistoryLine {
                at: format::local_time(&h.at, page.zone),
                action: format::action(&h.action),
                who: who.clone(),
                note: h.note.clone().unwrap_or_default(),
            })
            .collect(),
        reject_reason: c.reject_reason.clone(),
        paid_on: c.paid_on.map(format::date),
        amends: c.amends,
        amended_by: c.amended_by,
        chain: if c.chain.len() > 1 {
            chain_lines(c, page.zone)
        } else {
            Vec::new()
        },
        settlement: c
            .settlement
            .as_ref()
            .zip(c.travel_request_id)
            .map(|(s, request_id)| SettlementLine {
                request_id,
                advance: format::yuan(s.advance),
                net_payable: format::yuan(s.net_payable),
                to_return: format::yuan(s.to_return),
                owed: !s.to_return.is_zero() && s.advance_returned_on.is_none(),
                returned_on: s.advance_returned_on.map(format::date),
            }),
    }
}

/// A file on a claim's page (R17).
#[derive(Clone, Debug)]
pub struct FileLine {
    pub id: i64,
    pub name: String,
    /// `12.5 KB`, `3.2 MB`.
    pub size: String,
    /// PDF, OFD, XML, JPEG or PNG: the type read from its bytes.
    pub kind: &'static str,
    /// Its download address, which is also its thumbnail's for an image.
    pub url: String,
    /// A PNG or JPEG (read from its bytes): shown small beside its name.
    pub image: bool,
}

fn file_lines(claim_id: i64, files: &[AttachmentView]) -> Vec<FileLine> {
    files
        .iter()
        .map(|f| {
            let kind = MediaType::parse(&f.media_type);
            FileLine {
                id: f.id,
                name: f.name.clone(),
                size: size_text(f.size),
                kind: match kind {
                    Some(MediaType::Pdf) => "PDF",
                    Some(MediaType::Ofd) => "OFD",
                    Some(MediaType::Xml) => "XML",
                    Some(MediaType::Jpeg) => "JPEG",
                    Some(MediaType::Png) => "PNG",
                    None => "",
                },
                url: format!("/claims/{claim_id}/attachments/{}", f.id),
                image: kind.is_some_and(MediaType::is_image),
            }
        })
        .collect()
}

/// R15: each invoice's (number, code), a 数电发票 having no code.
fn invoice_lines(page: &pages::ClaimPage) -> Vec<(String, String)> {
    page.invoices
        .iter()
        .map(|(code, number)| (number.clone(), code.clone()))
        .collect()
}

#[derive(Template)]
#[template(path = "claim.html")]
struct ClaimShowPage {
    nav: Nav,
    claim: ClaimDetail,
    /// R15: the invoices the claim holds, (number, code).
    invoices: Vec<(String, String)>,
    /// R17: its files.
    files: Vec<FileLine>,
    /// The claimant may add and remove files now (R17).
    can_attach: bool,
    can_decide: bool,
    /// R18: the step waiting is finance's (its buttons post to finance's pages).
    claim_step_finance: bool,
    can_pay: bool,
    can_record_return: bool,
    /// The signed-in clerk submitted it: no deciding button is offered.
    own_claim: bool,
    /// R17: the claimant's own buttons: 撤回, 修改后重新提交, 复制.
    mine: bool,
    can_withdraw: bool,
    can_amend: bool,
    /// What 登记支付 moves: the reimbursable less any advance (R16).
    pay_amount: String,
    today: String,
}

/// R18: whether the page offers `actor` the buttons of the step waiting (by role; the service
/// decides, a department head's department included).
/// A claim's page: breakdown, history, and finance's buttons when they apply. The address of one
/// of the caller's drafts opens its form (R17).
pub async fn show(pool: web::Data<Pool>, user: SignedIn, id: web::Path<i64>) -> PageResult {
    let (actor, id) = (user.actor(), id.into_inner());
    let shared = pool.clone();
    let found = run(move || {
        let page = match pages::claim_page(&shared, &actor, id) {
            Err(AppError::NotFound(_)) if lifecycle::draft(&shared, &actor, id).is_ok() => {
                return Ok(None)
            }
            other => other?,
        };
        Ok(Some((page, pages::today(&shared, &actor)?)))
    })
    .await?;
    let Some((page, today)) = found else {
        return Ok(see_other(&format!("/claims/new?draft={id}")));
    };
    let may = |use_case| permissions::allows(&user.actor, use_case);
    let status = page.claim.status;
    let own = page.claim.claimant_id == user.actor.user_id;
    let pay_amount = yuan(
        page.claim
            .settlement
            .as_ref()
            .map_or(page.claim.breakdown.reimbursable, |s| s.net_payable),
    );
    let can_attach = own
        && may(UseCase::ChangeAttachments)
        && status.next(ClaimAction::ChangeAttachments).is_some()
        && page.claim.decided_by.is_none();
    html(
        StatusCode::OK,
        &ClaimShowPage {
            nav: Nav::new(&user, ""),
            invoices: invoice_lines(&page),
            files: file_lines(page.claim.id, &page.attachments),
            can_attach,
            can_decide: may(UseCase::ApproveClaim)
                && status == ClaimStatus::Submitted
                && page.may_decide,
            claim_step_finance: page
                .claim
                .step
                .is_none_or(|s| s == crate::domain::approval::Step::Finance),
            can_pay: may(UseCase::PayClaim) && !own && status == ClaimStatus::Approved,
            can_record_return: may(UseCase::RecordAdvanceReturned) && status == ClaimStatus::Paid,
            own_claim: own
                && may(UseCase::ApproveClaim)
                && matches!(status, ClaimStatus::Submitted | ClaimStatus::Approved),
            mine: own && may(UseCase::ReviseClaim),
            // R17, R18: only before any step has decided.
            can_withdraw: own
                && status.next(ClaimAction::Withdraw).is_some()
                && page.claim.decided_by.is_none(),
            can_amend: own && status.next(ClaimAction::Amend).is_some(),
            pay_amount,
            today: format::date(today),
            claim: detail(&page),
        },
    )
}

#[derive(Template)]
#[template(path = "print.html")]
struct PrintPage {
    claim: ClaimDetail,
    /// 附件 共 N 张: the claim's files (R17).
    attachment_count: i64,
    filed: String,
    /// 发票号码: each invoice's number, an older invoice's code beside it.
    invoices: Vec<String>,
    /// R18: the 审核 box (department head, finance) and the 审批 box (leader).
    review: Vec<String>,
    sign_off: Vec<String>,
}

/// 报销单: the A4 print view.
pub async fn print(pool: web::Data<Pool>, user: SignedIn, id: web::Path<i64>) -> PageResult {
    let (actor, id) = (user.actor(), id.into_inner());
    let page = run(move || pages::claim_page(&pool, &actor, id)).await?;
    let claim = detail(&page);
    let (review, sign_off) = signed(&page.claim, page.zone);
    let invoices = page
        .invoices
        .iter()
        .map(|(code, number)| {
            if code.is_empty() {
                number.clone()
            } else {
                format!("{number}（代码 {code}）")
            }
        })
        .collect();
    html(
        StatusCode::OK,
        &PrintPage {
            invoices,
            review,
            sign_off,
            attachment_count: page.claim.attachment_count,
            // 填报日期: the day it was submitted, local time.
            filed: claim.submitted.chars().take(10).collect(),
            claim,
        },
    )
}
