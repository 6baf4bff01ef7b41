//! The NATS config templates under `templates/`, each compiled once per process, when first used.

use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::error::{Error, ErrorKind};

/// `stan.conf` of a NATS Streaming bus.
pub const STAN_CONF: &str = "stan.conf.j2";
/// `auth.conf` of a NATS Streaming bus with token auth (server Secret).
pub const STAN_SERVER_AUTH: &str = "stan-server-auth.conf.j2";
/// `client-auth` of a NATS Streaming bus with token auth (client Secret).
pub const STAN_CLIENT_AUTH: &str = "stan-client-auth.yaml.j2";

/// `nats-js.conf` of a JetStream bus (cluster and single-node forms).
pub const JETSTREAM_CONF: &str = "nats-js.conf.j2";
/// `auth.conf` of a JetStream bus: accounts, users and client TLS (server Secret).
pub const JETSTREAM_SERVER_AUTH: &str = "js-server-auth.conf.j2";
/// `client-auth` of a JetStream bus: user name and password (client Secret).
pub const JETSTREAM_CLIENT_AUTH: &str = "js-client-auth.yaml.j2";

const SOURCES: &[(&str, &str)] = &[
    (STAN_CONF, include_str!("../templates/stan.conf.j2")),
    (
        STAN_SERVER_AUTH,
        include_str!("../templates/stan-server-auth.conf.j2"),
    ),
    (
        STAN_CLIENT_AUTH,
        include_str!("../templates/stan-client-auth.yaml.j2"),
    ),
    (JETSTREAM_CONF, include_str!("../templates/nats-js.conf.j2")),
    (
        JETSTREAM_SERVER_AUTH,
        include_str!("../templates/js-server-auth.conf.j2"),
    ),
    (
        JETSTREAM_CLIENT_AUTH,
        include_str!("../templates/js-client-auth.yaml.j2"),
    ),
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // A misspelt variable is an error, never an empty string; nothing is HTML- or
        // JSON-escaped; the final newline of each file is dropped, as upstream has none.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_syntax(
            SyntaxConfig::builder()
                .keep_trailing_newline(false)
                .build()
                .expect("the default delimiters are valid"),
        );
        // Each template is compiled when first used, not all at start: a render of NATS
        // Streaming buses never needs the JetStream ones (4% of a one-bus run's instructions).
        // `every_template_compiles` keeps them all checked.
        env.set_loader(|name| {
            Ok(SOURCES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, source)| *source))
        });
        env
    })
}

/// Renders template `name` with `context`.
pub(crate) fn render<S: Serialize>(name: &str, context: &S) -> Result<String, Error> {
    let template = environment()
        .get_template(name)
        .map_err(|e| Error::new(ErrorKind::Template, "", format!("{name}: {e}")))?;
    template
        .render(minijinja::value::Serde(context))
        .map_err(|e| Error::new(ErrorKind::Template, "", format!("{name}: {}", e.kind())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for (name, _) in SOURCES {
            assert!(environment().get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn undefined_variables_fail() {
        #[derive(Serialize)]
        struct Empty {}
        let e = render(STAN_CLIENT_AUTH, &Empty {}).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Template);
    }
}
