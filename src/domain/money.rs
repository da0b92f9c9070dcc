//! R1 Money: yuan with two decimals (分), never a float.
//!
//! Arithmetic is checked (an overflow is an error, never a wrap); rounding happens in exactly one
//! place, [`Money::round`], half away from zero to two decimals, applied once per line item.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// The largest amount a client may send (R1): 99,999,999.99.
pub const MAX_INPUT_FEN: i64 = 9_999_999_999;

/// An amount of money in yuan, held to exactly two decimals (R1).
///
/// A newtype over `Decimal` whose scale is always 2; the database keeps it as integer fen, so sums
/// are exact on every backend. Worked example:
/// `Money::parse_input("65.50")` is 6550 fen and displays as `"65.50"`; two of them add to
/// `"131.00"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

/// Why an amount from a client was refused (R1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyError {
    Malformed,
    TooManyDecimals,
    Negative,
    TooLarge,
    Overflow,
    /// Zero where only an amount above 0.00 makes sense ([`PositiveMoney`]).
    NotPositive,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MoneyError::Malformed => "not an amount: expected yuan such as \"1231.00\"",
            MoneyError::TooManyDecimals => "an amount has at most two decimals (fen)",
            MoneyError::Negative => "an amount cannot be negative",
            MoneyError::TooLarge => "an amount cannot exceed 99999999.99",
            MoneyError::Overflow => "amount out of range",
            MoneyError::NotPositive => "must be more than 0.00",
        })
    }
}

impl std::error::Error for MoneyError {}

impl Money {
    pub const ZERO: Money = Money(Decimal::from_parts(0, 0, 0, false, 2));

    /// An amount from integer fen, as stored in the database.
    pub fn from_fen(fen: i64) -> Money {
        Money(Decimal::new(fen, 2))
    }

    /// Whole yuan, for literals in rules and tests: `Money::yuan(300)` is 300.00.
    pub fn yuan(yuan: i64) -> Money {
        Money::from_fen(yuan.saturating_mul(100))
    }

    /// The amount in integer fen. Exact: the scale is always 2 and every `Money` is built from
    /// an `i64` of fen or checked against it.
    pub fn fen(self) -> i64 {
        match i64::try_from(self.0.mantissa()) {
            Ok(fen) => fen,
            // Every constructor keeps the fen within `i64` (`from_fen`, `of_exact_op`,
            // `from_decimal_exact`): another value is a bug here, not a figure to report.
            Err(_) => unreachable!("Money holds fen within i64, not {}", self.0),
        }
    }

    /// The amount as a decimal number of yuan with scale 2.
    pub fn to_decimal(self) -> Decimal {
        self.0
    }

