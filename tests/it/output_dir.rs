//! `render -o DIR`: it owns only the files it wrote, changes all or nothing, and never leaves
//! DIR through a symbolic link.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use crate::support::{Output, TempDir, run_seeded, tree_state};

const TWO_BUSES: &str = "fixtures/mixed/several-buses.yaml";

/// An input file with only the first bus of [`TWO_BUSES`] (team-a's).
fn team_a_only(tmp: &TempDir) -> String {
    let all = fs::read_to_string(crate::support::root().join(TWO_BUSES)).unwrap();
    let first = all.split("\n---").next().unwrap();
    let path = tmp.path().join("team-a-only.yaml");
    fs::write(&path, first).unwrap();
    path.to_str().unwrap().to_owned()
}

fn render_to(dir: &Path, extra: &[&str], input: &str) -> Output {
    let mut args = vec!["render", "-o", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(input);
    run_seeded(&args)
}

fn assert_refused(out: &Output, needle: &str) {
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(needle), "{}", out.stderr);
}

#[test]
fn files_the_user_wrote_survive_and_changes_are_reported() {
    let tmp = TempDir::new("out-own");
    let dir = tmp.path();
    let first = render_to(dir, &[], TWO_BUSES);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first
            .stderr
            .contains("14 written, 0 updated, 0 unchanged, 0 removed"),
        "{}",
        first.stderr
    );
    let pdb = dir.join("team-a/default/poddisruptionbudget-eventbus-default-pdb.yaml");
    assert!(
        fs::read_to_string(&pdb)
            .unwrap()
            .starts_with("# Written by eventbus-gen")
    );

    let kustomization = dir.join("team-a/default/kustomization.yaml");
    fs::write(&kustomization, "resources: []\n").unwrap();
    fs::write(dir.join("team-a/notes.yaml"), "notes\n").unwrap();
    fs::write(dir.join("README.md"), "mine\n").unwrap();

    let again = render_to(dir, &[], TWO_BUSES);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("is up to date (14 files unchanged); nothing was written"),
        "{}",
        again.stderr
    );

    let no_pdb = render_to(dir, &["--no-pdb"], TWO_BUSES);
    assert_eq!(no_pdb.code, 0, "{}", no_pdb.stderr);
    assert!(
        no_pdb
            .stderr
            .contains(&format!("removed {}", pdb.display())),
        "{}",
        no_pdb.stderr
    );
    assert!(!pdb.exists());
    assert_eq!(
        fs::read_to_string(&kustomization).unwrap(),
        "resources: []\n"
    );
    assert!(dir.join("team-a/notes.yaml").exists() && dir.join("README.md").exists());

    // A bus no longer in the input: its files go, and its folders when nothing else is left.
    let input = team_a_only(&tmp);
    let one = render_to(dir, &["--no-pdb"], &input);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert!(!dir.join("team-b").exists(), "{:?}", tree_state(dir));
    assert!(
        dir.join("team-a/default/service-eventbus-default-stan-svc.yaml")
            .exists()
    );
    assert_eq!(
        fs::read_to_string(&kustomization).unwrap(),
        "resources: []\n"
    );
    assert!(dir.join("team-a/notes.yaml").exists());

    // A bus folder that still holds a file of the user's stays, with that file only.
    fs::write(dir.join("team-a/default/mine.txt"), "x").unwrap();
    fs::remove_file(&kustomization).unwrap();
    let other = dir.join("other.yaml");
    fs::write(&other, "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {name: b, namespace: team-b}\nspec: {nats: {native: {auth: none}}}\n").unwrap();
    let moved = render_to(dir, &[], other.to_str().unwrap());
    assert_eq!(moved.code, 0, "{}", moved.stderr);
    let left: Vec<String> = tree_state(dir)
        .into_keys()
        .filter(|k| k.starts_with("team-a/"))
        .collect();
    assert_eq!(
        left,
        [
            "team-a/default",
            "team-a/default/mine.txt",
            "team-a/notes.yaml"
        ]
    );

    let quiet = render_to(dir, &["--no-pdb", "-q"], &input);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
}

#[test]
fn a_file_of_the_user_where_an_object_goes_is_refused() {
    let tmp = TempDir::new("out-user-file");
    let dir = tmp.path();
    let pdb = dir.join("team-a/default/poddisruptionbudget-eventbus-default-pdb.yaml");
    fs::create_dir_all(pdb.parent().unwrap()).unwrap();
    fs::write(&pdb, "my own\n").unwrap();
    let before = tree_state(dir);
    assert_refused(
        &render_to(dir, &[], TWO_BUSES),
        "was not written by eventbus-gen",
    );
    assert_eq!(tree_state(dir), before);
}

