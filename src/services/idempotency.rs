//! Idempotency-Key (api.md "Idempotency"): the first request with a key runs and its response is
//! kept; a retry with the same request gets that response again without acting; the same key with
//! another request is 422; a retry while the first still runs is 409. Keys are per user.
//!
//! A key is stored only together with its answer. An action stores it in the action's own
//! transaction ([`super::answer`]), so after any crash the key either exists with the committed
//! answer (a retry replays it) or does not exist at all (a retry runs the action, once). Answers
//! without an action (errors, quotes) are stored after they are sent; losing one costs nothing.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::auth::Actor;
use crate::db::idempotency as rows;
use crate::db::recent::Settling;
use crate::db::{now, DbConnection, Pool};
use crate::error::{AppError, AppResult};

use super::conn;

/// The key a request carries, handed to its action through the [`Actor`].
#[derive(Debug)]
pub struct KeyScope {
    pub key: String,
    pub fingerprint: String,
    /// Set once the action has committed its answer under the key.
    answered: AtomicBool,
}

impl KeyScope {
    pub fn new(key: String, fingerprint: String) -> KeyScope {
        KeyScope {
            key,
            fingerprint,
            answered: AtomicBool::new(false),
        }
    }

    /// True when the request's action stored its answer itself.
    pub fn answered(&self) -> bool {
        self.answered.load(Ordering::SeqCst)
    }

    pub(super) fn mark_answered(&self) {
        self.answered.store(true, Ordering::SeqCst);
    }
}

pub enum Begin {
    /// No answer is stored under this key: run the request.
    Run,
    /// The stored response of the first request.
    Replay { status: u16, body: String },
}

/// Fingerprint of a request: method, path with query, and body. A JSON body is hashed in a
/// canonical form (keys sorted, no whitespace), so the same document sent with other spacing or
/// key order is the same request.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let canonical = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .map(|value| value.to_string().into_bytes());
    let mut hash = Sha256::new();
    hash.update(method.as_bytes());
    hash.update([0]);
    hash.update(path.as_bytes());
    hash.update([0]);
    hash.update(canonical.as_deref().unwrap_or(body));
    hex::encode(hash.finalize())
}

/// Looks the key up before running the request.
pub fn begin(
    pool: &Pool,
    actor: &Actor,
    scope: &KeyScope,
    retention_hours: i64,
) -> AppResult<Begin> {
    let mut c = conn(pool)?;
    let Some(row) = rows::find(&mut c, key_of(actor, scope))? else {
        return Ok(Begin::Run);
    };
    let age = now() - row.created_at;
    // A row without an answer can only be left by an earlier version that claimed keys before
    // acting; as then, one older than ten minutes is taken over.
    let legacy_abandoned = row.response_status.is_none() && age > Duration::minutes(10);
    if age > Duration::hours(retention_hours) || legacy_abandoned {
        rows::release(&mut c, key_of(actor, scope))?;
        return Ok(Begin::Run);
    }
    // The connection goes back to the pool before a replay waits.
    drop(c);
    replay(row, scope)
}

fn replay(row: rows::KeyRow, scope: &KeyScope) -> AppResult<Begin> {
    if row.request_hash != scope.fingerprint {
        return Err(AppError::IdempotencyKeyReused);
    }
    match (row.response_status, row.response_body) {
        (Some(status), Some(body)) => {
            // An answer an action stored with its commit: the request it repeats may be waiting
            // out its settle in another process right now (a policy version, a revocation), and
            // its retry must not return sooner than it would ([`Settling`]).
            if (200..300).contains(&status) {
                Settling::replayed().settle();
            }
            Ok(Begin::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body,
            })
        }
        // A row an earlier version claimed before acting (never written now).
        _ => Err(AppError::IdempotencyKeyInFlight),
    }
}

/// The row of `scope`'s key for this caller.
fn key_of<'a>(actor: &Actor, scope: &'a KeyScope) -> rows::Key<'a> {
    rows::Key {
        org_id: actor.org_id,
        user_id: actor.user_id,
        key: &scope.key,
    }
}

/// Inside an action's transaction: claims the key. Another request that committed the same key
/// meanwhile makes this a 409 (the caller then replays that request's answer); on PostgreSQL
/// a concurrent uncommitted claim makes this wait for it.
pub(super) fn claim_in(c: &mut DbConnection, actor: &Actor, scope: &KeyScope) -> AppResult<()> {
    match rows::claim(c, key_of(actor, scope), &scope.fingerprint, now()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(AppError::IdempotencyKeyInFlight),
        Err(e) => Err(e.into()),
    }
}

/// Inside an action's transaction: the answer the client is about to get.
pub(super) fn answer_in(
    c: &mut DbConnection,
    actor: &Actor,
    scope: &KeyScope,
    status: u16,
    body: &str,
) -> AppResult<()> {
    rows::complete(c, key_of(actor, scope), i32::from(status), body)?;
    Ok(())
}

/// Keeps an answer that no action stored (an error, a quote). When another request with the key
/// committed first, its answer is the key's answer and is returned for replay.
pub fn keep(
    pool: &Pool,
    actor: &Actor,
    scope: &KeyScope,
    status: u16,
    body: &str,
) -> AppResult<Option<Begin>> {
    let mut c = conn(pool)?;
    let (key, status) = (key_of(actor, scope), i32::from(status));
    if rows::insert_answered(&mut c, key, &scope.fingerprint, now(), status, body)? {
        return Ok(None);
    }
    let found = rows::find(&mut c, key_of(actor, scope))?;
    drop(c);
    match found {
        Some(row) => replay(row, scope).map(Some),
        None => Ok(None),
    }
}

/// Drops keys older than the retention period.
pub fn purge(pool: &Pool, retention_hours: i64) -> AppResult<usize> {
    Ok(rows::purge_before(
        &mut *conn(pool)?,
        now() - Duration::hours(retention_hours),
    )?)
}
