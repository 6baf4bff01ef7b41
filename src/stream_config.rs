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

/// The merged stream configuration as YAML (with a final newline), and the merged map.
///
/// `base` replaces the controller's defaults when given (as a changed controller config does);
/// `user` is `spec.jetstream.streamConfig`, merged over it. An empty or comment-only text keeps
/// what is below it. Fails with a message when a text is not YAML or not a mapping.
pub(crate) fn merged(
    base: Option<&str>,
    user: Option<&str>,
) -> Result<(String, Map<String, Value>), String> {
    let mut merged = match base {
        Some(text) => read(text)?,
        None => defaults(),
    };
    if let Some(text) = user {
        merge(&mut merged, read(text)?);
    }
    let Value::Object(merged) = sorted(Value::Object(merged)) else {
        unreachable!("a map stays a map")
    };
    let yaml = crate::output::to_yaml(&merged).map_err(|e| e.message().to_owned())?;
    Ok((yaml, merged))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_render_as_upstream() {
        let (yaml, _) = merged(None, None).unwrap();
        assert_eq!(
            yaml,
            "discard: 0\nduplicates: 300s\nmaxage: 168h\nmaxbytes: -1\nmaxmsgs: 50000\nreplicas: 3\nretention: 0\n"
        );
        assert_eq!(merged(None, Some("")).unwrap().0, yaml);
        assert_eq!(merged(None, Some("# nothing\n")).unwrap().0, yaml);
    }

    #[test]
    fn a_base_replaces_the_controller_defaults() {
        let (yaml, _) = merged(Some("maxAge: 72h\nReplicas: 1\n"), Some("maxMsgs: 10")).unwrap();
        assert_eq!(yaml, "maxage: 72h\nmaxmsgs: 10\nreplicas: 1\n");
        assert!(merged(Some("- x"), None).is_err());
    }

    #[test]
    fn user_keys_merge_case_insensitively() {
        let (yaml, map) = merged(None, Some("maxAge: 24h\nReplicas: 1\n")).unwrap();
        assert_eq!(
            yaml,
            "discard: 0\nduplicates: 300s\nmaxage: 24h\nmaxbytes: -1\nmaxmsgs: 50000\nreplicas: 1\nretention: 0\n"
        );
        assert_eq!(map["replicas"], Value::from(1));
        let (yaml, _) = merged(None, Some("extra:\n  B: 1\n  a: x\n")).unwrap();
        assert!(yaml.starts_with("discard: 0\nduplicates: 300s\nextra:\n  a: x\n  b: 1\n"));
    }

    #[test]
    fn read_as_yaml_1_2_like_the_controller() {
        let (yaml, map) = merged(None, Some("discard: yes\nretention: on\n")).unwrap();
        assert_eq!(map["discard"], Value::from("yes"));
        assert_eq!(map["retention"], Value::from("on"));
        assert!(yaml.contains("discard: \"yes\"\n"), "{yaml}");
        let (_, map) = merged(None, Some("extra: true\n")).unwrap();
        assert_eq!(map["extra"], Value::Bool(true));
    }

    #[test]
    fn non_mappings_fail() {
        assert!(merged(None, Some("- a\n- b\n")).is_err());
        assert!(merged(None, Some("just text")).is_err());
        assert!(merged(None, Some("a: [\n")).is_err());
    }
}
