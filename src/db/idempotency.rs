//! Idempotency keys: the first request with a key claims it; its response is stored for replays.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::schema::idempotency_keys;
use super::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct KeyRow {
    pub request_hash: String,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Claims `key` for this user inside an action's transaction; `false` if it was already claimed.
pub fn claim(
    conn: &mut DbConnection,
    org_id: i64,
    user_id: i64,
    key: &str,
    request_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::org_id.eq(org_id),
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::created_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Stores `key` with its answer in one statement; `false` if the key was already stored.
#[allow(clippy::too_many_arguments)]
pub fn insert_answered(
    conn: &mut DbConnection,
    org_id: i64,
    user_id: i64,
    key: &str,
    request_hash: &str,
    at: NaiveDateTime,
    status: i32,
    body: &str,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::org_id.eq(org_id),
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::created_at.eq(at),
            idempotency_keys::response_status.eq(Some(status)),
            idempotency_keys::response_body.eq(Some(body)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn find(
    conn: &mut DbConnection,
    org_id: i64,
    user_id: i64,
    key: &str,
) -> QueryResult<Option<KeyRow>> {
    idempotency_keys::table
        .filter(idempotency_keys::org_id.eq(org_id))
        .filter(
            idempotency_keys::user_id
                .eq(user_id)
                .and(idempotency_keys::key.eq(key)),
        )
        .select(KeyRow::as_select())
        .first(conn)
        .optional()
}

pub fn complete(
    conn: &mut DbConnection,
    org_id: i64,
    user_id: i64,
    key: &str,
    status: i32,
    body: &str,
) -> QueryResult<usize> {
    diesel::update(idempotency_keys::table)
        .filter(idempotency_keys::org_id.eq(org_id))
        .filter(
            idempotency_keys::user_id
                .eq(user_id)
                .and(idempotency_keys::key.eq(key)),
        )
        .set((
            idempotency_keys::response_status.eq(Some(status)),
            idempotency_keys::response_body.eq(Some(body)),
        ))
        .execute(conn)
}

/// Forgets a key that expired.
pub fn release(
    conn: &mut DbConnection,
    org_id: i64,
    user_id: i64,
    key: &str,
) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table)
        .filter(idempotency_keys::org_id.eq(org_id))
        .filter(
            idempotency_keys::user_id
                .eq(user_id)
                .and(idempotency_keys::key.eq(key)),
        )
        .execute(conn)
}

/// Forgets every key claimed before `older_than`.
pub fn purge_before(conn: &mut DbConnection, older_than: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(older_than)))
        .execute(conn)
}
