//! `render -o DIR`: the folder of rendered files.
//!
//! - Ownership: every file written starts with [`HEADER`]. Only files that start with it are
//!   replaced or removed; anything else in DIR is never touched, and a file of the user's where
//!   an object must go is an error.
//! - All or nothing: every change is planned and checked first, each new text goes to a
//!   temporary file in its own folder, and only then are they renamed into place; stale files
//!   are removed last. A failure before the first rename undoes what was staged.
//! - Inside DIR: no symbolic link under DIR is followed for writing or removal (DIR itself may
//!   be one: the user named it).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use eventbus_gen::frontend::fsread::{create_new_no_follow, read_regular};

use super::Failure;

/// First line of every file `render -o` writes; it marks the file as eventbus-gen's own.
pub(super) const HEADER: &str = "# Written by eventbus-gen render -o: it rewrites or removes this \
                                 file; delete this line to keep the file as your own.";

/// Suffix of the temporary files, next to the file each one replaces.
const TEMP_SUFFIX: &str = ".eventbus-gen-tmp";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Written,
    Updated,
    Unchanged,
}

struct Planned {
    path: PathBuf,
    text: String,
    change: Change,
}

fn usage(message: String) -> Failure {
    Failure::Usage(message)
}

fn link_error(path: &Path) -> Failure {
    usage(format!(
        "{} is a symbolic link; eventbus-gen does not follow links inside the output folder \
         (replace it with a folder or remove it)",
        path.display()
    ))
}

/// Whether `path` is a folder (`Ok(true)`) or absent (`Ok(false)`); a link or a file is an
/// error.
fn folder_state(path: &Path) -> Result<bool, Failure> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(link_error(path)),
        Ok(m) if m.is_dir() => Ok(true),
        Ok(_) => Err(usage(format!(
            "{} must be a folder to hold rendered files, but it is not",
            path.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(usage(format!("cannot inspect {}: {e}", path.display()))),
    }
}

/// The text of an existing regular file at `path` (`None` when absent), at most `limit` bytes
/// of it: enough to tell whether it holds what would be written; a link or another kind of
/// file is an error.
fn existing_file(path: &Path, limit: usize) -> Result<Option<String>, Failure> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(link_error(path)),
        Ok(m) if m.is_file() => {
            let bytes = read_regular(path, m.len().min(limit as u64) + 1)
                .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?
                .ok_or_else(|| link_error(path))?;
            Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
        }
        Ok(_) => Err(usage(format!(
            "{} is in the way of a rendered file: it is not a regular file",
            path.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(usage(format!("cannot inspect {}: {e}", path.display()))),
    }
}

/// Whether the regular file at `path` (not a link) starts with [`HEADER`].
fn owned(path: &Path) -> bool {
    match read_regular(path, HEADER.len() as u64 + 1) {
        Ok(Some(bytes)) => {
            bytes.starts_with(HEADER.as_bytes()) && bytes.get(HEADER.len()) == Some(&b'\n')
        }
        _ => false,
    }
}

fn owns_text(text: &str) -> bool {
    text.strip_prefix(HEADER)
        .is_some_and(|rest| rest.starts_with('\n'))
}

/// The sub-folders of `path` that are real folders, not links.
fn real_folders(path: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(path) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Files of `DIR/<namespace>/<bus>/` that eventbus-gen wrote and does not render now.
fn stale_files(dir: &Path, keep: &BTreeSet<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for ns in real_folders(dir) {
        for bus in real_folders(&ns) {
            let Ok(entries) = std::fs::read_dir(&bus) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .filter(|p| !keep.contains(p.as_path()) && owned(p))
                .collect();
            files.sort();
            out.extend(files);
        }
    }
    out
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}{TEMP_SUFFIX}"))
}

/// Undoes the staging: temporary files, then the folders made for them (deepest first).
fn roll_back(temps: &[PathBuf], made: &[PathBuf]) {
    for t in temps {
        let _ = std::fs::remove_file(t);
    }
    for d in made.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

fn stage(text: &str, temp: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(temp) {
        // A leftover of an interrupted run: a regular file under our temporary name that starts
        // with our header. Anything else there is the user's and stays.
        Ok(m) if m.is_file() => {
            let ours = read_regular(temp, HEADER.len() as u64 + 1)?
                .is_some_and(|b| owns_text(&String::from_utf8_lossy(&b)));
            if !ours {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "a file that eventbus-gen did not write is in the way (it is left as it is)",
                ));
            }
            std::fs::remove_file(temp)?;
        }
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "something that is not a regular file is in the way",
            ));
        }
        Err(_) => {}
    }
    let mut file = create_new_no_follow(temp)?;
    // Only what this run created is removed on failure: whatever else stands at the temporary
    // name (a link, a FIFO) is the user's.
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    if written.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    written
}

