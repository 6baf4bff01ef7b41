//! JetStream buses through the binary: fixtures, the real NATS server's config check, the TLS
//! material, re-render stability, and the pass-through of external buses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use p256::pkcs8::DecodePrivateKey;
use serde_json::Value;
use x509_cert::Certificate;
use x509_cert::der::{Decode, DecodePem, Encode};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use crate::support::{root, run, run_seeded};

fn render_ok(args: &[&str]) -> String {
    let out = run_seeded(args);
    assert!(out.success(), "{args:?} failed: {}", out.stderr);
    out.stdout
}

fn documents(yaml: &str) -> Vec<Value> {
    eventbus_gen::yaml::load_documents(yaml)
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect()
}

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn jetstream_fixtures() -> Vec<PathBuf> {
    let mut all = yaml_files("fixtures/jetstream");
    // The real-world JetStream buses that render with the default version table.
    all.extend(yaml_files("fixtures/real-world").into_iter().filter(|p| {
        let name = p.file_name().unwrap().to_string_lossy();
        ["12-", "14-", "15-", "16-", "17-"]
            .iter()
            .any(|n| name.starts_with(n))
    }));
    all
}

fn secret_data(doc: &Value) -> BTreeMap<String, Vec<u8>> {
    doc["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(v.as_str().unwrap())
                .unwrap();
            (k.clone(), bytes)
        })
        .collect()
}

/// The rendered JetStream buses of one output: namespace, bus name, config text, server data.
struct JsBus {
    namespace: String,
    name: String,
    config: String,
    server: BTreeMap<String, Vec<u8>>,
}

fn jetstream_buses(docs: &[Value]) -> Vec<JsBus> {
    let find = |kind: &str, ns: &str, name: &str| {
        docs.iter()
            .find(|d| {
                d["kind"] == kind
                    && d["metadata"]["namespace"] == ns
                    && d["metadata"]["name"] == name
            })
            .unwrap_or_else(|| panic!("no {kind} {ns}/{name}"))
    };
    docs.iter()
        .filter(|d| d["kind"] == "ConfigMap")
        .map(|cm| {
            let ns = cm["metadata"]["namespace"].as_str().unwrap().to_owned();
            let cm_name = cm["metadata"]["name"].as_str().unwrap();
            let name = cm_name
                .strip_prefix("eventbus-")
                .and_then(|n| n.strip_suffix("-js-config"))
                .unwrap()
                .to_owned();
            let server = find("Secret", &ns, &format!("eventbus-{name}-js-server"));
            JsBus {
                config: cm["data"]["nats-js"].as_str().unwrap().to_owned(),
                server: secret_data(server),
                namespace: ns,
                name,
            }
        })
        .collect()
}

/// `nats-server` on PATH; in CI its absence is a failure, elsewhere a skip.
fn nats_server() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("nats-server"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "nats-server is not on PATH; CI must install it (apt-get install nats-server)"
        );
        eprintln!("nats-server not on PATH: the server config check is skipped");
    }
    found
}

