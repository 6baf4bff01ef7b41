//! Update in place: the rendered objects of each bus replace the items they match, new ones
//! are appended to the bus's file, and objects the bus no longer renders leave it.
//!
//! Items are indexed once by identity and by file, so the cost is linear in the number of
//! items and rendered objects. Each rendered object is written as YAML as soon as its place is
//! known, so only one bus's objects are ever held as trees.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::{COMPANION_ANNOTATION, RENDERED_DIR, annotate, is_companion};
use crate::krm::{self, File, ObjectKey, ResultItem, annotations};
use crate::render::{Object, RenderedBus};

/// One item of the output.
pub(crate) enum Out<'a> {
    /// An input item, unchanged.
    Item(&'a Value),
    /// A rendered object, already written as YAML.
    Text(String),
}

impl Out<'_> {
    /// The item as one YAML document.
    pub(crate) fn into_yaml(self) -> Result<String, crate::error::Error> {
        match self {
            Out::Item(value) => crate::output::to_yaml(value),
            Out::Text(text) => Ok(text),
        }
    }
}

/// The items of the ResourceList, indexed for update in place.
pub(super) struct Upsert<'a> {
    items: &'a [Value],
    /// The output slot of each input item; `None` once removed.
    slots: Vec<Option<Out<'a>>>,
    /// Items by identity, in input order.
    by_key: HashMap<ObjectKey, Vec<usize>>,
    /// Items by file path, in input order.
    by_file: HashMap<String, Vec<usize>>,
    /// Items already updated by a rendered object.
    claimed: BTreeSet<usize>,
    /// Items left out of the output from the start (a generator's config copy).
    dropped: BTreeSet<usize>,
    files: FileIndex,
    /// Whether new objects get file annotations (a path and an index).
    place_files: bool,
    /// The new objects, already written as the output holds them, one after the other: the
    /// bulk of a first render, kept as one text that can become the output itself.
    appended: Appended,
    /// The annotation entries written last, reused by the next objects.
    entries: annotate::Entries,
}

/// The new objects as written so far, in the form of the output that receives them.
pub(crate) struct Appended {
    /// The text: entries of a ResourceList's `items` sequence, or documents of a YAML stream.
    pub(crate) text: String,
    /// Whether the text holds `items` entries rather than stream documents.
    list_items: bool,
}

impl Appended {
    /// Nothing appended yet; entries of a ResourceList's `items` when `list_items`, else
    /// documents of a YAML stream.
    pub(crate) fn new(list_items: bool) -> Self {
        Appended {
            text: String::new(),
            list_items,
        }
    }

    /// Writes `object` with the annotations `extra`, straight into the text.
    fn push(
        &mut self,
        object: &Object,
        extra: &[(String, String)],
        entries: &mut annotate::Entries,
    ) -> Result<(), String> {
        if self.list_items {
            annotate::push_item(&mut self.text, object, extra, entries)
        } else {
            let yaml = annotate::yaml(object, extra, entries)?;
            if !self.text.is_empty() {
                self.text.push_str(crate::output::SEPARATOR);
            }
            self.text.push_str(&yaml);
            Ok(())
        }
    }
}

/// Writes the YAML document `yaml` to `out` as an entry of a block sequence: `- ` before its
/// first line, two spaces before each other non-empty line.
pub(crate) fn push_list_item(out: &mut String, yaml: &str) {
    annotate::indent(out, yaml, true);
}

impl<'a> Upsert<'a> {
    /// Starts from `items`, less the `dropped` ones; new objects get file annotations when
    /// `place_files`, and are written to `appended`.
    pub(super) fn new(
        items: &'a [Value],
        dropped: BTreeSet<usize>,
        place_files: bool,
        appended: Appended,
    ) -> Self {
        let mut by_key: HashMap<ObjectKey, Vec<usize>> = HashMap::new();
        let mut by_file: HashMap<String, Vec<usize>> = HashMap::new();
        for (j, item) in items.iter().enumerate() {
            if let Some(k) = ObjectKey::of(item) {
                by_key.entry(k).or_default().push(j);
            }
            if let Some(f) = krm::file_of(item) {
                by_file.entry(f.path).or_default().push(j);
            }
        }
        let slots = items
            .iter()
            .enumerate()
            .map(|(j, item)| (!dropped.contains(&j)).then_some(Out::Item(item)))
            .collect();
        Upsert {
            items,
            slots,
            by_key,
            by_file,
            claimed: BTreeSet::new(),
            dropped,
            files: FileIndex::new(items),
            place_files,
            appended,
            entries: annotate::Entries::default(),
        }
    }

