//! R11/R12 report arithmetic: execution rates and performance indicators (绩效指标) with their
//! targets.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::money::Money;
use super::waiting::DEFAULT_DEADLINE_DAYS;

/// `numerator ÷ denominator` as a percentage with two decimals, rounded half away from zero (R1's
/// rule); `None` when the denominator is zero. Execution rate (R11): spent 39,600.00 of allocated
/// 79,200.00 is 50.00.
pub fn percent(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    if denominator.is_zero() {
        return None;
    }
    let ratio = numerator
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(denominator)?;
    Some(ratio.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// spent ÷ allocated, in percent (R11 execution rate, 执行率).
pub fn execution_rate(spent: Money, allocated: Money) -> Option<Decimal> {
    percent(spent.to_decimal(), allocated.to_decimal())
}

/// How an actual value meets its target (R12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparator {
    AtLeast,
    AtMost,
    Equal,
}

impl Comparator {
    pub fn parse(text: &str) -> Option<Comparator> {
        match text.trim() {
            ">=" | "≥" => Some(Comparator::AtLeast),
            "<=" | "≤" => Some(Comparator::AtMost),
            "=" | "==" => Some(Comparator::Equal),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::AtLeast => ">=",
            Comparator::AtMost => "<=",
            Comparator::Equal => "=",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::AtLeast => "≥",
            Comparator::AtMost => "≤",
            Comparator::Equal => "=",
        }
    }

    pub fn holds(self, actual: Decimal, target: Decimal) -> bool {
        match self {
            Comparator::AtLeast => actual >= target,
            Comparator::AtMost => actual <= target,
            Comparator::Equal => actual == target,
        }
    }
}

/// The indicators the service computes from the ledger (R12), with their names in the 绩效目标表.
///
/// Worked example (subsidy line, six recipients, both 2021 batches paid, one late): 补助人数 6
/// (≥ 6, met); 发放完成率 100.00% (met); 资金发放时间 50.00% of batches on time (≥ 100, not met);
/// 人均发放水平 1100.00 (= 1100.00, met).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indicator {
    /// 补助人数: distinct recipients paid.
    RecipientsPaid,
    /// 发放完成率: paid ÷ allocated, percent.
    PayoutRate,
    /// 资金发放时间: share of paid batches paid inside their window, percent.
    PaidOnTime,
    /// 人均发放水平: paid ÷ paid recipient-months.
    AveragePerRecipientMonth,
    /// Share of claims with self-borne excess, percent.
    SelfBorneShare,
    /// 各项任务完成及时率: share of claims decided within the processing deadline, percent.
    DecidedOnTime,
}

impl Indicator {
    pub const ALL: [Indicator; 6] = [
        Indicator::RecipientsPaid,
        Indicator::PayoutRate,
        Indicator::PaidOnTime,
        Indicator::AveragePerRecipientMonth,
        Indicator::SelfBorneShare,
        Indicator::DecidedOnTime,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Indicator::RecipientsPaid => "recipients_paid",
            Indicator::PayoutRate => "payout_rate",
            Indicator::PaidOnTime => "paid_on_time",
            Indicator::AveragePerRecipientMonth => "average_per_recipient_month",
            Indicator::SelfBorneShare => "self_borne_share",
            Indicator::DecidedOnTime => "decided_on_time",
        }
    }

    pub fn parse(key: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.key() == key)
    }

    pub fn name(self) -> &'static str {
        match self {
            Indicator::RecipientsPaid => "补助人数",
            Indicator::PayoutRate => "发放完成率",
            Indicator::PaidOnTime => "资金发放时间",
            Indicator::AveragePerRecipientMonth => "人均发放水平",
            Indicator::SelfBorneShare => "超标准自理比例",
            Indicator::DecidedOnTime => "各项任务完成及时率",
        }
    }

    /// The unit shown after a value: `%`, `人`, `元/人/月`.
    pub fn unit(self) -> &'static str {
        match self {
            Indicator::RecipientsPaid => "人",
            Indicator::AveragePerRecipientMonth => "元/人/月",
            _ => "%",
        }
    }
}

/// A target: comparator and value (`≥ 95.00`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub comparator: Comparator,
    pub value: Decimal,
}

impl Target {
    /// Met when there is an actual value and it satisfies the comparator.
    pub fn met(&self, actual: Option<Decimal>) -> bool {
        actual.is_some_and(|a| self.comparator.holds(a, self.value))
    }
}

