//! Validation: upstream's rules with upstream's wording, plus ours; turns specs into plans.
//!
//! Every problem of a document is collected (not just the first) and carries its field path.
//! Where the controller silently changes a value, the same change is made and a warning says so.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, PodAffinityTerm, PodAntiAffinity, ResourceRequirements, Toleration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::certs::Window;
use crate::error::{Cause, Error, ErrorKind, Errors, Warning};
use crate::names::{self, MAX_JETSTREAM_NAME, MAX_STAN_NAME};
use crate::options::RenderOptions;
use crate::parse::{Parsed, ParsedBus};
use crate::plan::{JetStreamPlan, Plan, PlanKind, PodPlan, StanAuth, StanPlan, Volume};
use crate::spec::{
    ContainerTemplate, EventBus, JetStreamBus, Metadata, NativeStrategy, PersistenceStrategy,
};
use crate::values;

/// Default NATS Streaming image (controller config entry `0.22.1`).
pub const DEFAULT_STAN_IMAGE: &str = "nats-streaming:0.22.1";
/// Default exporter image of NATS Streaming buses.
pub const DEFAULT_STAN_METRICS_IMAGE: &str = "natsio/prometheus-nats-exporter:0.8.0";
/// The most replicas eventbus-gen renders for one bus.
pub const MAX_REPLICAS: i32 = 25;

/// Validates every bus of the input and applies the defaults. All errors of all documents are
/// returned together.
pub fn validate(parsed: &Parsed, options: &RenderOptions) -> Result<Vec<Plan>, Errors> {
    let mut plans = Vec::new();
    let (mut errors, window) = check_options(options);
    let mut seen: std::collections::BTreeSet<(String, String)> = std::collections::BTreeSet::new();
    for bus in &parsed.buses {
        match validate_bus(bus, options, window) {
            Ok(mut plan) => {
                let key = (plan.namespace.clone(), plan.name.clone());
                if !seen.insert(key) {
                    plan.warnings.push(Warning {
                        path: "metadata.name".to_owned(),
                        message: format!(
                            "bus {}/{} is defined more than once in the input; both are rendered, and when applied the later objects replace the earlier ones",
                            plan.namespace, plan.name
                        ),
                        location: bus.locate("metadata.name"),
                        document: Some(plan.document),
                    });
                }
                plans.push(plan)
            }
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(plans)
    } else {
        Err(Errors(errors))
    }
}

/// Checks the options themselves (labels, annotations, images, namespace, certificate window).
/// Returns the errors and, when it is valid, the certificate window.
fn check_options(options: &RenderOptions) -> (Vec<Error>, Option<Window>) {
    let mut c = Checker::new(None);
    if let Some(ns) = &options.namespace {
        c.check("options.namespace", values::dns_label(ns));
    }
    let defaults = &options.jetstream_defaults;
    if defaults.settings.as_deref().is_some_and(sets_store_dir) {
        c.invalid(
            "options.jetstreamDefaults.settings",
            "must not set store_dir: the store is fixed at /data/jetstream/store, on the bus volume",
        );
    }
    if let Some(Err(m)) = defaults
        .stream_config
        .as_deref()
        .map(crate::stream_config::read)
    {
        c.invalid("options.jetstreamDefaults.streamConfig", m);
    }
    c.labels("options.commonLabels", Some(&options.common_labels), true);
    c.labels(
        "options.commonAnnotations",
        Some(&options.common_annotations),
        false,
    );
    for (path, image) in [
        (
            "options.images.natsStreaming",
            &options.images.nats_streaming,
        ),
        (
            "options.images.stanMetricsExporter",
            &options.images.stan_metrics_exporter,
        ),
        ("options.images.nats", &options.images.nats),
        (
            "options.images.jetstreamMetricsExporter",
            &options.images.jetstream_metrics_exporter,
        ),
        (
            "options.images.configReloader",
            &options.images.config_reloader,
        ),
    ] {
        if let Some(image) = image {
            c.image(path, image);
        }
    }
    for (i, v) in options.jetstream_versions.iter().enumerate() {
        let p = format!("options.jetstreamVersions[{i}]");
        if v.version.is_empty() {
            c.invalid(&format!("{p}.version"), "must not be empty");
        }
        c.image(&format!("{p}.natsImage"), &v.nats_image);
        c.image(
            &format!("{p}.metricsExporterImage"),
            &v.metrics_exporter_image,
        );
        c.image(
            &format!("{p}.configReloaderImage"),
            &v.config_reloader_image,
        );
        if v.start_command.is_empty() || v.start_command.chars().any(char::is_whitespace) {
            c.invalid(
                &format!("{p}.startCommand"),
                "must be one path without white space, for example /nats-server",
            );
        }
    }
    let validity = &options.certificate_validity;
    let window = match Window::parse(&validity.not_before, &validity.not_after) {
        Ok(w) => Some(w),
        Err(m) => {
            c.invalid("options.certificateValidity", m);
            None
        }
    };
    (c.errors, window)
}

/// Collects errors and warnings for one document.
struct Checker<'a> {
    bus: Option<&'a ParsedBus>,
    errors: Vec<Error>,
    warnings: Vec<Warning>,
}

