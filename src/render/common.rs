//! Pieces shared by every native bus: metadata, labels, containers and volume claims.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EnvVarSource, ObjectFieldSelector, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::names;
use crate::options::RenderOptions;
use crate::plan::{Plan, PodPlan, Volume};
use crate::spec::ContainerTemplate;

/// Labels of an object: common labels, then `extra`, then the selector labels (which win).
pub(crate) fn labels(
    plan: &Plan,
    options: &RenderOptions,
    extra: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut l = options.common_labels.clone();
    l.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    l.extend(names::base_labels(&plan.name));
    l
}

/// `metadata` of a rendered object, with the common annotations.
pub(crate) fn meta(
    plan: &Plan,
    options: &RenderOptions,
    name: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
) -> ObjectMeta {
    let mut a = options.common_annotations.clone();
    a.extend(annotations);
    ObjectMeta {
        name: Some(name),
        namespace: Some(plan.namespace.clone()),
        labels: Some(labels),
        annotations: (!a.is_empty()).then_some(a),
        ..Default::default()
    }
}

/// Applies a container template: pull policy, security context and (when given) resources.
pub(crate) fn apply_template(c: &mut Container, template: Option<&ContainerTemplate>) {
    if let Some(t) = template {
        c.image_pull_policy = t.image_pull_policy.clone();
        c.security_context = t.security_context.clone();
        c.resources = t.resources.clone();
    }
}

/// A volume claim template.
pub(crate) fn claim_template(name: String, v: &Volume) -> PersistentVolumeClaim {
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
        ..Default::default()
    }
}

/// Pod template labels and annotations: common labels, the spec's pod labels, then the selector
/// labels (which win); common annotations plus the spec's pod annotations.
pub(crate) fn pod_metadata(plan: &Plan, options: &RenderOptions, pod: &PodPlan) -> ObjectMeta {
    let mut labels = options.common_labels.clone();
    labels.extend(pod.labels.clone());
    labels.extend(names::base_labels(&plan.name));
    let annotations = match &pod.annotations {
        Some(a) => {
            let mut all = options.common_annotations.clone();
            all.extend(a.clone());
            Some(all)
        }
        None => {
            (!options.common_annotations.is_empty()).then(|| options.common_annotations.clone())
        }
    };
    ObjectMeta {
        labels: Some(labels),
        annotations,
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
