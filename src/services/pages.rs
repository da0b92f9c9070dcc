//! What the web pages show beyond the API's views: names beside ids, a claimant's claims page by
//! page, the finance queue with each claim's wait and its line's available amount. Each function is
//! one use case, a few queries whatever the page's length, and checks the caller's role itself.

use std::collections::HashMap;

use crate::domain::approval::Step;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::views::{ClaimView, HistoryView};
use crate::auth::Actor;
use crate::db::{budget as lines, pages as rows, travel_requests as requests};
use crate::db::{claims::ClaimRow, Pool};
use crate::domain::status::ClaimStatus;
use crate::domain::travel_request::{settle, Settlement};
use crate::domain::waiting::{waiting, Waiting, DEFAULT_DEADLINE_DAYS};
use crate::domain::Money;
use crate::error::{AppError, AppResult};

use super::permissions::{self, UseCase};
use super::{claims, clock, conn};

/// The organisation's today (R12: its local calendar day), for pages that show or default a date.
pub fn today(pool: &Pool, actor: &Actor) -> AppResult<NaiveDate> {
    clock::today(&mut *conn(pool)?, actor.org_id)
}

/// The year a page with a year opens on (web.md "Years and dates"): this year if it has a budget,
/// else the latest earlier year that has one, else the first later one; this year when there is
/// no budget at all. A bureau working through 2021's books in 2026 lands on 2021.
pub fn budget_year(pool: &Pool, actor: &Actor) -> AppResult<i32> {
    let mut c = conn(pool)?;
    let this_year = chrono::Datelike::year(&clock::today(&mut c, actor.org_id)?);
    let years = lines::years(&mut c, actor.org_id)?;
    Ok(open_on(this_year, &years))
}

/// See [`budget_year`]; `years` in order.
fn open_on(this_year: i32, years: &[i32]) -> i32 {
    let earlier = years.iter().rev().find(|y| **y <= this_year);
    earlier.or(years.first()).copied().unwrap_or(this_year)
}

/// One claim in a list.
#[derive(Clone, Debug)]
pub struct ClaimSummary {
    pub id: i64,
    pub status: ClaimStatus,
    pub purpose: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub reimbursable: Money,
    pub line_name: String,
    pub submitted_on: NaiveDate,
    /// R18: a step of approval has decided it (it may still be submitted, at a later step).
    pub decided: bool,
}

/// A page of a claimant's claims, newest first; `next_before` continues the list.
#[derive(Clone, Debug)]
pub struct ClaimsPage {
    /// R17: the claimant's drafts, all of them, on the first page only.
    pub drafts: Vec<super::views::DraftView>,
    pub claims: Vec<ClaimSummary>,
    pub next_before: Option<i64>,
    /// The organisation's time zone, in which a draft's saving time is shown.
    pub zone: Tz,
}

fn line_names(pool: &Pool, org_id: i64) -> AppResult<HashMap<i64, (String, lines::LineRow)>> {
    Ok(lines::all(&mut *conn(pool)?, org_id)?
        .into_iter()
        .map(|l| (l.id, (format!("{} {}", l.year, l.name), l)))
        .collect())
}

fn summary(
    row: &ClaimRow,
    names: &HashMap<i64, (String, lines::LineRow)>,
    zone: Tz,
) -> ClaimSummary {
    ClaimSummary {
        id: row.id,
        status: row.status,
        purpose: row.purpose.clone(),
        destination: row.destination.clone(),
        departure_date: row.departure_date,
        return_date: row.return_date,
        reimbursable: Money::from_fen(row.reimbursable_fen),
        line_name: names
            .get(&row.budget_line_id)
            .map(|(name, _)| name.clone())
            .unwrap_or_default(),
        submitted_on: clock::local_date(zone, row.submitted_at),
        decided: row.decided_by.is_some(),
    }
}

/// 我的报销: the caller's own claims, `limit` per page, older than `before` when given; on the
/// first page, their drafts before them (R17).
pub fn my_claims(
    pool: &Pool,
    actor: &Actor,
    before: Option<i64>,
    limit: i64,
) -> AppResult<ClaimsPage> {
    permissions::check(actor, UseCase::MyClaims)?;
    let mut c = conn(pool)?;
    let zone = clock::zone(&mut c, actor.org_id)?;
    let mut found = rows::claims_of(&mut c, actor.org_id, actor.user_id, before, limit + 1)?;
    drop(c);
    let more = i64::try_from(found.len()).unwrap_or(i64::MAX) > limit;
    found.truncate(usize::try_from(limit).unwrap_or(0));
    let names = line_names(pool, actor.org_id)?;
    let drafts = match before {
        None => {
            let all = super::paging::Page {
                limit: super::paging::UNPAGED_MAX,
                after: None,
            };
            super::lifecycle::drafts(pool, actor, all)?
        }
        Some(_) => Vec::new(),
    };
    Ok(ClaimsPage {
        drafts,
        next_before: more.then(|| found.last().map(|r| r.id)).flatten(),
        claims: found.iter().map(|r| summary(r, &names, zone)).collect(),
        zone,
    })
}

