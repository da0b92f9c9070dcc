//! Vouchers (记账凭证, R20): [`book`] writes the voucher of an event that moves money inside the
//! event's own transaction (a payment without its voucher, or a voucher without its payment,
//! is never committed); [`reverse`] writes a reversing voucher (红字冲销). Vouchers are read
//! by finance, budget holders and admins; the account map is read by them and set by admins.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::Actor;
use crate::db::vouchers::{self as rows, LineRow, MapRow, NewVoucher, VoucherRow};
use crate::db::{DbConnection, Pool};
use crate::domain::voucher::{self, Account, AccountMap, Event, EventKind, Ledger, Line, Role};
use crate::domain::Money;
use crate::error::{AppError, AppResult};

use super::paging::Page;
use super::permissions::{self, UseCase};
use super::views::{AccountMapEntry, VoucherLineView, VoucherSourceView, VoucherView};
use super::{act, clock, conn};

/// The built-in default accounts (R20's table, 财政授权支付).
const DEFAULT_MAP: &str = include_str!("../../config/default-data/account-map.toml");

/// 经济分类 of travel (差旅费) where the budget line sets none.
pub const TRAVEL_CLASS: &str = "30211";
/// 经济分类 of the retired cadres' subsidy (生活补助) where the budget line sets none.
pub const SUBSIDY_CLASS: &str = "30305";

/// The kind of document a voucher books.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Claim,
    Request,
    Batch,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Claim => "travel_claim",
            SourceKind::Request => "travel_request",
            SourceKind::Batch => "subsidy_batch",
        }
    }
}

