//! `eventbus-gen render`: EventBus files to a YAML stream or a folder of files.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use eventbus_gen::frontend::advice;
use eventbus_gen::frontend::pipeline;
use eventbus_gen::{Error, Errors, Warning, yaml};

use super::options::OptionArgs;
use super::{Failure, read_file};

#[derive(Args, Debug)]
pub(super) struct RenderArgs {
    /// EventBus files (YAML or JSON, one or more documents each); `-` reads stdin. Secret
    /// documents of existing buses may be included: their tokens are kept. A folder stands for
    /// its `*.yaml`, `*.yml` and `*.json` files (hidden ones and subfolders left out; symbolic
    /// links skipped with a warning), read in name order, as `argocd generate` reads one.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) options: OptionArgs,
    /// Write one file per object under DIR/<namespace>/<bus>/ instead of a stream on stdout.
    /// Only files eventbus-gen wrote (they start with its header line) are replaced or
    /// removed; each change is reported on stderr.
    #[arg(short, long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// Do not print warnings, nor the files `-o` wrote, updated or removed.
    #[arg(short, long)]
    quiet: bool,
    /// With `-o DIR`: change nothing, and exit 0 when DIR already holds exactly what would be
    /// written, 1 when it does not (each stale, missing or extra file is named on stderr), 2 on
    /// any error, invalid input included.
    #[arg(long, requires = "output_dir")]
    check: bool,
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
        "secrets" => "--secrets reference".to_owned(),
        "secretStore" => "--secret-store KIND/NAME".to_owned(),
        key => format!("--set {key}=VALUE"),
    },
};

/// Prints `errors` ([`report_errors`], each in the file `file_of` names for its document) and
/// gives the failure of invalid input.
pub(super) fn invalid(errors: &Errors, file_of: &dyn Fn(Option<usize>) -> String) -> Failure {
    report_errors(errors, &|e| file_of(e.document()));
    Failure::Invalid
}

/// Prints errors as `file:line:column: error: path: message`.
pub(super) fn report_errors(errors: &Errors, name_of: &dyn Fn(&Error) -> String) {
    let stderr = std::io::stderr();
    let mut w = stderr.lock();
    for e in errors.as_slice().iter().take(advice::MAX_ERRORS) {
        let at = match e.location() {
            Some(l) => format!("{}:{l}", name_of(e)),
            None => name_of(e),
        };
        let message = advice::message(e, &TERMS);
        match e.path() {
            "" => writeln!(w, "{}", advice::line(&format!("{at}: error: {message}"))),
            path => writeln!(
                w,
                "{}",
                advice::line(&format!("{at}: error: {path}: {message}"))
            ),
        }
        .ok();
    }
    let n = errors.as_slice().len();
    if let Some(more) = advice::more_errors(n) {
        let _ = writeln!(w, "eventbus-gen: {more}");
    }
    let _ = writeln!(
        w,
        "eventbus-gen: {n} error{} found; nothing was rendered",
        if n == 1 { "" } else { "s" }
    );
}

pub(super) fn report_warnings(warnings: &[Warning], name_of: &dyn Fn(Option<usize>) -> String) {
    let stderr = std::io::stderr();
    let mut w = stderr.lock();
    for warning in warnings {
        let at = match warning.location {
            Some(l) => format!("{}:{l}", name_of(warning.document)),
            None => name_of(warning.document),
        };
        let _ = writeln!(w, "{}", advice::line(&format!("{at}: warning: {warning}")));
    }
}

/// Input files read as one stream of documents, numbered across the files, with the file each
/// document came from.
#[derive(Default)]
pub(super) struct Inputs {
    /// The documents, numbered from 0 across every file added.
    pub(super) docs: Vec<yaml::Document>,
    /// The index of each file's first document, and the file's name.
    starts: Vec<(usize, String)>,
    unreadable: bool,
}

impl Inputs {
    /// Reads `path` (`-` is stdin). A file that is not YAML is reported at once, and the other
    /// files are still read so that all their errors show together.
    pub(super) fn add(&mut self, path: &Path) -> Result<(), Failure> {
        let text = read_file(path)?;
        self.add_text(path, text)
    }

    /// Reads `path`, a file chosen in a folder, without following a symbolic link put there
    /// since it was chosen (as `argocd generate` reads the files it chooses).
    fn add_chosen(&mut self, path: &Path) -> Result<(), Failure> {
        let name = path.display().to_string();
        match eventbus_gen::frontend::input::read_chosen(path) {
            Ok(text) => self.add_text(path, text),
            Err(eventbus_gen::frontend::input::ReadError::Io(e)) => {
                Err(Failure::Usage(format!("cannot read {name}: {e}")))
            }
            Err(e) => {
                eprintln!("{}", advice::line(&format!("{name}: error: {e}")));
                self.unreadable = true;
                Ok(())
            }
        }
    }

