//! The token of a NATS Streaming bus with `auth: token`: kept from the bus's existing Secrets,
//! derived from the seed, or (only when asked) random.

use k8s_openapi::api::core::v1::Secret;
use rand::CryptoRng;

use super::{NewSource, SecretString, TOKEN_LEN, Wording, find_secret, secret_value};
use crate::error::{Credential, Error, ErrorKind, Warning};
use crate::options::RenderOptions;
use crate::plan::Plan;

/// Where errors and warnings about the token point.
const PATH: &str = "spec.nats.native.auth";

/// The bus token: kept from existing Secrets, derived from the seed, or random when allowed and
/// `rng` is given.
pub(super) fn token(
    plan: &Plan,
    r: &super::refs::SecretRefs,
    secrets: &[&Secret],
    options: &RenderOptions,
    rng: Option<&mut dyn CryptoRng>,
    warnings: &mut Vec<Warning>,
) -> Result<SecretString, Error> {
    let existing = |name: String, how| {
        let secret = find_secret(
            secrets,
            options.namespace.as_deref(),
            &plan.namespace,
            &name,
        );
        existing_token(secret, &name, how, PATH)
    };
    let from_server = existing(r.server.clone(), &SERVER_TOKEN)?;
    let from_client = existing(r.client.clone(), &CLIENT_TOKEN)?;
    let existing = match (from_client, from_server) {
        (Some(c), Some(s)) if c != s => {
            return Err(Error::new(
                ErrorKind::Credentials,
                PATH,
                format!(
                    "the existing Secrets {} and {} hold different tokens; keep the pair the cluster uses",
                    r.server.clone(),
                    r.client.clone()
                ),
            ));
        }
        (Some(t), _) | (None, Some(t)) => Some(t),
        (None, None) => None,
    };
    const NO_SOURCE: Wording = Wording {
        credential: Credential::Token,
        drawn: "a random token was drawn; every render changes it and restarts the clients",
    };
    let token = if let Some(t) = existing {
        t
    } else {
        let secrets = (r.server.clone(), r.client.clone());
        match super::new_source(plan, options, rng, PATH, secrets, &NO_SOURCE, warnings)? {
            NewSource::Seed(seed) => {
                let purpose = format!("stan-token\0{}\0{}", plan.namespace, plan.name);
                super::derive(seed, options.derivation, &purpose, TOKEN_LEN)
                    .expose()
                    .to_owned()
            }
            NewSource::Random(rng) => super::random(rng, TOKEN_LEN).expose().to_owned(),
        }
    };
    Ok(SecretString(token))
}

/// The token in a client Secret value (`token: "<TOKEN>"`, a YAML mapping).
pub(crate) fn token_from_client_auth(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?;
    let doc = crate::yaml::load_documents(text).ok()?.into_iter().next()?;
    let map = doc.value.as_object()?;
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("token"))
        .and_then(|(_, v)| v.as_str().map(str::to_owned))
}

/// The token in a server `auth.conf`: the whole text is one `authorization { token: "<TOKEN>" }`
/// block (whitespace and line breaks free, `:` or `=` as NATS allows); anything else is `None`.
pub(crate) fn token_from_server_auth(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?;
    let rest = text.trim().strip_prefix("authorization")?.trim_start();
    let rest = rest.strip_prefix([':', '=']).unwrap_or(rest).trim_start();
    let rest = rest.strip_prefix('{')?.trim_start();
    let rest = rest.strip_prefix("token")?.trim_start();
    let rest = rest.strip_prefix([':', '='])?.trim_start();
    let (token, rest) = rest.strip_prefix('"')?.split_once('"')?;
    let rest = rest.trim_start().strip_prefix('}')?;
    rest.trim().is_empty().then(|| token.to_owned())
}

/// A token kept from a Secret is fit for the NATS config: not empty, at most 4096 printable
/// ASCII characters, no quote or backslash.
fn usable_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 4096
        && token
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
}

/// How one of a NATS Streaming bus's Secrets holds the token.
pub(crate) struct TokenKey {
    /// The data key.
    pub key: &'static str,
    /// The value's expected form, for messages.
    pub form: &'static str,
    /// Reads the token out of the value.
    pub read: fn(&[u8]) -> Option<String>,
}

/// The server Secret's `auth`.
pub(crate) const SERVER_TOKEN: TokenKey = TokenKey {
    key: crate::names::SERVER_AUTH_KEY,
    form: "authorization { token: \"<token>\" }",
    read: token_from_server_auth,
};

/// The client Secret's `client-auth`.
pub(crate) const CLIENT_TOKEN: TokenKey = TokenKey {
    key: crate::names::CLIENT_AUTH_KEY,
    form: "token: \"<token>\"",
    read: token_from_client_auth,
};

/// The annotation on a NATS Streaming auth Secret naming the auth strategy it was made for.
pub(crate) const STRATEGY_ANNOTATION: &str = "strategy";

/// Whether a Secret may hold a NATS Streaming token: annotated `strategy: token` (the
/// controller's), or not annotated at all.
pub(crate) fn holds_token(secret: &Secret) -> bool {
    secret
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(STRATEGY_ANNOTATION))
        .is_none_or(|s| s == "token")
}

