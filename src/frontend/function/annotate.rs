//! A rendered object as YAML with orchestrator annotations added, written straight from the
//! typed object.
//!
//! The bytes are those of the plain way (the object as a JSON value, each annotation set on
//! it, the value written as YAML): the object's own annotations first, the added ones after
//! them in the order given, and, when the object has none, an `annotations` mapping at the end
//! of `metadata`. Writing typed objects skips the JSON tree, which made the KRM function twice
//! as slow as `render`. Where the text cannot be placed that way (an added key the object
//! already has), the plain way is taken; a test checks that both agree.

use serde_json::Value;

use crate::krm::{self, ObjectKey};
use crate::render::Object;

/// The identity of a rendered object, as [`ObjectKey::of`] reads it from its YAML.
pub(super) fn key_of(object: &Object) -> Option<ObjectKey> {
    let api_version = match object {
        Object::Service(_) | Object::ConfigMap(_) | Object::Secret(_) => "v1",
        Object::StatefulSet(_) => "apps/v1",
        Object::PodDisruptionBudget(_) => "policy/v1",
        Object::EventBus(bus) => bus.api_version.as_deref().unwrap_or(""),
        Object::ExternalSecret(es) => es.api_version.as_str(),
    };
    let meta = object.metadata();
    Some(ObjectKey {
        group: api_version
            .rsplit_once('/')
            .map_or("", |(g, _)| g)
            .to_owned(),
        kind: object.kind().to_owned(),
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone()?,
    })
}

/// The value of annotation `key` of a rendered object.
pub(super) fn annotation<'o>(object: &'o Object, key: &str) -> Option<&'o str> {
    object
        .metadata()
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// `object` as YAML with the annotations `extra` added after its own.
pub(super) fn yaml(
    object: &Object,
    extra: &[(String, String)],
    entries: &mut Entries,
) -> Result<String, String> {
    let mut out = String::new();
    write_with(object, extra, entries, &mut |part| out.push_str(part))?;
    Ok(out)
}

/// [`yaml`], written to `out` as an entry of a block sequence (as
/// [`push_list_item`](super::upsert::push_list_item) writes it), with no text of its own.
pub(super) fn push_item(
    out: &mut String,
    object: &Object,
    extra: &[(String, String)],
    entries: &mut Entries,
) -> Result<(), String> {
    let mut first = true;
    write_with(object, extra, entries, &mut |part| {
        indent(out, part, first);
        first = false;
    })
}

/// Writes `object` with `extra` as consecutive parts, each made of whole lines.
fn write_with(
    object: &Object,
    extra: &[(String, String)],
    entries: &mut Entries,
    put: &mut dyn FnMut(&str),
) -> Result<(), String> {
    let own = object.metadata().annotations.as_ref();
    let clash = own.is_some_and(|a| a.is_empty() || extra.iter().any(|(k, _)| a.contains_key(k)));
    if extra.is_empty() {
        put(&write(object)?);
        return Ok(());
    }
    if clash {
        put(&plain(object, extra)?);
        return Ok(());
    }
    let text = write(object)?;
    let Some((at, header)) = insertion(&text, own.is_some()) else {
        put(&plain(object, extra)?);
        return Ok(());
    };
    put(&text[..at]);
    if header {
        put("  annotations:\n");
    }
    put(entries.of(extra)?);
    if at < text.len() {
        put(&text[at..]);
    }
    Ok(())
}

/// Writes the lines of `text` to `out` indented as the lines of a block sequence entry: `- `
/// before the first when `first`, two spaces before each other non-empty line; every line ends
/// with a newline (the same bytes as [`push_list_item`](super::upsert::push_list_item)).
pub(super) fn indent(out: &mut String, text: &str, first: bool) {
    out.reserve(text.len() + text.len() / 8 + 2);
    let mut start = 0;
    let mut first = first;
    while start < text.len() {
        let newline = text[start..].find('\n');
        let end = newline.map_or(text.len(), |i| start + i);
        let mut line = &text[start..end];
        if newline.is_some() {
            line = line.strip_suffix('\r').unwrap_or(line);
        }
        if first {
            out.push_str("- ");
        } else if !line.is_empty() {
            out.push_str("  ");
        }
        first = false;
        out.push_str(line);
        out.push('\n');
        start = end + 1;
    }
}

/// The text of annotation entries as [`entries`] writes them, kept by key and value: the new
/// objects of a bus share their file's path, and their indices are few, so each entry is
/// serialized about once per value instead of once per object.
#[derive(Default)]
pub(super) struct Entries {
    /// The entries written, by key and value; emptied when it holds [`Entries::KEPT`] of them
    /// (paths differ from bus to bus).
    kept: std::collections::HashMap<(String, String), String>,
    /// The entries of the last call.
    text: String,
}

impl Entries {
    /// How many entries are kept at most.
    const KEPT: usize = 64;

    /// The lines of `extra`, as [`entries`] writes them.
    fn of(&mut self, extra: &[(String, String)]) -> Result<&str, String> {
        self.text.clear();
        let twice = extra
            .iter()
            .enumerate()
            .any(|(i, (k, _))| extra[..i].iter().any(|(other, _)| other == k));
        if twice {
            // A key given twice: the mapping keeps one entry; written whole.
            self.text = entries(extra)?;
            return Ok(&self.text);
        }
        for (k, v) in extra {
            let pair = (k.clone(), v.clone());
            match self.kept.get(&pair) {
                Some(entry) => self.text.push_str(entry),
                None => {
                    let entry = entries(std::slice::from_ref(&pair))?;
                    self.text.push_str(&entry);
                    if self.kept.len() >= Self::KEPT {
                        self.kept.clear();
                    }
                    self.kept.insert(pair, entry);
                }
            }
        }
        Ok(&self.text)
    }
}

