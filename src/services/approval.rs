//! R18 Approval steps: the organisation's chain and threshold, its departments (科室), and the
//! pieces a claim's decisions are made of (who holds the step waiting now, the steps a claim
//! skips, its approvals as shown). The decisions themselves are [`super::claims::approve`] and
//! [`super::claims::reject`].

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::permissions::{self, UseCase};
use super::views::timestamp;
use super::{act, conn, Context};
use crate::auth::{Actor, Role};
use crate::db::approvals::{self as rows, ApprovalRow, NewApproval};
use crate::db::claims::ClaimRow;
use crate::db::{users, DbConnection, Pool};
use crate::domain::approval::{
    self, Chain, ChainError, Facts, Membership, SkipReason, Step, Verdict,
};
use crate::domain::{FieldProblem, Money};
use crate::error::{AppError, AppResult};

/// `GET /api/v1/approval-chain`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChainView {
    /// The steps in order: `department_head`, `finance`, `leader`.
    pub steps: Vec<&'static str>,
    #[schema(value_type = String, example = "5000.00")]
    pub leader_threshold: Money,
}

/// A department (科室).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DepartmentView {
    pub id: i64,
    pub name: String,
    /// The user who heads it, if any.
    pub head_id: Option<i64>,
    pub head_name: Option<String>,
    /// Its members' ids (its head among them).
    pub members: Vec<i64>,
}

/// One step of a claim: decided (`approved`, `rejected`) by a person, or `skipped` with why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApprovalView {
    #[schema(value_type = String, example = "finance")]
    pub step: Step,
    #[schema(value_type = String, example = "approved")]
    pub decision: Verdict,
    /// Who decided it (none for a skipped step).
    pub by: Option<i64>,
    /// Their name, for the pages and the 报销单.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
    pub at: String,
    /// The moment as stored (pages show it in the organisation's zone).
    #[serde(skip)]
    pub at_stored: chrono::NaiveDateTime,
    /// A skipped step's reason (`no_department`, `claimant_heads_department`,
    /// `below_leader_threshold`), or a rejection's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ApprovalView {
    /// Why a skipped step was skipped.
    pub fn skipped(&self) -> Option<SkipReason> {
        (self.decision == Verdict::Skipped)
            .then(|| self.note.as_deref().and_then(SkipReason::parse))
            .flatten()
    }
}

fn chain_error(e: ChainError) -> AppError {
    AppError::field("steps", FieldProblem::ApprovalChain(e))
}

/// The organisation's chain, read.
pub fn chain_of(c: &mut DbConnection, org_id: i64) -> AppResult<(Chain, Money)> {
    let (steps, threshold) = rows::chain(c, org_id)?;
    let chain = Chain::parse_stored(&steps)
        .map_err(|e| AppError::Internal(format!("stored approval chain: {e}")))?;
    Ok((chain, Money::from_fen(threshold)))
}

fn view_of(chain: &Chain, threshold: Money) -> ChainView {
    ChainView {
        steps: chain.names(),
        leader_threshold: threshold,
    }
}

/// `GET /api/v1/approval-chain` (any role).
pub fn chain(pool: &Pool, actor: &Actor) -> AppResult<ChainView> {
    let (chain, threshold) = chain_of(&mut *conn(pool)?, actor.org_id)?;
    Ok(view_of(&chain, threshold))
}

/// The chain asked for, checked: 422 naming `steps` (or `leader_threshold`).
pub fn parse_chain(steps: &[String], threshold: Money) -> AppResult<Chain> {
    if threshold < Money::ZERO {
        return Err(AppError::field(
            "leader_threshold",
            FieldProblem::Amount(crate::domain::money::MoneyError::Negative),
        ));
    }
    Chain::parse(steps).map_err(chain_error)
}

/// `PUT /api/v1/approval-chain` (admin): applies to claims submitted afterwards.
pub fn set_chain(
    pool: &Pool,
    actor: &Context,
    asked: AppResult<(Vec<String>, Money)>,
) -> AppResult<ChainView> {
    permissions::check(actor, UseCase::ManageUsers)?;
    let (steps, threshold) = asked?;
    let chain = parse_chain(&steps, threshold)?;
    act(pool, actor, |c| {
        rows::set_chain(c, actor.org_id, &chain.stored(), threshold.fen())?;
        Ok(view_of(&chain, threshold))
    })
}

