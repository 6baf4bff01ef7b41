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
//! Parameter names are the camelCase field names of [`RenderOptions`] (the same keys as the
//! options file and the KRM config), plus the few in [`SourceParams`]. They are matched by
//! serde, so a field added to `RenderOptions` becomes a parameter with no change here; names
//! compare ignoring case and punctuation, so `ARGOCD_ENV_POD_DISRUPTION_BUDGET` sets
//! `podDisruptionBudget`.
//!
//! Generation is safe by default: any problem, or a folder without an `EventBus`, is a
//! [`Failure`] and no manifest at all is produced, because Argo CD would read an empty manifest
//! set as "delete everything". Tokens are never random here; they come from a Secret in the
//! folder or from a seed that the plugin's sidecar holds (never from the Application, which
//! anyone who can read it sees).
//!
//! This module reads files under the application directory (and the seed file), but never the
//! process environment: callers pass the variables in as an [`Env`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Errors, Warning};
use crate::options::{RenderOptions, Seed};
use crate::parse::{DocumentKind, ParsedBus, document_kind};
use crate::parse_documents;
use crate::render::Object;
use crate::yaml::{self, Document};

/// Environment variables as the plugin sees them, by name.
pub type Env = BTreeMap<String, String>;

/// The sidecar variable read for the seed when no parameter names another source.
pub const SEED_ENV: &str = "EVENTBUS_GEN_SEED";
/// Argo CD's destination namespace variable; the default namespace of buses.
pub const APP_NAMESPACE_ENV: &str = "ARGOCD_APP_NAMESPACE";
/// Argo CD's JSON list of the parameters set in the Application.
pub const PARAMETERS_ENV: &str = "ARGOCD_APP_PARAMETERS";
/// Prefix of the Application's `plugin.env` entries.
pub const USER_ENV_PREFIX: &str = "ARGOCD_ENV_";
/// Prefix of the per-parameter variables.
pub const PARAM_ENV_PREFIX: &str = "PARAM_";

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
    /// One line per problem, ready for stderr (no secret is ever in them).
    pub messages: Vec<String>,
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
            messages,
        }
    }

    fn input(messages: Vec<String>) -> Self {
        Failure {
            kind: FailureKind::Input,
            messages,
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
    let source: SourceParams = finish(values.source, "source parameters")?;
    let mut options: RenderOptions = finish(values.options, "render options")?;
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
    if !source.files.is_empty() && source.recurse {
        return Err(Failure::setup(vec![
            "set either files or recurse, not both".to_owned(),
        ]));
    }
    options.seed = seed(dir, &options, &source, env).map_err(|m| Failure::setup(vec![m]))?;
    Ok(Settings { source, options })
}

/// Renders the `EventBus` documents of the application folder `dir` and passes every other
/// Kubernetes document through, as one YAML stream.
///
/// Output order follows the files (sorted paths, or the `files` parameter's order) and the
/// documents in them; each `EventBus` is replaced by its rendered objects. A Secret of the
/// folder that a bus renders again (its existing tokens) is replaced by the rendered one.
pub fn generate(dir: &Path, env: &Env) -> Result<Generated, Failure> {
    let settings = settings(dir, env)?;
    let options = &settings.options;
    let files = select_files(dir, &settings.source).map_err(|m| Failure::setup(vec![m]))?;
    let inputs = load_files(dir, &files)?;
    if inputs.iter().all(|i| i.docs.is_empty()) {
        return Err(Failure::input(vec![no_bus_message(&files)]));
    }
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for input in &inputs {
        for doc in &input.docs {
            if let Err(m) = check_object(&doc.value) {
                problems.push(format!("{}: error: {m}", input.at(doc.start)));
            }
            docs.push(doc.clone());
        }
    }
    if !problems.is_empty() {
        return Err(Failure::input(problems));
    }
    let parsed = parse_documents(&docs, options, true)
        .map_err(|e| report(&inputs, &reword(e, &|_| None)))?;
    if parsed.buses.is_empty() {
        return Err(Failure::input(vec![no_bus_message(&files)]));
    }
    let rendered = crate::validate::validate(&parsed, options)
        .and_then(|plans| crate::render(&plans, &parsed, options))
        .map_err(|e| {
            let bus = |d: usize| parsed.buses.iter().find(|b| b.document == d);
            report(&inputs, &reword(e, &bus))
        })?;

    let default_ns = options.namespace.clone().unwrap_or_default();
    let mut owners: BTreeMap<(&str, &str, &str), &str> = BTreeMap::new();
    for bus in &rendered.buses {
        for o in &bus.objects {
            let ns = o.metadata().namespace.as_deref().unwrap_or(&default_ns);
            owners.insert((o.kind(), ns, o.name()), &bus.name);
        }
    }
    let by_document: BTreeMap<usize, &crate::render::RenderedBus> =
        rendered.buses.iter().map(|b| (b.document, b)).collect();
    let mut items = Vec::new();
    let (mut passed, mut replaced) = (0usize, 0usize);
    for input in &inputs {
        for doc in &input.docs {
            if let Some(bus) = by_document.get(&doc.index) {
                items.extend(bus.objects.iter().map(Item::Rendered));
                continue;
            }
            let kind = doc.value.get("kind").and_then(Value::as_str).unwrap_or("");
            let meta = doc.value.get("metadata");
            let field = |k: &str| meta.and_then(|m| m.get(k)).and_then(Value::as_str);
            let ns = field("namespace").unwrap_or(&default_ns);
            let name = field("name").unwrap_or("");
            match owners.get(&(kind, ns, name)) {
                Some(_) if document_kind(&doc.value) == DocumentKind::Secret => replaced += 1,
                Some(bus) => problems.push(format!(
                    "{}: error: {kind} {ns}/{name} is also rendered for EventBus {bus}; remove \
                     or rename one of them",
                    input.at(doc.start)
                )),
                None => {
                    items.push(Item::Passed(&doc.value));
                    passed += 1;
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(Failure::input(problems));
    }
    let yaml =
        crate::output::to_yaml_stream(&items).map_err(|e| Failure::setup(vec![e.to_string()]))?;

    let mut notes: Vec<String> = rendered
        .warnings
        .iter()
        .map(|w| format!("{}: warning: {w}", locate_warning(&inputs, w)))
        .collect();
    let buses = rendered.buses.len();
    let objects = rendered
        .buses
        .iter()
        .map(|b| b.objects.len())
        .sum::<usize>();
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
    Ok(Generated { yaml, notes })
}

/// The files of the application folder that hold at least one `EventBus` document, as
/// slash-separated paths relative to `dir`, in reading order. Empty means "not ours".
///
/// Honours the `files` and `recurse` parameters when they are readable; files that do not
/// load are skipped, since discovery only has to recognise a folder.
pub fn discover(dir: &Path, env: &Env) -> Result<Vec<String>, Failure> {
    let source = source_params_lenient(env);
    let files = select_files(dir, &source).map_err(|m| Failure::setup(vec![m]))?;
    Ok(files
        .into_iter()
        .filter(|f| {
            std::fs::read_to_string(dir.join(f))
                .ok()
                .and_then(|text| yaml::load_documents(&text).ok())
                .is_some_and(|docs| {
                    docs.iter()
                        .any(|d| document_kind(&d.value) == DocumentKind::EventBus)
                })
        })
        .collect())
}

/// One entry of `parameters` in `plugin.yaml`, as Argo CD reads it (and as a
/// `parameters.dynamic` command prints them, in a JSON list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Announcement {
    /// The parameter name.
    pub name: String,
    /// Short label in the UI.
    pub title: String,
    /// Help text in the UI.
    pub tooltip: String,
    /// Whether the UI asks for it.
    pub required: bool,
    /// Type hint of the values (`string` or `boolean`); values always arrive as strings.
    pub item_type: String,
    /// `string`, `array` or `map`.
    pub collection_type: String,
    /// Default shown for a string parameter (not sent to the plugin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
}

/// Every parameter the plugin reads, with its UI text: the [`RenderOptions`] fields (except
/// `randomTokens`, which is refused), then the [`SourceParams`] fields.
pub fn announcements() -> Vec<Announcement> {
    let mut out = Vec::new();
    for (name, default) in defaults::<RenderOptions>()
        .into_iter()
        .chain(defaults::<SourceParams>())
    {
        if name == "randomTokens" {
            continue;
        }
        let (title, tooltip) = describe(&name).unwrap_or_default();
        let collection_type = match default {
            Value::Object(_) => "map",
            Value::Array(_) => "array",
            _ => "string",
        };
        out.push(Announcement {
            title: title.to_owned(),
            tooltip: tooltip.to_owned(),
            required: false,
            item_type: if default.is_boolean() {
                "boolean"
            } else {
                "string"
            }
            .to_owned(),
            collection_type: collection_type.to_owned(),
            string: match &default {
                Value::Bool(b) => Some(b.to_string()),
                Value::String(s) => Some(s.clone()),
                _ => None,
            },
            name,
        });
    }
    out
}

/// UI text of the known parameters. A new option needs a line here (a test checks).
fn describe(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "recurse" => (
            "Read subfolders",
            "Also read the YAML and JSON files of subfolders (hidden ones excepted).",
        ),
        "files" => (
            "Files",
            "Read exactly these files, relative to the application path and in this order, \
             instead of every YAML and JSON file of the folder.",
        ),
        "seedEnv" => (
            "Seed variable",
            "Name of a variable of the plugin sidecar (set from a Kubernetes Secret) holding the \
             seed of derived tokens. Default: EVENTBUS_GEN_SEED.",
        ),
        "namespace" => (
            "Namespace",
            "Namespace of buses without metadata.namespace. Default: the Application's \
             destination namespace.",
        ),
        "allowUnknownFields" => (
            "Allow unknown fields",
            "Drop fields the EventBus resource does not have, with a warning, instead of failing.",
        ),
        "podDisruptionBudget" => (
            "PodDisruptionBudget",
            "Render a PodDisruptionBudget for each native bus.",
        ),
        "metrics" => (
            "Metrics sidecar",
            "Run the Prometheus exporter sidecar next to each NATS server.",
        ),
        "companion" => (
            "Companion EventBus",
            "Render an exotic EventBus with the bus's name that points at the rendered Service, \
             so EventSources and Sensors keep working.",
        ),
        "images" => (
            "Images",
            "Container images by role (natsStreaming, stanMetricsExporter, nats, \
             jetstreamMetricsExporter, configReloader); unset ones use the version table.",
        ),
        "jetstreamVersions" => (
            "JetStream versions",
            "Entries added to the JetStream version table, one YAML mapping each: {version, \
             natsImage, metricsExporterImage, configReloaderImage, startCommand}.",
        ),
        "jetstreamDefaults" => (
            "JetStream defaults",
            "The controller config's JetStream defaults: settings (text of the jetstream block) \
             and streamConfig (stream settings YAML that each bus's streamConfig is merged over).",
        ),
        "certificateValidity" => (
            "Certificate validity",
            "Validity window of the JetStream TLS certificates (notBefore, notAfter as RFC 3339 \
             times).",
        ),
        "commonLabels" => ("Common labels", "Labels added to every rendered object."),
        "commonAnnotations" => (
            "Common annotations",
            "Annotations added to every rendered object.",
        ),
        "seedFile" => (
            "Seed file",
            "Absolute path of a file in the plugin sidecar holding the seed of derived tokens, \
             such as a key of a mounted Kubernetes Secret (/var/run/eventbus-gen/seeds/KEY with \
             the shipped sidecar patch).",
        ),
        _ => return None,
    })
}

/// Where a parameter value came from, for messages.
#[derive(Clone, Debug)]
struct Param {
    name: String,
    value: ParamValue,
    origin: String,
}

/// A raw parameter value, as Argo CD hands it over.
#[derive(Clone, Debug)]
enum ParamValue {
    String(String),
    Array(Vec<String>),
    Map(BTreeMap<String, String>),
}

/// One entry of `ARGOCD_APP_PARAMETERS`.
#[derive(Deserialize)]
struct AppParameter {
    name: String,
    string: Option<String>,
    array: Option<Vec<String>>,
    map: Option<BTreeMap<String, String>>,
}

/// Parameter values collected so far, split by the struct they set.
#[derive(Default)]
struct Values {
    source: Map<String, Value>,
    options: Map<String, Value>,
}

impl Values {
    /// Checks `param` against the known names and types, and records it.
    fn set(&mut self, param: Param, problems: &mut Vec<String>) {
        let wanted = normalize(&param.name);
        let source = defaults::<SourceParams>();
        let options = defaults::<RenderOptions>();
        let found = |m: &Map<String, Value>| m.keys().find(|k| normalize(k) == wanted).cloned();
        let (name, coerced, target) = if let Some(n) = found(&source) {
            let c = coerce::<SourceParams>(&n, &param);
            (n, c, &mut self.source)
        } else if let Some(n) = found(&options) {
            let c = coerce::<RenderOptions>(&n, &param);
            (n, c, &mut self.options)
        } else {
            let known: Vec<&str> = options
                .keys()
                .chain(source.keys())
                .map(String::as_str)
                .filter(|k| *k != "randomTokens")
                .collect();
            problems.push(format!(
                "{}: unknown parameter \"{}\"; known parameters: {}",
                param.origin,
                param.name,
                known.join(", ")
            ));
            return;
        };
        match coerced {
            Ok(Some(value)) => {
                target.insert(name, value);
            }
            // An empty string keeps the default.
            Ok(None) => {
                target.remove(&name);
            }
            Err(m) if param.origin.starts_with("parameter") => {
                problems.push(format!("{}: {m}", param.origin));
            }
            Err(m) => problems.push(format!("{} (parameter {name}): {m}", param.origin)),
        }
    }
}

/// The top-level fields of `T`'s default, by name: the parameter names and type hints.
fn defaults<T: Default + Serialize>() -> Map<String, Value> {
    match serde_json::to_value(T::default()) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Lower-case ASCII letters and digits only: `POD_DISRUPTION_BUDGET` and `podDisruptionBudget`
/// compare equal.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Turns a raw value into the JSON value that field `name` of `T` accepts, trying the readings
/// of a string in turn: as is, as YAML (`false`, `{a: b}`, `[x, y]`), as a comma-separated list.
/// `Ok(None)` for an empty string (keep the default); the error is serde's message.
fn coerce<T: DeserializeOwned>(name: &str, param: &Param) -> Result<Option<Value>, String> {
    // Each candidate comes with whether its error is the one to report: the YAML reading's,
    // which names the offending value best.
    let candidates = match &param.value {
        ParamValue::String(s) if s.trim().is_empty() => return Ok(None),
        ParamValue::String(s) => {
            let mut c = vec![(Value::String(s.clone()), false)];
            if let Ok(docs) = yaml::load_documents(s)
                && let [doc] = docs.as_slice()
            {
                c.push((doc.value.clone(), true));
            }
            c.push((
                Value::Array(
                    s.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(|p| Value::String(p.to_owned()))
                        .collect(),
                ),
                false,
            ));
            c
        }
        ParamValue::Array(items) => vec![
            (
                Value::Array(items.iter().cloned().map(Value::String).collect()),
                true,
            ),
            // Items that are YAML mappings, such as JetStream version entries.
            (
                Value::Array(
                    items
                        .iter()
                        .map(|i| match yaml::load_documents(i).ok().as_deref() {
                            Some([doc]) => doc.value.clone(),
                            _ => Value::String(i.clone()),
                        })
                        .collect(),
                ),
                false,
            ),
        ],
        ParamValue::Map(map) => vec![(
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            ),
            true,
        )],
    };
    let mut errors = Vec::new();
    for (candidate, report) in candidates {
        let probe = Value::Object(Map::from_iter([(name.to_owned(), candidate.clone())]));
        match serde_json::from_value::<T>(probe) {
            Ok(_) => return Ok(Some(candidate)),
            Err(e) => errors.push((e.to_string(), report)),
        }
    }
    let reported = errors.iter().find(|(_, r)| *r).or(errors.first());
    Err(reported.map(|(e, _)| e.clone()).unwrap_or_default())
}

/// Deserializes the collected values (defaults fill the rest).
fn finish<T: DeserializeOwned>(values: Map<String, Value>, what: &str) -> Result<T, Failure> {
    serde_json::from_value(Value::Object(values))
        .map_err(|e| Failure::setup(vec![format!("invalid {what}: {e}")]))
}

/// The `ARGOCD_ENV_*` variables, as parameters.
fn user_env_params(env: &Env) -> Vec<Param> {
    env.iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix(USER_ENV_PREFIX)?;
            Some(Param {
                name: name.to_owned(),
                value: ParamValue::String(v.clone()),
                origin: k.clone(),
            })
        })
        .collect()
}

