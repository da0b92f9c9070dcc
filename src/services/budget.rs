//! Budget lines and the ledger (R11): reading balances, creating lines, and the three moves of
//! money every approval, rejection and payment makes (commit, release, spend).
//!
//! A commitment walks from the line up to the root inside the caller's write transaction, each
//! step a conditional `UPDATE … WHERE available >= amount`. If any step finds too little, the
//! error rolls the whole transaction back: nothing changes. Lines are always locked leaf first,
//! so two transactions never wait on each other in a cycle.

use std::collections::HashMap;

use crate::auth::Actor;
use crate::db::budget::{self as rows, EntryRow, LineRow, NewEntry, NewLine};
use crate::db::{now, DbConnection, Pool};
use crate::domain::budget::{
    binding_line, is_valid_code, oversubscribed_by, replay, Balance, EntryKind, Insufficient,
    MAX_LEVELS,
};
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::wire::{timestamp, EntryView, LineDetailView, LineView};

use super::{answer, conn};

fn balance(row: &LineRow) -> Balance {
    Balance {
        allocated: Money::from_fen(row.allocated_fen),
        committed: Money::from_fen(row.committed_fen),
        spent: Money::from_fen(row.spent_fen),
    }
}

fn view(row: &LineRow, children: &[&LineRow]) -> LineView {
    let b = balance(row);
    let child_allocations: Vec<Money> = children
        .iter()
        .map(|c| Money::from_fen(c.allocated_fen))
        .collect();
    LineView {
        id: row.id,
        code: row.code.clone(),
        name: row.name.clone(),
        year: row.year,
        parent_id: row.parent_id,
        allocated: b.allocated,
        original_allocated: Money::from_fen(row.original_allocated_fen),
        committed: b.committed,
        spent: b.spent,
        available: b.available(),
        oversubscribed_by: oversubscribed_by(b.allocated, &child_allocations),
    }
}

/// Each line's children, from one year's rows.
fn children_of(rows: &[LineRow]) -> HashMap<Option<i64>, Vec<&LineRow>> {
    let mut children: HashMap<Option<i64>, Vec<&LineRow>> = HashMap::new();
    for row in rows {
        children.entry(row.parent_id).or_default().push(row);
    }
    children
}

fn view_in(row: &LineRow, children: &HashMap<Option<i64>, Vec<&LineRow>>) -> LineView {
    view(row, children.get(&Some(row.id)).map_or(&[][..], |v| &v[..]))
}

/// The year's lines in tree order — each parent, then its subtrees, siblings by creation — with
/// their depth and view.
pub fn tree(rows: &[LineRow]) -> Vec<(i32, LineView)> {
    let children = children_of(rows);
    let mut out = Vec::with_capacity(rows.len());
    let mut stack: Vec<&LineRow> = children.get(&None).cloned().unwrap_or_default();
    stack.reverse();
    while let Some(row) = stack.pop() {
        out.push((row.depth, view_in(row, &children)));
        if let Some(kids) = children.get(&Some(row.id)) {
            stack.extend(kids.iter().rev());
        }
    }
    out
}

/// `GET /api/v1/budget-lines?year=Y`: the whole tree, parents first.
pub fn list(pool: &Pool, actor: &Actor, year: i32) -> AppResult<Vec<LineView>> {
    let rows = rows::by_year(&mut *conn(pool)?, actor.org_id, year)?;
    Ok(tree(&rows).into_iter().map(|(_, view)| view).collect())
}

/// `GET /api/v1/budget-lines/{id}`: the line and its children, each with its oversubscription.
pub fn get(pool: &Pool, actor: &Actor, id: i64) -> AppResult<LineDetailView> {
    let mut c = conn(pool)?;
    let row = rows::find(&mut c, actor.org_id, id)?.ok_or(AppError::NotFound("budget line"))?;
    let year = rows::by_year(&mut c, actor.org_id, row.year)?;
    let children = children_of(&year);
    let kids = children.get(&Some(row.id)).cloned().unwrap_or_default();
    Ok(LineDetailView {
        line: view_in(&row, &children),
        children: kids.iter().map(|k| view_in(k, &children)).collect(),
    })
}

/// `GET /api/v1/budget-lines/{id}/entries`: the entries posted to the line and its descendants,
/// oldest first — everything that explains its balance.
pub fn entries(pool: &Pool, actor: &Actor, id: i64) -> AppResult<Vec<EntryView>> {
    let mut c = conn(pool)?;
    let row = rows::find(&mut c, actor.org_id, id)?.ok_or(AppError::NotFound("budget line"))?;
    let subtree = subtree(&mut c, actor.org_id, &row)?;
    Ok(rows::entries(&mut c, actor.org_id, &subtree)?
        .into_iter()
        .map(entry_view)
        .collect())
}

