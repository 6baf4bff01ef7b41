//! Checks of the fields every native bus kind shares: pod settings, tolerations, persistence,
//! container templates and their resources.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, Capabilities, PodSecurityContext, ResourceRequirements, SeccompProfile,
    SecurityContext, Toleration,
};

use super::Checker;
use crate::options::SecurityProfile;
use crate::plan::{PodPlan, Volume};
use crate::spec::{ContainerTemplate, Metadata, PersistenceStrategy};
use crate::values;

impl Checker<'_> {
    pub(super) fn resources(&mut self, path: &str, r: &ResourceRequirements) {
        for (part, map) in [("limits", &r.limits), ("requests", &r.requests)] {
            for (k, q) in map.iter().flatten() {
                self.check(
                    &format!("{path}.{part}.{k}"),
                    values::non_negative_quantity(&q.0),
                );
            }
        }
    }

    pub(super) fn container_template(&mut self, path: &str, t: &Option<ContainerTemplate>) {
        let Some(t) = t else { return };
        if let Some(p) = &t.image_pull_policy {
            self.one_of(
                &format!("{path}.imagePullPolicy"),
                p,
                &["Always", "IfNotPresent", "Never"],
            );
        }
        if let Some(r) = &t.resources {
            self.resources(&format!("{path}.resources"), r);
        }
    }

    pub(super) fn persistence(
        &mut self,
        path: &str,
        p: &Option<PersistenceStrategy>,
        default_size: &str,
    ) -> Option<Volume> {
        let p = p.as_ref()?;
        if let Some(sc) = &p.storage_class_name {
            self.check(
                &format!("{path}.storageClassName"),
                values::dns_subdomain(sc),
            );
        }
        let access_mode = p
            .access_mode
            .clone()
            .unwrap_or_else(|| "ReadWriteOnce".to_owned());
        self.one_of(
            &format!("{path}.accessMode"),
            &access_mode,
            &[
                "ReadWriteOnce",
                "ReadOnlyMany",
                "ReadWriteMany",
                "ReadWriteOncePod",
            ],
        );
        let size = match &p.volume_size {
            Some(q) => {
                self.check(
                    &format!("{path}.volumeSize"),
                    values::non_negative_quantity(&q.0),
                );
                q.0.clone()
            }
            None => default_size.to_owned(),
        };
        Some(Volume {
            storage_class_name: p.storage_class_name.clone(),
            access_mode,
            size,
        })
    }

    pub(super) fn tolerations(&mut self, path: &str, t: &Option<Vec<Toleration>>) {
        for (i, t) in t.iter().flatten().enumerate() {
            let p = format!("{path}[{i}]");
            if let Some(op) = &t.operator {
                self.one_of(&format!("{p}.operator"), op, &["Exists", "Equal"]);
                if op == "Exists" && t.value.as_deref().is_some_and(|v| !v.is_empty()) {
                    self.invalid(
                        &format!("{p}.value"),
                        "must be empty when operator is Exists",
                    );
                }
            }
            if let Some(e) = t.effect.as_deref().filter(|e| !e.is_empty()) {
                self.one_of(
                    &format!("{p}.effect"),
                    e,
                    &["NoSchedule", "PreferNoSchedule", "NoExecute"],
                );
            }
            if t.key.as_deref().unwrap_or("").is_empty() && t.operator.as_deref() != Some("Exists")
            {
                self.invalid(&format!("{p}.key"), "an empty key needs operator Exists");
            }
        }
    }

    pub(super) fn pod(
        &mut self,
        path: &str,
        p: PodFields<'_>,
        profile: SecurityProfile,
    ) -> PodPlan {
        let meta = p.metadata;
        self.labels(
            &format!("{path}.metadata.labels"),
            meta.and_then(|m| m.labels.as_ref()),
            true,
        );
        self.labels(
            &format!("{path}.metadata.annotations"),
            meta.and_then(|m| m.annotations.as_ref()),
            false,
        );
        self.labels(
            &format!("{path}.nodeSelector"),
            p.node_selector.as_ref(),
            true,
        );
        self.tolerations(&format!("{path}.tolerations"), p.tolerations);
        for (field, v) in [
            ("serviceAccountName", p.service_account_name),
            ("priorityClassName", p.priority_class_name),
        ] {
            if let Some(v) = v {
                self.check(&format!("{path}.{field}"), values::dns_subdomain(v));
            }
        }
        for (i, s) in p.image_pull_secrets.iter().flatten().enumerate() {
            if s.name.is_empty() {
                self.invalid(
                    &format!("{path}.imagePullSecrets[{i}].name"),
                    "must name a Secret",
                );
            }
        }
        PodPlan {
            labels: meta.and_then(|m| m.labels.clone()).unwrap_or_default(),
            annotations: meta.map(|m| m.annotations.clone().unwrap_or_default()),
            node_selector: p.node_selector.clone(),
            tolerations: p.tolerations.clone(),
            security_context: pod_security(p.security_context, profile),
            container_security: container_security(profile),
            image_pull_secrets: p.image_pull_secrets.clone(),
            service_account_name: p.service_account_name.clone(),
            priority_class_name: p.priority_class_name.clone(),
            priority: *p.priority,
            affinity: p.affinity.clone(),
        }
    }
}

/// The pod security context: the spec's, with the profile's settings where the spec sets none.
fn pod_security(
    spec: &Option<PodSecurityContext>,
    profile: SecurityProfile,
) -> Option<PodSecurityContext> {
    match profile {
        SecurityProfile::None => spec.clone(),
        SecurityProfile::Restricted => {
            let mut s = spec.clone().unwrap_or_default();
            s.run_as_non_root.get_or_insert(true);
            s.run_as_user.get_or_insert(SecurityProfile::UID);
            s.run_as_group.get_or_insert(SecurityProfile::UID);
            s.fs_group.get_or_insert(SecurityProfile::UID);
            s.seccomp_profile.get_or_insert_with(|| SeccompProfile {
                type_: "RuntimeDefault".to_owned(),
                ..Default::default()
            });
            Some(s)
        }
    }
}

/// What the profile adds to every container's security context.
fn container_security(profile: SecurityProfile) -> Option<SecurityContext> {
    match profile {
        SecurityProfile::None => None,
        SecurityProfile::Restricted => Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_owned()]),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

/// The pod fields every native bus kind has.
pub(super) struct PodFields<'a> {
    pub metadata: Option<&'a Metadata>,
    pub node_selector: &'a Option<BTreeMap<String, String>>,
    pub tolerations: &'a Option<Vec<Toleration>>,
    pub security_context: &'a Option<k8s_openapi::api::core::v1::PodSecurityContext>,
    pub image_pull_secrets: &'a Option<Vec<k8s_openapi::api::core::v1::LocalObjectReference>>,
    pub service_account_name: &'a Option<String>,
    pub priority_class_name: &'a Option<String>,
    pub priority: &'a Option<i32>,
    pub affinity: &'a Option<Affinity>,
}

/// The [`PodFields`] of a native bus spec: every kind names them alike.
macro_rules! pod_fields {
    ($spec:expr) => {
        $crate::validate::pod::PodFields {
            metadata: $spec.metadata.as_ref(),
            node_selector: &$spec.node_selector,
            tolerations: &$spec.tolerations,
            security_context: &$spec.security_context,
            image_pull_secrets: &$spec.image_pull_secrets,
            service_account_name: &$spec.service_account_name,
            priority_class_name: &$spec.priority_class_name,
            priority: &$spec.priority,
            affinity: &$spec.affinity,
        }
    };
}

pub(super) use pod_fields;
