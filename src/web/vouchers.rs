//! R20 pages: 记账凭证 by month (finance, budget holders, admins) with filters by source, number
//! and amount; a voucher's page; its print view in the shape accountants keep (凭证号, 日期, 摘要,
//! 会计科目, 借方金额, 贷方金额, 合计 with 大写, 附单据, 制单 / 审核 / 记账, both ledgers); and the
//! admin's 会计科目 page, the account map.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use crate::db::Pool;
use crate::domain::voucher::{EventKind, Ledger, Role};
use crate::domain::Money;
use crate::services::vouchers::{self, Filter, VoucherPage};
use crate::services::{pages, permissions::UseCase};
use crate::wire::{AccountBody, AccountMapEntry, VoucherLineView, VoucherView};

use super::format::{self, yuan};
use super::session::SignedIn;
use super::{html, run, see_other, session, Asked, Flash, Nav, PageError, PageResult, Sent};

/// The kinds of document a voucher books, as the filter offers them.
const SOURCES: [(&str, &str); 3] = [
    ("travel_claim", "报销单"),
    ("travel_request", "出差申请"),
    ("subsidy_batch", "补助批次"),
];

fn source_name(kind: &str) -> &'static str {
    SOURCES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("", |(_, name)| name)
}

/// Where a voucher's document is shown, if it has a page.
fn source_href(kind: &str, id: i64) -> Option<String> {
    match kind {
        "travel_claim" => Some(format!("/claims/{id}")),
        "subsidy_batch" => Some(format!("/subsidy/batches/{id}")),
        _ => None,
    }
}

fn event_name(event: &str) -> &'static str {
    EventKind::parse(event).map_or("", EventKind::chinese)
}

/// The list's filter as typed (kept as text, shown again as typed).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    of: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    amount: String,
}

/// What a voucher's row in the list and its own page both say of it.
struct Head {
    id: i64,
    number: String,
    date: String,
    summary: String,
    event: &'static str,
    source: String,
    source_href: Option<String>,
    attachments: i32,
}

fn head(v: &VoucherView) -> Head {
    Head {
        id: v.id,
        number: v.number.clone(),
        date: format::date(v.date),
        summary: v.summary.clone(),
        event: event_name(&v.event),
        source: format!("{} #{}", source_name(&v.source.kind), v.source.id),
        source_href: source_href(&v.source.kind, v.source.id),
        attachments: v.attachments,
    }
}

/// A row of the list.
struct Row {
    head: Head,
    /// The 财务会计 debits, as the money moved.
    amount: String,
    reverses: bool,
}

fn total(v: &VoucherView, ledger: Ledger) -> (Money, Money) {
    let of = |pick: fn(&VoucherLineView) -> Money| {
        Money::checked_sum(
            v.lines
                .iter()
                .filter(|l| l.ledger == ledger.as_str())
                .map(pick),
        )
        .unwrap_or_default()
    };
    (of(|l| l.debit), of(|l| l.credit))
}

fn row(v: &VoucherView) -> Row {
    Row {
        head: head(v),
        amount: yuan(total(v, Ledger::Financial).0),
        reverses: v.reverses.is_some(),
    }
}

#[derive(Template)]
#[template(path = "vouchers.html")]
struct ListPage {
    nav: Nav,
    query: ListQuery,
    sources: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    /// What the filter is, in words, or why it could not be read.
    heading: String,
    problem: Option<String>,
    total: String,
}

