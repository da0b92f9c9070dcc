//! Budget holders' reports (R11, R12): the execution report, performance indicators, and the
//! ledger as a plain-text accounting journal that hledger and ledger read.
//!
//! The execution report reads only the maintained balances in `budget_lines`, never the entries,
//! so it costs the same with a million entries as with ten.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::views::{ExecutionLineView, ExecutionView, IndicatorView, TargetRecord};
use crate::auth::Actor;
use crate::db::budget::{self as lines};
use crate::db::reports::{self as rows, TargetRow};
use crate::db::{orgs, DbConnection, Pool};
use crate::domain::performance::{self as perf, execution_rate, Comparator, Indicator, Target};
use crate::domain::subsidy::{Enrollment, Half};
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::export::JournalEntry;

use super::permissions::{self, UseCase};
use super::{act, budget, clock, conn};

fn org_name(c: &mut DbConnection, org_id: i64) -> AppResult<String> {
    Ok(orgs::all(c)?
        .into_iter()
        .find(|o| o.id == org_id)
        .map(|o| o.name)
        .unwrap_or_default())
}

/// `GET /api/v1/reports/budget-execution?year=Y`: every line in tree order (R11).
pub fn execution(pool: &Pool, actor: &Actor, year: i32) -> AppResult<ExecutionView> {
    permissions::check(actor, UseCase::ExecutionReport)?;
    let mut c = conn(pool)?;
    let rows = lines::by_year(&mut c, actor.org_id, year)?;
    let lines = budget::tree(&rows)?
        .into_iter()
        .map(|(depth, l)| ExecutionLineView {
            execution_rate: execution_rate(l.spent, l.allocated).map(|r| format!("{r:.2}")),
            id: l.id,
            code: l.code,
            name: l.name,
            depth,
            parent_id: l.parent_id,
            allocated: l.allocated,
            original_allocated: l.original_allocated,
            committed: l.committed,
            spent: l.spent,
            available: l.available,
            oversubscribed_by: l.oversubscribed_by,
        })
        .collect();
    Ok(ExecutionView {
        organisation: org_name(&mut c, actor.org_id)?,
        year,
        lines,
    })
}

fn parse_target(row: &TargetRow) -> AppResult<(Indicator, Option<Target>)> {
    let indicator = Indicator::parse(&row.indicator)
        .ok_or_else(|| AppError::Internal(format!("unknown indicator {}", row.indicator)))?;
    let comparator = Comparator::parse(&row.comparator)
        .ok_or_else(|| AppError::Internal(format!("unknown comparator {}", row.comparator)))?;
    let target = match &row.target {
        Some(text) => Some(Target {
            comparator,
            value: text
                .parse()
                .map_err(|_| AppError::Internal(format!("target {text}")))?,
        }),
        None => None,
    };
    Ok((indicator, target))
}

/// An indicator's value as the report writes it: a count as it is, anything else with two
/// decimals.
fn value_text(indicator: Indicator, value: Decimal) -> String {
    match indicator {
        Indicator::RecipientsPaid => value.normalize().to_string(),
        _ => format!("{value:.2}"),
    }
}

