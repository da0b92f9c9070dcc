//! Web sign-in: logins with their password hashes, sessions (by the hash of their id) and failed
//! attempts for throttling.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{sign_in_failures, web_logins, web_sessions};
use super::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = web_logins)]
pub struct LoginRow {
    pub org_id: i64,
    pub user_id: i64,
    pub login: String,
    pub password_hash: String,
    pub must_change_password: bool,
}

pub fn find_login(conn: &mut DbConnection, login: &str) -> QueryResult<Option<LoginRow>> {
    web_logins::table
        .filter(web_logins::login.eq(login))
        .select(LoginRow::as_select())
        .first(conn)
        .optional()
}

pub fn login_of(
    conn: &mut DbConnection,
    org_id: i64,
    user_id: i64,
) -> QueryResult<Option<LoginRow>> {
    web_logins::table
        .filter(
            web_logins::org_id
                .eq(org_id)
                .and(web_logins::user_id.eq(user_id)),
        )
        .select(LoginRow::as_select())
        .first(conn)
        .optional()
}

/// Gives a user a login; the unique index refuses a login another user already has.
pub fn insert_login(
    conn: &mut DbConnection,
    row: &LoginRow,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(web_logins::table)
        .values((
            web_logins::org_id.eq(row.org_id),
            web_logins::user_id.eq(row.user_id),
            web_logins::login.eq(&row.login),
            web_logins::password_hash.eq(&row.password_hash),
            web_logins::must_change_password.eq(row.must_change_password),
            web_logins::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Replaces a login's password; returns how many logins changed (0 or 1).
pub fn set_password(
    conn: &mut DbConnection,
    org_id: i64,
    user_id: i64,
    hash: &str,
    must_change: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        web_logins::table.filter(
            web_logins::org_id
                .eq(org_id)
                .and(web_logins::user_id.eq(user_id)),
        ),
    )
    .set((
        web_logins::password_hash.eq(hash),
        web_logins::must_change_password.eq(must_change),
        web_logins::updated_at.eq(at),
    ))
    .execute(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = web_sessions)]
pub struct SessionRow {
    pub id_hash: String,
    pub org_id: i64,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub flash: Option<String>,
}

pub fn insert_session(conn: &mut DbConnection, row: &SessionRow) -> QueryResult<usize> {
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::id_hash.eq(&row.id_hash),
            web_sessions::org_id.eq(row.org_id),
            web_sessions::user_id.eq(row.user_id),
            web_sessions::csrf_token.eq(&row.csrf_token),
            web_sessions::created_at.eq(row.created_at),
            web_sessions::last_seen_at.eq(row.last_seen_at),
        ))
        .execute(conn)
}

pub fn find_session(conn: &mut DbConnection, id_hash: &str) -> QueryResult<Option<SessionRow>> {
    web_sessions::table
        .filter(web_sessions::id_hash.eq(id_hash))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

/// Marks the session used now and takes its flash message away (it is shown once).
pub fn touch_session(
    conn: &mut DbConnection,
    id_hash: &str,
    at: NaiveDateTime,
    clear_flash: bool,
) -> QueryResult<usize> {
    let target = web_sessions::table.filter(web_sessions::id_hash.eq(id_hash));
    if clear_flash {
        diesel::update(target)
            .set((
                web_sessions::last_seen_at.eq(at),
                web_sessions::flash.eq(None::<String>),
            ))
            .execute(conn)
    } else {
        diesel::update(target)
            .set(web_sessions::last_seen_at.eq(at))
            .execute(conn)
    }
}

pub fn set_flash(conn: &mut DbConnection, id_hash: &str, text: &str) -> QueryResult<usize> {
    diesel::update(web_sessions::table.filter(web_sessions::id_hash.eq(id_hash)))
        .set(web_sessions::flash.eq(Some(text)))
        .execute(conn)
}

pub fn delete_session(conn: &mut DbConnection, id_hash: &str) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::id_hash.eq(id_hash))).execute(conn)
}

/// Ends every session of a user (revocation, a new password).
pub fn delete_user_sessions(
    conn: &mut DbConnection,
    org_id: i64,
    user_id: i64,
) -> QueryResult<usize> {
    diesel::delete(
        web_sessions::table.filter(
            web_sessions::org_id
                .eq(org_id)
                .and(web_sessions::user_id.eq(user_id)),
        ),
    )
    .execute(conn)
}

