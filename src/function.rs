//! eventbus-gen as a KRM function for kpt and kustomize.
//!
//! [`run`] takes the text of a [`ResourceList`] and returns the ResourceList to print, the lines
//! for stderr and whether the run succeeded. It works in two modes:
//!
//! - **Transformer** (`kpt fn eval`, `kpt fn render`, kustomize `transformers:`): every
//!   `EventBus` item with a native spec is replaced by its companion exotic bus, and the bus's
//!   other objects (Service, ConfigMap, Secrets, StatefulSet, PodDisruptionBudget) are added to
//!   the item list, or updated in place when they are already there. A native bus marked
//!   `config.kubernetes.io/local-config: "true"` is kept as the editable source and its objects,
//!   the companion included, are upserted instead. Every other item passes through untouched.
//!   Options come from the functionConfig: a `ConfigMap` whose `data` holds the option keys as
//!   strings, or an [`EventBusRenderOptions`](CONFIG_KIND) resource whose `spec` holds them.
//! - **Generator** (kustomize `generators:`): the functionConfig is itself an `EventBus`. Its
//!   objects are appended; options may ride on it in the [`OPTIONS_ANNOTATION`] annotation. The
//!   copy of the config that kustomize puts in `items` is left out of the output.
//!
//! Tokens are kept from the bus's Secrets when the items hold them; otherwise they are derived
//! from the seed (the `seedFile` option or the `EVENTBUS_GEN_SEED` environment variable), or
//! drawn at random when `randomTokens` is set. Without any of these the run fails with an error
//! result that says so.
//!
//! On any error the output items are the input items, unchanged, and [`Outcome::success`] is
//! false. Output is deterministic, and running the function on its own output changes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Location, Warning};
use crate::krm::{self, File, ObjectKey, ResourceList, ResultItem, annotations};
use crate::options::{RenderOptions, Seed};
use crate::parse::{DocumentKind, document_kind};
use crate::render::COMPANION_ANNOTATION;
use crate::yaml::{self, Document, Schema};

/// `apiVersion` of the typed functionConfig.
pub const CONFIG_API_VERSION: &str = "fn.eventbus-gen.dev/v1alpha1";
/// `kind` of the typed functionConfig; its `spec` holds the render options.
pub const CONFIG_KIND: &str = "EventBusRenderOptions";
/// Annotation on a generator's `EventBus` holding render options as a YAML mapping.
pub const OPTIONS_ANNOTATION: &str = "eventbus-gen/options";
/// Environment variable holding the token seed.
pub const SEED_ENV: &str = "EVENTBUS_GEN_SEED";
/// Folder, relative to the folder of a bus's file, that receives its new objects:
/// `rendered/<namespace>/eventbus-<name>.yaml`.
pub const RENDERED_DIR: &str = "rendered";

/// What the function may read besides stdin.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// The value of `EVENTBUS_GEN_SEED`, when set.
    pub seed: Option<Vec<u8>>,
}

/// The result of one run.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The ResourceList to print on stdout (block YAML).
    pub stdout: String,
    /// Lines for stderr: one per error or warning result, then a summary on failure.
    pub stderr: Vec<String>,
    /// False when an error result was produced; the process must then exit 1.
    pub success: bool,
}

/// Runs the function on the text of a ResourceList (YAML or JSON).
pub fn run(input: &str, env: &Environment) -> Outcome {
    let list = match read_list(input) {
        Ok(list) => list,
        Err(message) => return fatal(message),
    };
    let mut stderr = Vec::new();
    if !list.has_known_api_version() {
        stderr.push(format!(
            "eventbus-gen: warning: unexpected ResourceList apiVersion \"{}\"; answering with {}",
            list.api_version,
            krm::API_VERSION
        ));
    }
    let (items, results) = match process(&list, env) {
        Ok(done) => (done.items, done.results),
        Err(results) => (list.items.clone(), results),
    };
    let success = !results.iter().any(|r| r.severity == krm::Severity::Error);
    for r in &results {
        if r.severity != krm::Severity::Info {
            stderr.push(format!("eventbus-gen: {}", r.summary()));
        }
    }
    let errors = results
        .iter()
        .filter(|r| r.severity == krm::Severity::Error)
        .count();
    if !success {
        stderr.push(format!(
            "eventbus-gen: {errors} error{} found; the items were left unchanged",
            if errors == 1 { "" } else { "s" }
        ));
    }
    let out = ResourceList {
        api_version: if list.has_known_api_version() {
            list.api_version.clone()
        } else {
            krm::API_VERSION.to_owned()
        },
        kind: krm::KIND.to_owned(),
        items,
        function_config: list.function_config.clone(),
        // Results describe this run only; those of an earlier run are not carried along.
        results,
    };
    match crate::output::to_yaml(&out) {
        Ok(stdout) => Outcome {
            stdout,
            stderr,
            success,
        },
        Err(e) => fatal(e.to_string()),
    }
}

