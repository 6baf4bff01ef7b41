//! The names of a bus's Secrets (upstream's, or the ones the bus's annotations give; every mode
//! uses them, so Secrets made once with `only` fit a later reference render), and where the
//! external-secrets mode reads their values from.
//!
//! The per-bus override is an annotation on the `EventBus` rather than a render option keyed by
//! bus name: it travels with the bus it describes (a renamed or copied bus keeps it, a deleted
//! one takes it along), reads the same in every front end (a kustomize generator sees only its
//! own bus, an Argo CD parameter has no natural per-bus form), and the Argo Events controller
//! ignores annotations, so the same file still applies as is.

use crate::error::{Cause, Error, ErrorKind};
use crate::names::{JetStreamNames, StanNames};
use crate::options::RenderOptions;
use crate::plan::{Plan, PlanKind};

/// Annotation on an `EventBus` naming the Secret that holds its server side (`auth`, and for
/// JetStream the encryption key and TLS files) instead of upstream's name.
pub const SERVER_SECRET_ANNOTATION: &str = "eventbus-gen/server-secret";
/// Annotation on an `EventBus` naming the Secret that holds its client credentials
/// (`client-auth`) instead of upstream's name.
pub const CLIENT_SECRET_ANNOTATION: &str = "eventbus-gen/client-secret";

/// The names of a native bus's two Secrets. Keys are upstream's and fixed: they hold fixed
/// formats (see the credentials documentation), so a Secret made for the bus has them anyway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRefs {
    /// The server Secret: `auth` (and for JetStream `encryption` and the TLS files).
    pub server: String,
    /// The client Secret: `client-auth` (unused by a NATS Streaming bus with `auth: none`).
    pub client: String,
}

/// Upstream's names of the Secrets of `plan`; `None` for an external bus.
pub(crate) fn upstream(plan: &Plan) -> Option<SecretRefs> {
    match &plan.kind {
        PlanKind::Stan(_) => {
            let n = StanNames::new(&plan.name);
            Some(SecretRefs {
                server: n.server_secret(),
                client: n.client_secret(),
            })
        }
        PlanKind::JetStream(_) => {
            let n = JetStreamNames::new(&plan.name);
            Some(SecretRefs {
                server: n.server_secret(),
                client: n.client_secret(),
            })
        }
        PlanKind::External(_) => None,
    }
}

/// The overriding annotations the bus carries, with their values.
pub(crate) fn overrides(plan: &Plan) -> Vec<(&'static str, &str)> {
    [SERVER_SECRET_ANNOTATION, CLIENT_SECRET_ANNOTATION]
        .into_iter()
        .filter_map(|k| plan.bus_annotations.get(k).map(|v| (k, v.as_str())))
        .collect()
}

/// The field path of annotation `key`.
fn path(key: &str) -> String {
    format!("metadata.annotations.{key}")
}

/// The Secrets of `plan` as referenced: upstream's names, or those of the annotations. Each
/// annotation value must be a Secret name (a DNS subdomain); the two must differ.
pub(crate) fn resolve(plan: &Plan) -> Result<Option<SecretRefs>, Error> {
    let Some(mut refs) = upstream(plan) else {
        return Ok(None);
    };
    for (key, value) in overrides(plan) {
        if !is_dns_subdomain(value) {
            return Err(Error::new(
                ErrorKind::Invalid,
                path(key),
                format!(
                    "{} is not a Secret name; use at most 253 lower-case letters, digits, '-' and \
                     '.', starting and ending with a letter or digit",
                    crate::error::quote(value)
                ),
            ));
        }
        match key {
            SERVER_SECRET_ANNOTATION => refs.server = value.to_owned(),
            _ => refs.client = value.to_owned(),
        }
    }
    if refs.server == refs.client {
        return Err(Error::new(
            ErrorKind::Invalid,
            path(CLIENT_SECRET_ANNOTATION),
            format!(
                "the server and the client Secret are both named {}; they hold different keys \
                 for different readers (the server pods and every EventSource and Sensor), so \
                 give them different names",
                refs.server
            ),
        ));
    }
    Ok(Some(refs))
}

