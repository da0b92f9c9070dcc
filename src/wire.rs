//! The JSON the API speaks: request bodies, which parse into domain types (parse, don't
//! validate), and the views it answers with. Amounts are strings with two decimals (R1), dates
//! `YYYY-MM-DD`.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use utoipa::ToSchema;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::domain::policy::{CityRates, HostMealDeduction, Policy};
use crate::domain::travel::{Breakdown, MealsProvided, Rule, StayInput, Ticket, TripInput};
use crate::domain::{FieldError, Money};
use crate::error::AppError;

impl Serialize for Money {
    /// Always a string with two decimals: `"1231.00"` (R1).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_text(&mut [0; 24]))
    }
}

/// `YYYY-MM-DD` without chrono's general formatting machinery (a quote writes a hundred dates).
fn iso_date<S: Serializer>(date: &Option<NaiveDate>, serializer: S) -> Result<S::Ok, S::Error> {
    use chrono::Datelike;
    match date {
        Some(d) if (0..=9999).contains(&d.year()) => {
            let (y, m, day) = (d.year().unsigned_abs(), d.month(), d.day());
            let digit = |n: u32| b'0' + u8::try_from(n % 10).unwrap_or(0);
            let text = [
                digit(y / 1000),
                digit(y / 100),
                digit(y / 10),
                digit(y),
                b'-',
                digit(m / 10),
                digit(m),
                b'-',
                digit(day / 10),
                digit(day),
            ];
            serializer.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
        }
        Some(d) => serializer.collect_str(d),
        None => serializer.serialize_none(),
    }
}

thread_local! {
    /// Reused for every rule text a thread writes, so explaining a claim allocates nothing per line.
    static RULE_TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// An amount as a client sent it: a JSON string or number, kept as written until it is parsed
/// by R1 ([`Money::parse_input`]), so no float ever holds it.
#[derive(Clone, Debug)]
pub struct AmountInput(pub String);

impl<'de> Deserialize<'de> for AmountInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(AmountInput(text)),
            // serde_json's arbitrary_precision keeps the literal exactly as sent.
            Value::Number(number) => Ok(AmountInput(number.to_string())),
            _ => Err(serde::de::Error::custom(
                "expected an amount, as a string such as \"1231.00\" or a number",
            )),
        }
    }
}

impl AmountInput {
    pub fn parse(&self, field: impl Into<String>) -> Result<Money, FieldError> {
        Money::parse_input(&self.0).map_err(|e| FieldError::new(field, e.to_string()))
    }
}

/// Request dates exactly as api.md writes them, `YYYY-MM-DD` (chrono alone would also take
/// `-1-1-1` or `+12345-01-01`).
pub mod travel_requests;

pub mod iso {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer};

    /// The dates a request may name: 2000-01-01 to 2099-12-31. Anything outside is a typing
    /// error in this service's world, and keeping dates bounded keeps every day count small.
    pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    };
    pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 31) {
        Some(d) => d,
        None => NaiveDate::MAX,
    };

    /// A `YYYY-MM-DD` date between [`EARLIEST`] and [`LATEST`].
    pub fn parse(text: &str) -> Option<NaiveDate> {
        let b = text.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        shape
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten()
            .filter(|d| (EARLIEST..=LATEST).contains(d))
    }

    fn one<E: serde::de::Error>(text: &str) -> Result<NaiveDate, E> {
        parse(text).ok_or_else(|| {
            E::custom(format!(
                "expected a date YYYY-MM-DD from 2000-01-01 to 2099-12-31, got {text:?}"
            ))
        })
    }

    pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        one(&String::deserialize(d)?)
    }

    pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| one(&t))
            .transpose()
    }

    pub fn opt_dates<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<NaiveDate>>, D::Error> {
        Option::<Vec<String>>::deserialize(d)?
            .map(|v| v.iter().map(|t| one(t)).collect())
            .transpose()
    }

    /// A field that must be present and may be null (`PATCH … {"enrolled_until": null}`).
    pub fn present_opt_date<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<NaiveDate>>, D::Error> {
        opt_date(d).map(Some)
    }
}

/// Collects field errors while a body is converted; `finish` turns them into one 422.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn amount(&mut self, input: &AmountInput, field: impl Into<String>) -> Money {
        input.parse(field).unwrap_or_else(|e| {
            self.0.push(e);
            Money::ZERO
        })
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn finish<T>(self, value: T) -> Result<T, AppError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

