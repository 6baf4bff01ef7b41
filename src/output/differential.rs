//! The writer against the emitter it replaced: for random value trees full of strings that
//! YAML readers could take for something else, both must write the same bytes, and the
//! project's own YAML reader must read the output back to the same value.

use proptest::prelude::*;
use serde_json::{Map, Value};

/// The previous emitter, with the options the project used.
fn saphyr(value: &Value) -> String {
    let mut out = String::new();
    let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX };
    serde_saphyr::to_fmt_writer_with_options(&mut out, value, options).unwrap();
    if out.is_empty() || !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn ours(value: &Value) -> String {
    let mut out = String::new();
    super::write_document(&mut out, value).unwrap();
    out
}

/// Strings a YAML 1.1 or 1.2 reader resolves, or that need quoting or a block, or escaping.
const TRICKY: &[&str] = &[
    "",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\n\n\n",
    "\r",
    "\r\n",
    "yes",
    "Yes",
    "YES",
    "yEs",
    "no",
    "No",
    "NO",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "y",
    "Y",
    "n",
    "N",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "False",
    "FALSE",
    "null",
    "Null",
    "NULL",
    "nULL",
    "~",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "+inf",
    ".inf",
    "-.inf",
    "+.INF",
    ".nan",
    ".NaN",
    "0",
    "-0",
    "+1",
    "-1",
    "012",
    "0o17",
    "0O7",
    "0x1F",
    "0xff",
    "-0x1",
    "0b101",
    "0B1",
    "0b",
    "0x",
    "0o",
    "0b_",
    "0b-1",
    "0o+7",
    "1_000",
    "_1",
    "1_",
    "1__0",
    "1:20",
    "1:20:30",
    "-1:20",
    "0:20",
    "0:20.5",
    "1:60",
    "190:20:30.15",
    "1.5",
    "-.5",
    ".5",
    "5.",
    "1.2.3",
    "1e3",
    "1E3",
    "1e+3",
    "-1.5e-3",
    "6.02e23",
    "1e",
    "e3",
    ".",
    "..",
    "...",
    "... a",
    "---",
    "--- a",
    "---a",
    "-",
    "- ",
    "- a",
    "-a",
    "?",
    "? ",
    "? a",
    "?a",
    ":",
    ": ",
    "a:",
    "a: b",
    "a:b",
    "a :b",
    "a #b",
    "a#b",
    "#",
    "#a",
    "# a",
    "a ",
    " a",
    "a\t",
    "\ta",
    "a\nb",
    "a\n",
    "a\n\n",
    "\na",
    "  a\nb",
    "\n  a",
    "a\n  ",
    "a\n\n\nb\n\n",
    "'",
    "''",
    "'a'",
    "\"",
    "\"a\"",
    "\\",
    "a\\b",
    "%",
    "%a",
    "@",
    "@a",
    "`",
    "`a",
    "!",
    "!a",
    "!!str",
    "&",
    "&a",
    "*",
    "*a",
    "|",
    "|a",
    ">",
    ">a",
    "{",
    "{}",
    "{a",
    "[",
    "[]",
    "[a",
    "]",
    "}",
    ",",
    ",a",
    "a,b",
    "a[0]",
    "<<",
    "=",
    "2025-01-01",
    "2025-1-1",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2001-12-15T02:59:43.1Z",
    "2001-12-15 2:59:43",
    "2025-01-01x",
    "\0",
    "\u{1}",
    "\u{7}",
    "\u{8}",
    "\u{b}",
    "\u{c}",
    "\u{1b}",
    "\u{7f}",
    "\u{85}",
    "\u{9f}",
    "\u{a0}",
    "\u{feff}",
    "\u{feff}a",
    "a\u{2028}b",
    "a\u{2029}b",
    "\u{fffe}",
    "\u{ffff}",
    "é",
    "日本",
    "🦀",
    "a\u{85}\nb",
    "a\u{2028}\nb",
    "a\r\nb",
    "a\tb\nc",
    "nats://x:4222",
    "app.kubernetes.io/name",
    "http://a/b?c=d#e",
    "a  b",
    "a\u{3000}#b",
];

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(TRICKY).prop_map(str::to_owned),
        2 => "[a-z0-9._/-]{0,12}",
        1 => "[ -~]{0,16}",
        1 => any::<String>().prop_map(|s| s.chars().take(12).collect()),
        1 => "[ \n\t#:,\\-?'\"a0]{0,10}",
    ]
}

