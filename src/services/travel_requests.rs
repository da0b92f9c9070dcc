//! Travel requests and advances (R16): create with the estimate, approve (committing it), reject,
//! cancel (releasing it), pay the advance, and the advances still owed.
//!
//! Status moves: requested → approved or rejected; requested or approved → cancelled by the
//! requester while no claim names it. A claim naming an approved request takes over its
//! commitment when the claim is approved ([`hand_over`]); the advance is money the traveller owes
//! back, never spending of the line, so it posts nothing to the ledger.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::auth::Actor;
use crate::db::audit::NewEvent;
use crate::db::travel_requests::{
    self as rows, Marked, NewRequest, RequestRow, StoredEstimateLine,
};
use crate::db::{budget as lines, DbConnection, Pool};
use crate::domain::budget::SourceType;
use crate::domain::status::{ClaimStatus, InvalidTransition, RequestAction, RequestStatus, Status};
use crate::domain::travel::Overflow;
use crate::domain::travel_request::{estimate, settle, Estimate, Settlement};
use crate::domain::Money;
use crate::domain::PositiveMoney;
use crate::error::{AppError, AppResult};

use super::paging::Page;
use super::views::timestamp;
use super::views::travel_requests::{
    AdvanceView, EstimateBasis, EstimateLineView, OutstandingView, RequestView, SettlementView,
};
use super::views::HistoryView;
use super::Context;

use super::audit;
use super::ledger::{self, Source};
use super::permissions::{self, UseCase};
use super::transition::{self, find, Charges, Document};
use super::{answer, answer_asked, clock, conn, policy};

pub const ENTITY: &str = "travel_request";

/// A request's stated trip, amounts parsed by R1.
#[derive(Clone, Debug)]
pub struct RequestInput {
    pub budget_line_id: i64,
    pub purpose: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub travellers: i64,
    pub tickets_estimate: Money,
    pub advance_requested: Option<Money>,
}

/// An advance as paid: more than 0.00 (R1, R16).
#[derive(Clone, Copy, Debug)]
pub struct AdvanceInput {
    pub amount: PositiveMoney,
    pub paid_on: NaiveDate,
}

/// How many requests a queue page (出差审批, 借款) and a new claim's choice of requests show at
/// most, newest first: far more than wait at once in a county bureau.
const QUEUE_MAX: i64 = 200;

impl Charges for Request {
    const SOURCE: SourceType = SourceType::TravelRequest;

    fn charge(row: &RequestRow) -> (i64, Money) {
        (row.budget_line_id, Money::from_fen(row.estimate_fen))
    }
}

/// A travel request, as a [`Document`] that moves by decisions; a refusal names its state
/// ([`RequestRow::state`]), `claimed` once a live claim names it.
pub struct Request;

impl Document for Request {
    type Status = RequestStatus;
    type Row = RequestRow;
    type Mark<'a> = Marked<'a>;
    const ENTITY: &'static str = ENTITY;
    const WHAT: &'static str = "travel request";

