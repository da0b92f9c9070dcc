//! Idempotency-Key (api.md "Idempotency"): the first request with a key runs and its response is
//! kept; a retry with the same request gets that response again without acting; the same key with
//! another request is 422; a retry while the first still runs is 409. Keys are per user.

use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::auth::Actor;
use crate::db::idempotency as rows;
use crate::db::{now, Pool};
use crate::error::{AppError, AppResult};

use super::conn;

/// A claim left in flight longer than this belonged to a process that died; it is taken over.
const ABANDONED_AFTER_MINUTES: i64 = 10;

pub enum Begin {
    /// This request owns the key: run it, then [`finish`] or [`abandon`].
    Run,
    /// The stored response of the first request.
    Replay { status: u16, body: String },
}

/// Fingerprint of a request: method, path with query, and body.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(method.as_bytes());
    hash.update([0]);
    hash.update(path.as_bytes());
    hash.update([0]);
    hash.update(body);
    hex::encode(hash.finalize())
}

pub fn begin(
    pool: &Pool,
    actor: &Actor,
    key: &str,
    fingerprint: &str,
    retention_hours: i64,
) -> AppResult<Begin> {
    let mut c = conn(pool)?;
    for _ in 0..3 {
        if rows::claim(&mut c, actor.org_id, actor.user_id, key, fingerprint, now())? {
            return Ok(Begin::Run);
        }
        let Some(row) = rows::find(&mut c, actor.org_id, actor.user_id, key)? else {
            continue; // released meanwhile: claim again
        };
        let age = now() - row.created_at;
        let expired = age > Duration::hours(retention_hours);
        let abandoned =
            row.response_status.is_none() && age > Duration::minutes(ABANDONED_AFTER_MINUTES);
        if expired || abandoned {
            rows::release(&mut c, actor.org_id, actor.user_id, key)?;
            continue;
        }
        if row.request_hash != fingerprint {
            return Err(AppError::IdempotencyKeyReused);
        }
        return match (row.response_status, row.response_body) {
            (Some(status), Some(body)) => Ok(Begin::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body,
            }),
            _ => Err(AppError::IdempotencyKeyInFlight),
        };
    }
    Err(AppError::IdempotencyKeyInFlight)
}

pub fn finish(pool: &Pool, actor: &Actor, key: &str, status: u16, body: &str) -> AppResult<()> {
    rows::complete(
        &mut *conn(pool)?,
        actor.org_id,
        actor.user_id,
        key,
        i32::from(status),
        body,
    )?;
    Ok(())
}

/// Forgets the key so that a retry runs again (the first attempt failed on our side).
pub fn abandon(pool: &Pool, actor: &Actor, key: &str) -> AppResult<()> {
    rows::release(&mut *conn(pool)?, actor.org_id, actor.user_id, key)?;
    Ok(())
}

/// Drops keys older than the retention period.
pub fn purge(pool: &Pool, retention_hours: i64) -> AppResult<usize> {
    Ok(rows::purge_before(
        &mut *conn(pool)?,
        now() - Duration::hours(retention_hours),
    )?)
}