/// 补助人数 (R12): distinct recipients among the paid recipient-months.
pub fn recipients_paid<I: IntoIterator<Item = i64>>(recipients: I) -> Decimal {
    Decimal::from(recipients.into_iter().collect::<HashSet<_>>().len())
}

/// 资金发放时间 (R12): the share of paid batches paid inside their window, in percent; `None`
/// before any batch is paid. Two batches, one late: 50.00.
pub fn paid_on_time(on_time: &[bool]) -> Option<Decimal> {
    let good = on_time.iter().filter(|t| **t).count();
    percent(Decimal::from(good), Decimal::from(on_time.len()))
}

/// A recipient-month due for payment (R9, R12): its half-year's payout window and the day it was
/// paid, if it was.
#[derive(Clone, Copy, Debug)]
pub struct DueMonth {
    pub window: (NaiveDate, NaiveDate),
    pub paid_on: Option<NaiveDate>,
}

/// 资金发放时间 (R12), in percent: recipient-months paid inside their window, divided by every
/// recipient-month that is paid or whose window has closed by `as_of` (the report date, or the
/// year's end). A month still unpaid after its window counts as late, so the indicator cannot read
/// "met" while a payment is overdue; `None` while nothing is due yet.
///
/// Worked example: six recipients all year, H1 paid on June 3, the approved H2 batch never paid,
/// as of the year's end: 36 of 72 months on time, 50.00.
pub fn months_paid_on_time(months: &[DueMonth], as_of: NaiveDate) -> Option<Decimal> {
    let counted: Vec<bool> = months
        .iter()
        .filter_map(|m| match m.paid_on {
            Some(day) => Some(super::subsidy::paid_in_window(m.window, day)),
            None => (as_of > m.window.1).then_some(false),
        })
        .collect();
    paid_on_time(&counted)
}

/// 人均发放水平 (R12): paid ÷ paid recipient-months, rounded once per R1; `None` with nothing
/// paid. 36 months of 1100.00: 1100.00.
pub fn average_per_month(amounts: &[Money]) -> Option<Money> {
    let total = Money::checked_sum(amounts.iter().copied())?;
    if amounts.is_empty() {
        return None;
    }
    Money::round(total.to_decimal() / Decimal::from(amounts.len())).ok()
}

/// The share of claims with self-borne excess (R4), in percent; `None` without claims.
pub fn self_borne_share(self_borne: &[Money]) -> Option<Decimal> {
    let over = self_borne.iter().filter(|m| !m.is_zero()).count();
    percent(Decimal::from(over), Decimal::from(self_borne.len()))
}

/// A claim's submission and, once decided (approved or rejected), its decision: local calendar
/// days of the organisation (R12).
#[derive(Clone, Copy, Debug)]
pub struct Decision {
    pub submitted: NaiveDate,
    pub decided: Option<NaiveDate>,
}

/// R12: the processing deadline, in days after submission, that a target sets; 5 days
/// ([`DEFAULT_DEADLINE_DAYS`]) when it sets none.
pub fn deadline_days(set: Option<i32>) -> i64 {
    set.map_or(DEFAULT_DEADLINE_DAYS, i64::from)
}

