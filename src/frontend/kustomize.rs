//! eventbus-gen as a kustomize exec plugin: the legacy plugin form that `kubectl kustomize
//! --enable-alpha-plugins` (and Argo CD's kustomize with that build option) runs.
//!
//! kustomize looks for the executable `<plugin home>/<apiVersion>/<lowercase kind>/<kind>` of
//! each `generators:` or `transformers:` entry and runs it in the kustomization's folder with
//! one argument: a temporary file holding the entry, serialized again by kustomize (comments
//! gone). A generator gets nothing on stdin; a transformer gets every resource of the build so
//! far as a YAML stream, each with a `kustomize.config.k8s.io/id` annotation. Either prints a
//! YAML stream: a generator's objects are added to the build, a transformer's output replaces
//! the build (objects matched by kind, namespace and name; those left out are removed).
//!
//! Two entries have a plugin:
//!
//! - an `EventBus` ([`GENERATOR`]): renders that bus, options in its
//!   [`OPTIONS_ANNOTATION`](super::function::OPTIONS_ANNOTATION). Under `generators:` its
//!   tokens come from the seed or are drawn at random (`randomTokens`); under `transformers:`
//!   the build's resources pass through and the bus's existing Secrets among them are kept.
//! - an `EventBusRenderOptions` ([`TRANSFORMER`]): renders every native bus among the build's
//!   resources, as the KRM function's transformer does (each replaced by its companion exotic
//!   bus, Secrets among the resources kept), options in its `spec`.
//!
//! Both run the KRM function's processor on a ResourceList built from the entry and stdin, and
//! print its items as a plain stream, or nothing and an error on stderr.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::advice::Terms;
use super::function::{self, CONFIG_API_VERSION, CONFIG_KIND, Environment, Host};
use crate::krm::ResourceList;
use crate::parse::{DocumentKind, document_kind};
use crate::yaml::{self, Schema};

/// A plugin kustomize can run: where it lies under the plugin home and what it renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plugin {
    /// `apiVersion` of the entries it is run for.
    pub api_version: &'static str,
    /// `kind` of those entries, which is also the executable's file name.
    pub kind: &'static str,
}

impl Plugin {
    /// The executable's path below the plugin home: `<apiVersion>/<lowercase kind>/<kind>`.
    pub fn path(&self) -> String {
        format!(
            "{}/{}/{}",
            self.api_version,
            self.kind.to_ascii_lowercase(),
            self.kind
        )
    }
}

/// The plugin run for an `EventBus` entry.
pub const GENERATOR: Plugin = Plugin {
    api_version: "argoproj.io/v1alpha1",
    kind: "EventBus",
};

/// The plugin run for an `EventBusRenderOptions` entry.
pub const TRANSFORMER: Plugin = Plugin {
    api_version: CONFIG_API_VERSION,
    kind: CONFIG_KIND,
};

/// Every plugin, in the order they are installed.
pub const PLUGINS: [Plugin; 2] = [GENERATOR, TRANSFORMER];

/// The plugin an executable named `file_name` stands for: kustomize runs the plugin by the
/// name of its kind, so a link or copy of the binary with that name is the plugin.
pub fn plugin_named(file_name: &str) -> Option<Plugin> {
    PLUGINS.into_iter().find(|p| p.kind == file_name)
}

/// How users of the `EventBus` plugin set what advice asks for.
const BUS_TERMS: Terms = Terms {
    seed: "set EVENTBUS_GEN_SEED where kustomize runs (the plugin inherits its environment) or \
           seedFile in the bus's eventbus-gen/options annotation",
    secrets: "among the kustomization's resources and list the bus under transformers: instead \
              of generators:",
    random: Some("set randomTokens: true in the bus's eventbus-gen/options annotation"),
    no_random: "",
    namespace: "namespace in the bus's eventbus-gen/options annotation",
    option: |key| format!("{key} in the bus's eventbus-gen/options annotation"),
};

/// How users of the `EventBusRenderOptions` plugin set what advice asks for.
const OPTIONS_TERMS: Terms = Terms {
    seed: "set EVENTBUS_GEN_SEED where kustomize runs (the plugin inherits its environment) or \
           seedFile in the spec of the EventBusRenderOptions",
    secrets: "among the kustomization's resources",
    random: Some("set randomTokens: true in the spec of the EventBusRenderOptions"),
    no_random: "",
    namespace: "namespace in the spec of the EventBusRenderOptions",
    option: |key| format!("{key} in the spec of the EventBusRenderOptions"),
};

