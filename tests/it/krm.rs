//! The KRM function end to end: contract tests on the ResourceLists kustomize sends, and the
//! real `kpt` running the binary on a copy of `examples/kpt`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use eventbus_gen::yaml::{self, Schema};
use serde_json::{Value, json};

use crate::support::{self, BIN, TEST_SEED, binary, copy_tree, kind_name, root};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("fixtures/krm").join(name)).unwrap()
}

/// Runs the binary with no arguments (as kustomize does) on `input`, with `seed` as the only
/// seed.
fn run(input: &str, seed: Option<&str>) -> support::Output {
    let mut cmd = binary::<&str>(&[]).stdin(input);
    if let Some(s) = seed {
        cmd = cmd.env("EVENTBUS_GEN_SEED", s);
    }
    cmd.output()
}

fn parse(text: &str) -> Value {
    let mut docs = yaml::load_documents_with(text, Schema::Kyaml).unwrap();
    assert_eq!(docs.len(), 1, "one ResourceList expected:\n{text}");
    docs.remove(0).value
}

fn items(list: &Value) -> &Vec<Value> {
    list["items"].as_array().unwrap()
}

fn ann<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    item["metadata"]["annotations"][key].as_str()
}

fn kinds(list: &Value) -> Vec<String> {
    items(list).iter().map(kind_name).collect()
}

