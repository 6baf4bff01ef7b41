//! `eventbus-gen argocd ...`: the commands the Argo CD plugin sidecar runs. The process
//! environment is read here, once, and handed to the library as a map.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use eventbus_gen::frontend::argocd::{self, Env, FailureKind};

use super::{Failure, write_stdout};

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Render the EventBus documents of the application folder and pass the other manifests
    /// through, as one YAML stream on stdout. Any problem with the input exits non-zero with
    /// nothing on stdout.
    Generate(DirArgs),
    /// Print `.eventbus-gen` when the application folder holds that marker file (a regular
    /// file); nothing printed means the folder is not for this plugin.
    Discover(DirArgs),
    /// Print the plugin's parameter announcements as JSON (the form `parameters.dynamic` reads).
    Parameters,
}

#[derive(Args, Debug)]
pub struct DirArgs {
    /// The application folder; Argo CD runs the plugin inside it.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Generate(args) => generate(&args),
        Command::Discover(args) => {
            let out = argocd::discover(&args.dir)
                .map(|marker| format!("{marker}\n"))
                .unwrap_or_default();
            write_stdout(&out)
        }
        Command::Parameters => {
            let mut text = serde_json::to_string_pretty(&argocd::announcements())
                .map_err(|e| Failure::Usage(e.to_string()))?;
            text.push('\n');
            write_stdout(&text)
        }
    }
}

fn generate(args: &DirArgs) -> Result<(), Failure> {
    let stderr = std::io::stderr();
    // A folder of buses alone is written as it renders (every error of the input is found
    // before the first byte); a closed pipe (`| head`) is not an error.
    let mut out = ClosedPipeIsFine {
        out: std::io::stdout().lock(),
        written: false,
    };
    match argocd::generate_to(&args.dir, &process_env(), &mut out) {
        Ok(notes) => {
            let mut w = stderr.lock();
            for note in &notes {
                let _ = writeln!(w, "{}", eventbus_gen::frontend::advice::line(note));
            }
            Ok(())
        }
        Err(failure) => {
            let mut w = stderr.lock();
            for m in &failure.messages {
                let _ = writeln!(w, "{}", eventbus_gen::frontend::advice::line(m));
            }
            let n = failure.problems;
            // Input errors are all found before the first byte; only a failed write (or a
            // bug) can stop a stream part-way, and then what was written is not the whole.
            let outcome = if out.written {
                "the manifests written are incomplete"
            } else {
                "no manifests were generated"
            };
            let _ = writeln!(
                w,
                "eventbus-gen argocd generate: {n} problem{} found; {outcome}",
                if n == 1 { "" } else { "s" }
            );
            Err(match failure.kind {
                FailureKind::Input => Failure::Invalid,
                _ => Failure::Usage(
                    "argocd generate: fix the plugin parameters or the sidecar setup above"
                        .to_owned(),
                ),
            })
        }
    }
}

/// The variables Argo CD hands the plugin (names or values that are not UTF-8 are left out).
fn process_env() -> Env {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// A writer for which a closed pipe ends the output without an error; it remembers whether
/// anything was written.
struct ClosedPipeIsFine<W> {
    out: W,
    written: bool,
}

impl<W: Write> Write for ClosedPipeIsFine<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.out.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            other => {
                self.written |= matches!(other, Ok(n) if n > 0);
                other
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.out.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}
