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
use crate::db::audit::NewEvent;
use crate::db::subsidy::{
    self as rows, BatchRow, ItemRow, Marked, NewBatch, NewRecipient, PayeeChange, RecipientRow,
};
use crate::db::{self, budget as lines, now, DbConnection, Pool};
use crate::domain::budget::SourceType;
use crate::domain::capitals::in_words;
use crate::domain::payee::{BankAccount, BankName, IdNumber, PayeeDetails};
use crate::domain::status::{BatchAction, BatchStatus, Status};
use crate::domain::subsidy::{month_item, monthly_amount, months_orphaned, Enrollment, Half};
use crate::domain::{Money, PositiveMoney};
use crate::error::{AppError, AppResult};
use crate::export::PaymentLine;
use crate::metrics;

use super::audit;
use super::ledger;
use super::permissions::{self, UseCase};
use super::transition::{self, find, Charges, Document};
use super::{answer, answer_asked, clock, conn};

const ENTITY: &str = "subsidy_batch";

/// The batch id of the items a new batch is made of, before the batch row exists: they are
/// inserted with the new id ([`create_batch`]), never with this one.
const NO_BATCH_YET: i64 = 0;

/// The subsidy amount of every policy version, `(effective_from, amount)`, oldest first (R9).
fn policy_amounts(c: &mut DbConnection, org_id: i64) -> AppResult<Vec<(NaiveDate, Money)>> {
    Ok(crate::db::policy::all(c, org_id)?
        .into_iter()
        .map(|p| {
            (
                p.terms.effective_from,
                Money::from_fen(p.terms.subsidy_monthly_fen),
            )
        })
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
        monthly_amount: now.unwrap_or(Money::from_fen(r.monthly_fen)),
        monthly_amount_from_policy: !r.own_amount,
        enrolled_from: r.enrolled_from,
        enrolled_until: r.enrolled_until,
        id_number: masked_id(r.id_number.as_deref()),
        bank_name: r.bank_name.clone(),
        bank_account: masked_account(r.bank_account.as_deref()),
        name: r.name,
    }
}

/// A stored value that no longer reads as valid is still never shown whole.
const MASKED: &str = "****";

/// A stored identity number as every view shows it: the last four characters.
fn masked_id(stored: Option<&str>) -> Option<String> {
    stored.map(|n| match IdNumber::parse(n) {
        Ok(id) => id.masked(),
        Err(_) => MASKED.into(),
    })
}

/// A stored account as every view shows it: the last four digits.
fn masked_account(stored: Option<&str>) -> Option<String> {
    stored.map(|a| match BankAccount::parse(a) {
        Ok(account) => account.masked(),
        Err(_) => MASKED.into(),
    })
}

/// A recipient's payment details as stored, whole: the recipient's own, or a batch's copy of
/// them. No `Debug`, so they are never logged.
#[derive(Clone, Default, PartialEq, Eq)]
struct Payee {
    id_number: Option<String>,
    bank_name: Option<String>,
    bank_account: Option<String>,
}

impl Payee {
    fn of_recipient(r: &RecipientRow) -> Payee {
        Payee {
            id_number: r.id_number.clone(),
            bank_name: r.bank_name.clone(),
            bank_account: r.bank_account.clone(),
        }
    }

    /// The copy an item keeps, or `None` for an item made before items kept one.
    fn of_item(i: &ItemRow) -> Option<Payee> {
        i.payee_copied.then(|| Payee {
            id_number: i.id_number.clone(),
            bank_name: i.bank_name.clone(),
            bank_account: i.bank_account.clone(),
        })
    }

    /// Whether the payment file can pay with these: identity number, bank and account known.
    fn complete(&self) -> bool {
        self.id_number.is_some() && self.bank_name.is_some() && self.bank_account.is_some()
    }
}

