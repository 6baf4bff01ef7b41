//! The Argo CD config management plugin (CMP) front end: `generate` and `discover` over the
//! source directory of an Application.
//!
//! Argo CD runs the plugin in a private copy of the repository, with the working directory set
//! to the Application's path, and hands it everything through the environment:
//!
//! - plugin parameters as `ARGOCD_APP_PARAMETERS` (a JSON list of `{name, string|array|map}`)
//!   and as `PARAM_<NAME>[_<i>|_<KEY>]` variables;
//! - the Application's `plugin.env` entries as `ARGOCD_ENV_<NAME>`;
//! - facts about the Application (`ARGOCD_APP_NAMESPACE`, the destination namespace, is the one
//!   read here).
//!
//! Parameter names are the keys of the one options mapping ([`crate::frontend::options`]): the
//! camelCase field names of [`RenderOptions`], dotted for nested ones (`images.nats`), the same
//! keys as the options file and the KRM config, plus the few in [`SourceParams`]. A field added
//! to `RenderOptions` becomes a parameter with no change here; top-level names compare ignoring
//! case and punctuation, so `ARGOCD_ENV_POD_DISRUPTION_BUDGET` sets `podDisruptionBudget`.
//!
//! The jobs are split: [`params`] reads the parameters and the seed, `announce` lists them for
//! the UI, `files` chooses and reads the files, `report` words errors for Argo CD users.
//!
//! Generation is safe by default: any problem, or a folder without an `EventBus`, is a
//! [`Failure`] and no manifest at all is produced, because Argo CD would read an empty manifest
//! set as "delete everything". Tokens are never random here; they come from a Secret in the
//! folder or from a seed that the plugin's sidecar holds (never from the Application, which
//! anyone who can read it sees).
//!
//! This module reads files under the application directory (and the seed file), but never the
//! process environment: callers pass the variables in as an [`Env`].

mod announce;
mod files;
pub mod params;
mod report;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::options::RenderOptions;
use crate::output::SEPARATOR;
use crate::parse::{DocumentKind, document_kind};
use crate::pipeline::parse_document_refs;
use crate::render::Object;

pub use crate::frontend::seed::SEED_ENV;
pub use announce::{Announcement, announcements};
pub use files::{Selection, select_files};

use files::{check_object, load_files};
use params::{Values, finish, parameters, seed, user_env_params};
use report::{locate_warning, no_bus_message, report, reword};

/// Environment variables as the plugin sees them, by name.
pub type Env = BTreeMap<String, String>;

/// Argo CD's destination namespace variable; the default namespace of buses.
pub const APP_NAMESPACE_ENV: &str = "ARGOCD_APP_NAMESPACE";
/// Argo CD's JSON list of the parameters set in the Application.
pub const PARAMETERS_ENV: &str = "ARGOCD_APP_PARAMETERS";
/// Prefix of the Application's `plugin.env` entries.
pub const USER_ENV_PREFIX: &str = "ARGOCD_ENV_";
/// Prefix of the per-parameter variables.
pub const PARAM_ENV_PREFIX: &str = "PARAM_";

/// Prefix of the sidecar variables `seedEnv` may name (besides [`SEED_ENV`] itself).
pub const SEED_ENV_PREFIX: &str = "EVENTBUS_GEN_SEED_";
/// Sidecar variable naming the folder that seed files must lie in.
pub const SEEDS_DIR_ENV: &str = "EVENTBUS_GEN_SEEDS_DIR";
/// The seed folder when [`SEEDS_DIR_ENV`] is unset: where the shipped sidecar patch mounts
/// the `eventbus-gen-seed` Secret.
pub const DEFAULT_SEEDS_DIR: &str = "/var/run/eventbus-gen/seeds";

/// Variable prefixes whose values the Application controls; a seed is never read from them.
const APPLICATION_PREFIXES: [&str; 3] = [USER_ENV_PREFIX, PARAM_ENV_PREFIX, "ARGOCD_APP_"];