/// An event that moves money, as its use case books it.
#[derive(Clone, Debug)]
pub struct Booking {
    /// The day the money moved: the voucher's date, and the month it is numbered in.
    pub date: NaiveDate,
    pub event: Event,
    /// 摘要.
    pub summary: String,
    /// 附单据 张数.
    pub attachments: i64,
    pub source: (SourceKind, i64),
    /// The budget line charged, and the 经济分类 for when the line sets none: what the
    /// expense lines carry as 项目 and classification.
    pub charged: Option<(i64, &'static str)>,
}

#[derive(Deserialize)]
struct AccountFile {
    code: String,
    name: String,
}

/// The built-in defaults.
pub fn default_map() -> AppResult<AccountMap> {
    let file: BTreeMap<String, BTreeMap<String, AccountFile>> = toml::from_str(DEFAULT_MAP)
        .map_err(|e| AppError::Internal(format!("account-map.toml: {e}")))?;
    let mut map = AccountMap::default();
    for (event, roles) in file {
        let event = EventKind::parse(&event)
            .ok_or_else(|| AppError::Internal(format!("account-map.toml: event {event}")))?;
        for (role, a) in roles {
            let role = Role::parse(&role)
                .ok_or_else(|| AppError::Internal(format!("account-map.toml: role {role}")))?;
            map.set(
                event,
                role,
                Account {
                    code: a.code,
                    name: a.name,
                },
            );
        }
    }
    match map.missing() {
        None => Ok(map),
        Some((e, r)) => Err(AppError::Internal(format!(
            "account-map.toml: no {} for {}",
            r.as_str(),
            e.as_str()
        ))),
    }
}

/// The organisation's map: the defaults, with the accounts it set over them.
fn map_of(c: &mut DbConnection, org_id: i64) -> AppResult<AccountMap> {
    let mut map = default_map()?;
    for row in rows::map_rows(c, org_id)? {
        if let (Some(event), Some(role)) = (EventKind::parse(&row.event), Role::parse(&row.role)) {
            map.set(
                event,
                role,
                Account {
                    code: row.account_code,
                    name: row.account_name,
                },
            );
        }
    }
    Ok(map)
}

fn side_fen(line: &Line) -> (i64, i64) {
    (line.debit().fen(), line.credit().fen())
}

/// Inside the transaction of the event: writes its voucher, numbered next in the organisation's
/// month of `booking.date`; the voucher's id, or `None` for an event of 0.00 (nothing to book).
pub fn book(c: &mut DbConnection, actor: &Actor, booking: &Booking) -> AppResult<Option<i64>> {
    let map = map_of(c, actor.org_id)?;
    let lines = voucher::lines(booking.event, &map)
        .map_err(|e| AppError::Internal(format!("voucher: {e}")))?;
    if lines.is_empty() {
        return Ok(None);
    }
    let classes = match booking.charged {
        Some((line_id, default_class)) => {
            let line = rows::line_classes(c, actor.org_id, line_id)?
                .ok_or(AppError::NotFound("budget line"))?;
            Some((
                line_id,
                line.code,
                line.function_class,
                line.economic_class
                    .unwrap_or_else(|| default_class.to_string()),
            ))
        }
        None => None,
    };
    let written = lines
        .iter()
        .map(|l| {
            let (debit_fen, credit_fen) = side_fen(l);
            let expense = classes.as_ref().filter(|_| l.role.is_expense());
            LineRow {
                org_id: actor.org_id,
                voucher_id: 0,
                seq: 0,
                ledger: l.ledger.as_str().into(),
                role: l.role.as_str().into(),
                account_code: l.account.code.clone(),
                account_name: l.account.name.clone(),
                debit_fen,
                credit_fen,
                budget_line_id: expense.map(|e| e.0),
                project: expense.map(|e| e.1.clone()),
                function_class: expense.and_then(|e| e.2.clone()),
                economic_class: expense.map(|e| e.3.clone()),
            }
        })
        .collect();
    let head = Head {
        date: booking.date,
        event: booking.event.kind(),
        summary: &booking.summary,
        attachments: booking.attachments,
        source: (booking.source.0.as_str(), booking.source.1),
        reverses: None,
    };
    write(c, actor, &head, written).map(Some)
}

struct Head<'a> {
    date: NaiveDate,
    event: EventKind,
    summary: &'a str,
    attachments: i64,
    source: (&'a str, i64),
    reverses: Option<i64>,
}

/// Numbers and writes a voucher with its lines, refusing one that does not balance per ledger.
fn write(
    c: &mut DbConnection,
    actor: &Actor,
    head: &Head<'_>,
    mut lines: Vec<LineRow>,
) -> AppResult<i64> {
    if !voucher::balanced(&sides_of(&lines)) {
        return Err(AppError::Internal("an unbalanced voucher".into()));
    }
    let (year, month) = (head.date.year(), head.date.month());
    let month_i = i32::try_from(month).map_err(|_| AppError::Internal("month".into()))?;
    let seq = rows::take_number(c, actor.org_id, year, month_i)?;
    let made_at = clock::now(c, actor.org_id)?;
    let id = rows::insert(
        c,
        &NewVoucher {
            org_id: actor.org_id,
            year,
            month: month_i,
            seq,
            date: head.date,
            event: head.event.as_str(),
            summary: head.summary,
            attachments: i32::try_from(head.attachments)
                .map_err(|_| AppError::Internal("attachments".into()))?,
            source_type: head.source.0,
            source_id: head.source.1,
            reverses: head.reverses,
            made_by: (actor.user_id > 0).then_some(actor.user_id),
            made_at,
        },
    )?;
    for (n, line) in lines.iter_mut().enumerate() {
        line.voucher_id = id;
        line.seq = i32::try_from(n + 1).map_err(|_| AppError::Internal("lines".into()))?;
        rows::insert_line(c, line)?;
    }
    Ok(id)
}

fn sides_of(lines: &[LineRow]) -> Vec<(Ledger, Money, Money)> {
    lines
        .iter()
        .map(|l| {
            (
                Ledger::parse(&l.ledger).unwrap_or(Ledger::Financial),
                Money::from_fen(l.debit_fen),
                Money::from_fen(l.credit_fen),
            )
        })
        .collect()
}

/// Inside the transaction of a correction: a reversing voucher (红字冲销) of voucher `id`, dated
/// `date`, its lines the same accounts and amounts on the other side, linked by `reverses`
/// (at most once: the database refuses a second reversal of one voucher).
pub fn reverse(c: &mut DbConnection, actor: &Actor, id: i64, date: NaiveDate) -> AppResult<i64> {
    let original = rows::find(c, actor.org_id, id)?.ok_or(AppError::NotFound("voucher"))?;
    let lines = rows::lines_of(c, actor.org_id, &[id])?
        .into_iter()
        .map(|l| LineRow {
            debit_fen: l.credit_fen,
            credit_fen: l.debit_fen,
            ..l
        })
        .collect();
    let summary = format!("冲销{} {}", number_of(&original), original.summary);
    let head = Head {
        date,
        event: EventKind::Reversal,
        summary: &summary,
        attachments: 0,
        source: (&original.source_type, original.source_id),
        reverses: Some(id),
    };
    write(c, actor, &head, lines)
}

/// A voucher's number, `记-2021-05-0001`.
pub fn number_of(row: &VoucherRow) -> String {
    voucher::number(row.year, row.month, i64::from(row.seq))
}

fn view(row: VoucherRow, lines: Vec<LineRow>, names: &HashMap<i64, String>) -> VoucherView {
    VoucherView {
        id: row.id,
        number: number_of(&row),
        date: row.date,
        summary: row.summary,
        attachments: row.attachments,
        event: row.event,
        source: VoucherSourceView {
            kind: row.source_type,
            id: row.source_id,
        },
        reverses: row.reverses,
        lines: lines
            .into_iter()
            .map(|l| VoucherLineView {
                ledger: l.ledger,
                account_code: l.account_code,
                account_name: l.account_name,
                debit: Money::from_fen(l.debit_fen),
                credit: Money::from_fen(l.credit_fen),
                project: l.project,
                project_name: l.budget_line_id.and_then(|id| names.get(&id).cloned()),
                function_class: l.function_class,
                economic_class: l.economic_class,
            })
            .collect(),
    }
}

fn with_lines(
    c: &mut DbConnection,
    org_id: i64,
    vouchers: Vec<VoucherRow>,
) -> AppResult<Vec<VoucherView>> {
    let ids: Vec<i64> = vouchers.iter().map(|v| v.id).collect();
    let mut lines: HashMap<i64, Vec<LineRow>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for l in rows::lines_of(c, org_id, chunk)? {
            lines.entry(l.voucher_id).or_default().push(l);
        }
    }
    let names: HashMap<i64, String> =
        if lines.values().flatten().any(|l| l.budget_line_id.is_some()) {
            crate::db::budget::all(c, org_id)?
                .into_iter()
                .map(|l| (l.id, l.name))
                .collect()
        } else {
            HashMap::new()
        };
    Ok(vouchers
        .into_iter()
        .map(|v| {
            let own = lines.remove(&v.id).unwrap_or_default();
            view(v, own, &names)
        })
        .collect())
}

