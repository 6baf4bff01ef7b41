//! From YAML documents to typed `EventBus` specs (and the Secrets that hold existing tokens).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;
use serde_json::Value;

use crate::error::{Cause, Error, ErrorKind, Location, Warning};
use crate::fields::unknown_field_message;
use crate::options::RenderOptions;
use crate::spec::{self, EventBus};
use crate::yaml::{self, Document};

/// The parsed input: buses in input order, plus Secret documents holding existing credentials.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// Every `EventBus` document, in input order.
    pub buses: Vec<ParsedBus>,
    /// Every `v1` `Secret` document.
    pub secrets: Vec<Secret>,
    /// Fields dropped under `allow_unknown_fields`, and similar notes.
    pub warnings: Vec<Warning>,
    /// Where each of `secrets` is in the input, in the same order.
    pub(crate) secret_origins: Vec<SecretOrigin>,
    /// Whether the front end passes the documents it does not render through (the KRM function,
    /// Argo CD): a Secret that does not look like a bus's is then its user's, not an input.
    pub(crate) passes_through: bool,
    /// Documents set aside as the controller's objects of a bus of the input (an export): a
    /// front end that passes documents through leaves these out.
    pub(crate) set_aside: std::collections::BTreeSet<usize>,
}

/// Where a Secret document is in the input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SecretOrigin {
    /// 0-based index of the document.
    pub document: usize,
    /// Position of its `metadata.name`, or of the document.
    pub location: Option<Location>,
}

/// One `EventBus` document and where its fields are in the input.
#[derive(Clone, Debug)]
pub struct ParsedBus {
    /// The typed resource.
    pub bus: EventBus,
    /// 0-based index of the document in its stream.
    pub document: usize,
    pub(crate) locations: BTreeMap<String, Location>,
    pub(crate) start: Location,
}

impl ParsedBus {
    /// Wraps a bus built in code (no input positions).
    pub fn new(bus: EventBus) -> Self {
        ParsedBus {
            bus,
            document: 0,
            locations: BTreeMap::new(),
            start: Location { line: 1, column: 1 },
        }
    }

    /// The input position of a field path, or of its closest parent that has one.
    pub fn locate(&self, path: &str) -> Option<Location> {
        if self.locations.is_empty() {
            return None;
        }
        Some(yaml::locate(&self.locations, self.start, path))
    }
}

/// What a document is, judged by its `apiVersion` and `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// `argoproj.io/v1alpha1` `EventBus`, or a document that means to be one.
    EventBus,
    /// A `v1` `Secret`.
    Secret,
    /// Anything else.
    Other,
}

/// Classifies a document. A document with `kind: EventBus` counts as a bus whatever its
/// `apiVersion`, so that a wrong or missing `apiVersion` is reported instead of ignored.
pub fn document_kind(value: &Value) -> DocumentKind {
    let kind = value.get("kind").and_then(Value::as_str);
    let api = value.get("apiVersion").and_then(Value::as_str);
    match (kind, api) {
        (Some(spec::KIND), _) => DocumentKind::EventBus,
        (Some("Secret"), Some("v1")) => DocumentKind::Secret,
        _ => DocumentKind::Other,
    }
}

/// What [`read_documents`] could read: the documents that read cleanly, and one [`Unread`] per
/// document that did not, in input order.
#[derive(Debug, Default)]
pub(crate) struct Read {
    /// The buses and Secrets that read without a problem, and the notes on them.
    pub parsed: Parsed,
    /// The documents with problems.
    pub unread: Vec<Unread>,
}

/// A document that did not read cleanly: its problems and, for a bus, what could be read.
#[derive(Debug)]
pub(crate) struct Unread {
    /// 0-based index of the document.
    pub document: usize,
    /// Its problems (wrong `apiVersion`, wrong types, unknown fields, a bad Secret, ...).
    pub errors: Vec<Error>,
    /// The bus as far as it could be read: every field of a wrong type left out.
    pub partial: Option<Box<PartialBus>>,
}

/// A bus read without the fields of a wrong type.
#[derive(Debug)]
pub(crate) struct PartialBus {
    /// What was read.
    pub bus: ParsedBus,
    /// Paths of the fields left out for their type.
    pub dropped: Vec<String>,
}

