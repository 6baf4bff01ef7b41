//! [`RenderOptions`]: everything a render can be told, shared by the library, the CLI flags, the
//! KRM functionConfig and the Argo CD plugin parameters.

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroUsize;

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
    /// Fail instead of warning when the input holds something that is read and not used: a
    /// Secret that no bus keeps its credentials from. Default: false.
    pub strict_input: bool,
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
    /// controller ran). Secret documents in the input are added to these. One that looks like a
    /// bus's (`eventbus-<bus>-...`, or the controller's labels) and that no bus uses gets a
    /// warning (an error under `strict_input`); others are taken as not meant for a bus. Never
    /// serialized.
    #[serde(skip)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub existing_secrets: Vec<Secret>,
    /// JetStream versions added to the built-in table (the one the Argo Events controller ships,
    /// see [`JetStreamVersion::defaults`]); an entry with a version already in the table
    /// replaces it. Same fields as the controller config's `eventBus.jetstream.versions`.
    pub jetstream_versions: Vec<JetStreamVersion>,
    /// Validity window of the JetStream TLS certificates.
    pub certificate_validity: CertificateValidity,
    /// JetStream defaults of the controller config (`eventBus.jetstream.settings` and
    /// `.streamConfig`), for parity with a controller whose config changed them.
    pub jetstream_defaults: JetStreamDefaults,
    /// Security settings added to every pod (`none` or `restricted`). Default: `none`, as the
    /// controller sets none.
    pub security_profile: SecurityProfile,
    /// What becomes of the bus's Secrets: rendered with their values (`generate`, the default),
    /// left to the cluster and only referenced (`reference`), built in the cluster by the
    /// External Secrets Operator from a store (`external-secrets`), or rendered alone (`only`,
    /// to create or seal them once).
    pub secrets: SecretsMode,
    /// The external-secrets store the `external-secrets` mode reads from, as `KIND/NAME`:
    /// `ClusterSecretStore/NAME` or `SecretStore/NAME` (a store in the bus's namespace).
    pub secret_store: Option<String>,
    /// The first part of every remote key in the `external-secrets` mode: a bus's values are
    /// read from `<remoteKeyPrefix>/<namespace>/<bus>`. Default: `eventbus`.
    pub remote_key_prefix: String,
    /// The version of the seed derivation. Each version turns a seed into the same values
    /// forever; a new version is only used when asked for, so no upgrade rotates credentials.
    /// Default: `v1`.
    pub derivation: Derivation,
    /// How many threads may derive JetStream keys and certificates at once (the only costly
    /// step of a render). The output does not depend on it. Default: one, so the library starts
    /// no thread unless asked; the command-line front ends use what the machine offers. Never
    /// serialized.
    #[serde(skip, default = "one_thread")]
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub threads: NonZeroUsize,
}

fn one_thread() -> NonZeroUsize {
    NonZeroUsize::MIN
}

/// What a render does with the Secrets of a native bus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SecretsMode {
    /// Render the Secrets with their values (kept, derived or random).
    #[default]
    Generate,
    /// Render no Secret: the StatefulSet, the NATS config and the companion bus point at Secrets
    /// that are already in the cluster (upstream's names, unless the bus's annotations name
    /// others). Needs no seed.
    Reference,
    /// Render `ExternalSecret` objects (external-secrets.io/v1) that build the Secrets in the
    /// cluster from the store [`RenderOptions::secret_store`]. Needs no seed.
    ExternalSecrets,
    /// Render only the Secrets, with their values: to create them once, or to seal or encrypt
    /// them, before the rest is rendered in reference mode.
    Only,
}

impl SecretsMode {
    /// The option value: `generate`, `reference`, `external-secrets` or `only`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretsMode::Generate => "generate",
            SecretsMode::Reference => "reference",
            SecretsMode::ExternalSecrets => "external-secrets",
            SecretsMode::Only => "only",
        }
    }

    /// Whether the render needs the Secrets' values (and so a seed, existing Secrets or random
    /// tokens).
    pub fn needs_values(self) -> bool {
        matches!(self, SecretsMode::Generate | SecretsMode::Only)
    }
}

