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
