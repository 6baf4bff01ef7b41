//! eventbus-gen as a KRM function for kpt and kustomize.
//!
//! [`run`] takes the text of a [`ResourceList`] and returns the ResourceList to print, the lines
//! for stderr and whether the run succeeded. It works in two modes:
//!
//! - **Transformer** (`kpt fn eval`, `kpt fn render`, kustomize `transformers:`): every
//!   `EventBus` item with a native spec is replaced by its companion exotic bus, and the bus's
//!   other objects (Service, ConfigMap, Secrets, StatefulSet, PodDisruptionBudget) are added to
//!   the item list, or updated in place when they are already there (and reported unchanged
//!   when they already hold the render). A native bus marked
//!   `config.kubernetes.io/local-config: "true"` is kept as the editable source and its objects,
//!   the companion included, are upserted instead. Under kpt, a native bus without the mark
//!   gets it on its first render, so that the spec a user edits is never overwritten; kustomize
//!   drops local-config items from its output, so there the companion replaces the bus. Every other item passes through untouched.
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

mod annotate;
mod config;
mod results;
mod upsert;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::error::Location;
use crate::frontend::advice::Terms;
use crate::frontend::seed;
use crate::krm::{self, ObjectKey, ResourceList, ResultItem, annotations};
use crate::options::{RenderOptions, Seed};
use crate::parse::{DocumentKind, document_kind};
use crate::render::COMPANION_ANNOTATION;
use crate::yaml::{self, Document, Schema};
pub(crate) use upsert::{Appended, Out};

pub use config::{CONFIG_API_VERSION, CONFIG_KIND, OPTIONS_ANNOTATION};
pub use seed::SEED_ENV;

/// Folder, relative to the folder of a bus's file, that receives its new objects:
/// `rendered/<namespace>/eventbus-<name>.yaml`.
pub const RENDERED_DIR: &str = "rendered";

/// What the function may read besides stdin.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// The value of `EVENTBUS_GEN_SEED`, when set.
    pub seed: Option<Vec<u8>>,
}

/// The result of one run. Under kpt, which prints both the results and stderr, error and
/// warning results are not repeated on stderr; elsewhere (kustomize) stderr is the only place
/// they are shown, so each is printed there too.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The ResourceList to print on stdout (block YAML).
    pub stdout: String,
    /// Lines for stderr: one per error or warning result, then a summary on failure.
    pub stderr: Vec<String>,
    /// False when an error result was produced; the process must then exit 1.
    pub success: bool,
}

/// Who runs the function: how its users set what advice asks for, and whether new objects
/// get file annotations.
pub(crate) struct Host {
    /// How the host's users set seeds, options and Secrets.
    pub(crate) terms: &'static Terms,
    /// kpt writes new objects into files, so they are given a path and an index; a host that
    /// prints a plain stream (a kustomize exec plugin) leaves them without.
    pub(crate) place_files: bool,
    /// Whether the host reads a ResourceList back (new objects are written as entries of its
    /// `items`) rather than a YAML stream.
    pub(crate) list_items: bool,
}

/// kpt and kustomize running a KRM function.
const KRM_HOST: Host = Host {
    terms: &results::TERMS,
    place_files: true,
    list_items: true,
};

/// What one evaluation of a ResourceList gave.
pub(crate) struct Evaluated<'a> {
    /// The output items: the input's, updated in place.
    pub(crate) items: Vec<Out<'a>>,
    /// The new objects, after `items`, written as the host reads them; empty on error.
    pub(crate) appended: Appended,
    /// The results, messages escaped and cut.
    pub(crate) results: Vec<ResultItem>,
    /// False when an error result was produced; `items` are then the input items.
    pub(crate) success: bool,
    /// Whether kpt runs the function (see [`run_by_kpt`]).
    pub(crate) kpt: bool,
}

/// Runs the function on `list` for `host`.
pub(crate) fn evaluate<'a>(
    list: &'a ResourceList,
    env: &Environment,
    host: &Host,
) -> Evaluated<'a> {
    let kpt = run_by_kpt(list);
    let (items, appended, mut results) = match process(list, env, host, kpt) {
        Ok(done) => (done.items, done.appended, done.results),
        Err(results) => (
            list.items.iter().map(Out::Item).collect(),
            Appended::new(host.list_items),
            results,
        ),
    };
    // Results quote input (names, keys, values): escaped and cut like every message.
    for r in &mut results {
        r.message = crate::frontend::advice::line(&r.message);
        if let Some(field) = &mut r.field {
            field.path = crate::frontend::advice::line(&field.path);
        }
    }
    let success = !results.iter().any(|r| r.severity == krm::Severity::Error);
    Evaluated {
        items,
        appended,
        results,
        success,
        kpt,
    }
}

