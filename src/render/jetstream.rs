//! NATS JetStream objects, as the Argo Events controller builds them.
//!
//! Credentials and TLS material are kept from the bus's existing Secrets when both are in the
//! input, else derived from the seed, else (only when asked) derived from a throwaway random
//! seed. See `certs` for the certificate choices.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapProjection, Container, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    ExecAction, HTTPGetAction, KeyToPath, Lifecycle, LifecycleHandler, PodSpec, PodTemplateSpec,
    Probe, ProjectedVolumeSource, Secret, SecretKeySelector, SecretProjection, Service,
    ServicePort, ServiceSpec, Volume, VolumeMount, VolumeProjection,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::{Object, common, companion, pdb};
use crate::certs::{self, Issued, Role, Window};
use crate::credentials::{self, Source};
use crate::error::{Error, ErrorKind, Warning};
use crate::names::{
    self, CLIENT_PORT, CLUSTER_PORT, JETSTREAM_CONFIG_KEY, JetStreamNames, METRICS_PORT,
    MONITOR_PORT,
};
use crate::options::{RenderOptions, Seed};
use crate::plan::{JetStreamPlan, Plan};
use crate::templates;

const CONFIG_VOLUME: &str = "config-volume";
const PID_VOLUME: &str = "pid";
const DATA_VOLUME: &str = "js-data";
const CONFIG_DIR: &str = "/etc/nats-config";
const PID_DIR: &str = "/var/run/nats";
const DATA_DIR: &str = "/data/jetstream";
const CONFIG_FILE: &str = "/etc/nats-config/nats-js.conf";
const PID_FILE: &str = "/var/run/nats/nats.pid";

/// Lengths of the generated credentials, as upstream draws them.
const USER_LEN: usize = 8;
const PASSWORD_LEN: usize = 16;
const SYSTEM_PASSWORD_LEN: usize = 24;
const ENCRYPTION_KEY_LEN: usize = 12;

/// Keys of the server Secret, and the file each is projected to.
const SERVER_FILES: [(&str, &str); 7] = [
    (names::SERVER_AUTH_KEY, "auth.conf"),
    ("private-key", "server-key.pem"),
    ("cert", "server-cert.pem"),
    ("ca-cert", "ca-cert.pem"),
    ("cluster-private-key", "cluster-server-key.pem"),
    ("cluster-cert", "cluster-server-cert.pem"),
    ("cluster-ca-cert", "cluster-ca-cert.pem"),
];
/// Key of the server Secret holding the at-rest encryption key.
const ENCRYPTION_KEY: &str = "encryption";

