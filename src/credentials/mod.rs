//! Credentials that GitOps can hold steady: kept from existing Secrets, derived from a seed, or
//! (only when asked, and from a random source the caller hands in) random.
//!
//! This step runs between validation and rendering: [`resolve`] looks at the plans, the existing
//! Secrets, the seed and the caller's random source, and gives each bus its [`BusCredentials`].
//! Rendering then only turns a plan and its credentials into objects.

mod jetstream;
pub(crate) mod refs;
mod stan;
mod unused;

pub use refs::{CLIENT_SECRET_ANNOTATION, SERVER_SECRET_ANNOTATION, SecretRefs, Store};
pub(crate) use unused::bus_names;

use std::collections::BTreeMap;
use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use rand::CryptoRng;
use rand::distr::{Alphanumeric, SampleString};
use sha2::Sha256;

use crate::error::{Cause, Credential, Error, ErrorKind, Errors, Warning};
use crate::options::{Derivation, RenderOptions, SecretsMode, Seed};
use crate::parse::Parsed;
use crate::plan::{JetStreamPlan, Plan, PlanKind, StanAuth};

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

/// `length` characters of `[a-zA-Z0-9]` derived from the seed and a purpose string, by the
/// derivation `version`.
///
/// Version 1: HMAC-SHA256 in counter mode; bytes at or above 248 are skipped so that every
/// symbol is equally likely. The same seed, version and purpose always give the same string.
pub fn derive(seed: &Seed, version: Derivation, purpose: &str, length: usize) -> SecretString {
    let mut out = String::with_capacity(length);
    let mut counter: u32 = 0;
    while out.len() < length {
        for b in derive_bytes(seed, version, purpose, counter) {
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
pub(crate) fn derive_bytes(
    seed: &Seed,
    version: Derivation,
    purpose: &str,
    counter: u32,
) -> [u8; 32] {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(seed.bytes()).expect("HMAC takes keys of any length");
    mac.update(version.domain());
    mac.update(purpose.as_bytes());
    mac.update(&counter.to_be_bytes());
    mac.finalize().into_bytes().into()
}

/// `length` random characters of `[a-zA-Z0-9]` drawn from `rng`.
pub(crate) fn random<R: CryptoRng + ?Sized>(rng: &mut R, length: usize) -> SecretString {
    SecretString(Alphanumeric.sample_string(rng, length))
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

/// Where new credentials come from when the input holds none to keep.
pub(crate) enum NewSource<'a, 'r> {
    /// Derived from the user's seed.
    Seed(&'a Seed),
    /// Drawn at random for this render from the caller's source (only when asked).
    Random(&'r mut dyn CryptoRng),
}

/// The words that tell one bus kind's credentials apart in [`new_source`]'s error and warning.
pub(crate) struct Wording {
    /// What the bus needs.
    pub credential: Credential,
    /// The warning after the bus name when random credentials were drawn.
    pub drawn: &'static str,
}

/// Picks where new credentials come from: the seed, else (when random credentials are allowed
/// and `rng` is given) `rng`, with a warning; else an error at `path`. Without any source the
/// error's cause names the bus's Secrets `server` and `client`; front ends add their own advice
/// (which flag or field sets a seed).
pub(crate) fn new_source<'a, 'r>(
    plan: &Plan,
    options: &'a RenderOptions,
    rng: Option<&'r mut dyn CryptoRng>,
    path: &str,
    (server, client): (String, String),
    wording: &Wording,
    warnings: &mut Vec<Warning>,
) -> Result<NewSource<'a, 'r>, Error> {
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
    let Some(rng) = rng else {
        return Err(Error::new(
            ErrorKind::Credentials,
            path,
            format!(
                "{}: random credentials are allowed (RenderOptions::random_tokens), but this \
                 entry point has no random source; use render_str_with_rng (or hand an RNG to \
                 render_documents), or set a seed (RenderOptions::seed)",
                wording.credential.needs(),
            ),
        ));
    };
    warnings.push(Warning {
        path: path.to_owned(),
        message: format!("bus {}/{}: {}", plan.namespace, plan.name, wording.drawn),
        location: None,
        document: Some(plan.document),
    });
    Ok(NewSource::Random(rng))
}

/// The credentials one bus renders with.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BusCredentials {
    /// The bus needs none: a NATS Streaming bus without auth, or an external bus.
    None,
    /// The token of a NATS Streaming bus with `auth: token`.
    StanToken(SecretString),
    /// The data of a JetStream bus's server and client Secrets.
    JetStream(JetStreamSecrets),
    /// The bus's Secrets stay in the cluster (reference mode): only their names.
    Reference(SecretRefs),
    /// The bus's Secrets are built in the cluster by the External Secrets Operator.
    External(ExternalRefs),
}

/// What the `external-secrets` mode renders a bus's Secrets from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalRefs {
    /// The Secrets the `ExternalSecret` objects build.
    pub refs: SecretRefs,
    /// The store they read from.
    pub store: Store,
    /// The remote key holding the bus's values (`<prefix>/<namespace>/<bus>`).
    pub remote_key: String,
}

/// The data of a JetStream bus's two Secrets (passwords, encryption key, TLS keys and
/// certificates): kept byte for byte from the existing Secrets, or derived. `Debug` shows the
/// keys only.
#[derive(Clone, PartialEq)]
pub struct JetStreamSecrets {
    /// Data of the server Secret.
    pub(crate) server: BTreeMap<String, ByteString>,
    /// Data of the client Secret.
    pub(crate) client: BTreeMap<String, ByteString>,
}

impl fmt::Debug for JetStreamSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JetStreamSecrets")
            .field("server", &self.server.keys().collect::<Vec<_>>())
            .field("client", &self.client.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The credentials of every bus of a render, one entry per plan in plan order, and the warnings
/// that resolving them gave (random credentials drawn).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Credentials {
    buses: Vec<(BusCredentials, Vec<Warning>)>,
    /// The Secrets of the input that no bus uses.
    unused: Vec<Warning>,
}

impl Credentials {
    /// The credentials of the plan at `index` (in the order of the plans resolved).
    pub fn bus(&self, index: usize) -> Option<&BusCredentials> {
        self.buses.get(index).map(|(c, _)| c)
    }

    /// The warnings about the Secrets of the input that no bus uses.
    pub(crate) fn unused(&self) -> &[Warning] {
        &self.unused
    }

    /// The warnings about the credentials of the plan at `index`.
    pub(crate) fn warnings(&self, index: usize) -> &[Warning] {
        self.buses.get(index).map_or(&[], |(_, w)| w.as_slice())
    }
}

impl FromIterator<BusCredentials> for Credentials {
    /// Credentials given directly, one per plan in plan order, without warnings.
    fn from_iter<I: IntoIterator<Item = BusCredentials>>(iter: I) -> Self {
        Credentials {
            buses: iter.into_iter().map(|c| (c, Vec::new())).collect(),
            unused: Vec::new(),
        }
    }
}

/// A JetStream bus whose keys and certificates are to be derived from `seed`.
struct PendingKeys<'a> {
    /// Its place among the plans.
    index: usize,
    /// Its place among the resolved buses.
    slot: usize,
    plan: &'a Plan,
    js: &'a JetStreamPlan,
    seed: Seed,
}

/// Derives the keys and certificates of JetStream buses, in order, on up to
/// [`RenderOptions::threads`] threads: each thread takes a run of buses in turn, and a single
/// bus splits its two certificate chains between two threads. The results do not depend on the
/// number of threads.
fn derive_jetstream(
    jobs: &[PendingKeys<'_>],
    options: &RenderOptions,
) -> Vec<Result<JetStreamSecrets, Error>> {
    let threads = options.threads.get().min(jobs.len());
    let one = |split: bool| {
        move |d: &PendingKeys<'_>| {
            jetstream::derive(d.plan, d.js, &d.seed, options.derivation, split)
        }
    };
    if threads <= 1 {
        let split = jobs.len() == 1 && options.threads.get() > 1;
        return jobs.iter().map(one(split)).collect();
    }
    let run = jobs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let workers: Vec<_> = jobs
            .chunks(run)
            .map(|chunk| in_thread(s, move || chunk.iter().map(one(false)).collect::<Vec<_>>()))
            .collect();
        workers.into_iter().flat_map(Worker::result).collect()
    })
}

/// Work handed to a scoped thread, or done at once when no thread can be started (a
/// container at its process limit): the results are the same either way.
pub(super) enum Worker<'s, T> {
    Thread(std::thread::ScopedJoinHandle<'s, T>),
    Done(T),
}

/// Starts `work` on a thread of `scope`, or does it here if the system refuses a thread. The
/// work only borrows (it is `Copy`), so a copy is still here when the thread cannot start.
pub(super) fn in_thread<'s, T: Send + 's>(
    scope: &'s std::thread::Scope<'s, '_>,
    work: impl FnOnce() -> T + Send + Copy + 's,
) -> Worker<'s, T> {
    match std::thread::Builder::new().spawn_scoped(scope, work) {
        Ok(handle) => Worker::Thread(handle),
        Err(_) => Worker::Done(work()),
    }
}

