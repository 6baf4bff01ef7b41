//! The Secrets of a JetStream bus: passwords, the encryption key and TLS material, kept from the
//! bus's existing Secrets when both are in the input, else derived from the seed, else (only
//! when asked) derived from a throwaway seed drawn from the caller's random source. See `certs`
//! for the certificate choices.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use rand::CryptoRng;
use serde::Serialize;

use super::{JetStreamSecrets, NewSource, SecretRefs, Wording, find_secret};
use crate::certs::{self, Issued, Role, Window};
use crate::error::{Credential, Error, ErrorKind, Warning};
use crate::names::{self, JetStreamNames};
use crate::options::{CertificateValidity, Derivation, RenderOptions, Seed};
use crate::plan::{JetStreamPlan, Plan};
use crate::templates;

/// Lengths of the generated credentials, as upstream draws them.
const USER_LEN: usize = 8;
const PASSWORD_LEN: usize = 16;
const SYSTEM_PASSWORD_LEN: usize = 24;
const ENCRYPTION_KEY_LEN: usize = 12;

type Data = BTreeMap<String, ByteString>;

/// Where errors and warnings about the credentials point.
const PATH: &str = "spec.jetstream";

/// Where a bus's Secrets' data comes from: kept from existing Secrets, or to be derived from a
/// seed (the user's, or a throwaway random one when allowed and `rng` is given).
pub(super) enum Source {
    /// Kept byte for byte.
    Kept(JetStreamSecrets),
    /// To be derived by [`derive`]: the costly part of a render, left to the caller so that it
    /// can derive many buses at once.
    Derive(Seed),
}

/// Where the Secrets' data of the bus comes from (see [`Source`]).
pub(super) fn secrets(
    plan: &Plan,
    r: &super::refs::SecretRefs,
    secrets: &[&Secret],
    options: &RenderOptions,
    rng: Option<&mut dyn CryptoRng>,
    warnings: &mut Vec<Warning>,
) -> Result<Source, Error> {
    let server = find_secret(
        secrets,
        options.namespace.as_deref(),
        &plan.namespace,
        &r.server,
    );
    let client = find_secret(
        secrets,
        options.namespace.as_deref(),
        &plan.namespace,
        &r.client,
    );
    match (server, client) {
        (Some(s), Some(c)) => {
            // The kept certificates keep their own window; a window set in the options would
            // otherwise be dropped without a word. (A seed is not reported: it is the standing
            // configuration of a pipeline, and nothing of the output depends on it here.)
            if options.certificate_validity != CertificateValidity::default() {
                warnings.push(Warning {
                    path: PATH.to_owned(),
                    message: format!(
                        "bus {}/{}: its existing Secrets {} and {} are kept with their \
                         certificates, whose validity wins; the certificateValidity option is \
                         not applied to them",
                        plan.namespace,
                        plan.name,
                        r.server.clone(),
                        r.client.clone()
                    ),
                    location: None,
                    document: Some(plan.document),
                });
            }
            return kept(r, s, c).map(Source::Kept);
        }
        (Some(_), None) | (None, Some(_)) => {
            let (have, missing) = if server.is_some() {
                (r.server.clone(), r.client.clone())
            } else {
                (r.client.clone(), r.server.clone())
            };
            return Err(Error::new(
                ErrorKind::Credentials,
                PATH,
                format!(
                    "the input holds the Secret {have} but not {missing}; give both to keep the bus's credentials, or neither to make new ones"
                ),
            ));
        }
        (None, None) => {}
    }
    const NO_SOURCE: Wording = Wording {
        credential: Credential::JetStream,
        drawn: "random credentials and TLS keys were drawn; every render changes them and restarts the bus and its clients",
    };
    let secrets = (r.server.clone(), r.client.clone());
    let seed = match super::new_source(plan, options, rng, PATH, secrets, &NO_SOURCE, warnings)? {
        NewSource::Seed(seed) => seed.clone(),
        // A throwaway seed: everything is derived alike.
        NewSource::Random(rng) => Seed::new(super::random(rng, 43).expose())
            .expect("43 random characters make a valid seed"),
    };
    Ok(Source::Derive(seed))
}

/// Everything of the bus derived from `seed`. With `split`, the cluster chain is derived on a
/// second thread while this one derives the server chain: the two are independent, and each
/// is about half of the work (four P-256 multiplications).
pub(super) fn derive(
    plan: &Plan,
    js: &JetStreamPlan,
    seed: &Seed,
    version: Derivation,
    split: bool,
) -> Result<JetStreamSecrets, Error> {
    let n = &JetStreamNames::new(&plan.name);
    derived(plan, n, seed, version, js.certificate_window, split)
}

