//! R9 Retired-cadre subsidy (疑难信访问题服务中心老干部下乡补助): 1100.00 a person a month, paid
//! for each half-year in one batch (H1 in June 1–10, H2 in December 1–10), each recipient-month at
//! most once, ever.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::money::Money;

/// A half of a year (R9): H1 is January–June, paid June 1–10; H2 is July–December, paid
/// December 1–10.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Half {
    H1,
    H2,
}

impl Half {
    /// `1` or `2`, as the API and the database write it.
    pub fn from_number(n: i32) -> Option<Half> {
        match n {
            1 => Some(Half::H1),
            2 => Some(Half::H2),
            _ => None,
        }
    }

    pub fn number(self) -> i32 {
        match self {
            Half::H1 => 1,
            Half::H2 => 2,
        }
    }

    pub fn months(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Half::H1 => 1..=6,
            Half::H2 => 7..=12,
        }
    }

    /// The payout window: H1 2021 → 2021-06-01 to 2021-06-10.
    pub fn payout_window(self, year: i32) -> Option<(NaiveDate, NaiveDate)> {
        let month = match self {
            Half::H1 => 6,
            Half::H2 => 12,
        };
        Some((
            NaiveDate::from_ymd_opt(year, month, 1)?,
            NaiveDate::from_ymd_opt(year, month, 10)?,
        ))
    }

    /// R9: whether the half's batch of `year`, paid on `paid_on`, was paid inside its payout
    /// window ([`paid_in_window`]); `None` for a year without dates.
    pub fn paid_on_time(self, year: i32, paid_on: NaiveDate) -> Option<bool> {
        Some(paid_in_window(self.payout_window(year)?, paid_on))
    }
}

/// R9: a payment is on time when its day falls inside the payout window, both ends included.
/// H1 2021 (2021-06-01 to 2021-06-10): paid 2021-06-10 is on time, 2021-06-11 is late.
pub fn paid_in_window((from, to): (NaiveDate, NaiveDate), paid_on: NaiveDate) -> bool {
    from <= paid_on && paid_on <= to
}

/// An enrollment period, inclusive, open-ended without `until` (R9); `until` is never before `from`.
///
/// Worked example: enrolled from 2021-04-20, open-ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enrollment {
    from: NaiveDate,
    until: Option<NaiveDate>,
}

impl Enrollment {
    /// `None` when `until` is before `from`.
    pub fn new(from: NaiveDate, until: Option<NaiveDate>) -> Option<Enrollment> {
        match until {
            Some(u) if u < from => None,
            _ => Some(Enrollment { from, until }),
        }
    }

    /// Enrolled from `from` on, open-ended.
    pub fn open(from: NaiveDate) -> Enrollment {
        Enrollment { from, until: None }
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn until(&self) -> Option<NaiveDate> {
        self.until
    }

    /// Whether any day of the month is enrolled.
    pub fn covers_month(&self, year: i32, month: u32) -> bool {
        match (
            NaiveDate::from_ymd_opt(year, month, 1),
            last_day(year, month),
        ) {
            (Some(first), Some(last)) => self.days_within(first, last) > 0,
            _ => false,
        }
    }

    /// Days of `[first, last]` inside the enrollment.
    fn days_within(&self, first: NaiveDate, last: NaiveDate) -> i64 {
        let start = first.max(self.from);
        let end = self.until.map_or(last, |u| last.min(u));
        if end < start {
            0
        } else {
            (end - start).num_days() + 1
        }
    }
}

/// One recipient-month of a batch (R9): `monthly × days_enrolled / days_in_month`, rounded once
/// per R1; a whole month earns exactly `monthly`.
///
/// Worked example: enrolled from 2021-04-20, April 2021 has 11 of 30 days: 1100 × 11/30 = 403.33.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthItem {
    pub year: i32,
    pub month: u32,
    pub days_enrolled: i64,
    pub days_in_month: i64,
    pub amount: Money,
}

impl MonthItem {
    /// `2021-03`.
    pub fn label(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

fn last_day(year: i32, month: u32) -> Option<NaiveDate> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    next.pred_opt()
}

/// The item for one month, or `None` when not a day of it is enrolled.
pub fn month_item(
    monthly: Money,
    enrollment: &Enrollment,
    year: i32,
    month: u32,
) -> Option<MonthItem> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let last = last_day(year, month)?;
    let days_in_month = i64::from(last.day());
    let days_enrolled = enrollment.days_within(first, last);
    if days_enrolled == 0 {
        return None;
    }
    let amount = if days_enrolled == days_in_month {
        monthly
    } else {
        let share = monthly
            .to_decimal()
            .checked_mul(Decimal::from(days_enrolled))?
            / Decimal::from(days_in_month);
        Money::round(share).ok()?
    };
    // A share that rounds to 0.00 pays nothing and is no item (0.01 a month for 1 day of 31).
    if amount.is_zero() {
        return None;
    }
    Some(MonthItem {
        year,
        month,
        days_enrolled,
        days_in_month,
        amount,
    })
}

