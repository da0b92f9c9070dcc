//! Retired-cadre subsidy (R9): recipients, semiannual batches with four-eyes approval, payment,
//! void, and the treasury's payment file.
//!
//! Statuses: draft → approved → paid; draft or approved → void. Approval takes every
//! recipient-month of the batch for ever (the database's unique index `subsidy_items_once` is the
//! last word) and commits the total against the line (R11); void gives both back; a paid batch is
//! final.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};

use super::paging::Page;
use super::views::{timestamp, BatchItemView, BatchView, MonthView, RecipientView, WindowView};
use super::Context;
use crate::auth::Actor;
use crate::db::subsidy::{self as rows, BatchRow, ItemRow, NewBatch, NewRecipient, RecipientRow};
use crate::db::{self, budget as lines, now, DbConnection, Pool};
use crate::domain::capitals::in_words;
use crate::domain::status::{Action, BatchAction, BatchStatus, InvalidTransition, Status};
use crate::domain::subsidy::{month_item, monthly_amount, months_orphaned, Enrollment, Half};
use crate::domain::{Money, PositiveMoney};
use crate::error::{AppError, AppResult};
use crate::metrics;

use super::audit;
use super::ledger::{self, Source};
use super::permissions::{self, UseCase};
use super::{answer, clock, conn};

const ENTITY: &str = "subsidy_batch";

/// The batch id of the items a new batch is made of, before the batch row exists: they are
/// inserted with the new id ([`create_batch`]), never with this one.
const NO_BATCH_YET: i64 = 0;

/// The subsidy amount of every policy version, `(effective_from, amount)`, oldest first (R9).
fn policy_amounts(c: &mut DbConnection, org_id: i64) -> AppResult<Vec<(NaiveDate, Money)>> {
    Ok(crate::db::policy::all(c, org_id)?
        .into_iter()
        .map(|p| (p.effective_from, Money::from_fen(p.subsidy_monthly_fen)))
        .collect())
}

/// A recipient as the API shows them. Without an amount of their own, `monthly_amount` is the
/// policy's in force this month (the organisation's today), which is what they earn now.
fn recipient_view(
    r: RecipientRow,
    policies: &[(NaiveDate, Money)],
    today: NaiveDate,
) -> RecipientView {
    let own = r.own_amount.then(|| Money::from_fen(r.monthly_fen));
    let now = monthly_amount(own, policies, today.year(), today.month());
    RecipientView {
        id: r.id,
        name: r.name,
        monthly_amount: now.unwrap_or(Money::from_fen(r.monthly_fen)),
        monthly_amount_from_policy: !r.own_amount,
        enrolled_from: r.enrolled_from,
        enrolled_until: r.enrolled_until,
    }
}

fn recipient_view_now(
    c: &mut DbConnection,
    org_id: i64,
    r: RecipientRow,
) -> AppResult<RecipientView> {
    let policies = policy_amounts(c, org_id)?;
    Ok(recipient_view(r, &policies, clock::today(c, org_id)?))
}

/// A recipient as stated, parsed from the API's `RecipientBody`: their own monthly amount,
/// when given, more than 0.00 (R1), and the enrollment (R9).
pub struct NewRecipientSpec {
    pub name: String,
    pub monthly: Option<PositiveMoney>,
    pub enrollment: Enrollment,
}

/// `POST /api/v1/subsidy-recipients`.
pub fn create_recipient(
    pool: &Pool,
    actor: &Context,
    spec: AppResult<NewRecipientSpec>,
) -> AppResult<RecipientView> {
    permissions::check(actor, UseCase::AddRecipient)?;
    let spec = spec?;
    let enrollment = spec.enrollment;
    answer(pool, actor, 201, |c| {
        // R9: any enrollment date is accepted. Without an amount of their own, each month earns
        // the policy's amount in force on its first day; the column keeps the current policy's
        // amount for reference only.
        let monthly = match spec.monthly {
            Some(m) => m.get(),
            None => crate::db::policy::latest(c, actor.org_id)?
                .map(|p| Money::from_fen(p.subsidy_monthly_fen))
                .ok_or_else(|| {
                    AppError::field(
                        "monthly_amount",
                        crate::domain::FieldProblem::NoSubsidyAmount,
                    )
                })?,
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
                own_amount: spec.monthly.is_some(),
            },
        )?;
        let row =
            rows::find_recipient(c, actor.org_id, id)?.ok_or(AppError::NotFound("recipient"))?;
        recipient_view_now(c, actor.org_id, row)
    })
}

