//! The bad-input catalogue: every file of `fixtures/hostile/` and `fixtures/invalid/`, plus a few
//! inputs too large to keep in the repository, run through all three front ends (the command
//! line, the KRM function with the case as items, the Argo CD plugin with the case as the
//! application folder), each under an address-space limit and a time limit. Every run must end
//! with an error exit, nothing on stdout (the KRM function: the items unchanged and an error
//! result), no panic, and the messages of the snapshot (one per case, all three front ends).

use std::fs;
use std::path::Path;

use serde_json::json;

use crate::argocd::{app_with_bytes, parameter_env, run_bounded};
use crate::support::{Output, TEST_SEED, bounded, root};

/// A case: its name and its bytes.
struct Case {
    name: String,
    bytes: Vec<u8>,
    seed: bool,
    namespace: bool,
}

/// Cases a front end renders on purpose, with the reason.
const RENDERS: &[(&str, &str, &str)] = &[
    (
        "invalid/namespace-missing.yaml",
        "argocd",
        "the plugin uses the Application's destination namespace",
    ),
    ("hostile/empty.yaml", "krm", NO_BUS_IN_KRM),
    ("hostile/comments-only.yaml", "krm", NO_BUS_IN_KRM),
    ("hostile/separators-only.yaml", "krm", NO_BUS_IN_KRM),
    ("hostile/lone-bom.yaml", "krm", NO_BUS_IN_KRM),
    ("invalid/not-an-eventbus.yaml", "krm", NO_BUS_IN_KRM),
    (
        "invalid/exotic-missing-cluster-id.yaml",
        "krm",
        EXOTIC_IN_KRM,
    ),
    ("invalid/exotic-missing-url.yaml", "krm", EXOTIC_IN_KRM),
    (
        "invalid/jetstream-exotic-missing-url.yaml",
        "krm",
        EXOTIC_IN_KRM,
    ),
    ("invalid/kafka-missing-url.yaml", "krm", EXOTIC_IN_KRM),
    ("invalid/unused-secret-strict.yaml", "cli", STRICT_BY_HEADER),
    ("invalid/unused-secret-strict.yaml", "krm", STRICT_BY_HEADER),
    (
        "invalid/unused-secret-strict.yaml",
        "argocd",
        STRICT_BY_HEADER,
    ),
];

const STRICT_BY_HEADER: &str = "strictInput comes from the fixture's options header, which the catalogue does not \
     pass; without it the unused Secret is a warning (the golden test runs it strict)";

const EXOTIC_IN_KRM: &str = "the KRM function passes buses with exotic specs through as they are";

const NO_BUS_IN_KRM: &str = "a ResourceList without a bus passes through unchanged";

/// Inputs built by the test: past the scalar, key and input size limits.
fn generated() -> Vec<Case> {
    let head =
        "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  namespace: argo-events\n";
    let scalar = "n".repeat(eventbus_gen::yaml::MAX_SCALAR_BYTES + 1);
    let big_name = format!("{head}  name: {scalar}\nspec: {{nats: {{native: {{}}}}}}\n");
    let big_key = format!("{head}  name: default\n{scalar}: 1\nspec: {{nats: {{native: {{}}}}}}\n");
    let mut too_large = format!("{head}  name: default\nspec: {{nats: {{native: {{}}}}}}\n");
    let line = format!("# {}\n", "x".repeat(1000));
    while too_large.len() <= eventbus_gen::yaml::MAX_INPUT_BYTES {
        too_large.push_str(&line);
    }
    [
        ("generated/scalar-too-long.yaml", big_name),
        ("generated/key-too-long.yaml", big_key),
        ("generated/input-too-large.yaml", too_large),
    ]
    .into_iter()
    .map(|(name, text)| Case {
        name: name.to_owned(),
        bytes: text.into_bytes(),
        seed: true,
        namespace: true,
    })
    .collect()
}

/// Every case of the catalogue, in name order.
fn catalogue() -> Vec<Case> {
    let mut cases = Vec::new();
    for folder in ["hostile", "invalid"] {
        let mut paths: Vec<_> = fs::read_dir(root().join("fixtures").join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let bytes = fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            cases.push(Case {
                name: format!("{folder}/{}", path.file_name().unwrap().to_string_lossy()),
                seed: !text.contains("# eventbus-gen-test: no-seed"),
                namespace: !text.contains("# eventbus-gen-test: no-namespace"),
                bytes,
            });
        }
    }
    cases.extend(generated());
    cases
}

/// No panic message, no backtrace.
fn assert_no_panic(case: &str, front: &str, out: &Output) {
    for needle in ["panicked", "stack backtrace", "RUST_BACKTRACE"] {
        assert!(
            !out.stderr.contains(needle),
            "{case} ({front}) panicked:\n{}",
            out.stderr
        );
    }
}

