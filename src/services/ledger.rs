//! The ledger's building blocks (R11, R14), run inside the caller's write transaction: the path
//! from a line up to the root, and the moves of money every approval, rejection and payment
//! makes (commit, release, spend, adjust), each posting one ledger entry.
//!
//! A commitment walks from the line up to the root, each step a conditional
//! `UPDATE … WHERE available >= amount` (on PostgreSQL, the whole walk and its ledger entry in one
//! statement: [`crate::db::budget::commit_path`]). If any step finds too little, the error rolls
//! the whole transaction back: nothing changes. Lines are always locked leaf first, so two
//! transactions never wait on each other in a cycle.

use std::collections::HashMap;
use std::sync::Arc;

pub use crate::db::budget::Step;
use crate::db::budget::{self as rows, LineRow, NewEntry};
use crate::db::{DbConnection, Pool};
use crate::domain::budget::{binding_line, Balance, EntryKind, Insufficient, SourceType};
use crate::domain::Money;
use crate::error::{AppError, AppResult};

/// A line's stored balance.
pub fn balance(row: &LineRow) -> Balance {
    Balance {
        allocated: Money::from_fen(row.allocated_fen),
        committed: Money::from_fen(row.committed_fen),
        spent: Money::from_fen(row.spent_fen),
    }
}

/// `allocated − committed − spent` of the line as read; 500 when its figures leave the range of
/// money, never a plausible figure in their place.
pub fn available(row: &LineRow) -> AppResult<Money> {
    balance(row)
        .available()
        .map_err(|_| AppError::out_of_range(format!("budget line {}", row.code)))
}

/// The line and its ancestors, leaf first.
pub fn path(c: &mut DbConnection, org_id: i64, line_id: i64) -> AppResult<Vec<LineRow>> {
    let leaf = rows::find(c, org_id, line_id)?.ok_or(AppError::NotFound("budget line"))?;
    if leaf.parent_id.is_none() {
        return Ok(vec![leaf]);
    }
    // A line's ancestors are in its year: one query for the year instead of one per level.
    let year: HashMap<i64, LineRow> = rows::by_year(c, org_id, leaf.year)?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let mut next = leaf.parent_id;
    let mut path = vec![leaf];
    while let Some(id) = next {
        let row = year
            .get(&id)
            .cloned()
            .ok_or(AppError::NotFound("budget line"))?;
        next = row.parent_id;
        path.push(row);
        if path.len() > 64 {
            return Err(AppError::Internal("budget tree deeper than 64".into()));
        }
    }
    Ok(path)
}

/// The line and its ancestors, leaf first, as [`Step`]s. The tree's shape never changes, so the
/// database's cache ([`crate::db::budget::Paths`]) answers every read after the first.
pub fn steps(
    pool: &Pool,
    c: &mut DbConnection,
    org_id: i64,
    line_id: i64,
) -> AppResult<Arc<[Step]>> {
    if let Some(steps) = pool.paths().get(org_id, line_id) {
        return Ok(steps);
    }
    let steps: Arc<[Step]> = path(c, org_id, line_id)?.iter().map(Step::from).collect();
    pool.paths().keep(org_id, line_id, steps.clone());
    Ok(steps)
}

/// Writes one ledger entry: a posting of `amount` of `kind` to the line, for the document
/// `source_type` `source_id`.
#[allow(clippy::too_many_arguments)]
pub fn post_entry(
    c: &mut DbConnection,
    org_id: i64,
    line_id: i64,
    kind: EntryKind,
    amount: Money,
    source_type: SourceType,
    source_id: Option<i64>,
    actor: Option<i64>,
) -> AppResult<()> {
    let at = super::clock::now(c, org_id)?;
    rows::insert_entry(
        c,
        &NewEntry {
            org_id,
            line_id,
            kind: kind.as_str(),
            amount_fen: amount.fen(),
            source_type: source_type.as_str(),
            source_id,
            actor_id: actor,
            at,
        },
    )?;
    Ok(())
}

/// What a ledger move is for: the document (`travel_claim` 42) and who made it.
#[derive(Clone, Copy, Debug)]
pub struct Source {
    pub kind: SourceType,
    pub id: i64,
    pub actor: i64,
}

/// A move of money for a document's decision (R11): its approval commits, its rejection or
/// voiding releases what was committed, its payment turns the commitment into spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Posting {
    Commit,
    Release,
    Spend,
}

impl Posting {
    /// Posts `amount` of `source` on line `line_id` and every ancestor. A commitment (R11) fails
    /// with 409 `insufficient_budget` naming the binding line (the least available of those that
    /// cannot cover it); a release or spend moves what was committed. Runs inside the write
    /// transaction of the decision.
    pub fn post(
        self,
        c: &mut DbConnection,
        org_id: i64,
        line_id: i64,
        amount: Money,
        source: Source,
    ) -> AppResult<()> {
        match self {
            Posting::Commit => {
                let steps: Vec<Step> = path(c, org_id, line_id)?.iter().map(Step::from).collect();
                commit_along(c, org_id, &steps, amount, source)
            }
            Posting::Release => {
                move_committed(c, org_id, line_id, amount, source, EntryKind::Release)
            }
            Posting::Spend => move_committed(c, org_id, line_id, amount, source, EntryKind::Spend),
        }
    }
}