/// Plugin parameters that choose the input and the seed (the rest are [`RenderOptions`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SourceParams {
    /// Also read the YAML and JSON files of subfolders (hidden ones excepted). Default: false.
    pub recurse: bool,
    /// Read exactly these files (relative to the application folder), in this order, instead of
    /// every `*.yaml`, `*.yml` and `*.json` file of the folder.
    pub files: Vec<String>,
    /// Name of a variable of the plugin's sidecar that holds the seed.
    pub seed_env: Option<String>,
}

/// Everything a `generate` run was told by its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Which files to read.
    pub source: SourceParams,
    /// The render options, with the namespace defaulted and the seed loaded.
    pub options: RenderOptions,
}

/// Why a run failed. Nothing must be written to stdout then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// One line per problem, ready for stderr (no secret is ever in them); past
    /// [`MAX_ERRORS`](crate::frontend::advice::MAX_ERRORS), a last line counts the rest.
    pub messages: Vec<String>,
    /// How many problems there are in all.
    pub problems: usize,
}

/// The kind of a [`Failure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// The folder's documents are invalid, hold no `EventBus`, or lack a token source.
    Input,
    /// The plugin's parameters or environment are wrong, or a file cannot be read.
    Setup,
}

impl Failure {
    fn setup(messages: Vec<String>) -> Self {
        Failure {
            kind: FailureKind::Setup,
            problems: messages.len(),
            messages,
        }
    }

    /// An input failure; past [`MAX_ERRORS`](crate::frontend::advice::MAX_ERRORS) messages,
    /// the rest are counted.
    fn input(mut messages: Vec<String>) -> Self {
        let problems = messages.len();
        let more = crate::frontend::advice::more_errors(problems);
        messages.truncate(crate::frontend::advice::MAX_ERRORS);
        messages.extend(more.map(|m| format!("error: {m}")));
        Failure {
            kind: FailureKind::Input,
            messages,
            problems,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.messages.join("\n"))
    }
}

impl std::error::Error for Failure {}

/// A successful `generate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// The manifests: one YAML stream for stdout.
    pub yaml: String,
    /// Warnings and a one-line summary, for stderr (Argo CD logs it).
    pub notes: Vec<String>,
}

/// Reads the plugin parameters, `ARGOCD_ENV_*` variables and the seed.
///
/// Precedence, lowest first: defaults, `ARGOCD_ENV_*`, then the parameters (taken from
/// `ARGOCD_APP_PARAMETERS` when Argo CD set it, else from the `PARAM_*` variables). The
/// namespace defaults to `ARGOCD_APP_NAMESPACE`. `dir` is the application folder; a seed file
/// inside it is refused.
pub fn settings(dir: &Path, env: &Env) -> Result<Settings, Failure> {
    let mut problems = Vec::new();
    let mut values = Values::default();
    for param in user_env_params(env) {
        values.set(param, &mut problems);
    }
    values.next_layer();
    match parameters(env) {
        Ok(params) => {
            for param in params {
                values.set(param, &mut problems);
            }
        }
        Err(e) => problems.push(e),
    }
    if !problems.is_empty() {
        return Err(Failure::setup(problems));
    }
    let source: SourceParams = finish(values.source)?;
    let mut options: RenderOptions = finish(values.options)?;
    if options.namespace.is_none() {
        options.namespace = env
            .get(APP_NAMESPACE_ENV)
            .filter(|ns| !ns.is_empty())
            .cloned();
    }
    if options.random_tokens {
        return Err(Failure::setup(vec![
            "randomTokens is refused under Argo CD: every render (each refresh, commit or cache \
             expiry) would draw new tokens and restart the bus and its clients. Keep the bus's \
             Secrets in the folder, or give the plugin a seed (see seedFile and seedEnv)"
                .to_owned(),
        ]));
    }
    if options.secrets == crate::SecretsMode::Only {
        return Err(Failure::setup(vec![
            "secrets: only is refused under Argo CD: the application would deploy the bus's \
             Secrets alone, their values passing through Argo CD, and prune the rest of the bus. \
             Make the Secrets once from the command line (or seal them) and set secrets to \
             reference"
                .to_owned(),
        ]));
    }
    if !source.files.is_empty() && source.recurse {
        return Err(Failure::setup(vec![
            "set either files or recurse, not both".to_owned(),
        ]));
    }
    options.seed = seed(dir, &options, &source, env).map_err(|m| Failure::setup(vec![m]))?;
    options.threads = super::threads();
    Ok(Settings { source, options })
}

