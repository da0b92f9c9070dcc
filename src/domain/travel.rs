//! R3–R8 Travel claims (差旅费报销): trip days, lodging caps, meal and city-transport allowances,
//! tickets and totals. Pure: a [`Trip`] is parsed against a [`Policy`] and [`Trip::compute`]
//! explains every amount with the rule and rate that produced it.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::money::{Money, MAX_INPUT_FEN};
use super::policy::{CityRates, HostMealDeduction, Policy};
use super::FieldError;

/// The longest trip a claim may cover, in days (inclusive of both travel days).
pub const MAX_TRIP_DAYS: i64 = 366;

/// A claim as the traveller states it, amounts already parsed (R1) but nothing else checked.
#[derive(Clone, Debug)]
pub struct TripInput {
    pub purpose: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub stays: Vec<StayInput>,
    pub tickets: Vec<Ticket>,
    pub meals_provided: Vec<MealsProvided>,
    pub vehicle_provided_dates: Vec<NaiveDate>,
}

#[derive(Clone, Debug)]
pub struct StayInput {
    pub city: String,
    pub check_in: NaiveDate,
    pub check_out: NaiveDate,
    pub lodging_amount: Money,
    pub invoice: bool,
}

/// An inter-city ticket (R7), reimbursed at its actual amount.
#[derive(Clone, Debug)]
pub struct Ticket {
    pub description: String,
    pub amount: Money,
}

/// Meals the host provided on one day (R2, R5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MealsProvided {
    pub date: NaiveDate,
    pub breakfast: bool,
    pub lunch: bool,
    pub dinner: bool,
}

/// Why a trip cannot be a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TripError {
    /// A city not in the policy (R2): the field, the name given, and the known city codes.
    UnknownCity {
        field: String,
        name: String,
        known: Vec<String>,
    },
    Invalid(Vec<FieldError>),
}

/// A stay whose city is known and whose dates lie inside the trip (R4).
#[derive(Clone, Debug)]
struct Stay<'p> {
    rates: &'p CityRates,
    check_in: NaiveDate,
    check_out: NaiveDate,
    lodging_amount: Money,
    invoice: bool,
}

/// A trip that keeps every rule of R3–R7: dates in order and at most 366 days, stays inside the
/// trip and not overlapping, every city in the policy, tickets with a description and an amount
/// above 0, at most one host-meal entry a day.
///
/// Worked example (R8): 2021-05-10 → 2021-05-12 to Shijiazhuang, one stay 05-10 → 05-12 with
/// 680.00 lodging and an invoice, two tickets of 65.50, lunch provided on 05-11: reimbursable
/// 1231.00, self-borne 80.00.
#[derive(Clone, Debug)]
pub struct Trip<'p> {
    destination: &'p CityRates,
    departure_date: NaiveDate,
    return_date: NaiveDate,
    /// Sorted by check-in.
    stays: Vec<Stay<'p>>,
    tickets: Vec<Ticket>,
    /// Sorted by date, one per date.
    meals_provided: Vec<MealsProvided>,
    /// Sorted, without repeats.
    vehicle_provided_dates: Vec<NaiveDate>,
    deduction: HostMealDeduction,
}

