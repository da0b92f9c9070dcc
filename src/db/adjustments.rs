//! Budget adjustment requests (R14). The balances they change are moved by
//! [`super::budget::try_adjust`]; this table only records the request and its decision.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::NewEvent;
use super::moves::{self, Move, Value};
use super::schema::budget_adjustments;
use super::DbConnection;
use crate::domain::status::{AdjustmentStatus, Status};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = budget_adjustments)]
pub struct AdjustmentRow {
    pub id: i64,
    pub year: i32,
    pub kind: String,
    pub line_id: i64,
    pub from_line_id: Option<i64>,
    pub amount_fen: i64,
    pub reason: String,
    pub document_no: Option<String>,
    #[diesel(deserialize_as = String)]
    pub status: AdjustmentStatus,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub reject_reason: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = budget_adjustments)]
pub struct NewAdjustment<'a> {
    pub org_id: i64,
    pub year: i32,
    pub kind: &'a str,
    pub line_id: i64,
    pub from_line_id: Option<i64>,
    pub amount_fen: i64,
    pub reason: &'a str,
    pub document_no: Option<&'a str>,
    pub status: &'a str,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
}

insert_row!(insert, budget_adjustments, NewAdjustment<'_>);

find_row!(find, budget_adjustments, AdjustmentRow);

/// Which adjustments a list shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter {
    pub year: Option<i32>,
    pub status: Option<AdjustmentStatus>,
    pub requested_by: Option<i64>,
    /// Those changing this line, as target or source.
    pub line_id: Option<i64>,
}

/// Newest first, at most `limit`, with ids below `before`.
pub fn list(
    conn: &mut DbConnection,
    org_id: i64,
    filter: Filter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AdjustmentRow>> {
    let mut query = newest_page!(budget_adjustments, AdjustmentRow, org_id, before, limit);
    if let Some(year) = filter.year {
        query = query.filter(budget_adjustments::year.eq(year));
    }
    if let Some(status) = filter.status {
        query = query.filter(budget_adjustments::status.eq(status.as_str()));
    }
    if let Some(user) = filter.requested_by {
        query = query.filter(budget_adjustments::requested_by.eq(user));
    }
    if let Some(line) = filter.line_id {
        query = query.filter(
            budget_adjustments::line_id
                .eq(line)
                .or(budget_adjustments::from_line_id.eq(line)),
        );
    }
    query.load(conn)
}

/// `from` → `to` (approved, or rejected for `reason`) by `event`'s actor at its time, recording
/// `event`; `false` if the adjustment had moved on (and nothing is recorded).
pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    (from, to): (AdjustmentStatus, AdjustmentStatus),
    reason: Option<&str>,
    event: &NewEvent<'_>,
) -> QueryResult<bool> {
    let mv = Move {
        table: "budget_adjustments",
        org_id: event.org_id,
        id,
        from: from.as_str(),
        to: to.as_str(),
        set: vec![
            ("decided_by", Value::Id(event.actor_id)),
            ("decided_at", Value::At(event.at)),
            ("reject_reason", Value::MaybeText(reason)),
        ],
        only_if: None,
        also: Vec::new(),
    };
    moves::record(conn, &mv, event)
}
