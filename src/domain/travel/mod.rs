//! R3–R8 Travel claims (差旅费报销): trip days, lodging caps, meal and city-transport allowances,
//! tickets and totals. Pure: a [`Trip`] is parsed against a [`Policy`] and [`Trip::compute`]
//! explains every amount with the rule and rate that produced it.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::money::Money;
use crate::domain::policy::{CityRates, HostMealDeduction, Policy};
use crate::domain::{FieldError, FieldProblem, TripPart};

mod breakdown;

pub use breakdown::*;

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
        /// The known cities' names, in the order of `known`.
        known_names: Vec<String>,
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
                known_names: policy.city_names(),
            })
        };
        let destination = resolve("destination".into(), &input.destination)?;
        let mut resolved = Vec::with_capacity(input.stays.len());
        for (i, stay) in input.stays.iter().enumerate() {
            resolved.push(resolve(format!("stays[{i}].city"), &stay.city)?);
        }

        let mut errors = Vec::new();
        if input.purpose.trim().is_empty() {
            errors.push(FieldError::new(
                "purpose",
                FieldProblem::Required {
                    english: "purpose must not be empty",
                },
            ));
        }
        let (dep, ret) = (input.departure_date, input.return_date);
        check_dates(dep, ret, &mut errors);
        let stays = check_stays(input.stays, resolved, (dep, ret), &mut errors);
        check_tickets(&input.tickets, &mut errors);
        let meals = check_meals(input.meals_provided, (dep, ret), &mut errors);
        let vehicle = check_vehicle_days(input.vehicle_provided_dates, (dep, ret), &mut errors);

        if !errors.is_empty() {
            return Err(TripError::Invalid(errors));
        }
        Ok(Trip {
            destination,
            departure_date: dep,
            return_date: ret,
            stays,
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
        let ineligible = self
            .stays
            .iter()
            .any(|s| !s.invoice && !s.lodging_amount.is_zero())
            .then_some(Ineligible::MissingLodgingInvoice);
        let stays = self.lodging(&mut lines)?;
        let daily = self.daily(&mut lines)?;
        let tickets = self.tickets(&mut lines)?;
        let meal_allowance = daily.meal.checked_sub(daily.deductions).ok_or(Overflow)?;

        let mut breakdown = Breakdown {
            days: self.days(),
            meal_allowance,
            meal_deductions: daily.deductions,
            transport_allowance: daily.transport,
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

    /// R4 lodging, per stay: each stay's line, and its explained row.
    fn lodging(&self, lines: &mut Vec<Line>) -> Result<Vec<StayLine>, Overflow> {
        let mut stays = Vec::with_capacity(self.stays.len());
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
        Ok(stays)
    }

    /// R5 meals and R6 city transport, per calendar day: each day's lines, and their totals.
    fn daily(&self, lines: &mut Vec<Line>) -> Result<Daily, Overflow> {
        let mut totals = Daily {
            meal: Money::ZERO,
            deductions: Money::ZERO,
            transport: Money::ZERO,
        };
        let (mut stay_cursor, mut meal_cursor, mut vehicle_cursor) = (0, 0, 0);
        for day in self
            .departure_date
            .iter_days()
            .take(usize::try_from(self.days()).unwrap_or(0))
        {
            let rates = self.city_of_day(day, &mut stay_cursor);
            let allowance = rates.meal_allowance_per_day;
            totals.meal = totals.meal.checked_add(allowance).ok_or(Overflow)?;
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
                if let Some(line) = self.host_meals(day, m, allowance)? {
                    // The line is negative: the deduction grows by its size.
                    totals.deductions =
                        totals.deductions.checked_sub(line.amount).ok_or(Overflow)?;
                    lines.push(line);
                }
            }
            while vehicle_cursor < self.vehicle_provided_dates.len()
                && self.vehicle_provided_dates[vehicle_cursor] < day
            {
                vehicle_cursor += 1;
            }
            let vehicle = self.vehicle_provided_dates.get(vehicle_cursor) == Some(&day);
            let line = transport_line(day, rates, vehicle);
            totals.transport = totals.transport.checked_add(line.amount).ok_or(Overflow)?;
            lines.push(line);
        }
        Ok(totals)
    }

    /// R5: the day's deduction for meals the host provided (a negative line), if any.
    fn host_meals(
        &self,
        day: NaiveDate,
        m: &MealsProvided,
        allowance: Money,
    ) -> Result<Option<Line>, Overflow> {
        let share = self.deduction.share(m);
        let cut = allowance
            .times_rounded(share)
            .ok_or(Overflow)?
            .min(allowance);
        if cut.is_zero() {
            return Ok(None);
        }
        Ok(Some(Line {
            item: Item::MealDeduction,
            date: Some(day),
            amount: Money::ZERO.checked_sub(cut).ok_or(Overflow)?,
            rule: Rule::HostMeals {
                meals: *m,
                share,
                rate: allowance,
            },
        }))
    }

    /// R7 tickets at their actual amount: their lines, and their sum.
    fn tickets(&self, lines: &mut Vec<Line>) -> Result<Money, Overflow> {
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
        Money::checked_sum(self.tickets.iter().map(|t| t.amount)).ok_or(Overflow)
    }
}

/// The per-day totals of a trip (R5, R6).
struct Daily {
    meal: Money,
    deductions: Money,
    transport: Money,
}

/// R6: the day's city transport allowance, or nothing on a day a vehicle was provided.
fn transport_line(day: NaiveDate, rates: &CityRates, vehicle: bool) -> Line {
    if vehicle {
        Line {
            item: Item::TransportAllowance,
            date: Some(day),
            amount: Money::ZERO,
            rule: Rule::VehicleProvided,
        }
    } else {
        let fare = rates.transport_allowance_per_day;
        Line {
            item: Item::TransportAllowance,
            date: Some(day),
            amount: fare,
            rule: Rule::Transport {
                city: rates.code.clone(),
                rate: fare,
            },
        }
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

/// R3: the return is not before the departure, and the trip lasts at most [`MAX_TRIP_DAYS`].
fn check_dates(dep: NaiveDate, ret: NaiveDate, errors: &mut Vec<FieldError>) {
    if ret < dep {
        errors.push(FieldError::new(
            "return_date",
            FieldProblem::Before {
                field: "return_date",
                other: "departure_date",
                other_on: dep,
            },
        ));
    } else if days_between(dep, ret) + 1 > MAX_TRIP_DAYS {
        errors.push(FieldError::new(
            "return_date",
            FieldProblem::TripTooLong {
                max_days: MAX_TRIP_DAYS,
            },
        ));
    }
}

/// R4: each stay has at least one night inside the trip, and no two stays overlap. The stays
/// come back sorted by check-in; a refusal names a stay by its place in `stays` as sent.
fn check_stays<'p>(
    input: Vec<StayInput>,
    resolved: Vec<&'p CityRates>,
    (dep, ret): (NaiveDate, NaiveDate),
    errors: &mut Vec<FieldError>,
) -> Vec<Stay<'p>> {
    let mut stays: Vec<(usize, Stay<'p>)> = Vec::with_capacity(input.len());
    for ((i, stay), rates) in input.into_iter().enumerate().zip(resolved) {
        if stay.check_out <= stay.check_in {
            errors.push(FieldError::new(
                format!("stays[{i}].check_out"),
                FieldProblem::NotAfter {
                    field: "check_out",
                    other: "check_in",
                    other_on: stay.check_in,
                },
            ));
        } else if stay.check_in < dep {
            errors.push(FieldError::new(
                format!("stays[{i}].check_in"),
                FieldProblem::OutsideTrip {
                    part: TripPart::StayBegins,
                    from: dep,
                    to: ret,
                },
            ));
        } else if stay.check_out > ret {
            errors.push(FieldError::new(
                format!("stays[{i}].check_out"),
                FieldProblem::OutsideTrip {
                    part: TripPart::StayEnds,
                    from: dep,
                    to: ret,
                },
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
                FieldProblem::Overlaps,
            ));
        }
    }
    stays.into_iter().map(|(_, s)| s).collect()
}

/// R7: every ticket has a description and an amount above 0.
fn check_tickets(tickets: &[Ticket], errors: &mut Vec<FieldError>) {
    for (i, ticket) in tickets.iter().enumerate() {
        if ticket.description.trim().is_empty() {
            errors.push(FieldError::new(
                format!("tickets[{i}].description"),
                FieldProblem::Required {
                    english: "a ticket needs a description",
                },
            ));
        }
        if ticket.amount.is_zero() {
            errors.push(FieldError::new(
                format!("tickets[{i}].amount"),
                crate::domain::money::MoneyError::NotPositive,
            ));
        }
    }
}

/// R5: host meals on days of the trip, at most one entry a day; sorted by date.
fn check_meals(
    mut meals: Vec<MealsProvided>,
    (dep, ret): (NaiveDate, NaiveDate),
    errors: &mut Vec<FieldError>,
) -> Vec<MealsProvided> {
    for (i, m) in meals.iter().enumerate() {
        if !(dep <= m.date && m.date <= ret) {
            errors.push(FieldError::new(
                format!("meals_provided[{i}].date"),
                FieldProblem::OutsideTrip {
                    part: TripPart::Day,
                    from: dep,
                    to: ret,
                },
            ));
        }
    }
    meals.sort_by_key(|m| m.date);
    if meals.windows(2).any(|w| w[0].date == w[1].date) {
        errors.push(FieldError::new(
            "meals_provided",
            FieldProblem::RepeatedDate,
        ));
    }
    meals
}

/// R6: days a vehicle was provided lie inside the trip; sorted, without repeats.
fn check_vehicle_days(
    mut days: Vec<NaiveDate>,
    (dep, ret): (NaiveDate, NaiveDate),
    errors: &mut Vec<FieldError>,
) -> Vec<NaiveDate> {
    for (i, d) in days.iter().enumerate() {
        if !(dep <= *d && *d <= ret) {
            errors.push(FieldError::new(
                format!("vehicle_provided_dates[{i}]"),
                FieldProblem::OutsideTrip {
                    part: TripPart::Day,
                    from: dep,
                    to: ret,
                },
            ));
        }
    }
    days.sort_unstable();
    days.dedup();
    days
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

#[cfg(test)]
mod tests;
