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
pub mod approval;
pub mod attachments;
pub mod audit;
pub mod backup;
pub mod budget;
pub mod claims;
pub mod clock;
pub mod dashboard;
pub mod duty;
pub mod einvoices;
pub mod idempotency;
pub mod ledger;
pub mod lifecycle;
pub mod organisation;
pub mod pages;
pub mod paging;
pub mod passwords;
pub mod permissions;
pub mod policy;
pub mod reports;
pub mod sign_in;
pub mod subsidy;
pub mod transition;
pub mod travel_requests;
pub mod users;
pub mod verify;
pub mod views;
pub mod vouchers;

use std::sync::Arc;

use serde::Serialize;

use crate::auth::Actor;
use crate::db::{Conn, DbConnection, Pool};
use crate::error::{AppError, AppResult};

pub fn conn(pool: &Pool) -> AppResult<Conn> {
    Ok(pool.get()?)
}

/// The fact [`act`] keeps for a shared write transaction: the user was read not revoked, with a
/// share lock on their row (PostgreSQL) or under the write lock (SQLite).
const ACTIVE_USER: &str = "active user";

/// Runs a state-changing use case in one write transaction on behalf of `actor`, after checking
/// inside that transaction that the actor's user is not revoked (401 otherwise): a revocation
/// that has returned stops every later commit, in every process.
///
/// The transaction is shared with the writes that arrive at the same time (group commit,
/// [`crate::db::group`]): `f` runs in a savepoint of it, so a refusal undoes only its own work,
/// and this returns once the shared commit is durable. `f` may run again from the start when, on
/// PostgreSQL, it met a row another batch had locked; it must not keep anything between runs.
pub fn act<T, F>(pool: &Pool, actor: &Actor, mut f: F) -> AppResult<T>
where
    F: FnMut(&mut DbConnection) -> AppResult<T>,
{
    pool.write(|c, kept| {
        // Once read under the share lock, the batch holds that lock until it commits: a later
        // action of the same user in the batch needs no second look.
        if !kept.has(ACTIVE_USER, actor.user_id) {
            if !crate::db::users::still_active(c, actor.user_id)? {
                return Err(AppError::Unauthenticated);
            }
            kept.keep(ACTIVE_USER, actor.user_id);
        }
        f(c)
    })
}

/// A caller and what their request carries beyond who sent it: the Idempotency-Key, if any,
/// under which the request's action stores its answer in the action's own transaction
/// ([`answer`]). Reads as its [`Actor`] wherever a use case needs only who is asking.
#[derive(Clone, Debug)]
pub struct Context {
    pub actor: Actor,
    pub key: Option<Arc<idempotency::KeyScope>>,
}

impl From<Actor> for Context {
    /// A caller whose request carries no Idempotency-Key (the pages, the command line).
    fn from(actor: Actor) -> Context {
        Context { actor, key: None }
    }
}

impl std::ops::Deref for Context {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.actor
    }
}

/// [`act`] for a use case whose result is the response body, sent with `status`: when the
/// request carries an Idempotency-Key, the key and this answer are stored in the same
/// transaction as the action, so a retry after any crash replays the committed answer or, if
/// nothing committed, runs the action once.
pub fn answer<T, F>(pool: &Pool, actor: &Context, status: u16, mut f: F) -> AppResult<T>
where
    T: Serialize,
    F: FnMut(&mut DbConnection) -> AppResult<T>,
{
    let Some(scope) = actor.key.as_deref() else {
        return act(pool, actor, f);
    };
    let value = act(pool, actor, |c| {
        idempotency::claim_in(c, actor, scope)?;
        let value = f(c)?;
        let body = serde_json::to_string(&value).map_err(|e| AppError::Internal(e.to_string()))?;
        idempotency::answer_in(c, actor, scope, status, &body)?;
        Ok(value)
    })?;
    scope.mark_answered();
    Ok(value)
}

/// [`answer`] for a use case given what the request's body asks, or why it could not be read:
/// refused for the caller's role first (403, [`permissions::check`]), then for the body, and only
/// then run with it.
pub fn answer_asked<A, T, F>(
    pool: &Pool,
    actor: &Context,
    use_case: permissions::UseCase,
    asked: AppResult<A>,
    status: u16,
    mut f: F,
) -> AppResult<T>
where
    T: Serialize,
    F: FnMut(&mut DbConnection, &A) -> AppResult<T>,
{
    permissions::check(actor, use_case)?;
    let asked = asked?;
    answer(pool, actor, status, |c| f(c, &asked))
}

/// [`answer`] for a use case whose answer its writes decide without reading anything more
/// (`known`, called once they have run): without an Idempotency-Key it is made once the shared
/// commit is durable, with no connection to wait for after it; with a key it is made inside the
/// transaction, to be stored with the key.
pub fn answer_known<T, W, K>(
    pool: &Pool,
    actor: &Context,
    status: u16,
    mut write: W,
    known: K,
) -> AppResult<T>
where
    T: Serialize,
    W: FnMut(&mut DbConnection) -> AppResult<()>,
    K: Fn() -> AppResult<T>,
{
    if actor.key.is_some() {
        return answer(pool, actor, status, |c| {
            write(c)?;
            known()
        });
    }
    act(pool, actor, write)?;
    known()
}
