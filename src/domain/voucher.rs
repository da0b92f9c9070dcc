//! R20 Vouchers in government double entry (记账凭证，财务会计与预算会计平行记账): the lines of
//! the voucher that an event moving money gives, in the two parallel ledgers of the 政府会计制度,
//! with the accounts of the organisation's map.
//!
//! Defaults (财政授权支付, through the 零余额账户), per event:
//!
//! | event | 财务会计 | 预算会计 |
//! |---|---|---|
//! | claim paid R, no advance | 借 5001 R / 贷 1011 R | 借 7201 R / 贷 8001 R |
//! | advance A paid | 借 1218 A / 贷 1011 A | none |
//! | claim paid against A, net N = R − A ≥ 0 | 借 5001 R / 贷 1218 A, 贷 1011 N | 借 7201 R / 贷 8001 R |
//! | … or to return T = A − R > 0 | 借 5001 R / 贷 1218 R | 借 7201 R / 贷 8001 R |
//! | T returned | 借 1011 T / 贷 1218 T | none |
//! | subsidy batch paid S | 借 5001 S / 贷 1011 S | 借 7201 S / 贷 8001 S |
//!
//! Worked example (R16's request): the advance of 1,250.00 gives 借 1218 1,250.00 / 贷 1011
//! 1,250.00; the claim of 1,231.00 gives 借 5001 / 贷 1218 1,231.00 and 借 7201 / 贷 8001 1,231.00;
//! the 19.00 returned gives 借 1011 / 贷 1218 19.00.

use std::collections::BTreeMap;
use std::fmt;

use super::Money;

/// One of the two parallel ledgers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ledger {
    /// 财务会计 (accrual).
    Financial,
    /// 预算会计 (budget, cash basis).
    Budgetary,
}

impl Ledger {
    pub const ALL: [Ledger; 2] = [Ledger::Financial, Ledger::Budgetary];

    pub fn as_str(self) -> &'static str {
        match self {
            Ledger::Financial => "financial",
            Ledger::Budgetary => "budgetary",
        }
    }

    pub fn parse(text: &str) -> Option<Ledger> {
        Ledger::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// Its name on a printed voucher.
    pub fn chinese(self) -> &'static str {
        match self {
            Ledger::Financial => "财务会计",
            Ledger::Budgetary => "预算会计",
        }
    }
}

/// What an account stands for in an event, whatever code the organisation gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// 业务活动费用 (5001).
    Expense,
    /// Where the money comes from: 零余额账户用款额度 (1011), or 财政拨款收入 (4001) when the
    /// treasury pays directly.
    Payment,
    /// 其他应收款 (1218): what a traveller owes back.
    Advance,
    /// 行政支出 (7201).
    BudgetExpense,
    /// 资金结存 (8001), or 财政拨款预算收入 (6001) when the treasury pays directly.
    BudgetPayment,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Expense,
        Role::Payment,
        Role::Advance,
        Role::BudgetExpense,
        Role::BudgetPayment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Expense => "expense",
            Role::Payment => "payment",
            Role::Advance => "advance",
            Role::BudgetExpense => "budget_expense",
            Role::BudgetPayment => "budget_payment",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The ledger the role's account belongs to.
    pub fn ledger(self) -> Ledger {
        match self {
            Role::Expense | Role::Payment | Role::Advance => Ledger::Financial,
            Role::BudgetExpense | Role::BudgetPayment => Ledger::Budgetary,
        }
    }

    /// An expense line carries the budget line's code as its 项目, and its classification.
    pub fn is_expense(self) -> bool {
        matches!(self, Role::Expense | Role::BudgetExpense)
    }
}

/// The kind of event a voucher books; the map gives accounts per kind and role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    ClaimPaid,
    AdvancePaid,
    AdvanceReturned,
    SubsidyPaid,
    /// A reversing voucher (红字冲销): the lines of the voucher it reverses, sides swapped.
    Reversal,
}

