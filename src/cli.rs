//! Command-line front end. Exit codes: 0 success, 1 invalid input (nothing written to stdout),
//! 2 usage or I/O error.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use eventbus_gen::frontend::advice;
use eventbus_gen::{Error, Errors, RenderOptions, Seed, Warning, yaml};

mod argocd;

/// Environment variable holding the token seed.
pub const SEED_ENV: &str = "EVENTBUS_GEN_SEED";

/// Render Argo Events EventBus specs into deployable Kubernetes objects, offline and
/// deterministically.
#[derive(Parser, Debug)]
#[command(name = "eventbus-gen", version, about, long_about = None)]
struct Cli {
    /// With no command and a ResourceList on stdin, runs as a KRM function (`krm`).
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Render EventBus files to a YAML stream of Kubernetes objects on stdout.
    Render(Box<RenderArgs>),
    /// Print the JSON Schema of the EventBus spec (or of the render options).
    Schema(SchemaArgs),
    /// Run as a KRM function (kpt, kustomize): read a ResourceList on stdin, write one to
    /// stdout. This is also what runs when no command is given and stdin is not a terminal.
    Krm,
    /// Argo CD config management plugin commands (run by the plugin's sidecar).
    #[command(subcommand)]
    Argocd(argocd::Command),
}

#[derive(Args, Debug)]
struct SchemaArgs {
    /// Print the schema of the render options (the KRM functionConfig) instead.
    #[arg(long)]
    options: bool,
}

/// Flags that set [`RenderOptions`]; shared by every front end.
#[derive(Args, Debug, Default)]
pub struct OptionArgs {
    /// Read render options from a YAML or JSON file (camelCase keys, as in the KRM config).
    /// Flags given on the command line override it.
    #[arg(long, value_name = "FILE")]
    options: Option<PathBuf>,
    /// Namespace for buses whose metadata.namespace is empty.
    #[arg(short, long)]
    namespace: Option<String>,
    /// Drop fields the EventBus resource does not have, with a warning, instead of failing.
    #[arg(long)]
    allow_unknown_fields: bool,
    /// Do not render a PodDisruptionBudget.
    #[arg(long)]
    no_pdb: bool,
    /// Do not run the Prometheus exporter sidecar.
    #[arg(long)]
    no_metrics: bool,
    /// Do not render the companion exotic EventBus.
    #[arg(long)]
    no_companion: bool,
    /// NATS Streaming server image [default: nats-streaming:0.22.1].
    #[arg(long, value_name = "IMAGE")]
    image_nats_streaming: Option<String>,
    /// Exporter image of NATS Streaming buses [default: natsio/prometheus-nats-exporter:0.8.0].
    #[arg(long, value_name = "IMAGE")]
    image_stan_metrics_exporter: Option<String>,
    /// NATS server image of JetStream buses [default: from the version table].
    #[arg(long, value_name = "IMAGE")]
    image_nats: Option<String>,
    /// Exporter image of JetStream buses [default: from the version table].
    #[arg(long, value_name = "IMAGE")]
    image_jetstream_metrics_exporter: Option<String>,
    /// Config reloader image of JetStream buses [default: from the version table].
    #[arg(long, value_name = "IMAGE")]
    image_config_reloader: Option<String>,
    /// Start of the JetStream certificates' validity, UTC [default: 2025-01-01T00:00:00Z].
    #[arg(long, value_name = "TIME")]
    cert_not_before: Option<String>,
    /// End of the JetStream certificates' validity, UTC [default: 9999-12-31T23:59:59Z].
    #[arg(long, value_name = "TIME")]
    cert_not_after: Option<String>,
    /// Label added to every rendered object (repeatable).
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = key_value)]
    labels: Vec<(String, String)>,
    /// Annotation added to every rendered object (repeatable).
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = key_value)]
    annotations: Vec<(String, String)>,
    /// File holding the seed for derived tokens (at least 16 bytes). The environment variable
    /// EVENTBUS_GEN_SEED is used when this is not given.
    #[arg(long, value_name = "PATH")]
    seed_file: Option<PathBuf>,
    /// Draw random tokens when no seed and no existing Secret gives one; every render then
    /// changes them.
    #[arg(long)]
    random_tokens: bool,
}

