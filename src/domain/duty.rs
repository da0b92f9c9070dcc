//! R10 Station duty (驻京、驻省、敏感节点值班): the cost of rostered and event person-days, and the
//! forecast of when a line runs out — computed over date ranges, never day by day, so a
//! province-wide roster of thousands of assignments costs O(n log n).

use chrono::NaiveDate;

use super::money::Money;

/// Cost per day from a date on (R10, R2): a policy version's daily cost for a city, in force from
/// its `effective_from` until the next version's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateFrom {
    pub from: NaiveDate,
    pub daily: Money,
}

/// Person-days at one cost per day: `[from, to]` inclusive, `per_day` = staff × daily cost.
///
/// Worked example: one person in Shijiazhuang all 2021 at 480.00 is one segment 2021-01-01 to
/// 2021-12-31 at 480.00 a day: 365 days, 175,200.00.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub per_day: Money,
}

impl Segment {
    pub fn days(&self) -> i64 {
        if self.to < self.from {
            0
        } else {
            (self.to - self.from).num_days() + 1
        }
    }

    pub fn cost(&self) -> Option<Money> {
        self.per_day.checked_mul(self.days())
    }

    /// The part inside `[first, last]`, if any: R10 charges a line only the person-days of its
    /// fiscal year.
    pub fn within(&self, first: NaiveDate, last: NaiveDate) -> Option<Segment> {
        let (from, to) = (self.from.max(first), self.to.min(last));
        (from <= to).then_some(Segment {
            from,
            to,
            per_day: self.per_day,
        })
    }

    /// The part on or after `day`, if any.
    pub fn from_day(&self, day: NaiveDate) -> Option<Segment> {
        let from = self.from.max(day);
        (from <= self.to).then_some(Segment { from, ..*self })
    }
}

/// R10 (with R2): the daily cost in force on `day` — the rate of the latest version from on or
/// before it. `rates` are sorted by date; days before the first rate cost the first rate (a roster
/// may start before the first policy version); `None` without any rate.
///
/// Worked example: Beijing at 580.00 from 2021-01-01 and 680.00 from 2021-07-01: 2021-06-30 costs
/// 580.00, 2021-07-01 costs 680.00, and 2020-12-31 costs 580.00.
pub fn rate_on(rates: &[RateFrom], day: NaiveDate) -> Option<Money> {
    rates
        .iter()
        .rev()
        .find(|r| r.from <= day)
        .or(rates.first())
        .map(|r| r.daily)
}

/// Splits `staff` people on duty over `[from, to]` into segments at each change of rate (R10: a
/// person-day costs the rates of the policy version in force that day, [`rate_on`]). `rates` are
/// sorted by date; days before the first rate cost the first rate.
pub fn segments(
    from: NaiveDate,
    to: NaiveDate,
    staff: i64,
    rates: &[RateFrom],
) -> Option<Vec<Segment>> {
    if to < from || rates.is_empty() {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for (i, rate) in rates.iter().enumerate() {
        let start = if i == 0 { from } else { from.max(rate.from) };
        let end = match rates.get(i + 1) {
            Some(next) => to.min(next.from.pred_opt()?),
            None => to,
        };
        if start <= end {
            out.push(Segment {
                from: start,
                to: end,
                per_day: rate.daily.checked_mul(staff)?,
            });
        }
    }
    Some(out)
}

/// A budget line's fiscal year (R10, R11): the calendar year, January 1 to December 31.
pub fn fiscal_year(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year, 12, 31)?,
    ))
}

pub fn total_cost(segments: &[Segment]) -> Option<Money> {
    segments
        .iter()
        .try_fold(Money::ZERO, |acc, s| acc.checked_add(s.cost()?))
}

/// The R10 forecast of a line as of a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Forecast {
    /// Cost of every person-day on or after the as-of date.
    pub projected_remaining: Money,
    /// committed + spent + projected_remaining.
    pub projected_total: Money,
    /// max(0, projected_total − allocated).
    pub shortfall: Money,
    /// The first date on which committed + spent + the cost of person-days from the as-of date
    /// through it exceeds the allocation; `None` when that never happens.
    pub exhaustion_date: Option<NaiveDate>,
}

/// R10. `used` is committed + spent. Worked example: allocated 150,000.00, nothing used, one
/// person at 480.00 all 2021, as of 2021-01-01: projected 175,200.00, shortfall 25,200.00,
/// exhausted on 2021-11-09 (312 × 480 = 149,760 fits; 313 × 480 = 150,240 does not).
pub fn forecast(
    as_of: NaiveDate,
    allocated: Money,
    used: Money,
    segments: &[Segment],
) -> Option<Forecast> {
    let future: Vec<Segment> = segments.iter().filter_map(|s| s.from_day(as_of)).collect();
    let projected_remaining = total_cost(&future)?;
    let projected_total = used.checked_add(projected_remaining)?;
    let shortfall = projected_total.checked_sub(allocated)?.max(Money::ZERO);
    Some(Forecast {
        projected_remaining,
        projected_total,
        shortfall,
        exhaustion_date: exhaustion(as_of, allocated, used, &future)?,
    })
}

