//! What is wrong with one field of a request, as a value: the API words it in English (its
//! `Display`, the `message` of a problem+json `errors` item), the pages in Chinese from the same
//! value, so neither ever reads the other's text.

use std::fmt;

use chrono::NaiveDate;

use super::money::MoneyError;
use super::text::TextProblem;
use super::Money;

/// Which end of a stay, or which day, falls outside the trip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TripPart {
    /// A stay's check-in before the departure.
    StayBegins,
    /// A stay's check-out after the return.
    StayEnds,
    /// A meal or vehicle day outside the trip.
    Day,
}

/// One field's problem, with the values a person needs to put it right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    /// Left empty; `english` is how the API has always said it for this field.
    Required {
        english: &'static str,
    },
    /// A text with control characters, or nothing visible.
    Text(TextProblem),
    /// An amount that R1 refuses.
    Amount(MoneyError),
    /// Not a date written `YYYY-MM-DD` (`given` as typed).
    UnreadableDate {
        given: String,
    },
    /// A real date outside the years the service accepts.
    DateOutOfRange {
        given: NaiveDate,
        min: NaiveDate,
        max: NaiveDate,
    },
    /// A date earlier than another field's (`field` and `other` are the API's field names).
    Before {
        field: &'static str,
        other: &'static str,
        other_on: NaiveDate,
    },
    /// A date that must come after another field's and does not.
    NotAfter {
        field: &'static str,
        other: &'static str,
        other_on: NaiveDate,
    },
    /// A stay or a day outside the trip, `from`–`to`.
    OutsideTrip {
        part: TripPart,
        from: NaiveDate,
        to: NaiveDate,
    },
    /// A trip longer than the rules allow.
    TripTooLong {
        max_days: i64,
    },
    /// A stay overlapping another stay.
    Overlaps,
    /// The same day given twice.
    RepeatedDate,
    /// R15: an invoice number is 8 or 20 digits, as written (no padding).
    InvoiceNumber,
    /// R15: a 20-digit (all-electronic) invoice number is unique by itself and has no code.
    ElectronicInvoiceHasNoCode,
    /// R15: an 8-digit invoice number is unique only with its code.
    InvoiceCodeRequired,
    /// R15: an invoice code is 10 or 12 digits.
    InvoiceCode,
    /// R15: an invoice code without its number.
    CodeWithoutNumber,
    /// R15: the same invoice as the one at `field` (a JSON path) of the same request.
    SameInvoiceAs {
        field: String,
    },
    /// A whole number outside `min`–`max`; `english` as the API says it.
    OutOfRange {
        min: i64,
        max: i64,
        english: &'static str,
    },
    /// A text or list of the wrong length.
    Length {
        min: Option<u64>,
        max: Option<u64>,
        items: bool,
    },
    /// A total above the largest amount the service handles (R1).
    TotalTooLarge {
        english: &'static str,
    },
    /// R16: an advance above the request's estimate.
    AboveEstimate {
        max: Money,
    },
    /// A payment dated before its approval.
    PaidBeforeApproval {
        approved: NaiveDate,
    },
    /// A payment dated further ahead than the organisation allows.
    PaidTooFarAhead {
        days: i64,
        today: NaiveDate,
    },
    /// An advance returned before the claim was paid.
    ReturnedBeforePaid,
    /// Not one of the values offered; `english` lists them.
    OneOf {
        english: String,
    },
    /// Not a number of the kind asked for; `english` as the API says it.
    NotANumber {
        english: &'static str,
    },
    /// An id that names nothing here (`english` says what was looked for).
    Unknown {
        english: String,
    },
    /// A login that does not follow the rules for logins.
    LoginFormat,
    LoginTaken,
    /// A password of the wrong length.
    PasswordLength,
    WrongPassword,
    SamePassword,
    /// A user needs at least one role.
    NoRole,
    /// An admin cannot revoke their own account.
    RevokeSelf,
    /// An organisation code (`lower-case letters, digits and '-'`).
    OrgCodeFormat,
    /// Several organisations exist and none was named (the command line).
    AmbiguousOrg {
        codes: Vec<String>,
    },
    /// A budget line code that is not dot-separated lower-case segments.
    LineCodeFormat,
    /// No parent line with this code in that year.
    NoParentLine {
        code: String,
        year: i32,
    },
    /// A budget tree deeper than it may be.
    TooDeep {
        max_levels: i32,
    },
    /// A transfer without the line it takes money from.
    TransferNeedsSource,
    /// A transfer from a line to itself.
    TransferSameLine,
    /// A transfer between lines of different years.
    TransferAcrossYears,
    /// A source line for something that is not a transfer.
    SourceWithoutTransfer,
    /// No policy gives the subsidy amount and none was given.
    NoSubsidyAmount,
    /// No policy in force on a month's first day, so its subsidy amount is unknown.
    NoPolicyForMonth {
        year: i32,
        month: u32,
    },
    /// A policy's city code that is not lower-case letters, digits, '-' or '_'.
    CityCodeFormat,
    /// A city code or name that appears twice in a policy.
    CityTwice,
    /// A policy naming no city.
    NoCities,
    /// A host-meal deduction outside 0–1; `english` as the API says it.
    NotAFraction {
        english: &'static str,
    },
    /// A policy's city name on several lines or too long.
    CityName,
    /// A performance target's indicator named twice for one line.
    IndicatorTwice,
    /// Not a time zone the service knows.
    TimeZone,
    /// A resident identity number that is not 18 characters: 17 digits and a digit or X.
    IdNumberShape,
    /// A resident identity number whose check character does not match its 17 digits (GB 11643).
    IdNumberCheck,
    /// A bank account that is not 8 to 32 digits.
    BankAccount,
    /// R19: a 统一社会信用代码 that is not 18 characters of its alphabet.
    CreditCodeShape,
    /// R19: a 统一社会信用代码 whose check character does not match (GB 32100-2015).
    CreditCodeCheck,
    /// R19: a row claiming more than the total of the invoice file attached for it.
    AboveInvoiceTotal {
        number: String,
        total: Money,
    },
    /// A bank name that is empty, longer than `max` characters or on several lines.
    BankName {
        max: usize,
    },
    /// R18: an approval chain that is not an ordered subset with finance.
    ApprovalChain(super::approval::ChainError),
}

