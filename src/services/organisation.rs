//! The organisation's own details: its name and its 统一社会信用代码 (`tax_id`, R19), the buyer an
//! e-invoice must name. Set by an admin (`PUT /api/v1/organisation`, the admin page) or by
//! `baoxiao orgs set`; the default data leaves the code unset.

use crate::auth::Actor;
use crate::db::{orgs, write_tx, DbConnection, Pool};
use crate::domain::credit_code::CreditCode;
use crate::error::{AppError, AppResult};

use super::permissions::{self, UseCase};
use super::views::OrganisationView;
use super::{act, audit, conn, users};

/// The longest organisation name accepted, in characters.
pub const NAME_MAX: usize = 200;

/// What an admin asks to change: each only when given.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    pub name: Option<String>,
    pub tax_id: Option<String>,
}

/// The caller's organisation.
pub fn details(pool: &Pool, actor: &Actor) -> AppResult<OrganisationView> {
    view(&mut *conn(pool)?, actor.org_id)
}

fn view(c: &mut DbConnection, org_id: i64) -> AppResult<OrganisationView> {
    let org = orgs::all(c)?
        .into_iter()
        .find(|o| o.id == org_id)
        .ok_or(AppError::NotFound("organisation"))?;
    Ok(OrganisationView {
        code: org.code,
        name: org.name,
        tax_id: orgs::tax_id(c, org_id)?,
    })
}

/// The changes, checked: a code whose GB 32100 check character is right (422 naming `tax_id`).
/// The name comes checked by its door (one line of 1 to [`NAME_MAX`] characters).
fn checked(changes: Changes) -> AppResult<(Option<String>, Option<CreditCode>)> {
    let tax_id = match changes.tax_id.as_deref().map(CreditCode::parse) {
        Some(Err(problem)) => return Err(AppError::field("tax_id", problem)),
        Some(Ok(code)) => Some(code),
        None => None,
    };
    Ok((changes.name, tax_id))
}

/// `PUT /api/v1/organisation` (admin): sets the name and the 统一社会信用代码 given, recorded in the
/// audit trail.
pub fn change(
    pool: &Pool,
    actor: &Actor,
    changes: AppResult<Changes>,
) -> AppResult<OrganisationView> {
    permissions::check(actor, UseCase::SetOrganisation)?;
    let (name, tax_id) = checked(changes?)?;
    act(pool, actor, |c| {
        let tax_id = tax_id.as_ref().map(CreditCode::as_str);
        orgs::set_details(c, actor.org_id, name.as_deref(), tax_id)?;
        let note = [name.as_deref(), tax_id]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        audit::record(
            c,
            actor,
            audit::Change {
                entity: "organisation",
                id: actor.org_id,
                action: "set",
                from: None,
                to: "set",
                note: Some(&note),
            },
        )?;
        view(c, actor.org_id)
    })
}

/// `baoxiao orgs set --tax-id`: the organisation named by `code` (the only one when absent).
pub fn set_from_command_line(
    pool: &Pool,
    code: Option<&str>,
    changes: Changes,
) -> AppResult<OrganisationView> {
    let (name, tax_id) = checked(changes)?;
    let mut c = conn(pool)?;
    write_tx(&mut c, |c| {
        let org = users::resolve_org(c, code)?;
        let tax_id = tax_id.as_ref().map(CreditCode::as_str);
        orgs::set_details(c, org.id, name.as_deref(), tax_id)?;
        view(c, org.id)
    })
}
