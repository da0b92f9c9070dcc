//! Travel claims (R3–R8): quote, submit, approve, reject, pay, withdraw, read.
//!
//! Status moves: submitted → approved → paid; submitted or approved → rejected; submitted →
//! withdrawn by its claimant (R17). Approval commits the reimbursable amount against the claim's
//! line (R11); rejection releases it; payment turns it into spend; a withdrawal moves no money.
//! Every move is audited with who and when. Drafts, amendments and copies: [`super::lifecycle`].

use chrono::NaiveDate;

use crate::auth::Actor;
use std::borrow::Cow;
use std::collections::HashMap;

use super::paging::Page;
use super::views::travel_requests::SettlementView;
use super::views::{
    timestamp, BreakdownView, ClaimView, HistoryView, ItemView, RuleText, StayView,
};
use super::Context;
use crate::db::approvals as approval_rows;
use crate::db::audit::NewEvent;
use crate::db::claims::{self as rows, ClaimRow, Decided, Fen, NewClaim, StoredBreakdown};
use crate::db::invoices::{self as invoice_rows, NewClaimInvoice};
use crate::db::{budget as lines, DbConnection, Pool};
use crate::domain::budget::SourceType;
use crate::domain::capitals::in_words;
use crate::domain::invoice::Invoice;
use crate::domain::status::{
    ClaimAction, ClaimState, ClaimStatus, RequestAction, RequestState, RequestStatus, Status,
};
use crate::domain::travel::{Breakdown, Trip, TripInput};
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::metrics;

use super::approval::{self, ApprovalView};
use super::audit;
use super::ledger::{self, Source};
use super::permissions::{self, UseCase};
use super::transition::{self, find, Charges, Document};
use super::travel_requests;
use super::vouchers;
use super::{answer, answer_asked, answer_known, clock, conn, policy};
use crate::domain::approval::{Step, Verdict};
use crate::domain::voucher::Event;

const ENTITY: &str = "travel_claim";

/// A trip computed with the policy in force on its departure date (R2).
struct Computed {
    policy_version_id: i64,
    policy_version: i32,
    breakdown: Breakdown,
}

fn compute(
    pool: &Pool,
    c: &mut DbConnection,
    org_id: i64,
    input: TripInput,
) -> AppResult<Computed> {
    let version = policy::in_force(pool, c, org_id, input.departure_date, "departure_date")?;
    compute_with(&version, input)
}

fn compute_with(version: &policy::Version, input: TripInput) -> AppResult<Computed> {
    let trip = Trip::parse(input, &version.policy)?;
    let breakdown = trip.compute().map_err(|_| too_large("stays"))?;
    if let Some(field) = breakdown.over_limit() {
        return Err(too_large(field));
    }
    Ok(Computed {
        policy_version_id: version.id,
        policy_version: version.number,
        breakdown,
    })
}

/// R8: a claim whose sums would exceed the R1 limit.
fn too_large(field: &'static str) -> AppError {
    AppError::field(
        field,
        crate::domain::FieldProblem::TotalTooLarge {
            english: "the claim's total would exceed 99999999.99, the largest amount the service handles (R1)",
        },
    )
}

/// The stored breakdown as the API shows it.
fn view_of(stored: StoredBreakdown) -> BreakdownView {
    let m = |f: Fen| Money::from_fen(f.0);
    BreakdownView {
        policy_version: stored.policy_version,
        days: stored.days,
        stays: stored
            .stays
            .into_iter()
            .map(|s| StayView {
                city: s.city,
                nights: s.nights,
                cap_per_night: m(s.cap_per_night),
                cap_total: m(s.cap_total),
                lodging_claimed: m(s.lodging_claimed),
                lodging_allowed: m(s.lodging_allowed),
                self_borne: m(s.self_borne),
            })
            .collect(),
        meal_allowance: m(stored.meal_allowance),
        meal_deductions: m(stored.meal_deductions),
        transport_allowance: m(stored.transport_allowance),
        tickets: m(stored.tickets),
        reimbursable: m(stored.reimbursable),
        self_borne: m(stored.self_borne),
        forfeited: m(stored.forfeited),
        ineligible_reason: stored.ineligible_reason,
        lines: stored
            .lines
            .into_iter()
            .map(|l| ItemView {
                item: Cow::Owned(l.item),
                date: l.date,
                amount: m(l.amount),
                rule: RuleText::Text(l.rule),
                rate: l.rate.map(m),
            })
            .collect(),
    }
}

/// `POST /api/v1/travel-claims/quote`: the breakdown, nothing stored.
pub fn quote(pool: &Pool, actor: &Actor, input: TripInput) -> AppResult<BreakdownView> {
    permissions::check(actor, UseCase::QuoteClaim)?;
    quote_on(pool, &mut *conn(pool)?, actor, input)
}

