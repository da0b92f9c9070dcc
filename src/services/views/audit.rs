//! The audit export: one status change of a document.

use serde::Serialize;
use utoipa::ToSchema;

/// One status change in the audit export: which document (`entity_type`, `entity_id`), what was
/// done, from which status to which, by whom and when (UTC).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: i64,
    /// `travel_claim` or `subsidy_batch`.
    pub entity_type: String,
    pub entity_id: i64,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: i64,
    pub at: String,
    pub note: Option<String>,
}