#[test]
fn an_injected_failure_leaves_the_folder_as_it_was() {
    let tmp = TempDir::new("out-fail");
    let dir = tmp.path();
    assert_eq!(render_to(dir, &[], TWO_BUSES).code, 0);

    // A folder where a file must go: found while planning.
    let service = dir.join("team-b/default/service-eventbus-default-stan-svc.yaml");
    fs::remove_file(&service).unwrap();
    fs::create_dir(&service).unwrap();
    let before = tree_state(dir);
    assert_refused(
        &render_to(dir, &["--no-pdb", "--label", "a=b"], TWO_BUSES),
        "not a regular file",
    );
    assert_eq!(tree_state(dir), before);
    fs::remove_dir(&service).unwrap();

    // A file where a folder must go.
    fs::write(dir.join("team-c"), "x").unwrap();
    let bus_c = "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {name: c, namespace: team-c}\nspec: {nats: {native: {auth: none}}}\n";
    let input = dir.join("c.yaml");
    fs::write(&input, bus_c).unwrap();
    let before = tree_state(dir);
    assert_refused(
        &render_to(dir, &[], input.to_str().unwrap()),
        "must be a folder",
    );
    assert_eq!(tree_state(dir), before);
    fs::remove_file(dir.join("team-c")).unwrap();

    // A failure while staging, after new folders and temporary files were made: the last
    // file's temporary name is taken by a folder.
    let out = tmp.path().join("fresh");
    let last = out.join("team-c/c/statefulset-eventbus-c-stan.yaml");
    let blocker = last.with_file_name(".statefulset-eventbus-c-stan.yaml.eventbus-gen-tmp");
    fs::create_dir_all(&blocker).unwrap();
    let before = tree_state(&out);
    assert_refused(
        &render_to(&out, &[], input.to_str().unwrap()),
        "left as it was",
    );
    assert_eq!(tree_state(&out), before);
}

#[test]
fn nothing_outside_the_folder_changes_through_a_link() {
    let tmp = TempDir::new("out-links");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(outside.join("default")).unwrap();
    fs::write(outside.join("secret.txt"), "keep\n").unwrap();
    // A stale-looking file of ours outside DIR.
    let ours = outside.join("default/service-eventbus-default-stan-svc.yaml");
    let seeded = render_to(&tmp.path().join("seed-dir"), &[], TWO_BUSES);
    assert_eq!(seeded.code, 0);
    fs::copy(
        tmp.path()
            .join("seed-dir/team-a/default/service-eventbus-default-stan-svc.yaml"),
        &ours,
    )
    .unwrap();
    let outside_before = tree_state(&outside);

    // The namespace folder is a link.
    let dir = tmp.path().join("ns-link");
    fs::create_dir(&dir).unwrap();
    symlink(&outside, dir.join("team-a")).unwrap();
    assert_refused(
        &render_to(&dir, &[], TWO_BUSES),
        &format!("{} is a symbolic link", dir.join("team-a").display()),
    );

    // The bus folder is a link.
    let dir = tmp.path().join("bus-link");
    fs::create_dir_all(dir.join("team-a")).unwrap();
    symlink(outside.join("default"), dir.join("team-a/default")).unwrap();
    assert_refused(
        &render_to(&dir, &[], TWO_BUSES),
        "team-a/default is a symbolic link",
    );

    // An object file is a link (to a file outside, and a dangling one).
    let dir = tmp.path().join("file-link");
    assert_eq!(render_to(&dir, &[], TWO_BUSES).code, 0);
    let secret = dir.join("team-a/default/secret-eventbus-default-client.yaml");
    fs::remove_file(&secret).unwrap();
    symlink(outside.join("secret.txt"), &secret).unwrap();
    assert_refused(&render_to(&dir, &[], TWO_BUSES), "is a symbolic link");
    fs::remove_file(&secret).unwrap();
    symlink(outside.join("absent.yaml"), &secret).unwrap();
    assert_refused(&render_to(&dir, &[], TWO_BUSES), "is a symbolic link");
    assert!(!outside.join("absent.yaml").exists());

    // Stale files are looked for only in real folders: a link to a folder of ours outside
    // DIR is left alone even when its bus is gone.
    let dir = tmp.path().join("stale-link");
    fs::create_dir_all(&dir).unwrap();
    symlink(&outside, dir.join("team-z")).unwrap();
    assert_eq!(render_to(&dir, &[], &team_a_only(&tmp)).code, 0);
    assert!(
        dir.join("team-z")
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink()
    );

    assert_eq!(tree_state(&outside), outside_before);
}

