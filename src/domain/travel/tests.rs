//! The worked examples of rules.md R3–R8 and properties of the calculator.

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
    let trip = Trip::parse(input, &policy).unwrap();
    trip.compute().unwrap()
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
