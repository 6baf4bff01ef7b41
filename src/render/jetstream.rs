//! NATS JetStream objects, as the Argo Events controller builds them.
//!
//! The Secrets' data (credentials and TLS material) comes resolved, see `credentials`.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, EnvVar, EnvVarSource, ExecAction, Lifecycle, LifecycleHandler, PodSpec,
    Probe, SecretKeySelector, Service, ServiceSpec,
};
use serde::Serialize;

use super::common::{self, CONFIG_VOLUME};
use super::{Object, companion};
use crate::credentials::{JetStreamSecrets, SecretRefs};
use crate::error::Error;
use crate::names::{
    self, CLIENT_PORT, CLUSTER_PORT, JETSTREAM_CONFIG_KEY, JetStreamNames, METRICS_PORT,
    MONITOR_PORT,
};
use crate::plan::{JetStreamPlan, Plan};
use crate::templates;

const PID_VOLUME: &str = "pid";
const DATA_VOLUME: &str = "js-data";
const CONFIG_DIR: &str = "/etc/nats-config";
const PID_DIR: &str = "/var/run/nats";
const DATA_DIR: &str = "/data/jetstream";
const CONFIG_FILE: &str = "/etc/nats-config/nats-js.conf";
const PID_FILE: &str = "/var/run/nats/nats.pid";

/// Every object of a JetStream bus: `secrets` are the Secret objects (or what builds them),
/// placed after the ConfigMap; `refs` names the Secrets the pods and the companion read.
pub(crate) fn objects(
    plan: &Plan,
    js: &JetStreamPlan,
    refs: &SecretRefs,
    secrets: Vec<Object>,
) -> Result<Vec<Object>, Error> {
    let n = JetStreamNames::new(&plan.name);
    let mut out = vec![
        Object::Service(service(plan, js, &n)),
        Object::ConfigMap(config_map(plan, js, &n)?),
    ];
    out.extend(secrets);
    out.push(Object::StatefulSet(stateful_set(plan, js, &n, refs)));
    super::push_optional(&mut out, plan, n.pdb(), || {
        companion::jetstream(plan, js, refs)
    });
    Ok(out)
}

/// The two Secrets of a JetStream bus with their values.
pub(crate) fn secrets(plan: &Plan, refs: &SecretRefs, secrets: &JetStreamSecrets) -> Vec<Object> {
    // Unlike NATS Streaming's, these Secrets carry no extra labels and no annotations.
    let secret = |name, data| common::secret(plan, name, &BTreeMap::new(), BTreeMap::new(), data);
    vec![
        Object::Secret(secret(refs.server.clone(), secrets.server.clone())),
        Object::Secret(secret(refs.client.clone(), secrets.client.clone())),
    ]
}

fn service(plan: &Plan, js: &JetStreamPlan, n: &JetStreamNames) -> Service {
    let mut ports = vec![
        common::service_port("tcp-client", CLIENT_PORT),
        common::service_port("cluster", CLUSTER_PORT),
    ];
    if js.metrics_image.is_some() {
        ports.push(common::service_port("metrics", METRICS_PORT));
    }
    ports.push(common::service_port("monitor", MONITOR_PORT));
    common::headless_service(
        plan,
        n.service(),
        &BTreeMap::new(),
        ServiceSpec {
            publish_not_ready_addresses: Some(true),
            ports: Some(ports),
            ..Default::default()
        },
    )
}

#[derive(Serialize)]
struct NatsJsConf<'a> {
    max_payload: &'a str,
    client_port: i32,
    monitor_port: i32,
    cluster_port: i32,
    settings: &'a str,
    cluster_name: &'a str,
    /// Empty for a single-node bus, which gets no cluster block.
    routes: Vec<String>,
}

/// The text of `nats-js.conf`: the cluster form for 3 and more replicas, else the single-node
/// form.
pub(crate) fn nats_js_conf(plan: &Plan, js: &JetStreamPlan) -> Result<String, Error> {
    let n = JetStreamNames::new(&plan.name);
    let routes = if js.replicas > 2 {
        (0..js.replicas)
            .map(|i| n.route(i, &plan.namespace))
            .collect()
    } else {
        Vec::new()
    };
    templates::render(
        templates::JETSTREAM_CONF,
        &NatsJsConf {
            max_payload: &js.max_payload,
            client_port: CLIENT_PORT,
            monitor_port: MONITOR_PORT,
            cluster_port: CLUSTER_PORT,
            settings: &js.settings,
            cluster_name: &plan.name,
            routes,
        },
    )
}

