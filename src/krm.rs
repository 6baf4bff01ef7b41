//! The KRM function wire format: [`ResourceList`] in, [`ResourceList`] out.
//!
//! A KRM function (kpt, kustomize) reads one `ResourceList` from stdin and writes one to stdout.
//! This module holds the envelope, the [`ResultItem`]s a function reports, and helpers for the
//! annotations that orchestrators put on items (file path and index, ids, `local-config`). It
//! knows nothing about what a function does and depends only on `serde` and `serde_json`, so
//! items stay generic `serde_json::Value`s and every field a function does not own survives.
//!
//! ```
//! use eventbus_gen::krm::{self, ResourceList, ResultItem};
//! use serde_json::json;
//!
//! let input = json!({
//!     "apiVersion": "config.kubernetes.io/v1",
//!     "kind": "ResourceList",
//!     "items": [{
//!         "apiVersion": "v1", "kind": "ConfigMap",
//!         "metadata": {"name": "a", "annotations": {"internal.config.kubernetes.io/path": "a.yaml"}}
//!     }],
//!     "functionConfig": {"apiVersion": "v1", "kind": "ConfigMap",
//!                        "metadata": {"name": "function-input"}, "data": {}}
//! });
//! let mut list = ResourceList::from_value(input)?;
//! assert!(krm::is_placeholder_config(list.function_config.as_ref().unwrap()));
//! let item = &list.items[0];
//! assert_eq!(krm::file_of(item).unwrap().path, "a.yaml");
//! list.results.push(ResultItem::info("nothing to do").for_item(item));
//! assert!(!list.has_errors());
//! # Ok::<(), krm::WireError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `apiVersion` of a ResourceList in the current spec.
pub const API_VERSION: &str = "config.kubernetes.io/v1";
/// The older `apiVersion` of a ResourceList, still accepted.
pub const API_VERSION_V1BETA1: &str = "config.kubernetes.io/v1beta1";
/// `kind` of a ResourceList.
pub const KIND: &str = "ResourceList";

/// Annotation keys that orchestrators set and read.
pub mod annotations {
    /// The item's file, relative to the package (kpt, kyaml readers).
    pub const PATH: &str = "internal.config.kubernetes.io/path";
    /// Legacy twin of [`PATH`]; when both are set they must be equal.
    pub const LEGACY_PATH: &str = "config.kubernetes.io/path";
    /// The item's position among the documents of its file (`"0"` when absent).
    pub const INDEX: &str = "internal.config.kubernetes.io/index";
    /// Legacy twin of [`INDEX`].
    pub const LEGACY_INDEX: &str = "config.kubernetes.io/index";
    /// Maps output items back to input items (comments, key order); never invent one.
    pub const ID: &str = "internal.config.kubernetes.io/id";
    /// Legacy twin of [`ID`].
    pub const LEGACY_ID: &str = "config.k8s.io/id";
    /// "Not a cluster object": kustomize drops it from its output, `kpt live` skips it.
    pub const LOCAL_CONFIG: &str = "config.kubernetes.io/local-config";
    /// How kustomize runs a function (`exec:` or `container:`), set on its config resource.
    pub const FUNCTION: &str = "config.kubernetes.io/function";

    /// Key prefixes of annotations that belong to orchestrators, not to the object's owner.
    pub const ORCHESTRATOR_PREFIXES: [&str; 4] = [
        "internal.config.kubernetes.io/",
        "config.kubernetes.io/",
        "config.k8s.io/",
        "kustomize.config.k8s.io/",
    ];

    /// True for annotations set by kpt, kustomize or kyaml (paths, indexes, ids, build state,
    /// `local-config`, `function`).
    pub fn is_orchestrator(key: &str) -> bool {
        ORCHESTRATOR_PREFIXES.iter().any(|p| key.starts_with(p))
    }
}

/// Why a document is not a usable ResourceList.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError(String);