    fn add_text(&mut self, path: &Path, text: String) -> Result<(), Failure> {
        let name = if path.as_os_str() == "-" {
            "<stdin>".to_owned()
        } else {
            path.display().to_string()
        };
        match yaml::load_numbered(&text, self.docs.len()) {
            Ok(loaded) => {
                self.starts.push((self.docs.len(), name));
                self.docs.extend(loaded);
            }
            Err(e) => {
                report_errors(&Errors::from(e), &|_| name.clone());
                self.unreadable = true;
            }
        }
        Ok(())
    }

    /// Whether every file added was YAML.
    pub(super) fn readable(&self) -> bool {
        !self.unreadable
    }

    /// The name of the file document `doc` came from.
    pub(super) fn file_of(&self, doc: Option<usize>) -> String {
        let d = doc.unwrap_or(0);
        self.starts
            .iter()
            .rev()
            .find(|(start, _)| *start <= d)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    }
}

pub(super) fn render(args: RenderArgs) -> Result<(), Failure> {
    // Under --check, 1 means "stale" only: invalid input exits 2 like every other error.
    let check = args.check;
    match render_args(args) {
        Err(Failure::Invalid) if check => Err(Failure::Code(2)),
        r => r,
    }
}

fn render_args(args: RenderArgs) -> Result<(), Failure> {
    let options = args.options.to_options()?;
    if options.secrets == eventbus_gen::SecretsMode::Only
        && args.output_dir.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        return Err(Failure::Usage(
            "--secrets only writes Secret values, which are not for a terminal; pipe them into \
             kubectl apply -f - or kubeseal, or write them with --output-dir"
                .to_owned(),
        ));
    }
    if args.files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        return Err(Failure::Usage("stdin (-) can be read only once".to_owned()));
    }
    // Documents are numbered across all files, so an index names one document of one file.
    let mut inputs = Inputs::default();
    for path in &args.files {
        if path.as_os_str() != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            for file in folder_files(path, args.quiet)? {
                inputs.add_chosen(&file)?;
            }
        } else {
            inputs.add(path)?;
        }
    }
    if !inputs.readable() {
        return Err(Failure::Invalid);
    }
    let docs = std::mem::take(&mut inputs.docs);
    let file_of = |doc: Option<usize>| inputs.file_of(doc);
    let parsed = match pipeline::parse_documents(&docs, &options, false) {
        Ok(parsed) => parsed,
        Err(e) => {
            return Err(invalid(&e, &file_of));
        }
    };
    // The parsed buses hold all that is used from here on; the document trees go now, not after
    // the last bus is written (megabytes for thousands of buses).
    drop(docs);
    let plans = match pipeline::validate(&parsed, &options) {
        Ok(plans) => plans,
        Err(e) => {
            return Err(invalid(&e, &file_of));
        }
    };
    if plans.is_empty() {
        eprintln!("eventbus-gen: no EventBus found in the input; nothing was rendered");
        return Err(Failure::Invalid);
    }
    // Every error of the input is known by now (credentials are resolved before the first bus
    // renders), so each bus is written as soon as it is rendered: memory holds one bus, not
    // the whole output. Only a bug can still fail after the first byte.
    let mut stream = String::new();
    let mut out = super::StdoutStream::default();
    let mut written = false;
    let mut files = BTreeMap::new();
    let mut clash = None;
    let mut rng = rand::rng();
    let rendered = pipeline::render_each(&plans, &parsed, &options, Some(&mut rng), |bus| {
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
                    if files.insert(path.clone(), pipeline::to_yaml(o)?).is_some() {
                        clash.get_or_insert(path);
                    }
                }
            }
            None => {
                for o in &bus.objects {
                    if written {
                        stream.push_str("---\n");
                    }
                    stream.push_str(&pipeline::to_yaml(o)?);
                    written = true;
                }
                out.write(&stream)?;
                stream.clear();
            }
        }
        Ok(())
    });
    let warnings = match rendered {
        Ok(w) => w,
        Err(e) => {
            return Err(invalid(&e, &file_of));
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
        Some(dir) if args.check => super::tree::check(dir, &files, args.quiet),
        Some(dir) => super::tree::write(dir, &files, args.quiet),
        None => out.finish(),
    }
}

/// The input files of a folder named on the command line, chosen as `argocd generate` chooses
/// them (the same reader); entries passed over are named in a warning unless `quiet`.
fn folder_files(dir: &Path, quiet: bool) -> Result<Vec<PathBuf>, Failure> {
    use eventbus_gen::frontend::argocd::{FailureKind, SourceParams, select_files};
    let selection = select_files(dir, &SourceParams::default()).map_err(|f| match f.kind {
        FailureKind::Input => {
            for m in &f.messages {
                eprintln!("{}", advice::line(&format!("{}/{m}", dir.display())));
            }
            Failure::Invalid
        }
        _ => Failure::Usage(format!("{}: {}", dir.display(), f.messages.join("; "))),
    })?;
    if !quiet {
        for skipped in &selection.skipped {
            eprintln!("{}", advice::line(&format!("{}/{skipped}", dir.display())));
        }
    }
    if selection.files.is_empty() {
        return Err(Failure::Usage(format!(
            "{} holds no *.yaml, *.yml or *.json file to read",
            dir.display()
        )));
    }
    Ok(selection.files.iter().map(|f| dir.join(f)).collect())
}
