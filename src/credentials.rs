//! Credentials that GitOps can hold steady: kept from existing Secrets, derived from a seed, or
//! (only when asked) random.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use k8s_openapi::api::core::v1::Secret;
use rand::distr::{Alphanumeric, SampleString};
use sha2::Sha256;

use crate::error::{Cause, Credential, Error, ErrorKind, Warning};
use crate::options::{RenderOptions, Seed};
use crate::plan::Plan;

/// The token alphabet of the controller: `[a-zA-Z0-9]`.
const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Length of a NATS Streaming token, as the controller makes them.
pub const TOKEN_LEN: usize = 64;

/// A secret value. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// The secret text; use only to build Secret data.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// `length` characters of `[a-zA-Z0-9]` derived from the seed and a purpose string.
///
/// HMAC-SHA256 in counter mode; bytes at or above 248 are skipped so that every symbol is equally
/// likely. The same seed and purpose always give the same string.
pub fn derive(seed: &Seed, purpose: &str, length: usize) -> SecretString {
    let mut out = String::with_capacity(length);
    let mut counter: u32 = 0;
    while out.len() < length {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(seed.bytes()).expect("HMAC takes keys of any length");
        mac.update(b"eventbus-gen/v1\0");
        mac.update(purpose.as_bytes());
        mac.update(&counter.to_be_bytes());
        for b in mac.finalize().into_bytes() {
            if b < 248 && out.len() < length {
                out.push(ALPHABET[usize::from(b % 62)] as char);
            }
        }
        counter += 1;
    }
    SecretString(out)
}

/// 32 bytes derived from the seed, a purpose string and an attempt counter (the same HMAC-SHA256
/// block [`derive`] draws its characters from). Used for key material and serials.
pub(crate) fn derive_bytes(seed: &Seed, purpose: &str, counter: u32) -> [u8; 32] {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(seed.bytes()).expect("HMAC takes keys of any length");
    mac.update(b"eventbus-gen/v1\0");
    mac.update(purpose.as_bytes());
    mac.update(&counter.to_be_bytes());
    mac.finalize().into_bytes().into()
}

/// `length` random characters of `[a-zA-Z0-9]` from the operating system's CSPRNG.
pub fn random(length: usize) -> SecretString {
    SecretString(Alphanumeric.sample_string(&mut rand::rng(), length))
}

/// The bytes of `key` in a Secret, as the API server stores them: `stringData` is written over
/// `data`, so it wins when both hold the key.
pub(crate) fn secret_value<'a>(secret: &'a Secret, key: &str) -> Option<&'a [u8]> {
    if let Some(s) = secret.string_data.as_ref().and_then(|d| d.get(key)) {
        return Some(s.as_bytes());
    }
    secret
        .data
        .as_ref()
        .and_then(|d| d.get(key))
        .map(|v| v.0.as_slice())
}

/// Finds the Secret named `name` in `namespace`. A Secret without a namespace belongs to
/// `default_namespace` (the render's); only when there is none does it match any namespace.
pub(crate) fn find_secret<'a>(
    secrets: &[&'a Secret],
    default_namespace: Option<&str>,
    namespace: &str,
    name: &str,
) -> Option<&'a Secret> {
    secrets.iter().copied().find(|s| {
        s.metadata.name.as_deref() == Some(name)
            && s.metadata
                .namespace
                .as_deref()
                .filter(|ns| !ns.is_empty())
                .or(default_namespace)
                .is_none_or(|ns| ns == namespace)
    })
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
    let strategy = secret
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(STRATEGY_ANNOTATION));
    if strategy.is_some_and(|s| s != "token") {
        return Ok(None);
    }
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

/// Where new credentials come from when the input holds none to keep.
pub(crate) enum NewSource<'a> {
    /// Derived from the user's seed.
    Seed(&'a Seed),
    /// Drawn at random for this render (only when asked).
    Random,
}

/// The words that tell one bus kind's credentials apart in [`new_source`]'s error and warning.
pub(crate) struct Wording {
    /// What the bus needs.
    pub credential: Credential,
    /// The warning after the bus name when random credentials were drawn.
    pub drawn: &'static str,
}