    /// Puts the objects of `bus`, rendered from `src` (item `src_index`, or a generator's
    /// config past the items), into the output and says what changed. With `mark_local`, the
    /// source is kept and marked `config.kubernetes.io/local-config: "true"`.
    pub(super) fn bus(
        &mut self,
        bus: &RenderedBus,
        src: &Value,
        src_index: usize,
        keep_source: bool,
        mark_local: bool,
    ) -> Result<ResultItem, String> {
        let dir = krm::file_of(src)
            .map(|f| parent_dir(&f.path).to_owned())
            .unwrap_or_default();
        let namespace = if bus.namespace.is_empty() {
            "_"
        } else {
            &bus.namespace
        };
        let target = join_path(
            &dir,
            &format!("{RENDERED_DIR}/{namespace}/eventbus-{}.yaml", bus.name),
        );
        if !keep_source && let Some(slot) = self.slots.get_mut(src_index) {
            *slot = None;
        }
        if mark_local && let Some(slot) = self.slots.get_mut(src_index) {
            let mut marked = src.clone();
            krm::set_annotation(&mut marked, annotations::LOCAL_CONFIG, "true");
            *slot = Some(Out::Text(
                crate::output::to_yaml(&marked).map_err(|e| e.to_string())?,
            ));
        }
        let (mut added, mut updated, mut unchanged, mut replaced) = (0, 0, 0, false);
        for object in &bus.objects {
            let companion = annotate::annotation(object, COMPANION_ANNOTATION) == Some("true");
            let existing = annotate::key_of(object).and_then(|k| {
                self.by_key.get(&k)?.iter().copied().find(|&j| {
                    j != src_index
                        && !self.claimed.contains(&j)
                        && !self.dropped.contains(&j)
                        && (!companion || is_companion(&self.items[j]))
                })
            });
            if let Some(j) = existing {
                self.claimed.insert(j);
                let extra = orchestrator_annotations(&self.items[j], true);
                if same_object(object, &extra, &self.items[j])? {
                    self.slots[j] = Some(Out::Item(&self.items[j]));
                    unchanged += 1;
                } else {
                    self.slots[j] = Some(Out::Text(annotate::yaml(
                        object,
                        &extra,
                        &mut self.entries,
                    )?));
                    updated += 1;
                }
            } else if companion && !keep_source {
                // The companion takes the place (file, index, ids) of the bus it replaces.
                let extra = orchestrator_annotations(src, false);
                self.slots[src_index] = Some(Out::Text(annotate::yaml(
                    object,
                    &extra,
                    &mut self.entries,
                )?));
                replaced = true;
            } else {
                let extra: Vec<(String, String)> = if self.place_files {
                    krm::file_annotations(&self.files.next(&target))
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect()
                } else {
                    Vec::new()
                };
                self.appended.push(object, &extra, &mut self.entries)?;
                added += 1;
            }
        }
        // Objects rendered earlier into this bus's file that this render no longer makes (a
        // PodDisruptionBudget turned off, say) are removed, so that options converge.
        let mut removed = 0;
        for &j in self.by_file.get(&target).map_or(&[][..], Vec::as_slice) {
            if j != src_index
                && !self.claimed.contains(&j)
                && self.slots[j].is_some()
                && rendered_for(&self.items[j], &bus.name)
            {
                self.slots[j] = None;
                removed += 1;
            }
        }
        let mut changes = Vec::new();
        if added > 0 && self.place_files {
            changes.push(format!("{added} added to {target}"));
        } else if added > 0 {
            changes.push(format!("{added} added"));
        }
        if updated > 0 {
            changes.push(format!("{updated} updated in place"));
        }
        if removed > 0 {
            changes.push(format!("{removed} no longer rendered removed"));
        }
        if replaced {
            changes.push("the companion exotic bus replaces the native spec".to_owned());
        }
        if mark_local {
            changes.push(format!(
                "the spec marked {}: \"true\" so that it stays the editable source and is not applied",
                annotations::LOCAL_CONFIG
            ));
        }
        let summary = match (changes.is_empty(), unchanged) {
            (true, _) => "all unchanged".to_owned(),
            (false, 0) => changes.join(", "),
            (false, n) => format!("{}; {n} unchanged", changes.join(", ")),
        };
        Ok(ResultItem::info(format!(
            "rendered EventBus {}/{} into {} objects: {summary}",
            bus.namespace,
            bus.name,
            bus.objects.len(),
        ))
        .for_item(src))
    }

