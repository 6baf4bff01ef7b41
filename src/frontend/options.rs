//! One mapping from option keys to [`RenderOptions`], for every front end.
//!
//! The keys are the camelCase field names of `RenderOptions` (its serde form), dotted for
//! nested fields: `namespace`, `images.nats`, `certificateValidity.notAfter`,
//! `commonLabels.team` (a map key after the dot). Front ends feed a [`Reader`] in the order of
//! precedence, lowest first:
//!
//! - whole mappings ([`Reader::merge`]): an options file, the `spec` of an
//!   `EventBusRenderOptions`, the options annotation of a kustomize generator;
//! - single keys with raw values ([`Reader::set`]): command-line flags and `--set KEY=VALUE`,
//!   the `data` of a KRM `ConfigMap` (and so `kpt fn eval ... -- KEY=VALUE`), Argo CD
//!   parameters.
//!
//! A raw string is read by the type of what the key names: `true`/`false` (and the other YAML
//! 1.1 booleans kubectl reads: `yes`, `no`, `on`, `off`) for switches, the text as is for
//! strings, a YAML mapping (`{team: a}`) for maps and groups, a YAML sequence for lists. An
//! empty string leaves the default. Every error names the key as its source spells it and,
//! where the source is a file, the line.
//!
//! The types are learned from the serialized default of the target type, so an option added to
//! `RenderOptions` is reachable from every front end with no change here.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::RenderOptions;
use crate::error::Location;
use crate::yaml::{self, Document, Schema};

/// A raw value as a front end receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Raw {
    /// A string, read by the type of the key (a flag value, ConfigMap data, a string
    /// parameter).
    Text(String),
    /// A list of strings (an Argo CD array parameter); items that are YAML mappings are read
    /// as mappings.
    List(Vec<String>),
    /// A map of strings (an Argo CD map parameter).
    Map(BTreeMap<String, String>),
}

/// Where a value came from, for messages.
#[derive(Clone, Debug)]
pub struct Origin {
    /// How the source names the value: `--set images.nats`, `data.images.nats`,
    /// `parameter "images"`, a file name, `spec`.
    pub name: String,
    /// For whole mappings: the document they were read from, for line numbers.
    document: Option<Document>,
    /// For whole mappings: the field path of the mapping inside its source (`spec`,
    /// `metadata.annotations.eventbus-gen/options`), prefixed to option paths.
    prefix: String,
}

impl Origin {
    /// A single value named `name` by its source.
    pub fn named(name: impl Into<String>) -> Self {
        Origin {
            name: name.into(),
            document: None,
            prefix: String::new(),
        }
    }

    /// A whole mapping at field path `prefix` of its source (empty for the whole source).
    pub fn mapping(name: impl Into<String>, prefix: impl Into<String>) -> Self {
        Origin {
            name: name.into(),
            document: None,
            prefix: prefix.into(),
        }
    }

    /// A whole mapping read from `document` (positions are looked up in it).
    pub fn document(name: impl Into<String>, document: Document) -> Self {
        Origin {
            name: name.into(),
            document: Some(document),
            prefix: String::new(),
        }
    }
}

