//! Field-by-field checks against the Argo Events controller's values (names, labels, ports,
//! images, command, env, volumes and every stan.conf setting).

use std::collections::BTreeMap;

use eventbus_gen::{Object, RenderOptions, Rendered, Seed, render_str};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Secret, Service};

fn bus(native: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\n  namespace: argo-events\n  labels:\n    team: a\nspec:\n  nats:\n    native:\n{native}"
    )
}

fn rendered(native: &str) -> Rendered {
    let options = RenderOptions::default().seed(Seed::new(crate::support::TEST_SEED).unwrap());
    render_str(&bus(native), &options).unwrap()
}

/// The rendered object of variant `$kind` named `$name`.
macro_rules! find {
    ($r:expr, $kind:ident, $name:expr) => {{
        let name = $name;
        $r.objects()
            .filter(|o| o.name() == name)
            .find_map(|o| match o {
                Object::$kind(x) => Some(x),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{name} is rendered"))
    }};
}

fn service(r: &Rendered) -> &Service {
    find!(r, Service, "eventbus-default-stan-svc")
}
fn config_map(r: &Rendered) -> &ConfigMap {
    find!(r, ConfigMap, "eventbus-default-stan-configmap")
}
fn secret<'a>(r: &'a Rendered, name: &str) -> &'a Secret {
    find!(r, Secret, name)
}
fn stateful_set(r: &Rendered) -> &StatefulSet {
    find!(r, StatefulSet, "eventbus-default-stan")
}
fn container<'a>(sts: &'a StatefulSet, name: &str) -> &'a Container {
    let pod = sts.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    pod.containers.iter().find(|c| c.name == name).unwrap()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("controller", "eventbus-controller"),
        ("eventbus-name", "default"),
        ("owner-name", "default"),
    ]
}

/// The default `stan.conf` of bus `default` in `argo-events`, exactly as the controller writes it.
const UPSTREAM_STAN_CONF: &str = "http: 8222
include ./auth.conf
cluster {
  port: 6222
  routes: [nats://eventbus-default-stan-0.eventbus-default-stan-svc.argo-events.svc:6222,nats://eventbus-default-stan-1.eventbus-default-stan-svc.argo-events.svc:6222,nats://eventbus-default-stan-2.eventbus-default-stan-svc.argo-events.svc:6222]
  cluster_advertise: $CLUSTER_ADVERTISE
  connect_retries: 10
}
max_payload: 1MB
streaming {
  id: eventbus-default
  store: file
  dir: /data/stan/store
  cluster {
\tnode_id: $POD_NAME
\tpeers: [\"eventbus-default-stan-0\",\"eventbus-default-stan-1\",\"eventbus-default-stan-2\"]
\tlog_path: /data/stan/logs
\traft_heartbeat_timeout: \"2s\"
\traft_election_timeout: \"2s\"
\traft_lease_timeout: \"1s\"
\traft_commit_timeout: \"100ms\"
  }
  store_limits {
    max_age: 72h
\tmax_msgs: 1000000
\tmax_bytes: 1GB
\tmax_subs: 1000
  }
}";

#[test]
fn stan_conf_is_byte_for_byte_upstream() {
    let r = rendered("      {}\n");
    let data = config_map(&r).data.as_ref().unwrap();
    assert_eq!(data.keys().collect::<Vec<_>>(), ["stan-config"]);
    assert_eq!(data["stan-config"], UPSTREAM_STAN_CONF);
}

#[test]
fn stan_conf_takes_every_setting() {
    let r = rendered(
        "      replicas: 4\n      maxAge: 4h35m\n      maxMsgs: 0\n      maxBytes: 2GB\n      maxSubs: 5\n      maxPayload: 8MB\n      raftHeartbeatTimeout: 3s\n      raftElectionTimeout: 4s\n      raftLeaseTimeout: 2s\n      raftCommitTimeout: 50ms\n",
    );
    let conf = &config_map(&r).data.as_ref().unwrap()["stan-config"];
    for line in [
        "max_payload: 8MB\n",
        "    max_age: 4h35m\n",
        "\tmax_msgs: 0\n",
        "\tmax_bytes: 2GB\n",
        "\tmax_subs: 5\n",
        "\traft_heartbeat_timeout: \"3s\"\n",
        "\traft_election_timeout: \"4s\"\n",
        "\traft_lease_timeout: \"2s\"\n",
        "\traft_commit_timeout: \"50ms\"\n",
        "nats://eventbus-default-stan-3.eventbus-default-stan-svc.argo-events.svc:6222]\n",
        "\"eventbus-default-stan-3\"]\n",
    ] {
        assert!(conf.contains(line), "missing {line:?} in\n{conf}");
    }
}

#[test]
fn service_matches_upstream() {
    let r = rendered("      {}\n");
    let s = service(&r);
    let mut labels = base();
    labels.extend([("stan", "yes"), ("team", "a")]);
    assert_eq!(s.metadata.labels.as_ref().unwrap(), &map(&labels));
    assert_eq!(s.metadata.namespace.as_deref(), Some("argo-events"));
    let spec = s.spec.as_ref().unwrap();
    assert_eq!(spec.cluster_ip.as_deref(), Some("None"));
    assert_eq!(spec.type_.as_deref(), Some("ClusterIP"));
    assert_eq!(spec.publish_not_ready_addresses, None);
    let ports: Vec<_> = spec
        .ports
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p.name.clone().unwrap(),
                p.port,
                p.target_port.is_none(),
                p.protocol.is_none(),
            )
        })
        .collect();
    assert_eq!(
        ports,
        [
            ("tcp-client".into(), 4222, true, true),
            ("cluster".into(), 6222, true, true),
            ("monitor".into(), 8222, true, true)
        ]
    );
    assert_eq!(spec.selector.as_ref().unwrap(), &map(&base()));
}

