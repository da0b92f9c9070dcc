//! Retired-cadre subsidy (R9): recipients, semiannual batches with four-eyes approval, payment,
//! void, and the treasury's payment file.
//!
//! Statuses: draft → approved → paid; draft or approved → void. Approval takes every
//! recipient-month of the batch for ever (the database's unique index `subsidy_items_once` is the
//! last word) and commits the total against the line (R11); void gives both back; a paid batch is
//! final.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::auth::Actor;
use crate::db::subsidy::{self as rows, BatchRow, ItemRow, NewBatch, NewRecipient, RecipientRow};
use crate::db::{budget as lines, now, DbConnection, Pool};
use crate::domain::subsidy::{half_items, Enrollment, Half};
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::metrics;
use crate::wire::{timestamp, BatchItemView, BatchView, MonthView, RecipientView, WindowView};

use super::audit;
use super::budget::{self, Source};
use super::{answer, conn, policy};

const ENTITY: &str = "subsidy_batch";

fn recipient_view(r: RecipientRow) -> RecipientView {
    RecipientView {
        id: r.id,
        name: r.name,
        monthly_amount: Money::from_fen(r.monthly_fen),
        enrolled_from: r.enrolled_from,
        enrolled_until: r.enrolled_until,
    }
}

/// A recipient as stated: the monthly amount, when given, already parsed (R1).
pub struct NewRecipientSpec {
    pub name: String,
    pub monthly: Option<Money>,
    pub enrolled_from: NaiveDate,
    pub enrolled_until: Option<NaiveDate>,
}

/// `POST /api/v1/subsidy-recipients`.
pub fn create_recipient(
    pool: &Pool,
    actor: &Actor,
    spec: NewRecipientSpec,
) -> AppResult<RecipientView> {
    let enrollment = Enrollment::new(spec.enrolled_from, spec.enrolled_until).ok_or_else(|| {
        AppError::field("enrolled_until", "enrolled_until is before enrolled_from")
    })?;
    if spec.monthly.is_some_and(Money::is_zero) {
        return Err(AppError::field("monthly_amount", "must be more than 0.00"));
    }
    let mut c = conn(pool)?;
    answer(&mut c, actor, 201, |c| {
        let monthly = match spec.monthly {
            Some(m) => m,
            None => {
                policy::in_force(c, actor.org_id, enrollment.from(), "enrolled_from")?
                    .policy
                    .subsidy_monthly_amount
            }
        };
        let id = rows::insert_recipient(
            c,
            &NewRecipient {
                org_id: actor.org_id,
                name: spec.name.trim(),
                monthly_fen: monthly.fen(),
                enrolled_from: enrollment.from(),
                enrolled_until: enrollment.until(),
                created_by: actor.user_id,
                created_at: now(),
            },
        )?;
        let row =
            rows::find_recipient(c, actor.org_id, id)?.ok_or(AppError::NotFound("recipient"))?;
        Ok(recipient_view(row))
    })
}

/// `GET /api/v1/subsidy-recipients`.
pub fn list_recipients(pool: &Pool, actor: &Actor) -> AppResult<Vec<RecipientView>> {
    Ok(rows::recipients(&mut *conn(pool)?, actor.org_id)?
        .into_iter()
        .map(recipient_view)
        .collect())
}

/// `PATCH /api/v1/subsidy-recipients/{id}`: ends (or, with null, reopens) an enrollment.
pub fn set_enrolled_until(
    pool: &Pool,
    actor: &Actor,
    id: i64,
    until: Option<NaiveDate>,
) -> AppResult<RecipientView> {
    let mut c = conn(pool)?;
    answer(&mut c, actor, 200, |c| {
        let row =
            rows::find_recipient(c, actor.org_id, id)?.ok_or(AppError::NotFound("recipient"))?;
        Enrollment::new(row.enrolled_from, until).ok_or_else(|| {
            AppError::field("enrolled_until", "enrolled_until is before enrolled_from")
        })?;
        rows::set_enrolled_until(c, actor.org_id, id, until)?;
        let row =
            rows::find_recipient(c, actor.org_id, id)?.ok_or(AppError::NotFound("recipient"))?;
        Ok(recipient_view(row))
    })
}

