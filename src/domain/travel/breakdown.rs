//! What a computed claim is (R3–R8): its amounts, one [`Line`] per amount with the [`Rule`] and
//! rate that produced it, each stay's cap and excess (R4), and the texts of the rules as a
//! claimant reads them.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::MealsProvided;
use crate::domain::money::{Money, MAX_INPUT_FEN};

/// An amount beyond what the arithmetic can hold; the service refuses such a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

/// Why a claim pays nothing (R4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ineligible {
    /// 实际发生住宿而无住宿费发票的，不得报销住宿费以及城市间交通费、伙食补助费和市内交通费.
    MissingLodgingInvoice,
}

impl Ineligible {
    pub fn code(self) -> &'static str {
        match self {
            Ineligible::MissingLodgingInvoice => "missing_lodging_invoice",
        }
    }
}

/// The computed claim (R3–R8). `reimbursable` is the sum of `lines`; `self_borne` the sum of the
/// stays' excess over their caps, whether or not the claim is eligible; `forfeited` what a claim
/// made ineligible by R4 would otherwise have paid (0.00 for an eligible claim).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakdown {
    pub days: i64,
    pub stays: Vec<StayLine>,
    /// After host-meal deductions.
    pub meal_allowance: Money,
    pub meal_deductions: Money,
    pub transport_allowance: Money,
    pub tickets: Money,
    pub reimbursable: Money,
    pub self_borne: Money,
    pub forfeited: Money,
    pub ineligible_reason: Option<Ineligible>,
    pub lines: Vec<Line>,
}

impl Breakdown {
    /// R4 missing invoice: every reimbursable amount becomes 0.00 and says why. `self_borne`
    /// stays the excess over the caps (R8): what is lost is reported as `forfeited`, not as
    /// spending above the standard.
    pub(super) fn make_ineligible(&mut self) {
        for stay in &mut self.stays {
            stay.lodging_allowed = Money::ZERO;
        }
        for line in &mut self.lines {
            line.amount = Money::ZERO;
            line.rule = Rule::MissingInvoice;
        }
        self.meal_allowance = Money::ZERO;
        self.meal_deductions = Money::ZERO;
        self.transport_allowance = Money::ZERO;
        self.tickets = Money::ZERO;
    }
}

/// R4 for one stay: `allowed = min(claimed, nights × cap)`, the excess borne by the traveller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StayLine {
    pub city: Arc<str>,
    pub nights: i64,
    pub cap_per_night: Money,
    pub cap_total: Money,
    pub lodging_claimed: Money,
    pub lodging_allowed: Money,
    pub self_borne: Money,
}

/// One amount of the claim and the rule that produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub item: Item,
    pub date: Option<NaiveDate>,
    pub amount: Money,
    pub rule: Rule,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Lodging,
    MealAllowance,
    MealDeduction,
    TransportAllowance,
    Ticket,
}

impl Item {
    pub fn as_str(self) -> &'static str {
        match self {
            Item::Lodging => "lodging",
            Item::MealAllowance => "meal_allowance",
            Item::MealDeduction => "meal_deduction",
            Item::TransportAllowance => "transport_allowance",
            Item::Ticket => "ticket",
        }
    }
}

/// The rule behind a line, with the rate it used; displayed as the R-number and the rate,
/// e.g. `R4 住宿费: min(claimed, 2 nights × 300.00/night, shijiazhuang)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    Lodging {
        city: Arc<str>,
        nights: i64,
        cap_per_night: Money,
    },
    Meal {
        city: Arc<str>,
        rate: Money,
    },
    HostMeals {
        meals: MealsProvided,
        share: Decimal,
        rate: Money,
    },
    Transport {
        city: Arc<str>,
        rate: Money,
    },
    VehicleProvided,
    Ticket {
        description: Arc<str>,
    },
    MissingInvoice,
}

impl Rule {
    pub fn number(&self) -> &'static str {
        match self {
            Rule::Lodging { .. } | Rule::MissingInvoice => "R4",
            Rule::Meal { .. } | Rule::HostMeals { .. } => "R5",
            Rule::Transport { .. } | Rule::VehicleProvided => "R6",
            Rule::Ticket { .. } => "R7",
        }
    }

    /// The rate the line used, where it has one.
    pub fn rate(&self) -> Option<Money> {
        match self {
            Rule::Lodging {
                cap_per_night: rate,
                ..
            }
            | Rule::Meal { rate, .. }
            | Rule::HostMeals { rate, .. }
            | Rule::Transport { rate, .. } => Some(*rate),
            _ => None,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.number();
        match self {
            Rule::Lodging {
                city,
                nights,
                cap_per_night,
            } => write!(
                f,
                "{n} 住宿费: min(claimed, {nights} nights × {cap_per_night}/night cap, {city})"
            ),
            Rule::Meal { city, rate } => write!(f, "{n} 伙食补助费: {rate}/day ({city})"),
            Rule::HostMeals { meals, share, rate } => {
                let mut provided = Vec::new();
                for (yes, name) in [
                    (meals.breakfast, "breakfast"),
                    (meals.lunch, "lunch"),
                    (meals.dinner, "dinner"),
                ] {
                    if yes {
                        provided.push(name);
                    }
                }
                let percent = (share * Decimal::ONE_HUNDRED).normalize();
                write!(
                    f,
                    "{n} host provided {}: −{percent}% of {rate}",
                    provided.join("+")
                )
            }
            Rule::Transport { city, rate } => write!(f, "{n} 市内交通费: {rate}/day ({city})"),
            Rule::VehicleProvided => write!(f, "{n} 市内交通费: vehicle provided, 0.00"),
            Rule::Ticket { description } => {
                write!(f, "{n} 城市间交通费 at actual amount: {description}")
            }
            Rule::MissingInvoice => write!(
                f,
                "{n} missing_lodging_invoice: lodging without an invoice, nothing is reimbursable"
            ),
        }
    }
}

impl Breakdown {
    /// R8: a claim whose reimbursable amount, forfeit or any sum of its tickets or stays would
    /// exceed the R1 limit of 99,999,999.99 is refused; the field named is `tickets` when the
    /// tickets are the larger part of it, else `stays`.
    pub fn over_limit(&self) -> Option<&'static str> {
        let limit = Money::from_fen(MAX_INPUT_FEN);
        let sum = |f: fn(&StayLine) -> Money| Money::checked_sum(self.stays.iter().map(f));
        let lodging_claimed = sum(|s| s.lodging_claimed);
        let lodging_allowed = sum(|s| s.lodging_allowed);
        let too_big = |m: Option<Money>| m.is_none_or(|m| m > limit);
        if self.tickets > limit {
            return Some("tickets");
        }
        if too_big(lodging_claimed) || too_big(lodging_allowed) || self.self_borne > limit {
            return Some("stays");
        }
        if self.reimbursable > limit || self.forfeited > limit {
            let lodging = lodging_allowed.unwrap_or(Money::ZERO);
            return Some(if self.tickets >= lodging {
                "tickets"
            } else {
                "stays"
            });
        }
        None
    }
}