impl WireError {
    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

/// The envelope a KRM function reads and writes.
///
/// Serializes in the conventional order (`apiVersion`, `kind`, `items`, `functionConfig`,
/// `results`). `items` is always written, even when empty, because an orchestrator reads a
/// missing list as "delete everything".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceList {
    /// `config.kubernetes.io/v1` or `config.kubernetes.io/v1beta1` (empty when missing).
    #[serde(rename = "apiVersion", default)]
    pub api_version: String,
    /// Always [`KIND`].
    pub kind: String,
    /// The resources, in order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub items: Vec<Value>,
    /// The function's configuration, when the orchestrator sent one.
    #[serde(
        rename = "functionConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub function_config: Option<Value>,
    /// What the function has to say.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub results: Vec<ResultItem>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl ResourceList {
    /// An empty list with the current `apiVersion`.
    pub fn new(items: Vec<Value>) -> Self {
        ResourceList {
            api_version: API_VERSION.to_owned(),
            kind: KIND.to_owned(),
            items,
            function_config: None,
            results: Vec::new(),
        }
    }

    /// Reads a ResourceList from a parsed YAML or JSON document.
    ///
    /// Any `apiVersion` is accepted (orchestrators do not check it either); the `kind` must be
    /// `ResourceList` and `items`, when present, a list of objects.
    pub fn from_value(value: Value) -> Result<Self, WireError> {
        let Value::Object(map) = &value else {
            return Err(WireError(
                "the input is not a mapping; expected a ResourceList (kind: ResourceList)".into(),
            ));
        };
        match map.get("kind").and_then(Value::as_str) {
            Some(KIND) => {}
            Some(other) => {
                return Err(WireError(format!(
                    "the input is a {other}, not a ResourceList; run this as a KRM function (kpt, kustomize) or pass files to `render`"
                )));
            }
            None => {
                return Err(WireError(
                    "the input has no kind; expected a ResourceList (kind: ResourceList)".into(),
                ));
            }
        }
        if let Some(items) = map.get("items")
            && !items.is_null()
            && !items
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_object))
        {
            return Err(WireError(
                "items must be a list of objects (Kubernetes resources)".into(),
            ));
        }
        let mut list: ResourceList = serde_json::from_value(value)
            .map_err(|e| WireError(format!("not a valid ResourceList: {e}")))?;
        if list.function_config.as_ref().is_some_and(Value::is_null) {
            list.function_config = None;
        }
        Ok(list)
    }

    /// True when the `apiVersion` is one the spec defines.
    pub fn has_known_api_version(&self) -> bool {
        self.api_version == API_VERSION || self.api_version == API_VERSION_V1BETA1
    }

    /// True when some result has severity `error`; the function must then exit non-zero.
    pub fn has_errors(&self) -> bool {
        self.results.iter().any(|r| r.severity == Severity::Error)
    }
}

/// How serious a [`ResultItem`] is.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The function failed; it exits non-zero.
    #[default]
    Error,
    /// Something the user should look at.
    Warning,
    /// For information.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One message of a function, optionally pointing at a resource, a field and a file.
