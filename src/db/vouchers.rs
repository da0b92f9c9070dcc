//! Vouchers (记账凭证), their lines, the numbering counters and the account map (R20).
//! Vouchers are only ever inserted: a correction is a reversing voucher.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    account_map, audit_events, budget_lines, subsidy_batches, travel_claims, travel_requests,
    voucher_counters, voucher_lines, vouchers,
};
use super::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = vouchers)]
pub struct VoucherRow {
    pub id: i64,
    pub year: i32,
    pub month: i32,
    pub seq: i32,
    pub date: NaiveDate,
    pub event: String,
    pub summary: String,
    pub attachments: i32,
    pub source_type: String,
    pub source_id: i64,
    pub reverses: Option<i64>,
    pub made_by: Option<i64>,
    pub made_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = vouchers)]
pub struct NewVoucher<'a> {
    pub org_id: i64,
    pub year: i32,
    pub month: i32,
    pub seq: i32,
    pub date: NaiveDate,
    pub event: &'a str,
    pub summary: &'a str,
    pub attachments: i32,
    pub source_type: &'a str,
    pub source_id: i64,
    pub reverses: Option<i64>,
    pub made_by: Option<i64>,
    pub made_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = voucher_lines)]
pub struct LineRow {
    pub org_id: i64,
    pub voucher_id: i64,
    pub seq: i32,
    pub ledger: String,
    pub role: String,
    pub account_code: String,
    pub account_name: String,
    pub debit_fen: i64,
    pub credit_fen: i64,
    pub budget_line_id: Option<i64>,
    pub project: Option<String>,
    pub function_class: Option<String>,
    pub economic_class: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_map)]
pub struct MapRow {
    pub org_id: i64,
    pub event: String,
    pub role: String,
    pub account_code: String,
    pub account_name: String,
}

/// The next number of the organisation's month, taken: the counter row is created at 2 (1 is
/// taken) or raised by one, in one statement whose row stays locked until the transaction ends,
/// so two payments at once never take the same number and a rolled-back one gives its back.
pub fn take_number(
    conn: &mut DbConnection,
    org_id: i64,
    year: i32,
    month: i32,
) -> QueryResult<i32> {
    use voucher_counters as vc;
    let next: i32 = direct!(conn, c => diesel::insert_into(vc::table)
        .values((
            vc::org_id.eq(org_id),
            vc::year.eq(year),
            vc::month.eq(month),
            vc::next.eq(2),
        ))
        .on_conflict((vc::org_id, vc::year, vc::month))
        .do_update()
        .set(vc::next.eq(vc::next + 1))
        .returning(vc::next)
        .get_result(c))?;
    Ok(next - 1)
}

