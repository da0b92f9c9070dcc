//! Text a person typed: one rule for every text field of every request, applied once where a
//! request enters (the JSON body reader and the CLI), not field by field.
//!
//! - Control characters (NUL, tab, line breaks, U+2028/U+2029 …) are refused: names and purposes
//!   are single lines, and PostgreSQL cannot store NUL at all.
//! - Leading and trailing white space and invisible characters are dropped.
//! - Text that had characters but none visible is refused: only spaces, a zero-width space, the
//!   braille blank U+2800 or a lone combining mark are not a name, a purpose or a reason. Any
//!   letter, digit, CJK character, punctuation or symbol is visible (a comparator `≥` is a whole
//!   value); a combining mark is visible only on a character it combines with.

/// Why a text was refused; the message names no field (the caller does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextProblem {
    ControlCharacter,
    Invisible,
}

impl TextProblem {
    pub fn message(self) -> &'static str {
        match self {
            TextProblem::ControlCharacter => {
                "must be one line without control characters (no NUL, tab or line break)"
            }
            TextProblem::Invisible => "must contain a visible character",
        }
    }
}

/// Characters that take no room on screen: white space, the braille blank, and format characters
/// such as the zero-width space, joiners, direction marks, word joiner and the byte order mark.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}'
            | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
            | '\u{2800}' | '\u{FEFF}' | '\u{FFA0}')
}

/// Combining marks (diacritics and enclosing marks) of the blocks made for them: drawn on the
/// character before them, nothing on their own.
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{3099}' | '\u{309A}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// A character that shows on its own: anything but white space, a format character or a
/// combining mark.
fn is_visible(c: char) -> bool {
    !is_invisible(c) && !is_combining_mark(c)
}

fn is_forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The text as stored: trimmed of invisible characters at both ends. An empty text stays empty
/// (whether a field may be empty is that field's rule).
pub fn clean(text: &str) -> Result<&str, TextProblem> {
    if text.chars().any(is_forbidden) {
        return Err(TextProblem::ControlCharacter);
    }
    let trimmed = text.trim_matches(is_invisible);
    if !text.is_empty() && !trimmed.chars().any(is_visible) {
        return Err(TextProblem::Invisible);
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn worked_examples() {
        assert_eq!(clean("  赴省汇报 "), Ok("赴省汇报"));
        assert_eq!(clean("\u{200B}张三\u{FEFF}"), Ok("张三"));
        assert_eq!(clean("张 三"), Ok("张 三"));
        assert_eq!(clean(""), Ok(""));
        assert_eq!(clean("   "), Err(TextProblem::Invisible));
        assert_eq!(clean("\u{200B}"), Err(TextProblem::Invisible));
        assert_eq!(clean("\u{3000}"), Err(TextProblem::Invisible));
        assert_eq!(clean("a\u{0}b"), Err(TextProblem::ControlCharacter));
        assert_eq!(clean("张三\n李四"), Err(TextProblem::ControlCharacter));
        assert_eq!(clean("a\tb"), Err(TextProblem::ControlCharacter));
        assert_eq!(clean("a\u{2028}b"), Err(TextProblem::ControlCharacter));
        // A blank or a lone combining mark shows nothing; punctuation and symbols show.
        assert_eq!(clean("\u{2800}"), Err(TextProblem::Invisible));
        assert_eq!(clean("\u{2800}张三\u{2800}"), Ok("张三"));
        assert_eq!(clean("\u{0301}"), Err(TextProblem::Invisible));
        assert_eq!(clean(" \u{0301}\u{0308} "), Err(TextProblem::Invisible));
        assert_eq!(clean("——"), Ok("——"));
        assert_eq!(clean("≥"), Ok("≥"));
        assert_eq!(clean("e\u{0301}"), Ok("e\u{0301}"));
        assert_eq!(clean("é"), Ok("é"));
        assert_eq!(clean("〇"), Ok("〇"));
        assert_eq!(clean("7"), Ok("7"));
        assert_eq!(clean("Ｘ"), Ok("Ｘ"));
    }

    proptest! {
        #[test]
        fn what_is_kept_is_trimmed_free_of_control_characters_and_stable(text in "\\PC*") {
            if let Ok(kept) = clean(&text) {
                prop_assert!(!kept.chars().any(is_forbidden));
                prop_assert!(!kept.starts_with(is_invisible) && !kept.ends_with(is_invisible));
                prop_assert_eq!(clean(kept), Ok(kept));
                prop_assert!(text.contains(kept));
                prop_assert!(kept.is_empty() || kept.chars().any(is_visible));
            }
        }

        #[test]
        fn any_control_character_is_refused(a in "\\PC*", c in proptest::char::range('\0', '\u{1F}'), b in "\\PC*") {
            let text = format!("{a}{c}{b}");
            prop_assert_eq!(clean(&text), Err(TextProblem::ControlCharacter));
        }
    }
}
