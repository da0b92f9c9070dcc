//! Subsidy recipients, batches and their recipient-month items (R9).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::audit::NewEvent;
use super::moves::{self, Move, Value};
use super::schema::{subsidy_batches, subsidy_items, subsidy_recipients};
use super::DbConnection;
use crate::domain::status::{BatchStatus, Status};

/// A recipient as stored. The identity number and the account are whole here: the service turns
/// them into [`crate::domain::payee`] values, whose `Debug` and views mask them.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = subsidy_recipients)]
pub struct RecipientRow {
    pub id: i64,
    pub name: String,
    pub monthly_fen: i64,
    pub enrolled_from: NaiveDate,
    pub enrolled_until: Option<NaiveDate>,
    /// False: each month earns the policy's amount in force on its first day (R9).
    pub own_amount: bool,
    pub id_number: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account: Option<String>,
}

/// One of a recipient's payment details to write: `None` leaves it as it is, `Some(None)`
/// clears it.
#[derive(AsChangeset, Default)]
#[diesel(table_name = subsidy_recipients)]
pub struct PayeeChange<'a> {
    pub id_number: Option<Option<&'a str>>,
    pub bank_name: Option<Option<&'a str>>,
    pub bank_account: Option<Option<&'a str>>,
}

#[derive(Insertable)]
#[diesel(table_name = subsidy_recipients)]
pub struct NewRecipient<'a> {
    pub org_id: i64,
    pub name: &'a str,
    pub monthly_fen: i64,
    pub enrolled_from: NaiveDate,
    pub enrolled_until: Option<NaiveDate>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub own_amount: bool,
    pub id_number: Option<&'a str>,
    pub bank_name: Option<&'a str>,
    pub bank_account: Option<&'a str>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = subsidy_batches)]
pub struct BatchRow {
    pub id: i64,
    pub budget_line_id: i64,
    pub year: i32,
    pub half: i32,
    pub supplementary: bool,
    #[diesel(deserialize_as = String)]
    pub status: BatchStatus,
    pub total_fen: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub approved_by: Option<i64>,
    pub approved_at: Option<NaiveDateTime>,
    pub paid_on: Option<NaiveDate>,
    pub on_time: Option<bool>,
}

