//! The plan of a NATS JetStream bus (`spec.jetstream`).

use super::pod::pod_fields;
use super::{Checker, MAX_REPLICAS};
use crate::certs::Window;
use crate::options::RenderOptions;
use crate::plan::JetStreamPlan;
use crate::spec::JetStreamBus;

/// The plan of a JetStream bus; `None` (after every check) when there is no certificate window.
pub(super) fn plan(
    c: &mut Checker<'_>,
    js: &JetStreamBus,
    options: &RenderOptions,
    window: Option<Window>,
) -> Option<JetStreamPlan> {
    const P: &str = "spec.jetstream";
    let version = js.version.clone().unwrap_or_default();
    let table = options.jetstream_version_table();
    let entry = table.iter().find(|v| v.version == version);
    if entry.is_none() && !version.is_empty() {
        let known: Vec<&str> = table.iter().map(|v| v.version.as_str()).collect();
        c.invalid(
            &format!("{P}.version"),
            format!(
                "unsupported version {}, supported versions: \"{}\"; add it to the version table with the jetstreamVersions option",
                crate::error::quote(&version),
                known.join(",")
            ),
        );
    }
    // The upstream rule on 0, 2 and negative values is checked above.
    let replicas = js.replicas.unwrap_or(3);
    if replicas > MAX_REPLICAS {
        c.invalid(
            &format!("{P}.replicas"),
            format!("{replicas} is too many; use 1 or 3 to {MAX_REPLICAS} (3 or 5 is usual)"),
        );
    }
    let settings = match &js.settings {
        Some(s) => {
            if sets_store_dir(s) {
                c.invalid(
                    &format!("{P}.settings"),
                    "must not set store_dir: the store is fixed at /data/jetstream/store, on the bus volume",
                );
            }
            s.clone()
        }
        None => options
            .jetstream_defaults
            .settings
            .clone()
            .unwrap_or_else(|| crate::stream_config::DEFAULT_SETTINGS.to_owned()),
    };
    let stream_config = match crate::stream_config::merged(
        options.jetstream_defaults.stream_config.as_deref(),
        js.stream_config.as_deref(),
    ) {
        Ok(merged) => {
            for p in crate::stream_config::check(&merged.map) {
                let path = format!("{P}.streamConfig");
                let message = if merged.set_by_base(&p.key) {
                    format!(
                        "{}: {} (from the jetstreamDefaults.streamConfig option)",
                        p.key, p.message
                    )
                } else {
                    format!("{}: {}", p.key, p.message)
                };
                if p.warning {
                    c.warn(&path, message);
                } else {
                    c.invalid(&path, message);
                }
            }
            if let Some(r) = merged
                .map
                .get("replicas")
                .and_then(serde_json::Value::as_i64)
                && r > i64::from(replicas)
            {
                c.warn(
                    &format!("{P}.streamConfig"),
                    format!(
                        "the stream asks for {r} replicas but the bus has {replicas}; clients cannot create the stream until streamConfig sets replicas: {replicas} or less"
                    ),
                );
            }
            merged.yaml
        }
        // A default stream config that does not read is reported once, as an option error.
        Err(crate::stream_config::MergeError::Base) => String::new(),
        Err(crate::stream_config::MergeError::User(m)) => {
            c.invalid(&format!("{P}.streamConfig"), m);
            String::new()
        }
    };
    let persistence = c.persistence(&format!("{P}.persistence"), &js.persistence, "20Gi");
    for (field, t) in [
        ("containerTemplate", &js.container_template),
        ("reloaderContainerTemplate", &js.reloader_container_template),
        ("metricsContainerTemplate", &js.metrics_container_template),
    ] {
        c.container_template(&format!("{P}.{field}"), t);
    }
    let pod = c.pod(P, pod_fields!(js), options.security_profile);
    let images = &options.images;
    let pick = |direct: &Option<String>, from_table: Option<&String>| {
        direct
            .clone()
            .or_else(|| from_table.cloned())
            .unwrap_or_default()
    };
    let max_payload = c.size(&format!("{P}.maxPayload"), &js.max_payload, "1MB");
    Some(JetStreamPlan {
        replicas,
        persistence,
        container_template: js.container_template.clone(),
        reloader_container_template: js.reloader_container_template.clone(),
        metrics_container_template: js.metrics_container_template.clone(),
        pod,
        image: pick(&images.nats, entry.map(|e| &e.nats_image)),
        reloader_image: pick(
            &images.config_reloader,
            entry.map(|e| &e.config_reloader_image),
        ),
        metrics_image: options.metrics.then(|| {
            pick(
                &images.jetstream_metrics_exporter,
                entry.map(|e| &e.metrics_exporter_image),
            )
        }),
        start_command: entry.map(|e| e.start_command.clone()).unwrap_or_default(),
        start_args: js.start_args.clone(),
        settings,
        max_payload,
        stream_config,
        version,
        certificate_window: window?,
    })
}

/// True when a `settings` text sets `store_dir` (any spelling NATS accepts: bare or quoted key,
/// `:`, `=` or a space before the value).
pub(super) fn sets_store_dir(settings: &str) -> bool {
    settings.lines().any(|line| {
        let l = line.trim_start();
        let l = l.strip_prefix(['"', '\'']).unwrap_or(l);
        l.strip_prefix("store_dir").is_some_and(|rest| {
            let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
            rest.starts_with([':', '=', ' ', '\t'])
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_dir_is_found_in_every_spelling() {
        for s in [
            "store_dir: /x",
            "  store_dir = /x",
            "\"store_dir\": \"/x\"",
            "max_file_store: 1G\nstore_dir /x",
        ] {
            assert!(sets_store_dir(s), "{s}");
        }
        for s in [
            "max_file_store: 1G",
            "# store_dir is fixed",
            "store_directory: 1",
        ] {
            assert!(!sets_store_dir(s), "{s}");
        }
    }
}