fn read_list(input: &str) -> Result<ResourceList, String> {
    let mut docs =
        yaml::load_documents_with(input, Schema::Kyaml).map_err(|e| match e.location() {
            Some(l) => format!("stdin:{l}: {e}"),
            None => format!("stdin: {e}"),
        })?;
    if docs.len() != 1 {
        return Err(format!(
            "expected one ResourceList document on stdin, found {} documents",
            docs.len()
        ));
    }
    ResourceList::from_value(docs.remove(0).value).map_err(|e| e.to_string())
}

/// A failure before any item could be read: an empty ResourceList with one error result.
fn fatal(message: String) -> Outcome {
    let mut list = ResourceList::new(Vec::new());
    list.results.push(ResultItem::error(message.clone()));
    let stdout = crate::output::to_yaml(&list).unwrap_or_default();
    Outcome {
        stdout,
        stderr: vec![format!("eventbus-gen: error: {message}")],
        success: false,
    }
}

struct Done {
    items: Vec<Value>,
    results: Vec<ResultItem>,
}

/// Where the render options came from; error paths such as `options.namespace` are mapped to
/// the field of the config that set them.
struct ConfigSource<'a> {
    config: Option<&'a Value>,
    prefix: &'static str,
}

impl ConfigSource<'_> {
    fn result(&self, r: ResultItem, option_path: &str) -> ResultItem {
        let Some(config) = self.config else {
            return r.at_field(option_path);
        };
        let field = match self.prefix {
            "" => String::new(),
            p if option_path.is_empty() => p.trim_end_matches('.').to_owned(),
            p => format!("{p}{option_path}"),
        };
        r.for_item(config).at_field(field)
    }
}