/// Who a batch pays, by recipient: their name, the details the batch pays with (its own copy,
/// or the recipient's current details for a batch made before batches kept a copy), and whether
/// the recipient's details have changed since the batch was made.
fn batch_payees(
    c: &mut DbConnection,
    org_id: i64,
    items: &[ItemRow],
) -> AppResult<BTreeMap<i64, (String, Payee, bool)>> {
    let current: BTreeMap<i64, RecipientRow> = rows::recipients(c, org_id)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut payees = BTreeMap::new();
    for item in items {
        if payees.contains_key(&item.recipient_id) {
            continue;
        }
        let who = current.get(&item.recipient_id);
        let name = who.map(|r| r.name.clone()).unwrap_or_default();
        let now = who.map(Payee::of_recipient).unwrap_or_default();
        let (paid_to, changed) = match Payee::of_item(item) {
            Some(kept) => {
                let changed = kept != now;
                (kept, changed)
            }
            None => (now, false),
        };
        payees.insert(item.recipient_id, (name, paid_to, changed));
    }
    Ok(payees)
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
    /// The identity number, bank and account, each when given.
    pub payee: PayeeDetails,
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
                .map(|p| Money::from_fen(p.terms.subsidy_monthly_fen))
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
                id_number: spec.payee.id_number.as_ref().map(IdNumber::full),
                bank_name: spec.payee.bank_name.as_ref().map(BankName::as_str),
                bank_account: spec.payee.bank_account.as_ref().map(BankAccount::full),
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

/// One recipient, as the list shows them.
pub fn get_recipient(pool: &Pool, actor: &Actor, id: i64) -> AppResult<RecipientView> {
    permissions::check(actor, UseCase::ListRecipients)?;
    let mut c = conn(pool)?;
    let row =
        rows::find_recipient(&mut c, actor.org_id, id)?.ok_or(AppError::NotFound("recipient"))?;
    recipient_view_now(&mut c, actor.org_id, row)
}

/// A change of a recipient, parsed from the API's `RecipientPatch`: each part `None` when
/// left as it is; an inner `None` reopens the enrollment or clears the detail.
#[derive(Debug, Default)]
pub struct RecipientChange {
    pub enrolled_until: Option<Option<NaiveDate>>,
    pub id_number: Option<Option<IdNumber>>,
    pub bank_name: Option<Option<BankName>>,
    pub bank_account: Option<Option<BankAccount>>,
}

/// `PATCH /api/v1/subsidy-recipients/{id}`: ends (or, with null, reopens) an enrollment, and
/// sets or clears the payment details.
pub fn change_recipient(
    pool: &Pool,
    actor: &Context,
    id: i64,
    change: AppResult<RecipientChange>,
) -> AppResult<RecipientView> {
    answer_asked(
        pool,
        actor,
        UseCase::ChangeEnrollment,
        change,
        200,
        |c, change| {
            let before = rows::find_recipient(c, actor.org_id, id)?
                .ok_or(AppError::NotFound("recipient"))?;
            let payee = PayeeChange {
                id_number: change
                    .id_number
                    .as_ref()
                    .map(|v| v.as_ref().map(IdNumber::full)),
                bank_name: change
                    .bank_name
                    .as_ref()
                    .map(|v| v.as_ref().map(BankName::as_str)),
                bank_account: change
                    .bank_account
                    .as_ref()
                    .map(|v| v.as_ref().map(BankAccount::full)),
            };
            rows::set_payee(c, actor.org_id, id, &payee)?;
            if let Some(until) = change.enrolled_until {
                end_enrollment(c, actor, id, until)?;
            }
            let row = rows::find_recipient(c, actor.org_id, id)?
                .ok_or(AppError::NotFound("recipient"))?;
            // Who changed which details, and when: masked, so the trail never holds them whole.
            if let Some(note) = changed_fields(&before, &row) {
                let change = audit::Change {
                    entity: RECIPIENT,
                    id,
                    action: "change",
                    from: None,
                    to: "changed",
                    note: Some(&note),
                };
                audit::record(c, actor, change)?;
            }
            recipient_view_now(c, actor.org_id, row)
        },
    )
}

/// The audit trail's name for a recipient.
const RECIPIENT: &str = "subsidy_recipient";

/// What a change did to a recipient, for the audit trail: each field that changed, old → new,
/// the identity number and the account masked (`-` for none); `None` if nothing changed.
///
/// `bank_account: **** 2345 → **** 6789; enrolled_until: - → 2021-06-30`.
fn changed_fields(before: &RecipientRow, after: &RecipientRow) -> Option<String> {
    let shown = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let mask_id = |r: &RecipientRow| masked_id(r.id_number.as_deref());
    let mask_account = |r: &RecipientRow| masked_account(r.bank_account.as_deref());
    let until = |r: &RecipientRow| r.enrolled_until.map(|d| d.to_string());
    // Whether each changed (whole values compared: another number with the same last four is a
    // change too), and how it is shown.
    let fields = [
        (
            "id_number",
            before.id_number != after.id_number,
            mask_id(before),
            mask_id(after),
        ),
        (
            "bank_name",
            before.bank_name != after.bank_name,
            before.bank_name.clone(),
            after.bank_name.clone(),
        ),
        (
            "bank_account",
            before.bank_account != after.bank_account,
            mask_account(before),
            mask_account(after),
        ),
        (
            "enrolled_until",
            before.enrolled_until != after.enrolled_until,
            until(before),
            until(after),
        ),
    ];
    let parts: Vec<String> = fields
        .into_iter()
        .filter(|(_, changed, _, _)| *changed)
        .map(|(name, _, old, new)| format!("{name}: {} → {}", shown(old), shown(new)))
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Ends (or, with `None`, reopens) an enrollment, inside the caller's transaction.
fn end_enrollment(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    until: Option<NaiveDate>,
) -> AppResult<()> {
    let row = rows::find_recipient(c, actor.org_id, id)?.ok_or(AppError::NotFound("recipient"))?;
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
    Ok(())
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
            let month_number = small(month, "month")?;
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
                days_enrolled: small(m.days_enrolled, "days enrolled")?,
                days_in_month: small(m.days_in_month, "days in the month")?,
                amount_fen: m.amount.fen(),
                // The details the batch will pay with, as they are now (four eyes: the
                // approver sees these, and the file writes these).
                payee_copied: true,
                id_number: r.id_number.clone(),
                bank_name: r.bank_name.clone(),
                bank_account: r.bank_account.clone(),
            });
        }
    }
    Ok(items)
}