impl EventKind {
    /// The kinds the account map has accounts for.
    pub const MAPPED: [EventKind; 4] = [
        EventKind::ClaimPaid,
        EventKind::AdvancePaid,
        EventKind::AdvanceReturned,
        EventKind::SubsidyPaid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ClaimPaid => "claim_paid",
            EventKind::AdvancePaid => "advance_paid",
            EventKind::AdvanceReturned => "advance_returned",
            EventKind::SubsidyPaid => "subsidy_paid",
            EventKind::Reversal => "reversal",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::MAPPED
            .into_iter()
            .chain([EventKind::Reversal])
            .find(|e| e.as_str() == text)
    }

    /// The roles whose accounts the event's lines use.
    pub fn roles(self) -> &'static [Role] {
        match self {
            EventKind::ClaimPaid => &[
                Role::Expense,
                Role::Payment,
                Role::Advance,
                Role::BudgetExpense,
                Role::BudgetPayment,
            ],
            EventKind::AdvancePaid | EventKind::AdvanceReturned => &[Role::Advance, Role::Payment],
            EventKind::SubsidyPaid => &[
                Role::Expense,
                Role::Payment,
                Role::BudgetExpense,
                Role::BudgetPayment,
            ],
            EventKind::Reversal => &[],
        }
    }

    /// Its name in the list of vouchers.
    pub fn chinese(self) -> &'static str {
        match self {
            EventKind::ClaimPaid => "报销付款",
            EventKind::AdvancePaid => "借款",
            EventKind::AdvanceReturned => "借款归还",
            EventKind::SubsidyPaid => "补助发放",
            EventKind::Reversal => "红字冲销",
        }
    }
}

/// An account of the chart: its code (with any 明细 subaccount, `121801`) and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub code: String,
    pub name: String,
}

/// The organisation's accounts, per event and role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountMap {
    accounts: BTreeMap<(EventKind, Role), Account>,
}

impl AccountMap {
    /// Sets (or replaces) the account of `role` in `event`.
    pub fn set(&mut self, event: EventKind, role: Role, account: Account) {
        self.accounts.insert((event, role), account);
    }

    pub fn get(&self, event: EventKind, role: Role) -> Option<&Account> {
        self.accounts.get(&(event, role))
    }

    /// Every (event, role) with its account, in a fixed order.
    pub fn entries(&self) -> impl Iterator<Item = (EventKind, Role, &Account)> {
        self.accounts.iter().map(|(&(e, r), a)| (e, r, a))
    }

    /// The first (event, role) an event needs that the map lacks.
    pub fn missing(&self) -> Option<(EventKind, Role)> {
        EventKind::MAPPED.into_iter().find_map(|e| {
            e.roles()
                .iter()
                .find(|r| self.get(e, **r).is_none())
                .map(|r| (e, *r))
        })
    }
}

/// An event that moves money, with its amounts (R16, R9, R20).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A claim of `reimbursable` paid, settling `advance` (0.00: none).
    ClaimPaid { reimbursable: Money, advance: Money },
    /// An advance paid to a traveller.
    AdvancePaid { amount: Money },
    /// What a paid claim left the traveller owing, returned.
    AdvanceReturned { amount: Money },
    /// A subsidy batch paid, its total.
    SubsidyPaid { total: Money },
}

impl Event {
    pub fn kind(self) -> EventKind {
        match self {
            Event::ClaimPaid { .. } => EventKind::ClaimPaid,
            Event::AdvancePaid { .. } => EventKind::AdvancePaid,
            Event::AdvanceReturned { .. } => EventKind::AdvanceReturned,
            Event::SubsidyPaid { .. } => EventKind::SubsidyPaid,
        }
    }
}

/// A side of a line: 借 (debit) or 贷 (credit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Debit,
    Credit,
}

/// One line of a voucher: an amount above 0.00 on one side of one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub ledger: Ledger,
    pub role: Role,
    pub account: Account,
    pub side: Side,
    pub amount: Money,
}

impl Line {
    pub fn debit(&self) -> Money {
        match self.side {
            Side::Debit => self.amount,
            Side::Credit => Money::ZERO,
        }
    }

    pub fn credit(&self) -> Money {
        match self.side {
            Side::Credit => self.amount,
            Side::Debit => Money::ZERO,
        }
    }
}