#[derive(Args, Debug)]
struct RenderArgs {
    /// EventBus files (YAML or JSON, one or more documents each); `-` reads stdin. Secret
    /// documents of existing buses may be included: their tokens are kept.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    options: OptionArgs,
    /// Write one file per object under DIR/<namespace>/<bus>/ instead of a stream on stdout;
    /// YAML files of objects a bus no longer renders are removed from its folder.
    #[arg(short, long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// Do not print warnings.
    #[arg(short, long)]
    quiet: bool,
}

fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got \"{s}\""))
}

/// A failure of the command, with its exit code.
pub enum Failure {
    /// Invalid input: exit 1.
    Invalid,
    /// Usage or I/O: exit 2, with the message.
    Usage(String),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Render(args)) => render(*args),
        Some(Command::Schema(args)) => schema(&args),
        Some(Command::Krm) => krm(),
        Some(Command::Argocd(command)) => argocd::run(command),
        None if !std::io::stdin().is_terminal() => krm(),
        None => {
            let _ = <Cli as clap::CommandFactory>::command().print_help();
            Err(Failure::Usage(
                "no command given; run `eventbus-gen render FILE` or pipe a ResourceList into `eventbus-gen krm`".to_owned(),
            ))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid) => ExitCode::from(1),
        Err(Failure::Usage(m)) => {
            eprintln!("eventbus-gen: {m}");
            ExitCode::from(2)
        }
    }
}

impl OptionArgs {
    /// Builds the render options: file first, then flags, then the seed.
    pub fn to_options(&self) -> Result<RenderOptions, Failure> {
        let mut o = match &self.options {
            Some(path) => {
                let text = read_file(path)?;
                let docs = yaml::load_documents(&text)
                    .map_err(|e| Failure::Usage(format!("{}: {}", path.display(), located(&e))))?;
                let value = docs.into_iter().next().map(|d| d.value).unwrap_or_default();
                serde_json::from_value::<RenderOptions>(value).map_err(|e| {
                    Failure::Usage(format!("{}: invalid render options: {e}", path.display()))
                })?
            }
            None => RenderOptions::default(),
        };
        if let Some(ns) = &self.namespace {
            o.namespace = Some(ns.clone());
        }
        o.allow_unknown_fields |= self.allow_unknown_fields;
        o.pod_disruption_budget &= !self.no_pdb;
        o.metrics &= !self.no_metrics;
        o.companion &= !self.no_companion;
        o.random_tokens |= self.random_tokens;
        if let Some(i) = &self.image_nats_streaming {
            o.images.nats_streaming = Some(i.clone());
        }
        if let Some(i) = &self.image_stan_metrics_exporter {
            o.images.stan_metrics_exporter = Some(i.clone());
        }
        for (flag, image) in [
            (&self.image_nats, &mut o.images.nats),
            (
                &self.image_jetstream_metrics_exporter,
                &mut o.images.jetstream_metrics_exporter,
            ),
            (&self.image_config_reloader, &mut o.images.config_reloader),
        ] {
            if let Some(i) = flag {
                *image = Some(i.clone());
            }
        }
        if let Some(t) = &self.cert_not_before {
            o.certificate_validity.not_before = t.clone();
        }
        if let Some(t) = &self.cert_not_after {
            o.certificate_validity.not_after = t.clone();
        }
        o.common_labels.extend(self.labels.iter().cloned());
        o.common_annotations
            .extend(self.annotations.iter().cloned());
        // A seed file named in an options file is relative to that file.
        let seed_file = self.seed_file.clone().or_else(|| {
            let named = PathBuf::from(o.seed_file.as_ref()?);
            let base = self.options.as_ref().and_then(|p| p.parent());
            Some(match base {
                Some(dir) if named.is_relative() => dir.join(named),
                _ => named,
            })
        });
        o.seed = load_seed(seed_file.as_deref(), std::env::var_os(SEED_ENV))?;
        Ok(o)
    }
}