/// A problem with an option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    /// The option's key, dotted (`images.nats`; `jetstreamVersions[0].natsImage` inside a
    /// list); empty for the options as a whole.
    pub key: String,
    /// Where the value came from, as the source names it.
    pub origin: Option<String>,
    /// The field path inside that source, for sources that are mappings (`spec.images.nats`);
    /// for single values, the origin's name.
    pub field: String,
    /// The position in the source file, when known.
    pub location: Option<Location>,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.origin, self.field.is_empty()) {
            (Some(origin), _) if *origin == self.field => write!(f, "{origin}: {}", self.message),
            (Some(origin), false) => write!(f, "{origin}: {}: {}", self.field, self.message),
            _ if !self.key.is_empty() => write!(f, "{}: {}", self.key, self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// Builds a `T` (normally [`RenderOptions`](crate::RenderOptions)) from keys and mappings.
pub struct Reader<T> {
    shape: Map<String, Value>,
    value: Map<String, Value>,
    /// The origin of each value set, by dotted key, in the order they were set.
    origins: Vec<(String, Origin)>,
    _target: std::marker::PhantomData<T>,
}

impl<T: Default + Serialize + DeserializeOwned> Default for Reader<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Default + Serialize + DeserializeOwned> Reader<T> {
    /// A reader with nothing set: [`finish`](Self::finish) gives `T::default()`.
    pub fn new() -> Self {
        Reader {
            shape: shape_of::<T>(),
            value: Map::new(),
            origins: Vec::new(),
            _target: std::marker::PhantomData,
        }
    }

    /// True when `key` (dotted) names an option of `T`.
    pub fn knows(&self, key: &str) -> bool {
        resolve(&self.shape, key).is_ok()
    }

    /// The top-level key whose name equals `name` when case and everything but letters and
    /// digits are ignored (`POD_DISRUPTION_BUDGET` is `podDisruptionBudget`), for sources that
    /// cannot keep case, such as environment variable names.
    pub fn loose_key(&self, name: &str) -> Option<&str> {
        let wanted = normalize(name);
        self.shape
            .keys()
            .find(|k| normalize(k) == wanted)
            .map(String::as_str)
    }

    /// Sets the option `key` (dotted) from a raw value; a later value wins.
    pub fn set(&mut self, key: &str, raw: Raw, origin: Origin) -> Result<(), OptionError> {
        let fail = |message: String| OptionError {
            key: key.to_owned(),
            field: origin.name.clone(),
            origin: Some(origin.name.clone()),
            location: None,
            message,
        };
        let (path, shape) = resolve(&self.shape, key).map_err(fail)?;
        match convert(&raw, shape).map_err(fail)? {
            Some(value) => insert(&mut self.value, &path, value),
            None => remove(&mut self.value, &path),
        }
        self.origins.push((path.join("."), origin));
        Ok(())
    }

    /// Merges a whole mapping of options (camelCase keys, nested as in the serde form of `T`)
    /// over what is set; maps and groups merge key by key. Types are checked by
    /// [`finish`](Self::finish).
    pub fn merge(&mut self, value: Value, origin: Origin) -> Result<(), OptionError> {
        let Value::Object(map) = value else {
            if value.is_null() {
                return Ok(());
            }
            return Err(OptionError {
                key: String::new(),
                field: origin.prefix.clone(),
                origin: Some(origin.name.clone()),
                location: origin.document.as_ref().map(|d| d.start),
                message: "expected a mapping of options".to_owned(),
            });
        };
        for (k, v) in map {
            self.origins.push((k.clone(), origin.clone()));
            merge_into(&mut self.value, k, v);
        }
        Ok(())
    }

    /// The options, checked against `T`: an unknown key or a value of the wrong type is an
    /// error naming the key and where it came from.
    pub fn finish(self) -> Result<T, OptionError> {
        let value = Value::Object(self.value);
        serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
            let key = e.path().to_string();
            let key = if key == "." { String::new() } else { key };
            let message = e.inner().to_string();
            let origin = self
                .origins
                .iter()
                .rev()
                .find(|(k, _)| under(&key, k))
                .map(|(_, o)| o);
            let (field, location) = match origin {
                Some(o) if o.document.is_some() || !o.prefix.is_empty() => {
                    let field = join(&o.prefix, &key);
                    let location = o.document.as_ref().and_then(|d| d.locate(&key));
                    (field, location)
                }
                Some(o) => (o.name.clone(), None),
                None => (key.clone(), None),
            };
            OptionError {
                key,
                origin: origin.map(|o| o.name.clone()),
                field,
                location,
                message,
            }
        })
    }
}

