//! The Argo Events controller's own rules, in its order and words.

use super::Checker;
use crate::spec::{EventBus, JetStreamBus, KafkaBus, NatsBus};

/// Checks the bus as the controller does, in its order: exactly one kind, then each kind's
/// required fields and allowed values.
pub(super) fn check(c: &mut Checker<'_>, bus: &EventBus) {
    let spec = &bus.spec;
    kinds(c, bus);
    if let Some(nats) = &spec.nats {
        nats_bus(c, nats);
    }
    if let Some(js) = &spec.jetstream {
        jetstream(c, js);
    }
    if let Some(k) = &spec.kafka {
        kafka(c, k);
    }
    if let Some(j) = &spec.jetstream_exotic
        && j.url.as_deref().unwrap_or("").is_empty()
    {
        c.invalid(
            "spec.jetstreamExotic.url",
            "\"spec.jetstreamExotic.url\" is missing",
        );
    }
}

/// Exactly one bus kind.
fn kinds(c: &mut Checker<'_>, bus: &EventBus) {
    let spec = &bus.spec;
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
}

/// `spec.nats`: native or exotic, and what an exotic bus needs.
fn nats_bus(c: &mut Checker<'_>, nats: &NatsBus) {
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

/// `spec.jetstream`: a version, and 1 or at least 3 replicas.
fn jetstream(c: &mut Checker<'_>, js: &JetStreamBus) {
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

/// `spec.kafka`: a URL, and the allowed values of its settings.
fn kafka(c: &mut Checker<'_>, k: &KafkaBus) {
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