/// The stderr lines of `results`: one per error or warning (none under `kpt`, which prints the
/// results itself), then, when there are errors, a count of them ending with `outcome` (what
/// became of the output).
pub(crate) fn stderr_lines(results: &[ResultItem], outcome: &str, kpt: bool) -> Vec<String> {
    let mut stderr: Vec<String> = results
        .iter()
        .filter(|r| !kpt && r.severity != krm::Severity::Info)
        .map(|r| format!("eventbus-gen: {}", crate::error::one_line(&r.summary())))
        .collect();
    // The last error result may stand for those past the cap.
    let errors: usize = results
        .iter()
        .filter(|r| r.severity == krm::Severity::Error)
        .map(|r| 1.max(crate::frontend::advice::hidden_errors(&r.message)))
        .sum();
    if errors > 0 {
        stderr.push(format!(
            "eventbus-gen: {errors} error{} found{}; {outcome}",
            if errors == 1 { "" } else { "s" },
            if kpt { " (in the results)" } else { "" }
        ));
    }
    stderr
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
    let Evaluated {
        items,
        appended,
        results,
        success,
        kpt,
    } = evaluate(&list, env, &KRM_HOST);
    // kpt prints the results and stderr both: there, each result is shown once, as a result.
    stderr.extend(stderr_lines(&results, "the items were left unchanged", kpt));
    let out = ResourceList {
        api_version: if list.has_known_api_version() {
            list.api_version.clone()
        } else {
            krm::API_VERSION.to_owned()
        },
        kind: krm::KIND.to_owned(),
        items: Vec::new(),
        function_config: list.function_config.clone(),
        // Results describe this run only; those of an earlier run are not carried along.
        results,
    };
    match list_yaml(&out, items, appended.text) {
        Ok(stdout) => Outcome {
            stdout,
            stderr,
            success,
        },
        Err(e) => fatal(e.to_string()),
    }
}

/// The ResourceList `list` with `items`, then the entries `appended` (already written as
/// entries of its `items`), as block YAML: the same bytes as serializing it whole with those
/// items, but item by item. The appended entries, most of a first render, stay in their own
/// string: the text before them is moved in front of them, so the output is never held twice.
fn list_yaml(
    list: &ResourceList,
    items: Vec<Out<'_>>,
    appended: String,
) -> Result<String, crate::error::Error> {
    const EMPTY_ITEMS: &str = "\nitems: []\n";
    let whole = crate::output::to_yaml(list)?;
    let split = whole
        .find(EMPTY_ITEMS)
        .expect("a ResourceList always writes its items");
    let (head, tail) = (&whole[..=split], &whole[split + EMPTY_ITEMS.len()..]);
    if items.is_empty() && appended.is_empty() {
        return Ok(whole);
    }
    let mut before = String::with_capacity(head.len() + items.len() * 512);
    before.push_str(head);
    before.push_str("items:\n");
    for item in items {
        upsert::push_list_item(&mut before, &item.into_yaml()?);
    }
    let mut out = appended;
    out.reserve_exact(before.len() + tail.len());
    out.insert_str(0, &before);
    drop(before);
    out.push_str(tail);
    Ok(out)
}