/// Every key a front end can set, dotted, sorted: the fields of `T` and of its groups; maps and
/// lists are single keys (a map also takes `KEY.<map key>`).
pub fn keys<T: Default + Serialize>() -> Vec<String> {
    fn walk(prefix: &str, shape: &Map<String, Value>, out: &mut Vec<String>) {
        for (k, v) in shape {
            let key = join(prefix, k);
            match v {
                Value::Object(fields) if !fields.is_empty() => walk(&key, fields, out),
                _ => out.push(key),
            }
        }
    }
    let mut out = Vec::new();
    walk("", &shape_of::<T>(), &mut out);
    out.sort();
    out
}

/// Reads a YAML (or JSON) text of options into a mapping for [`Reader::merge`], keeping its
/// positions; an empty text is an empty mapping.
pub fn load(text: &str, name: &str) -> Result<(Value, Origin), OptionError> {
    let fail = |message: String, location: Option<Location>| OptionError {
        key: String::new(),
        origin: Some(name.to_owned()),
        field: String::new(),
        location,
        message,
    };
    let mut docs = yaml::load_documents_with(text, Schema::Kyaml)
        .map_err(|e| fail(e.to_string(), e.location()))?;
    if docs.len() > 1 {
        return Err(fail(
            format!(
                "expected one YAML document of options, found {}",
                docs.len()
            ),
            docs.get(1).map(|d| d.start),
        ));
    }
    let Some(doc) = docs.pop() else {
        return Ok((Value::Object(Map::new()), Origin::named(name)));
    };
    if !doc.value.is_object() && !doc.value.is_null() {
        return Err(fail(
            "expected a mapping of options (camelCase keys, as in the schema `eventbus-gen schema --options` prints)".to_owned(),
            Some(doc.start),
        ));
    }
    Ok((doc.value.clone(), Origin::document(name, doc)))
}

/// The serialized default of `T`: the keys it has and the type of each.
pub(crate) fn shape_of<T: Default + Serialize>() -> Map<String, Value> {
    match serde_json::to_value(T::default()) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The path of `key` in the serde form, and the shape of what it names.
fn resolve<'s>(
    shape: &'s Map<String, Value>,
    key: &str,
) -> Result<(Vec<String>, &'s Value), String> {
    let mut path = Vec::new();
    let mut fields = shape;
    let mut rest = key;
    loop {
        let (head, tail) = match rest.split_once('.') {
            Some((h, t)) => (h, Some(t)),
            None => (rest, None),
        };
        let Some(node) = fields.get(head) else {
            return Err(unknown(key, &path, fields));
        };
        path.push(head.to_owned());
        match (node, tail) {
            (_, None) => return Ok((path, node)),
            // A group of options: the next segment is one of its fields.
            (Value::Object(inner), Some(t)) if !inner.is_empty() => {
                fields = inner;
                rest = t;
            }
            // A map: the rest is one key of it, dots and all.
            (Value::Object(_), Some(t)) if !t.is_empty() => {
                path.push(t.to_owned());
                return Ok((path, &STRING_SHAPE));
            }
            _ => {
                return Err(format!(
                    "{} takes a value of its own, not {}.<field>",
                    path.join("."),
                    path.join(".")
                ));
            }
        }
    }
}

static STRING_SHAPE: Value = Value::String(String::new());

/// The key of `known` that `name` most likely misspells: the same but for case and
/// punctuation, or at most two edits away.
pub fn closest<'k>(name: &str, known: impl Iterator<Item = &'k str> + Clone) -> Option<&'k str> {
    let wanted = normalize(name);
    known.clone().find(|k| normalize(k) == wanted).or_else(|| {
        known
            .min_by_key(|k| crate::fields::levenshtein(&normalize(k), &wanted))
            .filter(|k| crate::fields::levenshtein(&normalize(k), &wanted) <= 2)
    })
}

fn unknown(key: &str, parent: &[String], fields: &Map<String, Value>) -> String {
    let prefix = parent.join(".");
    let known: Vec<String> = fields.keys().map(|k| join(&prefix, k)).collect();
    let last = key.rsplit('.').next().unwrap_or(key);
    let near = closest(last, fields.keys().map(String::as_str))
        .map(|k| format!(", did you mean {}?", join(&prefix, k)))
        .unwrap_or_default();
    format!(
        "unknown option{near}; the options here are: {}",
        known.join(", ")
    )
}

