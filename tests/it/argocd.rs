//! The Argo CD config management plugin, run the way Argo CD's plugin server runs it: the
//! commands of `deploy/argocd/plugin.yaml`, in a fresh copy of the application folder (files
//! 0644, folders 0755), with only the documented environment and the parameters as variables.
//! Also checks the install files against what Argo CD reads, and applies the sidecar patch to
//! a stock-shaped repo server with `kubectl kustomize`.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use eventbus_gen::frontend::argocd::{Announcement, announcements};
use eventbus_gen::yaml::load_documents;
use serde_json::{Value, json};

use crate::support::{Output, TEST_SEED, TempDir, binary, bounded, copy_tree, root};

/// Where the application lives in the test repository (`spec.source.path`).
const SOURCE_PATH: &str = "apps/events";

/// One request's private copy of the repository; `dir` is the application folder in it.
pub(crate) struct App {
    _repo: TempDir,
    dir: PathBuf,
}

/// A fresh copy of the folder `source` (relative to the crate root).
pub(crate) fn checkout(source: &str) -> App {
    let repo = TempDir::new("repo");
    let dir = repo.path().join(SOURCE_PATH);
    copy_tree(&root().join(source), &dir);
    App { _repo: repo, dir }
}

/// An application folder holding `files` (path, content).
pub(crate) fn app_with(files: &[(&str, &str)]) -> App {
    let repo = TempDir::new("repo");
    let dir = repo.path().join(SOURCE_PATH);
    fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    App { _repo: repo, dir }
}

