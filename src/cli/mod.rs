//! Command-line front end. Exit codes: 0 success, 1 invalid input (nothing written to stdout),
//! 2 usage or I/O error.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use eventbus_gen::frontend::input;
use eventbus_gen::frontend::seed::SEED_ENV;

mod adopt;
mod argocd;
mod docs;
mod kustomize;
mod options;
mod render;
mod secrets;
mod tree;

/// Render Argo Events EventBus specs into deployable Kubernetes objects, offline and
/// deterministically.
#[derive(Parser, Debug)]
#[command(name = "eventbus-gen", version, about, long_about = None)]
struct Cli {
    /// With no command and a ResourceList on stdin, runs as a KRM function (`krm`); with no
    /// command and anything else on stdin, prints this help on stderr and exits 2.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Render EventBus files to a YAML stream of Kubernetes objects on stdout.
    ///
    /// Exit 0 rendered, 1 invalid input (errors on stderr, nothing on stdout), 2 usage or I/O
    /// error. With --check: 0 up to date, 1 stale, 2 any error.
    Render(Box<render::RenderArgs>),
    /// Compare the render of EventBus files with a running bus's export: what applying would
    /// do to each object. Exit 0 nothing running changes, 3 pods or clients restart, 4 the
    /// apply would be refused or credentials would change.
    Adopt(Box<adopt::AdoptArgs>),
    /// Secrets made outside eventbus-gen (reference mode): what they hold, how to make them.
    #[command(subcommand)]
    Secrets(Box<secrets::Command>),
    /// Print the JSON Schema of the EventBus spec (or of the render options).
    Schema(SchemaArgs),
    /// Run as a KRM function (kpt, kustomize): read a ResourceList on stdin, write one to
    /// stdout. This is also what runs when no command is given and stdin holds a ResourceList.
    ///
    /// Exit 0, or 1 when a result has severity error (the items are then passed through
    /// unchanged).
    Krm,
    /// Argo CD config management plugin commands (run by the plugin's sidecar).
    #[command(subcommand)]
    Argocd(argocd::Command),
    /// kustomize exec plugin commands (`kubectl kustomize --enable-alpha-plugins`).
    #[command(subcommand)]
    Kustomize(kustomize::Command),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    Completion(docs::CompletionArgs),
    /// Print the man page of eventbus-gen, or of one of its commands, as roff on stdout.
    Man(docs::ManArgs),
}

#[derive(Args, Debug)]
struct SchemaArgs {
    /// Print the schema of the render options (the KRM functionConfig) instead.
    #[arg(long)]
    options: bool,
}

/// A failure of the command, with its exit code.
pub enum Failure {
    /// Invalid input: exit 1.
    Invalid,
    /// Usage or I/O: exit 2, with the message.
    Usage(String),
    /// Exit with this code; what there was to say is printed already (`render --check`).
    Code(u8),
}

pub fn main() -> ExitCode {
    // Started as the kustomize plugin (a link or copy named after its kind): `kustomize plugin`.
    let cli = match kustomize::args_by_name() {
        Some(args) => Cli::parse_from(args),
        None => Cli::parse(),
    };
    let result = match cli.command {
        Some(Command::Render(args)) => render::render(*args),
        Some(Command::Adopt(args)) => match adopt::adopt(*args) {
            Ok(0) => Ok(()),
            Ok(code) => return ExitCode::from(code),
            Err(e) => Err(e),
        },
        Some(Command::Secrets(command)) => secrets::run(*command),
        Some(Command::Schema(args)) => schema(&args),
        Some(Command::Krm) => krm(),
        Some(Command::Argocd(command)) => argocd::run(command),
        Some(Command::Kustomize(command)) => kustomize::run(command),
        Some(Command::Completion(args)) => docs::completion(&args),
        Some(Command::Man(args)) => docs::man(&args),
        None => bare(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid) => ExitCode::from(1),
        Err(Failure::Code(code)) => ExitCode::from(code),
        Err(Failure::Usage(m)) => {
            eprintln!(
                "{}",
                eventbus_gen::frontend::advice::line(&format!("eventbus-gen: {m}"))
            );
            ExitCode::from(2)
        }
    }
}

