//! One function per use case. A use case takes the pool, owns its transaction (through [`act`] or
//! [`answer`] when it changes state), calls the domain for the rules and `db` for the rows, and
//! returns a view or an [`AppError`].
//!
//! Building blocks that run inside the caller's transaction, taking a `&mut DbConnection` and
//! never opening one, are apart: [`ledger`] (the path to the root, commit, release, spend,
//! adjust), [`audit`] (status-change records), [`clock`] (the organisation's today),
//! [`idempotency`] (a key stored with its answer) and [`paging`]. Functions elsewhere that take a
//! connection instead of the pool (`insert_line`, `subtree`, …) are such blocks too, each saying
//! so in its comment.

pub mod adjustments;
pub mod admin;
pub mod audit;
pub mod backup;
pub mod budget;
pub mod claims;
pub mod clock;
pub mod dashboard;
pub mod demo;
pub mod duty;
pub mod idempotency;
pub mod ledger;
pub mod pages;
pub mod paging;
pub mod policy;
pub mod reports;
pub mod setup;
pub mod sign_in;
pub mod subsidy;
pub mod travel_requests;
pub mod users;
pub mod verify;

use serde::Serialize;

use crate::auth::Actor;
use crate::db::{write_tx, Conn, DbConnection, Pool};
use crate::error::{AppError, AppResult};

pub fn conn(pool: &Pool) -> AppResult<Conn> {
    Ok(pool.get()?)
}

/// Runs a state-changing use case in one write transaction on behalf of `actor`, after checking
/// inside that transaction that the actor's user is not revoked (401 otherwise): a revocation
/// that has returned stops every later commit, in every process.
pub fn act<T, F>(c: &mut DbConnection, actor: &Actor, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<T>,
{
    write_tx(c, |c| {
        if !crate::db::users::still_active(c, actor.user_id)? {
            return Err(AppError::Unauthenticated);
        }
        f(c)
    })
}

/// [`act`] for a use case whose result is the response body, sent with `status`: when the
/// request carries an Idempotency-Key, the key and this answer are stored in the same
/// transaction as the action, so a retry after any crash replays the committed answer or, if
/// nothing committed, runs the action once.
pub fn answer<T, F>(c: &mut DbConnection, actor: &Actor, status: u16, f: F) -> AppResult<T>
where
    T: Serialize,
    F: FnOnce(&mut DbConnection) -> AppResult<T>,
{
    let Some(scope) = actor.key.as_deref() else {
        return act(c, actor, f);
    };
    let value = act(c, actor, |c| {
        idempotency::claim_in(c, actor, scope)?;
        let value = f(c)?;
        let body = serde_json::to_string(&value).map_err(|e| AppError::Internal(e.to_string()))?;
        idempotency::answer_in(c, actor, scope, status, &body)?;
        Ok(value)
    })?;
    scope.mark_answered();
    Ok(value)
}
