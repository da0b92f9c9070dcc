//! The budget holder's pages (web.md "Budget holder"): 预算总览 from one query for the year's
//! lines (never the ledger), and a line's page with its entries a page at a time, its R10 forecast
//! and the rosters and events behind it. Readers: admin, finance, budget holder.

use std::collections::HashMap;

use super::views::{AssignmentView, EventView, ForecastView, LineView, StationView};
use crate::auth::Actor;
use crate::db::budget::EntryRow;
use crate::db::{budget as lines, dashboard as rows, pages, Pool};
use crate::domain::duty::Segment;
use crate::error::{AppError, AppResult};

use super::permissions::{self, UseCase};
use super::{budget, conn, duty, ledger};

/// The year's tree, parents first, each line with its depth: one query, the balances the ledger
/// keeps on the lines themselves.
pub fn overview(pool: &Pool, actor: &Actor, year: i32) -> AppResult<Vec<(i32, LineView)>> {
    permissions::check(actor, UseCase::BudgetOverview)?;
    let rows = lines::by_year(&mut *conn(pool)?, actor.org_id, year)?;
    budget::tree(&rows)
}

/// One ledger entry as the line page lists it: the entry, and the name of who caused it.
#[derive(Clone, Debug)]
pub struct EntryLine {
    pub entry: EntryRow,
    pub actor: Option<String>,
}

/// A duty station charged to the line, with its roster.
#[derive(Clone, Debug)]
pub struct Roster {
    pub station: StationView,
    pub assignments: Vec<AssignmentView>,
}

/// Everything a line's page shows.
pub struct LinePage {
    pub line: LineView,
    pub path: Vec<(i64, String)>,
    pub children: Vec<LineView>,
    pub entries: Vec<EntryLine>,
    /// The id to pass as `before` for the next (older) page, when there is one.
    pub older: Option<i64>,
    /// The R10 forecast and its segments, when stations or events charge the line.
    pub forecast: Option<(ForecastView, Vec<Segment>)>,
    pub rosters: Vec<Roster>,
    pub events: Vec<EventView>,
    pub zone: chrono_tz::Tz,
}

/// A line's page: `size` entries newest first (older than entry `before` when given), and the
/// forecast as of `as_of` (when absent, the organisation's today clamped into the line's fiscal
/// year: web.md "Years and dates", so 2021's line read in 2026 is forecast as of 2021-12-31).
pub fn line_page(
    pool: &Pool,
    actor: &Actor,
    id: i64,
    before: Option<i64>,
    size: i64,
    as_of: Option<chrono::NaiveDate>,
) -> AppResult<LinePage> {
    permissions::check(actor, UseCase::BudgetOverview)?;
    let detail = budget::get(pool, actor, id)?;
    let mut c = conn(pool)?;
    let row = lines::find(&mut c, actor.org_id, id)?.ok_or(AppError::NotFound("budget line"))?;
    let subtree = budget::subtree(&mut c, actor.org_id, &row)?;
    let path = ledger::path(&mut c, actor.org_id, id)?
        .into_iter()
        .rev()
        .map(|l| (l.id, l.name))
        .collect();
    let mut found = rows::entries_newest_first(
        &mut c,
        actor.org_id,
        &subtree,
        before,
        size.saturating_add(1),
    )?;
    let older = if i64::try_from(found.len()).unwrap_or(i64::MAX) > size {
        found.truncate(usize::try_from(size).unwrap_or(0));
        found.last().map(|e| e.id)
    } else {
        None
    };
    let actor_ids: Vec<i64> = found.iter().filter_map(|e| e.actor_id).collect();
    let names: HashMap<i64, String> = pages::user_names(&mut c, actor.org_id, &actor_ids)?
        .into_iter()
        .collect();
    let zone = super::clock::zone(&mut c, actor.org_id)?;
    let as_of = match as_of {
        Some(d) => d,
        None => {
            let today = super::clock::today(&mut c, actor.org_id)?;
            let first = chrono::NaiveDate::from_ymd_opt(row.year, 1, 1).unwrap_or(today);
            let last = chrono::NaiveDate::from_ymd_opt(row.year, 12, 31).unwrap_or(today);
            today.clamp(first, last)
        }
    };
    drop(c);
    let entries = found
        .into_iter()
        .map(|entry| EntryLine {
            actor: entry.actor_id.and_then(|a| names.get(&a).cloned()),
            entry,
        })
        .collect();

    let stations: Vec<StationView> = duty::list_stations(pool, actor, None)?
        .into_iter()
        .filter(|s| subtree.contains(&s.budget_line_id))
        .collect();
    let mut rosters = Vec::with_capacity(stations.len());
    for station in stations {
        let assignments = duty::list_assignments(pool, actor, station.id)?;
        rosters.push(Roster {
            station,
            assignments,
        });
    }
    let events: Vec<EventView> = duty::list_events(pool, actor)?
        .into_iter()
        .filter(|e| subtree.contains(&e.budget_line_id))
        .collect();
    let forecast = if rosters.is_empty() && events.is_empty() {
        None
    } else {
        Some(duty::forecast_with_segments(pool, actor, id, Some(as_of))?)
    };
    Ok(LinePage {
        line: detail.line,
        path,
        children: detail.children,
        entries,
        older,
        forecast,
        rosters,
        events,
        zone,
    })
}