/// `POST /api/v1/travel-claims/quote` without a connection, when this process read the policy in
/// force a moment ago ([`policy::in_force_recent`]); `None` when it must ask the database
/// ([`quote_on`]).
pub fn quote_recent(
    pool: &Pool,
    actor: &Actor,
    input: &TripInput,
) -> Option<AppResult<BreakdownView>> {
    if let Err(refused) = permissions::check(actor, UseCase::QuoteClaim) {
        return Some(Err(refused));
    }
    let version =
        policy::in_force_recent(pool, actor.org_id, input.departure_date, "departure_date")?;
    Some(
        version
            .and_then(|version| compute_with(&version, input.clone()))
            .map(|computed| BreakdownView::new(computed.policy_version, &computed.breakdown)),
    )
}

/// [`quote`] on a connection the caller holds.
pub fn quote_on(
    pool: &Pool,
    c: &mut DbConnection,
    actor: &Actor,
    input: TripInput,
) -> AppResult<BreakdownView> {
    permissions::check(actor, UseCase::QuoteClaim)?;
    let computed = compute(pool, c, actor.org_id, input)?;
    Ok(BreakdownView::new(
        computed.policy_version,
        &computed.breakdown,
    ))
}

/// A claim to submit, parsed from the API's `ClaimBody`: the line it is charged to, the trip
/// as stated (amounts by R1), the travel request it settles (R16) and its invoices, checked (R15).
pub struct NewClaimSpec {
    pub budget_line_id: i64,
    pub trip: TripInput,
    pub travel_request_id: Option<i64>,
    pub invoices: Vec<Invoice>,
}

/// R17: the draft a submission turns into a claim of the same id.
#[derive(Clone, Copy, Debug)]
pub struct FromDraft {
    pub id: i64,
    /// The claim it amends, if any.
    pub amends: Option<i64>,
    /// When it was last saved, as read: it is submitted only if it was not saved again since.
    pub saved_at: chrono::NaiveDateTime,
}

/// `POST /api/v1/travel-claims`: stores the claim with its breakdown and policy version, and
/// the body as the claimant `sent` it, and warns (without refusing) when the line cannot cover
/// it today. Each invoice it names (R15) becomes the claim's in the same transaction, or the
/// submission is 409 `duplicate_invoice` naming the live claim that holds it. `asked` is the
/// claim and its body as sent, or why they could not be read: reported after the role check.
///
/// `POST /api/v1/travel-claims/{id}/submit` (R17) is the same submission of a `draft`'s body:
/// the claim takes the draft's id, and the draft is deleted in the same transaction.
pub fn submit(
    pool: &Pool,
    actor: &Context,
    asked: AppResult<(NewClaimSpec, String)>,
    draft: Option<FromDraft>,
) -> AppResult<ClaimView> {
    permissions::check(actor, UseCase::SubmitClaim)?;
    let (claim, sent) = asked?;
    let sent = sent.as_str();
    let invoices = &claim.invoices[..];
    let submitted = submit_in(
        pool,
        actor,
        claim.budget_line_id,
        claim.trip,
        claim.travel_request_id,
        invoices,
        (sent, draft),
    );
    match submitted {
        // A concurrent submission took the invoice between our check and our insert: its
        // transaction has committed, so the holder can be read now.
        Err(AppError::DuplicateInvoice {
            claim_id: None,
            field,
        }) => {
            let invoice = invoices.iter().find(|i| i.field == field);
            let claim_id = match invoice {
                Some(i) => {
                    invoice_rows::holder(&mut *conn(pool)?, actor.org_id, &i.code, &i.number)?
                }
                None => None,
            };
            Err(AppError::DuplicateInvoice { claim_id, field })
        }
        other => other,
    }
}