/// Both Secrets as found in the input, data kept byte for byte.
fn kept(r: &SecretRefs, server: &Secret, client: &Secret) -> Result<JetStreamSecrets, Error> {
    // As the API server stores a Secret: `stringData` is written over `data`.
    let data = |s: &Secret| -> Data {
        let mut d: Data = s.data.clone().unwrap_or_default();
        d.extend(
            s.string_data
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), ByteString(v.clone().into_bytes()))),
        );
        d
    };
    let (server_data, client_data) = (data(server), data(client));
    // What is wrong with the pair, by Secret and key; values are never named.
    let (mut missing, mut empty) = (Vec::new(), Vec::new());
    let mut check = |secret: String, data: &Data, key: &str| match data.get(key) {
        None => missing.push(format!("{secret}/{key}")),
        Some(v) if v.0.is_empty() => empty.push(format!("{secret}/{key}")),
        Some(_) => {}
    };
    for key in names::JETSTREAM_SERVER_FILES
        .iter()
        .map(|(k, _)| *k)
        .chain([names::JETSTREAM_ENCRYPTION_KEY])
    {
        check(r.server.clone(), &server_data, key);
    }
    check(r.client.clone(), &client_data, names::CLIENT_AUTH_KEY);
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("lack {}", missing.join(", ")));
    }
    if !empty.is_empty() {
        problems.push(format!("hold an empty {}", empty.join(", ")));
    }
    if client_data
        .get(names::CLIENT_AUTH_KEY)
        .is_some_and(|v| !v.0.is_empty() && !client_auth_ok(&v.0))
    {
        problems.push(format!(
            "hold no user and password in {}/{} (expected the lines username: <user> and \
             password: <password>)",
            r.client.clone(),
            names::CLIENT_AUTH_KEY
        ));
    }
    if problems.is_empty() {
        problems.extend(disagreements(r, &server_data, &client_data));
    }
    if !problems.is_empty() {
        return Err(Error::new(
            ErrorKind::Credentials,
            PATH,
            format!(
                "the existing Secrets {}; give complete Secrets as the cluster holds them, or neither to make new ones",
                problems.join("; ")
            ),
        ));
    }
    Ok(JetStreamSecrets {
        server: server_data,
        client: client_data,
    })
}

/// Where complete Secrets do not hold together, by Secret and key (never a value): the client's
/// user and password must be among the server's, each certificate must parse, and each private
/// key must be its certificate's.
fn disagreements(r: &SecretRefs, server: &Data, client: &Data) -> Vec<String> {
    let mut problems = Vec::new();
    let bytes = |data: &Data, key: &str| data.get(key).map(|v| v.0.clone()).unwrap_or_default();
    let server_auth = String::from_utf8_lossy(&bytes(server, names::SERVER_AUTH_KEY)).into_owned();
    if let Some((user, password)) = client_login(&bytes(client, names::CLIENT_AUTH_KEY))
        && !(holds_word(&server_auth, &user) && holds_word(&server_auth, &password))
    {
        problems.push(format!(
            "disagree: the user and password of {}/{} are not among the users of {}/{}, so \
             clients could not log in",
            r.client.clone(),
            names::CLIENT_AUTH_KEY,
            r.server.clone(),
            names::SERVER_AUTH_KEY
        ));
    }
    for (key, cert) in [
        (Some("private-key"), "cert"),
        (None, "ca-cert"),
        (Some("cluster-private-key"), "cluster-cert"),
        (None, "cluster-ca-cert"),
    ] {
        let key_pem = key.map(|k| bytes(server, k));
        let secret = r.server.clone();
        match certs::check_pair(key_pem.as_deref(), &bytes(server, cert)) {
            Ok(()) => {}
            Err(certs::PemProblem::Certificate) => {
                problems.push(format!("hold no PEM certificate in {secret}/{cert}"))
            }
            Err(certs::PemProblem::Key) => problems.push(format!(
                "hold no PEM P-256 private key in {secret}/{}",
                key.unwrap_or_default()
            )),
            Err(certs::PemProblem::Mismatch) => problems.push(format!(
                "disagree: {secret}/{} is not the key of the certificate in {secret}/{cert}",
                key.unwrap_or_default()
            )),
        }
    }
    problems
}

/// The user and password of a client's `client-auth`, as the Argo Events clients read it: a
/// YAML mapping with a `username` and a `password`, each a plain value.
fn client_login(value: &[u8]) -> Option<(String, String)> {
    let doc = crate::yaml::load_documents(std::str::from_utf8(value).ok()?)
        .ok()?
        .into_iter()
        .next()?;
    let text = |k: &str| match doc.value.get(k)? {
        serde_json::Value::String(s) => Some(s.clone()),
        v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)) => Some(v.to_string()),
        _ => None,
    };
    Some((text("username")?, text("password")?))
}