impl fmt::Display for FieldProblem {
    /// The API's English, as clients have always read it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use FieldProblem as P;
        match self {
            P::Required { english } => f.write_str(english),
            P::Text(problem) => f.write_str(problem.message()),
            P::Amount(error) => write!(f, "{error}"),
            P::UnreadableDate { given } => write!(
                f,
                "expected a date YYYY-MM-DD from 2000-01-01 to 2099-12-31, got {given:?}"
            ),
            P::DateOutOfRange { given, min, max } => write!(
                f,
                "expected a date YYYY-MM-DD from {min} to {max}, got \"{given}\""
            ),
            P::Before { field, other, .. } => write!(f, "{field} is before {other}"),
            P::NotAfter { field, other, .. } => write!(f, "{field} must be after {other}"),
            P::OutsideTrip { part, .. } => f.write_str(match part {
                TripPart::StayBegins => "the stay begins before the trip",
                TripPart::StayEnds => "the stay ends after the trip",
                TripPart::Day => "the date is outside the trip",
            }),
            P::TripTooLong { max_days } => write!(f, "a trip covers at most {max_days} days"),
            P::Overlaps => f.write_str("the stay overlaps another stay"),
            P::RepeatedDate => f.write_str("a date appears more than once"),
            P::InvoiceNumber => f.write_str("8 or 20 digits"),
            P::ElectronicInvoiceHasNoCode => f.write_str("an all-electronic invoice has no code"),
            P::InvoiceCodeRequired => f.write_str("an 8-digit invoice number needs its code"),
            P::InvoiceCode => f.write_str("10 or 12 digits"),
            P::CodeWithoutNumber => f.write_str("an invoice code goes with its invoice number"),
            P::SameInvoiceAs { field } => write!(f, "the same invoice as {field}"),
            P::OutOfRange { english, .. } => f.write_str(english),
            P::Length { min, max, items } => {
                let unit = if *items { "items" } else { "characters" };
                match (min, max) {
                    (None, Some(max)) => write!(f, "at most {max} {unit} allowed"),
                    (Some(min), Some(max)) => write!(f, "{min} to {max} {unit} required"),
                    (Some(min), None) => write!(f, "at least {min} {unit} required"),
                    (None, None) => f.write_str("invalid (length)"),
                }
            }
            P::TotalTooLarge { english } => f.write_str(english),
            P::AboveEstimate { max } => {
                write!(f, "an advance is at most the estimate, {max} (R16)")
            }
            P::PaidBeforeApproval { approved } => {
                write!(f, "a payment cannot precede its approval on {approved}")
            }
            P::PaidTooFarAhead { days, today } => {
                write!(
                    f,
                    "a payment date is at most {days} days after today ({today})"
                )
            }
            P::ReturnedBeforePaid => {
                f.write_str("an advance cannot be returned before the claim was paid")
            }
            P::OneOf { english } | P::Unknown { english } => f.write_str(english),
            P::NotANumber { english } => f.write_str(english),
            P::LoginFormat => f.write_str("1 to 64 characters: letters, digits, '.', '_' or '-'"),
            P::LoginTaken => f.write_str("this login is taken"),
            P::PasswordLength => f.write_str("8 to 128 characters"),
            P::WrongPassword => f.write_str("the current password is wrong"),
            P::SamePassword => f.write_str("choose a password different from the current one"),
            P::NoRole => f.write_str("at least one role"),
            P::RevokeSelf => f.write_str("an admin does not revoke themself"),
            P::OrgCodeFormat => f.write_str("lower-case letters, digits and '-'"),
            P::AmbiguousOrg { codes } => write!(
                f,
                "several organisations exist ({}): name one with --org",
                codes.join(", ")
            ),
            P::LineCodeFormat => {
                f.write_str("dot-separated lower-case segments, such as dept.project.x")
            }
            P::NoParentLine { code, year } => write!(f, "no line {code} in {year}"),
            P::TooDeep { max_levels } => {
                write!(f, "a budget tree has at most {max_levels} levels")
            }
            P::TransferNeedsSource => f.write_str("a transfer names the line it moves money from"),
            P::TransferSameLine => {
                f.write_str("a transfer moves money between two different lines")
            }
            P::TransferAcrossYears => f.write_str("a transfer moves money within one year"),
            P::SourceWithoutTransfer => {
                f.write_str("only a transfer takes money from another line")
            }
            P::NoSubsidyAmount => f.write_str(
                "no policy defines a subsidy amount yet; give the recipient's own amount",
            ),
            P::NoPolicyForMonth { year, month } => write!(
                f,
                "{year:04}-{month:02}: no policy is in force on the month's first day, \
                 so its subsidy amount is unknown"
            ),
            P::CityCodeFormat => {
                f.write_str("a city code is lower-case letters, digits, '-' or '_'")
            }
            P::CityTwice => f.write_str("a city code or name appears twice"),
            P::NoCities => f.write_str("a policy names at least one city"),
            P::NotAFraction { english } => f.write_str(english),
            P::CityName => f.write_str("a name is one line of at most 100 characters"),
            P::IndicatorTwice => f.write_str("the same indicator of a line twice"),
            P::TimeZone => f.write_str("an IANA time zone such as Asia/Shanghai"),
            P::IdNumberShape => {
                f.write_str("18 characters: 17 digits and a check character (a digit or X)")
            }
            P::IdNumberCheck => {
                f.write_str("the check character does not match the first 17 digits (GB 11643)")
            }
            P::BankAccount => f.write_str("8 to 32 digits (spaces are ignored)"),
            P::CreditCodeShape => {
                f.write_str("18 characters: digits and capital letters other than I, O, Z, S and V")
            }
            P::CreditCodeCheck => f.write_str(
                "the check character does not match the first 17 characters (GB 32100-2015)",
            ),
            P::AboveInvoiceTotal { number, total } => {
                write!(f, "more than the total {total} of invoice {number}")
            }
            P::BankName { max } => write!(f, "one line of 1 to {max} characters"),
            P::ApprovalChain(error) => write!(f, "{error}"),
        }
    }
}

impl From<MoneyError> for FieldProblem {
    fn from(error: MoneyError) -> FieldProblem {
        FieldProblem::Amount(error)
    }
}

impl From<TextProblem> for FieldProblem {
    fn from(problem: TextProblem) -> FieldProblem {
        FieldProblem::Text(problem)
    }
}