/// The parameters set in the Application: from `ARGOCD_APP_PARAMETERS` when present (JSON
/// `null` means none), else from the `PARAM_*` variables.
fn parameters(env: &Env) -> Result<Vec<Param>, String> {
    if let Some(json) = env.get(PARAMETERS_ENV) {
        let list: Option<Vec<AppParameter>> = serde_json::from_str(json)
            .map_err(|e| format!("{PARAMETERS_ENV} is not a JSON list of parameters: {e}"))?;
        return list
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let origin = format!("parameter \"{}\"", p.name);
                let value = match (p.string, p.array, p.map) {
                    (Some(s), None, None) => ParamValue::String(s),
                    (None, Some(a), None) => ParamValue::Array(a),
                    (None, None, Some(m)) => ParamValue::Map(m),
                    (None, None, None) => ParamValue::String(String::new()),
                    _ => return Err(format!("{origin}: give one of string, array and map")),
                };
                Ok(Param {
                    name: p.name,
                    value,
                    origin,
                })
            })
            .collect();
    }
    param_env_params(env)
}

/// Rebuilds parameters from `PARAM_<NAME>`, `PARAM_<NAME>_<i>` and `PARAM_<NAME>_<KEY>`
/// variables (used when `ARGOCD_APP_PARAMETERS` is absent, as in a local run).
fn param_env_params(env: &Env) -> Result<Vec<Param>, String> {
    let mut known: Vec<(String, Value)> = defaults::<SourceParams>()
        .into_iter()
        .chain(defaults::<RenderOptions>())
        .collect();
    // Longest first, so that a name that prefixes another one never steals its variables.
    known.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let mut strings = BTreeMap::new();
    let mut arrays: BTreeMap<String, BTreeMap<usize, String>> = BTreeMap::new();
    let mut out = Vec::new();
    for (var, value) in env {
        let Some(rest) = var.strip_prefix(PARAM_ENV_PREFIX) else {
            continue;
        };
        let mut matched = false;
        for (name, default) in &known {
            let upper = param_env_name(name);
            if rest == upper || normalize(rest) == normalize(name) {
                strings.insert(name.clone(), (var.clone(), value.clone()));
            } else if let Some(suffix) = rest.strip_prefix(&format!("{upper}_")) {
                match (default, suffix.parse::<usize>()) {
                    (Value::Array(_), Ok(i)) => {
                        arrays
                            .entry(name.clone())
                            .or_default()
                            .insert(i, value.clone());
                    }
                    (Value::Object(_), _) => {
                        return Err(format!(
                            "{var}: Argo CD upper-cases the keys of map parameters in PARAM_* \
                             variables, so {name} can only be read from {PARAMETERS_ENV}, or from \
                             a single PARAM_{upper} variable holding the map as YAML"
                        ));
                    }
                    _ => continue,
                }
            } else {
                continue;
            }
            matched = true;
            break;
        }
        if !matched {
            out.push(Param {
                name: rest.to_owned(),
                value: ParamValue::String(value.clone()),
                origin: var.clone(),
            });
        }
    }
    for (name, (origin, value)) in strings {
        out.push(Param {
            name,
            value: ParamValue::String(value),
            origin,
        });
    }
    for (name, items) in arrays {
        out.push(Param {
            origin: format!("{PARAM_ENV_PREFIX}{}_*", param_env_name(&name)),
            name,
            value: ParamValue::Array(items.into_values().collect()),
        });
    }
    Ok(out)
}