/// What a run of the plugin gives: the same as the KRM function's (here `stdout` is the YAML
/// stream of objects, empty on failure).
pub use crate::frontend::function::Outcome;

impl Outcome {
    fn failure(message: &str) -> Self {
        Outcome {
            stdout: String::new(),
            stderr: vec![format!(
                "eventbus-gen: error: {}",
                super::advice::line(message)
            )],
            success: false,
        }
    }
}

/// Runs the plugin on the text of the entry kustomize wrote (`config`, read from `config_name`)
/// and of its stdin (`resources`; empty for a generator).
pub fn run(config_name: &str, config: &str, resources: &str, env: &Environment) -> Outcome {
    let config = match read_config(config_name, config) {
        Ok(config) => config,
        Err(message) => return Outcome::failure(&message),
    };
    let terms = if document_kind(&config) == DocumentKind::EventBus {
        &BUS_TERMS
    } else {
        &OPTIONS_TERMS
    };
    let items = match read_resources(resources) {
        Ok(items) => items,
        Err(message) => return Outcome::failure(&message),
    };
    let mut list = ResourceList::new(items);
    list.function_config = Some(config);
    let host = Host {
        terms,
        place_files: false,
        list_items: false,
    };
    let evaluated = function::evaluate(&list, env, &host);
    let stderr = function::stderr_lines(&evaluated.results, "nothing was printed", false);
    if !evaluated.success {
        return Outcome {
            stdout: String::new(),
            stderr,
            success: false,
        };
    }
    let mut before = String::new();
    for item in evaluated.items {
        match item.into_yaml() {
            Ok(text) => {
                if !before.is_empty() {
                    before.push_str(crate::output::SEPARATOR);
                }
                before.push_str(&text);
            }
            Err(e) => return Outcome::failure(&e.to_string()),
        }
    }
    // The new objects, already a stream, follow the items without being copied.
    let mut stdout = evaluated.appended.text;
    if !before.is_empty() && !stdout.is_empty() {
        before.push_str(crate::output::SEPARATOR);
    }
    stdout.insert_str(0, &before);
    Outcome {
        stdout,
        stderr,
        success: true,
    }
}

/// The entry: one mapping, an `EventBus` or an `EventBusRenderOptions`.
fn read_config(name: &str, text: &str) -> Result<Value, String> {
    let docs = yaml::load_documents_with(text, Schema::Kyaml).map_err(|e| match e.location() {
        Some(l) => format!("{name}:{l}: {e}"),
        None => format!("{name}: {e}"),
    })?;
    let [doc] = <[_; 1]>::try_from(docs).map_err(|docs: Vec<_>| {
        format!(
            "{name}: expected the one generator or transformer entry kustomize writes, found {} \
             documents",
            docs.len()
        )
    })?;
    let config = doc.value;
    let api = config.get("apiVersion").and_then(Value::as_str);
    let kind = config.get("kind").and_then(Value::as_str);
    let known = document_kind(&config) == DocumentKind::EventBus
        || (api == Some(TRANSFORMER.api_version) && kind == Some(TRANSFORMER.kind));
    if known {
        Ok(config)
    } else {
        Err(format!(
            "{name}: a {}/{} entry; this plugin renders an EventBus ({}) or an \
             {CONFIG_KIND} ({CONFIG_API_VERSION}) entry, so it must be installed only under \
             their plugin paths ({} and {})",
            api.unwrap_or("?"),
            kind.unwrap_or("?"),
            GENERATOR.api_version,
            GENERATOR.path(),
            TRANSFORMER.path(),
        ))
    }
}

/// The resources on stdin: a YAML stream of objects.
fn read_resources(text: &str) -> Result<Vec<Value>, String> {
    // Positions of fields are never used here (only the values go on), so none are recorded.
    let docs =
        yaml::load_documents_unlocated(text, Schema::Kyaml).map_err(|e| match e.location() {
            Some(l) => format!("stdin:{l}: {e}"),
            None => format!("stdin: {e}"),
        })?;
    docs.into_iter()
        .filter(|d| !d.value.is_null())
        .map(|d| {
            if d.value.is_object() {
                Ok(d.value)
            } else {
                Err(format!(
                    "stdin: document {} is not a mapping; kustomize sends its resources as \
                     objects",
                    d.index + 1
                ))
            }
        })
        .collect()
}

