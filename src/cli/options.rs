//! Flags that set render options, through the one options mapping of the front-end layer.

use std::path::PathBuf;

use clap::Args;
use eventbus_gen::RenderOptions;
use eventbus_gen::frontend::options::{self as option_map, OptionError, Origin, Raw, Reader};
use eventbus_gen::frontend::seed::{self, SEED_ENV};

use super::{Failure, read_file};

/// Flags that set [`RenderOptions`]; shared by every front end.
#[derive(Args, Debug, Default)]
pub struct OptionArgs {
    /// Read render options from a YAML or JSON file (camelCase keys, as in the KRM config).
    /// Flags given on the command line override it.
    #[arg(long, value_name = "FILE")]
    options: Option<PathBuf>,
    /// Namespace for buses whose metadata.namespace is empty.
    #[arg(short, long)]
    namespace: Option<String>,
    /// Drop fields the EventBus resource does not have, with a warning, instead of failing.
    #[arg(long)]
    allow_unknown_fields: bool,
    /// Do not render a PodDisruptionBudget.
    #[arg(long)]
    no_pdb: bool,
    /// Do not run the Prometheus exporter sidecar.
    #[arg(long)]
    no_metrics: bool,
    /// Do not render the companion exotic EventBus.
    #[arg(long)]
    no_companion: bool,
    /// NATS Streaming server image [default: nats-streaming:0.22.1].
    #[arg(long, value_name = "IMAGE")]
    image_nats_streaming: Option<String>,
    /// Exporter image of NATS Streaming buses [default: natsio/prometheus-nats-exporter:0.8.0].
    #[arg(long, value_name = "IMAGE")]
    image_stan_metrics_exporter: Option<String>,
    /// NATS server image of JetStream buses [default: from the version table].
    #[arg(long, value_name = "IMAGE")]
    image_nats: Option<String>,
    /// Exporter image of JetStream buses [default: from the version table].
    #[arg(long, value_name = "IMAGE")]
    image_jetstream_metrics_exporter: Option<String>,
    /// Config reloader image of JetStream buses [default: from the version table].
    #[arg(long, value_name = "IMAGE")]
    image_config_reloader: Option<String>,
    /// Security settings for every pod: `restricted` meets the Pod Security Standard
    /// "restricted" (user and group 1000) [default: none, as the controller].
    #[arg(long, value_name = "PROFILE")]
    security_profile: Option<String>,
    /// Start of the JetStream certificates' validity, UTC [default: 2025-01-01T00:00:00Z].
    #[arg(long, value_name = "TIME")]
    cert_not_before: Option<String>,
    /// End of the JetStream certificates' validity, UTC [default: 9999-12-31T23:59:59Z].
    #[arg(long, value_name = "TIME")]
    cert_not_after: Option<String>,
    /// Label added to every rendered object (repeatable).
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = key_value)]
    labels: Vec<(String, String)>,
    /// Annotation added to every rendered object (repeatable).
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = key_value)]
    annotations: Vec<(String, String)>,
    /// File holding the seed for derived tokens (at least 16 bytes). The environment variable
    /// EVENTBUS_GEN_SEED is used when this is not given.
    #[arg(long, value_name = "PATH")]
    seed_file: Option<PathBuf>,
    /// Fail when a Secret of the input is not used by any bus, instead of warning.
    #[arg(long)]
    strict_input: bool,
    /// Draw random tokens when no seed and no existing Secret gives one; every render then
    /// changes them.
    #[arg(long)]
    random_tokens: bool,
    /// What becomes of the bus's Secrets: `generate` (rendered with their values), `reference`
    /// (no Secret; point at Secrets kept in the cluster), `external-secrets` (ExternalSecret
    /// objects; needs --secret-store) or `only` (the Secrets alone, to create or seal them
    /// once) [default: generate].
    #[arg(long, value_name = "MODE")]
    secrets: Option<String>,
    /// The external-secrets store of `--secrets external-secrets`: ClusterSecretStore/NAME or
    /// SecretStore/NAME.
    #[arg(long, value_name = "KIND/NAME")]
    secret_store: Option<String>,
    /// Set any render option by its key, dotted for nested ones (repeatable), as in the KRM
    /// ConfigMap: `--set images.nats=nats:2.10.29`, `--set commonLabels.team=events`,
    /// `--set jetstreamVersions='[{version: x, natsImage: ...}]'`. Applied after the other flags.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = key_value)]
    set: Vec<(String, String)>,
}

