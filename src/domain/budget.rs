//! R11 Budget lines (预算项目) and the append-only ledger.
//!
//! Every line keeps its own `allocated` and the rolled-up `committed` and `spent` of itself and all
//! its descendants, so `available` is read from one row. The ledger holds the entries that produced
//! those balances; [`replay`] recomputes them, and the balances must always equal the replay.

use std::fmt;

use super::money::{Money, MoneyError};
use super::status::text_forms;

/// The kind of a ledger entry (R11) and what it does to the balance of the line it is posted to.
///
/// Worked example: allocate 79,200.00; commit 39,600.00 (a batch approved); spend 39,600.00 (paid):
/// allocated 79,200.00, committed 0.00, spent 39,600.00, available 39,600.00.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// Money given to the line: `allocated += x`.
    Allocate,
    /// Money promised by an approval: `committed += x`.
    Commit,
    /// A commitment withdrawn (rejected or voided): `committed −= x`.
    Release,
    /// A commitment paid: `committed −= x`, `spent += x`.
    Spend,
    /// R14: an approved budget adjustment, signed: `allocated += x` (negative for a reduction or
    /// the losing side of a transfer).
    Adjust,
}

impl EntryKind {
    pub const ALL: [EntryKind; 5] = [
        EntryKind::Allocate,
        EntryKind::Commit,
        EntryKind::Release,
        EntryKind::Spend,
        EntryKind::Adjust,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Allocate => "allocate",
            EntryKind::Commit => "commit",
            EntryKind::Release => "release",
            EntryKind::Spend => "spend",
            EntryKind::Adjust => "adjust",
        }
    }

    pub fn parse(text: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The kind of document a ledger entry is for (R11): `travel_claim` 42 is claim 42's commitment,
/// release or spend; `budget_line` is a line's allocation when it was created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceType {
    BudgetLine,
    TravelClaim,
    SubsidyBatch,
    TravelRequest,
    BudgetAdjustment,
}

impl SourceType {
    pub const ALL: [SourceType; 5] = [
        SourceType::BudgetLine,
        SourceType::TravelClaim,
        SourceType::SubsidyBatch,
        SourceType::TravelRequest,
        SourceType::BudgetAdjustment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceType::BudgetLine => "budget_line",
            SourceType::TravelClaim => "travel_claim",
            SourceType::SubsidyBatch => "subsidy_batch",
            SourceType::TravelRequest => "travel_request",
            SourceType::BudgetAdjustment => "budget_adjustment",
        }
    }

    pub fn parse(text: &str) -> Option<SourceType> {
        SourceType::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A stored kind of entry or source that this version does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownKind(pub String);

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown ledger kind {:?}", self.0)
    }
}

impl std::error::Error for UnknownKind {}

text_forms!(UnknownKind: EntryKind, SourceType);

/// A line's balance (R11). `available = allocated − committed − spent`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    pub allocated: Money,
    pub committed: Money,
    pub spent: Money,
}

impl Balance {
    /// `allocated − committed − spent`; 200,000.00 − 1,231.00 − 0.00 = 198,769.00. Out of range
    /// only for amounts no ledger holds (fen beyond `i64`): `MoneyError::Overflow`, never a
    /// plausible figure.
    pub fn available(&self) -> Result<Money, MoneyError> {
        self.allocated
            .checked_sub(self.committed)
            .and_then(|m| m.checked_sub(self.spent))
            .ok_or(MoneyError::Overflow)
    }

    /// The balance after one entry; `None` if the arithmetic overflows.
    pub fn apply(self, kind: EntryKind, amount: Money) -> Option<Balance> {
        let mut b = self;
        match kind {
            EntryKind::Allocate | EntryKind::Adjust => {
                b.allocated = b.allocated.checked_add(amount)?
            }
            EntryKind::Commit => b.committed = b.committed.checked_add(amount)?,
            EntryKind::Release => b.committed = b.committed.checked_sub(amount)?,
            EntryKind::Spend => {
                b.committed = b.committed.checked_sub(amount)?;
                b.spent = b.spent.checked_add(amount)?;
            }
        }
        Some(b)
    }

    /// Adds a descendant's committed and spent into this (parent's) balance; allocation is per line.
    pub fn roll_up(self, child: &Balance) -> Option<Balance> {
        Some(Balance {
            allocated: self.allocated,
            committed: self.committed.checked_add(child.committed)?,
            spent: self.spent.checked_add(child.spent)?,
        })
    }
}

