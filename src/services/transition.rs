//! One step of a document that moves by decisions — a travel claim, a subsidy batch, a travel
//! request, a budget adjustment, and the approval steps still to come (R18) — written once:
//!
//! 1. [`find`] the document of the caller's organisation (404 otherwise);
//! 2. [`ask`] its status for the action: the status it leads to, or 409 `invalid_transition`;
//! 3. [`Asked::take`]: the conditional move (only if the document is still where it was read,
//!    decided by the database) with its audit event, or the refusal naming where it stands now
//!    ([`moved_on`]);
//! 4. the caller's ledger effect and answer, in the same transaction.
//!
//! The checks between 1 and 3 (four eyes, dates, what is due) stay in each use case, in the
//! order its refusals are documented. A new document adds a [`Document`] and a table, not a
//! new copy of the sequence.

use crate::auth::Actor;
use crate::db::audit::NewEvent;
use crate::db::DbConnection;
use crate::domain::budget::SourceType;
use crate::domain::status::{Action, InvalidTransition, Status};
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::services::{audit, ledger};

/// What a document's status is asked to do.
pub type ActionOf<D> = <<D as Document>::Status as Status>::Action;

/// A kind of document that moves from status to status by decisions.
pub trait Document {
    /// Its status, and through it the moves it allows.
    type Status: Status;
    /// Its row as read.
    type Row;
    /// What a move writes beside the status (who decided, a reason, a day paid, …).
    type Mark<'a>;
    /// Its name in the audit trail (`travel_claim`).
    const ENTITY: &'static str;
    /// Its name in a 404 (`travel claim`).
    const WHAT: &'static str;

    /// The row `id` of organisation `org_id`, if there is one.
    fn read(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<Option<Self::Row>>;

    /// The status of `row`.
    fn status(row: &Self::Row) -> Self::Status;

    /// `action` refused to `row` as it stands (by default, naming its status).
    fn refusal(row: &Self::Row, action: ActionOf<Self>) -> InvalidTransition {
        InvalidTransition::new(Self::status(row), action)
    }

    /// The status `action` leads `row` to, or the refusal.
    fn apply(row: &Self::Row, action: ActionOf<Self>) -> Result<Self::Status, InvalidTransition> {
        Self::status(row)
            .next(action)
            .ok_or_else(|| Self::refusal(row, action))
    }

    /// Moves row `id` `from` → `to`, writing `mark` and recording `event`, only if it is still
    /// in `from`; `false` (and nothing written) otherwise.
    fn mark(
        c: &mut DbConnection,
        id: i64,
        change: (Self::Status, Self::Status),
        mark: &Self::Mark<'_>,
        event: &NewEvent<'_>,
    ) -> AppResult<bool>;
}

/// A document that charges one budget line: what its approval commits, and its rejection or
/// payment releases or spends.
pub trait Charges: Document {
    /// Its name in the ledger's entries.
    const SOURCE: SourceType;

    /// The line `row` charges, and the amount.
    fn charge(row: &Self::Row) -> (i64, Money);
}

/// Moves the money of document `id` as read in `row`, by `actor`, as `posting` says.
pub fn post<D: Charges>(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    row: &D::Row,
    posting: ledger::Posting,
) -> AppResult<()> {
    let (line_id, amount) = D::charge(row);
    let source = ledger::Source {
        kind: D::SOURCE,
        id,
        actor: actor.user_id,
    };
    posting.post(c, actor.org_id, line_id, amount, source)
}

/// Document `id` of organisation `org_id`, or 404.
pub fn find<D: Document>(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<D::Row> {
    D::read(c, org_id, id)?.ok_or(AppError::NotFound(D::WHAT))
}

/// A conditional move found the document moved on meanwhile: the refusal names where it stands
/// now.
pub fn moved_on<D: Document>(
    c: &mut DbConnection,
    org_id: i64,
    id: i64,
    action: ActionOf<D>,
) -> AppError {
    match find::<D>(c, org_id, id) {
        Ok(row) => D::refusal(&row, action).into(),
        Err(e) => e,
    }
}

/// A move the document's status allows, as read: `action` takes it `from` → `to`.
pub struct Asked<D: Document> {
    pub id: i64,
    pub action: ActionOf<D>,
    pub from: D::Status,
    pub to: D::Status,
}

/// The move `action` asks of document `id` as read in `row`, or 409 `invalid_transition`.
pub fn ask<D: Document>(id: i64, row: &D::Row, action: ActionOf<D>) -> AppResult<Asked<D>> {
    Ok(Asked {
        id,
        action,
        from: D::status(row),
        to: D::apply(row, action)?,
    })
}

impl<D: Document> Asked<D> {
    /// Makes the move by `actor`, writing `mark`, with its audit event (`note` beside it), and
    /// answers the event; 409 naming where the document stands now if it had moved on.
    pub fn take<'a>(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        mark: &D::Mark<'_>,
        note: Option<&'a str>,
    ) -> AppResult<NewEvent<'a>> {
        match self.try_take(c, actor, mark, note)? {
            Some(event) => Ok(event),
            None => Err(moved_on::<D>(c, actor.org_id, self.id, self.action)),
        }
    }

    /// As [`Asked::take`], answering `None` (nothing written) if the document had moved on, for
    /// a use case that refuses that case in words of its own.
    pub fn try_take<'a>(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        mark: &D::Mark<'_>,
        note: Option<&'a str>,
    ) -> AppResult<Option<NewEvent<'a>>> {
        let at = super::clock::now(c, actor.org_id)?;
        let event = audit::event(
            actor,
            at,
            audit::Change {
                entity: D::ENTITY,
                id: self.id,
                action: self.action.as_str(),
                from: Some(self.from.as_str()),
                to: self.to.as_str(),
                note,
            },
        );
        let moved = D::mark(c, self.id, (self.from, self.to), mark, &event)?;
        Ok(moved.then_some(event))
    }
}
