//! 老干部补助 (R9), finance's pages: recipients and their enrollment periods, the half-year batches,
//! a batch's page with each recipient's months, and its approve (four eyes), payment-file, pay and
//! void buttons. Every form posts the API's own body through the same parser and services; a
//! refusal comes back, in Chinese, at the top of the page the form was on.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::db::Pool;
use crate::domain::status::BatchStatus;
use crate::domain::FieldProblem;
use crate::error::AppError;
use crate::routes::extract::parse_json;
use crate::services::clock::PaymentMargin;
use crate::services::permissions::{self, UseCase};
use crate::services::subsidy::{self, NewRecipientSpec, RecipientChange};
use crate::services::Context;
use crate::services::{budget, pages, users};
use crate::wire::{BatchBody, BatchView, RecipientBody, RecipientPatch, RecipientView};

use super::claims::HistoryLine;
use super::format::{self, yuan};
use super::forms::Note;
use super::session::SignedIn;
use super::{done, html, run, Nav, PageError, PageResult, Posted, Sent};

/// The line the subsidy is budgeted on in the 2021 data: the form's default choice.
const SUBSIDY_LINE: &str = "dept.project.cadre-subsidy";

/// A refusal of this page in Chinese; the rest as every page says them.
pub fn refusal(error: &AppError) -> String {
    match error {
        AppError::MonthsAlreadyPaid(months) => format!(
            "不能这样结束享受期：{} 已在批准或已支付的批次中发放，发出的钱不能没有着落（R9）。\
             结束日期最早只能是这些月份中最后一个月的月底。",
            months.join("、")
        ),
        AppError::BatchExists => {
            "这个半年的常规批次已经有了（未作废）。要发放后来补录的月份，请勾选「补充批次」再制作。"
                .into()
        }
        AppError::EmptyBatch => {
            "没有要发放的月份：在册人员这半年的月份都已在批准或已支付的批次中，或不在享受期内。"
                .into()
        }
        AppError::SelfApprovalForbidden => {
            "不能批准自己制作（或重新生成）的批次，请由另一位财务人员批准。".into()
        }
        AppError::BatchOutdated => {
            "批次制作以后，人员或已发放的月份有了变化：请先「按现在的名单重新生成」，再批准。"
                .into()
        }
        AppError::InvalidTransition {
            from, action: a, ..
        } => {
            let what = format::batch_action(a);
            format!("无法{what}：这个批次当前是「{}」。", format::status(from))
        }
        other => format::refusal(other),
    }
}

/// A refusal naming one of this page's own fields, in Chinese.
fn field_refusal(error: &AppError) -> String {
    let label = |f: &str| -> &'static str {
        match f {
            "name" => "姓名",
            "monthly_amount" => "每月金额",
            "enrolled_from" => "享受开始日期",
            "enrolled_until" => "享受截止日期",
            "id_number" => "身份证号",
            "bank_name" => "开户行",
            "bank_account" => "账号",
            "budget_line_id" => "预算科目",
            "year" => "年度",
            "half" => "半年",
            "paid_on" => "支付日期",
            _ => "",
        }
    };
    let message = |problem: &FieldProblem| -> String {
        match problem {
            FieldProblem::OutOfRange { min: 1, max: 2, .. } => "请选择上半年或下半年".into(),
            other => format::problem(other),
        }
    };
    match error {
        AppError::InvalidRequest {
            field: Some(f),
            problem,
            ..
        } if !label(f).is_empty() => {
            format!(
                "「{}」：{}",
                label(f),
                format::unreadable(problem.as_deref())
            )
        }
        AppError::Validation(errors) if errors.iter().all(|e| !label(&e.field).is_empty()) => {
            errors
                .iter()
                .map(|e| format!("「{}」：{}", label(&e.field), message(&e.problem)))
                .collect::<Vec<_>>()
                .join("；")
        }
        other => refusal(other),
    }
}

#[derive(Clone, Debug)]
pub struct RecipientLine {
    pub id: i64,
    pub name: String,
    pub monthly: String,
    pub from_policy: bool,
    pub from: String,
    pub until: String,
    pub ended: bool,
    /// Masked as the API shows it, or empty when not given.
    pub id_number: String,
    pub bank_name: String,
    pub bank_account: String,
    /// All three payment details are known.
    pub complete: bool,
}

