//! A `kubectl get ... -o yaml` export of a running bus as input.

use serde_json::Value;

use crate::support::{kind_name, root, run};

const STAN_EXPORT: &str = "fixtures/exports/stan-token.yaml";
const JS_EXPORT: &str = "fixtures/exports/jetstream-default.yaml";

/// The Secrets of the export, by name: their `data` as written there.
fn exported_secret_data(export: &str) -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(root().join(export)).unwrap();
    let docs = eventbus_gen::yaml::load_documents(&text).unwrap();
    docs[0].value["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "Secret")
        .map(|i| {
            (
                i["metadata"]["name"].as_str().unwrap().to_owned(),
                i["data"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_render_from_an_export_keeps_its_tokens_byte_for_byte() {
    for export in [STAN_EXPORT, JS_EXPORT] {
        let out = run(&["render", export], None, &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let docs = out.docs();
        let secrets = exported_secret_data(export);
        assert_eq!(secrets.len(), 2);
        for (name, data) in secrets {
            let rendered = docs
                .iter()
                .find(|d| d["kind"] == "Secret" && d["metadata"]["name"] == name.as_str())
                .unwrap_or_else(|| panic!("Secret {name} not rendered from {export}"));
            assert_eq!(rendered["data"], data, "Secret {name} of {export}");
        }
    }
}

#[test]
fn controller_objects_are_set_aside_and_server_fields_never_reach_the_output() {
    let out = run(&["render", STAN_EXPORT], None, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for object in [
        "StatefulSet eventbus-default-stan",
        "Service eventbus-default-stan-svc",
        "ConfigMap eventbus-default-stan-configmap",
    ] {
        assert!(
            out.stderr.contains(&format!(
                "warning: set aside {object}: made by the controller"
            )),
            "{}",
            out.stderr
        );
    }
    for field in [
        "managedFields",
        "resourceVersion",
        "creationTimestamp",
        "ownerReferences",
        "uid:",
        "generation",
        "finalizers",
        "last-applied-configuration",
        "resource-spec-hash",
        "conditions",
    ] {
        assert!(!out.stdout.contains(field), "{field} in the output");
    }
    let objects: Vec<String> = out.docs().iter().map(kind_name).collect();
    assert!(objects.contains(&"StatefulSet/eventbus-default-stan".to_owned()));
    assert_eq!(
        objects
            .iter()
            .filter(|o| o.starts_with("EventBus/"))
            .count(),
        1,
        "{objects:?}"
    );
}

#[test]
fn unrelated_kinds_still_fail() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: other\n  data: {}\n";
    let out = run(&["render", "-"], Some(text), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("found ConfigMap"), "{}", out.stderr);
}

/// Server-side fields that must never reach rendered or passed-through output.
const SERVER_FIELDS: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "creationTimestamp",
    "ownerReferences",
    "uid",
    "generation",
    "finalizers",
    "status",
];

fn assert_clean(front: &str, export: &str, docs: &[Value]) {
    for doc in docs {
        assert!(
            doc.get("status").is_none(),
            "{front} {export}: status in {doc}"
        );
        let meta = doc["metadata"].as_object().unwrap();
        for field in SERVER_FIELDS {
            assert!(
                !meta.contains_key(*field),
                "{front} {export}: {field} in {}",
                kind_name(doc)
            );
        }
        let annotations = meta.get("annotations").and_then(Value::as_object);
        assert!(
            annotations.is_none_or(|a| a
                .keys()
                .all(|k| !k.contains("last-applied") && k != "resource-spec-hash")),
            "{front} {export}: {}",
            kind_name(doc)
        );
    }
    let secrets = exported_secret_data(export);
    for (name, data) in secrets {
        let rendered = docs
            .iter()
            .find(|d| d["kind"] == "Secret" && d["metadata"]["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{front}: Secret {name} of {export} not in the output"));
        assert_eq!(rendered["data"], data, "{front}: Secret {name} of {export}");
    }
    let buses: Vec<&Value> = docs.iter().filter(|d| d["kind"] == "EventBus").collect();
    assert_eq!(buses.len(), 1, "{front} {export}");
    assert!(
        buses[0]["spec"]
            .get("nats")
            .is_some_and(|n| n.get("exotic").is_some())
            || buses[0]["spec"].get("jetstreamExotic").is_some(),
        "{front} {export}: the companion bus replaces the native one"
    );
}

/// The export's items as a ResourceList, as kpt hands a package holding the export to the
/// function: the controller's objects are updated in place with the rendered ones.
#[test]
fn the_krm_function_reads_an_export() {
    for export in [STAN_EXPORT, JS_EXPORT] {
        let text = std::fs::read_to_string(root().join(export)).unwrap();
        let list = &eventbus_gen::yaml::load_documents(&text).unwrap()[0].value;
        let input = serde_json::json!({
            "apiVersion": "config.kubernetes.io/v1",
            "kind": "ResourceList",
            "items": list["items"],
        });
        let out = run(&["krm"], Some(&input.to_string()), &[]);
        assert_eq!(out.code, 0, "{export}: {}", out.stderr);
        let output = &out.docs()[0];
        let items: Vec<Value> = output["items"].as_array().unwrap().clone();
        assert_clean("krm", export, &items);
        let kinds: Vec<String> = items.iter().map(kind_name).collect();
        for made in ["StatefulSet/", "Service/", "ConfigMap/"] {
            assert_eq!(
                kinds.iter().filter(|k| k.starts_with(made)).count(),
                1,
                "{export}: one {made} after the render: {kinds:?}"
            );
        }
    }
}

/// An application folder holding an export: the controller's objects are set aside (named in
/// a warning), not passed through next to the rendered ones.
#[test]
fn the_argocd_plugin_reads_an_export() {
    for export in [STAN_EXPORT, JS_EXPORT] {
        let text = std::fs::read_to_string(root().join(export)).unwrap();
        let app = crate::argocd::app_with(&[("export.yaml", &text)]);
        let out = crate::argocd::generate(&app, &[]);
        assert_eq!(out.code, 0, "{export}: {}", out.stderr);
        assert!(
            out.stderr.contains("warning: set aside StatefulSet")
                && out.stderr.contains("made by the controller"),
            "{export}: {}",
            out.stderr
        );
        assert_clean("argocd", export, &out.docs());
        let kinds: Vec<String> = out.docs().iter().map(kind_name).collect();
        assert_eq!(
            kinds
                .iter()
                .filter(|k| k.starts_with("StatefulSet/"))
                .count(),
            1,
            "{export}: {kinds:?}"
        );
    }
}
