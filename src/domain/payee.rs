//! A subsidy recipient's payment details for the treasury's disbursement file (代发): the
//! resident identity number (身份证号, GB 11643), the bank (开户行) and the account (账号).
//!
//! Each is a type that holds only a valid value. The identity number and the account are shown
//! masked everywhere (the last four characters, [`IdNumber::masked`], [`BankAccount::masked`]);
//! their `Debug` is masked too, so a log line never carries them. The full value is read only by
//! [`IdNumber::full`] and [`BankAccount::full`], for storage and the payment file.
//!
//! Worked example: `11010519491231002x` is accepted as `11010519491231002X` (the check character
//! of `11010519491231002` is X) and shown `**************002X`; the account `6222 0202 0001 2345`
//! is stored `6222020200012345` and shown `**** 2345`.

use std::fmt;

use super::FieldProblem;

/// GB 11643 (ISO 7064 MOD 11-2): the weight of each of the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder of the weighted sum modulo 11.
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The longest bank name accepted, in characters.
pub const BANK_NAME_MAX: usize = 60;

/// What a clerk types, read as ASCII: white space (a space between groups, an ideographic space)
/// dropped, full-width digits and Ｘ as their ASCII forms.
fn normalised(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            'Ｘ' | 'ｘ' | 'x' => 'X',
            other => other,
        })
        .collect()
}

/// The check character of 17 digits (GB 11643), `None` if any is not a digit.
pub fn check_character(first17: &str) -> Option<char> {
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    CHECK.get(usize::try_from(sum % 11).ok()?).copied()
}

/// The last four characters behind `stars` asterisks.
fn last_four(text: &str, stars: &str) -> String {
    let tail: String = text
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{stars}{tail}")
}