/// `GET /api/v1/vouchers?from&to`: the vouchers dated in the period (either end open), in
/// number order, paged.
pub fn list(
    pool: &Pool,
    actor: &Actor,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: Option<Page>,
) -> AppResult<Vec<VoucherView>> {
    permissions::check(actor, UseCase::ReadVouchers)?;
    let mut c = conn(pool)?;
    let all = rows::in_period(&mut c, actor.org_id, from, to)?;
    let chosen = match page {
        Some(page) => page.cut(all, |v| v.id)?,
        None => all,
    };
    with_lines(&mut c, actor.org_id, chosen)
}

/// `GET /api/v1/vouchers/{id}`.
pub fn get(pool: &Pool, actor: &Actor, id: i64) -> AppResult<VoucherView> {
    permissions::check(actor, UseCase::ReadVouchers)?;
    let mut c = conn(pool)?;
    let row = rows::find(&mut c, actor.org_id, id)?.ok_or(AppError::NotFound("voucher"))?;
    let mut list = with_lines(&mut c, actor.org_id, vec![row])?;
    list.pop().ok_or(AppError::NotFound("voucher"))
}

/// The vouchers of one document, for its page's link; none for a caller who may not read them.
pub fn of_source(
    pool: &Pool,
    actor: &Actor,
    kind: SourceKind,
    id: i64,
) -> AppResult<Vec<VoucherView>> {
    if !permissions::allows(actor, UseCase::ReadVouchers) {
        return Ok(Vec::new());
    }
    let mut c = conn(pool)?;
    let rows = rows::of_source(&mut c, actor.org_id, kind.as_str(), id)?;
    with_lines(&mut c, actor.org_id, rows)
}

fn entries(map: &AccountMap) -> Vec<AccountMapEntry> {
    map.entries()
        .map(|(event, role, a)| AccountMapEntry {
            event: event.as_str().into(),
            role: role.as_str().into(),
            code: a.code.clone(),
            name: a.name.clone(),
        })
        .collect()
}

/// `GET /api/v1/account-map`: every event's accounts, the organisation's own over the defaults.
pub fn account_map(pool: &Pool, actor: &Actor) -> AppResult<Vec<AccountMapEntry>> {
    permissions::check(actor, UseCase::ReadAccountMap)?;
    Ok(entries(&map_of(&mut *conn(pool)?, actor.org_id)?))
}