/// The version of the derivation that turns a seed into credentials.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Derivation {
    /// HMAC-SHA256 keyed with the seed over `eventbus-gen/v1`, a NUL, the purpose (what, the
    /// namespace and the bus name, NUL-separated) and a 32-bit big-endian block counter; see
    /// the credentials documentation.
    #[default]
    V1,
}

impl Derivation {
    /// The label every HMAC input of this version starts with.
    pub(crate) fn domain(self) -> &'static [u8] {
        match self {
            Derivation::V1 => b"eventbus-gen/v1\0",
        }
    }
}

/// Security settings the renderer adds to every pod of a native bus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SecurityProfile {
    /// None: the pods carry only the spec's own security contexts, as the controller renders them.
    #[default]
    None,
    /// Pod Security Standard "restricted": non-root user and group [`SecurityProfile::UID`],
    /// `fsGroup` for the data volume, no privilege escalation, all capabilities dropped, seccomp
    /// `RuntimeDefault`. Fields the spec's security contexts set win.
    Restricted,
}

impl SecurityProfile {
    /// User, group and `fsGroup` of the `restricted` profile: the `nats` user (1000:1000) that
    /// NATS's own images define for running without root; the server images themselves set no
    /// user and run as root unless told otherwise.
    pub const UID: i64 = 1000;
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            namespace: None,
            allow_unknown_fields: false,
            strict_input: false,
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
            jetstream_versions: Vec::new(),
            certificate_validity: CertificateValidity::default(),
            jetstream_defaults: JetStreamDefaults::default(),
            security_profile: SecurityProfile::None,
            secrets: SecretsMode::Generate,
            secret_store: None,
            remote_key_prefix: DEFAULT_REMOTE_KEY_PREFIX.to_owned(),
            derivation: Derivation::V1,
            threads: one_thread(),
        }
    }
}

/// The default of [`RenderOptions::remote_key_prefix`].
pub const DEFAULT_REMOTE_KEY_PREFIX: &str = "eventbus";

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

    /// Sets the security profile of the pods.
    #[must_use]
    pub fn security_profile(mut self, profile: SecurityProfile) -> Self {
        self.security_profile = profile;
        self
    }

    /// Turns what is read and not used (a Secret no bus keeps) from warnings into errors.
    #[must_use]
    pub fn strict_input(mut self, strict: bool) -> Self {
        self.strict_input = strict;
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

    /// Sets what becomes of the bus's Secrets.
    #[must_use]
    pub fn secrets(mut self, mode: SecretsMode) -> Self {
        self.secrets = mode;
        self
    }

    /// Sets the external-secrets store (`ClusterSecretStore/NAME` or `SecretStore/NAME`).
    #[must_use]
    pub fn secret_store(mut self, store: impl Into<String>) -> Self {
        self.secret_store = Some(store.into());
        self
    }

    /// Adds an existing Secret whose credentials are kept.
    #[must_use]
    pub fn existing_secret(mut self, secret: Secret) -> Self {
        self.existing_secrets.push(secret);
        self
    }

    /// Adds a JetStream version to the version table (or replaces the entry of that version).
    #[must_use]
    pub fn jetstream_version(mut self, version: JetStreamVersion) -> Self {
        self.jetstream_versions.push(version);
        self
    }

    /// Sets how many threads may derive JetStream credentials at once (see
    /// [`RenderOptions::threads`]).
    #[must_use]
    pub fn threads(mut self, threads: NonZeroUsize) -> Self {
        self.threads = threads;
        self
    }

    /// Sets the validity window of the JetStream TLS certificates.
    #[must_use]
    pub fn certificate_validity(mut self, validity: CertificateValidity) -> Self {
        self.certificate_validity = validity;
        self
    }

    /// The JetStream version table: the built-in entries, then the added ones (which replace
    /// built-in entries of the same version), in that order.
    pub fn jetstream_version_table(&self) -> Vec<JetStreamVersion> {
        let mut table = JetStreamVersion::defaults();
        for v in &self.jetstream_versions {
            match table.iter_mut().find(|e| e.version == v.version) {
                Some(e) => *e = v.clone(),
                None => table.push(v.clone()),
            }
        }
        table
    }
}