/// What a batch for (year, half) must pay now: every enrolled recipient-month not already in an
/// approved or paid batch, in recipient and month order.
fn due_items(
    c: &mut DbConnection,
    org_id: i64,
    batch_id: i64,
    year: i32,
    half: Half,
) -> AppResult<Vec<ItemRow>> {
    let taken: HashSet<(i64, i32)> = rows::taken_months(c, org_id, year)?.into_iter().collect();
    let mut items = Vec::new();
    for r in rows::recipients(c, org_id)? {
        let Some(enrollment) = Enrollment::new(r.enrolled_from, r.enrolled_until) else {
            continue;
        };
        for m in half_items(Money::from_fen(r.monthly_fen), &enrollment, year, half) {
            let month = i32::try_from(m.month).unwrap_or(0);
            if taken.contains(&(r.id, month)) {
                continue;
            }
            items.push(ItemRow {
                org_id,
                batch_id,
                recipient_id: r.id,
                year,
                month,
                days_enrolled: i32::try_from(m.days_enrolled).unwrap_or(0),
                days_in_month: i32::try_from(m.days_in_month).unwrap_or(0),
                amount_fen: m.amount.fen(),
            });
        }
    }
    Ok(items)
}

fn total(items: &[ItemRow]) -> AppResult<Money> {
    Money::checked_sum(items.iter().map(|i| Money::from_fen(i.amount_fen)))
        .ok_or_else(|| AppError::Internal("batch total overflow".into()))
}

fn half_of(row: &BatchRow) -> AppResult<Half> {
    Half::from_number(row.half).ok_or_else(|| AppError::Internal(format!("half {}", row.half)))
}

