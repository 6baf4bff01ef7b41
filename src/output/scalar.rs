//! How a string is written: plain, quoted or as a literal block.
//!
//! The decisions are those of the YAML emitter the project used before it wrote YAML itself
//! (`serde-saphyr` 2.2, block style, no folding), so that the output stays byte for byte the
//! same; a differential test in `tests/it/yaml_writer.rs` holds the two together. A string is
//! written plain only when no YAML 1.1 or 1.2 reader (kubectl, Argo CD, kustomize) could read
//! it as anything but that string: booleans and nulls of either version in any casing,
//! numbers of every notation (octal, hexadecimal, binary, base 60, with underscores, `.inf`,
//! `.nan`), dates and timestamps, the merge key `<<` and the value key `=` are quoted.

/// How a string is written in value position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    /// As it is.
    Plain,
    /// Between single quotes (only `.`, `#` and `-` alone: how the previous emitter wrote them).
    SingleQuoted,
    /// Between double quotes, with escapes.
    DoubleQuoted,
    /// A literal block (`|`): multi-line text whose every character may stand in one.
    Literal,
}

/// How `s` is written as a value.
pub(super) fn value_style(s: &str) -> Style {
    if is_word(s) {
        return if is_keyword(s) {
            Style::DoubleQuoted
        } else {
            Style::Plain
        };
    }
    if s.contains('\n') {
        return if is_block_safe(s) {
            Style::Literal
        } else {
            Style::DoubleQuoted
        };
    }
    if matches!(s, "." | "#" | "-") {
        return Style::SingleQuoted;
    }
    if is_plain_value(s, false) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

/// Whether `s` is written plain as a mapping key (otherwise double-quoted). Keys are held to
/// more than values: no `:` at all, no flow indicator (`,[]{}`), and YAML 1.2's ambiguities
/// on top of YAML 1.1's.
pub(super) fn key_is_plain(s: &str) -> bool {
    if is_word(s) {
        return !is_keyword(s);
    }
    if is_ambiguous(s, true) || s == "<<" || starts_with_document_marker(s) {
        return false;
    }
    let bytes = s.as_bytes();
    if bytes.first().is_some_and(u8::is_ascii_whitespace)
        || bytes.last().is_some_and(u8::is_ascii_whitespace)
    {
        return false;
    }
    if bytes.first().is_some_and(|&b| b == b'-' || b == b'?')
        && bytes.get(1).is_none_or(u8::is_ascii_whitespace)
    {
        return false;
    }
    if bytes.first().is_some_and(|&b| is_leading_indicator(b)) {
        return false;
    }
    if s.chars().any(|c| c == ':' || must_escape(c)) || has_comment_start(s) {
        return false;
    }
    is_plain_value(s, true)
}

/// The common case, decided without the full rules: an ASCII letter followed by letters,
/// digits and `-_./`. Such a string can only be ambiguous as a keyword (see [`is_keyword`]):
/// numbers, dates and document markers start with a digit, a sign or a dot.
fn is_word(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
}

/// The words that a YAML 1.1 or 1.2 reader resolves to something other than a string, in any
/// ASCII casing.
fn is_keyword(s: &str) -> bool {
    const WORDS: [&str; 11] = [
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf",
    ];
    s.len() <= 5 && WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// Whether `s` may be written plain in value position (`in_flow`: also inside a flow
/// collection, where `,[]{}` are structure; it is what keys are held to).
fn is_plain_value(s: &str, in_flow: bool) -> bool {
    if is_ambiguous(s, false) || starts_with_document_marker(s) {
        return false;
    }
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    // Leading or trailing white space is not content in a plain scalar.
    if first.is_ascii_whitespace() || bytes.last().is_some_and(u8::is_ascii_whitespace) {
        return false;
    }
    // `-` and `?` start a plain scalar only when something other than white space follows.
    if (first == b'-' || first == b'?') && bytes.get(1).is_none_or(u8::is_ascii_whitespace) {
        return false;
    }
    if is_leading_indicator(first) {
        return false;
    }
    // `: ` would start a mapping value, and so would a final `:`.
    if s.contains(": ") || s.trim().ends_with(':') {
        return false;
    }
    let flow_indicator = |c: char| in_flow && matches!(c, ',' | '[' | ']' | '{' | '}');
    !s.chars().any(|c| must_escape(c) || flow_indicator(c)) && !has_comment_start(s)
}

/// Indicators that cannot start a plain scalar.
fn is_leading_indicator(b: u8) -> bool {
    matches!(
        b,
        b',' | b':'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

/// `#` after white space starts a comment.
fn has_comment_start(s: &str) -> bool {
    let mut previous_is_space = false;
    for c in s.chars() {
        if c == '#' && previous_is_space {
            return true;
        }
        previous_is_space = c.is_whitespace();
    }
    false
}

/// `---` or `...` alone or followed by white space: a document boundary at the start of a line.
fn starts_with_document_marker(s: &str) -> bool {
    let rest = match s.get(..3) {
        Some("---" | "...") => &s[3..],
        _ => return false,
    };
    rest.as_bytes().first().is_none_or(u8::is_ascii_whitespace)
}

/// Characters that neither a plain nor a single-quoted scalar can hold: control characters,
/// the byte order mark, the line and paragraph separators and the two non-characters U+FFFE
/// and U+FFFF.
pub(super) fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}'
        )
}

/// Whether every character of `s` may stand in a literal block: printable characters, tab and
/// line feed. Carriage return (readers turn it into a line feed), NEL, the line and paragraph
/// separators (tools mishandle them) and the byte order mark are left to double quotes.
fn is_block_safe(s: &str) -> bool {
    s.chars().all(|c| match c {
        '\n' | '\t' => true,
        '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' => false,
        c => matches!(
            u32::from(c),
            0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..
        ),
    })
}

/// Whether a reader of YAML 1.2 (`yaml_12`) or of YAML 1.1 and 1.2 resolves the plain scalar
/// `s` to something other than a string (or rejects it).
fn is_ambiguous(s: &str, yaml_12: bool) -> bool {
    const WORDS: [&str; 8] = ["~", "null", "true", "false", "nan", "inf", "+inf", "-inf"];
    if s.is_empty()
        || s.len() <= 5 && WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
        || is_number(s, yaml_12)
    {
        return true;
    }
    !yaml_12 && (is_yaml11_bool(s) || is_timestamp(s) || s == "<<" || s == "=")
}

/// YAML 1.1 booleans, in any ASCII casing.
fn is_yaml11_bool(s: &str) -> bool {
    const WORDS: [&str; 8] = ["y", "n", "yes", "no", "on", "off", "true", "false"];
    s.len() <= 5 && WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// Number syntax of YAML 1.2 (`yaml_12`) or of YAML 1.1, 1.2 and Go's YAML readers together,
/// checked without building the number: a spelling that a reader tags as a number but cannot
/// construct (overflow, `0b_`) counts.
fn is_number(s: &str, yaml_12: bool) -> bool {
    if !matches!(
        s.as_bytes().first(),
        Some(b'0'..=b'9' | b'+' | b'-' | b'.' | b'_')
    ) {
        return false;
    }
    let unsigned = strip_sign(s);
    if unsigned.eq_ignore_ascii_case(".inf") || unsigned.eq_ignore_ascii_case(".nan") {
        return true;
    }
    if !yaml_12 {
        if is_base_60(s) {
            return true;
        }
        // YAML 1.1's radix forms take any run of digits and underscores after the prefix.
        if let Some((radix, digits)) = split_radix(unsigned)
            && is_digits(digits, radix, false)
        {
            return true;
        }
    }
    // Go's readers drop underscores before resolving, around prefixes and exponents too.
    let without_underscores;
    let s = if !yaml_12 && s.contains('_') {
        without_underscores = s.replace('_', "");
        without_underscores.as_str()
    } else {
        s
    };
    let unsigned = strip_sign(s);
    if let Some((radix, digits)) = split_radix(unsigned) {
        // Go's readers also take a sign after a lowercase, unsigned `0b` or `0o`.
        let digits = if !yaml_12 && (s.starts_with("0b") || s.starts_with("0o")) {
            strip_sign(digits)
        } else {
            digits
        };
        return is_digits(digits, radix, true);
    }
    let mantissa = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => {
            if !is_digits(strip_sign(exponent), 10, true) {
                return false;
            }
            mantissa
        }
        None => unsigned,
    };
    let Some((whole, fraction)) = mantissa.split_once('.') else {
        return is_digits(mantissa, 10, true);
    };
    if !whole.is_empty() && !is_digits(whole, 10, true) {
        return false;
    }
    if !yaml_12 {
        // YAML 1.1 floats take any run of digits and dots after the point, even none.
        fraction.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    } else if fraction.is_empty() {
        !whole.is_empty()
    } else {
        is_digits(fraction, 10, true)
    }
}

fn strip_sign(s: &str) -> &str {
    s.strip_prefix(['+', '-']).unwrap_or(s)
}

/// `0b`, `0o` or `0x` (either case) and what follows.
fn split_radix(s: &str) -> Option<(u32, &str)> {
    let radix = match s.as_bytes() {
        [b'0', b'b' | b'B', ..] => 2,
        [b'0', b'o' | b'O', ..] => 8,
        [b'0', b'x' | b'X', ..] => 16,
        _ => return None,
    };
    Some((radix, &s[2..]))
}

/// A non-empty run of digits of `radix`, with underscores anywhere (`loose`) or only between
/// two digits.
fn is_digits(s: &str, radix: u32, strict: bool) -> bool {
    let digit = |b: u8| char::from(b).is_digit(radix);
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && (0..bytes.len()).all(|i| {
            digit(bytes[i])
                || bytes[i] == b'_'
                    && (!strict
                        || i > 0
                            && digit(bytes[i - 1])
                            && bytes.get(i + 1).is_some_and(|&b| digit(b)))
        })
}

/// YAML 1.1 base-60 integers (`1:20`, not starting with 0) and floats (`0:20.5`).
fn is_base_60(s: &str) -> bool {
    let unsigned = strip_sign(s);
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };
    let Some((first, rest)) = integer.split_once(':') else {
        return false;
    };
    let Some(&lead) = first.as_bytes().first() else {
        return false;
    };
    if !lead.is_ascii_digit()
        || fraction.is_none() && lead == b'0'
        || !first.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    // Each further part is 0 to 59, in one or two digits.
    let sexagesimal = |part: &str| match part.as_bytes() {
        [units] => units.is_ascii_digit(),
        [tens, units] => (b'0'..=b'5').contains(tens) && units.is_ascii_digit(),
        _ => false,
    };
    rest.split(':').all(sexagesimal)
        && fraction.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit() || b == b'_'))
}