/// The seed from a file, else from the environment variable; never echoed.
pub fn load_seed(
    file: Option<&Path>,
    env: Option<std::ffi::OsString>,
) -> Result<Option<Seed>, Failure> {
    if let Some(path) = file {
        let bytes = std::fs::read(path).map_err(|e| {
            Failure::Usage(format!("cannot read the seed file {}: {e}", path.display()))
        })?;
        return Seed::new(bytes)
            .map(Some)
            .map_err(|m| Failure::Usage(format!("seed file {}: {m}", path.display())));
    }
    match env {
        Some(v) if !v.is_empty() => Seed::new(v.as_encoded_bytes())
            .map(Some)
            .map_err(|m| Failure::Usage(format!("{SEED_ENV}: {m}"))),
        _ => Ok(None),
    }
}

fn read_file(path: &Path) -> Result<String, Failure> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Usage(format!("cannot read stdin: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
}

fn located(e: &Error) -> String {
    match e.location() {
        Some(l) => format!("{l}: {e}"),
        None => e.to_string(),
    }
}

/// How command-line users set what advice asks for.
const TERMS: advice::Terms = advice::Terms {
    seed: "pass --seed-file PATH or set EVENTBUS_GEN_SEED",
    secrets: "in the input",
    random: Some("pass --random-tokens"),
    no_random: "",
    namespace: "pass --namespace",
    option: |key| match key {
        "images" => "--image-*".to_owned(),
        key => format!("--set {key}=VALUE"),
    },
};

/// Prints errors as `file:line:column: error: path: message`.
fn report_errors(errors: &Errors, name_of: &dyn Fn(&Error) -> String) {
    let stderr = std::io::stderr();
    let mut w = stderr.lock();
    for e in errors.as_slice() {
        let at = match e.location() {
            Some(l) => format!("{}:{l}", name_of(e)),
            None => name_of(e),
        };
        let message = advice::message(e, &TERMS);
        match e.path() {
            "" => writeln!(w, "{at}: error: {message}"),
            path => writeln!(w, "{at}: error: {path}: {message}"),
        }
        .ok();
    }
    let n = errors.as_slice().len();
    let _ = writeln!(
        w,
        "eventbus-gen: {n} error{} found; nothing was rendered",
        if n == 1 { "" } else { "s" }
    );
}

fn report_warnings(warnings: &[Warning], name_of: &dyn Fn(Option<usize>) -> String) {
    let stderr = std::io::stderr();
    let mut w = stderr.lock();
    for warning in warnings {
        let at = match warning.location {
            Some(l) => format!("{}:{l}", name_of(warning.document)),
            None => name_of(warning.document),
        };
        let _ = writeln!(w, "{at}: warning: {warning}");
    }
}

fn render(args: RenderArgs) -> Result<(), Failure> {
    let options = args.options.to_options()?;
    if args.files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        return Err(Failure::Usage("stdin (-) can be read only once".to_owned()));
    }
    // Documents are numbered across all files, so an index names one document of one file.
    let mut docs = Vec::new();
    let mut starts: Vec<(usize, String)> = Vec::new();
    let mut unreadable = false;
    for path in &args.files {
        let name = if path.as_os_str() == "-" {
            "<stdin>".to_owned()
        } else {
            path.display().to_string()
        };
        let text = read_file(path)?;
        match yaml::load_numbered(&text, docs.len()) {
            Ok(loaded) => {
                starts.push((docs.len(), name));
                docs.extend(loaded);
            }
            Err(e) => {
                report_errors(&Errors::from(e), &|_| name.clone());
                unreadable = true;
            }
        }
    }
    if unreadable {
        return Err(Failure::Invalid);
    }
    let file_of = |doc: Option<usize>| -> String {
        let d = doc.unwrap_or(0);
        starts
            .iter()
            .rev()
            .find(|(start, _)| *start <= d)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let parsed = match eventbus_gen::parse_documents(&docs, &options, false) {
        Ok(parsed) => parsed,
        Err(e) => {
            report_errors(&e, &|e| file_of(e.document()));
            return Err(Failure::Invalid);
        }
    };
    let plans = match eventbus_gen::validate(&parsed, &options) {
        Ok(plans) => plans,
        Err(e) => {
            report_errors(&e, &|e| file_of(e.document()));
            return Err(Failure::Invalid);
        }
    };
    if plans.is_empty() {
        eprintln!("eventbus-gen: no EventBus found in the input; nothing was rendered");
        return Err(Failure::Invalid);
    }
    // Each bus is serialized as soon as it is rendered, so memory holds text, not objects;
    // nothing is written before every bus has rendered.
    let mut stream = String::new();
    let mut files = std::collections::BTreeMap::new();
    let mut clash = None;
    let mut rng = rand::rng();
    let rendered = eventbus_gen::render_each(&plans, &parsed, &options, Some(&mut rng), |bus| {
        match &args.output_dir {
            Some(dir) => {
                let ns = if bus.namespace.is_empty() {
                    "no-namespace"
                } else {
                    bus.namespace.as_str()
                };
                for o in &bus.objects {
                    let path = dir.join(ns).join(&bus.name).join(format!(
                        "{}-{}.yaml",
                        o.kind().to_ascii_lowercase(),
                        o.name()
                    ));
                    if files
                        .insert(path.clone(), eventbus_gen::to_yaml(o)?)
                        .is_some()
                    {
                        clash.get_or_insert(path);
                    }
                }
            }
            None => {
                for o in &bus.objects {
                    eventbus_gen::append_yaml(&mut stream, o)?;
                }
            }
        }
        Ok(())
    });
    let warnings = match rendered {
        Ok(w) => w,
        Err(e) => {
            report_errors(&e, &|e| file_of(e.document()));
            return Err(Failure::Invalid);
        }
    };
    if let Some(path) = clash {
        return Err(Failure::Usage(format!(
            "two objects would be written to {}; is a bus defined twice?",
            path.display()
        )));
    }
    if !args.quiet {
        report_warnings(&warnings, &file_of);
    }
    match &args.output_dir {
        Some(_) => write_tree(&files),
        None => write_stdout(&stream),
    }
}

/// Writes rendered files (`DIR/<namespace>/<bus>/<kind>-<name>.yaml`, one object each).
fn write_tree(files: &std::collections::BTreeMap<PathBuf, String>) -> Result<(), Failure> {
    // A bus's folder holds only what it renders now: files of objects it no longer renders
    // (after --no-pdb, say) are removed, so `kubectl apply -R` does not bring them back.
    let bus_dirs: std::collections::BTreeSet<&Path> =
        files.keys().filter_map(|p| p.parent()).collect();
    for bus_dir in bus_dirs {
        let Ok(entries) = std::fs::read_dir(bus_dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "yaml") && !files.contains_key(&path) {
                std::fs::remove_file(&path).map_err(|e| {
                    Failure::Usage(format!("cannot remove {}: {e}", path.display()))
                })?;
            }
        }
    }
    for (path, text) in files {
        let parent = path.parent().expect("object paths have a parent");
        std::fs::create_dir_all(parent)
            .and_then(|()| std::fs::write(path, text))
            .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    match w.write_all(text.as_bytes()).and_then(|()| w.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Usage(format!("cannot write to stdout: {e}"))),
    }
}

