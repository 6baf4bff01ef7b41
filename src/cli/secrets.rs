//! `eventbus-gen secrets template`: what the Secrets of each bus must hold when they are made
//! outside eventbus-gen, and how to make them on this machine. No value is ever printed.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use eventbus_gen::frontend::pipeline;
use eventbus_gen::frontend::secrets::{BusSecrets, secret_templates};

use super::options::OptionArgs;
use super::render::{Inputs, invalid};
use super::{Failure, write_stdout};

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Print, for each bus of the files, the Secrets it needs in reference mode: names, keys,
    /// the exact format of each value with placeholders, and a script that makes them with
    /// values generated on this machine (never printed).
    Template(TemplateArgs),
}

#[derive(Args, Debug)]
pub(super) struct TemplateArgs {
    /// EventBus files (YAML or JSON); `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format: `text` for people, `yaml` or `json` for programs.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
    #[command(flatten)]
    options: OptionArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Yaml,
    Json,
}

pub(super) fn run(command: Command) -> Result<(), Failure> {
    let Command::Template(args) = command;
    let options = args.options.to_options()?;
    let mut inputs = Inputs::default();
    for path in &args.files {
        inputs.add(path)?;
    }
    if !inputs.readable() {
        return Err(Failure::Invalid);
    }
    let file_of = |doc: Option<usize>| inputs.file_of(doc);
    let plans = pipeline::parse_documents(&inputs.docs, &options, false)
        .and_then(|parsed| pipeline::validate(&parsed, &options))
        .map_err(|e| invalid(&e, &file_of))?;
    let buses = secret_templates(&plans, &options).map_err(|e| invalid(&e.into(), &file_of))?;
    let files: Vec<String> = plans
        .iter()
        .filter(|p| {
            buses
                .iter()
                .any(|b| b.bus == p.name && b.namespace == p.namespace)
        })
        .map(|p| file_of(Some(p.document)))
        .collect();
    let text = match args.output {
        Format::Text => text(&buses, &files),
        Format::Yaml => pipeline::to_yaml(&buses).map_err(|e| Failure::Usage(e.to_string()))?,
        Format::Json => {
            let mut t =
                serde_json::to_string_pretty(&buses).map_err(|e| Failure::Usage(e.to_string()))?;
            t.push('\n');
            t
        }
    };
    if buses.is_empty() {
        eprintln!("eventbus-gen: no native bus in the input; external buses need no Secret");
    }
    write_stdout(&text)
}

/// Indents every line of `text` by `n` spaces.
fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| format!("{pad}{l}\n"))
        .collect::<String>()
}

/// The human-readable form: one section per bus; `files[i]` is the file of `buses[i]`.
fn text(buses: &[BusSecrets], files: &[String]) -> String {
    let mut out = String::new();
    for (i, b) in buses.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let kind = if b.kind == "jetstream" {
            "JetStream"
        } else {
            "NATS Streaming"
        };
        out.push_str(&format!("Bus {}/{} ({kind})\n", b.namespace, b.bus));
        for s in &b.secrets {
            out.push_str(&format!(
                "\n  Secret {} in namespace {}, read by {}\n",
                s.name, b.namespace, s.reader
            ));
            for (k, v) in &s.annotations {
                out.push_str(&format!("    annotation {k}: {v}\n"));
            }
            for k in &s.keys {
                out.push_str(&format!("    key {}: {}\n", k.key, k.description));
                match k.format.as_deref() {
                    Some("") => out.push_str("      (empty)\n"),
                    Some(f) => out.push_str(&indent(f, 8)),
                    None => {}
                }
            }
        }
        if let Some(r) = &b.remote_key {
            out.push_str(&format!(
                "\n  In the external-secrets mode the ExternalSecrets build them from the store {}, \
                 remote key {}, properties: {}\n",
                r.store,
                r.key,
                r.properties.join(", ")
            ));
        }
        out.push('\n');
        for n in &b.notes {
            out.push_str(&format!("  Note: {n}\n"));
        }
        let file = files.get(i).map_or("FILE", String::as_str);
        out.push_str(&format!(
            "\n  Create them with values drawn on this machine, never printed; either with \
             eventbus-gen (keep the seed file to render the same values again):\n\n    \
             eventbus-gen render {file} --secrets only --random-tokens | kubectl apply -f -\n\n  \
             or by hand with bash, openssl and kubectl (to seal instead, add --dry-run=client \
             -o yaml to each kubectl create and pipe it into kubeseal):\n\n"
        ));
        out.push_str(&indent(&b.script, 4));
    }
    out
}