fn recipient_line(r: &RecipientView) -> RecipientLine {
    RecipientLine {
        id: r.id,
        name: r.name.clone(),
        monthly: yuan(r.monthly_amount),
        from_policy: r.monthly_amount_from_policy,
        from: format::date(r.enrolled_from),
        until: r.enrolled_until.map(format::date).unwrap_or_default(),
        ended: r.enrolled_until.is_some(),
        id_number: r.id_number.clone().unwrap_or_default(),
        bank_name: r.bank_name.clone().unwrap_or_default(),
        bank_account: r.bank_account.clone().unwrap_or_default(),
        complete: r.id_number.is_some() && r.bank_name.is_some() && r.bank_account.is_some(),
    }
}

/// The inputs of the recipient forms, by the API field each one fills.
const INPUTS: [(&str, &str); 7] = [
    ("name", "r-name"),
    ("enrolled_from", "r-from"),
    ("enrolled_until", "r-until"),
    ("monthly_amount", "r-monthly"),
    ("id_number", "r-id"),
    ("bank_name", "r-bank"),
    ("bank_account", "r-account"),
];

/// A refusal of a recipient form: each field problem beside its input (by [`INPUTS`]), and what
/// no input holds as one message for the top of the form.
fn placed(error: &AppError) -> (Vec<Note>, Option<String>) {
    let input = |field: &str| INPUTS.iter().find(|(f, _)| *f == field).map(|(_, id)| *id);
    let note = |id: &str, text: String| Note {
        id: id.to_string(),
        text,
        link: None,
    };
    match error {
        AppError::Validation(errors) if errors.iter().all(|e| input(&e.field).is_some()) => (
            errors
                .iter()
                .filter_map(|e| Some(note(input(&e.field)?, format::problem(&e.problem))))
                .collect(),
            None,
        ),
        AppError::InvalidRequest {
            field: Some(f),
            problem,
            ..
        } if input(f).is_some() => (
            input(f)
                .map(|id| note(id, format::unreadable(problem.as_deref())))
                .into_iter()
                .collect(),
            None,
        ),
        other => (Vec::new(), Some(field_refusal(other))),
    }
}

#[derive(Clone, Debug)]
pub struct BatchLine {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
    pub total: String,
    pub recipients: usize,
}

fn batch_title(b: &BatchView) -> String {
    let half = if b.half == 1 {
        "上半年"
    } else {
        "下半年"
    };
    let extra = if b.supplementary { "（补充）" } else { "" };
    format!("{} 年{half}{extra}", b.year)
}

fn batch_line(b: &BatchView) -> BatchLine {
    BatchLine {
        id: b.id,
        title: batch_title(b),
        status: b.status.chinese(),
        total: yuan(b.total),
        recipients: b.items.len(),
    }
}

#[derive(Clone, Debug)]
pub struct LineChoice {
    pub id: i64,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "subsidy.html")]
struct SubsidyPage {
    nav: Nav,
    recipients: Vec<RecipientLine>,
    batches: Vec<BatchLine>,
    lines: Vec<LineChoice>,
    year: i32,
    half: i32,
    today: String,
    /// The forms offered: making a batch, and adding or ending an enrollment.
    may_make: bool,
    may_enroll: bool,
    /// The add form as typed, with its refusals beside the fields.
    form: RecipientForm,
    error: Option<String>,
}

/// `/subsidy`: recipients, batches and the forms to add, end and make.
pub async fn index(pool: web::Data<Pool>, user: SignedIn) -> PageResult {
    subsidy_page(pool, &user, RecipientForm::default(), None, StatusCode::OK).await
}

