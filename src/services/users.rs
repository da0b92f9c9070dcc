//! Organisations, users and authentication.

use std::sync::Arc;
use std::time::Instant;

use crate::auth::{new_token, token_hash, Actor, Role};
use crate::db::{self, orgs, users, write_tx, DbConnection, Pool};
use crate::error::{AppError, AppResult};

use super::conn;

/// A name as typed, cleaned: 1 to 200 characters, or 422 naming `name`.
fn name_of(name: &str) -> AppResult<&str> {
    let name = crate::domain::text::clean(name).map_err(|p| AppError::field("name", p))?;
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::field(
            "name",
            crate::domain::FieldProblem::Length {
                min: Some(1),
                max: Some(200),
                items: false,
            },
        ));
    }
    Ok(name)
}

/// `baoxiao orgs add`: a new, empty organisation.
pub fn add_org(pool: &Pool, code: &str, name: &str) -> AppResult<i64> {
    if !crate::domain::budget::is_valid_code(code) || code.contains('.') {
        return Err(AppError::field(
            "code",
            crate::domain::FieldProblem::OrgCodeFormat,
        ));
    }
    let name = name_of(name)?;
    // The code is unique in the database: a second organisation of that code, added at the same
    // moment or not, is refused by the insert itself.
    db::unique(orgs::insert(&mut *conn(pool)?, code, name))?
        .map_err(|_| AppError::DuplicateName(format!("organisation {code}")))
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
                _ => {
                    let codes: Vec<&str> = all.iter().map(|o| o.code.as_str()).collect();
                    Err(AppError::field(
                        "org",
                        crate::domain::FieldProblem::AmbiguousOrg {
                            codes: codes.iter().map(|c| c.to_string()).collect(),
                        },
                    ))
                }
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
    add_user_in(pool, org, name, roles, None)
}

/// `baoxiao users add … --department NAME` (R18): [`add_user`], in department `department` of
/// the organisation (404 when it has none of that name; 409 when the user would be its second
/// head), in the same transaction.
pub fn add_user_in(
    pool: &Pool,
    org: Option<&str>,
    name: &str,
    roles: &[Role],
    department: Option<&str>,
) -> AppResult<(i64, String)> {
    let name = name_of(name)?;
    if roles.is_empty() {
        return Err(AppError::field("role", crate::domain::FieldProblem::NoRole));
    }
    let mut roles = roles.to_vec();
    roles.dedup();
    let mut c = conn(pool)?;
    let token = new_token();
    let id = write_tx(&mut c, |c| {
        let org = resolve_org(c, org)?;
        let department = match department {
            Some(name) => Some(
                db::approvals::department_by_name(c, org.id, name.trim())?
                    .ok_or(AppError::NotFound("department"))?
                    .id,
            ),
            None => None,
        };
        let id = users::insert(
            c,
            org.id,
            name.trim(),
            &Role::join(&roles),
            &token_hash(&token),
        )?;
        if department.is_some() {
            super::approval::put_in_department_on(c, org.id, id, department)?;
        }
        Ok::<_, AppError>(id)
    })?;
    Ok((id, token))
}

/// `baoxiao users revoke`: the user's token stops working at once, in every server process.
/// Every action re-checks its user inside its own transaction ([`super::act`]): once the update
/// has committed, no action of the user can commit. On PostgreSQL the update waits for actions
/// that already passed that check (they hold a share lock on the user's row) to finish first.
/// Requests are authenticated from what each process read of the token a moment ago
/// ([`crate::db::recent`]), so this returns only once no process trusts such a read any longer.
pub fn revoke(pool: &Pool, user_id: i64) -> AppResult<()> {
    let (revoked, settling) = users::revoke(&mut *conn(pool)?, user_id);
    // Also when it finds the user revoked already: by another revocation that may still be
    // waiting.
    settling.settle();
    match revoked? {
        0 => Err(AppError::NotFound("active user")),
        _ => Ok(()),
    }
}

/// The caller a bearer token belongs to; 401 for an unknown or revoked token.
pub fn authenticate(pool: &Pool, token: &str) -> AppResult<Actor> {
    authenticate_on(pool, &mut *conn(pool)?, token)
}

/// [`authenticate`] on a connection the caller holds, which is used only when this process has
/// not read the token within [`crate::db::recent::TRUSTED_FOR`].
pub fn authenticate_on(pool: &Pool, c: &mut DbConnection, token: &str) -> AppResult<Actor> {
    let hash = token_hash(token);
    if let Some(user) = pool.token_users().get(&hash) {
        return Ok(actor_of(&user));
    }
    let began = Instant::now();
    let user = users::find_by_token_hash(c, &hash)?.ok_or(AppError::Unauthenticated)?;
    let actor = actor(&user)?;
    // Read inside a transaction, the row could be one that the transaction has not committed.
    if !db::in_transaction(c) {
        pool.token_users().keep(hash, began, Arc::new(user));
    }
    Ok(actor)
}

/// [`authenticate`] without a connection: `None` when this process has not read the token within
/// [`crate::db::recent::TRUSTED_FOR`] (or read it revoked, or unknown: those are not kept).
pub fn authenticate_recent(pool: &Pool, token: &str) -> Option<Actor> {
    let user = pool.token_users().get(&token_hash(token))?;
    Some(actor_of(&user))
}

fn actor(user: &users::UserRow) -> AppResult<Actor> {
    if user.revoked_at.is_some() {
        return Err(AppError::Unauthenticated);
    }
    Ok(actor_of(user))
}

/// The caller a user is, by token or by web session alike: organisation, id and roles.
pub fn actor_of(user: &users::UserRow) -> Actor {
    Actor {
        org_id: user.org_id,
        user_id: user.id,
        roles: user.roles.split(',').filter_map(Role::parse).collect(),
    }
}

pub fn count(pool: &Pool) -> AppResult<i64> {
    Ok(users::count(&mut *conn(pool)?)?)
}

/// Everyone of the actor's organisation, revoked users included, in the order they were added.
pub fn of_org(pool: &Pool, actor: &Actor) -> AppResult<Vec<users::UserRow>> {
    Ok(users::all(&mut *conn(pool)?, actor.org_id)?)
}
