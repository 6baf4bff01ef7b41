//! `eventbus-gen adopt`: a render compared with the export of the running bus.

use serde_json::Value;

use crate::support::run;

const STAN_EXPORT: &str = "fixtures/exports/stan-token.yaml";
const STAN_SPEC: &str = "fixtures/exports/stan-token.spec.yaml";

/// The spec the export came from, with `extra` lines added under `spec.nats.native`.
fn spec_with(extra: &str) -> String {
    let text = std::fs::read_to_string(crate::support::root().join(STAN_SPEC)).unwrap();
    format!("{text}{extra}")
}

#[test]
fn the_spec_an_export_came_from_changes_nothing() {
    let out = run(
        &["adopt", "--no-pdb", "--live", STAN_EXPORT, STAN_SPEC],
        None,
        &[],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    for object in [
        "Service argo-events/eventbus-default-stan-svc: unchanged",
        "ConfigMap argo-events/eventbus-default-stan-configmap: unchanged",
        "Secret argo-events/eventbus-default-server: unchanged",
        "Secret argo-events/eventbus-default-client: unchanged",
        "StatefulSet argo-events/eventbus-default-stan: unchanged",
        "EventBus argo-events/default: client configuration kept",
    ] {
        assert!(out.stdout.contains(object), "{object}:\n{}", out.stdout);
    }
    assert!(
        out.stdout.contains(
            "kubectl -n argo-events patch statefulset eventbus-default-stan --type=json -p '[{\"op\":\"remove\",\"path\":\"/metadata/ownerReferences\"}]'"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn a_pdb_the_controller_does_not_make_is_new_and_changes_nothing_running() {
    let out = run(&["adopt", "--live", STAN_EXPORT, STAN_SPEC], None, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("PodDisruptionBudget argo-events/eventbus-default-pdb: not live: created"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_new_resource_limit_restarts_the_pods() {
    let spec = spec_with(
        "      containerTemplate:\n        resources:\n          limits:\n            memory: 1Gi\n",
    );
    let out = run(
        &["adopt", "--no-pdb", "--live", STAN_EXPORT, "-"],
        Some(&spec),
        &[],
    );
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "StatefulSet argo-events/eventbus-default-stan: restarts pods: rolling restart of the 3 pods of StatefulSet eventbus-default-stan"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("spec.template.spec.containers[0].resources.limits"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_volume_change_is_refused() {
    let spec = spec_with("      persistence:\n        volumeSize: 20Gi\n");
    let out = run(
        &["adopt", "--no-pdb", "--live", STAN_EXPORT, "-"],
        Some(&spec),
        &[],
    );
    assert_eq!(out.code, 4, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("StatefulSet argo-events/eventbus-default-stan: refused by the API server"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("  spec.volumeClaimTemplates"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("delete statefulset eventbus-default-stan --cascade=orphan"),
        "{}",
        out.stdout
    );
}

#[test]
fn json_output_parses() {
    let spec = spec_with(
        "      containerTemplate:\n        resources:\n          limits:\n            memory: 1Gi\n",
    );
    let out = run(
        &["adopt", "--output", "json", "--live", STAN_EXPORT, "-"],
        Some(&spec),
        &[],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["exitCode"], 3);
    let sts = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "StatefulSet")
        .unwrap();
    assert_eq!(sts["verdict"], "restarts-pods");
    assert_eq!(sts["replicas"], 3);
    assert_eq!(report["owned"].as_array().unwrap().len(), 5);
}

const JS_EXPORT: &str = "fixtures/exports/jetstream-default.yaml";
const JS_SPEC: &str = "fixtures/exports/jetstream-default.spec.yaml";

fn js_spec_with(extra: &str) -> String {
    let text = std::fs::read_to_string(crate::support::root().join(JS_SPEC)).unwrap();
    format!("{text}{extra}")
}

#[test]
fn a_jetstream_export_and_its_spec_change_nothing() {
    let out = run(
        &["adopt", "--no-pdb", "--live", JS_EXPORT, JS_SPEC],
        None,
        &[],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let report = out.stdout;
    for object in [
        "Service argo-events/eventbus-default-js-svc: unchanged",
        "ConfigMap argo-events/eventbus-default-js-config: unchanged",
        "Secret argo-events/eventbus-default-js-server: unchanged",
        "Secret argo-events/eventbus-default-js-client-auth: unchanged",
        "StatefulSet argo-events/eventbus-default-js: unchanged",
        "EventBus argo-events/default: client configuration kept",
    ] {
        assert!(report.contains(object), "{object}:\n{report}");
    }
}

#[test]
fn a_jetstream_config_change_is_reloaded() {
    let spec = js_spec_with("    maxPayload: 2MB\n");
    let out = run(
        &["adopt", "--no-pdb", "--live", JS_EXPORT, "-"],
        Some(&spec),
        &[],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "ConfigMap argo-events/eventbus-default-js-config: changes without restart: the config reloader"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn a_new_stream_config_changes_the_clients() {
    let spec = js_spec_with("    streamConfig: |\n      maxMsgs: 100\n");
    let out = run(
        &["adopt", "--no-pdb", "--live", JS_EXPORT, "-"],
        Some(&spec),
        &[],
    );
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("EventBus argo-events/default: client configuration changes"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("  spec.jetstreamExotic.streamConfig"),
        "{}",
        out.stdout
    );
}
