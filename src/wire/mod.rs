//! The JSON the API speaks: request bodies, which parse into domain types (parse, don't
//! validate), and the views it answers with. Amounts are answered as strings with two decimals
//! (R1) and read as sent, string or number; dates are `YYYY-MM-DD`; a status is its text.
//!
//! One file per resource, each holding its request bodies and its views, and `status` for the
//! statuses; this file holds what they share: amounts as clients send them ([`AmountInput`]),
//! exact dates ([`iso`]), the field errors of one 422 ([`Problems`]), timestamps and a
//! document's history. Everything but the travel requests' types is re-exported here, so a
//! handler writes `wire::ClaimBody` whichever file holds it (and
//! `wire::travel_requests::RequestView`).

mod adjustments;
mod approval;
mod budget_lines;
mod duty;
mod organisation;
mod policy;
mod reports;
mod status;
mod subsidy;
mod travel_claims;
pub mod travel_requests;
mod vouchers;

pub use adjustments::*;
pub use approval::*;
pub use budget_lines::*;
pub use duty::*;
pub use organisation::*;
pub use policy::*;
pub use reports::*;
pub use subsidy::*;
pub use travel_claims::*;
pub use vouchers::*;

/// The views the API answers with are built below the doors ([`crate::services::views`]), shared
/// with the pages; they are named here too, so a handler writes `wire::ClaimView`.
pub use crate::services::views::*;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use validator::{ValidationErrors, ValidationErrorsKind};

use crate::domain::{FieldError, FieldProblem, Money, PositiveMoney};
use crate::error::AppError;

impl Serialize for Money {
    /// Always a string with two decimals: `"1231.00"` (R1).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_text(&mut [0; 24]))
    }
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
        Money::parse_input(&self.0).map_err(|e| FieldError::new(field, e))
    }

    /// An amount that must be more than 0.00 (R1, [`PositiveMoney`]).
    pub fn parse_positive(&self, field: impl Into<String>) -> Result<PositiveMoney, FieldError> {
        PositiveMoney::parse_input(&self.0).map_err(|e| FieldError::new(field, e))
    }
}

/// Request dates exactly as api.md writes them, `YYYY-MM-DD` (chrono alone would also take
/// `-1-1-1` or `+12345-01-01`).
pub mod iso {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer};

    use crate::domain::FieldProblem;

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
        // The shape is checked: the three numbers are read as they stand, without going through
        // a format string (which chrono interprets anew on every call).
        let number = |from: usize, to: usize| text.get(from..to)?.parse::<u32>().ok();
        shape
            .then(|| {
                let year = i32::try_from(number(0, 4)?).ok()?;
                NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)
            })
            .flatten()
            .filter(|d| (EARLIEST..=LATEST).contains(d))
    }

    thread_local! {
        /// The last date this thread refused, as a value: serde carries only text, and a page
        /// needs to tell a date it cannot read from one outside the years accepted.
        static REFUSED: std::cell::RefCell<Option<FieldProblem>> =
            const { std::cell::RefCell::new(None) };
    }

    /// Why `text` is not a date a request may name.
    pub fn problem(text: &str) -> FieldProblem {
        let real = text
            .get(..4)
            .filter(|_| text.len() == 10)
            .and_then(|_| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok());
        match real {
            Some(given) if !(EARLIEST..=LATEST).contains(&given) => FieldProblem::DateOutOfRange {
                given,
                min: EARLIEST,
                max: LATEST,
            },
            _ => FieldProblem::UnreadableDate {
                given: text.to_string(),
            },
        }
    }

    /// The date refused by the deserialisation that just failed on this thread, if its error
    /// (`detail`) is that refusal's; cleared either way.
    pub fn take_refused(detail: &str) -> Option<FieldProblem> {
        REFUSED
            .with(|cell| cell.borrow_mut().take())
            .filter(|p| p.to_string() == detail)
    }

    fn one<E: serde::de::Error>(text: &str) -> Result<NaiveDate, E> {
        parse(text).ok_or_else(|| {
            let refused = problem(text);
            let error = E::custom(&refused);
            REFUSED.with(|cell| *cell.borrow_mut() = Some(refused));
            error
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
    /// The amount, or 0.00 with its problem noted.
    pub fn amount(&mut self, input: &AmountInput, field: impl Into<String>) -> Money {
        self.noted(input.parse(field)).unwrap_or(Money::ZERO)
    }

    /// An amount the body may leave out.
    pub fn optional_amount(
        &mut self,
        input: Option<&AmountInput>,
        field: impl Into<String>,
    ) -> Option<Money> {
        self.noted(input?.parse(field))
    }

    /// An amount that must be more than 0.00; `None` with its problem noted.
    pub fn positive_amount(
        &mut self,
        input: &AmountInput,
        field: impl Into<String>,
    ) -> Option<PositiveMoney> {
        self.noted(input.parse_positive(field))
    }

    /// An amount the body may leave out, more than 0.00 when given.
    pub fn optional_positive_amount(
        &mut self,
        input: Option<&AmountInput>,
        field: impl Into<String>,
    ) -> Option<PositiveMoney> {
        self.noted(input?.parse_positive(field))
    }

    fn noted<T>(&mut self, parsed: Result<T, FieldError>) -> Option<T> {
        parsed.map_err(|e| self.0.push(e)).ok()
    }

    pub fn push(&mut self, field: impl Into<String>, problem: FieldProblem) {
        self.0.push(FieldError::new(field, problem));
    }

    pub fn finish<T>(self, value: T) -> Result<T, AppError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(AppError::Validation(self.0))
        }
    }

    /// [`finish`](Self::finish) for a value built from fields parsed into `Option`s (a
    /// [`PositiveMoney`] has no stand-in): every `None` left a problem behind, so `build` runs
    /// only when each field is there.
    pub fn finish_with<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, AppError> {
        self.finish(())?;
        build().ok_or_else(|| AppError::Internal("a parsed field went missing".into()))
    }
}