    fn read(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<Option<RequestRow>> {
        Ok(rows::find(c, org_id, id)?)
    }

    fn status(row: &RequestRow) -> RequestStatus {
        row.status
    }

    fn refusal(row: &RequestRow, action: RequestAction) -> InvalidTransition {
        row.state().refusal(action)
    }

    fn mark(
        c: &mut DbConnection,
        id: i64,
        change: (RequestStatus, RequestStatus),
        mark: &Marked<'_>,
        event: &NewEvent<'_>,
    ) -> AppResult<bool> {
        Ok(rows::mark(c, id, change, mark, event)?)
    }
}

fn load(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<RequestView> {
    let row = find::<Request>(c, org_id, id)?;
    let history = audit::history(c, org_id, ENTITY, id)?;
    to_view(row, history)
}

fn to_view(row: RequestRow, history: Vec<HistoryView>) -> AppResult<RequestView> {
    let days = (row.return_date - row.departure_date).num_days() + 1;
    let trip = Trip {
        city: &row.destination,
        days,
        travellers: i64::from(row.travellers),
    };
    let estimate_lines = shown(
        serde_json::from_str(&row.estimate_lines)
            .map_err(|e| AppError::Internal(format!("stored estimate: {e}")))?,
        &trip,
    );
    Ok(RequestView {
        id: row.id,
        status: row.status,
        requester_id: row.requester_id,
        budget_line_id: row.budget_line_id,
        purpose: row.purpose,
        destination: row.destination,
        departure_date: row.departure_date,
        return_date: row.return_date,
        travellers: i64::from(row.travellers),
        days,
        nights: days - 1,
        tickets_estimate: Money::from_fen(row.tickets_estimate_fen),
        estimate: Money::from_fen(row.estimate_fen),
        estimate_lines,
        advance_requested: row.advance_requested_fen.map(Money::from_fen),
        advance: row.advance_fen.map(Money::from_fen),
        advance_paid_on: row.advance_paid_on,
        claimed: row.live_claims > 0,
        created_at: timestamp(row.created_at),
        decided_by: row.decided_by,
        decided_at: row.decided_at.map(timestamp),
        reject_reason: row.reject_reason,
        history,
    })
}

/// R16: the estimate and its explained lines, with the policy in force on the departure date.
fn compute(
    pool: &Pool,
    c: &mut DbConnection,
    org_id: i64,
    input: &RequestInput,
) -> AppResult<(i64, Estimate)> {
    let version = policy::in_force(pool, c, org_id, input.departure_date, "departure_date")?;
    let rates = version
        .policy
        .city(&input.destination)
        .ok_or_else(|| AppError::UnknownCity {
            field: "destination".into(),
            name: input.destination.clone(),
            known: version.policy.city_codes(),
            known_names: version.policy.city_names(),
        })?;
    let e = estimate(
        rates,
        input.departure_date,
        input.return_date,
        input.travellers,
        input.tickets_estimate,
    )
    .map_err(|Overflow| too_large())?;
    if e.total > Money::from_fen(crate::domain::money::MAX_INPUT_FEN) {
        return Err(too_large());
    }
    Ok((version.id, e))
}

fn too_large() -> AppError {
    AppError::field(
        "tickets_estimate",
        crate::domain::FieldProblem::TotalTooLarge {
            english:
                "the estimate would exceed 99999999.99, the largest amount the service handles (R1)",
        },
    )
}

/// `POST /api/v1/travel-requests/estimate` and the request form's live estimate: nothing stored.
pub fn quote(
    pool: &Pool,
    actor: &Actor,
    input: &RequestInput,
) -> AppResult<(Money, Vec<EstimateLineView>)> {
    permissions::check(actor, UseCase::EstimateTrip)?;
    let (_, e) = compute(pool, &mut *conn(pool)?, actor.org_id, input)?;
    // Shown as a request stores and shows them, so that the estimate on the form is the one kept.
    let trip = Trip {
        city: &e.city_name,
        days: e.days,
        travellers: input.travellers,
    };
    Ok((e.total, shown(kept(&e), &trip)))
}

/// The estimate's lines as a request keeps them.
fn kept(e: &Estimate) -> Vec<StoredEstimateLine> {
    e.lines
        .iter()
        .map(|l| StoredEstimateLine::new(l, &e.city_name, (e.days, e.nights)))
        .collect()
}

/// The trip a request's estimate was made for, from which a line kept by an earlier release
/// (without its city, rate and counts) is worded.
struct Trip<'a> {
    city: &'a str,
    days: i64,
    travellers: i64,
}

/// Estimate lines as the API and the pages show them: the API's rule text as it was kept, and
/// what the pages word the line from, read back or, for a line kept without it, worked out from
/// its item, its amount and the trip (a rate only where the amount divides exactly).
fn shown(lines: Vec<StoredEstimateLine>, trip: &Trip<'_>) -> Vec<EstimateLineView> {
    lines
        .into_iter()
        .map(|l| {
            let travellers = l.travellers.unwrap_or(match l.item.as_str() {
                "ticket" => 1,
                _ => trip.travellers,
            });
            let count = l.count.unwrap_or(match l.item.as_str() {
                "lodging" => trip.days - 1,
                "meal_allowance" | "transport_allowance" => trip.days,
                _ => 0,
            });
            let rate = match l.rate {
                Some(rate) => Some(Money::from_fen(rate.0)),
                None if l.item != "ticket" => count
                    .checked_mul(travellers)
                    .filter(|n| *n > 0 && l.amount.0 % n == 0)
                    .map(|n| Money::from_fen(l.amount.0 / n)),
                None => None,
            };
            EstimateLineView {
                basis: EstimateBasis {
                    city: l.city.unwrap_or_else(|| trip.city.to_string()),
                    rate,
                    count,
                    travellers,
                },
                item: l.item,
                amount: Money::from_fen(l.amount.0),
                rule: l.rule,
            }
        })
        .collect()
}

/// `POST /api/v1/travel-requests` (claimant): stores the request with its estimate.
pub fn create(
    pool: &Pool,
    actor: &Context,
    input: AppResult<RequestInput>,
) -> AppResult<RequestView> {
    permissions::check(actor, UseCase::RequestTrip)?;
    let input = input?;
    let mut c = conn(pool)?;
    if lines::find(&mut c, actor.org_id, input.budget_line_id)?.is_none() {
        return Err(AppError::UnknownBudgetLine(
            input.budget_line_id.to_string(),
        ));
    }
    let (policy_id, e) = compute(pool, &mut c, actor.org_id, &input)?;
    let total = e.total;
    if let Some(advance) = input.advance_requested {
        if advance > total {
            return Err(AppError::field(
                "advance_requested",
                crate::domain::FieldProblem::AboveEstimate { max: total },
            ));
        }
    }
    let stored = serde_json::to_string(&kept(&e)).map_err(|e| AppError::Internal(e.to_string()))?;
    let travellers = i32::try_from(input.travellers).map_err(|_| {
        AppError::field(
            "travellers",
            crate::domain::FieldProblem::OutOfRange {
                min: 1,
                max: crate::domain::travel_request::MAX_TRAVELLERS,
                english: "between 1 and 99",
            },
        )
    })?;
    drop(c); // the shared write transaction has a connection of its own
    answer(pool, actor, 201, |c| {
        let stamped = super::clock::now(c, actor.org_id)?;
        let id = rows::insert(
            c,
            &NewRequest {
                org_id: actor.org_id,
                requester_id: actor.user_id,
                budget_line_id: input.budget_line_id,
                status: RequestStatus::Requested.as_str(),
                purpose: &input.purpose,
                destination: &input.destination,
                departure_date: input.departure_date,
                return_date: input.return_date,
                travellers,
                policy_version_id: policy_id,
                tickets_estimate_fen: input.tickets_estimate.fen(),
                advance_requested_fen: input.advance_requested.map(Money::fen),
                estimate_fen: total.fen(),
                estimate_lines: &stored,
                created_at: stamped,
            },
        )?;
        let requested = RequestStatus::Requested.as_str();
        audit::status(c, actor, (ENTITY, id), "request", None, requested, None)?;
        load(c, actor.org_id, id)
    })
}

/// `GET /api/v1/travel-requests/{id}`: claimants see only their own requests; finance, budget
/// holders and admins see all.
pub fn get(pool: &Pool, actor: &Actor, id: i64) -> AppResult<RequestView> {
    permissions::check(actor, UseCase::ReadTrips)?;
    let mut c = conn(pool)?;
    let view = load(&mut c, actor.org_id, id)?;
    if !permissions::sees_all(actor) && view.requester_id != actor.user_id {
        return Err(AppError::NotFound("travel request"));
    }
    Ok(view)
}

/// Inside a use case of the requester's own (R17: a claim drafted from the request): the
/// caller's request `id`; 404 for one they may not see, 403 for another person's they may.
pub fn own(c: &mut DbConnection, actor: &Actor, id: i64) -> AppResult<RequestRow> {
    let row = find::<Request>(c, actor.org_id, id)?;
    if row.requester_id == actor.user_id {
        Ok(row)
    } else if permissions::sees_all(actor) {
        Err(AppError::Forbidden)
    } else {
        Err(AppError::NotFound("travel request"))
    }
}

/// `GET /api/v1/travel-requests?status=S`, newest first, paged (api.md "Lists").
pub fn list(
    pool: &Pool,
    actor: &Actor,
    status: Option<RequestStatus>,
    page: Page,
) -> AppResult<Vec<RequestView>> {
    permissions::check(actor, UseCase::ReadTrips)?;
    let mut c = conn(pool)?;
    let only = (!permissions::sees_all(actor)).then_some(actor.user_id);
    rows::list(&mut c, actor.org_id, status, only, page.after, page.fetch())?
        .into_iter()
        .map(|row| to_view(row, Vec::new()))
        .collect()
}

/// 出差审批: the requests waiting for a decision, with their requester's name, newest first.
pub fn to_decide(pool: &Pool, actor: &Actor) -> AppResult<Vec<(RequestView, String)>> {
    permissions::check(actor, UseCase::DecideTrip)?;
    named(pool, actor, RequestStatus::Requested)
}

/// 借款: the approved requests (finance pays their advances), with their requester's name,
/// newest first.
pub fn to_advance(pool: &Pool, actor: &Actor) -> AppResult<Vec<(RequestView, String)>> {
    permissions::check(actor, UseCase::PayAdvance)?;
    named(pool, actor, RequestStatus::Approved)
}

/// Requests of one status with their requester's name, newest first (the pages' queues).
fn named(
    pool: &Pool,
    actor: &Actor,
    status: RequestStatus,
) -> AppResult<Vec<(RequestView, String)>> {
    let mut c = conn(pool)?;
    let only = (!permissions::sees_all(actor)).then_some(actor.user_id);
    let rows = rows::list(&mut c, actor.org_id, Some(status), only, None, QUEUE_MAX)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let name = crate::db::users::find(&mut c, actor.org_id, row.requester_id)?
            .map(|u| u.name)
            .unwrap_or_default();
        out.push((to_view(row, Vec::new())?, name));
    }
    Ok(out)
}

