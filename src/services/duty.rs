//! Station duty (R10): stations, rosters, sensitive-period events, and the forecast of when a
//! line runs out. Duty spending itself goes through travel claims charged to the station's line.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::views::{AssignmentView, EventView, ForecastView, SourceView, StationView};
use super::Context;
use crate::auth::Actor;
use crate::db::budget as lines;
use crate::db::duty::{self as rows, EventRow, NewEvent, StationRow};
use crate::db::{DbConnection, Pool};
use crate::domain::duty::{
    fiscal_year, forecast as project, rate_on, segments, total_cost, RateFrom, Segment,
};
use crate::domain::{Money, PositiveMoney};
use crate::error::{AppError, AppResult};

use super::permissions::{self, UseCase};
use super::{answer, answer_asked, budget, clock, conn, policy};

/// Each policy version's daily cost (R10: lodging cap + meals + transport) for every city, in
/// effective order. A city a later version drops keeps its last known cost.
struct Rates(HashMap<String, Vec<RateFrom>>);

impl Rates {
    fn load(c: &mut DbConnection, org_id: i64) -> AppResult<Rates> {
        let mut by_city: HashMap<String, Vec<RateFrom>> = HashMap::new();
        for version in policy::all(c, org_id)? {
            for city in &version.policy.cities {
                let daily = city.daily_cost().ok_or_else(too_large)?;
                by_city
                    .entry(city.code.to_string())
                    .or_default()
                    .push(RateFrom {
                        from: version.policy.effective_from,
                        daily,
                    });
            }
        }
        Ok(Rates(by_city))
    }

    fn of(&self, city: &str) -> &[RateFrom] {
        self.0.get(city).map_or(&[], |v| &v[..])
    }

    /// The rate in force on `day` (R10, [`rate_on`]).
    fn on(&self, city: &str, day: NaiveDate) -> Option<Money> {
        rate_on(self.of(city), day)
    }
}

fn station_rates(rates: &Rates, station: &StationRow) -> Vec<RateFrom> {
    match station.daily_cost_override_fen {
        Some(fen) => vec![RateFrom {
            from: NaiveDate::MIN,
            daily: Money::from_fen(fen),
        }],
        None => rates.of(&station.city).to_vec(),
    }
}

fn station_view(rates: &Rates, s: StationRow, on: NaiveDate) -> StationView {
    let override_cost = s.daily_cost_override_fen.map(Money::from_fen);
    StationView {
        daily_cost: override_cost
            .or_else(|| rates.on(&s.city, on))
            .unwrap_or(Money::ZERO),
        daily_cost_override: override_cost,
        id: s.id,
        name: s.name,
        city: s.city,
        budget_line_id: s.budget_line_id,
    }
}

/// Costs too large to add up (hundreds of millions of yuan a day over decades): refused as a
/// request the service cannot answer, never a 500.
fn too_large() -> AppError {
    AppError::InvalidRequest {
        status: crate::error::Invalid::Unprocessable,
        detail: "the duty costs involved are too large to add up".into(),
        field: None,
        problem: None,
    }
}

/// Person-days of segments, times `staff`, checked.
fn person_days(segs: &[Segment], staff: i64) -> AppResult<i64> {
    segs.iter()
        .try_fold(0i64, |sum, s| sum.checked_add(s.days()))
        .and_then(|days| days.checked_mul(staff))
        .ok_or_else(too_large)
}

fn cost(segs: &[Segment]) -> AppResult<Money> {
    total_cost(segs).ok_or_else(too_large)
}

/// `GET /api/v1/duty-stations`, daily costs as of `on` (the organisation's today when absent).
pub fn list_stations(
    pool: &Pool,
    actor: &Actor,
    on: Option<NaiveDate>,
) -> AppResult<Vec<StationView>> {
    permissions::check(actor, UseCase::ReadDuty)?;
    let mut c = conn(pool)?;
    let on = match on {
        Some(d) => d,
        None => clock::today(&mut c, actor.org_id)?,
    };
    let rates = Rates::load(&mut c, actor.org_id)?;
    Ok(rows::list(&mut c, actor.org_id)?
        .into_iter()
        .map(|s| station_view(&rates, s, on))
        .collect())
}

