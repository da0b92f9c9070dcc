//! Duty stations (R10).

use diesel::prelude::*;

use super::schema::duty_stations;
use super::{now, DbConnection};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = duty_stations)]
pub struct StationRow {
    pub id: i64,
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    pub daily_cost_override_fen: Option<i64>,
}

pub fn insert(
    conn: &mut DbConnection,
    org_id: i64,
    name: &str,
    city: &str,
    budget_line_id: i64,
    daily_cost_override_fen: Option<i64>,
) -> QueryResult<i64> {
    diesel::insert_into(duty_stations::table)
        .values((
            duty_stations::org_id.eq(org_id),
            duty_stations::name.eq(name),
            duty_stations::city.eq(city),
            duty_stations::budget_line_id.eq(budget_line_id),
            duty_stations::daily_cost_override_fen.eq(daily_cost_override_fen),
            duty_stations::created_at.eq(now()),
        ))
        .returning(duty_stations::id)
        .get_result(conn)
}

pub fn list(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<StationRow>> {
    duty_stations::table
        .filter(duty_stations::org_id.eq(org_id))
        .order(duty_stations::id)
        .select(StationRow::as_select())
        .load(conn)
}