/// YAML 1.1 dates and timestamps as Go's readers take them (one-digit month, day, hour,
/// minute and second too), without checking the calendar.
fn is_timestamp(s: &str) -> bool {
    let mut rest = s.as_bytes();
    // Takes `min..=max` digits off the front.
    let digits = |rest: &mut &[u8], min: usize, max: usize| {
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let ok = (min..=max).contains(&n);
        if ok {
            *rest = &rest[n..];
        }
        ok
    };
    // Takes `c` off the front.
    let byte = |rest: &mut &[u8], c: u8| {
        let ok = rest.first() == Some(&c);
        if ok {
            *rest = &rest[1..];
        }
        ok
    };
    let blanks = |rest: &mut &[u8]| {
        let n = rest
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        *rest = &rest[n..];
        n
    };
    if !(digits(&mut rest, 4, 4)
        && byte(&mut rest, b'-')
        && digits(&mut rest, 1, 2)
        && byte(&mut rest, b'-')
        && digits(&mut rest, 1, 2))
    {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    if !(byte(&mut rest, b'T') || byte(&mut rest, b't') || blanks(&mut rest) > 0) {
        return false;
    }
    if !(digits(&mut rest, 1, 2)
        && byte(&mut rest, b':')
        && digits(&mut rest, 1, 2)
        && byte(&mut rest, b':')
        && digits(&mut rest, 1, 2))
    {
        return false;
    }
    if byte(&mut rest, b'.') || byte(&mut rest, b',') {
        digits(&mut rest, 0, usize::MAX);
    }
    blanks(&mut rest);
    if rest.is_empty() || rest == b"Z" {
        return true;
    }
    if !((byte(&mut rest, b'+') || byte(&mut rest, b'-')) && digits(&mut rest, 1, 2)) {
        return false;
    }
    if byte(&mut rest, b':') && !digits(&mut rest, 2, 2) {
        return false;
    }
    rest.is_empty()
}

/// Writes the inside of a double-quoted scalar: `\` and `"` escaped, control and invisible
/// characters as YAML escapes (named ones where YAML has them, `\xXX` up to U+00FF, `\uXXXX`
/// above), everything else as it is.
pub(super) fn push_escaped(out: &mut String, s: &str) {
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let escape: &str = match c {
            '\\' => "\\\\",
            '"' => "\\\"",
            '\0' => "\\0",
            '\u{7}' => "\\a",
            '\u{8}' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\u{b}' => "\\v",
            '\u{c}' => "\\f",
            '\r' => "\\r",
            '\u{1b}' => "\\e",
            '\u{85}' => "\\N",
            '\u{2028}' => "\\L",
            '\u{2029}' => "\\P",
            c if must_escape(c) => "",
            _ => continue,
        };
        out.push_str(&s[plain_from..i]);
        plain_from = i + c.len_utf8();
        if escape.is_empty() {
            push_hex_escape(out, c);
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[plain_from..]);
}

/// `\xXX` for U+0000 to U+00FF, `\uXXXX` above (upper-case digits).
fn push_hex_escape(out: &mut String, c: char) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let code = u32::from(c);
    let (prefix, width) = if code <= 0xFF { ("\\x", 2) } else { ("\\u", 4) };
    out.push_str(prefix);
    for shift in (0..width).rev() {
        out.push(char::from(HEX[((code >> (4 * shift)) & 0xF) as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_that_readers_resolve_are_quoted_in_any_casing() {
        for w in [
            "yes", "No", "ON", "oFf", "y", "N", "true", "False", "NULL", "nan", "Inf",
        ] {
            assert_eq!(value_style(w), Style::DoubleQuoted, "{w}");
            assert!(!key_is_plain(w), "{w}");
        }
        for w in ["yess", "nil", "none", "onoff", "enabled"] {
            assert_eq!(value_style(w), Style::Plain, "{w}");
            assert!(key_is_plain(w), "{w}");
        }
        for w in ["~", "", "<<", "=", "-inf", "+INF", ".NaN"] {
            assert_eq!(value_style(w), Style::DoubleQuoted, "{w:?}");
            assert!(!key_is_plain(w), "{w:?}");
        }
    }

    #[test]
    fn numbers_of_every_notation_are_quoted() {
        for n in [
            "0", "12", "+1", "-19", "012", "0o17", "0O17", "0x1F", "-0xff", "0b101", "1_000",
            "1.5", "-.5", ".5", "5.", "1e3", "1E+3", "12.34e-5", "1:20", "-1:20:30", "0:20.5",
            ".inf", "-.Inf", ".nan", "1.2.3", "0b_", "_1", "0b-1",
        ] {
            assert_eq!(value_style(n), Style::DoubleQuoted, "{n}");
            assert!(!key_is_plain(n), "{n}");
        }
        for s in [
            "1.2.3a", "0:20", "1:60", "v1", "1e", "0x", "4222/tcp", "1-2",
        ] {
            assert_eq!(value_style(s), Style::Plain, "{s}");
        }
    }

    #[test]
    fn dates_and_timestamps_are_quoted() {
        for d in [
            "2025-01-01",
            "2025-1-1",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 -5",
            "2001-12-15T02:59:43.1Z",
            "2001-12-15 2:59:43",
        ] {
            assert_eq!(value_style(d), Style::DoubleQuoted, "{d}");
            assert!(!key_is_plain(d), "{d}");
        }
        for s in ["2025-01-01x", "2025-01", "20250-01-01"] {
            assert_eq!(value_style(s), Style::Plain, "{s}");
        }
    }

    #[test]
    fn indicators_spaces_and_comments_are_quoted() {
        for s in [
            " a", "a ", "\ta", "- a", "-", "?", "? a", "a: b", "a:", "a #b", "#a", "&a", "*a",
            "!a", "|a", ">a", "'a", "\"a", "%a", "@a", "`a", "{a", "[a", ",a", "]a", "}a", ":a",
            "---", "... x",
        ] {
            assert_ne!(value_style(s), Style::Plain, "{s:?}");
            assert!(!key_is_plain(s), "{s:?}");
        }
        for s in [
            "a#b",
            "a,b",
            "a[0]",
            "-a",
            "?a",
            "a:b",
            "---a",
            "http://x:80/p?q=1#f",
        ] {
            assert_eq!(value_style(s), Style::Plain, "{s:?}");
        }
        // Keys take no `:` and no flow indicator at all.
        for s in ["a:b", "a,b", "a[0]", "a{b}"] {
            assert!(!key_is_plain(s), "{s:?}");
        }
        assert!(key_is_plain("app.kubernetes.io/name"));
    }

    #[test]
    fn single_punctuation_is_single_quoted() {
        for s in [".", "#", "-"] {
            assert_eq!(value_style(s), Style::SingleQuoted);
        }
    }

    #[test]
    fn multi_line_text_is_a_literal_block_unless_a_character_cannot_stand_in_one() {
        assert_eq!(value_style("a\nb"), Style::Literal);
        assert_eq!(value_style("\n"), Style::Literal);
        assert_eq!(value_style("a\tb\n"), Style::Literal);
        for s in [
            "a\r\nb",
            "a\nb\u{85}",
            "a\n\u{2028}",
            "\u{FEFF}\n",
            "a\n\u{7f}",
            "a\n\u{1}",
        ] {
            assert_eq!(value_style(s), Style::DoubleQuoted, "{s:?}");
        }
    }

    #[test]
    fn escapes() {
        let mut out = String::new();
        push_escaped(
            &mut out,
            "a\\\"\0\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1b}\u{85}\u{2028}\u{2029}\u{1}\u{7f}\u{9f}\u{feff}\u{fffe}é",
        );
        assert_eq!(
            out,
            "a\\\\\\\"\\0\\a\\b\\t\\n\\v\\f\\r\\e\\N\\L\\P\\x01\\x7F\\x9F\\uFEFF\\uFFFEé"
        );
        for c in ['\t', '\u{1}', '\u{85}', '\u{feff}', '\u{2028}', '\u{ffff}'] {
            assert_eq!(value_style(&format!("a{c}b")), Style::DoubleQuoted, "{c:?}");
        }
    }
}