fn schema(args: &SchemaArgs) -> Result<(), Failure> {
    #[cfg(feature = "schema")]
    {
        let value = if args.options {
            eventbus_gen::options_schema()
        } else {
            eventbus_gen::eventbus_schema()
        };
        let mut text =
            serde_json::to_string_pretty(&value).map_err(|e| Failure::Usage(e.to_string()))?;
        text.push('\n');
        write_stdout(&text)
    }
    #[cfg(not(feature = "schema"))]
    {
        let _ = args;
        Err(Failure::Usage(
            "this build has no JSON Schema support (feature \"schema\")".to_owned(),
        ))
    }
}

/// KRM function mode: ResourceList in, ResourceList out; exit 1 on error results.
fn krm() -> Result<(), Failure> {
    let input = read_file(Path::new("-"))?;
    let env = eventbus_gen::function::Environment {
        seed: std::env::var_os(SEED_ENV).map(|v| v.into_encoded_bytes()),
    };
    let outcome = eventbus_gen::function::run(&input, &env);
    {
        let stderr = std::io::stderr();
        let mut w = stderr.lock();
        for line in &outcome.stderr {
            let _ = writeln!(w, "{line}");
        }
    }
    write_stdout(&outcome.stdout)?;
    if outcome.success {
        Ok(())
    } else {
        Err(Failure::Invalid)
    }
}
