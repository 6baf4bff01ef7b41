//! The editor schema (`eventbus-gen schema`) against validation: it accepts every fixture that
//! renders and refuses every invalid one it can express. The invalid fixtures it cannot
//! express are listed below with the reason; the test fails if one of them becomes
//! expressible (then remove it from the list) or if a new one appears.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{binary, render_fixture, root, run};

/// Invalid fixtures the schema accepts, and why JSON Schema cannot refuse them.
const CANNOT_EXPRESS: &[(&str, &str)] = &[
    (
        "invalid/namespace-missing.yaml",
        "the namespace may come from the namespace option, which the schema does not see",
    ),
    (
        "invalid/jetstream-unknown-version.yaml",
        "the version table is extended by the jetstreamVersions option",
    ),
    (
        "invalid/jetstream-stream-config-list.yaml",
        "streamConfig is YAML inside a string; a schema checks the string only",
    ),
    (
        "invalid/jetstream-stream-config-ranges.yaml",
        "streamConfig is YAML inside a string; a schema checks the string only",
    ),
    (
        "invalid/jetstream-stream-config-windows.yaml",
        "streamConfig is YAML inside a string; a schema checks the string only",
    ),
    (
        "invalid/stan-raft-timeouts.yaml",
        "raft timeouts are checked against each other and against minimums in time units, \
         which a pattern on the text cannot compare",
    ),
    (
        "invalid/secret-data-not-base64.yaml",
        "a Secret document of the input; the schema describes the EventBus",
    ),
    (
        "invalid/secret-token-malformed.yaml",
        "a Secret document of the input; the schema describes the EventBus",
    ),
    (
        "invalid/unused-secret-strict.yaml",
        "a Secret that no bus uses, with the strictInput option",
    ),
    (
        "invalid/token-without-source.yaml",
        "where tokens come from (seed, Secrets, randomTokens) is not in the document",
    ),
    (
        "real-world/11-js-version-2.10.10-named-jetstream.yaml",
        "a version missing from the default version table, which the jetstreamVersions option \
         extends",
    ),
    (
        "hostile/alias-bomb-stream-config.yaml",
        "streamConfig is YAML inside a string; a schema checks the string only",
    ),
    (
        "hostile/empty.yaml",
        "no document: nothing for the schema to check (render says no EventBus was found)",
    ),
    (
        "hostile/comments-only.yaml",
        "no document: nothing for the schema to check (render says no EventBus was found)",
    ),
    (
        "hostile/separators-only.yaml",
        "no document: nothing for the schema to check (render says no EventBus was found)",
    ),
    (
        "hostile/lone-bom.yaml",
        "no document: nothing for the schema to check (render says no EventBus was found)",
    ),
    (
        "invalid/duplicate-key.yaml",
        "a key given twice is a YAML matter; editors' YAML parsers flag it, and JSON has only one",
    ),
    (
        "hostile/max-age-overflow.yaml",
        "a duration longer than Go reads: a pattern cannot bound the sum of its parts",
    ),
    (
        "hostile/raft-timeout-overflow.yaml",
        "a duration longer than Go reads: a pattern cannot bound the sum of its parts",
    ),
    (
        "hostile/raft-election-overflow-sum.yaml",
        "a duration longer than Go reads: a pattern cannot bound the sum of its parts",
    ),
    (
        "hostile/max-bytes-overflow.yaml",
        "a size larger than NATS reads: a pattern cannot bound the number times its unit",
    ),
    (
        "hostile/max-payload-overflow.yaml",
        "a size larger than NATS reads: a pattern cannot bound the number times its unit",
    ),
];

/// The EventBus files of these fixture folders.
const FOLDERS: [&str; 7] = [
    "stan",
    "jetstream",
    "exotic",
    "mixed",
    "real-world",
    "invalid",
    "hostile",
];

fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for folder in FOLDERS {
        for e in std::fs::read_dir(root().join("fixtures").join(folder)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml" || x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn strict_schema() -> Value {
    let out = run(&["schema"], None, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// The documents an editor would check against the EventBus schema: all but the Secrets and
/// the controller's objects that `render` also reads.
fn bus_documents(text: &str) -> Option<Vec<Value>> {
    let docs = eventbus_gen::yaml::load_documents(text).ok()?;
    let other = |d: &Value| {
        d.get("apiVersion").and_then(Value::as_str) != Some("argoproj.io/v1alpha1")
            && matches!(
                d.get("kind").and_then(Value::as_str),
                Some("Secret" | "StatefulSet" | "Service" | "ConfigMap" | "PodDisruptionBudget")
            )
    };
    // A `kind: List` (kubectl's export) stands for its items, as render reads it.
    let values = docs
        .into_iter()
        .flat_map(|d| match d.value.get("kind").and_then(Value::as_str) {
            Some("List") => d.value["items"].as_array().cloned().unwrap_or_default(),
            _ => vec![d.value],
        });
    Some(values.filter(|d| !other(d)).collect())
}

fn name(path: &Path) -> String {
    path.strip_prefix(root().join("fixtures"))
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn the_strict_schema_agrees_with_validation_on_every_fixture() {
    let validator = jsonschema::validator_for(&strict_schema()).expect("a valid JSON Schema");
    let cannot: BTreeSet<&str> = CANNOT_EXPRESS.iter().map(|(f, _)| *f).collect();
    let (mut valid, mut refused, mut unloadable) = (0, 0, 0);
    let mut problems = Vec::new();
    for path in files() {
        let file = name(&path);
        let bytes = std::fs::read(&path).unwrap();
        // Fixtures that are not UTF-8 have no test directives: the defaults of render_fixture.
        let renders = match std::str::from_utf8(&bytes) {
            Ok(_) => render_fixture(&path, &[]).code == 0,
            Err(_) => {
                let at = path.to_str().unwrap();
                binary(&["render", "--namespace", "argo-events", at])
                    .seeded()
                    .output()
                    .code
                    == 0
            }
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let Some(docs) = bus_documents(&text) else {
            // Not YAML the loader reads (syntax, encoding, bombs, limits): an editor's YAML
            // parser reports it before any schema applies.
            assert!(!renders, "{file} renders but does not load");
            unloadable += 1;
            continue;
        };
        let errors: Vec<String> = docs
            .iter()
            .flat_map(|d| {
                validator
                    .iter_errors(d)
                    .map(|e| format!("{}: {e}", e.instance_path()))
            })
            .collect();
        match (renders, errors.is_empty(), cannot.contains(file.as_str())) {
            (true, true, false) => valid += 1,
            (true, false, _) => problems.push(format!("{file} renders, but the schema refuses it: {errors:?}")),
            (true, true, true) => problems.push(format!("{file} renders; remove it from CANNOT_EXPRESS")),
            (false, false, false) => refused += 1,
            (false, false, true) => problems.push(format!(
                "the schema now refuses {file}; remove it from CANNOT_EXPRESS"
            )),
            (false, true, true) => {}
            (false, true, false) => problems.push(format!(
                "{file} does not render, but the schema accepts it: tighten the schema, or list it in CANNOT_EXPRESS with the reason"
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    eprintln!(
        "strict schema: {valid} valid fixtures accepted, {refused} invalid refused, {} invalid \
         it cannot express, {unloadable} not loadable",
        CANNOT_EXPRESS.len()
    );
    assert!(
        valid >= 40 && refused >= 40,
        "{valid} valid, {refused} refused"
    );
}

#[test]
fn the_issue_examples_are_refused_with_the_field_named() {
    let validator = jsonschema::validator_for(&strict_schema()).unwrap();
    let bus = |spec: Value| {
        serde_json::json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
            "metadata": {"name": "default", "namespace": "argo-events"}, "spec": spec})
    };
    let good = bus(serde_json::json!({"nats": {"native": {"replicas": 3, "auth": "token"}}}));
    assert!(validator.is_valid(&good));
    for (doc, at) in [
        (
            bus(serde_json::json!({"nats": {"native": {"replica": 3}}})),
            "/spec/nats/native",
        ),
        (
            bus(serde_json::json!({"nats": {"native": {"auth": "password"}}})),
            "/spec/nats/native/auth",
        ),
        (
            bus(serde_json::json!({"nats": {"native": {"replicas": 100}}})),
            "/spec/nats/native/replicas",
        ),
        (
            bus(serde_json::json!({"jetstream": {"version": "latest", "replicas": 2}})),
            "/spec/jetstream/replicas",
        ),
        (
            bus(serde_json::json!({"nats": {"native": {"maxAge": "3d"}}})),
            "/spec/nats/native/maxAge",
        ),
        (
            bus(serde_json::json!({"nats": {"native": {"maxBytes": "1 GB"}}})),
            "/spec/nats/native/maxBytes",
        ),
        (
            bus(serde_json::json!({"nats": {"native": {"persistence": {"volumeSize": "10 Gi"}}}})),
            "/spec/nats/native/persistence/volumeSize",
        ),
    ] {
        let paths: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| e.instance_path().to_string())
            .collect();
        assert!(paths.iter().any(|p| p == at), "{doc}: {paths:?}");
    }
    let mut deployment = good.clone();
    deployment["kind"] = "Deployment".into();
    assert!(!validator.is_valid(&deployment));
    let mut two = good;
    two["spec"]["kafka"] = serde_json::json!({"url": "kafka:9092"});
    assert!(!validator.is_valid(&two));
}
