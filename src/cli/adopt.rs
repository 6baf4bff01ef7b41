//! `eventbus-gen adopt --live EXPORT SPEC...`: what applying the render of SPEC over the running
//! bus in EXPORT would do, object by object.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use eventbus_gen::frontend::adopt::{self, Handover, ObjectReport, Owned, Report, Stage, Verdict};
use eventbus_gen::frontend::pipeline;

use serde_json::{Value, json};

use super::options::OptionArgs;
use super::render::{Inputs, invalid, report_warnings};
use super::{Failure, write_stdout};

#[derive(Args, Debug)]
pub(super) struct AdoptArgs {
    /// The running bus: `kubectl get eventbus,statefulset,service,configmap,secret,
    /// poddisruptionbudget -o yaml`. Its Secrets are used for the render (tokens kept).
    #[arg(long, value_name = "EXPORT")]
    live: PathBuf,
    /// EventBus files to render (YAML or JSON); `-` reads stdin.
    #[arg(value_name = "SPEC", required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    options: OptionArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    output: Format,
    /// Do not print warnings of the render.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Exit code 3 or 4 (or 0) from the report; errors as elsewhere.
pub(super) fn adopt(args: AdoptArgs) -> Result<u8, Failure> {
    let options = args.options.to_options()?;
    if args.files.iter().any(|f| f.as_os_str() == "-") && args.live.as_os_str() == "-"
        || args.files.iter().filter(|f| f.as_os_str() == "-").count() > 1
    {
        return Err(Failure::Usage("stdin (-) can be read only once".to_owned()));
    }
    let mut live = Inputs::default();
    live.add(&args.live)?;
    let mut spec = Inputs::default();
    for path in &args.files {
        spec.add(path)?;
    }
    if !live.readable() || !spec.readable() {
        return Err(Failure::Invalid);
    }
    let export_name = live.file_of(None);
    let live_docs = live.docs;
    let mut docs = std::mem::take(&mut spec.docs);
    // The export's Secrets go with the spec, numbered after it.
    let first = docs.len();
    docs.extend(
        live_docs
            .iter()
            .filter(|d| d.value.get("kind").and_then(Value::as_str) == Some("Secret"))
            .cloned()
            .enumerate()
            .map(|(i, mut d)| {
                d.index = first + i;
                d
            }),
    );
    let file_of = |doc: Option<usize>| -> String {
        match doc {
            Some(d) if d >= first => export_name.clone(),
            _ => spec.file_of(doc),
        }
    };
    let parsed =
        pipeline::parse_documents(&docs, &options, false).map_err(|e| invalid(&e, &file_of))?;
    let plans = pipeline::validate(&parsed, &options).map_err(|e| invalid(&e, &file_of))?;
    if plans.is_empty() {
        eprintln!("eventbus-gen: no EventBus found in the specs; nothing to compare");
        return Err(Failure::Invalid);
    }
    let mut rendered = Vec::new();
    let mut rng = rand::rng();
    let result = pipeline::render_each(&plans, &parsed, &options, Some(&mut rng), |bus| {
        for o in &bus.objects {
            rendered.push(serde_json::to_value(o).map_err(|e| {
                eventbus_gen::Error::new(
                    eventbus_gen::ErrorKind::Io,
                    "",
                    format!("cannot serialize {}: {e}", o.name()),
                )
            })?);
        }
        Ok(())
    });
    let warnings = result.map_err(|e| invalid(&e, &file_of))?;
    if !args.quiet {
        // Unused Secrets of the export are expected: it holds other buses' too.
        report_warnings(&warnings, &file_of);
    }
    let live: Vec<Value> = live_docs.into_iter().map(|d| d.value).collect();
    let report = adopt::compare(&rendered, &live);
    let text = match args.output {
        Format::Text => text(&report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&machine(&report))
                .map_err(|e| Failure::Usage(e.to_string()))?;
            s.push('\n');
            s
        }
    };
    write_stdout(&text)?;
    Ok(report.exit_code())
}

/// `word` as one shell word: as it is when it holds only characters no shell treats specially,
/// else in single quotes. Names come from the export, which may not be what the API server
/// wrote; a printed command must never run more than it says.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/' | ':' | '='))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn namespace_flag(namespace: &str) -> String {
    if namespace.is_empty() {
        String::new()
    } else {
        format!("-n {} ", shell_word(namespace))
    }
}

fn release_command(o: &Owned) -> String {
    format!(
        "kubectl {}patch {} {} --type=json -p '[{{\"op\":\"remove\",\"path\":\"/metadata/ownerReferences\"}}]'",
        namespace_flag(&o.namespace),
        shell_word(&o.kind.to_ascii_lowercase()),
        shell_word(&o.name)
    )
}

