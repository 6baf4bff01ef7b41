//! The plan of a NATS Streaming bus (`spec.nats.native`).

use super::pod::pod_fields;
use super::{Checker, MAX_REPLICAS};
use crate::error::ErrorKind;
use crate::options::RenderOptions;
use crate::plan::{StanAuth, StanPlan};
use crate::spec::NativeStrategy;

/// Default NATS Streaming image (controller config entry `0.22.1`).
pub const DEFAULT_STAN_IMAGE: &str = "nats-streaming:0.22.1";
/// Default exporter image of NATS Streaming buses.
pub const DEFAULT_STAN_METRICS_IMAGE: &str = "natsio/prometheus-nats-exporter:0.8.0";

/// The plan of a NATS Streaming bus, with its defaults.
pub(super) fn plan(c: &mut Checker<'_>, n: &NativeStrategy, options: &RenderOptions) -> StanPlan {
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
                format!(
                    "{} is not allowed; use one of: none, token",
                    crate::error::quote(other)
                ),
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

    let pod = c.pod(P, pod_fields!(n), options.security_profile);
    timing_ranges(c, n);

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

/// The shortest Raft timeouts the Raft library of NATS Streaming accepts, in nanoseconds and as
/// text, and the defaults NATS Streaming uses for a timeout of 0 (the controller's defaults too).
const RAFT_TIMEOUTS: [(&str, i128, &str, i128, &str); 4] = [
    (
        "raftHeartbeatTimeout",
        5_000_000,
        "5ms",
        2_000_000_000,
        "2s",
    ),
    ("raftElectionTimeout", 5_000_000, "5ms", 2_000_000_000, "2s"),
    ("raftLeaseTimeout", 5_000_000, "5ms", 1_000_000_000, "1s"),
    ("raftCommitTimeout", 1_000_000, "1ms", 100_000_000, "100ms"),
];

/// Durations Go reads but NATS Streaming refuses at start-up, so every pod would crash-loop:
/// a negative `maxAge` (its store limits refuse it), and Raft timeouts below the Raft library's
/// minimums or out of its order (lease no longer than heartbeat, election no shorter).
/// Malformed values are reported by the format check already and skipped here.
fn timing_ranges(c: &mut Checker<'_>, n: &NativeStrategy) {
    const P: &str = "spec.nats.native";
    let nanos = |v: &Option<String>| {
        v.as_deref()
            .and_then(|s| crate::values::go_duration_nanos(s).ok())
    };
    if nanos(&n.max_age).is_some_and(|a| a < 0) {
        c.invalid(
            &format!("{P}.maxAge"),
            "must not be negative: NATS Streaming refuses a negative max age; use 0 for no limit or a duration such as 72h",
        );
    }
    let given = [
        &n.raft_heartbeat_timeout,
        &n.raft_election_timeout,
        &n.raft_lease_timeout,
        &n.raft_commit_timeout,
    ];
    // Each given timeout read once, in nanoseconds; None when absent or unreadable.
    let read = given.map(nanos);
    // The value NATS Streaming runs with (0 and unset mean its default); None when unreadable.
    let mut effective = [Some(0i128); 4];
    for (i, ((field, least, least_text, default, default_text), value)) in
        RAFT_TIMEOUTS.iter().zip(given).enumerate()
    {
        effective[i] = match (value, read[i]) {
            (None, _) | (Some(_), Some(0)) => Some(*default),
            (Some(_), Some(v)) if v < *least => {
                c.invalid(
                    &format!("{P}.{field}"),
                    format!(
                        "is shorter than NATS Streaming's Raft library accepts; use at least {least_text}, or 0 for the default {default_text}"
                    ),
                );
                None
            }
            (Some(_), Some(v)) => Some(v),
            (Some(_), None) => None,
        };
    }
    let [heartbeat, election, lease, _] = effective;
    let shown = |i: usize| {
        given[i]
            .as_deref()
            .filter(|_| read[i] != Some(0))
            .map(crate::error::quote)
            .unwrap_or_else(|| format!("{} by default", RAFT_TIMEOUTS[i].4))
    };
    if let (Some(lease), Some(heartbeat)) = (lease, heartbeat)
        && lease > heartbeat
    {
        let at = if n.raft_lease_timeout.is_some() { 2 } else { 0 };
        c.invalid(
            &format!("{P}.{}", RAFT_TIMEOUTS[at].0),
            format!(
                "raftLeaseTimeout ({}) is longer than raftHeartbeatTimeout ({}); NATS Streaming's Raft library refuses that",
                shown(2),
                shown(0)
            ),
        );
    }
    if let (Some(election), Some(heartbeat)) = (election, heartbeat)
        && election < heartbeat
    {
        let at = if n.raft_election_timeout.is_some() {
            1
        } else {
            0
        };
        c.invalid(
            &format!("{P}.{}", RAFT_TIMEOUTS[at].0),
            format!(
                "raftElectionTimeout ({}) is shorter than raftHeartbeatTimeout ({}); NATS Streaming's Raft library refuses that",
                shown(1),
                shown(0)
            ),
        );
    }
}