/// The signed-in person's approved requests no live claim names yet: what a new claim may name.
pub fn open_for_claims(pool: &Pool, actor: &Actor) -> AppResult<Vec<RequestView>> {
    permissions::check(actor, UseCase::SubmitClaim)?;
    let mut c = conn(pool)?;
    rows::list(
        &mut c,
        actor.org_id,
        Some(RequestStatus::Approved),
        Some(actor.user_id),
        None,
        QUEUE_MAX,
    )?
    .into_iter()
    .filter(|r| r.live_claims == 0)
    .map(|row| to_view(row, Vec::new()))
    .collect()
}

fn source(actor: &Actor, id: i64) -> Source {
    Source {
        kind: SourceType::TravelRequest,
        id,
        actor: actor.user_id,
    }
}

/// `POST …/approve` (budget holder or finance, never the requester): commits the estimate to the
/// line (R11, R16), or 409 `insufficient_budget` with nothing changed.
pub fn approve(pool: &Pool, actor: &Context, id: i64) -> AppResult<RequestView> {
    permissions::check(actor, UseCase::DecideTrip)?;
    let mut c = conn(pool)?;
    let row = find::<Request>(&mut c, actor.org_id, id)?;
    if row.requester_id == actor.user_id {
        return Err(AppError::SelfApprovalForbidden);
    }
    let asked = transition::ask::<Request>(id, &row, RequestAction::Approve)?;
    let path = ledger::steps(pool, &mut c, actor.org_id, row.budget_line_id)?;
    drop(c); // the shared write transaction has a connection of its own
    answer(pool, actor, 200, |c| {
        asked.take(c, actor, &Marked::Decided { reason: None }, None)?;
        let amount = Money::from_fen(row.estimate_fen);
        ledger::commit_along(c, actor.org_id, &path, amount, source(actor, id))?;
        load(c, actor.org_id, id)
    })
}