/// Ends every session of a user but `keep` (a new password chosen in that session).
pub fn delete_other_sessions(
    conn: &mut DbConnection,
    org_id: i64,
    user_id: i64,
    keep: &str,
) -> QueryResult<usize> {
    diesel::delete(
        web_sessions::table.filter(
            web_sessions::org_id
                .eq(org_id)
                .and(web_sessions::user_id.eq(user_id))
                .and(web_sessions::id_hash.ne(keep)),
        ),
    )
    .execute(conn)
}

/// Ends every session of a user in any organisation (`users revoke` knows only the id).
pub fn delete_sessions_of(conn: &mut DbConnection, user_id: i64) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::user_id.eq(user_id))).execute(conn)
}

/// Records a failed sign-in (or an attempt not yet checked, counted as one until it succeeds);
/// returns its id.
pub fn record_failure(
    conn: &mut DbConnection,
    login: &str,
    address: &str,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::login.eq(login),
            sign_in_failures::address.eq(address),
            sign_in_failures::at.eq(at),
        ))
        .returning(sign_in_failures::id)
        .get_result(conn)
}

/// Forgets an attempt recorded by [`record_failure`] whose password was never checked.
pub fn forget_failure(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::id.eq(id))).execute(conn)
}

/// PostgreSQL advisory-lock classes (the first of the two keys) for the failures of one login
/// and of one address; the second key is the hash of the login or address. Start-up's lock is a
/// single-key one: the two key spaces never meet.
const LOGIN_ATTEMPTS: i32 = 28_001;
const ADDRESS_ATTEMPTS: i32 = 28_002;

/// Makes the failures of `login` and of `address` this transaction's to count and add to until
/// it ends. PostgreSQL: transaction-scoped advisory locks, taken login first, so that counting
/// and recording are one step for every process (in read committed, each statement after the
/// lock sees what the previous holder committed). SQLite: nothing to do, the write transaction
/// already holds the database's one write lock.
pub fn lock_failures(conn: &mut DbConnection, login: &str, address: &str) -> QueryResult<()> {
    use diesel::sql_types::{Integer, Text};
    if let DbConnection::Postgres(c) = conn {
        diesel::sql_query(
            "SELECT pg_advisory_xact_lock($1, hashtext($2)), \
             pg_advisory_xact_lock($3, hashtext($4))",
        )
        .bind::<Integer, _>(LOGIN_ATTEMPTS)
        .bind::<Text, _>(login)
        .bind::<Integer, _>(ADDRESS_ATTEMPTS)
        .bind::<Text, _>(address)
        .execute(c)?;
    }
    Ok(())
}

/// The times of the latest `limit` failures for `login` since `since`, newest first.
pub fn failures_for_login(
    conn: &mut DbConnection,
    login: &str,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<NaiveDateTime>> {
    sign_in_failures::table
        .filter(
            sign_in_failures::login
                .eq(login)
                .and(sign_in_failures::at.gt(since)),
        )
        .select(sign_in_failures::at)
        .order(sign_in_failures::at.desc())
        .limit(limit)
        .load(conn)
}

/// The times of the latest `limit` failures from `address` since `since`, newest first.
pub fn failures_from_address(
    conn: &mut DbConnection,
    address: &str,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<NaiveDateTime>> {
    sign_in_failures::table
        .filter(
            sign_in_failures::address
                .eq(address)
                .and(sign_in_failures::at.gt(since)),
        )
        .select(sign_in_failures::at)
        .order(sign_in_failures::at.desc())
        .limit(limit)
        .load(conn)
}

/// A successful sign-in forgets the login's failures; old rows of anyone are dropped.
pub fn clear_failures(
    conn: &mut DbConnection,
    login: &str,
    before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        sign_in_failures::table.filter(
            sign_in_failures::login
                .eq(login)
                .or(sign_in_failures::at.lt(before)),
        ),
    )
    .execute(conn)
}

/// Deletes sessions idle since `idle_before` or started before `started_before`, and failures
/// older than `failed_before`; returns how many sessions went.
pub fn purge(
    conn: &mut DbConnection,
    idle_before: NaiveDateTime,
    started_before: NaiveDateTime,
    failed_before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::at.lt(failed_before)))
        .execute(conn)?;
    diesel::delete(
        web_sessions::table.filter(
            web_sessions::last_seen_at
                .lt(idle_before)
                .or(web_sessions::created_at.lt(started_before)),
        ),
    )
    .execute(conn)
}