/// The actual value of one indicator over a line's subtree, for a year.
fn actual(
    c: &mut DbConnection,
    org_id: i64,
    year: i32,
    subtree: &[i64],
    (spent, allocated): (Money, Money),
    row: &TargetRow,
    indicator: Indicator,
) -> AppResult<Option<Decimal>> {
    Ok(match indicator {
        Indicator::PayoutRate => execution_rate(spent, allocated),
        Indicator::PaidOnTime => months_paid_on_time(c, org_id, year, subtree)?,
        Indicator::RecipientsPaid | Indicator::AveragePerRecipientMonth => {
            let batches = rows::paid_batches(c, org_id, subtree, year)?;
            let ids: Vec<i64> = batches.iter().map(|b| b.id).collect();
            let items = rows::items_of(c, org_id, &ids)?;
            match indicator {
                Indicator::RecipientsPaid => {
                    Some(perf::recipients_paid(items.iter().map(|i| i.recipient_id)))
                }
                _ => perf::average_per_month(
                    &items
                        .iter()
                        .map(|i| Money::from_fen(i.amount_fen))
                        .collect::<Vec<_>>(),
                )
                .map(Money::to_decimal),
            }
        }
        Indicator::SelfBorneShare | Indicator::DecidedOnTime => {
            let (from, to) = year_bounds(year)?;
            let claims = rows::claims(c, org_id, subtree, from, to)?;
            if indicator == Indicator::SelfBorneShare {
                perf::self_borne_share(
                    &claims
                        .iter()
                        .map(|k| Money::from_fen(k.self_borne_fen))
                        .collect::<Vec<_>>(),
                )
            } else {
                // R12: deadlines count the organisation's calendar days.
                let zone = clock::zone(c, org_id)?;
                let decisions: Vec<perf::Decision> = claims
                    .iter()
                    .map(|k| perf::Decision {
                        submitted: clock::local_date(zone, k.submitted_at),
                        decided: k.decided().map(|at| clock::local_date(zone, at)),
                    })
                    .collect();
                perf::decided_on_time(
                    &decisions,
                    perf::deadline_days(row.deadline_days),
                    clock::today(c, org_id)?,
                )
            }
        }
    })
}

/// 资金发放时间 (R12) over recipient-months: every enrolled month of the year is due in its
/// half-year's window; paid inside it is on time, paid later or still unpaid after it is late.
fn months_paid_on_time(
    c: &mut DbConnection,
    org_id: i64,
    year: i32,
    subtree: &[i64],
) -> AppResult<Option<Decimal>> {
    let mut paid: HashMap<(i64, i32), Option<NaiveDate>> =
        rows::paid_months(c, org_id, subtree, year)?
            .into_iter()
            .map(|(recipient, month, paid_on)| ((recipient, month), paid_on))
            .collect();
    let mut due = Vec::new();
    for r in crate::db::subsidy::recipients(c, org_id)? {
        let Some(enrollment) = Enrollment::new(r.enrolled_from, r.enrolled_until) else {
            continue;
        };
        for half in [Half::H1, Half::H2] {
            let window = half.payout_window(year).ok_or_else(|| {
                AppError::field(
                    "year",
                    crate::domain::FieldProblem::OutOfRange {
                        min: 2000,
                        max: 2100,
                        english: "not a year",
                    },
                )
            })?;
            for month in half.months().filter(|m| enrollment.covers_month(year, *m)) {
                let key = (r.id, i32::try_from(month).unwrap_or(0));
                due.push(perf::DueMonth {
                    window,
                    paid_on: paid.remove(&key).flatten(),
                });
            }
        }
    }
    let (_, year_end) = year_bounds(year)?;
    let as_of = clock::today(c, org_id)?.min(year_end);
    Ok(perf::months_paid_on_time(&due, as_of))
}

fn year_bounds(year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(AppError::field(
            "year",
            crate::domain::FieldProblem::OutOfRange {
                min: 2000,
                max: 2100,
                english: "not a year",
            },
        )),
    }
}

/// `GET /api/v1/reports/performance?year=Y` (R12).
pub fn performance(pool: &Pool, actor: &Actor, year: i32) -> AppResult<Vec<IndicatorView>> {
    permissions::check(actor, UseCase::Performance)?;
    let mut c = conn(pool)?;
    let mut out = Vec::new();
    for row in rows::targets(&mut c, actor.org_id, year)? {
        let (indicator, target) = parse_target(&row)?;
        let line = lines::find_by_code(&mut c, actor.org_id, year, &row.line_code)?;
        let value = match &line {
            Some(line) => {
                let subtree = budget::subtree(&mut c, actor.org_id, line)?;
                let money = (
                    Money::from_fen(line.spent_fen),
                    Money::from_fen(line.allocated_fen),
                );
                actual(&mut c, actor.org_id, year, &subtree, money, &row, indicator)?
            }
            None => None,
        };
        out.push(IndicatorView {
            line_code: row.line_code.clone(),
            indicator: indicator.key().to_string(),
            name: indicator.name().to_string(),
            unit: indicator.unit().to_string(),
            target: target.map(|t| {
                format!(
                    "{} {}",
                    t.comparator.symbol(),
                    value_text(indicator, t.value)
                )
            }),
            actual: value.map(|v| value_text(indicator, v)),
            met: target.map(|t| t.met(value)),
        });
    }
    Ok(out)
}