/// `POST …/reject` (budget holder or finance, never the requester): nothing was committed yet.
/// `reason` is the reason given, or why it could not be read (reported after the role check).
pub fn reject(
    pool: &Pool,
    actor: &Context,
    id: i64,
    reason: AppResult<String>,
) -> AppResult<RequestView> {
    answer_asked(
        pool,
        actor,
        UseCase::DecideTrip,
        reason,
        200,
        |c, reason| {
            let row = find::<Request>(c, actor.org_id, id)?;
            if row.requester_id == actor.user_id {
                return Err(AppError::SelfApprovalForbidden);
            }
            let asked = transition::ask::<Request>(id, &row, RequestAction::Reject)?;
            let reason = Some(reason.trim());
            asked.take(c, actor, &Marked::Decided { reason }, reason)?;
            load(c, actor.org_id, id)
        },
    )
}

/// `POST …/cancel` (the requester, before a claim names it and before an advance is paid):
/// releases the commitment of an approved request.
pub fn cancel(pool: &Pool, actor: &Context, id: i64) -> AppResult<RequestView> {
    permissions::check(actor, UseCase::CancelTrip)?;
    answer(pool, actor, 200, |c| {
        let row = find::<Request>(c, actor.org_id, id)?;
        if row.requester_id != actor.user_id {
            return Err(AppError::NotFound("travel request"));
        }
        let asked = transition::ask::<Request>(id, &row, RequestAction::Cancel)?;
        // Not once an advance is paid, nor while a claim names it (the update's condition).
        if row.advance_fen.is_some()
            || asked
                .try_take(c, actor, &Marked::Cancelled, None)?
                .is_none()
        {
            return Err(row.state().refusal(RequestAction::Cancel).into());
        }
        if row.status == RequestStatus::Approved {
            transition::post::<Request>(c, actor, id, &row, ledger::Posting::Release)?;
        }
        load(c, actor.org_id, id)
    })
}

