//! Taking over a running bus: the rendered objects compared, object by object, with the live
//! objects of an export, ignoring what the API server fills in (the defaults in
//! `defaults.yaml`, server-side metadata, status). Pure: values in, a [`Report`] out; the
//! front end words it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;

use crate::export::strip_server_fields;
use crate::spec;

/// The annotation the controller keeps its hash of an object in; a render never carries it.
const SPEC_HASH: &str = "resource-spec-hash";

/// StatefulSet `spec` fields an update may change; every other one is immutable.
const MUTABLE_STATEFULSET_SPEC: &[&str] = &[
    "replicas",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
    "ordinals",
];

/// What applying the rendered object would do to the live one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "verdict")]
pub enum Verdict {
    /// Nothing changes.
    Unchanged,
    /// Changes that take effect without a restart.
    ChangesWithoutRestart,
    /// A ConfigMap change that the bus's config reloader applies without a restart.
    Reloaded,
    /// The pods of `statefulset` restart (`replicas` of them, one at a time).
    RestartsPods {
        /// The StatefulSet whose pods restart.
        statefulset: String,
        /// How many pods.
        replicas: i64,
        /// Whether the restart happens by itself (a pod template change) or must be done by
        /// hand (a config without a reloader).
        automatic: bool,
    },
    /// The API server refuses the update (immutable StatefulSet fields).
    Refused,
    /// A Secret's data changes: clients holding the old credentials are locked out.
    CredentialsChange,
    /// The companion EventBus replaces the live native one; `keeps_clients` when its client
    /// configuration equals the live bus's `status.config`.
    ClientConfiguration {
        /// Whether every EventSource and Sensor keeps its configuration.
        keeps_clients: bool,
    },
    /// Live but not rendered: applying leaves it as it is.
    NotRendered,
    /// Rendered but not live: created.
    New,
}

impl Verdict {
    /// The exit code this verdict calls for: 0 nothing running changes, 3 pods or clients
    /// restart, 4 refused or credentials change.
    pub fn exit_code(&self) -> u8 {
        match self {
            Verdict::Refused | Verdict::CredentialsChange => 4,
            Verdict::RestartsPods { .. }
            | Verdict::ClientConfiguration {
                keeps_clients: false,
            } => 3,
            _ => 0,
        }
    }
}

/// One object's comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectReport {
    /// Kind of the object.
    pub kind: String,
    /// Namespace of the object.
    pub namespace: String,
    /// Name of the object.
    pub name: String,
    /// What applying does.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The field paths that differ (for a refusal: the immutable ones).
    pub paths: Vec<String>,
    /// Fields only the live object sets, which an apply leaves as they are (see docs/adopt.md:
    /// remove them by hand if Git is to be the whole truth).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<String>,
}

/// A live object that carries an owner reference to an EventBus.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Owned {
    /// Kind of the object.
    pub kind: String,
    /// Namespace of the object.
    pub namespace: String,
    /// Name of the object.
    pub name: String,
    /// The EventBus that owns it.
    pub owner: String,
}

/// Where the hand-over of one rendered bus stands, read from the export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "stage")]
pub enum Stage {
    /// The export holds no EventBus of this name: a new bus, or an export taken without its
    /// EventBus (`owned_objects`: objects of the export name it as their owner).
    NotLive {
        /// Whether live objects name this bus as their owner.
        owned_objects: bool,
    },
    /// The live EventBus is still native: the controller reconciles its objects and undoes
    /// changes made to them, so the companion EventBus must be applied first, alone.
    ControllerManages,
    /// The companion (exotic) EventBus is live; `owned` objects still carry an owner reference
    /// to it and go if the EventBus is ever deleted.
    CompanionLive {
        /// How many live objects the EventBus still owns.
        owned: usize,
    },
}

/// The hand-over stage of one rendered bus.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Handover {
    /// Namespace of the bus.
    pub namespace: String,
    /// Name of the bus.
    pub name: String,
    /// Where it stands.
    #[serde(flatten)]
    pub stage: Stage,
}

/// The comparison of a render with an export.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every object, rendered or live: the rendered ones in render order, then the live ones
    /// that were not rendered.
    pub objects: Vec<ObjectReport>,
    /// Live objects owned by an EventBus, to release after the companion bus is applied.
    pub owned: Vec<Owned>,
    /// For each rendered bus, where its hand-over stands and so what to apply first.
    pub handover: Vec<Handover>,
}