/// How [`install`] puts the plugin executables in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallMode {
    /// A symbolic link to the binary: upgrading the binary upgrades the plugins.
    Link,
    /// A copy of the binary: for a plugin home that another container or machine mounts,
    /// where the binary's own path does not exist.
    Copy,
}

/// The plugin home kustomize reads, from the values of `KUSTOMIZE_PLUGIN_HOME`,
/// `XDG_CONFIG_HOME` and `HOME` (unset or empty ones skipped), in kustomize's order.
pub fn default_plugin_home(
    plugin_home: Option<&std::ffi::OsStr>,
    config_home: Option<&std::ffi::OsStr>,
    home: Option<&std::ffi::OsStr>,
) -> Option<PathBuf> {
    let set = |v: Option<&std::ffi::OsStr>| v.filter(|v| !v.is_empty()).map(PathBuf::from);
    set(plugin_home)
        .or_else(|| set(config_home).map(|c| c.join("kustomize/plugin")))
        .or_else(|| set(home).map(|h| h.join(".config/kustomize/plugin")))
}

/// Puts an executable for each of [`PLUGINS`] under the plugin home `home` (created when
/// missing): `exe` itself, linked or copied as `mode` says. Each executable is written under a
/// temporary name and renamed into place, so kustomize never runs a half-written one. Folders
/// below `home` that are symbolic links are refused rather than followed. Returns the paths
/// written.
pub fn install(home: &Path, exe: &Path, mode: InstallMode) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(home)
        .map_err(|e| format!("cannot create the plugin home {}: {e}", home.display()))?;
    let mut written = Vec::new();
    for plugin in PLUGINS {
        let dir = home
            .join(plugin.api_version)
            .join(plugin.kind.to_ascii_lowercase());
        let mut at = home.to_path_buf();
        for part in dir.strip_prefix(home).expect("below home").components() {
            at.push(part);
            match std::fs::symlink_metadata(&at) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(format!(
                        "{} is not a folder (a symbolic link or a file); remove it or choose \
                         another plugin home",
                        at.display()
                    ));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir(&at)
                    .map_err(|e| format!("cannot create {}: {e}", at.display()))?,
                Err(e) => return Err(format!("cannot read {}: {e}", at.display())),
            }
        }
        let target = dir.join(plugin.kind);
        let temp = dir.join(format!(
            ".{}.eventbus-gen-{}",
            plugin.kind,
            std::process::id()
        ));
        let cannot = |e: std::io::Error| format!("cannot write {}: {e}", target.display());
        // A name that is taken is left alone: only what `place` created is removed.
        place(exe, &temp, mode).map_err(cannot)?;
        if let Err(e) = std::fs::rename(&temp, &target) {
            let _ = std::fs::remove_file(&temp);
            return Err(cannot(e));
        }
        written.push(target);
    }
    Ok(written)
}

