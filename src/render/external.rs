//! `ExternalSecret` objects (external-secrets.io/v1) that build a bus's Secrets in the cluster:
//! upstream's keys and formats, templated from the values of one remote key per bus.
//!
//! The formats come from the same templates as rendered Secrets, filled with template
//! expressions of the External Secrets Operator (`{{ .token }}`) instead of values, so both
//! ways give the same bytes for the same values.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use super::common;
use crate::credentials::ExternalRefs;
use crate::error::Error;
use crate::names;
use crate::plan::Plan;
use crate::templates;

/// API version of the `ExternalSecret` objects: the stable one of the External Secrets
/// Operator, served from v0.16.2 and the only one from v0.17.
pub const API_VERSION: &str = "external-secrets.io/v1";
/// Kind of the objects.
pub const KIND: &str = "ExternalSecret";
/// How often the operator reads the store again: its own default, written out so the object
/// says what it does.
const REFRESH_INTERVAL: &str = "1h";

/// An `ExternalSecret`, with the fields eventbus-gen writes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecret {
    /// `external-secrets.io/v1`.
    pub api_version: String,
    /// `ExternalSecret`.
    pub kind: String,
    /// Name (the Secret's), namespace, labels and annotations.
    pub metadata: ObjectMeta,
    /// What to read and what to build.
    pub spec: ExternalSecretSpec,
}

/// `spec` of an [`ExternalSecret`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretSpec {
    /// The store.
    pub secret_store_ref: StoreRef,
    /// How often the store is read again.
    pub refresh_interval: String,
    /// The Secret built.
    pub target: Target,
    /// The remote values, each under a name the templates use.
    pub data: Vec<Data>,
}

/// `spec.secretStoreRef`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoreRef {
    /// `ClusterSecretStore` or `SecretStore`.
    pub kind: String,
    /// The store's name.
    pub name: String,
}

/// `spec.target`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// The Secret's name.
    pub name: String,
    /// `Owner`: the operator creates the Secret and owns it.
    pub creation_policy: String,
    /// `Retain`: the Secret stays when the remote values go.
    pub deletion_policy: String,
    /// The Secret's type, metadata and data.
    pub template: Template,
}

/// `spec.target.template`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    /// `Opaque`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `v2`.
    pub engine_version: String,
    /// Labels and annotations of the Secret.
    pub metadata: TemplateMetadata,
    /// Each key of the Secret, as a template over the remote values.
    pub data: BTreeMap<String, String>,
}

/// `spec.target.template.metadata`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TemplateMetadata {
    /// The Secret's annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// The Secret's labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

/// One entry of `spec.data`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Data {
    /// The name the templates use.
    pub secret_key: String,
    /// Where the value is in the store.
    pub remote_ref: RemoteRef,
}

/// `spec.data[].remoteRef`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RemoteRef {
    /// The remote key of the bus.
    pub key: String,
    /// The property of the remote key holding the value.
    pub property: String,
}

/// The values a bus's remote key holds: (property in the store, name in the templates). The
/// properties are documented; they are the Secret keys where a key holds one value as is.
pub(crate) const STAN_PROPERTIES: [(&str, &str); 1] = [("token", "token")];

/// The properties of a JetStream bus's remote key (see [`STAN_PROPERTIES`]).
pub(crate) const JETSTREAM_PROPERTIES: [(&str, &str); 10] = [
    ("user", "user"),
    ("password", "password"),
    ("system-password", "systemPassword"),
    ("encryption", "encryption"),
    ("ca-cert", "caCert"),
    ("cert", "cert"),
    ("private-key", "privateKey"),
    ("cluster-ca-cert", "clusterCaCert"),
    ("cluster-cert", "clusterCert"),
    ("cluster-private-key", "clusterPrivateKey"),
];

/// A template expression reading the remote value named `name`.
fn expr(name: &str) -> String {
    format!("{{{{ .{name} }}}}")
}