/// Sweeps the rate changes in date order: between two changes the daily total is constant, so the
/// day the running total crosses the allocation is found by one division.
fn exhaustion(
    as_of: NaiveDate,
    allocated: Money,
    used: Money,
    future: &[Segment],
) -> Option<Option<NaiveDate>> {
    if used > allocated {
        return Some(Some(as_of));
    }
    // (date, change in fen per day): +rate at a segment's start, −rate the day after its end.
    let mut changes: Vec<(NaiveDate, i64)> = Vec::with_capacity(future.len() * 2);
    for s in future {
        changes.push((s.from, s.per_day.fen()));
        changes.push((s.to.succ_opt()?, -s.per_day.fen()));
    }
    changes.sort_unstable_by_key(|c| c.0);
    let room = i128::from(allocated.fen()) - i128::from(used.fen());
    let (mut spent, mut rate): (i128, i128) = (0, 0);
    let mut i = 0;
    while i < changes.len() {
        let day = changes[i].0;
        while i < changes.len() && changes[i].0 == day {
            rate += i128::from(changes[i].1);
            i += 1;
        }
        let Some(&(next, _)) = changes.get(i) else {
            break;
        };
        let days = i128::from((next - day).num_days());
        if rate > 0 {
            // Smallest k ≥ 1 with spent + k × rate > room.
            let k = (room - spent).div_euclid(rate) + 1;
            if k <= days {
                return Some(Some(
                    day + chrono::Duration::days(i64::try_from(k - 1).ok()?),
                ));
            }
        }
        spent += rate * days;
    }
    Some(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::tests::date;
    use proptest::prelude::*;

    #[test]
    fn r10_worked_example() {
        let segs = segments(
            date("2021-01-01"),
            date("2021-12-31"),
            1,
            &[RateFrom {
                from: date("2021-01-01"),
                daily: Money::yuan(480),
            }],
        )
        .unwrap_or_default();
        let f = forecast(date("2021-01-01"), Money::yuan(150_000), Money::ZERO, &segs);
        assert_eq!(
            f,
            Some(Forecast {
                projected_remaining: Money::yuan(175_200),
                projected_total: Money::yuan(175_200),
                shortfall: Money::yuan(25_200),
                exhaustion_date: Some(date("2021-11-09")),
            })
        );
    }

    #[test]
    fn r10_only_the_fiscal_year_counts() {
        // Shijiazhuang from 2021-07-01 to 2022-06-30: 184 days of 2021, not 365.
        let (first, last) = fiscal_year(2021).expect("year");
        let s = Segment {
            from: date("2021-07-01"),
            to: date("2022-06-30"),
            per_day: Money::yuan(480),
        };
        let cut = s.within(first, last).expect("overlaps");
        assert_eq!(
            (cut.from, cut.to, cut.days()),
            (date("2021-07-01"), date("2021-12-31"), 184)
        );
        assert_eq!(cut.cost(), Some(Money::yuan(88_320)));
        assert_eq!(s.within(date("2023-01-01"), date("2023-12-31")), None);
    }

    /// 580.00 a person-day from 2021-01-01, 680.00 from 2021-07-01.
    fn rates_2021() -> [RateFrom; 2] {
        [
            RateFrom {
                from: date("2021-01-01"),
                daily: Money::yuan(580),
            },
            RateFrom {
                from: date("2021-07-01"),
                daily: Money::yuan(680),
            },
        ]
    }

    #[test]
    fn r10_days_before_the_first_rate_cost_the_first_rate() {
        let rates = rates_2021();
        assert_eq!(rate_on(&rates, date("2020-12-31")), Some(Money::yuan(580)));
        assert_eq!(rate_on(&rates, date("2021-06-30")), Some(Money::yuan(580)));
        assert_eq!(rate_on(&rates, date("2021-07-01")), Some(Money::yuan(680)));
        assert_eq!(rate_on(&[], date("2021-07-01")), None);
        // The segments price every day as rate_on does, the days before the first rate included.
        let segs = segments(date("2020-12-30"), date("2021-07-01"), 1, &rates).unwrap_or_default();
        for s in &segs {
            assert_eq!(Some(s.per_day), rate_on(&rates, s.from));
            assert_eq!(Some(s.per_day), rate_on(&rates, s.to));
        }
        assert_eq!(segs.first().map(|s| s.from), Some(date("2020-12-30")));
    }

    #[test]
    fn a_new_policy_version_prices_the_days_after_it() {
        let rates = rates_2021();
        let segs = segments(date("2021-06-29"), date("2021-07-02"), 3, &rates).unwrap_or_default();
        assert_eq!(
            segs,
            [
                Segment {
                    from: date("2021-06-29"),
                    to: date("2021-06-30"),
                    per_day: Money::yuan(1740)
                },
                Segment {
                    from: date("2021-07-01"),
                    to: date("2021-07-02"),
                    per_day: Money::yuan(2040)
                },
            ]
        );
        assert_eq!(total_cost(&segs), Some(Money::yuan(2 * 1740 + 2 * 2040)));
    }

    #[test]
    fn nothing_charged_projects_what_is_used() {
        let f = forecast(date("2021-06-01"), Money::yuan(100), Money::yuan(40), &[]);
        assert_eq!(
            f.map(|f| (f.projected_total, f.shortfall, f.exhaustion_date)),
            Some((Money::yuan(40), Money::ZERO, None))
        );
        let over = forecast(date("2021-06-01"), Money::yuan(100), Money::yuan(140), &[]);
        assert_eq!(
            over.and_then(|f| f.exhaustion_date),
            Some(date("2021-06-01"))
        );
    }

    #[test]
    fn days_before_the_as_of_date_do_not_count() {
        let seg = Segment {
            from: date("2021-01-01"),
            to: date("2021-01-10"),
            per_day: Money::yuan(100),
        };
        let f = forecast(date("2021-01-06"), Money::yuan(10_000), Money::ZERO, &[seg]);
        assert_eq!(f.map(|f| f.projected_remaining), Some(Money::yuan(500)));
    }

    /// The day-by-day definition of R10, for checking the sweep.
    fn naive(as_of: NaiveDate, allocated: i64, used: i64, segs: &[Segment]) -> Option<NaiveDate> {
        let end = segs.iter().map(|s| s.to).max().unwrap_or(as_of).max(as_of);
        let mut total = used;
        for day in as_of.iter_days().take_while(|d| *d <= end) {
            total += segs
                .iter()
                .filter(|s| s.from <= day && day <= s.to)
                .map(|s| s.per_day.fen())
                .sum::<i64>();
            if total > allocated {
                return Some(day);
            }
        }
        None
    }

    fn arb_segments() -> impl Strategy<Value = Vec<Segment>> {
        proptest::collection::vec((0i64..120, 0i64..60, 0i64..50_000), 0..8).prop_map(|v| {
            v.into_iter()
                .map(|(start, len, fen)| {
                    let from = date("2021-01-01") + chrono::Duration::days(start);
                    Segment {
                        from,
                        to: from + chrono::Duration::days(len),
                        per_day: Money::from_fen(fen),
                    }
                })
                .collect()
        })
    }

    proptest! {
        /// R10: a segment cut to a fiscal year lies inside it, inside the segment, and keeps every
        /// day the two share.
        #[test]
        fn a_cut_keeps_exactly_the_shared_days(start in 0i64..1500, len in 0i64..800, year in 2020i32..2025) {
            let from = date("2020-01-01") + chrono::Duration::days(start);
            let s = Segment { from, to: from + chrono::Duration::days(len), per_day: Money::yuan(480) };
            let (first, last) = fiscal_year(year).expect("year");
            let shared = s.from_day(first).and_then(|x| {
                let to = x.to.min(last);
                (x.from <= to).then(|| (to - x.from).num_days() + 1)
            }).unwrap_or(0);
            match s.within(first, last) {
                Some(cut) => {
                    prop_assert!(first <= cut.from && cut.to <= last);
                    prop_assert!(s.from <= cut.from && cut.to <= s.to);
                    prop_assert_eq!(cut.days(), shared);
                }
                None => prop_assert_eq!(shared, 0),
            }
        }
        #[test]
        fn the_sweep_finds_the_first_day_the_total_exceeds_the_allocation(
            segs in arb_segments(), offset in 0i64..150, allocated in 0i64..20_000_000, used in 0i64..2_000_000
        ) {
            let as_of = date("2021-01-01") + chrono::Duration::days(offset);
            let f = forecast(as_of, Money::from_fen(allocated), Money::from_fen(used), &segs);
            let f = f.expect("no overflow at these sizes");
            prop_assert_eq!(f.exhaustion_date, naive(as_of, allocated, used, &segs));
            prop_assert_eq!(f.shortfall.is_zero(), f.exhaustion_date.is_none());
            prop_assert_eq!(f.projected_total.checked_sub(f.projected_remaining), Some(Money::from_fen(used)));
        }

        #[test]
        fn splitting_by_rates_keeps_every_day(start in 0i64..400, len in 0i64..400, staff in 1i64..50, change in 0i64..800) {
            let from = date("2021-01-01") + chrono::Duration::days(start);
            let to = from + chrono::Duration::days(len);
            let rates = [
                RateFrom { from: date("2021-01-01"), daily: Money::yuan(480) },
                RateFrom { from: date("2021-01-01") + chrono::Duration::days(change + 1), daily: Money::yuan(500) },
            ];
            let segs = segments(from, to, staff, &rates).unwrap_or_default();
            prop_assert_eq!(segs.iter().map(Segment::days).sum::<i64>(), len + 1);
            for pair in segs.windows(2) {
                prop_assert_eq!(pair[0].to.succ_opt(), Some(pair[1].from));
            }
        }
    }
}