fn process(list: &ResourceList, env: &Environment) -> Result<Done, Vec<ResultItem>> {
    let fc = list
        .function_config
        .as_ref()
        .filter(|c| !krm::is_placeholder_config(c));
    let generator = fc.is_some_and(|c| document_kind(c) == DocumentKind::EventBus);
    let (mut options, source) = read_options(fc, generator)?;
    options.seed = read_seed(&options, env)
        .map_err(|m| vec![source.result(ResultItem::error(m), "seedFile")])?;
    // Secret items are read as the command line reads Secret documents: one that does not
    // parse is an error result, not a Secret silently left out (and then replaced).
    let mut unreadable = Vec::new();
    for item in list
        .items
        .iter()
        .filter(|i| document_kind(i) == DocumentKind::Secret)
    {
        match crate::parse::read_secret(item) {
            Ok(secret) => options.existing_secrets.push(secret),
            Err(e) => unreadable.push(ResultItem::error(e.message).for_item(item).at_field(e.path)),
        }
    }
    if !unreadable.is_empty() {
        return Err(unreadable);
    }

    // The buses to render, each as a document whose index is its position in `items` (the
    // generator's config comes last, past the items).
    let config_index = list.items.len();
    let source_of = |index: usize| -> &Value {
        if index == config_index {
            fc.expect("only a generator has a config bus")
        } else {
            &list.items[index]
        }
    };
    let mut docs = Vec::new();
    let mut dropped = BTreeSet::new();
    for (index, item) in list.items.iter().enumerate() {
        if document_kind(item) != DocumentKind::EventBus {
            continue;
        }
        if generator && fc.is_some_and(|c| is_config_copy(item, c)) {
            dropped.insert(index);
        } else if !is_companion(item) && !is_exotic(item) {
            docs.push(bus_document(item, index));
        }
    }
    if let Some(c) = fc.filter(|_| generator) {
        docs.push(bus_document(c, config_index));
    }

    let rendered = crate::parse_documents(&docs, &options, true)
        .and_then(|parsed| {
            let plans = crate::validate(&parsed, &options)?;
            crate::render_with_rng(&plans, &parsed, &options, Some(&mut rand::rng()))
        })
        .map_err(|errors| {
            errors
                .0
                .iter()
                .map(|e| error_result(e, &source, &source_of))
                .collect::<Vec<_>>()
        })?;

    let mut results: Vec<ResultItem> = rendered
        .warnings
        .iter()
        .map(|w| warning_result(w, &source, &source_of))
        .collect();

    // Assemble the output: input order, rendered objects upserted, new ones appended.
    let mut slots: Vec<Option<Value>> = list.items.iter().cloned().map(Some).collect();
    for &i in &dropped {
        slots[i] = None;
    }
    let mut files = FileIndex::new(&list.items);
    let mut claimed: BTreeSet<usize> = BTreeSet::new();
    let mut appended = Vec::new();
    for bus in &rendered.buses {
        let src_index = bus.document;
        let src = source_of(src_index);
        let keep_source = src_index == config_index || krm::is_local_config(src);
        let dir = krm::file_of(src)
            .map(|f| parent_dir(&f.path).to_owned())
            .unwrap_or_default();
        let target = join_path(
            &dir,
            &format!(
                "{RENDERED_DIR}/{}/eventbus-{}.yaml",
                if bus.namespace.is_empty() {
                    "_"
                } else {
                    &bus.namespace
                },
                bus.name
            ),
        );
        if !keep_source {
            slots[src_index] = None;
        }
        let mut added = 0;
        let mut updated = 0;
        let mut replaced = false;
        for object in &bus.objects {
            let mut value = serde_json::to_value(object).map_err(|e| {
                vec![ResultItem::error(format!(
                    "cannot serialize a rendered object: {e}"
                ))]
            })?;
            let companion = is_companion(&value);
            let key = ObjectKey::of(&value);
            let existing = key.as_ref().and_then(|k| {
                list.items.iter().enumerate().position(|(j, item)| {
                    j != src_index
                        && !claimed.contains(&j)
                        && !dropped.contains(&j)
                        && ObjectKey::of(item).as_ref() == Some(k)
                        && (!companion || is_companion(item))
                })
            });
            if let Some(j) = existing {
                claimed.insert(j);
                copy_orchestrator_annotations(&list.items[j], &mut value, true);
                slots[j] = Some(value);
                updated += 1;
            } else if companion && !keep_source {
                // The companion takes the place (file, index, ids) of the bus it replaces.
                copy_orchestrator_annotations(src, &mut value, false);
                slots[src_index] = Some(value);
                replaced = true;
            } else {
                krm::set_file(&mut value, &files.next(&target));
                appended.push(value);
                added += 1;
            }
        }
        // Objects rendered earlier into this bus's file that this render no longer makes (a
        // PodDisruptionBudget turned off, say) are removed, so that options converge.
        let mut removed = 0;
        for (j, item) in list.items.iter().enumerate() {
            if j != src_index
                && !claimed.contains(&j)
                && slots[j].is_some()
                && krm::file_of(item).is_some_and(|f| f.path == target)
                && rendered_for(item, &bus.name)
            {
                slots[j] = None;
                removed += 1;
            }
        }
        results.push(
            ResultItem::info(format!(
                "rendered EventBus {}/{} into {} objects: {added} added to {target}, {updated} updated in place{}{}",
                bus.namespace,
                bus.name,
                bus.objects.len(),
                if removed > 0 {
                    format!(", {removed} no longer rendered removed")
                } else {
                    String::new()
                },
                if replaced {
                    ", and the companion exotic bus replaces the native spec"
                } else {
                    ""
                }
            ))
            .for_item(src),
        );
    }
    if rendered.buses.is_empty() {
        results.push(ResultItem::info(format!(
            "no EventBus with a native spec among {} items; nothing to render, items passed through unchanged",
            list.items.len()
        )));
    }
    let mut items: Vec<Value> = slots.into_iter().flatten().collect();
    items.extend(appended);
    Ok(Done { items, results })
}

