//! The binary as a user runs it: exit codes, streams, determinism and credentials.

use base64::Engine as _;

use crate::support::{TEST_SEED, TOKEN_BUS_KINDS, TempDir, kinds, root, run, run_seeded};

const TOKEN_BUS: &str = "fixtures/stan/native-token.yaml";

/// The token in the rendered client Secret.
fn client_token(yaml: &str) -> String {
    let line = yaml
        .lines()
        .find_map(|l| l.trim().strip_prefix("client-auth: "))
        .expect("a client Secret is rendered");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(line.trim_matches('"'))
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    text.strip_prefix("token: \"")
        .unwrap()
        .strip_suffix('"')
        .unwrap()
        .to_owned()
}

#[test]
fn renders_twice_byte_identical() {
    let a = run_seeded(&["render", TOKEN_BUS]);
    let b = run_seeded(&["render", TOKEN_BUS]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
    assert!(a.stderr.is_empty(), "no warnings expected: {}", a.stderr);
}

#[test]
fn same_seed_same_token_other_seed_other_token() {
    let a = run_seeded(&["render", TOKEN_BUS]);
    let b = run(
        &["render", TOKEN_BUS],
        None,
        &[("EVENTBUS_GEN_SEED", "another seed of enough length")],
    );
    let (ta, tb) = (client_token(&a.stdout), client_token(&b.stdout));
    assert_eq!(ta.len(), 64);
    assert!(ta.bytes().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(ta, tb);
    // The server Secret carries the same token.
    let server = a
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("auth: "))
        .unwrap();
    let server = base64::engine::general_purpose::STANDARD
        .decode(server.trim_matches('"'))
        .unwrap();
    assert_eq!(
        String::from_utf8(server).unwrap(),
        format!("authorization {{\n  token: \"{ta}\"\n}}")
    );
}

#[test]
fn seed_file_and_environment_give_the_same_token() {
    let dir = std::env::temp_dir().join(format!("eventbus-gen-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("seed");
    std::fs::write(&file, format!("{TEST_SEED}\n")).unwrap();
    let a = run(
        &["render", "--seed-file", file.to_str().unwrap(), TOKEN_BUS],
        None,
        &[],
    );
    let b = run_seeded(&["render", TOKEN_BUS]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(client_token(&a.stdout), client_token(&b.stdout));
    std::fs::write(&file, "short-secret").unwrap();
    let c = run(
        &["render", "--seed-file", file.to_str().unwrap(), TOKEN_BUS],
        None,
        &[],
    );
    assert_eq!(c.code, 2);
    assert!(c.stdout.is_empty());
    assert!(
        !c.stderr.contains("short-secret"),
        "the seed must never be printed"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn existing_secrets_in_the_input_keep_their_token() {
    let out = run_seeded(&["render", "fixtures/stan/native-existing-secrets.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        client_token(&out.stdout),
        "FcGYEn234nzHJ9BNfot8bf95N6fRx08jeXutxfFHMyvLyFJfnzxM4qVxoN1hDBJt"
    );
    // The input Secrets are replaced by the rendered ones, not repeated.
    assert_eq!(out.stdout.matches("kind: Secret").count(), 2);
}

#[test]
fn disagreeing_secrets_are_an_error_without_the_tokens() {
    let text =
        std::fs::read_to_string(root().join("fixtures/stan/native-existing-secrets.yaml")).unwrap();
    let other = base64::engine::general_purpose::STANDARD.encode("token: \"SomeOtherToken123\"");
    let text = text.replace(
        "dG9rZW46ICJGY0dZRW4yMzRuekhKOUJOZm90OGJmOTVONmZSeDA4amVYdXR4ZkZITXl2THlGSmZuenhNNHFWeG9OMWhEQkp0Ig==",
        &other,
    );
    let out = run(&["render", "-"], Some(&text), &[]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("hold different tokens"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("SomeOtherToken123") && !out.stderr.contains("FcGYEn234"));
}

#[test]
fn a_token_bus_without_a_source_names_all_three() {
    let out = run(&["render", TOKEN_BUS], None, &[]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    for way in ["--seed-file", "EVENTBUS_GEN_SEED", "--random-tokens"] {
        assert!(out.stderr.contains(way), "missing {way}: {}", out.stderr);
    }
}

#[test]
fn random_tokens_change_and_warn() {
    let a = run(&["render", "--random-tokens", TOKEN_BUS], None, &[]);
    let b = run(&["render", "--random-tokens", TOKEN_BUS], None, &[]);
    assert_eq!(a.code, 0);
    assert_ne!(client_token(&a.stdout), client_token(&b.stdout));
    assert!(
        a.stderr.contains("warning:") && a.stderr.contains("changes it"),
        "{}",
        a.stderr
    );
    assert!(!a.stderr.contains(&client_token(&a.stdout)));
}

#[test]
fn errors_point_at_file_line_and_column() {
    let out = run(
        &["render", "fixtures/invalid/unknown-field-typo.yaml"],
        None,
        &[],
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.starts_with(
            "fixtures/invalid/unknown-field-typo.yaml:10:7: error: spec.nats.native.replica: unknown field, did you mean replicas?\n"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn one_bad_file_stops_all_output() {
    let out = run(
        &[
            "render",
            "--namespace",
            "x",
            "fixtures/stan/native-default.yaml",
            "fixtures/invalid/max-age-days.yaml",
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("fixtures/invalid/max-age-days.yaml:"),
        "{}",
        out.stderr
    );
}

#[test]
fn reads_stdin() {
    let text = std::fs::read_to_string(root().join("fixtures/stan/native-default.yaml")).unwrap();
    let a = run(&["render", "-"], Some(&text), &[]);
    let b = run(&["render", "fixtures/stan/native-default.yaml"], None, &[]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn output_directory_holds_one_file_per_object() {
    let dir = std::env::temp_dir().join(format!("eventbus-gen-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = run_seeded(&[
        "render",
        "-o",
        dir.to_str().unwrap(),
        "fixtures/mixed/several-buses.yaml",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let mut files: Vec<String> = walk(&dir);
    files.sort();
    assert_eq!(files.len(), 14, "{files:?}");
    assert!(
        files.contains(&"team-a/default/statefulset-eventbus-default-stan.yaml".to_owned()),
        "{files:?}"
    );
    // Rendering again without the PDB removes its file; nothing else moves.
    let again = run(
        &[
            "render",
            "--no-pdb",
            "-o",
            dir.to_str().unwrap(),
            "fixtures/mixed/several-buses.yaml",
        ],
        None,
        &[("EVENTBUS_GEN_SEED", TEST_SEED)],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    let after = walk(&dir);
    assert_eq!(after.len(), 12, "{after:?}");
    assert!(!after.iter().any(|f| f.contains("poddisruptionbudget")));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(
                walk(&p)
                    .into_iter()
                    .map(|f| format!("{}/{f}", p.file_name().unwrap().to_string_lossy())),
            );
        } else {
            out.push(p.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    out
}

#[test]
fn help_for_every_command() {
    for args in [
        &["--help"][..],
        &["render", "--help"],
        &["schema", "--help"],
    ] {
        let out = run(args, None, &[]);
        assert_eq!(out.code, 0, "{args:?}");
        assert!(out.stdout.contains("Usage:"), "{args:?}");
    }
}

#[test]
fn schema_describes_the_spec_and_the_options() {
    let out = run(&["schema"], None, &[]);
    assert_eq!(out.code, 0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["title"], "EventBus");
    assert!(out.stdout.contains("\"maxPayload\""));
    let o = run(&["schema", "--options"], None, &[]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(
        v["properties"]["podDisruptionBudget"].is_object(),
        "{}",
        o.stdout
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&["render"], None, &[]);
    assert_eq!(out.code, 2);
    let out = run(&["render", "no/such/file.yaml"], None, &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no/such/file.yaml"));
}

#[test]
fn bundled_examples_render() {
    let out = run(
        &[
            "render",
            "--seed-file",
            "examples/demo.seed",
            "examples/native.yaml",
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(kinds(&out.stdout), TOKEN_BUS_KINDS);
    // The options file names the seed relative to itself.
    let with_options = run(
        &[
            "render",
            "--options",
            "examples/options.yaml",
            "examples/native.yaml",
        ],
        None,
        &[],
    );
    assert_eq!(with_options.code, 0, "{}", with_options.stderr);
    assert!(
        with_options
            .stdout
            .contains("app.kubernetes.io/managed-by: eventbus-gen")
    );
    assert_eq!(
        client_token(&out.stdout),
        client_token(&with_options.stdout)
    );
}

/// The input of `native-existing-secrets.yaml` with every `namespace:` line taken out of the
/// Secrets, and the bus in `bus_namespace`.
fn secrets_without_namespace(bus_namespace: &str) -> String {
    let text =
        std::fs::read_to_string(root().join("fixtures/stan/native-existing-secrets.yaml")).unwrap();
    let (bus, secrets) = text.split_once("\n---\n").unwrap();
    format!(
        "{}\n---\n{}",
        bus.replace(
            "namespace: argo-events",
            &format!("namespace: {bus_namespace}")
        ),
        secrets.replace("  namespace: argo-events\n", "")
    )
}

#[test]
fn a_secret_without_namespace_belongs_to_the_default_namespace() {
    const KEPT: &str = "FcGYEn234nzHJ9BNfot8bf95N6fRx08jeXutxfFHMyvLyFJfnzxM4qVxoN1hDBJt";
    let text = secrets_without_namespace("team-a");
    // No default namespace: the Secrets match the bus, whatever its namespace.
    let out = run(
        &["render", "-"],
        Some(&text),
        &[("EVENTBUS_GEN_SEED", TEST_SEED)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(client_token(&out.stdout), KEPT);
    // The default namespace is team-a: the Secrets are team-a's.
    let out = run(
        &["render", "--namespace", "team-a", "-"],
        Some(&text),
        &[("EVENTBUS_GEN_SEED", TEST_SEED)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(client_token(&out.stdout), KEPT);
    // The default namespace is elsewhere: a team-a bus does not take them; its token is derived.
    let out = run(
        &["render", "--namespace", "team-b", "-"],
        Some(&text),
        &[("EVENTBUS_GEN_SEED", TEST_SEED)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_ne!(client_token(&out.stdout), KEPT);
    // Two buses, two namespaces: only the default namespace's bus keeps the token.
    let two = format!(
        "{text}\n---\n{}",
        text.split_once("\n---\n")
            .unwrap()
            .0
            .replace("namespace: team-a", "namespace: team-b")
    );
    let out = run(
        &["render", "--namespace", "team-b", "-"],
        Some(&two),
        &[("EVENTBUS_GEN_SEED", TEST_SEED)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let tokens: Vec<String> = out
        .stdout
        .split("\n---\n")
        .filter(|d| d.contains("client-auth: "))
        .map(client_token)
        .collect();
    assert_eq!(tokens.len(), 2);
    assert_ne!(
        tokens[0], KEPT,
        "team-a's bus must not take team-b's Secret"
    );
    assert_eq!(tokens[1], KEPT);
}

/// `native-existing-secrets.yaml` with the base64 `data` value of `key` replaced by `value`
/// (plain text, encoded here).
fn with_secret_value(key: &str, value: &str) -> String {
    let text =
        std::fs::read_to_string(root().join("fixtures/stan/native-existing-secrets.yaml")).unwrap();
    let prefix = format!("  {key}: ");
    text.lines()
        .map(|l| match l.strip_prefix(&prefix) {
            Some(_) => format!(
                "{prefix}{}",
                base64::engine::general_purpose::STANDARD.encode(value)
            ),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_malformed_token_secret_is_an_error_naming_it_but_not_its_value() {
    let cases = [
        (
            "auth",
            "authorization { token: BrokenValue garbage",
            "the existing Secret eventbus-default-server is annotated strategy: token, but its key auth holds no token in the expected form authorization { token: \"<token>\" }",
        ),
        (
            "client-auth",
            "tokn: \"BrokenValue\"",
            "the existing Secret eventbus-default-client is annotated strategy: token, but its key client-auth holds no token in the expected form token: \"<token>\"",
        ),
        (
            "client-auth",
            "token: [BrokenValue",
            "the existing Secret eventbus-default-client is annotated strategy: token, but its key client-auth holds no token",
        ),
    ];
    for (key, value, says) in cases {
        // A seed is there: the broken Secret must not be replaced silently all the same.
        let out = run(
            &["render", "-"],
            Some(&with_secret_value(key, value)),
            &[("EVENTBUS_GEN_SEED", TEST_SEED)],
        );
        assert_eq!(out.code, 1, "{value}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr
                .contains(&format!("error: spec.nats.native.auth: {says}")),
            "{value}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("BrokenValue") && !out.stderr.contains("FcGYEn234"),
            "{}",
            out.stderr
        );
    }
    // Without the annotation the Secret is still read as a token Secret.
    let text = with_secret_value("client-auth", "tokn: \"BrokenValue\"").replacen(
        "  annotations:\n    strategy: token\n",
        "",
        2,
    );
    let out = run(&["render", "-"], Some(&text), &[]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(
            "the existing Secret eventbus-default-client has no strategy annotation, so it is read as a token Secret, but its key client-auth"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn a_server_secret_left_by_auth_none_is_no_token_source() {
    // The bus switches from none to token: the server Secret is annotated none and holds an
    // empty auth, and there is no client Secret. The token comes from the seed.
    let text = with_secret_value("auth", "").replace("strategy: token", "strategy: none");
    let (text, _client) = text.rsplit_once("\n---\n").unwrap();
    let seeded = run_seeded(&["render", TOKEN_BUS]);
    let out = run(
        &["render", "-"],
        Some(text),
        &[("EVENTBUS_GEN_SEED", TEST_SEED)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(client_token(&out.stdout), client_token(&seeded.stdout));
    assert!(out.stdout.contains("strategy: token"));
    // The client Secret kept alone still gives its token.
    let text = with_secret_value("auth", "").replacen("strategy: token", "strategy: none", 1);
    let out = run(&["render", "-"], Some(&text), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        client_token(&out.stdout),
        "FcGYEn234nzHJ9BNfot8bf95N6fRx08jeXutxfFHMyvLyFJfnzxM4qVxoN1hDBJt"
    );
}

#[test]
fn kafka_without_topic_warns_about_drift_and_old_field_names_get_a_hint() {
    let bus = "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {name: default, namespace: events}\nspec:\n  kafka:\n    url: kafka:9092\n";
    let out = run(&["render", "-"], Some(bus), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("warning: spec.kafka.topic: not set"),
        "{}",
        out.stderr
    );
    let old = format!("{bus}    consumerGroup:\n      startOldest: true\n");
    let out = run(&["render", "-"], Some(&old), &[]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("spec.kafka.consumerGroup.startOldest: unknown field; renamed to oldest"),
        "{}",
        out.stderr
    );
}

#[test]
fn jetstream_defaults_in_the_options_are_checked() {
    let dir = std::env::temp_dir().join(format!("eventbus-gen-jsdefaults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = dir.join("options.yaml");
    std::fs::write(
        &options,
        "jetstreamDefaults:\n  settings: \"store_dir: /data/elsewhere\\n\"\n  streamConfig: \"- not a mapping\"\n",
    )
    .unwrap();
    let out = run(
        &[
            "render",
            "--options",
            options.to_str().unwrap(),
            "fixtures/jetstream/default.yaml",
        ],
        None,
        &[("EVENTBUS_GEN_SEED", TEST_SEED)],
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("options.jetstreamDefaults.settings: must not set store_dir"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("options.jetstreamDefaults.streamConfig: must be a YAML mapping"),
        "{}",
        out.stderr
    );
}

#[test]
fn anti_affinity_is_dropped_with_a_warning_when_unknown_fields_are_allowed() {
    let out = run(
        &[
            "render",
            "--allow-unknown-fields",
            "fixtures/invalid/anti-affinity-shorthand.yaml",
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("spec.nats.native.antiAffinity: dropped: unknown field"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("podAntiAffinity"), "{}", out.stdout);
}

#[test]
fn completions_cover_the_commands_and_flags_and_bash_parses_its_script() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completion", shell], None, &[]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        for word in [
            "render",
            "adopt",
            "schema",
            "argocd",
            // Flags without their dashes: fish writes `-l output-dir`.
            "output-dir",
            "check",
            "seed-file",
        ] {
            assert!(out.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    let bash = run(&["completion", "bash"], None, &[]).stdout;
    let tmp = TempDir::new("completion");
    let script = tmp.path().join("eventbus-gen.bash");
    std::fs::write(&script, &bash).unwrap();
    let parsed = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let unknown = run(&["completion", "tcsh"], None, &[]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("possible values"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn man_pages_come_from_the_command_definition() {
    let top = run(&["man"], None, &[]);
    assert_eq!(top.code, 0, "{}", top.stderr);
    assert!(
        top.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        top.stdout
    );
    for section in [
        ".TH eventbus-gen 1",
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH SUBCOMMANDS",
    ] {
        assert!(top.stdout.contains(section), "no {section}");
    }
    let render = run(&["man", "render"], None, &[]).stdout;
    assert!(render.contains(".TH eventbus-gen-render 1"));
    assert!(render.contains("\\-\\-check") && render.contains("\\-\\-output\\-dir"));
    let nested = run(&["man", "argocd", "generate"], None, &[]);
    assert!(nested.stdout.contains(".TH eventbus-gen-argocd-generate 1"));
    let unknown = run(&["man", "rendr"], None, &[]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("known: render, adopt"),
        "{}",
        unknown.stderr
    );
    // groff, where installed, reads every page without a warning.
    let Ok(groff) = std::process::Command::new("groff").arg("-v").output() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "groff is not on PATH; CI must install it (apt-get install groff-base)"
        );
        eprintln!("groff is not installed: the man pages were checked for structure only");
        return;
    };
    assert!(groff.status.success());
    for page in [top.stdout, render] {
        let mut child = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), page.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn bare_command_without_a_resource_list_prints_usage_on_stderr() {
    for stdin in [
        "",
        "\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        "hello",
    ] {
        let out = run(&[], Some(stdin), &[]);
        assert_eq!(out.code, 2, "{stdin:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{stdin:?}: {}", out.stdout);
        assert!(
            out.stderr.contains("Usage: eventbus-gen [COMMAND]"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains("no command given and no ResourceList on stdin")
        );
    }
    // A ResourceList still runs the function, as kpt and kustomize start it.
    let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n";
    let out = run(&[], Some(list), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("kind: ResourceList"));
}

#[test]
fn a_folder_is_read_like_argocd_generate_reads_one() {
    let tmp = TempDir::new("render-dir");
    let dir = tmp.path();
    std::fs::copy(root().join(TOKEN_BUS), dir.join("b-bus.yaml")).unwrap();
    std::fs::copy(
        root().join("fixtures/jetstream/default.yaml"),
        dir.join("a-js.yml"),
    )
    .unwrap();
    std::fs::write(dir.join(".hidden.yaml"), "not: read\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not read\n").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/x.yaml"), "not: read\n").unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.join("link.yaml")).unwrap();
    let d = dir.to_str().unwrap();
    let out = run_seeded(&["render", d]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Both buses, in file-name order (the JetStream bus of a-js.yml first).
    let files = run_seeded(&[
        "render",
        &format!("{d}/a-js.yml"),
        &format!("{d}/b-bus.yaml"),
    ]);
    assert_eq!(out.stdout, files.stdout);
    assert!(
        out.stderr
            .contains(&format!("{d}/link.yaml: warning: skipped: a symbolic link")),
        "{}",
        out.stderr
    );
    let empty = TempDir::new("render-empty-dir");
    let none = run_seeded(&["render", empty.path().to_str().unwrap()]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("holds no *.yaml"), "{}", none.stderr);
}

/// On a terminal the bare command does not wait for a ResourceList: it prints its usage and
/// exits 2. `script` (util-linux, in every Debian base system) gives it a terminal.
#[test]
fn bare_command_on_a_terminal_prints_usage_without_reading() {
    let out = std::process::Command::new("timeout")
        .args(["20", "script", "-qec"])
        .arg(crate::support::BIN)
        .arg("/dev/null")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("timeout and script run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("Usage: eventbus-gen [COMMAND]"), "{text}");
    assert!(
        text.contains("no command given and no ResourceList on stdin"),
        "{text}"
    );
}