impl<'a> Checker<'a> {
    fn new(bus: Option<&'a ParsedBus>) -> Self {
        Checker {
            bus,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn err(&mut self, kind: ErrorKind, path: &str, message: impl Into<String>) {
        self.push(Error::new(kind, path, message));
    }

    fn err_because(&mut self, kind: ErrorKind, path: &str, message: &str, cause: Cause) {
        self.push(Error::new(kind, path, message).because(cause));
    }

    fn push(&mut self, mut e: Error) {
        if let Some(b) = self.bus {
            let at = b.locate(e.path());
            e = e.at(at).in_document(b.document);
        }
        self.errors.push(e);
    }

    fn invalid(&mut self, path: &str, message: impl Into<String>) {
        self.err(ErrorKind::Invalid, path, message);
    }

    fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.warnings.push(Warning {
            path: path.to_owned(),
            message: message.into(),
            location: self.bus.and_then(|b| b.locate(path)),
            document: self.bus.map(|b| b.document),
        });
    }

    fn check(&mut self, path: &str, result: Result<(), String>) {
        if let Err(m) = result {
            self.invalid(path, m);
        }
    }

    fn one_of(&mut self, path: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.invalid(
                path,
                format!(
                    "\"{value}\" is not allowed; use one of: {}",
                    allowed.join(", ")
                ),
            );
        }
    }

    fn labels(&mut self, path: &str, map: Option<&BTreeMap<String, String>>, label_values: bool) {
        for (k, v) in map.into_iter().flatten() {
            let p = format!("{path}.{k}");
            self.check(&p, values::label_key(k));
            if label_values {
                self.check(&p, values::label_value(v));
            }
        }
    }

    fn image(&mut self, path: &str, image: &str) {
        if image.is_empty() || image.chars().any(char::is_whitespace) {
            self.invalid(
                path,
                "an image reference must be non-empty and have no white space",
            );
        }
    }

    fn duration(&mut self, path: &str, value: &Option<String>, default: &str) -> String {
        match value {
            Some(v) => {
                self.check(path, values::go_duration(v));
                v.clone()
            }
            None => default.to_owned(),
        }
    }

    fn size(&mut self, path: &str, value: &Option<String>, default: &str) -> String {
        match value {
            Some(v) => {
                self.check(path, values::nats_size(v));
                v.clone()
            }
            None => default.to_owned(),
        }
    }

    fn resources(&mut self, path: &str, r: &ResourceRequirements) {
        for (part, map) in [("limits", &r.limits), ("requests", &r.requests)] {
            for (k, q) in map.iter().flatten() {
                self.check(&format!("{path}.{part}.{k}"), values::quantity(&q.0));
            }
        }
    }

    fn container_template(&mut self, path: &str, t: &Option<ContainerTemplate>) {
        let Some(t) = t else { return };
        if let Some(p) = &t.image_pull_policy {
            self.one_of(
                &format!("{path}.imagePullPolicy"),
                p,
                &["Always", "IfNotPresent", "Never"],
            );
        }
        if let Some(r) = &t.resources {
            self.resources(&format!("{path}.resources"), r);
        }
    }