/// Reads `raw` as what `shape` is; `None` for an empty string (keep the default).
fn convert(raw: &Raw, shape: &Value) -> Result<Option<Value>, String> {
    match raw {
        Raw::Text(s) if s.trim().is_empty() => Ok(None),
        Raw::Text(s) => match shape {
            Value::Bool(_) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Ok(Some(Value::Bool(true))),
                "false" | "no" | "off" => Ok(Some(Value::Bool(false))),
                _ => Err(format!(
                    "expected true or false, found {}",
                    crate::error::quote(s)
                )),
            },
            Value::Object(_) => match yaml_value(s)? {
                Some(v @ Value::Object(_)) => Ok(Some(v)),
                _ => Err("expected a YAML mapping, for example \"{team: platform}\"".to_owned()),
            },
            Value::Array(_) => match yaml_value(s)? {
                Some(v @ Value::Array(_)) => Ok(Some(v)),
                _ => Err("expected a YAML sequence, for example \"[a, b]\"".to_owned()),
            },
            // Strings, and options that are unset by default (all strings).
            _ => Ok(Some(Value::String(s.clone()))),
        },
        Raw::List(items) => match shape {
            Value::Array(_) => Ok(Some(Value::Array(
                items
                    .iter()
                    .map(|i| match yaml_value(i)? {
                        Some(v @ Value::Object(_)) => Ok(v),
                        _ => Ok(Value::String(i.clone())),
                    })
                    .collect::<Result<_, String>>()?,
            ))),
            _ => Err("expected a single value, not a list".to_owned()),
        },
        Raw::Map(map) => match shape {
            Value::Object(_) => Ok(Some(Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            ))),
            _ => Err("expected a single value, not a map".to_owned()),
        },
    }
}

/// A text read as one YAML document, the way kpt and kustomize read YAML (only `true` and
/// `false` are booleans), so that label values such as `yes` stay strings. `None` when it is
/// not exactly one document; an error when a limit of the reader is reached, worded with the
/// position in the text.
fn yaml_value(text: &str) -> Result<Option<Value>, String> {
    let mut docs = match yaml::load_documents_with(text, Schema::Kyaml) {
        Ok(docs) => docs,
        Err(e) if e.message().starts_with("invalid YAML") => return Ok(None),
        Err(e) => {
            return Err(match e.location() {
                Some(l) => format!("{e} (line {}, column {})", l.line, l.column),
                None => e.to_string(),
            });
        }
    };
    Ok(match docs.as_mut_slice() {
        [doc] => Some(std::mem::take(&mut doc.value)),
        _ => None,
    })
}

fn insert(map: &mut Map<String, Value>, path: &[String], value: Value) {
    let (last, parents) = path.split_last().expect("paths are never empty");
    let mut node = map;
    for p in parents {
        let entry = node
            .entry(p.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        node = entry.as_object_mut().expect("made an object above");
    }
    match (node.get_mut(last), value) {
        // A mapping given for a map or group merges with what is set.
        (Some(Value::Object(old)), Value::Object(new)) => old.extend(new),
        (_, value) => {
            node.insert(last.clone(), value);
        }
    }
}

fn remove(map: &mut Map<String, Value>, path: &[String]) {
    let (last, parents) = path.split_last().expect("paths are never empty");
    let mut node = map;
    for p in parents {
        match node.get_mut(p).and_then(Value::as_object_mut) {
            Some(inner) => node = inner,
            None => return,
        }
    }
    node.remove(last);
}

fn merge_into(map: &mut Map<String, Value>, key: String, value: Value) {
    match (map.get_mut(&key), value) {
        (Some(Value::Object(old)), Value::Object(new)) => {
            for (k, v) in new {
                merge_into(old, k, v);
            }
        }
        (_, value) => {
            map.insert(key, value);
        }
    }
}

/// True when the error path `path` (`images.natz`, `jetstreamVersions[0].x`) is `key` or lies
/// under it.
fn under(path: &str, key: &str) -> bool {
    path == key
        || path
            .strip_prefix(key)
            .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
}

fn join(prefix: &str, key: &str) -> String {
    match (prefix.is_empty(), key.is_empty()) {
        (true, _) => key.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}.{key}"),
    }
}