/// R9: what a recipient earns for a whole month: their own amount, else the subsidy amount of the
/// policy in force on the month's first day (`policies` are `(effective_from, amount)`, oldest
/// first); `None` when they have none and no policy is in force then.
///
/// Worked example: enrolled from 2015-03-01 with no amount of their own, under the 2021-01-01
/// policy of 1100.00: every month of 2021 earns 1100.00 (H1 = 6600.00); March 2015 earns nothing
/// payable, as no policy was in force.
pub fn monthly_amount(
    own: Option<Money>,
    policies: &[(NaiveDate, Money)],
    year: i32,
    month: u32,
) -> Option<Money> {
    if own.is_some() {
        return own;
    }
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    policies
        .iter()
        .rev()
        .find(|(from, _)| *from <= first)
        .map(|(_, amount)| *amount)
}

/// R9: the months already in an approved or paid batch (`paid`, as (year, month)) that ending
/// the enrollment on `until` would leave not wholly enrolled, as `2021-04` labels; any of them
/// refuses the change (409 `months_already_paid`).
///
/// Worked example: January–June 2021 paid; ending on 2021-03-31 orphans 2021-04, 2021-05 and
/// 2021-06; ending on 2021-06-15 orphans 2021-06 (paid whole); 2021-06-30 orphans nothing.
pub fn months_orphaned(paid: &[(i32, u32)], until: NaiveDate) -> Vec<String> {
    paid.iter()
        .filter(|(y, m)| last_day(*y, *m).is_some_and(|end| end > until))
        .map(|(y, m)| format!("{y:04}-{m:02}"))
        .collect()
}