/// `baoxiao orgs set-approval`: the chain of organisation `org` (the only one when absent).
pub fn set_chain_cli(
    pool: &Pool,
    org: Option<&str>,
    steps: &[String],
    threshold: Money,
) -> AppResult<ChainView> {
    let chain = parse_chain(steps, threshold)?;
    let mut c = conn(pool)?;
    let org = super::users::resolve_org(&mut c, org)?;
    rows::set_chain(&mut c, org.id, &chain.stored(), threshold.fen())?;
    Ok(view_of(&chain, threshold))
}

/// A department name as typed: 1 to 100 characters, or 422 naming `name`.
fn department_name(name: &str) -> AppResult<String> {
    let name = crate::domain::text::clean(name).map_err(|p| AppError::field("name", p))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::field(
            "name",
            FieldProblem::Length {
                min: Some(1),
                max: Some(100),
                items: false,
            },
        ));
    }
    Ok(name.to_string())
}

/// Adds department `name` to organisation `org_id` on `c`; 409 `duplicate_name` when it exists.
pub fn add_department_on(c: &mut DbConnection, org_id: i64, name: &str) -> AppResult<i64> {
    let name = department_name(name)?;
    crate::db::unique(rows::add_department(c, org_id, &name))?
        .map_err(|_| AppError::DuplicateName(format!("department {name}")))
}

/// `POST /api/v1/departments` (admin).
pub fn add_department(
    pool: &Pool,
    actor: &Context,
    name: AppResult<String>,
) -> AppResult<DepartmentView> {
    permissions::check(actor, UseCase::ManageUsers)?;
    let name = name?;
    let id = act(pool, actor, |c| add_department_on(c, actor.org_id, &name))?;
    departments(pool, actor)?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(AppError::NotFound("department"))
}

/// `GET /api/v1/departments` (any role): each with its head and members.
pub fn departments(pool: &Pool, actor: &Actor) -> AppResult<Vec<DepartmentView>> {
    let mut c = conn(pool)?;
    let found = rows::departments(&mut c, actor.org_id)?;
    let people = users::all(&mut c, actor.org_id)?;
    let members = rows::memberships(&mut c, actor.org_id)?;
    let in_department: HashMap<i64, Option<i64>> = members.into_iter().collect();
    Ok(found
        .into_iter()
        .map(|d| {
            let mine: Vec<&users::UserRow> = people
                .iter()
                .filter(|u| in_department.get(&u.id).copied().flatten() == Some(d.id))
                .collect();
            let head = mine
                .iter()
                .find(|u| heads(&u.roles) && u.revoked_at.is_none());
            DepartmentView {
                id: d.id,
                name: d.name,
                head_id: head.map(|u| u.id),
                head_name: head.map(|u| u.name.clone()),
                members: mine.iter().map(|u| u.id).collect(),
            }
        })
        .collect())
}

/// Whether roles as stored include `department_head`.
fn heads(roles: &str) -> bool {
    roles.split(',').any(|r| r == Role::DepartmentHead.as_str())
}

/// Puts user `user` in department `department` (`None`: in none) on `c`: 404 for a user or a
/// department of another organisation; 409 `duplicate_name` when the user is a department head
/// and the department has one already.
pub fn put_in_department_on(
    c: &mut DbConnection,
    org_id: i64,
    user: i64,
    department: Option<i64>,
) -> AppResult<()> {
    if let Some(d) = department {
        rows::department(c, org_id, d)?.ok_or(AppError::NotFound("department"))?;
    }
    match crate::db::unique(rows::set_department(c, org_id, user, department))? {
        Ok(0) => Err(AppError::NotFound("user")),
        Ok(_) => Ok(()),
        Err(_) => Err(AppError::DuplicateName("head of this department".into())),
    }
}

/// `PUT /api/v1/users/{id}/department` (admin).
pub fn put_in_department(
    pool: &Pool,
    actor: &Context,
    user: i64,
    department: AppResult<Option<i64>>,
) -> AppResult<Vec<DepartmentView>> {
    permissions::check(actor, UseCase::ManageUsers)?;
    let department = department?;
    act(pool, actor, |c| {
        put_in_department_on(c, actor.org_id, user, department)
    })?;
    departments(pool, actor)
}

/// `baoxiao users add … --department NAME`: the department of that name, or 404.
pub fn department_id(pool: &Pool, org: Option<&str>, name: &str) -> AppResult<(i64, i64)> {
    let mut c = conn(pool)?;
    let org = super::users::resolve_org(&mut c, org)?;
    let d = rows::department_by_name(&mut c, org.id, name.trim())?
        .ok_or(AppError::NotFound("department"))?;
    Ok((org.id, d.id))
}

