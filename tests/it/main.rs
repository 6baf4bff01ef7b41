//! End-to-end tests: fixtures against snapshots, the binary, upstream facts and properties.

mod argocd;
mod cli;
mod frontends;
mod golden;
mod jetstream;
mod krm;
mod props;
mod upstream;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The seed every test render uses, so that derived tokens are stable in snapshots.
pub const TEST_SEED: &str = "eventbus-gen test seed, not a secret";

/// The kinds a token bus renders to, in order.
pub const TOKEN_BUS_KINDS: [&str; 7] = [
    "Service",
    "ConfigMap",
    "Secret",
    "Secret",
    "StatefulSet",
    "PodDisruptionBudget",
    "EventBus",
];

/// The `kind:` of every document of a YAML stream, in order.
pub fn kinds(stream: &str) -> Vec<&str> {
    stream
        .lines()
        .filter_map(|l| l.strip_prefix("kind: "))
        .collect()
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `eventbus-gen` with `args`, optional stdin and extra environment.
pub fn run(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eventbus-gen"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("EVENTBUS_GEN_SEED")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the binary starts");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs `eventbus-gen` with `args` and the test seed in the environment.
pub fn run_seeded(args: &[&str]) -> Output {
    run(args, None, &[("EVENTBUS_GEN_SEED", TEST_SEED)])
}

/// `Kind/name` of a manifest.
pub fn kind_name(doc: &serde_json::Value) -> String {
    format!(
        "{}/{}",
        doc["kind"].as_str().unwrap(),
        doc["metadata"]["name"].as_str().unwrap()
    )
}

/// Test directives at the top of a fixture: `# eventbus-gen-options: {json}`,
/// `# eventbus-gen-test: no-seed` and `# eventbus-gen-test: no-namespace`.
pub struct Directives {
    pub(crate) options: Option<String>,
    pub(crate) seed: bool,
    pub(crate) namespace: bool,
}

/// Reads the test directives of a fixture.
pub fn directives(path: &Path) -> Directives {
    let text = std::fs::read_to_string(path).unwrap();
    let mut d = Directives {
        options: None,
        seed: true,
        namespace: true,
    };
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(json) = line.strip_prefix("# eventbus-gen-options:") {
            d.options = Some(json.trim().to_owned());
        }
        match line.trim() {
            "# eventbus-gen-test: no-seed" => d.seed = false,
            "# eventbus-gen-test: no-namespace" => d.namespace = false,
            _ => {}
        }
    }
    d
}

/// Renders a fixture through the binary as a user would, with the test seed and the
/// fixture's directives; `extra` adds flags.
pub fn render_fixture(path: &Path, extra: &[&str]) -> Output {
    let d = directives(path);
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = std::env::temp_dir().join(format!(
        "eventbus-gen-options-{}-{call}.json",
        std::process::id()
    ));
    let rel = path
        .strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned();
    let mut args = vec!["render"];
    if d.namespace {
        args.extend(["--namespace", "argo-events"]);
    }
    let options_path;
    if let Some(o) = &d.options {
        std::fs::write(&tmp, o).unwrap();
        options_path = tmp.to_string_lossy().into_owned();
        args.extend(["--options", options_path.as_str()]);
    }
    args.extend_from_slice(extra);
    args.push(&rel);
    let env: &[(&str, &str)] = if d.seed {
        &[("EVENTBUS_GEN_SEED", TEST_SEED)]
    } else {
        &[]
    };
    let out = run(&args, None, env);
    let _ = std::fs::remove_file(&tmp);
    out
}

/// The snapshot text of a run: exit code, stderr, then stdout.
pub fn transcript(out: &Output) -> String {
    let mut s = format!("exit: {}\n", out.code);
    if !out.stderr.is_empty() {
        s.push_str("--- stderr\n");
        s.push_str(&out.stderr);
    }
    if !out.stdout.is_empty() {
        s.push_str("--- stdout\n");
        s.push_str(&out.stdout);
    }
    s
}
