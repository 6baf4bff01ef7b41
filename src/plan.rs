//! The validated, fully defaulted view of a bus: the only input the renderers accept.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, LocalObjectReference, PodSecurityContext, SecurityContext, Toleration,
};

use crate::certs::Window;
use crate::error::Warning;
use crate::spec::{ContainerTemplate, EventBus};

/// One bus, validated, with every default applied.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Bus name.
    pub name: String,
    /// Namespace of every rendered object.
    pub namespace: String,
    /// `metadata.labels` of the EventBus.
    pub bus_labels: BTreeMap<String, String>,
    /// `metadata.annotations` of the EventBus.
    pub bus_annotations: BTreeMap<String, String>,
    /// Labels every rendered object and pod template gets (the `commonLabels` option); the
    /// selector labels win over them.
    pub common_labels: BTreeMap<String, String>,
    /// Annotations every rendered object and pod template gets (the `commonAnnotations` option).
    pub common_annotations: BTreeMap<String, String>,
    /// Whether a native bus gets a PodDisruptionBudget.
    pub pod_disruption_budget: bool,
    /// Whether a native bus gets a companion exotic EventBus.
    pub companion: bool,
    /// What to render.
    pub kind: PlanKind,
    /// What validation changed or noticed.
    pub warnings: Vec<Warning>,
    /// 0-based index of the source document.
    pub document: usize,
}

/// The kind of bus a plan renders.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PlanKind {
    /// A NATS Streaming StatefulSet and its objects.
    Stan(Box<StanPlan>),
    /// A NATS JetStream StatefulSet and its objects.
    JetStream(Box<JetStreamPlan>),
    /// An external bus (`nats.exotic`, `jetstreamExotic`, `kafka`): the EventBus as read
    /// (unknown fields dropped, status removed) is passed through.
    External(Box<EventBus>),
}

/// Token authentication of a NATS Streaming bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StanAuth {
    /// No authentication.
    None,
    /// A shared token.
    Token,
}

impl StanAuth {
    /// `none` or `token`.
    pub fn as_str(self) -> &'static str {
        match self {
            StanAuth::None => "none",
            StanAuth::Token => "token",
        }
    }
}

/// A volume claim template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Volume {
    /// Storage class, or the cluster default.
    pub storage_class_name: Option<String>,
    /// Access mode.
    pub access_mode: String,
    /// Size, a Kubernetes quantity.
    pub size: String,
}

/// Pod-level settings shared by every native bus kind.
#[derive(Clone, Debug, Default)]
pub struct PodPlan {
    /// Extra pod labels (the selector labels win).
    pub labels: BTreeMap<String, String>,
    /// Pod annotations, `None` when the spec has no `metadata`.
    pub annotations: Option<BTreeMap<String, String>>,
    /// Node selector.
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Tolerations.
    pub tolerations: Option<Vec<Toleration>>,
    /// Pod security context (the spec's, completed by the security profile).
    pub security_context: Option<PodSecurityContext>,
    /// What the security profile adds to every container's security context where the
    /// container template leaves a field unset; `None` without a profile.
    pub container_security: Option<SecurityContext>,
    /// Image pull secrets.
    pub image_pull_secrets: Option<Vec<LocalObjectReference>>,
    /// Service account.
    pub service_account_name: Option<String>,
    /// Priority class.
    pub priority_class_name: Option<String>,
    /// Priority.
    pub priority: Option<i32>,
    /// Affinity, passed through.
    pub affinity: Option<Affinity>,
}

/// A NATS Streaming bus with every value decided.
#[derive(Clone, Debug)]
pub struct StanPlan {
    /// Effective replicas (at least 3).
    pub replicas: i32,
    /// Authentication.
    pub auth: StanAuth,
    /// Claim template, or `None` for an emptyDir.
    pub persistence: Option<Volume>,
    /// Template of the `stan` container.
    pub container_template: Option<ContainerTemplate>,
    /// Template of the `metrics` container.
    pub metrics_container_template: Option<ContainerTemplate>,
    /// Pod settings.
    pub pod: PodPlan,
    /// NATS Streaming server image.
    pub image: String,
    /// Exporter image, or `None` when metrics are off.
    pub metrics_image: Option<String>,
    /// `store_limits.max_age`.
    pub max_age: String,
    /// `store_limits.max_msgs`.
    pub max_msgs: u64,
    /// `store_limits.max_bytes`.
    pub max_bytes: String,
    /// `store_limits.max_subs`.
    pub max_subs: u64,
    /// `max_payload`.
    pub max_payload: String,
    /// Raft heartbeat timeout.
    pub raft_heartbeat_timeout: String,
    /// Raft election timeout.
    pub raft_election_timeout: String,
    /// Raft lease timeout.
    pub raft_lease_timeout: String,
    /// Raft commit timeout.
    pub raft_commit_timeout: String,
}

/// A NATS JetStream bus with every value decided.
#[derive(Clone, Debug)]
pub struct JetStreamPlan {
    /// `spec.jetstream.version`, found in the version table.
    pub version: String,
    /// StatefulSet replicas (1, or 3 and more).
    pub replicas: i32,
    /// Claim template, or `None` for an emptyDir.
    pub persistence: Option<Volume>,
    /// Template of the `main` container.
    pub container_template: Option<ContainerTemplate>,
    /// Template of the `reloader` container.
    pub reloader_container_template: Option<ContainerTemplate>,
    /// Template of the `metrics` container.
    pub metrics_container_template: Option<ContainerTemplate>,
    /// Pod settings.
    pub pod: PodPlan,
    /// NATS server image.
    pub image: String,
    /// Config reloader image.
    pub reloader_image: String,
    /// Exporter image, or `None` when metrics are off.
    pub metrics_image: Option<String>,
    /// The server binary (`/nats-server` or `nats-server`).
    pub start_command: String,
    /// Extra arguments of the `main` container.
    pub start_args: Option<Vec<String>>,
    /// Text of the `jetstream { }` block (spec `settings` or the default).
    pub settings: String,
    /// `max_payload`.
    pub max_payload: String,
    /// The stream defaults handed to clients: the merged, lower-cased, sorted YAML.
    pub stream_config: String,
    /// Validity of the TLS certificates derived for the bus (the `certificateValidity` option,
    /// parsed once during validation).
    pub(crate) certificate_window: Window,
}