fn total(items: &[ItemRow]) -> AppResult<Money> {
    Money::checked_sum(items.iter().map(|i| Money::from_fen(i.amount_fen)))
        .ok_or_else(|| AppError::Internal("batch total overflow".into()))
}

/// A month number or a count of days as stored: always small, a larger one is a bug.
fn small<N>(n: N, what: &str) -> AppResult<i32>
where
    N: Copy + std::fmt::Display,
    i32: TryFrom<N>,
{
    i32::try_from(n).map_err(|_| AppError::Internal(format!("{what} {n} out of range")))
}

fn half_of(row: &BatchRow) -> AppResult<Half> {
    Half::from_number(row.half).ok_or_else(|| AppError::Internal(format!("half {}", row.half)))
}

impl Charges for Batch {
    const SOURCE: SourceType = SourceType::SubsidyBatch;

    fn charge(row: &BatchRow) -> (i64, Money) {
        (row.budget_line_id, Money::from_fen(row.total_fen))
    }
}

/// A subsidy batch, as a [`Document`] that moves by finance's decisions.
pub struct Batch;

impl Document for Batch {
    type Status = BatchStatus;
    type Row = BatchRow;
    type Mark<'a> = Marked;
    const ENTITY: &'static str = ENTITY;
    const WHAT: &'static str = "subsidy batch";