/// Why a voucher could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoucherError {
    /// The map has no account for a role the event needs.
    Unmapped(EventKind, Role),
    /// An amount below 0.00, or a sum out of range.
    Amount,
}

impl fmt::Display for VoucherError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VoucherError::Unmapped(e, r) => {
                write!(f, "no account for {} in {}", r.as_str(), e.as_str())
            }
            VoucherError::Amount => f.write_str("a voucher amount out of range"),
        }
    }
}

impl std::error::Error for VoucherError {}

/// The lines of the voucher `event` gives with the accounts of `map`, in the order printed
/// (财务会计 first, debits before credits); a line of 0.00 is left out, so an event of 0.00
/// gives none. Every voucher built is balanced in each ledger.
pub fn lines(event: Event, map: &AccountMap) -> Result<Vec<Line>, VoucherError> {
    let kind = event.kind();
    let mut out = Vec::new();
    let mut put = |role: Role, side: Side, amount: Money| -> Result<(), VoucherError> {
        if amount.is_negative() {
            return Err(VoucherError::Amount);
        }
        if amount.is_zero() {
            return Ok(());
        }
        let account = map
            .get(kind, role)
            .ok_or(VoucherError::Unmapped(kind, role))?;
        out.push(Line {
            ledger: role.ledger(),
            role,
            account: account.clone(),
            side,
            amount,
        });
        Ok(())
    };
    match event {
        Event::ClaimPaid {
            reimbursable,
            advance,
        } => {
            // Of the reimbursable, what the advance covers and what is paid on top (R16).
            let settled = reimbursable.min(advance);
            let net = reimbursable
                .checked_sub(settled)
                .ok_or(VoucherError::Amount)?;
            put(Role::Expense, Side::Debit, reimbursable)?;
            put(Role::Advance, Side::Credit, settled)?;
            put(Role::Payment, Side::Credit, net)?;
            put(Role::BudgetExpense, Side::Debit, reimbursable)?;
            put(Role::BudgetPayment, Side::Credit, reimbursable)?;
        }
        Event::AdvancePaid { amount } => {
            put(Role::Advance, Side::Debit, amount)?;
            put(Role::Payment, Side::Credit, amount)?;
        }
        Event::AdvanceReturned { amount } => {
            put(Role::Payment, Side::Debit, amount)?;
            put(Role::Advance, Side::Credit, amount)?;
        }
        Event::SubsidyPaid { total } => {
            put(Role::Expense, Side::Debit, total)?;
            put(Role::Payment, Side::Credit, total)?;
            put(Role::BudgetExpense, Side::Debit, total)?;
            put(Role::BudgetPayment, Side::Credit, total)?;
        }
    }
    Ok(out)
}

/// The lines of a reversing voucher (红字冲销) of one with `lines`: the same accounts and
/// amounts, each on the other side, so the two together leave every account as it was.
pub fn reversal(lines: &[Line]) -> Vec<Line> {
    lines
        .iter()
        .map(|l| Line {
            side: match l.side {
                Side::Debit => Side::Credit,
                Side::Credit => Side::Debit,
            },
            ..l.clone()
        })
        .collect()
}

/// Debits and credits of each ledger: `(ledger, debits, credits)`; `None` on overflow.
pub fn totals(lines: &[(Ledger, Money, Money)]) -> Option<Vec<(Ledger, Money, Money)>> {
    Ledger::ALL
        .into_iter()
        .map(|ledger| {
            let of = lines.iter().filter(|l| l.0 == ledger);
            let debit = Money::checked_sum(of.clone().map(|l| l.1))?;
            let credit = Money::checked_sum(of.map(|l| l.2))?;
            Some((ledger, debit, credit))
        })
        .collect()
}

/// Whether debits equal credits in each ledger (R20).
pub fn balanced(lines: &[(Ledger, Money, Money)]) -> bool {
    totals(lines).is_some_and(|t| t.iter().all(|(_, d, c)| d == c))
}