/// R11 "a parent's committed and spent include all its descendants'": each line's balance with
/// every descendant's own movements rolled up into it. `lines` are (id, parent, the line's own
/// balance) of one tree; `None` if the arithmetic overflows.
///
/// Worked example: a root allocated 900,000.00 whose child (allocated 630,000.00) committed
/// 1,231.00 and whose grandchild spent 580.00: the root reads committed 1,231.00, spent 580.00,
/// still allocated 900,000.00.
pub fn rolled_up<K: Copy + Eq + std::hash::Hash>(
    lines: &[(K, Option<K>, Balance)],
) -> Option<std::collections::HashMap<K, Balance>> {
    let parent: std::collections::HashMap<K, Option<K>> =
        lines.iter().map(|(id, p, _)| (*id, *p)).collect();
    let mut total: std::collections::HashMap<K, Balance> =
        lines.iter().map(|(id, _, b)| (*id, *b)).collect();
    for (_, first, own) in lines {
        let mut up = *first;
        while let Some(p) = up {
            if let Some(t) = total.get_mut(&p) {
                *t = t.roll_up(own)?;
            }
            up = parent.get(&p).copied().flatten();
        }
    }
    Some(total)
}

/// The balance a line's own entries produce, in order (R11 "balances always equal a replay").
pub fn replay<I: IntoIterator<Item = (EntryKind, Money)>>(entries: I) -> Option<Balance> {
    entries
        .into_iter()
        .try_fold(Balance::default(), |b, (kind, amount)| {
            b.apply(kind, amount)
        })
}

/// R11 oversubscription: by how much the children's allocations exceed the parent's; 0.00 when
/// they fit. 信访工作经费 900,000.00 with children adding to 1,550,000.00 → 650,000.00.
/// `MoneyError::Overflow` when the sum leaves the range of money.
pub fn oversubscribed_by(
    allocated: Money,
    children_allocated: &[Money],
) -> Result<Money, MoneyError> {
    Money::checked_sum(children_allocated.iter().copied())
        .and_then(|sum| sum.checked_sub(allocated))
        .map(|excess| excess.max(Money::ZERO))
        .ok_or(MoneyError::Overflow)
}

/// The most levels a budget tree may have (R11): a root line is level 1. Real trees have four or
/// five; the cap keeps every walk up the tree short and bounded.
pub const MAX_LEVELS: i32 = 16;

/// A line code (R11): dot-separated segments of lower-case letters, digits and '-', such as
/// `dept.project.cadre-subsidy`; unique per organisation and year.
pub fn is_valid_code(code: &str) -> bool {
    code.len() <= 200
        && code.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
}

/// The line that refused a commitment (R11): its code and what it had available.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insufficient {
    pub line_code: String,
    /// The line's name, as people call it (pages name it; the API gives the code).
    pub line_name: String,
    pub available: Money,
    pub requested: Money,
}

/// R11: the binding line of a refused commitment of `requested` — of the lines that cannot cover
/// it, the one with the least available (the nearest the leaf among equals). `lines` go leaf first.
///
/// Worked example: a leaf with 150.00 under a parent with 100.00 cannot take 180.00, and the
/// parent binds: raising the leaf alone would not let the commitment through.
pub fn binding_line<T>(
    lines: impl IntoIterator<Item = (T, Money)>,
    requested: Money,
) -> Option<(T, Money)> {
    lines
        .into_iter()
        .filter(|(_, available)| *available < requested)
        .min_by_key(|(_, available)| *available)
}

/// R14: what a budget adjustment of the line `to` (and, for a transfer, from the line `from`)
/// changes: the lines that lose the amount and those that gain it, each leaf first. Paths are the
/// lines' ids from leaf to root.
///
/// A supplement raises the line and every ancestor; a reduction lowers them; a transfer lowers
/// `from` and its ancestors below the lowest common ancestor and raises `to` and its ancestors
/// below it, leaving the common ancestor and everything above unchanged.
///
/// Worked example: a transfer from `…petition-work.publicity` to `…petition-work.beijing-duty`
/// changes only those two lines; `…petition-work` and above are untouched.
pub fn affected(kind: AdjustmentKind, to: &[i64], from: &[i64]) -> (Vec<i64>, Vec<i64>) {
    match kind {
        AdjustmentKind::Supplement => (Vec::new(), to.to_vec()),
        AdjustmentKind::Reduce => (to.to_vec(), Vec::new()),
        AdjustmentKind::Transfer => {
            let below = |path: &[i64], other: &[i64]| -> Vec<i64> {
                path.iter()
                    .copied()
                    .take_while(|id| !other.contains(id))
                    .collect()
            };
            (below(from, to), below(to, from))
        }
    }
}