/// A line a claim can be charged to.
#[derive(Clone, Debug)]
pub struct LineChoice {
    pub id: i64,
    pub label: String,
}

/// The lines a new claim can be charged to: those without children, the latest year first.
pub fn line_choices(pool: &Pool, actor: &Actor) -> AppResult<Vec<LineChoice>> {
    permissions::check(actor, UseCase::SubmitClaim)?;
    let mut all = lines::all(&mut *conn(pool)?, actor.org_id)?;
    let parents: std::collections::HashSet<i64> = all.iter().filter_map(|l| l.parent_id).collect();
    all.retain(|l| !parents.contains(&l.id));
    all.sort_by(|a, b| b.year.cmp(&a.year).then(a.id.cmp(&b.id)));
    Ok(all
        .into_iter()
        .map(|l| LineChoice {
            id: l.id,
            label: format!("{} 年 {}", l.year, l.name),
        })
        .collect())
}

/// Each city code of any policy version with the name people use (its first name).
pub fn city_names(pool: &Pool, actor: &Actor) -> AppResult<HashMap<String, String>> {
    let versions = super::policy::all(&mut *conn(pool)?, actor.org_id)?;
    Ok(versions
        .iter()
        .flat_map(|v| v.policy.cities.iter())
        .filter_map(|c| c.names.first().map(|n| (c.code.to_string(), n.clone())))
        .collect())
}

/// A claim's page: the claim with the names its ids stand for.
#[derive(Clone, Debug)]
pub struct ClaimPage {
    pub claim: ClaimView,
    pub org_name: String,
    pub claimant_name: String,
    pub line_name: String,
    pub line_code: String,
    /// Each status change with the name of who made it.
    pub history: Vec<(HistoryView, String)>,
    /// City names by code, for the breakdown's stays.
    pub city_names: HashMap<String, String>,
    /// The organisation's time zone, in which its times are shown.
    pub zone: Tz,
    /// R15: the (code, number) of each invoice the claim holds; a rejected claim holds none.
    pub invoices: Vec<(String, String)>,
    /// R17: the claim's files, without their bytes.
    pub attachments: Vec<super::views::AttachmentView>,
    /// R18: whether the caller may decide the claim's pending step now.
    pub may_decide: bool,
}

/// A claim as its page shows it; 404 for a claim the caller may not see (as in the API).
pub fn claim_page(pool: &Pool, actor: &Actor, id: i64) -> AppResult<ClaimPage> {
    let claim = claims::get(pool, actor, id)?;
    let mut c = conn(pool)?;
    let mut ids: Vec<i64> = claim.history.iter().map(|h| h.actor_id).collect();
    ids.push(claim.claimant_id);
    let names: HashMap<i64, String> = rows::user_names(&mut c, actor.org_id, &ids)?
        .into_iter()
        .collect();
    let line = lines::find(&mut c, actor.org_id, claim.budget_line_id)?
        .ok_or(AppError::NotFound("budget line"))?;
    let org_name = rows::org_name(&mut c, actor.org_id)?.unwrap_or_default();
    let zone = clock::zone(&mut c, actor.org_id)?;
    let invoices = crate::db::invoices::of_claim(&mut c, actor.org_id, id)?;
    let attachments = super::attachments::of_claim_on(&mut c, actor.org_id, id)?;
    let may_decide = match crate::db::claims::find(&mut c, actor.org_id, id)? {
        Some(row) => super::approval::may_decide(&mut c, actor, &row)?,
        None => false,
    };
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    drop(c);
    Ok(ClaimPage {
        city_names: city_names(pool, actor)?,
        zone,
        invoices,
        attachments,
        may_decide,
        org_name,
        claimant_name: name(claim.claimant_id),
        line_name: line.name,
        line_code: line.code,
        history: claim
            .history
            .iter()
            .map(|h| (h.clone(), name(h.actor_id)))
            .collect(),
        claim,
    })
}