fn submit_in(
    pool: &Pool,
    actor: &Context,
    budget_line_id: i64,
    input: TripInput,
    travel_request_id: Option<i64>,
    invoices: &[Invoice],
    (sent, draft): (&str, Option<FromDraft>),
) -> AppResult<ClaimView> {
    // Reads outside the shared write transaction, on a pooled connection given back before it:
    // a submission waiting for the transaction must not hold a connection readers need.
    let mut read = conn(pool)?;
    let c = &mut *read;
    if lines::find(c, actor.org_id, budget_line_id)?.is_none() {
        return Err(AppError::UnknownBudgetLine(budget_line_id.to_string()));
    }
    let (purpose, destination) = (
        input.purpose.trim().to_string(),
        input.destination.trim().to_string(),
    );
    let (departure_date, return_date) = (input.departure_date, input.return_date);
    // R19: a draft's attached invoice files are read again; its rows claim at most their totals.
    if let Some(draft) = draft {
        super::einvoices::recheck(c, actor.org_id, draft.id, &input, invoices)?;
    }
    // Policy versions are never changed once stored, so the claim is computed before the write.
    let Computed {
        policy_version_id,
        policy_version,
        breakdown,
    } = compute(pool, c, actor.org_id, input)?;
    let stored = serde_json::to_string(&StoredBreakdown::new(policy_version, &breakdown))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    drop(read);
    // A draft's submission answers 200 (the claim it became), a claim's 201 (a new one).
    let status = if draft.is_some() { 200 } else { 201 };
    // The answer is built inside the transaction: if it cannot be, no row is left behind.
    answer(pool, actor, status, |c| {
        let stamped = super::clock::now(c, actor.org_id)?;
        if let Some(draft) = draft {
            super::lifecycle::take_draft(c, actor, draft)?;
        }
        // R18: the chain in force now is the claim's, whatever the organisation sets later.
        let chain =
            approval::at_submission(c, actor.org_id, actor.user_id, breakdown.reimbursable)?;
        let id = crate::db::unique(rows::insert(
            c,
            &NewClaim {
                org_id: actor.org_id,
                id: draft.map(|d| d.id),
                claimant_id: actor.user_id,
                budget_line_id,
                status: ClaimStatus::Submitted.as_str(),
                purpose: &purpose,
                destination: &destination,
                departure_date,
                return_date,
                policy_version_id,
                request: sent,
                breakdown: &stored,
                reimbursable_fen: breakdown.reimbursable.fen(),
                self_borne_fen: breakdown.self_borne.fen(),
                submitted_at: stamped,
                travel_request_id,
                amends: draft.and_then(|d| d.amends),
                approval_steps: &chain.chain,
                leader_threshold_fen: chain.threshold_fen,
                department_id: chain.department_id,
                step: Some(chain.first.as_str()),
            },
        ))?
        // R16: another live claim names the request, or R17: another claim amends the same one;
        // a unique index decided.
        .map_err(
            |_| match (travel_request_id, draft.and_then(|d| d.amends)) {
                (None, Some(_)) => super::lifecycle::already_amended(),
                _ => AppError::from(
                    RequestState {
                        status: RequestStatus::Approved,
                        claimed: true,
                    }
                    .refusal(RequestAction::NameInClaim),
                ),
            },
        )?;
        if let Some(request) = travel_request_id {
            travel_requests::name_by_claim(c, actor.org_id, request, actor.user_id)?;
        }
        hold_invoices(c, actor.org_id, id, invoices)?;
        approval::record_skipped(c, actor.org_id, id, stamped, &chain.skipped)?;
        let submitted = ClaimStatus::Submitted.as_str();
        let from = draft.map(|_| ClaimStatus::Draft.as_str());
        audit::status(c, actor, (ENTITY, id), "submit", from, submitted, None)?;
        let warning = ledger::warning(c, actor.org_id, budget_line_id, breakdown.reimbursable)?;
        let mut view = load(c, actor.org_id, id)?;
        view.budget_warning = warning;
        Ok(view)
    })
}

/// R15: makes the invoices the claim's. The table's key decides: another live claim holding one
/// is 409 `duplicate_invoice` (its holder read here when visible, else after the rollback).
fn hold_invoices(
    c: &mut DbConnection,
    org_id: i64,
    claim_id: i64,
    invoices: &[Invoice],
) -> AppResult<()> {
    for i in invoices {
        if let Some(holder) = invoice_rows::holder(c, org_id, &i.code, &i.number)? {
            return Err(AppError::DuplicateInvoice {
                claim_id: Some(holder),
                field: i.field.clone(),
            });
        }
        let row = NewClaimInvoice {
            org_id,
            invoice_code: &i.code,
            invoice_no: &i.number,
            claim_id,
            field: &i.field,
        };
        crate::db::unique(invoice_rows::insert(c, &row))?.map_err(|_| {
            AppError::DuplicateInvoice {
                claim_id: None,
                field: i.field.clone(),
            }
        })?;
    }
    Ok(())
}

impl Charges for Claim {
    const SOURCE: SourceType = SourceType::TravelClaim;

    fn charge(row: &ClaimRow) -> (i64, Money) {
        (row.budget_line_id, Money::from_fen(row.reimbursable_fen))
    }
}

/// A travel claim, as a [`Document`] that moves by finance's decisions.
pub struct Claim;

impl Document for Claim {
    type Status = ClaimStatus;
    type Row = ClaimRow;
    type Mark<'a> = Decided<'a>;
    const ENTITY: &'static str = ENTITY;
    const WHAT: &'static str = "travel claim";

