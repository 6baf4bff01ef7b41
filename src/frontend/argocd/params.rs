//! Plugin parameters, `ARGOCD_ENV_*` variables and the seed, through the one options mapping.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    APPLICATION_PREFIXES, DEFAULT_SEEDS_DIR, Env, Failure, PARAM_ENV_PREFIX, PARAMETERS_ENV,
    SEED_ENV_PREFIX, SEEDS_DIR_ENV, SourceParams, USER_ENV_PREFIX,
};
use crate::frontend::options::{self, OptionError, Origin, Raw, Reader, normalize};
use crate::frontend::seed::{self, SEED_ENV};
use crate::options::{RenderOptions, Seed};

/// Where a parameter value came from, for messages.
#[derive(Clone, Debug)]
pub(super) struct Param {
    name: String,
    value: ParamValue,
    origin: String,
}

/// A raw parameter value, as Argo CD hands it over.
#[derive(Clone, Debug)]
enum ParamValue {
    String(String),
    Array(Vec<String>),
    Map(BTreeMap<String, String>),
}

/// One entry of `ARGOCD_APP_PARAMETERS`.
#[derive(Deserialize)]
struct AppParameter {
    name: String,
    string: Option<String>,
    array: Option<Vec<String>>,
    map: Option<BTreeMap<String, String>>,
}

/// Parameter values collected so far, by the struct they set, each through the one options
/// mapping.
#[derive(Default)]
pub(super) struct Values {
    pub(super) source: Reader<SourceParams>,
    pub(super) options: Reader<RenderOptions>,
    /// The keys set by the current layer (the `plugin.env` entries, then the parameters), with
    /// what set them: a key set twice in one layer is an error, since which one wins would
    /// depend on an order the user does not see. A later layer may override an earlier one.
    seen: BTreeMap<String, String>,
}

impl Values {
    /// Checks `param` against the known names and types, and records it. A name is a key of
    /// the options mapping (`images.nats`), or a top-level key spelled in any case and
    /// punctuation (`POD_DISRUPTION_BUDGET`, as `ARGOCD_ENV_*` variables are).
    pub(super) fn set(&mut self, param: Param, problems: &mut Vec<String>) {
        let raw = match param.value {
            ParamValue::String(s) => Raw::Text(s),
            ParamValue::Array(a) => Raw::List(a),
            ParamValue::Map(m) => Raw::Map(m),
        };
        let origin = Origin::named(param.origin.clone());
        let key = if let Some(key) = self.source.loose_key(&param.name).map(str::to_owned) {
            Some((true, key))
        } else if self.options.knows(&param.name) {
            Some((false, param.name.clone()))
        } else {
            self.options
                .loose_key(&param.name)
                .map(|k| (false, k.to_owned()))
        };
        if let Some((_, key)) = &key
            && let Some(first) = self.seen.insert(key.clone(), param.origin.clone())
        {
            problems.push(format!(
                "{}: sets {key} again, as {first} does; give each parameter once",
                param.origin
            ));
            return;
        }
        let result = if let Some((true, key)) = &key {
            self.source.set(key, raw, origin)
        } else if let Some((false, key)) = &key {
            self.options.set(key, raw, origin)
        } else {
            let mut known: Vec<String> = options::keys::<RenderOptions>()
                .into_iter()
                .chain(options::keys::<SourceParams>())
                .filter(|k| k != "randomTokens")
                .collect();
            known.sort();
            problems.push(format!(
                "{}: unknown parameter {}{}; known parameters: {}",
                param.origin,
                crate::error::quote(&param.name),
                near(&param.name, &known),
                known.join(", ")
            ));
            return;
        };
        if let Err(e) = result {
            problems.push(describe(&e));
        }
    }

    /// Starts the next layer: its keys may override the earlier layer's, once each.
    pub(super) fn next_layer(&mut self) {
        self.seen.clear();
    }
}

/// ", did you mean X?" when a known parameter is close to `name`.
fn near(name: &str, known: &[String]) -> String {
    options::closest(name, known.iter().map(String::as_str))
        .map(|k| format!(", did you mean {k}?"))
        .unwrap_or_default()
}

/// Reads the collected values; an error names the parameter that set the bad value.
pub(super) fn finish<T: Default + Serialize + DeserializeOwned>(
    reader: Reader<T>,
) -> Result<T, Failure> {
    reader
        .finish()
        .map_err(|e| Failure::setup(vec![describe(&e)]))
}

/// An option error as `parameter "x": ...`, or `VARIABLE (parameter x): ...` for a variable.
fn describe(e: &OptionError) -> String {
    match &e.origin {
        Some(o) if o.starts_with("parameter") => format!("{o}: {}", e.message),
        Some(o) => format!("{o} (parameter {}): {}", e.key, e.message),
        None => format!("parameter {}: {}", e.key, e.message),
    }
}

/// The `ARGOCD_ENV_*` variables, as parameters.
pub(super) fn user_env_params(env: &Env) -> Vec<Param> {
    env.iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix(USER_ENV_PREFIX)?;
            Some(Param {
                name: name.to_owned(),
                value: ParamValue::String(v.clone()),
                origin: k.clone(),
            })
        })
        .collect()
}