/// Reads loaded documents. With `skip_others`, documents that are neither `EventBus` nor
/// `Secret` are left out instead of rejected (front ends pass them through themselves).
///
/// Reading only checks the form of each document; the rules of a bus are validation's. The
/// pipeline's `parse_documents` adds the rule violations of partly read buses.
pub(crate) fn read_documents(
    docs: &[&Document],
    options: &RenderOptions,
    skip_others: bool,
) -> Read {
    let mut parsed = Parsed {
        passes_through: skip_others,
        ..Parsed::default()
    };
    let mut unread = Vec::new();
    // A `kind: List` stands for its items.
    let docs: Vec<std::borrow::Cow<'_, Document>> = docs
        .iter()
        .flat_map(|d| match d.list_items() {
            Some(items) => items.into_iter().map(std::borrow::Cow::Owned).collect(),
            None => vec![std::borrow::Cow::Borrowed(*d)],
        })
        .collect();
    // An export of a running bus: server-side fields go, the controller's objects are set aside.
    let sifted = crate::export::sift(docs);
    let docs = sifted.kept;
    parsed.warnings.extend(sifted.warnings);
    parsed.set_aside = sifted.set_aside;
    // Sized once: a bus is kilobytes, and growing by doubling would copy them all and keep up to
    // twice the room.
    let buses = docs
        .iter()
        .filter(|d| matches!(document_kind(&d.value), DocumentKind::EventBus))
        .count();
    parsed.buses.reserve_exact(buses);
    for doc in &docs {
        match document_kind(&doc.value) {
            DocumentKind::EventBus => match parse_bus(doc, options) {
                Ok((bus, warnings)) => {
                    parsed.buses.push(bus);
                    parsed.warnings.extend(warnings);
                }
                Err(u) => unread.push(u),
            },
            DocumentKind::Secret => match read_secret_noting(&doc.value) {
                Ok((s, unknown)) => {
                    for path in unknown {
                        parsed.warnings.push(Warning {
                            message: format!(
                                "Secret {}: unknown field of a v1 Secret; it is not read",
                                s.metadata.name.as_deref().unwrap_or_default()
                            ),
                            location: doc.locate(&path),
                            document: Some(doc.index),
                            path,
                        });
                    }
                    parsed.secrets.push(s);
                    parsed.secret_origins.push(SecretOrigin {
                        document: doc.index,
                        location: doc.locate("metadata.name"),
                    });
                }
                Err(e) => {
                    let at = doc.locate(&e.path);
                    unread.push(Unread {
                        document: doc.index,
                        errors: vec![Error::new(ErrorKind::Type, e.path, e.message).at(at)],
                        partial: None,
                    });
                }
            },
            DocumentKind::Other if skip_others => {}
            DocumentKind::Other => {
                let kind = doc.value.get("kind").and_then(Value::as_str);
                let message = match kind {
                    Some(k) => format!(
                        "expected an EventBus (argoproj.io/v1alpha1), found {k}; only EventBus documents and the v1 Secrets of existing buses are read"
                    ),
                    None => "missing; each document must be an EventBus (kind: EventBus, apiVersion: argoproj.io/v1alpha1)".to_owned(),
                };
                unread.push(Unread {
                    document: doc.index,
                    errors: vec![
                        Error::new(ErrorKind::Invalid, "kind", message).at(doc.locate("kind")),
                    ],
                    partial: None,
                });
            }
        }
    }
    Read { parsed, unread }
}

/// Why a `Secret` document does not parse: the field at fault and a message that names the
/// Secret. Neither ever holds a value of the Secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SecretError {
    /// The field path, such as `data.auth`.
    pub path: String,
    /// What is wrong, naming the Secret.
    pub message: String,
}

/// Reads a `v1` `Secret` document as the Kubernetes API would. Every front end reads the
/// Secrets of its input through here, so they all reject the same documents.
pub(crate) fn read_secret(value: &Value) -> Result<Secret, SecretError> {
    read_secret_noting(value).map(|(secret, _)| secret)
}

/// [`read_secret`], with the paths of the fields a v1 Secret does not have (serde skips them),
/// found in the same pass.
fn read_secret_noting(value: &Value) -> Result<(Secret, Vec<String>), SecretError> {
    let mut unknown = Vec::new();
    let mut record = |p: serde_ignored::Path<'_>| unknown.push(ignored_path(&p));
    let de = serde_ignored::Deserializer::new(value, &mut record);
    // serde's own message may quote data; only the path (keys, never values) is kept.
    let e = match serde_path_to_error::deserialize::<_, Secret>(de) {
        Ok(secret) => return Ok((secret, unknown)),
        Err(e) => e,
    };
    let path = serde_path(e.path());
    let meta = |k: &str| value.get("metadata")?.get(k)?.as_str();
    let secret = match (meta("namespace"), meta("name")) {
        (Some(ns), Some(name)) if !ns.is_empty() => format!("Secret {ns}/{name}"),
        (_, Some(name)) => format!("Secret {name}"),
        _ => "this Secret".to_owned(),
    };
    let message = match path.split_once('.') {
        Some(("data", key)) => format!(
            "{secret} does not parse as a v1 Secret: the value of data key {key} is not base64 \
             (data holds base64-encoded values; put plain text under stringData)"
        ),
        _ if path.is_empty() => format!("{secret} does not parse as a v1 Secret"),
        _ => format!("{secret} does not parse as a v1 Secret: {path} has the wrong type"),
    };
    Err(SecretError { path, message })
}

