//! Quote computation (R3–R8) for a 30-day, 5-stay claim: parse against the policy, compute, and
//! write the JSON answer — the whole work of `POST /travel-claims/quote` minus HTTP.
//!
//! `cargo bench --bench quote`

use std::str::FromStr;

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rust_decimal::Decimal;

use baoxiao::domain::policy::{CityRates, HostMealDeduction, Policy};
use baoxiao::domain::travel::{MealsProvided, StayInput, Ticket, Trip, TripInput};
use baoxiao::domain::Money;
use baoxiao::wire::BreakdownView;

fn date(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap_or_default()
}

fn policy() -> Policy {
    let city = |code: &str, name: &str, cap: i64| CityRates {
        code: code.into(),
        names: vec![name.into()],
        lodging_cap_per_night: Money::yuan(cap),
        meal_allowance_per_day: Money::yuan(100),
        transport_allowance_per_day: Money::yuan(80),
    };
    Policy {
        effective_from: date("2021-01-01"),
        cities: vec![
            city("xingtai", "邢台", 200),
            city("shijiazhuang", "石家庄", 300),
            city("beijing", "北京", 400),
        ],
        host_meal_deduction: HostMealDeduction {
            breakfast: Decimal::new(20, 2),
            lunch: Decimal::new(40, 2),
            dinner: Decimal::new(40, 2),
        },
        subsidy_monthly_amount: Money::yuan(1100),
    }
}

/// 2021-03-01 to 2021-03-30: five 6-night stays in turn, six tickets, host meals on ten days,
/// a vehicle on five.
fn thirty_day_trip() -> TripInput {
    let start = date("2021-03-01");
    let day = |n: i64| start + chrono::Duration::days(n);
    let cities = ["北京", "石家庄", "邢台", "北京", "石家庄"];
    TripInput {
        purpose: "驻京值班轮换".into(),
        destination: "北京".into(),
        departure_date: start,
        return_date: day(29),
        stays: (0i64..5)
            .zip(cities)
            .map(|(i, city)| StayInput {
                city: city.into(),
                check_in: day(i * 6),
                check_out: day(i * 6 + 5),
                lodging_amount: Money::yuan(2000),
                invoice: true,
            })
            .collect(),
        tickets: (0..6)
            .map(|i| Ticket {
                description: format!("G{i}"),
                amount: Money::from_fen(12_350),
            })
            .collect(),
        meals_provided: (0..10)
            .map(|i| MealsProvided {
                date: day(i * 3),
                breakfast: true,
                lunch: i % 2 == 0,
                dinner: false,
            })
            .collect(),
        vehicle_provided_dates: (0..5).map(|i| day(i * 6 + 1)).collect(),
    }
}

fn bench(c: &mut Criterion) {
    let policy = policy();
    let input = thirty_day_trip();
    let mut group = c.benchmark_group("quote");
    group.throughput(Throughput::Elements(1));
    // The calculation: parse against the policy (R2), apply R3–R8, build the view.
    group.bench_function("30-day 5-stay claim: compute", |b| {
        b.iter(|| {
            let trip =
                Trip::parse(black_box(input.clone()), &policy).unwrap_or_else(|e| panic!("{e:?}"));
            let breakdown = trip.compute().unwrap_or_else(|e| panic!("{e:?}"));
            black_box(BreakdownView::new(1, &breakdown))
        })
    });
    // The same and the JSON answer (81 explained lines, about 10 KB).
    group.bench_function("30-day 5-stay claim: compute + JSON", |b| {
        b.iter(|| {
            let trip =
                Trip::parse(black_box(input.clone()), &policy).unwrap_or_else(|e| panic!("{e:?}"));
            let breakdown = trip.compute().unwrap_or_else(|e| panic!("{e:?}"));
            black_box(serde_json::to_vec(&BreakdownView::new(1, &breakdown)).unwrap_or_default())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
