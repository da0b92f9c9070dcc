//! Duty stations, their rosters, and duty events (R10).

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{duty_assignments, duty_events, duty_stations};
use super::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = duty_stations)]
pub struct StationRow {
    pub id: i64,
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    pub daily_cost_override_fen: Option<i64>,
}

/// A new duty station.
#[derive(Insertable)]
#[diesel(table_name = duty_stations)]
pub struct NewStation<'a> {
    pub org_id: i64,
    pub name: &'a str,
    pub city: &'a str,
    pub budget_line_id: i64,
    pub daily_cost_override_fen: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
}

insert_row!(insert, duty_stations, NewStation<'_>);

all_rows!(list, duty_stations, StationRow);

find_row!(find, duty_stations, StationRow);

pub fn find_by_name(
    conn: &mut DbConnection,
    org_id: i64,
    name: &str,
) -> QueryResult<Option<StationRow>> {
    duty_stations::table
        .filter(
            duty_stations::org_id
                .eq(org_id)
                .and(duty_stations::name.eq(name)),
        )
        .select(StationRow::as_select())
        .first(conn)
        .optional()
}

/// Stations charged to any of `lines`.
pub fn on_lines(
    conn: &mut DbConnection,
    org_id: i64,
    lines: &[i64],
) -> QueryResult<Vec<StationRow>> {
    duty_stations::table
        .filter(
            duty_stations::org_id
                .eq(org_id)
                .and(duty_stations::budget_line_id.eq_any(lines)),
        )
        .order(duty_stations::id)
        .select(StationRow::as_select())
        .load(conn)
}

/// Takes the station's row lock (a no-op update) so that roster changes of one station run one
/// at a time on every backend.
pub fn lock(conn: &mut DbConnection, org_id: i64, id: i64) -> QueryResult<usize> {
    diesel::update(duty_stations::table)
        .filter(picks!(duty_stations, org_id, id))
        .set(duty_stations::name.eq(duty_stations::name))
        .execute(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = duty_assignments)]
pub struct AssignmentRow {
    pub id: i64,
    pub station_id: i64,
    pub person: String,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
}

/// A person put on a station's roster, by whom and when.
#[derive(Insertable)]
#[diesel(table_name = duty_assignments)]
pub struct NewAssignment<'a> {
    pub org_id: i64,
    pub station_id: i64,
    pub person: &'a str,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub created_by: i64,
    pub created_at: chrono::NaiveDateTime,
}

insert_row!(insert_assignment, duty_assignments, NewAssignment<'_>);

/// The person's assignments at the station that share a day with `[from, to]`.
pub fn overlapping(
    conn: &mut DbConnection,
    org_id: i64,
    station_id: i64,
    person: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<AssignmentRow>> {
    duty_assignments::table
        .filter(
            duty_assignments::org_id
                .eq(org_id)
                .and(duty_assignments::station_id.eq(station_id)),
        )
        .filter(duty_assignments::person.eq(person))
        .filter(
            duty_assignments::from_date
                .le(to)
                .and(duty_assignments::to_date.ge(from)),
        )
        .select(AssignmentRow::as_select())
        .load(conn)
}

/// Assignments of the stations, by station and start.
pub fn assignments(
    conn: &mut DbConnection,
    org_id: i64,
    stations: &[i64],
) -> QueryResult<Vec<AssignmentRow>> {
    duty_assignments::table
        .filter(
            duty_assignments::org_id
                .eq(org_id)
                .and(duty_assignments::station_id.eq_any(stations)),
        )
        .order((
            duty_assignments::station_id,
            duty_assignments::from_date,
            duty_assignments::id,
        ))
        .select(AssignmentRow::as_select())
        .load(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = duty_events)]
pub struct EventRow {
    pub id: i64,
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub extra_staff: i32,
}

#[derive(Insertable)]
#[diesel(table_name = duty_events)]
pub struct NewEvent<'a> {
    pub org_id: i64,
    pub name: &'a str,
    pub city: &'a str,
    pub budget_line_id: i64,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub extra_staff: i32,
    pub created_by: i64,
    pub created_at: chrono::NaiveDateTime,
}

insert_row!(insert_event, duty_events, NewEvent<'_>);

find_row!(find_event, duty_events, EventRow);

/// Events charged to any of `lines` (all the organisation's when `lines` is `None`).
pub fn events(
    conn: &mut DbConnection,
    org_id: i64,
    lines: Option<&[i64]>,
) -> QueryResult<Vec<EventRow>> {
    let mut q = duty_events::table
        .filter(duty_events::org_id.eq(org_id))
        .order((duty_events::from_date, duty_events::id))
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(lines) = lines {
        q = q.filter(duty_events::budget_line_id.eq_any(lines.to_vec()));
    }
    q.load(conn)
}