/// A link or FIFO the user put where a temporary file would go stops the run, and is still
/// there afterwards: a failed run removes only what it created.
#[test]
fn a_failed_run_removes_nothing_of_the_user() {
    let tmp = TempDir::new("out-temp-link");
    let dir = tmp.path().join("out");
    let input = team_a_only(&tmp);
    let bus_dir = dir.join("team-a/default");
    fs::create_dir_all(&bus_dir).unwrap();
    let outside = tmp.path().join("outside");
    fs::write(&outside, "x\n").unwrap();
    let temp = bus_dir.join(".configmap-eventbus-default-stan-configmap.yaml.eventbus-gen-tmp");
    symlink(&outside, &temp).unwrap();
    let before = tree_state(tmp.path());
    let out = render_to(&dir, &[], &input);
    assert_refused(&out, "not a regular file is in the way");
    assert!(
        fs::symlink_metadata(&temp)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(tree_state(tmp.path()), before, "{}", out.stderr);
}

/// Every path under `dir` with its kind, length and modification time: what `--check` must
/// leave exactly as it was.
fn stamps(dir: &Path) -> Vec<(String, bool, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for e in fs::read_dir(&at).unwrap() {
            let p = e.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p.clone());
            }
            out.push((
                p.display().to_string(),
                m.is_dir(),
                m.len(),
                m.modified().unwrap(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn check_names_missing_stale_and_extra_files_and_changes_nothing() {
    let tmp = TempDir::new("out-check");
    let dir = tmp.path().join("out");
    let d = dir.to_str().unwrap();

    // Nothing rendered yet: every file is missing, and DIR is not even created.
    let none = run_seeded(&["render", "--check", "-o", d, TWO_BUSES]);
    assert_eq!(none.code, 1, "{}", none.stderr);
    assert_eq!(
        none.stderr.matches(": missing: ").count(),
        14,
        "{}",
        none.stderr
    );
    assert!(none.stdout.is_empty());
    assert!(!dir.exists(), "--check created the output folder");

    assert_eq!(render_to(&dir, &[], TWO_BUSES).code, 0);
    fs::write(
        dir.join("team-a/default/kustomization.yaml"),
        "resources: []\n",
    )
    .unwrap();
    fs::write(dir.join("notes.md"), "mine\n").unwrap();
    let up_to_date = run_seeded(&["render", "--check", "-o", d, TWO_BUSES]);
    assert_eq!(up_to_date.code, 0, "{}", up_to_date.stderr);
    assert!(
        up_to_date
            .stderr
            .contains("is up to date (14 files checked)")
    );
    assert!(
        run_seeded(&["render", "--check", "-q", "-o", d, TWO_BUSES])
            .stderr
            .is_empty()
    );

    // Hand edits and a changed option: each file named once, with what is wrong with it;
    // the user's own files (no header) are never called extra.
    let cm = dir.join("team-a/default/configmap-eventbus-default-stan-configmap.yaml");
    fs::write(&cm, fs::read_to_string(&cm).unwrap() + "# edited\n").unwrap();
    let svc = dir.join("team-b/default/service-eventbus-default-stan-svc.yaml");
    fs::remove_file(&svc).unwrap();
    let sts = dir.join("team-b/default/statefulset-eventbus-default-stan.yaml");
    let mine = fs::read_to_string(&sts).unwrap();
    fs::write(
        &sts,
        mine.split_once('\n')
            .unwrap()
            .1
            .replace("replicas: 3", "replicas: 5"),
    )
    .unwrap();
    let before_state = tree_state(&dir);
    let before = stamps(&dir);
    let out = run_seeded(&["render", "--check", "--no-pdb", "-o", d, TWO_BUSES]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let line = |what: &str, p: &Path| format!("eventbus-gen: {what}: {}\n", p.display());
    assert!(out.stderr.contains(&line("stale", &cm)), "{}", out.stderr);
    assert!(
        out.stderr.contains(&line("missing", &svc)),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&line(
            "stale, and not written by eventbus-gen (render -o refuses to replace it)",
            &sts
        )),
        "{}",
        out.stderr
    );
    for team in ["team-a", "team-b"] {
        let pdb = dir.join(format!(
            "{team}/default/poddisruptionbudget-eventbus-default-pdb.yaml"
        ));
        assert!(
            out.stderr.contains(&line(
                "extra (eventbus-gen wrote it and no longer renders it)",
                &pdb
            )),
            "{}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains("kustomization") && !out.stderr.contains("notes.md"));
    assert!(
        out.stderr.contains("1 missing, 2 stale, 2 extra"),
        "{}",
        out.stderr
    );
    assert_eq!(tree_state(&dir), before_state, "--check changed the folder");
    assert_eq!(stamps(&dir), before, "--check touched a file");
}

#[test]
fn check_exits_2_on_errors_so_that_1_always_means_stale() {
    let tmp = TempDir::new("out-check-errors");
    let d = tmp.path().to_str().unwrap();
    let invalid = run_seeded(&[
        "render",
        "--check",
        "-o",
        d,
        "fixtures/invalid/auth-basic.yaml",
    ]);
    assert_eq!(invalid.code, 2, "{}", invalid.stderr);
    assert!(invalid.stderr.contains("spec.nats.native.auth"));
    // A link where a namespace folder goes stops the comparison: not followed, not "stale".
    symlink("/", tmp.path().join("team-a")).unwrap();
    assert_refused(
        &run_seeded(&["render", "--check", "-o", d, TWO_BUSES]),
        "is a symbolic link",
    );
    // --check means nothing without -o.
    let no_dir = run_seeded(&["render", "--check", TWO_BUSES]);
    assert_eq!(no_dir.code, 2);
    assert!(no_dir.stderr.contains("--output-dir"), "{}", no_dir.stderr);
}

/// A file of the user's at the name of a temporary file is neither removed nor overwritten;
/// a leftover of an interrupted run (it starts with the header) is.
#[test]
fn a_file_at_a_temporary_name_is_removed_only_when_ours() {
    let tmp = TempDir::new("out-temp");
    let dir = tmp.path().join("out");
    let bus = dir.join("argo-events/default");
    fs::create_dir_all(&bus).unwrap();
    let temp = bus.join(".secret-eventbus-default-client.yaml.eventbus-gen-tmp");
    fs::write(&temp, "my precious notes\n").unwrap();
    let before = tree_state(&dir);
    let out = render_to(&dir, &[], "examples/native.yaml");
    assert_refused(&out, "did not write is in the way");
    assert_eq!(tree_state(&dir), before, "the folder changed");
    // A leftover of our own goes.
    fs::write(&temp, format!("{}\nkind: Secret\n", eventbus_gen_header())).unwrap();
    let out = render_to(&dir, &[], "examples/native.yaml");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!temp.exists());
}

/// The first line of every file `render -o` writes.
fn eventbus_gen_header() -> String {
    let tmp = TempDir::new("out-header");
    let out = render_to(tmp.path(), &[], "examples/native.yaml");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let file = tmp
        .path()
        .join("argo-events/default/service-eventbus-default-stan-svc.yaml");
    fs::read_to_string(file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

/// Runs of `render -o` on one folder at the same time take turns: each ends with the folder
/// holding exactly one run's render, never a mix.
#[test]
fn concurrent_renders_of_one_folder_never_mix() {
    let tmp = TempDir::new("out-race");
    let dir = tmp.path().join("out");
    let dir_s = dir.to_str().unwrap().to_owned();
    for _ in 0..3 {
        let runs: Vec<_> = (0..8)
            .map(|i| {
                let dir_s = dir_s.clone();
                std::thread::spawn(move || {
                    let label = if i % 2 == 0 { "run=even" } else { "run=odd" };
                    let mut args = vec!["render", "-q", "-o", &dir_s, "--label", label];
                    if i % 2 == 1 {
                        args.push("--no-pdb");
                    }
                    args.push("examples/native.yaml");
                    run_seeded(&args)
                })
            })
            .collect();
        for r in runs {
            let out = r.join().unwrap();
            assert_eq!(out.code, 0, "{}", out.stderr);
        }
        let mut files = tree_state(&dir);
        files.retain(|k, _| k.ends_with(".yaml"));
        let even = files.values().filter(|t| t.contains("run: even")).count();
        let odd = files.values().filter(|t| t.contains("run: odd")).count();
        let pdb = files.keys().any(|k| k.contains("poddisruptionbudget"));
        assert!(
            (even == files.len() && pdb) || (odd == files.len() && !pdb),
            "mixed: {even} even, {odd} odd, pdb {pdb}, files {:?}",
            files.keys().collect::<Vec<_>>()
        );
    }
}
