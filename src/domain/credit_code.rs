//! R19 The organisation's 统一社会信用代码 (unified social credit identifier, GB 32100-2015): the id
//! an all-electronic invoice names its buyer by, so the 发票抬头 can be checked against it.
//!
//! Eighteen characters from the code's alphabet (digits and the capital letters other than I, O,
//! Z, S and V); the last is a check character over the first seventeen (ISO 7064 MOD 31-3 as the
//! standard gives it: weights 3^i mod 31, check = 31 − Σ mod 31, 31 read as 0).
//!
//! Worked example: `91130500MA0000001N` is accepted (the check character of `91130500MA0000001`
//! is N); `91130500MA0000001M` is refused for its check character, `91130500MA000000IN` for an I.

use std::fmt;

use super::FieldProblem;

/// The code's alphabet, each character's value its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weight of each of the first 17 characters (3^i mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|i| u32::try_from(i).ok())
}

/// The check character of the first 17 characters, `None` if one is outside the alphabet.
pub fn check_character(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (&c, w) in first17.iter().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.get(usize::try_from(check).ok()?).copied()
}

/// A 统一社会信用代码 whose check character is right.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

impl CreditCode {
    /// White space around it is dropped and small letters read as capitals; anything else that
    /// is not 18 characters of the alphabet is [`FieldProblem::CreditCodeShape`], a wrong check
    /// character [`FieldProblem::CreditCodeCheck`].
    pub fn parse(text: &str) -> Result<CreditCode, FieldProblem> {
        let text = text.trim().to_ascii_uppercase();
        let bytes = text.as_bytes();
        if bytes.len() != 18 || !bytes.iter().all(|&c| value(c).is_some()) {
            return Err(FieldProblem::CreditCodeShape);
        }
        let (first17, last) = bytes.split_at(17);
        match check_character(first17) {
            Some(expected) if last == [expected] => Ok(CreditCode(text)),
            _ => Err(FieldProblem::CreditCodeCheck),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_standard_check_character() {
        for good in [
            "11130532MB0000001C",
            "91130500MA0000001N",
            " 91130500ma0000001n ",
            "91130100MA0000004B",
        ] {
            assert!(CreditCode::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            CreditCode::parse("91130500ma0000001n").unwrap().as_str(),
            "91130500MA0000001N"
        );
        for wrong in ["11130532MB0000001D", "911100001000000000"] {
            assert_eq!(
                CreditCode::parse(wrong),
                Err(FieldProblem::CreditCodeCheck),
                "{wrong}"
            );
        }
        for shape in [
            "",
            "91130500MA0000001",
            "91130500MA0000001NN",
            "91130500MA000000IN",
            "91130500MA00000O1N",
            "9113０500MA0000001N",
        ] {
            assert_eq!(
                CreditCode::parse(shape),
                Err(FieldProblem::CreditCodeShape),
                "{shape}"
            );
        }
    }

    proptest! {
        /// Exactly one of the 31 characters completes any 17.
        #[test]
        fn one_check_character_completes_any_code(first in "[0-9A-HJ-NPQRTUWXY]{17}") {
            let accepted = ALPHABET
                .iter()
                .filter(|&&c| CreditCode::parse(&format!("{first}{}", char::from(c))).is_ok())
                .count();
            prop_assert_eq!(accepted, 1);
        }
    }
}