/// validator's nested errors as a flat list of JSON paths (`stays[1].city`).
pub fn flatten_validation(errors: &ValidationErrors) -> Vec<FieldError> {
    fn walk(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
        let mut fields: Vec<_> = errors.errors().iter().collect();
        fields.sort_by_key(|(name, _)| name.to_string());
        for (name, kind) in fields {
            let path = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}.{name}")
            };
            match kind {
                ValidationErrorsKind::Field(list) => {
                    for e in list {
                        let message = e
                            .message
                            .as_ref()
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| describe(e));
                        out.push(FieldError::new(path.clone(), message));
                    }
                }
                ValidationErrorsKind::Struct(inner) => walk(&path, inner, out),
                ValidationErrorsKind::List(items) => {
                    for (i, inner) in items {
                        walk(&format!("{path}[{i}]"), inner, out);
                    }
                }
            }
        }
    }
    fn describe(e: &validator::ValidationError) -> String {
        let unit = match e.params.get("value") {
            Some(serde_json::Value::String(_)) => "characters",
            _ => "items",
        };
        match (e.code.as_ref(), e.params.get("max"), e.params.get("min")) {
            ("length", Some(max), None) => format!("at most {max} {unit} allowed"),
            ("length", Some(max), Some(min)) => format!("{min} to {max} {unit} required"),
            ("length", None, Some(min)) => format!("at least {min} {unit} required"),
            ("range", _, _) => "out of range".to_string(),
            (code, _, _) => format!("invalid ({code})"),
        }
    }
    let mut out = Vec::new();
    walk("", errors, &mut out);
    out
}

fn share_field(text: &str) -> Option<Decimal> {
    let d: Decimal = text.trim().parse().ok()?;
    (d.normalize().scale() <= 4).then_some(d)
}

fn to_bp(share: Decimal) -> i32 {
    i32::try_from((share * Decimal::from(10_000)).trunc().mantissa()).unwrap_or(0)
}

pub fn from_bp(bp: i32) -> Decimal {
    Decimal::new(i64::from(bp), 4)
}

// ----- policy -----------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct CityBody {
    #[validate(length(min = 1, max = 64))]
    pub code: String,
    #[validate(length(max = 20))]
    #[serde(default)]
    pub names: Vec<String>,
    #[schema(value_type = String, example = "300.00")]
    pub lodging_cap_per_night: AmountInput,
    #[schema(value_type = String, example = "100.00")]
    pub meal_allowance_per_day: AmountInput,
    #[schema(value_type = String, example = "80.00")]
    pub transport_allowance_per_day: AmountInput,
}

/// Shares of the day's meal allowance given up per host-provided meal, as fractions (`"0.20"`).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct DeductionBody {
    #[schema(value_type = String, example = "0.20")]
    pub breakfast: AmountInput,
    #[schema(value_type = String, example = "0.40")]
    pub lunch: AmountInput,
    #[schema(value_type = String, example = "0.40")]
    pub dinner: AmountInput,
}

impl Serialize for AmountInput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// `POST /api/v1/policy`: a new version (R2), the shape of the GET answer without `version`.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct PolicyBody {
    #[serde(deserialize_with = "iso::date")]
    pub effective_from: NaiveDate,
    #[validate(length(min = 1, max = 200), nested)]
    pub cities: Vec<CityBody>,
    pub host_meal_deduction: DeductionBody,
    #[schema(value_type = String, example = "1100.00")]
    pub subsidy_monthly_amount: AmountInput,
}

impl PolicyBody {
    pub fn into_policy(self) -> Result<Policy, AppError> {
        let mut p = Problems::default();
        let cities: Vec<CityRates> = self
            .cities
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let field = |name: &str| format!("cities[{i}].{name}");
                if c.names
                    .iter()
                    .any(|n| n.contains('\n') || n.chars().count() > 100)
                {
                    p.push(
                        field("names"),
                        "a name is one line of at most 100 characters",
                    );
                }
                CityRates {
                    lodging_cap_per_night: p
                        .amount(&c.lodging_cap_per_night, field("lodging_cap_per_night")),
                    meal_allowance_per_day: p
                        .amount(&c.meal_allowance_per_day, field("meal_allowance_per_day")),
                    transport_allowance_per_day: p.amount(
                        &c.transport_allowance_per_day,
                        field("transport_allowance_per_day"),
                    ),
                    code: c.code.into(),
                    names: c.names,
                }
            })
            .collect();
        let mut share = |input: &AmountInput, name: &str| {
            share_field(&input.0).unwrap_or_else(|| {
                p.push(
                    format!("host_meal_deduction.{name}"),
                    "a fraction from 0 to 1 with at most four decimals, such as \"0.40\"",
                );
                Decimal::ZERO
            })
        };
        let deduction = HostMealDeduction {
            breakfast: share(&self.host_meal_deduction.breakfast, "breakfast"),
            lunch: share(&self.host_meal_deduction.lunch, "lunch"),
            dinner: share(&self.host_meal_deduction.dinner, "dinner"),
        };
        let subsidy = p.amount(&self.subsidy_monthly_amount, "subsidy_monthly_amount");
        p.finish(())?;
        Policy::new(self.effective_from, cities, deduction, subsidy).map_err(AppError::Validation)
    }
}