/// The page, with the add form as given (typed work kept after a refusal).
async fn subsidy_page(
    pool: web::Data<Pool>,
    user: &SignedIn,
    form: RecipientForm,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let actor = user.actor();
    let (recipients, batches, today, lines, budget_year) = run(move || {
        let today = pages::today(&pool, &actor)?;
        let budget_year = pages::budget_year(&pool, &actor)?;
        let year = chrono::Datelike::year(&today);
        // This year's lines, and back to the latest year that has the subsidy line (a batch
        // may pay an earlier year's months).
        let mut lines = budget::list(&pool, &actor, year)?;
        for earlier in (year - 10..year).rev() {
            if lines.iter().any(|l| l.code == SUBSIDY_LINE) {
                break;
            }
            lines.extend(budget::list(&pool, &actor, earlier)?);
        }
        Ok((
            subsidy::list_recipients(&pool, &actor)?,
            subsidy::list(
                &pool,
                &actor,
                None,
                crate::routes::list::Page {
                    limit: crate::services::paging::UNPAGED_MAX,
                    after: None,
                },
            )?,
            today,
            lines,
            budget_year,
        ))
    })
    .await?;
    // The batch form opens on the latest year with a budget (web.md "Years and dates"); in the
    // current year, on the half-year under way.
    let year = budget_year;
    let half = if year == chrono::Datelike::year(&today) && chrono::Datelike::month(&today) > 6 {
        2
    } else {
        1
    };
    let lines = lines
        .iter()
        .map(|l| LineChoice {
            id: l.id,
            label: format!("{}（{}，可用 {}）", l.name, l.year, yuan(l.available)),
            selected: l.code == SUBSIDY_LINE,
        })
        .collect();
    html(
        status,
        &SubsidyPage {
            nav: Nav::new(user, "/subsidy"),
            recipients: recipients.iter().map(recipient_line).collect(),
            batches: batches.iter().rev().map(batch_line).collect(),
            lines,
            year,
            half,
            today: format::date(today),
            may_make: permissions::allows(&user.actor, UseCase::MakeBatch),
            may_enroll: permissions::allows(&user.actor, UseCase::AddRecipient),
            form,
            error,
        },
    )
}

/// A recipient form as typed, kept as text so a refused form is shown again exactly.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RecipientForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    monthly_amount: String,
    #[serde(default)]
    enrolled_from: String,
    #[serde(default)]
    enrolled_until: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    bank_name: String,
    #[serde(default)]
    bank_account: String,
    /// Problems shown beside their inputs, by the input's id.
    #[serde(skip)]
    notes: Vec<Note>,
}

impl RecipientForm {
    /// The note beside the input with this id, if any.
    pub fn note(&self, id: &str) -> Option<&Note> {
        self.notes.iter().find(|n| n.id == id)
    }
}

fn opt(text: &str) -> Value {
    match text.trim() {
        "" => Value::Null,
        t => json!(t),
    }
}