/// Every object of a JetStream bus.
pub(crate) fn objects(
    plan: &Plan,
    js: &JetStreamPlan,
    secrets: &[&Secret],
    options: &RenderOptions,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Object>, Error> {
    let n = JetStreamNames::new(&plan.name);
    let data = secret_data(plan, &n, secrets, options, warnings)?;
    let mut out = vec![
        Object::Service(service(plan, options, &n)),
        Object::ConfigMap(config_map(plan, js, options, &n)?),
        Object::Secret(secret(plan, options, n.server_secret(), data.server)),
        Object::Secret(secret(plan, options, n.client_secret(), data.client)),
        Object::StatefulSet(stateful_set(plan, js, options, &n)),
    ];
    if options.pod_disruption_budget {
        out.push(Object::PodDisruptionBudget(pdb::pod_disruption_budget(
            plan,
            options,
            n.pdb(),
        )));
    }
    if options.companion {
        out.push(Object::EventBus(companion::jetstream(plan, options, js)));
    }
    Ok(out)
}

type Data = BTreeMap<String, ByteString>;

/// The data of both Secrets.
struct SecretData {
    server: Data,
    client: Data,
}

const PATH: &str = "spec.jetstream";

/// The Secrets' data: kept, derived or random.
fn secret_data(
    plan: &Plan,
    n: &JetStreamNames,
    secrets: &[&Secret],
    options: &RenderOptions,
    warnings: &mut Vec<Warning>,
) -> Result<SecretData, Error> {
    let server = credentials::find_secret(secrets, &plan.namespace, &n.server_secret());
    let client = credentials::find_secret(secrets, &plan.namespace, &n.client_secret());
    match (server, client) {
        (Some(s), Some(c)) => return kept(n, s, c),
        (Some(_), None) | (None, Some(_)) => {
            let (have, missing) = if server.is_some() {
                (n.server_secret(), n.client_secret())
            } else {
                (n.client_secret(), n.server_secret())
            };
            return Err(Error::new(
                ErrorKind::Credentials,
                PATH,
                format!(
                    "the input holds the Secret {have} but not {missing}; give both to keep the bus's credentials, or neither to make new ones"
                ),
            ));
        }
        (None, None) => {}
    }
    let (seed, source) = if let Some(seed) = &options.seed {
        (seed.clone(), Source::Derived)
    } else if options.random_tokens {
        let throwaway = Seed::new(credentials::random(43).expose())
            .expect("43 random characters make a valid seed");
        (throwaway, Source::Random)
    } else {
        return Err(Error::new(
            ErrorKind::Credentials,
            PATH,
            format!(
                "a JetStream bus needs passwords, an encryption key and TLS keys: pass --seed-file PATH or set EVENTBUS_GEN_SEED to derive stable ones, \
                 put the bus's existing Secrets ({} and {}) in the input to keep theirs, \
                 or pass --random-tokens (they then change on every render)",
                n.server_secret(),
                n.client_secret()
            ),
        ));
    };
    if source == Source::Random {
        warnings.push(Warning {
            path: PATH.to_owned(),
            message: format!(
                "bus {}/{}: random credentials and TLS keys were drawn; every render changes them and restarts the bus and its clients",
                plan.namespace, plan.name
            ),
            location: None,
            document: Some(plan.document),
        });
    }
    let window = Window::parse(
        &options.certificate_validity.not_before,
        &options.certificate_validity.not_after,
    )
    .map_err(|m| Error::new(ErrorKind::Invalid, "options.certificateValidity", m))?;
    derived(plan, n, &seed, window)
}

/// Both Secrets as found in the input, data kept byte for byte.
fn kept(n: &JetStreamNames, server: &Secret, client: &Secret) -> Result<SecretData, Error> {
    let data = |s: &Secret| -> Data {
        let mut d: Data = s
            .string_data
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), ByteString(v.clone().into_bytes())))
            .collect();
        d.extend(s.data.iter().flatten().map(|(k, v)| (k.clone(), v.clone())));
        d
    };
    let (server_data, client_data) = (data(server), data(client));
    let required = SERVER_FILES
        .iter()
        .map(|(k, _)| *k)
        .chain([ENCRYPTION_KEY])
        .filter(|k| !server_data.contains_key(*k))
        .map(|k| (n.server_secret(), k))
        .chain(
            (!client_data.contains_key(names::CLIENT_AUTH_KEY))
                .then(|| (n.client_secret(), names::CLIENT_AUTH_KEY)),
        )
        .map(|(s, k)| format!("{s}/{k}"))
        .collect::<Vec<_>>();
    if !required.is_empty() {
        return Err(Error::new(
            ErrorKind::Credentials,
            PATH,
            format!(
                "the existing Secrets lack {}; give complete Secrets as the cluster holds them, or neither to make new ones",
                required.join(", ")
            ),
        ));
    }
    Ok(SecretData {
        server: server_data,
        client: client_data,
    })
}

#[derive(Serialize)]
struct ServerAuth<'a> {
    user: &'a str,
    password: &'a str,
    system_password: &'a str,
}

#[derive(Serialize)]
struct ClientAuth<'a> {
    user: &'a str,
    password: &'a str,
}