/// `PUT /api/v1/account-map` (admin): sets the accounts given (others stay as they are); later
/// vouchers use them, written ones keep theirs.
pub fn set_account_map(
    pool: &Pool,
    actor: &Actor,
    accounts: AppResult<Vec<(EventKind, Role, Account)>>,
) -> AppResult<Vec<AccountMapEntry>> {
    permissions::check(actor, UseCase::SetAccountMap)?;
    let accounts = accounts?;
    act(pool, actor, |c| {
        for (event, role, a) in &accounts {
            rows::set_account(
                c,
                &MapRow {
                    org_id: actor.org_id,
                    event: event.as_str().into(),
                    role: role.as_str().into(),
                    account_code: a.code.clone(),
                    account_name: a.name.clone(),
                },
            )?;
        }
        Ok(entries(&map_of(c, actor.org_id)?))
    })
}

/// Books the vouchers of payments recorded before vouchers were written (R20 came after them):
/// for each organisation, every paid claim, paid advance, returned advance and paid subsidy
/// batch that no voucher books yet, in the order the money moved (its day, then when it was
/// recorded, then the document's id), in one write transaction per organisation. Each voucher
/// is the one the payment writes today ([`book`] with the use case's own booking), made by whoever
/// recorded the payment where the document says. Run at start-up and by `baoxiao vouchers
/// backfill`; a second run books nothing. The number of vouchers written.
pub fn backfill(pool: &Pool) -> AppResult<usize> {
    let mut c = conn(pool)?;
    // On PostgreSQL two instances starting together take turns, so none books an event twice.
    crate::db::startup_lock(&mut c, true)?;
    let result = (|| {
        let mut written = 0;
        for org in crate::db::orgs::all(&mut c)? {
            written += crate::db::write_tx(&mut c, |c| backfill_org(c, org.id))?;
        }
        Ok(written)
    })();
    crate::db::startup_lock(&mut c, false)?;
    result
}

/// [`backfill`] of one organisation, inside its transaction.
fn backfill_org(c: &mut DbConnection, org_id: i64) -> AppResult<usize> {
    use std::collections::HashSet;
    // The documents first, then the vouchers: a payment committed between the two reads has its
    // voucher committed with it.
    // (day, recorded at, document, event, recorded by)
    type Pending = (
        NaiveDate,
        Option<chrono::NaiveDateTime>,
        i64,
        EventKind,
        Option<i64>,
    );
    let mut events: Vec<Pending> = Vec::new();
    let sources = [
        (EventKind::ClaimPaid, rows::paid_claims(c, org_id)?),
        (EventKind::AdvancePaid, rows::paid_advances(c, org_id)?),
        (
            EventKind::AdvanceReturned,
            rows::returned_advances(c, org_id)?,
        ),
        (EventKind::SubsidyPaid, rows::paid_batches(c, org_id)?),
    ];
    for (kind, recorded) in sources {
        for (id, on, at, by) in recorded {
            events.push((on, at, id, kind, by));
        }
    }
    let booked: HashSet<(String, i64, String)> = rows::booked(c, org_id)?.into_iter().collect();
    events.retain(|(_, _, id, kind, _)| {
        let source = match kind {
            EventKind::AdvancePaid => SourceKind::Request,
            EventKind::SubsidyPaid => SourceKind::Batch,
            EventKind::ClaimPaid | EventKind::AdvanceReturned | EventKind::Reversal => {
                SourceKind::Claim
            }
        };
        !booked.contains(&(source.as_str().to_string(), *id, kind.as_str().to_string()))
    });
    events.sort_by_key(|(on, at, id, _, _)| (*on, *at, *id));
    let mut written = 0;
    for (on, _, id, kind, by) in events {
        let booking = match kind {
            EventKind::ClaimPaid => {
                let row = super::transition::find::<super::claims::Claim>(c, org_id, id)?;
                super::claims::booking_of_payment(c, org_id, &row, on)?
            }
            EventKind::AdvanceReturned => {
                let row = super::transition::find::<super::claims::Claim>(c, org_id, id)?;
                super::claims::booking_of_return(c, org_id, &row, on)?
            }
            EventKind::AdvancePaid => {
                let row =
                    super::transition::find::<super::travel_requests::Request>(c, org_id, id)?;
                let fen = row.advance_fen.ok_or_else(|| {
                    AppError::Internal("a paid advance without its amount".into())
                })?;
                let amount = Money::from_fen(fen);
                super::travel_requests::booking_of_advance(c, org_id, &row, amount, on)?
            }
            EventKind::SubsidyPaid => {
                let row = super::transition::find::<super::subsidy::Batch>(c, org_id, id)?;
                super::subsidy::booking_of_payment(&row, on)
            }
            // Not a payment: nothing above lists one.
            EventKind::Reversal => continue,
        };
        let maker = Actor {
            org_id,
            user_id: by.unwrap_or(0),
            roles: Vec::new(),
        };
        if book(c, &maker, &booking)?.is_some() {
            written += 1;
        }
    }
    Ok(written)
}