impl Report {
    /// The exit code of the whole comparison: the highest of its objects.
    pub fn exit_code(&self) -> u8 {
        self.objects
            .iter()
            .map(|o| o.verdict.exit_code())
            .max()
            .unwrap_or(0)
    }
}

/// How a default is recognised.
enum Rule {
    Value(Value),
    Any,
    SameAs(String),
    PullPolicy,
}

struct Default {
    path: Vec<String>,
    rule: Rule,
}

fn defaults() -> &'static BTreeMap<String, Vec<Default>> {
    static DEFAULTS: OnceLock<BTreeMap<String, Vec<Default>>> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let docs = crate::yaml::load_documents(include_str!("defaults.yaml"))
            .expect("defaults.yaml is YAML");
        let mut out = BTreeMap::new();
        for (kind, entries) in docs[0].value.as_object().expect("a map of kinds") {
            let list = entries
                .as_array()
                .expect("a list per kind")
                .iter()
                .map(|e| {
                    let path = e["path"].as_str().expect("a path");
                    let rule = if let Some(v) = e.get("value") {
                        Rule::Value(v.clone())
                    } else if e.get("any") == Some(&Value::Bool(true)) {
                        Rule::Any
                    } else if let Some(k) = e.get("sameAs").and_then(Value::as_str) {
                        Rule::SameAs(k.to_owned())
                    } else if e.get("pullPolicy") == Some(&Value::Bool(true)) {
                        Rule::PullPolicy
                    } else {
                        panic!("defaults.yaml: no rule for {path}")
                    };
                    Default {
                        path: path.split('.').map(str::to_owned).collect(),
                        rule,
                    }
                })
                .collect();
            out.insert(kind.clone(), list);
        }
        out
    })
}

fn pull_policy(image: Option<&Value>) -> &'static str {
    let image = image.and_then(Value::as_str).unwrap_or_default();
    let name = image.split('@').next().unwrap_or_default();
    let last = name.rsplit('/').next().unwrap_or_default();
    match last.split_once(':') {
        Some((_, "latest")) | None if !image.contains('@') => "Always",
        _ => "IfNotPresent",
    }
}

/// Removes from `live`, at `path`, the values that are the default and that `rendered` does
/// not set.
fn prune(live: &mut Value, rendered: Option<&Value>, path: &[String], rule: &Rule) {
    let [head, rest @ ..] = path else { return };
    if head == "*" {
        match live {
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    prune(item, rendered.and_then(|r| r.get(i)), rest, rule);
                }
            }
            Value::Object(map) => {
                for (k, item) in map.iter_mut() {
                    prune(item, rendered.and_then(|r| r.get(k)), rest, rule);
                }
            }
            _ => {}
        }
        return;
    }
    let Value::Object(map) = live else { return };
    let rendered_child = rendered.and_then(|r| r.get(head.as_str()));
    if !rest.is_empty() {
        if let Some(child) = map.get_mut(head.as_str()) {
            prune(child, rendered_child, rest, rule);
        }
        return;
    }
    if rendered_child.is_some() {
        return;
    }
    let Some(value) = map.get(head.as_str()) else {
        return;
    };
    let is_default = match rule {
        Rule::Value(v) => value == v,
        Rule::Any => true,
        Rule::SameAs(k) => map.get(k.as_str()) == Some(value),
        Rule::PullPolicy => value.as_str() == Some(pull_policy(map.get("image"))),
    };
    if is_default {
        map.remove(head.as_str());
    }
}

/// Removes what the server adds to an object: status, server-side metadata, the controller's
/// hash annotation, the defaults of its kind; then empty maps left behind.
fn normalise_live(live: &Value, rendered: Option<&Value>) -> Value {
    let mut live = live.clone();
    strip_server_fields(&mut live);
    if let Some(Value::Object(annotations)) = live.pointer_mut("/metadata/annotations") {
        annotations.remove(SPEC_HASH);
        if annotations.is_empty()
            && let Some(Value::Object(meta)) = live.get_mut("metadata")
        {
            meta.remove("annotations");
        }
    }
    if let Some(list) = defaults().get(kind(&live)) {
        for d in list {
            prune(&mut live, rendered, &d.path, &d.rule);
        }
    }
    live
}

