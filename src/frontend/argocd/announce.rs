//! The parameter announcements `plugin.yaml` and `parameters.dynamic` show in the Argo CD UI.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SourceParams;
use super::params::top_level;
use crate::options::RenderOptions;

/// One entry of `parameters` in `plugin.yaml`, as Argo CD reads it (and as a
/// `parameters.dynamic` command prints them, in a JSON list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Announcement {
    /// The parameter name.
    pub name: String,
    /// Short label in the UI.
    pub title: String,
    /// Help text in the UI.
    pub tooltip: String,
    /// Whether the UI asks for it.
    pub required: bool,
    /// Type hint of the values (`string` or `boolean`); values always arrive as strings.
    pub item_type: String,
    /// `string`, `array` or `map`.
    pub collection_type: String,
    /// Default shown for a string parameter (not sent to the plugin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
}

/// Every parameter the plugin reads, with its UI text: the [`RenderOptions`] fields (except
/// `randomTokens`, which is refused), then the [`SourceParams`] fields.
pub fn announcements() -> Vec<Announcement> {
    let mut out = Vec::new();
    for (name, default) in top_level::<RenderOptions>()
        .into_iter()
        .chain(top_level::<SourceParams>())
    {
        if name == "randomTokens" {
            continue;
        }
        let (title, tooltip) = describe(&name).unwrap_or_default();
        let collection_type = match default {
            Value::Object(_) => "map",
            Value::Array(_) => "array",
            _ => "string",
        };
        out.push(Announcement {
            title: title.to_owned(),
            tooltip: tooltip.to_owned(),
            required: false,
            item_type: if default.is_boolean() {
                "boolean"
            } else {
                "string"
            }
            .to_owned(),
            collection_type: collection_type.to_owned(),
            string: match &default {
                Value::Bool(b) => Some(b.to_string()),
                Value::String(s) => Some(s.clone()),
                _ => None,
            },
            name,
        });
    }
    out
}

/// UI text of the known parameters. A new option needs a line here (a test checks).
fn describe(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "recurse" => (
            "Read subfolders",
            "Also read the YAML and JSON files of subfolders (hidden ones excepted).",
        ),
        "files" => (
            "Files",
            "Read exactly these files, relative to the application path and in this order, \
             instead of every YAML and JSON file of the folder.",
        ),
        "seedEnv" => (
            "Seed variable",
            "Name of a variable of the plugin sidecar (set from a Kubernetes Secret) holding the \
             seed of derived tokens: EVENTBUS_GEN_SEED (the default) or one starting with \
             EVENTBUS_GEN_SEED_.",
        ),
        "namespace" => (
            "Namespace",
            "Namespace of buses without metadata.namespace. Default: the Application's \
             destination namespace.",
        ),
        "allowUnknownFields" => (
            "Allow unknown fields",
            "Drop fields the EventBus resource does not have, with a warning, instead of failing.",
        ),
        "strictInput" => (
            "Strict input",
            "Fail instead of warning when a Secret that looks like a bus's is not used by any \
             bus (another namespace, no such bus, auth: none).",
        ),
        "podDisruptionBudget" => (
            "PodDisruptionBudget",
            "Render a PodDisruptionBudget for each native bus.",
        ),
        "metrics" => (
            "Metrics sidecar",
            "Run the Prometheus exporter sidecar next to each NATS server.",
        ),
        "companion" => (
            "Companion EventBus",
            "Render an exotic EventBus with the bus's name that points at the rendered Service, \
             so EventSources and Sensors keep working.",
        ),
        "images" => (
            "Images",
            "Container images by role (natsStreaming, stanMetricsExporter, nats, \
             jetstreamMetricsExporter, configReloader); unset ones use the version table.",
        ),
        "jetstreamVersions" => (
            "JetStream versions",
            "Entries added to the JetStream version table, one YAML mapping each: {version, \
             natsImage, metricsExporterImage, configReloaderImage, startCommand}.",
        ),
        "jetstreamDefaults" => (
            "JetStream defaults",
            "The controller config's JetStream defaults: settings (text of the jetstream block) \
             and streamConfig (stream settings YAML that each bus's streamConfig is merged over).",
        ),
        "certificateValidity" => (
            "Certificate validity",
            "Validity window of the JetStream TLS certificates (notBefore, notAfter as RFC 3339 \
             times).",
        ),
        "securityProfile" => (
            "Security profile",
            "none (as the controller) or restricted: every pod meets the Pod Security Standard \
             \"restricted\" and runs as user and group 1000.",
        ),
        "secrets" => (
            "Secrets",
            "generate (render the Secrets with their values), reference (no Secret: point at \
             Secrets kept in the cluster, no seed needed), external-secrets (ExternalSecret \
             objects reading secretStore) or only (the Secrets alone).",
        ),
        "secretStore" => (
            "Secret store",
            "The external-secrets store of the external-secrets mode: ClusterSecretStore/NAME or \
             SecretStore/NAME.",
        ),
        "remoteKeyPrefix" => (
            "Remote key prefix",
            "First part of the remote keys of the external-secrets mode: a bus's values are read \
             from PREFIX/NAMESPACE/BUS. Default: eventbus.",
        ),
        "derivation" => (
            "Seed derivation",
            "Version of the derivation of credentials from the seed; v1 (the only one so far) \
             gives the same values forever.",
        ),
        "commonLabels" => ("Common labels", "Labels added to every rendered object."),
        "commonAnnotations" => (
            "Common annotations",
            "Annotations added to every rendered object.",
        ),
        "seedFile" => (
            "Seed file",
            "A key of the Secret mounted in the plugin sidecar's seed folder (KEY, or \
             /var/run/eventbus-gen/seeds/KEY with the shipped sidecar patch) holding the seed of \
             derived tokens; files outside that folder are refused.",
        ),
        _ => return None,
    })
}
