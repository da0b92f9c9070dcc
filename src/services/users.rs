//! Organisations, users and authentication.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use crate::auth::{new_token, token_hash, Actor, Role};
use crate::db::{self, orgs, users, write_tx, Pool};
use crate::error::{AppError, AppResult};

use super::conn;

/// `baoxiao orgs add`: a new, empty organisation.
pub fn add_org(pool: &Pool, code: &str, name: &str) -> AppResult<i64> {
    if !crate::domain::budget::is_valid_code(code) || code.contains('.') {
        return Err(AppError::field(
            "code",
            "lower-case letters, digits and '-'",
        ));
    }
    let mut c = conn(pool)?;
    write_tx(&mut c, |c| {
        if orgs::find_by_code(c, code)?.is_some() {
            return Err(AppError::DuplicateCode(code.to_string()));
        }
        Ok(orgs::insert(c, code, name)?)
    })
}

/// The organisation `code` names, or the only one when `code` is absent.
pub fn resolve_org(c: &mut db::DbConnection, code: Option<&str>) -> AppResult<orgs::Org> {
    match code {
        Some(code) => orgs::find_by_code(c, code)?.ok_or(AppError::NotFound("organisation")),
        None => {
            let mut all = orgs::all(c)?;
            match all.len() {
                1 => Ok(all.remove(0)),
                0 => Err(AppError::NotFound("organisation")),
                _ => Err(AppError::field(
                    "org",
                    "several organisations exist: name one with --org",
                )),
            }
        }
    }
}

/// `baoxiao users add`: a new user and their token, shown once and stored only as a hash.
pub fn add_user(
    pool: &Pool,
    org: Option<&str>,
    name: &str,
    roles: &[Role],
) -> AppResult<(i64, String)> {
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(AppError::field("name", "1 to 200 characters"));
    }
    if roles.is_empty() {
        return Err(AppError::field("role", "at least one role"));
    }
    let mut roles = roles.to_vec();
    roles.dedup();
    let mut c = conn(pool)?;
    let token = new_token();
    let id = write_tx(&mut c, |c| {
        let org = resolve_org(c, org)?;
        Ok::<_, AppError>(users::insert(
            c,
            org.id,
            name.trim(),
            &Role::join(&roles),
            &token_hash(&token),
        )?)
    })?;
    Ok((id, token))
}

/// `baoxiao users revoke`: the user's token stops working at once in this process, and within
/// [`AUTH_TTL`] in every other server process.
pub fn revoke(pool: &Pool, user_id: i64) -> AppResult<()> {
    let mut c = conn(pool)?;
    let changed = users::revoke(&mut c, user_id)?;
    if let Ok(mut cache) = AUTH_CACHE.lock() {
        cache.retain(|_, (actor, _)| actor.user_id != user_id);
    }
    match changed {
        0 => Err(AppError::NotFound("active user")),
        _ => Ok(()),
    }
}

/// How long a process trusts a token it has looked up. Most requests then skip the database for
/// authentication; a revocation made by another process takes effect within this time.
pub const AUTH_TTL: Duration = Duration::from_secs(5);
const AUTH_CACHE_MAX: usize = 10_000;

/// Recently authenticated callers, by token hash (the token itself is not kept).
static AUTH_CACHE: LazyLock<Mutex<HashMap<String, (Actor, Instant)>>> =
    LazyLock::new(Default::default);

/// The caller for a token looked up less than [`AUTH_TTL`] ago, without touching the database.
pub fn cached(token: &str) -> Option<Actor> {
    let cache = AUTH_CACHE.lock().ok()?;
    cache
        .get(&token_hash(token))
        .filter(|(_, at)| at.elapsed() < AUTH_TTL)
        .map(|(actor, _)| actor.clone())
}

/// The caller a bearer token belongs to; 401 for an unknown or revoked token.
pub fn authenticate(pool: &Pool, token: &str) -> AppResult<Actor> {
    if let Some(actor) = cached(token) {
        return Ok(actor);
    }
    let hash = token_hash(token);
    let mut c = conn(pool)?;
    let user = users::find_by_token_hash(&mut c, &hash)?
        .filter(|u| u.revoked_at.is_none())
        .ok_or(AppError::Unauthenticated)?;
    let actor = Actor {
        org_id: user.org_id,
        user_id: user.id,
        roles: user.roles.split(',').filter_map(Role::parse).collect(),
    };
    if let Ok(mut cache) = AUTH_CACHE.lock() {
        if cache.len() >= AUTH_CACHE_MAX {
            cache.clear();
        }
        cache.insert(hash, (actor.clone(), Instant::now()));
    }
    Ok(actor)
}

pub fn count(pool: &Pool) -> AppResult<i64> {
    Ok(users::count(&mut *conn(pool)?)?)
}