/// `?year=Y`, a fiscal year (2000–2100). The API requires it ([`YearQuery::required`]); a page
/// without it shows the organisation's current year.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// The fiscal year, 2000–2100.
    #[param(required = true)]
    pub year: Option<i32>,
}

impl YearQuery {
    /// The year, or the 422 any query parameter that does not parse gets (as
    /// `routes::query_error` words it) when it is left out.
    pub fn required(&self) -> Result<i32, AppError> {
        self.year.ok_or_else(|| AppError::InvalidRequest {
            status: crate::error::Invalid::Unprocessable,
            detail: "bad query parameter: Query deserialize error: missing field `year`".into(),
            field: None,
            problem: None,
        })
    }
}

/// A field a body must carry but left out (or, where null means something else, left out): the
/// same 422 as serde's for any other missing field, `hint` appended to its detail.
pub fn missing_field(field: &str, hint: &str) -> AppError {
    AppError::InvalidRequest {
        status: crate::error::Invalid::Unprocessable,
        detail: format!("missing field `{field}`{hint}"),
        field: Some(field.to_string()),
        problem: None,
    }
}

/// validator's nested errors as a flat list of JSON paths (`stays[1].city`).
pub fn flatten_validation(errors: &ValidationErrors) -> Vec<FieldError> {
    /// What validator names a list validated as a whole (a body that is a JSON array): its items
    /// are `[i]`, not `_tmp_validator[i]`.
    const WHOLE_LIST: &str = "_tmp_validator";
    fn walk(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
        let mut fields: Vec<_> = errors.errors().iter().collect();
        fields.sort_by_key(|(name, _)| name.to_string());
        for (name, kind) in fields {
            let path = if *name == WHOLE_LIST {
                prefix.to_string()
            } else if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}.{name}")
            };
            match kind {
                ValidationErrorsKind::Field(list) => {
                    for e in list {
                        out.push(FieldError::new(path.clone(), describe(e)));
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
    fn describe(e: &validator::ValidationError) -> FieldProblem {
        let items = !matches!(e.params.get("value"), Some(serde_json::Value::String(_)));
        let number = |name: &str| e.params.get(name).and_then(serde_json::Value::as_i64);
        let count = |name: &str| e.params.get(name).and_then(serde_json::Value::as_u64);
        match e.code.as_ref() {
            "length" => FieldProblem::Length {
                min: count("min"),
                max: count("max"),
                items,
            },
            "range" => FieldProblem::OutOfRange {
                min: number("min").unwrap_or(i64::MIN),
                max: number("max").unwrap_or(i64::MAX),
                english: "out of range",
            },
            // Every validation of the wire types is a length or a range.
            _ => FieldProblem::OneOf {
                english: format!("invalid ({})", e.code),
            },
        }
    }
    let mut out = Vec::new();
    walk("", errors, &mut out);
    out
}

impl Serialize for AmountInput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_are_real_days_of_the_century_in_one_shape() {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
        for (text, expected) in [
            ("2021-05-10", day(2021, 5, 10)),
            ("2020-02-29", day(2020, 2, 29)),
            ("2000-01-01", day(2000, 1, 1)),
            ("2099-12-31", day(2099, 12, 31)),
            ("2021-02-29", None),
            ("2021-13-01", None),
            ("2021-00-10", None),
            ("2021-05-00", None),
            ("1999-12-31", None),
            ("2021-5-10", None),
            ("+021-05-10", None),
            ("2021/05/10", None),
            ("２０２１-05-10", None),
        ] {
            assert_eq!(iso::parse(text), expected, "{text}");
        }
    }

    fn amount_of(json: &str) -> Result<Money, String> {
        let input: AmountInput = serde_json::from_str(json).map_err(|e| e.to_string())?;
        input.parse("amount").map_err(|e| e.message())
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