/// `POST …/pay-advance` (finance, not the requester): once, at most the estimate, on an approved
/// request no claim names yet; else 409 `invalid_transition`. Not spending of the line: nothing
/// is posted to the ledger.
pub fn pay_advance(
    pool: &Pool,
    actor: &Context,
    id: i64,
    advance: AppResult<AdvanceInput>,
    margin: clock::PaymentMargin,
) -> AppResult<RequestView> {
    permissions::check(actor, UseCase::PayAdvance)?;
    let advance = advance?;
    let (amount, paid_on) = (advance.amount.get(), advance.paid_on);
    answer(pool, actor, 200, |c| {
        let row = find::<Request>(c, actor.org_id, id)?;
        if row.requester_id == actor.user_id {
            return Err(AppError::SelfApprovalForbidden);
        }
        let approved = row.state().apply(RequestAction::PayAdvance)?;
        if row.advance_fen.is_some() || amount.fen() > row.estimate_fen {
            return Err(AppError::AdvanceRefused {
                estimate: row
                    .advance_fen
                    .is_none()
                    .then(|| Money::from_fen(row.estimate_fen)),
            });
        }
        clock::check_paid_on(c, actor.org_id, row.decided_at, paid_on, margin)?;
        let stamped = super::clock::now(c, actor.org_id)?;
        let paid = rows::AdvancePaid {
            fen: amount.fen(),
            on: paid_on,
            by: actor.user_id,
            at: stamped,
        };
        if !rows::pay_advance(c, (actor.org_id, id), row.status, &paid)? {
            return Err(transition::moved_on::<Request>(
                c,
                actor.org_id,
                id,
                RequestAction::PayAdvance,
            ));
        }
        audit::status(
            c,
            actor,
            (ENTITY, id),
            "pay_advance",
            Some(row.status.as_str()),
            approved.as_str(),
            Some(&format!("{amount} on {paid_on}")),
        )?;
        // R20: the advance's voucher (借 其他应收款 / 贷 零余额账户), in this transaction.
        let booking = booking_of_advance(c, actor.org_id, &row, amount, paid_on)?;
        super::vouchers::book(c, actor, &booking)?;
        load(c, actor.org_id, id)
    })
}

/// R20: the voucher of request `row`'s advance of `amount` paid on `paid_on`: 摘要 names the
/// requester and the trip; no files, no budget line (an advance is not yet an expense).
pub fn booking_of_advance(
    c: &mut DbConnection,
    org_id: i64,
    row: &RequestRow,
    amount: Money,
    paid_on: NaiveDate,
) -> AppResult<super::vouchers::Booking> {
    let name = super::vouchers::person(c, org_id, row.requester_id)?;
    Ok(super::vouchers::Booking {
        date: paid_on,
        event: crate::domain::voucher::Event::AdvancePaid { amount },
        summary: format!("{name} {} 借款", row.purpose),
        attachments: 0,
        source: (super::vouchers::SourceKind::Request, row.id),
        charged: None,
    })
}