/// The chain a claim of `claimant` worth `reimbursable` is submitted under, read in the
/// submission's transaction: what the claim keeps, its first step, and the steps it skips.
pub struct AtSubmission {
    pub chain: String,
    pub threshold_fen: i64,
    pub department_id: Option<i64>,
    pub first: Step,
    pub skipped: Vec<(Step, SkipReason)>,
}

/// [`AtSubmission`] for a claim of `claimant` worth `reimbursable`.
pub fn at_submission(
    c: &mut DbConnection,
    org_id: i64,
    claimant: i64,
    reimbursable: Money,
) -> AppResult<AtSubmission> {
    let (chain, threshold) = chain_of(c, org_id)?;
    let (department_id, roles) =
        rows::membership(c, org_id, claimant)?.ok_or(AppError::NotFound("user"))?;
    let membership = match (department_id, heads(&roles)) {
        (None, _) => Membership::None,
        (Some(_), true) => Membership::Head,
        (Some(_), false) => Membership::Member,
    };
    let facts = Facts {
        membership,
        reimbursable,
        leader_threshold: threshold,
    };
    let advance = approval::advance(&chain, None, &facts);
    // Finance is in every chain and is never skipped: a chain always has a first step.
    let first = advance
        .next
        .ok_or_else(|| AppError::Internal("an approval chain without a step to wait at".into()))?;
    Ok(AtSubmission {
        chain: chain.stored(),
        threshold_fen: threshold.fen(),
        department_id,
        first,
        skipped: advance.skipped,
    })
}

/// The claim's chain as it was submitted, and its facts for the steps after the first (the
/// department head's step is always the first, so its membership no longer matters).
pub fn claim_chain(row: &ClaimRow) -> AppResult<(Chain, Facts)> {
    let chain = Chain::parse_stored(&row.approval_steps)
        .map_err(|e| AppError::Internal(format!("claim's approval chain: {e}")))?;
    let facts = Facts {
        membership: Membership::Member,
        reimbursable: Money::from_fen(row.reimbursable_fen),
        leader_threshold: Money::from_fen(row.leader_threshold_fen),
    };
    Ok((chain, facts))
}

/// The step waiting on claim `row`, or 409 `invalid_transition` (through `none`) when none is.
pub fn pending(row: &ClaimRow) -> Option<Step> {
    row.step.as_deref().and_then(Step::parse)
}

/// 403 `forbidden` unless `actor` holds `step` of claim `row`: its role, and for the department
/// head's step, the head of the claim's department.
pub fn holds(c: &mut DbConnection, actor: &Actor, row: &ClaimRow, step: Step) -> AppResult<()> {
    if held(c, actor, row, step)? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn held(c: &mut DbConnection, actor: &Actor, row: &ClaimRow, step: Step) -> AppResult<bool> {
    Ok(match step {
        Step::Finance => actor.has(Role::Finance),
        Step::Leader => actor.has(Role::Leader),
        Step::DepartmentHead => {
            actor.has(Role::DepartmentHead)
                && row.department_id.is_some()
                && rows::membership(c, actor.org_id, actor.user_id)?
                    .is_some_and(|(d, _)| d == row.department_id)
        }
    })
}

/// Whether `actor` may decide claim `row`'s pending step now: they hold it, the claim is not
/// theirs, and they decided no earlier step of it (R18's four eyes). A page offers 批准 / 同意 and
/// 驳回 only then.
pub fn may_decide(c: &mut DbConnection, actor: &Actor, row: &ClaimRow) -> AppResult<bool> {
    let Some(step) = pending(row) else {
        return Ok(false);
    };
    Ok(row.claimant_id != actor.user_id
        && held(c, actor, row, step)?
        && !rows::decided_by(c, actor.org_id, row.id, actor.user_id)?)
}

/// 403 `step_already_decided_by_you` when `actor` decided a step of claim `id` already.
pub fn not_decided_before(c: &mut DbConnection, actor: &Actor, id: i64) -> AppResult<()> {
    if rows::decided_by(c, actor.org_id, id, actor.user_id)? {
        Err(AppError::StepAlreadyDecidedByYou)
    } else {
        Ok(())
    }
}

/// A decision or a skip to record on claim `claim_id`.
pub struct Decision<'a> {
    pub step: Step,
    pub decision: Verdict,
    pub by: Option<i64>,
    pub note: Option<&'a str>,
}

