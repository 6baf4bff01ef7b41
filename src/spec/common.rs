//! Types shared by several bus kinds.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ResourceRequirements, SecretKeySelector, SecurityContext};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::{Deserialize, Serialize};

/// Settings applied to one container of the bus StatefulSet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContainerTemplate {
    /// Container resources. When a template is given, these replace the container's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// `Always`, `IfNotPresent` or `Never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<String>,
    /// Container-level security context.
    // Boxed: hundreds of bytes inline, usually absent, and a bus holds up to three templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<Box<SecurityContext>>,
}

/// Persistent storage for the bus data. Present (even empty) means a volume claim template.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersistenceStrategy {
    /// Storage class of the claims; the cluster default when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
    /// One access mode; defaults to `ReadWriteOnce`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_mode: Option<String>,
    /// Claim size; defaults to `10Gi` for NATS Streaming and `20Gi` for JetStream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_size: Option<Quantity>,
}

/// Labels and annotations for the bus pods.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// Pod annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Pod labels; the selector labels win on a clash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

/// Client TLS settings for external buses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TlsConfig {
    /// Secret key holding the CA certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert_secret: Option<SecretKeySelector>,
    /// Secret key holding the client certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert_secret: Option<SecretKeySelector>,
    /// Secret key holding the client key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_secret: Option<SecretKeySelector>,
    /// Skip server certificate verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
    /// Turn TLS on without client certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// SASL settings for Kafka.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SaslConfig {
    /// `PLAIN` (default), `OAUTHBEARER`, `SCRAM-SHA-256`, `SCRAM-SHA-512` or `GSSAPI`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<String>,
    /// Secret key holding the user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_secret: Option<SecretKeySelector>,
    /// Secret key holding the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_secret: Option<SecretKeySelector>,
}
