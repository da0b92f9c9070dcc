//! Organisations: every other row belongs to one.

use diesel::prelude::*;

use super::schema::organisations;
use super::{now, DbConnection};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct Org {
    pub id: i64,
    pub code: String,
    pub name: String,
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Org>> {
    organisations::table
        .select(Org::as_select())
        .order(organisations::id)
        .load(conn)
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Org>> {
    organisations::table
        .filter(organisations::code.eq(code))
        .select(Org::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, code: &str, name: &str) -> QueryResult<i64> {
    diesel::insert_into(organisations::table)
        .values((
            organisations::code.eq(code),
            organisations::name.eq(name),
            organisations::created_at.eq(now()),
        ))
        .returning(organisations::id)
        .get_result(conn)
}

/// The organisation's time zone, an IANA name such as `Asia/Shanghai` (R12).
pub fn time_zone(conn: &mut DbConnection, org_id: i64) -> QueryResult<String> {
    organisations::table
        .filter(organisations::id.eq(org_id))
        .select(organisations::time_zone)
        .first(conn)
}

pub fn set_time_zone(conn: &mut DbConnection, org_id: i64, zone: &str) -> QueryResult<usize> {
    diesel::update(organisations::table.filter(organisations::id.eq(org_id)))
        .set(organisations::time_zone.eq(zone))
        .execute(conn)
}

/// The organisation's calendar: its time zone (R12) and the day its books are pinned to, if any
/// (`None`: the real clock).
pub fn calendar(
    conn: &mut DbConnection,
    org_id: i64,
) -> QueryResult<(String, Option<chrono::NaiveDate>)> {
    organisations::table
        .filter(organisations::id.eq(org_id))
        .select((organisations::time_zone, organisations::as_of))
        .first(conn)
}

/// Pins the organisation's books to `day` (`None`: back to the real clock).
pub fn set_as_of(
    conn: &mut DbConnection,
    org_id: i64,
    day: Option<chrono::NaiveDate>,
) -> QueryResult<usize> {
    diesel::update(organisations::table.filter(organisations::id.eq(org_id)))
        .set(organisations::as_of.eq(day))
        .execute(conn)
}

/// R19: the organisation's 统一社会信用代码, if an admin has set it.
pub fn tax_id(conn: &mut DbConnection, org_id: i64) -> QueryResult<Option<String>> {
    organisations::table
        .filter(organisations::id.eq(org_id))
        .select(organisations::tax_id)
        .first(conn)
}

/// Sets the organisation's name and 统一社会信用代码, each only when given.
pub fn set_details(
    conn: &mut DbConnection,
    org_id: i64,
    name: Option<&str>,
    tax_id: Option<&str>,
) -> QueryResult<usize> {
    let target = organisations::table.filter(organisations::id.eq(org_id));
    let mut changed = 0;
    if let Some(name) = name {
        changed = diesel::update(target)
            .set(organisations::name.eq(name))
            .execute(conn)?;
    }
    if let Some(tax_id) = tax_id {
        changed = diesel::update(target)
            .set(organisations::tax_id.eq(tax_id))
            .execute(conn)?;
    }
    Ok(changed)
}
