//! The `EventBus` resource (`argoproj.io/v1alpha1`) as the Argo Events controller reads it.
//!
//! Field names, types and defaults mirror upstream. Every field is optional here; defaults are
//! applied by validation, which turns a spec into a plan.

mod common;
mod jetstream;
mod kafka;
mod nats;

pub use common::{ContainerTemplate, Metadata, PersistenceStrategy, SaslConfig, TlsConfig};
pub use jetstream::{JetStreamBus, JetStreamConfig};
pub use kafka::{KafkaBus, KafkaConsumerGroup};
pub use nats::{NativeStrategy, NatsBus, NatsConfig};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// The API group and version of `EventBus`.
pub const API_VERSION: &str = "argoproj.io/v1alpha1";
/// The kind of `EventBus`.
pub const KIND: &str = "EventBus";

/// An Argo Events `EventBus` document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventBus {
    /// Must be `argoproj.io/v1alpha1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Must be `EventBus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Standard object metadata; `name` is required, `namespace` may come from the options.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The bus definition: exactly one of `nats`, `jetstream`, `jetstreamExotic` or `kafka`.
    #[serde(default)]
    pub spec: EventBusSpec,
    /// Status written by a controller; accepted so that exported objects parse, never rendered.
    #[serde(default, skip_serializing)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub status: Option<serde_json::Value>,
}

/// `spec` of an `EventBus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
// The kinds are boxed: a bus has one, and each is kilobytes of mostly empty options inline, so
// that every bus of a large input would otherwise carry all four.
pub struct EventBusSpec {
    /// NATS Streaming, either run by the generator (`native`) or external (`exotic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nats: Option<Box<NatsBus>>,
    /// NATS JetStream run by the generator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jetstream: Option<Box<JetStreamBus>>,
    /// An external Kafka cluster; nothing is deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<Box<KafkaBus>>,
    /// An external NATS JetStream server; nothing is deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jetstream_exotic: Option<Box<JetStreamConfig>>,
}

impl EventBus {
    /// The bus name (`metadata.name`), or the empty string when it is missing.
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or("")
    }
}
