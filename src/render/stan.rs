//! NATS Streaming objects, as the Argo Events controller builds them.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, ResourceRequirements, Secret, Service, ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::Serialize;

use super::common::{self, CONFIG_VOLUME};
use super::{Object, companion};
use crate::credentials::{SecretRefs, SecretString};
use crate::error::Error;
use crate::names::{self, CLIENT_PORT, CLUSTER_PORT, MONITOR_PORT, StanNames};
use crate::plan::{Plan, StanAuth, StanPlan};
use crate::templates;

const DATA_VOLUME: &str = "stan-data";
const CONFIG_DIR: &str = "/etc/stan-config";
const DATA_DIR: &str = "/data/stan";

/// Every object of a NATS Streaming bus: `secrets` are the Secret objects (or what builds
/// them), placed after the ConfigMap; `refs` names the Secrets the pods and the companion read.
pub(crate) fn objects(
    plan: &Plan,
    stan: &StanPlan,
    refs: &SecretRefs,
    secrets: Vec<Object>,
) -> Result<Vec<Object>, Error> {
    let n = StanNames::new(&plan.name);
    let mut out = vec![
        Object::Service(service(plan, &n)),
        Object::ConfigMap(config_map(plan, stan, &n)?),
    ];
    out.extend(secrets);
    out.push(Object::StatefulSet(stateful_set(plan, stan, &n, refs)));
    super::push_optional(&mut out, plan, n.pdb(), || {
        companion::stan(plan, stan.auth, refs)
    });
    Ok(out)
}

/// The Secrets of a NATS Streaming bus with their values: the server Secret (empty `auth` for
/// `auth: none`), and with a token the client Secret.
pub(crate) fn secrets(
    plan: &Plan,
    stan: &StanPlan,
    refs: &SecretRefs,
    token: Option<&SecretString>,
) -> Result<Vec<Object>, Error> {
    let mut out = vec![Object::Secret(server_secret(
        plan,
        refs.server.clone(),
        stan.auth,
        token,
    )?)];
    if let Some(t) = token {
        out.push(Object::Secret(client_secret(plan, refs.client.clone(), t)?));
    }
    Ok(out)
}

fn service(plan: &Plan, n: &StanNames) -> Service {
    let mut extra = plan.bus_labels.clone();
    extra.insert("stan".to_owned(), "yes".to_owned());
    common::headless_service(
        plan,
        n.service(),
        &extra,
        ServiceSpec {
            ports: Some(vec![
                common::service_port("tcp-client", CLIENT_PORT),
                common::service_port("cluster", CLUSTER_PORT),
                common::service_port("monitor", MONITOR_PORT),
            ]),
            ..Default::default()
        },
    )
}

#[derive(Serialize)]
struct StanConf<'a> {
    monitor_port: i32,
    cluster_port: i32,
    routes: Vec<String>,
    max_payload: &'a str,
    cluster_id: String,
    peers: Vec<String>,
    raft_heartbeat_timeout: &'a str,
    raft_election_timeout: &'a str,
    raft_lease_timeout: &'a str,
    raft_commit_timeout: &'a str,
    max_age: &'a str,
    max_msgs: u64,
    max_bytes: &'a str,
    max_subs: u64,
}

/// The text of `stan.conf`.
pub(crate) fn stan_conf(plan: &Plan, stan: &StanPlan) -> Result<String, Error> {
    let n = StanNames::new(&plan.name);
    templates::render(
        templates::STAN_CONF,
        &StanConf {
            monitor_port: MONITOR_PORT,
            cluster_port: CLUSTER_PORT,
            routes: (0..stan.replicas)
                .map(|i| n.route(i, &plan.namespace))
                .collect(),
            max_payload: &stan.max_payload,
            cluster_id: n.cluster_id(),
            peers: (0..stan.replicas).map(|i| n.pod(i)).collect(),
            raft_heartbeat_timeout: &stan.raft_heartbeat_timeout,
            raft_election_timeout: &stan.raft_election_timeout,
            raft_lease_timeout: &stan.raft_lease_timeout,
            raft_commit_timeout: &stan.raft_commit_timeout,
            max_age: &stan.max_age,
            max_msgs: stan.max_msgs,
            max_bytes: &stan.max_bytes,
            max_subs: stan.max_subs,
        },
    )
}

