//! JetStream buses through the KRM function and the Argo CD plugin, as NATS Streaming buses go.

use crate::support::{TEST_SEED, TOKEN_BUS_KINDS, kinds, root, run};

const JETSTREAM_BUS: &str = "apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata:
  name: default
  namespace: argo-events
spec:
  jetstream:
    version: latest
    replicas: 3
";

fn resource_list(items: &str) -> String {
    format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}")
}

fn kinds_and_names(yaml: &str) -> Vec<String> {
    let docs = eventbus_gen::yaml::load_documents(yaml).unwrap();
    let list = &docs[0].value;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["kind"].as_str().unwrap(),
                i["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn krm_function_renders_a_jetstream_bus_and_is_idempotent() {
    let input = resource_list(&crate::support::list_item(JETSTREAM_BUS));
    let first = run(&["krm"], Some(&input), &[("EVENTBUS_GEN_SEED", TEST_SEED)]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let mut got = kinds_and_names(&first.stdout);
    got.sort();
    assert_eq!(
        got,
        [
            "ConfigMap/eventbus-default-js-config",
            "EventBus/default",
            "PodDisruptionBudget/eventbus-default-pdb",
            "Secret/eventbus-default-js-client-auth",
            "Secret/eventbus-default-js-server",
            "Service/eventbus-default-js-svc",
            "StatefulSet/eventbus-default-js",
        ]
    );
    assert!(
        first.stdout.contains("jetstreamExotic:"),
        "the bus is replaced by its companion"
    );
    assert!(
        !first.stdout.contains("BEGIN"),
        "PEM material stays inside base64 Secret data"
    );

    // Again on its own output, without the seed: the Secrets in the items keep every credential
    // and certificate, and nothing changes.
    let second = run(&["krm"], Some(&first.stdout), &[]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let items =
        |text: &str| eventbus_gen::yaml::load_documents(text).unwrap()[0].value["items"].clone();
    assert!(
        items(&second.stdout) == items(&first.stdout),
        "a second run changed the items"
    );
    let results = |text: &str| {
        eventbus_gen::yaml::load_documents(text).unwrap()[0].value["results"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(
        results(&second.stdout),
        1,
        "results of the first run are not carried along"
    );
}

#[test]
fn krm_function_without_credentials_for_a_jetstream_bus_is_an_error_result() {
    let input = resource_list(&crate::support::list_item(JETSTREAM_BUS));
    let out = run(&["krm"], Some(&input), &[]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("severity: error"), "{}", out.stdout);
    assert!(out.stderr.contains("EVENTBUS_GEN_SEED"), "{}", out.stderr);
}

#[test]
fn argocd_generate_renders_a_jetstream_bus_byte_identically() {
    let dir = std::env::temp_dir().join(format!("eventbus-gen-frontends-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bus = JETSTREAM_BUS.replace("  namespace: argo-events\n", "");
    std::fs::write(dir.join("eventbus.yaml"), bus).unwrap();
    let env = [
        ("EVENTBUS_GEN_SEED", TEST_SEED),
        ("ARGOCD_APP_NAMESPACE", "events"),
        ("ARGOCD_APP_NAME", "bus"),
    ];
    let dir_arg = dir.to_str().unwrap();
    let a = run(&["argocd", "generate", dir_arg], None, &env);
    let b = run(&["argocd", "generate", dir_arg], None, &env);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(kinds(&a.stdout), TOKEN_BUS_KINDS);
    // The namespace comes from the Application.
    assert!(
        a.stdout.contains(
            "routes: [nats://eventbus-default-js-0.eventbus-default-js-svc.events.svc:6222"
        )
    );
}

#[test]
fn argocd_generate_reads_a_list_of_exported_secrets_once() {
    let dir = std::env::temp_dir().join(format!("eventbus-gen-list-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fixture =
        std::fs::read_to_string(root().join("fixtures/stan/native-existing-secrets-list.yaml"))
            .unwrap();
    let (bus, list) = fixture.split_once("\n---\n").unwrap();
    std::fs::write(dir.join("bus.yaml"), bus).unwrap();
    std::fs::write(dir.join("secrets.yaml"), list).unwrap();
    let out = run(
        &["argocd", "generate", dir.to_str().unwrap()],
        None,
        &[("ARGOCD_APP_NAMESPACE", "argo-events")],
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(kinds(&out.stdout), TOKEN_BUS_KINDS);
    assert!(
        !out.stdout.contains("ownerReferences"),
        "the exported Secrets are rendered anew, not passed through"
    );
    assert!(out.stdout.contains("client-auth: dG9rZW46ICJGY0dZRW4yMzRuekhKOUJOZm90OGJmOTVONmZSeDA4amVYdXR4ZkZITXl2THlGSmZuenhNNHFWeG9OMWhEQkp0Ig=="));
}