fn results(list: &Value, severity: &str) -> Vec<Value> {
    list["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter(|r| r["severity"] == severity)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The token in a rendered client Secret.
fn client_token(list: &Value) -> String {
    let secret = items(list)
        .iter()
        .find(|i| i["kind"] == "Secret" && i["metadata"]["name"] == "eventbus-default-client")
        .expect("client Secret");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(secret["data"]["client-auth"].as_str().unwrap())
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    text.trim_start_matches("token: \"")
        .trim_end_matches('"')
        .to_owned()
}

#[test]
fn kustomize_generator_appends_the_objects_of_its_config_bus() {
    let out = run(&fixture("kustomize-generator.yaml"), Some(TEST_SEED));
    assert!(out.success(), "{}", out.stderr);
    let list = parse(&out.stdout);
    assert_eq!(
        kinds(&list),
        [
            "Service/eventbus-default-stan-svc",
            "ConfigMap/eventbus-default-stan-configmap",
            "Secret/eventbus-default-server",
            "Secret/eventbus-default-client",
            "StatefulSet/eventbus-default-stan",
            "PodDisruptionBudget/eventbus-default-pdb",
            "EventBus/default",
        ],
        "the local-config copy of the config is left out"
    );
    for (index, item) in items(&list).iter().enumerate() {
        assert_eq!(ann(item, "config.kubernetes.io/function"), None);
        assert_eq!(ann(item, "config.kubernetes.io/local-config"), None);
        assert_eq!(ann(item, "eventbus-gen/options"), None);
        assert_eq!(
            ann(item, "internal.config.kubernetes.io/id"),
            None,
            "no invented ids"
        );
        let path = "rendered/argo-events/eventbus-default.yaml";
        assert_eq!(ann(item, "internal.config.kubernetes.io/path"), Some(path));
        assert_eq!(ann(item, "config.kubernetes.io/path"), Some(path));
        assert_eq!(
            ann(item, "internal.config.kubernetes.io/index"),
            Some(&*index.to_string())
        );
        assert_eq!(
            ann(item, "config.kubernetes.io/index"),
            Some(&*index.to_string())
        );
        // The options annotation reached the render.
        assert_eq!(
            item["metadata"]["labels"]["app.kubernetes.io/part-of"],
            "events"
        );
    }
    let companion = &items(&list)[6];
    assert_eq!(ann(companion, "eventbus-gen/companion"), Some("true"));
    assert_eq!(
        companion["spec"]["nats"]["exotic"]["url"],
        "nats://eventbus-default-stan-svc:4222"
    );
    assert!(results(&list, "error").is_empty() && results(&list, "warning").is_empty());
    assert_eq!(results(&list, "info").len(), 1);
    assert_eq!(
        list["functionConfig"]["kind"], "EventBus",
        "the config is echoed"
    );
    assert!(!out.stderr.contains(&client_token(&list)));
}

#[test]
fn kustomize_transformer_replaces_the_bus_and_passes_the_rest_through() {
    let input = fixture("kustomize-transformer.yaml");
    let out = run(&input, Some(TEST_SEED));
    assert!(out.success(), "{}", out.stderr);
    let list = parse(&out.stdout);
    let before = parse(&input);
    assert_eq!(
        kinds(&list),
        [
            "ConfigMap/sensor-settings",
            "EventBus/default",
            "Service/eventbus-default-stan-svc",
            "ConfigMap/eventbus-default-stan-configmap",
            "Secret/eventbus-default-server",
            "Secret/eventbus-default-client",
            "StatefulSet/eventbus-default-stan",
        ],
        "podDisruptionBudget: false in the typed config"
    );
    // Untouched, annotations and the YAML 1.2 string "yes" included.
    assert_eq!(items(&list)[0], items(&before)[0]);
    assert!(out.stdout.contains("    enabled: \"yes\"\n"));
    // The companion takes the bus's place and keeps kustomize's bookkeeping.
    let companion = &items(&list)[1];
    let bus = &items(&before)[1];
    assert_eq!(ann(companion, "eventbus-gen/companion"), Some("true"));
    assert!(companion["spec"]["nats"]["native"].is_null());
    for key in [
        "kustomize.config.k8s.io/id",
        "config.kubernetes.io/index",
        "internal.config.kubernetes.io/index",
        "internal.config.kubernetes.io/annotations-migration-resource-id",
        "internal.config.kubernetes.io/id",
        "config.k8s.io/id",
        "team.example.com/owner",
    ] {
        assert_eq!(ann(companion, key), ann(bus, key), "{key}");
    }
    // The owner's own annotation is not spread to the rendered objects' ids.
    for item in &items(&list)[2..] {
        assert_eq!(ann(item, "kustomize.config.k8s.io/id"), None);
        assert_eq!(ann(item, "config.k8s.io/id"), None);
    }
}

#[test]
fn existing_secrets_keep_their_token_without_a_seed_and_nothing_moves() {
    let input = fixture("existing-secrets.yaml");
    let out = run(&input, None);
    assert!(out.success(), "{}", out.stderr);
    let list = parse(&out.stdout);
    assert_eq!(
        client_token(&list),
        "KeptFromTheClusterTokenAbcdefghijklmnopqrstuvwxyz0123456789ABCD"
    );
    let before = parse(&input);
    // The Secrets are updated in place: same position, same file, same ids.
    for i in [1, 2] {
        assert_eq!(
            items(&list)[i]["metadata"]["name"],
            items(&before)[i]["metadata"]["name"]
        );
        for key in [
            "internal.config.kubernetes.io/path",
            "config.kubernetes.io/index",
            "config.k8s.io/id",
        ] {
            assert_eq!(ann(&items(&list)[i], key), ann(&items(&before)[i], key));
        }
    }
    let server = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(items(&list)[1]["data"]["auth"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(server.contains("KeptFromTheClusterTokenAbcdefghijklmnopqrstuvwxyz0123456789ABCD"));
    assert!(!out.stderr.contains("KeptFromTheCluster"));
    // Running on its own output changes nothing, byte for byte.
    let again = run(&out.stdout, None);
    assert!(again.success(), "{}", again.stderr);
    let again_list = parse(&again.stdout);
    assert_eq!(items(&again_list), items(&list));
}

#[test]
fn derived_tokens_are_stable_per_seed_and_output_is_deterministic() {
    let input = fixture("kustomize-generator.yaml");
    let a = run(&input, Some(TEST_SEED));
    let b = run(&input, Some(TEST_SEED));
    assert!(a.success() && b.success());
    assert_eq!(a.stdout, b.stdout, "byte-identical output");
    // The explicit subcommand behaves exactly like the bare invocation kustomize uses.
    let explicit = binary(&["krm"]).stdin(&input).seeded().output();
    assert_eq!(explicit.stdout, a.stdout);
    let c = run(&input, Some("another-seed-of-enough-length-42"));
    let (ta, tc) = (
        client_token(&parse(&a.stdout)),
        client_token(&parse(&c.stdout)),
    );
    assert_eq!(ta.len(), 64);
    assert_ne!(ta, tc);
}

#[test]
fn running_on_its_own_output_changes_nothing() {
    let first = run(&fixture("kustomize-transformer.yaml"), Some(TEST_SEED));
    assert!(first.success());
    // No seed the second time: nothing is rendered again, so none is needed.
    let second = run(&first.stdout, None);
    assert!(second.success(), "{}", second.stderr);
    assert_eq!(items(&parse(&second.stdout)), items(&parse(&first.stdout)));
}

#[test]
fn no_token_source_is_an_error_result_and_the_items_stay_unchanged() {
    let input = fixture("existing-secrets.yaml");
    // Drop the two Secrets: no seed, no Secrets, no random tokens.
    let mut list = parse(&input);
    list["items"].as_array_mut().unwrap().truncate(1);
    let input = serde_json::to_string(&list).unwrap();
    let out = run(&input, None);
    assert_eq!(out.code, 1);
    let out_list = parse(&out.stdout);
    assert_eq!(items(&out_list), items(&list), "input items, unchanged");
    let errors = results(&out_list, "error");
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!(e["field"]["path"], "spec.nats.native.auth");
    assert_eq!(
        e["resourceRef"],
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus", "name": "default", "namespace": "argo-events"})
    );
    assert_eq!(e["file"], json!({"path": "eventbus.yaml"}));
    let message = e["message"].as_str().unwrap();
    for way in [
        "EVENTBUS_GEN_SEED",
        "seedFile",
        "eventbus-default-server",
        "randomTokens",
    ] {
        assert!(message.contains(way), "{way}: {message}");
    }
    assert!(
        out.stderr
            .contains("error: EventBus/argo-events/default spec.nats.native.auth")
    );
}

#[test]
fn an_undecodable_secret_item_is_an_error_result_like_on_the_command_line() {
    let mut list = parse(&fixture("existing-secrets.yaml"));
    // Not base64: the command line rejects such a Secret document, and so does the function.
    list["items"][2]["data"]["client-auth"] = json!("token: \"NotBase64SecretValue\"");
    let input = serde_json::to_string(&list).unwrap();
    let out = run(&input, Some(TEST_SEED));
    assert_eq!(out.code, 1);
    let out_list = parse(&out.stdout);
    assert_eq!(items(&out_list), items(&list), "input items, unchanged");
    let errors = results(&out_list, "error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e["field"]["path"], "data.client-auth");
    assert_eq!(
        e["resourceRef"],
        json!({"apiVersion": "v1", "kind": "Secret", "name": "eventbus-default-client", "namespace": "argo-events"})
    );
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("Secret argo-events/eventbus-default-client")
            && message.contains("data key client-auth is not base64"),
        "{message}"
    );
    // The value stays in its (unchanged) item, and appears nowhere else.
    assert!(
        !out_list["results"]
            .to_string()
            .contains("NotBase64SecretValue")
    );
    assert!(
        !out.stderr.contains("NotBase64SecretValue"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_malformed_token_secret_item_is_an_error_result_not_replaced() {
    let mut list = parse(&fixture("existing-secrets.yaml"));
    list["items"][2]["data"]["client-auth"] =
        json!(base64::engine::general_purpose::STANDARD.encode("tokn: \"BrokenSecretValue\""));
    let input = serde_json::to_string(&list).unwrap();
    // Even with a seed: the broken Secret is not silently rendered over.
    let out = run(&input, Some(TEST_SEED));
    assert_eq!(out.code, 1);
    let out_list = parse(&out.stdout);
    assert_eq!(items(&out_list), items(&list), "input items, unchanged");
    let errors = results(&out_list, "error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["field"]["path"], "spec.nats.native.auth");
    assert_eq!(errors[0]["resourceRef"]["kind"], "EventBus");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Secret eventbus-default-client has no strategy annotation")
            && message.contains("its key client-auth holds no token in the expected form"),
        "{message}"
    );
    assert!(
        !out_list["results"]
            .to_string()
            .contains("BrokenSecretValue")
    );
    assert!(!out.stderr.contains("BrokenSecretValue"));
}

#[test]
fn random_tokens_from_configmap_data_warn() {
    let mut list = parse(&fixture("existing-secrets.yaml"));
    list["items"].as_array_mut().unwrap().truncate(1);
    list["functionConfig"] = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "function-input"},
        "data": {"randomTokens": "true", "metrics": "false", "images.natsStreaming": "r.example/stan:1"}});
    let out = run(&serde_json::to_string(&list).unwrap(), None);
    assert!(out.success(), "{}", out.stderr);
    let out_list = parse(&out.stdout);
    let warnings = results(&out_list, "warning");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("every render changes it")
    );
    let sts = items(&out_list)
        .iter()
        .find(|i| i["kind"] == "StatefulSet")
        .unwrap();
    let containers = sts["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers.len(), 1, "metrics: false");
    assert_eq!(containers[0]["image"], "r.example/stan:1");
    // kpt fn eval's config: kpt prints the results and stderr both, so the warning is shown
    // once, as a result. Under kustomize (any other config) stderr is the only place.
    assert!(!out.stderr.contains("warning: EventBus/argo-events/default"));
    list["functionConfig"]["metadata"]["name"] = json!("render-options");
    let out = run(&serde_json::to_string(&list).unwrap(), None);
    assert!(out.stderr.contains("warning: EventBus/argo-events/default"));
}

#[test]
fn configuration_errors_name_the_field_and_the_accepted_forms() {
    let mut list = parse(&fixture("existing-secrets.yaml"));
    list["functionConfig"] = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "opts"}, "data": {"podDisruptionBudgett": "false"}});
    let out = run(&serde_json::to_string(&list).unwrap(), None);
    assert_eq!(out.code, 1);
    let e = &results(&parse(&out.stdout), "error")[0];
    assert_eq!(e["field"]["path"], "data.podDisruptionBudgett");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("podDisruptionBudget")
    );

    list["functionConfig"] = json!({"apiVersion": "fn.eventbus-gen.dev/v1alpha1",
        "kind": "EventBusRenderOptions", "metadata": {"name": "opts"},
        "spec": {"namespace": "Not_A_Namespace"}});
    let out = run(&serde_json::to_string(&list).unwrap(), None);
    assert_eq!(out.code, 1);
    let e = &results(&parse(&out.stdout), "error")[0];
    assert_eq!(e["field"]["path"], "spec.namespace");
    assert_eq!(e["resourceRef"]["kind"], "EventBusRenderOptions");

    list["functionConfig"] = json!({"apiVersion": "example.com/v1", "kind": "Other",
        "metadata": {"name": "x"}});
    let out = run(&serde_json::to_string(&list).unwrap(), None);
    assert_eq!(out.code, 1);
    let e = &results(&parse(&out.stdout), "error")[0];
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("EventBusRenderOptions")
    );
    assert_eq!(items(&parse(&out.stdout)), items(&list));
}