/// The lines as `(ledger, debit, credit)`, for [`totals`] and [`balanced`].
pub fn sides(lines: &[Line]) -> Vec<(Ledger, Money, Money)> {
    lines
        .iter()
        .map(|l| (l.ledger, l.debit(), l.credit()))
        .collect()
}

/// A voucher's number: `记-2021-05-0001` (per organisation and month, from 1, without gaps).
pub fn number(year: i32, month: i32, seq: i64) -> String {
    format!("记-{year:04}-{month:02}-{seq:04}")
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use proptest::prelude::*;

    fn account(code: &str, name: &str) -> Account {
        Account {
            code: code.into(),
            name: name.into(),
        }
    }

    /// R20's defaults, 财政授权支付.
    pub fn default_map() -> AccountMap {
        let mut map = AccountMap::default();
        for event in EventKind::MAPPED {
            for role in event.roles() {
                let a = match role {
                    Role::Expense => account("5001", "业务活动费用"),
                    Role::Payment => account("1011", "零余额账户用款额度"),
                    Role::Advance => account("1218", "其他应收款"),
                    Role::BudgetExpense => account("7201", "行政支出"),
                    Role::BudgetPayment => account("8001", "资金结存"),
                };
                map.set(event, *role, a);
            }
        }
        map
    }

    fn y(text: &str) -> Money {
        Money::parse_input(text).unwrap()
    }

    /// The lines as `(ledger, code, debit, credit)` text, for table comparisons.
    fn shown(lines: &[Line]) -> Vec<(&'static str, String, String, String)> {
        lines
            .iter()
            .map(|l| {
                (
                    l.ledger.as_str(),
                    l.account.code.clone(),
                    l.debit().to_string(),
                    l.credit().to_string(),
                )
            })
            .collect()
    }

    fn row(
        ledger: &'static str,
        code: &str,
        d: &str,
        c: &str,
    ) -> (&'static str, String, String, String) {
        (ledger, code.into(), d.into(), c.into())
    }

    /// R20's worked example: the three vouchers of R16's request.
    #[test]
    fn the_worked_example_gives_three_vouchers() {
        let map = default_map();
        let advance = lines(
            Event::AdvancePaid {
                amount: y("1250.00"),
            },
            &map,
        )
        .unwrap();
        assert_eq!(
            shown(&advance),
            vec![
                row("financial", "1218", "1250.00", "0.00"),
                row("financial", "1011", "0.00", "1250.00"),
            ]
        );
        let claim = lines(
            Event::ClaimPaid {
                reimbursable: y("1231.00"),
                advance: y("1250.00"),
            },
            &map,
        )
        .unwrap();
        assert_eq!(
            shown(&claim),
            vec![
                row("financial", "5001", "1231.00", "0.00"),
                row("financial", "1218", "0.00", "1231.00"),
                row("budgetary", "7201", "1231.00", "0.00"),
                row("budgetary", "8001", "0.00", "1231.00"),
            ]
        );
        let returned = lines(Event::AdvanceReturned { amount: y("19.00") }, &map).unwrap();
        assert_eq!(
            shown(&returned),
            vec![
                row("financial", "1011", "19.00", "0.00"),
                row("financial", "1218", "0.00", "19.00"),
            ]
        );
    }

    #[test]
    fn each_event_of_the_table() {
        let map = default_map();
        let cases = [
            (
                Event::ClaimPaid {
                    reimbursable: y("3120.00"),
                    advance: Money::ZERO,
                },
                vec![
                    row("financial", "5001", "3120.00", "0.00"),
                    row("financial", "1011", "0.00", "3120.00"),
                    row("budgetary", "7201", "3120.00", "0.00"),
                    row("budgetary", "8001", "0.00", "3120.00"),
                ],
            ),
            (
                // R16: 3,120.00 against an advance of 3,000.00: net payable 120.00.
                Event::ClaimPaid {
                    reimbursable: y("3120.00"),
                    advance: y("3000.00"),
                },
                vec![
                    row("financial", "5001", "3120.00", "0.00"),
                    row("financial", "1218", "0.00", "3000.00"),
                    row("financial", "1011", "0.00", "120.00"),
                    row("budgetary", "7201", "3120.00", "0.00"),
                    row("budgetary", "8001", "0.00", "3120.00"),
                ],
            ),
            (
                Event::SubsidyPaid {
                    total: y("39600.00"),
                },
                vec![
                    row("financial", "5001", "39600.00", "0.00"),
                    row("financial", "1011", "0.00", "39600.00"),
                    row("budgetary", "7201", "39600.00", "0.00"),
                    row("budgetary", "8001", "0.00", "39600.00"),
                ],
            ),
            (Event::SubsidyPaid { total: Money::ZERO }, vec![]),
        ];
        for (event, expected) in cases {
            assert_eq!(shown(&lines(event, &map).unwrap()), expected, "{event:?}");
        }
    }

    #[test]
    fn a_reversal_swaps_every_side() {
        let map = default_map();
        let paid = lines(
            Event::SubsidyPaid {
                total: y("39600.00"),
            },
            &map,
        )
        .unwrap();
        let back = reversal(&paid);
        assert_eq!(
            shown(&back),
            vec![
                row("financial", "5001", "0.00", "39600.00"),
                row("financial", "1011", "39600.00", "0.00"),
                row("budgetary", "7201", "0.00", "39600.00"),
                row("budgetary", "8001", "39600.00", "0.00"),
            ]
        );
        assert!(balanced(&sides(&back)));
    }

    #[test]
    fn a_map_without_an_account_refuses() {
        let mut map = AccountMap::default();
        map.set(
            EventKind::AdvancePaid,
            Role::Advance,
            account("1218", "其他应收款"),
        );
        assert_eq!(
            lines(Event::AdvancePaid { amount: y("1.00") }, &map),
            Err(VoucherError::Unmapped(
                EventKind::AdvancePaid,
                Role::Payment
            ))
        );
        assert_eq!(map.missing(), Some((EventKind::ClaimPaid, Role::Expense)));
        assert_eq!(default_map().missing(), None);
    }

    #[test]
    fn numbers_per_month() {
        assert_eq!(number(2021, 5, 1), "记-2021-05-0001");
        assert_eq!(number(2021, 12, 123), "记-2021-12-0123");
    }

    fn amount() -> impl Strategy<Value = Money> {
        (0i64..10_000_000_000).prop_map(Money::from_fen)
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (amount(), amount()).prop_map(|(r, a)| Event::ClaimPaid {
                reimbursable: r,
                advance: a
            }),
            amount().prop_map(|a| Event::AdvancePaid { amount: a }),
            amount().prop_map(|a| Event::AdvanceReturned { amount: a }),
            amount().prop_map(|t| Event::SubsidyPaid { total: t }),
        ]
    }

    proptest! {
        /// Every voucher built balances in each ledger, and so does its reversal.
        #[test]
        fn every_voucher_balances_per_ledger(e in event()) {
            let built = lines(e, &default_map()).unwrap();
            prop_assert!(balanced(&sides(&built)));
            prop_assert!(balanced(&sides(&reversal(&built))));
            prop_assert!(built.iter().all(|l| !l.amount.is_zero() && !l.amount.is_negative()));
        }

        /// The sums are right: a claim's expense is its reimbursable in both ledgers, and the
        /// advance account is credited with what the advance settles, never more than it.
        #[test]
        fn a_claim_books_its_reimbursable(r in amount(), a in amount()) {
            let built = lines(Event::ClaimPaid { reimbursable: r, advance: a }, &default_map()).unwrap();
            let sum = |role: Role, f: fn(&Line) -> Money| {
                Money::checked_sum(built.iter().filter(|l| l.role == role).map(f)).unwrap()
            };
            prop_assert_eq!(sum(Role::Expense, Line::debit), r);
            prop_assert_eq!(sum(Role::BudgetExpense, Line::debit), r);
            prop_assert_eq!(sum(Role::Advance, Line::credit), r.min(a));
            prop_assert_eq!(
                sum(Role::Payment, Line::credit),
                r.checked_sub(r.min(a)).unwrap()
            );
        }
    }
}
