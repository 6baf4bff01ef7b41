//! The companion exotic EventBus: same name as the native bus, pointing at the rendered Service,
//! so the Argo Events controller only publishes its status and clients connect unchanged.

use k8s_openapi::api::core::v1::SecretKeySelector;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::credentials::SecretRefs;
use crate::names::{self, JetStreamNames, StanNames};
use crate::plan::{JetStreamPlan, Plan, StanAuth};
use crate::spec::{self, EventBus, EventBusSpec, JetStreamConfig, NatsBus, NatsConfig};

/// Annotation that marks a companion bus, so that re-rendering recognises it.
pub const COMPANION_ANNOTATION: &str = "eventbus-gen/companion";

/// The companion bus of `plan`, with `bus_spec`.
fn companion(plan: &Plan, bus_spec: EventBusSpec) -> EventBus {
    EventBus {
        api_version: Some(spec::API_VERSION.to_owned()),
        kind: Some(spec::KIND.to_owned()),
        metadata: companion_meta(plan),
        spec: bus_spec,
        status: None,
    }
}

fn companion_meta(plan: &Plan) -> ObjectMeta {
    let mut labels = plan.common_labels.clone();
    labels.extend(plan.bus_labels.clone());
    let mut annotations = plan.common_annotations.clone();
    annotations.extend(plan.bus_annotations.clone());
    annotations.insert(COMPANION_ANNOTATION.to_owned(), "true".to_owned());
    ObjectMeta {
        name: Some(plan.name.clone()),
        namespace: Some(plan.namespace.clone()),
        labels: (!labels.is_empty()).then_some(labels),
        annotations: Some(annotations),
        ..Default::default()
    }
}

/// The exotic NATS Streaming bus for a rendered native one.
pub(crate) fn stan(plan: &Plan, auth: StanAuth, refs: &SecretRefs) -> EventBus {
    let n = StanNames::new(&plan.name);
    companion(
        plan,
        EventBusSpec {
            nats: Some(Box::new(NatsBus {
                native: None,
                exotic: Some(NatsConfig {
                    url: Some(n.client_url()),
                    cluster_id: Some(n.cluster_id()),
                    auth: Some(auth.as_str().to_owned()),
                    access_secret: (auth == StanAuth::Token).then(|| SecretKeySelector {
                        name: refs.client.clone(),
                        key: names::CLIENT_AUTH_KEY.to_owned(),
                        ..Default::default()
                    }),
                }),
            })),
            ..Default::default()
        },
    )
}

/// The exotic JetStream bus for a rendered native one: the client Service, the client Secret and
/// the merged stream defaults, exactly the `status.config.jetstream` of a v1.9.11 controller. It
/// has no `tls`: v1.9.11 clients always connect with TLS and, without `tls`, skip verification
/// (the server certificate comes from the bus's own CA), so an added `tls` block would change
/// `EVENTBUS_CONFIG` of every EventSource and Sensor and roll them for nothing.
pub(crate) fn jetstream(plan: &Plan, js: &JetStreamPlan, refs: &SecretRefs) -> EventBus {
    let n = JetStreamNames::new(&plan.name);
    companion(
        plan,
        EventBusSpec {
            jetstream_exotic: Some(Box::new(JetStreamConfig {
                url: Some(n.client_url(&plan.namespace)),
                access_secret: Some(SecretKeySelector {
                    name: refs.client.clone(),
                    key: names::CLIENT_AUTH_KEY.to_owned(),
                    ..Default::default()
                }),
                stream_config: Some(js.stream_config.clone()),
                tls: None,
            })),
            ..Default::default()
        },
    )
}