/// 添加人员: added, back to the list with a message; refused, the form again as typed with each
/// problem beside its field.
pub async fn add_recipient((pool, user, form): Sent<RecipientForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let mut form = form.into_inner();
    let body = json!({
        "name": form.name.trim(),
        "monthly_amount": opt(&form.monthly_amount),
        "enrolled_from": form.enrolled_from.trim(),
        "enrolled_until": opt(&form.enrolled_until),
        "id_number": opt(&form.id_number),
        "bank_name": opt(&form.bank_name),
        "bank_account": opt(&form.bank_account),
    });
    let spec = parse_json::<RecipientBody>(body.to_string().as_bytes())
        .and_then(NewRecipientSpec::try_from);
    match user
        .run(&pool, move |p, actor| {
            subsidy::create_recipient(p, actor, spec)
        })
        .await
    {
        Ok(r) => {
            let text = format!(
                "已添加 {}，自 {} 起享受补助。",
                r.name,
                format::date(r.enrolled_from)
            );
            done(&pool, &user, Ok(text), field_refusal, "/subsidy").await
        }
        Err(PageError::Failed(e)) => {
            let (notes, error) = placed(&e);
            form.notes = notes;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            subsidy_page(pool, &user, form, error, status).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Template)]
#[template(path = "subsidy_recipient.html")]
struct RecipientPage {
    nav: Nav,
    recipient: RecipientLine,
    form: RecipientForm,
    error: Option<String>,
}

async fn recipient_page(
    pool: web::Data<Pool>,
    user: &SignedIn,
    id: i64,
    form: RecipientForm,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let actor = user.actor();
    let recipient = run(move || subsidy::get_recipient(&pool, &actor, id)).await?;
    html(
        status,
        &RecipientPage {
            nav: Nav::new(user, "/subsidy"),
            recipient: recipient_line(&recipient),
            form,
            error,
        },
    )
}

/// `/subsidy/recipients/{id}/payee`: the form to add or correct a recipient's identity number,
/// bank and account.
pub async fn payee_form(pool: web::Data<Pool>, user: SignedIn, id: web::Path<i64>) -> PageResult {
    let form = RecipientForm::default();
    recipient_page(pool, &user, id.into_inner(), form, None, StatusCode::OK).await
}

/// 保存代发信息: the API's PATCH with the fields filled in (a blank one stays as it is).
pub async fn set_payee((pool, user, id, form): Posted<RecipientForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let (id, mut form) = (id.into_inner(), form.into_inner());
    let mut body = serde_json::Map::new();
    for (field, typed) in [
        ("id_number", &form.id_number),
        ("bank_name", &form.bank_name),
        ("bank_account", &form.bank_account),
    ] {
        if !typed.trim().is_empty() {
            body.insert(field.into(), json!(typed.trim()));
        }
    }
    if body.is_empty() {
        let error = Some("请至少填写身份证号、开户行、账号中的一项。".to_string());
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return recipient_page(pool, &user, id, form, error, status).await;
    }
    let change = parse_json::<RecipientPatch>(Value::Object(body).to_string().as_bytes())
        .and_then(RecipientChange::try_from);
    match user
        .act_with(&pool, id, change, subsidy::change_recipient)
        .await
    {
        Ok(r) => {
            let text = format!("已保存 {} 的代发信息。", r.name);
            done(&pool, &user, Ok(text), field_refusal, "/subsidy#recipients").await
        }
        Err(PageError::Failed(e)) => {
            let (notes, error) = placed(&e);
            form.notes = notes;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            recipient_page(pool, &user, id, form, error, status).await
        }
        Err(other) => Err(other),
    }
}

/// 结束享受期 (or, left empty, reopen it).
pub async fn end_enrollment((pool, user, id, form): Posted<RecipientForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let body = json!({"enrolled_until": opt(&form.enrolled_until)});
    let change = parse_json::<RecipientPatch>(body.to_string().as_bytes())
        .and_then(RecipientChange::try_from);
    let result = user
        .act_with(&pool, id, change, subsidy::change_recipient)
        .await
        .map(|r| match r.enrolled_until {
            Some(d) => format!("{} 的享受期截止到 {}。", r.name, format::date(d)),
            None => format!("{} 的享受期已恢复为长期。", r.name),
        });
    done(&pool, &user, result, field_refusal, "/subsidy").await
}

#[derive(Deserialize)]
pub struct BatchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    budget_line_id: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    half: String,
    #[serde(default)]
    supplementary: String,
    #[serde(default)]
    paid_on: String,
}

fn number(text: &str) -> Value {
    text.trim().parse::<i64>().map_or(Value::Null, |n| json!(n))
}

/// 制作批次: a draft, then its page.
pub async fn make_batch((pool, user, form): Sent<BatchForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let body = json!({
        "budget_line_id": number(&form.budget_line_id),
        "year": number(&form.year),
        "half": number(&form.half),
        "supplementary": !form.supplementary.is_empty(),
    });
    let batch = parse_json::<BatchBody>(body.to_string().as_bytes())
        .and_then(subsidy::NewBatchSpec::try_from);
    let made = user
        .run(&pool, move |p, actor| {
            subsidy::create_batch(p, actor, batch)
        })
        .await;
    // The new batch's page, or back to the list to try again.
    let back = match &made {
        Ok(batch) => format!("/subsidy/batches/{}", batch.id),
        Err(_) => "/subsidy".to_string(),
    };
    let result = made.map(|batch| {
        format!(
            "已制作 {}批次，共 {} 人，合计 {}；请另一位财务人员核对后批准。",
            batch_title(&batch),
            batch.items.len(),
            yuan(batch.total)
        )
    });
    done(&pool, &user, result, field_refusal, &back).await
}