pub fn deduction_bp(d: &HostMealDeduction) -> (i32, i32, i32) {
    (to_bp(d.breakfast), to_bp(d.lunch), to_bp(d.dinner))
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CityView {
    pub code: String,
    pub names: Vec<String>,
    #[schema(value_type = String, example = "400.00")]
    pub lodging_cap_per_night: Money,
    #[schema(value_type = String, example = "100.00")]
    pub meal_allowance_per_day: Money,
    #[schema(value_type = String, example = "80.00")]
    pub transport_allowance_per_day: Money,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeductionView {
    #[schema(example = "0.20")]
    pub breakfast: String,
    #[schema(example = "0.40")]
    pub lunch: String,
    #[schema(example = "0.40")]
    pub dinner: String,
}

/// A policy version (R2) as `GET /api/v1/policy` answers it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PolicyView {
    pub version: i32,
    pub effective_from: NaiveDate,
    pub cities: Vec<CityView>,
    pub host_meal_deduction: DeductionView,
    #[schema(value_type = String, example = "1100.00")]
    pub subsidy_monthly_amount: Money,
}

impl PolicyView {
    pub fn new(version: i32, policy: &Policy) -> PolicyView {
        // At least two decimals, and every decimal stored: 0.20 → "0.20", 0.3333 → "0.3333", so
        // a client that posts back what it read changes nothing.
        let share = |d: Decimal| {
            let d = d.normalize();
            if d.scale() <= 2 {
                format!("{d:.2}")
            } else {
                d.to_string()
            }
        };
        PolicyView {
            version,
            effective_from: policy.effective_from,
            cities: policy
                .cities
                .iter()
                .map(|c| CityView {
                    code: c.code.to_string(),
                    names: c.names.clone(),
                    lodging_cap_per_night: c.lodging_cap_per_night,
                    meal_allowance_per_day: c.meal_allowance_per_day,
                    transport_allowance_per_day: c.transport_allowance_per_day,
                })
                .collect(),
            host_meal_deduction: DeductionView {
                breakfast: share(policy.host_meal_deduction.breakfast),
                lunch: share(policy.host_meal_deduction.lunch),
                dinner: share(policy.host_meal_deduction.dinner),
            },
            subsidy_monthly_amount: policy.subsidy_monthly_amount,
        }
    }
}

// ----- budget lines -------------------------------------------------------------------------

/// `POST /api/v1/budget-lines`: a new line of a year's tree, allocated on creation (R11).
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct LineBody {
    #[validate(range(min = 2000, max = 2100))]
    pub year: i32,
    #[validate(length(min = 1, max = 200))]
    pub code: String,
    #[validate(length(min = 1, max = 500))]
    pub name: String,
    #[validate(length(min = 1, max = 200))]
    pub parent_code: Option<String>,
    #[schema(value_type = String, example = "200000.00")]
    pub allocated: AmountInput,
}

/// A budget line and its balance (R11). `committed` and `spent` include the descendants'.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LineView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub year: i32,
    pub parent_id: Option<i64>,
    #[schema(value_type = String, example = "900000.00")]
    pub allocated: Money,
    /// The allocation before any budget adjustment (R14).
    #[schema(value_type = String, example = "900000.00")]
    pub original_allocated: Money,
    #[schema(value_type = String, example = "0.00")]
    pub committed: Money,
    #[schema(value_type = String, example = "0.00")]
    pub spent: Money,
    #[schema(value_type = String, example = "900000.00")]
    pub available: Money,
    #[schema(value_type = String, example = "650000.00")]
    pub oversubscribed_by: Money,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LineDetailView {
    #[serde(flatten)]
    pub line: LineView,
    pub children: Vec<LineView>,
}

/// One ledger entry (R11).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub id: i64,
    pub line_id: i64,
    /// `allocate`, `commit`, `release` or `spend`.
    pub kind: String,
    #[schema(value_type = String, example = "1231.00")]
    pub amount: Money,
    pub source_type: String,
    pub source_id: Option<i64>,
    /// The user who caused it; null for data loaded at set-up.
    pub actor: Option<i64>,
    pub at: String,
}

