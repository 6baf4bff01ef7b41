//! No silent drops: a Secret that is read and not used is named in a warning (an error under
//! `strictInput`) by every front end; the user's own Secrets that the KRM function and Argo CD
//! pass through are not. Server-side metadata of an exported bus never reaches the output.

use serde_json::json;

use crate::argocd::{app_with, generate};
use crate::support::{TEST_SEED, run};

const BUS: &str = "apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata:
  name: default
  namespace: argo-events
spec:
  nats:
    native:
      auth: token
";

/// The client Secret of a bus of the same name, exported from another namespace.
const OTHER_NAMESPACE: &str = "apiVersion: v1
kind: Secret
metadata:
  name: eventbus-default-client
  namespace: team-b
stringData:
  client-auth: 'token: \"NotReusedNotReusedNotReusedNotReusedNotReusedNotReusedNotReused1\"'
";

/// A Secret of the user's that has nothing to do with a bus.
const WEBHOOK: &str = "apiVersion: v1
kind: Secret
metadata:
  name: webhook-credentials
  namespace: argo-events
stringData:
  password: hunter2hunter2
";

const SAYS: &str = "Secret team-b/eventbus-default-client is not used: bus default is in \
                    namespace argo-events, so its token is not reused from here; the bus gets a \
                    new token derived from the seed";

fn stream(docs: &[&str]) -> String {
    docs.join("---\n")
}

#[test]
fn the_command_line_names_every_secret_it_does_not_use() {
    let input = stream(&[BUS, OTHER_NAMESPACE, WEBHOOK]);
    let out = run(
        &["render", "-"],
        Some(&input),
        &[("EVENTBUS_GEN_SEED", TEST_SEED)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains(SAYS), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "Secret argo-events/webhook-credentials is not used: it is not a Secret of a bus"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("NotReused") && !out.stderr.contains("hunter2"));

    let strict = run(
        &["render", "--strict-input", "-"],
        Some(&input),
        &[("EVENTBUS_GEN_SEED", TEST_SEED)],
    );
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(strict.stdout.is_empty());
    assert!(
        strict
            .stderr
            .contains("error: Secret team-b/eventbus-default-client")
    );
    assert!(!strict.stderr.contains("NotReused") && !strict.stderr.contains("hunter2"));
}

#[test]
fn the_krm_function_warns_only_about_bus_secrets() {
    let input = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{}{}{}",
        crate::support::list_item(BUS),
        crate::support::list_item(OTHER_NAMESPACE),
        crate::support::list_item(WEBHOOK)
    );
    let out = run(&["krm"], Some(&input), &[("EVENTBUS_GEN_SEED", TEST_SEED)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let list = &eventbus_gen::yaml::load_documents(&out.stdout).unwrap()[0].value;
    let warnings: Vec<&str> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["severity"] == "warning")
        .map(|r| {
            // Pointed at the Secret's item.
            assert_eq!(r["resourceRef"]["name"], "eventbus-default-client", "{r}");
            r["message"].as_str().unwrap()
        })
        .collect();
    assert_eq!(warnings, [SAYS]);
    // Both Secrets pass through untouched.
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["metadata"]["name"].as_str())
        .collect();
    assert!(names.contains(&"webhook-credentials") && names.contains(&"eventbus-default-client"));

    // Its own output again: the rendered Secrets are used, nothing is reported.
    let again = run(&["krm"], Some(&out.stdout), &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let list = &eventbus_gen::yaml::load_documents(&again.stdout).unwrap()[0].value;
    let warned = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["severity"] == "warning")
        .filter(|r| r["message"].as_str().unwrap().contains("argo-events/"))
        .count();
    assert_eq!(warned, 0, "{}", again.stdout);
}

#[test]
fn argo_cd_warns_only_about_bus_secrets_and_fails_under_strict_input() {
    let app = app_with(&[
        ("eventbus.yaml", BUS),
        ("secrets.yaml", &stream(&[OTHER_NAMESPACE, WEBHOOK])),
    ]);
    let out = generate(&app, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains(SAYS), "{}", out.stderr);
    assert!(
        !out.stderr.contains("webhook-credentials is not used"),
        "{}",
        out.stderr
    );

    let strict = generate(&app, &[json!({"name": "strictInput", "string": "true"})]);
    assert_ne!(strict.code, 0, "{}", strict.stderr);
    assert!(strict.stdout.is_empty());
    assert!(
        strict
            .stderr
            .contains("Secret team-b/eventbus-default-client is not used")
    );
    assert!(!strict.stderr.contains("NotReused") && !strict.stderr.contains("hunter2"));
}

/// An exported bus: what the API server and the controller wrote into it.
const EXPORTED_BUS: &str = "apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata:
  name: default
  namespace: argo-events
  uid: 6f1d2c3e-0000-4000-8000-000000000001
  resourceVersion: \"99\"
  ownerReferences:
    - {apiVersion: v1, kind: ConfigMap, name: owner, uid: 6f1d2c3e-0000-4000-8000-000000000002}
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{\"kind\":\"EventBus\"}'
    note: kept
spec:
  nats:
    native:
      auth: token
status:
  conditions: [{type: Deployed, status: 'True'}]
";

const SERVER_SIDE: [&str; 5] = [
    "uid:",
    "resourceVersion:",
    "ownerReferences:",
    "last-applied-configuration",
    "conditions:",
];

#[test]
fn the_krm_function_drops_server_side_metadata_from_the_companion() {
    let input = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{}",
        crate::support::list_item(EXPORTED_BUS)
    );
    let out = run(&["krm"], Some(&input), &[("EVENTBUS_GEN_SEED", TEST_SEED)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let list = &eventbus_gen::yaml::load_documents(&out.stdout).unwrap()[0].value;
    let items = as_text(&list["items"]);
    for field in SERVER_SIDE {
        assert!(
            !items.contains(field),
            "{field} reached the output: {items}"
        );
    }
    assert!(items.contains("note"), "the user's annotation is kept");
    let warned = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["severity"] == "warning")
        .filter_map(|r| r["message"].as_str())
        .filter(|m| m.contains("not carried into the output"))
        .count();
    assert_eq!(warned, 1, "{}", out.stdout);
}

#[test]
fn an_exported_external_bus_passes_through_without_server_side_metadata() {
    let exotic = EXPORTED_BUS.replace(
        "  nats:\n    native:\n      auth: token\n",
        "  nats:\n    exotic:\n      url: nats://nats.example.com:4222\n      clusterID: stan\n",
    );
    let out = run(&["render", "-"], Some(&exotic), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for field in SERVER_SIDE {
        assert!(
            !out.stdout.contains(field),
            "{field} reached the output: {}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("note: kept"), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "bus argo-events/default: not carried into the output, as the API server and the \
             controllers write them: metadata.uid, metadata.resourceVersion, \
             metadata.ownerReferences, \
             metadata.annotations.kubectl.kubernetes.io/last-applied-configuration, status"
        ),
        "{}",
        out.stderr
    );
}

/// The items as JSON text, to look for field names anywhere in them.
fn as_text(items: &serde_json::Value) -> String {
    items.to_string()
}