/// Writes the bus's config and Secret files into a fresh directory, with the pod paths moved
/// there; returns the directory.
fn write_bus_files(bus: &JsBus, label: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("nats-conf")
        .join(format!("{label}-{}-{}", bus.namespace, bus.name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.display().to_string();
    let relocate = |text: &str| {
        text.replace("/etc/nats-config/", &format!("{d}/"))
            .replace("/var/run/nats/nats.pid", &format!("{d}/nats.pid"))
            .replace("/data/jetstream/store", &format!("{d}/store"))
    };
    std::fs::write(dir.join("nats-js.conf"), relocate(&bus.config)).unwrap();
    for (key, file) in [
        ("auth", "auth.conf"),
        ("private-key", "server-key.pem"),
        ("cert", "server-cert.pem"),
        ("ca-cert", "ca-cert.pem"),
        ("cluster-private-key", "cluster-server-key.pem"),
        ("cluster-cert", "cluster-server-cert.pem"),
        ("cluster-ca-cert", "cluster-ca-cert.pem"),
    ] {
        let text = String::from_utf8(bus.server[key].clone()).unwrap();
        std::fs::write(dir.join(file), relocate(&text)).unwrap();
    }
    dir
}

/// Runs `nats-server -t` on the bus's files.
fn check_with_nats_server(server: &Path, bus: &JsBus, label: &str) {
    let dir = write_bus_files(bus, label);
    let out = Command::new(server)
        .args(["-t", "-c"])
        .arg(dir.join("nats-js.conf"))
        .env("POD_NAME", format!("eventbus-{}-js-0", bus.name))
        .env("SERVER_NAME", format!("eventbus-{}-js-0", bus.name))
        .env("CLUSTER_ADVERTISE", "eventbus-js-0.svc:6222")
        .env("JS_KEY", "unused-the-key-is-quoted")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("is valid"),
        "{label} {}/{}: nats-server -t failed: {stderr}",
        bus.namespace,
        bus.name
    );
}

#[test]
fn every_jetstream_fixture_renders_and_its_config_passes_nats_server() {
    let server = nats_server();
    let mut checked = 0;
    for path in jetstream_fixtures() {
        let p = path.to_str().unwrap();
        let yaml = render_ok(&["render", "-n", "argo-events", p]);
        let label = path.file_stem().unwrap().to_str().unwrap();
        for bus in jetstream_buses(&documents(&yaml)) {
            if let Some(s) = &server {
                check_with_nats_server(s, &bus, label);
                checked += 1;
            }
        }
    }
    if server.is_some() {
        // default, 5 replicas, 1 replica, persistence, settings, pod options, restricted, controller
        // defaults, 9 versions, and the real-world 12, 14, 15, 16 and 17 (two buses).
        assert_eq!(checked, 23);
    }
}

fn certificate(pem: &[u8]) -> Certificate {
    Certificate::from_pem(pem).unwrap()
}

fn dns_names(cert: &Certificate) -> Vec<String> {
    let ext = cert
        .tbs_certificate()
        .extensions()
        .unwrap()
        .iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.17")
        .expect("a subjectAltName extension");
    let san = SubjectAltName::from_der(ext.extn_value.as_bytes()).unwrap();
    san.0
        .iter()
        .map(|n| match n {
            GeneralName::DnsName(s) => s.to_string(),
            other => panic!("unexpected name {other:?}"),
        })
        .collect()
}

fn public_key(cert: &Certificate) -> p256::PublicKey {
    let spki = cert.tbs_certificate().subject_public_key_info();
    p256::PublicKey::from_sec1_bytes(spki.subject_public_key.raw_bytes()).unwrap()
}

fn signed_by(cert: &Certificate, issuer: &Certificate) -> bool {
    use p256::ecdsa::signature::Verifier;
    let key = p256::ecdsa::VerifyingKey::from(public_key(issuer));
    let sig = p256::ecdsa::DerSignature::from_bytes(cert.signature().raw_bytes()).unwrap();
    key.verify(&cert.tbs_certificate().to_der().unwrap(), &sig)
        .is_ok()
}

#[test]
fn tls_material_parses_matches_its_keys_and_names_the_service() {
    let yaml = render_ok(&["render", "fixtures/jetstream/default.yaml"]);
    let docs = documents(&yaml);
    let bus = jetstream_buses(&docs).pop().unwrap();
    let svc = "eventbus-default-js-svc.argo-events";
    for (leaf_key, ca_key, private_key, names) in [
        (
            "cert",
            "ca-cert",
            "private-key",
            vec![format!("{svc}.svc.cluster.local"), format!("{svc}.svc")],
        ),
        (
            "cluster-cert",
            "cluster-ca-cert",
            "cluster-private-key",
            vec![format!("*.{svc}.svc.cluster.local"), format!("*.{svc}.svc")],
        ),
    ] {
        let leaf = certificate(&bus.server[leaf_key]);
        let ca = certificate(&bus.server[ca_key]);
        let key =
            p256::SecretKey::from_pkcs8_pem(std::str::from_utf8(&bus.server[private_key]).unwrap())
                .unwrap();
        assert_eq!(
            key.public_key(),
            public_key(&leaf),
            "{leaf_key} matches its key"
        );
        assert_eq!(dns_names(&leaf), names, "{leaf_key}");
        assert_eq!(dns_names(&ca), names, "{ca_key}");
        assert!(signed_by(&leaf, &ca), "{leaf_key} is signed by {ca_key}");
        assert!(signed_by(&ca, &ca), "{ca_key} is self-signed");
        assert!(!signed_by(&leaf, &leaf));
        let tbs = leaf.tbs_certificate();
        assert_eq!(tbs.subject().to_string(), "O=io.argoproj");
        assert_eq!(tbs.issuer().to_string(), "O=io.argoproj");
        let validity = tbs.validity();
        assert_eq!(validity.not_before.to_string(), "2025-01-01T00:00:00Z");
        assert_eq!(validity.not_after.to_string(), "9999-12-31T23:59:59Z");
    }
    // The two chains are independent.
    let ca = certificate(&bus.server["ca-cert"]);
    let cluster_leaf = certificate(&bus.server["cluster-cert"]);
    assert!(!signed_by(&cluster_leaf, &ca));
}

#[test]
fn validity_window_follows_the_flags() {
    let yaml = render_ok(&[
        "render",
        "--cert-not-before",
        "2026-01-01T00:00:00Z",
        "--cert-not-after",
        "2036-01-01T00:00:00Z",
        "fixtures/jetstream/default.yaml",
    ]);
    let bus = jetstream_buses(&documents(&yaml)).pop().unwrap();
    let cert = certificate(&bus.server["cert"]);
    let validity = cert.tbs_certificate().validity();
    assert_eq!(validity.not_before.to_string(), "2026-01-01T00:00:00Z");
    assert_eq!(validity.not_after.to_string(), "2036-01-01T00:00:00Z");
    let out = run_seeded(&[
        "render",
        "--cert-not-after",
        "2020-01-01T00:00:00Z",
        "fixtures/jetstream/default.yaml",
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("options.certificateValidity"));
}

#[test]
fn the_example_renders_the_full_object_set_and_re_renders_identically() {
    let first = render_ok(&["render", "examples/jetstream.yaml"]);
    let kinds: Vec<String> = documents(&first)
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["kind"].as_str().unwrap(),
                d["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Service eventbus-default-js-svc",
            "ConfigMap eventbus-default-js-config",
            "Secret eventbus-default-js-server",
            "Secret eventbus-default-js-client-auth",
            "StatefulSet eventbus-default-js",
            "PodDisruptionBudget eventbus-default-pdb",
            "EventBus default",
        ]
    );
    assert_eq!(first, render_ok(&["render", "examples/jetstream.yaml"]));

    // Without a seed: exit 1, the sources named, nothing on stdout.
    let out = run(&["render", "examples/jetstream.yaml"], None, &[]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    let stderr = &out.stderr;
    for hint in ["--seed-file", "EVENTBUS_GEN_SEED", "--random-tokens"] {
        assert!(stderr.contains(hint), "{stderr}");
    }
}

#[test]
fn existing_secrets_in_the_input_keep_every_byte() {
    let first = render_ok(&["render", "fixtures/jetstream/default.yaml"]);
    // Feed the rendered Secrets back with the bus, and no seed at all.
    let secrets: Vec<&str> = first
        .split("---\n")
        .filter(|d| d.starts_with("apiVersion: v1\nkind: Secret\n"))
        .collect();
    assert_eq!(secrets.len(), 2);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("existing-secrets");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("bus-and-secrets.yaml");
    let bus = std::fs::read_to_string(root().join("fixtures/jetstream/default.yaml")).unwrap();
    std::fs::write(&input, format!("{bus}---\n{}", secrets.join("---\n"))).unwrap();
    let out = run(&["render", input.to_str().unwrap()], None, &[]);
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(out.stdout, first);
}

/// Kept Secrets must hold together: a client password the server does not know, a certificate
/// that is not PEM, or a key of another certificate is an error naming Secret and key, and
/// never the value.
#[test]
fn existing_secrets_that_disagree_are_refused_without_their_values() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let first = render_ok(&["render", "fixtures/jetstream/default.yaml"]);
    let secrets: Vec<Value> = documents(&first)
        .into_iter()
        .filter(|d| d["kind"] == "Secret")
        .collect();
    let bus = std::fs::read_to_string(root().join("fixtures/jetstream/default.yaml")).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("disagreeing-secrets");
    std::fs::create_dir_all(&dir).unwrap();
    let server = secrets
        .iter()
        .position(|s| s["data"].get("cert").is_some())
        .unwrap();
    let client = 1 - server;
    let decoded = |s: &Value, k: &str| b64.decode(s["data"][k].as_str().unwrap()).unwrap();
    let auth = String::from_utf8(decoded(&secrets[client], "client-auth")).unwrap();
    let password = auth
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap()
        .to_owned();
    let cases: [(&str, &str, Vec<u8>, &str); 3] = [
        (
            "client-auth",
            "client",
            auth.replace(&password, "changed-password").into_bytes(),
            "are not among the users of",
        ),
        (
            "cert",
            "server",
            b"not a certificate".to_vec(),
            "hold no PEM certificate in",
        ),
        (
            "private-key",
            "server",
            decoded(&secrets[server], "cluster-private-key"),
            "is not the key of the certificate in",
        ),
    ];
    for (key, which, value, needle) in cases {
        let mut changed = secrets.clone();
        let i = if which == "server" { server } else { client };
        changed[i]["data"][key] = Value::String(b64.encode(&value));
        let mut text = bus.clone();
        for s in &changed {
            text.push_str("---\n");
            text.push_str(&serde_json::to_string(s).unwrap());
            text.push('\n');
        }
        let input = dir.join(format!("{key}.yaml"));
        std::fs::write(&input, text).unwrap();
        let out = run(&["render", input.to_str().unwrap()], None, &[]);
        assert_eq!(out.code, 1, "{key}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains(needle), "{key}: {}", out.stderr);
        assert!(out.stderr.contains(key), "{key}: {}", out.stderr);
        assert!(
            !out.stderr.contains(&password),
            "{key}: the password was shown"
        );
    }
}

#[test]
fn real_world_verdicts_hold() {
    let dir = "fixtures/real-world";
    let expect_error = |file: &str, needles: &[&str]| {
        let out = run_seeded(&["render", "-n", "argo-events", &format!("{dir}/{file}")]);
        assert_eq!(out.code, 1, "{file}");
        let stderr = &out.stderr;
        for n in needles {
            assert!(stderr.contains(n), "{file}: {stderr}");
        }
    };
    let v11 = "11-js-version-2.10.10-named-jetstream.yaml";
    expect_error(
        v11,
        &[
            "spec.jetstream.version",
            "unsupported version \"2.10.10\", supported versions: \"latest,2.8.1,2.8.1-alpine,2.8.2,2.8.2-alpine,2.9.1,2.9.12,2.9.16,2.10.29\"",
        ],
    );
    expect_error(
        "13-js-version-integer-zero.yaml",
        &[
            "spec.jetstream.version",
            "expected a string, found integer 0",
        ],
    );
    let v21 = "21-kafka-version-extra-field.yaml";
    expect_error(v21, &["spec.kafka.consumerBatchMaxWait", "unknown field"]);
    expect_error(
        "22-kafka-missing-apiversion.yaml",
        &["apiVersion", "missing"],
    );

    // 11 renders once the version is in the table.
    let opts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jetstream-2.10.10-options.yaml");
    std::fs::write(
        &opts,
        "jetstreamVersions:\n- version: 2.10.10\n  natsImage: nats:2.10.10\n  metricsExporterImage: natsio/prometheus-nats-exporter:0.14.0\n  configReloaderImage: natsio/nats-server-config-reloader:0.14.0\n",
    )
    .unwrap();
    let yaml = render_ok(&[
        "render",
        "--options",
        opts.to_str().unwrap(),
        &format!("{dir}/{v11}"),
    ]);
    assert!(yaml.contains("image: nats:2.10.10\n"));
    assert!(yaml.contains("name: eventbus-jetstream-js\n"));
    // 21 renders without the unknown field once it may be dropped.
    let out = run_seeded(&["render", "--allow-unknown-fields", &format!("{dir}/{v21}")]);
    assert!(out.success());
    assert!(!out.stdout.contains("consumerBatchMaxWait"));
    assert!(
        out.stderr
            .contains("warning: spec.kafka.consumerBatchMaxWait")
    );
}

#[test]
fn invalid_jetstream_fixtures_fail_with_the_field_named() {
    let cases = [
        (
            "jetstream-exotic-missing-url.yaml",
            "spec.jetstreamExotic.url: \"spec.jetstreamExotic.url\" is missing",
        ),
        (
            "jetstream-missing-version.yaml",
            "spec.jetstream.version: invalid spec: a version for jetstream needs to be specified",
        ),
        (
            "jetstream-name-too-long.yaml",
            "metadata.name: \"a-name-that-is-much-too-long-for-a-js-bus\" has 41 characters",
        ),
        (
            "jetstream-replicas-2.yaml",
            "spec.jetstream.replicas: invalid spec: a jetstream eventbus requires 1 replica or >= 3 replicas",
        ),
        (
            "jetstream-store-dir.yaml",
            "spec.jetstream.settings: must not set store_dir",
        ),
        (
            "jetstream-stream-config-list.yaml",
            "spec.jetstream.streamConfig: must be a YAML mapping",
        ),
        (
            "jetstream-stream-config-ranges.yaml",
            "spec.jetstream.streamConfig: maxBytes: ",
        ),
        (
            "jetstream-stream-config-windows.yaml",
            "spec.jetstream.streamConfig: duplicates: is longer than maxAge",
        ),
        (
            "jetstream-unknown-version.yaml",
            "spec.jetstream.version: unsupported version \"2.10.10\"",
        ),
    ];
    let listed: Vec<String> = yaml_files("fixtures/invalid")
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
        .filter(|n| n.starts_with("jetstream-"))
        .collect();
    assert_eq!(listed, cases.map(|c| c.0.to_owned()));
    for (file, needle) in cases {
        let out = run_seeded(&["render", &format!("fixtures/invalid/{file}")]);
        assert_eq!(out.code, 1, "{file}");
        assert!(out.stdout.is_empty());
        let stderr = &out.stderr;
        assert!(
            stderr.contains(&format!("{file}:")) && stderr.contains(needle),
            "{file}: {stderr}"
        );
    }
}

#[test]
fn external_buses_pass_through_unchanged() {
    for file in [
        "fixtures/exotic/jetstream-exotic.yaml",
        "fixtures/exotic/kafka.yaml",
        "fixtures/real-world/19-jetstream-exotic-token-secret.yaml",
        "fixtures/real-world/20-jetstream-exotic-mtls.yaml",
    ] {
        // No seed needed: nothing secret is made.
        let out = run(&["render", file], None, &[]);
        assert!(out.success(), "{file}: {}", out.stderr);
        let rendered = documents(&out.stdout);
        let input = documents(&std::fs::read_to_string(root().join(file)).unwrap());
        assert_eq!(rendered, input, "{file}");
    }
}

#[test]
fn random_credentials_change_on_every_render_and_warn() {
    let a = run(
        &[
            "render",
            "--random-tokens",
            "fixtures/jetstream/default.yaml",
        ],
        None,
        &[],
    );
    let b = run(
        &[
            "render",
            "--random-tokens",
            "fixtures/jetstream/default.yaml",
        ],
        None,
        &[],
    );
    assert!(a.success() && b.success());
    assert_ne!(a.stdout, b.stdout);
    assert!(a.stderr.contains("random"));
}

#[test]
fn a_single_node_bus_starts_with_its_certificates() {
    let Some(server) = nats_server() else { return };
    let yaml = render_ok(&["render", "fixtures/jetstream/single-replica.yaml"]);
    let bus = jetstream_buses(&documents(&yaml)).pop().unwrap();
    let dir = write_bus_files(&bus, "start");
    // A private network namespace: nothing listens on or leaves the host's network.
    let script = format!(
        "ip link set lo up && exec timeout 3 {} -c {}/nats-js.conf -a 127.0.0.1",
        server.display(),
        dir.display()
    );
    let out = Command::new("unshare")
        .args(["-n", "sh", "-c", &script])
        .env("POD_NAME", "eventbus-single-js-0")
        .output();
    let Ok(out) = out else {
        eprintln!("unshare is not available: the start-up check is skipped");
        return;
    };
    let log = String::from_utf8_lossy(&out.stderr);
    if log.contains("Operation not permitted") || log.contains("unshare failed") {
        eprintln!("no private network namespace here: the start-up check is skipped");
        return;
    }
    for line in [
        "TLS required for client connections",
        "Server is ready",
        "Starting JetStream",
    ] {
        assert!(log.contains(line), "{line}: {log}");
    }
    assert!(!log.contains("[ERR]") && !log.contains("[FTL]"), "{log}");
}

/// A default stream config that does not read is one option error, not one more per bus.
#[test]
fn a_bad_default_stream_config_is_reported_once() {
    let out = run_seeded(&[
        "render",
        "--set",
        "jetstreamDefaults.streamConfig=- a",
        "fixtures/jetstream/single-replica.yaml",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.matches("error:").count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("options.jetstreamDefaults.streamConfig"),
        "{}",
        out.stderr
    );
}

/// One input holds at most 1,000 JetStream buses: more is refused before any key is derived,
/// in every front end that renders.
#[test]
fn more_than_a_thousand_jetstream_buses_are_refused_before_any_key_is_derived() {
    let max = eventbus_gen::frontend::pipeline::MAX_JETSTREAM_BUSES;
    let text: String = (0..=max)
        .map(|i| {
            format!(
                "---\napiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {{name: b{i}, namespace: ns}}\nspec: {{jetstream: {{version: latest}}}}\n"
            )
        })
        .collect();
    let out = crate::support::binary(&["render", "-"])
        .stdin(&text)
        .seeded()
        .output();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains(&format!("more than {max} JetStream buses in one input")),
        "{}",
        out.stderr
    );
}
