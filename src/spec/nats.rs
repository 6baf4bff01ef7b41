//! NATS Streaming buses: `spec.nats.native` and `spec.nats.exotic`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, LocalObjectReference, PodSecurityContext, SecretKeySelector, Toleration,
};
use serde::{Deserialize, Serialize};

use super::{ContainerTemplate, Metadata, PersistenceStrategy};

/// `spec.nats`: holds exactly one of `native` or `exotic`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct NatsBus {
    /// A NATS Streaming cluster rendered by eventbus-gen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native: Option<NativeStrategy>,
    /// An existing NATS Streaming service; nothing is deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exotic: Option<NatsConfig>,
}

/// `spec.nats.native`: a NATS Streaming StatefulSet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct NativeStrategy {
    /// StatefulSet replicas; values below 3 are raised to 3 (as upstream does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// `none` (default) or `token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    /// Persistent volumes for the data; an emptyDir when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence: Option<PersistenceStrategy>,
    /// Template for the `stan` container; without it the container requests `cpu: "0"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_template: Option<ContainerTemplate>,
    /// Template for the `metrics` container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_container_template: Option<ContainerTemplate>,
    /// Pod node selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Pod tolerations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,
    /// Pod labels and annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Pod security context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<PodSecurityContext>,
    /// Maximum age of stored messages as a Go duration; defaults to `72h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<String>,
    /// Pod image pull secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_secrets: Option<Vec<LocalObjectReference>>,
    /// Pod service account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Pod priority class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Pod priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Pod affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// Maximum messages per channel; defaults to 1000000, 0 is unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_msgs: Option<u64>,
    /// Maximum bytes per channel as a NATS size; defaults to `1GB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<String>,
    /// Maximum subscriptions per channel; defaults to 1000, 0 is unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_subs: Option<u64>,
    /// Maximum message payload as a NATS size; defaults to `1MB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_payload: Option<String>,
    /// Raft heartbeat timeout as a Go duration; defaults to `2s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raft_heartbeat_timeout: Option<String>,
    /// Raft election timeout as a Go duration; defaults to `2s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raft_election_timeout: Option<String>,
    /// Raft lease timeout as a Go duration; defaults to `1s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raft_lease_timeout: Option<String>,
    /// Raft commit timeout as a Go duration; defaults to `100ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raft_commit_timeout: Option<String>,
}

/// `spec.nats.exotic`: connection details of an existing NATS Streaming service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct NatsConfig {
    /// Server URL, for example `nats://eventbus-default-stan-svc:4222`. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// NATS Streaming cluster id. Required.
    #[serde(rename = "clusterID", default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    /// `none` or `token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    /// Secret key holding the client credentials as YAML (`token: ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_secret: Option<SecretKeySelector>,
}