fn read_list(input: &str) -> Result<ResourceList, String> {
    let mut docs =
        yaml::load_documents_unlocated(input, Schema::Kyaml).map_err(|e| match e.location() {
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

/// Whether kpt runs the function. kpt's reader marks every item it reads from a file with
/// `internal.config.kubernetes.io/seqindent`, and `kpt fn eval` sends its `function-input`
/// ConfigMap as the config. kustomize marks its items with `kustomize.config.k8s.io/id` (a
/// transformer) or sends a config that still carries its `config.kubernetes.io/function`
/// annotation (a generator); then it is not kpt, whatever else the list holds.
fn run_by_kpt(list: &ResourceList) -> bool {
    let config = list.function_config.as_ref();
    let kustomize = config.is_some_and(|c| krm::annotation(c, annotations::FUNCTION).is_some())
        || list
            .items
            .iter()
            .any(|i| krm::annotation(i, KUSTOMIZE_ID).is_some());
    let eval_config = config.is_some_and(|c| {
        c.get("kind").and_then(Value::as_str) == Some("ConfigMap")
            && c.pointer("/metadata/name").and_then(Value::as_str) == Some("function-input")
    });
    let read_by_kpt = list
        .items
        .iter()
        .any(|i| krm::annotation(i, SEQINDENT).is_some());
    !kustomize && (eval_config || read_by_kpt)
}

/// The annotation kpt's reader puts on every item it reads from a file.
const SEQINDENT: &str = "internal.config.kubernetes.io/seqindent";
/// The annotation kustomize puts on every item it sends a transformer.
const KUSTOMIZE_ID: &str = "kustomize.config.k8s.io/id";

/// A failure before any item could be read: an empty ResourceList with one error result.
fn fatal(message: String) -> Outcome {
    let mut list = ResourceList::new(Vec::new());
    let message = crate::frontend::advice::line(&message);
    list.results.push(ResultItem::error(message.clone()));
    let stdout = crate::output::to_yaml(&list).unwrap_or_default();
    Outcome {
        stdout,
        stderr: vec![format!("eventbus-gen: error: {message}")],
        success: false,
    }
}

struct Done<'a> {
    items: Vec<Out<'a>>,
    appended: Appended,
    results: Vec<ResultItem>,
}

fn process<'a>(
    list: &'a ResourceList,
    env: &Environment,
    host: &Host,
    kpt: bool,
) -> Result<Done<'a>, Vec<ResultItem>> {
    let fc = list
        .function_config
        .as_ref()
        .filter(|c| !krm::is_placeholder_config(c));
    let generator = fc.is_some_and(|c| document_kind(c) == DocumentKind::EventBus);
    let (mut options, source) = config::read(fc, generator)?;
    if options.secrets == crate::SecretsMode::Only {
        // The package would keep the Secrets alone, their values in plaintext, and lose the
        // rest of the bus.
        return Err(vec![source.result(
            ResultItem::error(
                "secrets: only is for making the Secrets once from the command line (to create \
                 or seal them); a package would hold their values and lose the bus's other \
                 objects. Use secrets: reference here"
                    .to_owned(),
            ),
            "secrets",
        )]);
    }
    options.seed = read_seed(&options, env)
        .map_err(|m| vec![source.result(ResultItem::error(m), "seedFile")])?;
    options.threads = super::threads();
    // Secret items are read as the command line reads Secret documents: one that does not
    // parse is an error result, not a Secret silently left out (and then replaced).
    // The Secrets a companion wrote earlier belong to a bus that is not rendered now (the
    // companion replaced it): they pass through and are not read, so that they are not reported
    // as unused.
    let meta = |item: &Value, key: &str| -> String {
        item.get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let buses = |companions: bool| -> BTreeSet<(String, String)> {
        list.items
            .iter()
            .filter(|i| document_kind(i) == DocumentKind::EventBus && is_companion(i) == companions)
            .map(|i| (meta(i, "namespace"), meta(i, "name")))
            .collect()
    };
    let native = buses(false);
    let companion_only: BTreeSet<_> = buses(true).difference(&native).cloned().collect();
    let of_companion = |item: &Value| {
        let ns = meta(item, "namespace");
        crate::credentials::bus_names(&meta(item, "name"))
            .into_iter()
            .any(|bus| companion_only.contains(&(ns.clone(), bus.to_owned())))
    };
    // The Secrets read go to the pipeline as documents of their own, so that what it says about
    // one (not used, say) points at its item.
    let mut unreadable = Vec::new();
    let mut secrets = BTreeSet::new();
    for (index, item) in list.items.iter().enumerate() {
        if document_kind(item) != DocumentKind::Secret || of_companion(item) {
            continue;
        }
        match crate::parse::read_secret(item) {
            Ok(_) => {
                secrets.insert(index);
            }
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
        if secrets.contains(&index) {
            docs.push(item_document(item, index));
            continue;
        }
        if document_kind(item) != DocumentKind::EventBus {
            continue;
        }
        if generator && fc.is_some_and(|c| is_config_copy(item, c)) {
            dropped.insert(index);
        } else if !is_companion(item) && !is_exotic(item) {
            docs.push(item_document(item, index));
        }
    }
    if let Some(c) = fc.filter(|_| generator) {
        docs.push(item_document(c, config_index));
    }

    let to_results = |errors: crate::Errors| {
        let mut out: Vec<_> = errors
            .0
            .iter()
            .take(crate::frontend::advice::MAX_ERRORS)
            .map(|e| results::error(e, &source, &source_of, host.terms))
            .collect();
        out.extend(
            crate::frontend::advice::more_errors(errors.0.len()).map(krm::ResultItem::error),
        );
        out
    };
    let parsed = crate::pipeline::parse_documents(&docs, &options, true).map_err(to_results)?;
    // The copies of the buses read (annotations removed) are not needed past the parse.
    drop(docs);
    let plans = crate::validate::validate(&parsed, &options).map_err(to_results)?;

    // Assemble the output as the buses render: input order, rendered objects upserted, new
    // ones appended.
    let mut upsert = upsert::Upsert::new(
        &list.items,
        dropped,
        host.place_files,
        Appended::new(host.list_items),
    );
    let mut rendered = Vec::new();
    let warnings =
        crate::pipeline::render_each(&plans, &parsed, &options, Some(&mut rand::rng()), |bus| {
            let src = source_of(bus.document);
            let keep_source = bus.document == config_index || krm::is_local_config(src);
            // Under kpt the spec is the package's editable source: marked local-config, it
            // stays in its file (comments included) and `kpt live apply` skips it, while the
            // companion goes to the rendered file. kustomize drops local-config items from its
            // output, so there the companion takes the spec's place instead.
            let mark_local = kpt && !keep_source;
            let result = upsert
                .bus(
                    &bus,
                    src,
                    bus.document,
                    keep_source || mark_local,
                    mark_local,
                )
                .map_err(|m| crate::Error::new(crate::ErrorKind::Io, "", m))?;
            rendered.push(result);
            Ok(())
        })
        .map_err(to_results)?;
    let mut results: Vec<ResultItem> = warnings
        .iter()
        .map(|w| results::warning(w, &source, &source_of))
        .collect();
    let buses = rendered.len();
    results.extend(rendered);
    if buses == 0 {
        results.push(ResultItem::info(format!(
            "no EventBus with a native spec among {} items; nothing to render, items passed through unchanged",
            list.items.len()
        )));
    }
    let (items, appended) = upsert.finish();
    Ok(Done {
        items,
        appended,
        results,
    })
}

/// The seed: from the `seedFile` option, else from the environment.
fn read_seed(options: &RenderOptions, env: &Environment) -> Result<Option<Seed>, String> {
    seed::read(
        options.seed_file.as_deref().map(Path::new),
        env.seed.as_deref(),
    )
}

/// A bus (or a Secret) as the library reads it: orchestrator annotations and our options
/// annotation removed, so they never reach the rendered objects.
fn item_document(item: &Value, index: usize) -> Document {
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

/// True for a companion bus that eventbus-gen rendered.
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

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
    fn kpt_is_told_from_kustomize_by_what_each_puts_in_the_list() {
        let item = |key: &str| {
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "annotations": {key: "x"}}})
        };
        let list = |items: Vec<Value>, config: Option<Value>| {
            let mut l = ResourceList::new(items);
            l.function_config = config;
            l
        };
        let eval_config = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "function-input"}, "data": {"metrics": "false"}});
        let generator_config = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
            "metadata": {"name": "b", "annotations": {annotations::FUNCTION: "exec: {}"}}});
        // kpt fn render (its reader's annotation) and kpt fn eval (its config).
        assert!(run_by_kpt(&list(vec![item(SEQINDENT)], None)));
        assert!(run_by_kpt(&list(vec![], Some(eval_config))));
        // A kustomize transformer and generator, and a list from elsewhere.
        assert!(!run_by_kpt(&list(vec![item(KUSTOMIZE_ID)], None)));
        assert!(!run_by_kpt(&list(
            vec![item(SEQINDENT)],
            Some(generator_config)
        )));
        assert!(!run_by_kpt(&list(vec![item("other")], None)));
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
