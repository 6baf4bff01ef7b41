//! The stream defaults a JetStream bus hands to its clients, merged as the controller merges them:
//! the user's YAML deep-merged over the controller defaults, every key lower-cased, keys sorted,
//! comments dropped.

use serde_json::{Map, Value};

/// The controller's default `settings` text for the `jetstream { }` block (ends with a newline).
pub const DEFAULT_SETTINGS: &str = "# https://docs.nats.io/running-a-nats-service/configuration#jetstream
# Only configure \"max_memory_store\" or \"max_file_store\", do not set \"store_dir\" as it has been hardcoded.
# e.g. 1G. -1 means no limit, up to 75% of available memory
max_memory_store: -1
# e.g. 20G. -1 means no limit, Up to 1TB if available
max_file_store: 1TB
";

/// The controller's default stream settings, keys already lower-cased.
fn defaults() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("maxmsgs".to_owned(), Value::from(50_000));
    m.insert("maxage".to_owned(), Value::from("168h"));
    m.insert("maxbytes".to_owned(), Value::from(-1));
    m.insert("replicas".to_owned(), Value::from(3));
    m.insert("duplicates".to_owned(), Value::from("300s"));
    m.insert("retention".to_owned(), Value::from(0));
    m.insert("discard".to_owned(), Value::from(0));
    m
}

/// Lower-cases every key, at every depth.
fn lowercase(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k.to_lowercase(), lowercase(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(lowercase).collect()),
        other => other,
    }
}

/// Merges `over` into `base`: maps merge key by key, anything else replaces.
fn merge(base: &mut Map<String, Value>, over: Map<String, Value>) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Rebuilds every map with its keys in sorted order.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Reads stream settings: a YAML mapping (or nothing), keys lower-cased. The message never
/// quotes the text.
///
/// The controller reads this text with viper, whose YAML decoder follows YAML 1.2 rules for
/// booleans (only `true`/`false`), so `discard: yes` stays the string `yes`; the clients read it
/// the same way. Hence [`Schema::Kyaml`](crate::yaml::Schema::Kyaml), not kubectl's YAML 1.1.
pub(crate) fn read(text: &str) -> Result<Map<String, Value>, String> {
    let docs = crate::yaml::load_documents_with(text, crate::yaml::Schema::Kyaml)
        .map_err(|e| format!("is not valid YAML: {}", e.message()))?;
    if docs.len() > 1 {
        return Err("must be one YAML mapping, found several documents".to_owned());
    }
    match docs.into_iter().next().map(|d| lowercase(d.value)) {
        None => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(
            "must be a YAML mapping of stream settings (for example \"maxAge: 24h\")".to_owned(),
        ),
    }
}

/// A merged stream configuration.
pub(crate) struct Merged {
    /// As YAML, with a final newline.
    pub yaml: String,
    /// As a map, keys lower-cased and sorted.
    pub map: Map<String, Value>,
    /// The keys the user's text set (lower-cased).
    user_keys: Vec<String>,
    /// Whether a base replaced the controller's defaults.
    custom_base: bool,
}

impl Merged {
    /// Whether the value of `key` comes from the base given in place of the controller's
    /// defaults (the `jetstreamDefaults.streamConfig` option), not from the user's text.
    pub(crate) fn set_by_base(&self, key: &str) -> bool {
        self.custom_base && !self.user_keys.contains(&key.to_lowercase())
    }
}

/// Which text of a merge does not read.
#[derive(Debug)]
pub(crate) enum MergeError {
    /// The base: its own check reports it (the options are checked once, not per bus).
    Base,
    /// The user's text; the message.
    User(String),
}