/// Writes `files` (full paths under `dir`, as `dir/<namespace>/<bus>/<file>.yaml`), removes
/// the files eventbus-gen wrote before and no longer renders, and reports each change on
/// stderr unless `quiet`.
pub(super) fn write(
    dir: &Path,
    files: &BTreeMap<PathBuf, String>,
    quiet: bool,
) -> Result<(), Failure> {
    // 0. One run at a time: a second `render -o` of the same folder waits for the first, so
    //    two runs never mix their files.
    let made_dir = if !require_folder(dir)? {
        std::fs::create_dir_all(dir)
            .map_err(|e| usage(format!("cannot create {}: {e}", dir.display())))?;
        true
    } else {
        false
    };
    let _lock = lock_folder(dir, false)?;
    let result = write_locked(dir, files, quiet, made_dir);
    if result.is_err() && made_dir {
        // Only a folder this run made, and only when it is still empty.
        let _ = std::fs::remove_dir(dir);
    }
    result
}

/// What stands at an object's path, against the text `-o` would write there.
enum State {
    /// Nothing.
    Absent,
    /// Exactly that text.
    Same,
    /// eventbus-gen's file with other text, or a file an earlier version wrote (no header yet)
    /// that holds exactly the object: `-o` replaces it.
    Ours,
    /// A file of the user's: `-o` refuses to replace it.
    Foreign,
}

/// The text `-o` writes for `yaml` at `path` (the header first), and what stands there now.
fn compare(path: &Path, yaml: &str) -> Result<(String, State), Failure> {
    let text = format!("{HEADER}\n{yaml}");
    let state = match existing_file(path, text.len().max(yaml.len()) + 1)? {
        None => State::Absent,
        Some(old) if old == text => State::Same,
        Some(old) if owns_text(&old) || old == yaml => State::Ours,
        Some(_) => State::Foreign,
    };
    Ok((text, state))
}

/// Whether DIR exists; it may be absent (it is made) but not something other than a folder.
fn require_folder(dir: &Path) -> Result<bool, Failure> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(usage(format!("{} is not a folder", dir.display()))),
        Ok(_) => Ok(true),
        Err(_) => Ok(false),
    }
}

/// Holds a lock on the folder `dir` itself (no file is left behind), exclusive for writing,
/// shared for checking; it is released when the run ends, however it ends.
fn lock_folder(dir: &Path, shared: bool) -> Result<Option<std::fs::File>, Failure> {
    let Ok(handle) = std::fs::File::open(dir) else {
        return Ok(None);
    };
    let locked = if shared {
        handle.lock_shared()
    } else {
        handle.lock()
    };
    match locked {
        Ok(()) => Ok(Some(handle)),
        // A file system without locks: carry on as before, unlocked.
        Err(e) if e.kind() == io::ErrorKind::Unsupported => Ok(None),
        Err(e) => Err(usage(format!("cannot lock {}: {e}", dir.display()))),
    }
}