/// Reads the render options from the functionConfig.
fn read_options(
    fc: Option<&Value>,
    generator: bool,
) -> Result<(RenderOptions, ConfigSource<'_>), Vec<ResultItem>> {
    let Some(config) = fc else {
        return Ok((
            RenderOptions::default(),
            ConfigSource {
                config: None,
                prefix: "",
            },
        ));
    };
    let fail = |path: &str, message: String| {
        vec![
            ResultItem::error(message)
                .for_item(config)
                .at_field(path.to_owned()),
        ]
    };
    let api = config.get("apiVersion").and_then(Value::as_str);
    let kind = config.get("kind").and_then(Value::as_str);
    if generator {
        let source = ConfigSource {
            config: Some(config),
            prefix: "",
        };
        let Some(text) = krm::annotation(config, OPTIONS_ANNOTATION) else {
            return Ok((RenderOptions::default(), source));
        };
        let path = format!("metadata.annotations.{OPTIONS_ANNOTATION}");
        let value = yaml::load_documents_with(text, Schema::Kyaml)
            .map_err(|e| fail(&path, format!("not a YAML mapping of render options: {e}")))?
            .into_iter()
            .next()
            .map_or(Value::Object(Map::new()), |d| d.value);
        let options = typed_options(value).map_err(|(p, m)| {
            fail(
                &path,
                format!(
                    "{}{m}",
                    if p.is_empty() {
                        String::new()
                    } else {
                        format!("{p}: ")
                    }
                ),
            )
        })?;
        return Ok((options, source));
    }
    match (api, kind) {
        (Some("v1"), Some("ConfigMap")) => {
            let data = match config.get("data") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(m)) => m.clone(),
                Some(_) => return Err(fail("data", "must be a mapping of strings".into())),
            };
            let options = config_map_options(&data).map_err(|(p, m)| fail(&p, m))?;
            Ok((
                options,
                ConfigSource {
                    config: Some(config),
                    prefix: "data.",
                },
            ))
        }
        (Some(CONFIG_API_VERSION), Some(CONFIG_KIND)) => {
            let spec = config
                .get("spec")
                .cloned()
                .unwrap_or(Value::Object(Map::new()));
            let options = typed_options(spec).map_err(|(p, m)| {
                fail(
                    &if p.is_empty() {
                        "spec".to_owned()
                    } else {
                        format!("spec.{p}")
                    },
                    m,
                )
            })?;
            Ok((
                options,
                ConfigSource {
                    config: Some(config),
                    prefix: "spec.",
                },
            ))
        }
        _ => Err(fail(
            "",
            format!(
                "unsupported functionConfig {}/{}; use a ConfigMap (v1) with the options in data, an {CONFIG_KIND} ({CONFIG_API_VERSION}) with the options in spec, or, as a kustomize generator, the EventBus itself",
                api.unwrap_or("?"),
                kind.unwrap_or("?")
            ),
        )),
    }
}

/// Deserializes render options, reporting the failing field path.
fn typed_options(value: Value) -> Result<RenderOptions, (String, String)> {
    if value.is_null() {
        return Ok(RenderOptions::default());
    }
    serde_path_to_error::deserialize::<_, RenderOptions>(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        (path, e.inner().to_string())
    })
}

const BOOL_KEYS: [&str; 5] = [
    "allowUnknownFields",
    "podDisruptionBudget",
    "metrics",
    "companion",
    "randomTokens",
];
const STRING_KEYS: [&str; 2] = ["namespace", "seedFile"];
const MAP_KEYS: [&str; 3] = ["commonLabels", "commonAnnotations", "images"];
const IMAGE_KEYS: [&str; 2] = ["natsStreaming", "stanMetricsExporter"];