fn config_map(plan: &Plan, js: &JetStreamPlan, n: &JetStreamNames) -> Result<ConfigMap, Error> {
    Ok(common::config_map(
        plan,
        n.config_map(),
        &BTreeMap::new(),
        JETSTREAM_CONFIG_KEY,
        nats_js_conf(plan, js)?,
    ))
}

fn main_container(js: &JetStreamPlan, n: &JetStreamNames, refs: &SecretRefs) -> Container {
    let data_volume = if js.persistence.is_some() {
        n.volume()
    } else {
        DATA_VOLUME.to_owned()
    };
    let mut main = Container {
        name: "main".to_owned(),
        image: Some(js.image.clone()),
        command: Some(vec![
            js.start_command.clone(),
            "--config".to_owned(),
            CONFIG_FILE.to_owned(),
        ]),
        args: js.start_args.clone(),
        ports: Some(common::server_ports()),
        env: Some(vec![
            common::field_env("POD_NAME", "metadata.name"),
            EnvVar {
                name: "SERVER_NAME".to_owned(),
                value: Some("$(POD_NAME)".to_owned()),
                ..Default::default()
            },
            common::field_env("POD_NAMESPACE", "metadata.namespace"),
            common::cluster_advertise(&n.service()),
            EnvVar {
                name: "JS_KEY".to_owned(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: refs.server.clone(),
                        key: names::JETSTREAM_ENCRYPTION_KEY.to_owned(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ]),
        volume_mounts: Some(vec![
            common::mount(CONFIG_VOLUME, CONFIG_DIR),
            common::mount(PID_VOLUME, PID_DIR),
            common::mount(&data_volume, DATA_DIR),
        ]),
        startup_probe: Some(Probe {
            failure_threshold: Some(30),
            ..common::http_probe("/healthz")
        }),
        liveness_probe: Some(Probe {
            period_seconds: Some(30),
            ..common::http_probe("/")
        }),
        readiness_probe: Some(Probe {
            period_seconds: Some(5),
            ..common::http_probe("/healthz")
        }),
        lifecycle: Some(Lifecycle {
            pre_stop: Some(LifecycleHandler {
                exec: Some(ExecAction {
                    command: Some(vec![
                        js.start_command.clone(),
                        format!("-sl=ldm={PID_FILE}"),
                    ]),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    common::apply_template(&mut main, js.container_template.as_ref());
    main
}

fn stateful_set(
    plan: &Plan,
    js: &JetStreamPlan,
    n: &JetStreamNames,
    refs: &SecretRefs,
) -> StatefulSet {
    let mut reloader = Container {
        name: "reloader".to_owned(),
        image: Some(js.reloader_image.clone()),
        args: Some(common::strings(&["-pid", PID_FILE, "-config", CONFIG_FILE])),
        volume_mounts: Some(vec![
            common::mount(CONFIG_VOLUME, CONFIG_DIR),
            common::mount(PID_VOLUME, PID_DIR),
        ]),
        ..Default::default()
    };
    common::apply_template(&mut reloader, js.reloader_container_template.as_ref());
    let mut containers = vec![main_container(js, n, refs), reloader];
    if let Some(image) = &js.metrics_image {
        containers.push(common::metrics_container(
            image,
            &[
                "-connz",
                "-routez",
                "-subz",
                "-varz",
                "-prefix=nats",
                "-use_internal_server_id",
                "-jsz=all",
            ],
            js.metrics_container_template.as_ref(),
        ));
    }

    let mut volumes = vec![
        common::empty_dir(PID_VOLUME),
        common::config_volume(
            n.config_map(),
            (JETSTREAM_CONFIG_KEY, "nats-js.conf"),
            refs.server.clone(),
            &names::JETSTREAM_SERVER_FILES,
        ),
    ];
    if js.persistence.is_none() {
        volumes.push(common::empty_dir(DATA_VOLUME));
    }

    let pod = &js.pod;
    common::stateful_set(
        plan,
        n.stateful_set(),
        pod,
        PodSpec {
            share_process_namespace: Some(true),
            termination_grace_period_seconds: Some(60),
            ..common::pod_spec(pod, volumes, containers)
        },
        StatefulSetSpec {
            pod_management_policy: Some("Parallel".to_owned()),
            replicas: Some(js.replicas),
            service_name: Some(n.service()),
            volume_claim_templates: common::claim_templates(n.volume(), js.persistence.as_ref()),
            ..Default::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

    use crate::render::Rendered;
    use crate::render_str;

    use crate::testing::{jetstream_bus as bus, options, render_jetstream as render};

    fn find<'a>(r: &'a Rendered, kind: &str, name: &str) -> &'a Object {
        r.objects()
            .find(|o| o.kind() == kind && o.name() == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    }

    fn sts(r: &Rendered) -> &StatefulSet {
        match find(r, "StatefulSet", "eventbus-default-js") {
            Object::StatefulSet(s) => s,
            _ => unreachable!(),
        }
    }

    fn config(r: &Rendered) -> String {
        match find(r, "ConfigMap", "eventbus-default-js-config") {
            Object::ConfigMap(c) => c.data.as_ref().unwrap()[JETSTREAM_CONFIG_KEY].clone(),
            _ => unreachable!(),
        }
    }

    /// Upstream's nats-js.conf for bus `default` in `argo-events`, 3 replicas, defaults.
    const UPSTREAM_CLUSTER_CONF: &str = r#"max_payload: 1MB
port: 4222
pid_file: "/var/run/nats/nats.pid"
###############
#             #
# Monitoring  #
#             #
###############
http: 8222
server_name: $POD_NAME
###################################
#                                 #
# NATS JetStream                  #
#                                 #
###################################
jetstream {
  key: "$JS_KEY"
  store_dir: "/data/jetstream/store"
  # https://docs.nats.io/running-a-nats-service/configuration#jetstream
# Only configure "max_memory_store" or "max_file_store", do not set "store_dir" as it has been hardcoded.
# e.g. 1G. -1 means no limit, up to 75% of available memory
max_memory_store: -1
# e.g. 20G. -1 means no limit, Up to 1TB if available
max_file_store: 1TB

}

###################################
#                                 #
# NATS Cluster                    #
#                                 #
###################################
cluster {
  port: 6222
  name: default
  routes: [nats://eventbus-default-js-0.eventbus-default-js-svc.argo-events.svc:6222,nats://eventbus-default-js-1.eventbus-default-js-svc.argo-events.svc:6222,nats://eventbus-default-js-2.eventbus-default-js-svc.argo-events.svc:6222]
  cluster_advertise: $CLUSTER_ADVERTISE
  connect_retries: 120

  tls {
  cert_file: "/etc/nats-config/cluster-server-cert.pem"
  key_file:  "/etc/nats-config/cluster-server-key.pem"
  ca_file:   "/etc/nats-config/cluster-ca-cert.pem"
  }
}

lame_duck_duration: 30s
##################
#                #
# Authorization  #
#                #
##################
include ./auth.conf"#;

    #[test]
    fn cluster_config_is_upstreams_byte_for_byte() {
        let r = render("    version: latest\n", &options());
        assert_eq!(config(&r), UPSTREAM_CLUSTER_CONF);
    }

    #[test]
    fn single_node_config_has_no_cluster_block() {
        let r = render(
            "    version: latest\n    replicas: 1\n    maxPayload: 4MB\n    settings: |\n      max_file_store: 1GB\n",
            &options(),
        );
        let text = config(&r);
        let head = UPSTREAM_CLUSTER_CONF.split("  # https").next().unwrap();
        let expected = format!(
            "{}  max_file_store: 1GB\n\n}}\nlame_duck_duration: 30s\n##################\n#                #\n# Authorization  #\n#                #\n##################\ninclude ./auth.conf",
            head.replace("max_payload: 1MB", "max_payload: 4MB")
        );
        assert_eq!(text, expected);
        assert_eq!(sts(&r).spec.as_ref().unwrap().replicas, Some(1));
    }

    #[test]
    fn five_replicas_route_to_every_pod() {
        let r = render("    version: latest\n    replicas: 5\n", &options());
        let text = config(&r);
        let routes: Vec<String> = (0..5)
            .map(|i| {
                format!(
                    "nats://eventbus-default-js-{i}.eventbus-default-js-svc.argo-events.svc:6222"
                )
            })
            .collect();
        assert!(text.contains(&format!("  routes: [{}]\n", routes.join(","))));
    }

    #[test]
    fn objects_come_in_order_with_upstream_labels() {
        let r = render("    version: latest\n", &options());
        let got: Vec<(&str, &str)> = r.objects().map(|o| (o.kind(), o.name())).collect();
        assert_eq!(
            got,
            [
                ("Service", "eventbus-default-js-svc"),
                ("ConfigMap", "eventbus-default-js-config"),
                ("Secret", "eventbus-default-js-server"),
                ("Secret", "eventbus-default-js-client-auth"),
                ("StatefulSet", "eventbus-default-js"),
                ("PodDisruptionBudget", "eventbus-default-pdb"),
                ("EventBus", "default"),
            ]
        );
        let base = names::base_labels("default");
        for o in r.objects().take(4) {
            assert_eq!(o.metadata().labels.as_ref(), Some(&base), "{}", o.name());
            assert_eq!(o.metadata().annotations, None, "{}", o.name());
            assert_eq!(o.metadata().namespace.as_deref(), Some("argo-events"));
        }
        // Only the StatefulSet carries the EventBus's own labels.
        let mut with_bus = base.clone();
        with_bus.insert("team".to_owned(), "a".to_owned());
        assert_eq!(sts(&r).metadata.labels.as_ref(), Some(&with_bus));
    }

    #[test]
    fn service_is_upstreams() {
        let r = render("    version: latest\n", &options());
        let Object::Service(s) = find(&r, "Service", "eventbus-default-js-svc") else {
            unreachable!()
        };
        let spec = s.spec.as_ref().unwrap();
        assert_eq!(spec.type_.as_deref(), Some("ClusterIP"));
        assert_eq!(spec.cluster_ip.as_deref(), Some("None"));
        assert_eq!(spec.publish_not_ready_addresses, Some(true));
        assert_eq!(spec.selector.as_ref(), Some(&names::base_labels("default")));
        let ports: Vec<(&str, i32, bool)> = spec
            .ports
            .iter()
            .flatten()
            .map(|p| {
                (
                    p.name.as_deref().unwrap(),
                    p.port,
                    p.target_port.is_none() && p.protocol.is_none(),
                )
            })
            .collect();
        assert_eq!(
            ports,
            [
                ("tcp-client", 4222, true),
                ("cluster", 6222, true),
                ("metrics", 7777, true),
                ("monitor", 8222, true)
            ]
        );
    }

    #[test]
    fn stateful_set_is_upstreams() {
        let r = render(
            "    version: 2.8.1-alpine\n    startArgs: [\"-D\"]\n",
            &options(),
        );
        let spec = sts(&r).spec.as_ref().unwrap();
        assert_eq!(spec.pod_management_policy.as_deref(), Some("Parallel"));
        assert_eq!(spec.replicas, Some(3));
        assert_eq!(
            spec.service_name.as_deref(),
            Some("eventbus-default-js-svc")
        );
        assert_eq!(
            spec.selector.match_labels.as_ref(),
            Some(&names::base_labels("default"))
        );
        assert!(spec.volume_claim_templates.is_none());
        let pod = spec.template.spec.as_ref().unwrap();
        assert_eq!(pod.share_process_namespace, Some(true));
        assert_eq!(pod.termination_grace_period_seconds, Some(60));
        let volumes: Vec<&str> = pod
            .volumes
            .iter()
            .flatten()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(volumes, ["pid", "config-volume", "js-data"]);
        let projected = pod.volumes.as_ref().unwrap()[1].projected.as_ref().unwrap();
        let sources = projected.sources.as_ref().unwrap();
        let cm = sources[0].config_map.as_ref().unwrap();
        assert_eq!(cm.name, "eventbus-default-js-config");
        assert_eq!(cm.items.as_ref().unwrap()[0].key, "nats-js");
        assert_eq!(cm.items.as_ref().unwrap()[0].path, "nats-js.conf");
        let secret = sources[1].secret.as_ref().unwrap();
        assert_eq!(secret.name, "eventbus-default-js-server");
        let items: Vec<(&str, &str)> = secret
            .items
            .iter()
            .flatten()
            .map(|i| (i.key.as_str(), i.path.as_str()))
            .collect();
        assert_eq!(
            items,
            [
                ("auth", "auth.conf"),
                ("private-key", "server-key.pem"),
                ("cert", "server-cert.pem"),
                ("ca-cert", "ca-cert.pem"),
                ("cluster-private-key", "cluster-server-key.pem"),
                ("cluster-cert", "cluster-server-cert.pem"),
                ("cluster-ca-cert", "cluster-ca-cert.pem"),
            ]
        );

        let names: Vec<&str> = pod.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["main", "reloader", "metrics"]);
        let main = &pod.containers[0];
        assert_eq!(main.image.as_deref(), Some("nats:2.8.1-alpine"));
        assert_eq!(
            main.command.as_deref(),
            Some(
                &[
                    "nats-server".to_owned(),
                    "--config".to_owned(),
                    "/etc/nats-config/nats-js.conf".to_owned()
                ][..]
            )
        );
        assert_eq!(main.args.as_deref(), Some(&["-D".to_owned()][..]));
        let ports: Vec<(&str, i32)> = main
            .ports
            .iter()
            .flatten()
            .map(|p| (p.name.as_deref().unwrap(), p.container_port))
            .collect();
        assert_eq!(
            ports,
            [("client", 4222), ("cluster", 6222), ("monitor", 8222)]
        );
        let env = main.env.as_ref().unwrap();
        let env_names: Vec<&str> = env.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            env_names,
            [
                "POD_NAME",
                "SERVER_NAME",
                "POD_NAMESPACE",
                "CLUSTER_ADVERTISE",
                "JS_KEY"
            ]
        );
        assert_eq!(env[1].value.as_deref(), Some("$(POD_NAME)"));
        assert_eq!(
            env[3].value.as_deref(),
            Some("$(POD_NAME).eventbus-default-js-svc.$(POD_NAMESPACE).svc")
        );
        let key_ref = env[4]
            .value_from
            .as_ref()
            .unwrap()
            .secret_key_ref
            .as_ref()
            .unwrap();
        assert_eq!(
            (key_ref.name.as_str(), key_ref.key.as_str()),
            ("eventbus-default-js-server", "encryption")
        );
        let mounts: Vec<(&str, &str)> = main
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| (m.name.as_str(), m.mount_path.as_str()))
            .collect();
        assert_eq!(
            mounts,
            [
                ("config-volume", "/etc/nats-config"),
                ("pid", "/var/run/nats"),
                ("js-data", "/data/jetstream")
            ]
        );
        let probe = |p: &Option<Probe>| {
            let p = p.as_ref().unwrap();
            let get = p.http_get.as_ref().unwrap();
            (
                get.path.clone().unwrap(),
                get.port.clone(),
                p.initial_delay_seconds,
                p.timeout_seconds,
                p.period_seconds,
                p.failure_threshold,
            )
        };
        let port = IntOrString::Int(8222);
        assert_eq!(
            probe(&main.startup_probe),
            (
                "/healthz".to_owned(),
                port.clone(),
                Some(10),
                Some(5),
                None,
                Some(30)
            )
        );
        assert_eq!(
            probe(&main.liveness_probe),
            (
                "/".to_owned(),
                port.clone(),
                Some(10),
                Some(5),
                Some(30),
                None
            )
        );
        assert_eq!(
            probe(&main.readiness_probe),
            (
                "/healthz".to_owned(),
                port,
                Some(10),
                Some(5),
                Some(5),
                None
            )
        );
        let pre_stop = main.lifecycle.as_ref().unwrap().pre_stop.as_ref().unwrap();
        assert_eq!(
            pre_stop.exec.as_ref().unwrap().command.as_deref(),
            Some(
                &[
                    "nats-server".to_owned(),
                    "-sl=ldm=/var/run/nats/nats.pid".to_owned()
                ][..]
            )
        );
        assert!(main.resources.is_none());

        let reloader = &pod.containers[1];
        assert_eq!(
            reloader.image.as_deref(),
            Some("natsio/nats-server-config-reloader:0.7.0")
        );
        assert_eq!(
            reloader.args.as_ref().unwrap().join(" "),
            "-pid /var/run/nats/nats.pid -config /etc/nats-config/nats-js.conf"
        );
        assert!(reloader.env.is_none() && reloader.command.is_none());
        assert_eq!(reloader.volume_mounts.as_ref().unwrap().len(), 2);

        let metrics = &pod.containers[2];
        assert_eq!(
            metrics.image.as_deref(),
            Some("natsio/prometheus-nats-exporter:0.9.1")
        );
        assert_eq!(
            metrics.args.as_ref().unwrap().join(" "),
            "-connz -routez -subz -varz -prefix=nats -use_internal_server_id -jsz=all http://localhost:8222"
        );
        assert_eq!(metrics.ports.as_ref().unwrap()[0].container_port, 7777);
    }

    #[test]
    fn persistence_and_templates_apply() {
        let r = render(
            "    version: latest\n    persistence: {storageClassName: fast}\n    containerTemplate: {imagePullPolicy: Always, resources: {requests: {cpu: 100m}}}\n    reloaderContainerTemplate: {resources: {limits: {memory: 64Mi}}}\n    metricsContainerTemplate: {imagePullPolicy: Never}\n    metadata: {labels: {controller: mine, app: bus}, annotations: {a: b}}\n    nodeSelector: {disk: ssd}\n    serviceAccountName: bus\n    priority: 5\n",
            &options(),
        );
        let spec = sts(&r).spec.as_ref().unwrap();
        let claim = &spec.volume_claim_templates.as_ref().unwrap()[0];
        assert_eq!(
            claim.metadata.name.as_deref(),
            Some("eventbus-default-js-vol")
        );
        let claim_spec = claim.spec.as_ref().unwrap();
        assert_eq!(claim_spec.storage_class_name.as_deref(), Some("fast"));
        assert_eq!(
            claim_spec.access_modes.as_deref(),
            Some(&["ReadWriteOnce".to_owned()][..])
        );
        assert_eq!(
            claim_spec
                .resources
                .as_ref()
                .unwrap()
                .requests
                .as_ref()
                .unwrap()["storage"]
                .0,
            "20Gi"
        );
        let pod = spec.template.spec.as_ref().unwrap();
        let volumes: Vec<&str> = pod
            .volumes
            .iter()
            .flatten()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(volumes, ["pid", "config-volume"]);
        assert_eq!(
            pod.containers[0].volume_mounts.as_ref().unwrap()[2].name,
            "eventbus-default-js-vol"
        );
        assert_eq!(
            pod.containers[0].image_pull_policy.as_deref(),
            Some("Always")
        );
        assert!(
            pod.containers[0]
                .resources
                .as_ref()
                .unwrap()
                .requests
                .is_some()
        );
        assert!(
            pod.containers[1]
                .resources
                .as_ref()
                .unwrap()
                .limits
                .is_some()
        );
        assert_eq!(
            pod.containers[2].image_pull_policy.as_deref(),
            Some("Never")
        );
        assert_eq!(pod.service_account_name.as_deref(), Some("bus"));
        assert_eq!(pod.priority, Some(5));
        assert_eq!(pod.node_selector.as_ref().unwrap()["disk"], "ssd");
        let meta = spec.template.metadata.as_ref().unwrap();
        let labels = meta.labels.as_ref().unwrap();
        assert_eq!(labels["controller"], "eventbus-controller");
        assert_eq!(labels["app"], "bus");
        assert_eq!(meta.annotations.as_ref().unwrap()["a"], "b");
    }

    #[test]
    fn options_switch_metrics_pdb_companion_and_images() {
        let o = options()
            .metrics(false)
            .pod_disruption_budget(false)
            .companion(false)
            .images(
                crate::Images::default()
                    .nats("registry/nats:1")
                    .config_reloader("registry/reloader:1"),
            )
            .common_label("tier", "bus")
            .common_annotation("owner", "team");
        let r = render("    version: latest\n", &o);
        let kinds: Vec<&str> = r.objects().map(|o| o.kind()).collect();
        assert_eq!(
            kinds,
            ["Service", "ConfigMap", "Secret", "Secret", "StatefulSet"]
        );
        let pod = sts(&r)
            .spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap();
        let names: Vec<&str> = pod.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["main", "reloader"]);
        assert_eq!(pod.containers[0].image.as_deref(), Some("registry/nats:1"));
        assert_eq!(
            pod.containers[1].image.as_deref(),
            Some("registry/reloader:1")
        );
        let Object::Service(s) = find(&r, "Service", "eventbus-default-js-svc") else {
            unreachable!()
        };
        assert!(
            !s.spec
                .as_ref()
                .unwrap()
                .ports
                .iter()
                .flatten()
                .any(|p| p.port == 7777)
        );
        for o in r.objects() {
            assert_eq!(o.metadata().labels.as_ref().unwrap()["tier"], "bus");
            assert_eq!(o.metadata().annotations.as_ref().unwrap()["owner"], "team");
        }
    }

    #[test]
    fn companion_points_at_the_rendered_bus() {
        let r = render(
            "    version: latest\n    streamConfig: |\n      maxAge: 24h\n",
            &options(),
        );
        let Object::EventBus(b) = find(&r, "EventBus", "default") else {
            unreachable!()
        };
        assert_eq!(
            b.metadata.annotations.as_ref().unwrap()[crate::COMPANION_ANNOTATION],
            "true"
        );
        assert_eq!(b.metadata.labels.as_ref().unwrap()["team"], "a");
        assert!(b.spec.jetstream.is_none());
        let ex = b.spec.jetstream_exotic.as_ref().unwrap();
        assert_eq!(
            ex.url.as_deref(),
            Some("nats://eventbus-default-js-svc.argo-events.svc:4222")
        );
        let access = ex.access_secret.as_ref().unwrap();
        assert_eq!(
            (access.name.as_str(), access.key.as_str()),
            ("eventbus-default-js-client-auth", "client-auth")
        );
        assert_eq!(
            ex.stream_config.as_deref(),
            Some(
                "discard: 0\nduplicates: 300s\nmaxage: 24h\nmaxbytes: -1\nmaxmsgs: 50000\nreplicas: 3\nretention: 0\n"
            )
        );
        assert!(ex.tls.is_none(), "status.config of v1.9.11 has no tls");
    }

    #[test]
    fn versions_resolve_through_the_table() {
        let e = render_str(&bus("    version: 2.10.10\n"), &options()).unwrap_err();
        let e = &e.0[0];
        assert_eq!(e.path(), "spec.jetstream.version");
        assert!(e.message().contains(
            "unsupported version \"2.10.10\", supported versions: \"latest,2.8.1,2.8.1-alpine,2.8.2,2.8.2-alpine,2.9.1,2.9.12,2.9.16,2.10.29\""
        ), "{}", e.message());
        let o = options().jetstream_version(crate::JetStreamVersion::new(
            "2.10.10",
            "nats:2.10.10",
            "natsio/prometheus-nats-exporter:0.14.0",
            "natsio/nats-server-config-reloader:0.14.0",
        ));
        let r = render("    version: 2.10.10\n", &o);
        let pod = sts(&r)
            .spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap();
        assert_eq!(pod.containers[0].image.as_deref(), Some("nats:2.10.10"));
        assert_eq!(
            pod.containers[0].command.as_ref().unwrap()[0],
            "/nats-server"
        );
    }

    #[test]
    fn upstream_rules_and_ours_reject_bad_specs() {
        let cases = [
            (
                "    replicas: 3\n",
                "spec.jetstream.version",
                "invalid spec: a version for jetstream needs to be specified",
            ),
            (
                "    version: latest\n    replicas: 2\n",
                "spec.jetstream.replicas",
                "invalid spec: a jetstream eventbus requires 1 replica or >= 3 replicas",
            ),
            (
                "    version: latest\n    replicas: 0\n",
                "spec.jetstream.replicas",
                "invalid spec: a jetstream eventbus requires 1 replica or >= 3 replicas",
            ),
            (
                "    version: latest\n    replicas: 99\n",
                "spec.jetstream.replicas",
                "99 is too many",
            ),
            (
                "    version: latest\n    settings: \"store_dir: /tmp\"\n",
                "spec.jetstream.settings",
                "must not set store_dir",
            ),
            (
                "    version: latest\n    streamConfig: \"- a\"\n",
                "spec.jetstream.streamConfig",
                "must be a YAML mapping",
            ),
            (
                "    version: latest\n    maxPayload: lots\n",
                "spec.jetstream.maxPayload",
                "",
            ),
        ];
        for (spec, path, message) in cases {
            let e = render_str(&bus(spec), &options()).unwrap_err();
            assert!(
                e.0.iter()
                    .any(|e| e.path() == path && e.message().contains(message)),
                "{spec}: {e}"
            );
        }
    }

    #[test]
    fn stream_replicas_above_bus_replicas_warn() {
        let r = render("    version: latest\n    replicas: 1\n", &options());
        assert!(
            r.warnings
                .iter()
                .any(|w| w.path == "spec.jetstream.streamConfig")
        );
        let r = render(
            "    version: latest\n    replicas: 1\n    streamConfig: \"replicas: 1\"\n",
            &options(),
        );
        assert!(
            !r.warnings
                .iter()
                .any(|w| w.path == "spec.jetstream.streamConfig")
        );
    }
}