/// The stderr of a run for the snapshot: lines of inputs built by the test cut short.
fn shown(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| {
            if l.chars().count() > 400 {
                format!(
                    "{}… [{} characters]",
                    l.chars().take(400).collect::<String>(),
                    l.len()
                )
            } else {
                l.to_owned()
            }
        })
        .map(|l| l + "\n")
        .collect()
}

fn cli(case: &Case, file: &Path) -> Output {
    let mut args = vec!["render"];
    if case.namespace {
        args.extend(["--namespace", "argo-events"]);
    }
    let file = file.to_str().unwrap();
    args.push(file);
    let mut run = bounded(&args);
    if case.seed {
        run = run.env("EVENTBUS_GEN_SEED", TEST_SEED);
    }
    run.output()
}

/// The case as the items of a ResourceList: each document of the text an item, or the bytes
/// as they are when they are not UTF-8 text or more than the function reads.
fn resource_list(case: &Case) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(&case.bytes) else {
        return case.bytes.clone();
    };
    if text.len() > eventbus_gen::yaml::MAX_INPUT_BYTES {
        return case.bytes.clone();
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut list = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n");
    if case.namespace {
        list.push_str(
            "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: eventbus-gen}\n  data: {namespace: argo-events}\n",
        );
    }
    list.push_str("items:\n");
    let mut any = false;
    for doc in text.split("\n---\n") {
        let doc = doc.strip_prefix("---\n").unwrap_or(doc);
        let lines: Vec<&str> = doc
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && !matches!(*l, "---" | "..."))
            .collect();
        if lines.is_empty() {
            continue;
        }
        list.push_str(&crate::support::list_item(&lines.join("\n")));
        any = true;
    }
    if !any {
        list.push_str("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: unrelated}\n");
    }
    list.into_bytes()
}

/// The ResourceList the function wrote, and whether it holds an error result; `None` when it
/// wrote nothing (the list it was given could not be read).
fn output_list(out: &Output) -> Option<(serde_json::Value, bool)> {
    if out.stdout.is_empty() {
        return None;
    }
    let list = eventbus_gen::yaml::load_documents(&out.stdout)
        .unwrap()
        .remove(0)
        .value;
    let has_error = list["results"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["severity"] == "error"));
    Some((list, has_error))
}

fn krm(case: &Case) -> Output {
    let input = resource_list(case);
    let mut run = bounded(&["krm"]).stdin_bytes(&input);
    if case.seed {
        run = run.env("EVENTBUS_GEN_SEED", TEST_SEED);
    }
    let out = run.output();
    // Items unchanged, an error result: or nothing at all when the list itself is unreadable.
    if let Some((list, has_error)) = output_list(&out) {
        assert_eq!(
            has_error,
            out.code != 0,
            "{}: an error result exactly when the function fails",
            case.name
        );
        // On failure the items are left unchanged. (A list whose items are not all objects is
        // not a ResourceList: nothing to keep.)
        if out.code != 0
            && let Ok(text) = std::str::from_utf8(&input)
            && let Ok(docs) =
                eventbus_gen::yaml::load_documents_with(text, eventbus_gen::yaml::Schema::Kyaml)
            && docs[0].value["items"]
                .as_array()
                .is_some_and(|items| items.iter().all(serde_json::Value::is_object))
        {
            assert_eq!(
                list["items"], docs[0].value["items"],
                "{}: items changed",
                case.name
            );
        }
    }
    out
}

fn argocd(case: &Case) -> Output {
    let app = app_with_bytes(&[("eventbus.yaml", &case.bytes)]);
    let mut extra = parameter_env(&[]);
    if !case.seed {
        extra.push(("EVENTBUS_GEN_SEED".to_owned(), String::new()));
    }
    run_bounded("generate", &app, &extra)
}

#[test]
fn every_case_fails_cleanly_in_every_front_end() {
    let cases = catalogue();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let tmp = crate::support::TempDir::new("hostile");
    for case in &cases {
        let file = tmp.path().join(case.name.replace('/', "-"));
        fs::write(&file, &case.bytes).unwrap();
        let mut snapshot = String::new();
        for (front, out) in [
            ("cli", cli(case, &file)),
            ("krm", krm(case)),
            ("argocd", argocd(case)),
        ] {
            assert_no_panic(&case.name, front, &out);
            if RENDERS
                .iter()
                .any(|(c, f, _)| *c == case.name && *f == front)
            {
                assert_eq!(out.code, 0, "{} ({front}) should render", case.name);
                snapshot.push_str(&format!("=== {front}: renders, exit 0\n"));
                continue;
            }
            assert_ne!(
                out.code, 0,
                "{} ({front}) rendered:\n{}",
                case.name, out.stdout
            );
            if front != "krm" {
                assert!(
                    out.stdout.is_empty(),
                    "{} ({front}) wrote stdout",
                    case.name
                );
            }
            snapshot.push_str(&format!("=== {front}: exit {}\n", out.code));
            let file_name = file.to_string_lossy().into_owned();
            snapshot.push_str(&shown(&out.stderr.replace(&file_name, "FILE")));
        }
        let name = case.name.replace('/', "@").replace(".yaml", "");
        insta::with_settings!({
            snapshot_path => "../../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("catalogue@{name}"), snapshot);
        });
    }
}