/// The plain way: through a JSON value.
pub(super) fn plain(object: &Object, extra: &[(String, String)]) -> Result<String, String> {
    let mut value = serde_json::to_value(object).map_err(|e| cannot(&e))?;
    for (k, v) in extra {
        krm::set_annotation(&mut value, k, v.clone());
    }
    write(&value)
}

fn write<T: serde::Serialize>(value: &T) -> Result<String, String> {
    crate::output::to_yaml(value).map_err(|e| cannot(&e))
}

fn cannot(e: &dyn std::fmt::Display) -> String {
    format!("cannot serialize a rendered object: {e}")
}

/// The lines of `extra` as entries of a mapping nested under `metadata.annotations`.
fn entries(extra: &[(String, String)]) -> Result<String, String> {
    let map: serde_json::Map<String, Value> = extra
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let text = write(&map)?;
    let mut out = String::with_capacity(text.len() + 4 * extra.len() + 16);
    for line in text.lines() {
        if !line.is_empty() {
            out.push_str("    ");
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// Where lines go to be appended to the annotations of the top-level `metadata` of `text`:
/// after the existing ones when `has_own`, else in a new `annotations` mapping ending
/// `metadata` (then the second value is true: the `annotations:` line goes first). `None` when
/// the text does not have the expected shape.
fn insertion(text: &str, has_own: bool) -> Option<(usize, bool)> {
    let start = line_start(text, "metadata:\n")?;
    let body = start + "metadata:\n".len();
    // The end of `metadata`: the next line that starts at column 0 with text.
    let end = block_end(text, body, 0);
    if has_own {
        let rel = line_start(&text[body..end], "  annotations:\n")?;
        let children = body + rel + "  annotations:\n".len();
        Some((block_end(text, children, 2).min(end), false))
    } else {
        Some((end, true))
    }
}

/// The byte offset of the line of `text` that equals `line` (with its newline).
fn line_start(text: &str, line: &str) -> Option<usize> {
    if text.starts_with(line) {
        return Some(0);
    }
    text.find(&format!("\n{line}")).map(|i| i + 1)
}

/// Where the block starting at `from` ends: the first line that has text and is indented by
/// `indent` spaces or fewer (empty lines inside block scalars belong to the block).
fn block_end(text: &str, from: usize, indent: usize) -> usize {
    let mut at = from;
    for line in text[from..].split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let leading = content.len() - content.trim_start_matches(' ').len();
        if !content.is_empty() && leading <= indent {
            return at;
        }
        at += line.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RenderOptions;

    fn objects(spec: &str, options: &RenderOptions) -> Vec<Object> {
        crate::render_str(spec, options)
            .unwrap()
            .buses
            .into_iter()
            .flat_map(|b| b.objects)
            .collect()
    }

    /// The direct way writes the same bytes as the plain way, for every kind of object, with
    /// and without annotations of its own, and for values that need quoting or block style.
    #[test]
    fn typed_writing_matches_the_plain_way() {
        let seed = crate::Seed::new("annotate tests seed 0123456789").unwrap();
        let plain_options = RenderOptions::default().seed(seed.clone());
        let annotated = RenderOptions::default()
            .seed(seed)
            .common_annotation("team.example.com/owner", "platform")
            .common_annotation("zz.example.com/note", "multi\nline\n");
        let mut all = Vec::new();
        for options in [&plain_options, &annotated] {
            for spec in [
                "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {name: a, namespace: ev}\nspec: {nats: {native: {auth: token}}}\n",
                "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {name: j, namespace: ev, annotations: {x: \"1\"}}\nspec: {jetstream: {version: latest}}\n",
            ] {
                all.extend(objects(spec, options));
            }
        }
        let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
            p.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let extras = [
            pairs(&[]),
            pairs(&[
                (
                    "internal.config.kubernetes.io/path",
                    "rendered/ev/eventbus-a.yaml",
                ),
                ("config.kubernetes.io/path", "rendered/ev/eventbus-a.yaml"),
                ("internal.config.kubernetes.io/index", "0"),
                ("config.kubernetes.io/index", "0"),
            ]),
            pairs(&[
                (
                    "kustomize.config.k8s.io/id",
                    "group: apps\nkind: StatefulSet\nname: x\n",
                ),
                ("config.k8s.io/id", "1"),
                (
                    "internal.config.kubernetes.io/annotations-migration-resource-id",
                    "yes",
                ),
                ("a", ""),
                ("b", "  leading and trailing  "),
            ]),
            // A key the object may already have: the plain way decides.
            pairs(&[("team.example.com/owner", "other")]),
        ];
        assert!(all.len() >= 20);
        // One cache for all: entries written before are reused.
        let mut cache = Entries::default();
        for object in &all {
            for extra in &extras {
                let expected = plain(object, extra).unwrap();
                assert_eq!(
                    yaml(object, extra, &mut cache).unwrap(),
                    expected,
                    "{} {} with {extra:?}",
                    object.kind(),
                    object.name()
                );
                let mut item = String::from("- x\n");
                push_item(&mut item, object, extra, &mut cache).unwrap();
                let mut whole = String::from("- x\n");
                super::super::upsert::push_list_item(&mut whole, &expected);
                assert_eq!(item, whole);
            }
            let from_text = ObjectKey::of(&serde_json::to_value(object).unwrap());
            assert_eq!(key_of(object), from_text);
        }
    }
}