#[test]
fn secrets_match_upstream() {
    let r = rendered("      auth: token\n");
    let server = secret(&r, "eventbus-default-server");
    let client = secret(&r, "eventbus-default-client");
    let mut sl = base();
    sl.push(("server-auth-secret", "yes"));
    let mut cl = base();
    cl.push(("client-auth-secret", "yes"));
    assert_eq!(server.metadata.labels.as_ref().unwrap(), &map(&sl));
    assert_eq!(client.metadata.labels.as_ref().unwrap(), &map(&cl));
    for s in [server, client] {
        assert_eq!(s.type_.as_deref(), Some("Opaque"));
        assert_eq!(
            s.metadata.annotations.as_ref().unwrap(),
            &map(&[("strategy", "token")])
        );
    }
    let token = String::from_utf8(client.data.as_ref().unwrap()["client-auth"].0.clone()).unwrap();
    let token = token
        .strip_prefix("token: \"")
        .unwrap()
        .strip_suffix('"')
        .unwrap();
    assert_eq!(token.len(), 64);
    let auth = String::from_utf8(server.data.as_ref().unwrap()["auth"].0.clone()).unwrap();
    assert_eq!(auth, format!("authorization {{\n  token: \"{token}\"\n}}"));

    // auth none: the server Secret exists with an empty value; no client Secret.
    let r = rendered("      auth: none\n");
    let server = secret(&r, "eventbus-default-server");
    assert_eq!(server.data.as_ref().unwrap()["auth"].0, b"");
    assert_eq!(
        server.metadata.annotations.as_ref().unwrap()["strategy"],
        "none"
    );
    assert!(r.objects().all(|o| o.name() != "eventbus-default-client"));
}