    /// Parses an amount sent by a client (R1): a decimal literal with at most two decimals,
    /// not negative, at most 99,999,999.99. `"680"` is 680.00, `"680.5"` is 680.50, and
    /// `"680.505"` is refused.
    pub fn parse_input(text: &str) -> Result<Money, MoneyError> {
        let text = text.trim();
        if text.is_empty() || text.contains(['e', 'E']) {
            return Err(MoneyError::Malformed);
        }
        let value = Decimal::from_str(text).map_err(|_| MoneyError::Malformed)?;
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Negative);
        }
        // As written: "1.500" has three decimals and is refused like "1.005" (R1).
        if value.scale() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let money = Money::from_decimal_exact(value).ok_or(MoneyError::TooLarge)?;
        if money.fen() > MAX_INPUT_FEN {
            return Err(MoneyError::TooLarge);
        }
        Ok(money)
    }

    /// Rounds a decimal number of yuan to fen, half away from zero (R1): 403.333… → 403.33,
    /// 0.125 → 0.13, −0.125 → −0.13. The one rounding rule of the service.
    pub fn round(value: Decimal) -> Result<Money, MoneyError> {
        let rounded = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        Money::from_decimal_exact(rounded).ok_or(MoneyError::Overflow)
    }

    /// Keeps the invariant: scale 2 and the fen fit in an `i64`.
    fn from_decimal_exact(value: Decimal) -> Option<Money> {
        let fen = value.checked_mul(Decimal::ONE_HUNDRED)?;
        if !fen.fract().is_zero() {
            return None;
        }
        i64::try_from(fen).ok().map(Money::from_fen)
    }

    /// The result of adding, subtracting or multiplying by an integer: the scale stays 2, so
    /// only the range is left to check, cheaply, on the mantissa.
    fn of_exact_op(value: Decimal) -> Option<Money> {
        if value.scale() == 2 && i64::try_from(value.mantissa()).is_ok() {
            Some(Money(value))
        } else {
            Money::from_decimal_exact(value)
        }
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).and_then(Money::of_exact_op)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).and_then(Money::of_exact_op)
    }

    /// `self × n`, for counts such as nights or days.
    pub fn checked_mul(self, n: i64) -> Option<Money> {
        self.0
            .checked_mul(Decimal::from(n))
            .and_then(Money::of_exact_op)
    }

    /// `self × fraction`, rounded once per R1: the 20% breakfast share of a 100.00 allowance is
    /// 20.00.
    pub fn times_rounded(self, fraction: Decimal) -> Option<Money> {
        Money::round(self.0.checked_mul(fraction)?).ok()
    }

    /// Sum of amounts; `None` on overflow.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(items: I) -> Option<Money> {
        items
            .into_iter()
            .try_fold(Money::ZERO, |acc, m| acc.checked_add(m))
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn min(self, other: Money) -> Money {
        Ord::min(self, other)
    }

    pub fn max(self, other: Money) -> Money {
        Ord::max(self, other)
    }
}

/// An amount that must be more than 0.00 (R1): a budget adjustment, an advance, a recipient's own
/// monthly amount, a station's daily cost. Only a checked parse or [`PositiveMoney::new`] builds
/// one, so a service that takes it never re-checks.
///
/// Worked example: `"5100.00"` is 5,100.00; `"0"` and `"0.00"` are refused with "must be more
/// than 0.00", `"-1"` as negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PositiveMoney(Money);

impl PositiveMoney {
    /// `None` for 0.00 or less.
    pub fn new(amount: Money) -> Option<PositiveMoney> {
        (amount > Money::ZERO).then_some(PositiveMoney(amount))
    }

    /// [`Money::parse_input`], then more than 0.00.
    pub fn parse_input(text: &str) -> Result<PositiveMoney, MoneyError> {
        PositiveMoney::new(Money::parse_input(text)?).ok_or(MoneyError::NotPositive)
    }

    pub fn get(self) -> Money {
        self.0
    }
}

impl From<PositiveMoney> for Money {
    fn from(amount: PositiveMoney) -> Money {
        amount.0
    }
}

impl Money {
    /// The amount as text with two decimals, written into `buf` without allocating.
    pub fn as_text(self, buf: &mut [u8; 24]) -> &str {
        let fen = self.fen();
        let mut n = fen.unsigned_abs();
        let mut at = buf.len();
        let mut push = |digit: u8, at: &mut usize| {
            *at -= 1;
            buf[*at] = digit;
        };
        for _ in 0..2 {
            push(last_digit(n), &mut at);
            n /= 10;
        }
        push(b'.', &mut at);
        loop {
            push(last_digit(n), &mut at);
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if fen < 0 {
            push(b'-', &mut at);
        }
        match std::str::from_utf8(&buf[at..]) {
            Ok(text) => text,
            Err(_) => unreachable!("only ASCII digits, '.' and '-' are written"),
        }
    }
}

/// The ASCII digit of `n`'s last decimal place.
fn last_digit(n: u64) -> u8 {
    match u8::try_from(n % 10) {
        Ok(digit) => b'0' + digit,
        Err(_) => unreachable!("a remainder of 10 is below 10"),
    }
}

impl fmt::Display for Money {
    /// Always two decimals: `"1231.00"`, `"-40.00"`, `"0.05"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_text(&mut [0; 24]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_displays_two_decimals() {
        assert_eq!(
            Money::parse_input("1231").map(|m| m.to_string()),
            Ok("1231.00".into())
        );
        assert_eq!(Money::parse_input("65.5").map(|m| m.fen()), Ok(6550));
        assert_eq!(Money::parse_input("65.50").map(|m| m.fen()), Ok(6550));
        assert_eq!(Money::parse_input("0").map(|m| m.fen()), Ok(0));
        assert_eq!(
            Money::parse_input("99999999.99").map(|m| m.fen()),
            Ok(MAX_INPUT_FEN)
        );
        assert_eq!(Money::parse_input("1.50").map(|m| m.fen()), Ok(150));
    }