fn config_map(plan: &Plan, stan: &StanPlan, n: &StanNames) -> Result<ConfigMap, Error> {
    Ok(common::config_map(
        plan,
        n.config_map(),
        &plan.bus_labels,
        names::STAN_CONFIG_KEY,
        stan_conf(plan, stan)?,
    ))
}

#[derive(Serialize)]
struct TokenContext<'a> {
    token: &'a str,
}

fn auth_secret(
    plan: &Plan,
    name: String,
    label: &str,
    strategy: StanAuth,
    key: &str,
    value: String,
) -> Secret {
    let extra = BTreeMap::from([(label.to_owned(), "yes".to_owned())]);
    let annotations = BTreeMap::from([("strategy".to_owned(), strategy.as_str().to_owned())]);
    common::secret(
        plan,
        name,
        &extra,
        annotations,
        BTreeMap::from([(key.to_owned(), ByteString(value.into_bytes()))]),
    )
}

fn server_secret(
    plan: &Plan,
    name: String,
    auth: StanAuth,
    token: Option<&SecretString>,
) -> Result<Secret, Error> {
    let value = match token {
        Some(t) => templates::render(
            templates::STAN_SERVER_AUTH,
            &TokenContext { token: t.expose() },
        )?,
        None => String::new(),
    };
    Ok(auth_secret(
        plan,
        name,
        "server-auth-secret",
        auth,
        names::SERVER_AUTH_KEY,
        value,
    ))
}

fn client_secret(plan: &Plan, name: String, token: &SecretString) -> Result<Secret, Error> {
    let value = templates::render(
        templates::STAN_CLIENT_AUTH,
        &TokenContext {
            token: token.expose(),
        },
    )?;
    Ok(auth_secret(
        plan,
        name,
        "client-auth-secret",
        StanAuth::Token,
        names::CLIENT_AUTH_KEY,
        value,
    ))
}

fn stateful_set(plan: &Plan, stan: &StanPlan, n: &StanNames, refs: &SecretRefs) -> StatefulSet {
    let data_volume = if stan.persistence.is_some() {
        n.volume()
    } else {
        DATA_VOLUME.to_owned()
    };
    let mut server = Container {
        name: "stan".to_owned(),
        image: Some(stan.image.clone()),
        command: Some(vec![
            "/nats-streaming-server".to_owned(),
            "-sc".to_owned(),
            format!("{CONFIG_DIR}/stan.conf"),
        ]),
        ports: Some(common::server_ports()),
        env: Some(vec![
            common::field_env("POD_NAME", "metadata.name"),
            common::field_env("POD_NAMESPACE", "metadata.namespace"),
            common::cluster_advertise(&n.service()),
        ]),
        volume_mounts: Some(vec![
            common::mount(CONFIG_VOLUME, CONFIG_DIR),
            common::mount(&data_volume, DATA_DIR),
        ]),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([(
                "cpu".to_owned(),
                Quantity("0".to_owned()),
            )])),
            ..Default::default()
        }),
        liveness_probe: Some(common::http_probe("/")),
        ..Default::default()
    };
    common::apply_template(&mut server, stan.container_template.as_ref());
    let mut containers = vec![server];
    if let Some(image) = &stan.metrics_image {
        containers.push(common::metrics_container(
            image,
            &[
                "-connz",
                "-routez",
                "-subz",
                "-varz",
                "-channelz",
                "-serverz",
            ],
            stan.metrics_container_template.as_ref(),
        ));
    }

    let mut volumes = vec![common::config_volume(
        n.config_map(),
        (names::STAN_CONFIG_KEY, "stan.conf"),
        refs.server.clone(),
        &[(names::SERVER_AUTH_KEY, "auth.conf")],
    )];
    if stan.persistence.is_none() {
        volumes.push(common::empty_dir(DATA_VOLUME));
    }

    let pod = &stan.pod;
    common::stateful_set(
        plan,
        n.stateful_set(),
        pod,
        common::pod_spec(pod, volumes, containers),
        StatefulSetSpec {
            replicas: Some(stan.replicas),
            service_name: Some(n.service()),
            volume_claim_templates: common::claim_templates(n.volume(), stan.persistence.as_ref()),
            ..Default::default()
        },
    )
}