fn find(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<BatchRow> {
    rows::find_batch(c, org_id, id)?.ok_or(AppError::NotFound("subsidy batch"))
}

fn load(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<BatchView> {
    let row = find(c, org_id, id)?;
    let items = rows::items(c, org_id, id)?;
    let names: BTreeMap<i64, String> = rows::recipients(c, org_id)?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut grouped: BTreeMap<i64, Vec<ItemRow>> = BTreeMap::new();
    for item in items {
        grouped.entry(item.recipient_id).or_default().push(item);
    }
    let items = grouped
        .into_iter()
        .map(|(recipient_id, months)| {
            Ok(BatchItemView {
                recipient_id,
                name: names.get(&recipient_id).cloned().unwrap_or_default(),
                amount: total(&months)?,
                months: months
                    .iter()
                    .map(|m| MonthView {
                        month: format!("{:04}-{:02}", m.year, m.month),
                        days_enrolled: m.days_enrolled,
                        days_in_month: m.days_in_month,
                        amount: Money::from_fen(m.amount_fen),
                    })
                    .collect(),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let (from, to) = half_of(&row)?
        .payout_window(row.year)
        .ok_or_else(|| AppError::Internal("payout window".into()))?;
    Ok(BatchView {
        id: row.id,
        status: row.status,
        budget_line_id: row.budget_line_id,
        year: row.year,
        half: row.half,
        supplementary: row.supplementary,
        payout_window: WindowView { from, to },
        total: Money::from_fen(row.total_fen),
        items,
        created_by: row.created_by,
        created_at: timestamp(row.created_at),
        approved_by: row.approved_by,
        approved_at: row.approved_at.map(timestamp),
        paid_on: row.paid_on,
        on_time: row.on_time,
        history: audit::history(c, org_id, ENTITY, id)?,
    })
}

/// `POST /api/v1/subsidy-batches`: a draft of everything due for the half-year. A second regular
/// batch while one is not void is 409 `batch_exists`; nothing due is 422 `empty_batch`.
pub fn create_batch(
    pool: &Pool,
    actor: &Actor,
    line_id: i64,
    year: i32,
    half: Half,
    supplementary: bool,
) -> AppResult<BatchView> {
    let mut c = conn(pool)?;
    answer(&mut c, actor, 201, |c| {
        if lines::find(c, actor.org_id, line_id)?.is_none() {
            return Err(AppError::UnknownBudgetLine(line_id.to_string()));
        }
        if !supplementary
            && rows::regular_batch_exists(c, actor.org_id, line_id, year, half.number())?
        {
            return Err(AppError::BatchExists);
        }
        let items = due_items(c, actor.org_id, 0, year, half)?;
        if items.is_empty() {
            return Err(AppError::EmptyBatch);
        }
        let id = rows::insert_batch(
            c,
            &NewBatch {
                org_id: actor.org_id,
                budget_line_id: line_id,
                year,
                half: half.number(),
                supplementary,
                status: "draft",
                total_fen: total(&items)?.fen(),
                created_by: actor.user_id,
                created_at: now(),
            },
        )
        .map_err(|e| match e {
            // Another finance user made the regular batch at the same moment.
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::BatchExists
            }
            other => other.into(),
        })?;
        for item in items {
            rows::insert_item(
                c,
                &ItemRow {
                    batch_id: id,
                    ..item
                },
            )?;
        }
        audit::status(c, actor, (ENTITY, id), "create", None, "draft", None)?;
        load(c, actor.org_id, id)
    })
}

/// `POST /api/v1/subsidy-batches/{id}/regenerate`: a draft made again from today's recipients.
pub fn regenerate(pool: &Pool, actor: &Actor, id: i64) -> AppResult<BatchView> {
    let mut c = conn(pool)?;
    answer(&mut c, actor, 200, |c| {
        let row = find(c, actor.org_id, id)?;
        if row.status != "draft" {
            return Err(not_allowed(&row, "regenerate"));
        }
        let items = due_items(c, actor.org_id, id, row.year, half_of(&row)?)?;
        if items.is_empty() {
            return Err(AppError::EmptyBatch);
        }
        rows::delete_items(c, actor.org_id, id)?;
        for item in &items {
            rows::insert_item(c, item)?;
        }
        rows::set_total(c, actor.org_id, id, total(&items)?.fen())?;
        audit::status(
            c,
            actor,
            (ENTITY, id),
            "regenerate",
            Some("draft"),
            "draft",
            None,
        )?;
        load(c, actor.org_id, id)
    })
}

/// Four eyes: whoever made the batch's content — its creator, or anyone who regenerated it —
/// does not approve it.
fn made_by(c: &mut DbConnection, actor: &Actor, row: &BatchRow) -> AppResult<bool> {
    if row.created_by == actor.user_id {
        return Ok(true);
    }
    Ok(
        crate::db::audit::for_entity(c, actor.org_id, ENTITY, row.id)?
            .iter()
            .any(|e| e.action == "regenerate" && e.actor_id == actor.user_id),
    )
}

fn not_allowed(row: &BatchRow, action: &'static str) -> AppError {
    AppError::InvalidTransition {
        what: "subsidy batch",
        from: row.status.clone(),
        action,
    }
}

/// `POST /api/v1/subsidy-batches/{id}/approve`: by a finance user other than the creator; takes
/// the recipient-months and commits the total, or changes nothing.
pub fn approve(pool: &Pool, actor: &Actor, id: i64) -> AppResult<BatchView> {
    let mut c = conn(pool)?;
    let view = answer(&mut c, actor, 200, |c| {
        let row = find(c, actor.org_id, id)?;
        if row.status != "draft" {
            return Err(not_allowed(&row, "approve"));
        }
        if made_by(c, actor, &row)? {
            return Err(AppError::SelfApprovalForbidden);
        }
        // The approver approves exactly what is due now: a draft made before recipients or paid
        // months changed must be regenerated first.
        let due = due_items(c, actor.org_id, id, row.year, half_of(&row)?)?;
        if due != rows::items(c, actor.org_id, id)? {
            return Err(AppError::BatchOutdated);
        }
        // Status first, conditionally (a concurrent approval of this batch loses with 409), then
        // the months (a concurrent batch holding one of them makes this one outdated), then money.
        if !rows::mark_approved(c, actor.org_id, id, actor.user_id, now())? {
            return Err(not_allowed(&find(c, actor.org_id, id)?, "approve"));
        }
        rows::set_live(c, actor.org_id, id, true).map_err(|e| match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::BatchOutdated
            }
            other => other.into(),
        })?;
        let source = Source {
            kind: ENTITY,
            id,
            actor: actor.user_id,
        };
        budget::commit(
            c,
            actor.org_id,
            row.budget_line_id,
            Money::from_fen(row.total_fen),
            source,
        )?;
        audit::status(
            c,
            actor,
            (ENTITY, id),
            "approve",
            Some("draft"),
            "approved",
            None,
        )?;
        load(c, actor.org_id, id)
    })?;
    metrics::record_approval(ENTITY);
    Ok(view)
}

/// `POST /api/v1/subsidy-batches/{id}/pay`: the commitment becomes spend; `on_time` says whether
/// `paid_on` fell inside the payout window.
pub fn pay(pool: &Pool, actor: &Actor, id: i64, paid_on: NaiveDate) -> AppResult<BatchView> {
    let mut c = conn(pool)?;
    answer(&mut c, actor, 200, |c| {
        let row = find(c, actor.org_id, id)?;
        if row.status != "approved" {
            return Err(not_allowed(&row, "pay"));
        }
        let (from, to) = half_of(&row)?
            .payout_window(row.year)
            .ok_or_else(|| AppError::Internal("payout window".into()))?;
        let on_time = from <= paid_on && paid_on <= to;
        if !rows::mark_paid(c, actor.org_id, id, actor.user_id, now(), paid_on, on_time)? {
            return Err(not_allowed(&find(c, actor.org_id, id)?, "pay"));
        }
        let source = Source {
            kind: ENTITY,
            id,
            actor: actor.user_id,
        };
        budget::spend(
            c,
            actor.org_id,
            row.budget_line_id,
            Money::from_fen(row.total_fen),
            source,
        )?;
        audit::status(
            c,
            actor,
            (ENTITY, id),
            "pay",
            Some("approved"),
            "paid",
            Some(&paid_on.to_string()),
        )?;
        load(c, actor.org_id, id)
    })
}

/// `POST /api/v1/subsidy-batches/{id}/void`: a draft or an approved batch; an approved one gives
/// back its commitment and its recipient-months. A paid batch is final.
pub fn void(pool: &Pool, actor: &Actor, id: i64) -> AppResult<BatchView> {
    let mut c = conn(pool)?;
    answer(&mut c, actor, 200, |c| {
        let row = find(c, actor.org_id, id)?;
        if row.status != "draft" && row.status != "approved" {
            return Err(not_allowed(&row, "void"));
        }
        if !rows::mark_void(c, actor.org_id, id, &row.status, actor.user_id, now())? {
            return Err(not_allowed(&find(c, actor.org_id, id)?, "void"));
        }
        if row.status == "approved" {
            let source = Source {
                kind: ENTITY,
                id,
                actor: actor.user_id,
            };
            budget::release(
                c,
                actor.org_id,
                row.budget_line_id,
                Money::from_fen(row.total_fen),
                source,
            )?;
            rows::set_live(c, actor.org_id, id, false)?;
        }
        audit::status(
            c,
            actor,
            (ENTITY, id),
            "void",
            Some(&row.status),
            "void",
            None,
        )?;
        load(c, actor.org_id, id)
    })
}

/// `GET /api/v1/subsidy-batches/{id}`.
pub fn get(pool: &Pool, actor: &Actor, id: i64) -> AppResult<BatchView> {
    load(&mut *conn(pool)?, actor.org_id, id)
}

/// `GET /api/v1/subsidy-batches?year=Y`.
pub fn list(pool: &Pool, actor: &Actor, year: Option<i32>) -> AppResult<Vec<BatchView>> {
    let mut c = conn(pool)?;
    let ids: Vec<i64> = rows::batches(&mut c, actor.org_id, year)?
        .into_iter()
        .map(|b| b.id)
        .collect();
    ids.into_iter()
        .map(|id| load(&mut c, actor.org_id, id))
        .collect()
}

/// `GET /api/v1/subsidy-batches/{id}/payment-file`: the treasury's disbursement list (代发) for an
/// approved or paid batch, UTF-8 CSV, one row per recipient.
pub fn payment_file(pool: &Pool, actor: &Actor, id: i64) -> AppResult<(String, Vec<u8>)> {
    let batch = get(pool, actor, id)?;
    if batch.status != "approved" && batch.status != "paid" {
        return Err(AppError::InvalidTransition {
            what: "subsidy batch",
            from: batch.status,
            action: "pay out",
        });
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    out.write_record(["序号", "recipient_id", "name", "amount", "months"])
        .map_err(csv_error)?;
    for (n, item) in batch.items.iter().enumerate() {
        let months = item
            .months
            .iter()
            .map(|m| m.month.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        out.write_record([
            (n + 1).to_string(),
            item.recipient_id.to_string(),
            crate::export::csv_text(&item.name).into_owned(),
            item.amount.to_string(),
            months,
        ])
        .map_err(csv_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    let name = format!(
        "subsidy-{}-H{}-batch-{}.csv",
        batch.year, batch.half, batch.id
    );
    Ok((name, bytes))
}
