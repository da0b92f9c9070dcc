//! R2 Travel policy (差旅费标准), effective-dated.
//!
//! A version is in force from its `effective_from` until the next version's. A claim is computed
//! with the version in force on its departure date and keeps that version for ever.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::money::Money;
use super::{FieldError, FieldProblem};

/// The rates of one city in a policy version (R2).
///
/// Worked example, the 2021 default: `shijiazhuang` (石家庄, 石家庄市, Shijiazhuang) caps lodging
/// at 300.00 a night and pays 100.00 meals and 80.00 city transport a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CityRates {
    /// Shared, so every breakdown line can name its city without copying the text.
    pub code: Arc<str>,
    pub names: Vec<String>,
    pub lodging_cap_per_night: Money,
    pub meal_allowance_per_day: Money,
    pub transport_allowance_per_day: Money,
}

impl CityRates {
    /// The cost of one person-day at this city (R10): lodging cap + meals + city transport.
    /// Beijing 2021: 400 + 100 + 80 = 580.00.
    pub fn daily_cost(&self) -> Option<Money> {
        Money::checked_sum([
            self.lodging_cap_per_night,
            self.meal_allowance_per_day,
            self.transport_allowance_per_day,
        ])
    }

    /// The city as people write it: its first name, or its code when it has none.
    pub fn name(&self) -> &str {
        self.names.first().map_or(&*self.code, String::as_str)
    }

    fn answers_to(&self, name: &str) -> bool {
        let name = name.trim();
        self.code.eq_ignore_ascii_case(name)
            || self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }
}

/// Share of a day's meal allowance given up for each meal the host provides (R2): by default
/// breakfast 20%, lunch 40%, dinner 40%, held as fractions (`0.20`, `0.40`, `0.40`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostMealDeduction {
    pub breakfast: Decimal,
    pub lunch: Decimal,
    pub dinner: Decimal,
}

/// One version of the travel policy (R2), with the subsidy amount in force (R9).
///
/// Worked example: the default version, effective 2021-01-01, has the three cities 邢台 200,
/// 石家庄 300, 北京 400 a night, host-meal deductions 20/40/40% and a 1100.00 monthly subsidy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub effective_from: NaiveDate,
    pub cities: Vec<CityRates>,
    pub host_meal_deduction: HostMealDeduction,
    pub subsidy_monthly_amount: Money,
}

impl Policy {
    /// A policy that passes the rules every version must keep: at least one city, distinct codes
    /// and names, deductions between 0 and 1, a positive subsidy.
    pub fn new(
        effective_from: NaiveDate,
        cities: Vec<CityRates>,
        host_meal_deduction: HostMealDeduction,
        subsidy_monthly_amount: Money,
    ) -> Result<Policy, Vec<FieldError>> {
        let mut errors = Vec::new();
        if cities.is_empty() {
            errors.push(FieldError::new("cities", FieldProblem::NoCities));
        }
        for (i, city) in cities.iter().enumerate() {
            if !is_code(&city.code) {
                errors.push(FieldError::new(
                    format!("cities[{i}].code"),
                    FieldProblem::CityCodeFormat,
                ));
            }
            let clash = cities[..i].iter().any(|earlier| {
                earlier.answers_to(&city.code) || city.names.iter().any(|n| earlier.answers_to(n))
            });
            if clash {
                errors.push(FieldError::new(
                    format!("cities[{i}]"),
                    FieldProblem::CityTwice,
                ));
            }
            if city.names.iter().any(|n| n.trim().is_empty()) {
                errors.push(FieldError::new(
                    format!("cities[{i}].names"),
                    FieldProblem::Required {
                        english: "a name is empty",
                    },
                ));
            }
        }
        for (field, share) in [
            (
                "host_meal_deduction.breakfast",
                host_meal_deduction.breakfast,
            ),
            ("host_meal_deduction.lunch", host_meal_deduction.lunch),
            ("host_meal_deduction.dinner", host_meal_deduction.dinner),
        ] {
            if share < Decimal::ZERO || share > Decimal::ONE {
                errors.push(FieldError::new(
                    field,
                    FieldProblem::NotAFraction {
                        english: "a deduction is a fraction from 0 to 1",
                    },
                ));
            }
        }
        if subsidy_monthly_amount.is_zero() {
            errors.push(FieldError::new(
                "subsidy_monthly_amount",
                super::money::MoneyError::NotPositive,
            ));
        }
        if errors.is_empty() {
            Ok(Policy {
                effective_from,
                cities,
                host_meal_deduction,
                subsidy_monthly_amount,
            })
        } else {
            Err(errors)
        }
    }