/// 记账凭证: a month's vouchers (this month by default), narrowed by the filter.
pub async fn list((pool, user, query): Asked<ListQuery>) -> PageResult {
    let query = query.into_inner();
    let actor = user.actor();
    let today = {
        let (pool, actor) = (pool.clone(), actor.clone());
        run(move || pages::today(&pool, &actor)).await?
    };
    let mut problem = None;
    let of = query.of.trim().parse::<i64>().ok();
    let month = match query.month.trim() {
        "" if of.is_some() => None,
        "" => Some((today.year(), today.month())),
        text => {
            let parsed = text.split_once('-').and_then(|(y, m)| {
                let (y, m) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
                chrono::NaiveDate::from_ymd_opt(y, m, 1).map(|_| (y, m))
            });
            if parsed.is_none() {
                problem = Some(format!(
                    "月份「{text}」无法识别，请写成 2021-05 这样的年-月。"
                ));
            }
            parsed
        }
    };
    let amount = match query.amount.trim() {
        "" => None,
        text => match Money::parse_input(text.trim_start_matches('¥').replace(',', "").as_str()) {
            Ok(a) => Some(a),
            Err(_) => {
                problem = Some(format!("金额「{text}」无法识别，请写成 1231.00 这样的数。"));
                None
            }
        },
    };
    let source = SOURCES
        .iter()
        .find(|(k, _)| *k == query.source.trim())
        .map(|(k, _)| k.to_string());
    let filter = Filter {
        month: if problem.is_some() { None } else { month },
        source: source.clone(),
        source_id: of,
        number: Some(query.number.trim().to_string()).filter(|n| !n.is_empty()),
        amount,
    };
    let list = if problem.is_some() {
        Vec::new()
    } else {
        run(move || vouchers::find(&pool, &actor, &filter)).await?
    };
    let heading = match (month, of, source.as_deref()) {
        (_, Some(id), Some(kind)) => format!("{} #{id} 的记账凭证", source_name(kind)),
        (Some((y, m)), _, _) => format!("{y}年{m}月"),
        _ => "全部月份".to_string(),
    };
    let sum =
        Money::checked_sum(list.iter().map(|v| total(v, Ledger::Financial).0)).unwrap_or_default();
    html(
        StatusCode::OK,
        &ListPage {
            nav: Nav::new(&user, "/vouchers"),
            sources: SOURCES.to_vec(),
            rows: list.iter().map(row).collect(),
            heading,
            problem,
            total: yuan(sum),
            query: ListQuery {
                month: match (query.month.trim(), month) {
                    ("", Some((y, m))) => format!("{y:04}-{m:02}"),
                    _ => query.month.clone(),
                },
                ..query
            },
        },
    )
}

/// A voucher's line as shown.
struct LineShown {
    account: String,
    project: String,
    debit: String,
    credit: String,
}

/// One ledger's part of a voucher.
struct LedgerShown {
    name: &'static str,
    id: &'static str,
    lines: Vec<LineShown>,
    debit: String,
    credit: String,
    capitals: String,
}

fn amount_cell(m: Money) -> String {
    if m.is_zero() {
        String::new()
    } else {
        format::grouped(m)
    }
}

fn ledgers(v: &VoucherView) -> Vec<LedgerShown> {
    Ledger::ALL
        .into_iter()
        .filter_map(|ledger| {
            let lines: Vec<LineShown> = v
                .lines
                .iter()
                .filter(|l| l.ledger == ledger.as_str())
                .map(|l| LineShown {
                    account: format!("{} {}", l.account_code, l.account_name),
                    project: match (&l.project_name, &l.economic_class) {
                        (Some(p), Some(e)) => format!("{p}（经济分类 {e}）"),
                        (Some(p), None) => p.clone(),
                        _ => String::new(),
                    },
                    debit: amount_cell(l.debit),
                    credit: amount_cell(l.credit),
                })
                .collect();
            if lines.is_empty() {
                return None;
            }
            let (debit, credit) = total(v, ledger);
            Some(LedgerShown {
                name: ledger.chinese(),
                id: ledger.as_str(),
                lines,
                debit: format::grouped(debit),
                credit: format::grouped(credit),
                capitals: format::capitals(debit),
            })
        })
        .collect()
}

/// A voucher as its page and print view show it.
struct Shown {
    head: Head,
    maker: String,
    organisation: String,
    ledgers: Vec<LedgerShown>,
    reverses: Option<(i64, String)>,
    reversed_by: Option<(i64, String)>,
}

fn shown(p: VoucherPage) -> Shown {
    let v = &p.voucher;
    Shown {
        head: head(v),
        maker: p.maker.clone(),
        organisation: p.organisation.clone(),
        ledgers: ledgers(v),
        reverses: v.reverses.zip(p.reverses_number.clone()),
        reversed_by: p.reversed_by.clone(),
    }
}

#[derive(Template)]
#[template(path = "voucher.html")]
struct VoucherPageView {
    nav: Nav,
    v: Shown,
}

/// A voucher's page.
pub async fn show(pool: web::Data<Pool>, user: SignedIn, id: web::Path<i64>) -> PageResult {
    let (actor, id) = (user.actor(), id.into_inner());
    let page = run(move || vouchers::page(&pool, &actor, id)).await?;
    html(
        StatusCode::OK,
        &VoucherPageView {
            nav: Nav::new(&user, "/vouchers"),
            v: shown(page),
        },
    )
}