/// Argo CD's variable name part for a parameter: upper case, other characters as `_`.
fn param_env_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The source parameters, or the defaults when they do not read (for discovery).
fn source_params_lenient(env: &Env) -> SourceParams {
    let mut values = Values::default();
    let mut ignored = Vec::new();
    for param in user_env_params(env)
        .into_iter()
        .chain(parameters(env).unwrap_or_default())
    {
        values.set(param, &mut ignored);
    }
    let source: SourceParams = finish(values.source, "").unwrap_or_default();
    if !source.files.is_empty() && source.recurse {
        return SourceParams::default();
    }
    source
}

/// The seed: from `seedFile`, else from the variable `seedEnv` names, else from
/// `EVENTBUS_GEN_SEED`. Messages never show seed bytes.
fn seed(
    dir: &Path,
    options: &RenderOptions,
    source: &SourceParams,
    env: &Env,
) -> Result<Option<Seed>, String> {
    match (&options.seed_file, &source.seed_env) {
        (Some(_), Some(_)) => Err("set either seedFile or seedEnv, not both".to_owned()),
        (Some(file), None) => {
            let path = Path::new(file);
            if !path.is_absolute() {
                return Err(format!(
                    "seedFile must be an absolute path in the plugin sidecar (a mounted Secret), \
                     got \"{file}\"; a seed in the repository would be in Git for anyone to read"
                ));
            }
            let canonical = path
                .canonicalize()
                .map_err(|e| format!("cannot read the seed file {file}: {e}"))?;
            if let Ok(app) = dir.canonicalize()
                && canonical.starts_with(app)
            {
                return Err(format!(
                    "seedFile {file} is inside the application folder; mount the seed into the \
                     plugin sidecar from a Kubernetes Secret instead of keeping it in Git"
                ));
            }
            let bytes = std::fs::read(&canonical)
                .map_err(|e| format!("cannot read the seed file {file}: {e}"))?;
            Seed::new(bytes)
                .map(Some)
                .map_err(|m| format!("seed file {file}: {m}"))
        }
        (None, Some(var)) => {
            if let Some(prefix) = APPLICATION_PREFIXES.iter().find(|p| var.starts_with(**p)) {
                return Err(format!(
                    "seedEnv names {var}, but {prefix}* variables come from the Application, \
                     which anyone who can read it sees; name a variable of the plugin sidecar \
                     set from a Kubernetes Secret"
                ));
            }
            match env.get(var) {
                Some(v) if !v.is_empty() => Seed::new(v)
                    .map(Some)
                    .map_err(|m| format!("seed variable {var}: {m}")),
                _ => Err(format!(
                    "seedEnv names {var}, but the plugin sidecar has no such variable (or it is \
                     empty)"
                )),
            }
        }
        (None, None) => match env.get(SEED_ENV) {
            Some(v) if !v.is_empty() => Seed::new(v)
                .map(Some)
                .map_err(|m| format!("{SEED_ENV}: {m}")),
            _ => Ok(None),
        },
    }
}