/// Inside a claim's submission: the claim of `claimant` names request `id`. 404 for an id not
/// of this organisation; 409 `invalid_transition` unless it is an approved request of the
/// claimant that no live claim names (the unique index on live claims decides races).
pub fn name_by_claim(c: &mut DbConnection, org_id: i64, id: i64, claimant: i64) -> AppResult<()> {
    let row = find::<Request>(c, org_id, id)?;
    let action = RequestAction::NameInClaim;
    let allowed = row.state().apply(action).is_ok() && row.requester_id == claimant;
    if !allowed || !rows::name_by_claim(c, org_id, id, row.status, claimant)? {
        let mut refusal = row.state().refusal(action);
        if row.requester_id != claimant {
            refusal.from = "another person's";
        }
        return Err(refusal.into());
    }
    Ok(())
}

/// Inside a claim's rejection before approval: the request may be named again.
pub fn unname(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<()> {
    rows::unname(c, org_id, id)?;
    Ok(())
}

/// Inside a claim's approval, before the claim commits: releases the request's commitment, so
/// the freed room is usable by the claim (R16).
pub fn hand_over(c: &mut DbConnection, actor: &Actor, id: i64) -> AppResult<()> {
    let row = find::<Request>(c, actor.org_id, id)?;
    transition::post::<Request>(c, actor, id, &row, ledger::Posting::Release)
}

/// The advance paid on each of requests `ids` of the organisation (`None`: none paid), in one
/// query, for a page of claims.
pub fn advances(
    c: &mut DbConnection,
    org_id: i64,
    ids: &[i64],
) -> AppResult<HashMap<i64, Option<i64>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(rows::advances_of(c, org_id, ids)?.into_iter().collect())
}

/// R16: how a claim of `reimbursable` naming request `id` settles its advance, read from the
/// requests' [`advances`]; 404 when `id` is not among them.
pub fn settlement(
    advances: &HashMap<i64, Option<i64>>,
    id: i64,
    reimbursable: Money,
    returned_on: Option<NaiveDate>,
) -> AppResult<SettlementView> {
    let advance = advances.get(&id).ok_or(AppError::NotFound(Request::WHAT))?;
    let Settlement {
        advance,
        net_payable,
        to_return,
    } = settle(reimbursable, Money::from_fen(advance.unwrap_or(0)));
    Ok(SettlementView {
        advance,
        net_payable,
        to_return,
        advance_returned_on: returned_on,
    })
}

/// The advances still owed, each with its request, the live claim naming it and what is owed:
/// paid and no paid claim names the request, or the paid claim left something to return that is
/// not recorded as returned (R16).
fn owed(
    c: &mut DbConnection,
    org_id: i64,
) -> AppResult<Vec<(rows::RequestRow, Option<i64>, Money)>> {
    let requests = rows::with_advances(c, org_id)?;
    let ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
    let claims: BTreeMap<i64, rows::LiveClaim> = rows::live_claims_of(c, org_id, &ids)?
        .into_iter()
        .filter_map(|claim| Some((claim.travel_request_id?, claim)))
        .collect();
    let mut out = Vec::new();
    for r in requests {
        if r.status == RequestStatus::Cancelled {
            continue;
        }
        let advance = Money::from_fen(r.advance_fen.unwrap_or(0));
        let claim = claims.get(&r.id);
        let owed = match claim {
            Some(paid) if paid.status == ClaimStatus::Paid => {
                if paid.advance_returned_on.is_some() {
                    Money::ZERO
                } else {
                    settle(Money::from_fen(paid.reimbursable_fen), advance).to_return
                }
            }
            _ => advance,
        };
        if !owed.is_zero() {
            out.push((r, claim.map(|c| c.id), owed));
        }
    }
    Ok(out)
}

/// What travellers owe the organisation in all, for `verify` (R20: the 其他应收款 balance).
pub fn owed_in_all(c: &mut DbConnection, org_id: i64) -> AppResult<Money> {
    Money::checked_sum(owed(c, org_id)?.into_iter().map(|(_, _, m)| m))
        .ok_or_else(|| AppError::Internal("overflow".into()))
}