    /// The output items: the input's, updated in place, then the new ones (as written).
    pub(super) fn finish(self) -> (Vec<Out<'a>>, Appended) {
        (self.slots.into_iter().flatten().collect(), self.appended)
    }
}

/// Whether `item` already is `object` with the annotations `extra`: then it is left as it was
/// read, and the run reports it unchanged.
fn same_object(object: &Object, extra: &[(String, String)], item: &Value) -> Result<bool, String> {
    let mut value = serde_json::to_value(object).map_err(|e| e.to_string())?;
    for (k, v) in extra {
        krm::set_annotation(&mut value, k, v.clone());
    }
    Ok(value == *item)
}

/// The orchestrator annotations of `from`, in its order. Without `all`, the ones that must not
/// spread (`local-config`, `function`) are left out.
fn orchestrator_annotations(from: &Value, all: bool) -> Vec<(String, String)> {
    let Some(anns) = krm::annotations_of(from) else {
        return Vec::new();
    };
    anns.iter()
        .filter(|(k, _)| {
            annotations::is_orchestrator(k)
                && (all || (*k != annotations::LOCAL_CONFIG && *k != annotations::FUNCTION))
        })
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

/// True for an object eventbus-gen renders for bus `name`: labelled by the controller for it,
/// or its companion.
fn rendered_for(item: &Value, name: &str) -> bool {
    let labels = &item["metadata"]["labels"];
    let labelled = labels[crate::names::LABEL_CONTROLLER] == crate::names::CONTROLLER_NAME
        && labels[crate::names::LABEL_EVENTBUS_NAME] == name;
    let companion = krm::annotation(item, COMPANION_ANNOTATION) == Some("true")
        && item.pointer("/metadata/name") == Some(&Value::from(name));
    labelled || companion
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
    /// The lowest index that may be free, by path.
    next_free: HashMap<String, usize>,
}

impl FileIndex {
    fn new(items: &[Value]) -> Self {
        FileIndex {
            used: items
                .iter()
                .filter_map(krm::file_of)
                .map(|f| (f.path, f.index))
                .collect(),
            next_free: HashMap::new(),
        }
    }

    fn next(&mut self, path: &str) -> File {
        let index = self.next_free.entry(path.to_owned()).or_insert(0);
        while self.used.contains(&(path.to_owned(), *index)) {
            *index += 1;
        }
        self.used.insert((path.to_owned(), *index));
        File {
            path: path.to_owned(),
            index: *index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_objects_take_the_next_free_index_of_their_file() {
        let taken = json!({"kind": "ConfigMap", "metadata": {"name": "a", "annotations": {
            "internal.config.kubernetes.io/path": "rendered/ns/eventbus-b.yaml",
            "internal.config.kubernetes.io/index": "1"}}});
        let mut files = FileIndex::new(&[taken]);
        let p = "rendered/ns/eventbus-b.yaml";
        assert_eq!(files.next(p).index, 0);
        assert_eq!(files.next(p).index, 2);
        assert_eq!(files.next(p).index, 3);
        assert_eq!(files.next("other.yaml").index, 0);
        assert_eq!(
            join_path(parent_dir("pkg/sub/bus.yaml"), "r.yaml"),
            "pkg/sub/r.yaml"
        );
        assert_eq!(join_path(parent_dir("bus.yaml"), "r.yaml"), "r.yaml");
    }
}