///
/// `severity` is always written: the spec defaults a missing one to `error`, but kpt shows it as
/// `info`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultItem {
    /// Human-readable text.
    pub message: String,
    /// How serious it is.
    #[serde(default)]
    pub severity: Severity,
    /// The resource it is about.
    #[serde(
        rename = "resourceRef",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_ref: Option<ResourceRef>,
    /// The field it is about (needs `resource_ref`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    /// The file the resource is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<File>,
    /// Free-form labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl ResultItem {
    /// A result with the given severity and message.
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        ResultItem {
            message: message.into(),
            severity,
            resource_ref: None,
            field: None,
            file: None,
            tags: BTreeMap::new(),
        }
    }

    /// An `error` result.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }

    /// A `warning` result.
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }

    /// An `info` result.
    pub fn info(message: impl Into<String>) -> Self {
        Self::new(Severity::Info, message)
    }

    /// Points the result at `item`: its resourceRef and, when it has a path annotation, its file.
    #[must_use]
    pub fn for_item(mut self, item: &Value) -> Self {
        self.resource_ref = resource_ref(item);
        self.file = file_of(item);
        self
    }

    /// Sets the field path (dotted, for example `spec.replicas` or `spec.containers[0].image`).
    /// Empty paths are ignored.
    #[must_use]
    pub fn at_field(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        if !path.is_empty() {
            self.field = Some(Field {
                path,
                current_value: None,
                proposed_value: None,
            });
        }
        self
    }

    /// One line for a terminal: `severity: Kind/namespace/name field: message`.
    pub fn summary(&self) -> String {
        let mut s = format!("{}: ", self.severity.as_str());
        if let Some(r) = &self.resource_ref {
            // Names come from the input: cut, so that a line stays a line.
            s.push_str(&crate::error::cut(&r.kind));
            s.push('/');
            if let Some(ns) = r.namespace.as_deref().filter(|ns| !ns.is_empty()) {
                s.push_str(&crate::error::cut(ns));
                s.push('/');
            }
            s.push_str(&crate::error::cut(&r.name));
            if let Some(f) = &self.field {
                s.push(' ');
                s.push_str(&f.path);
            }
            s.push_str(": ");
        } else if let Some(f) = self.field.as_ref().filter(|f| !f.path.is_empty()) {
            // An item without a readable identity (its metadata is not a mapping, say).
            s.push_str(&f.path);
            s.push_str(": ");
        }
        s.push_str(&self.message);
        s
    }
}

/// A reference to a resource.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceRef {
    /// The resource's `apiVersion`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// The resource's `kind`.
    pub kind: String,
    /// The resource's `metadata.name`.
    pub name: String,
    /// The resource's `metadata.namespace`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A field of a resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Dotted path, for example `spec.template.spec.containers[0].image`.
    pub path: String,
    /// The value now (never a secret).
    #[serde(
        rename = "currentValue",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_value: Option<Value>,
    /// The value it should have (never a secret).
    #[serde(
        rename = "proposedValue",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub proposed_value: Option<Value>,
}

/// A file in the package.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct File {
    /// Slash-separated path relative to the package.
    pub path: String,
    /// Position among the documents of the file; 0 is not written.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub index: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The annotations of an object, when it has any.
pub fn annotations_of(item: &Value) -> Option<&Map<String, Value>> {
    item.get("metadata")?.get("annotations")?.as_object()
}

/// The string value of annotation `key` on `item`.
pub fn annotation<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    annotations_of(item)?.get(key)?.as_str()
}

/// Sets annotation `key` on `item`, creating `metadata.annotations` when needed. Does nothing
/// when `item` or its metadata is not a mapping.
pub fn set_annotation(item: &mut Value, key: &str, value: impl Into<String>) {
    let Some(obj) = item.as_object_mut() else {
        return;
    };
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    let anns = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(anns) = anns.as_object_mut() {
        anns.insert(key.to_owned(), Value::String(value.into()));
    }
}

/// Removes annotation `key` from `item` (and `metadata.annotations` when it ends up empty);
/// returns the old value.
pub fn remove_annotation(item: &mut Value, key: &str) -> Option<Value> {
    let meta = item.get_mut("metadata")?.as_object_mut()?;
    let anns = meta.get_mut("annotations")?.as_object_mut()?;
    let old = anns.shift_remove(key);
    if anns.is_empty() {
        meta.shift_remove("annotations");
    }
    old
}

/// The item's file: the internal path annotation, else the legacy one, with its index.
pub fn file_of(item: &Value) -> Option<File> {
    let path = annotation(item, annotations::PATH)
        .or_else(|| annotation(item, annotations::LEGACY_PATH))?;
    let index = annotation(item, annotations::INDEX)
        .or_else(|| annotation(item, annotations::LEGACY_INDEX))
        .and_then(|i| i.parse().ok())
        .unwrap_or(0);
    Some(File {
        path: path.to_owned(),
        index,
    })
}

/// Places `item` in `file`: sets the path and index annotations and their legacy twins to the
/// same values, as kpt requires.
pub fn set_file(item: &mut Value, file: &File) {
    for (key, value) in file_annotations(file) {
        set_annotation(item, key, value);
    }
}