fn kind(v: &Value) -> &str {
    v.get("kind").and_then(Value::as_str).unwrap_or_default()
}

fn meta<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Null, or a map or list that holds nothing but empty values.
fn empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.values().all(empty),
        Value::Array(l) => l.is_empty(),
        _ => false,
    }
}

/// Where a rendered object and a live one differ.
#[derive(Default)]
struct Differences {
    /// Paths whose value an apply changes.
    changed: Vec<String>,
    /// Paths set only on the live object that an apply leaves as they are: `kubectl apply`
    /// (client side, as Argo CD applies by default) removes only fields its last-applied
    /// configuration holds, and the controller's objects have none; server-side apply keeps
    /// fields another manager owns.
    kept: Vec<String>,
}

/// The field paths where `rendered` and `live` differ (a missing field, null and an empty map or
/// list are the same). `applied` is the matching part of the live object's last-applied
/// configuration: a live-only field found there is removed by an apply, so it is a change.
fn diff(
    rendered: &Value,
    live: &Value,
    applied: Option<&Value>,
    path: &str,
    out: &mut Differences,
) {
    match (rendered, live) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let applied_k = applied.and_then(|a| a.get(k));
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => diff(p, q, applied_k, &sub, out),
                    (Some(v), None) if !empty(v) => out.changed.push(sub),
                    (None, Some(v)) if !empty(v) => {
                        if applied_k.is_some() {
                            out.changed.push(sub);
                        } else {
                            out.kept.push(sub);
                        }
                    }
                    _ => {}
                }
            }
        }
        // Lists are compared item by item: a reordered list is a changed pod template or port
        // list for the API server too (a new revision of the pods), not a no-op.
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                let applied_i = applied.and_then(|a| a.get(i));
                diff(p, q, applied_i, &format!("{path}[{i}]"), out);
            }
        }
        (x, y) if x == y || (empty(x) && empty(y)) => {}
        _ => out.changed.push(path.to_owned()),
    }
}

/// The last-applied configuration `kubectl apply` left on an object, when it parses.
fn last_applied(live: &Value) -> Option<Value> {
    let text = live
        .pointer("/metadata/annotations")?
        .get(crate::export::LAST_APPLIED)?
        .as_str()?;
    // JSON from kubectl; bounded like every other input.
    let docs = crate::yaml::load_documents(text).ok()?;
    docs.into_iter().next().map(|d| d.value)
}

/// The top field of `spec` a path is under.
fn spec_field(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("spec.")?;
    Some(rest.split(['.', '[']).next().unwrap_or(rest))
}

fn replicas(statefulset: &Value) -> i64 {
    statefulset
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// The rendered StatefulSet of the namespace whose pods mount the ConfigMap `name`.
fn mounting<'a>(rendered: &'a [Value], namespace: &str, name: &str) -> Option<&'a Value> {
    rendered.iter().find(|o| {
        kind(o) == "StatefulSet"
            && meta(o, "namespace") == namespace
            && o.pointer("/spec/template/spec/volumes")
                .is_some_and(|v| v.to_string().contains(&format!("\"{name}\"")))
    })
}

fn has_reloader(statefulset: &Value) -> bool {
    statefulset
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| {
            c.get("name").and_then(Value::as_str) == Some("reloader")
                || c.get("image")
                    .and_then(Value::as_str)
                    .is_some_and(|i| i.contains("config-reloader"))
        })
}

fn verdict(rendered: &Value, live: &Value, all: &[Value]) -> (Verdict, Vec<String>, Vec<String>) {
    if kind(rendered) == spec::KIND {
        let (v, paths) = client_configuration(rendered, live);
        return (v, paths, Vec::new());
    }
    let applied = last_applied(live);
    let live = normalise_live(live, Some(rendered));
    let mut d = Differences::default();
    diff(rendered, &live, applied.as_ref(), "", &mut d);
    let (verdict, paths) = changed_verdict(rendered, d.changed, all);
    (verdict, paths, d.kept)
}

