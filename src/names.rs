//! Every object name, label set and port of a bus, as the Argo Events controller chooses them.

use std::collections::BTreeMap;

/// NATS client port.
pub const CLIENT_PORT: i32 = 4222;
/// NATS cluster (route) port.
pub const CLUSTER_PORT: i32 = 6222;
/// NATS monitoring port.
pub const MONITOR_PORT: i32 = 8222;
/// Prometheus exporter port.
pub const METRICS_PORT: i32 = 7777;

/// Label key shared by every bus object.
pub const LABEL_CONTROLLER: &str = "controller";
/// Value of [`LABEL_CONTROLLER`].
pub const CONTROLLER_NAME: &str = "eventbus-controller";
/// Label key holding the bus name.
pub const LABEL_EVENTBUS_NAME: &str = "eventbus-name";
/// Label key holding the owning bus name.
pub const LABEL_OWNER_NAME: &str = "owner-name";

/// Longest bus name whose NATS Streaming objects stay valid (`eventbus-<n>-stan` ≤ 52).
pub const MAX_STAN_NAME: usize = 38;
/// Longest bus name whose JetStream objects stay valid (`eventbus-<n>-js` ≤ 52).
pub const MAX_JETSTREAM_NAME: usize = 40;

/// The selector labels of a bus.
pub fn base_labels(bus: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (LABEL_CONTROLLER.to_owned(), CONTROLLER_NAME.to_owned()),
        (LABEL_EVENTBUS_NAME.to_owned(), bus.to_owned()),
        (LABEL_OWNER_NAME.to_owned(), bus.to_owned()),
    ])
}

/// `eventbus-<n>-pdb`, for either bus kind.
fn pdb(bus: &str) -> String {
    format!("eventbus-{bus}-pdb")
}

/// Pod `i` of the StatefulSet `stateful_set`.
fn pod(stateful_set: &str, i: i32) -> String {
    format!("{stateful_set}-{i}")
}

/// `nats://<pod>.<service>.<namespace>.svc:6222`.
fn route(pod: &str, service: &str, namespace: &str) -> String {
    format!("nats://{pod}.{service}.{namespace}.svc:{CLUSTER_PORT}")
}

/// Names of the NATS Streaming objects of bus `n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StanNames {
    /// Bus name.
    pub bus: String,
}

impl StanNames {
    /// Names for bus `bus`.
    pub fn new(bus: &str) -> Self {
        StanNames {
            bus: bus.to_owned(),
        }
    }
    /// `eventbus-<n>-stan-svc`.
    pub fn service(&self) -> String {
        format!("eventbus-{}-stan-svc", self.bus)
    }
    /// `eventbus-<n>-stan-configmap`.
    pub fn config_map(&self) -> String {
        format!("eventbus-{}-stan-configmap", self.bus)
    }
    /// `eventbus-<n>-server`.
    pub fn server_secret(&self) -> String {
        format!("eventbus-{}-server", self.bus)
    }
    /// `eventbus-<n>-client`.
    pub fn client_secret(&self) -> String {
        format!("eventbus-{}-client", self.bus)
    }
    /// `eventbus-<n>-stan`.
    pub fn stateful_set(&self) -> String {
        format!("eventbus-{}-stan", self.bus)
    }
    /// `eventbus-<n>-pdb` (the name the upstream docs recommend).
    pub fn pdb(&self) -> String {
        pdb(&self.bus)
    }
    /// `stan-<n>-vol`: the volume claim template, so claims are `stan-<n>-vol-eventbus-<n>-stan-<i>`.
    pub fn volume(&self) -> String {
        format!("stan-{}-vol", self.bus)
    }
    /// `eventbus-<n>`: the NATS Streaming cluster id.
    pub fn cluster_id(&self) -> String {
        format!("eventbus-{}", self.bus)
    }
    /// Pod `i` of the StatefulSet.
    pub fn pod(&self, i: i32) -> String {
        pod(&self.stateful_set(), i)
    }
    /// Route of pod `i`: `nats://<pod>.<svc>.<ns>.svc:6222`.
    pub fn route(&self, i: i32, namespace: &str) -> String {
        route(&self.pod(i), &self.service(), namespace)
    }
    /// Client URL in the bus's own namespace: `nats://eventbus-<n>-stan-svc:4222`.
    pub fn client_url(&self) -> String {
        format!("nats://{}:{CLIENT_PORT}", self.service())
    }
}

/// Names of the NATS JetStream objects of bus `n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JetStreamNames {
    /// Bus name.
    pub bus: String,
}

