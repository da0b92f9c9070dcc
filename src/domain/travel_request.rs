//! R16 Travel requests (出差申请): the estimate a request commits before anyone travels, and the
//! settlement of its advance (借款) by the claim that names it. Pure.

use chrono::NaiveDate;

use super::money::Money;
use super::policy::CityRates;
use super::travel::{Item, Overflow, Rule, MAX_TRIP_DAYS};

/// The most travellers one request may name.
pub const MAX_TRAVELLERS: i64 = 99;

/// One explained amount of an estimate: the same rule (and rule text) a claim's quote uses,
/// times the number of travellers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EstimateLine {
    pub item: Item,
    pub amount: Money,
    pub rule: Rule,
    pub travellers: i64,
}

impl EstimateLine {
    /// The quote's rule text, and `× N travellers` when more than one travels.
    pub fn rule_text(&self) -> String {
        if self.travellers > 1 {
            format!("{} × {} travellers", self.rule, self.travellers)
        } else {
            self.rule.to_string()
        }
    }
}

/// R16: `travellers × (lodging cap × nights + (meal + transport allowance) × days) + tickets`,
/// nights = days − 1, with the destination's rates in the policy in force on the departure date
/// (R2–R7, no host deductions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// The destination's name as the policy writes it first (北京), for the pages' wording.
    pub city_name: String,
    pub days: i64,
    pub nights: i64,
    pub lines: Vec<EstimateLine>,
    pub total: Money,
}

/// Computes the R16 estimate. `departure <= return` and the trip at most [`MAX_TRIP_DAYS`] days
/// are the caller's to check; a longer or reversed trip is an [`Overflow`] here.
///
/// Worked example: two travellers to Beijing (400.00 lodging cap, 100.00 meals, 80.00 transport),
/// 2021-03-02 → 2021-03-05, tickets 600.00: 2 × (400 × 3 + 180 × 4) + 600 = 4,440.00.
pub fn estimate(
    rates: &CityRates,
    departure: NaiveDate,
    return_date: NaiveDate,
    travellers: i64,
    tickets: Money,
) -> Result<Estimate, Overflow> {
    let days = (return_date - departure).num_days() + 1;
    if !(1..=MAX_TRIP_DAYS).contains(&days) || !(1..=MAX_TRAVELLERS).contains(&travellers) {
        return Err(Overflow);
    }
    let nights = days - 1;
    let per_person = |rate: Money, n: i64| {
        rate.checked_mul(n)
            .and_then(|m| m.checked_mul(travellers))
            .ok_or(Overflow)
    };
    let city = rates.code.clone();
    let city_name = rates
        .names
        .first()
        .cloned()
        .unwrap_or_else(|| city.to_string());
    let mut lines = vec![
        EstimateLine {
            item: Item::Lodging,
            amount: per_person(rates.lodging_cap_per_night, nights)?,
            rule: Rule::Lodging {
                city: city.clone(),
                nights,
                cap_per_night: rates.lodging_cap_per_night,
            },
            travellers,
        },
        EstimateLine {
            item: Item::MealAllowance,
            amount: per_person(rates.meal_allowance_per_day, days)?,
            rule: Rule::Meal {
                city: city.clone(),
                rate: rates.meal_allowance_per_day,
            },
            travellers,
        },
        EstimateLine {
            item: Item::TransportAllowance,
            amount: per_person(rates.transport_allowance_per_day, days)?,
            rule: Rule::Transport {
                city,
                rate: rates.transport_allowance_per_day,
            },
            travellers,
        },
    ];
    if !tickets.is_zero() {
        lines.push(EstimateLine {
            item: Item::Ticket,
            amount: tickets,
            rule: Rule::Ticket {
                description: "tickets estimate (车票预估)".into(),
            },
            travellers: 1,
        });
    }
    let total = Money::checked_sum(lines.iter().map(|l| l.amount)).ok_or(Overflow)?;
    Ok(Estimate {
        city_name,
        days,
        nights,
        lines,
        total,
    })
}

/// R16 settlement of an advance by the claim that names its request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub advance: Money,
    /// `reimbursable − advance` when positive, else 0.00.
    pub net_payable: Money,
    /// `advance − reimbursable` when positive, else 0.00: what the traveller owes back.
    pub to_return: Money,
}