/// A claim waiting for finance.
#[derive(Clone, Debug)]
pub struct QueueItem {
    pub claim: ClaimSummary,
    pub claimant_name: String,
    pub waiting: Waiting,
    pub deadline_days: i64,
    /// The claim's own line's available amount now.
    pub line_available: Money,
    /// Whether that amount covers the claim (an ancestor line may still refuse it).
    pub line_covers: bool,
    /// Who submitted it: finance may not decide their own claim, so the page offers no button.
    pub claimant_id: i64,
    /// R16: how paying it settles the advance of the request it names, when one was paid.
    pub settlement: Option<Settlement>,
}

/// Finance's queues: claims in `status` (`submitted` for 待审核, waiting at finance's step (R18);
/// `approved` for 待支付), oldest first, with how long each has waited since its submission, in
/// calendar days of the organisation (R12).
pub fn queue(
    pool: &Pool,
    actor: &Actor,
    status: ClaimStatus,
    limit: i64,
) -> AppResult<Vec<QueueItem>> {
    permissions::check(actor, UseCase::ClaimQueue)?;
    let step = (status == ClaimStatus::Submitted).then_some((Step::Finance.as_str(), None));
    queue_of(pool, actor, status, step, limit)
}

/// R18: the queues of the steps before and after finance's that `actor` holds (部门审核 of their
/// department for a department head, 单位负责人审批 for the leader), oldest first with how long
/// each has waited; the steps in the order of the chain.
pub fn step_queues(
    pool: &Pool,
    actor: &Actor,
    limit: i64,
) -> AppResult<Vec<(Step, Vec<QueueItem>)>> {
    permissions::check(actor, UseCase::StepQueue)?;
    let held = super::approval::steps_held(&mut *conn(pool)?, actor)?;
    let mut queues = Vec::new();
    for (step, department) in held {
        if step == Step::Finance {
            continue;
        }
        let items = queue_of(
            pool,
            actor,
            ClaimStatus::Submitted,
            Some((step.as_str(), department)),
            limit,
        )?;
        queues.push((step, items));
    }
    // A department head of no department holds no queue yet, but has a page that says so.
    if actor.has(crate::auth::Role::DepartmentHead)
        && !queues.iter().any(|(s, _)| *s == Step::DepartmentHead)
    {
        queues.insert(0, (Step::DepartmentHead, Vec::new()));
    }
    Ok(queues)
}

fn queue_of(
    pool: &Pool,
    actor: &Actor,
    status: ClaimStatus,
    step: Option<(&str, Option<i64>)>,
    limit: i64,
) -> AppResult<Vec<QueueItem>> {
    let mut c = conn(pool)?;
    let zone = clock::zone(&mut c, actor.org_id)?;
    let today = clock::today(&mut c, actor.org_id)?;
    let found = rows::oldest_first(&mut c, actor.org_id, status, step, limit)?;
    let ids: Vec<i64> = found.iter().map(|r| r.claimant_id).collect();
    let names: HashMap<i64, String> = rows::user_names(&mut c, actor.org_id, &ids)?
        .into_iter()
        .collect();
    let advances: HashMap<i64, Money> = requests::with_advances(&mut c, actor.org_id)?
        .into_iter()
        .filter_map(|r| Some((r.id, Money::from_fen(r.advance_fen?))))
        .collect();
    drop(c);
    let lines = line_names(pool, actor.org_id)?;
    found
        .iter()
        .map(|row| {
            let claim = summary(row, &lines, zone);
            let line_available = match lines.get(&row.budget_line_id) {
                Some((_, l)) => super::ledger::available(l)?,
                None => Money::ZERO,
            };
            Ok(QueueItem {
                waiting: waiting(claim.submitted_on, today, DEFAULT_DEADLINE_DAYS),
                deadline_days: DEFAULT_DEADLINE_DAYS,
                claimant_name: names.get(&row.claimant_id).cloned().unwrap_or_default(),
                line_covers: line_available >= claim.reimbursable,
                line_available,
                claimant_id: row.claimant_id,
                settlement: row
                    .travel_request_id
                    .and_then(|r| advances.get(&r))
                    .map(|advance| settle(claim.reimbursable, *advance)),
                claim,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::open_on;

    #[test]
    fn pages_open_on_the_latest_year_with_a_budget() {
        assert_eq!(open_on(2026, &[2021]), 2021);
        assert_eq!(open_on(2026, &[2021, 2026, 2027]), 2026);
        assert_eq!(open_on(2026, &[2021, 2024]), 2024);
        assert_eq!(open_on(2026, &[2027]), 2027);
        assert_eq!(open_on(2026, &[]), 2026);
    }
}