/// Render options from ConfigMap data, where every value is a string: booleans are `"true"` or
/// `"false"`, maps are YAML mappings (`"{team: a}"`), and images may also be set one by one as
/// `images.natsStreaming` and `images.stanMetricsExporter`.
fn config_map_options(data: &Map<String, Value>) -> Result<RenderOptions, (String, String)> {
    let mut obj = Map::new();
    let mut images = Map::new();
    for (key, value) in data {
        let path = format!("data.{key}");
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Bool(_) | Value::Number(_) => value.to_string(),
            _ => return Err((path, "must be a string".into())),
        };
        if BOOL_KEYS.contains(&key.as_str()) {
            let b = match text.as_str() {
                "true" => true,
                "false" => false,
                other => {
                    return Err((
                        path,
                        format!("expected \"true\" or \"false\", found \"{other}\""),
                    ));
                }
            };
            obj.insert(key.clone(), Value::Bool(b));
        } else if STRING_KEYS.contains(&key.as_str()) {
            obj.insert(key.clone(), Value::String(text));
        } else if MAP_KEYS.contains(&key.as_str()) {
            let value = yaml::load_documents_with(&text, Schema::Kyaml)
                .ok()
                .and_then(|d| d.into_iter().next())
                .map(|d| d.value)
                .filter(Value::is_object)
                .ok_or_else(|| {
                    (
                        path.clone(),
                        "expected a YAML mapping, for example \"{team: platform}\"".to_owned(),
                    )
                })?;
            if key == "images" {
                images.extend(value.as_object().cloned().unwrap_or_default());
            } else {
                obj.insert(key.clone(), value);
            }
        } else if let Some(image) = key
            .strip_prefix("images.")
            .filter(|k| IMAGE_KEYS.contains(k))
        {
            images.insert(image.to_owned(), Value::String(text));
        } else {
            let mut known: Vec<String> = BOOL_KEYS
                .iter()
                .chain(STRING_KEYS.iter())
                .chain(MAP_KEYS.iter())
                .map(|k| (*k).to_owned())
                .chain(IMAGE_KEYS.iter().map(|k| format!("images.{k}")))
                .collect();
            known.sort();
            return Err((
                path,
                format!("unknown option; the keys are: {}", known.join(", ")),
            ));
        }
    }
    if !images.is_empty() {
        obj.insert("images".into(), Value::Object(images));
    }
    typed_options(Value::Object(obj)).map_err(|(p, m)| (format!("data.{p}"), m))
}

/// The seed: from the `seedFile` option, else from the environment.
fn read_seed(options: &RenderOptions, env: &Environment) -> Result<Option<Seed>, String> {
    if let Some(path) = &options.seed_file {
        let bytes = std::fs::read(Path::new(path))
            .map_err(|e| format!("cannot read the seed file {path}: {e}"))?;
        return Seed::new(bytes)
            .map(Some)
            .map_err(|m| format!("seed file {path}: {m}"));
    }
    match &env.seed {
        Some(v) if !v.is_empty() => Seed::new(v)
            .map(Some)
            .map_err(|m| format!("{SEED_ENV}: {m}")),
        _ => Ok(None),
    }
}