/// YAML held in the Argo CD parameters: JSON with aliases cannot explode (JSON has none), but
/// parameter values that hold YAML (`commonLabels`, `jetstreamDefaults`) go through the same
/// reader and its budget.
#[test]
fn yaml_in_parameters_is_bounded() {
    let bomb =
        fs::read_to_string(root().join("fixtures/hostile/alias-bomb-top-level.yaml")).unwrap();
    let app = crate::argocd::checkout("fixtures/argocd/existing-secrets");
    for name in ["commonLabels", "jetstreamDefaults", "jetstreamVersions"] {
        let out = run_bounded(
            "generate",
            &app,
            &parameter_env(&[json!({"name": name, "string": bomb})]),
        );
        assert_no_panic(name, "argocd", &out);
        assert_ne!(out.code, 0, "{name}");
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr.contains("excessive aliasing"),
            "{name}: {}",
            out.stderr
        );
    }
    let deep = format!("{}{}", "[".repeat(150), "]".repeat(150));
    let out = run_bounded(
        "generate",
        &app,
        &[("ARGOCD_APP_PARAMETERS".to_owned(), deep)],
    );
    assert_no_panic("deep parameters", "argocd", &out);
    assert!(
        out.stderr.contains("deeper than 100 levels"),
        "{}",
        out.stderr
    );
}

/// Random-looking pieces of a rendered Secret value: the base64 text, and in the decoded text
/// every run of at least 16 token characters (tokens, passwords, key and certificate lines).
fn secret_needles(encoded: &str, out: &mut std::collections::BTreeSet<String>) {
    use base64::Engine;
    if encoded.len() >= 16 {
        out.insert(encoded.to_owned());
    }
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return;
    };
    let text = String::from_utf8_lossy(&bytes);
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=_-".contains(c))) {
        let word = word.trim_matches('-');
        // Long runs of one kind of character (PEM dashes, labels) are not secrets.
        let mixed = word.chars().any(|c| c.is_ascii_digit())
            && word.chars().any(|c| c.is_ascii_alphabetic());
        if word.len() >= 16 && mixed {
            out.insert(word.to_owned());
        }
    }
}

/// Renders every fixture with the test seed and checks that no derived token, password or key
/// (nor the seed) appears in what users read: stderr (errors and warnings) of the command line
/// and the plugin, and the results of the KRM function, for the fixtures and the catalogue.
#[test]
fn no_derived_secret_reaches_a_message() {
    let mut needles = std::collections::BTreeSet::new();
    let mut messages = String::new();
    let mut fixtures = Vec::new();
    for folder in ["stan", "jetstream", "exotic", "mixed", "real-world", "krm"] {
        for e in fs::read_dir(root().join("fixtures").join(folder)).unwrap() {
            fixtures.push(e.unwrap().path());
        }
    }
    fixtures.sort();
    for path in &fixtures {
        let out = crate::support::render_fixture(path, &[]);
        messages.push_str(&out.stderr);
        if !out.success() {
            continue;
        }
        for doc in out.docs() {
            if doc["kind"] == "Secret"
                && let Some(data) = doc["data"].as_object()
            {
                for v in data.values() {
                    secret_needles(v.as_str().unwrap_or_default(), &mut needles);
                }
            }
        }
    }
    assert!(
        needles.len() > 20,
        "too few secrets to look for: {needles:?}"
    );
    needles.insert(TEST_SEED.to_owned());
    let tmp = crate::support::TempDir::new("hygiene");
    for case in catalogue() {
        let file = tmp.path().join(case.name.replace('/', "-"));
        fs::write(&file, &case.bytes).unwrap();
        messages.push_str(&cli(&case, &file).stderr);
        let out = krm(&case);
        messages.push_str(&out.stderr);
        if let Some(doc) = eventbus_gen::yaml::load_documents(&out.stdout)
            .ok()
            .and_then(|d| d.into_iter().next())
        {
            messages.push_str(&doc.value["results"].to_string());
        }
        messages.push_str(&argocd(&case).stderr);
    }
    for needle in &needles {
        assert!(
            !messages.contains(needle.as_str()),
            "a secret reached a message: {needle}"
        );
    }
}

