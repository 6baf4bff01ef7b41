//! Names of the fields each spec type accepts, read from the types' own `Deserialize` impls,
//! and the hints given for a field that is not one of them.

use serde::de::{self, Deserialize, Visitor};

use crate::spec::{
    ContainerTemplate, EventBus, EventBusSpec, JetStreamBus, JetStreamConfig, KafkaBus,
    KafkaConsumerGroup, Metadata, NativeStrategy, NatsBus, NatsConfig, PersistenceStrategy,
    SaslConfig, TlsConfig,
};
use k8s_openapi::api::core::v1::{
    Affinity, LocalObjectReference, PodSecurityContext, ResourceRequirements, SecretKeySelector,
    SecurityContext, Toleration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The field names a struct's `Deserialize` impl asks for.
pub(crate) fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("field probe")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            *self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// The fields accepted at `parent` (a path with `[]` for sequence items), when known.
fn fields_at(parent: &str) -> Option<&'static [&'static str]> {
    let last = parent.rsplit('.').next().unwrap_or(parent);
    Some(match parent {
        "" => fields_of::<EventBus>(),
        "metadata" => fields_of::<ObjectMeta>(),
        "spec" => fields_of::<EventBusSpec>(),
        "spec.nats" => fields_of::<NatsBus>(),
        "spec.nats.native" => fields_of::<NativeStrategy>(),
        "spec.nats.exotic" => fields_of::<NatsConfig>(),
        "spec.jetstream" => fields_of::<JetStreamBus>(),
        "spec.jetstreamExotic" => fields_of::<JetStreamConfig>(),
        "spec.kafka" => fields_of::<KafkaBus>(),
        "spec.kafka.sasl" => fields_of::<SaslConfig>(),
        "spec.kafka.consumerGroup" => fields_of::<KafkaConsumerGroup>(),
        _ => match last {
            "persistence" => fields_of::<PersistenceStrategy>(),
            "containerTemplate" | "metricsContainerTemplate" | "reloaderContainerTemplate" => {
                fields_of::<ContainerTemplate>()
            }
            "metadata" => fields_of::<Metadata>(),
            "tls" => fields_of::<TlsConfig>(),
            "tolerations[]" => fields_of::<Toleration>(),
            "affinity" => fields_of::<Affinity>(),
            "imagePullSecrets[]" => fields_of::<LocalObjectReference>(),
            "resources" => fields_of::<ResourceRequirements>(),
            "accessSecret" | "caCertSecret" | "clientCertSecret" | "clientKeySecret"
            | "userSecret" | "passwordSecret" => fields_of::<SecretKeySelector>(),
            "securityContext" if parent.ends_with("Template.securityContext") => {
                fields_of::<SecurityContext>()
            }
            "securityContext" => fields_of::<PodSecurityContext>(),
            _ => return None,
        },
    })
}

/// Where a field that is out of place at bus level `at` belongs instead, nearest kin first.
fn homes(at: &str) -> Vec<(&'static [&'static str], &'static str)> {
    let order: [&str; 5] = match at {
        "spec.nats.native" => [
            "spec.nats.exotic",
            "spec.jetstream",
            "spec.jetstreamExotic",
            "spec.kafka",
            "",
        ],
        "spec.jetstream" => [
            "spec.nats.native",
            "spec.jetstreamExotic",
            "spec.nats.exotic",
            "spec.kafka",
            "",
        ],
        "spec.nats.exotic" => [
            "spec.nats.native",
            "spec.jetstreamExotic",
            "spec.jetstream",
            "spec.kafka",
            "",
        ],
        "spec.jetstreamExotic" => [
            "spec.jetstream",
            "spec.nats.exotic",
            "spec.kafka",
            "spec.nats.native",
            "",
        ],
        _ => [
            "spec.jetstreamExotic",
            "spec.nats.exotic",
            "spec.jetstream",
            "spec.nats.native",
            "",
        ],
    };
    order
        .iter()
        .filter_map(|home| {
            let fields = match *home {
                "spec.nats.exotic" => fields_of::<NatsConfig>(),
                "spec.nats.native" => fields_of::<NativeStrategy>(),
                "spec.jetstream" => fields_of::<JetStreamBus>(),
                "spec.jetstreamExotic" => fields_of::<JetStreamConfig>(),
                "spec.kafka" => fields_of::<KafkaBus>(),
                _ => return None,
            };
            Some((fields, *home))
        })
        .collect()
}

/// Fields people write that exist in other Kubernetes kinds, with what to use instead.
const LOOKALIKES: &[(&str, &str)] = &[
    (
        "volumeClaimTemplates",
        "not an EventBus field; use persistence (storageClassName, accessMode, volumeSize)",
    ),
    (
        "resources",
        "not a field here; put resources under containerTemplate.resources",
    ),
    (
        "image",
        "an EventBus has no image field; set the image with the render options (images)",
    ),
    (
        "template",
        "not an EventBus field; use containerTemplate for the server container",
    ),
];

