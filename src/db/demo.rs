//! The demo's one step outside the services (`crate::demo`): it dates an approval it has just
//! made through the service to the 2021 day its story says, so the year's payments (made through
//! the services, with their checks) do not precede their approvals. Nothing else calls these.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{subsidy_batches, travel_claims};
use super::DbConnection;

/// 09:00 in Asia/Shanghai on `day`, stored in UTC.
fn morning(day: NaiveDate) -> Option<chrono::NaiveDateTime> {
    day.and_hms_opt(1, 0, 0)
}

pub fn date_claim_decision(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    day: NaiveDate,
) -> QueryResult<usize> {
    diesel::update(
        travel_claims::table.filter(
            travel_claims::org_id
                .eq(org_id)
                .and(travel_claims::id.eq(id)),
        ),
    )
    .set(travel_claims::decided_at.eq(morning(day)))
    .execute(conn)
}

pub fn date_batch_approval(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    day: NaiveDate,
) -> QueryResult<usize> {
    diesel::update(
        subsidy_batches::table.filter(
            subsidy_batches::org_id
                .eq(org_id)
                .and(subsidy_batches::id.eq(id)),
        ),
    )
    .set(subsidy_batches::approved_at.eq(morning(day)))
    .execute(conn)
}