/// Parses one `EventBus` document. On failure, every problem of its form comes back: unknown
/// fields and each wrong type (the field is dropped and parsing goes on), with what could be
/// read.
fn parse_bus(doc: &Document, options: &RenderOptions) -> Result<(ParsedBus, Vec<Warning>), Unread> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let at = |path: &str| doc.locate(path);

    match doc.value.get("apiVersion") {
        Some(Value::String(v)) if v == spec::API_VERSION => {}
        Some(Value::String(v)) => errors.push(
            Error::new(
                ErrorKind::Invalid,
                "apiVersion",
                format!(
                    "{} is not served for EventBus; use {}",
                    crate::error::quote(v),
                    spec::API_VERSION
                ),
            )
            .at(at("apiVersion")),
        ),
        Some(_) => errors.push(
            Error::new(ErrorKind::Type, "apiVersion", format!("must be the string {}", spec::API_VERSION))
                .at(at("apiVersion")),
        ),
        None => errors.push(
            Error::new(
                ErrorKind::Invalid,
                "apiVersion",
                format!("missing; kubectl rejects a document without it (apiVersion not set); add apiVersion: {}", spec::API_VERSION),
            )
            .at(Some(doc.start)),
        ),
    }

    // Each pass reports the first wrong type; drop that field and parse again.
    let mut value: Option<Value> = None;
    let mut unknown: Vec<String> = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    let bus = loop {
        let current = value.as_ref().unwrap_or(&doc.value);
        let mut record = |p: serde_ignored::Path<'_>| {
            let path = ignored_path(&p);
            if !unknown.contains(&path) {
                unknown.push(path);
            }
        };
        let de = serde_ignored::Deserializer::new(current, &mut record);
        match serde_path_to_error::deserialize::<_, EventBus>(de) {
            Ok(bus) => break Some(bus),
            Err(e) => {
                let path = serde_path(e.path());
                errors.push(
                    Error::new(
                        ErrorKind::Type,
                        path.clone(),
                        type_message(&e.inner().to_string()),
                    )
                    .at(at(&path)),
                );
                let mut next = current.clone();
                let removed = remove_path(&mut next, &path);
                if !removed || dropped.contains(&path) || dropped.len() >= MAX_TYPE_ERRORS {
                    break None;
                }
                dropped.push(path);
                value = Some(next);
            }
        }
    };
    for path in unknown {
        let message = unknown_field_message(&path);
        if options.allow_unknown_fields {
            warnings.push(Warning {
                message: format!("dropped: {message}"),
                location: at(&path),
                document: Some(doc.index),
                path,
            });
        } else {
            let cause = if message.contains("no image field") {
                Cause::UseOption("images")
            } else {
                Cause::UnknownField
            };
            errors.push(
                Error::new(ErrorKind::UnknownField, path.clone(), message)
                    .at(at(&path))
                    .because(cause),
            );
        }
    }
    let bus = bus.map(|bus| ParsedBus {
        bus,
        document: doc.index,
        locations: doc.locations.clone(),
        start: doc.start,
    });
    match bus {
        Some(bus) if errors.is_empty() => Ok((bus, warnings)),
        bus => Err(Unread {
            document: doc.index,
            errors,
            partial: bus.map(|bus| Box::new(PartialBus { bus, dropped })),
        }),
    }
}

/// How many wrong types one document may report before parsing stops.
const MAX_TYPE_ERRORS: usize = 50;

/// Removes the field at `path` (`spec.a.b`, `x[2].y`, map keys may hold dots) from `value`.
fn remove_path(value: &mut Value, path: &str) -> bool {
    let mut rest = path;
    let mut node = value;
    loop {
        if let Some(after) = rest.strip_prefix('[') {
            let Some((index, tail)) = after.split_once(']') else {
                return false;
            };
            let Ok(i) = index.parse::<usize>() else {
                return false;
            };
            let Value::Array(items) = node else {
                return false;
            };
            if tail.is_empty() {
                if i >= items.len() {
                    return false;
                }
                items.remove(i);
                return true;
            }
            let Some(n) = items.get_mut(i) else {
                return false;
            };
            node = n;
            rest = tail.strip_prefix('.').unwrap_or(tail);
            continue;
        }
        let Value::Object(map) = node else {
            return false;
        };
        // The longest key that the path continues with (keys such as `prometheus.io/port`).
        let key = map
            .keys()
            .filter(|k| {
                rest == k.as_str()
                    || rest
                        .strip_prefix(k.as_str())
                        .is_some_and(|t| t.starts_with(['.', '[']))
            })
            .max_by_key(|k| k.len())
            .cloned();
        let Some(key) = key else { return false };
        let tail = &rest[key.len()..];
        if tail.is_empty() {
            return map.remove(&key).is_some();
        }
        node = map.get_mut(&key).expect("the key was just found");
        rest = tail.strip_prefix('.').unwrap_or(tail);
    }
}