/// One entry of the JetStream version table: the images a `spec.jetstream.version` stands for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JetStreamVersion {
    /// The version string, matched exactly against `spec.jetstream.version`.
    pub version: String,
    /// NATS server image.
    pub nats_image: String,
    /// Prometheus exporter image.
    pub metrics_exporter_image: String,
    /// Config reloader image.
    pub config_reloader_image: String,
    /// The server binary in the image; `/nats-server` when not given.
    #[serde(default = "default_start_command")]
    pub start_command: String,
}

fn default_start_command() -> String {
    "/nats-server".to_owned()
}

impl JetStreamVersion {
    /// An entry with the default start command `/nats-server`.
    pub fn new(
        version: impl Into<String>,
        nats_image: impl Into<String>,
        metrics_exporter_image: impl Into<String>,
        config_reloader_image: impl Into<String>,
    ) -> Self {
        JetStreamVersion {
            version: version.into(),
            nats_image: nats_image.into(),
            metrics_exporter_image: metrics_exporter_image.into(),
            config_reloader_image: config_reloader_image.into(),
            start_command: default_start_command(),
        }
    }

    /// Sets the start command.
    #[must_use]
    pub fn start_command(mut self, command: impl Into<String>) -> Self {
        self.start_command = command.into();
        self
    }

    /// The table the Argo Events controller ships (v1.9.10 and later).
    pub fn defaults() -> Vec<JetStreamVersion> {
        const EXPORTER_OLD: &str = "natsio/prometheus-nats-exporter:0.9.1";
        const RELOADER_OLD: &str = "natsio/nats-server-config-reloader:0.7.0";
        const EXPORTER_NEW: &str = "natsio/prometheus-nats-exporter:0.14.0";
        const RELOADER_NEW: &str = "natsio/nats-server-config-reloader:0.14.0";
        let old = |v: &str, cmd: &str| {
            JetStreamVersion::new(v, format!("nats:{v}"), EXPORTER_OLD, RELOADER_OLD)
                .start_command(cmd)
        };
        vec![
            JetStreamVersion::new("latest", "nats:2.10.29", EXPORTER_NEW, RELOADER_NEW),
            old("2.8.1", "/nats-server"),
            old("2.8.1-alpine", "nats-server"),
            old("2.8.2", "/nats-server"),
            old("2.8.2-alpine", "nats-server"),
            old("2.9.1", "/nats-server"),
            old("2.9.12", "/nats-server"),
            old("2.9.16", "/nats-server"),
            JetStreamVersion::new("2.10.29", "nats:2.10.29", EXPORTER_NEW, RELOADER_NEW),
        ]
    }
}

/// The JetStream defaults the controller config holds; unset ones are the controller's own
/// defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[non_exhaustive]
pub struct JetStreamDefaults {
    /// Text of the `jetstream { }` block for buses without `spec.jetstream.settings`
    /// (the controller config's `eventBus.jetstream.settings`).
    pub settings: Option<String>,
    /// Stream settings (YAML) that `spec.jetstream.streamConfig` is merged over
    /// (the controller config's `eventBus.jetstream.streamConfig`).
    pub stream_config: Option<String>,
}

/// Validity window of generated certificates: fixed dates, so that a re-render gives the same
/// bytes. UTC, written `2025-01-01T00:00:00Z`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CertificateValidity {
    /// Start of validity; default `2025-01-01T00:00:00Z`.
    pub not_before: String,
    /// End of validity; default `9999-12-31T23:59:59Z`, the RFC 5280 value for "no expiry".
    pub not_after: String,
}

/// Default start of certificate validity.
pub const DEFAULT_NOT_BEFORE: &str = "2025-01-01T00:00:00Z";
/// Default end of certificate validity (RFC 5280: no well-defined expiration date).
pub const DEFAULT_NOT_AFTER: &str = "9999-12-31T23:59:59Z";