    fn persistence(
        &mut self,
        path: &str,
        p: &Option<PersistenceStrategy>,
        default_size: &str,
    ) -> Option<Volume> {
        let p = p.as_ref()?;
        if let Some(sc) = &p.storage_class_name {
            self.check(
                &format!("{path}.storageClassName"),
                values::dns_subdomain(sc),
            );
        }
        let access_mode = p
            .access_mode
            .clone()
            .unwrap_or_else(|| "ReadWriteOnce".to_owned());
        self.one_of(
            &format!("{path}.accessMode"),
            &access_mode,
            &[
                "ReadWriteOnce",
                "ReadOnlyMany",
                "ReadWriteMany",
                "ReadWriteOncePod",
            ],
        );
        let size = match &p.volume_size {
            Some(q) => {
                self.check(&format!("{path}.volumeSize"), values::quantity(&q.0));
                q.0.clone()
            }
            None => default_size.to_owned(),
        };
        Some(Volume {
            storage_class_name: p.storage_class_name.clone(),
            access_mode,
            size,
        })
    }

    fn tolerations(&mut self, path: &str, t: &Option<Vec<Toleration>>) {
        for (i, t) in t.iter().flatten().enumerate() {
            let p = format!("{path}[{i}]");
            if let Some(op) = &t.operator {
                self.one_of(&format!("{p}.operator"), op, &["Exists", "Equal"]);
                if op == "Exists" && t.value.as_deref().is_some_and(|v| !v.is_empty()) {
                    self.invalid(
                        &format!("{p}.value"),
                        "must be empty when operator is Exists",
                    );
                }
            }
            if let Some(e) = t.effect.as_deref().filter(|e| !e.is_empty()) {
                self.one_of(
                    &format!("{p}.effect"),
                    e,
                    &["NoSchedule", "PreferNoSchedule", "NoExecute"],
                );
            }
            if t.key.as_deref().unwrap_or("").is_empty() && t.operator.as_deref() != Some("Exists")
            {
                self.invalid(&format!("{p}.key"), "an empty key needs operator Exists");
            }
        }
    }

    fn pod(&mut self, path: &str, p: PodFields<'_>) -> PodPlan {
        let meta = p.metadata;
        self.labels(
            &format!("{path}.metadata.labels"),
            meta.and_then(|m| m.labels.as_ref()),
            true,
        );
        self.labels(
            &format!("{path}.metadata.annotations"),
            meta.and_then(|m| m.annotations.as_ref()),
            false,
        );
        self.labels(
            &format!("{path}.nodeSelector"),
            p.node_selector.as_ref(),
            true,
        );
        self.tolerations(&format!("{path}.tolerations"), p.tolerations);
        for (field, v) in [
            ("serviceAccountName", p.service_account_name),
            ("priorityClassName", p.priority_class_name),
        ] {
            if let Some(v) = v {
                self.check(&format!("{path}.{field}"), values::dns_subdomain(v));
            }
        }
        for (i, s) in p.image_pull_secrets.iter().flatten().enumerate() {
            if s.name.is_empty() {
                self.invalid(
                    &format!("{path}.imagePullSecrets[{i}].name"),
                    "must name a Secret",
                );
            }
        }
        PodPlan {
            labels: meta.and_then(|m| m.labels.clone()).unwrap_or_default(),
            annotations: meta.map(|m| m.annotations.clone().unwrap_or_default()),
            node_selector: p.node_selector.clone(),
            tolerations: p.tolerations.clone(),
            security_context: p.security_context.clone(),
            image_pull_secrets: p.image_pull_secrets.clone(),
            service_account_name: p.service_account_name.clone(),
            priority_class_name: p.priority_class_name.clone(),
            priority: *p.priority,
            affinity: p.affinity.clone(),
        }
    }
}

/// The pod fields every native bus kind has.
struct PodFields<'a> {
    metadata: Option<&'a Metadata>,
    node_selector: &'a Option<BTreeMap<String, String>>,
    tolerations: &'a Option<Vec<Toleration>>,
    security_context: &'a Option<k8s_openapi::api::core::v1::PodSecurityContext>,
    image_pull_secrets: &'a Option<Vec<k8s_openapi::api::core::v1::LocalObjectReference>>,
    service_account_name: &'a Option<String>,
    priority_class_name: &'a Option<String>,
    priority: &'a Option<i32>,
    affinity: &'a Option<Affinity>,
}

/// The [`PodFields`] of a native bus spec: every kind names them alike.
macro_rules! pod_fields {
    ($spec:expr) => {
        PodFields {
            metadata: $spec.metadata.as_ref(),
            node_selector: &$spec.node_selector,
            tolerations: &$spec.tolerations,
            security_context: &$spec.security_context,
            image_pull_secrets: &$spec.image_pull_secrets,
            service_account_name: &$spec.service_account_name,
            priority_class_name: &$spec.priority_class_name,
            priority: &$spec.priority,
            affinity: &$spec.affinity,
        }
    };
}

