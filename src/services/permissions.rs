//! Who may do what: every use case a door (the API or the pages) can start, with the roles it
//! admits, in one table. Each service function calls [`check`] with its own use case first, so
//! the API and the pages cannot give different answers; the doors only ask [`allows`] to decide
//! which menu entries and buttons to offer.
//!
//! The roles are those of api.md; where the pages once disagreed with the API, the API's
//! documented roles won.

use crate::auth::{Actor, Role};
pub use crate::db::claims::Whose;
use crate::error::{AppError, AppResult};

/// The roles that see every document of their organisation (claims, travel requests), not only
/// their own, and read the budget's figures, reports and subsidy batches: finance, budget holders
/// and admins.
pub const SEES_ALL: &[Role] = &[Role::Admin, Role::Finance, Role::BudgetHolder];

/// Who a use case admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admits {
    /// Every signed-in user or token of the organisation, whatever their roles (api.md "any
    /// role"); what they then see may still depend on the role ([`sees_all`]).
    Anyone,
    /// Only a holder of one of these roles.
    Roles(&'static [Role]),
}

/// A use case, as named by api.md (and web.md for the pages' own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UseCase {
    // Travel claims (R3–R8, R16).
    QuoteClaim,
    SubmitClaim,
    ReadClaims,
    /// 我的报销: the caller's own claims.
    MyClaims,
    /// 待审核 and 待支付.
    ClaimQueue,
    /// R18: 部门审核 and 单位负责人审批, the queues of the steps around finance's.
    StepQueue,
    ApproveClaim,
    RejectClaim,
    PayClaim,
    RecordAdvanceReturned,
    /// R17: a claimant's own drafts, withdrawals, amendments and copies.
    ReviseClaim,
    /// R17: add or remove a claim's files (its claimant, while allowed).
    ChangeAttachments,
    // Retired-cadre subsidy (R9).
    AddRecipient,
    ListRecipients,
    ChangeEnrollment,
    MakeBatch,
    ReadBatches,
    RegenerateBatch,
    ApproveBatch,
    PayBatch,
    VoidBatch,
    PaymentFile,
    // Budget lines, the ledger and the dashboard (R10, R11).
    ReadLines,
    CreateLine,
    BudgetOverview,
    Forecast,
    // Station duty (R10).
    ReadDuty,
    CreateStation,
    AddAssignment,
    CreateEvent,
    // Reports (R11, R12).
    ExecutionReport,
    Performance,
    ReadTargets,
    SetTargets,
    Journal,
    // Budget adjustments (R14).
    RequestAdjustment,
    ReadAdjustments,
    ApproveAdjustment,
    RejectAdjustment,
    // Travel requests and advances (R16).
    EstimateTrip,
    RequestTrip,
    ReadTrips,
    CancelTrip,
    DecideTrip,
    PayAdvance,
    OutstandingAdvances,
    // The travel policy (R2), the audit trail and the users.
    ReadPolicy,
    PublishPolicy,
    AuditTrail,
    ManageUsers,
    // E-invoices and the organisation's 统一社会信用代码 (R19).
    ReadInvoice,
    SetOrganisation,
    // Vouchers and the account map (R20).
    ReadVouchers,
    ReadAccountMap,
    SetAccountMap,
}

use Role::{Admin, BudgetHolder, Claimant, DepartmentHead, Finance, Leader};

