//! [`RenderOptions`]: everything a render can be told, shared by the library, the CLI flags, the
//! KRM functionConfig and the Argo CD plugin parameters.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::Secret;
use serde::{Deserialize, Serialize};

/// Options of a render. `Default` gives the documented defaults.
///
/// Deserializes from camelCase keys (`allowUnknownFields`, `podDisruptionBudget`, ...), which is
/// the form the KRM functionConfig and the Argo CD parameters use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RenderOptions {
    /// Namespace for buses whose `metadata.namespace` is empty. The NATS routes name the
    /// namespace, so a bus without one and without this option is an error.
    pub namespace: Option<String>,
    /// Drop fields that are not part of the `EventBus` resource with a warning, as the
    /// controller does, instead of rejecting them. Default: false.
    pub allow_unknown_fields: bool,
    /// Render a `PodDisruptionBudget` (`maxUnavailable: 1`) for each native bus. Default: true.
    pub pod_disruption_budget: bool,
    /// Run the Prometheus exporter sidecar (`metrics` container). Default: true.
    pub metrics: bool,
    /// Render an exotic `EventBus` with the bus's own name pointing at the rendered Service, so
    /// EventSources and Sensors keep working with the Argo Events controller. Default: true.
    pub companion: bool,
    /// Container images; each unset one uses the upstream default.
    pub images: Images,
    /// Labels added to every rendered object and pod template (selectors are not changed).
    pub common_labels: BTreeMap<String, String>,
    /// Annotations added to every rendered object and pod template.
    pub common_annotations: BTreeMap<String, String>,
    /// Draw new random tokens when no seed and no existing Secret gives one. Every render then
    /// changes the credentials. Default: false.
    pub random_tokens: bool,
    /// A file holding the seed for derived tokens; read by the front ends, never by the library.
    pub seed_file: Option<String>,
    /// The seed for derived tokens (HMAC-SHA256 over namespace and name). Never serialized.
    #[serde(skip)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub seed: Option<Seed>,
    /// Existing Secrets whose credentials are kept (for example exported from a cluster where the
    /// controller ran). Secret documents in the input are added to these. Never serialized.
    #[serde(skip)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub existing_secrets: Vec<Secret>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            namespace: None,
            allow_unknown_fields: false,
            pod_disruption_budget: true,
            metrics: true,
            companion: true,
            images: Images::default(),
            common_labels: BTreeMap::new(),
            common_annotations: BTreeMap::new(),
            random_tokens: false,
            seed_file: None,
            seed: None,
            existing_secrets: Vec::new(),
        }
    }
}

impl RenderOptions {
    /// Sets the namespace for buses without one.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Turns unknown fields into warnings.
    #[must_use]
    pub fn allow_unknown_fields(mut self, allow: bool) -> Self {
        self.allow_unknown_fields = allow;
        self
    }

    /// Turns the PodDisruptionBudget on or off.
    #[must_use]
    pub fn pod_disruption_budget(mut self, on: bool) -> Self {
        self.pod_disruption_budget = on;
        self
    }

    /// Turns the metrics sidecar on or off.
    #[must_use]
    pub fn metrics(mut self, on: bool) -> Self {
        self.metrics = on;
        self
    }

    /// Turns the companion exotic EventBus on or off.
    #[must_use]
    pub fn companion(mut self, on: bool) -> Self {
        self.companion = on;
        self
    }

    /// Sets the container images.
    #[must_use]
    pub fn images(mut self, images: Images) -> Self {
        self.images = images;
        self
    }

    /// Adds a label to every rendered object.
    #[must_use]
    pub fn common_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.common_labels.insert(key.into(), value.into());
        self
    }

    /// Adds an annotation to every rendered object.
    #[must_use]
    pub fn common_annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.common_annotations.insert(key.into(), value.into());
        self
    }

    /// Sets the seed for derived tokens.
    #[must_use]
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Allows random tokens when nothing else provides one.
    #[must_use]
    pub fn random_tokens(mut self, on: bool) -> Self {
        self.random_tokens = on;
        self
    }

    /// Adds an existing Secret whose credentials are kept.
    #[must_use]
    pub fn existing_secret(mut self, secret: Secret) -> Self {
        self.existing_secrets.push(secret);
        self
    }
}

/// Container image overrides. Unset fields use the images the Argo Events controller ships.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Images {
    /// NATS Streaming server; default `nats-streaming:0.22.1`.
    pub nats_streaming: Option<String>,
    /// Prometheus exporter of NATS Streaming buses; default `natsio/prometheus-nats-exporter:0.8.0`.
    pub stan_metrics_exporter: Option<String>,
}

impl Images {
    /// Sets the NATS Streaming image.
    #[must_use]
    pub fn nats_streaming(mut self, image: impl Into<String>) -> Self {
        self.nats_streaming = Some(image.into());
        self
    }

    /// Sets the exporter image of NATS Streaming buses.
    #[must_use]
    pub fn stan_metrics_exporter(mut self, image: impl Into<String>) -> Self {
        self.stan_metrics_exporter = Some(image.into());
        self
    }
}

/// The secret seed from which tokens are derived. Its `Debug` form never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed(Vec<u8>);

/// The fewest bytes a seed may have.
pub const MIN_SEED_LEN: usize = 16;

impl Seed {
    /// A seed from raw bytes; trailing white space (a final newline in a file) is dropped.
    ///
    /// Fails when fewer than [`MIN_SEED_LEN`] bytes remain; the message never shows the seed.
    pub fn new(bytes: impl AsRef<[u8]>) -> Result<Seed, String> {
        let b = bytes.as_ref();
        let end = b
            .iter()
            .rposition(|c| !c.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        if end < MIN_SEED_LEN {
            return Err(format!(
                "the seed has {end} bytes; it needs at least {MIN_SEED_LEN} (for example the output of `openssl rand -base64 32`)"
            ));
        }
        Ok(Seed(b[..end].to_vec()))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_trimmed_checked_and_redacted() {
        assert!(Seed::new("short").is_err());
        let s = Seed::new("0123456789abcdef0123\n").unwrap();
        assert_eq!(s.bytes(), b"0123456789abcdef0123");
        assert_eq!(format!("{s:?}"), "Seed(<redacted>)");
    }

    #[test]
    fn options_deserialize_from_camel_case() {
        let o: RenderOptions = serde_json::from_value(serde_json::json!({
            "namespace": "x", "podDisruptionBudget": false, "images": {"natsStreaming": "r/n:1"}
        }))
        .unwrap();
        assert_eq!(o.namespace.as_deref(), Some("x"));
        assert!(!o.pod_disruption_budget);
        assert!(o.metrics);
        assert_eq!(o.images.nats_streaming.as_deref(), Some("r/n:1"));
        assert!(serde_json::from_value::<RenderOptions>(serde_json::json!({"pdb": true})).is_err());
    }
}