/// The input files, as slash-separated paths relative to `dir`.
///
/// With `files`, exactly those in that order. Otherwise every `*.yaml`, `*.yml` and `*.json`
/// file of `dir` (and of its subfolders with `recurse`), hidden entries and symbolic links to
/// folders excepted, sorted by path.
pub fn select_files(dir: &Path, source: &SourceParams) -> Result<Vec<String>, String> {
    if !source.files.is_empty() {
        let mut seen = BTreeSet::new();
        for f in &source.files {
            let p = Path::new(f);
            let inside = p
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
            if !inside {
                return Err(format!(
                    "files: \"{f}\" must be a path relative to the application folder, without \
                     \"..\""
                ));
            }
            if !dir.join(p).is_file() {
                return Err(format!(
                    "files: \"{f}\" is not a file in the application folder"
                ));
            }
            if !seen.insert(p.components().collect::<PathBuf>()) {
                return Err(format!("files: \"{f}\" is listed twice"));
            }
        }
        return Ok(source.files.clone());
    }
    let mut out = Vec::new();
    walk(dir, "", source.recurse, &mut out)
        .map_err(|e| format!("cannot read the application folder: {e}"))?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, recurse: bool, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let rel = format!("{prefix}{name}");
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if recurse {
                walk(&entry.path(), &format!("{rel}/"), recurse, out)?;
            }
        } else if [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e))
            && entry.path().is_file()
        {
            out.push(rel);
        }
    }
    Ok(())
}