/// `eventbus-gen krm` answers anything with a ResourceList; the bare command, which might have
/// been started by mistake, prints its usage instead (see the `cli` tests).
#[test]
fn input_that_is_not_a_resource_list_fails_with_a_resource_list() {
    for input in [
        "kind: ConfigMap\nmetadata: {name: a}\n",
        "a: [1, 2\n",
        "---\na: 1\n---\nb: 2\n",
    ] {
        let out = binary(&["krm"]).stdin(input).output();
        assert_eq!(out.code, 1, "{input}");
        let list = parse(&out.stdout);
        assert_eq!(list["kind"], "ResourceList");
        assert_eq!(results(&list, "error").len(), 1);
        assert!(out.stderr.starts_with("eventbus-gen: error: "));
    }
}

// ---- the real kpt ----

fn kpt() -> Command {
    let found = Command::new("kpt").arg("version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "kpt is not installed or does not run; the KRM end-to-end tests need it on PATH"
    );
    let mut cmd = Command::new("kpt");
    // `exec: eventbus-gen` in the Kptfile is looked up on PATH.
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir.to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(dirs).unwrap())
        .env_remove("EVENTBUS_GEN_SEED");
    cmd
}

/// A fresh copy of examples/kpt in a temporary directory.
fn package(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eventbus-gen-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&root().join("examples/kpt"), &dir);
    dir
}