/// Picks where new credentials come from: the seed, else (when random credentials are allowed)
/// random, with a warning; else an error at `path` whose cause names the bus's Secrets `server`
/// and `client`. Front ends add their own advice (which flag or field sets a seed).
pub(crate) fn new_source<'a>(
    plan: &Plan,
    options: &'a RenderOptions,
    path: &str,
    (server, client): (String, String),
    wording: &Wording,
    warnings: &mut Vec<Warning>,
) -> Result<NewSource<'a>, Error> {
    if let Some(seed) = &options.seed {
        return Ok(NewSource::Seed(seed));
    }
    if !options.random_tokens {
        return Err(Error::new(
            ErrorKind::Credentials,
            path,
            // In the library's own terms; each front end words this cause with its flags or
            // fields instead.
            format!(
                "{}: set a seed (RenderOptions::seed) to derive {}, add the bus's existing \
                 Secrets ({server} and {client}) to keep {}, or allow random tokens \
                 (RenderOptions::random_tokens; {} on every render)",
                wording.credential.needs(),
                wording.credential.derived(),
                wording.credential.kept(),
                wording.credential.changes(),
            ),
        )
        .because(Cause::NoCredentialSource {
            needs: wording.credential,
            secrets: vec![server, client],
        }));
    }
    warnings.push(Warning {
        path: path.to_owned(),
        message: format!("bus {}/{}: {}", plan.namespace, plan.name, wording.drawn),
        location: None,
        document: Some(plan.document),
    });
    Ok(NewSource::Random)
}

/// Wraps a credential string (crate-internal constructor).
pub(crate) fn secret_string(s: String) -> SecretString {
    SecretString(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_data_wins_over_data_as_in_the_api_server() {
        let s: Secret = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "s"},
            "data": {"k": "ZnJvbS1kYXRh", "only": "ZGF0YQ=="},
            "stringData": {"k": "from-string-data"}
        }))
        .unwrap();
        assert_eq!(secret_value(&s, "k"), Some(&b"from-string-data"[..]));
        assert_eq!(secret_value(&s, "only"), Some(&b"data"[..]));
        assert_eq!(secret_value(&s, "none"), None);
    }

    #[test]
    fn derived_tokens_are_stable_alphanumeric_and_seed_dependent() {
        let a = Seed::new("0123456789abcdef-one").unwrap();
        let b = Seed::new("0123456789abcdef-two").unwrap();
        let t1 = derive(&a, "stan-token\0ns\0default", TOKEN_LEN);
        let t2 = derive(&a, "stan-token\0ns\0default", TOKEN_LEN);
        let t3 = derive(&b, "stan-token\0ns\0default", TOKEN_LEN);
        let t4 = derive(&a, "stan-token\0ns\0other", TOKEN_LEN);
        assert_eq!(t1, t2);
        assert_ne!(t1, t3);
        assert_ne!(t1, t4);
        assert_eq!(t1.expose().len(), TOKEN_LEN);
        assert!(t1.expose().bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(format!("{t1:?}"), "<redacted>");
    }

    #[test]
    fn random_tokens_differ() {
        let (a, b) = (random(TOKEN_LEN), random(TOKEN_LEN));
        assert_ne!(a, b);
        assert!(a.expose().bytes().all(|c| c.is_ascii_alphanumeric()));
    }

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

    #[test]
    fn a_secret_without_namespace_belongs_to_the_default_namespace() {
        let secret = |ns: Option<&str>| {
            let mut s = Secret::default();
            s.metadata.name = Some("eventbus-default-server".to_owned());
            s.metadata.namespace = ns.map(str::to_owned);
            s
        };
        let (plain, other) = (secret(None), secret(Some("other")));
        let find = |default: Option<&str>, ns: &str| {
            find_secret(&[&other, &plain], default, ns, "eventbus-default-server")
                .map(|s| s.metadata.namespace.as_deref())
        };
        // No default namespace: the namespace-less Secret matches every bus (one namespace).
        assert_eq!(find(None, "ev"), Some(None));
        assert_eq!(find(None, "other"), Some(Some("other")));
        // A default namespace: it belongs there and nowhere else.
        assert_eq!(find(Some("ev"), "ev"), Some(None));
        assert_eq!(find(Some("ev"), "team-b"), None);
        assert_eq!(find(Some("ev"), "other"), Some(Some("other")));
        // Another name never matches.
        assert!(find_secret(&[&plain], None, "ev", "eventbus-x-server").is_none());
    }
}