pub fn timestamp(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

// ----- travel claims ------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct StayBody {
    #[validate(length(max = 500))]
    pub city: String,
    #[serde(deserialize_with = "iso::date")]
    pub check_in: NaiveDate,
    #[serde(deserialize_with = "iso::date")]
    pub check_out: NaiveDate,
    #[schema(value_type = String, example = "680.00")]
    pub lodging_amount: AmountInput,
    pub invoice: bool,
    /// R15: the invoice's number, 8 to 20 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 40))]
    pub invoice_no: Option<String>,
    /// R15: an older invoice's code, 10 or 12 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 40))]
    pub invoice_code: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct TicketBody {
    #[validate(length(max = 500))]
    pub description: String,
    #[schema(value_type = String, example = "65.50")]
    pub amount: AmountInput,
    /// R15: the invoice's number, 8 to 20 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 40))]
    pub invoice_no: Option<String>,
    /// R15: an older invoice's code, 10 or 12 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 40))]
    pub invoice_code: Option<String>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
pub struct MealsBody {
    #[serde(deserialize_with = "iso::date")]
    pub date: NaiveDate,
    #[serde(default)]
    pub breakfast: bool,
    #[serde(default)]
    pub lunch: bool,
    #[serde(default)]
    pub dinner: bool,
}

/// A travel claim (R3–R8). `budget_line_id` is required to submit and ignored by a quote.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct ClaimBody {
    pub budget_line_id: Option<i64>,
    /// R16: the approved travel request this claim settles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel_request_id: Option<i64>,
    #[validate(length(max = 500))]
    pub purpose: String,
    #[validate(length(max = 500))]
    pub destination: String,
    #[serde(deserialize_with = "iso::date")]
    pub departure_date: NaiveDate,
    #[serde(deserialize_with = "iso::date")]
    pub return_date: NaiveDate,
    #[validate(length(max = 100), nested)]
    pub stays: Option<Vec<StayBody>>,
    #[validate(length(max = 100), nested)]
    pub tickets: Option<Vec<TicketBody>>,
    #[validate(length(max = 400))]
    pub meals_provided: Option<Vec<MealsBody>>,
    #[validate(length(max = 400))]
    #[serde(default, deserialize_with = "iso::opt_dates")]
    pub vehicle_provided_dates: Option<Vec<NaiveDate>>,
}

impl ClaimBody {
    /// R15: the invoices the claim's stays and tickets name, checked; each problem named by its
    /// field.
    pub fn invoices(&self) -> Result<Vec<crate::domain::invoice::Invoice>, AppError> {
        let stays = self.stays.iter().flatten().enumerate().map(|(i, s)| {
            (
                format!("stays[{i}]"),
                s.invoice_no.as_deref(),
                s.invoice_code.as_deref(),
            )
        });
        let tickets = self.tickets.iter().flatten().enumerate().map(|(i, t)| {
            (
                format!("tickets[{i}]"),
                t.invoice_no.as_deref(),
                t.invoice_code.as_deref(),
            )
        });
        crate::domain::invoice::collect(stays.chain(tickets)).map_err(AppError::Validation)
    }

    /// The trip as stated, amounts parsed by R1; every bad amount named by its field.
    pub fn to_trip_input(&self) -> Result<TripInput, AppError> {
        let mut p = Problems::default();
        let stays = self
            .stays
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, s)| StayInput {
                city: s.city.clone(),
                check_in: s.check_in,
                check_out: s.check_out,
                lodging_amount: p.amount(&s.lodging_amount, format!("stays[{i}].lodging_amount")),
                invoice: s.invoice,
            })
            .collect();
        let tickets = self
            .tickets
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, t)| Ticket {
                description: t.description.clone(),
                amount: p.amount(&t.amount, format!("tickets[{i}].amount")),
            })
            .collect();
        let input = TripInput {
            purpose: self.purpose.clone(),
            destination: self.destination.clone(),
            departure_date: self.departure_date,
            return_date: self.return_date,
            stays,
            tickets,
            meals_provided: self
                .meals_provided
                .iter()
                .flatten()
                .map(|m| MealsProvided {
                    date: m.date,
                    breakfast: m.breakfast,
                    lunch: m.lunch,
                    dinner: m.dinner,
                })
                .collect(),
            vehicle_provided_dates: self.vehicle_provided_dates.clone().unwrap_or_default(),
        };
        p.finish(input)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StayView {
    pub city: String,
    pub nights: i64,
    #[schema(value_type = String)]
    pub cap_per_night: Money,
    #[schema(value_type = String)]
    pub cap_total: Money,
    #[schema(value_type = String)]
    pub lodging_claimed: Money,
    #[schema(value_type = String)]
    pub lodging_allowed: Money,
    #[schema(value_type = String)]
    pub self_borne: Money,
}

