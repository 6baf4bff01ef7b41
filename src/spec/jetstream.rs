//! NATS JetStream buses: `spec.jetstream` and `spec.jetstreamExotic`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, LocalObjectReference, PodSecurityContext, SecretKeySelector, Toleration,
};
use serde::{Deserialize, Serialize};

use super::{ContainerTemplate, Metadata, PersistenceStrategy, TlsConfig};

/// `spec.jetstream`: a NATS JetStream StatefulSet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct JetStreamBus {
    /// NATS version from the version table (for example `latest` or `2.10.29`). Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// StatefulSet replicas: 1, or 3 and more; defaults to 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Template for the `main` container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_template: Option<ContainerTemplate>,
    /// Template for the `reloader` container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reloader_container_template: Option<ContainerTemplate>,
    /// Template for the `metrics` container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_container_template: Option<ContainerTemplate>,
    /// Persistent volumes for the data; an emptyDir when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence: Option<PersistenceStrategy>,
    /// Pod labels and annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Pod node selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Pod tolerations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,
    /// Pod security context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<PodSecurityContext>,
    /// Pod image pull secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_secrets: Option<Vec<LocalObjectReference>>,
    /// Pod priority class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Pod priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Pod affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// Pod service account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Text placed inside the server's `jetstream { }` block; replaces the default settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<String>,
    /// Extra arguments of the `main` container, for example `-D`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_args: Option<Vec<String>>,
    /// Stream settings as YAML, merged over the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_config: Option<String>,
    /// Maximum message payload as a NATS size; defaults to `1MB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_payload: Option<String>,
}

/// `spec.jetstreamExotic`: connection details of an existing JetStream server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct JetStreamConfig {
    /// Server URL. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Secret key holding `username:` and `password:` as YAML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_secret: Option<SecretKeySelector>,
    /// Stream settings as YAML, handed to clients verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_config: Option<String>,
    /// Client TLS settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsConfig>,
}