/// Whether `s` is a Kubernetes object name of the DNS subdomain form.
fn is_dns_subdomain(s: &str) -> bool {
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !s.is_empty()
        && s.len() <= 253
        && s.bytes().all(|c| alnum(c) || c == b'-' || c == b'.')
        && s.bytes().next().is_some_and(alnum)
        && s.bytes().last().is_some_and(alnum)
}

/// The kinds of store an `ExternalSecret` can read from.
const STORE_KINDS: [&str; 2] = ["ClusterSecretStore", "SecretStore"];

/// An external-secrets store, from the `secretStore` option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    /// `ClusterSecretStore` or `SecretStore`.
    pub kind: String,
    /// The store's name.
    pub name: String,
}

/// The store of the `external-secrets` mode, read from `secretStore` (`KIND/NAME`).
pub(crate) fn store(options: &RenderOptions) -> Result<Store, Error> {
    let err = |what: String| {
        Error::new(ErrorKind::Invalid, "options.secretStore", what)
            .because(Cause::Option("secretStore".to_owned()))
    };
    let Some(text) = options.secret_store.as_deref().filter(|s| !s.is_empty()) else {
        return Err(err(
            "the external-secrets mode needs the store to read from, as KIND/NAME \
             (ClusterSecretStore/NAME or SecretStore/NAME)"
                .to_owned(),
        ));
    };
    let Some((kind, name)) = text.split_once('/') else {
        return Err(err(format!(
            "{} is not KIND/NAME; use ClusterSecretStore/NAME or SecretStore/NAME",
            crate::error::quote(text)
        )));
    };
    if !STORE_KINDS.contains(&kind) {
        return Err(err(format!(
            "the store kind {} is not one of ClusterSecretStore, SecretStore",
            crate::error::quote(kind)
        )));
    }
    if !is_dns_subdomain(name) {
        return Err(err(format!(
            "the store name {} is not a valid name (lower-case letters, digits, '-' and '.')",
            crate::error::quote(name)
        )));
    }
    Ok(Store {
        kind: kind.to_owned(),
        name: name.to_owned(),
    })
}

/// The remote key a bus's values are read from: `<prefix>/<namespace>/<bus>`, with `prefix`
/// from [`prefix`].
pub(crate) fn remote_key(prefix: &str, plan: &Plan) -> String {
    format!("{prefix}/{}/{}", plan.namespace, plan.name)
}

/// The checked `remoteKeyPrefix`, without leading or trailing `/`.
pub(crate) fn prefix(options: &RenderOptions) -> Result<String, Error> {
    let prefix = options.remote_key_prefix.trim_matches('/');
    let ok = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
    if prefix.is_empty() || !prefix.chars().all(ok) || prefix.len() > 200 {
        return Err(Error::new(
            ErrorKind::Invalid,
            "options.remoteKeyPrefix",
            format!(
                "{} is not a usable remote key prefix; use 1 to 200 letters, digits, '-', '_', \
                 '.' and '/'",
                crate::error::quote(&options.remote_key_prefix)
            ),
        )
        .because(Cause::Option("remoteKeyPrefix".to_owned())));
    }
    Ok(prefix.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_and_stores_are_checked() {
        for good in ["a", "eventbus-x-server", "a.b-c9"] {
            assert!(is_dns_subdomain(good), "{good}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a/b", &"a".repeat(254)] {
            assert!(!is_dns_subdomain(bad), "{bad}");
        }
        let with = |s: &str| RenderOptions::default().secret_store(s);
        assert_eq!(
            store(&with("ClusterSecretStore/vault")).unwrap(),
            Store {
                kind: "ClusterSecretStore".into(),
                name: "vault".into()
            }
        );
        for bad in ["vault", "Store/vault", "SecretStore/", "SecretStore/Vault"] {
            let e = store(&with(bad)).unwrap_err();
            assert_eq!(e.path(), "options.secretStore", "{bad}");
            assert_eq!(e.cause(), Some(&Cause::Option("secretStore".into())));
        }
        assert!(store(&RenderOptions::default()).is_err());
    }
}