/// Settles `advance` against the claim's `reimbursable` (both ≥ 0).
///
/// Worked example: advance 3,000.00; claim 3,120.00 → net_payable 120.00, to_return 0.00; claim
/// 2,500.00 → net_payable 0.00, to_return 500.00.
pub fn settle(reimbursable: Money, advance: Money) -> Settlement {
    let difference = |a: Money, b: Money| a.checked_sub(b).unwrap_or(Money::ZERO).max(Money::ZERO);
    Settlement {
        advance,
        net_payable: difference(reimbursable, advance),
        to_return: difference(advance, reimbursable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::tests::{date, policy_2021};
    use proptest::prelude::*;

    fn beijing() -> CityRates {
        let policy = policy_2021();
        policy
            .city("北京")
            .cloned()
            .expect("Beijing is in the 2021 policy")
    }

    /// R16 worked example and its neighbours.
    #[test]
    fn estimates_follow_the_worked_example() {
        let rates = beijing();
        // (departure, return, travellers, tickets fen, total fen)
        let table = [
            ("2021-03-02", "2021-03-05", 2, 60_000, 444_000),
            ("2021-03-02", "2021-03-05", 1, 0, 192_000),
            ("2021-03-02", "2021-03-02", 1, 0, 18_000),
            (
                "2021-03-02",
                "2021-03-03",
                3,
                10_050,
                3 * (40_000 + 36_000) + 10_050,
            ),
        ];
        for (dep, ret, travellers, tickets, total) in table {
            let e = estimate(
                &rates,
                date(dep),
                date(ret),
                travellers,
                Money::from_fen(tickets),
            )
            .expect("overflow");
            assert_eq!(
                e.total,
                Money::from_fen(total),
                "{dep}→{ret} × {travellers}"
            );
        }
        let e = estimate(
            &rates,
            date("2021-03-02"),
            date("2021-03-05"),
            2,
            Money::yuan(600),
        )
        .expect("overflow");
        assert_eq!((e.days, e.nights), (4, 3));
        assert_eq!(e.city_name, "北京");
        let amounts: Vec<(&str, i64)> = e
            .lines
            .iter()
            .map(|l| (l.item.as_str(), l.amount.fen()))
            .collect();
        assert_eq!(
            amounts,
            [
                ("lodging", 240_000),
                ("meal_allowance", 80_000),
                ("transport_allowance", 64_000),
                ("ticket", 60_000)
            ]
        );
        assert_eq!(
            e.lines[0].rule_text(),
            "R4 住宿费: min(claimed, 3 nights × 400.00/night cap, beijing) × 2 travellers"
        );
        assert_eq!(
            e.lines[1].rule_text(),
            "R5 伙食补助费: 100.00/day (beijing) × 2 travellers"
        );
    }

    #[test]
    fn reversed_trips_and_no_travellers_are_refused() {
        let rates = beijing();
        let (a, b) = (date("2021-03-05"), date("2021-03-02"));
        assert_eq!(estimate(&rates, a, b, 1, Money::ZERO), Err(Overflow));
        assert_eq!(estimate(&rates, b, a, 0, Money::ZERO), Err(Overflow));
    }

    #[test]
    fn settlement_follows_the_worked_example() {
        let advance = Money::yuan(3000);
        assert_eq!(
            settle(Money::yuan(3120), advance),
            Settlement {
                advance,
                net_payable: Money::yuan(120),
                to_return: Money::ZERO
            }
        );
        assert_eq!(
            settle(Money::yuan(2500), advance),
            Settlement {
                advance,
                net_payable: Money::ZERO,
                to_return: Money::yuan(500)
            }
        );
        assert_eq!(
            settle(Money::yuan(80), Money::ZERO).net_payable,
            Money::yuan(80)
        );
    }

    proptest! {
        /// The estimate is the formula and the sum of its lines, and grows with every input.
        #[test]
        fn the_estimate_is_the_formula(
            days in 1i64..=MAX_TRIP_DAYS,
            travellers in 1i64..=MAX_TRAVELLERS,
            tickets in 0i64..10_000_000,
        ) {
            let rates = beijing();
            let dep = date("2021-03-02");
            let ret = dep + chrono::Duration::days(days - 1);
            let e = estimate(&rates, dep, ret, travellers, Money::from_fen(tickets))
                .expect("overflow");
            let formula = travellers * (40_000 * (days - 1) + 18_000 * days) + tickets;
            prop_assert_eq!(e.total.fen(), formula);
            prop_assert_eq!(
                Money::checked_sum(e.lines.iter().map(|l| l.amount)),
                Some(e.total)
            );
        }

        /// An advance is exactly split: paid out plus returned balances the claim.
        #[test]
        fn settlement_balances(reimbursable in 0i64..10_000_000, advance in 0i64..10_000_000) {
            let s = settle(Money::from_fen(reimbursable), Money::from_fen(advance));
            prop_assert!(s.net_payable.is_zero() || s.to_return.is_zero());
            prop_assert_eq!(
                reimbursable - s.net_payable.fen(),
                advance - s.to_return.fen()
            );
        }
    }
}
