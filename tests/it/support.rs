//! What every test module shares: the binary and its one runner, the test seed, fixture
//! rendering, snapshot transcripts and temporary folders.

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_eventbus-gen");

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

impl Output {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == 0
    }

    /// The manifests on stdout.
    pub fn docs(&self) -> Vec<Value> {
        eventbus_gen::yaml::load_documents(&self.stdout)
            .unwrap()
            .into_iter()
            .map(|d| d.value)
            .collect()
    }

    /// `Kind/name` of every manifest on stdout.
    pub fn objects(&self) -> Vec<String> {
        self.docs().iter().map(kind_name).collect()
    }
}

/// A run of `eventbus-gen` being set up. By default it runs in the repository root, with an
/// empty stdin and without the `EVENTBUS_GEN_SEED` of the calling environment.
pub struct Run {
    cmd: Command,
    stdin: Vec<u8>,
    deadline: Option<Duration>,
}

/// Starts setting up a run of `eventbus-gen` with `args`.
pub fn binary<S: AsRef<OsStr>>(args: &[S]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(root())
        .env_remove("EVENTBUS_GEN_SEED");
    Run {
        cmd,
        stdin: Vec::new(),
        deadline: None,
    }
}

/// The address space a bounded run may use, in KiB (256 MiB).
pub const MEMORY_LIMIT_KIB: u64 = 256 * 1024;

/// The wall time a bounded run may take. Generous: it catches a run that does not end, not a
/// slow one (the machine running the tests may be busy).
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

/// [`binary`], run under an address-space limit of [`MEMORY_LIMIT_KIB`] (`ulimit -v`, so no
/// unsafe code) and killed after [`TIME_LIMIT`].
pub fn bounded<S: AsRef<OsStr>>(args: &[S]) -> Run {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(BIN)
        .args(args)
        .current_dir(root())
        .env_remove("EVENTBUS_GEN_SEED");
    Run {
        cmd,
        stdin: Vec::new(),
        deadline: Some(TIME_LIMIT),
    }
}

impl Run {
    /// Sends `text` on stdin.
    pub fn stdin(self, text: &str) -> Self {
        self.stdin_bytes(text.as_bytes())
    }

    /// Sends `bytes` on stdin.
    pub fn stdin_bytes(mut self, bytes: &[u8]) -> Self {
        bytes.clone_into(&mut self.stdin);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Sets environment variables, in order.
    pub fn envs<K: AsRef<OsStr>, V: AsRef<OsStr>>(mut self, vars: &[(K, V)]) -> Self {
        for (k, v) in vars {
            self.cmd.env(k, v);
        }
        self
    }

    /// Sets `EVENTBUS_GEN_SEED` to the test seed.
    pub fn seeded(self) -> Self {
        self.env("EVENTBUS_GEN_SEED", TEST_SEED)
    }

    /// Starts from an empty environment (variables set so far are dropped too).
    pub fn env_clear(mut self) -> Self {
        self.cmd.env_clear();
        self
    }

    /// Runs in `dir` instead of the repository root.
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Runs the binary to its end.
    pub fn output(mut self) -> Output {
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let Some(limit) = self.deadline else {
            // A closed stdin (the binary refused early) is not a failure of the test.
            let _ = child.stdin.take().unwrap().write_all(&self.stdin);
            let out = child.wait_with_output().unwrap();
            return Output {
                code: out.status.code().expect("not killed by a signal"),
                stdout: String::from_utf8(out.stdout).unwrap(),
                stderr: String::from_utf8(out.stderr).unwrap(),
            };
        };
        // Pipes drained on threads, so that a run that never ends can be killed.
        let mut stdin = child.stdin.take().unwrap();
        let input = std::mem::take(&mut self.stdin);
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let drain = |mut r: Box<dyn std::io::Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                r.read_to_end(&mut bytes).unwrap();
                bytes
            })
        };
        let stdout = drain(Box::new(child.stdout.take().unwrap()));
        let stderr = drain(Box::new(child.stderr.take().unwrap()));
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > limit {
                let _ = child.kill();
                panic!("the run did not end within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        writer.join().unwrap();
        let stderr = String::from_utf8(stderr.join().unwrap()).unwrap();
        Output {
            code: status
                .code()
                .unwrap_or_else(|| panic!("killed by a signal ({status}); stderr:\n{stderr}")),
            stdout: String::from_utf8(stdout.join().unwrap()).unwrap(),
            stderr,
        }
    }
}

/// Runs `eventbus-gen` with `args`, optional stdin and extra environment.
pub fn run(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    binary(args)
        .stdin(stdin.unwrap_or_default())
        .envs(env)
        .output()
}

/// Runs `eventbus-gen` with `args` and the test seed in the environment.
pub fn run_seeded(args: &[&str]) -> Output {
    binary(args).seeded().output()
}

/// `Kind/name` of a manifest.
pub fn kind_name(doc: &Value) -> String {
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
    let text = fs::read_to_string(path).unwrap();
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
    let tmp = TempDir::new("options");
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
        let file = tmp.path().join("options.json");
        fs::write(&file, o).unwrap();
        options_path = file.to_string_lossy().into_owned();
        args.extend(["--options", options_path.as_str()]);
    }
    args.extend_from_slice(extra);
    args.push(&rel);
    let mut run = binary(&args);
    if d.seed {
        run = run.seeded();
    }
    run.output()
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

/// A fresh folder under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty folder; `tag` goes into its name.
    pub fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("eventbus-gen-it-{}-{n}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Copies a tree, files 0644 and folders 0755 (the modes Argo CD's plugin server gives a
/// request's files).
pub fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(to).unwrap();
    fs::set_permissions(to, fs::Permissions::from_mode(0o755)).unwrap();
    let mut entries: Vec<_> = fs::read_dir(from).unwrap().map(|e| e.unwrap()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
            fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

/// Everything under `dir`, without following links: each path (relative, slash-separated)
/// with `file:<text>`, `dir` or `link:<target>`.
pub fn tree_state(dir: &Path) -> std::collections::BTreeMap<String, String> {
    fn walk(base: &Path, at: &Path, out: &mut std::collections::BTreeMap<String, String>) {
        let Ok(entries) = fs::read_dir(at) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            let m = fs::symlink_metadata(&p).unwrap();
            if m.file_type().is_symlink() {
                out.insert(
                    rel,
                    format!("link:{}", fs::read_link(&p).unwrap().display()),
                );
            } else if m.is_dir() {
                out.insert(rel, "dir".to_owned());
                walk(base, &p, out);
            } else {
                out.insert(
                    rel,
                    format!("file:{}", fs::read_to_string(&p).unwrap_or_default()),
                );
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `doc` as an entry of a YAML block sequence (the `items` of a ResourceList).
pub fn list_item(doc: &str) -> String {
    let mut out = String::new();
    for (i, line) in doc.lines().enumerate() {
        out.push_str(if i == 0 { "- " } else { "  " });
        out.push_str(line);
        out.push('\n');
    }
    out
}