    fn read(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<Option<ClaimRow>> {
        Ok(rows::find(c, org_id, id)?)
    }

    fn status(row: &ClaimRow) -> ClaimStatus {
        row.status
    }

    fn mark(
        c: &mut DbConnection,
        id: i64,
        change: (ClaimStatus, ClaimStatus),
        mark: &Decided<'_>,
        event: &NewEvent<'_>,
    ) -> AppResult<bool> {
        Ok(rows::mark(c, id, change, mark, event)?)
    }
}

fn load(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<ClaimView> {
    let row = find::<Claim>(c, org_id, id)?;
    let history = audit::history(c, org_id, ENTITY, id)?;
    to_view(c, org_id, row, history)
}

/// R18: the steps decided on claim `id`, in order.
fn approvals_of(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<Vec<ApprovalView>> {
    Ok(approval::of_claims(c, org_id, &[id])?
        .remove(&id)
        .unwrap_or_default())
}

fn to_view(
    c: &mut DbConnection,
    org_id: i64,
    row: ClaimRow,
    history: Vec<HistoryView>,
) -> AppResult<ClaimView> {
    let settlement = settlement_of(c, org_id, &row)?;
    let files = super::attachments::counts(c, org_id, &[row.id])?;
    let count = files.get(&row.id).copied().unwrap_or(0);
    let approvals = approvals_of(c, org_id, row.id)?;
    view(row, history, settlement, count, approvals)
}

/// R16: how the claim settles the advance of the travel request it names, if it names one.
fn settlement_of(
    c: &mut DbConnection,
    org_id: i64,
    row: &ClaimRow,
) -> AppResult<Option<SettlementView>> {
    let requests: Vec<i64> = row.travel_request_id.into_iter().collect();
    settlement_in(&travel_requests::advances(c, org_id, &requests)?, row)
}

/// [`settlement_of`] from the advances of the requests that a page of claims names.
fn settlement_in(
    advances: &HashMap<i64, Option<i64>>,
    row: &ClaimRow,
) -> AppResult<Option<SettlementView>> {
    row.travel_request_id
        .map(|request| {
            let reimbursable = Money::from_fen(row.reimbursable_fen);
            travel_requests::settlement(advances, request, reimbursable, row.advance_returned_on)
        })
        .transpose()
}

fn view(
    row: ClaimRow,
    history: Vec<HistoryView>,
    settlement: Option<SettlementView>,
    attachment_count: i64,
    approvals: Vec<ApprovalView>,
) -> AppResult<ClaimView> {
    let breakdown = view_of(
        serde_json::from_str(&row.breakdown)
            .map_err(|e| AppError::Internal(format!("stored breakdown: {e}")))?,
    );
    let step = match row.step.as_deref() {
        Some(text) => Some(
            Step::parse(text)
                .ok_or_else(|| AppError::Internal(format!("claim {} step {text:?}", row.id)))?,
        ),
        None => None,
    };
    Ok(ClaimView {
        id: row.id,
        status: row.status,
        claimant_id: row.claimant_id,
        budget_line_id: row.budget_line_id,
        purpose: row.purpose,
        destination: row.destination,
        departure_date: row.departure_date,
        return_date: row.return_date,
        reimbursable_in_words: in_words(breakdown.reimbursable),
        breakdown,
        budget_warning: None,
        submitted_at: timestamp(row.submitted_at),
        decided_by: row.decided_by,
        decided_at: row.decided_at.map(timestamp),
        reject_reason: row.reject_reason,
        paid_on: row.paid_on,
        travel_request_id: row.travel_request_id,
        settlement,
        amends: row.amends,
        amended_by: None,
        attachment_count,
        chain: crate::domain::approval::Chain::parse_stored(&row.approval_steps)
            .map_err(|e| AppError::Internal(format!("claim {} chain: {e}", row.id)))?
            .steps()
            .to_vec(),
        step,
        approvals,
        history,
    })
}

/// Whose claims `actor` reads ([`permissions::claims_seen`]), a department head's department
/// as it is now.
pub fn seen_by(c: &mut DbConnection, actor: &Actor) -> AppResult<permissions::Whose> {
    let department = if actor.has(crate::auth::Role::DepartmentHead) {
        approval_rows::membership(c, actor.org_id, actor.user_id)?.and_then(|(dept, _)| dept)
    } else {
        None
    };
    Ok(permissions::claims_seen(actor, department))
}

/// Whether `actor` reads claim `row` ([`seen_by`]).
pub fn may_read(c: &mut DbConnection, actor: &Actor, row: &ClaimRow) -> AppResult<bool> {
    Ok(seen_by(c, actor)?.covers(row.claimant_id, row.department_id))
}

/// `GET /api/v1/travel-claims/{id}`: a claim its reader may see ([`seen_by`]), 404 otherwise. A
/// claim shows the draft or claim that amends it (R17), a draft only to its claimant.
pub fn get(pool: &Pool, actor: &Actor, id: i64) -> AppResult<ClaimView> {
    permissions::check(actor, UseCase::ReadClaims)?;
    let mut c = conn(pool)?;
    let row = find::<Claim>(&mut c, actor.org_id, id)?;
    if !may_read(&mut c, actor, &row)? {
        return Err(AppError::NotFound("travel claim"));
    }
    let history = audit::history(&mut c, actor.org_id, ENTITY, id)?;
    let mut view = to_view(&mut c, actor.org_id, row, history)?;
    view.amended_by = crate::db::drafts::amended_by(&mut c, actor.org_id, id, actor.user_id)?;
    Ok(view)
}

/// The caller's own claim `id`: 404 for a claim they may not see, 403 for another person's
/// claim they may see ([`seen_by`]), as a claimant's own actions on it (R17) are refused to them.
pub fn own(c: &mut DbConnection, actor: &Actor, id: i64) -> AppResult<Option<ClaimRow>> {
    match rows::find(c, actor.org_id, id)? {
        Some(row) if row.claimant_id == actor.user_id => Ok(Some(row)),
        Some(row) if may_read(c, actor, &row)? => Err(AppError::Forbidden),
        Some(_) => Err(AppError::NotFound("travel claim")),
        None => Ok(None),
    }
}

/// `POST /api/v1/travel-claims/{id}/withdraw` (its claimant, before any decision, R17): the claim
/// is `withdrawn`, its invoices are freed (R15) and its travel request may be named again (R16);
/// no money moves. A decision that came first wins: 409 `invalid_transition`.
pub fn withdraw(pool: &Pool, actor: &Context, id: i64) -> AppResult<ClaimView> {
    permissions::check(actor, UseCase::ReviseClaim)?;
    answer(pool, actor, 200, |c| {
        let row = own(c, actor, id)?.ok_or(AppError::NotFound("travel claim"))?;
        let asked = transition::ask::<Claim>(id, &row, ClaimAction::Withdraw)?;
        // R18: once a step has decided (decided_by written), it is too late.
        if row.decided_by.is_some() {
            return Err(Claim::refusal(&row, ClaimAction::Withdraw).into());
        }
        // Conditional on the status read and on no decision yet: a step's decision at the same
        // moment, in any process, moves the claim first or finds it withdrawn.
        asked.take(c, actor, &Decided::Withdrawn, None)?;
        if let Some(request) = row.travel_request_id {
            travel_requests::unname(c, actor.org_id, request)?;
        }
        invoice_rows::release(c, actor.org_id, id)?;
        load(c, actor.org_id, id)
    })
}

/// Whether the caller may open claim `id`: the rule of [`get`] (the claimant, finance, budget
/// holders and admins of its organisation), answered without saying anything else about it.
pub fn visible(pool: &Pool, actor: &Actor, id: i64) -> AppResult<bool> {
    match get(pool, actor, id) {
        Ok(_) => Ok(true),
        Err(AppError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `GET /api/v1/travel-claims?status=S`, newest first: the page's claims after its cursor, and
/// one more when more remain (api.md "Lists").
pub fn list(
    pool: &Pool,
    actor: &Actor,
    status: Option<ClaimStatus>,
    page: Page,
) -> AppResult<Vec<ClaimView>> {
    permissions::check(actor, UseCase::ReadClaims)?;
    let mut c = conn(pool)?;
    let whose = seen_by(&mut c, actor)?;
    let found = rows::list(
        &mut c,
        actor.org_id,
        status,
        whose,
        page.after,
        page.fetch(),
    )?;
    views_of(&mut c, actor, found)
}

/// `GET /api/v1/travel-claims?awaiting=me` (R18): the claims waiting at a step the caller holds
/// (a department head's, of their department only), oldest first, their own claims left out
/// (they may not decide them). Paged by the cursor `after` in that order.
pub fn awaiting(pool: &Pool, actor: &Actor, page: Page) -> AppResult<Vec<ClaimView>> {
    permissions::check(actor, UseCase::ReadClaims)?;
    let mut c = conn(pool)?;
    let ids = approval::waiting_for(&mut c, actor, super::paging::UNPAGED_MAX)?;
    let mut found: Vec<ClaimRow> = rows::by_ids(&mut c, actor.org_id, &ids)?
        .into_iter()
        .filter(|row| row.claimant_id != actor.user_id)
        .collect();
    found.sort_by_key(|row| (row.submitted_at, row.id));
    let found = page.cut(found, |row| row.id)?;
    views_of(&mut c, actor, found)
}

/// A page of claims as views: the advances of every request the page names, its files counted
/// and its steps, in one query each rather than one per claim.
fn views_of(
    c: &mut DbConnection,
    actor: &Actor,
    found: Vec<ClaimRow>,
) -> AppResult<Vec<ClaimView>> {
    let requests: Vec<i64> = found.iter().filter_map(|r| r.travel_request_id).collect();
    let advances = travel_requests::advances(c, actor.org_id, &requests)?;
    let ids: Vec<i64> = found.iter().map(|row| row.id).collect();
    let files = super::attachments::counts(c, actor.org_id, &ids)?;
    let mut approvals = approval::of_claims(c, actor.org_id, &ids)?;
    found
        .into_iter()
        .map(|row| {
            let settlement = settlement_in(&advances, &row)?;
            let count = files.get(&row.id).copied().unwrap_or(0);
            let steps = approvals.remove(&row.id).unwrap_or_default();
            view(row, Vec::new(), settlement, count, steps)
        })
        .collect()
}

/// Four eyes: nobody approves, rejects or pays their own claim.
fn not_own(row: &ClaimRow, actor: &Actor) -> AppResult<()> {
    if row.claimant_id == actor.user_id {
        Err(AppError::SelfApprovalForbidden)
    } else {
        Ok(())
    }
}

/// `POST /api/v1/travel-claims/{id}/approve`: the step waiting now approves (R18). Finance's
/// step commits the reimbursable amount (R11), or is 409 `insufficient_budget` with nothing
/// changed; the other steps move no money. The claim is `approved` once its last step has.
/// Nobody decides their own claim (403 `self_approval_forbidden`) or two steps of one claim
/// (403 `step_already_decided_by_you`); a caller who does not hold the step is 403 `forbidden`.
pub fn approve(pool: &Pool, actor: &Context, id: i64) -> AppResult<ClaimView> {
    permissions::check(actor, UseCase::ApproveClaim)?;
    let mut c = conn(pool)?;
    // Reads that need no lock: the claim as it stands, its history, and its line's path up the
    // tree (lines are never moved). The write lock then covers only the writes, each one
    // conditional.
    let row = find::<Claim>(&mut c, actor.org_id, id)?;
    not_own(&row, actor)?;
    let asked = transition::ask::<Claim>(id, &row, ClaimAction::Approve)?;
    let step = approval::pending(&row)
        .ok_or_else(|| AppError::from(Claim::refusal(&row, ClaimAction::Approve)))?;
    approval::holds(&mut c, actor, &row, step)?;
    approval::not_decided_before(&mut c, actor, id)?;
    let (chain, facts) = approval::claim_chain(&row)?;
    let advance = crate::domain::approval::advance(&chain, Some(step), &facts);
    let next = advance.next;
    let asked = transition::Asked::<Claim> {
        to: if next.is_some() {
            ClaimStatus::Submitted
        } else {
            asked.to
        },
        ..asked
    };
    let path = if step.commits_money() {
        ledger::steps(pool, &mut c, actor.org_id, row.budget_line_id)?
    } else {
        Vec::new().into()
    };
    // A claim's history grows only by its moves, and the approval is refused if the claim has
    // moved since this read: the answer's history is this one and the approval's own event.
    let history = audit::history(&mut c, actor.org_id, ENTITY, id)?;
    let approvals = approvals_of(&mut c, actor.org_id, id)?;
    let my_name = approval::name_of(&mut c, actor.org_id, actor.user_id)?;
    // No advance is paid on a request once a live claim names it (db::travel_requests::
    // pay_advance), so the settlement read now is the one after the approval too.
    let settlement = settlement_of(&mut c, actor.org_id, &row)?;
    // R17: read with the history, as the history is: a file the claimant adds between this read
    // and the decision is counted by every later read of the claim, not by this answer. None is
    // added after it (the change waits for the claim's row, then finds it decided).
    let files = super::attachments::counts(&mut c, actor.org_id, &[id])?;
    let attachment_count = files.get(&id).copied().unwrap_or(0);
    let amount = Money::from_fen(row.reimbursable_fen);
    let source = Source {
        kind: SourceType::TravelClaim,
        id,
        actor: actor.user_id,
    };
    drop(c); // the shared write transaction has a connection of its own

    // The claim as the approval left it, its event and its steps, from the run that committed
    // (the write may run more than once, on PostgreSQL).
    let decided = std::cell::RefCell::new(None);
    let write = |c: &mut DbConnection| {
        let mark = Decided::Approved {
            from: step.as_str(),
            to: next.map(Step::as_str),
        };
        // Conditional on the status and the step read: another decision of this step, in any
        // process, moves the claim first and this one is 409.
        let event = asked.take(c, actor, &mark, Some(step.chinese()))?;
        let decision = approval::Decision {
            step,
            decision: Verdict::Approved,
            by: Some(actor.user_id),
            note: None,
        };
        let mut mine = approval::record(c, actor.org_id, id, event.at, &decision)?;
        mine.by_name.clone_from(&my_name);
        let mut steps = approvals.clone();
        steps.push(mine);
        steps.extend(approval::record_skipped(
            c,
            actor.org_id,
            id,
            event.at,
            &advance.skipped,
        )?);
        *decided.borrow_mut() = Some((
            row.clone()
                .approved(asked.to, next.map(Step::as_str), &event),
            audit::shown(&event),
            steps,
        ));
        if !step.commits_money() {
            return Ok(());
        }
        // R16: the request's commitment is released first, so the room it frees is usable.
        if let Some(request) = row.travel_request_id {
            travel_requests::hand_over(c, actor, request)?;
        }
        ledger::commit_along(c, actor.org_id, &path, amount, source)
    };
    let answered = answer_known(pool, actor, 200, write, || {
        let (row, approval, steps) = decided
            .borrow()
            .clone()
            .ok_or_else(|| AppError::Internal("an approval without its decision".into()))?;
        let mut history = history.clone();
        history.push(approval);
        view(row, history, settlement.clone(), attachment_count, steps)
    })?;
    metrics::record_approval(ENTITY);
    Ok(answered)
}

/// `POST /api/v1/travel-claims/{id}/reject`: the step waiting now rejects the submitted claim
/// (R18), or finance an approved one; releases any commitment (finance's step made it) in the
/// same transaction. `reason` is the reason given, or why it could not be read (reported after
/// the role check).
pub fn reject(
    pool: &Pool,
    actor: &Context,
    id: i64,
    reason: AppResult<String>,
) -> AppResult<ClaimView> {
    answer_asked(
        pool,
        actor,
        UseCase::RejectClaim,
        reason,
        200,
        |c, reason| {
            let row = find::<Claim>(c, actor.org_id, id)?;
            not_own(&row, actor)?;
            let asked = transition::ask::<Claim>(id, &row, ClaimAction::Reject)?;
            // The step deciding: the one waiting on a submitted claim; finance, for a claim
            // every step has approved.
            let step = match row.status {
                ClaimStatus::Submitted => Some(
                    approval::pending(&row)
                        .ok_or_else(|| AppError::from(Claim::refusal(&row, ClaimAction::Reject)))?,
                ),
                _ => None,
            };
            approval::holds(c, actor, &row, step.unwrap_or(Step::Finance))?;
            if step.is_some() {
                approval::not_decided_before(c, actor, id)?;
            }
            // Money is committed once finance has approved: for an approved claim, or one
            // waiting at a step after finance's.
            let committed = match step {
                Some(pending) => crate::domain::approval::committed_while_waiting(pending),
                None => true,
            };
            // The status moves first, conditionally (and on the step read): a concurrent
            // payment, approval or rejection of the same claim loses here with 409, before any
            // money moves.
            let reason = reason.trim();
            let mark = Decided::Rejected {
                reason,
                at: step.map(Step::as_str),
            };
            // The audit trail names the step when the chain has more than finance's.
            let note = match step {
                Some(step) if row.approval_steps != Step::Finance.as_str() => {
                    format!("{}：{reason}", step.chinese())
                }
                _ => reason.to_string(),
            };
            let event = asked.take(c, actor, &mark, Some(&note))?;
            if let Some(step) = step {
                let decision = approval::Decision {
                    step,
                    decision: Verdict::Rejected,
                    by: Some(actor.user_id),
                    note: Some(reason),
                };
                approval::record(c, actor.org_id, id, event.at, &decision)?;
            }
            // A claim rejected before finance approved leaves its request free for another
            // claim; once approved, the request's commitment was handed to the claim, and the
            // request stays used.
            if let (Some(request), false) = (row.travel_request_id, committed) {
                travel_requests::unname(c, actor.org_id, request)?;
            }
            invoice_rows::release(c, actor.org_id, id)?;
            if committed {
                transition::post::<Claim>(c, actor, id, &row, ledger::Posting::Release)?;
            }
            load(c, actor.org_id, id)
        },
    )
}

/// `POST /api/v1/travel-claims/{id}/pay`: the commitment becomes spend.
pub fn pay(
    pool: &Pool,
    actor: &Context,
    id: i64,
    paid_on: AppResult<NaiveDate>,
    margin: clock::PaymentMargin,
) -> AppResult<ClaimView> {
    answer_asked(
        pool,
        actor,
        UseCase::PayClaim,
        paid_on,
        200,
        |c, &paid_on| {
            let row = find::<Claim>(c, actor.org_id, id)?;
            not_own(&row, actor)?;
            let asked = transition::ask::<Claim>(id, &row, ClaimAction::Pay)?;
            clock::check_paid_on(c, actor.org_id, row.decided_at, paid_on, margin)?;
            let day = paid_on.to_string();
            asked.take(c, actor, &Decided::Paid { on: paid_on }, Some(&day))?;
            transition::post::<Claim>(c, actor, id, &row, ledger::Posting::Spend)?;
            // R20: its voucher, in this transaction.
            let booking = booking_of_payment(c, actor.org_id, &row, paid_on)?;
            vouchers::book(c, actor, &booking)?;
            load(c, actor.org_id, id)
        },
    )
}

/// R20: the voucher of claim `row` paid on `paid_on`: its reimbursable amount, settling the
/// advance of the request it names (as that advance stands when this is called).
pub fn booking_of_payment(
    c: &mut DbConnection,
    org_id: i64,
    row: &ClaimRow,
    paid_on: NaiveDate,
) -> AppResult<vouchers::Booking> {
    let advance = settlement_of(c, org_id, row)?.map(|s| s.advance);
    let event = Event::ClaimPaid {
        reimbursable: Money::from_fen(row.reimbursable_fen),
        advance: advance.unwrap_or(Money::ZERO),
    };
    booking(c, org_id, row, paid_on, event, "差旅费")
}

/// R20: the voucher of what paid claim `row` left its traveller owing (R16), returned on
/// `returned_on`; no files and no budget line (the expense was booked when the claim was paid).
pub fn booking_of_return(
    c: &mut DbConnection,
    org_id: i64,
    row: &ClaimRow,
    returned_on: NaiveDate,
) -> AppResult<vouchers::Booking> {
    let to_return = settlement_of(c, org_id, row)?.map_or(Money::ZERO, |s| s.to_return);
    let event = Event::AdvanceReturned { amount: to_return };
    let mut booking = booking(c, org_id, row, returned_on, event, "归还借款")?;
    booking.attachments = 0;
    booking.charged = None;
    Ok(booking)
}

/// R20: the voucher of claim `row`'s money moving on `date`: 摘要 names the claimant, the trip's
/// purpose and `what`; 附单据 are its files; the expense is the claim's line's, 差旅费.
fn booking(
    c: &mut DbConnection,
    org_id: i64,
    row: &ClaimRow,
    date: NaiveDate,
    event: Event,
    what: &str,
) -> AppResult<vouchers::Booking> {
    let name = vouchers::person(c, org_id, row.claimant_id)?;
    let files = super::attachments::counts(c, org_id, &[row.id])?;
    Ok(vouchers::Booking {
        date,
        event,
        summary: format!("{name} {} {what}", row.purpose),
        attachments: files.get(&row.id).copied().unwrap_or(0),
        source: (vouchers::SourceKind::Claim, row.id),
        charged: Some((row.budget_line_id, vouchers::TRAVEL_CLASS)),
    })
}

/// `POST /api/v1/travel-claims/{id}/advance-returned` (finance): records that the traveller
/// returned what the paid claim left them owing (R16); 409 `invalid_transition` when there is
/// nothing to return or it is already recorded.
pub fn advance_returned(
    pool: &Pool,
    actor: &Context,
    id: i64,
    returned_on: AppResult<NaiveDate>,
) -> AppResult<ClaimView> {
    answer_asked(
        pool,
        actor,
        UseCase::RecordAdvanceReturned,
        returned_on,
        200,
        |c, &returned_on| {
            let view = load(c, actor.org_id, id)?;
            let action = ClaimAction::RecordAdvanceReturned;
            // R16: something is owed, and its return is not recorded yet.
            let owed = view
                .settlement
                .as_ref()
                .is_some_and(|s| !s.to_return.is_zero() && s.advance_returned_on.is_none());
            let state = ClaimState {
                status: view.status,
                owed,
            };
            let to = state.apply(action)?;
            if view.paid_on.is_some_and(|paid| returned_on < paid) {
                return Err(AppError::field(
                    "returned_on",
                    crate::domain::FieldProblem::ReturnedBeforePaid,
                ));
            }
            if !rows::mark_advance_returned(
                c,
                actor.org_id,
                id,
                view.status,
                actor.user_id,
                returned_on,
            )? {
                return Err(transition::moved_on::<Claim>(c, actor.org_id, id, action));
            }
            audit::status(
                c,
                actor,
                (ENTITY, id),
                "advance_returned",
                Some(view.status.as_str()),
                to.as_str(),
                Some(&returned_on.to_string()),
            )?;
            // R20: the return's voucher, in this transaction.
            let row = find::<Claim>(c, actor.org_id, id)?;
            let booking = booking_of_return(c, actor.org_id, &row, returned_on)?;
            vouchers::book(c, actor, &booking)?;
            load(c, actor.org_id, id)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::tests::{date, policy_2021};
    use crate::domain::travel::{StayInput, Ticket};

    /// A breakdown stored and read back answers exactly as it did when computed, including
    /// amounts beyond the client-input limit (a stored claim is always readable).
    #[test]
    fn a_stored_breakdown_reads_back_as_computed() {
        let policy = policy_2021();
        let input = TripInput {
            purpose: "赴省汇报".into(),
            destination: "石家庄".into(),
            departure_date: date("2021-05-10"),
            return_date: date("2021-05-12"),
            stays: vec![StayInput {
                city: "石家庄".into(),
                check_in: date("2021-05-10"),
                check_out: date("2021-05-12"),
                lodging_amount: Money::yuan(680),
                invoice: true,
            }],
            tickets: vec![Ticket {
                description: "平乡—石家庄".into(),
                amount: Money::from_fen(6550),
            }],
            meals_provided: vec![],
            vehicle_provided_dates: vec![],
        };
        let trip = Trip::parse(input, &policy).unwrap();
        let breakdown = trip.compute().expect("overflow");
        let computed = BreakdownView::new(1, &breakdown);
        let record = StoredBreakdown::new(1, &breakdown);
        let stored = serde_json::to_string(&record).unwrap_or_default();
        let read: StoredBreakdown = serde_json::from_str(&stored).unwrap();
        assert_eq!(
            serde_json::to_value(view_of(read)).ok(),
            serde_json::to_value(&computed).ok()
        );
        let mut big = record;
        big.reimbursable = Fen(19_999_999_998);
        let text = serde_json::to_string(&big).unwrap_or_default();
        let back: StoredBreakdown = serde_json::from_str(&text).unwrap();
        assert_eq!(view_of(back).reimbursable, Money::from_fen(19_999_999_998));
    }
}