/// YAML held in the KRM functionConfig: a ConfigMap value that holds YAML, and the generator's
/// options annotation, go through the same reader and its budget.
#[test]
fn yaml_in_the_function_config_is_bounded() {
    let bomb =
        fs::read_to_string(root().join("fixtures/hostile/alias-bomb-top-level.yaml")).unwrap();
    let bus = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
        "metadata": {"name": "default", "namespace": "argo-events"},
        "spec": {"nats": {"native": {}}}});
    let configs = [
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "eventbus-gen"},
               "data": {"commonLabels": bomb}}),
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
               "metadata": {"name": "default", "namespace": "argo-events",
                            "annotations": {"eventbus-gen/options": bomb}},
               "spec": {"nats": {"native": {}}}}),
    ];
    for config in configs {
        let list = json!({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
                          "functionConfig": config, "items": [bus]});
        let out = bounded(&["krm"])
            .env("EVENTBUS_GEN_SEED", TEST_SEED)
            .stdin(&list.to_string())
            .output();
        assert_no_panic("functionConfig", "krm", &out);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stderr.contains("excessive aliasing"), "{}", out.stderr);
    }
}

/// Keys and values of options, from any source, reach stderr escaped and cut.
#[test]
fn option_keys_and_values_are_shown_escaped_and_short() {
    let out = crate::support::run(
        &[
            "render",
            "--set",
            "\u{1b}[31mkey=v",
            "fixtures/stan/native-default.yaml",
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    let tmp = crate::support::TempDir::new("opts-huge");
    let opts = tmp.path().join("opts.yaml");
    std::fs::write(
        &opts,
        format!("securityProfile: \"{}\"\n", "\\e[5m".repeat(100_000)),
    )
    .unwrap();
    let out = crate::support::run(
        &[
            "render",
            "--options",
            opts.to_str().unwrap(),
            "fixtures/stan/native-default.yaml",
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}'));
    assert!(
        out.stderr.len() < 8192,
        "{} bytes of stderr",
        out.stderr.len()
    );
}

/// Cases a front end renders on purpose as a generator's functionConfig, with the reason.
const GENERATOR_RENDERS: &[(&str, &str)] = &[];

/// The case as a kustomize generator: its one EventBus document is the functionConfig, and
/// `items` is empty. `None` for cases that are not one EventBus document of readable text.
fn generator_list(case: &Case) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(&case.bytes).ok()?;
    if text.len() > eventbus_gen::yaml::MAX_INPUT_BYTES {
        return None;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let docs: Vec<String> = text
        .split("\n---\n")
        .map(|doc| {
            doc.lines()
                .filter(|l| {
                    !l.starts_with('#') && !l.trim().is_empty() && !matches!(*l, "---" | "...")
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|d| !d.is_empty())
        .collect();
    let [doc] = docs.as_slice() else { return None };
    if !doc.contains("kind: EventBus") || doc.starts_with('%') {
        return None;
    }
    let mut list = String::from(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n",
    );
    for line in doc.lines() {
        list.push_str("  ");
        list.push_str(line);
        list.push('\n');
    }
    Some(list.into_bytes())
}

/// Every catalogue case that is one EventBus document, given to the KRM function as a
/// generator's functionConfig (the form kustomize's `generators:` uses): the same bounds, an
/// error exit with an error result, no items made, no panic.
#[test]
fn every_case_fails_cleanly_as_a_generator_config() {
    let mut run_cases = 0;
    for case in catalogue() {
        let Some(input) = generator_list(&case) else {
            continue;
        };
        run_cases += 1;
        let mut run = bounded(&["krm"]).stdin_bytes(&input);
        if case.seed {
            run = run.env("EVENTBUS_GEN_SEED", TEST_SEED);
        }
        let out = run.output();
        assert_no_panic(&case.name, "krm generator", &out);
        if let Some((_, why)) = GENERATOR_RENDERS.iter().find(|(c, _)| *c == case.name) {
            assert_eq!(out.code, 0, "{} renders as a generator: {why}", case.name);
            continue;
        }
        assert_ne!(
            out.code, 0,
            "{} rendered as a generator:\n{}",
            case.name, out.stdout
        );
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert!(
            lines.iter().any(|l| l.starts_with("eventbus-gen: error: "))
                && lines.len() <= eventbus_gen::frontend::advice::MAX_ERRORS + 2,
            "{}: {}",
            case.name,
            out.stderr
        );
        if let Some((list, has_error)) = output_list(&out) {
            assert!(has_error, "{}: no error result", case.name);
            assert!(
                list["items"].as_array().is_none_or(Vec::is_empty),
                "{}: items made",
                case.name
            );
        }
    }
    eprintln!("{run_cases} cases run as a generator config");
    assert!(
        run_cases >= 60,
        "{run_cases} cases run as a generator config"
    );
}