/// 各项任务完成及时率 (R12): the share of claims decided within `deadline_days` of submission,
/// in percent. Calendar days in the organisation's time zone: a claim submitted on local day S is
/// on time if decided on or before S + `deadline_days`. An undecided claim counts, as late, once
/// `today` is past that day; one still inside its deadline is not counted yet.
pub fn decided_on_time(
    claims: &[Decision],
    deadline_days: i64,
    today: NaiveDate,
) -> Option<Decimal> {
    let deadline = Duration::days(deadline_days);
    let counted: Vec<bool> = claims
        .iter()
        .filter_map(|k| match k.decided {
            Some(day) => Some(day <= k.submitted + deadline),
            None => (today > k.submitted + deadline).then_some(false),
        })
        .collect();
    paid_on_time(&counted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn r12_the_deadline_is_five_days_unless_a_target_sets_one() {
        assert_eq!(deadline_days(None), 5);
        assert_eq!(deadline_days(Some(10)), 10);
    }

    #[test]
    fn execution_rates() {
        assert_eq!(
            execution_rate(Money::yuan(39_600), Money::yuan(79_200)),
            Some(Decimal::new(5000, 2))
        );
        assert_eq!(
            execution_rate(Money::from_fen(123_100), Money::yuan(200_000)),
            Some(Decimal::new(62, 2))
        );
        assert_eq!(
            execution_rate(Money::yuan(1), Money::yuan(3)),
            Some(Decimal::new(3333, 2))
        );
        assert_eq!(
            execution_rate(Money::yuan(2), Money::yuan(3)),
            Some(Decimal::new(6667, 2))
        );
        assert_eq!(execution_rate(Money::ZERO, Money::ZERO), None);
    }

    #[test]
    fn targets() {
        let at_least_six = Target {
            comparator: Comparator::AtLeast,
            value: Decimal::from(6),
        };
        assert!(at_least_six.met(Some(Decimal::from(6))));
        assert!(!at_least_six.met(Some(Decimal::from(5))));
        assert!(!at_least_six.met(None));
        assert_eq!(Comparator::parse("≤"), Some(Comparator::AtMost));
        assert_eq!(
            Indicator::parse("decided_on_time"),
            Some(Indicator::DecidedOnTime)
        );
    }

    #[test]
    fn indicators_from_facts() {
        let at = |day: u32| chrono::NaiveDate::from_ymd_opt(2021, 5, day).unwrap_or_default();
        assert_eq!(recipients_paid([1, 2, 2, 3]), Decimal::from(3));
        assert_eq!(paid_on_time(&[true, false]), Some(Decimal::new(5000, 2)));
        assert_eq!(paid_on_time(&[]), None);
        assert_eq!(
            average_per_month(&[Money::yuan(1100); 36]),
            Some(Money::yuan(1100))
        );
        assert_eq!(
            average_per_month(&[Money::from_fen(1), Money::from_fen(2)]),
            Some(Money::from_fen(2))
        );
        assert_eq!(
            self_borne_share(&[Money::ZERO, Money::yuan(80)]),
            Some(Decimal::new(5000, 2))
        );
        let claims = [
            Decision {
                submitted: at(1),
                decided: Some(at(6)),
            }, // 5 days: on time
            Decision {
                submitted: at(1),
                decided: Some(at(7)),
            }, // 6 days: late
            Decision {
                submitted: at(1),
                decided: None,
            }, // past its deadline at day 20: late
            Decision {
                submitted: at(19),
                decided: None,
            }, // still inside its deadline: not counted
        ];
        assert_eq!(
            decided_on_time(&claims, 5, at(20)),
            Some(Decimal::new(3333, 2))
        );
    }

    #[test]
    fn r12_an_overdue_batch_counts_as_late() {
        let d = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default();
        let h1 = (d("2021-06-01"), d("2021-06-10"));
        let h2 = (d("2021-12-01"), d("2021-12-10"));
        let mut months = vec![
            DueMonth {
                window: h1,
                paid_on: Some(d("2021-06-03")),
            };
            36
        ];
        months.extend(vec![
            DueMonth {
                window: h2,
                paid_on: None,
            };
            36
        ]);
        assert_eq!(
            months_paid_on_time(&months, d("2021-12-31")),
            Some(Decimal::new(5000, 2))
        );
        // On December 10 the H2 window is still open: not late yet.
        assert_eq!(
            months_paid_on_time(&months, d("2021-12-10")),
            Some(Decimal::new(10000, 2))
        );
        // Nothing due yet.
        assert_eq!(months_paid_on_time(&months[36..], d("2021-11-30")), None);
    }

    proptest! {
        /// 资金发放时间 is a share: between 0 and 100, and 100 only when no counted month is late.
        #[test]
        fn months_paid_on_time_is_a_share(
            months in proptest::collection::vec((0usize..2, proptest::option::of(0i64..400)), 0..40),
            as_of in 0i64..400,
        ) {
            let start = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default();
            let day = |n: i64| start + Duration::days(n);
            let windows = [(day(151), day(160)), (day(334), day(343))];
            let due: Vec<DueMonth> = months
                .iter()
                .map(|(h, paid)| DueMonth { window: windows[*h], paid_on: paid.map(day) })
                .collect();
            if let Some(share) = months_paid_on_time(&due, day(as_of)) {
                prop_assert!(share >= Decimal::ZERO && share <= Decimal::ONE_HUNDRED);
                let late = due.iter().any(|m| match m.paid_on {
                    Some(p) => p < m.window.0 || p > m.window.1,
                    None => day(as_of) > m.window.1,
                });
                prop_assert_eq!(share == Decimal::ONE_HUNDRED, !late);
            }
        }

        #[test]
        fn a_rate_of_a_part_is_between_0_and_100(part in 0i64..1_000_000_000, extra in 0i64..1_000_000_000) {
            let rate = execution_rate(Money::from_fen(part), Money::from_fen(part + extra + 1));
            prop_assert!(rate.is_some_and(|r| r >= Decimal::ZERO && r <= Decimal::ONE_HUNDRED));
        }
    }
}