/// The merged stream configuration.
///
/// `base` replaces the controller's defaults when given (as a changed controller config does);
/// `user` is `spec.jetstream.streamConfig`, merged over it. An empty or comment-only text keeps
/// what is below it. Fails, naming which text, when a text is not YAML or not a mapping.
pub(crate) fn merged(base: Option<&str>, user: Option<&str>) -> Result<Merged, MergeError> {
    let mut merged = match base {
        Some(text) => read(text).map_err(|_| MergeError::Base)?,
        None => defaults(),
    };
    let mut user_keys = Vec::new();
    if let Some(text) = user {
        let over = read(text).map_err(MergeError::User)?;
        user_keys = over.keys().cloned().collect();
        merge(&mut merged, over);
    }
    let Value::Object(map) = sorted(Value::Object(merged)) else {
        unreachable!("a map stays a map")
    };
    let yaml =
        crate::output::to_yaml(&map).map_err(|e| MergeError::User(e.message().to_owned()))?;
    Ok(Merged {
        yaml,
        map,
        user_keys,
        custom_base: base.is_some(),
    })
}

/// A problem with one stream setting, found after the merge.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The setting as the documentation spells it (`maxAge`), or the key as read.
    pub key: String,
    /// What is wrong and what is allowed; never more than a cut, quoted value.
    pub message: String,
    /// Clients ignore the key; the bus still works.
    pub warning: bool,
}

/// The settings clients read (viper, case-insensitively), as the documentation spells them.
const READ_BY_CLIENTS: [&str; 7] = [
    "maxMsgs",
    "maxAge",
    "maxBytes",
    "replicas",
    "duplicates",
    "retention",
    "discard",
];

/// The shortest non-zero `maxAge` and `duplicates` a NATS server accepts (100ms).
const SHORTEST_WINDOW_NANOS: i128 = 100_000_000;

/// Checks the merged stream settings against what the clients read and what NATS accepts when
/// the first client creates the stream.
///
/// The clients read each value leniently (a value they cannot read becomes 0, which NATS takes as
/// "no limit"; a bare number of a duration is nanoseconds), so the bus would deploy and the first
/// EventSource or Sensor would create a stream unlike the one asked for, or fail to create it.
/// Here such a value is an error that says what is allowed; keys the clients never read are
/// warnings.
pub(crate) fn check(merged: &Map<String, Value>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut fail = |key: &str, message: String| {
        problems.push(Problem {
            key: key.to_owned(),
            message,
            warning: false,
        });
    };
    let mut windows = [None, None];
    for key in READ_BY_CLIENTS {
        let Some(value) = merged.get(&key.to_lowercase()) else {
            continue;
        };
        let result = match key {
            "maxMsgs" => whole(
                value,
                -1,
                i64::MAX as i128,
                "-1 (no limit) or a whole number of messages",
            ),
            "maxBytes" => whole(
                value,
                -1,
                i64::MAX as i128,
                "-1 (no limit) or a whole number of bytes (1073741824 is 1Gi)",
            ),
            "replicas" => whole(
                value,
                0,
                5,
                "1 to 5 (NATS keeps at most 5 copies of a stream)",
            ),
            "retention" => whole(value, 0, 2, "0 (Limits), 1 (Interest) or 2 (WorkQueue)"),
            "discard" => whole(value, 0, 1, "0 (DiscardOld) or 1 (DiscardNew)"),
            _ => window(value).inspect(|n| {
                windows[usize::from(key == "duplicates")] = Some(*n);
            }),
        };
        if let Err(m) = result {
            fail(key, m);
        }
    }
    if let [Some(age), Some(duplicates)] = windows
        && age > 0
        && duplicates > age
    {
        fail(
            "duplicates",
            "is longer than maxAge; NATS refuses a duplicates window longer than the stream keeps messages".to_owned(),
        );
    }
    let mut unknown: Vec<&String> = merged
        .keys()
        .filter(|k| !READ_BY_CLIENTS.iter().any(|r| r.eq_ignore_ascii_case(k)))
        .collect();
    unknown.sort();
    for key in unknown {
        problems.push(Problem {
            key: crate::error::cut(key).into_owned(),
            message: format!(
                "is not read by Argo Events clients, which read only {}; it is passed on as written",
                READ_BY_CLIENTS.join(", ")
            ),
            warning: true,
        });
    }
    problems
}

