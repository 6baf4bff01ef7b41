//! Every fixture rendered through the binary and compared with its reviewed snapshot.

use std::path::Path;

use crate::argocd::{checkout, generate};
use crate::support::{Output, binary, render_fixture, root, transcript};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// Snapshots a run as `<name>@<fixture file or folder name>`, whatever the glob matched.
fn snapshot_run(name: &str, path: &Path, out: &Output) {
    let mut s = settings();
    s.set_input_file(path);
    s.set_snapshot_suffix(path.file_name().unwrap().to_str().unwrap());
    s.bind(|| insta::assert_snapshot!(name, transcript(out)));
}

fn snapshot(name: &str, path: &Path, extra: &[&str]) {
    snapshot_run(name, path, &render_fixture(path, extra));
}

/// Renders every fixture of `folder`, which must all succeed, into `<folder>@<file>` snapshots.
fn rendering_folder(folder: &str) {
    insta::glob!(
        "../../fixtures",
        &format!("{folder}/*.{{yaml,json}}"),
        |path| {
            let out = render_fixture(path, &[]);
            assert_eq!(out.code, 0, "{}: {}", path.display(), out.stderr);
            snapshot_run(folder, path, &out);
        }
    );
}

#[test]
fn stan_fixtures() {
    rendering_folder("stan");
}

#[test]
fn jetstream_fixtures() {
    rendering_folder("jetstream");
}

#[test]
fn exotic_fixtures() {
    rendering_folder("exotic");
}

#[test]
fn mixed_fixtures() {
    rendering_folder("mixed");
}

#[test]
fn invalid_fixtures() {
    insta::glob!("../../fixtures", "invalid/*.yaml", |path| {
        let out = render_fixture(path, &[]);
        assert_eq!(out.code, 1, "{}", path.display());
        assert!(out.stdout.is_empty(), "{}: partial output", path.display());
        snapshot("invalid", path, &[]);
    });
}

#[test]
fn real_world_fixtures() {
    insta::glob!("../../fixtures", "real-world/*.yaml", |path| {
        snapshot("real-world", path, &[]);
    });
}

/// Each real-world header says what the controller does; the default run and the
/// `--allow-unknown-fields` run must match it (see the real-world README).
#[test]
fn real_world_verdicts_match_headers() {
    insta::glob!("../../fixtures", "real-world/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let verdict = text
            .lines()
            .find_map(|l| l.strip_prefix("# upstream: "))
            .expect("every real-world fixture has an upstream line");
        let plain = render_fixture(path, &[]);
        let name = path.display();
        if verdict.starts_with("rejected") {
            assert_eq!(plain.code, 1, "{name} must be rejected");
            assert!(plain.stdout.is_empty());
        } else if verdict.starts_with("accepted?") {
            assert_eq!(plain.code, 1, "{name}: an unknown version must be an error");
            assert!(plain.stderr.contains("version"), "{name}: {}", plain.stderr);
        } else if verdict.contains("dropped") || verdict.contains("ignored under native") {
            assert_eq!(plain.code, 1, "{name}: unknown fields fail by default");
            assert!(
                plain.stderr.contains("unknown field") || plain.stderr.contains("only valid under")
            );
            let lenient = render_fixture(path, &["--allow-unknown-fields"]);
            assert_eq!(lenient.code, 0, "{name}: {}", lenient.stderr);
            assert!(
                lenient.stderr.contains("warning: "),
                "{name}: one warning per dropped field"
            );
            snapshot(
                "real-world-allow-unknown",
                path,
                &["--allow-unknown-fields"],
            );
        } else {
            assert!(
                verdict.starts_with("accepted"),
                "{name}: unexpected header {verdict}"
            );
            assert_eq!(plain.code, 0, "{name}: {}", plain.stderr);
        }
    });
}

/// Every ResourceList through the KRM function, as kustomize sends it on stdin.
#[test]
fn krm_fixtures() {
    insta::glob!("../../fixtures", "krm/*.yaml", |path| {
        let input = std::fs::read_to_string(path).unwrap();
        let out = binary(&["krm"]).stdin(&input).seeded().output();
        assert_eq!(out.code, 0, "{}: {}", path.display(), out.stderr);
        snapshot_run("krm", path, &out);
    });
}

/// Every application folder through `argocd generate`, in a fresh copy of the folder with the
/// environment Argo CD's plugin server gives (no parameters, the sidecar's seed).
#[test]
fn argocd_fixtures() {
    insta::glob!("../../fixtures", "argocd/*", |path| {
        assert!(path.is_dir(), "{}: an application folder", path.display());
        let rel = path.strip_prefix(root()).unwrap().to_str().unwrap();
        let out = generate(&checkout(rel), &[]);
        assert_eq!(out.code, 0, "{}: {}", path.display(), out.stderr);
        snapshot_run("argocd", path, &out);
    });
}
