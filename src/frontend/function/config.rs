//! The functionConfig: render options from a `ConfigMap`, an `EventBusRenderOptions` or a
//! generator's options annotation, all through the one options mapping.

use serde_json::{Map, Value};

use crate::frontend::options::{self, OptionError, Origin, Raw, Reader};
use crate::krm::{self, ResultItem};
use crate::options::RenderOptions;

/// `apiVersion` of the typed functionConfig.
pub const CONFIG_API_VERSION: &str = "fn.eventbus-gen.dev/v1alpha1";
/// `kind` of the typed functionConfig; its `spec` holds the render options.
pub const CONFIG_KIND: &str = "EventBusRenderOptions";
/// Annotation on a generator's `EventBus` holding render options as a YAML mapping.
pub const OPTIONS_ANNOTATION: &str = "eventbus-gen/options";

/// Where the render options came from; option paths in results (`options.namespace`) are
/// mapped to the field of the functionConfig that set them.
pub(super) struct ConfigSource<'a> {
    config: Option<&'a Value>,
    prefix: &'static str,
}

impl ConfigSource<'_> {
    /// `r` pointed at the functionConfig field that holds the option `option_path`.
    pub(super) fn result(&self, r: ResultItem, option_path: &str) -> ResultItem {
        let Some(config) = self.config else {
            return r.at_field(option_path);
        };
        let field = match self.prefix {
            "" => String::new(),
            p if option_path.is_empty() => p.trim_end_matches('.').to_owned(),
            p => format!("{p}{option_path}"),
        };
        r.for_item(config).at_field(field)
    }
}

/// Reads the render options from the functionConfig `fc` (a generator's `EventBus` when
/// `generator`).
pub(super) fn read(
    fc: Option<&Value>,
    generator: bool,
) -> Result<(RenderOptions, ConfigSource<'_>), Vec<ResultItem>> {
    let Some(config) = fc else {
        let source = ConfigSource {
            config: None,
            prefix: "",
        };
        return Ok((RenderOptions::default(), source));
    };
    let fail = |e: OptionError| {
        vec![
            ResultItem::error(e.message)
                .for_item(config)
                .at_field(e.field),
        ]
    };
    let mut reader = Reader::<RenderOptions>::new();
    if generator {
        let source = ConfigSource {
            config: Some(config),
            prefix: "",
        };
        if let Some(text) = krm::annotation(config, OPTIONS_ANNOTATION) {
            let field = format!("metadata.annotations.{OPTIONS_ANNOTATION}");
            let (value, _) = options::load(text, &field).map_err(|mut e| {
                e.field.clone_from(&field);
                e.message = format!("not a YAML mapping of render options: {}", e.message);
                fail(e)
            })?;
            reader
                .merge(value, Origin::mapping(&field, &field))
                .map_err(fail)?;
        }
        return Ok((reader.finish().map_err(fail)?, source));
    }
    let api = config.get("apiVersion").and_then(Value::as_str);
    let kind = config.get("kind").and_then(Value::as_str);
    match (api, kind) {
        (Some("v1"), Some("ConfigMap")) => {
            let data = match config.get("data") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(m)) => m.clone(),
                Some(_) => {
                    return Err(vec![
                        ResultItem::error("must be a mapping of strings")
                            .for_item(config)
                            .at_field("data"),
                    ]);
                }
            };
            // `kpt fn eval --exec eventbus-gen -- KEY=VALUE` arrives as this data, so every
            // key of the one options mapping is accepted here, dotted keys included.
            for (key, value) in data {
                let field = format!("data.{key}");
                let text = match value {
                    Value::String(s) => s,
                    Value::Bool(_) | Value::Number(_) => value.to_string(),
                    _ => {
                        return Err(vec![
                            ResultItem::error("must be a string")
                                .for_item(config)
                                .at_field(field),
                        ]);
                    }
                };
                reader
                    .set(&key, Raw::Text(text), Origin::named(&field))
                    .map_err(fail)?;
            }
            let source = ConfigSource {
                config: Some(config),
                prefix: "data.",
            };
            Ok((reader.finish().map_err(fail)?, source))
        }
        (Some(CONFIG_API_VERSION), Some(CONFIG_KIND)) => {
            let spec = config.get("spec").cloned().unwrap_or(Value::Null);
            reader
                .merge(spec, Origin::mapping(CONFIG_KIND, "spec"))
                .map_err(fail)?;
            let source = ConfigSource {
                config: Some(config),
                prefix: "spec.",
            };
            Ok((reader.finish().map_err(fail)?, source))
        }
        _ => {
            let found = match (config, api, kind) {
                (Value::Object(_), Some(api), Some(kind)) => {
                    format!("{}/{}", crate::error::cut(api), crate::error::cut(kind))
                }
                (Value::Object(_), _, _) => "without apiVersion and kind".to_owned(),
                (Value::Array(_), _, _) => "that is a list".to_owned(),
                _ => "that is not a mapping".to_owned(),
            };
            Err(vec![
                ResultItem::error(format!(
                    "unsupported functionConfig {found}; use a ConfigMap (v1) with the options in \
                     data, an {CONFIG_KIND} ({CONFIG_API_VERSION}) with the options in spec, or, \
                     as a kustomize generator, the EventBus itself"
                ))
                .for_item(config),
            ])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::options::{expected, samples};
    use serde_json::json;

    fn options_of(config: &Value, generator: bool) -> Result<RenderOptions, Vec<ResultItem>> {
        read(Some(config), generator).map(|(o, _)| o)
    }

    /// Every option of the schema is reachable through each form of the functionConfig.
    #[test]
    fn every_option_is_reachable_from_each_config_form() {
        for (key, text, value) in samples() {
            let want = expected(&key, &value);
            let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "fn"}, "data": {key.clone(): text}});
            assert_eq!(
                options_of(&config_map, false).unwrap(),
                want,
                "ConfigMap {key}"
            );

            let mut spec = json!({});
            let pointer = key.split('.').collect::<Vec<_>>();
            let mut node = &mut spec;
            for (i, part) in pointer.iter().enumerate() {
                let leaf = if i + 1 == pointer.len() {
                    value.clone()
                } else {
                    json!({})
                };
                node = node.as_object_mut().unwrap().entry(*part).or_insert(leaf);
            }
            let typed = json!({"apiVersion": CONFIG_API_VERSION, "kind": CONFIG_KIND,
                "metadata": {"name": "fn"}, "spec": spec.clone()});
            assert_eq!(
                options_of(&typed, false).unwrap(),
                want,
                "{CONFIG_KIND} {key}"
            );

            let annotation = serde_json::to_string(&spec).unwrap();
            let bus = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
                "metadata": {"name": "b", "annotations": {OPTIONS_ANNOTATION: annotation}}});
            assert_eq!(options_of(&bus, true).unwrap(), want, "annotation {key}");
        }
    }

    #[test]
    fn errors_point_at_the_config_field() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fn"},
            "data": {"metrics": "maybe"}});
        let e = options_of(&cm, false).unwrap_err();
        assert_eq!(e[0].field.as_ref().unwrap().path, "data.metrics");
        let typed = json!({"apiVersion": CONFIG_API_VERSION, "kind": CONFIG_KIND,
            "metadata": {"name": "fn"}, "spec": {"images": {"natz": "x"}}});
        let e = options_of(&typed, false).unwrap_err();
        assert_eq!(e[0].field.as_ref().unwrap().path, "spec.images.natz");
        assert!(e[0].message.contains("natz"), "{}", e[0].message);
    }
}