/// A tricky string, or several glued together, now and then a very long one.
fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => fragment(),
        3 => prop::collection::vec(fragment(), 2..4).prop_map(|v| v.concat()),
        1 => (fragment(), 1000usize..1100).prop_map(|(s, n)| {
            let unit = if s.is_empty() { "x".to_owned() } else { s };
            unit.repeat(n / unit.len().max(1) + 1)
        }),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        1 => prop_oneof![Just(0.5), Just(1e300), Just(-2.5e-8), Just(1.0), Just(100.0)]
            .prop_map(Value::from),
        8 => string().prop_map(Value::String),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((string(), inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn writes_what_serde_saphyr_writes(value in tree()) {
        // The one place the writer differs on purpose (see below).
        prop_assume!(!has_tab_led_text(&value));
        prop_assert_eq!(ours(&value), saphyr(&value));
    }

    #[test]
    fn mappings_and_sequences_of_tricky_strings_read_back_the_same(value in tree()) {
        // A document of a mapping at the root, as every object the project writes.
        let doc = Value::Object([("root".to_owned(), value)].into_iter().collect());
        let text = ours(&doc);
        let back = crate::yaml::load_documents(&text)
            .unwrap_or_else(|e| panic!("cannot read back {text:?}: {e}"));
        prop_assert_eq!(back.len(), 1);
        prop_assert_eq!(&back[0].value, &doc, "{}", text);
    }

    #[test]
    fn one_string_in_every_place_is_written_as_serde_saphyr_writes_it(s in string()) {
        prop_assume!(!tab_led_text(&s));
        let v = Value::String(s.clone());
        let places = [
            v.clone(),
            Value::Array(vec![v.clone(), v.clone()]),
            Value::Array(vec![Value::Array(vec![v.clone()])]),
            serde_json::json!({ "k": v, "l": [v, {"m": v}], "n": {"o": [[v]]} }),
            Value::Object([(s.clone(), v.clone())].into_iter().collect()),
            serde_json::json!([{ s.clone(): [v] }]),
        ];
        for doc in &places {
            prop_assert_eq!(ours(doc), saphyr(doc));
        }
    }
}

#[test]
fn every_tricky_string_as_key_and_value_in_every_place() {
    for s in TRICKY {
        let v = Value::String((*s).to_owned());
        let docs = [
            v.clone(),
            serde_json::json!({ "k": v, "e": {}, "a": [], "l": [v, [v, []], {}, {"x": v}] }),
            serde_json::json!({ *s: v, "n": { *s: [v] } }),
            serde_json::json!([{ *s: v, "k": v }, [{ *s: {} }]]),
        ];
        for doc in &docs {
            assert_eq!(ours(doc), saphyr(doc), "{s:?}");
        }
    }
}

#[test]
fn empty_collections_at_every_depth() {
    let docs = [
        serde_json::json!({}),
        serde_json::json!([]),
        serde_json::json!({"a": {}, "b": [], "c": [{}, [], [[]], {"d": {}}], "e": {"f": {"g": []}}}),
        serde_json::json!([[], {}, [{}], [[[]]]]),
    ];
    for doc in &docs {
        assert_eq!(ours(doc), saphyr(doc), "{doc}");
    }
}

#[test]
fn keys_past_1024_characters_take_the_explicit_form() {
    let long = "k".repeat(1025);
    let doc = serde_json::json!({
        "a": { long.clone(): "v", "b": 1 },
        long.clone(): { "x": [1, {}], "y": "m\nn" },
        "l": [{ long.clone(): [] }, { long.clone(): {} }],
    });
    let text = ours(&doc);
    assert!(text.contains(&format!("? {long}\n")), "{text}");
    assert_eq!(text, saphyr(&doc));
}

/// Whether `s` has several lines, the first that is not empty starting with a tab: the writer
/// gives such a literal block an indentation indicator where serde-saphyr gives none.
fn tab_led_text(s: &str) -> bool {
    s.contains('\n')
        && s.split('\n')
            .find(|l| !l.is_empty())
            .is_some_and(|l| l.starts_with('\t'))
}

fn has_tab_led_text(value: &Value) -> bool {
    match value {
        Value::String(s) => tab_led_text(s),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| tab_led_text(k) || has_tab_led_text(v)),
        Value::Array(a) => a.iter().any(has_tab_led_text),
        _ => false,
    }
}

#[test]
fn a_literal_block_led_by_a_tab_says_how_deep_it_is() {
    // libyaml and the Go readers (kubectl, Argo CD) refuse a tab while they look for a block's
    // indentation; with the indicator there is nothing to look for.
    let doc = serde_json::json!({"data": {"Makefile": "\tgo build\nall: x\n"}, "l": ["\n\tx\ny"]});
    let text = ours(&doc);
    assert_eq!(
        text,
        "data:\n  Makefile: |2\n    \tgo build\n    all: x\nl:\n- |2-\n\n  \tx\n  y\n"
    );
    let back = crate::yaml::load_documents(&text).unwrap();
    assert_eq!(back[0].value, doc);
}