#[test]
fn stateful_set_matches_upstream() {
    let r = rendered("      replicas: 1\n");
    let sts = stateful_set(&r);
    let mut labels = base();
    labels.push(("team", "a"));
    assert_eq!(sts.metadata.labels.as_ref().unwrap(), &map(&labels));
    let spec = sts.spec.as_ref().unwrap();
    assert_eq!(spec.replicas, Some(3), "replicas below 3 are raised to 3");
    assert_eq!(
        spec.service_name.as_deref(),
        Some("eventbus-default-stan-svc")
    );
    assert_eq!(spec.selector.match_labels.as_ref().unwrap(), &map(&base()));
    assert_eq!(spec.pod_management_policy, None);
    assert_eq!(spec.update_strategy, None);
    let tmpl = &spec.template;
    assert_eq!(
        tmpl.metadata.as_ref().unwrap().labels.as_ref().unwrap(),
        &map(&base())
    );
    assert_eq!(tmpl.metadata.as_ref().unwrap().annotations, None);
    let pod = tmpl.spec.as_ref().unwrap();
    assert_eq!(pod.termination_grace_period_seconds, None);

    let stan = container(sts, "stan");
    assert_eq!(stan.image.as_deref(), Some("nats-streaming:0.22.1"));
    assert_eq!(
        stan.command.as_ref().unwrap(),
        &[
            "/nats-streaming-server",
            "-sc",
            "/etc/stan-config/stan.conf"
        ]
    );
    assert_eq!(stan.args, None);
    let ports: Vec<_> = stan
        .ports
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| (p.name.clone().unwrap(), p.container_port))
        .collect();
    assert_eq!(
        ports,
        [
            ("client".into(), 4222),
            ("cluster".into(), 6222),
            ("monitor".into(), 8222)
        ]
    );
    let env = stan.env.as_ref().unwrap();
    assert_eq!(
        env.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["POD_NAME", "POD_NAMESPACE", "CLUSTER_ADVERTISE"]
    );
    assert_eq!(
        env[0]
            .value_from
            .as_ref()
            .unwrap()
            .field_ref
            .as_ref()
            .unwrap()
            .field_path,
        "metadata.name"
    );
    assert_eq!(
        env[1]
            .value_from
            .as_ref()
            .unwrap()
            .field_ref
            .as_ref()
            .unwrap()
            .field_path,
        "metadata.namespace"
    );
    assert_eq!(
        env[2].value.as_deref(),
        Some("$(POD_NAME).eventbus-default-stan-svc.$(POD_NAMESPACE).svc")
    );
    let mounts: Vec<_> = stan
        .volume_mounts
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| (m.name.as_str(), m.mount_path.as_str()))
        .collect();
    assert_eq!(
        mounts,
        [
            ("config-volume", "/etc/stan-config"),
            ("stan-data", "/data/stan")
        ]
    );
    assert_eq!(
        stan.resources.as_ref().unwrap().requests.as_ref().unwrap()["cpu"].0,
        "0"
    );
    let probe = stan.liveness_probe.as_ref().unwrap();
    let get = probe.http_get.as_ref().unwrap();
    assert_eq!(
        (get.path.as_deref(), &get.port),
        (
            Some("/"),
            &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(8222)
        )
    );
    assert_eq!(
        (probe.initial_delay_seconds, probe.timeout_seconds),
        (Some(10), Some(5))
    );
    assert!(stan.readiness_probe.is_none() && stan.startup_probe.is_none());

    let metrics = container(sts, "metrics");
    assert_eq!(
        metrics.image.as_deref(),
        Some("natsio/prometheus-nats-exporter:0.8.0")
    );
    assert_eq!(
        metrics.args.as_ref().unwrap(),
        &[
            "-connz",
            "-routez",
            "-subz",
            "-varz",
            "-channelz",
            "-serverz",
            "http://localhost:8222"
        ]
    );
    assert_eq!(metrics.ports.as_ref().unwrap()[0].container_port, 7777);
    assert_eq!(
        metrics.ports.as_ref().unwrap()[0].name.as_deref(),
        Some("metrics")
    );
    assert!(metrics.resources.is_none());

    let volumes = pod.volumes.as_ref().unwrap();
    assert_eq!(
        volumes.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        ["config-volume", "stan-data"]
    );
    let sources = volumes[0]
        .projected
        .as_ref()
        .unwrap()
        .sources
        .as_ref()
        .unwrap();
    let cm = sources[0].config_map.as_ref().unwrap();
    assert_eq!(cm.name, "eventbus-default-stan-configmap");
    assert_eq!(
        (
            cm.items.as_ref().unwrap()[0].key.as_str(),
            cm.items.as_ref().unwrap()[0].path.as_str()
        ),
        ("stan-config", "stan.conf")
    );
    let sec = sources[1].secret.as_ref().unwrap();
    assert_eq!(sec.name, "eventbus-default-server");
    assert_eq!(
        (
            sec.items.as_ref().unwrap()[0].key.as_str(),
            sec.items.as_ref().unwrap()[0].path.as_str()
        ),
        ("auth", "auth.conf")
    );
    assert!(volumes[1].empty_dir.is_some());
    assert!(spec.volume_claim_templates.is_none());
}

#[test]
fn persistence_keeps_upstream_claim_names() {
    let r = rendered("      persistence:\n        storageClassName: standard\n");
    let sts = stateful_set(&r);
    let spec = sts.spec.as_ref().unwrap();
    let claims = spec.volume_claim_templates.as_ref().unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].metadata.name.as_deref(), Some("stan-default-vol"));
    assert!(claims[0].metadata.labels.is_none());
    let cs = claims[0].spec.as_ref().unwrap();
    assert_eq!(cs.access_modes.as_ref().unwrap(), &["ReadWriteOnce"]);
    assert_eq!(cs.volume_mode.as_deref(), Some("Filesystem"));
    assert_eq!(cs.storage_class_name.as_deref(), Some("standard"));
    assert_eq!(
        cs.resources.as_ref().unwrap().requests.as_ref().unwrap()["storage"].0,
        "10Gi"
    );
    let stan = container(sts, "stan");
    assert_eq!(
        stan.volume_mounts.as_ref().unwrap()[1].name,
        "stan-default-vol"
    );
    let pod = spec.template.spec.as_ref().unwrap();
    assert_eq!(
        pod.volumes.as_ref().unwrap().len(),
        1,
        "no emptyDir with persistence"
    );
}