/// The token held by `secret`, the existing Secret `name` of a token-auth bus.
///
/// `Ok(None)` when the Secret is absent or is no token source: annotated with a strategy other
/// than `token` (the server Secret of a bus that had `auth: none` holds an empty `auth`). A
/// Secret meant for token auth (annotated `strategy: token`, or not annotated) whose key is
/// missing, or holds no usable token in the expected form, is an error at `path` that names the
/// Secret and the key; never the value.
pub(crate) fn existing_token(
    secret: Option<&Secret>,
    name: &str,
    how: &TokenKey,
    path: &str,
) -> Result<Option<String>, Error> {
    let Some(secret) = secret else {
        return Ok(None);
    };
    if !holds_token(secret) {
        return Ok(None);
    }
    let strategy = secret
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(STRATEGY_ANNOTATION));
    let TokenKey { key, form, read } = how;
    let meant = match strategy {
        Some(_) => "is annotated strategy: token,",
        None => "has no strategy annotation, so it is read as a token Secret,",
    };
    let fail = |what: String| {
        Err(Error::new(
            ErrorKind::Credentials,
            path,
            format!(
                "the existing Secret {name} {meant} but {what}; give the Secret as the cluster \
                 holds it, or leave it out of the input"
            ),
        ))
    };
    let Some(value) = secret_value(secret, key) else {
        return fail(format!("has no key {key} (expected {form})"));
    };
    match read(value) {
        Some(token) if usable_token(&token) => Ok(Some(token)),
        Some(_) => fail(format!(
            "the token in its key {key} is empty or holds characters that cannot go into the \
             NATS config (quotes, backslashes, spaces, control characters)"
        )),
        None => fail(format!(
            "its key {key} holds no token in the expected form {form}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tokens_in_upstream_formats() {
        assert_eq!(
            token_from_client_auth(b"token: \"abc123\"").as_deref(),
            Some("abc123")
        );
        assert_eq!(
            token_from_server_auth(b"authorization {\n  token: \"abc123\"\n}").as_deref(),
            Some("abc123")
        );
        assert_eq!(
            token_from_server_auth(b"  authorization: {token = \"abc123\"}\n").as_deref(),
            Some("abc123")
        );
        assert_eq!(token_from_server_auth(b""), None);
        for broken in [
            "authorization { token: X garbage",
            "authorization { token: \"abc123\"",
            "authorization { token: \"abc123\" } trailing",
            "authorization { user: a, token: \"abc123\" }",
            "token: \"abc123\"",
        ] {
            assert_eq!(token_from_server_auth(broken.as_bytes()), None, "{broken}");
        }
        assert_eq!(token_from_client_auth(b"tokn: \"abc\""), None);
        assert_eq!(token_from_client_auth(b"token: [abc"), None);
        assert!(usable_token("abc"));
        assert!(!usable_token("a\"b") && !usable_token("") && !usable_token("a b"));
    }

    fn secret(strategy: Option<&str>, key: &str, value: &str) -> Secret {
        let mut s = Secret::default();
        s.metadata.name = Some("eventbus-default-server".to_owned());
        s.metadata.annotations = strategy.map(|v| {
            std::collections::BTreeMap::from([(STRATEGY_ANNOTATION.to_owned(), v.to_owned())])
        });
        s.string_data = Some(std::collections::BTreeMap::from([(
            key.to_owned(),
            value.to_owned(),
        )]));
        s
    }

    #[test]
    fn existing_tokens_come_from_token_secrets_only() {
        let read =
            |s: &Secret| existing_token(Some(s), "eventbus-default-server", &SERVER_TOKEN, "p");
        let good = "authorization {\n  token: \"SecretValue1\"\n}";
        for strategy in [Some("token"), None] {
            assert_eq!(
                read(&secret(strategy, "auth", good)).unwrap().as_deref(),
                Some("SecretValue1")
            );
        }
        // A bus switching from none to token: the empty server Secret is no token source.
        assert_eq!(read(&secret(Some("none"), "auth", "")).unwrap(), None);
        assert_eq!(
            existing_token(None, "eventbus-default-server", &SERVER_TOKEN, "p").unwrap(),
            None
        );
        // Meant for token auth but broken: an error naming the Secret, the key and the form.
        for (strategy, key, value, says) in [
            (
                Some("token"),
                "auth",
                "authorization { token: SecretValue2 garbage",
                "expected form",
            ),
            (None, "auth", "", "expected form"),
            (Some("token"), "other", good, "has no key auth"),
            (
                None,
                "auth",
                "authorization { token: \"Secret Value3\" }",
                "cannot go into",
            ),
        ] {
            let e = read(&secret(strategy, key, value)).unwrap_err();
            assert_eq!((e.kind(), e.path()), (ErrorKind::Credentials, "p"));
            let m = e.message();
            assert!(
                m.contains("Secret eventbus-default-server") && m.contains(says),
                "{m}"
            );
            assert!(m.contains("authorization { token: \"<token>\" }") || says == "cannot go into");
            assert!(
                !m.contains("SecretValue") && !m.contains("Secret Value"),
                "{m}"
            );
        }
    }
}
