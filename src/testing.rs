//! Helpers the unit tests of several modules share: a JetStream bus and its render.

use crate::options::{RenderOptions, Seed};
use crate::render::{Object, Rendered};

/// The seed of the unit tests.
pub(crate) const SEED: &str = "0123456789abcdef-unit-tests";

/// Options with the unit tests' seed.
pub(crate) fn options() -> RenderOptions {
    RenderOptions::default().seed(Seed::new(SEED).unwrap())
}

/// A JetStream bus `default` in `argo-events` whose `spec.jetstream` is `spec` (indented).
pub(crate) fn jetstream_bus(spec: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\n  namespace: argo-events\n  labels: {{team: a}}\nspec:\n  jetstream:\n{spec}"
    )
}

/// [`jetstream_bus`] rendered; panics with the errors.
pub(crate) fn render_jetstream(spec: &str, options: &RenderOptions) -> Rendered {
    crate::render_str(&jetstream_bus(spec), options).unwrap_or_else(|e| panic!("{e}"))
}

/// The text of `key` in the rendered Secret `name`.
pub(crate) fn secret_text(r: &Rendered, name: &str, key: &str) -> String {
    let found = r
        .objects()
        .find(|o| o.kind() == "Secret" && o.name() == name);
    match found {
        Some(Object::Secret(s)) => {
            String::from_utf8(s.data.as_ref().unwrap()[key].0.clone()).unwrap()
        }
        _ => panic!("no Secret {name}"),
    }
}