insert_row!(insert, vouchers, NewVoucher<'_>);

pub fn insert_line(conn: &mut DbConnection, line: &LineRow) -> QueryResult<()> {
    diesel::insert_into(voucher_lines::table)
        .values(line)
        .execute(conn)
        .map(drop)
}

find_row!(find, vouchers, VoucherRow);

/// The organisation's vouchers dated `from` to `to` (both included; either open), in number order.
pub fn in_period(
    conn: &mut DbConnection,
    org_id: i64,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> QueryResult<Vec<VoucherRow>> {
    let mut q = vouchers::table
        .filter(vouchers::org_id.eq(org_id))
        .select(VoucherRow::as_select())
        .order((vouchers::year, vouchers::month, vouchers::seq))
        .into_boxed();
    if let Some(from) = from {
        q = q.filter(vouchers::date.ge(from));
    }
    if let Some(to) = to {
        q = q.filter(vouchers::date.le(to));
    }
    q.load(conn)
}

/// The vouchers of one document (`travel_claim`, `travel_request`, `subsidy_batch`), in number
/// order.
pub fn of_source(
    conn: &mut DbConnection,
    org_id: i64,
    source_type: &str,
    source_id: i64,
) -> QueryResult<Vec<VoucherRow>> {
    vouchers::table
        .filter(vouchers::org_id.eq(org_id))
        .filter(vouchers::source_type.eq(source_type))
        .filter(vouchers::source_id.eq(source_id))
        .select(VoucherRow::as_select())
        .order((vouchers::year, vouchers::month, vouchers::seq))
        .load(conn)
}

/// The lines of vouchers `ids`, each voucher's in order.
pub fn lines_of(conn: &mut DbConnection, org_id: i64, ids: &[i64]) -> QueryResult<Vec<LineRow>> {
    voucher_lines::table
        .filter(voucher_lines::org_id.eq(org_id))
        .filter(voucher_lines::voucher_id.eq_any(ids))
        .order((voucher_lines::voucher_id, voucher_lines::seq))
        .select(LineRow::as_select())
        .load(conn)
}

/// Every line of the organisation's vouchers, for `verify`.
pub fn all_lines(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<LineRow>> {
    voucher_lines::table
        .filter(voucher_lines::org_id.eq(org_id))
        .order((voucher_lines::voucher_id, voucher_lines::seq))
        .select(LineRow::as_select())
        .load(conn)
}

/// Every (year, month, seq) of the organisation's vouchers, for `verify`.
pub fn all_numbers(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<(i32, i32, i32)>> {
    vouchers::table
        .filter(vouchers::org_id.eq(org_id))
        .order((vouchers::year, vouchers::month, vouchers::seq))
        .select((vouchers::year, vouchers::month, vouchers::seq))
        .load(conn)
}

/// The organisation's own accounts (what it set over the defaults).
pub fn map_rows(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<MapRow>> {
    account_map::table
        .filter(account_map::org_id.eq(org_id))
        .select(MapRow::as_select())
        .load(conn)
}

/// Sets one account of the map, replacing what was set before.
pub fn set_account(conn: &mut DbConnection, row: &MapRow) -> QueryResult<()> {
    direct!(conn, c => diesel::insert_into(account_map::table)
        .values(row)
        .on_conflict((account_map::org_id, account_map::event, account_map::role))
        .do_update()
        .set((
            account_map::account_code.eq(&row.account_code),
            account_map::account_name.eq(&row.account_name),
        ))
        .execute(c))
    .map(drop)
}

/// A budget line's code, 功能分类 and 经济分类: what an expense line of a voucher carries.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = budget_lines)]
pub struct LineClasses {
    pub code: String,
    pub function_class: Option<String>,
    pub economic_class: Option<String>,
}

pub fn line_classes(
    conn: &mut DbConnection,
    org_id: i64,
    line_id: i64,
) -> QueryResult<Option<LineClasses>> {
    budget_lines::table
        .filter(picks!(budget_lines, org_id, line_id))
        .select(LineClasses::as_select())
        .first(conn)
        .optional()
}

/// A payment as its document records it: the document's id, the day the money moved, when the
/// payment was recorded and by whom (either unknown for some).
pub type Recorded = (i64, NaiveDate, Option<NaiveDateTime>, Option<i64>);

/// [`Recorded`] as the columns hold it, the day nullable.
type Stored = (i64, Option<NaiveDate>, Option<NaiveDateTime>, Option<i64>);

/// The organisation's paid rows of `$table`, a document paid as a whole (`paid_on`, `paid_at`,
/// `paid_by`): a claim, a subsidy batch.
macro_rules! paid_in {
    ($conn:expr, $org_id:expr, $table:ident) => {
        $table::table
            .filter($table::org_id.eq($org_id))
            .filter($table::paid_on.is_not_null())
            .select((
                $table::id,
                $table::paid_on,
                $table::paid_at,
                $table::paid_by,
            ))
            .load::<Stored>($conn)
            .map(dated)
    };
}

/// The organisation's paid claims.
pub fn paid_claims(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<Recorded>> {
    paid_in!(conn, org_id, travel_claims)
}

/// The organisation's paid advances (by request).
pub fn paid_advances(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<Recorded>> {
    use travel_requests as t;
    let rows: Vec<Stored> = t::table
        .filter(t::org_id.eq(org_id))
        .filter(t::advance_paid_on.is_not_null())
        .filter(t::advance_fen.is_not_null())
        .select((
            t::id,
            t::advance_paid_on,
            t::advance_paid_at,
            t::advance_paid_by,
        ))
        .load(conn)?;
    Ok(dated(rows))
}

/// The organisation's returned advances (by the claim that left them owed); when each was
/// recorded is read from the claim's audit trail.
pub fn returned_advances(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<Recorded>> {
    use travel_claims as t;
    let rows: Vec<(i64, Option<NaiveDate>, Option<i64>)> = t::table
        .filter(t::org_id.eq(org_id))
        .filter(t::advance_returned_on.is_not_null())
        .select((t::id, t::advance_returned_on, t::advance_returned_by))
        .load(conn)?;
    let times: Vec<(i64, NaiveDateTime)> = audit_events::table
        .filter(audit_events::org_id.eq(org_id))
        .filter(audit_events::entity_type.eq("travel_claim"))
        .filter(audit_events::action.eq("advance_returned"))
        .select((audit_events::entity_id, audit_events::at))
        .load(conn)?;
    let times: std::collections::HashMap<i64, NaiveDateTime> = times.into_iter().collect();
    Ok(rows
        .into_iter()
        .filter_map(|(id, on, by)| on.map(|on| (id, on, times.get(&id).copied(), by)))
        .collect())
}

/// The organisation's paid subsidy batches.
pub fn paid_batches(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<Recorded>> {
    paid_in!(conn, org_id, subsidy_batches)
}

fn dated(rows: Vec<Stored>) -> Vec<Recorded> {
    rows.into_iter()
        .filter_map(|(id, on, at, by)| on.map(|on| (id, on, at, by)))
        .collect()
}

/// What the organisation's vouchers (not the reversing ones) book: `(source_type, source_id,
/// event)`.
pub fn booked(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<(String, i64, String)>> {
    vouchers::table
        .filter(vouchers::org_id.eq(org_id))
        .filter(vouchers::reverses.is_null())
        .select((vouchers::source_type, vouchers::source_id, vouchers::event))
        .load(conn)
}