/// The verdict of the changes `paths` an apply makes to the live object of `rendered`.
fn changed_verdict(rendered: &Value, paths: Vec<String>, all: &[Value]) -> (Verdict, Vec<String>) {
    if paths.is_empty() {
        return (Verdict::Unchanged, paths);
    }
    let data = |p: &String| {
        p == "data"
            || p == "stringData"
            || p.starts_with("data.")
            || p.starts_with("stringData.")
            || p == "binaryData"
            || p.starts_with("binaryData.")
    };
    match kind(rendered) {
        "StatefulSet" => {
            let immutable: Vec<String> = paths
                .iter()
                .filter(|p| spec_field(p).is_some_and(|f| !MUTABLE_STATEFULSET_SPEC.contains(&f)))
                .cloned()
                .collect();
            if !immutable.is_empty() {
                return (Verdict::Refused, immutable);
            }
            if paths.iter().any(|p| spec_field(p) == Some("template")) {
                let v = Verdict::RestartsPods {
                    statefulset: meta(rendered, "name").to_owned(),
                    replicas: replicas(rendered),
                    automatic: true,
                };
                return (v, paths);
            }
            (Verdict::ChangesWithoutRestart, paths)
        }
        "Secret" if paths.iter().any(data) => (Verdict::CredentialsChange, paths),
        "ConfigMap" if paths.iter().any(data) => {
            let namespace = meta(rendered, "namespace");
            match mounting(all, namespace, meta(rendered, "name")) {
                Some(s) if has_reloader(s) => (Verdict::Reloaded, paths),
                Some(s) => (
                    Verdict::RestartsPods {
                        statefulset: meta(s, "name").to_owned(),
                        replicas: replicas(s),
                        automatic: false,
                    },
                    paths,
                ),
                None => (Verdict::ChangesWithoutRestart, paths),
            }
        }
        _ => (Verdict::ChangesWithoutRestart, paths),
    }
}

/// The companion (exotic) EventBus against the live native one: clients keep their
/// configuration when the companion's exotic config equals the live `status.config`.
fn client_configuration(rendered: &Value, live: &Value) -> (Verdict, Vec<String>) {
    let normalised = normalise_live(live, Some(rendered));
    let mut d = Differences::default();
    diff(rendered, &normalised, None, "", &mut d);
    if d.changed.is_empty() && d.kept.is_empty() {
        return (Verdict::Unchanged, Vec::new());
    }
    let mut paths = Vec::new();
    for (ours, theirs, at) in [
        (
            "/spec/nats/exotic",
            "/status/config/nats",
            "spec.nats.exotic",
        ),
        (
            "/spec/jetstreamExotic",
            "/status/config/jetstream",
            "spec.jetstreamExotic",
        ),
    ] {
        if let Some(ours) = rendered.pointer(ours) {
            let theirs = live.pointer(theirs).cloned().unwrap_or(Value::Null);
            let mut d = Differences::default();
            diff(ours, &theirs, None, at, &mut d);
            paths.extend(d.changed);
            paths.extend(d.kept);
        }
    }
    let keeps_clients = paths.is_empty();
    (Verdict::ClientConfiguration { keeps_clients }, paths)
}