/// Everything derived from `seed` (the user's, or a throwaway random one).
fn derived(
    plan: &Plan,
    n: &JetStreamNames,
    seed: &Seed,
    window: Window,
) -> Result<SecretData, Error> {
    let purpose = |what: &str| format!("jetstream-{what}\0{}\0{}", plan.namespace, plan.name);
    let text = |what: &str, len| credentials::derive(seed, &purpose(what), len);
    let key = |what: &str| {
        let p = purpose(what);
        certs::signing_key(|attempt| credentials::derive_bytes(seed, &p, attempt))
    };
    let serial = |what: &str| {
        let b = credentials::derive_bytes(seed, &purpose(what), 0);
        let mut s = [0u8; 16];
        s.copy_from_slice(&b[..16]);
        s
    };
    let user = text("user", USER_LEN);
    let password = text("password", PASSWORD_LEN);
    let system_password = text("system-password", SYSTEM_PASSWORD_LEN);
    let encryption = text("encryption", ENCRYPTION_KEY_LEN);

    let pair = |what: &str, role: Role, dns: Vec<String>| -> Result<(Issued, Issued), Error> {
        let ca = certs::issue(
            Role::Ca,
            key(&format!("{what}-ca-key")),
            None,
            &dns,
            serial(&format!("{what}-ca-serial")),
            window,
        )?;
        let leaf = certs::issue(
            role,
            key(&format!("{what}-key")),
            Some(&ca),
            &dns,
            serial(&format!("{what}-serial")),
            window,
        )?;
        Ok((ca, leaf))
    };
    let (ca, server) = pair("server", Role::Server, n.server_dns_names(&plan.namespace))?;
    let (cluster_ca, cluster) = pair(
        "cluster",
        Role::Cluster,
        n.cluster_dns_names(&plan.namespace),
    )?;

    let auth = templates::render(
        templates::JETSTREAM_SERVER_AUTH,
        &ServerAuth {
            user: user.expose(),
            password: password.expose(),
            system_password: system_password.expose(),
        },
    )?;
    let client_auth = templates::render(
        templates::JETSTREAM_CLIENT_AUTH,
        &ClientAuth {
            user: user.expose(),
            password: password.expose(),
        },
    )?;
    let bytes = |s: &str| ByteString(s.as_bytes().to_vec());
    let server_data = Data::from([
        (names::SERVER_AUTH_KEY.to_owned(), bytes(&auth)),
        (ENCRYPTION_KEY.to_owned(), bytes(encryption.expose())),
        ("private-key".to_owned(), bytes(&server.key_pem)),
        ("cert".to_owned(), bytes(&server.cert_pem)),
        ("ca-cert".to_owned(), bytes(&ca.cert_pem)),
        ("cluster-private-key".to_owned(), bytes(&cluster.key_pem)),
        ("cluster-cert".to_owned(), bytes(&cluster.cert_pem)),
        ("cluster-ca-cert".to_owned(), bytes(&cluster_ca.cert_pem)),
    ]);
    let client_data = Data::from([(names::CLIENT_AUTH_KEY.to_owned(), bytes(&client_auth))]);
    Ok(SecretData {
        server: server_data,
        client: client_data,
    })
}

fn secret(plan: &Plan, options: &RenderOptions, name: String, data: Data) -> Secret {
    Secret {
        metadata: common::meta(
            plan,
            options,
            name,
            common::labels(plan, options, &BTreeMap::new()),
            BTreeMap::new(),
        ),
        type_: Some("Opaque".to_owned()),
        data: Some(data),
        ..Default::default()
    }
}

fn service(plan: &Plan, options: &RenderOptions, n: &JetStreamNames) -> Service {
    let port = |name: &str, port: i32| ServicePort {
        name: Some(name.to_owned()),
        port,
        ..Default::default()
    };
    let mut ports = vec![
        port("tcp-client", CLIENT_PORT),
        port("cluster", CLUSTER_PORT),
    ];
    if options.metrics {
        ports.push(port("metrics", METRICS_PORT));
    }
    ports.push(port("monitor", MONITOR_PORT));
    Service {
        metadata: common::meta(
            plan,
            options,
            n.service(),
            common::labels(plan, options, &BTreeMap::new()),
            BTreeMap::new(),
        ),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            cluster_ip: Some("None".to_owned()),
            publish_not_ready_addresses: Some(true),
            ports: Some(ports),
            selector: Some(names::base_labels(&plan.name)),
            ..Default::default()
        }),
        ..Default::default()
    }
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

fn config_map(
    plan: &Plan,
    js: &JetStreamPlan,
    options: &RenderOptions,
    n: &JetStreamNames,
) -> Result<ConfigMap, Error> {
    Ok(ConfigMap {
        metadata: common::meta(
            plan,
            options,
            n.config_map(),
            common::labels(plan, options, &BTreeMap::new()),
            BTreeMap::new(),
        ),
        data: Some(BTreeMap::from([(
            JETSTREAM_CONFIG_KEY.to_owned(),
            nats_js_conf(plan, js)?,
        )])),
        ..Default::default()
    })
}

fn mount(name: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: name.to_owned(),
        mount_path: path.to_owned(),
        ..Default::default()
    }
}