impl UseCase {
    /// Every use case, for the tests that walk the table.
    pub const ALL: &'static [UseCase] = &[
        UseCase::QuoteClaim,
        UseCase::SubmitClaim,
        UseCase::ReadClaims,
        UseCase::MyClaims,
        UseCase::ClaimQueue,
        UseCase::StepQueue,
        UseCase::ApproveClaim,
        UseCase::RejectClaim,
        UseCase::PayClaim,
        UseCase::RecordAdvanceReturned,
        UseCase::ReviseClaim,
        UseCase::ChangeAttachments,
        UseCase::AddRecipient,
        UseCase::ListRecipients,
        UseCase::ChangeEnrollment,
        UseCase::MakeBatch,
        UseCase::ReadBatches,
        UseCase::RegenerateBatch,
        UseCase::ApproveBatch,
        UseCase::PayBatch,
        UseCase::VoidBatch,
        UseCase::PaymentFile,
        UseCase::ReadLines,
        UseCase::CreateLine,
        UseCase::BudgetOverview,
        UseCase::Forecast,
        UseCase::ReadDuty,
        UseCase::CreateStation,
        UseCase::AddAssignment,
        UseCase::CreateEvent,
        UseCase::ExecutionReport,
        UseCase::Performance,
        UseCase::ReadTargets,
        UseCase::SetTargets,
        UseCase::Journal,
        UseCase::RequestAdjustment,
        UseCase::ReadAdjustments,
        UseCase::ApproveAdjustment,
        UseCase::RejectAdjustment,
        UseCase::EstimateTrip,
        UseCase::RequestTrip,
        UseCase::ReadTrips,
        UseCase::CancelTrip,
        UseCase::DecideTrip,
        UseCase::PayAdvance,
        UseCase::OutstandingAdvances,
        UseCase::ReadPolicy,
        UseCase::PublishPolicy,
        UseCase::AuditTrail,
        UseCase::ManageUsers,
        UseCase::ReadInvoice,
        UseCase::SetOrganisation,
        UseCase::ReadVouchers,
        UseCase::ReadAccountMap,
        UseCase::SetAccountMap,
    ];

    /// The table: who each use case admits (api.md's role in parentheses after each endpoint).
    pub fn admits(self) -> Admits {
        use UseCase::*;
        match self {
            // What a claim, a request or a document shows depends on `sees_all`; a claimant's
            // own are theirs, and the requester alone may cancel (checked by the use case).
            QuoteClaim | ReadClaims | ReadLines | ReadDuty | EstimateTrip | ReadTrips
            | CancelTrip | ReadPolicy => Admits::Anyone,
            SubmitClaim | MyClaims | ReviseClaim | RequestTrip | ChangeAttachments
            | ReadInvoice => Admits::Roles(&[Claimant]),
            ApproveClaim | RejectClaim => Admits::Roles(&[Finance, DepartmentHead, Leader]),
            StepQueue => Admits::Roles(&[DepartmentHead, Leader]),
            ClaimQueue
            | PayClaim
            | RecordAdvanceReturned
            | MakeBatch
            | RegenerateBatch
            | ApproveBatch
            | PayBatch
            | VoidBatch
            | ApproveAdjustment
            | RejectAdjustment
            | PayAdvance
            | OutstandingAdvances => Admits::Roles(&[Finance]),
            AddRecipient | ChangeEnrollment | PaymentFile => Admits::Roles(&[Finance, Admin]),
            ListRecipients | ReadBatches | BudgetOverview | Forecast | ExecutionReport
            | Performance | ReadTargets | Journal | ReadAdjustments | ReadVouchers
            | ReadAccountMap => Admits::Roles(SEES_ALL),
            CreateStation | AddAssignment | CreateEvent | RequestAdjustment => {
                Admits::Roles(&[Admin, BudgetHolder])
            }
            DecideTrip => Admits::Roles(&[BudgetHolder, Finance]),
            AuditTrail => Admits::Roles(&[Admin, Finance]),
            CreateLine | SetTargets | PublishPolicy | ManageUsers | SetOrganisation
            | SetAccountMap => Admits::Roles(&[Admin]),
        }
    }
}

/// Whether `actor` may start `use_case`.
pub fn allows(actor: &Actor, use_case: UseCase) -> bool {
    match use_case.admits() {
        Admits::Anyone => true,
        Admits::Roles(roles) => roles.iter().any(|r| actor.has(*r)),
    }
}