/// Validates one bus. `window` is the certificate window of the options, `None` when it is
/// invalid: a JetStream bus then gets no plan, and no error of its own either (the options
/// check reports the window).
pub fn validate_bus(
    parsed: &ParsedBus,
    options: &RenderOptions,
    window: Option<Window>,
) -> Result<Plan, Vec<Error>> {
    let bus = &parsed.bus;
    let mut c = Checker::new(Some(parsed));
    let spec = &bus.spec;

    // Upstream's rules, in upstream's order and words.
    let kinds: Vec<&str> = [
        ("nats", spec.nats.is_some()),
        ("jetstream", spec.jetstream.is_some()),
        ("jetstreamExotic", spec.jetstream_exotic.is_some()),
        ("kafka", spec.kafka.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect();
    if kinds.is_empty() {
        c.invalid(
            "spec",
            "invalid spec: either \"nats\", \"jetstream\", \"jetstreamExotic\", or \"kafka\" needs to be specified",
        );
    } else if kinds.len() > 1 {
        c.invalid(
            "spec",
            format!(
                "only one bus kind may be set, found {}; the controller would silently use {} and ignore the rest",
                kinds.join(" and "),
                upstream_pick(bus)
            ),
        );
    }
    if let Some(nats) = &spec.nats {
        match (&nats.native, &nats.exotic) {
            (Some(_), Some(_)) => c.invalid(
                "spec.nats",
                "\"spec.nats.native\" and \"spec.nats.exotic\" can not be defined together",
            ),
            (None, None) => c.invalid(
                "spec.nats",
                "either \"native\" or \"exotic\" must be defined",
            ),
            _ => {}
        }
        if let Some(ex) = &nats.exotic {
            if ex.cluster_id.is_none() {
                c.invalid(
                    "spec.nats.exotic.clusterID",
                    "\"spec.nats.exotic.clusterID\" is missing",
                );
            }
            if ex.url.as_deref().unwrap_or("").is_empty() {
                c.invalid(
                    "spec.nats.exotic.url",
                    "\"spec.nats.exotic.url\" is missing",
                );
            }
            if let Some(a) = &ex.auth {
                c.one_of("spec.nats.exotic.auth", a, &["none", "token"]);
            }
        }
    }
    if let Some(js) = &spec.jetstream {
        if js.version.as_deref().unwrap_or("").is_empty() {
            c.invalid(
                "spec.jetstream.version",
                "invalid spec: a version for jetstream needs to be specified",
            );
        }
        if let Some(r) = js.replicas
            && (r == 2 || r <= 0)
        {
            c.invalid(
                "spec.jetstream.replicas",
                "invalid spec: a jetstream eventbus requires 1 replica or >= 3 replicas",
            );
        }
    }
    if let Some(k) = &spec.kafka {
        if k.url.as_deref().unwrap_or("").is_empty() {
            c.invalid("spec.kafka.url", "\"spec.kafka.url\" is missing");
        }
        if k.topic.as_deref().unwrap_or("").is_empty() {
            c.warn(
                "spec.kafka.topic",
                "not set: the controller writes its default (<namespace>-<name>) back into the spec, which shows as drift in GitOps; set the topic explicitly",
            );
        }
        if let Some(m) = k.sasl.as_ref().and_then(|s| s.mechanism.as_deref()) {
            c.one_of(
                "spec.kafka.sasl.mechanism",
                m,
                &[
                    "PLAIN",
                    "OAUTHBEARER",
                    "SCRAM-SHA-256",
                    "SCRAM-SHA-512",
                    "GSSAPI",
                ],
            );
        }
        if let Some(s) = k
            .consumer_group
            .as_ref()
            .and_then(|g| g.rebalance_strategy.as_deref())
        {
            c.one_of(
                "spec.kafka.consumerGroup.rebalanceStrategy",
                s,
                &["range", "sticky", "roundrobin"],
            );
        }
        if let Some(p) = &k.partitioner {
            c.one_of(
                "spec.kafka.partitioner",
                p,
                &["random", "hash", "roundrobin", "manual"],
            );
        }
    }
    if let Some(j) = &spec.jetstream_exotic
        && j.url.as_deref().unwrap_or("").is_empty()
    {
        c.invalid(
            "spec.jetstreamExotic.url",
            "\"spec.jetstreamExotic.url\" is missing",
        );
    }

    // Metadata.
    let native_stan = spec.nats.as_ref().is_some_and(|n| n.native.is_some());
    let native = native_stan || spec.jetstream.is_some();
    let name = bus.name().to_owned();
    if name.is_empty() {
        c.invalid(
            "metadata.name",
            "missing; every EventBus needs a name (the default bus is named \"default\")",
        );
    } else if native {
        c.check("metadata.name", values::dns_label(&name));
        let max = if native_stan {
            MAX_STAN_NAME
        } else {
            MAX_JETSTREAM_NAME
        };
        if name.len() > max {
            c.invalid(
                "metadata.name",
                format!(
                    "\"{name}\" has {} characters; at most {max} keep the StatefulSet, Service and pod names valid",
                    name.len()
                ),
            );
        }
    } else {
        c.check("metadata.name", values::dns_subdomain(&name));
    }
    let namespace = bus
        .metadata
        .namespace
        .clone()
        .or_else(|| options.namespace.clone())
        .unwrap_or_default();
    if let Some(ns) = &bus.metadata.namespace {
        c.check("metadata.namespace", values::dns_label(ns));
    } else if native && options.namespace.is_none() {
        c.err_because(
            ErrorKind::Invalid,
            "metadata.namespace",
            "missing; the NATS cluster routes name the namespace, so set metadata.namespace or the namespace render option",
            Cause::MissingNamespace,
        );
    }
    c.labels("metadata.labels", bus.metadata.labels.as_ref(), true);
    c.labels(
        "metadata.annotations",
        bus.metadata.annotations.as_ref(),
        false,
    );

    let kind = if let Some(native) = spec.nats.as_ref().and_then(|n| n.native.as_ref()) {
        Some(PlanKind::Stan(Box::new(stan_plan(
            &mut c, native, &name, options,
        ))))
    } else if let Some(js) = &spec.jetstream {
        jetstream_plan(&mut c, js, options, window).map(|js| PlanKind::JetStream(Box::new(js)))
    } else {
        // Only a pass-through bus needs the spec itself; status is never rendered.
        Some(PlanKind::External(Box::new(EventBus {
            status: None,
            ..bus.clone()
        })))
    };

    if !c.errors.is_empty() {
        // Report in input order; errors without a position keep their place at the end.
        c.errors
            .sort_by_key(|e| e.location().map_or((usize::MAX, 0), |l| (l.line, l.column)));
        return Err(c.errors);
    }
    let Some(kind) = kind else {
        return Err(Vec::new());
    };
    Ok(Plan {
        name,
        namespace,
        bus_labels: bus.metadata.labels.clone().unwrap_or_default(),
        bus_annotations: bus.metadata.annotations.clone().unwrap_or_default(),
        common_labels: options.common_labels.clone(),
        common_annotations: options.common_annotations.clone(),
        pod_disruption_budget: options.pod_disruption_budget,
        companion: options.companion,
        kind,
        warnings: c.warnings,
        document: parsed.document,
    })
}

/// The bus kind the controller would install when several are set.
fn upstream_pick(bus: &EventBus) -> &'static str {
    let s = &bus.spec;
    match &s.nats {
        Some(n) if n.exotic.is_some() => "nats.exotic",
        Some(n) if n.native.is_some() => "nats.native",
        _ if s.jetstream.is_some() => "jetstream",
        _ if s.kafka.is_some() => "kafka",
        _ => "jetstreamExotic",
    }
}

fn stan_plan(
    c: &mut Checker<'_>,
    n: &NativeStrategy,
    name: &str,
    options: &RenderOptions,
) -> StanPlan {
    const P: &str = "spec.nats.native";
    let mut replicas = n.replicas.unwrap_or(0);
    if replicas < 0 {
        c.invalid(
            &format!("{P}.replicas"),
            format!(
                "{replicas} is not allowed; use 0 to {MAX_REPLICAS} (values below 3 become 3; 3 or 5 is usual)"
            ),
        );
    } else if replicas > MAX_REPLICAS {
        c.invalid(
            &format!("{P}.replicas"),
            format!(
                "{replicas} is too many; use 0 to {MAX_REPLICAS} (values below 3 become 3; 3 or 5 is usual)"
            ),
        );
    } else if replicas < 3 {
        if n.replicas.is_some() {
            c.warn(&format!("{P}.replicas"), format!("{replicas} raised to 3: NATS Streaming needs at least 3 replicas (the controller does the same)"));
        }
        replicas = 3;
    }
    let auth = match n.auth.as_deref() {
        None | Some("none") => StanAuth::None,
        Some("token") => StanAuth::Token,
        Some("basic") => {
            c.err(
                ErrorKind::Unsupported,
                &format!("{P}.auth"),
                "\"basic\" is declared upstream but the controller refuses it for native buses (UnsupportedAuthStrategy); use none or token",
            );
            StanAuth::None
        }
        Some(other) => {
            c.invalid(
                &format!("{P}.auth"),
                format!("\"{other}\" is not allowed; use one of: none, token"),
            );
            StanAuth::None
        }
    };
    let persistence = c.persistence(&format!("{P}.persistence"), &n.persistence, "10Gi");
    c.container_template(&format!("{P}.containerTemplate"), &n.container_template);
    c.container_template(
        &format!("{P}.metricsContainerTemplate"),
        &n.metrics_container_template,
    );

    let mut affinity = n.affinity.clone();
    if n.anti_affinity == Some(true) {
        if affinity.is_some() {
            c.warn(
                &format!("{P}.antiAffinity"),
                "ignored because affinity is set (deprecated shorthand; use affinity)",
            );
        } else {
            c.warn(
                &format!("{P}.antiAffinity"),
                "deprecated shorthand, expanded to a required pod anti-affinity on kubernetes.io/hostname; use affinity",
            );
            affinity = Some(hostname_anti_affinity(name));
        }
    }
    let mut pod = c.pod(P, pod_fields!(n));
    pod.affinity = affinity;

    StanPlan {
        replicas,
        auth,
        persistence,
        container_template: n.container_template.clone(),
        metrics_container_template: n.metrics_container_template.clone(),
        pod,
        image: options
            .images
            .nats_streaming
            .clone()
            .unwrap_or_else(|| DEFAULT_STAN_IMAGE.to_owned()),
        metrics_image: options.metrics.then(|| {
            options
                .images
                .stan_metrics_exporter
                .clone()
                .unwrap_or_else(|| DEFAULT_STAN_METRICS_IMAGE.to_owned())
        }),
        max_age: c.duration(&format!("{P}.maxAge"), &n.max_age, "72h"),
        max_msgs: n.max_msgs.unwrap_or(1_000_000),
        max_bytes: c.size(&format!("{P}.maxBytes"), &n.max_bytes, "1GB"),
        max_subs: n.max_subs.unwrap_or(1000),
        max_payload: c.size(&format!("{P}.maxPayload"), &n.max_payload, "1MB"),
        raft_heartbeat_timeout: c.duration(
            &format!("{P}.raftHeartbeatTimeout"),
            &n.raft_heartbeat_timeout,
            "2s",
        ),
        raft_election_timeout: c.duration(
            &format!("{P}.raftElectionTimeout"),
            &n.raft_election_timeout,
            "2s",
        ),
        raft_lease_timeout: c.duration(
            &format!("{P}.raftLeaseTimeout"),
            &n.raft_lease_timeout,
            "1s",
        ),
        raft_commit_timeout: c.duration(
            &format!("{P}.raftCommitTimeout"),
            &n.raft_commit_timeout,
            "100ms",
        ),
    }
}

/// The plan of a JetStream bus; `None` (after every check) when there is no certificate window.
fn jetstream_plan(
    c: &mut Checker<'_>,
    js: &JetStreamBus,
    options: &RenderOptions,
    window: Option<Window>,
) -> Option<JetStreamPlan> {
    const P: &str = "spec.jetstream";
    let version = js.version.clone().unwrap_or_default();
    let table = options.jetstream_version_table();
    let entry = table.iter().find(|v| v.version == version);
    if entry.is_none() && !version.is_empty() {
        let known: Vec<&str> = table.iter().map(|v| v.version.as_str()).collect();
        c.invalid(
            &format!("{P}.version"),
            format!(
                "unsupported version \"{version}\", supported versions: \"{}\"; add it to the version table with the jetstreamVersions option",
                known.join(",")
            ),
        );
    }
    // The upstream rule on 0, 2 and negative values is checked above.
    let replicas = js.replicas.unwrap_or(3);
    if replicas > MAX_REPLICAS {
        c.invalid(
            &format!("{P}.replicas"),
            format!("{replicas} is too many; use 1 or 3 to {MAX_REPLICAS} (3 or 5 is usual)"),
        );
    }
    let settings = match &js.settings {
        Some(s) => {
            if sets_store_dir(s) {
                c.invalid(
                    &format!("{P}.settings"),
                    "must not set store_dir: the store is fixed at /data/jetstream/store, on the bus volume",
                );
            }
            s.clone()
        }
        None => options
            .jetstream_defaults
            .settings
            .clone()
            .unwrap_or_else(|| crate::stream_config::DEFAULT_SETTINGS.to_owned()),
    };
    let stream_config = match crate::stream_config::merged(
        options.jetstream_defaults.stream_config.as_deref(),
        js.stream_config.as_deref(),
    ) {
        Ok((yaml, map)) => {
            if let Some(r) = map.get("replicas").and_then(serde_json::Value::as_i64)
                && r > i64::from(replicas)
            {
                c.warn(
                    &format!("{P}.streamConfig"),
                    format!(
                        "the stream asks for {r} replicas but the bus has {replicas}; clients cannot create the stream until streamConfig sets replicas: {replicas} or less"
                    ),
                );
            }
            yaml
        }
        Err(m) => {
            c.invalid(&format!("{P}.streamConfig"), m);
            String::new()
        }
    };
    let persistence = c.persistence(&format!("{P}.persistence"), &js.persistence, "20Gi");
    for (field, t) in [
        ("containerTemplate", &js.container_template),
        ("reloaderContainerTemplate", &js.reloader_container_template),
        ("metricsContainerTemplate", &js.metrics_container_template),
    ] {
        c.container_template(&format!("{P}.{field}"), t);
    }
    let pod = c.pod(P, pod_fields!(js));
    let images = &options.images;
    let pick = |direct: &Option<String>, from_table: Option<&String>| {
        direct
            .clone()
            .or_else(|| from_table.cloned())
            .unwrap_or_default()
    };
    let max_payload = c.size(&format!("{P}.maxPayload"), &js.max_payload, "1MB");
    Some(JetStreamPlan {
        replicas,
        persistence,
        container_template: js.container_template.clone(),
        reloader_container_template: js.reloader_container_template.clone(),
        metrics_container_template: js.metrics_container_template.clone(),
        pod,
        image: pick(&images.nats, entry.map(|e| &e.nats_image)),
        reloader_image: pick(
            &images.config_reloader,
            entry.map(|e| &e.config_reloader_image),
        ),
        metrics_image: options.metrics.then(|| {
            pick(
                &images.jetstream_metrics_exporter,
                entry.map(|e| &e.metrics_exporter_image),
            )
        }),
        start_command: entry.map(|e| e.start_command.clone()).unwrap_or_default(),
        start_args: js.start_args.clone(),
        settings,
        max_payload,
        stream_config,
        version,
        certificate_window: window?,
    })
}

/// True when a `settings` text sets `store_dir` (any spelling NATS accepts: bare or quoted key,
/// `:`, `=` or a space before the value).
fn sets_store_dir(settings: &str) -> bool {
    settings.lines().any(|line| {
        let l = line.trim_start();
        let l = l.strip_prefix(['"', '\'']).unwrap_or(l);
        l.strip_prefix("store_dir").is_some_and(|rest| {
            let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
            rest.starts_with([':', '=', ' ', '\t'])
        })
    })
}

/// The labs controller's `antiAffinity: true`: pods of one bus on different nodes.
fn hostname_anti_affinity(bus: &str) -> Affinity {
    Affinity {
        pod_anti_affinity: Some(PodAntiAffinity {
            required_during_scheduling_ignored_during_execution: Some(vec![PodAffinityTerm {
                label_selector: Some(LabelSelector {
                    match_labels: Some(names::base_labels(bus)),
                    ..Default::default()
                }),
                topology_key: "kubernetes.io/hostname".to_owned(),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_dir_is_found_in_every_spelling() {
        for s in [
            "store_dir: /x",
            "  store_dir = /x",
            "\"store_dir\": \"/x\"",
            "max_file_store: 1G\nstore_dir /x",
        ] {
            assert!(sets_store_dir(s), "{s}");
        }
        for s in [
            "max_file_store: 1G",
            "# store_dir is fixed",
            "store_directory: 1",
        ] {
            assert!(!sets_store_dir(s), "{s}");
        }
    }
}