/// A commitment ([`Posting::Commit`]) along a path read beforehand with [`steps`] (the tree's shape never changes, so
/// the path may be read outside the write transaction; the balances are checked inside it).
pub fn commit_along(
    c: &mut DbConnection,
    org_id: i64,
    path: &[Step],
    amount: Money,
    source: Source,
) -> AppResult<()> {
    let Some(leaf) = path.first() else {
        return Err(AppError::NotFound("budget line"));
    };
    if amount.is_zero() {
        return Ok(());
    }
    let ids: Vec<i64> = path.iter().map(|step| step.id).collect();
    let entry = NewEntry {
        org_id,
        line_id: leaf.id,
        kind: EntryKind::Commit.as_str(),
        amount_fen: amount.fen(),
        source_type: source.kind.as_str(),
        source_id: Some(source.id),
        actor_id: Some(source.actor),
        at: super::clock::now(c, org_id)?,
    };
    let Some(i) = rows::commit_path(c, org_id, &ids, &entry)? else {
        return Ok(());
    };
    // The lines below this one covered the amount; of this one and those above it, name the
    // binding line (R11), with balances read inside the transaction (where those lines have not
    // moved).
    let mut rest = Vec::with_capacity(path.len() - i);
    for l in &path[i..] {
        let now = rows::find(c, org_id, l.id)?.ok_or(AppError::NotFound("budget line"))?;
        let available = available(&now)?;
        rest.push(((l.code.clone(), now.name), available));
    }
    let fallback = rest[0].clone();
    let ((line_code, line_name), available) = binding_line(rest, amount).unwrap_or(fallback);
    Err(AppError::InsufficientBudget(Insufficient {
        line_code,
        line_name,
        available,
        requested: amount,
    }))
}

/// R14: applies an approved adjustment of `amount`: every line of `lose` gives it up (only if it
/// keeps at least zero available: else 409 `insufficient_budget` naming the binding line) and
/// every line of `gain` receives it, each with a signed `adjust` entry. Must run inside a write
/// transaction, which the error rolls back.
///
/// Rows are changed deepest first (ties by id), the order a commitment's leaf-to-root walk also
/// keeps, so concurrent adjustments and commitments never wait on each other in a cycle.
pub fn adjust(
    c: &mut DbConnection,
    org_id: i64,
    lose: &[LineRow],
    gain: &[LineRow],
    amount: Money,
    source: Source,
) -> AppResult<()> {
    let fen = amount.fen();
    let mut moves: Vec<(&LineRow, i64)> = lose
        .iter()
        .map(|l| (l, -fen))
        .chain(gain.iter().map(|l| (l, fen)))
        .collect();
    moves.sort_by_key(|(l, _)| (std::cmp::Reverse(l.depth), l.id));
    for (line, delta) in &moves {
        if !rows::try_adjust(c, org_id, line.id, *delta)? {
            let mut rest = Vec::with_capacity(lose.len());
            for l in lose {
                let now = rows::find(c, org_id, l.id)?;
                let name = l.name.clone();
                rest.push((
                    (l.code.clone(), name),
                    available(now.as_ref().unwrap_or(l))?,
                ));
            }
            let ((line_code, line_name), available) = match binding_line(rest, amount) {
                Some(binding) => binding,
                None => ((line.code.clone(), line.name.clone()), available(line)?),
            };
            return Err(AppError::InsufficientBudget(Insufficient {
                line_code,
                line_name,
                available,
                requested: amount,
            }));
        }
    }
    for (line, delta) in moves {
        post_entry(
            c,
            org_id,
            line.id,
            EntryKind::Adjust,
            Money::from_fen(delta),
            source.kind,
            Some(source.id),
            Some(source.actor),
        )?;
    }
    Ok(())
}

/// Moves a commitment to `kind`: released (a rejected claim, a voided batch) or spent (a
/// payment).
fn move_committed(
    c: &mut DbConnection,
    org_id: i64,
    line_id: i64,
    amount: Money,
    source: Source,
    kind: EntryKind,
) -> AppResult<()> {
    if amount.is_zero() {
        return Ok(());
    }
    for line in path(c, org_id, line_id)? {
        let moved = match kind {
            EntryKind::Spend => rows::spend(c, org_id, line.id, amount.fen())?,
            _ => rows::release(c, org_id, line.id, amount.fen())?,
        };
        if !moved {
            return Err(AppError::Internal(format!(
                "line {} has less committed than {amount}",
                line.code
            )));
        }
    }
    post_entry(
        c,
        org_id,
        line_id,
        kind,
        amount,
        source.kind,
        Some(source.id),
        Some(source.actor),
    )
}

/// Why the line (or an ancestor) could not cover `amount` today, if it could not; a warning on
/// submission, not a refusal.
pub fn warning(
    c: &mut DbConnection,
    org_id: i64,
    line_id: i64,
    amount: Money,
) -> AppResult<Option<String>> {
    let path = path(c, org_id, line_id)?;
    let balances = path
        .iter()
        .map(|l| Ok((&l.code, available(l)?)))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(binding_line(balances, amount).map(|(code, available)| {
        format!("line {code} has {available} available today; this claim needs {amount}")
    }))
}