/// 403 `forbidden` unless `actor` may start `use_case`: the first call of every use case.
pub fn check(actor: &Actor, use_case: UseCase) -> AppResult<()> {
    if allows(actor, use_case) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether the pages offer `actor` the subsidy payment file, which carries whole identity numbers
/// and accounts: to finance only, who pay the batch. The API admits admins too (api.md), and the
/// page's address answers as the API does, but no page links an admin or a budget holder to it.
pub fn offers_payment_file(actor: &Actor) -> bool {
    allows(actor, UseCase::PaymentFile) && actor.has(Finance)
}

/// Whose claims `actor` reads, `department` being the actor's own: every claim of the
/// organisation for [`sees_all`] and the leader (单位负责人, whose step may come to any claim);
/// a department head's own and those submitted from the department they head (R18: "a
/// department head sees only their department's"), whatever step those wait at or passed;
/// anyone else's own.
pub fn claims_seen(actor: &Actor, department: Option<i64>) -> Whose {
    match department {
        _ if sees_all(actor) || actor.has(Role::Leader) => Whose::All,
        Some(dept) if actor.has(Role::DepartmentHead) => {
            Whose::ClaimantOrDepartment(actor.user_id, dept)
        }
        _ => Whose::Claimant(actor.user_id),
    }
}

/// Whether `actor` sees every claim and travel request of the organisation ([`SEES_ALL`]), or
/// only their own.
pub fn sees_all(actor: &Actor) -> bool {
    SEES_ALL.iter().any(|r| actor.has(*r))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn actor(roles: &[Role]) -> Actor {
        Actor {
            org_id: 1,
            user_id: 1,
            roles: roles.to_vec(),
        }
    }

    fn admitted(use_case: UseCase) -> Vec<&'static str> {
        [Admin, Claimant, Finance, BudgetHolder]
            .into_iter()
            .filter(|r| allows(&actor(&[*r]), use_case))
            .map(Role::as_str)
            .collect()
    }

    /// The table as api.md states it, one row per use case; a change of who may do what shows
    /// here first.
    #[test]
    fn each_use_case_admits_the_roles_of_the_contract() {
        let (all, readers) = (
            vec!["admin", "claimant", "finance", "budget_holder"],
            vec!["admin", "finance", "budget_holder"],
        );
        let table: Vec<(UseCase, Vec<&str>)> = vec![
            (UseCase::QuoteClaim, all.clone()),
            (UseCase::SubmitClaim, vec!["claimant"]),
            (UseCase::ReadClaims, all.clone()),
            (UseCase::MyClaims, vec!["claimant"]),
            (UseCase::ClaimQueue, vec!["finance"]),
            (UseCase::StepQueue, vec![]),
            (UseCase::ApproveClaim, vec!["finance"]),
            (UseCase::RejectClaim, vec!["finance"]),
            (UseCase::PayClaim, vec!["finance"]),
            (UseCase::RecordAdvanceReturned, vec!["finance"]),
            (UseCase::ReviseClaim, vec!["claimant"]),
            (UseCase::ChangeAttachments, vec!["claimant"]),
            (UseCase::AddRecipient, vec!["admin", "finance"]),
            (UseCase::ListRecipients, readers.clone()),
            (UseCase::ChangeEnrollment, vec!["admin", "finance"]),
            (UseCase::MakeBatch, vec!["finance"]),
            (UseCase::ReadBatches, readers.clone()),
            (UseCase::RegenerateBatch, vec!["finance"]),
            (UseCase::ApproveBatch, vec!["finance"]),
            (UseCase::PayBatch, vec!["finance"]),
            (UseCase::VoidBatch, vec!["finance"]),
            (UseCase::PaymentFile, vec!["admin", "finance"]),
            (UseCase::ReadLines, all.clone()),
            (UseCase::CreateLine, vec!["admin"]),
            (UseCase::BudgetOverview, readers.clone()),
            (UseCase::Forecast, readers.clone()),
            (UseCase::ReadDuty, all.clone()),
            (UseCase::CreateStation, vec!["admin", "budget_holder"]),
            (UseCase::AddAssignment, vec!["admin", "budget_holder"]),
            (UseCase::CreateEvent, vec!["admin", "budget_holder"]),
            (UseCase::ExecutionReport, readers.clone()),
            (UseCase::Performance, readers.clone()),
            (UseCase::ReadTargets, readers.clone()),
            (UseCase::SetTargets, vec!["admin"]),
            (UseCase::Journal, readers.clone()),
            (UseCase::RequestAdjustment, vec!["admin", "budget_holder"]),
            (UseCase::ReadAdjustments, readers.clone()),
            (UseCase::ApproveAdjustment, vec!["finance"]),
            (UseCase::RejectAdjustment, vec!["finance"]),
            (UseCase::EstimateTrip, all.clone()),
            (UseCase::RequestTrip, vec!["claimant"]),
            (UseCase::ReadTrips, all.clone()),
            (UseCase::CancelTrip, all.clone()),
            (UseCase::DecideTrip, vec!["finance", "budget_holder"]),
            (UseCase::PayAdvance, vec!["finance"]),
            (UseCase::OutstandingAdvances, vec!["finance"]),
            (UseCase::ReadPolicy, all.clone()),
            (UseCase::PublishPolicy, vec!["admin"]),
            (UseCase::AuditTrail, vec!["admin", "finance"]),
            (UseCase::ManageUsers, vec!["admin"]),
            (UseCase::ReadInvoice, vec!["claimant"]),
            (UseCase::SetOrganisation, vec!["admin"]),
            (UseCase::ReadVouchers, readers.clone()),
            (UseCase::ReadAccountMap, readers.clone()),
            (UseCase::SetAccountMap, vec!["admin"]),
        ];
        let listed: HashSet<UseCase> = table.iter().map(|(u, _)| *u).collect();
        let every: HashSet<UseCase> = UseCase::ALL.iter().copied().collect();
        assert_eq!(listed, every, "every use case is in the table once");
        assert_eq!(table.len(), UseCase::ALL.len());
        for (use_case, roles) in table {
            assert_eq!(admitted(use_case), roles, "{use_case:?}");
        }
    }

    /// "Sees everything" is one set: the readers' use cases admit exactly it, and `sees_all`
    /// answers by it.
    #[test]
    fn the_set_that_sees_everything_is_defined_once() {
        for use_case in [
            UseCase::ReadBatches,
            UseCase::BudgetOverview,
            UseCase::ExecutionReport,
            UseCase::ReadAdjustments,
        ] {
            assert_eq!(use_case.admits(), Admits::Roles(SEES_ALL), "{use_case:?}");
        }
        for role in [Admin, Claimant, Finance, BudgetHolder] {
            assert_eq!(sees_all(&actor(&[role])), role != Claimant, "{role:?}");
        }
        assert!(sees_all(&actor(&[Claimant, Finance])));
        assert!(!sees_all(&actor(&[])));
    }

    /// A refusal is the API's 403 `forbidden`; a user with several roles gets the union.
    #[test]
    fn a_refusal_is_forbidden_and_roles_add_up() {
        assert!(matches!(
            check(&actor(&[Claimant]), UseCase::ApproveClaim),
            Err(AppError::Forbidden)
        ));
        let both = actor(&[Claimant, Finance]);
        assert!(check(&both, UseCase::ApproveClaim).is_ok());
        assert!(check(&both, UseCase::SubmitClaim).is_ok());
        assert!(check(&actor(&[]), UseCase::ReadPolicy).is_ok());
        assert!(check(&actor(&[]), UseCase::ReadBatches).is_err());
    }
}
