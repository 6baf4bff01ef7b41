//! Command-line front end. Exit codes: 0 success, 1 invalid input (nothing written to stdout),
//! 2 usage or I/O error.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use eventbus_gen::frontend::advice;
use eventbus_gen::{Error, Errors, RenderOptions, Warning, yaml};

mod argocd;

use eventbus_gen::frontend::options::{self as option_map, OptionError, Origin, Raw, Reader};
use eventbus_gen::frontend::seed::{self, SEED_ENV};

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
    /// Set any render option by its key, dotted for nested ones (repeatable), as in the KRM
    /// ConfigMap: `--set images.nats=nats:2.10.29`, `--set commonLabels.team=events`,
    /// `--set jetstreamVersions='[{version: x, natsImage: ...}]'`. Applied after the other flags.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = key_value)]
    set: Vec<(String, String)>,
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
    /// The flags as option keys and values, in the order they apply (the `--set` pairs last).
    fn pairs(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let mut push = |flag: &str, key: &str, value: String| {
            out.push((flag.to_owned(), key.to_owned(), value));
        };
        if let Some(ns) = &self.namespace {
            push("--namespace", "namespace", ns.clone());
        }
        for (on, flag, key, value) in [
            (
                self.allow_unknown_fields,
                "--allow-unknown-fields",
                "allowUnknownFields",
                "true",
            ),
            (self.no_pdb, "--no-pdb", "podDisruptionBudget", "false"),
            (self.no_metrics, "--no-metrics", "metrics", "false"),
            (self.no_companion, "--no-companion", "companion", "false"),
            (
                self.random_tokens,
                "--random-tokens",
                "randomTokens",
                "true",
            ),
        ] {
            if on {
                push(flag, key, value.to_owned());
            }
        }
        for (value, flag, key) in [
            (
                &self.image_nats_streaming,
                "--image-nats-streaming",
                "images.natsStreaming",
            ),
            (
                &self.image_stan_metrics_exporter,
                "--image-stan-metrics-exporter",
                "images.stanMetricsExporter",
            ),
            (&self.image_nats, "--image-nats", "images.nats"),
            (
                &self.image_jetstream_metrics_exporter,
                "--image-jetstream-metrics-exporter",
                "images.jetstreamMetricsExporter",
            ),
            (
                &self.image_config_reloader,
                "--image-config-reloader",
                "images.configReloader",
            ),
            (
                &self.cert_not_before,
                "--cert-not-before",
                "certificateValidity.notBefore",
            ),
            (
                &self.cert_not_after,
                "--cert-not-after",
                "certificateValidity.notAfter",
            ),
        ] {
            if let Some(v) = value {
                push(flag, key, v.clone());
            }
        }
        for (k, v) in &self.labels {
            push("--label", &format!("commonLabels.{k}"), v.clone());
        }
        for (k, v) in &self.annotations {
            push("--annotation", &format!("commonAnnotations.{k}"), v.clone());
        }
        if let Some(path) = &self.seed_file {
            push("--seed-file", "seedFile", path.display().to_string());
        }
        for (k, v) in &self.set {
            push("--set", k, v.clone());
        }
        out
    }

    /// Builds the render options through the one options mapping: the options file first,
    /// then the flags, then the seed.
    pub fn to_options(&self) -> Result<RenderOptions, Failure> {
        let mut o = self.mapped()?;
        // A seed file named in an options file is relative to that file.
        let from_flags = self.seed_file.is_some() || self.set.iter().any(|(k, _)| k == "seedFile");
        let seed_file = o.seed_file.as_ref().map(|named| {
            let named = PathBuf::from(named);
            let base = self.options.as_ref().and_then(|p| p.parent());
            match base {
                Some(dir) if named.is_relative() && !from_flags => dir.join(named),
                _ => named,
            }
        });
        let env = std::env::var_os(SEED_ENV);
        o.seed = seed::read(
            seed_file.as_deref(),
            env.as_ref().map(|v| v.as_encoded_bytes()),
        )
        .map_err(Failure::Usage)?;
        Ok(o)
    }

    /// The options file and the flags, through the one options mapping (no seed read).
    fn mapped(&self) -> Result<RenderOptions, Failure> {
        let usage = |e: OptionError| {
            let at = match (&e.origin, e.location) {
                (Some(o), Some(l)) if e.field != *o => format!("{o}:{l}: "),
                _ => String::new(),
            };
            Failure::Usage(match at.is_empty() {
                true => format!("invalid render options: {e}"),
                false => format!("{at}invalid render options: {}: {}", e.field, e.message),
            })
        };
        let mut reader = Reader::<RenderOptions>::new();
        if let Some(path) = &self.options {
            let text = read_file(path)?;
            let (value, origin) =
                option_map::load(&text, &path.display().to_string()).map_err(usage)?;
            reader.merge(value, origin).map_err(usage)?;
        }
        for (flag, key, value) in self.pairs() {
            let origin = match flag.as_str() {
                "--set" => format!("--set {key}"),
                _ => flag,
            };
            reader
                .set(&key, Raw::Text(value), Origin::named(origin))
                .map_err(usage)?;
        }
        reader.finish().map_err(usage)
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
    let env = eventbus_gen::frontend::function::Environment {
        seed: std::env::var_os(SEED_ENV).map(|v| v.into_encoded_bytes()),
    };
    let outcome = eventbus_gen::frontend::function::run(&input, &env);
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use eventbus_gen::frontend::options::{expected, samples};

    fn options(args: &[&str]) -> RenderOptions {
        let mut all = vec!["eventbus-gen", "render", "bus.yaml"];
        all.extend(args);
        match Cli::try_parse_from(all).unwrap().command {
            Some(Command::Render(r)) => match r.options.mapped() {
                Ok(o) => o,
                Err(Failure::Usage(m)) => panic!("{args:?}: {m}"),
                Err(Failure::Invalid) => panic!("{args:?}"),
            },
            _ => unreachable!(),
        }
    }

    /// Every option of the schema is reachable with `--set`.
    #[test]
    fn every_option_is_reachable_with_set() {
        for (key, text, value) in samples() {
            let pair = format!("{key}={text}");
            assert_eq!(options(&["--set", &pair]), expected(&key, &value), "{key}");
        }
    }

    /// The named flags set the keys they are documented to set.
    #[test]
    fn named_flags_map_onto_option_keys() {
        let o = options(&[
            "--namespace=ev",
            "--no-pdb",
            "--no-metrics",
            "--no-companion",
            "--allow-unknown-fields",
            "--random-tokens",
            "--image-nats=n:1",
            "--image-nats-streaming=s:1",
            "--image-stan-metrics-exporter=e:1",
            "--image-jetstream-metrics-exporter=j:1",
            "--image-config-reloader=r:1",
            "--cert-not-before=2030-01-01T00:00:00Z",
            "--cert-not-after=2040-01-01T00:00:00Z",
            "--label=team=a",
            "--annotation=note=b",
            "--seed-file=seed.txt",
        ]);
        let want: RenderOptions = serde_json::from_value(serde_json::json!({
            "namespace": "ev", "podDisruptionBudget": false, "metrics": false,
            "companion": false, "allowUnknownFields": true, "randomTokens": true,
            "images": {"nats": "n:1", "natsStreaming": "s:1", "stanMetricsExporter": "e:1",
                       "jetstreamMetricsExporter": "j:1", "configReloader": "r:1"},
            "certificateValidity": {"notBefore": "2030-01-01T00:00:00Z",
                                    "notAfter": "2040-01-01T00:00:00Z"},
            "commonLabels": {"team": "a"}, "commonAnnotations": {"note": "b"},
            "seedFile": "seed.txt"
        }))
        .unwrap();
        assert_eq!(o, want);
        // --set applies after the named flags.
        assert!(options(&["--no-metrics", "--set", "metrics=true"]).metrics);
    }
}
