//! R14 budget adjustments (预算调整): a budget holder or admin requests a supplement, reduction
//! or transfer; finance, not the requester, approves it (the balances change, with signed
//! `adjust` ledger entries, in the approval's transaction) or rejects it (nothing changes).

use super::paging::Page;
use super::views::{timestamp, AdjustmentView, LineView};
use super::Context;
use crate::auth::Actor;
use crate::db::adjustments::{self as rows, AdjustmentRow, Filter, NewAdjustment};
use crate::db::audit::NewEvent;
use crate::db::budget::{self as lines, LineRow};
use crate::db::{DbConnection, Pool};
use crate::domain::budget::{affected, AdjustmentKind, SourceType};
use crate::domain::status::{AdjustmentAction, AdjustmentStatus, Status};
use crate::domain::{Money, PositiveMoney};
use crate::error::{AppError, AppResult};
use crate::services::paging::UNPAGED_MAX;

use super::permissions::{self, UseCase};
use super::transition::{self, find, Document};
use super::{answer, audit, budget, conn, ledger};

const ENTITY: &str = "budget_adjustment";

/// A checked request, parsed from the API's `AdjustmentBody`: its kind known and its amount
/// more than 0.00 (R1, R14).
pub struct Request {
    pub kind: AdjustmentKind,
    pub line_id: i64,
    pub from_line_id: Option<i64>,
    pub amount: PositiveMoney,
    pub reason: String,
    pub document_no: Option<String>,
}

pub fn view(row: AdjustmentRow) -> AdjustmentView {
    AdjustmentView {
        id: row.id,
        status: row.status,
        kind: row.kind,
        year: row.year,
        line_id: row.line_id,
        from_line_id: row.from_line_id,
        amount: Money::from_fen(row.amount_fen),
        reason: row.reason,
        document_no: row.document_no,
        requested_by: row.requested_by,
        requested_at: timestamp(row.requested_at),
        decided_by: row.decided_by,
        decided_at: row.decided_at.map(timestamp),
        reject_reason: row.reject_reason,
    }
}

/// A budget adjustment, as a [`Document`] that moves by finance's decision; a move writes the
/// reason of a rejection.
pub struct Adjustment;

impl Document for Adjustment {
    type Status = AdjustmentStatus;
    type Row = AdjustmentRow;
    type Mark<'a> = Option<&'a str>;
    const ENTITY: &'static str = ENTITY;
    const WHAT: &'static str = "budget adjustment";

