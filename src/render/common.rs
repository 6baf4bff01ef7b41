//! Pieces shared by every native bus: metadata, labels, containers, volumes and the StatefulSet.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapProjection, Container, ContainerPort, EmptyDirVolumeSource, EnvVar,
    EnvVarSource, HTTPGetAction, KeyToPath, ObjectFieldSelector, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeClaimStatus, PodSpec, PodTemplateSpec, Probe,
    ProjectedVolumeSource, Secret, SecretProjection, Service, ServicePort, ServiceSpec, Volume,
    VolumeMount, VolumeProjection, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::names::{self, CLIENT_PORT, CLUSTER_PORT, METRICS_PORT, MONITOR_PORT};
use crate::plan::{self, Plan, PodPlan};
use crate::spec::ContainerTemplate;

/// The projected volume holding the server's config file and the server Secret's files.
pub(crate) const CONFIG_VOLUME: &str = "config-volume";

/// Labels of an object: common labels, then `extra`, then the selector labels (which win).
fn labels(plan: &Plan, extra: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut l = plan.common_labels.clone();
    l.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    l.extend(names::base_labels(&plan.name));
    l
}

/// `metadata` of a rendered object: [`labels`] with `extra_labels`, and the common annotations
/// plus `annotations`.
pub(crate) fn meta(
    plan: &Plan,
    name: String,
    extra_labels: &BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
) -> ObjectMeta {
    let mut a = plan.common_annotations.clone();
    a.extend(annotations);
    ObjectMeta {
        name: Some(name),
        namespace: Some(plan.namespace.clone()),
        labels: Some(labels(plan, extra_labels)),
        annotations: (!a.is_empty()).then_some(a),
        ..Default::default()
    }
}

/// A headless Service selecting the bus pods; `spec` gives the ports and anything else.
pub(crate) fn headless_service(
    plan: &Plan,
    name: String,
    extra_labels: &BTreeMap<String, String>,
    spec: ServiceSpec,
) -> Service {
    Service {
        metadata: meta(plan, name, extra_labels, BTreeMap::new()),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            cluster_ip: Some("None".to_owned()),
            selector: Some(names::base_labels(&plan.name)),
            ..spec
        }),
        ..Default::default()
    }
}

/// A named Service port.
pub(crate) fn service_port(name: &str, port: i32) -> ServicePort {
    ServicePort {
        name: Some(name.to_owned()),
        port,
        ..Default::default()
    }
}

/// The ConfigMap holding the server config `text` under `key`.
pub(crate) fn config_map(
    plan: &Plan,
    name: String,
    extra_labels: &BTreeMap<String, String>,
    key: &str,
    text: String,
) -> ConfigMap {
    ConfigMap {
        metadata: meta(plan, name, extra_labels, BTreeMap::new()),
        data: Some(BTreeMap::from([(key.to_owned(), text)])),
        ..Default::default()
    }
}

/// An `Opaque` Secret.
pub(crate) fn secret(
    plan: &Plan,
    name: String,
    extra_labels: &BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    data: BTreeMap<String, ByteString>,
) -> Secret {
    Secret {
        metadata: meta(plan, name, extra_labels, annotations),
        type_: Some("Opaque".to_owned()),
        data: Some(data),
        ..Default::default()
    }
}

/// Applies a container template: pull policy, security context and (when given) resources.
pub(crate) fn apply_template(c: &mut Container, template: Option<&ContainerTemplate>) {
    if let Some(t) = template {
        c.image_pull_policy = t.image_pull_policy.clone();
        c.security_context = t.security_context.as_deref().cloned();
        c.resources = t.resources.clone();
    }
}

/// The volume claim templates: one named `name` when the data is persistent, else none.
///
/// Written as the API server stores them, so that a diff against the live StatefulSet (whose
/// claim templates cannot be changed) is empty: `apiVersion: v1` and
/// `kind: PersistentVolumeClaim` (defaulted on StatefulSet claim templates since Kubernetes
/// 1.17, kubernetes/kubernetes#87706), `volumeMode: Filesystem` and `status.phase: Pending`
/// (the PersistentVolumeClaim defaults, applied to each template).
pub(crate) fn claim_templates(
    name: String,
    persistence: Option<&plan::Volume>,
) -> Option<Vec<PersistentVolumeClaim>> {
    persistence.map(|v| vec![claim_template(name, v)])
}

fn claim_template(name: String, v: &plan::Volume) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(name),
            ..Default::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec![v.access_mode.clone()]),
            volume_mode: Some("Filesystem".to_owned()),
            storage_class_name: v.storage_class_name.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(v.size.clone()),
                )])),
                ..Default::default()
            }),
            ..Default::default()
        }),
        status: Some(PersistentVolumeClaimStatus {
            phase: Some("Pending".to_owned()),
            ..Default::default()
        }),
    }
}