/// The text of a rule: formatted straight into the response while a claim is computed, kept as
/// text once stored.
#[derive(Clone, Debug)]
pub enum RuleText {
    Rule(Rule),
    Text(String),
}

impl Serialize for RuleText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RuleText::Rule(rule) => RULE_TEXT.with(|buf| {
                use std::fmt::Write as _;
                let mut buf = buf.borrow_mut();
                buf.clear();
                write!(buf, "{rule}").map_err(serde::ser::Error::custom)?;
                serializer.serialize_str(&buf)
            }),
            RuleText::Text(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for RuleText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(RuleText::Text)
    }
}

impl std::fmt::Display for RuleText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleText::Rule(rule) => rule.fmt(f),
            RuleText::Text(text) => f.write_str(text),
        }
    }
}

/// One explained amount: the rule (R-number) and the rate it used.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ItemView {
    /// `lodging`, `meal_allowance`, `meal_deduction`, `transport_allowance` or `ticket`.
    #[schema(value_type = String)]
    pub item: Cow<'static, str>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "iso_date",
        default
    )]
    pub date: Option<NaiveDate>,
    #[schema(value_type = String, example = "100.00")]
    pub amount: Money,
    /// The rule and rate, e.g. `R5 伙食补助费: 100.00/day (beijing)`.
    #[schema(value_type = String)]
    pub rule: RuleText,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub rate: Option<Money>,
}

/// The computed claim (R3–R8).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BreakdownView {
    pub policy_version: i32,
    pub days: i64,
    pub stays: Vec<StayView>,
    /// After host-meal deductions.
    #[schema(value_type = String)]
    pub meal_allowance: Money,
    #[schema(value_type = String)]
    pub meal_deductions: Money,
    #[schema(value_type = String)]
    pub transport_allowance: Money,
    #[schema(value_type = String)]
    pub tickets: Money,
    #[schema(value_type = String, example = "1231.00")]
    pub reimbursable: Money,
    #[schema(value_type = String, example = "80.00")]
    pub self_borne: Money,
    /// What a claim made ineligible (R4) would otherwise have paid; 0.00 for an eligible claim (R8).
    #[schema(value_type = String, example = "0.00")]
    pub forfeited: Money,
    /// null, or `missing_lodging_invoice`.
    pub ineligible_reason: Option<String>,
    pub lines: Vec<ItemView>,
}

impl<'de> Deserialize<'de> for Money {
    /// Reads back what [`Serialize`] wrote (stored breakdowns); client input goes through
    /// [`AmountInput`] instead.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let negative = text.starts_with('-');
        let magnitude =
            Money::parse_input(text.trim_start_matches('-')).map_err(serde::de::Error::custom)?;
        Ok(if negative {
            Money::ZERO.checked_sub(magnitude).unwrap_or(Money::ZERO)
        } else {
            magnitude
        })
    }
}

impl BreakdownView {
    pub fn new(policy_version: i32, b: &Breakdown) -> BreakdownView {
        BreakdownView {
            policy_version,
            days: b.days,
            stays: b
                .stays
                .iter()
                .map(|s| StayView {
                    city: s.city.to_string(),
                    nights: s.nights,
                    cap_per_night: s.cap_per_night,
                    cap_total: s.cap_total,
                    lodging_claimed: s.lodging_claimed,
                    lodging_allowed: s.lodging_allowed,
                    self_borne: s.self_borne,
                })
                .collect(),
            meal_allowance: b.meal_allowance,
            meal_deductions: b.meal_deductions,
            transport_allowance: b.transport_allowance,
            tickets: b.tickets,
            reimbursable: b.reimbursable,
            self_borne: b.self_borne,
            forfeited: b.forfeited,
            ineligible_reason: b.ineligible_reason.map(|r| r.code().to_string()),
            lines: b
                .lines
                .iter()
                .map(|l| ItemView {
                    item: Cow::Borrowed(l.item.as_str()),
                    date: l.date,
                    amount: l.amount,
                    rate: l.rule.rate(),
                    rule: RuleText::Rule(l.rule.clone()),
                })
                .collect(),
        }
    }
}

