//! Pieces shared by every native bus: metadata, labels, containers and volume claims.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::names;
use crate::options::RenderOptions;
use crate::plan::{Plan, Volume};
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