    fn read(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<Option<BatchRow>> {
        Ok(rows::find_batch(c, org_id, id)?)
    }

    fn status(row: &BatchRow) -> BatchStatus {
        row.status
    }

    fn mark(
        c: &mut DbConnection,
        id: i64,
        change: (BatchStatus, BatchStatus),
        mark: &Marked,
        event: &NewEvent<'_>,
    ) -> AppResult<bool> {
        Ok(rows::mark(c, id, change, mark, event)?)
    }
}

fn load(c: &mut DbConnection, org_id: i64, id: i64) -> AppResult<BatchView> {
    let row = find::<Batch>(c, org_id, id)?;
    let items = rows::items(c, org_id, id)?;
    let payees = batch_payees(c, org_id, &items)?;
    let mut grouped: BTreeMap<i64, Vec<ItemRow>> = BTreeMap::new();
    for item in items {
        grouped.entry(item.recipient_id).or_default().push(item);
    }
    let items = grouped
        .into_iter()
        .map(|(recipient_id, months)| {
            let (name, payee, changed) = payees.get(&recipient_id).cloned().unwrap_or_default();
            Ok(BatchItemView {
                recipient_id,
                name,
                payee_complete: payee.complete(),
                id_number: masked_id(payee.id_number.as_deref()),
                bank_name: payee.bank_name.clone(),
                bank_account: masked_account(payee.bank_account.as_deref()),
                payee_changed: changed,
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
        let stamped = super::clock::now(c, actor.org_id)?;
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
                created_at: stamped,
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
        let row = find::<Batch>(c, actor.org_id, id)?;
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

/// Items without their payment details, to compare what they pay.
fn money_only(items: &[ItemRow]) -> Vec<ItemRow> {
    items
        .iter()
        .map(|i| ItemRow {
            payee_copied: false,
            id_number: None,
            bank_name: None,
            bank_account: None,
            ..i.clone()
        })
        .collect()
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

/// `POST /api/v1/subsidy-batches/{id}/approve`: by a finance user other than the creator; takes
/// the recipient-months and commits the total, or changes nothing.
pub fn approve(pool: &Pool, actor: &Context, id: i64) -> AppResult<BatchView> {
    permissions::check(actor, UseCase::ApproveBatch)?;
    let view = answer(pool, actor, 200, |c| {
        let row = find::<Batch>(c, actor.org_id, id)?;
        let asked = transition::ask::<Batch>(id, &row, BatchAction::Approve)?;
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
        // What is paid must be what is due; the details paid to are the batch's own copy, which
        // the approver sees, even if a recipient's details changed since (the page says so).
        if money_only(&due) != money_only(&drafted) {
            return Err(AppError::BatchOutdated);
        }
        // Status first, conditionally (a concurrent approval of this batch loses with 409), then
        // the months (a concurrent batch holding one of them makes this one outdated), then money.
        asked.take(c, actor, &Marked::Approved, None)?;
        db::unique(rows::set_live(c, actor.org_id, id, true))?
            .map_err(|_| AppError::BatchOutdated)?;
        transition::post::<Batch>(c, actor, id, &row, ledger::Posting::Commit)?;
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
    answer_asked(
        pool,
        actor,
        UseCase::PayBatch,
        paid_on,
        200,
        |c, &paid_on| {
            let row = find::<Batch>(c, actor.org_id, id)?;
            let asked = transition::ask::<Batch>(id, &row, BatchAction::Pay)?;
            clock::check_paid_on(c, actor.org_id, row.approved_at, paid_on, margin)?;
            let on_time = half_of(&row)?
                .paid_on_time(row.year, paid_on)
                .ok_or_else(|| AppError::Internal("payout window".into()))?;
            let marked = Marked::Paid {
                on: paid_on,
                on_time,
            };
            asked.take(c, actor, &marked, Some(&paid_on.to_string()))?;
            transition::post::<Batch>(c, actor, id, &row, ledger::Posting::Spend)?;
            // R20: the batch's voucher, in this transaction.
            super::vouchers::book(c, actor, &booking_of_payment(&row, paid_on))?;
            load(c, actor.org_id, id)
        },
    )
}

/// R20: the voucher of batch `row` paid on `paid_on`: its total, charged to its line as 生活补助
/// where the line sets no 经济分类; its one document is the payment list.
pub fn booking_of_payment(row: &BatchRow, paid_on: NaiveDate) -> super::vouchers::Booking {
    let half = if row.half == 1 {
        "上半年"
    } else {
        "下半年"
    };
    let extra = if row.supplementary { "补发" } else { "" };
    super::vouchers::Booking {
        date: paid_on,
        event: crate::domain::voucher::Event::SubsidyPaid {
            total: Money::from_fen(row.total_fen),
        },
        summary: format!("{}年{half}老干部下乡补助{extra}", row.year),
        attachments: 1,
        source: (super::vouchers::SourceKind::Batch, row.id),
        charged: Some((row.budget_line_id, super::vouchers::SUBSIDY_CLASS)),
    }
}

/// `POST /api/v1/subsidy-batches/{id}/void`: a draft or an approved batch; an approved one gives
/// back its commitment and its recipient-months. A paid batch is final.
pub fn void(pool: &Pool, actor: &Context, id: i64) -> AppResult<BatchView> {
    permissions::check(actor, UseCase::VoidBatch)?;
    answer(pool, actor, 200, |c| {
        let row = find::<Batch>(c, actor.org_id, id)?;
        let asked = transition::ask::<Batch>(id, &row, BatchAction::Void)?;
        asked.take(c, actor, &Marked::Void, None)?;
        if row.status == BatchStatus::Approved {
            transition::post::<Batch>(c, actor, id, &row, ledger::Posting::Release)?;
            rows::set_live(c, actor.org_id, id, false)?;
        }
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
/// approved or paid batch, UTF-8 CSV with a byte-order mark, one row per recipient with their
/// whole identity number and account (the only place they appear whole), and a 合计 row.
pub fn payment_file(pool: &Pool, actor: &Actor, id: i64) -> AppResult<(String, Vec<u8>)> {
    permissions::check(actor, UseCase::PaymentFile)?;
    let mut c = conn(pool)?;
    let batch = load(&mut c, actor.org_id, id)?;
    batch.status.apply(BatchAction::PayOut)?;
    // The batch's own copy of each recipient's details, as approved: a change made since then
    // does not redirect the money (the batch page says so).
    let items = rows::items(&mut c, actor.org_id, id)?;
    let payees = batch_payees(&mut c, actor.org_id, &items)?;
    let lines: Vec<PaymentLine> = batch
        .items
        .iter()
        .map(|item| {
            let payee = payees
                .get(&item.recipient_id)
                .map(|(_, p, _)| p.clone())
                .unwrap_or_default();
            PaymentLine {
                name: item.name.clone(),
                id_number: payee.id_number.unwrap_or_default(),
                bank_name: payee.bank_name.unwrap_or_default(),
                bank_account: payee.bank_account.unwrap_or_default(),
                amount: item.amount,
                months: item
                    .months
                    .iter()
                    .filter_map(|m| {
                        let (y, mo) = m.month.split_once('-')?;
                        Some((y.parse().ok()?, mo.parse().ok()?))
                    })
                    .collect(),
            }
        })
        .collect();
    let bytes = crate::export::payment_csv(&lines, batch.total)
        .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    let name = format!(
        "subsidy-{}-H{}-batch-{}.csv",
        batch.year, batch.half, batch.id
    );
    Ok((name, bytes))
}