    /// The city a name refers to, by code or any accepted name (`石家庄市` → `shijiazhuang`).
    pub fn city(&self, name: &str) -> Option<&CityRates> {
        self.cities.iter().find(|c| c.answers_to(name))
    }

    /// The city with exactly this code.
    pub fn city_by_code(&self, code: &str) -> Option<&CityRates> {
        self.cities.iter().find(|c| &*c.code == code)
    }

    pub fn city_codes(&self) -> Vec<String> {
        self.cities.iter().map(|c| c.code.to_string()).collect()
    }

    /// Each city's name as people write it (its first name), in the order of [`Policy::city_codes`].
    pub fn city_names(&self) -> Vec<String> {
        self.cities.iter().map(|c| c.name().to_string()).collect()
    }
}

fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Of versions listed by `effective_from`, the one in force on `date` (R2): the latest whose
/// `effective_from` is on or before it. With versions from 2021-01-01 and 2021-07-01, a trip
/// departing 2021-06-30 uses the first and one departing 2021-07-01 the second.
pub fn in_force<T, F: Fn(&T) -> NaiveDate>(versions: &[T], date: NaiveDate, from: F) -> Option<&T> {
    versions
        .iter()
        .filter(|v| from(v) <= date)
        .max_by_key(|v| from(v))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::str::FromStr;

    pub fn date(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap_or_default()
    }

    fn city(code: &str, names: &[&str], cap: i64) -> CityRates {
        CityRates {
            code: Arc::from(code),
            names: names.iter().map(|n| n.to_string()).collect(),
            lodging_cap_per_night: Money::yuan(cap),
            meal_allowance_per_day: Money::yuan(100),
            transport_allowance_per_day: Money::yuan(80),
        }
    }

    /// The R2 default version, effective 2021-01-01.
    pub fn policy_2021() -> Policy {
        let pct = |p: i64| Decimal::new(p, 2);
        Policy::new(
            date("2021-01-01"),
            vec![
                city("xingtai", &["邢台", "邢台市", "Xingtai"], 200),
                city("shijiazhuang", &["石家庄", "石家庄市", "Shijiazhuang"], 300),
                city("beijing", &["北京", "北京市", "Beijing"], 400),
            ],
            HostMealDeduction {
                breakfast: pct(20),
                lunch: pct(40),
                dinner: pct(40),
            },
            Money::yuan(1100),
        )
        .unwrap()
    }

    #[test]
    fn finds_cities_by_any_accepted_name() {
        let p = policy_2021();
        for name in ["beijing", "北京", "北京市", "Beijing", "BEIJING", " 北京 "] {
            assert_eq!(p.city(name).map(|c| &*c.code), Some("beijing"), "{name}");
        }
        assert!(p.city("上海").is_none());
    }

    #[test]
    fn daily_cost_is_cap_plus_allowances() {
        let p = policy_2021();
        assert_eq!(
            p.city("beijing").and_then(|c| c.daily_cost()),
            Some(Money::yuan(580))
        );
        assert_eq!(
            p.city("shijiazhuang").and_then(|c| c.daily_cost()),
            Some(Money::yuan(480))
        );
    }

    #[test]
    fn version_in_force_is_latest_not_after_date() {
        let versions = [date("2021-01-01"), date("2021-07-01")];
        assert_eq!(
            in_force(&versions, date("2021-06-30"), |d| *d),
            Some(&versions[0])
        );
        assert_eq!(
            in_force(&versions, date("2021-07-01"), |d| *d),
            Some(&versions[1])
        );
        assert_eq!(in_force(&versions, date("2020-12-31"), |d| *d), None);
    }

    #[test]
    fn refuses_duplicate_names_and_bad_shares() {
        let p = policy_2021();
        let mut cities = p.cities.clone();
        cities.push(city("bj2", &["北京"], 1));
        let bad = HostMealDeduction {
            breakfast: Decimal::new(12, 1),
            ..p.host_meal_deduction
        };
        let errors = Policy::new(p.effective_from, cities, bad, Money::ZERO)
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "cities[3]",
                "host_meal_deduction.breakfast",
                "subsidy_monthly_amount"
            ]
        );
    }
}