/// Renders the `EventBus` documents of the application folder `dir` and passes every other
/// Kubernetes document through, as one YAML stream.
///
/// Output order follows the files (sorted paths, or the `files` parameter's order) and the
/// documents in them; each `EventBus` is replaced by its rendered objects. A Secret of the
/// folder that a bus renders again (its existing tokens) is replaced by the rendered one.
pub fn generate(dir: &Path, env: &Env) -> Result<Generated, Failure> {
    let (yaml, notes) = run(dir, env, None)?;
    Ok(Generated {
        yaml: yaml.unwrap_or_default(),
        notes,
    })
}

/// [`generate`], writing the manifests to `out` and returning the notes for stderr.
///
/// When the folder holds buses and nothing else to write (no document passed through, no
/// Secret of the folder that a bus renders again), each bus is written to `out` as soon as it
/// is rendered, so that memory does not grow with the output. That is still all or nothing for
/// the input: every error of the folder (parse, validation, credentials) is found before the
/// first byte is written, and past that point only a write error of `out` (or a bug) can fail.
/// Otherwise the manifests are written once complete.
pub fn generate_to(
    dir: &Path,
    env: &Env,
    out: &mut dyn std::io::Write,
) -> Result<Vec<String>, Failure> {
    let (yaml, notes) = run(dir, env, Some(out))?;
    if let Some(yaml) = yaml {
        out.write_all(yaml.as_bytes())
            .and_then(|()| out.flush())
            .map_err(cannot_write)?;
    }
    Ok(notes)
}

fn cannot_write(e: std::io::Error) -> Failure {
    Failure::setup(vec![format!("cannot write the manifests: {e}")])
}

/// What a stream of rendered buses is written to: the output text, or `out` piece by piece.
struct Stream<'o> {
    /// The text not yet written to `out` (all of it without `out`).
    text: String,
    out: Option<&'o mut dyn std::io::Write>,
    /// The first write error of `out`; nothing more is written after it.
    error: Option<std::io::Error>,
}

impl Stream<'_> {
    /// What the text may hold before it is written to `out`.
    const CHUNK: usize = 64 * 1024;

    /// Writes what the text holds to `out` once it holds a chunk. The text's last newline is
    /// kept: the next object then goes after a separator, as in a stream never cut.
    fn flush(&mut self, all: bool) {
        let Some(out) = self.out.as_deref_mut() else {
            return;
        };
        if !all && self.text.len() < Self::CHUNK {
            return;
        }
        let keep = usize::from(!all && self.text.ends_with('\n'));
        let upto = self.text.len() - keep;
        if self.error.is_none()
            && let Err(e) = out
                .write_all(&self.text.as_bytes()[..upto])
                .and_then(|()| if all { out.flush() } else { Ok(()) })
        {
            self.error = Some(e);
        }
        self.text.drain(..upto);
    }
}