fn http_probe(path: &str) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::Int(MONITOR_PORT),
            ..Default::default()
        }),
        initial_delay_seconds: Some(10),
        timeout_seconds: Some(5),
        ..Default::default()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn main_container(js: &JetStreamPlan, n: &JetStreamNames) -> Container {
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
        ports: Some(vec![
            common::container_port("client", CLIENT_PORT),
            common::container_port("cluster", CLUSTER_PORT),
            common::container_port("monitor", MONITOR_PORT),
        ]),
        env: Some(vec![
            common::field_env("POD_NAME", "metadata.name"),
            EnvVar {
                name: "SERVER_NAME".to_owned(),
                value: Some("$(POD_NAME)".to_owned()),
                ..Default::default()
            },
            common::field_env("POD_NAMESPACE", "metadata.namespace"),
            EnvVar {
                name: "CLUSTER_ADVERTISE".to_owned(),
                value: Some(format!("$(POD_NAME).{}.$(POD_NAMESPACE).svc", n.service())),
                ..Default::default()
            },
            EnvVar {
                name: "JS_KEY".to_owned(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: n.server_secret(),
                        key: ENCRYPTION_KEY.to_owned(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ]),
        volume_mounts: Some(vec![
            mount(CONFIG_VOLUME, CONFIG_DIR),
            mount(PID_VOLUME, PID_DIR),
            mount(&data_volume, DATA_DIR),
        ]),
        startup_probe: Some(Probe {
            failure_threshold: Some(30),
            ..http_probe("/healthz")
        }),
        liveness_probe: Some(Probe {
            period_seconds: Some(30),
            ..http_probe("/")
        }),
        readiness_probe: Some(Probe {
            period_seconds: Some(5),
            ..http_probe("/healthz")
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

fn config_volume(n: &JetStreamNames) -> Volume {
    let item = |key: &str, path: &str| KeyToPath {
        key: key.to_owned(),
        path: path.to_owned(),
        ..Default::default()
    };
    Volume {
        name: CONFIG_VOLUME.to_owned(),
        projected: Some(ProjectedVolumeSource {
            sources: Some(vec![
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        name: n.config_map(),
                        items: Some(vec![item(JETSTREAM_CONFIG_KEY, "nats-js.conf")]),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    secret: Some(SecretProjection {
                        name: n.server_secret(),
                        items: Some(SERVER_FILES.iter().map(|(k, p)| item(k, p)).collect()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn stateful_set(
    plan: &Plan,
    js: &JetStreamPlan,
    options: &RenderOptions,
    n: &JetStreamNames,
) -> StatefulSet {
    let mut reloader = Container {
        name: "reloader".to_owned(),
        image: Some(js.reloader_image.clone()),
        args: Some(strings(&["-pid", PID_FILE, "-config", CONFIG_FILE])),
        volume_mounts: Some(vec![
            mount(CONFIG_VOLUME, CONFIG_DIR),
            mount(PID_VOLUME, PID_DIR),
        ]),
        ..Default::default()
    };
    common::apply_template(&mut reloader, js.reloader_container_template.as_ref());
    let mut containers = vec![main_container(js, n), reloader];
    if let Some(image) = &js.metrics_image {
        let mut metrics = Container {
            name: "metrics".to_owned(),
            image: Some(image.clone()),
            ports: Some(vec![common::container_port("metrics", METRICS_PORT)]),
            args: Some(
                strings(&[
                    "-connz",
                    "-routez",
                    "-subz",
                    "-varz",
                    "-prefix=nats",
                    "-use_internal_server_id",
                    "-jsz=all",
                ])
                .into_iter()
                .chain([format!("http://localhost:{MONITOR_PORT}")])
                .collect(),
            ),
            ..Default::default()
        };
        common::apply_template(&mut metrics, js.metrics_container_template.as_ref());
        containers.push(metrics);
    }

    let empty_dir = |name: &str| Volume {
        name: name.to_owned(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Default::default()
    };
    let mut volumes = vec![empty_dir(PID_VOLUME), config_volume(n)];
    if js.persistence.is_none() {
        volumes.push(empty_dir(DATA_VOLUME));
    }

    let pod = &js.pod;
    StatefulSet {
        metadata: common::meta(
            plan,
            options,
            n.stateful_set(),
            common::labels(plan, options, &plan.bus_labels),
            BTreeMap::new(),
        ),
        spec: Some(StatefulSetSpec {
            pod_management_policy: Some("Parallel".to_owned()),
            replicas: Some(js.replicas),
            service_name: Some(n.service()),
            selector: LabelSelector {
                match_labels: Some(names::base_labels(&plan.name)),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(common::pod_metadata(plan, options, pod)),
                spec: Some(PodSpec {
                    share_process_namespace: Some(true),
                    termination_grace_period_seconds: Some(60),
                    node_selector: pod.node_selector.clone(),
                    tolerations: pod.tolerations.clone(),
                    security_context: pod.security_context.clone(),
                    image_pull_secrets: pod.image_pull_secrets.clone(),
                    service_account_name: pod.service_account_name.clone(),
                    priority_class_name: pod.priority_class_name.clone(),
                    priority: pod.priority,
                    affinity: pod.affinity.clone(),
                    volumes: Some(volumes),
                    containers,
                    ..Default::default()
                }),
            },
            volume_claim_templates: js
                .persistence
                .as_ref()
                .map(|v| vec![common::claim_template(n.volume(), v)]),
            ..Default::default()
        }),
        ..Default::default()
    }
}
