//! R12 processing deadline, as a finance clerk's queue shows it: how long a submitted claim has
//! waited and whether its deadline (default 5 days) has passed.
//!
//! Days are calendar days in the organisation's time zone: a claim submitted on local day S is on
//! time if decided on or before S + 5. Submitted 2021-05-10, it has waited 3 days on 2021-05-13
//! (2 days left), 5 on 2021-05-15 (due today) and is overdue from 2021-05-16.

use chrono::NaiveDate;

/// The default processing deadline of R12, in days after submission.
pub const DEFAULT_DEADLINE_DAYS: i64 = 5;

/// Where a waiting claim stands against its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// Calendar days since the local day of submission (0 on that day).
    pub days: i64,
    /// Days left until the deadline: 0 on the last day, negative once overdue.
    pub days_left: i64,
}

impl Waiting {
    pub fn overdue(self) -> bool {
        self.days_left < 0
    }
}

/// How long a claim submitted on `submitted` has waited on `today`.
pub fn waiting(submitted: NaiveDate, today: NaiveDate, deadline_days: i64) -> Waiting {
    let days = (today - submitted).num_days().max(0);
    Waiting {
        days,
        days_left: deadline_days - days,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, m, day).unwrap()
    }

    #[test]
    fn the_worked_examples() {
        let s = d(5, 10);
        assert_eq!(
            waiting(s, d(5, 10), 5),
            Waiting {
                days: 0,
                days_left: 5
            }
        );
        assert_eq!(
            waiting(s, d(5, 13), 5),
            Waiting {
                days: 3,
                days_left: 2
            }
        );
        assert!(!waiting(s, d(5, 15), 5).overdue());
        assert_eq!(waiting(s, d(5, 15), 5).days_left, 0);
        assert!(waiting(s, d(5, 16), 5).overdue());
        // Across a month's end.
        assert_eq!(waiting(d(4, 28), d(5, 3), 5).days, 5);
    }

    proptest! {
        /// Overdue exactly when the day is after S + deadline, and one more day waited is one
        /// day less left.
        #[test]
        fn overdue_after_the_deadline_day(offset in 0i64..400, deadline in 0i64..30) {
            let s = d(1, 1);
            let today = s + chrono::Duration::days(offset);
            let w = waiting(s, today, deadline);
            prop_assert_eq!(w.days, offset);
            prop_assert_eq!(w.overdue(), today > s + chrono::Duration::days(deadline));
            let next = waiting(s, today + chrono::Duration::days(1), deadline);
            prop_assert_eq!(next.days_left, w.days_left - 1);
        }
    }
}
