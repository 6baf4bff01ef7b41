//! Which files of the application folder are read, and reading them.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::{Failure, SourceParams};
use crate::yaml::{self, Document};

/// The files chosen in the application folder, and why other entries were passed over.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Selection {
    /// Slash-separated paths relative to the folder, in reading order.
    pub files: Vec<String>,
    /// One warning per entry that looked like input but was not read (a symbolic link, a FIFO,
    /// a socket, a device), as `path: warning: ...`.
    pub skipped: Vec<String>,
}

const INPUT_SUFFIXES: [&str; 3] = [".yaml", ".yml", ".json"];

/// The input files, as slash-separated paths relative to `dir`.
///
/// With `files`, exactly those in that order; each must be a regular file reached without a
/// symbolic link. Otherwise every `*.yaml`, `*.yml` and `*.json` regular file of `dir` (and of
/// its real subfolders with `recurse`), hidden entries excepted, sorted by path. Symbolic links
/// are never followed, even to files inside the folder: a link would let one Application read
/// another's files. A name that is not UTF-8 and would be read is an error, not a silent drop
/// (Argo CD would prune whatever that file rendered).
pub fn select_files(dir: &Path, source: &SourceParams) -> Result<Selection, Failure> {
    if !source.files.is_empty() {
        let mut seen = BTreeSet::new();
        for f in &source.files {
            let p = Path::new(f);
            let shown = crate::error::quote(f);
            let inside = p
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
            if f.is_empty() || !p.components().any(|c| matches!(c, Component::Normal(_))) {
                return Err(Failure::setup(vec![format!(
                    "files: {shown} names no file; give paths relative to the application \
                     folder, such as bus.yaml"
                )]));
            }
            if !inside {
                return Err(Failure::setup(vec![format!(
                    "files: {shown} must be a relative path inside the application folder \
                     (no leading /, no \"..\")"
                )]));
            }
            let mut at = dir.to_path_buf();
            let parts: Vec<_> = p.components().collect();
            for (i, part) in parts.iter().enumerate() {
                at.push(part);
                let last = i + 1 == parts.len();
                let problem = match std::fs::symlink_metadata(&at) {
                    Ok(m) if m.file_type().is_symlink() => Some(
                        "is (or passes through) a symbolic link; the plugin reads only regular \
                         files of the application folder",
                    ),
                    Ok(m) if last && !m.is_file() => Some("is not a regular file"),
                    Ok(m) if !last && !m.is_dir() => {
                        Some("is not a file in the application folder")
                    }
                    Ok(_) => None,
                    Err(_) => Some("is not a file in the application folder"),
                };
                if let Some(problem) = problem {
                    return Err(Failure::setup(vec![format!("files: {shown} {problem}")]));
                }
            }
            // `./bus.yaml`, `bus.yaml` and `sub//bus.yaml` name one file.
            let normal: PathBuf = p
                .components()
                .filter(|c| matches!(c, Component::Normal(_)))
                .collect();
            if !seen.insert(normal) {
                return Err(Failure::setup(vec![format!(
                    "files: {shown} is listed twice"
                )]));
            }
        }
        return Ok(Selection {
            files: source.files.clone(),
            skipped: Vec::new(),
        });
    }
    let mut selection = Selection::default();
    let mut problems = Vec::new();
    walk(dir, "", source.recurse, &mut selection, &mut problems)
        .map_err(|e| Failure::setup(vec![format!("cannot read the application folder: {e}")]))?;
    if !problems.is_empty() {
        return Err(Failure::input(problems));
    }
    selection.files.sort();
    selection.skipped.sort();
    Ok(selection)
}

fn walk(
    dir: &Path,
    prefix: &str,
    recurse: bool,
    out: &mut Selection,
    problems: &mut Vec<String>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // The entry itself, never what a link points at.
        let kind = entry.file_type()?;
        let raw = entry.file_name();
        let lossy = raw.to_string_lossy();
        if lossy.starts_with('.') {
            continue;
        }
        let candidate = INPUT_SUFFIXES.iter().any(|e| lossy.ends_with(e));
        let Some(name) = raw.to_str() else {
            if candidate || (recurse && kind.is_dir()) {
                problems.push(format!(
                    "{}{}: error: this name is not UTF-8, so the plugin cannot name it \
                     in messages or read it reliably; rename it (or move it out of the \
                     application folder)",
                    shown_name(prefix),
                    shown_name(&lossy)
                ));
            }
            continue;
        };
        let rel = format!("{prefix}{name}");
        if kind.is_dir() {
            if recurse {
                walk(&entry.path(), &format!("{rel}/"), recurse, out, problems)?;
            }
        } else if kind.is_file() {
            if candidate {
                out.files.push(rel);
            }
        } else if candidate || (recurse && kind.is_symlink()) {
            let what = if kind.is_symlink() {
                "a symbolic link (links are not followed, even to files inside the folder)"
            } else {
                "not a regular file"
            };
            out.skipped
                .push(format!("{}: warning: skipped: {what}", shown_name(&rel)));
        }
    }
    Ok(())
}

/// A file name for a message: control characters escaped, so that a name cannot forge lines
/// or colours in Argo CD's logs and UI. Names are kept whole (the file system bounds them).
pub(super) fn shown_name(name: &str) -> String {
    name.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_debug().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// One loaded file; its documents carry indices unique over all files; `name` is as shown in
/// messages.
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
    for path in files {
        let name = shown_name(path);
        // Not followed if a link was put in place after the files were chosen; at most the
        // input limit is read, then decoded as every input is.
        let text = match crate::frontend::input::read_chosen(&dir.join(path)) {
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
                inputs.push(Input { name, docs });
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