/// A station as stated, parsed from the API's `StationBody`.
pub struct NewStation {
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    pub daily_cost_override: Option<PositiveMoney>,
}

/// The city code a name refers to in the policy in force on `on` (a date from the request field
/// `date_field`); 422 `unknown_city` otherwise.
fn resolve_city(
    pool: &Pool,
    c: &mut DbConnection,
    org_id: i64,
    name: &str,
    on: NaiveDate,
    date_field: &'static str,
) -> AppResult<String> {
    let version = policy::in_force(pool, c, org_id, on, date_field)?;
    version
        .policy
        .city(name)
        .map(|city| city.code.to_string())
        .ok_or_else(|| AppError::UnknownCity {
            field: "city".into(),
            name: name.to_string(),
            known: version.policy.city_codes(),
            known_names: version.policy.city_names(),
        })
}

/// `POST /api/v1/duty-stations`: the city is resolved, and the daily cost shown, with the policy
/// in force on the organisation's today (R12).
pub fn create_station(
    pool: &Pool,
    actor: &Context,
    spec: AppResult<NewStation>,
) -> AppResult<StationView> {
    permissions::check(actor, UseCase::CreateStation)?;
    let spec = spec?;
    let mut c = conn(pool)?;
    let today = clock::today(&mut c, actor.org_id)?;
    drop(c); // the shared write transaction has a connection of its own
    answer(pool, actor, 201, |c| {
        if lines::find(c, actor.org_id, spec.budget_line_id)?.is_none() {
            return Err(AppError::UnknownBudgetLine(spec.budget_line_id.to_string()));
        }
        let city = resolve_city(pool, c, actor.org_id, &spec.city, today, "city")?;
        let name = spec.name.trim();
        if rows::find_by_name(c, actor.org_id, name)?.is_some() {
            return Err(AppError::DuplicateName(format!("duty station {name}")));
        }
        let id = rows::insert(
            c,
            &rows::NewStation {
                org_id: actor.org_id,
                name,
                city: &city,
                budget_line_id: spec.budget_line_id,
                daily_cost_override_fen: spec.daily_cost_override.map(|m| m.get().fen()),
                created_at: crate::db::now(),
            },
        )?;
        let rates = Rates::load(c, actor.org_id)?;
        let row = rows::find(c, actor.org_id, id)?.ok_or(AppError::NotFound("duty station"))?;
        Ok(station_view(&rates, row, today))
    })
}

fn assignment_view(
    rates: &Rates,
    station: &StationRow,
    a: rows::AssignmentRow,
) -> AppResult<AssignmentView> {
    let segs = segments(a.from_date, a.to_date, 1, &station_rates(rates, station))
        .ok_or_else(too_large)?;
    Ok(AssignmentView {
        id: a.id,
        station_id: a.station_id,
        person_days: person_days(&segs, 1)?,
        estimated_cost: cost(&segs)?,
        person: a.person,
        from: a.from_date,
        to: a.to_date,
    })
}

