//! `eventbus-gen kustomize ...`: the kustomize exec plugin and its installation. kustomize runs
//! a plugin by the name of its entry's kind, so the binary also answers as the plugin when it
//! is started under the name `EventBus` or `EventBusRenderOptions` (a link or a copy that
//! `kustomize install` made): one file, no shell script, no PATH lookup, which is what a
//! minimal image or Argo CD's repo server offers.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use eventbus_gen::frontend::kustomize::{self, InstallMode};
use eventbus_gen::frontend::seed::SEED_ENV;
use eventbus_gen::frontend::{fsread, function, input};

use super::{Failure, write_stdout};

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run as the kustomize exec plugin (what the installed plugin executables run).
    ///
    /// ENTRY is the file kustomize writes for a `generators:` (EventBus) or `transformers:`
    /// (EventBusRenderOptions) entry; the resources of a transformer come on stdin. Prints a
    /// YAML stream, or nothing and errors (exit 1).
    Plugin(PluginArgs),
    /// Install the plugin where `kubectl kustomize --enable-alpha-plugins` finds it.
    ///
    /// Writes <plugin home>/argoproj.io/v1alpha1/eventbus/EventBus and
    /// <plugin home>/fn.eventbus-gen.dev/v1alpha1/eventbusrenderoptions/EventBusRenderOptions,
    /// links to this binary (or copies of it), and prints their paths.
    Install(InstallArgs),
}

#[derive(Args, Debug)]
pub struct PluginArgs {
    /// The entry file kustomize passes.
    #[arg(value_name = "ENTRY")]
    entry: PathBuf,
    /// Arguments kustomize appends from `argsOneLiner` or `argsFromFile`; refused, since
    /// options go in the entry.
    #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<OsString>,
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// The plugin home. Default: $KUSTOMIZE_PLUGIN_HOME, else $XDG_CONFIG_HOME/kustomize/plugin,
    /// else $HOME/.config/kustomize/plugin (where kustomize looks).
    #[arg(long, value_name = "DIR", conflicts_with = "config_home")]
    plugin_home: Option<PathBuf>,
    /// Install into DIR/kustomize/plugin (DIR as $XDG_CONFIG_HOME).
    #[arg(long, value_name = "DIR")]
    config_home: Option<PathBuf>,
    /// Copy the binary instead of linking to it: for a plugin home another container mounts
    /// (Argo CD's repo server), where this binary's path does not exist.
    #[arg(long)]
    copy: bool,
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Plugin(args) => plugin(&args.entry, &args.rest),
        Command::Install(args) => install(&args),
    }
}

/// When the binary was started as a plugin (its file name is a plugin's kind), the arguments
/// of the same run as `eventbus-gen kustomize plugin`.
pub fn args_by_name() -> Option<Vec<OsString>> {
    let mut args = std::env::args_os();
    let name = PathBuf::from(args.next()?);
    kustomize::plugin_named(name.file_name()?.to_str()?)?;
    let mut out: Vec<OsString> = ["eventbus-gen", "kustomize", "plugin", "--"]
        .map(OsString::from)
        .into();
    out.extend(args);
    Some(out)
}

fn plugin(entry: &Path, rest: &[OsString]) -> Result<(), Failure> {
    if !rest.is_empty() {
        return Err(Failure::Usage(
            "the kustomize plugin takes only the entry file; remove argsOneLiner and \
             argsFromFile from the entry and put options in its eventbus-gen/options annotation \
             or EventBusRenderOptions spec"
                .to_owned(),
        ));
    }
    let name = entry.display().to_string();
    let config = read_entry(entry).map_err(|e| match e {
        input::ReadError::Io(e) => Failure::Usage(format!("cannot read {name}: {e}")),
        e => {
            eprintln!(
                "{}",
                eventbus_gen::frontend::advice::line(&format!("eventbus-gen: {name}: error: {e}"))
            );
            Failure::Invalid
        }
    })?;
    // A generator's stdin is empty; at a terminal there is nothing to wait for.
    let resources = if std::io::stdin().is_terminal() {
        String::new()
    } else {
        super::read_file(Path::new("-"))?
    };
    let env = function::Environment {
        seed: std::env::var_os(SEED_ENV).map(|v| v.into_encoded_bytes()),
    };
    let outcome = kustomize::run(&name, &config, &resources, &env);
    {
        let stderr = std::io::stderr();
        let mut w = stderr.lock();
        for line in &outcome.stderr {
            let _ = writeln!(w, "{line}");
        }
    }
    if !outcome.success {
        return Err(Failure::Invalid);
    }
    write_stdout(&outcome.stdout)
}

/// The entry file: a regular file, not followed when it is a link, read within the input
/// limits.
fn read_entry(path: &Path) -> Result<String, input::ReadError> {
    let file = fsread::open_no_follow(path).map_err(input::ReadError::Io)?;
    if !file.metadata().map_err(input::ReadError::Io)?.is_file() {
        return Err(input::ReadError::Input(
            "not a regular file; kustomize passes the entry as a file".to_owned(),
        ));
    }
    input::read_text(file)
}

fn install(args: &InstallArgs) -> Result<(), Failure> {
    let home = match (&args.plugin_home, &args.config_home) {
        (Some(home), _) => home.clone(),
        (None, Some(config)) => config.join("kustomize/plugin"),
        (None, None) => kustomize::default_plugin_home(
            std::env::var_os("KUSTOMIZE_PLUGIN_HOME").as_deref(),
            std::env::var_os("XDG_CONFIG_HOME").as_deref(),
            std::env::var_os("HOME").as_deref(),
        )
        .ok_or_else(|| {
            Failure::Usage(
                "no plugin home: pass --plugin-home or --config-home, or set HOME".to_owned(),
            )
        })?,
    };
    let exe = std::env::current_exe()
        .map_err(|e| Failure::Usage(format!("cannot find this binary's path: {e}")))?;
    let mode = if args.copy {
        InstallMode::Copy
    } else {
        InstallMode::Link
    };
    let written = kustomize::install(&home, &exe, mode).map_err(Failure::Usage)?;
    let mut out = String::new();
    for path in written {
        out.push_str(&format!("{}\n", path.display()));
    }
    write_stdout(&out)
}