/// `GET /api/v1/subsidy-recipients`.
pub fn list_recipients(pool: &Pool, actor: &Actor) -> AppResult<Vec<RecipientView>> {
    permissions::check(actor, UseCase::ListRecipients)?;
    let mut c = conn(pool)?;
    let policies = policy_amounts(&mut c, actor.org_id)?;
    let today = clock::today(&mut c, actor.org_id)?;
    Ok(rows::recipients(&mut c, actor.org_id)?
        .into_iter()
        .map(|r| recipient_view(r, &policies, today))
        .collect())
}

/// `PATCH /api/v1/subsidy-recipients/{id}`: ends (or, with null, reopens) an enrollment.
pub fn set_enrolled_until(
    pool: &Pool,
    actor: &Context,
    id: i64,
    until: AppResult<Option<NaiveDate>>,
) -> AppResult<RecipientView> {
    permissions::check(actor, UseCase::ChangeEnrollment)?;
    let until = until?;
    answer(pool, actor, 200, |c| {
        let row =
            rows::find_recipient(c, actor.org_id, id)?.ok_or(AppError::NotFound("recipient"))?;
        Enrollment::new(row.enrolled_from, until).ok_or_else(|| {
            AppError::field(
                "enrolled_until",
                crate::domain::FieldProblem::Before {
                    field: "enrolled_until",
                    other: "enrolled_from",
                    other_on: row.enrolled_from,
                },
            )
        })?;
        // The write comes first: it holds the recipient's row until commit, so an approval of
        // their months either finished before the check below or waits for this change.
        rows::set_enrolled_until(c, actor.org_id, id, until)?;
        // R9: money paid is never orphaned. A month in an approved or paid batch that would no
        // longer be wholly enrolled refuses the change (and the rollback undoes the write).
        if let Some(until) = until {
            let paid: Vec<(i32, u32)> = rows::recipient_taken_months(c, actor.org_id, id)?
                .into_iter()
                .filter_map(|(y, m)| Some((y, u32::try_from(m).ok()?)))
                .collect();
            let orphaned = months_orphaned(&paid, until);
            if !orphaned.is_empty() {
                return Err(AppError::MonthsAlreadyPaid(orphaned));
            }
        }
        let row =
            rows::find_recipient(c, actor.org_id, id)?.ok_or(AppError::NotFound("recipient"))?;
        recipient_view_now(c, actor.org_id, row)
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
    let policies = policy_amounts(c, org_id)?;
    let mut items = Vec::new();
    for r in rows::recipients(c, org_id)? {
        let Some(enrollment) = Enrollment::new(r.enrolled_from, r.enrolled_until) else {
            continue;
        };
        let own = r.own_amount.then(|| Money::from_fen(r.monthly_fen));
        for month in half.months() {
            let month_number = i32::try_from(month).unwrap_or(0);
            if taken.contains(&(r.id, month_number)) || !enrollment.covers_month(year, month) {
                continue;
            }
            // R9: only a month that is paid needs a policy.
            let monthly = monthly_amount(own, &policies, year, month).ok_or_else(|| {
                AppError::field(
                    "half",
                    crate::domain::FieldProblem::NoPolicyForMonth { year, month },
                )
            })?;
            let Some(m) = month_item(monthly, &enrollment, year, month) else {
                continue;
            };
            let month = month_number;
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
        total_in_words: in_words(Money::from_fen(row.total_fen)),
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

/// A batch to draft, parsed from the API's `BatchBody`.
pub struct NewBatchSpec {
    pub budget_line_id: i64,
    pub year: i32,
    pub half: Half,
    pub supplementary: bool,
}

/// `POST /api/v1/subsidy-batches`: a draft of everything due for the half-year. A second regular
/// batch while one is not void is 409 `batch_exists`; nothing due is 422 `empty_batch`.
pub fn create_batch(
    pool: &Pool,
    actor: &Context,
    batch: AppResult<NewBatchSpec>,
) -> AppResult<BatchView> {
    permissions::check(actor, UseCase::MakeBatch)?;
    let batch = batch?;
    let NewBatchSpec {
        budget_line_id: line_id,
        year,
        half,
        supplementary,
    } = batch;
    answer(pool, actor, 201, |c| {
        if lines::find(c, actor.org_id, line_id)?.is_none() {
            return Err(AppError::UnknownBudgetLine(line_id.to_string()));
        }
        if !supplementary
            && rows::regular_batch_exists(c, actor.org_id, line_id, year, half.number())?
        {
            return Err(AppError::BatchExists);
        }
        let items = due_items(c, actor.org_id, NO_BATCH_YET, year, half)?;
        if items.is_empty() {
            return Err(AppError::EmptyBatch);
        }
        let id = db::unique(rows::insert_batch(
            c,
            &NewBatch {
                org_id: actor.org_id,
                budget_line_id: line_id,
                year,
                half: half.number(),
                supplementary,
                status: BatchStatus::Draft.as_str(),
                total_fen: total(&items)?.fen(),
                created_by: actor.user_id,
                created_at: now(),
            },
        ))?
        // Another finance user made the regular batch at the same moment.
        .map_err(|_| AppError::BatchExists)?;
        for item in items {
            rows::insert_item(
                c,
                &ItemRow {
                    batch_id: id,
                    ..item
                },
            )?;
        }
        let draft = BatchStatus::Draft.as_str();
        audit::status(c, actor, (ENTITY, id), "create", None, draft, None)?;
        load(c, actor.org_id, id)
    })
}

/// `POST /api/v1/subsidy-batches/{id}/regenerate`: a draft made again from today's recipients.
pub fn regenerate(pool: &Pool, actor: &Context, id: i64) -> AppResult<BatchView> {
    permissions::check(actor, UseCase::RegenerateBatch)?;
    answer(pool, actor, 200, |c| {
        let row = find(c, actor.org_id, id)?;
        let draft = row.status.apply(BatchAction::Regenerate)?;
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
            Some(row.status.as_str()),
            draft.as_str(),
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

/// A conditional move found the batch moved on meanwhile: the refusal names its status now.
fn moved_on(c: &mut DbConnection, org_id: i64, id: i64, action: BatchAction) -> AppError {
    match find(c, org_id, id) {
        Ok(row) => InvalidTransition::new(row.status, action).into(),
        Err(e) => e,
    }
}

/// `POST /api/v1/subsidy-batches/{id}/approve`: by a finance user other than the creator; takes
/// the recipient-months and commits the total, or changes nothing.
pub fn approve(pool: &Pool, actor: &Context, id: i64) -> AppResult<BatchView> {
    permissions::check(actor, UseCase::ApproveBatch)?;
    let view = answer(pool, actor, 200, |c| {
        let row = find(c, actor.org_id, id)?;
        let approved = row.status.apply(BatchAction::Approve)?;
        if made_by(c, actor, &row)? {
            return Err(AppError::SelfApprovalForbidden);
        }
        // The approver approves exactly what is due now: a draft made before recipients or paid
        // months changed must be regenerated first. The batch's recipients are locked first, so
        // an enrollment ended meanwhile is either seen here or sees these months as paid.
        let drafted = rows::items(c, actor.org_id, id)?;
        let mut recipients: Vec<i64> = drafted.iter().map(|i| i.recipient_id).collect();
        recipients.sort_unstable();
        recipients.dedup();
        rows::lock_recipients(c, actor.org_id, &recipients)?;
        let due = due_items(c, actor.org_id, id, row.year, half_of(&row)?)?;
        if due != drafted {
            return Err(AppError::BatchOutdated);
        }
        // Status first, conditionally (a concurrent approval of this batch loses with 409), then
        // the months (a concurrent batch holding one of them makes this one outdated), then money.
        let change = (row.status, approved);
        if !rows::mark_approved(c, actor.org_id, id, change, actor.user_id, now())? {
            return Err(moved_on(c, actor.org_id, id, BatchAction::Approve));
        }
        db::unique(rows::set_live(c, actor.org_id, id, true))?
            .map_err(|_| AppError::BatchOutdated)?;
        let source = Source {
            kind: ENTITY,
            id,
            actor: actor.user_id,
        };
        ledger::commit(
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
            Some(row.status.as_str()),
            approved.as_str(),
            None,
        )?;
        load(c, actor.org_id, id)
    })?;
    metrics::record_approval(ENTITY);
    Ok(view)
}

/// `POST /api/v1/subsidy-batches/{id}/pay`: the commitment becomes spend; `on_time` says whether
/// `paid_on` fell inside the payout window.
pub fn pay(
    pool: &Pool,
    actor: &Context,
    id: i64,
    paid_on: AppResult<NaiveDate>,
    margin: clock::PaymentMargin,
) -> AppResult<BatchView> {
    permissions::check(actor, UseCase::PayBatch)?;
    let paid_on = paid_on?;
    answer(pool, actor, 200, |c| {
        let row = find(c, actor.org_id, id)?;
        let paid = row.status.apply(BatchAction::Pay)?;
        clock::check_paid_on(c, actor.org_id, row.approved_at, paid_on, margin)?;
        let on_time = half_of(&row)?
            .paid_on_time(row.year, paid_on)
            .ok_or_else(|| AppError::Internal("payout window".into()))?;
        let change = (row.status, paid);
        if !rows::mark_paid(
            c,
            actor.org_id,
            id,
            change,
            actor.user_id,
            now(),
            paid_on,
            on_time,
        )? {
            return Err(moved_on(c, actor.org_id, id, BatchAction::Pay));
        }
        let source = Source {
            kind: ENTITY,
            id,
            actor: actor.user_id,
        };
        ledger::spend(
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
            Some(row.status.as_str()),
            paid.as_str(),
            Some(&paid_on.to_string()),
        )?;
        load(c, actor.org_id, id)
    })
}

/// `POST /api/v1/subsidy-batches/{id}/void`: a draft or an approved batch; an approved one gives
/// back its commitment and its recipient-months. A paid batch is final.
pub fn void(pool: &Pool, actor: &Context, id: i64) -> AppResult<BatchView> {
    permissions::check(actor, UseCase::VoidBatch)?;
    answer(pool, actor, 200, |c| {
        let row = find(c, actor.org_id, id)?;
        let void = row.status.apply(BatchAction::Void)?;
        if !rows::mark_void(
            c,
            actor.org_id,
            id,
            (row.status, void),
            actor.user_id,
            now(),
        )? {
            return Err(moved_on(c, actor.org_id, id, BatchAction::Void));
        }
        if row.status == BatchStatus::Approved {
            let source = Source {
                kind: ENTITY,
                id,
                actor: actor.user_id,
            };
            ledger::release(
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
            BatchAction::Void.as_str(),
            Some(row.status.as_str()),
            void.as_str(),
            None,
        )?;
        load(c, actor.org_id, id)
    })
}

/// `GET /api/v1/subsidy-batches/{id}`.
pub fn get(pool: &Pool, actor: &Actor, id: i64) -> AppResult<BatchView> {
    permissions::check(actor, UseCase::ReadBatches)?;
    load(&mut *conn(pool)?, actor.org_id, id)
}

/// `GET /api/v1/subsidy-batches?year=Y`, oldest first: the page's batches after its cursor, and
/// one more when more remain (api.md "Lists").
pub fn list(
    pool: &Pool,
    actor: &Actor,
    year: Option<i32>,
    page: Page,
) -> AppResult<Vec<BatchView>> {
    permissions::check(actor, UseCase::ReadBatches)?;
    let mut c = conn(pool)?;
    let ids: Vec<i64> = rows::batches(&mut c, actor.org_id, year)?
        .into_iter()
        .map(|b| b.id)
        .collect();
    page.cut(ids, |id| *id)?
        .into_iter()
        .map(|id| load(&mut c, actor.org_id, id))
        .collect()
}

/// `GET /api/v1/subsidy-batches/{id}/payment-file`: the treasury's disbursement list (代发) for an
/// approved or paid batch, UTF-8 CSV, one row per recipient.
pub fn payment_file(pool: &Pool, actor: &Actor, id: i64) -> AppResult<(String, Vec<u8>)> {
    permissions::check(actor, UseCase::PaymentFile)?;
    let batch = get(pool, actor, id)?;
    batch.status.apply(BatchAction::PayOut)?;
    let bytes =
        crate::export::payment_csv(&batch).map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    let name = format!(
        "subsidy-{}-H{}-batch-{}.csv",
        batch.year, batch.half, batch.id
    );
    Ok((name, bytes))
}
