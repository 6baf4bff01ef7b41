//! What the API server and the controllers write into an object's metadata: an `EventBus`
//! exported from a cluster (`kubectl get eventbus -o yaml`) carries it, and none of it may reach
//! the output. Applying a `resourceVersion` or `uid` fails or conflicts, an owner reference or a
//! finalizer ties the rendered object to the life of another, and kubectl's last applied
//! configuration would make the next `kubectl apply` compute its patch from a stale object.

use std::borrow::Cow;

use crate::export::LAST_APPLIED;
use crate::spec::EventBus;

/// `bus` without its server-side metadata and status, and the paths of what was removed, in a
/// fixed order. A bus without any (the usual spec from Git) is borrowed, not copied.
pub(crate) fn strip(bus: &EventBus) -> (Cow<'_, EventBus>, Vec<String>) {
    let m = &bus.metadata;
    let clean_already = m.uid.is_none()
        && m.resource_version.is_none()
        && m.generation.is_none()
        && m.creation_timestamp.is_none()
        && m.deletion_timestamp.is_none()
        && m.deletion_grace_period_seconds.is_none()
        && m.self_link.is_none()
        && m.managed_fields.is_none()
        && m.owner_references.is_none()
        && m.finalizers.is_none()
        && m.annotations
            .as_ref()
            .is_none_or(|a| !a.contains_key(LAST_APPLIED))
        && bus.status.is_none();
    if clean_already {
        return (Cow::Borrowed(bus), Vec::new());
    }
    let mut clean = bus.clone();
    let mut removed = Vec::new();
    let m = &mut clean.metadata;
    let mut take = |present: bool, path: &str| {
        if present {
            removed.push(path.to_owned());
        }
    };
    take(m.uid.take().is_some(), "metadata.uid");
    take(
        m.resource_version.take().is_some(),
        "metadata.resourceVersion",
    );
    take(m.generation.take().is_some(), "metadata.generation");
    take(
        m.creation_timestamp.take().is_some(),
        "metadata.creationTimestamp",
    );
    take(
        m.deletion_timestamp.take().is_some(),
        "metadata.deletionTimestamp",
    );
    take(
        m.deletion_grace_period_seconds.take().is_some(),
        "metadata.deletionGracePeriodSeconds",
    );
    take(m.self_link.take().is_some(), "metadata.selfLink");
    take(m.managed_fields.take().is_some(), "metadata.managedFields");
    take(
        m.owner_references.take().is_some(),
        "metadata.ownerReferences",
    );
    take(m.finalizers.take().is_some(), "metadata.finalizers");
    if let Some(annotations) = &mut m.annotations {
        take(
            annotations.remove(LAST_APPLIED).is_some(),
            &format!("metadata.annotations.{LAST_APPLIED}"),
        );
        if annotations.is_empty() {
            m.annotations = None;
        }
    }
    take(clean.status.take().is_some(), "status");
    (Cow::Owned(clean), removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_side_metadata_and_status_are_removed_and_named() {
        let bus: EventBus = serde_json::from_value(serde_json::json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
            "metadata": {
                "name": "default", "namespace": "ev",
                "uid": "0f6c", "resourceVersion": "42", "generation": 3,
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "selfLink": "/apis/argoproj.io/v1alpha1/namespaces/ev/eventbus/default",
                "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
                "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "x", "uid": "1"}],
                "finalizers": ["eventbus-controller"],
                "labels": {"team": "a"},
                "annotations": {LAST_APPLIED: "{\"kind\":\"EventBus\"}", "note": "kept"}
            },
            "spec": {"nats": {"native": {}}},
            "status": {"conditions": []}
        }))
        .unwrap();
        let (clean, removed) = strip(&bus);
        assert_eq!(
            removed,
            [
                "metadata.uid",
                "metadata.resourceVersion",
                "metadata.generation",
                "metadata.creationTimestamp",
                "metadata.selfLink",
                "metadata.managedFields",
                "metadata.ownerReferences",
                "metadata.finalizers",
                "metadata.annotations.kubectl.kubernetes.io/last-applied-configuration",
                "status",
            ]
        );
        let kept = serde_json::to_value(&clean.metadata).unwrap();
        assert_eq!(
            kept,
            serde_json::json!({"name": "default", "namespace": "ev",
                "labels": {"team": "a"}, "annotations": {"note": "kept"}})
        );
        assert!(clean.status.is_none());
        // A clean bus stays as it is, and nothing is named.
        let (again, none) = strip(&clean);
        assert!(none.is_empty());
        assert_eq!(again, clean);
    }
}
