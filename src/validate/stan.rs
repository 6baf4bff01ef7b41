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