/// The annotations that place an item in `file`, in the order [`set_file`] sets them.
pub fn file_annotations(file: &File) -> [(&'static str, String); 4] {
    [
        (annotations::PATH, file.path.clone()),
        (annotations::LEGACY_PATH, file.path.clone()),
        (annotations::INDEX, file.index.to_string()),
        (annotations::LEGACY_INDEX, file.index.to_string()),
    ]
}

/// True when the item is marked `config.kubernetes.io/local-config` with any value but `false`
/// (the rule kustomize and kpt both apply).
pub fn is_local_config(item: &Value) -> bool {
    annotations_of(item)
        .and_then(|a| a.get(annotations::LOCAL_CONFIG))
        .is_some_and(|v| v.as_str() != Some("false"))
}

/// True for "no configuration": the `ConfigMap` named `function-input` with empty `data` that
/// kpt sends when the user gave none.
pub fn is_placeholder_config(config: &Value) -> bool {
    config.get("kind").and_then(Value::as_str) == Some("ConfigMap")
        && config.pointer("/metadata/name").and_then(Value::as_str) == Some("function-input")
        && config
            .get("data")
            .is_none_or(|d| d.is_null() || d.as_object().is_some_and(Map::is_empty))
}

/// The resourceRef of an item; `None` without `apiVersion`, `kind` or `metadata.name`.
pub fn resource_ref(item: &Value) -> Option<ResourceRef> {
    let s = |ptr: &str| item.pointer(ptr).and_then(Value::as_str).map(str::to_owned);
    Some(ResourceRef {
        api_version: s("/apiVersion")?,
        kind: s("/kind")?,
        name: s("/metadata/name")?,
        namespace: s("/metadata/namespace").filter(|ns| !ns.is_empty()),
    })
}

/// The identity under which orchestrators match resources: API group (not version), kind,
/// namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// API group; empty for the core group.
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace; empty when not set.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectKey {
    /// The key of an item; `None` without `kind` or `metadata.name`.
    pub fn of(item: &Value) -> Option<Self> {
        let s = |ptr: &str| item.pointer(ptr).and_then(Value::as_str);
        let api = s("/apiVersion").unwrap_or("");
        let group = api.rsplit_once('/').map_or("", |(g, _)| g);
        Some(ObjectKey {
            group: group.to_owned(),
            kind: s("/kind")?.to_owned(),
            namespace: s("/metadata/namespace").unwrap_or("").to_owned(),
            name: s("/metadata/name")?.to_owned(),
        })
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind)?;
        if !self.group.is_empty() {
            write!(f, ".{}", self.group)?;
        }
        f.write_str("/")?;
        if !self.namespace.is_empty() {
            write!(f, "{}/", self.namespace)?;
        }
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(v: Value) -> Result<ResourceList, WireError> {
        ResourceList::from_value(v)
    }

    #[test]
    fn reads_both_api_versions_and_missing_items() {
        let l = list(json!({"apiVersion": API_VERSION_V1BETA1, "kind": "ResourceList"})).unwrap();
        assert!(l.items.is_empty());
        assert!(l.has_known_api_version());
        let l = list(
            json!({"apiVersion": "x/v9", "kind": "ResourceList", "items": null,
                             "functionConfig": null}),
        )
        .unwrap();
        assert!(!l.has_known_api_version());
        assert!(l.function_config.is_none());
    }

    #[test]
    fn rejects_what_is_not_a_resource_list() {
        assert!(
            list(json!([1]))
                .unwrap_err()
                .message()
                .contains("not a mapping")
        );
        assert!(
            list(json!({"kind": "List", "items": []}))
                .unwrap_err()
                .message()
                .contains("is a List")
        );
        assert!(
            list(json!({"apiVersion": "v1"}))
                .unwrap_err()
                .message()
                .contains("no kind")
        );
        assert!(
            list(json!({"kind": "ResourceList", "items": [1]}))
                .unwrap_err()
                .message()
                .contains("list of objects")
        );
    }

    #[test]
    fn writes_items_always_and_results_only_when_present() {
        let mut l = ResourceList::new(vec![]);
        let v = serde_json::to_value(&l).unwrap();
        assert_eq!(
            v,
            json!({"apiVersion": API_VERSION, "kind": KIND, "items": []})
        );
        l.results.push(ResultItem::warning("w").at_field("spec.x"));
        let v = serde_json::to_value(&l).unwrap();
        assert_eq!(
            v["results"],
            json!([{"message": "w", "severity": "warning", "field": {"path": "spec.x"}}])
        );
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["apiVersion", "kind", "items", "results"]);
    }

    #[test]
    fn results_point_at_items_and_files() {
        let item = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod", "annotations": {
                "config.kubernetes.io/path": "d.yaml", "config.kubernetes.io/index": "2"}}});
        let r = ResultItem::error("bad")
            .for_item(&item)
            .at_field("spec.replicas");
        assert_eq!(
            r.file,
            Some(File {
                path: "d.yaml".into(),
                index: 2
            })
        );
        assert_eq!(r.summary(), "error: Deployment/prod/web spec.replicas: bad");
        // An item whose identity cannot be read still names the field.
        let nameless = ResultItem::error("bad")
            .for_item(&json!({"kind": "EventBus", "metadata": "x"}))
            .at_field("metadata");
        assert_eq!(nameless.summary(), "error: metadata: bad");
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["resourceRef"]["namespace"], "prod");
        assert_eq!(v["file"], json!({"path": "d.yaml", "index": 2}));
        let first = File {
            path: "a.yaml".into(),
            index: 0,
        };
        assert_eq!(
            serde_json::to_value(first).unwrap(),
            json!({"path": "a.yaml"})
        );
        assert!(
            !list(json!({"kind": "ResourceList", "results": [{"message": "m"}]}))
                .unwrap()
                .results
                .is_empty()
        );
        // A result without severity means error, as the spec says.
        assert!(
            list(json!({"kind": "ResourceList", "results": [{"message": "m"}]}))
                .unwrap()
                .has_errors()
        );
    }

    #[test]
    fn annotation_helpers() {
        let mut item = json!({"kind": "ConfigMap", "metadata": {"name": "a"}});
        assert!(!is_local_config(&item));
        set_file(
            &mut item,
            &File {
                path: "gen/a.yaml".into(),
                index: 3,
            },
        );
        assert_eq!(
            annotation(&item, annotations::LEGACY_PATH),
            Some("gen/a.yaml")
        );
        assert_eq!(annotation(&item, annotations::INDEX), Some("3"));
        assert_eq!(file_of(&item).unwrap().index, 3);
        set_annotation(&mut item, annotations::LOCAL_CONFIG, "yes");
        assert!(is_local_config(&item));
        set_annotation(&mut item, annotations::LOCAL_CONFIG, "false");
        assert!(!is_local_config(&item));
        for k in [
            annotations::PATH,
            annotations::LEGACY_PATH,
            annotations::INDEX,
            annotations::LEGACY_INDEX,
            annotations::LOCAL_CONFIG,
        ] {
            assert!(remove_annotation(&mut item, k).is_some());
        }
        assert_eq!(
            item,
            json!({"kind": "ConfigMap", "metadata": {"name": "a"}})
        );
        assert!(annotations::is_orchestrator("kustomize.config.k8s.io/id"));
        assert!(annotations::is_orchestrator("config.k8s.io/id"));
        assert!(!annotations::is_orchestrator("example.com/owner"));
    }

    #[test]
    fn placeholder_config_and_keys() {
        assert!(is_placeholder_config(
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "function-input"}, "data": {}})
        ));
        assert!(!is_placeholder_config(
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "function-input"}, "data": {"a": "b"}})
        ));
        let k = ObjectKey::of(
            &json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
            "metadata": {"name": "default", "namespace": "ev"}}),
        )
        .unwrap();
        assert_eq!(k.to_string(), "EventBus.argoproj.io/ev/default");
        let core = ObjectKey::of(&json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s"}}))
        .unwrap();
        assert_eq!(
            (core.group.as_str(), core.to_string().as_str()),
            ("", "Secret/s")
        );
        assert!(ObjectKey::of(&json!({"kind": "Secret"})).is_none());
    }
}
