//! Idempotency keys: the first request with a key claims it; its response is stored for replays.

use chrono::NaiveDateTime;
use diesel::dsl;
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

/// One caller's key: the organisation and user it belongs to, and the key they sent.
#[derive(Clone, Copy, Debug)]
pub struct Key<'a> {
    pub org_id: i64,
    pub user_id: i64,
    pub key: &'a str,
}

/// The condition that picks `key`'s row.
type Picks<'a> = dsl::And<
    dsl::And<dsl::Eq<idempotency_keys::org_id, i64>, dsl::Eq<idempotency_keys::user_id, i64>>,
    dsl::Eq<idempotency_keys::key, &'a str>,
>;

impl<'a> Key<'a> {
    fn picks(self) -> Picks<'a> {
        idempotency_keys::org_id
            .eq(self.org_id)
            .and(idempotency_keys::user_id.eq(self.user_id))
            .and(idempotency_keys::key.eq(self.key))
    }
}

/// Inserts `key` claimed by the request of `request_hash` at `at`, with its answer when it has
/// one; `false` if the key was already there.
fn insert(
    conn: &mut DbConnection,
    key: Key<'_>,
    request_hash: &str,
    at: NaiveDateTime,
    answer: Option<(i32, &str)>,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::org_id.eq(key.org_id),
            idempotency_keys::user_id.eq(key.user_id),
            idempotency_keys::key.eq(key.key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::created_at.eq(at),
            idempotency_keys::response_status.eq(answer.map(|(status, _)| status)),
            idempotency_keys::response_body.eq(answer.map(|(_, body)| body)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Claims `key` for this user inside an action's transaction; `false` if it was already claimed.
pub fn claim(
    conn: &mut DbConnection,
    key: Key<'_>,
    request_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    insert(conn, key, request_hash, at, None)
}

/// Stores `key` with its answer (`status`, `body`) in one statement; `false` if the key was
/// already stored.
pub fn insert_answered(
    conn: &mut DbConnection,
    key: Key<'_>,
    request_hash: &str,
    at: NaiveDateTime,
    status: i32,
    body: &str,
) -> QueryResult<bool> {
    insert(conn, key, request_hash, at, Some((status, body)))
}

pub fn find(conn: &mut DbConnection, key: Key<'_>) -> QueryResult<Option<KeyRow>> {
    idempotency_keys::table
        .filter(key.picks())
        .select(KeyRow::as_select())
        .first(conn)
        .optional()
}

pub fn complete(
    conn: &mut DbConnection,
    key: Key<'_>,
    status: i32,
    body: &str,
) -> QueryResult<usize> {
    diesel::update(idempotency_keys::table)
        .filter(key.picks())
        .set((
            idempotency_keys::response_status.eq(Some(status)),
            idempotency_keys::response_body.eq(Some(body)),
        ))
        .execute(conn)
}

/// Forgets a key that expired.
pub fn release(conn: &mut DbConnection, key: Key<'_>) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(key.picks())).execute(conn)
}

/// Forgets every key claimed before `older_than`.
pub fn purge_before(conn: &mut DbConnection, older_than: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(older_than)))
        .execute(conn)
}