    fn read(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<Option<AdjustmentRow>> {
        Ok(rows::find(c, org_id, id)?)
    }

    fn status(row: &AdjustmentRow) -> AdjustmentStatus {
        row.status
    }

    fn mark(
        c: &mut DbConnection,
        id: i64,
        change: (AdjustmentStatus, AdjustmentStatus),
        reason: &Option<&str>,
        event: &NewEvent<'_>,
    ) -> AppResult<bool> {
        Ok(rows::decide(c, id, change, *reason, event)?)
    }
}

fn line(c: &mut DbConnection, org_id: i64, id: i64, field: &str) -> AppResult<LineRow> {
    lines::find(c, org_id, id)?.ok_or_else(|| {
        AppError::field(
            field,
            crate::domain::FieldProblem::Unknown {
                english: format!("no budget line {id}"),
            },
        )
    })
}

/// `POST /api/v1/budget-adjustments` (budget_holder, admin): records the request; no balance
/// changes until finance approves it.
pub fn request(pool: &Pool, actor: &Context, req: AppResult<Request>) -> AppResult<AdjustmentView> {
    permissions::check(actor, UseCase::RequestAdjustment)?;
    let req = req?;
    let kind = req.kind;
    answer(pool, actor, 201, |c| {
        let to = line(c, actor.org_id, req.line_id, "line_id")?;
        let from_line_id = match (kind, req.from_line_id) {
            (AdjustmentKind::Transfer, None) => {
                return Err(AppError::field(
                    "from_line_id",
                    crate::domain::FieldProblem::TransferNeedsSource,
                ))
            }
            (AdjustmentKind::Transfer, Some(from)) => {
                let from = line(c, actor.org_id, from, "from_line_id")?;
                if from.id == to.id {
                    return Err(AppError::field(
                        "from_line_id",
                        crate::domain::FieldProblem::TransferSameLine,
                    ));
                }
                if from.year != to.year {
                    return Err(AppError::field(
                        "from_line_id",
                        crate::domain::FieldProblem::TransferAcrossYears,
                    ));
                }
                Some(from.id)
            }
            (_, Some(_)) => {
                return Err(AppError::field(
                    "from_line_id",
                    crate::domain::FieldProblem::SourceWithoutTransfer,
                ))
            }
            (_, None) => None,
        };
        let stamped = super::clock::now(c, actor.org_id)?;
        let id = rows::insert(
            c,
            &NewAdjustment {
                org_id: actor.org_id,
                year: to.year,
                kind: kind.as_str(),
                line_id: to.id,
                from_line_id,
                amount_fen: req.amount.get().fen(),
                reason: req.reason.trim(),
                document_no: req
                    .document_no
                    .as_deref()
                    .map(str::trim)
                    .filter(|d| !d.is_empty()),
                status: AdjustmentStatus::Requested.as_str(),
                requested_by: actor.user_id,
                requested_at: stamped,
            },
        )?;
        let requested = AdjustmentStatus::Requested.as_str();
        audit::status(c, actor, (ENTITY, id), "request", None, requested, None)?;
        Ok(view(find::<Adjustment>(c, actor.org_id, id)?))
    })
}

/// `POST /api/v1/budget-adjustments/{id}/approve` (finance, not the requester): changes every
/// affected line in this one transaction, or nothing (409 `insufficient_budget`).
pub fn approve(pool: &Pool, actor: &Context, id: i64) -> AppResult<AdjustmentView> {
    permissions::check(actor, UseCase::ApproveAdjustment)?;
    answer(pool, actor, 200, |c| {
        let row = find::<Adjustment>(c, actor.org_id, id)?;
        let asked = transition::ask::<Adjustment>(id, &row, AdjustmentAction::Approve)?;
        if row.requested_by == actor.user_id {
            return Err(AppError::SelfApprovalForbidden);
        }
        asked.take(c, actor, &None, None)?;
        let kind = AdjustmentKind::parse(&row.kind)
            .ok_or_else(|| AppError::Internal(format!("adjustment kind {}", row.kind)))?;
        let to = ledger::path(c, actor.org_id, row.line_id)?;
        let from = match row.from_line_id {
            Some(from) => ledger::path(c, actor.org_id, from)?,
            None => Vec::new(),
        };
        let ids = |path: &[LineRow]| path.iter().map(|l| l.id).collect::<Vec<_>>();
        let (lose, gain) = affected(kind, &ids(&to), &ids(&from));
        let rows_of = |wanted: &[i64]| -> Vec<LineRow> {
            to.iter()
                .chain(from.iter())
                .filter(|l| wanted.contains(&l.id))
                .fold(Vec::new(), |mut out: Vec<LineRow>, l| {
                    if !out.iter().any(|o| o.id == l.id) {
                        out.push(l.clone());
                    }
                    out
                })
        };
        ledger::adjust(
            c,
            actor.org_id,
            &rows_of(&lose),
            &rows_of(&gain),
            Money::from_fen(row.amount_fen),
            ledger::Source {
                kind: SourceType::BudgetAdjustment,
                id,
                actor: actor.user_id,
            },
        )?;
        Ok(view(find::<Adjustment>(c, actor.org_id, id)?))
    })
}

/// `POST /api/v1/budget-adjustments/{id}/reject` (finance, not the requester, as for approval):
/// no balance changes. `reason` is the reason given, or why it could not be read (reported after
/// the role check).
pub fn reject(
    pool: &Pool,
    actor: &Context,
    id: i64,
    reason: AppResult<String>,
) -> AppResult<AdjustmentView> {
    permissions::check(actor, UseCase::RejectAdjustment)?;
    let reason = reason?;
    answer(pool, actor, 200, |c| {
        let row = find::<Adjustment>(c, actor.org_id, id)?;
        let reason = reason.trim();
        let asked = transition::ask::<Adjustment>(id, &row, AdjustmentAction::Reject)?;
        if row.requested_by == actor.user_id {
            return Err(AppError::SelfApprovalForbidden);
        }
        asked.take(c, actor, &Some(reason), Some(reason))?;
        Ok(view(find::<Adjustment>(c, actor.org_id, id)?))
    })
}

/// `GET /api/v1/budget-adjustments/{id}`.
pub fn get(pool: &Pool, actor: &Actor, id: i64) -> AppResult<AdjustmentView> {
    permissions::check(actor, UseCase::ReadAdjustments)?;
    Ok(view(find::<Adjustment>(
        &mut *conn(pool)?,
        actor.org_id,
        id,
    )?))
}

/// `GET /api/v1/budget-adjustments?year=Y`, newest first: the page after its cursor, and one more
/// when more remain.
pub fn list(
    pool: &Pool,
    actor: &Actor,
    filter: Filter,
    page: Page,
) -> AppResult<Vec<AdjustmentView>> {
    permissions::check(actor, UseCase::ReadAdjustments)?;
    Ok(rows::list(
        &mut *conn(pool)?,
        actor.org_id,
        filter,
        page.after,
        page.fetch(),
    )?
    .into_iter()
    .map(view)
    .collect())
}

/// 预算调整 for one year: the caller's own requests (when they may request) and those waiting for
/// a decision (when they decide), newest first.
pub struct Board {
    pub mine: Vec<AdjustmentView>,
    pub queue: Vec<AdjustmentView>,
}

/// The [`Board`] of `year`.
pub fn board(pool: &Pool, actor: &Actor, year: i32) -> AppResult<Board> {
    permissions::check(actor, UseCase::ReadAdjustments)?;
    let all = Page {
        limit: UNPAGED_MAX,
        after: None,
    };
    let mine = if may_request(actor) {
        let filter = Filter {
            year: Some(year),
            requested_by: Some(actor.user_id),
            ..Filter::default()
        };
        list(pool, actor, filter, all)?
    } else {
        Vec::new()
    };
    let queue = if may_decide(actor) {
        let filter = Filter {
            year: Some(year),
            status: Some(AdjustmentStatus::Requested),
            ..Filter::default()
        };
        list(pool, actor, filter, all)?
    } else {
        Vec::new()
    };
    Ok(Board { mine, queue })
}

/// One line's allocation before and after adjustments, and every adjustment that changed it or
/// was asked for it (newest first) — the line page's adjustment history.
pub struct LineAdjustments {
    pub line: LineView,
    pub adjustments: Vec<AdjustmentView>,
}

/// [`LineAdjustments`] for the line `line_id` of the caller's organisation.
pub fn for_line(pool: &Pool, actor: &Actor, line_id: i64) -> AppResult<LineAdjustments> {
    permissions::check(actor, UseCase::ReadAdjustments)?;
    let line = budget::get(pool, actor, line_id)?.line;
    let filter = Filter {
        line_id: Some(line_id),
        ..Filter::default()
    };
    let adjustments = rows::list(&mut *conn(pool)?, actor.org_id, filter, None, UNPAGED_MAX)?
        .into_iter()
        .map(view)
        .collect();
    Ok(LineAdjustments { line, adjustments })
}

/// Whether the caller may request adjustments (R14: budget holders and admins).
pub fn may_request(actor: &Actor) -> bool {
    permissions::allows(actor, UseCase::RequestAdjustment)
}

/// Whether the caller decides adjustments (R14: finance).
pub fn may_decide(actor: &Actor) -> bool {
    permissions::allows(actor, UseCase::ApproveAdjustment)
}