/// Lower-case ASCII letters and digits only: `POD_DISRUPTION_BUDGET` and
/// `podDisruptionBudget` compare equal.
pub(crate) fn normalize(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A sample raw value for every key of [`RenderOptions`], and the value it must set in the
/// serde form: the table every front end's reachability test walks. For tests only.
#[doc(hidden)]
pub fn samples() -> Vec<(String, String, Value)> {
    let defaults = serde_json::to_value(RenderOptions::default()).unwrap();
    keys::<RenderOptions>()
        .into_iter()
        .map(|key| {
            let pointer = format!("/{}", key.replace('.', "/"));
            let default = defaults.pointer(&pointer).cloned().unwrap_or(Value::Null);
            let (text, value) = match (key.as_str(), default) {
                ("jetstreamVersions", _) => (
                    "[{version: 9.9.9, natsImage: n:9, metricsExporterImage: e:9, configReloaderImage: r:9}]".to_owned(),
                    json!([{"version": "9.9.9", "natsImage": "n:9", "metricsExporterImage": "e:9",
                            "configReloaderImage": "r:9", "startCommand": "/nats-server"}]),
                ),
                ("securityProfile", _) => ("restricted".to_owned(), json!("restricted")),
                ("secrets", _) => ("reference".to_owned(), json!("reference")),
                // The only version so far: reachable, and the same as the default.
                ("derivation", _) => ("v1".to_owned(), json!("v1")),
                ("certificateValidity.notBefore", _) => {
                    ("2030-01-01T00:00:00Z".to_owned(), json!("2030-01-01T00:00:00Z"))
                }
                ("certificateValidity.notAfter", _) => {
                    ("2040-01-01T00:00:00Z".to_owned(), json!("2040-01-01T00:00:00Z"))
                }
                (_, Value::Bool(b)) => ((!b).to_string(), Value::Bool(!b)),
                (_, Value::Object(_)) => ("{team: \"yes\"}".to_owned(), json!({"team": "yes"})),
                (k, _) => (format!("value-of-{}", k.replace('.', "-")), json!(format!("value-of-{}", k.replace('.', "-")))),
            };
            (key, text, value)
        })
        .collect()
}

/// The options with `value` set at `key`, built through serde directly. For tests only.
#[doc(hidden)]
pub fn expected(key: &str, value: &Value) -> RenderOptions {
    let mut all = serde_json::to_value(RenderOptions::default()).unwrap();
    let pointer = format!("/{}", key.replace('.', "/"));
    *all.pointer_mut(&pointer).unwrap() = value.clone();
    serde_json::from_value(all).unwrap()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    fn set(pairs: &[(&str, &str)]) -> Result<RenderOptions, OptionError> {
        let mut r = Reader::<RenderOptions>::new();
        for (k, v) in pairs {
            r.set(
                k,
                Raw::Text((*v).to_owned()),
                Origin::named(format!("data.{k}")),
            )?;
        }
        r.finish()
    }

    #[test]
    fn every_key_is_reachable_as_a_string() {
        let samples = samples();
        assert!(samples.len() >= 19, "{samples:?}");
        for (key, text, value) in samples {
            let got = set(&[(&key, &text)]).unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(got, expected(&key, &value), "{key}");
        }
    }

    #[test]
    fn keys_are_dotted_for_groups_and_whole_for_maps_and_lists() {
        let keys = keys::<RenderOptions>();
        for k in [
            "images.nats",
            "certificateValidity.notAfter",
            "jetstreamDefaults.streamConfig",
            "commonLabels",
            "jetstreamVersions",
            "seedFile",
        ] {
            assert!(keys.contains(&k.to_owned()), "{k} in {keys:?}");
        }
        assert!(!keys.contains(&"images".to_owned()));
    }

    #[test]
    fn strings_are_read_by_type() {
        let o = set(&[
            ("namespace", "ev"),
            ("podDisruptionBudget", "no"),
            ("metrics", "False"),
            ("commonLabels", "{team: a, tier: \"1\"}"),
            ("commonLabels.app.kubernetes.io/part-of", "events"),
            ("images", "{nats: r/n:1}"),
            ("images.natsStreaming", "r/s:1"),
        ])
        .unwrap();
        assert_eq!(o.namespace.as_deref(), Some("ev"));
        assert!(!o.pod_disruption_budget && !o.metrics);
        assert_eq!(o.common_labels["tier"], "1");
        assert_eq!(o.common_labels["app.kubernetes.io/part-of"], "events");
        assert_eq!(o.images.nats.as_deref(), Some("r/n:1"));
        assert_eq!(o.images.nats_streaming.as_deref(), Some("r/s:1"));
        // An empty string keeps the default.
        assert!(set(&[("metrics", "")]).unwrap().metrics);
    }

    #[test]
    fn errors_name_the_key_and_what_is_allowed() {
        let e = set(&[("metrics", "maybe")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "data.metrics: expected true or false, found \"maybe\""
        );
        let e = set(&[("images.natz", "x")]).unwrap_err();
        assert!(e.message.contains("did you mean images.nats?"), "{e}");
        let e = set(&[("podDisruptionBugdet", "x")]).unwrap_err();
        assert!(
            e.message.contains("did you mean podDisruptionBudget?"),
            "{e}"
        );
        let e = set(&[("namespace.x", "x")]).unwrap_err();
        assert!(e.message.contains("takes a value of its own"), "{e}");
        let e = set(&[("commonLabels", "team")]).unwrap_err();
        assert!(e.message.contains("YAML mapping"), "{e}");
        let e = set(&[("metrics", "\u{1b}[31mred")]).unwrap_err();
        assert!(!e.message.contains('\u{1b}'), "{e}");
    }

    #[test]
    fn mappings_merge_and_report_lines() {
        let mut r = Reader::<RenderOptions>::new();
        let (v, o) = load(
            "images:\n  nats: a:1\ncommonLabels: {x: \"1\"}\n",
            "opts.yaml",
        )
        .unwrap();
        r.merge(v, o).unwrap();
        r.set(
            "commonLabels.y",
            Raw::Text("2".into()),
            Origin::named("--label"),
        )
        .unwrap();
        let o = r.finish().unwrap();
        assert_eq!(o.images.nats.as_deref(), Some("a:1"));
        assert_eq!(o.common_labels.len(), 2);

        let mut r = Reader::<RenderOptions>::new();
        let (v, o) = load("namespace: ev\nimages:\n  natz: a:1\n", "opts.yaml").unwrap();
        r.merge(v, o).unwrap();
        let e = r.finish().unwrap_err();
        assert_eq!(e.key, "images.natz");
        assert_eq!(e.location, Some(Location { line: 3, column: 3 }));
        assert_eq!(e.field, "images.natz");
        assert!(e.message.contains("natz"), "{e:?}");

        let mut r = Reader::<RenderOptions>::new();
        r.merge(
            json!({"metrics": "x"}),
            Origin::mapping("EventBusRenderOptions", "spec"),
        )
        .unwrap();
        let e = r.finish().unwrap_err();
        assert_eq!(e.field, "spec.metrics");
    }

    #[test]
    fn loose_keys_ignore_case_and_punctuation() {
        let r = Reader::<RenderOptions>::new();
        assert_eq!(
            r.loose_key("POD_DISRUPTION_BUDGET"),
            Some("podDisruptionBudget")
        );
        assert_eq!(r.loose_key("NOPE"), None);
    }
}
