//! Users and their hashed bearer tokens.

use diesel::prelude::*;

use super::recent::Settling;
use super::schema::users;
use super::{now, DbConnection};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub org_id: i64,
    pub id: i64,
    pub name: String,
    pub roles: String,
    pub revoked_at: Option<chrono::NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConnection,
    org_id: i64,
    name: &str,
    roles: &str,
    token_hash: &str,
) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values((
            users::org_id.eq(org_id),
            users::name.eq(name),
            users::roles.eq(roles),
            users::token_hash.eq(token_hash),
            users::created_at.eq(now()),
        ))
        .returning(users::id)
        .get_result(conn)
}

pub fn find_by_token_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<UserRow>> {
    // Every request makes this lookup, unless its process read the token a moment ago
    // ([`super::recent`]).
    direct!(conn, c => users::table
        .filter(users::token_hash.eq(hash))
        .select(UserRow::as_select())
        .first(c)
        .optional())
}

pub fn find(conn: &mut DbConnection, org_id: i64, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::org_id.eq(org_id).and(users::id.eq(id)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// True when the user is not revoked. Inside a write transaction on PostgreSQL the row is share-
/// locked, so a revocation waits until the transaction ends; SQLite writers are serialised anyway.
pub fn still_active(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    let query = users::table
        .filter(users::id.eq(id).and(users::revoked_at.is_null()))
        .select(users::id);
    let found = match conn {
        DbConnection::Postgres(c) => query.for_share().first::<i64>(c).optional()?,
        DbConnection::Sqlite(c) => query.first::<i64>(c).optional()?,
    };
    Ok(found.is_some())
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Marks a user's token revoked; returns how many users were changed (0 or 1), and the
/// [`Settling`] that makes the caller wait until no process trusts what it read of the token
/// before ([`super::recent`]), also when it finds the user revoked already (by another
/// revocation that may still be settling) or fails.
pub fn revoke(conn: &mut DbConnection, id: i64) -> (QueryResult<usize>, Settling) {
    let settling = Settling::new();
    (mark_revoked(conn, id), settling)
}

fn mark_revoked(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::id.eq(id).and(users::revoked_at.is_null())))
        .set(users::revoked_at.eq(Some(now())))
        .execute(conn)
}

all_rows!(
    /// Every user of an organisation, in the order they were added (the admin's users page).
    all, users, UserRow
);