pub(super) fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got \"{s}\""))
}

impl OptionArgs {
    /// The flags as option keys and values, in the order they apply (the `--set` pairs last).
    fn pairs(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let mut push = |flag: &str, key: &str, value: String| {
            out.push((flag.to_owned(), key.to_owned(), value));
        };
        if let Some(ns) = &self.namespace {
            push("--namespace", "namespace", ns.clone());
        }
        for (on, flag, key, value) in [
            (
                self.allow_unknown_fields,
                "--allow-unknown-fields",
                "allowUnknownFields",
                "true",
            ),
            (self.strict_input, "--strict-input", "strictInput", "true"),
            (self.no_pdb, "--no-pdb", "podDisruptionBudget", "false"),
            (self.no_metrics, "--no-metrics", "metrics", "false"),
            (self.no_companion, "--no-companion", "companion", "false"),
            (
                self.random_tokens,
                "--random-tokens",
                "randomTokens",
                "true",
            ),
        ] {
            if on {
                push(flag, key, value.to_owned());
            }
        }
        for (value, flag, key) in [
            (
                &self.image_nats_streaming,
                "--image-nats-streaming",
                "images.natsStreaming",
            ),
            (
                &self.image_stan_metrics_exporter,
                "--image-stan-metrics-exporter",
                "images.stanMetricsExporter",
            ),
            (&self.image_nats, "--image-nats", "images.nats"),
            (
                &self.image_jetstream_metrics_exporter,
                "--image-jetstream-metrics-exporter",
                "images.jetstreamMetricsExporter",
            ),
            (
                &self.image_config_reloader,
                "--image-config-reloader",
                "images.configReloader",
            ),
            (
                &self.security_profile,
                "--security-profile",
                "securityProfile",
            ),
            (
                &self.cert_not_before,
                "--cert-not-before",
                "certificateValidity.notBefore",
            ),
            (
                &self.cert_not_after,
                "--cert-not-after",
                "certificateValidity.notAfter",
            ),
            (&self.secrets, "--secrets", "secrets"),
            (&self.secret_store, "--secret-store", "secretStore"),
        ] {
            if let Some(v) = value {
                push(flag, key, v.clone());
            }
        }
        for (k, v) in &self.labels {
            push("--label", &format!("commonLabels.{k}"), v.clone());
        }
        for (k, v) in &self.annotations {
            push("--annotation", &format!("commonAnnotations.{k}"), v.clone());
        }
        if let Some(path) = &self.seed_file {
            push("--seed-file", "seedFile", path.display().to_string());
        }
        for (k, v) in &self.set {
            push("--set", k, v.clone());
        }
        out
    }

    /// Builds the render options through the one options mapping: the options file first,
    /// then the flags, then the seed.
    pub fn to_options(&self) -> Result<RenderOptions, Failure> {
        let mut o = self.mapped()?;
        // A seed file named in an options file is relative to that file.
        let from_flags = self.seed_file.is_some() || self.set.iter().any(|(k, _)| k == "seedFile");
        let seed_file = o.seed_file.as_ref().map(|named| {
            let named = PathBuf::from(named);
            let base = self.options.as_ref().and_then(|p| p.parent());
            match base {
                Some(dir) if named.is_relative() && !from_flags => dir.join(named),
                _ => named,
            }
        });
        let env = std::env::var_os(SEED_ENV);
        o.seed = seed::read(
            seed_file.as_deref(),
            env.as_ref().map(|v| v.as_encoded_bytes()),
        )
        .map_err(Failure::Usage)?;
        o.threads = eventbus_gen::frontend::threads();
        Ok(o)
    }