/// Records `decision` on claim `claim_id` at `at`; a second decision by the same person on the
/// claim, which only a race can bring here, is 403 `step_already_decided_by_you` (the unique index
/// decided); a second decision of the step, 409 through `moved_on`.
pub fn record(
    c: &mut DbConnection,
    org_id: i64,
    claim_id: i64,
    at: chrono::NaiveDateTime,
    decision: &Decision<'_>,
) -> AppResult<ApprovalView> {
    let row = NewApproval {
        org_id,
        claim_id,
        step: decision.step.as_str(),
        decision: decision.decision.as_str(),
        decided_by: decision.by,
        decided_at: at,
        note: decision.note,
    };
    crate::db::unique(rows::record(c, &row))?.map_err(|_| AppError::StepAlreadyDecidedByYou)?;
    Ok(ApprovalView {
        step: decision.step,
        decision: decision.decision,
        by: decision.by,
        by_name: None,
        at: timestamp(at),
        at_stored: at,
        note: decision.note.map(str::to_string),
    })
}

/// Records the steps a claim skips, each with its reason.
pub fn record_skipped(
    c: &mut DbConnection,
    org_id: i64,
    claim_id: i64,
    at: chrono::NaiveDateTime,
    skipped: &[(Step, SkipReason)],
) -> AppResult<Vec<ApprovalView>> {
    skipped
        .iter()
        .map(|(step, reason)| {
            let decision = Decision {
                step: *step,
                decision: Verdict::Skipped,
                by: None,
                note: Some(reason.code()),
            };
            record(c, org_id, claim_id, at, &decision)
        })
        .collect()
}

/// The approvals of claims `ids`, each claim's in the order they were decided, with the names of
/// who decided.
pub fn of_claims(
    c: &mut DbConnection,
    org_id: i64,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<ApprovalView>>> {
    let found = rows::of_claims(c, org_id, ids)?;
    if found.is_empty() {
        return Ok(HashMap::new());
    }
    let names: HashMap<i64, String> = users::all(c, org_id)?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut out: HashMap<i64, Vec<ApprovalView>> = HashMap::new();
    for a in found {
        out.entry(a.claim_id).or_default().push(shown(a, &names)?);
    }
    Ok(out)
}

fn shown(a: ApprovalRow, names: &HashMap<i64, String>) -> AppResult<ApprovalView> {
    // The table's CHECKs hold only these; anything else is a damaged row, said as such.
    let step = Step::parse(&a.step)
        .ok_or_else(|| AppError::Internal(format!("claim approval step {:?}", a.step)))?;
    let decision = Verdict::parse(&a.decision)
        .ok_or_else(|| AppError::Internal(format!("claim approval decision {:?}", a.decision)))?;
    Ok(ApprovalView {
        step,
        decision,
        by: a.decided_by,
        by_name: a.decided_by.and_then(|id| names.get(&id).cloned()),
        at: timestamp(a.decided_at),
        at_stored: a.decided_at,
        note: a.note,
    })
}

/// The name of user `id`, for an answer built without reading the claim again.
pub fn name_of(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<Option<String>> {
    Ok(users::find(c, org_id, id)?.map(|u| u.name))
}

/// The steps `actor` holds, with the department they head for the department head's step.
pub fn steps_held(c: &mut DbConnection, actor: &Actor) -> AppResult<Vec<(Step, Option<i64>)>> {
    let mut held = Vec::new();
    if actor.has(Role::DepartmentHead) {
        if let Some((Some(d), _)) = rows::membership(c, actor.org_id, actor.user_id)? {
            held.push((Step::DepartmentHead, Some(d)));
        }
    }
    if actor.has(Role::Finance) {
        held.push((Step::Finance, None));
    }
    if actor.has(Role::Leader) {
        held.push((Step::Leader, None));
    }
    Ok(held)
}

/// The ids of the claims waiting for `actor`, oldest first (the steps they hold, a department
/// head's department only), at most `limit` of each step.
pub fn waiting_for(c: &mut DbConnection, actor: &Actor, limit: i64) -> AppResult<Vec<i64>> {
    let mut ids = Vec::new();
    for (step, department) in steps_held(c, actor)? {
        ids.extend(rows::waiting(
            c,
            actor.org_id,
            step.as_str(),
            department,
            limit,
        )?);
    }
    Ok(ids)
}