impl<T> Worker<'_, T> {
    /// The result; a panic in the thread goes on in the caller, as if it ran there.
    pub(super) fn result(self) -> T {
        match self {
            Worker::Thread(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Worker::Done(result) => result,
        }
    }
}

/// Warnings for the external-secrets options set while another mode renders (they would
/// otherwise be dropped without a word).
fn unused_store_options(options: &RenderOptions) -> Vec<Warning> {
    if options.secrets == SecretsMode::ExternalSecrets {
        return Vec::new();
    }
    let set = [
        ("secretStore", options.secret_store.is_some()),
        (
            "remoteKeyPrefix",
            options.remote_key_prefix != crate::options::DEFAULT_REMOTE_KEY_PREFIX,
        ),
    ];
    set.into_iter()
        .filter(|(_, on)| *on)
        .map(|(key, _)| Warning {
            path: format!("options.{key}"),
            message: format!(
                "{key} is set but not used: only the external-secrets mode reads a store, and \
                 this render's secrets mode is {}",
                options.secrets.as_str()
            ),
            location: None,
            document: None,
        })
        .collect()
}

/// Resolves the credentials of every plan: kept from the existing Secrets (those of `parsed`,
/// then [`RenderOptions::existing_secrets`]), else derived from [`RenderOptions::seed`], else,
/// when [`RenderOptions::random_tokens`] allows it, drawn from `rng`. In the reference and
/// external-secrets modes ([`RenderOptions::secrets`]) no value is resolved, only where the
/// Secrets are: their names, and the store and remote key. Without `rng`, a bus that
/// would need random credentials is an error. A Secret that no bus uses gets a warning, or with
/// [`RenderOptions::strict_input`] an error.
///
/// Every bus is resolved; all errors come back together, each located in its document. (Keys
/// and certificates are derived only when no bus failed before: their only failures are
/// internal ones.)
pub fn resolve(
    plans: &[Plan],
    parsed: &Parsed,
    options: &RenderOptions,
    mut rng: Option<&mut dyn CryptoRng>,
) -> Result<Credentials, Errors> {
    let secrets: Vec<&Secret> = parsed
        .secrets
        .iter()
        .chain(options.existing_secrets.iter())
        .collect();
    let mut buses = Vec::with_capacity(plans.len());
    let mut errors = Vec::new();
    // A bus's positions, looked up only when a message needs one.
    let locate = |plan: &Plan, path: &str| {
        parsed
            .buses
            .iter()
            .find(|b| b.document == plan.document)
            .and_then(|b| b.locate(path))
    };
    let store = match options.secrets {
        SecretsMode::ExternalSecrets => {
            let store = refs::store(options);
            let prefix = refs::prefix(options);
            match (store, prefix) {
                (Ok(s), Ok(p)) => Some((s, p)),
                (s, p) => {
                    return Err(Errors([s.err(), p.err()].into_iter().flatten().collect()));
                }
            }
        }
        _ => None,
    };
    // JetStream buses whose keys and certificates are derived.
    let mut derivations = Vec::new();
    for (index, plan) in plans.iter().enumerate() {
        let mut warnings = Vec::new();
        let rng = rng.as_mut().map(|r| &mut **r as &mut dyn CryptoRng);
        let resolved = match (options.secrets, refs::resolve(plan)) {
            (_, Err(e)) => Err(e),
            (SecretsMode::Reference, Ok(Some(r))) => Ok(BusCredentials::Reference(r)),
            (SecretsMode::ExternalSecrets, Ok(Some(refs))) => {
                let (store, prefix) = store.as_ref().expect("read above in this mode");
                Ok(BusCredentials::External(ExternalRefs {
                    refs,
                    store: store.clone(),
                    remote_key: refs::remote_key(prefix, plan),
                }))
            }
            (_, Ok(Some(r))) => match &plan.kind {
                PlanKind::Stan(stan) if stan.auth == StanAuth::Token => {
                    stan::token(plan, &r, &secrets, options, rng, &mut warnings)
                        .map(BusCredentials::StanToken)
                }
                PlanKind::JetStream(js) => {
                    match jetstream::secrets(plan, &r, &secrets, options, rng, &mut warnings) {
                        Ok(jetstream::Source::Kept(kept)) => Ok(BusCredentials::JetStream(kept)),
                        Ok(jetstream::Source::Derive(seed)) => {
                            // Derived below, all at once: a placeholder keeps the bus's slot.
                            derivations.push(PendingKeys {
                                index,
                                slot: buses.len(),
                                plan,
                                js,
                                seed,
                            });
                            Ok(BusCredentials::None)
                        }
                        Err(e) => Err(e),
                    }
                }
                _ => Ok(BusCredentials::None),
            },
            (_, Ok(None)) => match &plan.kind {
                PlanKind::External(_) => {
                    // Nothing to name: say so rather than drop the annotation.
                    for (key, _) in refs::overrides(plan) {
                        warnings.push(Warning {
                            path: format!("metadata.annotations.{key}"),
                            message: format!(
                                "bus {}/{} is an external bus, without Secrets of its own; the \
                                 annotation is not used",
                                plan.namespace, plan.name
                            ),
                            location: None,
                            document: Some(plan.document),
                        });
                    }
                    Ok(BusCredentials::None)
                }
                _ => Ok(BusCredentials::None),
            },
        };
        match resolved {
            Ok(c) => {
                for w in warnings.iter_mut().filter(|w| w.location.is_none()) {
                    w.location = locate(plan, &w.path);
                }
                buses.push((c, warnings));
            }
            Err(e) => {
                let at = locate(plan, e.path());
                errors.push((index, e.at(at).in_document(plan.document)));
            }
        }
    }
    // Derivation is the costly part; once a bus failed, nothing derived would be used.
    if !errors.is_empty() {
        derivations.clear();
    }
    let results = derive_jetstream(&derivations, options);
    for (d, result) in derivations.iter().zip(results) {
        match result {
            Ok(data) => buses[d.slot].0 = BusCredentials::JetStream(data),
            Err(e) => {
                let at = locate(d.plan, e.path());
                errors.push((d.index, e.at(at).in_document(d.plan.document)));
            }
        }
    }
    // In plan order, derivation errors among the others.
    errors.sort_by_key(|(index, _)| *index);
    let mut errors: Vec<Error> = errors.into_iter().map(|(_, e)| e).collect();
    let mut unused = match unused::check(plans, parsed, options) {
        Ok(warnings) => warnings,
        Err(e) => {
            errors.extend(e);
            Vec::new()
        }
    };
    unused.extend(unused_store_options(options));
    if errors.is_empty() {
        Ok(Credentials { buses, unused })
    } else {
        Err(Errors(errors))
    }
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
        let t1 = derive(&a, Derivation::V1, "stan-token\0ns\0default", TOKEN_LEN);
        let t2 = derive(&a, Derivation::V1, "stan-token\0ns\0default", TOKEN_LEN);
        let t3 = derive(&b, Derivation::V1, "stan-token\0ns\0default", TOKEN_LEN);
        let t4 = derive(&a, Derivation::V1, "stan-token\0ns\0other", TOKEN_LEN);
        assert_eq!(t1, t2);
        assert_ne!(t1, t3);
        assert_ne!(t1, t4);
        assert_eq!(t1.expose().len(), TOKEN_LEN);
        assert!(t1.expose().bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(format!("{t1:?}"), "<redacted>");
    }

    #[test]
    fn random_tokens_come_from_the_callers_rng() {
        use rand::SeedableRng;
        let mut os = rand::rng();
        let (a, b) = (random(&mut os, TOKEN_LEN), random(&mut os, TOKEN_LEN));
        assert_ne!(a, b);
        assert!(a.expose().bytes().all(|c| c.is_ascii_alphanumeric()));
        // A seeded generator gives the same characters again.
        let seeded = || rand::rngs::StdRng::seed_from_u64(7);
        assert_eq!(
            random(&mut seeded(), TOKEN_LEN),
            random(&mut seeded(), TOKEN_LEN)
        );
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

    #[test]
    fn derivation_on_several_threads_gives_the_same_bytes() {
        use std::num::NonZeroUsize;
        let bus = |name: &str, spec: &str| {
            format!(
                "---\napiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n{spec}"
            )
        };
        let js = "  jetstream: {version: latest}\n";
        let stan = "  nats: {native: {auth: token}}\n";
        let many: String = ["a", "b", "c", "d", "e"]
            .iter()
            .enumerate()
            .map(|(i, n)| bus(n, if i == 2 { stan } else { js }))
            .collect();
        let one = bus("solo", js);
        let options = crate::testing::options();
        for text in [&many, &one] {
            let alone = crate::render_str(text, &options)
                .unwrap()
                .to_yaml()
                .unwrap();
            for threads in [2, 3, 8] {
                let threads = NonZeroUsize::new(threads).unwrap();
                let o = options.clone().threads(threads);
                let r = crate::render_str(text, &o).unwrap().to_yaml().unwrap();
                assert!(r == alone, "{threads} threads changed the output");
            }
        }
    }
}