/// The bus as the library reads it: orchestrator annotations and our options annotation
/// removed, so they never reach the rendered objects.
fn bus_document(item: &Value, index: usize) -> Document {
    let mut value = item.clone();
    let keys: Vec<String> = krm::annotations_of(item)
        .map(|a| {
            a.keys()
                .filter(|k| annotations::is_orchestrator(k) || *k == OPTIONS_ANNOTATION)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    for k in keys {
        krm::remove_annotation(&mut value, &k);
    }
    Document {
        index,
        value,
        locations: BTreeMap::new(),
        start: Location { line: 1, column: 1 },
    }
}

/// Copies the orchestrator annotations of `from` onto `to`. Without `all`, the ones that must
/// not spread (`local-config`, `function`) are left out.
fn copy_orchestrator_annotations(from: &Value, to: &mut Value, all: bool) {
    let Some(anns) = krm::annotations_of(from) else {
        return;
    };
    for (k, v) in anns {
        let skip = !all && (k == annotations::LOCAL_CONFIG || k == annotations::FUNCTION);
        if annotations::is_orchestrator(k)
            && !skip
            && let Some(v) = v.as_str()
        {
            krm::set_annotation(to, k, v);
        }
    }
}

/// True for an object eventbus-gen renders for bus `name`: labelled by the controller for it,
/// or its companion.
fn rendered_for(item: &Value, name: &str) -> bool {
    let labels = &item["metadata"]["labels"];
    let labelled = labels[crate::names::LABEL_CONTROLLER] == crate::names::CONTROLLER_NAME
        && labels[crate::names::LABEL_EVENTBUS_NAME] == name;
    let companion =
        is_companion(item) && item.pointer("/metadata/name") == Some(&Value::from(name));
    labelled || companion
}

fn is_companion(item: &Value) -> bool {
    krm::annotation(item, COMPANION_ANNOTATION) == Some("true")
}

/// An exotic bus (nats.exotic, jetstreamExotic, kafka) has nothing to render: it passes through.
fn is_exotic(item: &Value) -> bool {
    let Some(spec) = item.get("spec") else {
        return false;
    };
    let native = spec.pointer("/nats/native").is_some() || spec.get("jetstream").is_some();
    let exotic = spec.pointer("/nats/exotic").is_some()
        || spec.get("jetstreamExotic").is_some()
        || spec.get("kafka").is_some();
    exotic && !native
}

/// The copy of a generator's config that kustomize puts in `items`: same identity, still
/// carrying the function annotation, and not read from a file.
fn is_config_copy(item: &Value, config: &Value) -> bool {
    ObjectKey::of(item) == ObjectKey::of(config)
        && krm::annotation(item, annotations::FUNCTION).is_some()
        && krm::file_of(item).is_none()
}

fn error_result<'v>(
    e: &Error,
    source: &ConfigSource<'_>,
    source_of: &dyn Fn(usize) -> &'v Value,
) -> ResultItem {
    if let Some(option) = e.path().strip_prefix("options.")
        && e.document().is_none()
    {
        return source.result(ResultItem::error(e.message()), option);
    }
    let Some(index) = e.document() else {
        return ResultItem::error(e.message()).at_field(e.path());
    };
    let item = source_of(index);
    let message = crate::frontend::advice::message(e, &TERMS);
    ResultItem::error(message).for_item(item).at_field(e.path())
}

/// How kpt and kustomize users set what advice asks for.
const TERMS: crate::frontend::advice::Terms = crate::frontend::advice::Terms {
    seed: "set EVENTBUS_GEN_SEED where kpt or kustomize runs (exec functions inherit the \
           environment) or seedFile in the functionConfig",
    secrets: "among the items",
    random: Some("set randomTokens to \"true\" in the functionConfig"),
    no_random: "",
    namespace: "namespace in the functionConfig",
    option: |key| format!("{key} in the functionConfig"),
};

fn warning_result<'v>(
    w: &Warning,
    source: &ConfigSource<'_>,
    source_of: &dyn Fn(usize) -> &'v Value,
) -> ResultItem {
    match w.document {
        Some(index) => ResultItem::warning(w.message.clone())
            .for_item(source_of(index))
            .at_field(w.path.clone()),
        None => source.result(
            ResultItem::warning(w.message.clone()),
            w.path.strip_prefix("options.").unwrap_or(&w.path),
        ),
    }
}

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn join_path(dir: &str, rest: &str) -> String {
    if dir.is_empty() || dir == "." {
        rest.to_owned()
    } else {
        format!("{dir}/{rest}")
    }
}

/// The (path, index) pairs in use, to give new objects a free index in their file.
struct FileIndex {
    used: BTreeSet<(String, usize)>,
}

impl FileIndex {
    fn new(items: &[Value]) -> Self {
        FileIndex {
            used: items
                .iter()
                .filter_map(krm::file_of)
                .map(|f| (f.path, f.index))
                .collect(),
        }
    }