/// A whole number from `min` to `max`: a YAML integer, or a string of one.
fn whole(value: &Value, min: i128, max: i128, allowed: &str) -> Result<i128, String> {
    // Past `i128` (or a float too large to be a count) is out of range like any other.
    let (n, shown) = match value {
        Value::Number(n) => {
            let exact = n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
            match (exact, n.as_f64()) {
                (Some(i), _) => (i, n.to_string()),
                (None, Some(f)) if f.is_finite() && f.fract() != 0.0 => {
                    return Err(format!("{n} is not a whole number; use {allowed}"));
                }
                (None, Some(f)) if f.abs() < 1e30 => (f as i128, n.to_string()),
                _ => (i128::MAX, n.to_string()),
            }
        }
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "{} is not a whole number (clients would read it as 0); use {allowed}",
                    crate::error::quote(s)
                ));
            }
            (
                t.parse::<i128>().unwrap_or(i128::MAX),
                crate::error::quote(s),
            )
        }
        other => return Err(not_a_value(other, allowed)),
    };
    if n < min || n > max {
        let most = if max == i128::from(i64::MAX) {
            format!(", at most {max}")
        } else {
            String::new()
        };
        return Err(format!("{shown} is out of range; use {allowed}{most}"));
    }
    Ok(n)
}

/// A `maxAge` or `duplicates`: a Go duration string, or 0 (no limit; for `duplicates`, NATS
/// picks two minutes or `maxAge`, whichever is shorter). Nanoseconds on success.
fn window(value: &Value) -> Result<i128, String> {
    const ALLOWED: &str =
        "a Go duration such as 24h or 90m (at least 100ms), or 0 for the server's default";
    let nanos = match value {
        Value::Number(n) if n.as_i64() == Some(0) => return Ok(0),
        Value::Number(n) => {
            return Err(format!(
                "{n} has no unit, so clients read it as nanoseconds; use {ALLOWED}"
            ));
        }
        Value::String(s) => crate::values::go_duration_nanos(s)?,
        other => return Err(not_a_value(other, ALLOWED)),
    };
    if nanos < 0 {
        return Err(format!(
            "must not be negative (NATS refuses it); use {ALLOWED}"
        ));
    }
    if nanos > 0 && nanos < SHORTEST_WINDOW_NANOS {
        return Err(format!("is shorter than NATS accepts; use {ALLOWED}"));
    }
    Ok(nanos)
}