#[test]
fn templates_replace_resources_and_set_the_rest() {
    let r = rendered(
        "      containerTemplate:\n        imagePullPolicy: Always\n      metricsContainerTemplate:\n        resources:\n          limits:\n            memory: 64Mi\n",
    );
    let sts = stateful_set(&r);
    let stan = container(sts, "stan");
    assert_eq!(stan.image_pull_policy.as_deref(), Some("Always"));
    assert!(
        stan.resources.is_none(),
        "a template without resources gives none (upstream)"
    );
    let metrics = container(sts, "metrics");
    assert_eq!(
        metrics.resources.as_ref().unwrap().limits.as_ref().unwrap()["memory"].0,
        "64Mi"
    );
}

#[test]
fn pod_metadata_labels_never_override_selector_labels() {
    let r = rendered(
        "      metadata:\n        labels:\n          controller: mine\n          extra: x\n",
    );
    let sts = stateful_set(&r);
    let labels = sts
        .spec
        .as_ref()
        .unwrap()
        .template
        .metadata
        .as_ref()
        .unwrap()
        .labels
        .as_ref()
        .unwrap();
    assert_eq!(labels["controller"], "eventbus-controller");
    assert_eq!(labels["extra"], "x");
    let annotations = &sts
        .spec
        .as_ref()
        .unwrap()
        .template
        .metadata
        .as_ref()
        .unwrap()
        .annotations;
    assert_eq!(
        annotations, &None,
        "labels without annotations: no annotations key, as the controller's nil map"
    );
}

#[test]
fn existing_secret_handed_to_the_library_keeps_its_token() {
    let existing: Secret = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "eventbus-default-client", "namespace": "argo-events"},
        "stringData": {"client-auth": "token: \"Kept0123456789\""}
    }))
    .unwrap();
    let options = RenderOptions::default().existing_secret(existing);
    let r = render_str(&bus("      auth: token\n"), &options).unwrap();
    let client = secret(&r, "eventbus-default-client");
    assert_eq!(
        client.data.as_ref().unwrap()["client-auth"].0,
        b"token: \"Kept0123456789\""
    );
}

#[test]
fn companion_points_at_the_rendered_service() {
    let r = rendered("      auth: token\n");
    let bus = r
        .objects()
        .find_map(|o| {
            if let Object::EventBus(b) = o {
                Some(b)
            } else {
                None
            }
        })
        .unwrap();
    let ex = bus.spec.nats.as_ref().unwrap().exotic.as_ref().unwrap();
    assert_eq!(bus.metadata.name.as_deref(), Some("default"));
    assert_eq!(
        ex.url.as_deref(),
        Some("nats://eventbus-default-stan-svc:4222")
    );
    assert_eq!(ex.cluster_id.as_deref(), Some("eventbus-default"));
    assert_eq!(ex.auth.as_deref(), Some("token"));
    let sel = ex.access_secret.as_ref().unwrap();
    assert_eq!(
        (sel.name.as_str(), sel.key.as_str()),
        ("eventbus-default-client", "client-auth")
    );
    assert_eq!(bus.metadata.labels.as_ref().unwrap()["team"], "a");
}

#[test]
fn pdb_follows_the_documented_recommendation() {
    let r = rendered("      {}\n");
    let pdb = find!(r, PodDisruptionBudget, "eventbus-default-pdb");
    let spec = pdb.spec.as_ref().unwrap();
    assert_eq!(
        spec.max_unavailable,
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(1))
    );
    assert_eq!(
        spec.selector
            .as_ref()
            .unwrap()
            .match_labels
            .as_ref()
            .unwrap(),
        &map(&[
            ("controller", "eventbus-controller"),
            ("eventbus-name", "default")
        ])
    );
}

#[test]
fn object_order_is_documented() {
    let r = rendered("      auth: token\n");
    let order: Vec<_> = r
        .objects()
        .map(|o| format!("{}/{}", o.kind(), o.name()))
        .collect();
    assert_eq!(
        order,
        [
            "Service/eventbus-default-stan-svc",
            "ConfigMap/eventbus-default-stan-configmap",
            "Secret/eventbus-default-server",
            "Secret/eventbus-default-client",
            "StatefulSet/eventbus-default-stan",
            "PodDisruptionBudget/eventbus-default-pdb",
            "EventBus/default",
        ]
    );
}
