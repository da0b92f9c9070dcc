//! R13 Amounts in capitals (人民币大写), in the form of the PBOC's 支付结算办法.
//!
//! Digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 inside a group of four digits, 万 亿 万亿 between
//! groups, then 元角分. Whole yuan end in 元整; with 角 and no 分 the words end in 角; with 分, in
//! 分. A run of zeros between non-zero digits is one 零; a zero 元 place before a non-zero 角, and
//! a zero 角 before a non-zero 分, are written 零. A leading 拾 is 壹拾.
//!
//! Worked examples (rules.md R13): ¥1,680.32 → 壹仟陆佰捌拾元零叁角贰分; ¥325.04 → 叁佰贰拾伍元零肆分;
//! ¥107,000.53 → 壹拾万柒仟元零伍角叁分; ¥1,409.50 → 壹仟肆佰零玖元伍角; ¥0.00 → 零元整.

use super::Money;

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
/// Units inside a group of four digits, from the 仟 place down.
const PLACES: [&str; 4] = ["仟", "佰", "拾", ""];
/// Group units from the lowest group up: ones, 万, 亿, 万亿.
const GROUPS: [&str; 4] = ["", "万", "亿", "万亿"];

/// The amount in capitals, without the 人民币 prefix (a form adds it). Negative amounts do not
/// occur on a form; their words are those of the absolute amount.
pub fn in_words(amount: Money) -> String {
    let fen = amount.fen().unsigned_abs();
    let yuan = fen / 100;
    let jiao = usize::try_from(fen / 10 % 10).unwrap_or(0);
    let fen_digit = usize::try_from(fen % 10).unwrap_or(0);

    let mut out = String::new();
    if yuan > 0 {
        write_yuan(&mut out, yuan);
        out.push('元');
    }
    match (jiao, fen_digit) {
        (0, 0) => {
            if yuan == 0 {
                out.push_str("零元");
            }
            out.push('整');
        }
        (0, f) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[f]);
            out.push('分');
        }
        (j, f) => {
            if yuan > 0 && yuan % 10 == 0 {
                out.push('零');
            }
            out.push(DIGITS[j]);
            out.push('角');
            if f > 0 {
                out.push(DIGITS[f]);
                out.push('分');
            }
        }
    }
    out
}

/// Writes a positive whole number of yuan in groups of four digits, highest first.
fn write_yuan(out: &mut String, yuan: u64) {
    let mut groups = Vec::with_capacity(GROUPS.len());
    let mut rest = yuan;
    while rest > 0 {
        groups.push(rest % 10_000);
        rest /= 10_000;
    }
    let mut written = false;
    let mut zero_pending = false;
    for (index, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            zero_pending |= written;
            continue;
        }
        // A gap before this group's first digit (leading zeros, or whole zero groups above) is
        // one 零; the trailing zeros of the group above are not a gap: its unit follows them.
        zero_pending |= written && group < 1000;
        let mut place_value = 1000;
        for place in PLACES {
            let digit = group / place_value % 10;
            place_value /= 10;
            if digit == 0 {
                zero_pending |= written;
                continue;
            }
            if zero_pending {
                out.push('零');
                zero_pending = false;
            }
            out.push(DIGITS[usize::try_from(digit).unwrap_or(0)]);
            out.push_str(place);
            written = true;
        }
        zero_pending = false;
        out.push_str(GROUPS.get(index).copied().unwrap_or(""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(fen: i64) -> String {
        in_words(Money::from_fen(fen))
    }

    #[test]
    fn the_pboc_examples_of_rules_md() {
        let table = [
            (168_032, "壹仟陆佰捌拾元零叁角贰分"),
            (32_504, "叁佰贰拾伍元零肆分"),
            (10_700_053, "壹拾万柒仟元零伍角叁分"),
            (140_950, "壹仟肆佰零玖元伍角"),
            (600_714, "陆仟零柒元壹角肆分"),
            (32, "叁角贰分"),
            (0, "零元整"),
            (123_100, "壹仟贰佰叁拾壹元整"),
            (260_333, "贰仟陆佰零叁元叁角叁分"),
            (3_960_000, "叁万玖仟陆佰元整"),
            (5, "伍分"),
            (1_000, "壹拾元整"),
            (100_070_000, "壹佰万零柒佰元整"),
            (10_000_000_700, "壹亿零柒元整"),
            (9_999_999_999, "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
            (2_002, "贰拾元零贰分"),
        ];
        for (fen, expected) in table {
            assert_eq!(words(fen), expected, "{fen} fen");
        }
    }

    /// Reads capitals back into fen: the inverse used by the property test.
    fn parse(words: &str) -> Option<i64> {
        let (yuan_words, small) = match words.split_once('元') {
            Some((y, s)) => (y, s),
            None => ("", words),
        };
        let (mut total, mut section, mut number) = (0i64, 0i64, 0i64);
        for c in yuan_words.chars() {
            if let Some(d) = DIGITS.iter().position(|&x| x == c) {
                number = i64::try_from(d).ok()?;
                continue;
            }
            match c {
                '拾' => section += number * 10,
                '佰' => section += number * 100,
                '仟' => section += number * 1000,
                '万' => section = (section + number) * 10_000,
                '亿' => {
                    total = (total + section + number) * 100_000_000;
                    section = 0;
                }
                _ => return None,
            }
            number = 0;
        }
        let yuan = total + section + number;
        let mut fen = yuan * 100;
        let mut digit = 0i64;
        for c in small.chars() {
            match c {
                '角' => fen += digit * 10,
                '分' => fen += digit,
                '整' | '零' => {}
                _ => digit = i64::try_from(DIGITS.iter().position(|&x| x == c)?).ok()?,
            }
        }
        Some(fen)
    }

    proptest! {
        #[test]
        fn every_amount_reads_back_as_itself(fen in 0i64..=9_999_999_999) {
            let text = in_words(Money::from_fen(fen));
            prop_assert_eq!(parse(&text), Some(fen), "{}", text);
            prop_assert!(!text.contains("零零"), "{}", text);
            prop_assert!(text.ends_with('整') || text.ends_with('角') || text.ends_with('分'));
        }
    }
}