/// A status change of a claim: who, when.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: i64,
    pub at: String,
    pub note: Option<String>,
}

/// One status change in the audit export: which document (`entity_type`, `entity_id`), what was
/// done, from which status to which, by whom and when (UTC).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: i64,
    /// `travel_claim` or `subsidy_batch`.
    pub entity_type: String,
    pub entity_id: i64,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: i64,
    pub at: String,
    pub note: Option<String>,
}

/// A travel claim.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClaimView {
    pub id: i64,
    /// `submitted`, `approved`, `rejected` or `paid`.
    pub status: String,
    pub claimant_id: i64,
    pub budget_line_id: i64,
    pub purpose: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub breakdown: BreakdownView,
    /// The reimbursable amount in capitals (R13), without the 人民币 prefix: `壹仟贰佰叁拾壹元整`.
    pub reimbursable_in_words: String,
    /// On submission: null, or why the line cannot cover the claim today.
    pub budget_warning: Option<String>,
    pub submitted_at: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
    pub reject_reason: Option<String>,
    pub paid_on: Option<NaiveDate>,
    /// R16: the travel request this claim names.
    pub travel_request_id: Option<i64>,
    /// R16: present when the claim names a request.
    pub settlement: Option<travel_requests::SettlementView>,
    pub history: Vec<HistoryView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct RejectBody {
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
}

#[derive(Clone, Debug, Deserialize, Validate, ToSchema)]
pub struct PayBody {
    #[serde(deserialize_with = "iso::date")]
    pub paid_on: NaiveDate,
}

// ----- retired-cadre subsidy ------------------------------------------------------------------

/// `POST /api/v1/subsidy-recipients` (R9).
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct RecipientBody {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Absent: each month earns the policy's `subsidy_monthly_amount` in force on its first day.
    #[schema(value_type = Option<String>, example = "1100.00")]
    pub monthly_amount: Option<AmountInput>,
    #[serde(deserialize_with = "iso::date")]
    pub enrolled_from: NaiveDate,
    #[serde(default, deserialize_with = "iso::opt_date")]
    pub enrolled_until: Option<NaiveDate>,
}

/// `PATCH /api/v1/subsidy-recipients/{id}`: `enrolled_until` is required; null reopens.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct RecipientPatch {
    #[serde(default, deserialize_with = "iso::present_opt_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub enrolled_until: Option<Option<NaiveDate>>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecipientView {
    pub id: i64,
    pub name: String,
    /// Their own amount, or (when `monthly_amount_from_policy`) the policy's in force this month.
    #[schema(value_type = String, example = "1100.00")]
    pub monthly_amount: Money,
    /// True when each month earns the policy's amount in force on its first day (R9).
    pub monthly_amount_from_policy: bool,
    pub enrolled_from: NaiveDate,
    pub enrolled_until: Option<NaiveDate>,
}

