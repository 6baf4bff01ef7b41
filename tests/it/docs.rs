//! The user documentation holds together: the README stays short, and every relative link in
//! it, in `docs/` and in `CONTRIBUTING.md` leads to a file that exists and, with a `#fragment`,
//! to a heading of that file.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::support::root;

/// The README is for users; the reference lives in `docs/`.
const README_MAX_LINES: usize = 320;

/// README.md, CONTRIBUTING.md and every Markdown file of `docs/`, relative to the root.
fn documents() -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.strip_prefix(root()).unwrap().to_path_buf())
        .collect();
    docs.sort();
    docs.insert(0, PathBuf::from("CONTRIBUTING.md"));
    docs.insert(0, PathBuf::from("README.md"));
    docs
}

/// The lines of a Markdown text outside fenced code blocks, with their numbers (1-based).
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.push((i + 1, line));
        }
    }
    out
}

/// The targets of the inline links `[text](target)` of a text, with their line numbers. Inline
/// code spans, which may hold `](` that is not a link, are skipped; one may run on to the next
/// line of its paragraph.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_code = false;
    for (number, line) in prose_lines(text) {
        if line.trim().is_empty() {
            in_code = false;
        }
        let mut prose = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i > 0 {
                in_code = !in_code;
            }
            if !in_code {
                prose.push_str(part);
                prose.push(' ');
            }
        }
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((number, after[..end].to_owned()));
            rest = &after[end..];
        }
    }
    out
}

/// GitHub's anchor of a heading: lower case, spaces to hyphens, other punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// The anchors of every heading of a Markdown text.
fn anchors(text: &str) -> BTreeSet<String> {
    prose_lines(text)
        .into_iter()
        .filter_map(|(_, line)| {
            let title = line.trim_start_matches('#');
            (title.len() < line.len() && title.starts_with(' ')).then(|| anchor(title))
        })
        .collect()
}

/// `path` joined to `base`'s folder, with `.` and `..` resolved; `None` if it leaves the root.
fn resolve(base: &Path, path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in base.parent().unwrap().join(path).components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[test]
fn the_readme_is_short() {
    let text = fs::read_to_string(root().join("README.md")).unwrap();
    let lines = text.lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines, at most {README_MAX_LINES}: move reference material to docs/"
    );
}

#[test]
fn every_relative_link_leads_somewhere() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = fs::read_to_string(root().join(&doc)).unwrap();
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, fragment) = match target.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() {
                Some(doc.clone())
            } else {
                resolve(&doc, path)
            };
            let at = format!("{}:{line}: {target}", doc.display());
            let Some(file) = file else {
                broken.push(format!("{at}: leaves the repository"));
                continue;
            };
            let full = root().join(&file);
            if !full.exists() {
                broken.push(format!("{at}: no such file"));
                continue;
            }
            if let Some(fragment) = fragment {
                let is_markdown = file.extension().is_some_and(|e| e == "md");
                let found =
                    is_markdown && anchors(&fs::read_to_string(&full).unwrap()).contains(fragment);
                if !found {
                    broken.push(format!("{at}: no heading with that anchor"));
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} links found: is the scan broken?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Rust examples in Markdown run as doctests only when `src/lib.rs` includes the file.
#[test]
fn every_rust_example_is_a_doctest() {
    let lib = fs::read_to_string(root().join("src/lib.rs")).unwrap();
    for doc in documents() {
        let text = fs::read_to_string(root().join(&doc)).unwrap();
        if text.lines().any(|l| l.trim_start().starts_with("```rust")) {
            let include = format!("include_str!(\"../{}\")", doc.display());
            assert!(
                lib.contains(&include),
                "{} has Rust examples but src/lib.rs lacks #[doc = {include}]",
                doc.display()
            );
        }
    }
}

#[test]
fn the_link_scan_reads_markdown_as_github_does() {
    assert_eq!(anchor("What `-o` owns"), "what--o-owns");
    assert_eq!(anchor("Hostile input, bounded"), "hostile-input-bounded");
    assert_eq!(
        anchor("KRM function (kpt and kustomize)"),
        "krm-function-kpt-and-kustomize"
    );
    let text = "# Title\n\nSee [a](a.md#x) and `[not](b.md)`, `code\nacross lines` [d](d.md).\n```sh\n# not a heading\n[c](c.md)\n```\n## Next one\n";
    assert_eq!(
        links(text),
        [(3, "a.md#x".to_owned()), (4, "d.md".to_owned())]
    );
    assert_eq!(
        anchors(text),
        BTreeSet::from(["title".to_owned(), "next-one".to_owned()])
    );
    assert_eq!(
        resolve(Path::new("docs/a.md"), "../README.md"),
        Some(PathBuf::from("README.md"))
    );
    assert_eq!(resolve(Path::new("README.md"), "../outside.md"), None);
}