/// Something `verify` found wrong with an organisation's vouchers (R20).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoucherProblem {
    /// A voucher whose debits and credits differ in a ledger.
    Unbalanced {
        number: String,
        ledger: Ledger,
        debit: Money,
        credit: Money,
    },
    /// 行政支出 booked to a budget line differs from what the line spent.
    ExpenseDiffers {
        line: String,
        booked: Money,
        spent: Money,
    },
    /// 其他应收款's balance differs from the advances still owed.
    AdvancesDiffer { balance: Money, owed: Money },
    /// A month whose numbers skip one (`expected` is the first missing).
    Gap { month: String, expected: i32 },
}

impl std::fmt::Display for VoucherProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VoucherProblem::Unbalanced {
                number,
                ledger,
                debit,
                credit,
            } => write!(
                f,
                "voucher {number} unbalanced in {}: debit {debit}, credit {credit}",
                ledger.as_str()
            ),
            VoucherProblem::ExpenseDiffers {
                line,
                booked,
                spent,
            } => write!(
                f,
                "line {line}: budget_expense booked {booked}, spent {spent}"
            ),
            VoucherProblem::AdvancesDiffer { balance, owed } => {
                write!(f, "advance account balance {balance}, advances owed {owed}")
            }
            VoucherProblem::Gap { month, expected } => {
                write!(f, "voucher numbers of {month} skip {expected}")
            }
        }
    }
}

/// R20's invariants for organisation `org_id`: every voucher balanced per ledger; 行政支出 per
/// budget line equal to its own `spent` (`spent` maps each line to it); 其他应收款 equal to the
/// advances owed; numbers gapless in each month.
pub fn check(
    c: &mut DbConnection,
    org_id: i64,
    spent: &HashMap<i64, (String, Money)>,
) -> AppResult<Vec<VoucherProblem>> {
    let overflow = || AppError::Internal("overflow".into());
    let mut problems = Vec::new();
    let heads: HashMap<i64, VoucherRow> = rows::in_period(c, org_id, None, None)?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let lines = rows::all_lines(c, org_id)?;
    let mut per_voucher: BTreeMap<i64, Vec<(Ledger, Money, Money)>> = BTreeMap::new();
    let mut booked: HashMap<i64, Money> = HashMap::new();
    let mut advance = Money::ZERO;
    for l in &lines {
        let ledger = Ledger::parse(&l.ledger).unwrap_or(Ledger::Financial);
        let (d, cr) = (Money::from_fen(l.debit_fen), Money::from_fen(l.credit_fen));
        per_voucher
            .entry(l.voucher_id)
            .or_default()
            .push((ledger, d, cr));
        let net = d.checked_sub(cr).ok_or_else(overflow)?;
        match Role::parse(&l.role) {
            Some(Role::BudgetExpense) => {
                if let Some(line) = l.budget_line_id {
                    let sum = booked.entry(line).or_default();
                    *sum = sum.checked_add(net).ok_or_else(overflow)?;
                }
            }
            Some(Role::Advance) => advance = advance.checked_add(net).ok_or_else(overflow)?,
            _ => {}
        }
    }
    for (id, sides) in &per_voucher {
        for (ledger, debit, credit) in voucher::totals(sides).ok_or_else(overflow)? {
            if debit != credit {
                problems.push(VoucherProblem::Unbalanced {
                    number: heads.get(id).map(number_of).unwrap_or_default(),
                    ledger,
                    debit,
                    credit,
                });
            }
        }
    }
    for (line_id, (code, own_spent)) in spent {
        let b = booked.get(line_id).copied().unwrap_or_default();
        if b != *own_spent {
            problems.push(VoucherProblem::ExpenseDiffers {
                line: code.clone(),
                booked: b,
                spent: *own_spent,
            });
        }
    }
    let owed = super::travel_requests::owed_in_all(c, org_id)?;
    if advance != owed {
        problems.push(VoucherProblem::AdvancesDiffer {
            balance: advance,
            owed,
        });
    }
    let mut expected: BTreeMap<(i32, i32), i32> = BTreeMap::new();
    for (year, month, seq) in rows::all_numbers(c, org_id)? {
        let next = expected.entry((year, month)).or_insert(1);
        if seq != *next {
            problems.push(VoucherProblem::Gap {
                month: format!("{year:04}-{month:02}"),
                expected: *next,
            });
        }
        *next = seq + 1;
    }
    Ok(problems)
}