/// Writes `exe` at `temp`, a name that must not exist, as a link or an executable copy; a copy
/// that fails half-way is removed.
fn place(exe: &Path, temp: &Path, mode: InstallMode) -> std::io::Result<()> {
    match mode {
        InstallMode::Link => std::os::unix::fs::symlink(exe, temp),
        InstallMode::Copy => {
            use std::os::unix::fs::PermissionsExt;
            let mut from = std::fs::File::open(exe)?;
            let mut to = super::fsread::create_new_no_follow(temp)?;
            let copied = std::io::copy(&mut from, &mut to)
                .and_then(|_| to.set_permissions(std::fs::Permissions::from_mode(0o755)))
                .and_then(|()| to.sync_all());
            if copied.is_err() {
                let _ = std::fs::remove_file(temp);
            }
            copied
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUS: &str = "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: b\n  \
                       namespace: ev\nspec:\n  nats:\n    native:\n      auth: token\n";

    fn seeded() -> Environment {
        Environment {
            seed: Some(b"0123456789abcdef0123456789abcdef".to_vec()),
        }
    }

    #[test]
    fn plugin_paths_follow_kustomizes_layout() {
        assert_eq!(GENERATOR.path(), "argoproj.io/v1alpha1/eventbus/EventBus");
        assert_eq!(
            TRANSFORMER.path(),
            "fn.eventbus-gen.dev/v1alpha1/eventbusrenderoptions/EventBusRenderOptions"
        );
        assert_eq!(plugin_named("EventBus"), Some(GENERATOR));
        assert_eq!(plugin_named("eventbus-gen"), None);
    }

    #[test]
    fn a_generator_prints_the_objects_without_file_annotations() {
        let out = run("cfg", BUS, "", &seeded());
        assert!(out.success, "{:?}", out.stderr);
        let docs = yaml::load_documents(&out.stdout).unwrap();
        let kinds: Vec<_> = docs
            .iter()
            .map(|d| d.value["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "Service",
                "ConfigMap",
                "Secret",
                "Secret",
                "StatefulSet",
                "PodDisruptionBudget",
                "EventBus"
            ]
        );
        assert!(
            !out.stdout.contains("config.kubernetes.io/"),
            "{}",
            out.stdout
        );
    }

    #[test]
    fn errors_print_nothing_and_speak_of_the_plugins_settings() {
        let out = run("cfg", BUS, "", &Environment::default());
        assert!(!out.success);
        assert!(out.stdout.is_empty());
        let text = out.stderr.join("\n");
        assert!(text.contains("eventbus-gen/options annotation"), "{text}");
        assert!(text.ends_with("nothing was printed"), "{text}");

        let other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
        let out = run("cfg", other, "", &seeded());
        assert!(!out.success && out.stderr[0].contains("v1/ConfigMap entry"));
        let out = run("cfg", BUS, "- a\n", &seeded());
        assert!(!out.success && out.stderr[0].contains("not a mapping"));
    }

    #[test]
    fn the_plugin_home_is_found_in_kustomizes_order() {
        use std::ffi::OsStr;
        let s = |v: &'static str| Some(OsStr::new(v));
        assert_eq!(
            default_plugin_home(s("/p"), s("/c"), s("/h")),
            Some(PathBuf::from("/p"))
        );
        assert_eq!(
            default_plugin_home(s(""), s("/c"), s("/h")),
            Some(PathBuf::from("/c/kustomize/plugin"))
        );
        assert_eq!(
            default_plugin_home(None, None, s("/h")),
            Some(PathBuf::from("/h/.config/kustomize/plugin"))
        );
        assert_eq!(default_plugin_home(None, None, None), None);
    }

    #[test]
    fn install_links_or_copies_and_refuses_linked_folders() {
        let dir = std::env::temp_dir().join(format!("ebg-kz-install-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let exe = dir.join("bin/eventbus-gen");
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        let home = dir.join("home");
        let written = install(&home, &exe, InstallMode::Link).unwrap();
        assert_eq!(written[0], home.join(GENERATOR.path()));
        assert_eq!(std::fs::read_link(&written[1]).unwrap(), exe);
        // Again, as a copy: the links are replaced by executable files.
        let written = install(&home, &exe, InstallMode::Copy).unwrap();
        for path in &written {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::symlink_metadata(path).unwrap();
            assert!(m.is_file() && m.permissions().mode() & 0o777 == 0o755);
            assert_eq!(std::fs::read(path).unwrap(), b"#!/bin/sh\n");
        }
        // A file in the way of the temporary name is neither used nor removed.
        let dir_of = written[0].parent().unwrap();
        let taken = dir_of.join(format!(".EventBus.eventbus-gen-{}", std::process::id()));
        std::fs::write(&taken, "not ours").unwrap();
        assert!(install(&home, &exe, InstallMode::Copy).is_err());
        assert_eq!(std::fs::read(&taken).unwrap(), b"not ours");
        std::fs::remove_file(&taken).unwrap();
        // A folder of the layout that is a link is not followed.
        let elsewhere = dir.join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let home2 = dir.join("home2");
        std::fs::create_dir_all(home2.join("argoproj.io")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, home2.join("argoproj.io/v1alpha1")).unwrap();
        let e = install(&home2, &exe, InstallMode::Copy).unwrap_err();
        assert!(e.contains("not a folder"), "{e}");
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
