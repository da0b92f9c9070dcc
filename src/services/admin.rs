//! The admin's use cases on the web pages: the organisation's users with their logins, adding a
//! user with a login, resetting a password and revoking a user. They call the same services as
//! `baoxiao users` (`users::add_user`, `sign_in::add_login`, `users::revoke`,
//! `sign_in::end_sessions_of`), confined to the admin's own organisation: another
//! organisation's user is 404.

use crate::auth::{Actor, Role};
use crate::db::{orgs, users as user_rows, web as web_rows, write_tx, Pool};
use crate::error::{AppError, AppResult};

use super::permissions::{self, UseCase};
use super::{conn, sign_in, users};

/// A user as the admin's list shows them.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub roles: Vec<Role>,
    pub login: Option<String>,
    pub revoked: bool,
}

/// Everyone of the admin's organisation, in the order they were added.
pub fn people(pool: &Pool, actor: &Actor) -> AppResult<Vec<Person>> {
    permissions::check(actor, UseCase::ManageUsers)?;
    let mut c = conn(pool)?;
    user_rows::all(&mut c, actor.org_id)?
        .into_iter()
        .map(|u| {
            let login = web_rows::login_of(&mut c, actor.org_id, u.id)?.map(|l| l.login);
            Ok(Person {
                id: u.id,
                roles: users::actor_of(&u).roles,
                name: u.name,
                login,
                revoked: u.revoked_at.is_some(),
            })
        })
        .collect()
}

fn org_code(pool: &Pool, actor: &Actor) -> AppResult<String> {
    orgs::all(&mut *conn(pool)?)?
        .into_iter()
        .find(|o| o.id == actor.org_id)
        .map(|o| o.code)
        .ok_or(AppError::NotFound("organisation"))
}

/// A new user of the admin's organisation with roles and a web login. The password is the
/// admin's choice, so the user must replace it at the first sign-in. A bad or taken login creates
/// nothing.
pub fn add_person(
    pool: &Pool,
    actor: &Actor,
    name: &str,
    roles: &[Role],
    login: &str,
    password: &str,
) -> AppResult<i64> {
    permissions::check(actor, UseCase::ManageUsers)?;
    sign_in::check_new_login(pool, login, password)?;
    let code = org_code(pool, actor)?;
    let (id, _token) = users::add_user(pool, Some(&code), name, roles)?;
    sign_in::add_login(pool, actor.org_id, id, login, password, true)?;
    Ok(id)
}

/// The user, when they belong to the admin's organisation.
fn member(pool: &Pool, actor: &Actor, user_id: i64) -> AppResult<user_rows::UserRow> {
    permissions::check(actor, UseCase::ManageUsers)?;
    user_rows::find(&mut *conn(pool)?, actor.org_id, user_id)?.ok_or(AppError::NotFound("user"))
}

/// A new password chosen by the admin: it must be replaced at the next sign-in, and every
/// session of the user ends.
pub fn reset_password(pool: &Pool, actor: &Actor, user_id: i64, password: &str) -> AppResult<()> {
    member(pool, actor, user_id)?;
    sign_in::check_password(password)?;
    let hash = sign_in::hash_password(password)?;
    let mut c = conn(pool)?;
    write_tx(&mut c, |c| {
        if web_rows::set_password(c, actor.org_id, user_id, &hash, true, crate::db::now())? == 0 {
            return Err(AppError::NotFound("login"));
        }
        web_rows::delete_user_sessions(c, actor.org_id, user_id)?;
        Ok(())
    })
}

/// Revokes a user (their token and their sessions stop working at once). An admin does not
/// revoke themself, so an organisation is never left without one by accident.
pub fn revoke(pool: &Pool, actor: &Actor, user_id: i64) -> AppResult<()> {
    member(pool, actor, user_id)?;
    if user_id == actor.user_id {
        return Err(AppError::field(
            "user",
            crate::domain::FieldProblem::RevokeSelf,
        ));
    }
    users::revoke(pool, user_id)?;
    sign_in::end_sessions_of(pool, user_id)?;
    Ok(())
}

/// Every policy version, oldest first, as the API shows them: the admin's page that publishes the
/// next one.
pub fn policies(pool: &Pool, actor: &Actor) -> AppResult<Vec<super::views::PolicyView>> {
    permissions::check(actor, UseCase::PublishPolicy)?;
    Ok(super::policy::all(&mut *conn(pool)?, actor.org_id)?
        .iter()
        .map(|v| super::views::PolicyView::new(v.number, &v.policy))
        .collect())
}

/// 预算科目: the year's lines (the organisation's current year when `year` is absent) beside the
/// form that adds one: the admin's page, as `POST /api/v1/budget-lines`.
pub fn lines(
    pool: &Pool,
    actor: &Actor,
    year: Option<i32>,
) -> AppResult<(i32, Vec<super::views::LineView>)> {
    permissions::check(actor, UseCase::CreateLine)?;
    let year = match year {
        Some(y) => y,
        None => super::pages::budget_year(pool, actor)?,
    };
    Ok((year, super::budget::list(pool, actor, year)?))
}