/// The parameters set in the Application: from `ARGOCD_APP_PARAMETERS` when present (JSON
/// `null` means none), else from the `PARAM_*` variables.
pub(super) fn parameters(env: &Env) -> Result<Vec<Param>, String> {
    if let Some(json) = env.get(PARAMETERS_ENV) {
        // Read like every other YAML (JSON is YAML), so that the same bounds apply.
        let not_a_list = |e: &dyn std::fmt::Display| {
            format!("{PARAMETERS_ENV} is not a JSON list of parameters: {e}")
        };
        let value = crate::yaml::load_documents_with(json, crate::yaml::Schema::Kyaml)
            .map_err(|e| match e.location() {
                Some(l) => not_a_list(&format_args!("{e} at line {} column {}", l.line, l.column)),
                None => not_a_list(&e),
            })?
            .into_iter()
            .next()
            .map_or(serde_json::Value::Null, |d| d.value);
        let list: Option<Vec<AppParameter>> =
            serde_json::from_value(value).map_err(|e| not_a_list(&e))?;
        return list
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let origin = format!("parameter {}", crate::error::quote(&p.name));
                let value = match (p.string, p.array, p.map) {
                    (Some(s), None, None) => ParamValue::String(s),
                    (None, Some(a), None) => ParamValue::Array(a),
                    (None, None, Some(m)) => ParamValue::Map(m),
                    (None, None, None) => ParamValue::String(String::new()),
                    _ => return Err(format!("{origin}: give one of string, array and map")),
                };
                Ok(Param {
                    name: p.name,
                    value,
                    origin,
                })
            })
            .collect();
    }
    param_env_params(env)
}

/// Rebuilds parameters from `PARAM_<NAME>`, `PARAM_<NAME>_<i>` and `PARAM_<NAME>_<KEY>`
/// variables (used when `ARGOCD_APP_PARAMETERS` is absent, as in a local run).
fn param_env_params(env: &Env) -> Result<Vec<Param>, String> {
    let mut known: Vec<(String, Value)> = top_level::<SourceParams>()
        .into_iter()
        .chain(top_level::<RenderOptions>())
        .collect();
    // Longest first, so that a name that prefixes another one never steals its variables.
    known.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let mut strings = BTreeMap::new();
    let mut arrays: BTreeMap<String, BTreeMap<usize, String>> = BTreeMap::new();
    let mut out = Vec::new();
    for (var, value) in env {
        let Some(rest) = var.strip_prefix(PARAM_ENV_PREFIX) else {
            continue;
        };
        let mut matched = false;
        for (name, default) in &known {
            let upper = param_env_name(name);
            if rest == upper || normalize(rest) == normalize(name) {
                strings.insert(name.clone(), (var.clone(), value.clone()));
            } else if let Some(suffix) = rest.strip_prefix(&format!("{upper}_")) {
                match (default, suffix.parse::<usize>()) {
                    (Value::Array(_), Ok(i)) => {
                        arrays
                            .entry(name.clone())
                            .or_default()
                            .insert(i, value.clone());
                    }
                    (Value::Object(_), _) => {
                        return Err(format!(
                            "{var}: Argo CD upper-cases the keys of map parameters in PARAM_* \
                             variables, so {name} can only be read from {PARAMETERS_ENV}, or from \
                             a single PARAM_{upper} variable holding the map as YAML"
                        ));
                    }
                    _ => continue,
                }
            } else {
                continue;
            }
            matched = true;
            break;
        }
        if !matched {
            out.push(Param {
                name: rest.to_owned(),
                value: ParamValue::String(value.clone()),
                origin: var.clone(),
            });
        }
    }
    for (name, (origin, value)) in strings {
        out.push(Param {
            name,
            value: ParamValue::String(value),
            origin,
        });
    }
    for (name, items) in arrays {
        out.push(Param {
            origin: format!("{PARAM_ENV_PREFIX}{}_*", param_env_name(&name)),
            name,
            value: ParamValue::Array(items.into_values().collect()),
        });
    }
    Ok(out)
}

/// The top-level fields of `T`'s default, by name, with their default values (type hints).
pub(super) use crate::frontend::options::shape_of as top_level;

/// Argo CD's variable name part for a parameter: upper case, other characters as `_`.
fn param_env_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The folder of seed files the sidecar's operator configured ([`SEEDS_DIR_ENV`], else
/// [`DEFAULT_SEEDS_DIR`]).
fn seeds_dir(env: &Env) -> PathBuf {
    PathBuf::from(
        env.get(SEEDS_DIR_ENV)
            .filter(|d| !d.is_empty())
            .map_or(DEFAULT_SEEDS_DIR, String::as_str),
    )
}

