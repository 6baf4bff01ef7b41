//! Exports of running buses as input: what `kubectl get eventbus,statefulset,service,configmap,
//! secret,poddisruptionbudget -o yaml` prints.
//!
//! The EventBus documents and the Secrets are read as usual; the fields the API server fills in
//! (status, server-side metadata) never reach the output (validation drops those of a bus with
//! a warning naming them). The objects the
//! controller made for a bus of the same input (recognised by the controller's labels or by an
//! owner reference to that EventBus) are set aside, each named in a warning: they are what a
//! render replaces, not input.

use std::borrow::Cow;

use serde_json::Value;

use crate::error::Warning;
use crate::names;
use crate::spec;
use crate::yaml::Document;

/// Metadata fields the API server writes; never part of a spec.
pub(crate) const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "ownerReferences",
    "selfLink",
    "finalizers",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// The annotation `kubectl apply` keeps its last input in.
pub(crate) const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Kinds the controller makes for a native bus.
const MADE_KINDS: &[&str] = &["StatefulSet", "Service", "ConfigMap", "PodDisruptionBudget"];

/// The name of the EventBus an object's owner references name, if any.
pub(crate) fn owner_bus(value: &Value) -> Option<&str> {
    value
        .pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|o| o.get("kind").and_then(Value::as_str) == Some(spec::KIND))
        .and_then(|o| o.get("name")?.as_str())
}

/// The bus (namespace, name) an object was made for, when it carries the controller's labels or
/// an owner reference to an EventBus.
pub(crate) fn made_for(value: &Value) -> Option<(String, String)> {
    let meta = value.get("metadata")?;
    let namespace = meta
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if let Some(name) = owner_bus(value) {
        return Some((namespace, name.to_owned()));
    }
    let labels = meta.get("labels")?;
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    if label(names::LABEL_CONTROLLER) != Some(names::CONTROLLER_NAME) {
        return None;
    }
    Some((namespace, label(names::LABEL_EVENTBUS_NAME)?.to_owned()))
}

/// Removes what the API server adds: `status`, server-side metadata and the last-applied
/// annotation. Returns whether anything was removed.
pub(crate) fn strip_server_fields(value: &mut Value) -> bool {
    let Some(object) = value.as_object_mut() else {
        return false;
    };
    let mut removed = object.remove("status").is_some();
    if let Some(Value::Object(meta)) = object.get_mut("metadata") {
        for key in SERVER_METADATA {
            removed |= meta.remove(*key).is_some();
        }
        if let Some(Value::Object(annotations)) = meta.get_mut("annotations") {
            removed |= annotations.remove(LAST_APPLIED).is_some();
            if annotations.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    removed
}

fn kind(value: &Value) -> Option<&str> {
    value.get("kind").and_then(Value::as_str)
}

fn namespace_and_name(value: &Value) -> (String, String) {
    let meta = |k: &str| {
        value
            .get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (meta("namespace"), meta("name"))
}

/// The (namespace, name) of every EventBus among `values`.
fn buses_of<'v>(values: impl IntoIterator<Item = &'v Value>) -> Vec<(String, String)> {
    values
        .into_iter()
        .filter(|v| kind(v) == Some(spec::KIND))
        .map(namespace_and_name)
        .collect()
}

/// The name of the bus among `buses` that the controller made `value` for, when it is one of
/// the kinds the controller makes: such an object is set aside, since the render replaces it.
/// An object or bus without a namespace matches any namespace.
fn made_for_one_of(value: &Value, buses: &[(String, String)]) -> Option<String> {
    if !MADE_KINDS.contains(&kind(value)?) {
        return None;
    }
    let (ns, name) = made_for(value)?;
    buses
        .iter()
        .any(|(bns, bname)| *bname == name && (*bns == ns || bns.is_empty() || ns.is_empty()))
        .then_some(name)
}

/// The warning for an object set aside by [`made_for_one_of`].
fn set_aside_note(value: &Value, bus: &str) -> String {
    let (_, name) = namespace_and_name(value);
    format!(
        "set aside {} {name}: made by the controller for EventBus {bus}; the render replaces it",
        kind(value).unwrap_or_default()
    )
}

/// Sifts the documents of an input: Secret documents lose their server-side fields, and
/// objects the controller made for a bus of the same input are left out with a
/// warning naming them. Everything else is kept as it is.
pub(crate) fn sift<'a>(docs: Vec<Cow<'a, Document>>) -> Sifted<'a> {
    let buses = buses_of(docs.iter().map(|d| &d.value));
    let mut kept = Vec::with_capacity(docs.len());
    let mut warnings = Vec::new();
    let mut set_aside = std::collections::BTreeSet::new();
    for doc in docs {
        if let Some(bus) = made_for_one_of(&doc.value, &buses) {
            set_aside.insert(doc.index);
            warnings.push(Warning {
                path: String::new(),
                message: set_aside_note(&doc.value, &bus),
                location: Some(doc.start),
                document: Some(doc.index),
            });
            continue;
        }
        let k = kind(&doc.value).unwrap_or_default();
        // An EventBus keeps its server-side fields here: validation drops them with a warning
        // that names them (nothing is dropped without a word). A Secret is only read for its
        // data, so nothing of its metadata can reach the output.
        if k == "Secret" && has_server_fields(&doc.value) {
            let mut owned = doc.into_owned();
            strip_server_fields(&mut owned.value);
            kept.push(Cow::Owned(owned));
        } else {
            kept.push(doc);
        }
    }
    Sifted {
        kept,
        warnings,
        set_aside,
    }
}

/// What [`sift`] leaves of an input.
pub(crate) struct Sifted<'a> {
    /// The documents to read.
    pub kept: Vec<Cow<'a, Document>>,
    /// A warning for each document set aside.
    pub warnings: Vec<Warning>,
    /// The indices of the documents set aside (the controller's objects of a bus of the input).
    pub set_aside: std::collections::BTreeSet<usize>,
}

/// Whether [`strip_server_fields`] would remove anything, without copying the document.
fn has_server_fields(value: &Value) -> bool {
    let Some(object) = value.as_object() else {
        return false;
    };
    let meta = object.get("metadata").and_then(Value::as_object);
    object.contains_key("status")
        || meta.is_some_and(|m| {
            SERVER_METADATA.iter().any(|k| m.contains_key(*k))
                || m.get("annotations")
                    .and_then(Value::as_object)
                    .is_some_and(|a| a.contains_key(LAST_APPLIED))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owners_and_labels_name_the_bus() {
        let owned = json!({"metadata": {"namespace": "ns", "ownerReferences": [
            {"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus", "name": "default"}]}});
        assert_eq!(made_for(&owned), Some(("ns".into(), "default".into())));
        let labelled = json!({"metadata": {"labels": {
            "controller": "eventbus-controller", "eventbus-name": "b"}}});
        assert_eq!(made_for(&labelled), Some((String::new(), "b".into())));
        assert_eq!(
            made_for(&json!({"metadata": {"labels": {"app": "x"}}})),
            None
        );
    }

    #[test]
    fn server_fields_go() {
        let mut v = json!({"kind": "EventBus", "status": {}, "metadata": {"name": "a", "uid": "u",
            "resourceVersion": "1", "generation": 2, "finalizers": ["eventbus-controller"],
            "annotations": {LAST_APPLIED: "{}"}}, "spec": {}});
        assert!(strip_server_fields(&mut v));
        assert_eq!(
            v,
            json!({"kind": "EventBus", "metadata": {"name": "a"}, "spec": {}})
        );
        assert!(!strip_server_fields(&mut v));
    }
}
