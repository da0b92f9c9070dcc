//! What the services answer with: read models built below the doors and shared by them (the
//! JSON API serialises them, the pages render them). Amounts are [`crate::domain::Money`], written
//! as strings with two decimals in JSON (R1); a status is its text; timestamps are RFC 3339 UTC.
//!
//! One file per resource, as among the request bodies the doors parse.

mod adjustments;
mod audit;
mod budget_lines;
mod duty;
mod einvoices;
mod policy;
mod reports;
mod subsidy;
mod travel_claims;
pub mod travel_requests;
mod vouchers;

pub use adjustments::*;
pub use audit::*;
pub use budget_lines::*;
pub use duty::*;
pub use einvoices::*;
pub use policy::*;
pub use reports::*;
pub use subsidy::*;
pub use travel_claims::*;
pub use vouchers::*;

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

/// A moment as the API writes it: RFC 3339, UTC, milliseconds.
pub fn timestamp(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A status change of a claim: who, when.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: i64,
    pub at: String,
    pub note: Option<String>,
}