/// What to do next for one bus, from where its hand-over stands.
fn next_step(h: &Handover) -> String {
    let bus = format!("EventBus {}", at(&h.namespace, &h.name));
    match h.stage {
        Stage::NotLive {
            owned_objects: false,
        } => format!("{bus} is not in the export: a new bus; apply everything."),
        Stage::NotLive {
            owned_objects: true,
        } => format!(
            "{bus} is not in the export, but live objects name it as their owner: export it too \
             (kubectl {}get eventbus,statefulset,service,configmap,secret,poddisruptionbudget -o yaml) \
             and run adopt again before applying.",
            namespace_flag(&h.namespace)
        ),
        Stage::ControllerManages => format!(
            "{bus} is still native, so the controller reconciles its objects and would undo \
             changes to them. Step 1: apply the companion EventBus alone and wait until its \
             Deployed condition says Skipped. Step 2: export again and run adopt again; then \
             apply the other objects. Step 3: release the owned objects."
        ),
        Stage::CompanionLive { owned: 0 } => {
            format!("{bus}: the companion is live and no object is owned any more; apply as usual.")
        }
        Stage::CompanionLive { owned } => format!(
            "{bus}: the companion is live. Apply the other objects, then release the {owned} \
             object{} it still owns (commands below): deleting or re-creating the EventBus \
             would garbage-collect {}.",
            if owned == 1 { "" } else { "s" },
            if owned == 1 { "it" } else { "them" }
        ),
    }
}

fn at(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{namespace}/{name}")
    }
}

fn machine(report: &Report) -> Value {
    let owned: Vec<Value> = report
        .owned
        .iter()
        .map(|o| {
            let mut v = serde_json::to_value(o).unwrap_or_default();
            v["release"] = json!(release_command(o));
            v
        })
        .collect();
    json!({
        "objects": report.objects,
        "owned": owned,
        "handover": report.handover,
        "exitCode": report.exit_code(),
    })
}

fn describe(o: &ObjectReport) -> String {
    match &o.verdict {
        Verdict::Unchanged => "unchanged".to_owned(),
        Verdict::ChangesWithoutRestart => "changes without restart".to_owned(),
        Verdict::Reloaded => {
            "changes without restart: the config reloader applies the new ConfigMap".to_owned()
        }
        Verdict::RestartsPods {
            statefulset,
            replicas,
            automatic: true,
        } => format!(
            "restarts pods: rolling restart of the {replicas} pods of StatefulSet {statefulset}, one at a time"
        ),
        Verdict::RestartsPods {
            statefulset,
            replicas,
            automatic: false,
        } => format!(
            "restarts pods: no config reloader, so the {replicas} pods of StatefulSet {statefulset} take the new config only when restarted (`kubectl {}rollout restart statefulset {}`)",
            namespace_flag(&o.namespace),
            shell_word(statefulset)
        ),
        Verdict::Refused => format!(
            "refused by the API server: immutable fields change; delete it with `kubectl {}delete statefulset {} --cascade=orphan`, then apply (pods and claims stay)",
            namespace_flag(&o.namespace),
            shell_word(&o.name)
        ),
        Verdict::CredentialsChange => {
            "credentials change: clients holding the old ones are locked out".to_owned()
        }
        Verdict::ClientConfiguration {
            keeps_clients: true,
        } => "client configuration kept: the companion's config equals the live status.config; switching keeps clients".to_owned(),
        Verdict::ClientConfiguration {
            keeps_clients: false,
        } => "client configuration changes: every EventSource and Sensor on the bus restarts".to_owned(),
        Verdict::NotRendered => "live but not rendered: applying leaves it as it is".to_owned(),
        Verdict::New => "not live: created".to_owned(),
    }
}

fn text(report: &Report) -> String {
    let mut s = String::new();
    // Every line quotes names from the export: escaped and cut like any other printed line.
    let mut line = |text: &str| {
        s.push_str(&eventbus_gen::frontend::advice::line(text));
        s.push('\n');
    };
    for o in &report.objects {
        line(&format!(
            "{} {}: {}",
            o.kind,
            at(&o.namespace, &o.name),
            describe(o)
        ));
        for p in &o.paths {
            line(&format!("  {p}"));
        }
        if !o.kept.is_empty() {
            line(
                "  kept as they are (set only on the live object; apply leaves them, remove them by hand if unwanted):",
            );
            for p in &o.kept {
                line(&format!("    {p}"));
            }
        }
    }
    if !report.handover.is_empty() {
        line("");
        line("Hand-over:");
        for h in &report.handover {
            line(&format!("  {}", next_step(h)));
        }
    }
    if !report.owned.is_empty() {
        line("");
        line(
            "Owned by an EventBus (deleting or re-creating it garbage-collects them); release them once the companion is live and the objects are applied:",
        );
        for o in &report.owned {
            line(&format!("  {}", release_command(o)));
        }
    }
    line("");
    line(match report.exit_code() {
        0 => "Nothing running changes.",
        3 => "Pods or clients restart.",
        _ => "The apply would be refused or credentials would change.",
    });
    s
}