/// Every file of a directory, by relative path, with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn check(o: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "kpt failed:\n{text}");
    text
}

fn rendered_kinds(dir: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(dir.join("rendered/argo-events/eventbus-default.yaml")).unwrap();
    yaml::load_documents_with(&text, Schema::Kyaml)
        .unwrap()
        .into_iter()
        .map(|d| d.value["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn kpt_fn_render_renders_the_package_and_a_second_run_changes_nothing() {
    let dir = package("render");
    let out = kpt()
        .args(["fn", "render", "--allow-exec"])
        .arg(&dir)
        .env("EVENTBUS_GEN_SEED", TEST_SEED)
        .output()
        .unwrap();
    let text = check(&out);
    assert!(text.contains("[PASS] \"eventbus-gen\""), "{text}");
    assert_eq!(
        rendered_kinds(&dir),
        [
            "Service",
            "ConfigMap",
            "Secret",
            "Secret",
            "StatefulSet",
            "PodDisruptionBudget",
            "EventBus"
        ]
    );
    let rendered =
        std::fs::read_to_string(dir.join("rendered/argo-events/eventbus-default.yaml")).unwrap();
    assert!(
        !rendered.contains("config.kubernetes.io/"),
        "kpt strips the wire annotations"
    );
    assert!(
        rendered.contains("app.kubernetes.io/part-of: events"),
        "options from configPath"
    );
    // The source bus stays as written (local-config), comments included.
    assert_eq!(
        std::fs::read(dir.join("eventbus.yaml")).unwrap(),
        std::fs::read(root().join("examples/kpt/eventbus.yaml")).unwrap()
    );
    let first = snapshot(&dir);
    // Again, this time without the seed: the Secrets in the package keep the token, and what
    // the render put on them (common labels, kpt's annotations) is not reported as dropped.
    let out = kpt()
        .args(["fn", "render", "--allow-exec"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = check(&out);
    assert!(!text.contains("not carried into the output"), "{text}");
    assert_eq!(
        snapshot(&dir),
        first,
        "the second render must leave every file byte-identical"
    );
    // Options from `kpt fn eval ... -- key=value`: the PodDisruptionBudget goes away.
    let out = kpt()
        .args(["fn", "eval"])
        .arg(&dir)
        .args(["--exec", "eventbus-gen", "--", "podDisruptionBudget=false"])
        .output()
        .unwrap();
    check(&out);
    assert_eq!(
        rendered_kinds(&dir),
        [
            "Service",
            "ConfigMap",
            "Secret",
            "Secret",
            "StatefulSet",
            "EventBus"
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kpt_fn_eval_keeps_a_plain_bus_as_its_local_config_source() {
    let dir = package("eval");
    // Without local-config, the first render marks the spec local-config: it stays the
    // editable source, comments included, and the companion goes with the other objects.
    let bus = std::fs::read_to_string(dir.join("eventbus.yaml")).unwrap();
    let plain = bus.replace(
        "  annotations:\n    config.kubernetes.io/local-config: \"true\"\n",
        "",
    );
    assert_ne!(plain, bus);
    std::fs::write(dir.join("eventbus.yaml"), plain).unwrap();
    let eval = || {
        kpt()
            .args(["fn", "eval"])
            .arg(&dir)
            .arg("--exec")
            .arg(BIN)
            .arg("--fn-config")
            .arg(dir.join("render-options.yaml"))
            .env("EVENTBUS_GEN_SEED", TEST_SEED)
            .output()
            .unwrap()
    };
    let first_run = check(&eval());
    assert!(
        first_run.contains(
            "config.kubernetes.io/local-config: \"true\" so that it stays the editable source"
        ),
        "{first_run}"
    );
    assert_eq!(
        rendered_kinds(&dir),
        [
            "Service",
            "ConfigMap",
            "Secret",
            "Secret",
            "StatefulSet",
            "PodDisruptionBudget",
            "EventBus"
        ]
    );
    let spec = std::fs::read_to_string(dir.join("eventbus.yaml")).unwrap();
    assert!(
        spec.contains("config.kubernetes.io/local-config: \"true\""),
        "{spec}"
    );
    assert!(
        spec.starts_with("# The source of truth: edit this spec"),
        "{spec}"
    );
    assert!(
        spec.contains("native:") && !spec.contains("eventbus-gen/companion"),
        "{spec}"
    );
    let first = snapshot(&dir);
    let second_run = check(&eval());
    assert_eq!(
        snapshot(&dir),
        first,
        "the second eval must leave every file byte-identical"
    );
    assert!(
        second_run.contains("into 7 objects: all unchanged"),
        "{second_run}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kpt_fails_on_a_bad_spec_shows_the_error_and_leaves_the_files_unchanged() {
    let dir = package("bad");
    let bus = std::fs::read_to_string(dir.join("eventbus.yaml")).unwrap();
    std::fs::write(
        dir.join("eventbus.yaml"),
        bus.replace("auth: token", "auth: password"),
    )
    .unwrap();
    let before = snapshot(&dir);
    let results = dir.with_extension("results");
    let _ = std::fs::remove_dir_all(&results);
    std::fs::create_dir_all(&results).unwrap();
    let out = kpt()
        .args(["fn", "render", "--allow-exec"])
        .arg(&dir)
        .arg("--results-dir")
        .arg(&results)
        .env("EVENTBUS_GEN_SEED", TEST_SEED)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("[FAIL] \"eventbus-gen\""), "{text}");
    assert!(
        text.contains("[error] argoproj.io/v1alpha1/EventBus/argo-events/default spec.nats.native.auth: \"password\" is not allowed"),
        "{text}"
    );
    // Once: as a result, not again on the function's stderr that kpt also prints.
    assert_eq!(
        text.matches("\"password\" is not allowed").count(),
        1,
        "{text}"
    );
    let recorded = std::fs::read_to_string(results.join("results.yaml")).unwrap();
    assert!(recorded.contains("path: eventbus.yaml"), "{recorded}");
    assert_eq!(
        snapshot(&dir),
        before,
        "a failed render must not touch the package"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&results).unwrap();
}

/// Every option is a `-- KEY=VALUE` pair of `kpt fn eval`, dotted keys included, and a
/// JetStream bus without a seed is told how to give one in kpt's terms.
#[test]
fn kpt_fn_eval_takes_every_option_as_a_key_value_pair() {
    let dir = package("pairs");
    let out = kpt()
        .args(["fn", "eval"])
        .arg(&dir)
        .args(["--exec", "eventbus-gen", "--"])
        .args([
            "images.natsStreaming=registry.example/nats-streaming:0.25.6",
            "commonLabels.team=events",
            "certificateValidity.notAfter=2040-01-01T00:00:00Z",
        ])
        .env("EVENTBUS_GEN_SEED", TEST_SEED)
        .output()
        .unwrap();
    check(&out);
    let text =
        std::fs::read_to_string(dir.join("rendered/argo-events/eventbus-default.yaml")).unwrap();
    assert!(
        text.contains("image: registry.example/nats-streaming:0.25.6"),
        "{text}"
    );
    assert!(text.contains("team: events"), "{text}");

    let out = kpt()
        .args(["fn", "eval"])
        .arg(&dir)
        .args(["--exec", "eventbus-gen", "--", "images.natz=x"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("did you mean images.nats?"), "{text}");

    // A JetStream bus and no seed: advice in kpt's terms, no command-line flag.
    std::fs::write(
        dir.join("eventbus.yaml"),
        "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: js\n  \
         namespace: argo-events\nspec:\n  jetstream:\n    version: latest\n",
    )
    .unwrap();
    let out = kpt()
        .args(["fn", "eval"])
        .arg(&dir)
        .args(["--exec", "eventbus-gen"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        text.contains("set EVENTBUS_GEN_SEED where kpt or kustomize runs"),
        "{text}"
    );
    assert!(
        !text.contains("--seed-file") && !text.contains("--random-tokens"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kpt_fn_render_in_reference_mode_writes_no_secret_and_needs_no_seed() {
    let dir = package("reference");
    let options = dir.join("render-options.yaml");
    let text = std::fs::read_to_string(&options).unwrap();
    std::fs::write(&options, format!("{text}  secrets: reference\n")).unwrap();
    // No seed anywhere: kpt() removes EVENTBUS_GEN_SEED.
    let out = kpt()
        .args(["fn", "render", "--allow-exec"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = check(&out);
    assert!(text.contains("[PASS] \"eventbus-gen\""), "{text}");
    assert_eq!(
        rendered_kinds(&dir),
        [
            "Service",
            "ConfigMap",
            "StatefulSet",
            "PodDisruptionBudget",
            "EventBus"
        ]
    );
    let rendered =
        std::fs::read_to_string(dir.join("rendered/argo-events/eventbus-default.yaml")).unwrap();
    assert!(rendered.contains("name: eventbus-default-server"));
    assert!(rendered.contains("name: eventbus-default-client"));
    for (_, bytes) in snapshot(&dir) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("kind: Secret"), "a Secret in the package");
    }
    let first = snapshot(&dir);
    let out = kpt()
        .args(["fn", "render", "--allow-exec"])
        .arg(&dir)
        .output()
        .unwrap();
    check(&out);
    assert_eq!(snapshot(&dir), first, "a second render changes nothing");
    let _ = std::fs::remove_dir_all(&dir);
    // The same from `kpt fn eval ... -- secrets=reference`, on a fresh package.
    let dir = package("reference-eval");
    let out = kpt()
        .args(["fn", "eval"])
        .arg(&dir)
        .args(["--exec", "eventbus-gen", "--", "secrets=reference"])
        .output()
        .unwrap();
    check(&out);
    assert!(!rendered_kinds(&dir).contains(&"Secret".to_owned()));
    // `secrets=only` would leave the package with the Secrets alone: refused, nothing changes.
    let before = snapshot(&dir);
    let out = kpt()
        .args(["fn", "eval"])
        .arg(&dir)
        .args(["--exec", "eventbus-gen", "--", "secrets=only"])
        .env("EVENTBUS_GEN_SEED", TEST_SEED)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("secrets: only is for making the Secrets once")
    );
    assert_eq!(snapshot(&dir), before);
    let _ = std::fs::remove_dir_all(&dir);
}