/// The line and all its descendants.
pub fn subtree(c: &mut DbConnection, org_id: i64, row: &LineRow) -> AppResult<Vec<i64>> {
    let year = rows::by_year(c, org_id, row.year)?;
    let mut ids = vec![row.id];
    let mut i = 0;
    while i < ids.len() {
        let parent = ids[i];
        ids.extend(
            year.iter()
                .filter(|l| l.parent_id == Some(parent))
                .map(|l| l.id),
        );
        i += 1;
    }
    Ok(ids)
}

fn entry_view(e: EntryRow) -> EntryView {
    EntryView {
        id: e.id,
        line_id: e.line_id,
        kind: e.kind,
        amount: Money::from_fen(e.amount_fen),
        source_type: e.source_type,
        source_id: e.source_id,
        actor: e.actor_id,
        at: timestamp(e.at),
    }
}

/// A new line, allocated on creation (inside the caller's transaction).
pub struct NewLineSpec<'a> {
    pub year: i32,
    pub code: &'a str,
    pub name: &'a str,
    pub parent_code: Option<&'a str>,
    pub allocated: Money,
}

pub fn insert_line(
    c: &mut DbConnection,
    org_id: i64,
    actor: Option<i64>,
    spec: &NewLineSpec<'_>,
) -> AppResult<LineRow> {
    if !is_valid_code(spec.code) {
        return Err(AppError::field(
            "code",
            "dot-separated lower-case segments, such as dept.project.x",
        ));
    }
    if rows::find_by_code(c, org_id, spec.year, spec.code)?.is_some() {
        return Err(AppError::DuplicateCode(spec.code.to_string()));
    }
    let parent =
        match spec.parent_code {
            Some(code) => Some(rows::find_by_code(c, org_id, spec.year, code)?.ok_or_else(
                || AppError::field("parent_code", format!("no line {code} in {}", spec.year)),
            )?),
            None => None,
        };
    if parent.as_ref().is_some_and(|p| p.depth + 1 >= MAX_LEVELS) {
        return Err(AppError::field(
            "parent_code",
            format!("a budget tree has at most {MAX_LEVELS} levels"),
        ));
    }
    let id = rows::insert(
        c,
        &NewLine {
            org_id,
            year: spec.year,
            code: spec.code,
            name: spec.name.trim(),
            parent_id: parent.as_ref().map(|p| p.id),
            depth: parent.as_ref().map_or(0, |p| p.depth + 1),
            allocated_fen: spec.allocated.fen(),
            created_at: now(),
            original_allocated_fen: spec.allocated.fen(),
        },
    )?;
    if !spec.allocated.is_zero() {
        post(
            c,
            org_id,
            id,
            EntryKind::Allocate,
            spec.allocated,
            "budget_line",
            Some(id),
            actor,
        )?;
    }
    rows::find(c, org_id, id)?.ok_or(AppError::Internal("line vanished".into()))
}

/// `POST /api/v1/budget-lines`.
pub fn create(pool: &Pool, actor: &Actor, spec: NewLineSpec<'_>) -> AppResult<LineView> {
    let mut c = conn(pool)?;
    answer(&mut c, actor, 201, |c| {
        let row = insert_line(c, actor.org_id, Some(actor.user_id), &spec)?;
        Ok(view(&row, &[]))
    })
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

#[allow(clippy::too_many_arguments)]
fn post(
    c: &mut DbConnection,
    org_id: i64,
    line_id: i64,
    kind: EntryKind,
    amount: Money,
    source_type: &str,
    source_id: Option<i64>,
    actor: Option<i64>,
) -> AppResult<()> {
    rows::insert_entry(
        c,
        &NewEntry {
            org_id,
            line_id,
            kind: kind.as_str(),
            amount_fen: amount.fen(),
            source_type,
            source_id,
            actor_id: actor,
            at: now(),
        },
    )?;
    Ok(())
}

/// What a ledger move is for: the document (`travel_claim` 42) and who made it.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub kind: &'a str,
    pub id: i64,
    pub actor: i64,
}

/// Commits `amount` against the line and every ancestor (R11), or fails with 409
/// `insufficient_budget` naming the binding line (the least available of those that cannot cover it). Must run inside a write
/// transaction, which the error rolls back.
pub fn commit(
    c: &mut DbConnection,
    org_id: i64,
    line_id: i64,
    amount: Money,
    source: Source<'_>,
) -> AppResult<()> {
    let path = path(c, org_id, line_id)?;
    commit_along(c, org_id, &path, amount, source)
}