/// Whether `word` appears in `text` on its own (not as part of a longer token).
fn holds_word(text: &str, word: &str) -> bool {
    !word.is_empty()
        && text.match_indices(word).any(|(i, _)| {
            let token = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
            let before = text[..i].chars().next_back().is_none_or(|c| !token(c));
            let after = text[i + word.len()..]
                .chars()
                .next()
                .is_none_or(|c| !token(c));
            before && after
        })
}

/// Whether a client Secret's `client-auth` holds a login the clients can read.
pub(crate) fn client_auth_ok(value: &[u8]) -> bool {
    client_login(value).is_some()
}

#[derive(Serialize)]
struct ServerAuth<'a> {
    user: &'a str,
    password: &'a str,
    system_password: &'a str,
}

#[derive(Serialize)]
struct ClientAuth<'a> {
    user: &'a str,
    password: &'a str,
}

/// Everything derived from `seed` (the user's, or a throwaway random one).
fn derived(
    plan: &Plan,
    n: &JetStreamNames,
    seed: &Seed,
    version: Derivation,
    window: Window,
    split: bool,
) -> Result<JetStreamSecrets, Error> {
    let purpose = |what: &str| format!("jetstream-{what}\0{}\0{}", plan.namespace, plan.name);
    let text = |what: &str, len| super::derive(seed, version, &purpose(what), len);
    let key = |what: &str| {
        let p = purpose(what);
        certs::signing_key(|attempt| super::derive_bytes(seed, version, &p, attempt))
    };
    let serial = |what: &str| {
        let b = super::derive_bytes(seed, version, &purpose(what), 0);
        let mut s = [0u8; 16];
        s.copy_from_slice(&b[..16]);
        s
    };
    let user = text("user", USER_LEN);
    let password = text("password", PASSWORD_LEN);
    let system_password = text("system-password", SYSTEM_PASSWORD_LEN);
    let encryption = text("encryption", ENCRYPTION_KEY_LEN);

    let pair = |what: &str, role: Role, dns: Vec<String>| -> Result<(Issued, Issued), Error> {
        let ca = certs::issue(
            Role::Ca,
            key(&format!("{what}-ca-key")),
            None,
            &dns,
            serial(&format!("{what}-ca-serial")),
            window,
        )?;
        let leaf = certs::issue(
            role,
            key(&format!("{what}-key")),
            Some(&ca),
            &dns,
            serial(&format!("{what}-serial")),
            window,
        )?;
        Ok((ca, leaf))
    };
    let server_pair = || pair("server", Role::Server, n.server_dns_names(&plan.namespace));
    let cluster_pair = || {
        pair(
            "cluster",
            Role::Cluster,
            n.cluster_dns_names(&plan.namespace),
        )
    };
    let (server_pair, cluster_pair) = if split {
        std::thread::scope(|s| {
            let cluster = super::in_thread(s, cluster_pair);
            let server = server_pair();
            (server, cluster.result())
        })
    } else {
        (server_pair(), cluster_pair())
    };
    let ((ca, server), (cluster_ca, cluster)) = (server_pair?, cluster_pair?);

    let auth = templates::render(
        templates::JETSTREAM_SERVER_AUTH,
        &ServerAuth {
            user: user.expose(),
            password: password.expose(),
            system_password: system_password.expose(),
        },
    )?;
    let client_auth = templates::render(
        templates::JETSTREAM_CLIENT_AUTH,
        &ClientAuth {
            user: user.expose(),
            password: password.expose(),
        },
    )?;
    let bytes = |s: &str| ByteString(s.as_bytes().to_vec());
    let server_data = Data::from([
        (names::SERVER_AUTH_KEY.to_owned(), bytes(&auth)),
        (
            names::JETSTREAM_ENCRYPTION_KEY.to_owned(),
            bytes(encryption.expose()),
        ),
        ("private-key".to_owned(), bytes(&server.key_pem)),
        ("cert".to_owned(), bytes(&server.cert_pem)),
        ("ca-cert".to_owned(), bytes(&ca.cert_pem)),
        ("cluster-private-key".to_owned(), bytes(&cluster.key_pem)),
        ("cluster-cert".to_owned(), bytes(&cluster.cert_pem)),
        ("cluster-ca-cert".to_owned(), bytes(&cluster_ca.cert_pem)),
    ]);
    let client_data = Data::from([(names::CLIENT_AUTH_KEY.to_owned(), bytes(&client_auth))]);
    Ok(JetStreamSecrets {
        server: server_data,
        client: client_data,
    })
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::render::Object;
    use crate::{ErrorKind, render_str, render_str_with_rng};

    use crate::testing::{jetstream_bus as bus, options, render_jetstream as render, secret_text};

    #[test]
    fn credentials_have_upstream_shapes_and_follow_the_seed() {
        let r = render("    version: latest\n", &options());
        let client = secret_text(&r, "eventbus-default-js-client-auth", "client-auth");
        let (user_line, pass_line) = client.split_once('\n').unwrap();
        let user = user_line.strip_prefix("username: ").unwrap();
        let pass = pass_line.strip_prefix("password: ").unwrap();
        assert_eq!((user.len(), pass.len()), (8, 16));
        let auth = secret_text(&r, "eventbus-default-js-server", "auth");
        assert!(auth.starts_with(
            "system_account: sys\n\naccounts: {\n  \"js\": {\n    \"jetstream\": true,\n"
        ));
        assert!(auth.contains(&format!(
            "      {{\"user\": \"{user}\", \"pass\": \"{pass}\"}}\n"
        )));
        let sys = auth
            .split("{\"user\": \"sys\", \"pass\": \"")
            .nth(1)
            .unwrap();
        assert_eq!(sys.find('"'), Some(24));
        assert!(auth.ends_with("tls {\n  cert_file: \"/etc/nats-config/server-cert.pem\"\n  key_file:  \"/etc/nats-config/server-key.pem\"\n  ca_file:   \"/etc/nats-config/ca-cert.pem\"\n}"));
        let key = secret_text(&r, "eventbus-default-js-server", "encryption");
        assert_eq!(key.len(), 12);
        assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()));
        for k in ["private-key", "cluster-private-key"] {
            assert!(
                secret_text(&r, "eventbus-default-js-server", k)
                    .starts_with("-----BEGIN PRIVATE KEY-----\n")
            );
        }
        for k in ["cert", "ca-cert", "cluster-cert", "cluster-ca-cert"] {
            assert!(
                secret_text(&r, "eventbus-default-js-server", k)
                    .starts_with("-----BEGIN CERTIFICATE-----\n")
            );
        }
        // Same seed, same bytes; another seed or another bus, other credentials.
        let again = render("    version: latest\n", &options());
        assert_eq!(r.to_yaml().unwrap(), again.to_yaml().unwrap());
        let other = render(
            "    version: latest\n",
            &RenderOptions::default().seed(Seed::new("another seed, 16+ bytes").unwrap()),
        );
        assert_ne!(
            client,
            secret_text(&other, "eventbus-default-js-client-auth", "client-auth")
        );
        // Key material of different purposes never coincides.
        let keys: std::collections::BTreeSet<String> = [
            "private-key",
            "cluster-private-key",
            "cert",
            "ca-cert",
            "cluster-cert",
            "cluster-ca-cert",
        ]
        .iter()
        .map(|k| secret_text(&r, "eventbus-default-js-server", k))
        .collect();
        assert_eq!(keys.len(), 6);
    }

    #[test]
    fn random_credentials_need_the_switch_and_warn() {
        let e = render_str(&bus("    version: latest\n"), &RenderOptions::default()).unwrap_err();
        let e = &e.0[0];
        assert_eq!(e.kind(), ErrorKind::Credentials);
        assert_eq!(
            e.cause(),
            Some(&crate::Cause::NoCredentialSource {
                needs: crate::Credential::JetStream,
                secrets: vec![
                    "eventbus-default-js-server".to_owned(),
                    "eventbus-default-js-client-auth".to_owned()
                ],
            })
        );
        for hint in ["RenderOptions::seed", "RenderOptions::random_tokens"] {
            assert!(e.message().contains(hint), "{hint}");
        }
        let o = RenderOptions::default().random_tokens(true);
        // The switch alone is not enough: render_str has no random source.
        let e = render_str(&bus("    version: latest\n"), &o).unwrap_err();
        let e = &e.0[0];
        assert_eq!(
            (e.kind(), e.path()),
            (ErrorKind::Credentials, "spec.jetstream")
        );
        assert!(
            e.message().contains("render_str_with_rng"),
            "{}",
            e.message()
        );
        assert_eq!(e.cause(), None);
        let with = |rng: &mut dyn rand::CryptoRng| {
            render_str_with_rng(&bus("    version: latest\n"), &o, rng).unwrap()
        };
        let a = with(&mut rand::rng());
        let b = with(&mut rand::rng());
        assert!(a.warnings.iter().any(|w| w.message.contains("random")));
        assert_ne!(
            secret_text(&a, "eventbus-default-js-server", "private-key"),
            secret_text(&b, "eventbus-default-js-server", "private-key")
        );
        // Random, but from the caller's generator: the same seeded generator, the same bytes.
        let seeded = || rand::rngs::StdRng::seed_from_u64(42);
        assert_eq!(
            with(&mut seeded()).to_yaml().unwrap(),
            with(&mut seeded()).to_yaml().unwrap()
        );
    }

    #[test]
    fn existing_secrets_are_kept_verbatim() {
        let first = render("    version: latest\n", &options());
        let secrets: Vec<Secret> = first
            .objects()
            .filter_map(|o| match o {
                Object::Secret(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        // No seed, a different seed: the Secrets win either way.
        for o in [
            RenderOptions::default(),
            RenderOptions::default().seed(Seed::new("yet another seed value").unwrap()),
        ] {
            let o = secrets
                .iter()
                .cloned()
                .fold(o, RenderOptions::existing_secret);
            let again = render("    version: latest\n", &o);
            assert_eq!(again.to_yaml().unwrap(), first.to_yaml().unwrap());
            assert!(again.warnings.is_empty(), "{:?}", again.warnings);
        }
        // A certificate window in the options: the kept certificates win, with a warning.
        let o = secrets.iter().cloned().fold(
            RenderOptions::default().certificate_validity(CertificateValidity {
                not_before: "2030-01-01T00:00:00Z".to_owned(),
                not_after: "2040-01-01T00:00:00Z".to_owned(),
            }),
            RenderOptions::existing_secret,
        );
        let again = render("    version: latest\n", &o);
        assert_eq!(again.to_yaml().unwrap(), first.to_yaml().unwrap());
        let warned: Vec<_> = again.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert!(
            warned[0].contains("certificateValidity option is not applied"),
            "{warned:?}"
        );
        // Only one of the pair: an error that names both, and no secret value.
        let o = RenderOptions::default().existing_secret(secrets[0].clone());
        let e = render_str(&bus("    version: latest\n"), &o).unwrap_err();
        let m = e.0[0].message();
        assert!(
            m.contains("eventbus-default-js-server")
                && m.contains("eventbus-default-js-client-auth")
        );
        // A key missing: named, values not shown.
        let mut server = secrets[0].clone();
        let removed = server
            .data
            .as_mut()
            .unwrap()
            .remove("cluster-cert")
            .unwrap();
        let o = RenderOptions::default()
            .existing_secret(server)
            .existing_secret(secrets[1].clone());
        let e = render_str(&bus("    version: latest\n"), &o).unwrap_err();
        let m = e.0[0].message();
        assert!(m.contains("eventbus-default-js-server/cluster-cert"), "{m}");
        let removed = String::from_utf8(removed.0).unwrap();
        assert!(!e.to_string().contains(removed.lines().nth(1).unwrap()));
        // Present but broken: an empty key, a client-auth without the user: named, values not
        // shown, in the same message.
        let mut server = secrets[0].clone();
        let server_data = server.data.as_mut().unwrap();
        server_data.get_mut("encryption").unwrap().0.clear();
        let mut client = secrets[1].clone();
        let client_auth = client
            .data
            .as_mut()
            .unwrap()
            .get_mut("client-auth")
            .unwrap();
        let password = String::from_utf8(client_auth.0.clone()).unwrap();
        let password = password.lines().nth(1).unwrap().to_owned();
        client_auth.0 = password.clone().into_bytes();
        let o = RenderOptions::default()
            .existing_secret(server)
            .existing_secret(client);
        let e = render_str(&bus("    version: latest\n"), &o).unwrap_err();
        let (e, m) = (&e.0[0], e.0[0].message());
        assert_eq!(
            (e.kind(), e.path()),
            (crate::ErrorKind::Credentials, "spec.jetstream")
        );
        assert!(
            m.starts_with(
                "the existing Secrets hold an empty eventbus-default-js-server/encryption; hold no \
                 user and password in eventbus-default-js-client-auth/client-auth"
            ),
            "{m}"
        );
        let value = password.strip_prefix("password: ").unwrap();
        assert!(!e.to_string().contains(value));
        assert!(client_auth_ok(b"username: abcdefgh\npassword: \"p4ss\""));
        assert!(client_auth_ok(b"username: 12345678\npassword: 1e100"));
        assert!(!client_auth_ok(b"username: [a\npassword: b"));
        assert!(!client_auth_ok(b"token: \"x\""));
    }
}