/// `spec.nats.native.antiAffinity` was removed in Argo Events v1.5; v1.9 ignores it. The hint
/// spells out the `affinity` block that keeps the pods of one bus on different nodes.
const ANTI_AFFINITY_HINT: &str = "unknown field; removed in Argo Events v1.5 and ignored by v1.9 \
    (pods are not spread); to keep the pods of this bus on different nodes set \
    affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
    [{labelSelector: {matchLabels: {controller: eventbus-controller, eventbus-name: <bus name>}}, \
    topologyKey: kubernetes.io/hostname}]}} (this restarts every pod of a running bus)";

/// The message for an unknown field at `path` (e.g. `spec.nats.native.replica`).
pub(crate) fn unknown_field_message(path: &str) -> String {
    let (parent, key) = match path.rfind('.') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    };
    let pattern = strip_indexes(parent);
    let known = fields_at(&pattern);
    if let Some(near) = known.and_then(|k| closest(key, k)) {
        return format!("unknown field, did you mean {near}?");
    }
    let bus_level = matches!(
        pattern.as_str(),
        "spec.nats.native"
            | "spec.nats.exotic"
            | "spec.jetstream"
            | "spec.jetstreamExotic"
            | "spec.kafka"
    );
    if bus_level {
        for (fields, home) in homes(&pattern) {
            if fields.contains(&key) {
                return format!("only valid under {home}");
            }
        }
    }
    if pattern == "spec.nats.native" && key == "antiAffinity" {
        return ANTI_AFFINITY_HINT.to_owned();
    }
    if pattern == "spec.kafka.consumerGroup" && key == "startOldest" {
        return "unknown field; renamed to oldest in Argo Events v1.9.3".to_owned();
    }
    if let Some((_, hint)) = LOOKALIKES.iter().find(|(k, _)| *k == key) {
        return format!("unknown field; {hint}");
    }
    if pattern.is_empty() && key == "data" {
        return "unknown field; an EventBus keeps its settings under spec".to_owned();
    }
    match known {
        Some(known) if !known.is_empty() => {
            format!("unknown field; allowed here: {}", known.join(", "))
        }
        _ => "unknown field".to_owned(),
    }
}

fn strip_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// A known field that `key` is probably a misspelling of.
fn closest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    if let Some(k) = known.iter().find(|k| k.to_ascii_lowercase() == lower) {
        return Some(k);
    }
    let limit = if key.len() <= 4 { 1 } else { 2 };
    known
        .iter()
        .map(|k| (levenshtein(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

/// The edit distance of two short strings (for "did you mean" hints). Strings whose lengths
/// differ by more than 8 get that difference (a lower bound, and far past any hint's limit)
/// without the quadratic work, so a key of a megabyte costs a count, not seconds.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let gap = a.chars().count().abs_diff(b.chars().count());
    if gap > 8 {
        return gap;
    }
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_is_exact_when_close_and_cheap_when_far() {
        assert_eq!(levenshtein("replica", "replicas"), 1);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        let long = "k".repeat(1 << 20);
        assert_eq!(levenshtein(&long, "replicas"), (1 << 20) - 8);
        assert_eq!(closest(&long, &["replicas", "auth"]), None);
    }

    #[test]
    fn probes_field_names() {
        assert!(fields_of::<NativeStrategy>().contains(&"replicas"));
        assert!(fields_of::<NatsConfig>().contains(&"clusterID"));
        assert!(fields_of::<Toleration>().contains(&"operator"));
    }

    #[test]
    fn anti_affinity_is_unknown_with_the_affinity_block() {
        let m = unknown_field_message("spec.nats.native.antiAffinity");
        assert!(
            m.starts_with("unknown field; removed in Argo Events v1.5"),
            "{m}"
        );
        assert!(m.contains("topologyKey: kubernetes.io/hostname"), "{m}");
    }

    #[test]
    fn hints() {
        assert_eq!(
            unknown_field_message("spec.nats.native.replica"),
            "unknown field, did you mean replicas?"
        );
        assert_eq!(
            unknown_field_message("spec.nats.native.clusterID"),
            "only valid under spec.nats.exotic"
        );
        assert_eq!(
            unknown_field_message("spec.jetstream.auth"),
            "only valid under spec.nats.native"
        );
        assert!(
            unknown_field_message("spec.nats.native.volumeClaimTemplates").contains("persistence")
        );
        assert!(unknown_field_message("spec.nats.native.tolerations[0].efect").contains("effect"));
        assert_eq!(
            unknown_field_message("spec.solace"),
            "unknown field; allowed here: nats, jetstream, kafka, jetstreamExotic"
        );
    }
}