    #[test]
    fn refuses_what_r1_refuses() {
        assert_eq!(
            Money::parse_input("1.005"),
            Err(MoneyError::TooManyDecimals)
        );
        assert_eq!(Money::parse_input("-1.00"), Err(MoneyError::Negative));
        assert_eq!(
            Money::parse_input("100000000.00"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(Money::parse_input("1e3"), Err(MoneyError::Malformed));
        assert_eq!(Money::parse_input("abc"), Err(MoneyError::Malformed));
        assert_eq!(Money::parse_input(""), Err(MoneyError::Malformed));
        assert_eq!(
            Money::parse_input("99999999999999999999999999"),
            Err(MoneyError::Malformed).or(Err(MoneyError::TooLarge))
        );
    }

    #[test]
    fn a_positive_amount_is_more_than_zero() {
        assert_eq!(
            PositiveMoney::parse_input("5100.00").map(PositiveMoney::get),
            Ok(Money::yuan(5100))
        );
        assert_eq!(
            PositiveMoney::parse_input("0.01").map(Money::from),
            Ok(Money::from_fen(1))
        );
        assert_eq!(
            PositiveMoney::parse_input("0.00"),
            Err(MoneyError::NotPositive)
        );
        assert_eq!(
            PositiveMoney::parse_input("0"),
            Err(MoneyError::NotPositive)
        );
        assert_eq!(PositiveMoney::parse_input("-1"), Err(MoneyError::Negative));
        assert_eq!(
            MoneyError::NotPositive.to_string(),
            "must be more than 0.00"
        );
        assert_eq!(PositiveMoney::new(Money::from_fen(-5)), None);
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let r = |s: &str| Money::round(Decimal::from_str(s).unwrap_or_default()).map(|m| m.fen());
        assert_eq!(r("403.333333"), Ok(40333));
        assert_eq!(r("0.125"), Ok(13));
        assert_eq!(r("0.124"), Ok(12));
        assert_eq!(r("-0.125"), Ok(-13));
    }

    #[test]
    fn displays_negative_and_small() {
        assert_eq!(
            Money::from_fen(i64::MIN + 1).to_string(),
            "-92233720368547758.07"
        );
        assert_eq!(format!("{:>8}", Money::yuan(1)), "    1.00");
        assert_eq!(Money::from_fen(-4000).to_string(), "-40.00");
        assert_eq!(Money::from_fen(5).to_string(), "0.05");
        assert_eq!(Money::from_fen(-5).to_string(), "-0.05");
    }

    proptest! {
        #[test]
        fn display_then_parse_is_identity(fen in 0..=MAX_INPUT_FEN) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(Money::parse_input(&m.to_string()), Ok(m));
        }

        #[test]
        fn checked_add_matches_integer_sum(a in 0..=MAX_INPUT_FEN, b in 0..=MAX_INPUT_FEN) {
            let sum = Money::from_fen(a).checked_add(Money::from_fen(b));
            prop_assert_eq!(sum.map(Money::fen), Some(a + b));
        }
    }
}
