//! Which files of the application folder are read, and reading them.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::{Failure, SourceParams};
use crate::yaml::{self, Document};

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
pub(super) struct Input {
    pub(super) name: String,
    pub(super) docs: Vec<Document>,
}

impl Input {
    pub(super) fn at(&self, l: crate::error::Location) -> String {
        format!("{}:{l}", self.name)
    }
}

pub(super) fn load_files(dir: &Path, files: &[String]) -> Result<Vec<Input>, Failure> {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    for name in files {
        let text = match crate::frontend::input::read_file(&dir.join(name)) {
            Ok(text) => text,
            Err(crate::frontend::input::ReadError::Io(e)) => {
                return Err(Failure::setup(vec![format!("cannot read {name}: {e}")]));
            }
            Err(e) => {
                problems.push(format!("{name}: error: {e}"));
                continue;
            }
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
pub(super) fn check_object(value: &Value) -> Result<(), String> {
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