/// The targets in force for `year` (its own, or the latest earlier year's).
pub fn targets(pool: &Pool, actor: &Actor, year: i32) -> AppResult<Vec<TargetRecord>> {
    permissions::check(actor, UseCase::ReadTargets)?;
    read_targets(&mut *conn(pool)?, actor.org_id, year)
}

fn read_targets(c: &mut DbConnection, org_id: i64, year: i32) -> AppResult<Vec<TargetRecord>> {
    Ok(rows::targets(c, org_id, year)?
        .into_iter()
        .map(|r| TargetRecord {
            line_code: r.line_code,
            indicator: r.indicator,
            comparator: r.comparator,
            target: r.target,
            deadline_days: r.deadline_days,
        })
        .collect())
}

/// One performance target as set (R12), parsed from the API's `TargetBody`.
pub struct NewTarget {
    pub line_code: String,
    pub indicator: Indicator,
    pub comparator: Comparator,
    pub target: Option<Decimal>,
    pub deadline_days: Option<i32>,
}

/// A year's targets, each indicator of a line at most once.
pub struct Targets(pub Vec<NewTarget>);

/// The rows of targets as sent or as read from the default data file.
pub fn target_rows(org_id: i64, year: i32, targets: &Targets) -> Vec<TargetRow> {
    targets
        .0
        .iter()
        .map(|t| TargetRow {
            org_id,
            year,
            line_code: t.line_code.clone(),
            indicator: t.indicator.key().to_string(),
            comparator: t.comparator.as_str().to_string(),
            target: t.target.map(|d| d.normalize().to_string()),
            deadline_days: t.deadline_days,
        })
        .collect()
}

/// `PUT /api/v1/reports/performance/targets?year=Y`: replaces the year's targets.
pub fn set_targets(
    pool: &Pool,
    actor: &Actor,
    year: i32,
    targets: AppResult<Targets>,
) -> AppResult<Vec<TargetRecord>> {
    permissions::check(actor, UseCase::SetTargets)?;
    let rows = target_rows(actor.org_id, year, &targets?);
    // The answer is read in the same transaction: a failure to build it leaves nothing written.
    act(pool, actor, |c| {
        rows::replace_targets(c, actor.org_id, year, &rows)?;
        read_targets(c, actor.org_id, year)
    })
}

/// `GET /api/v1/reports/journal?year=Y`: one hledger transaction per ledger entry of the year's
/// lines, written by [`crate::export::journal`].
pub fn journal(pool: &Pool, actor: &Actor, year: i32) -> AppResult<String> {
    permissions::check(actor, UseCase::Journal)?;
    let mut c = conn(pool)?;
    let year_lines = lines::by_year(&mut c, actor.org_id, year)?;
    let codes: HashMap<i64, String> = year_lines.iter().map(|l| (l.id, l.code.clone())).collect();
    let ids: Vec<i64> = year_lines.iter().map(|l| l.id).collect();
    let rows = lines::entries(&mut c, actor.org_id, &ids)?;
    let org = org_name(&mut c, actor.org_id)?;
    let mut entries = Vec::with_capacity(rows.len());
    for e in rows {
        entries.push(JournalEntry {
            id: e.id,
            on: e.at.date(),
            kind: e.kind,
            code: codes.get(&e.line_id).cloned().unwrap_or_default(),
            amount: Money::from_fen(e.amount_fen),
            source: match e.source_id {
                Some(id) => format!("{} {id}", e.source_type),
                None => e.source_type.to_string(),
            },
        });
    }
    crate::export::journal(&org, year, &entries)
        .map_err(|e| AppError::Internal(format!("journal: {e}")))
}

/// 报表: the page that offers the execution report and the journal to download admits whom they
/// admit.
pub fn downloads(actor: &Actor) -> AppResult<()> {
    permissions::check(actor, UseCase::ExecutionReport)?;
    permissions::check(actor, UseCase::Journal)
}