/// Renders the folder. With `out`, a folder of buses alone is written to it as it renders and
/// no text is returned; otherwise the manifests come back whole.
fn run(
    dir: &Path,
    env: &Env,
    out: Option<&mut dyn std::io::Write>,
) -> Result<(Option<String>, Vec<String>), Failure> {
    let settings = settings(dir, env)?;
    let options = &settings.options;
    let Selection { files, skipped } = select_files(dir, &settings.source)?;
    let inputs = load_files(dir, &files)?;
    if inputs.iter().all(|i| i.docs.is_empty()) {
        return Err(Failure::input(vec![no_bus_message(&files)]));
    }
    // The documents are parsed where the files hold them, not copied into one list: a copy of
    // every tree (with its field positions) would double the memory of a large folder.
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for input in &inputs {
        for doc in &input.docs {
            if let Err(m) = check_object(&doc.value) {
                problems.push(format!("{}: error: {m}", input.at(doc.start)));
            }
            docs.push(doc);
        }
    }
    if !problems.is_empty() {
        return Err(Failure::input(problems));
    }
    let parsed = parse_document_refs(&docs, options, true)
        .map_err(|e| report(&inputs, &reword(e, &|_| None)))?;
    drop(docs);
    let mut inputs = inputs;
    if parsed.buses.is_empty() {
        return Err(Failure::input(vec![no_bus_message(&files)]));
    }
    // Each bus is written to text as soon as it is rendered, keeping only the names of its
    // objects for the clash check below: memory holds text, not objects. The buses' texts go
    // one after the other into one stream, which is the output itself when the folder holds
    // nothing else to write (see below).
    let default_ns = options.namespace.clone().unwrap_or_default();
    let id_of = |value: &Value| -> (String, String, String) {
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
        let meta = value.get("metadata");
        let field = |k: &str| meta.and_then(|m| m.get(k)).and_then(Value::as_str);
        let ns = field("namespace").unwrap_or(&default_ns);
        let name = field("name").unwrap_or("");
        (kind.to_owned(), ns.to_owned(), name.to_owned())
    };
    // Only the names a document of the folder has can clash: the others are not kept (70,000
    // objects for 10,000 buses).
    let names_of_folder: BTreeSet<(String, String, String)> = inputs
        .iter()
        .flat_map(|i| i.docs.iter().map(|d| id_of(&d.value)))
        .collect();
    // From here on a document is needed for its place alone (errors and warnings carry their
    // positions), unless it may be passed through: the trees of the buses and of the documents
    // set aside, and every document's field positions, go now rather than after the last bus.
    let rendered_docs: BTreeSet<usize> = parsed.buses.iter().map(|b| b.document).collect();
    for doc in inputs.iter_mut().flat_map(|i| i.docs.iter_mut()) {
        doc.locations = BTreeMap::new();
        if rendered_docs.contains(&doc.index) || parsed.set_aside.contains(&doc.index) {
            doc.value = Value::Null;
        }
    }
    // Every bus renders (validation makes a plan of each, or fails), in input order: when the
    // folder holds nothing else to write, the output is the buses' texts one after the other,
    // and each can be written out as soon as it is rendered.
    let only_buses = inputs
        .iter()
        .flat_map(|i| i.docs.iter())
        .all(|d| rendered_docs.contains(&d.index) || parsed.set_aside.contains(&d.index));
    let mut owners: BTreeMap<(String, String, String), String> = BTreeMap::new();
    let mut stream = Stream {
        text: String::new(),
        out: out.filter(|_| only_buses),
        error: None,
    };
    let streaming = stream.out.is_some();
    let mut by_document: BTreeMap<usize, Range<usize>> = BTreeMap::new();
    let (mut buses, mut objects) = (0usize, 0usize);
    let warnings = crate::validate::validate(&parsed, options)
        .and_then(|plans| {
            crate::pipeline::render_each(&plans, &parsed, options, None, |bus| {
                let rendered = &mut stream.text;
                // append_yaml separates each object from what the stream holds before it.
                let start = match rendered.len() {
                    0 => 0,
                    _ if bus.objects.is_empty() => rendered.len(),
                    len => len + SEPARATOR.len(),
                };
                for o in &bus.objects {
                    let ns = o.metadata().namespace.as_deref().unwrap_or(&default_ns);
                    let id = (o.kind().to_owned(), ns.to_owned(), o.name().to_owned());
                    if names_of_folder.contains(&id) {
                        owners.insert(id, bus.name.clone());
                    }
                    crate::output::append_yaml(rendered, &Item::Rendered(o))?;
                }
                buses += 1;
                objects += bus.objects.len();
                if streaming {
                    stream.flush(false);
                } else {
                    by_document.insert(bus.document, start..rendered.len());
                }
                Ok(())
            })
        })
        .map_err(|e| {
            let bus = |d: usize| parsed.buses.iter().find(|b| b.document == d);
            report(&inputs, &reword(e, &bus))
        })?;

    let mut pieces = Vec::new();
    let (mut passed, mut replaced) = (0usize, 0usize);
    let yaml = if streaming {
        stream.flush(true);
        if let Some(e) = stream.error {
            return Err(cannot_write(e));
        }
        None
    } else {
        Some(stream.text)
    };
    for input in inputs.iter().filter(|_| !streaming) {
        for doc in &input.docs {
            if let Some(range) = by_document.remove(&doc.index) {
                pieces.push(Piece::Bus(range));
                continue;
            }
            // The controller's objects of a bus of the folder (an export of a running bus) are
            // what the render replaces: set aside by the parse, each named in a warning.
            if parsed.set_aside.contains(&doc.index) {
                continue;
            }
            let id = id_of(&doc.value);
            let (kind, ns, name) = &id;
            match owners.get(&id) {
                Some(_) if document_kind(&doc.value) == DocumentKind::Secret => replaced += 1,
                Some(bus) => problems.push(format!(
                    "{}: error: {kind} {ns}/{name} is also rendered for EventBus {bus}; remove \
                     or rename one of them",
                    input.at(doc.start)
                )),
                None => {
                    pieces.push(Piece::Passed(&doc.value));
                    passed += 1;
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(Failure::input(problems));
    }
    let yaml = match yaml {
        Some(rendered) => Some(assemble(rendered, pieces, &by_document)?),
        None => None,
    };

    let mut notes: Vec<String> = skipped;
    notes.extend(
        warnings
            .iter()
            .map(|w| format!("{}: warning: {w}", locate_warning(&inputs, w))),
    );
    let mut summary = format!(
        "eventbus-gen: rendered {buses} EventBus{} into {objects} objects, passed {passed} other \
         document{} through",
        if buses == 1 { "" } else { "es" },
        if passed == 1 { "" } else { "s" },
    );
    if replaced > 0 {
        summary.push_str(&format!(
            ", re-rendered {replaced} bus Secret{} of the folder with {} tokens",
            if replaced == 1 { "" } else { "s" },
            if replaced == 1 { "its" } else { "their" },
        ));
    }
    notes.push(summary);
    Ok((yaml, notes))
}

/// What the output holds, in order: the text of a bus (its place in the rendered stream) or a
/// document of the folder passed through.
enum Piece<'v> {
    Bus(Range<usize>),
    Passed(&'v Value),
}

/// The output of `pieces`, the buses' texts taken from `rendered`.
fn assemble(
    rendered: String,
    pieces: Vec<Piece<'_>>,
    by_document: &BTreeMap<usize, Range<usize>>,
) -> Result<String, Failure> {
    // When the output is every bus's text in the order rendered and nothing else, the stream
    // already written is the output: no second copy of it (tens of MiB for 10,000 buses).
    let mut end = 0;
    let in_order = by_document.is_empty()
        && pieces.iter().all(|p| match p {
            Piece::Bus(r) => {
                let follows = r.start == if end == 0 { 0 } else { end + SEPARATOR.len() };
                end = r.end;
                follows
            }
            Piece::Passed(_) => false,
        })
        && end == rendered.len();
    if in_order {
        return Ok(rendered);
    }
    let mut yaml = String::new();
    for piece in pieces {
        match piece {
            Piece::Bus(range) => {
                if !yaml.is_empty() {
                    yaml.push_str(SEPARATOR);
                }
                yaml.push_str(&rendered[range]);
            }
            Piece::Passed(value) => {
                crate::output::append_yaml(&mut yaml, &Item::Passed(value))
                    .map_err(|e| Failure::setup(vec![e.to_string()]))?;
            }
        }
    }
    Ok(yaml)
}

/// The marker file that makes [`discover`] claim a folder.
pub const MARKER: &str = ".eventbus-gen";

/// Whether the plugin claims the folder `dir`: `Some(MARKER)` when `dir` holds the marker
/// file [`MARKER`] as a regular file (not a link), else `None` ("not ours").
///
/// Only the marker counts, never the folder's content: Argo CD asks plugins before it detects
/// Helm, kustomize or plain manifests, so claiming every folder with an `EventBus` would take
/// over Applications that another tool renders today.
pub fn discover(dir: &Path) -> Option<&'static str> {
    std::fs::symlink_metadata(dir.join(MARKER))
        .is_ok_and(|m| m.is_file())
        .then_some(MARKER)
}

/// An output document: a rendered object, or a document of the folder as read.
#[derive(Serialize)]
#[serde(untagged)]
enum Item<'a> {
    Rendered(&'a Object),
    Passed(&'a Value),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn here() -> PathBuf {
        std::env::temp_dir()
    }

    #[test]
    fn parameters_map_onto_options_by_name() {
        let e = env(&[
            (
                PARAMETERS_ENV,
                r#"[{"name":"podDisruptionBudget","string":"false"},
                    {"name":"commonLabels","map":{"app.kubernetes.io/part-of":"events"}},
                    {"name":"images","map":{"natsStreaming":"r.example/nats:1"}},
                    {"name":"files","array":["a.yaml","b/c.yaml"]},
                    {"name":"namespace","string":""}]"#,
            ),
            ("ARGOCD_ENV_METRICS", "no"),
            ("ARGOCD_ENV_podDisruptionBudget", "true"),
            (APP_NAMESPACE_ENV, "events"),
            // Ignored: ARGOCD_APP_PARAMETERS is authoritative.
            ("PARAM_PODDISRUPTIONBUDGET", "true"),
        ]);
        let s = settings(&here(), &e).unwrap();
        assert!(
            !s.options.pod_disruption_budget,
            "parameters beat ARGOCD_ENV_"
        );
        assert!(!s.options.metrics);
        assert_eq!(
            s.options
                .common_labels
                .get("app.kubernetes.io/part-of")
                .map(String::as_str),
            Some("events")
        );
        assert_eq!(
            s.options.images.nats_streaming.as_deref(),
            Some("r.example/nats:1")
        );
        assert_eq!(s.options.namespace.as_deref(), Some("events"));
        assert_eq!(s.source.files, ["a.yaml", "b/c.yaml"]);
    }

    #[test]
    fn param_variables_are_read_without_the_json_list() {
        let e = env(&[
            ("PARAM_COMPANION", "false"),
            ("PARAM_FILES_1", "second.yaml"),
            ("PARAM_FILES_0", "first.yaml"),
            ("PARAM_COMMONANNOTATIONS", "{team: a, tier: \"1\"}"),
            ("PARAM_NAMESPACE", "ns1"),
        ]);
        let s = settings(&here(), &e).unwrap();
        assert!(!s.options.companion);
        assert_eq!(s.source.files, ["first.yaml", "second.yaml"]);
        assert_eq!(
            s.options.common_annotations.get("tier").map(String::as_str),
            Some("1")
        );
        assert_eq!(s.options.namespace.as_deref(), Some("ns1"));

        let lossy = settings(&here(), &env(&[("PARAM_COMMONLABELS_TEAM", "a")])).unwrap_err();
        assert!(
            lossy.messages[0].contains("upper-cases the keys"),
            "{lossy}"
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let e = env(&[(
            PARAMETERS_ENV,
            r#"[{"name":"podDisruptionBugdet","string":"false"},{"name":"metrics","string":"maybe"}]"#,
        )]);
        let f = settings(&here(), &e).unwrap_err();
        assert_eq!(f.kind, FailureKind::Setup);
        assert!(
            f.messages[0].starts_with("parameter \"podDisruptionBugdet\": unknown parameter"),
            "{f}"
        );
        assert!(f.messages[0].contains("podDisruptionBudget"), "{f}");
        assert!(f.messages[1].contains("metrics"), "{f}");
        assert!(settings(&here(), &env(&[("ARGOCD_ENV_NAMESPCE", "x")])).is_err());
        assert!(settings(&here(), &env(&[(PARAMETERS_ENV, "{")])).is_err());
        assert!(settings(&here(), &env(&[(PARAMETERS_ENV, "null")])).is_ok());
    }

    #[test]
    fn random_tokens_and_application_seeds_are_refused() {
        let f = settings(&here(), &env(&[("PARAM_RANDOMTOKENS", "true")])).unwrap_err();
        assert!(f.messages[0].starts_with("randomTokens is refused"), "{f}");
        let f = settings(
            &here(),
            &env(&[
                ("PARAM_SEEDENV", "ARGOCD_ENV_SEED"),
                ("ARGOCD_ENV_SEED", "0123456789abcdef0"),
            ]),
        );
        // ARGOCD_ENV_SEED is itself an unknown parameter, and the seed source is refused.
        assert!(f.is_err());
        let f = settings(&here(), &env(&[("PARAM_SEEDENV", "PARAM_X_SEED")])).unwrap_err();
        assert!(
            f.messages
                .iter()
                .any(|m| m.contains("come from the Application")),
            "{f}"
        );
        let f = settings(&here(), &env(&[("PARAM_SEEDFILE", "seed.txt")])).unwrap_err();
        assert!(f.messages[0].contains("cannot read the seed"), "{f}");
        // Refused by their path alone, before any read: within milliseconds.
        for file in [
            "/dev/zero",
            "/etc/passwd",
            "/var/run/eventbus-gen/seeds/../../../etc/passwd",
        ] {
            let started = std::time::Instant::now();
            let f = settings(&here(), &env(&[("PARAM_SEEDFILE", file)])).unwrap_err();
            let took = started.elapsed();
            assert!(f.messages[0].contains("is not in the seed folder"), "{f}");
            assert!(
                took < std::time::Duration::from_millis(50),
                "{file}: {took:?}"
            );
        }
    }

    #[test]
    fn seed_sources() {
        let s = settings(&here(), &env(&[(SEED_ENV, "0123456789abcdef-x")])).unwrap();
        assert!(s.options.seed.is_some());
        let s = settings(
            &here(),
            &env(&[
                ("PARAM_SEEDENV", "EVENTBUS_GEN_SEED_TEAM"),
                ("EVENTBUS_GEN_SEED_TEAM", "0123456789abcdef-y"),
            ]),
        )
        .unwrap();
        assert!(s.options.seed.is_some());
        let f = settings(
            &here(),
            &env(&[("PARAM_SEEDENV", "EVENTBUS_GEN_SEED_TEAM")]),
        )
        .unwrap_err();
        assert!(f.messages[0].contains("no such variable"), "{f}");
        let f = settings(
            &here(),
            &env(&[("PARAM_SEEDENV", "PATH"), ("PATH", "0123456789abcdef-z")]),
        )
        .unwrap_err();
        assert!(f.messages[0].contains("only EVENTBUS_GEN_SEED and"), "{f}");
        let f = settings(&here(), &env(&[(SEED_ENV, "short-seed-xyz")])).unwrap_err();
        assert!(
            !f.messages[0].contains("short-seed-xyz"),
            "the seed is never shown"
        );
    }

    #[test]
    fn every_parameter_is_announced_with_text() {
        let a = announcements();
        for p in &a {
            assert!(
                !p.title.is_empty() && !p.tooltip.is_empty(),
                "describe() lacks {}",
                p.name
            );
        }
        let names: Vec<&str> = a.iter().map(|p| p.name.as_str()).collect();
        assert!(names.contains(&"podDisruptionBudget") && names.contains(&"files"));
        assert!(!names.contains(&"randomTokens"));
    }
}