/// The `ExternalSecret` that builds the Secret `meta` names, with `data` templated from the
/// `used` properties of the bus's remote key.
fn external_secret(
    ext: &ExternalRefs,
    meta: ObjectMeta,
    used: &[(&str, &str)],
    data: BTreeMap<String, String>,
) -> ExternalSecret {
    let name = meta.name.clone().unwrap_or_default();
    let template_metadata = TemplateMetadata {
        annotations: meta.annotations.clone(),
        labels: meta.labels.clone(),
    };
    ExternalSecret {
        api_version: API_VERSION.to_owned(),
        kind: KIND.to_owned(),
        metadata: meta,
        spec: ExternalSecretSpec {
            secret_store_ref: StoreRef {
                kind: ext.store.kind.clone(),
                name: ext.store.name.clone(),
            },
            refresh_interval: REFRESH_INTERVAL.to_owned(),
            target: Target {
                name,
                creation_policy: "Owner".to_owned(),
                deletion_policy: "Retain".to_owned(),
                template: Template {
                    type_: "Opaque".to_owned(),
                    engine_version: "v2".to_owned(),
                    metadata: template_metadata,
                    data,
                },
            },
            data: used
                .iter()
                .map(|(property, name)| Data {
                    secret_key: (*name).to_owned(),
                    remote_ref: RemoteRef {
                        key: ext.remote_key.clone(),
                        property: (*property).to_owned(),
                    },
                })
                .collect(),
        },
    }
}

#[derive(Serialize)]
struct TokenContext {
    token: String,
}

/// The server and client `ExternalSecret`s of a NATS Streaming bus with `auth: token`; labels
/// and annotations as the rendered Secrets carry them.
pub(crate) fn stan(plan: &Plan, ext: &ExternalRefs) -> Result<[ExternalSecret; 2], Error> {
    let ctx = TokenContext {
        token: expr("token"),
    };
    let auth = templates::render(templates::STAN_SERVER_AUTH, &ctx)?;
    let client_auth = templates::render(templates::STAN_CLIENT_AUTH, &ctx)?;
    let meta = |name: &str, label: &str| {
        common::meta(
            plan,
            name.to_owned(),
            &BTreeMap::from([(label.to_owned(), "yes".to_owned())]),
            BTreeMap::from([("strategy".to_owned(), "token".to_owned())]),
        )
    };
    Ok([
        external_secret(
            ext,
            meta(&ext.refs.server, "server-auth-secret"),
            &STAN_PROPERTIES,
            BTreeMap::from([(names::SERVER_AUTH_KEY.to_owned(), auth)]),
        ),
        external_secret(
            ext,
            meta(&ext.refs.client, "client-auth-secret"),
            &STAN_PROPERTIES,
            BTreeMap::from([(names::CLIENT_AUTH_KEY.to_owned(), client_auth)]),
        ),
    ])
}

#[derive(Serialize)]
struct JetStreamAuth {
    user: String,
    password: String,
    system_password: String,
}

/// The server and client `ExternalSecret`s of a JetStream bus.
pub(crate) fn jetstream(plan: &Plan, ext: &ExternalRefs) -> Result<[ExternalSecret; 2], Error> {
    let ctx = JetStreamAuth {
        user: expr("user"),
        password: expr("password"),
        system_password: expr("systemPassword"),
    };
    let auth = templates::render(templates::JETSTREAM_SERVER_AUTH, &ctx)?;
    let client_auth = templates::render(templates::JETSTREAM_CLIENT_AUTH, &ctx)?;
    let mut server_data = BTreeMap::from([(names::SERVER_AUTH_KEY.to_owned(), auth)]);
    // Every other key of the server Secret holds one remote value as is.
    for (property, name) in &JETSTREAM_PROPERTIES[3..] {
        server_data.insert((*property).to_owned(), expr(name));
    }
    let meta = |name: &str| common::meta(plan, name.to_owned(), &BTreeMap::new(), BTreeMap::new());
    Ok([
        external_secret(
            ext,
            meta(&ext.refs.server),
            &JETSTREAM_PROPERTIES,
            server_data,
        ),
        external_secret(
            ext,
            meta(&ext.refs.client),
            &JETSTREAM_PROPERTIES[..2],
            BTreeMap::from([(names::CLIENT_AUTH_KEY.to_owned(), client_auth)]),
        ),
    ])
}