/// Compares rendered objects with the live objects of an export, matched by kind, namespace
/// and name.
pub fn compare(rendered: &[Value], live: &[Value]) -> Report {
    let key = |v: &Value| {
        (
            kind(v).to_owned(),
            meta(v, "namespace").to_owned(),
            meta(v, "name").to_owned(),
        )
    };
    let mut report = Report::default();
    let mut matched = vec![false; live.len()];
    // Live objects by identity, the first of each (an export lists every object once).
    let mut by_key: std::collections::HashMap<(&str, &str, &str), usize> =
        std::collections::HashMap::with_capacity(live.len());
    for (i, l) in live.iter().enumerate() {
        by_key
            .entry((kind(l), meta(l, "namespace"), meta(l, "name")))
            .or_insert(i);
    }
    for r in rendered {
        let k = key(r);
        let found = by_key
            .get(&(k.0.as_str(), k.1.as_str(), k.2.as_str()))
            .copied();
        let (verdict, paths, kept) = match found {
            Some(i) => {
                matched[i] = true;
                verdict(r, &live[i], rendered)
            }
            None => (Verdict::New, Vec::new(), Vec::new()),
        };
        report.objects.push(ObjectReport {
            kind: k.0,
            namespace: k.1,
            name: k.2,
            verdict,
            paths,
            kept,
        });
    }
    for (l, _) in live.iter().zip(&matched).filter(|(_, m)| !**m) {
        let (kind, namespace, name) = key(l);
        report.objects.push(ObjectReport {
            kind,
            namespace,
            name,
            verdict: Verdict::NotRendered,
            paths: Vec::new(),
            kept: Vec::new(),
        });
    }
    for l in live {
        if let Some(owner) = crate::export::owner_bus(l) {
            let (kind, namespace, name) = key(l);
            report.owned.push(Owned {
                kind,
                namespace,
                name,
                owner: owner.to_owned(),
            });
        }
    }
    for bus in rendered.iter().filter(|r| kind(r) == spec::KIND) {
        let (namespace, name) = (meta(bus, "namespace"), meta(bus, "name"));
        let owned = report
            .owned
            .iter()
            .filter(|o| o.owner == name && (o.namespace == namespace || namespace.is_empty()))
            .count();
        let live_bus = by_key
            .get(&(spec::KIND, namespace, name))
            .map(|&i| &live[i]);
        let stage = match live_bus {
            None => Stage::NotLive {
                owned_objects: owned > 0,
            },
            Some(l)
                if l.pointer("/spec/nats/native").is_some()
                    || l.pointer("/spec/jetstream").is_some() =>
            {
                Stage::ControllerManages
            }
            Some(_) => Stage::CompanionLive { owned },
        };
        report.handover.push(Handover {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            stage,
        });
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_load_and_pull_policy_follows_the_tag() {
        assert!(defaults()["StatefulSet"].len() > 10);
        assert_eq!(pull_policy(Some(&json!("nats:2.10"))), "IfNotPresent");
        assert_eq!(pull_policy(Some(&json!("nats"))), "Always");
        assert_eq!(pull_policy(Some(&json!("nats:latest"))), "Always");
        assert_eq!(pull_policy(Some(&json!("reg:5000/nats"))), "Always");
        assert_eq!(pull_policy(Some(&json!("nats@sha256:ab"))), "IfNotPresent");
    }

    #[test]
    fn server_defaults_are_ignored_unless_the_render_sets_them() {
        let rendered = json!({"kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80}], "type": "ClusterIP"}});
        let live = json!({"kind": "Service", "metadata": {"name": "s", "uid": "u"},
            "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                "type": "ClusterIP", "clusterIP": "10.0.0.1", "sessionAffinity": "None"},
            "status": {}});
        let report = compare(std::slice::from_ref(&rendered), &[live]);
        assert_eq!(report.objects[0].verdict, Verdict::Unchanged);
        let live = json!({"kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "targetPort": 8080}], "type": "ClusterIP"}});
        let report = compare(&[rendered], &[live]);
        // Not a default, and not rendered: an apply leaves it.
        assert_eq!(report.objects[0].kept, ["spec.ports[0].targetPort"]);
        assert_eq!(report.exit_code(), 0);
    }

    #[test]
    fn immutable_fields_win_over_the_template() {
        let sts = |size: &str, cpu: &str| {
            json!({"kind": "StatefulSet", "metadata": {"name": "x"}, "spec": {"replicas": 3,
                "template": {"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": cpu}}}]}},
                "volumeClaimTemplates": [{"spec": {"resources": {"requests": {"storage": size}}}}]}})
        };
        let r = compare(&[sts("2Gi", "1")], &[sts("1Gi", "2")]);
        assert_eq!(r.objects[0].verdict, Verdict::Refused);
        assert_eq!(r.exit_code(), 4);
        let r = compare(&[sts("1Gi", "1")], &[sts("1Gi", "2")]);
        assert_eq!(
            r.objects[0].verdict,
            Verdict::RestartsPods {
                statefulset: "x".into(),
                replicas: 3,
                automatic: true
            }
        );
        assert_eq!(r.exit_code(), 3);
    }

    #[test]
    fn secrets_and_configs_without_a_reloader() {
        let secret =
            |t: &str| json!({"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": t}});
        let r = compare(&[secret("a")], &[secret("b")]);
        assert_eq!(r.objects[0].verdict, Verdict::CredentialsChange);
        assert_eq!(r.exit_code(), 4);
        let cm =
            |c: &str| json!({"kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"c": c}});
        let sts = |reloader: bool| {
            let mut containers = vec![json!({"name": "main", "image": "nats:2.10"})];
            if reloader {
                containers.push(json!({"name": "reloader", "image": "natsio/nats-server-config-reloader:0.14.1"}));
            }
            json!({"kind": "StatefulSet", "metadata": {"name": "x"}, "spec": {"replicas": 2,
                "template": {"spec": {"containers": containers,
                    "volumes": [{"name": "v", "configMap": {"name": "cm"}}]}}}})
        };
        let r = compare(&[cm("new"), sts(false)], &[cm("old"), sts(false)]);
        assert_eq!(
            r.objects[0].verdict,
            Verdict::RestartsPods {
                statefulset: "x".into(),
                replicas: 2,
                automatic: false
            }
        );
        let r = compare(&[cm("new"), sts(true)], &[cm("old"), sts(true)]);
        assert_eq!(r.objects[0].verdict, Verdict::Reloaded);
        assert_eq!(r.exit_code(), 0);
    }

    #[test]
    fn live_only_fields_are_kept_unless_last_applied_holds_them() {
        let rendered = json!({"kind": "Service", "metadata": {"name": "s", "labels": {"a": "1"}},
            "spec": {"type": "ClusterIP"}});
        let live = json!({"kind": "Service", "metadata": {"name": "s",
            "labels": {"a": "1", "team": "x"}}, "spec": {"type": "ClusterIP"}});
        let r = compare(std::slice::from_ref(&rendered), &[live]);
        assert_eq!(r.objects[0].verdict, Verdict::Unchanged);
        assert_eq!(r.objects[0].kept, ["metadata.labels.team"]);
        // Applied before with that label: this apply removes it.
        let applied = r#"{"metadata":{"labels":{"team":"x"}}}"#;
        let live = json!({"kind": "Service", "metadata": {"name": "s",
            "labels": {"a": "1", "team": "x"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied}},
            "spec": {"type": "ClusterIP"}});
        let r = compare(&[rendered], &[live]);
        assert_eq!(r.objects[0].verdict, Verdict::ChangesWithoutRestart);
        assert_eq!(r.objects[0].paths, ["metadata.labels.team"]);
        assert!(r.objects[0].kept.is_empty());
    }

    #[test]
    fn the_handover_stage_follows_the_live_bus() {
        let companion = json!({"kind": "EventBus", "metadata": {"name": "default", "namespace": "n"},
            "spec": {"nats": {"exotic": {"url": "nats://x"}}}});
        let owned = json!({"kind": "StatefulSet", "metadata": {"name": "s", "namespace": "n",
            "ownerReferences": [{"kind": "EventBus", "name": "default"}]}});
        let native = json!({"kind": "EventBus", "metadata": {"name": "default", "namespace": "n"},
            "spec": {"nats": {"native": {}}}});
        let stage = |live: &[Value]| {
            compare(std::slice::from_ref(&companion), live).handover[0]
                .stage
                .clone()
        };
        assert_eq!(stage(&[native, owned.clone()]), Stage::ControllerManages);
        assert_eq!(
            stage(&[companion.clone(), owned.clone()]),
            Stage::CompanionLive { owned: 1 }
        );
        assert_eq!(
            stage(std::slice::from_ref(&companion)),
            Stage::CompanionLive { owned: 0 }
        );
        assert_eq!(
            stage(&[owned]),
            Stage::NotLive {
                owned_objects: true
            }
        );
        assert_eq!(
            stage(&[]),
            Stage::NotLive {
                owned_objects: false
            }
        );
    }

    #[test]
    fn live_only_objects_and_owners_are_listed() {
        let owned = json!({"kind": "PodDisruptionBudget", "metadata": {"name": "p", "namespace": "n",
            "ownerReferences": [{"kind": "EventBus", "name": "default"}]}});
        let r = compare(&[], &[owned]);
        assert_eq!(r.objects[0].verdict, Verdict::NotRendered);
        assert_eq!(r.owned[0].owner, "default");
        assert_eq!(r.exit_code(), 0);
    }
}