impl Default for CertificateValidity {
    fn default() -> Self {
        CertificateValidity {
            not_before: DEFAULT_NOT_BEFORE.to_owned(),
            not_after: DEFAULT_NOT_AFTER.to_owned(),
        }
    }
}

impl CertificateValidity {
    /// A window from `not_before` to `not_after`.
    pub fn new(not_before: impl Into<String>, not_after: impl Into<String>) -> Self {
        CertificateValidity {
            not_before: not_before.into(),
            not_after: not_after.into(),
        }
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
    /// NATS server of JetStream buses; default from the version table.
    pub nats: Option<String>,
    /// Prometheus exporter of JetStream buses; default from the version table.
    pub jetstream_metrics_exporter: Option<String>,
    /// Config reloader of JetStream buses; default from the version table.
    pub config_reloader: Option<String>,
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

    /// Sets the NATS server image of JetStream buses (whatever their version).
    #[must_use]
    pub fn nats(mut self, image: impl Into<String>) -> Self {
        self.nats = Some(image.into());
        self
    }

    /// Sets the exporter image of JetStream buses (whatever their version).
    #[must_use]
    pub fn jetstream_metrics_exporter(mut self, image: impl Into<String>) -> Self {
        self.jetstream_metrics_exporter = Some(image.into());
        self
    }

    /// Sets the config reloader image of JetStream buses (whatever their version).
    #[must_use]
    pub fn config_reloader(mut self, image: impl Into<String>) -> Self {
        self.config_reloader = Some(image.into());
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
    /// Fails when fewer than `MIN_SEED_LEN` (16) bytes remain; the message never shows the seed.
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

    #[test]
    fn version_table_is_upstreams_and_can_be_extended() {
        let table = RenderOptions::default().jetstream_version_table();
        let versions: Vec<&str> = table.iter().map(|v| v.version.as_str()).collect();
        assert_eq!(
            versions,
            [
                "latest",
                "2.8.1",
                "2.8.1-alpine",
                "2.8.2",
                "2.8.2-alpine",
                "2.9.1",
                "2.9.12",
                "2.9.16",
                "2.10.29"
            ]
        );
        assert_eq!(table[0].nats_image, "nats:2.10.29");
        assert_eq!(
            table[0].metrics_exporter_image,
            "natsio/prometheus-nats-exporter:0.14.0"
        );
        assert_eq!(
            table[0].config_reloader_image,
            "natsio/nats-server-config-reloader:0.14.0"
        );
        assert_eq!(table[2].nats_image, "nats:2.8.1-alpine");
        assert_eq!(table[2].start_command, "nats-server");
        assert_eq!(
            table[7].metrics_exporter_image,
            "natsio/prometheus-nats-exporter:0.9.1"
        );
        assert_eq!(
            table[7].config_reloader_image,
            "natsio/nats-server-config-reloader:0.7.0"
        );

        let o: RenderOptions = serde_json::from_value(serde_json::json!({
            "jetstreamVersions": [
                {"version": "2.10.10", "natsImage": "nats:2.10.10",
                 "metricsExporterImage": "e:1", "configReloaderImage": "r:1"},
                {"version": "latest", "natsImage": "nats:2.11.0",
                 "metricsExporterImage": "e:2", "configReloaderImage": "r:2", "startCommand": "nats-server"}
            ],
            "certificateValidity": {"notAfter": "2035-01-01T00:00:00Z"}
        }))
        .unwrap();
        let table = o.jetstream_version_table();
        assert_eq!(table.len(), 10);
        assert_eq!(table[0].nats_image, "nats:2.11.0");
        assert_eq!(table[0].start_command, "nats-server");
        assert_eq!(table[9].version, "2.10.10");
        assert_eq!(table[9].start_command, "/nats-server");
        assert_eq!(o.certificate_validity.not_before, DEFAULT_NOT_BEFORE);
        assert_eq!(o.certificate_validity.not_after, "2035-01-01T00:00:00Z");
    }
}