#[derive(Insertable)]
#[diesel(table_name = subsidy_batches)]
pub struct NewBatch {
    pub org_id: i64,
    pub budget_line_id: i64,
    pub year: i32,
    pub half: i32,
    pub supplementary: bool,
    pub status: &'static str,
    pub total_fen: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// One recipient-month of a batch, with the recipient's payment details as they were when the
/// batch was made (whole, like [`RecipientRow`]'s; no `Debug`, so they are never logged).
#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = subsidy_items)]
pub struct ItemRow {
    pub org_id: i64,
    pub batch_id: i64,
    pub recipient_id: i64,
    pub year: i32,
    pub month: i32,
    pub days_enrolled: i32,
    pub days_in_month: i32,
    pub amount_fen: i64,
    /// False on items made before batches kept the details: the recipient's current ones apply.
    pub payee_copied: bool,
    pub id_number: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account: Option<String>,
}

insert_row!(insert_recipient, subsidy_recipients, NewRecipient<'_>);

all_rows!(recipients, subsidy_recipients, RecipientRow);

find_row!(find_recipient, subsidy_recipients, RecipientRow);

pub fn set_enrolled_until(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    until: Option<NaiveDate>,
) -> QueryResult<usize> {
    diesel::update(subsidy_recipients::table)
        .filter(picks!(subsidy_recipients, org_id, id))
        .set(subsidy_recipients::enrolled_until.eq(until))
        .execute(conn)
}

/// Writes the payment details `change` names; nothing when it names none.
pub fn set_payee(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    change: &PayeeChange<'_>,
) -> QueryResult<usize> {
    if change.id_number.is_none() && change.bank_name.is_none() && change.bank_account.is_none() {
        return Ok(0);
    }
    diesel::update(subsidy_recipients::table)
        .filter(picks!(subsidy_recipients, org_id, id))
        .set(change)
        .execute(conn)
}

insert_row!(insert_batch, subsidy_batches, NewBatch);

find_row!(find_batch, subsidy_batches, BatchRow);

pub fn batches(
    conn: &mut DbConnection,
    org_id: i64,
    year: Option<i32>,
) -> QueryResult<Vec<BatchRow>> {
    let mut q = subsidy_batches::table
        .filter(subsidy_batches::org_id.eq(org_id))
        .order(subsidy_batches::id)
        .select(BatchRow::as_select())
        .into_boxed();
    if let Some(year) = year {
        q = q.filter(subsidy_batches::year.eq(year));
    }
    q.load(conn)
}

/// A regular batch for the line and half-year that is not void.
pub fn regular_batch_exists(
    conn: &mut DbConnection,
    org_id: i64,
    line: i64,
    year: i32,
    half: i32,
) -> QueryResult<bool> {
    let n: i64 = subsidy_batches::table
        .filter(
            subsidy_batches::org_id
                .eq(org_id)
                .and(subsidy_batches::budget_line_id.eq(line)),
        )
        .filter(
            subsidy_batches::year
                .eq(year)
                .and(subsidy_batches::half.eq(half)),
        )
        .filter(
            subsidy_batches::status
                .ne(BatchStatus::Void.as_str())
                .and(subsidy_batches::supplementary.eq(false)),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn set_total(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    total_fen: i64,
) -> QueryResult<usize> {
    diesel::update(subsidy_batches::table)
        .filter(picks!(subsidy_batches, org_id, id))
        .filter(subsidy_batches::status.eq(BatchStatus::Draft.as_str()))
        .set(subsidy_batches::total_fen.eq(total_fen))
        .execute(conn)
}

/// What a move of a batch writes beside its status.
pub enum Marked {
    Approved,
    Paid { on: NaiveDate, on_time: bool },
    Void,
}

/// `from` → `to` as `marked`, by `event`'s actor at its time, recording `event`; `false` if the
/// batch had moved on (and nothing is recorded).
pub fn mark(
    conn: &mut DbConnection,
    id: i64,
    (from, to): (BatchStatus, BatchStatus),
    marked: &Marked,
    event: &NewEvent<'_>,
) -> QueryResult<bool> {
    let (actor, at) = (Value::Id(event.actor_id), Value::At(event.at));
    let set = match *marked {
        Marked::Approved => vec![("approved_by", actor), ("approved_at", at)],
        Marked::Paid { on, on_time } => vec![
            ("paid_by", actor),
            ("paid_at", at),
            ("paid_on", Value::Day(on)),
            ("on_time", Value::Flag(on_time)),
        ],
        Marked::Void => vec![("voided_by", actor), ("voided_at", at)],
    };
    let mv = Move {
        table: "subsidy_batches",
        org_id: event.org_id,
        id,
        from: from.as_str(),
        to: to.as_str(),
        set,
        only_if: None,
        also: Vec::new(),
    };
    moves::record(conn, &mv, event)
}

pub fn insert_item(conn: &mut DbConnection, item: &ItemRow) -> QueryResult<usize> {
    diesel::insert_into(subsidy_items::table)
        .values(item)
        .execute(conn)
}

pub fn items(conn: &mut DbConnection, org_id: i64, batch_id: i64) -> QueryResult<Vec<ItemRow>> {
    subsidy_items::table
        .filter(
            subsidy_items::org_id
                .eq(org_id)
                .and(subsidy_items::batch_id.eq(batch_id)),
        )
        .order((
            subsidy_items::recipient_id,
            subsidy_items::year,
            subsidy_items::month,
        ))
        .select(ItemRow::as_select())
        .load(conn)
}

/// Removes a draft's items before it is generated again.
pub fn delete_items(conn: &mut DbConnection, org_id: i64, batch_id: i64) -> QueryResult<usize> {
    diesel::delete(subsidy_items::table)
        .filter(
            subsidy_items::org_id
                .eq(org_id)
                .and(subsidy_items::batch_id.eq(batch_id)),
        )
        .filter(subsidy_items::live.eq(false))
        .execute(conn)
}

/// Marks a batch's recipient-months taken (approval) or free again (void). Taking a month that
/// another live batch holds violates the unique index `subsidy_items_once`.
pub fn set_live(
    conn: &mut DbConnection,
    org_id: i64,
    batch_id: i64,
    live: bool,
) -> QueryResult<usize> {
    diesel::update(subsidy_items::table)
        .filter(
            subsidy_items::org_id
                .eq(org_id)
                .and(subsidy_items::batch_id.eq(batch_id)),
        )
        .set(subsidy_items::live.eq(live))
        .execute(conn)
}

/// The (recipient, month) pairs of `year` already in an approved or paid batch.
pub fn taken_months(
    conn: &mut DbConnection,
    org_id: i64,
    year: i32,
) -> QueryResult<Vec<(i64, i32)>> {
    subsidy_items::table
        .filter(
            subsidy_items::org_id
                .eq(org_id)
                .and(subsidy_items::year.eq(year)),
        )
        .filter(subsidy_items::live.eq(true))
        .select((subsidy_items::recipient_id, subsidy_items::month))
        .load(conn)
}

/// The (year, month) pairs of one recipient already in an approved or paid batch, in order.
pub fn recipient_taken_months(
    conn: &mut DbConnection,
    org_id: i64,
    recipient_id: i64,
) -> QueryResult<Vec<(i32, i32)>> {
    subsidy_items::table
        .filter(
            subsidy_items::org_id
                .eq(org_id)
                .and(subsidy_items::recipient_id.eq(recipient_id)),
        )
        .filter(subsidy_items::live.eq(true))
        .select((subsidy_items::year, subsidy_items::month))
        .order((subsidy_items::year, subsidy_items::month))
        .load(conn)
}

/// Takes the row locks of these recipients for the rest of the transaction (a write that changes
/// nothing), so an approval and a change of enrollment of the same recipient run one after the
/// other on PostgreSQL too (SQLite's write lock already serialises them).
pub fn lock_recipients(conn: &mut DbConnection, org_id: i64, ids: &[i64]) -> QueryResult<usize> {
    diesel::update(subsidy_recipients::table)
        .filter(
            subsidy_recipients::org_id
                .eq(org_id)
                .and(subsidy_recipients::id.eq_any(ids)),
        )
        .set(subsidy_recipients::enrolled_until.eq(subsidy_recipients::enrolled_until))
        .execute(conn)
}