    /// The options file and the flags, through the one options mapping (no seed read).
    fn mapped(&self) -> Result<RenderOptions, Failure> {
        let usage = |e: OptionError| {
            let at = match (&e.origin, e.location) {
                (Some(o), Some(l)) if e.field != *o => format!("{o}:{l}: "),
                _ => String::new(),
            };
            Failure::Usage(match at.is_empty() {
                true => format!("invalid render options: {e}"),
                false => format!("{at}invalid render options: {}: {}", e.field, e.message),
            })
        };
        let mut reader = Reader::<RenderOptions>::new();
        if let Some(path) = &self.options {
            let text = read_file(path)?;
            let (value, origin) =
                option_map::load(&text, &path.display().to_string()).map_err(usage)?;
            reader.merge(value, origin).map_err(usage)?;
        }
        for (flag, key, value) in self.pairs() {
            let origin = match flag.as_str() {
                "--set" => format!("--set {key}"),
                _ => flag,
            };
            reader
                .set(&key, Raw::Text(value), Origin::named(origin))
                .map_err(usage)?;
        }
        reader.finish().map_err(usage)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Cli, Command};
    use super::*;
    use clap::Parser;
    use eventbus_gen::frontend::options::{expected, samples};

    fn options(args: &[&str]) -> RenderOptions {
        let mut all = vec!["eventbus-gen", "render", "bus.yaml"];
        all.extend(args);
        match Cli::try_parse_from(all).unwrap().command {
            Some(Command::Render(r)) => match r.options.mapped() {
                Ok(o) => o,
                Err(Failure::Usage(m)) => panic!("{args:?}: {m}"),
                Err(_) => panic!("{args:?}"),
            },
            _ => unreachable!(),
        }
    }

    /// Every option of the schema is reachable with `--set`.
    #[test]
    fn every_option_is_reachable_with_set() {
        for (key, text, value) in samples() {
            let pair = format!("{key}={text}");
            assert_eq!(options(&["--set", &pair]), expected(&key, &value), "{key}");
        }
    }

    /// The named flags set the keys they are documented to set.
    #[test]
    fn named_flags_map_onto_option_keys() {
        let o = options(&[
            "--namespace=ev",
            "--no-pdb",
            "--no-metrics",
            "--no-companion",
            "--allow-unknown-fields",
            "--strict-input",
            "--random-tokens",
            "--image-nats=n:1",
            "--image-nats-streaming=s:1",
            "--image-stan-metrics-exporter=e:1",
            "--image-jetstream-metrics-exporter=j:1",
            "--image-config-reloader=r:1",
            "--cert-not-before=2030-01-01T00:00:00Z",
            "--cert-not-after=2040-01-01T00:00:00Z",
            "--label=team=a",
            "--annotation=note=b",
            "--seed-file=seed.txt",
        ]);
        let want: RenderOptions = serde_json::from_value(serde_json::json!({
            "namespace": "ev", "podDisruptionBudget": false, "metrics": false,
            "companion": false, "allowUnknownFields": true, "randomTokens": true,
            "strictInput": true,
            "images": {"nats": "n:1", "natsStreaming": "s:1", "stanMetricsExporter": "e:1",
                       "jetstreamMetricsExporter": "j:1", "configReloader": "r:1"},
            "certificateValidity": {"notBefore": "2030-01-01T00:00:00Z",
                                    "notAfter": "2040-01-01T00:00:00Z"},
            "commonLabels": {"team": "a"}, "commonAnnotations": {"note": "b"},
            "seedFile": "seed.txt"
        }))
        .unwrap();
        assert_eq!(o, want);
        // --set applies after the named flags.
        assert!(options(&["--no-metrics", "--set", "metrics=true"]).metrics);
    }
}