#[derive(Clone, Debug)]
pub struct MonthLine {
    pub month: String,
    pub days: String,
    pub amount: String,
}

#[derive(Clone, Debug)]
pub struct ItemLine {
    pub name: String,
    pub months: Vec<MonthLine>,
    pub amount: String,
    /// The details the batch pays to (its own copy), masked; empty when not given.
    pub id_number: String,
    pub bank_name: String,
    pub bank_account: String,
}

#[derive(Template)]
#[template(path = "subsidy_batch.html")]
struct BatchPage {
    nav: Nav,
    id: i64,
    title: String,
    status: &'static str,
    status_code: BatchStatus,
    line: String,
    window: String,
    items: Vec<ItemLine>,
    total: String,
    total_in_capitals: String,
    maker: String,
    approver: String,
    paid: String,
    /// The signed-in clerk made (or regenerated) this draft, so may not approve it.
    made_by_me: bool,
    /// The buttons offered: deciding (approve, regenerate, pay, void) and the payment file.
    may_decide: bool,
    may_download: bool,
    /// How many of the batch's recipients the payment file cannot pay yet, said before payment.
    missing_payee: Option<String>,
    /// One sentence per recipient whose details changed after the batch was made.
    payee_changed: Vec<String>,
    today: String,
    history: Vec<HistoryLine>,
}

