//! What is generated from the one command-line definition: shell completions, man pages and
//! the Markdown reference `docs/cli.md`. Nothing here is written by hand twice: a new flag
//! shows up in all three.

use clap::{Arg, ArgAction, Args, Command, CommandFactory};
use clap_complete::Shell;

use super::{Cli, Failure, write_stdout};

#[derive(Args, Debug)]
pub(super) struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_name = "SHELL")]
    shell: Shell,
}

#[derive(Args, Debug)]
pub(super) struct ManArgs {
    /// The command whose page to print, such as `render` or `argocd generate`; none for the
    /// page of `eventbus-gen` itself.
    #[arg(value_name = "COMMAND")]
    command: Vec<String>,
    /// Print the Markdown reference of every command instead (the project's `docs/cli.md`).
    #[arg(long, conflicts_with = "command")]
    markdown: bool,
}

/// `eventbus-gen completion SHELL`: the completion script on stdout.
pub(super) fn completion(args: &CompletionArgs) -> Result<(), Failure> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "eventbus-gen", &mut script);
    write_stdout(&String::from_utf8_lossy(&script))
}

/// `eventbus-gen man [COMMAND...]`: a roff man page on stdout.
pub(super) fn man(args: &ManArgs) -> Result<(), Failure> {
    if args.markdown {
        return write_stdout(&markdown());
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Built so that subcommands carry their display name (`eventbus-gen-render`).
    cmd.build();
    let mut at = &cmd;
    for name in &args.command {
        at = at
            .get_subcommands()
            .find(|c| c.get_name() == name && !c.is_hide_set())
            .ok_or_else(|| {
                let known: Vec<&str> = at
                    .get_subcommands()
                    .filter(|c| !c.is_hide_set())
                    .map(Command::get_name)
                    .collect();
                Failure::Usage(format!(
                    "no command {} under {}; known: {}",
                    eventbus_gen::frontend::advice::line(name),
                    at.get_display_name().unwrap_or(at.get_name()),
                    known.join(", ")
                ))
            })?;
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(at.clone())
        .source(format!("eventbus-gen {}", env!("CARGO_PKG_VERSION")))
        .render(&mut page)
        .map_err(|e| Failure::Usage(format!("cannot render the man page: {e}")))?;
    write_stdout(&String::from_utf8_lossy(&page))
}

/// The Markdown reference of every command, as checked in at `docs/cli.md`.
fn markdown() -> String {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = String::from(
        "# Command-line reference\n\n\
         <!-- Generated from the command-line definition; do not edit by hand. Regenerate with\n     \
         `cargo run -q -- man --markdown > docs/cli.md`. -->\n\n\
         Every command and flag of `eventbus-gen`, as `--help` prints them, with the exit codes\n\
         in the descriptions; `eventbus-gen man COMMAND` prints the same as a man page.\n",
    );
    command_markdown(&cmd, &mut out);
    out
}

fn command_markdown(cmd: &Command, out: &mut String) {
    let name = cmd
        .get_display_name()
        .unwrap_or(cmd.get_name())
        .replace('-', " ");
    // The top command's display name is the binary's; subcommands' are `eventbus-gen-x-y`.
    let title = name.replacen("eventbus gen", "eventbus-gen", 1);
    out.push_str(&format!("\n## `{title}`\n\n"));
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        out.push_str(&format!("{}\n\n", about.to_string().trim_end()));
    }
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage: ").trim_end();
    out.push_str(&format!("```text\n{usage}\n```\n"));
    let shown = |a: &&Arg| !a.is_hide_set();
    let positionals: Vec<&Arg> = cmd.get_positionals().filter(shown).collect();
    if !positionals.is_empty() {
        out.push_str("\nArguments:\n\n");
        for a in positionals {
            out.push_str(&arg_markdown(a));
        }
    }
    let options: Vec<&Arg> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional())
        .filter(shown)
        .collect();
    if !options.is_empty() {
        out.push_str("\nOptions:\n\n");
        for a in options {
            out.push_str(&arg_markdown(a));
        }
    }
    let subcommands: Vec<&Command> = cmd.get_subcommands().filter(|c| !c.is_hide_set()).collect();
    if !subcommands.is_empty() {
        out.push_str("\nCommands:\n\n");
        for s in &subcommands {
            let about = s.get_about().map(|a| a.to_string()).unwrap_or_default();
            let first = about
                .split(". ")
                .next()
                .unwrap_or_default()
                .trim_end_matches('.');
            out.push_str(&format!("- `{}`: {first}\n", s.get_name()));
        }
    }
    for s in subcommands {
        command_markdown(s, out);
    }
}

fn arg_markdown(a: &Arg) -> String {
    let names = match a.get_value_names() {
        Some(v) if a.get_action().takes_values() => v
            .iter()
            .map(|n| format!("<{n}>"))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    let mut flags = Vec::new();
    if let Some(s) = a.get_short() {
        flags.push(format!("-{s}"));
    }
    if let Some(l) = a.get_long() {
        flags.push(format!("--{l}"));
    }
    let mut head = if a.is_positional() {
        let n = if names.is_empty() {
            format!("<{}>", a.get_id().as_str().to_uppercase())
        } else {
            names
        };
        let many = matches!(a.get_action(), ArgAction::Append)
            || a.get_num_args().is_some_and(|r| r.max_values() > 1);
        if many { format!("{n}...") } else { n }
    } else if names.is_empty() {
        flags.join(", ")
    } else {
        format!("{} {names}", flags.join(", "))
    };
    head = format!("`{head}`");
    let help = a
        .get_long_help()
        .or(a.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let mut line = format!("- {head}: {}", help.trim().replace('\n', " "));
    let mut extras = Vec::new();
    let possible: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| format!("`{}`", v.get_name()))
        .collect();
    // A switch's possible values and default (`true`/`false`, `false`) say nothing.
    if a.get_action().takes_values() {
        if !possible.is_empty() {
            extras.push(format!("possible values: {}", possible.join(", ")));
        }
        let defaults: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|v| format!("`{}`", v.to_string_lossy()))
            .collect();
        if !defaults.is_empty() {
            extras.push(format!("default: {}", defaults.join(", ")));
        }
    }
    if let Some(env) = a.get_env() {
        extras.push(format!("environment: `{}`", env.to_string_lossy()));
    }
    if !extras.is_empty() {
        line.push_str(&format!(" ({})", extras.join("; ")));
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    /// `docs/cli.md` is what the command-line definition generates (CI fails when a flag
    /// changed and the reference was not regenerated).
    #[test]
    fn cli_reference_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == super::markdown(),
            "docs/cli.md is not what the command-line definition generates; regenerate it with \
             `cargo run -q -- man --markdown > docs/cli.md` and commit it"
        );
    }
}