#[derive(Template)]
#[template(path = "voucher_print.html")]
struct PrintView {
    v: Shown,
}

/// 记账凭证 to print.
pub async fn print(pool: web::Data<Pool>, user: SignedIn, id: web::Path<i64>) -> PageResult {
    let (actor, id) = (user.actor(), id.into_inner());
    let page = run(move || vouchers::page(&pool, &actor, id)).await?;
    html(StatusCode::OK, &PrintView { v: shown(page) })
}

/// An account of the map, as the form shows it.
struct MapRowShown {
    event: &'static str,
    role: &'static str,
    key: String,
    code: String,
    name: String,
    first_of_event: bool,
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Expense => "费用（财务会计）",
        Role::Payment => "资金来源（财务会计）",
        Role::Advance => "其他应收款（财务会计）",
        Role::BudgetExpense => "行政支出（预算会计）",
        Role::BudgetPayment => "资金来源（预算会计）",
    }
}

#[derive(Template)]
#[template(path = "admin_account_map.html")]
struct MapPage {
    nav: Nav,
    rows: Vec<MapRowShown>,
    problem: Option<String>,
}

fn map_rows(map: &[AccountMapEntry], typed: &HashMap<String, String>) -> Vec<MapRowShown> {
    let mut rows = Vec::new();
    for event in EventKind::MAPPED {
        for (i, role) in event.roles().iter().enumerate() {
            let key = format!("{}.{}", event.as_str(), role.as_str());
            let stored = map
                .iter()
                .find(|a| a.event == event.as_str() && a.role == role.as_str());
            let pick = |field: &str, stored: Option<&String>| {
                typed
                    .get(&format!("{field}.{key}"))
                    .cloned()
                    .or_else(|| stored.cloned())
                    .unwrap_or_default()
            };
            rows.push(MapRowShown {
                event: event.chinese(),
                role: role_name(*role),
                code: pick("code", stored.map(|a| &a.code)),
                name: pick("name", stored.map(|a| &a.name)),
                key,
                first_of_event: i == 0,
            });
        }
    }
    rows
}

/// 会计科目: the accounts each event is booked to (admin).
pub async fn account_map(pool: web::Data<Pool>, user: SignedIn) -> PageResult {
    let actor = user.actor();
    let map = run(move || vouchers::account_map(&pool, &actor)).await?;
    if !crate::services::permissions::allows(&user.actor(), UseCase::SetAccountMap) {
        return Err(PageError::Forbidden);
    }
    html(
        StatusCode::OK,
        &MapPage {
            nav: Nav::new(&user, "/admin/account-map"),
            rows: map_rows(&map, &HashMap::new()),
            problem: None,
        },
    )
}

/// Saves the account map; a refusal is shown in place with what was typed.
pub async fn set_account_map((pool, user, form): Sent<HashMap<String, String>>) -> PageResult {
    let typed = form.into_inner();
    user.check_csrf(typed.get("csrf").map_or("", String::as_str))?;
    let mut bodies = Vec::new();
    for event in EventKind::MAPPED {
        for role in event.roles() {
            let key = format!("{}.{}", event.as_str(), role.as_str());
            let field = |f: &str| {
                typed
                    .get(&format!("{f}.{key}"))
                    .cloned()
                    .unwrap_or_default()
            };
            bodies.push(AccountBody {
                event: event.as_str().into(),
                role: role.as_str().into(),
                code: field("code"),
                name: field("name"),
            });
        }
    }
    let accounts = crate::wire::accounts(bodies);
    let result = user
        .run(&pool, move |p, actor| {
            vouchers::set_account_map(p, actor, accounts)
        })
        .await;
    match result {
        Ok(_) => {
            session::flash(
                &pool,
                &user,
                Flash::Done("会计科目已保存，此后的记账凭证按新科目记账；已记的凭证不变。".into()),
            )
            .await?;
            Ok(see_other("/admin/account-map"))
        }
        Err(PageError::Failed(e)) => {
            let actor = user.actor();
            let map = run(move || vouchers::account_map(&pool, &actor)).await?;
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &MapPage {
                    nav: Nav::new(&user, "/admin/account-map"),
                    rows: map_rows(&map, &typed),
                    problem: Some(format::refusal(&e)),
                },
            )
        }
        Err(other) => Err(other),
    }
}