/// `/subsidy/batches/{id}`.
pub async fn show(pool: web::Data<Pool>, user: SignedIn, id: web::Path<i64>) -> PageResult {
    let (id, actor) = (id.into_inner(), user.actor());
    let me = actor.user_id;
    let (batch, people, line, today, zone) = run(move || {
        let batch = subsidy::get(&pool, &actor, id)?;
        let line = budget::get(&pool, &actor, batch.budget_line_id)?;
        let people: BTreeMap<i64, String> = users::of_org(&pool, &actor)?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let zone = crate::services::clock::zone(&mut *crate::services::conn(&pool)?, actor.org_id)?;
        Ok((batch, people, line, pages::today(&pool, &actor)?, zone))
    })
    .await?;
    let who = |id: i64| {
        people
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("用户 {id}"))
    };
    let made_by_me = batch.created_by == me
        || batch
            .history
            .iter()
            .any(|h| h.action == "regenerate" && h.actor_id == me);
    let items = batch
        .items
        .iter()
        .map(|i| ItemLine {
            name: i.name.clone(),
            months: i
                .months
                .iter()
                .map(|m| MonthLine {
                    month: m.month.clone(),
                    days: format!("{}/{} 天", m.days_enrolled, m.days_in_month),
                    amount: yuan(m.amount),
                })
                .collect(),
            amount: yuan(i.amount),
            id_number: i.id_number.clone().unwrap_or_default(),
            bank_name: i.bank_name.clone().unwrap_or_default(),
            bank_account: i.bank_account.clone().unwrap_or_default(),
        })
        .collect();
    let history = batch
        .history
        .iter()
        .map(|h| HistoryLine {
            at: format::local_time(&h.at, zone),
            action: match h.action.as_str() {
                "create" => "制作",
                "regenerate" => "重新生成",
                other => format::action(other),
            },
            who: who(h.actor_id),
            note: String::new(),
        })
        .collect();
    let missing = batch.items.iter().filter(|i| !i.payee_complete).count();
    let open = matches!(batch.status, BatchStatus::Draft | BatchStatus::Approved);
    // The batch pays its own copy of the details, so filling them in on the list is not enough:
    // a draft is generated again, an approved batch voided and made again.
    let then = if batch.status == BatchStatus::Draft {
        "再按现在的名单重新生成本批次"
    } else {
        "再作废本批次后重新制作"
    };
    let missing_payee = (missing > 0 && open)
        .then(|| format!("{missing} 人缺少身份证号或银行账号：请在老干部名单中补齐，{then}。"));
    let payee_changed = if open {
        batch
            .items
            .iter()
            .filter(|i| i.payee_changed)
            .map(|i| {
                format!(
                    "{}的代发信息在本批次制作后有改动；如需按新信息发放，请作废本批次后重新制作。",
                    i.name
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let paid = match batch.paid_on {
        Some(d) => format!(
            "{}（{}）",
            format::date(d),
            if batch.on_time == Some(true) {
                "在发放期内"
            } else {
                "晚于发放期"
            }
        ),
        None => String::new(),
    };
    html(
        StatusCode::OK,
        &BatchPage {
            nav: Nav::new(&user, "/subsidy"),
            id: batch.id,
            title: batch_title(&batch),
            status: batch.status.chinese(),
            status_code: batch.status,
            line: line.line.name.clone(),
            window: format::dates(batch.payout_window.from, batch.payout_window.to),
            items,
            total: yuan(batch.total),
            total_in_capitals: format::capitals(batch.total),
            maker: who(batch.created_by),
            approver: batch.approved_by.map(who).unwrap_or_default(),
            paid,
            made_by_me,
            may_decide: permissions::allows(&user.actor, UseCase::ApproveBatch),
            may_download: permissions::offers_payment_file(&user.actor),
            missing_payee,
            payee_changed,
            today: format::date(today),
            history,
        },
    )
}

fn back(id: i64) -> String {
    format!("/subsidy/batches/{id}")
}

/// A step of batch `id` from a button on its page (after the form's CSRF check); says how it
/// went, in `said`'s words, back on that page.
async fn step<T: Send + 'static>(
    (pool, user, id, form): Posted<BatchForm>,
    act: fn(&Pool, &Context, i64) -> Result<T, AppError>,
    said: impl FnOnce(T) -> String,
) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user.act(&pool, id, act).await.map(said);
    done(&pool, &user, result, field_refusal, &back(id)).await
}

/// 批准.
pub async fn approve(on: Posted<BatchForm>) -> PageResult {
    step(on, subsidy::approve, |b| {
        format!(
            "批次已批准：{} 已从预算中占用，可以下载代发文件了。",
            yuan(b.total)
        )
    })
    .await
}

/// 按现在的名单重新生成 (a draft only).
pub async fn regenerate(on: Posted<BatchForm>) -> PageResult {
    step(on, subsidy::regenerate, |b| {
        format!("已按现在的名单重新生成，合计 {}。", yuan(b.total))
    })
    .await
}

/// 登记支付.
pub async fn pay(
    (pool, user, id, form): Posted<BatchForm>,
    margin: web::Data<PaymentMargin>,
) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .pay(&pool, id, &form.paid_on, **margin, subsidy::pay)
        .await
        .map(|b| {
            format!(
                "批次已支付 {}（支付日期 {}{}）。",
                yuan(b.total),
                b.paid_on.map(format::date).unwrap_or_default(),
                if b.on_time == Some(true) {
                    "，在发放期内"
                } else {
                    "，晚于发放期"
                }
            )
        });
    done(&pool, &user, result, field_refusal, &back(id)).await
}

/// 作废.
pub async fn void(on: Posted<BatchForm>) -> PageResult {
    step(on, subsidy::void, |b| {
        format!(
            "批次已作废{}。",
            if b.approved_by.is_some() {
                "：占用的预算和月份已退回"
            } else {
                ""
            }
        )
    })
    .await
}

/// 下载代发文件: the API's CSV. A batch not yet approved goes back to its page with the reason.
pub async fn payment_file(pool: web::Data<Pool>, user: SignedIn, id: web::Path<i64>) -> PageResult {
    let id = id.into_inner();
    match user
        .run(&pool, move |p, actor| subsidy::payment_file(p, actor, id))
        .await
    {
        Ok((name, bytes)) => Ok(super::budget::attachment(
            "text/csv; charset=utf-8",
            name,
            bytes,
        )),
        Err(PageError::Failed(e)) => {
            done(
                &pool,
                &user,
                Err(PageError::Failed(e)),
                field_refusal,
                &back(id),
            )
            .await
        }
        Err(other) => Err(other),
    }
}