/// A resident identity number: 17 digits and the check character (a digit or X).
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl IdNumber {
    /// Spaces are dropped and a lower-case x is read as X; anything else that is not 18
    /// characters, 17 digits and a check character, or whose check character is wrong, is refused.
    pub fn parse(text: &str) -> Result<IdNumber, FieldProblem> {
        let text = normalised(text);
        let shaped = text.chars().count() == 18
            && text.chars().take(17).all(|c| c.is_ascii_digit())
            && text
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_digit() || c == 'X');
        if !shaped {
            return Err(FieldProblem::IdNumberShape);
        }
        let (first17, last) = text.split_at(17);
        match check_character(first17) {
            Some(expected) if last.starts_with(expected) => Ok(IdNumber(text)),
            _ => Err(FieldProblem::IdNumberCheck),
        }
    }

    /// `**************002X`: 14 asterisks and the last four characters.
    pub fn masked(&self) -> String {
        last_four(&self.0, "**************")
    }

    /// The whole number, for storage and the treasury's file only.
    pub fn full(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// A bank account number: 8 to 32 digits, stored without the spaces typed between groups.
#[derive(Clone, PartialEq, Eq)]
pub struct BankAccount(String);

impl BankAccount {
    pub fn parse(text: &str) -> Result<BankAccount, FieldProblem> {
        let text = normalised(text);
        if (8..=32).contains(&text.len()) && text.chars().all(|c| c.is_ascii_digit()) {
            Ok(BankAccount(text))
        } else {
            Err(FieldProblem::BankAccount)
        }
    }

    /// `**** 2345`.
    pub fn masked(&self) -> String {
        last_four(&self.0, "**** ")
    }

    /// The whole account, for storage and the treasury's file only.
    pub fn full(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BankAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BankAccount({})", self.masked())
    }
}

/// The bank and branch that keep the account (开户行): one line of 1 to 60 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankName(String);

impl BankName {
    pub fn parse(text: &str) -> Result<BankName, FieldProblem> {
        let text = text.trim();
        let n = text.chars().count();
        if n == 0 || n > BANK_NAME_MAX || text.chars().any(char::is_control) {
            return Err(FieldProblem::BankName { max: BANK_NAME_MAX });
        }
        Ok(BankName(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a recipient's payment needs, each part given or not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PayeeDetails {
    pub id_number: Option<IdNumber>,
    pub bank_name: Option<BankName>,
    pub bank_account: Option<BankAccount>,
}

impl PayeeDetails {
    /// Whether the treasury's file can pay this person: all three are there.
    pub fn complete(&self) -> bool {
        self.id_number.is_some() && self.bank_name.is_some() && self.bank_account.is_some()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Numbers of the real shape (region, birth date, sequence, check), made up for the tests.
    const VALID: [&str; 4] = [
        "11010519491231002X",
        "110101199003070097",
        "130502195807151232",
        "440524188001010014",
    ];

    #[test]
    fn identity_numbers_with_their_check_character() {
        for (typed, stored) in [
            ("11010519491231002X", "11010519491231002X"),
            ("11010519491231002x", "11010519491231002X"),
            (" 110105 19491231 002X ", "11010519491231002X"),
            ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
            ("110101199003070097", "110101199003070097"),
            ("130502195807151232", "130502195807151232"),
            ("440524188001010014", "440524188001010014"),
        ] {
            assert_eq!(IdNumber::parse(typed).unwrap().full(), stored, "{typed}");
        }
        for (typed, problem) in [
            ("", FieldProblem::IdNumberShape),
            ("320311770706001", FieldProblem::IdNumberShape),
            ("11010519491231002", FieldProblem::IdNumberShape),
            ("11010519491231002X1", FieldProblem::IdNumberShape),
            ("1101051949123100XX", FieldProblem::IdNumberShape),
            ("11010519491231002Y", FieldProblem::IdNumberShape),
            ("X10105194912310021", FieldProblem::IdNumberShape),
            ("110105194912310021", FieldProblem::IdNumberCheck),
            ("110101199003070098", FieldProblem::IdNumberCheck),
            ("11010119900307009X", FieldProblem::IdNumberCheck),
            ("130502195807151234", FieldProblem::IdNumberCheck),
        ] {
            assert_eq!(IdNumber::parse(typed), Err(problem), "{typed:?}");
        }
        assert_eq!(check_character("11010519491231002"), Some('X'));
        assert_eq!(check_character("1101051949123100"), None);
        assert!(VALID.iter().all(|v| IdNumber::parse(v).is_ok()));
    }

    #[test]
    fn shown_masked_and_debugged_masked() {
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.masked(), "**************002X");
        assert_eq!(format!("{id:?}"), "IdNumber(**************002X)");
        let account = BankAccount::parse("6222 0202 0001 2345").unwrap();
        assert_eq!(account.full(), "6222020200012345");
        assert_eq!(account.masked(), "**** 2345");
        assert_eq!(format!("{account:?}"), "BankAccount(**** 2345)");
    }

    #[test]
    fn accounts_are_8_to_32_digits() {
        for ok in [
            "12345678",
            "6222020200012345",
            &"9".repeat(32),
            "6222　0202",
        ] {
            assert!(BankAccount::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1234567",
            &"9".repeat(33),
            "6222-0202-0001",
            "62220202000A",
            "账号",
        ] {
            assert_eq!(
                BankAccount::parse(bad),
                Err(FieldProblem::BankAccount),
                "{bad}"
            );
        }
    }

    #[test]
    fn bank_names_are_one_line_of_at_most_60() {
        assert_eq!(
            BankName::parse(" 中国农业银行邢台分行营业部 ")
                .unwrap()
                .as_str(),
            "中国农业银行邢台分行营业部"
        );
        assert!(BankName::parse(&"行".repeat(60)).is_ok());
        for bad in ["", "   ", &"行".repeat(61), "农行\n邢台"] {
            assert_eq!(
                BankName::parse(bad),
                Err(FieldProblem::BankName { max: 60 }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn complete_only_with_all_three() {
        let mut d = PayeeDetails::default();
        assert!(!d.complete());
        d.id_number = Some(IdNumber::parse(VALID[0]).unwrap());
        d.bank_name = Some(BankName::parse("农行").unwrap());
        assert!(!d.complete());
        d.bank_account = Some(BankAccount::parse("12345678").unwrap());
        assert!(d.complete());
    }

    /// A valid number from any 17 digits and their check character.
    fn valid_number() -> impl Strategy<Value = String> {
        proptest::collection::vec(0u32..10, 17).prop_map(|digits| {
            let first: String = digits
                .iter()
                .map(|d| char::from_digit(*d, 10).unwrap())
                .collect();
            let check = check_character(&first).unwrap();
            format!("{first}{check}")
        })
    }

    proptest! {
        #[test]
        fn every_number_with_its_check_character_is_accepted(number in valid_number()) {
            let parsed = IdNumber::parse(&number).unwrap();
            prop_assert_eq!(parsed.full(), number.as_str());
        }

        /// MOD 11-2 catches every single changed digit, the check character's included.
        #[test]
        fn one_digit_changed_is_refused(number in valid_number(), at in 0usize..18, by in 1u32..10) {
            let mut chars: Vec<char> = number.chars().collect();
            let old = chars[at];
            let new = match old.to_digit(10) {
                Some(d) => char::from_digit((d + by) % 10, 10).unwrap(),
                // An X changed to a digit.
                None => char::from_digit(by, 10).unwrap(),
            };
            chars[at] = new;
            let changed: String = chars.into_iter().collect();
            prop_assert_ne!(&changed, &number);
            prop_assert_eq!(IdNumber::parse(&changed), Err(FieldProblem::IdNumberCheck));
        }
    }
}