/// `GET /api/v1/advances/outstanding` (finance): per person, the advances not yet settled — paid
/// and no paid claim names the request, or the paid claim left something to return that is not
/// recorded as returned.
pub fn outstanding(pool: &Pool, actor: &Actor) -> AppResult<Vec<OutstandingView>> {
    permissions::check(actor, UseCase::OutstandingAdvances)?;
    let mut c = conn(pool)?;
    let mut people: BTreeMap<i64, Vec<AdvanceView>> = BTreeMap::new();
    for (r, claim, owed) in owed(&mut c, actor.org_id)? {
        people.entry(r.requester_id).or_default().push(AdvanceView {
            travel_request_id: r.id,
            purpose: r.purpose,
            advance: Money::from_fen(r.advance_fen.unwrap_or(0)),
            paid_on: r.advance_paid_on,
            travel_claim_id: claim,
            outstanding: owed,
        });
    }
    let mut out = Vec::with_capacity(people.len());
    for (user_id, advances) in people {
        let name = crate::db::users::find(&mut c, actor.org_id, user_id)?
            .map(|u| u.name)
            .unwrap_or_default();
        let outstanding = Money::checked_sum(advances.iter().map(|a| a.outstanding))
            .ok_or_else(|| AppError::Internal("overflow".into()))?;
        out.push(OutstandingView {
            user_id,
            name,
            outstanding,
            advances,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::claims::Fen;

    fn legacy(item: &str, fen: i64) -> StoredEstimateLine {
        StoredEstimateLine {
            item: item.into(),
            amount: Fen(fen),
            rule: "R4 住宿费: min(claimed, 3 nights × 400.00/night cap, beijing) × 2 travellers"
                .into(),
            city: None,
            rate: None,
            count: None,
            travellers: None,
        }
    }

    /// A line kept by an earlier release is worded from its item, its amount and the trip: the
    /// rate where the amount divides exactly, the city as the request names it.
    #[test]
    fn lines_kept_without_their_basis_are_worked_out_from_the_trip() {
        let trip = Trip {
            city: "北京",
            days: 4,
            travellers: 2,
        };
        let lines = vec![
            legacy("lodging", 240_000),
            legacy("meal_allowance", 80_001),
            legacy("ticket", 60_000),
        ];
        let bases: Vec<EstimateBasis> = shown(lines, &trip).into_iter().map(|l| l.basis).collect();
        let basis = |rate: Option<i64>, count, travellers| EstimateBasis {
            city: "北京".into(),
            rate: rate.map(Money::from_fen),
            count,
            travellers,
        };
        assert_eq!(
            bases,
            [
                basis(Some(40_000), 3, 2),
                basis(None, 4, 2),
                basis(None, 0, 1)
            ]
        );
    }

    /// A line kept now carries its basis, read back as written, and the API's rule unchanged.
    #[test]
    fn lines_kept_now_carry_their_basis() {
        let rates = crate::domain::policy::tests::policy_2021()
            .city("北京")
            .cloned()
            .unwrap_or_else(|| panic!("Beijing is in the 2021 policy"));
        let date = crate::domain::policy::tests::date;
        let e = estimate(
            &rates,
            date("2021-03-02"),
            date("2021-03-05"),
            2,
            Money::yuan(600),
        )
        .unwrap_or_else(|_| panic!("overflow"));
        let json = serde_json::to_string(&kept(&e)).unwrap();
        let read: Vec<StoredEstimateLine> = serde_json::from_str(&json).unwrap();
        let trip = Trip {
            city: "别处",
            days: 9,
            travellers: 9,
        };
        let shown = shown(read, &trip);
        assert_eq!(
            shown[0].rule,
            "R4 住宿费: min(claimed, 3 nights × 400.00/night cap, beijing) × 2 travellers"
        );
        let basis = |rate: i64, count| EstimateBasis {
            city: "北京".into(),
            rate: Some(Money::from_fen(rate)),
            count,
            travellers: 2,
        };
        assert_eq!(shown[0].basis, basis(40_000, 3));
        assert_eq!(shown[1].basis, basis(10_000, 4));
        assert_eq!(shown[2].basis, basis(8_000, 4));
        assert_eq!(shown[3].basis.travellers, 1);
        assert_eq!(shown[3].basis.rate, None);
    }
}