/// [`commit`] along a path read beforehand with [`path`] (the tree's shape never changes, so
/// the path may be read outside the write transaction; the balances are checked inside it).
pub fn commit_along(
    c: &mut DbConnection,
    org_id: i64,
    path: &[LineRow],
    amount: Money,
    source: Source<'_>,
) -> AppResult<()> {
    let Some(leaf) = path.first() else {
        return Err(AppError::NotFound("budget line"));
    };
    if amount.is_zero() {
        return Ok(());
    }
    for (i, line) in path.iter().enumerate() {
        if !rows::try_commit(c, org_id, line.id, amount.fen())? {
            // The lines below this one covered the amount; of this one and those above it, name
            // the binding line (R11), with balances read inside the transaction.
            let mut rest = Vec::with_capacity(path.len() - i);
            for l in &path[i..] {
                let now = rows::find(c, org_id, l.id)?.map_or(balance(l), |r| balance(&r));
                rest.push((l.code.clone(), now.available()));
            }
            let (line_code, available) = binding_line(rest, amount)
                .unwrap_or_else(|| (line.code.clone(), balance(line).available()));
            return Err(AppError::InsufficientBudget(Insufficient {
                line_code,
                available,
                requested: amount,
            }));
        }
    }
    post(
        c,
        org_id,
        leaf.id,
        EntryKind::Commit,
        amount,
        source.kind,
        Some(source.id),
        Some(source.actor),
    )
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
    source: Source<'_>,
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
                let now = rows::find(c, org_id, l.id)?.map_or(balance(l), |r| balance(&r));
                rest.push((l.code.clone(), now.available()));
            }
            let (line_code, available) = binding_line(rest, amount)
                .unwrap_or_else(|| (line.code.clone(), balance(line).available()));
            return Err(AppError::InsufficientBudget(Insufficient {
                line_code,
                available,
                requested: amount,
            }));
        }
    }
    for (line, delta) in moves {
        post(
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

/// Withdraws a commitment (a rejected claim, a voided batch).
pub fn release(
    c: &mut DbConnection,
    org_id: i64,
    line_id: i64,
    amount: Money,
    source: Source<'_>,
) -> AppResult<()> {
    move_committed(c, org_id, line_id, amount, source, EntryKind::Release)
}

/// Turns a commitment into spend (a payment).
pub fn spend(
    c: &mut DbConnection,
    org_id: i64,
    line_id: i64,
    amount: Money,
    source: Source<'_>,
) -> AppResult<()> {
    move_committed(c, org_id, line_id, amount, source, EntryKind::Spend)
}

fn move_committed(
    c: &mut DbConnection,
    org_id: i64,
    line_id: i64,
    amount: Money,
    source: Source<'_>,
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
    post(
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
    let balances = path.iter().map(|l| (&l.code, balance(l).available()));
    Ok(binding_line(balances, amount).map(|(code, available)| {
        format!("line {code} has {available} available today; this claim needs {amount}")
    }))
}

/// One line whose stored balance differs from the replay of the ledger.
#[derive(Debug)]
pub struct Mismatch {
    pub org_id: i64,
    pub code: String,
    pub stored: Balance,
    pub replayed: Balance,
}

/// `baoxiao verify`: replays every organisation's ledger and compares each line's balance, with
/// descendants rolled up, against the stored one.
pub fn verify(pool: &Pool) -> AppResult<(usize, Vec<Mismatch>)> {
    verify_on(&mut *conn(pool)?)
}

/// [`verify`] on one connection: a backup file being checked, say.
pub fn verify_on(c: &mut DbConnection) -> AppResult<(usize, Vec<Mismatch>)> {
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for org in crate::db::orgs::all(c)? {
        let lines = rows::all(c, org.id)?;
        let mut own: HashMap<i64, Vec<(EntryKind, Money)>> = HashMap::new();
        for e in rows::all_entries(c, org.id)? {
            let kind = EntryKind::parse(&e.kind)
                .ok_or_else(|| AppError::Internal(format!("entry kind {}", e.kind)))?;
            own.entry(e.line_id)
                .or_default()
                .push((kind, Money::from_fen(e.amount_fen)));
        }
        let mut replayed: HashMap<i64, Balance> = HashMap::new();
        for line in &lines {
            let b = replay(own.remove(&line.id).unwrap_or_default())
                .ok_or_else(|| AppError::Internal("ledger overflow".into()))?;
            replayed.insert(line.id, b);
        }
        // Roll each line's own movements up to every ancestor.
        let parent: HashMap<i64, Option<i64>> = lines.iter().map(|l| (l.id, l.parent_id)).collect();
        let mut total = replayed.clone();
        for line in &lines {
            let own_balance = replayed.get(&line.id).copied().unwrap_or_default();
            let mut up = line.parent_id;
            while let Some(p) = up {
                if let Some(t) = total.get_mut(&p) {
                    *t = t
                        .roll_up(&own_balance)
                        .ok_or_else(|| AppError::Internal("overflow".into()))?;
                }
                up = parent.get(&p).copied().flatten();
            }
        }
        for line in &lines {
            checked += 1;
            let stored = balance(line);
            let replayed = total.get(&line.id).copied().unwrap_or_default();
            if stored != replayed {
                mismatches.push(Mismatch {
                    org_id: org.id,
                    code: line.code.clone(),
                    stored,
                    replayed,
                });
            }
        }
    }
    Ok((checked, mismatches))
}
