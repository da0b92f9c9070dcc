//! Budget lines (R11): reading a year's tree, one line with its children, its entries, and
//! creating lines. The moves of money are in [`super::ledger`], the replay in [`super::verify`].

use std::collections::HashMap;

use super::views::{timestamp, EntryView, LineDetailView, LineView};
use super::Context;
use crate::auth::Actor;
use crate::db::budget::{self as rows, EntryRow, LineRow, NewLine};
use crate::db::{now, DbConnection, Pool};
use crate::domain::budget::{is_valid_code, oversubscribed_by, EntryKind, SourceType, MAX_LEVELS};
use crate::domain::Money;
use crate::error::{AppError, AppResult};

use super::ledger::{self, balance};
use super::permissions::{self, UseCase};
use super::{answer_asked, conn};

/// `baoxiao verify` checks the lines' balances; it is kept in its own file.
pub use super::verify::{verify, verify_on, verify_vouchers, Mismatch};

fn view(row: &LineRow, children: &[&LineRow]) -> AppResult<LineView> {
    let b = balance(row);
    let child_allocations: Vec<Money> = children
        .iter()
        .map(|c| Money::from_fen(c.allocated_fen))
        .collect();
    let out_of_range = |_| AppError::out_of_range(format!("budget line {}", row.code));
    Ok(LineView {
        id: row.id,
        code: row.code.clone(),
        name: row.name.clone(),
        year: row.year,
        parent_id: row.parent_id,
        allocated: b.allocated,
        original_allocated: Money::from_fen(row.original_allocated_fen),
        committed: b.committed,
        spent: b.spent,
        available: b.available().map_err(out_of_range)?,
        oversubscribed_by: oversubscribed_by(b.allocated, &child_allocations)
            .map_err(out_of_range)?,
    })
}

/// Each line's children, from one year's rows.
fn children_of(rows: &[LineRow]) -> HashMap<Option<i64>, Vec<&LineRow>> {
    let mut children: HashMap<Option<i64>, Vec<&LineRow>> = HashMap::new();
    for row in rows {
        children.entry(row.parent_id).or_default().push(row);
    }
    children
}

/// A line's view, its oversubscription counted over its children among the year's `children`.
fn view_among(
    row: &LineRow,
    children: &HashMap<Option<i64>, Vec<&LineRow>>,
) -> AppResult<LineView> {
    view(row, children.get(&Some(row.id)).map_or(&[][..], |v| &v[..]))
}

/// The year's lines in tree order — each parent, then its subtrees, siblings by creation — with
/// their depth and view.
pub fn tree(rows: &[LineRow]) -> AppResult<Vec<(i32, LineView)>> {
    let children = children_of(rows);
    let mut out = Vec::with_capacity(rows.len());
    let mut stack: Vec<&LineRow> = children.get(&None).cloned().unwrap_or_default();
    stack.reverse();
    while let Some(row) = stack.pop() {
        out.push((row.depth, view_among(row, &children)?));
        if let Some(kids) = children.get(&Some(row.id)) {
            stack.extend(kids.iter().rev());
        }
    }
    Ok(out)
}

/// `GET /api/v1/budget-lines?year=Y`: the whole tree, parents first.
pub fn list(pool: &Pool, actor: &Actor, year: i32) -> AppResult<Vec<LineView>> {
    permissions::check(actor, UseCase::ReadLines)?;
    let rows = rows::by_year(&mut *conn(pool)?, actor.org_id, year)?;
    Ok(tree(&rows)?.into_iter().map(|(_, view)| view).collect())
}

/// `GET /api/v1/budget-lines/{id}`: the line and its children, each with its oversubscription.
pub fn get(pool: &Pool, actor: &Actor, id: i64) -> AppResult<LineDetailView> {
    get_on(&mut *conn(pool)?, actor, id)
}

/// [`get`] on a connection the caller holds.
pub fn get_on(c: &mut DbConnection, actor: &Actor, id: i64) -> AppResult<LineDetailView> {
    permissions::check(actor, UseCase::ReadLines)?;
    let family = rows::with_two_levels(c, actor.org_id, id)?;
    let row = family
        .iter()
        .find(|l| l.id == id)
        .ok_or(AppError::NotFound("budget line"))?;
    let children = children_of(&family);
    let kids = children.get(&Some(row.id)).cloned().unwrap_or_default();
    Ok(LineDetailView {
        line: view_among(row, &children)?,
        children: kids
            .iter()
            .map(|k| view_among(k, &children))
            .collect::<AppResult<_>>()?,
    })
}

/// `GET /api/v1/budget-lines/{id}/entries`: the entries posted to the line and its descendants,
/// oldest first — everything that explains its balance.
pub fn entries(pool: &Pool, actor: &Actor, id: i64) -> AppResult<Vec<EntryView>> {
    permissions::check(actor, UseCase::ReadLines)?;
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

/// A new line, allocated on creation (inside the caller's transaction), parsed from
/// the API's `LineBody`.
pub struct NewLineSpec {
    pub year: i32,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub allocated: Money,
    /// R20: 功能分类 and 经济分类 codes, where the organisation sets them.
    pub function_class: Option<String>,
    pub economic_class: Option<String>,
}

pub fn insert_line(
    c: &mut DbConnection,
    org_id: i64,
    actor: Option<i64>,
    spec: &NewLineSpec,
) -> AppResult<LineRow> {
    if !is_valid_code(&spec.code) {
        return Err(AppError::field(
            "code",
            crate::domain::FieldProblem::LineCodeFormat,
        ));
    }
    if rows::find_by_code(c, org_id, spec.year, &spec.code)?.is_some() {
        return Err(AppError::DuplicateCode(spec.code.to_string()));
    }
    let parent = match spec.parent_code.as_deref() {
        Some(code) => Some(
            rows::find_by_code(c, org_id, spec.year, code)?.ok_or_else(|| {
                AppError::field(
                    "parent_code",
                    crate::domain::FieldProblem::NoParentLine {
                        code: code.to_string(),
                        year: spec.year,
                    },
                )
            })?,
        ),
        None => None,
    };
    if parent.as_ref().is_some_and(|p| p.depth + 1 >= MAX_LEVELS) {
        return Err(AppError::field(
            "parent_code",
            crate::domain::FieldProblem::TooDeep {
                max_levels: MAX_LEVELS,
            },
        ));
    }
    let id = rows::insert(
        c,
        &NewLine {
            org_id,
            year: spec.year,
            code: &spec.code,
            name: spec.name.trim(),
            parent_id: parent.as_ref().map(|p| p.id),
            depth: parent.as_ref().map_or(0, |p| p.depth + 1),
            allocated_fen: spec.allocated.fen(),
            created_at: now(),
            original_allocated_fen: spec.allocated.fen(),
            function_class: spec.function_class.as_deref(),
            economic_class: spec.economic_class.as_deref(),
        },
    )?;
    if !spec.allocated.is_zero() {
        ledger::post_entry(
            c,
            org_id,
            id,
            EntryKind::Allocate,
            spec.allocated,
            SourceType::BudgetLine,
            Some(id),
            actor,
        )?;
    }
    rows::find(c, org_id, id)?.ok_or(AppError::Internal("line vanished".into()))
}

/// `POST /api/v1/budget-lines`.
pub fn create(pool: &Pool, actor: &Context, spec: AppResult<NewLineSpec>) -> AppResult<LineView> {
    answer_asked(pool, actor, UseCase::CreateLine, spec, 201, |c, spec| {
        let row = insert_line(c, actor.org_id, Some(actor.user_id), spec)?;
        view(&row, &[])
    })
}