/// A person's name for a 摘要 (empty for one no longer found).
pub fn person(c: &mut DbConnection, org_id: i64, user_id: i64) -> AppResult<String> {
    Ok(crate::db::users::find(c, org_id, user_id)?
        .map(|u| u.name)
        .unwrap_or_default())
}

/// What 记账凭证's list is narrowed to: a month, a kind of document or one document, a number
/// (or part of one), an amount on some line.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// `(year, month)`; every month when absent.
    pub month: Option<(i32, u32)>,
    /// `travel_claim`, `travel_request` or `subsidy_batch`.
    pub source: Option<String>,
    /// One document's id (with `source`).
    pub source_id: Option<i64>,
    pub number: Option<String>,
    pub amount: Option<Money>,
}

/// 记账凭证: the vouchers the filter keeps, in number order.
pub fn find(pool: &Pool, actor: &Actor, filter: &Filter) -> AppResult<Vec<VoucherView>> {
    let (from, to) = match filter.month {
        Some((y, m)) => {
            let first = NaiveDate::from_ymd_opt(y, m, 1).ok_or(AppError::NotFound("month"))?;
            let last = first
                .checked_add_months(chrono::Months::new(1))
                .and_then(|d| d.pred_opt())
                .ok_or(AppError::NotFound("month"))?;
            (Some(first), Some(last))
        }
        None => (None, None),
    };
    let all = list(pool, actor, from, to, None)?;
    Ok(all
        .into_iter()
        .filter(|v| filter.source.as_ref().is_none_or(|s| *s == v.source.kind))
        .filter(|v| filter.source_id.is_none_or(|id| id == v.source.id))
        .filter(|v| {
            filter
                .number
                .as_ref()
                .is_none_or(|n| v.number.contains(n.trim()))
        })
        .filter(|v| {
            filter
                .amount
                .is_none_or(|a| v.lines.iter().any(|l| l.debit == a || l.credit == a))
        })
        .collect())
}

/// A voucher as its page and print view show it.
#[derive(Clone, Debug)]
pub struct VoucherPage {
    pub voucher: VoucherView,
    pub organisation: String,
    /// 制单: who recorded the event that wrote it.
    pub maker: String,
    /// The voucher reversing this one, if any: `(id, number)`.
    pub reversed_by: Option<(i64, String)>,
    /// The number of the voucher this one reverses.
    pub reverses_number: Option<String>,
}

/// One voucher with what its page shows beside it.
pub fn page(pool: &Pool, actor: &Actor, id: i64) -> AppResult<VoucherPage> {
    let voucher = get(pool, actor, id)?;
    let mut c = conn(pool)?;
    let row = rows::find(&mut c, actor.org_id, id)?.ok_or(AppError::NotFound("voucher"))?;
    let organisation = crate::db::pages::org_name(&mut c, actor.org_id)?.unwrap_or_default();
    let maker = match row.made_by {
        Some(user) => person(&mut c, actor.org_id, user)?,
        None => String::new(),
    };
    let same_source = rows::of_source(&mut c, actor.org_id, &row.source_type, row.source_id)?;
    let reversed_by = same_source
        .iter()
        .find(|v| v.reverses == Some(id))
        .map(|v| (v.id, number_of(v)));
    let reverses_number = match row.reverses {
        Some(r) => rows::find(&mut c, actor.org_id, r)?.map(|v| number_of(&v)),
        None => None,
    };
    Ok(VoucherPage {
        voucher,
        organisation,
        maker,
        reversed_by,
        reverses_number,
    })
}