/// Where `seedFile` points: a name in the seed folder, or an absolute path in it. Checked
/// without touching the file system, so `/dev/zero` or `/etc/passwd` are refused at once.
fn seed_path(file: &str, seeds: &Path) -> Result<PathBuf, String> {
    let path = Path::new(file);
    let relative_ok = |p: &Path| {
        p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    };
    let inside = if path.is_absolute() {
        path.strip_prefix(seeds)
            .ok()
            .filter(|rest| relative_ok(rest) && !rest.as_os_str().is_empty())
            .map(|_| path.to_path_buf())
    } else {
        relative_ok(path).then(|| seeds.join(path))
    };
    inside.ok_or_else(|| {
        format!(
            "seedFile {file} is not in the seed folder {} that the plugin sidecar's operator \
             configured ({SEEDS_DIR_ENV}); give the name of a key of the Secret mounted there",
            seeds.display()
        )
    })
}

/// The seed: from `seedFile`, else from the variable `seedEnv` names, else from
/// `EVENTBUS_GEN_SEED`. Messages never show seed bytes.
pub(super) fn seed(
    dir: &Path,
    options: &RenderOptions,
    source: &SourceParams,
    env: &Env,
) -> Result<Option<Seed>, String> {
    match (&options.seed_file, &source.seed_env) {
        (Some(_), Some(_)) => Err("set either seedFile or seedEnv, not both".to_owned()),
        (Some(file), None) => {
            let seeds = seeds_dir(env);
            let path = seed_path(file, &seeds)?;
            // The operator's folder may hold links (a Secret volume's keys are links into its
            // `..data` folder); what they resolve to must still lie inside it.
            let outside = || {
                format!(
                    "seedFile {file} resolves outside the seed folder {}; a seed file must be a \
                     key of the Secret mounted there",
                    seeds.display()
                )
            };
            let root = seeds
                .canonicalize()
                .map_err(|e| format!("cannot read the seed folder {}: {e}", seeds.display()))?;
            let canonical = path
                .canonicalize()
                .map_err(|e| format!("cannot read the seed file {file}: {e}"))?;
            if !canonical.starts_with(&root) {
                return Err(outside());
            }
            if let Ok(app) = dir.canonicalize()
                && canonical.starts_with(app)
            {
                return Err(format!(
                    "seedFile {file} is inside the application folder; mount the seed into the \
                     plugin sidecar from a Kubernetes Secret instead of keeping it in Git"
                ));
            }
            seed::from_file(&canonical).map(Some)
        }
        (None, Some(var)) => {
            if let Some(prefix) = APPLICATION_PREFIXES.iter().find(|p| var.starts_with(**p)) {
                return Err(format!(
                    "seedEnv names {var}, but {prefix}* variables come from the Application, \
                     which anyone who can read it sees; name a variable of the plugin sidecar \
                     set from a Kubernetes Secret"
                ));
            }
            if var != SEED_ENV && !var.starts_with(SEED_ENV_PREFIX) {
                return Err(format!(
                    "seedEnv names {var}, but only {SEED_ENV} and variables starting with \
                     {SEED_ENV_PREFIX} may hold a seed; set one of those in the plugin sidecar \
                     from a Kubernetes Secret"
                ));
            }
            match seed::from_env(
                &format!("seed variable {var}"),
                env.get(var).map(String::as_bytes),
            )? {
                Some(s) => Ok(Some(s)),
                None => Err(format!(
                    "seedEnv names {var}, but the plugin sidecar has no such variable (or it is \
                     empty)"
                )),
            }
        }
        (None, None) => seed::from_env(SEED_ENV, env.get(SEED_ENV).map(String::as_bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::options::{expected, samples};

    fn through(param: Param) -> Result<RenderOptions, String> {
        let mut values = Values::default();
        let mut problems = Vec::new();
        values.set(param, &mut problems);
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        finish(values.options).map_err(|f| f.to_string())
    }

    /// Every option of the schema is reachable as a plugin parameter (string, and by its
    /// collection type where Argo CD has one) and as an `ARGOCD_ENV_` variable.
    #[test]
    fn every_option_is_reachable_as_a_parameter() {
        for (key, text, value) in samples() {
            let want = expected(&key, &value);
            let param = |value| Param {
                name: key.clone(),
                value,
                origin: format!("parameter {}", crate::error::quote(&key)),
            };
            assert_eq!(
                through(param(ParamValue::String(text.clone()))).unwrap(),
                want,
                "{key}"
            );
            match &value {
                Value::Object(m) => {
                    let map = m
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                        .collect();
                    assert_eq!(through(param(ParamValue::Map(map))).unwrap(), want, "{key}");
                }
                Value::Array(items) => {
                    let list = items
                        .iter()
                        .map(|i| serde_json::to_string(i).unwrap())
                        .collect();
                    assert_eq!(
                        through(param(ParamValue::Array(list))).unwrap(),
                        want,
                        "{key}"
                    );
                }
                _ => {}
            }
            if !key.contains('.') {
                let var = format!("{USER_ENV_PREFIX}{}", param_env_name(&key));
                let env = Env::from([(var.clone(), text.clone())]);
                let params = user_env_params(&env);
                assert_eq!(params.len(), 1);
                assert_eq!(
                    through(params.into_iter().next().unwrap()).unwrap(),
                    want,
                    "{var}"
                );
            }
        }
    }
}