impl JetStreamNames {
    /// Names for bus `bus`.
    pub fn new(bus: &str) -> Self {
        JetStreamNames {
            bus: bus.to_owned(),
        }
    }
    /// `eventbus-<n>-js-svc`.
    pub fn service(&self) -> String {
        format!("eventbus-{}-js-svc", self.bus)
    }
    /// `eventbus-<n>-js-config`.
    pub fn config_map(&self) -> String {
        format!("eventbus-{}-js-config", self.bus)
    }
    /// `eventbus-<n>-js-server`.
    pub fn server_secret(&self) -> String {
        format!("eventbus-{}-js-server", self.bus)
    }
    /// `eventbus-<n>-js-client-auth`.
    pub fn client_secret(&self) -> String {
        format!("eventbus-{}-js-client-auth", self.bus)
    }
    /// `eventbus-<n>-js`.
    pub fn stateful_set(&self) -> String {
        format!("eventbus-{}-js", self.bus)
    }
    /// `eventbus-<n>-pdb` (the name the upstream docs recommend).
    pub fn pdb(&self) -> String {
        pdb(&self.bus)
    }
    /// `eventbus-<n>-js-vol`: the volume claim template, so claims are
    /// `eventbus-<n>-js-vol-eventbus-<n>-js-<i>`.
    pub fn volume(&self) -> String {
        format!("eventbus-{}-js-vol", self.bus)
    }
    /// Pod `i` of the StatefulSet.
    pub fn pod(&self, i: i32) -> String {
        pod(&self.stateful_set(), i)
    }
    /// Route of pod `i`: `nats://<pod>.<svc>.<ns>.svc:6222`.
    pub fn route(&self, i: i32, namespace: &str) -> String {
        route(&self.pod(i), &self.service(), namespace)
    }
    /// Client URL: `nats://eventbus-<n>-js-svc.<ns>.svc:4222`.
    pub fn client_url(&self, namespace: &str) -> String {
        format!("nats://{}.{namespace}.svc:{CLIENT_PORT}", self.service())
    }
    /// DNS names of the client-facing certificate (and its CA).
    pub fn server_dns_names(&self, namespace: &str) -> Vec<String> {
        vec![
            format!("{}.{namespace}.svc.cluster.local", self.service()),
            format!("{}.{namespace}.svc", self.service()),
        ]
    }
    /// DNS names of the route certificate (and its CA): every pod behind the Service.
    pub fn cluster_dns_names(&self, namespace: &str) -> Vec<String> {
        vec![
            format!("*.{}.{namespace}.svc.cluster.local", self.service()),
            format!("*.{}.{namespace}.svc", self.service()),
        ]
    }
}

/// Key of the JetStream ConfigMap holding `nats-js.conf`.
pub const JETSTREAM_CONFIG_KEY: &str = "nats-js";

/// Key of the server Secret holding `auth.conf`.
pub const SERVER_AUTH_KEY: &str = "auth";
/// Key of the client Secret holding the client credentials.
pub const CLIENT_AUTH_KEY: &str = "client-auth";
/// Keys of the JetStream server Secret, and the file each is projected to.
pub const JETSTREAM_SERVER_FILES: [(&str, &str); 7] = [
    (SERVER_AUTH_KEY, "auth.conf"),
    ("private-key", "server-key.pem"),
    ("cert", "server-cert.pem"),
    ("ca-cert", "ca-cert.pem"),
    ("cluster-private-key", "cluster-server-key.pem"),
    ("cluster-cert", "cluster-server-cert.pem"),
    ("cluster-ca-cert", "cluster-ca-cert.pem"),
];
/// Key of the JetStream server Secret holding the at-rest encryption key.
pub const JETSTREAM_ENCRYPTION_KEY: &str = "encryption";
/// Key of the NATS Streaming ConfigMap holding `stan.conf`.
pub const STAN_CONFIG_KEY: &str = "stan-config";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stan_names_match_upstream() {
        let n = StanNames::new("default");
        assert_eq!(n.service(), "eventbus-default-stan-svc");
        assert_eq!(n.config_map(), "eventbus-default-stan-configmap");
        assert_eq!(n.server_secret(), "eventbus-default-server");
        assert_eq!(n.client_secret(), "eventbus-default-client");
        assert_eq!(n.stateful_set(), "eventbus-default-stan");
        assert_eq!(n.volume(), "stan-default-vol");
        assert_eq!(n.cluster_id(), "eventbus-default");
        assert_eq!(
            n.route(2, "argo-events"),
            "nats://eventbus-default-stan-2.eventbus-default-stan-svc.argo-events.svc:6222"
        );
        assert_eq!(n.client_url(), "nats://eventbus-default-stan-svc:4222");
    }

    #[test]
    fn jetstream_names_match_upstream() {
        let n = JetStreamNames::new("default");
        assert_eq!(n.service(), "eventbus-default-js-svc");
        assert_eq!(n.config_map(), "eventbus-default-js-config");
        assert_eq!(n.server_secret(), "eventbus-default-js-server");
        assert_eq!(n.client_secret(), "eventbus-default-js-client-auth");
        assert_eq!(n.stateful_set(), "eventbus-default-js");
        assert_eq!(n.volume(), "eventbus-default-js-vol");
        assert_eq!(
            n.route(1, "argo-events"),
            "nats://eventbus-default-js-1.eventbus-default-js-svc.argo-events.svc:6222"
        );
        assert_eq!(
            n.client_url("argo-events"),
            "nats://eventbus-default-js-svc.argo-events.svc:4222"
        );
        assert_eq!(
            n.server_dns_names("ns"),
            [
                "eventbus-default-js-svc.ns.svc.cluster.local",
                "eventbus-default-js-svc.ns.svc"
            ]
        );
        assert_eq!(
            n.cluster_dns_names("ns"),
            [
                "*.eventbus-default-js-svc.ns.svc.cluster.local",
                "*.eventbus-default-js-svc.ns.svc"
            ]
        );
    }
}