    fn next(&mut self, path: &str) -> File {
        let mut index = 0;
        while self.used.contains(&(path.to_owned(), index)) {
            index += 1;
        }
        self.used.insert((path.to_owned(), index));
        File {
            path: path.to_owned(),
            index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list_with(items: Vec<Value>, config: Option<Value>) -> String {
        let mut list = ResourceList::new(items);
        list.function_config = config;
        serde_json::to_string(&list).unwrap()
    }

    #[test]
    fn passthrough_strings_keep_their_meaning_for_yaml_1_1_and_1_2_readers() {
        let tricky = [
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "n",
            "true",
            "False",
            "null",
            "~",
            "",
            "0755",
            "0x1F",
            "1e3",
            "1_000",
            ".inf",
            "-.NaN",
            "2024-01-01",
            "1:20",
            "<<",
            "=",
            "12",
            "-3.5",
            "a: b",
            "- x",
            "#c",
            "line\nbreak\n",
            "  lead",
            "trail ",
            "tab\tin",
            "\"q\"",
            "'s'",
            "ünï",
            "multi\n\nblank\n\n",
        ];
        let data: Map<String, Value> = tricky
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("k{i}"), Value::String((*s).to_owned())))
            .collect();
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "annotations": {"x": "on"}}, "data": data});
        let out = run(&list_with(vec![cm.clone()], None), &Environment::default());
        assert!(out.success, "{:?}", out.stderr);
        for schema in [Schema::Kubectl, Schema::Kyaml] {
            let doc = yaml::load_documents_with(&out.stdout, schema)
                .unwrap()
                .remove(0);
            assert_eq!(doc.value["items"][0], cm, "{schema:?}\n{}", out.stdout);
        }
    }

    #[test]
    fn config_map_options_convert_strings() {
        let data = json!({"namespace": "ev", "podDisruptionBudget": "false",
            "commonLabels": "{team: a, tier: \"1\"}", "images.natsStreaming": "r/s:1"});
        let o = config_map_options(data.as_object().unwrap()).unwrap();
        assert_eq!(o.namespace.as_deref(), Some("ev"));
        assert!(!o.pod_disruption_budget);
        assert_eq!(o.common_labels["tier"], "1");
        assert_eq!(o.images.nats_streaming.as_deref(), Some("r/s:1"));
        let bad = json!({"metrics": "no"});
        let (path, message) = config_map_options(bad.as_object().unwrap()).unwrap_err();
        assert_eq!(path, "data.metrics");
        assert!(message.contains("\"true\" or \"false\""));
        let bad = json!({"commonLabels": "team"});
        assert_eq!(
            config_map_options(bad.as_object().unwrap()).unwrap_err().0,
            "data.commonLabels"
        );
    }

    #[test]
    fn new_objects_take_the_next_free_index_of_their_file() {
        let taken = json!({"kind": "ConfigMap", "metadata": {"name": "a", "annotations": {
            "internal.config.kubernetes.io/path": "rendered/ns/eventbus-b.yaml",
            "internal.config.kubernetes.io/index": "1"}}});
        let mut files = FileIndex::new(&[taken]);
        let p = "rendered/ns/eventbus-b.yaml";
        assert_eq!(files.next(p).index, 0);
        assert_eq!(files.next(p).index, 2);
        assert_eq!(files.next("other.yaml").index, 0);
        assert_eq!(
            join_path(parent_dir("pkg/sub/bus.yaml"), "r.yaml"),
            "pkg/sub/r.yaml"
        );
        assert_eq!(join_path(parent_dir("bus.yaml"), "r.yaml"), "r.yaml");
    }

    #[test]
    fn exotic_buses_pass_through() {
        let exotic = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
            "metadata": {"name": "ext", "namespace": "ev"},
            "spec": {"nats": {"exotic": {"url": "nats://x:4222", "clusterID": "c"}}}});
        let out = run(
            &list_with(vec![exotic.clone()], None),
            &Environment::default(),
        );
        assert!(out.success, "{:?}", out.stderr);
        let doc = yaml::load_documents_with(&out.stdout, Schema::Kyaml)
            .unwrap()
            .remove(0);
        assert_eq!(doc.value["items"], json!([exotic]));
        assert!(
            doc.value["results"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("no EventBus with a native spec")
        );
    }

    #[test]
    fn a_short_seed_is_an_error_that_does_not_show_it() {
        let bus = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
            "metadata": {"name": "b", "namespace": "ev"}, "spec": {"nats": {"native": {}}}});
        let env = Environment {
            seed: Some(b"tiny-secret".to_vec()),
        };
        let out = run(&list_with(vec![bus], None), &env);
        assert!(!out.success);
        assert!(
            !out.stdout.contains("tiny-secret") && !out.stderr.concat().contains("tiny-secret")
        );
        assert!(out.stderr[0].contains(SEED_ENV));
    }
}
