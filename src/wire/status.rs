//! Statuses in JSON: each written as its text (api.md), and described in the OpenAPI document as
//! a string with its allowed values.

use serde::{Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::domain::approval::{Step, Verdict};
use crate::domain::budget::{EntryKind, SourceType};
use crate::domain::status::{AdjustmentStatus, BatchStatus, ClaimStatus, RequestStatus, Status};

fn schema_of<S: Status>() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(S::ALL.iter().map(|s| s.as_str())))
        .into()
}

macro_rules! status_json {
    ($($status:ty),*) => {$(
        impl PartialSchema for $status {
            fn schema() -> RefOr<Schema> {
                schema_of::<$status>()
            }
        }

        impl ToSchema for $status {}
    )*};
}

status_json!(ClaimStatus, BatchStatus, RequestStatus, AdjustmentStatus);

/// Statuses and the ledger's kinds (`commit`, `travel_claim`) in JSON: each written as its text.
macro_rules! text_json {
    ($($kind:ty),*) => {$(
        impl Serialize for $kind {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    )*};
}

text_json!(
    ClaimStatus,
    BatchStatus,
    RequestStatus,
    AdjustmentStatus,
    EntryKind,
    SourceType,
    Step,
    Verdict
);