/// `POST /api/v1/subsidy-batches`.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct BatchBody {
    pub budget_line_id: i64,
    #[validate(range(min = 2000, max = 2100))]
    pub year: i32,
    /// 1 (January–June) or 2 (July–December).
    #[validate(range(min = 1, max = 2))]
    pub half: i32,
    #[serde(default)]
    pub supplementary: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WindowView {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MonthView {
    /// `2021-03`.
    pub month: String,
    pub days_enrolled: i32,
    pub days_in_month: i32,
    #[schema(value_type = String, example = "403.33")]
    pub amount: Money,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchItemView {
    pub recipient_id: i64,
    pub name: String,
    #[schema(value_type = String, example = "6600.00")]
    pub amount: Money,
    pub months: Vec<MonthView>,
}

/// A subsidy batch (R9).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchView {
    pub id: i64,
    /// `draft`, `approved`, `paid` or `void`.
    pub status: String,
    pub budget_line_id: i64,
    pub year: i32,
    pub half: i32,
    pub supplementary: bool,
    pub payout_window: WindowView,
    #[schema(value_type = String, example = "39600.00")]
    pub total: Money,
    /// The total in capitals (R13), without the 人民币 prefix: `叁万玖仟陆佰元整`.
    pub total_in_words: String,
    pub items: Vec<BatchItemView>,
    pub created_by: i64,
    pub created_at: String,
    pub approved_by: Option<i64>,
    pub approved_at: Option<String>,
    pub paid_on: Option<NaiveDate>,
    /// Whether it was paid inside its payout window; null until paid.
    pub on_time: Option<bool>,
    pub history: Vec<HistoryView>,
}

// ----- station duty ---------------------------------------------------------------------------

/// `POST /api/v1/duty-stations` (R10).
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct StationBody {
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    #[validate(length(min = 1, max = 100))]
    pub city: String,
    pub budget_line_id: i64,
    /// Cost of one person-day, instead of the city's lodging cap + meals + transport.
    #[schema(value_type = Option<String>, example = "600.00")]
    pub daily_cost_override: Option<AmountInput>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StationView {
    pub id: i64,
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    /// Of one person-day today: the override, or the city's lodging cap + meals + transport.
    #[schema(value_type = String, example = "580.00")]
    pub daily_cost: Money,
    #[schema(value_type = Option<String>)]
    pub daily_cost_override: Option<Money>,
}

/// `POST /api/v1/duty-stations/{id}/assignments`: a person on duty from `from` to `to`, inclusive.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct AssignmentBody {
    #[validate(length(min = 1, max = 200))]
    pub person: String,
    #[serde(deserialize_with = "iso::date")]
    pub from: NaiveDate,
    #[serde(deserialize_with = "iso::date")]
    pub to: NaiveDate,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: i64,
    pub station_id: i64,
    pub person: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub person_days: i64,
    #[schema(value_type = String, example = "175200.00")]
    pub estimated_cost: Money,
}

/// `POST /api/v1/duty-events`: extra staff at a sensitive period (R10).
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct EventBody {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(min = 1, max = 100))]
    pub city: String,
    pub budget_line_id: i64,
    #[serde(deserialize_with = "iso::date")]
    pub from: NaiveDate,
    #[serde(deserialize_with = "iso::date")]
    pub to: NaiveDate,
    #[validate(range(min = 1, max = 1000))]
    pub extra_staff: i32,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub extra_staff: i32,
    pub person_days: i64,
    /// staff × days × the city's daily cost (R10).
    #[schema(value_type = String, example = "34800.00")]
    pub estimated_cost: Money,
}

/// What one station or event adds to a forecast from the as-of date on.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SourceView {
    /// `station` or `event`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    pub person_days: i64,
    #[schema(value_type = String)]
    pub cost: Money,
}

/// `GET /api/v1/budget-lines/{id}/forecast` (R10).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ForecastView {
    pub line_id: i64,
    pub as_of: NaiveDate,
    #[schema(value_type = String)]
    pub allocated: Money,
    #[schema(value_type = String)]
    pub committed: Money,
    #[schema(value_type = String)]
    pub spent: Money,
    /// Cost of every rostered or event person-day on or after `as_of`.
    #[schema(value_type = String)]
    pub projected_remaining: Money,
    /// committed + spent + projected_remaining.
    #[schema(value_type = String)]
    pub projected_total: Money,
    #[schema(value_type = String)]
    pub shortfall: Money,
    pub exhaustion_date: Option<NaiveDate>,
    pub sources: Vec<SourceView>,
}

// ----- reports --------------------------------------------------------------------------------

/// One line of the budget execution report (预算执行情况, R11).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExecutionLineView {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// 0 for the root.
    pub depth: i32,
    pub parent_id: Option<i64>,
    /// 调整后预算数: after every budget adjustment (R14).
    #[schema(value_type = String)]
    pub allocated: Money,
    /// 年初预算数: before any budget adjustment (R14).
    #[schema(value_type = String)]
    pub original_allocated: Money,
    #[schema(value_type = String)]
    pub committed: Money,
    #[schema(value_type = String)]
    pub spent: Money,
    #[schema(value_type = String)]
    pub available: Money,
    /// spent ÷ allocated in percent, two decimals (`"50.00"`); null when nothing is allocated.
    #[schema(example = "50.00")]
    pub execution_rate: Option<String>,
    #[schema(value_type = String)]
    pub oversubscribed_by: Money,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExecutionView {
    pub organisation: String,
    pub year: i32,
    pub lines: Vec<ExecutionLineView>,
}

/// An R12 indicator with its target, actual value and whether it is met.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    pub line_code: String,
    /// Stable key, e.g. `recipients_paid`.
    pub indicator: String,
    /// The name in the 绩效目标表, e.g. `补助人数`.
    pub name: String,
    pub unit: String,
    /// e.g. `≥ 6`; null when the indicator is reported without a target.
    pub target: Option<String>,
    /// null when there is nothing to measure yet.
    pub actual: Option<String>,
    /// null when there is no target.
    pub met: Option<bool>,
}