fn write_locked(
    dir: &Path,
    files: &BTreeMap<PathBuf, String>,
    quiet: bool,
    made_dir: bool,
) -> Result<(), Failure> {
    // 1. Plan and check everything; nothing is changed yet.
    let mut folders = BTreeMap::new();
    let mut planned = Vec::new();
    for (path, yaml) in files {
        let rel = path.strip_prefix(dir).expect("object paths are under DIR");
        let mut at = dir.to_path_buf();
        let parts: Vec<_> = rel.components().collect();
        for part in &parts[..parts.len() - 1] {
            at.push(part);
            if !folders.contains_key(&at) {
                let exists = folder_state(&at)?;
                folders.insert(at.clone(), exists);
            }
        }
        let (text, state) = compare(path, yaml)?;
        let change = match state {
            State::Absent => Change::Written,
            State::Same => Change::Unchanged,
            State::Ours => Change::Updated,
            State::Foreign => {
                return Err(usage(format!(
                    "{} exists and was not written by eventbus-gen (its first line is not the \
                     eventbus-gen header); move it away, or delete it to let eventbus-gen write \
                     the object there",
                    path.display()
                )));
            }
        };
        planned.push(Planned {
            path: path.clone(),
            text,
            change,
        });
    }
    let keep: BTreeSet<&Path> = files.keys().map(PathBuf::as_path).collect();
    let stale = stale_files(dir, &keep);

    // 2. Stage every new text in a temporary file next to its target.
    let mut made = Vec::new();
    if made_dir {
        made.push(dir.to_path_buf());
    }
    let mut temps = Vec::new();
    for p in planned.iter().filter(|p| p.change != Change::Unchanged) {
        let parent = p.path.parent().expect("object paths have a parent");
        let mut result = Ok(());
        for (folder, exists) in folders.iter_mut() {
            if !*exists && parent.starts_with(folder) {
                result = std::fs::create_dir(folder)
                    .map_err(|e| format!("cannot create {}: {e}", folder.display()));
                if result.is_err() {
                    break;
                }
                *exists = true;
                made.push(folder.clone());
            }
        }
        let temp = temp_path(&p.path);
        let result = result.and_then(|()| {
            stage(&p.text, &temp).map_err(|e| format!("cannot write {}: {e}", temp.display()))
        });
        if let Err(m) = result {
            roll_back(&temps, &made);
            return Err(usage(format!("{m}; the output folder was left as it was")));
        }
        temps.push(temp);
    }

    // 3. Rename into place.
    let mut lines = Vec::new();
    let changing: Vec<&Planned> = planned
        .iter()
        .filter(|p| p.change != Change::Unchanged)
        .collect();
    for (i, (p, temp)) in changing.iter().zip(&temps).enumerate() {
        if let Err(e) = std::fs::rename(temp, &p.path) {
            roll_back(&temps[i..], &[]);
            return Err(usage(format!(
                "cannot replace {}: {e}; {i} of {} files were replaced and no stale file was \
                 removed; run again once the cause is fixed",
                p.path.display(),
                changing.len()
            )));
        }
    }
    for p in &planned {
        let verb = match p.change {
            Change::Written => "wrote",
            Change::Updated => "updated",
            Change::Unchanged => "unchanged",
        };
        lines.push(format!("{verb} {}", p.path.display()));
    }

    // 4. Remove stale files last, then the folders they leave empty.
    let mut emptied = BTreeSet::new();
    for path in &stale {
        std::fs::remove_file(path)
            .map_err(|e| usage(format!("cannot remove {}: {e}", path.display())))?;
        lines.push(format!("removed {}", path.display()));
        if let Some(bus) = path.parent() {
            emptied.insert(bus.to_path_buf());
        }
    }
    let mut namespaces = BTreeSet::new();
    for bus in &emptied {
        if std::fs::remove_dir(bus).is_ok() {
            lines.push(format!("removed {}/", bus.display()));
            if let Some(ns) = bus.parent() {
                namespaces.insert(ns.to_path_buf());
            }
        }
    }
    for ns in &namespaces {
        if std::fs::remove_dir(ns).is_ok() {
            lines.push(format!("removed {}/", ns.display()));
        }
    }

    if !quiet {
        let count = |c: Change| planned.iter().filter(|p| p.change == c).count();
        let (written, updated, unchanged) = (
            count(Change::Written),
            count(Change::Updated),
            count(Change::Unchanged),
        );
        let stderr = std::io::stderr();
        let mut w = stderr.lock();
        for line in &lines {
            let _ = writeln!(w, "eventbus-gen: {line}");
        }
        let _ = if written + updated + stale.len() == 0 {
            writeln!(
                w,
                "eventbus-gen: {} is up to date ({unchanged} files unchanged); nothing was written",
                dir.display()
            )
        } else {
            writeln!(
                w,
                "eventbus-gen: {}: {written} written, {updated} updated, {unchanged} unchanged, {} \
                 removed",
                dir.display(),
                stale.len()
            )
        };
    }
    Ok(())
}