fn station(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<StationRow> {
    rows::find(c, org_id, id)?.ok_or(AppError::NotFound("duty station"))
}

/// One person on duty from `from` to `to`, inclusive (`to` never before `from`), parsed from
/// the API's `AssignmentBody`.
pub struct NewAssignment {
    pub person: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// `POST /api/v1/duty-stations/{id}/assignments`: one person from `from` to `to`, inclusive; the
/// same person's assignments at one station never overlap (409 `overlapping_assignment`).
pub fn add_assignment(
    pool: &Pool,
    actor: &Context,
    station_id: i64,
    assignment: AppResult<NewAssignment>,
) -> AppResult<AssignmentView> {
    permissions::check(actor, UseCase::AddAssignment)?;
    let assignment = assignment?;
    let NewAssignment { person, from, to } = assignment;
    let person = person.trim();
    answer(pool, actor, 201, |c| {
        let station = station(c, actor.org_id, station_id)?;
        rows::lock(c, actor.org_id, station_id)?;
        if let Some(clash) = rows::overlapping(c, actor.org_id, station_id, person, from, to)?
            .into_iter()
            .next()
        {
            return Err(AppError::OverlappingAssignment {
                person: clash.person,
                from: clash.from_date,
                to: clash.to_date,
            });
        }
        let at = clock::now(c, actor.org_id)?;
        let id = rows::insert_assignment(
            c,
            &rows::NewAssignment {
                org_id: actor.org_id,
                station_id,
                person,
                from_date: from,
                to_date: to,
                created_by: actor.user_id,
                created_at: at,
            },
        )?;
        let rates = Rates::load(c, actor.org_id)?;
        let row = rows::assignments(c, actor.org_id, &[station_id])?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(AppError::NotFound("assignment"))?;
        assignment_view(&rates, &station, row)
    })
}

/// `GET /api/v1/duty-stations/{id}/assignments`.
pub fn list_assignments(
    pool: &Pool,
    actor: &Actor,
    station_id: i64,
) -> AppResult<Vec<AssignmentView>> {
    permissions::check(actor, UseCase::ReadDuty)?;
    let mut c = conn(pool)?;
    let station = station(&mut c, actor.org_id, station_id)?;
    let rates = Rates::load(&mut c, actor.org_id)?;
    rows::assignments(&mut c, actor.org_id, &[station_id])?
        .into_iter()
        .map(|a| assignment_view(&rates, &station, a))
        .collect()
}

fn event_segments(rates: &Rates, e: &EventRow) -> AppResult<Vec<Segment>> {
    segments(
        e.from_date,
        e.to_date,
        i64::from(e.extra_staff),
        rates.of(&e.city),
    )
    .ok_or_else(too_large)
}

fn event_view(rates: &Rates, e: EventRow) -> AppResult<EventView> {
    let segs = event_segments(rates, &e)?;
    Ok(EventView {
        person_days: person_days(&segs, i64::from(e.extra_staff))?,
        estimated_cost: cost(&segs)?,
        id: e.id,
        name: e.name,
        city: e.city,
        budget_line_id: e.budget_line_id,
        from: e.from_date,
        to: e.to_date,
        extra_staff: e.extra_staff,
    })
}

/// A sensitive period as stated (`to` never before `from`), parsed from
/// the API's `EventBody`.
pub struct NewDutyEvent {
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub extra_staff: i32,
}

/// `POST /api/v1/duty-events`.
pub fn create_event(
    pool: &Pool,
    actor: &Context,
    spec: AppResult<NewDutyEvent>,
) -> AppResult<EventView> {
    answer_asked(pool, actor, UseCase::CreateEvent, spec, 201, |c, spec| {
        if lines::find(c, actor.org_id, spec.budget_line_id)?.is_none() {
            return Err(AppError::UnknownBudgetLine(spec.budget_line_id.to_string()));
        }
        let city = resolve_city(pool, c, actor.org_id, &spec.city, spec.from, "from")?;
        let stamped = super::clock::now(c, actor.org_id)?;
        let id = rows::insert_event(
            c,
            &NewEvent {
                org_id: actor.org_id,
                name: spec.name.trim(),
                city: &city,
                budget_line_id: spec.budget_line_id,
                from_date: spec.from,
                to_date: spec.to,
                extra_staff: spec.extra_staff,
                created_by: actor.user_id,
                created_at: stamped,
            },
        )?;
        let rates = Rates::load(c, actor.org_id)?;
        event_view(
            &rates,
            rows::find_event(c, actor.org_id, id)?.ok_or(AppError::NotFound("duty event"))?,
        )
    })
}

/// `GET /api/v1/duty-events`.
pub fn list_events(pool: &Pool, actor: &Actor) -> AppResult<Vec<EventView>> {
    permissions::check(actor, UseCase::ReadDuty)?;
    let mut c = conn(pool)?;
    let rates = Rates::load(&mut c, actor.org_id)?;
    rows::events(&mut c, actor.org_id, None)?
        .into_iter()
        .map(|e| event_view(&rates, e))
        .collect()
}

/// `GET /api/v1/budget-lines/{id}/forecast?as_of=D` (R10), over every station and event charged
/// to the line or a line below it.
pub fn forecast(
    pool: &Pool,
    actor: &Actor,
    line_id: i64,
    as_of: Option<NaiveDate>,
) -> AppResult<ForecastView> {
    Ok(forecast_with_segments(pool, actor, line_id, as_of)?.0)
}

/// The R10 forecast and the person-day segments of the fiscal year behind it (the line page draws
/// its chart from them).
pub fn forecast_with_segments(
    pool: &Pool,
    actor: &Actor,
    line_id: i64,
    as_of: Option<NaiveDate>,
) -> AppResult<(ForecastView, Vec<Segment>)> {
    permissions::check(actor, UseCase::Forecast)?;
    let mut c = conn(pool)?;
    let line =
        lines::find(&mut c, actor.org_id, line_id)?.ok_or(AppError::NotFound("budget line"))?;
    let as_of = match as_of {
        Some(d) => d,
        None => clock::today(&mut c, actor.org_id)?,
    };
    // R10: only person-days inside the line's fiscal year count against it.
    let (year_first, year_last) =
        fiscal_year(line.year).ok_or_else(|| AppError::Internal("fiscal year".into()))?;
    let subtree = budget::subtree(&mut c, actor.org_id, &line)?;
    let rates = Rates::load(&mut c, actor.org_id)?;
    let stations = rows::on_lines(&mut c, actor.org_id, &subtree)?;
    let station_ids: Vec<i64> = stations.iter().map(|s| s.id).collect();
    let mut roster: HashMap<i64, Vec<rows::AssignmentRow>> = HashMap::new();
    for a in rows::assignments(&mut c, actor.org_id, &station_ids)? {
        roster.entry(a.station_id).or_default().push(a);
    }

    // Every source's segments, and what each adds from the as-of date on.
    let mut all = Vec::new();
    let mut sources = Vec::new();
    let mut add = |kind: &str,
                   id: i64,
                   name: &str,
                   city: &str,
                   line: i64,
                   staff: i64,
                   segs: Vec<Segment>|
     -> AppResult<()> {
        let segs: Vec<Segment> = segs
            .iter()
            .filter_map(|s| s.within(year_first, year_last))
            .collect();
        let future: Vec<Segment> = segs.iter().filter_map(|s| s.from_day(as_of)).collect();
        sources.push(SourceView {
            kind: kind.to_string(),
            id,
            name: name.to_string(),
            city: city.to_string(),
            budget_line_id: line,
            person_days: person_days(&future, staff)?,
            cost: cost(&future)?,
        });
        all.extend(segs);
        Ok(())
    };
    for s in &stations {
        let station_rates = station_rates(&rates, s);
        let mut segs = Vec::new();
        for a in roster.remove(&s.id).unwrap_or_default() {
            segs.extend(segments(a.from_date, a.to_date, 1, &station_rates).ok_or_else(too_large)?);
        }
        add("station", s.id, &s.name, &s.city, s.budget_line_id, 1, segs)?;
    }
    for e in rows::events(&mut c, actor.org_id, Some(&subtree))? {
        let segs = event_segments(&rates, &e)?;
        add(
            "event",
            e.id,
            &e.name,
            &e.city,
            e.budget_line_id,
            i64::from(e.extra_staff),
            segs,
        )?;
    }

    let allocated = Money::from_fen(line.allocated_fen);
    let (committed, spent) = (
        Money::from_fen(line.committed_fen),
        Money::from_fen(line.spent_fen),
    );
    let used = committed.checked_add(spent).ok_or_else(too_large)?;
    let f = project(as_of, allocated, used, &all).ok_or_else(too_large)?;
    let view = ForecastView {
        line_id,
        as_of,
        allocated,
        committed,
        spent,
        projected_remaining: f.projected_remaining,
        projected_total: f.projected_total,
        shortfall: f.shortfall,
        exhaustion_date: f.exhaustion_date,
        sources,
    };
    Ok((view, all))
}