/// One target of `PUT /api/v1/reports/performance/targets?year=Y`.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct TargetBody {
    #[validate(length(min = 1, max = 200))]
    pub line_code: String,
    /// `recipients_paid`, `payout_rate`, `paid_on_time`, `average_per_recipient_month`,
    /// `self_borne_share` or `decided_on_time`.
    pub indicator: String,
    /// `>=`, `<=` or `=`.
    pub comparator: String,
    #[schema(value_type = Option<String>, example = "95")]
    pub target: Option<AmountInput>,
    #[validate(range(min = 1, max = 366))]
    pub deadline_days: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn amount_of(json: &str) -> Result<Money, String> {
        let input: AmountInput = serde_json::from_str(json).map_err(|e| e.to_string())?;
        input.parse("amount").map_err(|e| e.message)
    }

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert!(iso::parse("2021-05-10").is_some());
        for bad in [
            "-1-1-1",
            "+12345-01-01",
            "2021-5-10",
            "2021-02-30",
            "2021/05/10",
            "20210510",
            " 2021-05-10",
        ] {
            assert_eq!(iso::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_numbers_are_read_as_written() {
        assert_eq!(amount_of("65.50"), Ok(Money::from_fen(6550)));
        assert_eq!(amount_of("\"65.50\""), Ok(Money::from_fen(6550)));
        assert_eq!(amount_of("0.1"), Ok(Money::from_fen(10)));
        assert_eq!(amount_of("99999999.99"), Ok(Money::from_fen(9_999_999_999)));
        assert!(amount_of("0.105").is_err());
        assert!(amount_of("1e2").is_err());
        assert!(amount_of("true").is_err());
        assert!(amount_of("null").is_err());
    }

    proptest! {
        /// Any fen amount, written as a JSON number with 0, 1 or 2 decimals, comes back exactly.
        #[test]
        fn amounts_round_trip_through_json_numbers(fen in 0i64..=9_999_999_999) {
            let (yuan, rest) = (fen / 100, fen % 100);
            let forms = if rest % 10 == 0 {
                let mut v = vec![format!("{yuan}.{}", rest / 10), format!("{yuan}.{rest:02}")];
                if rest == 0 { v.push(yuan.to_string()); }
                v
            } else {
                vec![format!("{yuan}.{rest:02}")]
            };
            for form in forms {
                prop_assert_eq!(amount_of(&form), Ok(Money::from_fen(fen)));
                prop_assert_eq!(amount_of(&format!("\"{form}\"")), Ok(Money::from_fen(fen)));
            }
        }

        /// No input makes the amount parser panic; whatever it accepts is within R1's limits.
        #[test]
        fn the_amount_parser_never_panics(text in "\\PC{0,40}") {
            if let Ok(m) = Money::parse_input(&text) {
                prop_assert!(!m.is_negative() && m.fen() <= crate::domain::money::MAX_INPUT_FEN);
            }
            let _ = amount_of(&text);
        }

        /// Dates: any string is parsed or refused, never a panic, and whatever is accepted is
        /// exactly `YYYY-MM-DD` and reads back as the same date.
        #[test]
        fn the_date_parser_never_panics(text in "[0-9\\-+]{0,12}|\\PC{0,20}") {
            if let Some(d) = iso::parse(&text) {
                prop_assert_eq!(d.format("%Y-%m-%d").to_string(), text);
            }
        }
    }
}

/// `POST /api/v1/budget-adjustments` (R14): a `transfer` takes `from_line_id` and moves to
/// `line_id`.
#[derive(Clone, Debug, Deserialize, Validate, ToSchema)]
pub struct AdjustmentBody {
    /// `supplement` (追加), `reduce` (调减) or `transfer` (调剂).
    #[schema(example = "transfer")]
    pub kind: String,
    pub line_id: i64,
    pub from_line_id: Option<i64>,
    #[schema(value_type = String, example = "5100.00")]
    pub amount: AmountInput,
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
    /// The approving document's number (文号), e.g. 平财预〔2021〕12号.
    #[validate(length(min = 1, max = 100))]
    pub document_no: Option<String>,
}

/// A budget adjustment and its decision (R14).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AdjustmentView {
    pub id: i64,
    /// `requested`, `approved` or `rejected`.
    pub status: String,
    pub kind: String,
    pub year: i32,
    pub line_id: i64,
    pub from_line_id: Option<i64>,
    #[schema(value_type = String, example = "5100.00")]
    pub amount: Money,
    pub reason: String,
    pub document_no: Option<String>,
    pub requested_by: i64,
    pub requested_at: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
    pub reject_reason: Option<String>,
}