/// Every enrolled month of a half-year, in order.
pub fn half_items(
    monthly: Money,
    enrollment: &Enrollment,
    year: i32,
    half: Half,
) -> Vec<MonthItem> {
    half.months()
        .filter_map(|m| month_item(monthly, enrollment, year, m))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::tests::date;
    use proptest::prelude::*;

    #[test]
    fn r9_paid_on_time_inside_the_window_both_ends_included() {
        assert_eq!(Half::H1.paid_on_time(2021, date("2021-05-31")), Some(false));
        assert_eq!(Half::H1.paid_on_time(2021, date("2021-06-01")), Some(true));
        assert_eq!(Half::H1.paid_on_time(2021, date("2021-06-10")), Some(true));
        assert_eq!(Half::H1.paid_on_time(2021, date("2021-06-11")), Some(false));
        assert_eq!(Half::H2.paid_on_time(2021, date("2021-12-03")), Some(true));
        assert_eq!(Half::H2.paid_on_time(2021, date("2021-06-03")), Some(false));
    }

    #[test]
    fn r9_worked_example() {
        let e = Enrollment::new(date("2021-04-20"), None).expect("valid");
        let items = half_items(Money::yuan(1100), &e, 2021, Half::H1);
        let amounts: Vec<_> = items
            .iter()
            .map(|i| {
                (
                    i.label(),
                    i.days_enrolled,
                    i.days_in_month,
                    i.amount.to_string(),
                )
            })
            .collect();
        assert_eq!(
            amounts,
            [
                ("2021-04".to_string(), 11, 30, "403.33".to_string()),
                ("2021-05".to_string(), 31, 31, "1100.00".to_string()),
                ("2021-06".to_string(), 30, 30, "1100.00".to_string()),
            ]
        );
        assert_eq!(
            Money::checked_sum(items.iter().map(|i| i.amount)),
            Some(Money::from_fen(260_333))
        );
    }

    #[test]
    fn r9_months_follow_the_policy_in_force_on_their_first_day() {
        let policies = [
            (date("2021-01-01"), Money::yuan(1100)),
            (date("2021-04-15"), Money::yuan(1200)),
        ];
        let at = |month| monthly_amount(None, &policies, 2021, month);
        assert_eq!(at(1), Some(Money::yuan(1100)));
        assert_eq!(at(4), Some(Money::yuan(1100)), "in force on April 1st");
        assert_eq!(at(5), Some(Money::yuan(1200)));
        assert_eq!(monthly_amount(None, &policies, 2020, 12), None);
        assert_eq!(
            monthly_amount(Some(Money::yuan(900)), &policies, 2020, 12),
            Some(Money::yuan(900))
        );
        // Enrolled since 2015 with no amount of their own: H1 2021 = 6600.00.
        let e = Enrollment::new(date("2015-03-01"), None).expect("valid");
        let h1: Vec<_> = Half::H1
            .months()
            .filter(|m| e.covers_month(2021, *m))
            .filter_map(|m| month_item(monthly_amount(None, &policies[..1], 2021, m)?, &e, 2021, m))
            .map(|i| i.amount)
            .collect();
        assert_eq!(Money::checked_sum(h1), Some(Money::yuan(6600)));
    }

    #[test]
    fn r9_ending_an_enrollment_never_orphans_paid_months() {
        let paid: Vec<(i32, u32)> = (1..=6).map(|m| (2021, m)).collect();
        assert_eq!(
            months_orphaned(&paid, date("2021-03-31")),
            ["2021-04", "2021-05", "2021-06"]
        );
        assert_eq!(months_orphaned(&paid, date("2021-06-15")), ["2021-06"]);
        assert!(months_orphaned(&paid, date("2021-06-30")).is_empty());
    }

    #[test]
    fn a_share_that_rounds_to_nothing_is_no_item() {
        let e = Enrollment::new(date("2022-01-31"), Some(date("2022-01-31"))).expect("valid");
        assert_eq!(half_items(Money::from_fen(1), &e, 2022, Half::H1), []);
        assert_eq!(half_items(Money::from_fen(16), &e, 2022, Half::H1).len(), 1);
        // 0.16/31 → 0.01
    }

    #[test]
    fn windows_and_halves() {
        assert_eq!(
            Half::H1.payout_window(2021),
            Some((date("2021-06-01"), date("2021-06-10")))
        );
        assert_eq!(
            Half::H2.payout_window(2021),
            Some((date("2021-12-01"), date("2021-12-10")))
        );
        assert_eq!(Half::from_number(3), None);
        assert!(Enrollment::new(date("2021-05-01"), Some(date("2021-04-30"))).is_none());
        assert!(Enrollment::new(date("2021-05-01"), Some(date("2021-05-01"))).is_some());
    }

    #[test]
    fn leap_february_and_ended_enrollment() {
        let e = Enrollment::new(date("2024-02-15"), Some(date("2024-03-10"))).expect("valid");
        let items = half_items(Money::yuan(1100), &e, 2024, Half::H1);
        assert_eq!(items.len(), 2);
        assert_eq!((items[0].days_enrolled, items[0].days_in_month), (15, 29));
        assert_eq!(items[0].amount, Money::from_fen(56_897)); // 1100 × 15/29 = 568.965… → 568.97
        assert_eq!(
            (items[1].days_enrolled, items[1].amount),
            (10, Money::from_fen(35_484))
        ); // 354.838… → 354.84
    }

    fn arb_enrollment() -> impl Strategy<Value = Enrollment> {
        (0i64..1200, proptest::option::of(0i64..800)).prop_map(|(start, len)| {
            let from = date("2020-01-01") + chrono::Duration::days(start);
            let until = len.map(|l| from + chrono::Duration::days(l));
            Enrollment::new(from, until).unwrap_or(Enrollment { from, until: None })
        })
    }

    proptest! {
        #[test]
        fn a_year_never_pays_more_than_twelve_months(e in arb_enrollment(), monthly_fen in 1i64..10_000_000, year in 2020i32..2024) {
            let monthly = Money::from_fen(monthly_fen);
            let year_total = Money::checked_sum(
                [Half::H1, Half::H2].into_iter().flat_map(|h| half_items(monthly, &e, year, h)).map(|i| i.amount),
            ).unwrap_or(Money::ZERO);
            prop_assert!(year_total <= monthly.checked_mul(12).unwrap_or(Money::ZERO));
            for h in [Half::H1, Half::H2] {
                for item in half_items(monthly, &e, year, h) {
                    prop_assert!(item.amount <= monthly);
                    prop_assert!(item.days_enrolled >= 1 && item.days_enrolled <= item.days_in_month);
                }
            }
        }

        #[test]
        fn a_full_year_pays_exactly_twelve_months(monthly_fen in 1i64..10_000_000, year in 2001i32..2099, before in 0i64..400) {
            let monthly = Money::from_fen(monthly_fen);
            let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default() - chrono::Duration::days(before);
            let e = Enrollment::new(from, None).expect("valid");
            let total = Money::checked_sum(
                [Half::H1, Half::H2].into_iter().flat_map(|h| half_items(monthly, &e, year, h)).map(|i| i.amount),
            );
            prop_assert_eq!(total, monthly.checked_mul(12));
        }
    }
}