/// Pod template labels and annotations: common labels, the spec's pod labels, then the selector
/// labels (which win); common annotations plus the spec's pod annotations.
pub(crate) fn pod_metadata(plan: &Plan, pod: &PodPlan) -> ObjectMeta {
    // Like the controller's nil map, no annotations at all means no `annotations` key.
    let mut annotations = plan.common_annotations.clone();
    annotations.extend(
        pod.annotations
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    ObjectMeta {
        labels: Some(labels(plan, &pod.labels)),
        annotations: (!annotations.is_empty()).then_some(annotations),
        ..Default::default()
    }
}

/// A named container port.
pub(crate) fn container_port(name: &str, port: i32) -> ContainerPort {
    ContainerPort {
        name: Some(name.to_owned()),
        container_port: port,
        ..Default::default()
    }
}

/// The server's client, cluster and monitoring ports.
pub(crate) fn server_ports() -> Vec<ContainerPort> {
    vec![
        container_port("client", CLIENT_PORT),
        container_port("cluster", CLUSTER_PORT),
        container_port("monitor", MONITOR_PORT),
    ]
}

/// `CLUSTER_ADVERTISE`: the pod's DNS name behind the Service `service`.
pub(crate) fn cluster_advertise(service: &str) -> EnvVar {
    EnvVar {
        name: "CLUSTER_ADVERTISE".to_owned(),
        value: Some(format!("$(POD_NAME).{service}.$(POD_NAMESPACE).svc")),
        ..Default::default()
    }
}

/// An environment variable read from a field of the pod.
pub(crate) fn field_env(name: &str, field: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: field.to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Owned copies of `items`.
pub(crate) fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A volume mount.
pub(crate) fn mount(name: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: name.to_owned(),
        mount_path: path.to_owned(),
        ..Default::default()
    }
}

/// An emptyDir volume.
pub(crate) fn empty_dir(name: &str) -> Volume {
    Volume {
        name: name.to_owned(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Default::default()
    }
}

/// An HTTP probe of `path` on the monitoring port: 10 s initial delay, 5 s timeout.
pub(crate) fn http_probe(path: &str) -> Probe {
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

/// The [`CONFIG_VOLUME`]: the config file (`(key, path)`) from the ConfigMap, then the server
/// Secret's files (`(key, path)` each).
pub(crate) fn config_volume(
    config_map: String,
    config_file: (&str, &str),
    server_secret: String,
    server_files: &[(&str, &str)],
) -> Volume {
    let item = |(key, path): &(&str, &str)| KeyToPath {
        key: (*key).to_owned(),
        path: (*path).to_owned(),
        ..Default::default()
    };
    Volume {
        name: CONFIG_VOLUME.to_owned(),
        projected: Some(ProjectedVolumeSource {
            sources: Some(vec![
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        name: config_map,
                        items: Some(vec![item(&config_file)]),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    secret: Some(SecretProjection {
                        name: server_secret,
                        items: Some(server_files.iter().map(item).collect()),
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

/// The Prometheus exporter container: `flags`, then the server's monitoring URL.
pub(crate) fn metrics_container(
    image: &str,
    flags: &[&str],
    template: Option<&ContainerTemplate>,
) -> Container {
    let mut metrics = Container {
        name: "metrics".to_owned(),
        image: Some(image.to_owned()),
        ports: Some(vec![container_port("metrics", METRICS_PORT)]),
        args: Some(
            strings(flags)
                .into_iter()
                .chain([format!("http://localhost:{MONITOR_PORT}")])
                .collect(),
        ),
        ..Default::default()
    };
    apply_template(&mut metrics, template);
    metrics
}

/// A pod spec with the plan's pod settings passed through; each container's security context
/// completed by the plan's container defaults (the template's own fields win).
pub(crate) fn pod_spec(
    pod: &PodPlan,
    volumes: Vec<Volume>,
    mut containers: Vec<Container>,
) -> PodSpec {
    if let Some(defaults) = &pod.container_security {
        for c in &mut containers {
            let s = c.security_context.get_or_insert_with(Default::default);
            if s.allow_privilege_escalation.is_none() {
                s.allow_privilege_escalation = defaults.allow_privilege_escalation;
            }
            if s.capabilities.is_none() {
                s.capabilities = defaults.capabilities.clone();
            }
        }
    }
    PodSpec {
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
    }
}

/// The bus StatefulSet, labelled with the bus's own labels: `spec` completed with the selector
/// labels and a pod template of `pod_spec` with [`pod_metadata`].
pub(crate) fn stateful_set(
    plan: &Plan,
    name: String,
    pod: &PodPlan,
    pod_spec: PodSpec,
    spec: StatefulSetSpec,
) -> StatefulSet {
    StatefulSet {
        metadata: meta(plan, name, &plan.bus_labels, BTreeMap::new()),
        spec: Some(StatefulSetSpec {
            selector: LabelSelector {
                match_labels: Some(names::base_labels(&plan.name)),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(pod_metadata(plan, pod)),
                spec: Some(pod_spec),
            },
            ..spec
        }),
        ..Default::default()
    }
}