/// The three kinds of budget adjustment (R14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjustmentKind {
    /// 追加: money from outside the department.
    Supplement,
    /// 调减.
    Reduce,
    /// 调剂: between two lines of the same year.
    Transfer,
}

impl AdjustmentKind {
    pub const ALL: [AdjustmentKind; 3] = [
        AdjustmentKind::Supplement,
        AdjustmentKind::Reduce,
        AdjustmentKind::Transfer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentKind::Supplement => "supplement",
            AdjustmentKind::Reduce => "reduce",
            AdjustmentKind::Transfer => "transfer",
        }
    }

    pub fn parse(text: &str) -> Option<AdjustmentKind> {
        AdjustmentKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The name finance offices use.
    pub fn chinese(self) -> &'static str {
        match self {
            AdjustmentKind::Supplement => "追加",
            AdjustmentKind::Reduce => "调减",
            AdjustmentKind::Transfer => "调剂",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn r11_parents_include_their_descendants() {
        let own = |allocated: i64, committed: i64, spent: i64| Balance {
            allocated: Money::yuan(allocated),
            committed: Money::yuan(committed),
            spent: Money::yuan(spent),
        };
        let lines = [
            (1, None, own(900_000, 0, 0)),
            (2, Some(1), own(630_000, 1231, 0)),
            (3, Some(2), own(100_000, 0, 580)),
            (4, Some(1), own(320_000, 0, 0)),
        ];
        let total = rolled_up(&lines).unwrap_or_default();
        assert_eq!(total.get(&1), Some(&own(900_000, 1231, 580)));
        assert_eq!(total.get(&2), Some(&own(630_000, 1231, 580)));
        assert_eq!(total.get(&3), Some(&own(100_000, 0, 580)));
        assert_eq!(total.get(&4), Some(&own(320_000, 0, 0)));
    }

    #[test]
    fn the_binding_line_has_the_least_available() {
        let path = [
            ("leaf", Money::yuan(150)),
            ("parent", Money::yuan(100)),
            ("root", Money::yuan(900)),
        ];
        assert_eq!(
            binding_line(path, Money::yuan(180)),
            Some(("parent", Money::yuan(100)))
        );
        assert_eq!(
            binding_line(path, Money::yuan(120)),
            Some(("parent", Money::yuan(100)))
        );
        assert_eq!(binding_line(path, Money::yuan(100)), None);
        let tie = [("leaf", Money::yuan(50)), ("root", Money::yuan(50))];
        assert_eq!(
            binding_line(tie, Money::yuan(60)),
            Some(("leaf", Money::yuan(50)))
        );
    }

    #[test]
    fn worked_example_allocate_commit_spend() {
        let b = replay([
            (EntryKind::Allocate, Money::yuan(79_200)),
            (EntryKind::Commit, Money::yuan(39_600)),
            (EntryKind::Spend, Money::yuan(39_600)),
        ]);
        let b = b.unwrap_or_default();
        assert_eq!(b.committed, Money::ZERO);
        assert_eq!(b.spent, Money::yuan(39_600));
        assert_eq!(b.available(), Ok(Money::yuan(39_600)));
    }

    #[test]
    fn oversubscription_of_petition_work() {
        let children = [630_000, 320_000, 200_000, 200_000, 200_000].map(Money::yuan);
        assert_eq!(
            oversubscribed_by(Money::yuan(900_000), &children),
            Ok(Money::yuan(650_000))
        );
        assert_eq!(
            oversubscribed_by(Money::yuan(2_000_000), &children),
            Ok(Money::ZERO)
        );
        assert_eq!(oversubscribed_by(Money::yuan(1), &[]), Ok(Money::ZERO));
    }

    #[test]
    fn codes() {
        assert!(is_valid_code("dept.project.cadre-subsidy"));
        assert!(!is_valid_code("dept..x"));
        assert!(!is_valid_code("Dept"));
        assert!(!is_valid_code(""));
    }

    proptest! {
        /// R11: the binding line cannot cover the amount and has no more available than any other
        /// line that cannot; there is none exactly when every line can.
        #[test]
        fn the_binding_line_is_the_least_of_those_short(
            available in proptest::collection::vec(-1_000_000i64..1_000_000, 1..8),
            requested in 1i64..1_000_000,
        ) {
            let lines: Vec<(usize, Money)> =
                available.iter().map(|f| Money::from_fen(*f)).enumerate().collect();
            let requested = Money::from_fen(requested);
            match binding_line(lines.clone(), requested) {
                None => prop_assert!(lines.iter().all(|(_, a)| *a >= requested)),
                Some((i, a)) => {
                    prop_assert!(a < requested);
                    prop_assert_eq!(lines[i].1, a);
                    prop_assert!(lines.iter().all(|(_, other)| *other >= a));
                }
            }
        }

        /// The ledger as the service writes it: a commitment only within what is available (the
        /// conditional UPDATE), a release or a spend only of a commitment still open. Replaying
        /// it after every entry: committed and spent are never negative, available never below
        /// 0, committed is exactly the open commitments and spent exactly what was paid; and a
        /// commitment the service refuses would have taken available below 0.
        #[test]
        fn replay_of_accepted_entries_keeps_the_books(
            allocation in 0i64..10_000_000,
            ops in proptest::collection::vec((0usize..3, 0usize..8, 1i64..5_000_000), 0..60),
        ) {
            let mut entries = vec![(EntryKind::Allocate, Money::from_fen(allocation))];
            let mut open: Vec<i64> = Vec::new();
            let mut paid = 0i64;
            let mut balance = replay(entries.clone()).unwrap_or_default();
            for (op, pick, fen) in ops {
                let amount = Money::from_fen(fen);
                match op {
                    0 if balance.available().is_ok_and(|a| amount <= a) => {
                        entries.push((EntryKind::Commit, amount));
                        open.push(fen);
                    }
                    0 => {
                        let refused = balance.apply(EntryKind::Commit, amount);
                        prop_assert!(refused.is_some_and(|b| b.available().is_ok_and(Money::is_negative)));
                    }
                    _ if open.is_empty() => continue,
                    1 => {
                        let x = open.remove(pick % open.len());
                        entries.push((EntryKind::Release, Money::from_fen(x)));
                    }
                    _ => {
                        let x = open.remove(pick % open.len());
                        entries.push((EntryKind::Spend, Money::from_fen(x)));
                        paid += x;
                    }
                }
                balance = replay(entries.clone()).unwrap_or_default();
                prop_assert!(!balance.committed.is_negative());
                prop_assert!(!balance.spent.is_negative());
                prop_assert!(balance.available().is_ok_and(|a| !a.is_negative()));
                prop_assert_eq!(balance.committed.fen(), open.iter().sum::<i64>());
                prop_assert_eq!(balance.spent.fen(), paid);
                prop_assert_eq!(balance.allocated.fen(), allocation);
            }
        }
    }

    #[test]
    fn a_transfer_stops_at_the_common_ancestor() {
        // root 1 → project 2 → {publicity 3, beijing-duty 4}; root 1 → other 5 → leaf 6.
        let publicity = [3, 2, 1];
        let beijing = [4, 2, 1];
        let leaf = [6, 5, 1];
        assert_eq!(
            affected(AdjustmentKind::Transfer, &beijing, &publicity),
            (vec![3], vec![4])
        );
        assert_eq!(
            affected(AdjustmentKind::Transfer, &leaf, &publicity),
            (vec![3, 2], vec![6, 5])
        );
        assert_eq!(
            affected(AdjustmentKind::Supplement, &publicity, &[]),
            (vec![], vec![3, 2, 1])
        );
        assert_eq!(
            affected(AdjustmentKind::Reduce, &publicity, &[]),
            (vec![3, 2, 1], vec![])
        );
    }

    #[test]
    fn an_adjustment_replays_signed() {
        let b = replay([
            (EntryKind::Allocate, Money::yuan(630_000)),
            (EntryKind::Adjust, Money::yuan(5_100)),
            (EntryKind::Adjust, Money::yuan(-100)),
        ])
        .unwrap_or_default();
        assert_eq!(b.allocated, Money::yuan(635_000));
    }

    proptest! {
        /// A transfer never touches a line both paths share, and changes the two sides by the same
        /// number of lines' worth only below the common ancestor.
        #[test]
        fn transfer_sides_are_disjoint(common in 0usize..4, a in 1usize..4, b in 1usize..4) {
            let shared: Vec<i64> = (100..100 + i64::try_from(common).unwrap_or(0)).collect();
            let from: Vec<i64> = (0..i64::try_from(a).unwrap_or(1)).chain(shared.iter().copied()).collect();
            let to: Vec<i64> = (10..10 + i64::try_from(b).unwrap_or(1)).chain(shared.iter().copied()).collect();
            let (lose, gain) = affected(AdjustmentKind::Transfer, &to, &from);
            prop_assert_eq!(lose.len(), a);
            prop_assert_eq!(gain.len(), b);
            prop_assert!(lose.iter().all(|id| !shared.contains(id) && !gain.contains(id)));
        }
    }
}
