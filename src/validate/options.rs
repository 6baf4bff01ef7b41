//! Checks of the render options themselves.

use super::Checker;
use super::jetstream::sets_store_dir;
use crate::certs::Window;
use crate::error::Error;
use crate::options::RenderOptions;
use crate::values;

/// Checks the options themselves (labels, annotations, images, namespace, certificate window).
/// Returns the errors and, when it is valid, the certificate window.
pub(super) fn check(options: &RenderOptions) -> (Vec<Error>, Option<Window>) {
    let mut c = Checker::new(None);
    if let Some(ns) = &options.namespace {
        c.check("options.namespace", values::dns_label(ns));
    }
    let defaults = &options.jetstream_defaults;
    if defaults.settings.as_deref().is_some_and(sets_store_dir) {
        c.invalid(
            "options.jetstreamDefaults.settings",
            "must not set store_dir: the store is fixed at /data/jetstream/store, on the bus volume",
        );
    }
    if let Some(Err(m)) = defaults
        .stream_config
        .as_deref()
        .map(crate::stream_config::read)
    {
        c.invalid("options.jetstreamDefaults.streamConfig", m);
    }
    c.labels("options.commonLabels", Some(&options.common_labels), true);
    c.labels(
        "options.commonAnnotations",
        Some(&options.common_annotations),
        false,
    );
    for (path, image) in [
        (
            "options.images.natsStreaming",
            &options.images.nats_streaming,
        ),
        (
            "options.images.stanMetricsExporter",
            &options.images.stan_metrics_exporter,
        ),
        ("options.images.nats", &options.images.nats),
        (
            "options.images.jetstreamMetricsExporter",
            &options.images.jetstream_metrics_exporter,
        ),
        (
            "options.images.configReloader",
            &options.images.config_reloader,
        ),
    ] {
        if let Some(image) = image {
            c.image(path, image);
        }
    }
    for (i, v) in options.jetstream_versions.iter().enumerate() {
        let p = format!("options.jetstreamVersions[{i}]");
        if v.version.is_empty() {
            c.invalid(&format!("{p}.version"), "must not be empty");
        }
        c.image(&format!("{p}.natsImage"), &v.nats_image);
        c.image(
            &format!("{p}.metricsExporterImage"),
            &v.metrics_exporter_image,
        );
        c.image(
            &format!("{p}.configReloaderImage"),
            &v.config_reloader_image,
        );
        if v.start_command.is_empty() || v.start_command.chars().any(char::is_whitespace) {
            c.invalid(
                &format!("{p}.startCommand"),
                "must be one path without white space, for example /nats-server",
            );
        }
    }
    let validity = &options.certificate_validity;
    let window = match Window::parse(&validity.not_before, &validity.not_after) {
        Ok(w) => Some(w),
        Err(m) => {
            c.invalid("options.certificateValidity", m);
            None
        }
    };
    (c.errors, window)
}