/// Argo CD's escaping of parameter names and map keys in `PARAM_*` variables.
fn escape(s: &str) -> String {
    s.to_uppercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The variables Argo CD sets for `parameters` (entries `{name, string|array|map}`).
pub(crate) fn parameter_env(parameters: &[Value]) -> Vec<(String, String)> {
    let mut env = vec![(
        "ARGOCD_APP_PARAMETERS".to_owned(),
        if parameters.is_empty() {
            "null".to_owned()
        } else {
            serde_json::to_string(parameters).unwrap()
        },
    )];
    for p in parameters {
        let name = escape(p["name"].as_str().unwrap());
        if let Some(s) = p["string"].as_str() {
            env.push((format!("PARAM_{name}"), s.to_owned()));
        }
        if let Some(items) = p["array"].as_array() {
            for (i, v) in items.iter().enumerate() {
                env.push((format!("PARAM_{name}_{i}"), v.as_str().unwrap().to_owned()));
            }
        }
        if let Some(map) = p["map"].as_object() {
            for (k, v) in map {
                env.push((
                    format!("PARAM_{name}_{}", escape(k)),
                    v.as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    env
}

/// What Argo CD takes for a failed generate.
impl Output {
    /// Exit 1 or 2, nothing on stdout, and `needle` on stderr.
    fn assert_failed(&self, code: i32, needle: &str) {
        assert_eq!(self.code, code, "{self:#?}");
        assert_eq!(self.stdout, "", "a failed run must print no manifest");
        assert!(
            self.stderr.contains(needle),
            "{needle:?} not in:\n{}",
            self.stderr
        );
        assert!(
            self.stderr.contains("no manifests were generated"),
            "{}",
            self.stderr
        );
    }
}

/// The arguments of a command of `plugin.yaml` (`generate` or `discover`), after `eventbus-gen`.
fn plugin_command(which: &str) -> Vec<String> {
    let plugin = plugin_yaml();
    let command = match which {
        "generate" => &plugin["spec"]["generate"]["command"],
        "discover" => &plugin["spec"]["discover"]["find"]["command"],
        _ => unreachable!(),
    };
    let mut words: Vec<String> = command
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        words[0], "eventbus-gen",
        "the image puts eventbus-gen on PATH"
    );
    words.remove(0);
    words
}

/// Runs a plugin command as the plugin server does: cwd = the application folder, the
/// sidecar's environment, Argo CD's variables, then `extra` (parameters, user env).
fn run(which: &str, app: &App, extra: &[(String, String)]) -> Output {
    run_as(binary, which, app, extra)
}

/// [`run`] under the memory and time limits of [`bounded`].
pub(crate) fn run_bounded(which: &str, app: &App, extra: &[(String, String)]) -> Output {
    run_as(bounded, which, app, extra)
}

/// An application folder holding `files` (path, content as bytes).
pub(crate) fn app_with_bytes(files: &[(&str, &[u8])]) -> App {
    let repo = TempDir::new("repo");
    let dir = repo.path().join(SOURCE_PATH);
    fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in files {
        fs::write(dir.join(name), bytes).unwrap();
    }
    App { _repo: repo, dir }
}

fn run_as(
    start: fn(&[String]) -> crate::support::Run,
    which: &str,
    app: &App,
    extra: &[(String, String)],
) -> Output {
    // The sidecar's own environment (the patch sets the seed from a Secret).
    start(&plugin_command(which))
        .current_dir(&app.dir)
        .env_clear()
        .env("HOME", "/home/argocd")
        .seeded()
        .envs(&[
        ("ARGOCD_APP_NAME", "events"),
        ("ARGOCD_APP_NAMESPACE", "events"),
        (
            "ARGOCD_APP_REVISION",
            "0123456789abcdef0123456789abcdef01234567",
        ),
        ("ARGOCD_APP_REVISION_SHORT", "0123456"),
        ("ARGOCD_APP_SOURCE_PATH", SOURCE_PATH),
        (
            "ARGOCD_APP_SOURCE_REPO_URL",
            "https://git.example.com/platform/events.git",
        ),
        ("ARGOCD_APP_SOURCE_TARGET_REVISION", "main"),
        ("KUBE_VERSION", "1.29"),
        (
            "KUBE_API_VERSIONS",
            "apps/v1,apps/v1/StatefulSet,policy/v1,policy/v1/PodDisruptionBudget,v1,v1/ConfigMap,v1/Secret,v1/Service",
        ),
        ])
        .envs(extra)
        .output()
}

pub(crate) fn generate(app: &App, parameters: &[Value]) -> Output {
    run("generate", app, &parameter_env(parameters))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn read_yaml(path: &str) -> Vec<Value> {
    let text = fs::read_to_string(root().join(path)).unwrap();
    load_documents(&text)
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect()
}

fn plugin_yaml() -> Value {
    read_yaml("deploy/argocd/plugin.yaml").remove(0)
}

/// The bytes of a Secret's `data` entry.
fn secret_data(secret: &Value, key: &str) -> String {
    use base64::Engine;
    let encoded = secret["data"][key].as_str().unwrap();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
    )
    .unwrap()
}

const BUS: &str = "apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata:
  name: default
spec:
  nats:
    native:
      auth: token
";

const CONFIG_MAP: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  enabled: \"yes\"
";

#[test]
fn sample_application_renders_its_folder() {
    let application = read_yaml("examples/argocd/application.yaml").remove(0);
    let source = &application["spec"]["source"];
    assert_eq!(source["plugin"]["name"], "eventbus-gen");
    assert_eq!(application["spec"]["destination"]["namespace"], "events");
    let parameters = source["plugin"]["parameters"].as_array().unwrap().clone();

    let app = checkout(source["path"].as_str().unwrap());
    let out = generate(&app, &parameters);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.objects(),
        [
            "Service/eventbus-default-stan-svc",
            "ConfigMap/eventbus-default-stan-configmap",
            "Secret/eventbus-default-server",
            "Secret/eventbus-default-client",
            "StatefulSet/eventbus-default-stan",
            "PodDisruptionBudget/eventbus-default-pdb",
            "EventBus/default",
            "EventSource/webhook",
            "Sensor/webhook",
        ]
    );
    let docs = out.docs();
    for rendered in &docs[..7] {
        assert_eq!(rendered["metadata"]["namespace"], "events", "{rendered}");
        assert_eq!(
            rendered["metadata"]["labels"]["app.kubernetes.io/part-of"], "events",
            "the commonLabels parameter (a map) reaches every object: {rendered}"
        );
    }
    // The EventSource and Sensor pass through exactly as read (no namespace added).
    assert_eq!(
        docs[7],
        read_yaml("examples/argocd/events/eventsource.yaml")[0]
    );
    assert_eq!(docs[8], read_yaml("examples/argocd/events/sensor.yaml")[0]);
    // The token is the one derived from the sidecar's seed.
    let token = eventbus_gen::frontend::testing::derive_secret(
        &eventbus_gen::Seed::new(TEST_SEED).unwrap(),
        eventbus_gen::Derivation::V1,
        "stan-token\0events\0default",
        64,
    );
    assert_eq!(
        secret_data(&docs[3], "client-auth"),
        format!("token: \"{}\"", token.expose())
    );
    assert_eq!(
        out.stderr,
        "eventbus-gen: rendered 1 EventBus into 7 objects, passed 2 other documents through\n"
    );
    assert!(!out.stderr.contains(TEST_SEED) && !out.stderr.contains(token.expose()));
}

#[test]
fn reruns_give_identical_bytes() {
    let parameters = [json!({"name": "commonAnnotations", "map": {"team": "events"}})];
    let first = generate(&checkout("examples/argocd/events"), &parameters);
    let second = generate(&checkout("examples/argocd/events"), &parameters);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(!first.stdout.is_empty());
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first.stderr, second.stderr);

    // The same settings through PARAM_* variables alone (no ARGOCD_APP_PARAMETERS), or through
    // the Application's plugin env, give the same bytes.
    let app = checkout("examples/argocd/events");
    let by_param = run(
        "generate",
        &app,
        &pairs(&[("PARAM_COMMONANNOTATIONS", "{team: events}")]),
    );
    assert_eq!(by_param.stdout, first.stdout, "{}", by_param.stderr);
    let by_env = run(
        "generate",
        &app,
        &pairs(&[("ARGOCD_ENV_COMMON_ANNOTATIONS", "team: events")]),
    );
    assert_eq!(by_env.stdout, first.stdout, "{}", by_env.stderr);
}

#[test]
fn options_change_the_output() {
    let app = checkout("examples/argocd/events");
    let out = generate(
        &app,
        &[
            json!({"name": "podDisruptionBudget", "string": "false"}),
            json!({"name": "companion", "string": "false"}),
            json!({"name": "namespace", "string": "streams"}),
            json!({"name": "images", "map": {"natsStreaming": "registry.example.com/nats-streaming:0.22.1"}}),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let objects = out.objects();
    assert!(
        !objects
            .iter()
            .any(|o| o.starts_with("PodDisruptionBudget/"))
    );
    assert!(!objects.iter().any(|o| o.starts_with("EventBus/")));
    let docs = out.docs();
    assert_eq!(docs[0]["metadata"]["namespace"], "streams");
    let sts = docs.iter().find(|d| d["kind"] == "StatefulSet").unwrap();
    assert_eq!(
        sts["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example.com/nats-streaming:0.22.1"
    );

    // plugin.env entries arrive as ARGOCD_ENV_*; names match ignoring case and underscores.
    let out = run("generate", &app, &pairs(&[("ARGOCD_ENV_METRICS", "false")]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let sts = out
        .docs()
        .into_iter()
        .find(|d| d["kind"] == "StatefulSet")
        .unwrap();
    let containers = sts["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert!(
        containers.iter().all(|c| c["name"] != "metrics"),
        "{containers:?}"
    );
}

#[test]
fn secrets_in_the_folder_keep_their_token() {
    let app = checkout("fixtures/argocd/existing-secrets");
    // No seed at all: the Secrets are the only token source.
    let out = run(
        "generate",
        &app,
        &pairs(&[("ARGOCD_APP_PARAMETERS", "null"), ("EVENTBUS_GEN_SEED", "")]),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.objects(),
        [
            "Service/eventbus-main-stan-svc",
            "ConfigMap/eventbus-main-stan-configmap",
            "Secret/eventbus-main-server",
            "Secret/eventbus-main-client",
            "StatefulSet/eventbus-main-stan",
            "PodDisruptionBudget/eventbus-main-pdb",
            "EventBus/main",
            "Secret/webhook-credentials",
        ],
        "the bus Secrets are re-rendered once, not passed through as well"
    );
    let docs = out.docs();
    let kept = "KeptTokenFromTheClusterKeptTokenFromTheClusterKeptTokenFromTheC";
    assert!(secret_data(&docs[2], "auth").contains(kept));
    assert_eq!(
        secret_data(&docs[3], "client-auth"),
        format!("token: \"{kept}\"")
    );
    assert_eq!(
        docs[7],
        read_yaml("fixtures/argocd/existing-secrets/secrets.yaml")[2]
    );
    assert!(
        out.stdout.contains("password: \"on\""),
        "a YAML 1.1 boolean word stays a quoted string"
    );
    assert!(
        out.stderr.ends_with(
            "passed 1 other document through, re-rendered 2 bus Secrets of the folder with their tokens\n"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(kept));
}

#[test]
fn an_undecodable_secret_in_the_folder_is_refused_without_its_value() {
    let app = app_with(&[
        ("eventbus.yaml", BUS),
        (
            "secrets.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: eventbus-default-server\n\
             data:\n  auth: NotBase64SecretValue!\n",
        ),
    ]);
    let out = generate(&app, &[]);
    out.assert_failed(
        1,
        "secrets.yaml:6:3: error: data.auth: Secret eventbus-default-server does not parse as a v1 \
         Secret: the value of data key auth is not base64",
    );
    assert!(
        !out.stderr.contains("NotBase64SecretValue"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_token_without_a_stable_source_is_refused() {
    let app = app_with(&[("eventbus.yaml", BUS)]);
    let out = run(
        "generate",
        &app,
        &pairs(&[("ARGOCD_APP_PARAMETERS", "null"), ("EVENTBUS_GEN_SEED", "")]),
    );
    out.assert_failed(
        1,
        "eventbus.yaml:8:7: error: spec.nats.native.auth: token auth needs a token source: give \
         the plugin a seed (set EVENTBUS_GEN_SEED in the plugin sidecar",
    );
    assert!(
        out.stderr
            .contains("Random tokens are never drawn under Argo CD")
    );
    assert!(
        !out.stderr.contains("--random-tokens"),
        "CLI advice: {}",
        out.stderr
    );

    let out = generate(&app, &[json!({"name": "randomTokens", "string": "true"})]);
    out.assert_failed(2, "randomTokens is refused under Argo CD");
}

#[test]
fn the_seed_comes_from_the_sidecar_only() {
    use std::os::unix::fs::symlink;
    // Laid out like a mounted Secret: each key is a link into `..data`.
    let seeds = TempDir::new("seeds");
    fs::create_dir(seeds.path().join("..data")).unwrap();
    fs::write(seeds.path().join("..data/team"), format!("{TEST_SEED}\n")).unwrap();
    symlink("..data/team", seeds.path().join("team")).unwrap();
    symlink("/etc/passwd", seeds.path().join("escape")).unwrap();
    let seeds_dir = seeds.path().to_str().unwrap().to_owned();
    let with_seeds = |params: &[Value], vars: &[(&str, &str)]| {
        let mut extra = parameter_env(params);
        extra.extend(pairs(&[
            ("EVENTBUS_GEN_SEED", ""),
            ("EVENTBUS_GEN_SEEDS_DIR", &seeds_dir),
        ]));
        extra.extend(pairs(vars));
        extra
    };
    let app = app_with(&[("eventbus.yaml", BUS)]);
    let from_env = generate(&app, &[]);
    let absolute = seeds.path().join("team");
    for file in ["team", absolute.to_str().unwrap()] {
        let from_file = run(
            "generate",
            &app,
            &with_seeds(&[json!({"name": "seedFile", "string": file})], &[]),
        );
        assert_eq!(from_file.code, 0, "{}", from_file.stderr);
        assert_eq!(from_file.stdout, from_env.stdout, "same seed, same tokens");
    }
    let from_var = run(
        "generate",
        &app,
        &with_seeds(
            &[json!({"name": "seedEnv", "string": "EVENTBUS_GEN_SEED_TEAM"})],
            &[("EVENTBUS_GEN_SEED_TEAM", TEST_SEED)],
        ),
    );
    assert_eq!(from_var.stdout, from_env.stdout, "{}", from_var.stderr);

    // Only the documented prefix: not PATH, not any other sidecar variable.
    for var in ["PATH", "TEAM_SEED"] {
        let out = run(
            "generate",
            &app,
            &with_seeds(
                &[json!({"name": "seedEnv", "string": var})],
                &[("TEAM_SEED", TEST_SEED)],
            ),
        );
        out.assert_failed(
            2,
            "only EVENTBUS_GEN_SEED and variables starting with EVENTBUS_GEN_SEED_",
        );
    }
    // A seed the Application can see (its variables) or that sits in Git is refused.
    generate(
        &app,
        &[json!({"name": "seedEnv", "string": "ARGOCD_APP_SOURCE_REPO_URL"})],
    )
    .assert_failed(2, "ARGOCD_APP_* variables come from the Application");
    let in_repo = app.dir.join("seed.txt");
    fs::write(&in_repo, TEST_SEED).unwrap();
    let mut outs = vec![from_env, from_var];
    for (file, needle) in [
        (in_repo.to_str().unwrap(), "is not in the seed folder"),
        ("/dev/zero", "is not in the seed folder"),
        ("/etc/passwd", "is not in the seed folder"),
        ("../../etc/passwd", "is not in the seed folder"),
        ("escape", "resolves outside the seed folder"),
    ] {
        let started = std::time::Instant::now();
        let out = run(
            "generate",
            &app,
            &with_seeds(&[json!({"name": "seedFile", "string": file})], &[]),
        );
        let took = started.elapsed();
        out.assert_failed(2, needle);
        // The process included; the check itself reads nothing (see the unit test).
        assert!(took < std::time::Duration::from_secs(2), "{file}: {took:?}");
        outs.push(out);
    }
    for out in &outs {
        assert!(!out.stderr.contains(TEST_SEED), "{}", out.stderr);
        assert!(!out.stderr.contains("root:"), "{}", out.stderr);
    }
}

#[test]
fn invalid_documents_fail_with_nothing_on_stdout() {
    let typo = BUS.replace("auth: token", "auth: token\n      replica: 3");
    let app = app_with(&[("eventbus.yaml", &typo), ("settings.yaml", CONFIG_MAP)]);
    let out = generate(&app, &[]);
    out.assert_failed(1, "eventbus.yaml:9:7: error: spec.nats.native.replica:");

    let app = app_with(&[
        ("eventbus.yaml", BUS),
        ("broken.yaml", "kind: ConfigMap\nmetadata: {name: [\n"),
    ]);
    generate(&app, &[]).assert_failed(1, "broken.yaml:");

    // Something that is not a Kubernetes object cannot pass through.
    let app = app_with(&[("eventbus.yaml", BUS), ("values.yaml", "replicas: 3\n")]);
    generate(&app, &[]).assert_failed(
        1,
        "values.yaml:1:1: error: this document has no apiVersion or kind",
    );
    // ... unless the files parameter leaves it out.
    let out = generate(
        &app,
        &[json!({"name": "files", "array": ["eventbus.yaml"]})],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);

    // A folder object that clashes with a rendered one.
    let clash = "apiVersion: v1\nkind: Service\nmetadata:\n  name: eventbus-default-stan-svc\n";
    let app = app_with(&[("eventbus.yaml", BUS), ("svc.yaml", clash)]);
    generate(&app, &[]).assert_failed(
        1,
        "svc.yaml:1:1: error: Service events/eventbus-default-stan-svc is also rendered for EventBus default",
    );

    // Unknown parameters are named, with the known ones.
    let app = app_with(&[("eventbus.yaml", BUS)]);
    generate(
        &app,
        &[json!({"name": "podDisruptionBugdet", "string": "false"})],
    )
    .assert_failed(
        2,
        "unknown parameter \"podDisruptionBugdet\", did you mean podDisruptionBudget?; known parameters: allowUnknownFields,",
    );
    generate(&app, &[json!({"name": "metrics", "string": "sometimes"})]).assert_failed(
        2,
        "parameter \"metrics\": expected true or false, found \"sometimes\"",
    );
    run("generate", &app, &pairs(&[("ARGOCD_ENV_NAMESPCE", "x")]))
        .assert_failed(2, "ARGOCD_ENV_NAMESPCE: unknown parameter");
    run("generate", &app, &pairs(&[("ARGOCD_ENV_COMMON_LABELS", "{tier: 1}")])).assert_failed(
        2,
        "ARGOCD_ENV_COMMON_LABELS (parameter commonLabels.tier): invalid type: integer `1`, expected a string",
    );
}

#[test]
fn a_failed_write_says_whether_anything_was_written() {
    // Twenty buses: the stream is written in pieces, the first well before the end.
    let buses: String = (0..20)
        .map(|i| {
            format!(
                "---\n{}",
                BUS.replace("name: default", &format!("name: bus{i}"))
            )
        })
        .collect();
    let app = app_with(&[("eventbus.yaml", &buses)]);
    // stdout is a file that may hold `limit` KiB; SIGXFSZ ignored, so a write past the limit
    // fails (EFBIG) rather than killing the process.
    let write = |limit: u32| {
        let out = app.dir.join("out");
        let mut words = plugin_command("generate");
        words.insert(0, crate::support::BIN.to_owned());
        let run = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "trap '' XFSZ; ulimit -f {limit}; exec \"$@\" > {}",
                out.display()
            ))
            .arg("bash")
            .args(&words)
            .current_dir(&app.dir)
            .env("EVENTBUS_GEN_SEED", TEST_SEED)
            .env("ARGOCD_APP_NAMESPACE", "events")
            .output()
            .unwrap();
        let written = fs::metadata(&out).unwrap().len();
        fs::remove_file(&out).unwrap();
        (run, written)
    };
    let (run, written) = write(0);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_ne!(run.status.code(), Some(0), "{stderr}");
    assert_eq!(written, 0);
    assert!(stderr.contains("cannot write the manifests"), "{stderr}");
    assert!(stderr.contains("no manifests were generated"), "{stderr}");

    let (run, written) = write(16);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_ne!(run.status.code(), Some(0), "{stderr}");
    assert_eq!(written, 16 * 1024);
    assert!(stderr.contains("cannot write the manifests"), "{stderr}");
    assert!(
        stderr.contains("the manifests written are incomplete"),
        "{stderr}"
    );
}

#[test]
fn folders_without_a_bus_fail_with_nothing_on_stdout() {
    let empty = app_with(&[]);
    generate(&empty, &[]).assert_failed(
        1,
        "no EventBus document in the application folder (no YAML or JSON file was found)",
    );
    let others = app_with(&[
        ("settings.yaml", CONFIG_MAP),
        ("notes.txt", "kind: EventBus\n"),
    ]);
    generate(&others, &[]).assert_failed(1, "(read settings.yaml); refusing to produce manifests");
    let blank = app_with(&[("eventbus.yaml", "# nothing yet\n---\n")]);
    generate(&blank, &[]).assert_failed(1, "no EventBus document");
}

#[test]
fn subfolders_are_read_on_request_in_path_order() {
    let app = app_with(&[
        ("b-settings.yaml", CONFIG_MAP),
        ("bus/eventbus.yaml", BUS),
        (
            "a/z.json",
            r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-json"}}"#,
        ),
        (".hidden/eventbus.yaml", &BUS.replace("default", "hidden")),
    ]);
    generate(&app, &[]).assert_failed(1, "no EventBus document");
    let out = generate(&app, &[json!({"name": "recurse", "string": "true"})]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let objects = out.objects();
    assert_eq!(objects[0], "ConfigMap/from-json");
    assert_eq!(objects[1], "ConfigMap/settings");
    assert_eq!(objects[2], "Service/eventbus-default-stan-svc");
    assert!(!objects.iter().any(|o| o.contains("hidden")));

    // The files parameter gives the order.
    let out = generate(
        &app,
        &[json!({"name": "files", "array": ["bus/eventbus.yaml", "b-settings.yaml"]})],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.objects().last().unwrap(), "ConfigMap/settings");
    generate(
        &app,
        &[json!({"name": "files", "array": ["../etc/passwd"]})],
    )
    .assert_failed(2, "must be a relative path inside the application folder");
}

#[test]
fn discovery_claims_only_folders_with_the_marker() {
    // A folder with an EventBus but no marker is not claimed: the Application may be rendered
    // by kustomize, Helm or as plain manifests today.
    let out = run("discover", &checkout("examples/argocd/events"), &[]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
    let kustomize = app_with(&[
        ("kustomization.yaml", "resources: [eventbus.yaml]\n"),
        ("eventbus.yaml", BUS),
    ]);
    let out = run("discover", &kustomize, &[]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
    let chart = app_with(&[
        ("Chart.yaml", "name: x\n"),
        ("templates/eventbus.yaml", BUS),
    ]);
    assert_eq!(run("discover", &chart, &[]).stdout, "");

    let marked = app_with(&[(".eventbus-gen", ""), ("eventbus.yaml", BUS)]);
    assert_eq!(run("discover", &marked, &[]).stdout, ".eventbus-gen\n");
    // The marker is not input: generate skips hidden files.
    assert_eq!(generate(&marked, &[]).code, 0);

    // A marker that is a link (or a folder) does not count.
    let linked = app_with(&[("eventbus.yaml", BUS)]);
    std::os::unix::fs::symlink(
        marked.dir.join(".eventbus-gen"),
        linked.dir.join(".eventbus-gen"),
    )
    .unwrap();
    assert_eq!(run("discover", &linked, &[]).stdout, "");
}

#[test]
fn generate_never_reads_outside_the_application_folder() {
    use std::os::unix::fs::symlink;
    let other = app_with(&[("secret.yaml", CONFIG_MAP), ("sub/bus.yaml", BUS)]);
    let app = app_with(&[("eventbus.yaml", BUS)]);
    symlink(other.dir.join("secret.yaml"), app.dir.join("stolen.yaml")).unwrap();
    symlink(other.dir.join("sub"), app.dir.join("linked")).unwrap();
    // Even a link to a file inside the folder is not followed.
    symlink(app.dir.join("eventbus.yaml"), app.dir.join("again.yaml")).unwrap();
    let out = run(
        "generate",
        &app,
        &parameter_env(&[json!({"name": "recurse", "string": "true"})]),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("name: settings"), "{}", out.stdout);
    for name in ["stolen.yaml", "linked", "again.yaml"] {
        assert!(
            out.stderr
                .contains(&format!("{name}: warning: skipped: a symbolic link")),
            "{name}: {}",
            out.stderr
        );
    }
    // Named in `files`, a link (or a path through one) is an error.
    for listed in ["stolen.yaml", "linked/bus.yaml"] {
        generate(&app, &[json!({"name": "files", "array": [listed]})])
            .assert_failed(2, "symbolic link");
    }
}

#[test]
fn special_files_are_skipped_with_a_warning_and_odd_names_fail() {
    use std::os::unix::ffi::OsStrExt;
    let app = app_with(&[("eventbus.yaml", BUS)]);
    let fifo = app.dir.join("pipe.yaml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let out = generate(&app, &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stderr
                .contains("pipe.yaml: warning: skipped: not a regular file"),
            "{}",
            out.stderr
        );
        fs::remove_file(&fifo).unwrap();
    }
    // A bus in a file whose name is not UTF-8 would silently vanish (and Argo CD would prune
    // it): the render fails instead.
    let odd = app.dir.join(std::ffi::OsStr::from_bytes(b"bus-\xff.yaml"));
    fs::write(&odd, BUS.replace("name: default", "name: other")).unwrap();
    generate(&app, &[]).assert_failed(1, "this name is not UTF-8");
    // Not an input by its name: ignored like any other file.
    fs::rename(
        &odd,
        app.dir.join(std::ffi::OsStr::from_bytes(b"notes-\xff.txt")),
    )
    .unwrap();
    assert_eq!(generate(&app, &[]).code, 0);
}

/// The keys Argo CD's plugin config reader knows, by level (v2.4 to v3.x).
const SPEC_KEYS: [&str; 9] = [
    "version",
    "init",
    "generate",
    "discover",
    "parameters",
    "preserveFileMode",
    "provideGitCreds",
    "allowConcurrency",
    "lockRepo",
];
const PARAMETER_KEYS: [&str; 9] = [
    "name",
    "title",
    "tooltip",
    "required",
    "itemType",
    "collectionType",
    "string",
    "array",
    "map",
];

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not a mapping: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn assert_command(v: &Value, what: &str) {
    let words = v.as_array().unwrap_or_else(|| panic!("{what}: not a list"));
    assert!(!words.is_empty(), "{what}: empty");
    assert!(words.iter().all(Value::is_string), "{what}: {v}");
}

#[test]
fn plugin_yaml_has_what_argo_cd_reads() {
    let docs = read_yaml("deploy/argocd/plugin.yaml");
    assert_eq!(docs.len(), 1, "the plugin server reads one document");
    let plugin = &docs[0];
    assert_eq!(plugin["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert_eq!(plugin["metadata"]["name"], "eventbus-gen");
    let spec = &plugin["spec"];
    let unknown: Vec<_> = keys(spec).difference(&SPEC_KEYS.into()).copied().collect();
    assert!(unknown.is_empty(), "Argo CD ignores {unknown:?}");
    // With a version, Argo CD would name the plugin eventbus-gen-<version>; the docs name it
    // eventbus-gen in every Application they show.
    assert!(
        spec.get("version").is_none(),
        "README.md and docs/argocd.md name the plugin eventbus-gen"
    );
    for doc in ["README.md", "docs/argocd.md"] {
        let text = std::fs::read_to_string(crate::support::root().join(doc)).unwrap();
        assert!(
            text.contains("plugin:\n      name: eventbus-gen\n"),
            "{doc} shows an Application naming the plugin eventbus-gen"
        );
    }

    assert_eq!(keys(&spec["generate"]), BTreeSet::from(["command"]));
    assert_command(&spec["generate"]["command"], "generate.command");
    assert_eq!(
        keys(&spec["discover"]),
        BTreeSet::from(["find"]),
        "no fileName, no glob"
    );
    assert_eq!(keys(&spec["discover"]["find"]), BTreeSet::from(["command"]));
    assert_command(
        &spec["discover"]["find"]["command"],
        "discover.find.command",
    );
    // The commands exist in the binary.
    for which in ["generate", "discover"] {
        let mut words = plugin_command(which);
        words.push("--help".to_owned());
        let out = binary(&words).output();
        assert!(out.success(), "{words:?}: {}", out.stderr);
    }

    assert_eq!(keys(&spec["parameters"]), BTreeSet::from(["static"]));
    let statics = spec["parameters"]["static"].as_array().unwrap();
    let mut names = BTreeSet::new();
    for p in statics {
        let extra: Vec<_> = keys(p)
            .difference(&PARAMETER_KEYS.into())
            .copied()
            .collect();
        assert!(extra.is_empty(), "{p}: Argo CD ignores {extra:?}");
        assert!(names.insert(p["name"].as_str().unwrap()), "{p}: duplicate");
        let collection = p["collectionType"].as_str().unwrap_or("");
        let value_key = match collection {
            "" | "string" => "string",
            "array" => "array",
            "map" => "map",
            other => panic!("{p}: collectionType {other}"),
        };
        for k in ["string", "array", "map"] {
            assert!(
                k == value_key || p.get(k).is_none(),
                "{p}: a {collection} parameter with a {k} default"
            );
        }
        if let Some(v) = p.get("string") {
            assert!(v.is_string(), "{p}: defaults are strings");
        }
    }
    // Every option the binary reads is announced, with the same text.
    let announced: Vec<Announcement> =
        serde_json::from_value(Value::Array(statics.clone())).unwrap();
    assert_eq!(
        announced,
        announcements(),
        "update deploy/argocd/plugin.yaml from `eventbus-gen argocd parameters`"
    );
    let printed = binary(&["argocd", "parameters"]).output();
    let printed: Value = serde_json::from_str(&printed.stdout).unwrap();
    assert_eq!(&printed, &Value::Array(statics.clone()));
}

/// The sidecar container of the patch.
fn sidecar(deployment: &Value) -> &Value {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "eventbus-gen")
        .expect("an eventbus-gen container")
}

fn volume<'a>(deployment: &'a Value, name: &str) -> Option<&'a Value> {
    deployment["spec"]["template"]["spec"]["volumes"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == name)
}

#[test]
fn sidecar_patch_has_what_argo_cd_needs() {
    let patch = read_yaml("deploy/argocd/repo-server-patch.yaml").remove(0);
    assert_eq!(patch["apiVersion"], "apps/v1");
    assert_eq!(patch["kind"], "Deployment");
    assert_eq!(patch["metadata"]["name"], "argocd-repo-server");
    let c = sidecar(&patch);
    assert_eq!(c["command"], json!(["/var/run/argocd/argocd-cmp-server"]));
    assert_eq!(c["securityContext"]["runAsUser"], 999);
    assert_eq!(c["securityContext"]["runAsNonRoot"], true);
    let mounts: Vec<(&str, &str)> = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap(),
                m["mountPath"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(mounts.contains(&("var-files", "/var/run/argocd")));
    assert!(mounts.contains(&("plugins", "/home/argocd/cmp-server/plugins")));
    let config = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == "/home/argocd/cmp-server/config/plugin.yaml")
        .expect("plugin.yaml mounted where the plugin server reads it");
    assert_eq!(config["subPath"], "plugin.yaml");
    // Every other mount uses a volume of the patch; the temp dir is the sidecar's own.
    let stock = ["var-files", "plugins"];
    for (name, path) in &mounts {
        assert!(
            stock.contains(name) || volume(&patch, name).is_some(),
            "{name} is not defined"
        );
        if *path == "/tmp" {
            assert_ne!(*name, "tmp", "do not share the repo server's temp dir");
            assert!(volume(&patch, name).unwrap().get("emptyDir").is_some());
        }
    }
    assert!(mounts.iter().any(|(_, p)| *p == "/tmp"), "a temp dir");
    let config_volume = volume(&patch, config["name"].as_str().unwrap()).unwrap();
    let seed = &c["env"][0];
    assert_eq!(seed["name"], "EVENTBUS_GEN_SEED");
    assert_eq!(seed["valueFrom"]["secretKeyRef"]["optional"], true);

    let component = read_yaml("deploy/argocd/kustomization.yaml").remove(0);
    assert_eq!(component["kind"], "Component");
    let generator = &component["configMapGenerator"][0];
    assert_eq!(generator["name"], config_volume["configMap"]["name"]);
    assert_eq!(generator["files"], json!(["plugin.yaml"]));
    assert_eq!(
        component["patches"],
        json!([{"path": "repo-server-patch.yaml"}])
    );
}

#[test]
fn sidecar_patch_applies_to_a_stock_repo_server() {
    let work = TempDir::new("kustomize");
    copy_tree(
        &root().join("deploy/argocd"),
        &work.path().join("eventbus-gen"),
    );
    let stock_file = "tests/data/argocd-repo-server.yaml";
    fs::create_dir_all(work.path().join("argocd")).unwrap();
    fs::copy(
        root().join(stock_file),
        work.path().join("argocd/repo-server.yaml"),
    )
    .unwrap();
    fs::write(
        work.path().join("kustomization.yaml"),
        "resources:\n  - argocd/repo-server.yaml\ncomponents:\n  - eventbus-gen\n",
    )
    .unwrap();
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(work.path())
        .output()
        .expect("kubectl is needed to check the sidecar patch");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<Value> = load_documents(&String::from_utf8(out.stdout).unwrap())
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect();
    assert_eq!(docs.len(), 2, "{docs:#?}");
    let config_map = docs.iter().find(|d| d["kind"] == "ConfigMap").unwrap();
    let deployment = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    assert_eq!(
        config_map["data"]["plugin.yaml"],
        fs::read_to_string(root().join("deploy/argocd/plugin.yaml")).unwrap()
    );
    let hashed = config_map["metadata"]["name"].as_str().unwrap();
    assert!(hashed.starts_with("eventbus-gen-plugin-"), "{hashed}");
    assert_eq!(
        volume(deployment, "eventbus-gen-plugin").unwrap()["configMap"]["name"],
        hashed,
        "a changed plugin.yaml rolls the repo server"
    );

    // The stock parts are untouched; the sidecar and its volumes are added.
    let stock = read_yaml(stock_file).remove(0);
    let pod = &deployment["spec"]["template"]["spec"];
    let stock_pod = &stock["spec"]["template"]["spec"];
    assert_eq!(pod["initContainers"], stock_pod["initContainers"]);
    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 2);
    let repo_server = containers
        .iter()
        .find(|c| c["name"] == "argocd-repo-server")
        .unwrap();
    assert_eq!(repo_server, &stock_pod["containers"][0]);
    let names = |pod: &Value| -> BTreeSet<String> {
        pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let added: Vec<String> = names(pod).difference(&names(stock_pod)).cloned().collect();
    assert_eq!(
        added,
        [
            "eventbus-gen-plugin",
            "eventbus-gen-seeds",
            "eventbus-gen-tmp"
        ]
    );
    assert!(names(pod).is_superset(&names(stock_pod)));
    for m in sidecar(deployment)["volumeMounts"].as_array().unwrap() {
        assert!(
            names(pod).contains(m["name"].as_str().unwrap()),
            "{m}: no such volume"
        );
    }
}

/// One file named two ways in `files` is refused, and control characters in file names and
/// parameters never reach Argo CD's log raw.
#[test]
fn file_names_are_compared_and_shown_safely() {
    let app = app_with(&[("eventbus.yaml", BUS)]);
    generate(
        &app,
        &[json!({"name": "files", "array": ["./eventbus.yaml", "eventbus.yaml"]})],
    )
    .assert_failed(2, "is listed twice");
    let out = generate(
        &app,
        &[json!({"name": "files", "array": ["eventbus.yaml\n\u{1b}[31mFAKE error"]})],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    assert!(out.stderr.contains("\\u{1b}[31mFAKE"), "{:?}", out.stderr);

    let forged = app_with(&[
        ("eventbus.yaml", BUS),
        ("x\n\u{1b}[32mOK.yaml", "kind: [\n"),
    ]);
    let out = generate(&forged, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        !out.stderr.contains('\u{1b}') && out.stderr.contains("x\\n\\u{1b}[32mOK.yaml"),
        "{:?}",
        out.stderr
    );
}

#[test]
fn reference_mode_renders_no_secret_and_passes_sealed_secrets_through() {
    let app = checkout("fixtures/credentials/argocd-app");
    // No seed in the sidecar: reference mode reads and derives no value.
    let mut env = parameter_env(&[json!({"name": "secrets", "string": "reference"})]);
    env.push(("EVENTBUS_GEN_SEED".to_owned(), String::new()));
    let out = run("generate", &app, &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.objects(),
        [
            "Service/eventbus-default-js-svc",
            "ConfigMap/eventbus-default-js-config",
            "StatefulSet/eventbus-default-js",
            "PodDisruptionBudget/eventbus-default-pdb",
            "EventBus/default",
            "SealedSecret/eventbus-default-js-server",
            "SealedSecret/eventbus-default-js-client-auth",
        ]
    );
    assert!(!out.stdout.contains("kind: Secret\n"));
    let docs = out.docs();
    // The pods and the clients read the Secrets the sealed ones become.
    let sts = &docs[2]["spec"]["template"]["spec"];
    let projected = sts["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "config-volume")
        .unwrap();
    assert_eq!(
        projected["projected"]["sources"][1]["secret"]["name"],
        "eventbus-default-js-server"
    );
    assert_eq!(
        docs[4]["spec"]["jetstreamExotic"]["accessSecret"],
        json!({"key": "client-auth", "name": "eventbus-default-js-client-auth"})
    );
    assert_eq!(docs[0]["metadata"]["namespace"], "events");
    // Every refresh gives the same bytes.
    let again = run("generate", &app, &env);
    assert_eq!(again.stdout, out.stdout);
    // The Secrets alone are for the command line, never for an application.
    let only = generate(&app, &[json!({"name": "secrets", "string": "only"})]);
    assert_ne!(only.code, 0);
    assert!(only.stdout.is_empty());
    assert!(
        only.stderr
            .contains("secrets: only is refused under Argo CD"),
        "{}",
        only.stderr
    );
}

/// A parameter given twice (twice in the Application's parameters, or twice among its
/// `plugin.env` entries under two spellings) is an error: which one won would depend on an
/// order the user does not see. A parameter still overrides a `plugin.env` entry.
#[test]
fn a_parameter_given_twice_is_an_error() {
    let app = checkout("fixtures/argocd/existing-secrets");
    let out = generate(
        &app,
        &[
            json!({"name": "podDisruptionBudget", "string": "false"}),
            json!({"name": "podDisruptionBudget", "string": "true"}),
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("sets podDisruptionBudget again"),
        "{}",
        out.stderr
    );

    let mut env = parameter_env(&[]);
    env.push((
        "ARGOCD_ENV_POD_DISRUPTION_BUDGET".to_owned(),
        "false".to_owned(),
    ));
    env.push((
        "ARGOCD_ENV_PODDISRUPTIONBUDGET".to_owned(),
        "true".to_owned(),
    ));
    let out = run("generate", &app, &env);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("sets podDisruptionBudget again"),
        "{}",
        out.stderr
    );

    let mut env = parameter_env(&[json!({"name": "podDisruptionBudget", "string": "true"})]);
    env.push((
        "ARGOCD_ENV_POD_DISRUPTION_BUDGET".to_owned(),
        "false".to_owned(),
    ));
    let out = run("generate", &app, &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("kind: PodDisruptionBudget"));
}