/// Reads a file (`-`: stdin) with the input limits; text that cannot be read is invalid input
/// (exit 1), a file that cannot be opened a usage error (exit 2).
pub(crate) fn read_file(path: &Path) -> Result<String, Failure> {
    let (name, read) = if path == Path::new("-") {
        (
            "<stdin>".to_owned(),
            input::read_text(std::io::stdin().lock()),
        )
    } else {
        (path.display().to_string(), input::read_file(path))
    };
    read.map_err(|e| match e {
        input::ReadError::Io(e) => Failure::Usage(format!("cannot read {name}: {e}")),
        e => {
            eprintln!(
                "{}",
                eventbus_gen::frontend::advice::line(&format!("{name}: error: {e}"))
            );
            Failure::Invalid
        }
    })
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn write_stdout(text: &str) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    match w.write_all(text.as_bytes()).and_then(|()| w.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Usage(format!("cannot write to stdout: {e}"))),
    }
}

/// Stdout written piece by piece; after a closed pipe the rest is dropped, and another write
/// error is kept for [`StdoutStream::finish`].
#[derive(Default)]
pub(crate) struct StdoutStream {
    closed: bool,
    error: Option<std::io::Error>,
}

impl StdoutStream {
    /// Writes `text` unless the pipe is closed or a write failed before.
    pub(crate) fn write(&mut self, text: &str) -> Result<(), eventbus_gen::Error> {
        if self.closed || self.error.is_some() {
            return Ok(());
        }
        let stdout = std::io::stdout();
        let mut w = stdout.lock();
        match w.write_all(text.as_bytes()).and_then(|()| w.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => self.closed = true,
            Err(e) => self.error = Some(e),
        }
        Ok(())
    }

    /// The first write error, if any.
    pub(crate) fn finish(self) -> Result<(), Failure> {
        match self.error {
            Some(e) => Err(Failure::Usage(format!("cannot write to stdout: {e}"))),
            None => Ok(()),
        }
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

/// No command: a KRM function when stdin holds a ResourceList (how kpt and kustomize start
/// exec functions), else the help on stderr and exit 2, with nothing on stdout.
fn bare() -> Result<(), Failure> {
    let stdin = std::io::stdin();
    let input = if stdin.is_terminal() {
        None
    } else {
        Some(read_file(Path::new("-"))?)
    };
    match input {
        Some(input) if looks_like_resource_list(&input) => krm_on(&input),
        _ => {
            let help = <Cli as clap::CommandFactory>::command().render_help();
            eprint!("{help}");
            Err(Failure::Usage(
                "no command given and no ResourceList on stdin; run `eventbus-gen render FILE`, \
                 or pipe a ResourceList into `eventbus-gen` or `eventbus-gen krm`"
                    .to_owned(),
            ))
        }
    }
}

/// Whether `input` may be a ResourceList: it names the kind somewhere. Without the word, it
/// cannot be one, and is taken for a mistaken call rather than for a broken ResourceList (one
/// that names the kind but is broken is the function's to report, as an error result). A scan,
/// not a parse: the function parses the list once.
fn looks_like_resource_list(input: &str) -> bool {
    input.contains("ResourceList")
}

/// KRM function mode: ResourceList in, ResourceList out; exit 1 on error results.
fn krm() -> Result<(), Failure> {
    let input = read_file(Path::new("-"))?;
    krm_on(&input)
}

fn krm_on(input: &str) -> Result<(), Failure> {
    let env = eventbus_gen::frontend::function::Environment {
        seed: std::env::var_os(SEED_ENV).map(|v| v.into_encoded_bytes()),
    };
    let outcome = eventbus_gen::frontend::function::run(input, &env);
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