/// One loaded file; its documents carry indices unique over all files.
struct Input {
    name: String,
    docs: Vec<Document>,
}

impl Input {
    fn at(&self, l: crate::error::Location) -> String {
        format!("{}:{l}", self.name)
    }
}

fn load_files(dir: &Path, files: &[String]) -> Result<Vec<Input>, Failure> {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    for name in files {
        let text = std::fs::read(dir.join(name))
            .map_err(|e| Failure::setup(vec![format!("cannot read {name}: {e}")]))?;
        let Ok(text) = String::from_utf8(text) else {
            problems.push(format!("{name}: error: not UTF-8 text"));
            continue;
        };
        match yaml::load_numbered(&text, offset) {
            // A `kind: List` (kubectl's export of several objects) stands for its items.
            Ok(docs) => {
                offset += docs.len();
                inputs.push(Input {
                    name: name.clone(),
                    docs,
                });
            }
            Err(e) => problems.push(match e.location() {
                Some(l) => format!("{name}:{l}: error: {e}"),
                None => format!("{name}: error: {e}"),
            }),
        }
    }
    if problems.is_empty() {
        Ok(inputs)
    } else {
        Err(Failure::input(problems))
    }
}

/// A document must be a Kubernetes object to be passed through (as Argo CD requires).
fn check_object(value: &Value) -> Result<(), String> {
    let has = |k: &str| {
        value
            .get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if !value.is_object() {
        return Err(
            "this document is not a mapping; every document must be a Kubernetes \
                    object (use the files parameter to leave other files out)"
                .to_owned(),
        );
    }
    if !has("apiVersion") || !has("kind") {
        return Err(
            "this document has no apiVersion or kind, so it is not a Kubernetes \
                    object (use the files parameter to leave other files out)"
                .to_owned(),
        );
    }
    Ok(())
}

fn no_bus_message(files: &[String]) -> String {
    let read = if files.is_empty() {
        "no YAML or JSON file was found".to_owned()
    } else {
        format!("read {}", files.join(", "))
    };
    format!(
        "error: no EventBus document in the application folder ({read}); refusing to \
         produce manifests without a bus, which Argo CD would prune"
    )
}

/// The file and position of an error, by its document index.
fn locate(inputs: &[Input], document: Option<usize>) -> Option<&Input> {
    let d = document?;
    inputs
        .iter()
        .find(|i| i.docs.iter().any(|doc| doc.index == d))
}

fn report(inputs: &[Input], errors: &Errors) -> Failure {
    Failure::input(
        errors
            .as_slice()
            .iter()
            .map(|e| {
                let file = locate(inputs, e.document()).map(|i| i.name.as_str());
                let at = match (file, e.location()) {
                    (Some(f), Some(l)) => format!("{f}:{l}: "),
                    (Some(f), None) => format!("{f}: "),
                    (None, _) => String::new(),
                };
                format!("{at}error: {e}")
            })
            .collect(),
    )
}

fn locate_warning(inputs: &[Input], w: &Warning) -> String {
    match (locate(inputs, w.document), w.location) {
        (Some(i), Some(l)) => i.at(l),
        (Some(i), None) => i.name.clone(),
        (None, _) => "eventbus-gen".to_owned(),
    }
}

/// How Argo CD users set what advice asks for: plugin parameters and sidecar variables.
const TERMS: crate::frontend::advice::Terms = crate::frontend::advice::Terms {
    seed: "give the plugin a seed (set EVENTBUS_GEN_SEED in the plugin sidecar from a \
           Kubernetes Secret, or name a mounted file with the seedFile parameter or another \
           sidecar variable with seedEnv)",
    secrets: "in the folder",
    random: None,
    no_random: "Random tokens are never drawn under Argo CD",
    namespace: "the namespace parameter, or the Application's destination namespace",
    option: |key| format!("the {key} parameter"),
};

/// Errors worded for Argo CD users, located in the files of the folder.
fn reword<'a>(errors: Errors, bus_of: &dyn Fn(usize) -> Option<&'a ParsedBus>) -> Errors {
    Errors(
        errors
            .0
            .into_iter()
            .map(|e| {
                let message = crate::frontend::advice::message(&e, &TERMS);
                if message == e.message() {
                    return e;
                }
                let at = e.location().or_else(|| {
                    e.document()
                        .and_then(bus_of)
                        .and_then(|b| b.locate(e.path()))
                });
                let out = Error::new(e.kind(), e.path(), message).at(at);
                match e.document() {
                    Some(d) => out.in_document(d),
                    None => out,
                }
            })
            .collect(),
    )
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
        assert!(f.messages[0].contains("absolute path"), "{f}");
    }

    #[test]
    fn seed_sources() {
        let s = settings(&here(), &env(&[(SEED_ENV, "0123456789abcdef-x")])).unwrap();
        assert!(s.options.seed.is_some());
        let s = settings(
            &here(),
            &env(&[
                ("PARAM_SEEDENV", "TEAM_SEED"),
                ("TEAM_SEED", "0123456789abcdef-y"),
            ]),
        )
        .unwrap();
        assert!(s.options.seed.is_some());
        let f = settings(&here(), &env(&[("PARAM_SEEDENV", "TEAM_SEED")])).unwrap_err();
        assert!(f.messages[0].contains("no such variable"), "{f}");
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