/// The message for a value that is not a number or a string.
fn not_a_value(value: &Value, allowed: &str) -> String {
    let what = match value {
        Value::Null => {
            "has no value (clients would read 0); remove the key to keep the default, or"
        }
        Value::Bool(_) => "is a boolean;",
        Value::Array(_) => "is a list;",
        Value::Object(_) => "is a mapping;",
        _ => "is not readable;",
    };
    format!("{what} use {allowed}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_render_as_upstream() {
        let yaml = merged(None, None).unwrap().yaml;
        assert_eq!(
            yaml,
            "discard: 0\nduplicates: 300s\nmaxage: 168h\nmaxbytes: -1\nmaxmsgs: 50000\nreplicas: 3\nretention: 0\n"
        );
        assert_eq!(merged(None, Some("")).unwrap().yaml, yaml);
        assert_eq!(merged(None, Some("# nothing\n")).unwrap().yaml, yaml);
    }

    #[test]
    fn a_base_replaces_the_controller_defaults() {
        let yaml = merged(Some("maxAge: 72h\nReplicas: 1\n"), Some("maxMsgs: 10"))
            .unwrap()
            .yaml;
        assert_eq!(yaml, "maxage: 72h\nmaxmsgs: 10\nreplicas: 1\n");
        assert!(merged(Some("- x"), None).is_err());
    }

    #[test]
    fn user_keys_merge_case_insensitively() {
        let Merged { yaml, map, .. } = merged(None, Some("maxAge: 24h\nReplicas: 1\n")).unwrap();
        assert_eq!(
            yaml,
            "discard: 0\nduplicates: 300s\nmaxage: 24h\nmaxbytes: -1\nmaxmsgs: 50000\nreplicas: 1\nretention: 0\n"
        );
        assert_eq!(map["replicas"], Value::from(1));
        let yaml = merged(None, Some("extra:\n  B: 1\n  a: x\n")).unwrap().yaml;
        assert!(yaml.starts_with("discard: 0\nduplicates: 300s\nextra:\n  a: x\n  b: 1\n"));
    }

    #[test]
    fn read_as_yaml_1_2_like_the_controller() {
        let Merged { yaml, map, .. } = merged(None, Some("discard: yes\nretention: on\n")).unwrap();
        assert_eq!(map["discard"], Value::from("yes"));
        assert_eq!(map["retention"], Value::from("on"));
        assert!(yaml.contains("discard: \"yes\"\n"), "{yaml}");
        let map = merged(None, Some("extra: true\n")).unwrap().map;
        assert_eq!(map["extra"], Value::Bool(true));
    }

    fn problems(user: &str) -> Vec<(String, bool)> {
        let map = merged(None, Some(user)).unwrap().map;
        check(&map)
            .into_iter()
            .map(|p| (format!("{}: {}", p.key, p.message), p.warning))
            .collect()
    }

    #[test]
    fn the_defaults_and_usual_settings_pass() {
        assert_eq!(problems(""), vec![]);
        for ok in [
            "maxAge: 24h\nreplicas: 1\n",
            "maxBytes: 1073741824\nmaxMsgs: \"100\"\n",
            "retention: 2\ndiscard: 1\n",
            "maxAge: 0\nduplicates: 0\n",
            "maxAge: 1h\nduplicates: 1h\n",
            "maxAge: 2562047h47m16.854775807s\n",
        ] {
            assert_eq!(problems(ok), vec![], "{ok}");
        }
    }

    #[test]
    fn values_past_what_nats_accepts_are_errors_naming_the_limit() {
        for (user, needle) in [
            ("maxAge: 3000000h", "2562047h47m16.854775807s"),
            ("maxAge: -1s", "must not be negative"),
            ("maxAge: 50ms", "shorter than NATS accepts"),
            ("maxAge: 3600", "nanoseconds"),
            ("duplicates: -1s", "must not be negative"),
            ("maxAge: 1m\nduplicates: 2m", "longer than maxAge"),
            ("replicas: 1e99", "out of range"),
            ("replicas: 6", "out of range; use 1 to 5"),
            ("replicas: -1", "out of range"),
            (
                "maxBytes: 99999999999999999999999",
                "at most 9223372036854775807",
            ),
            (
                "maxBytes: \"99999999999999999999999\"",
                "at most 9223372036854775807",
            ),
            ("maxBytes: 1GB", "not a whole number"),
            ("maxBytes: -2", "out of range"),
            ("maxMsgs: 1.5", "not a whole number"),
            ("maxMsgs: ~", "has no value"),
            ("discard: yes", "0 (DiscardOld) or 1 (DiscardNew)"),
            ("discard: true", "is a boolean"),
            ("retention: 3", "0 (Limits), 1 (Interest) or 2 (WorkQueue)"),
            ("maxAge: [1h]", "is a list"),
        ] {
            let found = problems(user);
            assert_eq!(found.len(), 1, "{user}: {found:?}");
            assert!(!found[0].1, "{user}: an error");
            assert!(found[0].0.contains(needle), "{user}: {found:?}");
        }
    }

    #[test]
    fn keys_clients_do_not_read_are_warnings() {
        let found = problems("maxAges: 1h\nstorage: memory\n");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found
                .iter()
                .all(|(m, w)| *w && m.contains("not read by Argo Events clients"))
        );
        assert!(found[0].0.starts_with("maxages: "), "{found:?}");
    }

    #[test]
    fn non_mappings_fail() {
        assert!(merged(None, Some("- a\n- b\n")).is_err());
        assert!(merged(None, Some("just text")).is_err());
        assert!(merged(None, Some("a: [\n")).is_err());
    }
}
