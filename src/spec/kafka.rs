//! External Kafka buses: `spec.kafka`.

use serde::{Deserialize, Serialize};

use super::{SaslConfig, TlsConfig};

/// `spec.kafka`: an external Kafka cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct KafkaBus {
    /// Comma-separated brokers. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Topic; the controller defaults it to `<namespace>-<name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Kafka protocol version, for example `3.6.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Client TLS settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsConfig>,
    /// SASL settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sasl: Option<SaslConfig>,
    /// Consumer group settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_group: Option<KafkaConsumerGroup>,
    /// `random` (default), `hash`, `roundrobin` or `manual`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioner: Option<String>,
}

/// `spec.kafka.consumerGroup`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct KafkaConsumerGroup {
    /// Group name; defaults to `<namespace>-<sensor>` at run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Start from the oldest offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest: Option<bool>,
    /// `range` (default), `sticky` or `roundrobin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebalance_strategy: Option<String>,
}