impl<'p> Trip<'p> {
    /// Checks a stated trip against the rules and the policy version in force.
    pub fn parse(input: TripInput, policy: &'p Policy) -> Result<Trip<'p>, TripError> {
        let resolve = |field: String, name: &str| {
            policy.city(name).ok_or_else(|| TripError::UnknownCity {
                field,
                name: name.to_string(),
                known: policy.city_codes(),
            })
        };
        let destination = resolve("destination".into(), &input.destination)?;
        let mut resolved = Vec::with_capacity(input.stays.len());
        for (i, stay) in input.stays.iter().enumerate() {
            resolved.push(resolve(format!("stays[{i}].city"), &stay.city)?);
        }

        let mut errors = Vec::new();
        if input.purpose.trim().is_empty() {
            errors.push(FieldError::new("purpose", "purpose must not be empty"));
        }
        let (dep, ret) = (input.departure_date, input.return_date);
        if ret < dep {
            errors.push(FieldError::new(
                "return_date",
                "return_date is before departure_date",
            ));
        } else if days_between(dep, ret) + 1 > MAX_TRIP_DAYS {
            errors.push(FieldError::new(
                "return_date",
                "a trip covers at most 366 days",
            ));
        }

        let mut stays: Vec<(usize, Stay<'p>)> = Vec::with_capacity(input.stays.len());
        for ((i, stay), rates) in input.stays.into_iter().enumerate().zip(resolved) {
            if stay.check_out <= stay.check_in {
                errors.push(FieldError::new(
                    format!("stays[{i}].check_out"),
                    "check_out must be after check_in",
                ));
            } else if stay.check_in < dep {
                errors.push(FieldError::new(
                    format!("stays[{i}].check_in"),
                    "the stay begins before the trip",
                ));
            } else if stay.check_out > ret {
                errors.push(FieldError::new(
                    format!("stays[{i}].check_out"),
                    "the stay ends after the trip",
                ));
            }
            stays.push((
                i,
                Stay {
                    rates,
                    check_in: stay.check_in,
                    check_out: stay.check_out,
                    lodging_amount: stay.lodging_amount,
                    invoice: stay.invoice,
                },
            ));
        }
        stays.sort_by_key(|(_, s)| (s.check_in, s.check_out));
        for pair in stays.windows(2) {
            let ((_, a), (j, b)) = (&pair[0], &pair[1]);
            if b.check_in < a.check_out && a.check_in < a.check_out {
                errors.push(FieldError::new(
                    format!("stays[{j}].check_in"),
                    "the stay overlaps another stay",
                ));
            }
        }

        for (i, ticket) in input.tickets.iter().enumerate() {
            if ticket.description.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("tickets[{i}].description"),
                    "a ticket needs a description",
                ));
            }
            if ticket.amount.is_zero() {
                errors.push(FieldError::new(
                    format!("tickets[{i}].amount"),
                    "must be more than 0.00",
                ));
            }
        }

        let in_trip = |d: NaiveDate| dep <= d && d <= ret;
        let mut meals = input.meals_provided;
        for (i, m) in meals.iter().enumerate() {
            if !in_trip(m.date) {
                errors.push(FieldError::new(
                    format!("meals_provided[{i}].date"),
                    "the date is outside the trip",
                ));
            }
        }
        meals.sort_by_key(|m| m.date);
        if meals.windows(2).any(|w| w[0].date == w[1].date) {
            errors.push(FieldError::new(
                "meals_provided",
                "a date appears more than once",
            ));
        }
        let mut vehicle = input.vehicle_provided_dates;
        for (i, d) in vehicle.iter().enumerate() {
            if !in_trip(*d) {
                errors.push(FieldError::new(
                    format!("vehicle_provided_dates[{i}]"),
                    "the date is outside the trip",
                ));
            }
        }
        vehicle.sort_unstable();
        vehicle.dedup();