fn ignored_path(p: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match p {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => {
            let parent = ignored_path(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

fn serde_path(p: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in p.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// The range of an integer type serde names (`u64`, `i32`), for messages about numbers that do
/// not fit.
fn integer_range(expected: &str) -> Option<String> {
    let (min, max) = match expected {
        "i32" => (i32::MIN.to_string(), i32::MAX.to_string()),
        "u32" => ("0".to_owned(), u32::MAX.to_string()),
        "i64" => (i64::MIN.to_string(), i64::MAX.to_string()),
        "u64" => ("0".to_owned(), u64::MAX.to_string()),
        _ => return None,
    };
    Some(format!("a whole number from {min} to {max}"))
}

/// Rewords serde's type errors: `invalid type: integer `0`, expected a string`, and numbers out
/// of their type's range, naming the range.
fn type_message(raw: &str) -> String {
    if let Some(rest) = raw.strip_prefix("invalid value: integer `")
        && let Some((number, expected)) = rest.split_once("`, expected ")
        && let Some(range) = integer_range(expected)
    {
        return format!("{number} is out of range; use {range}");
    }
    let Some(rest) = raw.strip_prefix("invalid type: ") else {
        return raw.to_owned();
    };
    let Some((found, expected)) = rest.split_once(", expected ") else {
        return raw.to_owned();
    };
    let found_clean = match found
        .strip_prefix("string \"")
        .and_then(|s| s.strip_suffix('"'))
    {
        Some(s) => format!("string {}", crate::error::quote(s)),
        None => found.replace('`', ""),
    };
    if found.starts_with("floating point")
        && let Some(range) = integer_range(expected)
    {
        return format!("expected {range}, found {found_clean}");
    }
    let mut message = format!("expected {expected}, found {found_clean}");
    let numeric = found.starts_with("integer") || found.starts_with("floating point");
    if expected.contains("string") && (numeric || found.starts_with("boolean")) {
        let literal = found.split('`').nth(1).unwrap_or("");
        message.push_str(&format!(
            "; quote it (\"{literal}\"): YAML reads an unquoted {literal} as a {}",
            if numeric { "number" } else { "boolean" }
        ));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_paths_with_dotted_keys_and_indexes() {
        let mut v = serde_json::json!({"a": {"x.io/y": 1, "list": [{"k": 1}, {"k": 2}]}});
        assert!(remove_path(&mut v, "a.x.io/y"));
        assert!(remove_path(&mut v, "a.list[1].k"));
        assert!(!remove_path(&mut v, "a.nope"));
        assert_eq!(v, serde_json::json!({"a": {"list": [{"k": 1}, {}]}}));
    }

    #[test]
    fn type_messages_explain_quoting() {
        assert_eq!(
            type_message("invalid type: integer `65536`, expected a string"),
            "expected a string, found integer 65536; quote it (\"65536\"): YAML reads an unquoted 65536 as a number"
        );
    }

    #[test]
    fn undecodable_secret_data_names_the_secret_and_key_but_not_the_value() {
        let secret = serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "eventbus-default-server", "namespace": "ev"},
            "data": {"ok": "YQ==", "auth": "not*base64-SECRETVALUE"}});
        let e = read_secret(&secret).unwrap_err();
        assert_eq!(e.path, "data.auth");
        assert!(
            e.message
                .starts_with("Secret ev/eventbus-default-server does not parse as a v1 Secret"),
            "{}",
            e.message
        );
        assert!(e.message.contains("data key auth is not base64"));
        assert!(!e.message.contains("SECRETVALUE"));
        let mut secret = secret;
        secret["data"]["auth"] = "YQ==".into();
        secret["stringData"] = serde_json::json!({"x": ["SECRETVALUE"]});
        let e = read_secret(&secret).unwrap_err();
        assert_eq!(e.path, "stringData.x");
        assert!(!e.message.contains("SECRETVALUE"), "{}", e.message);
        secret["stringData"] = serde_json::json!({"x": "SECRETVALUE"});
        assert!(read_secret(&secret).is_ok());
    }

    #[test]
    fn unknown_fields_are_errors_or_warnings() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {name: a, namespace: n1}\nspec:\n  nats:\n    native:\n      replica: 3\n";
        let e = crate::pipeline::parse(text, &RenderOptions::default()).unwrap_err();
        assert_eq!(e.0[0].path(), "spec.nats.native.replica");
        assert_eq!(e.0[0].location(), Some(Location { line: 7, column: 7 }));
        let p = crate::pipeline::parse(text, &RenderOptions::default().allow_unknown_fields(true))
            .unwrap();
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.buses.len(), 1);
    }
}
