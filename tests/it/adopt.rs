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

/// The STAN export with `from` replaced by `to` (each must be found).
fn export_with(replacements: &[(&str, &str)]) -> crate::support::TempDir {
    let mut text = std::fs::read_to_string(crate::support::root().join(STAN_EXPORT)).unwrap();
    for (from, to) in replacements {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    let dir = crate::support::TempDir::new("export");
    std::fs::write(dir.path().join("export.yaml"), text).unwrap();
    dir
}

/// The live EventBus as the companion: what the export looks like after step 1.
const TO_COMPANION: (&str, &str) = (
    "  spec:\n    nats:\n      native:\n        auth: token\n  status:",
    "  spec:\n    nats:\n      exotic:\n        url: nats://eventbus-default-stan-svc:4222\n        clusterID: eventbus-default\n        auth: token\n        accessSecret:\n          name: eventbus-default-client\n          key: client-auth\n  status:",
);

#[test]
fn the_handover_stage_says_what_to_apply_first() {
    // The live bus is native: the companion goes first, alone.
    let out = run(&["adopt", "--live", STAN_EXPORT, STAN_SPEC], None, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("EventBus argo-events/default is still native")
            && out
                .stdout
                .contains("Step 1: apply the companion EventBus alone"),
        "{}",
        out.stdout
    );
    let json = run(
        &[
            "adopt",
            "--output",
            "json",
            "--live",
            STAN_EXPORT,
            STAN_SPEC,
        ],
        None,
        &[],
    );
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["handover"][0]["stage"], "controller-manages");

    // The companion is live and the objects are still owned: release them now.
    let dir = export_with(&[TO_COMPANION]);
    let export = dir.path().join("export.yaml");
    let export = export.to_str().unwrap();
    let out = run(&["adopt", "--live", export, STAN_SPEC], None, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("EventBus argo-events/default: the companion is live. Apply the other objects, then release the 5 objects"),
        "{}",
        out.stdout
    );

    // Released: nothing owned, nothing left of the hand-over.
    let dir = export_with(&[TO_COMPANION]);
    let path = dir.path().join("export.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut list = eventbus_gen::yaml::load_documents(&text)
        .unwrap()
        .remove(0)
        .value;
    for item in list["items"].as_array_mut().unwrap() {
        item["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("ownerReferences");
    }
    std::fs::write(&path, list.to_string()).unwrap();
    let out = run(
        &["adopt", "--live", path.to_str().unwrap(), STAN_SPEC],
        None,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("the companion is live and no object is owned any more")
            && !out.stdout.contains("ownerReferences\"}]"),
        "{}",
        out.stdout
    );
}

#[test]
fn live_only_labels_are_kept_not_changed() {
    let dir = export_with(&[(
        "      owner-name: default\n    name: eventbus-default-stan\n",
        "      owner-name: default\n      team: payments\n    name: eventbus-default-stan\n",
    )]);
    let export = dir.path().join("export.yaml");
    let out = run(
        &[
            "adopt",
            "--no-pdb",
            "--live",
            export.to_str().unwrap(),
            STAN_SPEC,
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("StatefulSet argo-events/eventbus-default-stan: unchanged")
            && out.stdout.contains("kept as they are")
            && out.stdout.contains("metadata.labels.team"),
        "{}",
        out.stdout
    );
}

#[test]
fn printed_commands_quote_names_from_the_export() {
    let dir = export_with(&[(
        "    name: eventbus-default-stan-configmap\n",
        "    name: \"x; touch pwned\"\n",
    )]);
    let export = dir.path().join("export.yaml");
    let out = run(
        &["adopt", "--live", export.to_str().unwrap(), STAN_SPEC],
        None,
        &[],
    );
    assert!(
        out.stdout
            .contains("kubectl -n argo-events patch configmap 'x; touch pwned' --type=json"),
        "{}",
        out.stdout
    );
}

/// The Argo CD order of docs/adopt.md: a sync wave in the spec's own annotations lands on the companion
/// EventBus only, so it syncs before the objects.
#[test]
fn a_sync_wave_on_the_spec_stays_on_the_companion() {
    let spec = std::fs::read_to_string(crate::support::root().join(STAN_SPEC)).unwrap();
    let spec = spec.replacen(
        "metadata:\n",
        "metadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: \"-1\"\n",
        1,
    );
    let out = run(
        &["render", "--seed-file", "examples/demo.seed", "-"],
        Some(&spec),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    for doc in out.docs() {
        let wave = doc["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"].as_str();
        if doc["kind"] == "EventBus" {
            assert_eq!(wave, Some("-1"));
        } else {
            assert_eq!(wave, None, "{}", crate::support::kind_name(&doc));
        }
    }
}

/// Secrets kept in Git that no longer match the cluster's: the spec's Secrets come first, so the
/// render carries their tokens, and adopt says clients would be locked out, without printing a
/// token.
#[test]
fn stale_secrets_in_the_spec_change_credentials() {
    let stale = "stale-token-from-git-0123456789";
    let spec = format!(
        "{}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: eventbus-default-server\n  namespace: argo-events\nstringData:\n  auth: |\n    authorization {{\n      token: \"{stale}\"\n    }}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: eventbus-default-client\n  namespace: argo-events\nstringData:\n  client-auth: |\n    token: \"{stale}\"\n",
        spec_with("")
    );
    let out = run(&["adopt", "--live", STAN_EXPORT, "-"], Some(&spec), &[]);
    assert_eq!(out.code, 4, "{}\n{}", out.stdout, out.stderr);
    for secret in ["eventbus-default-server", "eventbus-default-client"] {
        assert!(
            out.stdout.contains(&format!(
                "Secret argo-events/{secret}: credentials change: clients holding the old ones are locked out"
            )),
            "{}",
            out.stdout
        );
    }
    assert!(
        out.stderr
            .contains("is not used: an earlier Secret of the same name"),
        "{}",
        out.stderr
    );
    let live_token = "FcGYEn234nzHJ9BNfot8bf95N6fRx08jeXutxfFHMyvLyFJfnzxM4qVxoN1hDBJt";
    for text in [&out.stdout, &out.stderr] {
        assert!(
            !text.contains(stale) && !text.contains(live_token),
            "a token was printed"
        );
    }
}