        if !errors.is_empty() {
            return Err(TripError::Invalid(errors));
        }
        Ok(Trip {
            destination,
            departure_date: dep,
            return_date: ret,
            stays: stays.into_iter().map(|(_, s)| s).collect(),
            tickets: input.tickets,
            meals_provided: meals,
            vehicle_provided_dates: vehicle,
            deduction: policy.host_meal_deduction,
        })
    }

    pub fn departure_date(&self) -> NaiveDate {
        self.departure_date
    }

    /// R3: both travel days count in full. 2021-05-10 → 2021-05-12 is 3 days.
    pub fn days(&self) -> i64 {
        days_between(self.departure_date, self.return_date) + 1
    }

    /// R5/R6 day-city: the stay covering that night; else the last stay that ended on or before
    /// the day; else the destination.
    fn city_of_day(&self, day: NaiveDate, cursor: &mut usize) -> &'p CityRates {
        while *cursor < self.stays.len() && self.stays[*cursor].check_out <= day {
            *cursor += 1;
        }
        match self.stays.get(*cursor) {
            Some(stay) if stay.check_in <= day => stay.rates,
            _ if *cursor > 0 => self.stays[*cursor - 1].rates,
            _ => self.destination,
        }
    }

    /// Applies R3–R8 and explains every amount.
    pub fn compute(&self) -> Result<Breakdown, Overflow> {
        let mut lines = Vec::with_capacity(self.stays.len() + self.tickets.len() + 3 * 31);
        let mut stays = Vec::with_capacity(self.stays.len());
        let ineligible = self
            .stays
            .iter()
            .any(|s| !s.invoice && !s.lodging_amount.is_zero())
            .then_some(Ineligible::MissingLodgingInvoice);

        // R4 lodging, per stay.
        for stay in &self.stays {
            let nights = days_between(stay.check_in, stay.check_out);
            let cap_per_night = stay.rates.lodging_cap_per_night;
            let cap_total = cap_per_night.checked_mul(nights).ok_or(Overflow)?;
            let allowed = stay.lodging_amount.min(cap_total);
            let self_borne = stay.lodging_amount.checked_sub(allowed).ok_or(Overflow)?;
            stays.push(StayLine {
                city: stay.rates.code.clone(),
                nights,
                cap_per_night,
                cap_total,
                lodging_claimed: stay.lodging_amount,
                lodging_allowed: allowed,
                self_borne,
            });
            lines.push(Line {
                item: Item::Lodging,
                date: Some(stay.check_in),
                amount: allowed,
                rule: Rule::Lodging {
                    city: stay.rates.code.clone(),
                    nights,
                    cap_per_night,
                },
            });
        }

        // R5 meals and R6 city transport, per calendar day.
        let (mut meal, mut deductions, mut transport) = (Money::ZERO, Money::ZERO, Money::ZERO);
        let (mut stay_cursor, mut meal_cursor, mut vehicle_cursor) = (0, 0, 0);
        for day in self
            .departure_date
            .iter_days()
            .take(usize::try_from(self.days()).unwrap_or(0))
        {
            let rates = self.city_of_day(day, &mut stay_cursor);
            let allowance = rates.meal_allowance_per_day;
            meal = meal.checked_add(allowance).ok_or(Overflow)?;
            lines.push(Line {
                item: Item::MealAllowance,
                date: Some(day),
                amount: allowance,
                rule: Rule::Meal {
                    city: rates.code.clone(),
                    rate: allowance,
                },
            });
            while meal_cursor < self.meals_provided.len()
                && self.meals_provided[meal_cursor].date < day
            {
                meal_cursor += 1;
            }
            if let Some(m) = self
                .meals_provided
                .get(meal_cursor)
                .filter(|m| m.date == day)
            {
                let share = self.deduction.share(m);
                let cut = allowance
                    .times_rounded(share)
                    .ok_or(Overflow)?
                    .min(allowance);
                if !cut.is_zero() {
                    deductions = deductions.checked_add(cut).ok_or(Overflow)?;
                    lines.push(Line {
                        item: Item::MealDeduction,
                        date: Some(day),
                        amount: Money::ZERO.checked_sub(cut).ok_or(Overflow)?,
                        rule: Rule::HostMeals {
                            meals: *m,
                            share,
                            rate: allowance,
                        },
                    });
                }
            }
            while vehicle_cursor < self.vehicle_provided_dates.len()
                && self.vehicle_provided_dates[vehicle_cursor] < day
            {
                vehicle_cursor += 1;
            }
            let vehicle = self.vehicle_provided_dates.get(vehicle_cursor) == Some(&day);
            let fare = if vehicle {
                Money::ZERO
            } else {
                rates.transport_allowance_per_day
            };
            transport = transport.checked_add(fare).ok_or(Overflow)?;
            lines.push(Line {
                item: Item::TransportAllowance,
                date: Some(day),
                amount: fare,
                rule: if vehicle {
                    Rule::VehicleProvided
                } else {
                    Rule::Transport {
                        city: rates.code.clone(),
                        rate: fare,
                    }
                },
            });
        }

        // R7 tickets at their actual amount.
        for ticket in &self.tickets {
            lines.push(Line {
                item: Item::Ticket,
                date: None,
                amount: ticket.amount,
                rule: Rule::Ticket {
                    description: Arc::from(ticket.description.as_str()),
                },
            });
        }
        let tickets = Money::checked_sum(self.tickets.iter().map(|t| t.amount)).ok_or(Overflow)?;
        let meal_allowance = meal.checked_sub(deductions).ok_or(Overflow)?;

        let mut breakdown = Breakdown {
            days: self.days(),
            meal_allowance,
            meal_deductions: deductions,
            transport_allowance: transport,
            tickets,
            reimbursable: Money::ZERO,
            self_borne: Money::ZERO,
            forfeited: Money::ZERO,
            ineligible_reason: ineligible,
            stays,
            lines,
        };
        if ineligible.is_some() {
            // R8: what the claim would have paid, reported beside the zero it pays.
            breakdown.forfeited =
                Money::checked_sum(breakdown.lines.iter().map(|l| l.amount)).ok_or(Overflow)?;
            breakdown.make_ineligible();
        }
        // R8 totals, from the lines, so the totals are the lines' sum by construction.
        breakdown.reimbursable =
            Money::checked_sum(breakdown.lines.iter().map(|l| l.amount)).ok_or(Overflow)?;
        breakdown.self_borne =
            Money::checked_sum(breakdown.stays.iter().map(|s| s.self_borne)).ok_or(Overflow)?;
        Ok(breakdown)
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

impl HostMealDeduction {
    /// The share of the day's allowance given up for the meals provided (R2): lunch alone 0.40,
    /// all three 1.00.
    fn share(&self, m: &MealsProvided) -> Decimal {
        let pick = |provided: bool, share: Decimal| if provided { share } else { Decimal::ZERO };
        pick(m.breakfast, self.breakfast) + pick(m.lunch, self.lunch) + pick(m.dinner, self.dinner)
    }
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

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
    fn make_ineligible(&mut self) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::tests::{date, policy_2021};
    use proptest::prelude::*;

    fn trip(dep: &str, ret: &str, dest: &str) -> TripInput {
        TripInput {
            purpose: "赴省汇报".into(),
            destination: dest.into(),
            departure_date: date(dep),
            return_date: date(ret),
            stays: vec![],
            tickets: vec![],
            meals_provided: vec![],
            vehicle_provided_dates: vec![],
        }
    }

    fn stay(city: &str, from: &str, to: &str, yuan: &str, invoice: bool) -> StayInput {
        StayInput {
            city: city.into(),
            check_in: date(from),
            check_out: date(to),
            lodging_amount: Money::parse_input(yuan).unwrap_or_default(),
            invoice,
        }
    }

    fn compute(input: TripInput) -> Breakdown {
        let policy = policy_2021();
        let trip = Trip::parse(input, &policy).unwrap_or_else(|e| panic!("{e:?}"));
        trip.compute().unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn errors(input: TripInput) -> Vec<String> {
        match Trip::parse(input, &policy_2021()) {
            Err(TripError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            Err(TripError::UnknownCity { field, .. }) => vec![format!("unknown_city:{field}")],
            Ok(_) => vec![],
        }
    }

    #[test]
    fn r8_worked_example() {
        let mut input = trip("2021-05-10", "2021-05-12", "石家庄");
        input.stays.push(stay(
            "shijiazhuang",
            "2021-05-10",
            "2021-05-12",
            "680.00",
            true,
        ));
        input.tickets = vec![
            Ticket {
                description: "平乡—石家庄".into(),
                amount: Money::from_fen(6550),
            },
            Ticket {
                description: "石家庄—平乡".into(),
                amount: Money::from_fen(6550),
            },
        ];
        input.meals_provided.push(MealsProvided {
            date: date("2021-05-11"),
            breakfast: false,
            lunch: true,
            dinner: false,
        });
        let b = compute(input);
        assert_eq!(b.days, 3);
        assert_eq!(b.stays[0].cap_total, Money::yuan(600));
        assert_eq!(b.stays[0].lodging_allowed, Money::yuan(600));
        assert_eq!(b.stays[0].self_borne, Money::yuan(80));
        assert_eq!(b.meal_allowance, Money::yuan(260));
        assert_eq!(b.meal_deductions, Money::yuan(40));
        assert_eq!(b.transport_allowance, Money::yuan(240));
        assert_eq!(b.tickets, Money::yuan(131));
        assert_eq!(b.reimbursable, Money::yuan(1231));
        assert_eq!(b.self_borne, Money::yuan(80));
        assert_eq!(b.ineligible_reason, None);
        assert_eq!(
            b.lines[0].rule.to_string(),
            "R4 住宿费: min(claimed, 2 nights × 300.00/night cap, shijiazhuang)"
        );
    }

    #[test]
    fn day_city_follows_stays_then_last_stay_then_destination() {
        // 1st: no stay yet → destination (xingtai 100+80); 2nd: beijing stay; 3rd: beijing stay
        // ended that day → beijing; 4th: shijiazhuang stay; 5th: after it → shijiazhuang.
        let mut input = trip("2021-03-01", "2021-03-05", "xingtai");
        input
            .stays
            .push(stay("beijing", "2021-03-02", "2021-03-03", "400", true));
        input
            .stays
            .push(stay("shijiazhuang", "2021-03-04", "2021-03-05", "0", false));
        let b = compute(input);
        let cities: Vec<_> = b
            .lines
            .iter()
            .filter(|l| l.item == Item::MealAllowance)
            .map(|l| match &l.rule {
                Rule::Meal { city, .. } => city.to_string(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(
            cities,
            [
                "xingtai",
                "beijing",
                "beijing",
                "shijiazhuang",
                "shijiazhuang"
            ]
        );
        assert_eq!(
            b.ineligible_reason, None,
            "a stay with no cost needs no invoice"
        );
    }

    #[test]
    fn missing_invoice_makes_everything_zero() {
        let mut input = trip("2021-05-10", "2021-05-12", "beijing");
        input
            .stays
            .push(stay("beijing", "2021-05-10", "2021-05-12", "500", false));
        input.tickets.push(Ticket {
            description: "G1".into(),
            amount: Money::yuan(100),
        });
        let b = compute(input);
        assert_eq!(b.ineligible_reason, Some(Ineligible::MissingLodgingInvoice));
        assert_eq!(b.reimbursable, Money::ZERO);
        // R8: 500.00 is under the 2 × 400.00 cap, so nothing is spent above the standard; what
        // is lost is 500 lodging + 3 × 100 meals + 3 × 80 transport + 100 ticket.
        assert_eq!(b.self_borne, Money::ZERO);
        assert_eq!(b.forfeited, Money::yuan(1140));
        assert!(b
            .lines
            .iter()
            .all(|l| l.amount.is_zero() && l.rule == Rule::MissingInvoice));
    }

    #[test]
    fn r8_sums_over_the_r1_limit_name_their_field() {
        let max = Money::from_fen(crate::domain::money::MAX_INPUT_FEN);
        let ticket = |amount| Ticket {
            description: "G1".into(),
            amount,
        };
        let mut input = trip("2021-05-10", "2021-05-10", "beijing");
        input.tickets = vec![ticket(max), ticket(max)];
        assert_eq!(compute(input.clone()).over_limit(), Some("tickets"));
        // One ticket at the limit plus a day's allowances: the reimbursable is over, and the
        // tickets are its larger part.
        input.tickets = vec![ticket(max)];
        assert_eq!(compute(input.clone()).over_limit(), Some("tickets"));
        input.tickets = vec![ticket(
            max.checked_sub(Money::yuan(180)).unwrap_or_default(),
        )];
        assert_eq!(compute(input).over_limit(), None, "exactly the limit");
        let mut input = trip("2021-05-10", "2021-05-12", "beijing");
        input.stays.push(stay(
            "beijing",
            "2021-05-10",
            "2021-05-11",
            "99999999.99",
            true,
        ));
        input.stays.push(stay(
            "beijing",
            "2021-05-11",
            "2021-05-12",
            "99999999.99",
            true,
        ));
        assert_eq!(compute(input).over_limit(), Some("stays"));
    }

    #[test]
    fn vehicle_and_all_meals_provided() {
        let mut input = trip("2021-05-10", "2021-05-10", "beijing");
        input.vehicle_provided_dates = vec![date("2021-05-10"), date("2021-05-10")];
        input.meals_provided.push(MealsProvided {
            date: date("2021-05-10"),
            breakfast: true,
            lunch: true,
            dinner: true,
        });
        let b = compute(input);
        assert_eq!(b.meal_allowance, Money::ZERO);
        assert_eq!(b.transport_allowance, Money::ZERO);
        assert_eq!(b.reimbursable, Money::ZERO);
    }

    #[test]
    fn refuses_bad_trips_naming_the_field() {
        assert_eq!(
            errors(trip("2021-05-12", "2021-05-10", "beijing")),
            ["return_date"]
        );
        assert_eq!(
            errors(trip("2021-01-01", "2022-01-02", "beijing")),
            ["return_date"]
        );
        assert!(
            errors(trip("2021-01-01", "2022-01-01", "beijing")).is_empty(),
            "366 days is fine"
        );
        assert_eq!(
            errors(trip("2021-05-10", "2021-05-12", "上海")),
            ["unknown_city:destination"]
        );

        let mut t = trip("2021-05-10", "2021-05-12", "beijing");
        t.purpose = "  ".into();
        assert_eq!(errors(t), ["purpose"]);

        let mut t = trip("2021-05-10", "2021-05-12", "beijing");
        t.stays
            .push(stay("beijing", "2021-05-11", "2021-05-11", "1", true));
        assert_eq!(errors(t), ["stays[0].check_out"]);

        let mut t = trip("2021-05-10", "2021-05-12", "beijing");
        t.stays
            .push(stay("beijing", "2021-05-09", "2021-05-11", "1", true));
        t.stays
            .push(stay("beijing", "2021-05-11", "2021-05-13", "1", true));
        assert_eq!(errors(t), ["stays[0].check_in", "stays[1].check_out"]);

        let mut t = trip("2021-05-10", "2021-05-14", "beijing");
        t.stays
            .push(stay("beijing", "2021-05-12", "2021-05-14", "1", true));
        t.stays
            .push(stay("beijing", "2021-05-10", "2021-05-13", "1", true));
        assert_eq!(errors(t), ["stays[0].check_in"]);

        let mut t = trip("2021-05-10", "2021-05-12", "beijing");
        t.stays
            .push(stay("广州", "2021-05-10", "2021-05-11", "1", true));
        assert_eq!(errors(t), ["unknown_city:stays[0].city"]);

        let mut t = trip("2021-05-10", "2021-05-12", "beijing");
        t.tickets.push(Ticket {
            description: "".into(),
            amount: Money::ZERO,
        });
        assert_eq!(errors(t), ["tickets[0].description", "tickets[0].amount"]);
    }

    /// Random valid trips: up to 40 days, stays laid end to end at random cities and amounts.
    fn arb_trip() -> impl Strategy<Value = TripInput> {
        (
            1i64..=40,
            proptest::collection::vec(
                (0i64..=3, 1i64..=5, 0usize..3, 0i64..=500_000, any::<bool>()),
                0..6,
            ),
            proptest::collection::vec(1i64..=200_000, 0..4),
            proptest::collection::vec((0i64..40, any::<[bool; 3]>()), 0..10),
        )
            .prop_map(|(days, stays, tickets, meals)| {
                let dep = date("2021-03-01");
                let ret = dep + chrono::Duration::days(days - 1);
                let codes = ["xingtai", "shijiazhuang", "beijing"];
                let mut input = trip("2021-03-01", "2021-03-01", "beijing");
                input.return_date = ret;
                let mut at = dep;
                for (gap, nights, city, fen, invoice) in stays {
                    let check_in = at + chrono::Duration::days(gap);
                    let check_out = check_in + chrono::Duration::days(nights);
                    if check_out > ret {
                        break;
                    }
                    input.stays.push(StayInput {
                        city: codes[city].into(),
                        check_in,
                        check_out,
                        lodging_amount: Money::from_fen(fen),
                        invoice,
                    });
                    at = check_out;
                }
                input.tickets = tickets
                    .into_iter()
                    .map(|fen| Ticket {
                        description: "ticket".into(),
                        amount: Money::from_fen(fen),
                    })
                    .collect();
                let mut seen = std::collections::BTreeSet::new();
                for (offset, [b, l, d]) in meals {
                    let day = dep + chrono::Duration::days(offset % days);
                    if seen.insert(day) {
                        input.meals_provided.push(MealsProvided {
                            date: day,
                            breakfast: b,
                            lunch: l,
                            dinner: d,
                        });
                    }
                }
                input
            })
    }

    proptest! {
        #[test]
        fn lodging_allowed_never_exceeds_cap_and_adds_up(input in arb_trip()) {
            let b = compute(input);
            for s in &b.stays {
                prop_assert!(s.lodging_allowed <= s.cap_total);
                prop_assert_eq!(s.cap_total, s.cap_per_night.checked_mul(s.nights).unwrap_or_default());
                // R8: the excess over the cap, whether or not the claim is eligible.
                prop_assert_eq!(
                    s.lodging_claimed.min(s.cap_total).checked_add(s.self_borne),
                    Some(s.lodging_claimed)
                );
                if b.ineligible_reason.is_none() {
                    prop_assert_eq!(s.lodging_allowed.checked_add(s.self_borne), Some(s.lodging_claimed));
                }
            }
        }

        #[test]
        fn reimbursable_is_the_sum_of_its_lines_and_parts(input in arb_trip()) {
            let b = compute(input);
            prop_assert_eq!(Money::checked_sum(b.lines.iter().map(|l| l.amount)), Some(b.reimbursable));
            let lodging = Money::checked_sum(b.stays.iter().map(|s| s.lodging_allowed)).unwrap_or_default();
            prop_assert_eq!(
                Money::checked_sum([lodging, b.meal_allowance, b.transport_allowance, b.tickets]),
                Some(b.reimbursable)
            );
            prop_assert!(!b.meal_allowance.is_negative());
            prop_assert!(b.meal_allowance <= Money::yuan(100).checked_mul(b.days).unwrap_or_default());
            prop_assert!(b.transport_allowance <= Money::yuan(80).checked_mul(b.days).unwrap_or_default());
        }

        #[test]
        fn ineligible_pays_nothing(input in arb_trip()) {
            let mut with_invoices = input.clone();
            for stay in &mut with_invoices.stays {
                stay.invoice = true;
            }
            let b = compute(input);
            if b.ineligible_reason.is_some() {
                prop_assert_eq!(b.reimbursable, Money::ZERO);
                prop_assert!(b.lines.iter().all(|l| l.amount.is_zero()));
                // R8: it forfeits exactly what it would have paid with its invoices, and bears
                // only the excess over the caps.
                let eligible = compute(with_invoices);
                prop_assert_eq!(b.forfeited, eligible.reimbursable);
                prop_assert_eq!(b.self_borne, eligible.self_borne);
            } else {
                prop_assert_eq!(b.forfeited, Money::ZERO);
            }
        }
    }
}