/// How a file of DIR differs from what `render -o DIR` would leave there.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Difference {
    /// Not there: it would be written.
    Missing,
    /// There with other text: it would be updated.
    Stale,
    /// A file of the user's (no header) where an object goes: `render -o` would refuse.
    InTheWay,
    /// eventbus-gen's, no longer rendered: it would be removed.
    Extra,
}

/// `render --check -o DIR`: compares DIR with `files` (as [`write`] would leave it) without
/// changing anything. Each difference is named on stderr; a stale DIR is exit 1, and anything
/// that stops the comparison (a link in the way, an unreadable file) exit 2.
pub(super) fn check(
    dir: &Path,
    files: &BTreeMap<PathBuf, String>,
    quiet: bool,
) -> Result<(), Failure> {
    require_folder(dir)?;
    // Waits for a `render -o` writing the folder, so the check never sees it half written.
    let _lock = lock_folder(dir, true)?;
    let mut found: Vec<(Difference, &Path)> = Vec::new();
    for (path, yaml) in files {
        let rel = path.strip_prefix(dir).expect("object paths are under DIR");
        let mut at = dir.to_path_buf();
        let parts: Vec<_> = rel.components().collect();
        let mut folders_there = true;
        for part in &parts[..parts.len() - 1] {
            at.push(part);
            folders_there &= folder_state(&at)?;
            if !folders_there {
                break;
            }
        }
        let state = if folders_there {
            compare(path, yaml)?.1
        } else {
            State::Absent
        };
        let difference = match state {
            State::Absent => Some(Difference::Missing),
            State::Same => None,
            State::Ours => Some(Difference::Stale),
            State::Foreign => Some(Difference::InTheWay),
        };
        if let Some(d) = difference {
            found.push((d, path));
        }
    }
    let keep: BTreeSet<&Path> = files.keys().map(PathBuf::as_path).collect();
    let extra = stale_files(dir, &keep);
    found.extend(extra.iter().map(|p| (Difference::Extra, p.as_path())));
    found.sort();
    let stderr = std::io::stderr();
    let mut w = stderr.lock();
    for (d, path) in &found {
        let what = match d {
            Difference::Missing => "missing",
            Difference::Stale => "stale",
            Difference::InTheWay => {
                "stale, and not written by eventbus-gen (render -o refuses to replace it)"
            }
            Difference::Extra => "extra (eventbus-gen wrote it and no longer renders it)",
        };
        let _ = writeln!(w, "eventbus-gen: {what}: {}", path.display());
    }
    if found.is_empty() {
        if !quiet {
            let _ = writeln!(
                w,
                "eventbus-gen: {} is up to date ({} files checked)",
                dir.display(),
                files.len()
            );
        }
        return Ok(());
    }
    let count = |d: Difference| found.iter().filter(|(f, _)| *f == d).count();
    let _ = writeln!(
        w,
        "eventbus-gen: {} is not what render -o would write: {} missing, {} stale, {} extra; \
         run the same command without --check to update it",
        dir.display(),
        count(Difference::Missing),
        count(Difference::Stale) + count(Difference::InTheWay),
        count(Difference::Extra)
    );
    Err(Failure::Code(1))
}
