//! Secrets that are read and not used: each gets a warning that names it and says why (or, with
//! [`RenderOptions::strict_input`], an error), so that no input is dropped without a word.
//!
//! A front end that passes through what it does not render (the KRM function, Argo CD) hands in
//! every Secret of its input; there only the Secrets that look like a bus's count (named
//! `eventbus-<bus>-...` or labelled by the controller), and only when the render does not
//! replace them with its own.

use k8s_openapi::api::core::v1::Secret;

use super::find_secret;
use super::stan::{STRATEGY_ANNOTATION, holds_token};
use crate::error::{Error, ErrorKind, Location, Warning};
use crate::names::{CONTROLLER_NAME, LABEL_CONTROLLER};
use crate::options::RenderOptions;
use crate::parse::Parsed;
use crate::plan::{Plan, PlanKind, StanAuth};

/// The bus names a Secret name can belong to, by the controller's naming
/// (`eventbus-x-js-server` may be bus `x`'s JetStream Secret or bus `x-js`'s server Secret).
pub(crate) fn bus_names(secret: &str) -> Vec<&str> {
    let Some(rest) = secret.strip_prefix("eventbus-") else {
        return Vec::new();
    };
    ["-js-client-auth", "-js-server", "-server", "-client"]
        .iter()
        .filter_map(|suffix| rest.strip_suffix(suffix))
        .filter(|bus| !bus.is_empty())
        .collect()
}

/// The Secrets a plan reads its credentials from (and renders).
fn reads(plan: &Plan) -> Vec<String> {
    super::refs::resolve(plan)
        .ok()
        .flatten()
        .map_or_else(Vec::new, |r| vec![r.server, r.client])
}

/// What a plan's credentials are called in a message.
fn what(plan: &Plan) -> &'static str {
    match &plan.kind {
        PlanKind::JetStream(_) => "credentials",
        _ => "token",
    }
}

/// Where the bus's new credentials come from instead.
fn instead(plan: &Plan, options: &RenderOptions) -> String {
    let what = what(plan);
    if options.seed.is_some() {
        format!("the bus gets a new {what} derived from the seed")
    } else if options.random_tokens {
        format!("the bus gets a new random {what}")
    } else {
        format!("the bus needs a new {what}")
    }
}

/// A Secret as messages name it: `namespace/name`, or the name alone without a namespace.
fn shown(secret: &Secret) -> String {
    let name = secret.metadata.name.as_deref().unwrap_or_default();
    match secret.metadata.namespace.as_deref() {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_owned(),
    }
}

/// One Secret that no bus keeps its credentials from: what to say, and where.
struct Unused {
    message: String,
    document: Option<usize>,
    location: Option<Location>,
}

/// Every Secret of the input and the options that no plan keeps, each with a message naming it.
fn find(plans: &[Plan], parsed: &Parsed, options: &RenderOptions) -> Vec<Unused> {
    let secrets: Vec<&Secret> = parsed
        .secrets
        .iter()
        .chain(options.existing_secrets.iter())
        .collect();
    let default_ns = options.namespace.as_deref();
    // The Secret names each plan reads, worked out once: they are looked up for every Secret.
    let read_by: Vec<Vec<String>> = plans.iter().map(reads).collect();
    // The Secrets whose credentials a bus keeps.
    let mut used: std::collections::HashSet<*const Secret> = std::collections::HashSet::new();
    for (plan, names) in plans.iter().zip(&read_by) {
        let found: Vec<Option<&Secret>> = names
            .iter()
            .map(|name| find_secret(&secrets, default_ns, &plan.namespace, name))
            .collect();
        match &plan.kind {
            PlanKind::Stan(stan) if stan.auth == StanAuth::Token => used.extend(
                found
                    .into_iter()
                    .flatten()
                    .filter(|s| holds_token(s))
                    .map(|s| s as *const Secret),
            ),
            // Both are kept; one without the other is an error of its own that names them.
            PlanKind::JetStream(_) => {
                used.extend(found.into_iter().flatten().map(|s| s as *const Secret));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (i, secret) in secrets.iter().enumerate() {
        let origin = parsed.secret_origins.get(i);
        // Reference and external-secrets modes read no value: a Secret of the input that a bus
        // points at is the cluster's business, and is said so even where the front end passes
        // it through (a plaintext Secret next to a reference render defeats its purpose).
        if !options.secrets.needs_values()
            && let Some((plan, _)) = plans.iter().zip(&read_by).find(|(p, names)| {
                names
                    .iter()
                    .any(|n| find_secret(&[*secret], default_ns, &p.namespace, n).is_some())
            })
        {
            out.push(Unused {
                message: format!(
                    "Secret {} is not read: bus {}/{} renders in {} mode, which points at the \
                     cluster's Secret of that name and reads no value; keep the Secret out of \
                     the input (create it in the cluster, or commit it only sealed or encrypted)",
                    shown(secret),
                    plan.namespace,
                    plan.name,
                    options.secrets.as_str()
                ),
                document: origin.map(|o| o.document),
                location: origin.and_then(|o| o.location),
            });
            continue;
        }
        if used.contains(&(*secret as *const Secret)) {
            continue;
        }
        let passes_through = origin.is_none() || parsed.passes_through;
        let name = secret.metadata.name.as_deref().unwrap_or_default();
        let ns = secret
            .metadata
            .namespace
            .as_deref()
            .filter(|ns| !ns.is_empty())
            .or(default_ns);
        let labelled = secret
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(LABEL_CONTROLLER))
            .is_some_and(|v| v == CONTROLLER_NAME);
        let candidates = bus_names(name);
        let here = |p: &Plan| ns.is_none_or(|ns| ns == p.namespace);
        let reading: Vec<&Plan> = plans
            .iter()
            .zip(&read_by)
            .filter(|(_, names)| names.iter().any(|r| r == name))
            .map(|(p, _)| p)
            .collect();
        // A bus in the Secret's namespace that reads it, but keeps nothing of it: the render
        // writes a Secret of that name in its place.
        let (replaced, reason) = if let Some(plan) = reading.iter().copied().find(|p| here(p)) {
            let reason = match &plan.kind {
                PlanKind::Stan(stan) if stan.auth == StanAuth::None => format!(
                    "bus {}/{} has auth: none and keeps no token",
                    plan.namespace, plan.name
                ),
                PlanKind::Stan(_) if !holds_token(secret) => format!(
                    "it is annotated {STRATEGY_ANNOTATION}: {}, so it holds no token to keep; {}",
                    secret
                        .metadata
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get(STRATEGY_ANNOTATION))
                        .map_or("", String::as_str),
                    instead(plan, options)
                ),
                _ => "an earlier Secret of the same name and namespace is kept".to_owned(),
            };
            (true, reason)
        } else if let Some(plan) = plans
            .iter()
            .filter(|p| here(p))
            .find(|p| candidates.contains(&p.name.as_str()))
        {
            let reason = match &plan.kind {
                PlanKind::Stan(_) | PlanKind::JetStream(_) => format!(
                    "bus {}/{} keeps only {}",
                    plan.namespace,
                    plan.name,
                    reads(plan).join(" and ")
                ),
                _ => format!(
                    "bus {}/{} is an external bus, without Secrets of its own",
                    plan.namespace, plan.name
                ),
            };
            (false, reason)
        } else if let Some(plan) = reading.first() {
            (
                false,
                format!(
                    "bus {} is in namespace {}, so its {} not reused from here; {}",
                    plan.name,
                    plan.namespace,
                    match what(plan) {
                        "token" => "token is",
                        _ => "credentials are",
                    },
                    instead(plan, options)
                ),
            )
        } else if let Some(bus) = candidates.first() {
            (
                false,
                match ns {
                    Some(ns) => format!("the input has no bus {bus} in namespace {ns}"),
                    None => format!("the input has no bus {bus}"),
                },
            )
        } else {
            (
                false,
                "it is not a Secret of a bus (only eventbus-<bus>-server, -client, -js-server \
                 and -js-client-auth are read)"
                    .to_owned(),
            )
        };
        if passes_through && (replaced || (candidates.is_empty() && !labelled)) {
            continue;
        }
        out.push(Unused {
            message: format!("Secret {} is not used: {reason}", shown(secret)),
            document: origin.map(|o| o.document),
            location: origin.and_then(|o| o.location),
        });
    }
    out
}

/// The warnings about the Secrets that no bus uses, or with [`RenderOptions::strict_input`]
/// the errors.
/// The keys a plan reads from its server and its client Secret.
fn keys_read(plan: &Plan) -> (Vec<&'static str>, Vec<&'static str>) {
    use crate::names::{
        CLIENT_AUTH_KEY, JETSTREAM_ENCRYPTION_KEY, JETSTREAM_SERVER_FILES, SERVER_AUTH_KEY,
    };
    match &plan.kind {
        PlanKind::JetStream(_) => {
            let mut server: Vec<&str> = JETSTREAM_SERVER_FILES.iter().map(|(k, _)| *k).collect();
            server.push(JETSTREAM_ENCRYPTION_KEY);
            (server, vec![CLIENT_AUTH_KEY])
        }
        _ => (vec![SERVER_AUTH_KEY], vec![CLIENT_AUTH_KEY]),
    }
}

/// Labels and annotations the controller puts on its Secrets (and the API server's): the
/// rendered Secret carries its own, so these are not input that goes missing.
const OWN_METADATA: &[&str] = &[
    LABEL_CONTROLLER,
    crate::names::LABEL_EVENTBUS_NAME,
    crate::names::LABEL_OWNER_NAME,
    "server-auth-secret",
    "client-auth-secret",
    STRATEGY_ANNOTATION,
    "resource-spec-hash",
    "kubectl.kubernetes.io/last-applied-configuration",
];

/// Annotations kpt and kustomize put on the items they hand a function (file, index, ids):
/// theirs, not the Secret's.
const ORCHESTRATOR_PREFIXES: &[&str] = &[
    "config.kubernetes.io/",
    "internal.config.kubernetes.io/",
    "config.k8s.io/",
    "kustomize.config.k8s.io/",
];

/// For each Secret a bus keeps its credentials from: what of it the render does not carry
/// into the output (keys the bus does not read, its type, `immutable`, labels and annotations
/// of its own) and keys given in both `data` and `stringData` with different values (the
/// `stringData` one is used, as the API server stores it). A warning each, so that nothing
/// read is dropped without a word.
fn partly_used(plans: &[Plan], parsed: &Parsed, options: &RenderOptions) -> Vec<Warning> {
    if !options.secrets.needs_values() {
        return Vec::new();
    }
    let default_ns = options.namespace.as_deref();
    let input: Vec<&Secret> = parsed.secrets.iter().collect();
    let mut seen: Vec<*const Secret> = Vec::new();
    let mut out = Vec::new();
    for plan in plans {
        if matches!(&plan.kind, PlanKind::Stan(stan) if stan.auth != StanAuth::Token)
            || matches!(&plan.kind, PlanKind::External(_))
        {
            continue;
        }
        let (server_keys, client_keys) = keys_read(plan);
        for (name, keys) in reads(plan).iter().zip([server_keys, client_keys]) {
            let Some(secret) = find_secret(&input, default_ns, &plan.namespace, name) else {
                continue;
            };
            if seen.contains(&(secret as *const Secret)) {
                continue;
            }
            seen.push(secret as *const Secret);
            let mut dropped: Vec<String> = Vec::new();
            let mut both: Vec<String> = Vec::new();
            if let Some(data) = &secret.data {
                for (k, v) in data {
                    if !keys.contains(&k.as_str()) {
                        dropped.push(format!("data.{k}"));
                    } else if let Some(s) = secret.string_data.as_ref().and_then(|d| d.get(k))
                        && s.as_bytes() != v.0.as_slice()
                    {
                        both.push(k.clone());
                    }
                }
            }
            if let Some(data) = &secret.string_data {
                dropped.extend(
                    data.keys()
                        .filter(|k| !keys.contains(&k.as_str()))
                        .map(|k| format!("stringData.{k}")),
                );
            }
            if secret.type_.as_deref().is_some_and(|t| t != "Opaque") {
                dropped.push("type".to_owned());
            }
            if secret.immutable.is_some() {
                dropped.push("immutable".to_owned());
            }
            // The render puts the controller's and the common labels and annotations back.
            for (field, map, common) in [
                ("labels", &secret.metadata.labels, &options.common_labels),
                (
                    "annotations",
                    &secret.metadata.annotations,
                    &options.common_annotations,
                ),
            ] {
                dropped.extend(
                    map.iter()
                        .flatten()
                        .filter(|(k, _)| {
                            !OWN_METADATA.contains(&k.as_str())
                                && !common.contains_key(*k)
                                && !ORCHESTRATOR_PREFIXES.iter().any(|p| k.starts_with(p))
                        })
                        .map(|(k, _)| format!("metadata.{field}.{k}")),
                );
            }
            let index = parsed.secrets.iter().position(|s| std::ptr::eq(s, secret));
            let origin = index.and_then(|i| parsed.secret_origins.get(i));
            let mut say = |message: String| {
                out.push(Warning {
                    path: String::new(),
                    message,
                    location: origin.and_then(|o| o.location),
                    document: origin.map(|o| o.document),
                });
            };
            if !dropped.is_empty() {
                say(format!(
                    "Secret {}: bus {}/{} reads only {} from it; not carried into the output: {}",
                    shown(secret),
                    plan.namespace,
                    plan.name,
                    keys.join(", "),
                    dropped
                        .iter()
                        .map(|d| crate::error::cut(d).into_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !both.is_empty() {
                say(format!(
                    "Secret {}: {} in both data and stringData with different values; the \
                     stringData value is used, as the API server stores it",
                    shown(secret),
                    both.join(", ")
                ));
            }
        }
    }
    out
}

pub(crate) fn check(
    plans: &[Plan],
    parsed: &Parsed,
    options: &RenderOptions,
) -> Result<Vec<Warning>, Vec<Error>> {
    let partly = partly_used(plans, parsed, options);
    let unused = find(plans, parsed, options);
    if options.strict_input && !unused.is_empty() {
        return Err(unused
            .into_iter()
            .map(|u| {
                let e = Error::new(
                    ErrorKind::Invalid,
                    "",
                    format!("{} (strict input: every Secret must be used)", u.message),
                )
                .at(u.location);
                match u.document {
                    Some(d) => e.in_document(d),
                    None => e,
                }
            })
            .collect());
    }
    Ok(unused
        .into_iter()
        .map(|u| Warning {
            path: String::new(),
            message: u.message,
            location: u.location,
            document: u.document,
        })
        .chain(partly)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Seed;

    fn secret(ns: &str, name: &str, strategy: Option<&str>) -> String {
        let annotations = strategy.map_or(String::new(), |s| {
            format!(", annotations: {{strategy: {s}}}")
        });
        let data = if name.ends_with("-client") {
            "client-auth: \"token: tok\""
        } else {
            "auth: \"authorization_token: tok\""
        };
        format!(
            "---\napiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: {ns}{annotations}}}\n\
             stringData: {{{data}}}\n"
        )
    }

    #[test]
    fn what_a_kept_secret_holds_beyond_its_credentials_is_named() {
        let options = RenderOptions::default();
        let server = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: eventbus-default-server, \
             namespace: ev, labels: {team: mine, controller: eventbus-controller}}\ntype: example/x\n\
             immutable: true\nstringData: {auth: \"authorization {\\n  token: \\\"0123456789abcdefghij\\\"\\n}\", extra: x}\n\
             data: {auth: b3RoZXI=, another: aGVsbG8=}\n";
        let client = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: eventbus-default-client, \
             namespace: ev}\nstringData: {client-auth: \"token: \\\"0123456789abcdefghij\\\"\"}\n";
        let text = [
            bus("ev", "default", "token"),
            server.to_owned(),
            client.to_owned(),
        ]
        .concat();
        let found = messages(&text, &options, false);
        // A common label the render puts back is not input that goes missing.
        let with_common = RenderOptions::default().common_label("team", "mine");
        assert!(
            messages(&text, &with_common, false)[0].ends_with("type, immutable"),
            "{:?}",
            messages(&text, &with_common, false)
        );
        assert_eq!(
            found,
            [
                "Secret ev/eventbus-default-server: bus ev/default reads only auth from it; not \
                 carried into the output: data.another, stringData.extra, type, immutable, \
                 metadata.labels.team",
                "Secret ev/eventbus-default-server: auth in both data and stringData with \
                 different values; the stringData value is used, as the API server stores it",
            ]
        );
    }

    fn bus(ns: &str, name: &str, auth: &str) -> String {
        format!(
            "---\napiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {{name: {name}, namespace: {ns}}}\n\
             spec: {{nats: {{native: {{auth: {auth}}}}}}}\n"
        )
    }

    fn messages(text: &str, options: &RenderOptions, through: bool) -> Vec<String> {
        let mut parsed = crate::pipeline::parse(text, options).unwrap();
        parsed.passes_through = through;
        let plans = crate::validate::validate(&parsed, options).unwrap();
        check(&plans, &parsed, options)
            .unwrap()
            .into_iter()
            .map(|w| w.message)
            .collect()
    }

    #[test]
    fn names_each_unused_secret_and_why() {
        let options = RenderOptions::default().seed(Seed::new("0123456789abcdef-seed").unwrap());
        let text = [
            bus("ev", "default", "token"),
            bus("ev", "open", "none"),
            secret("ev", "eventbus-default-server", None),
            secret("other", "eventbus-default-client", None),
            secret("ev", "eventbus-gone-server", None),
            secret("ev", "eventbus-open-server", Some("none")),
            secret("ev", "webhook", None),
        ]
        .concat();
        assert_eq!(
            messages(&text, &options, false),
            [
                "Secret other/eventbus-default-client is not used: bus default is in namespace \
                 ev, so its token is not reused from here; the bus gets a new token derived \
                 from the seed",
                "Secret ev/eventbus-gone-server is not used: the input has no bus gone in \
                 namespace ev",
                "Secret ev/eventbus-open-server is not used: bus ev/open has auth: none and \
                 keeps no token",
                "Secret ev/webhook is not used: it is not a Secret of a bus (only \
                 eventbus-<bus>-server, -client, -js-server and -js-client-auth are read)",
            ]
        );
        // Passed through by a front end: the user's own Secret and the one the render replaces
        // are not reported.
        assert_eq!(messages(&text, &options, true).len(), 2);
        // Strict: errors instead.
        let mut parsed = crate::pipeline::parse(&text, &options).unwrap();
        parsed.passes_through = false;
        let strict = options.clone().strict_input(true);
        let plans = crate::validate::validate(&parsed, &strict).unwrap();
        let errors = check(&plans, &parsed, &strict).unwrap_err();
        assert_eq!(errors.len(), 4);
        assert!(
            errors
                .iter()
                .all(|e| e.document().is_some() && !e.message().contains("tok\""))
        );
    }

    #[test]
    fn a_jetstream_secret_without_its_partner_is_left_to_the_credentials_error() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\n\
                    metadata: {name: default, namespace: ev}\n\
                    spec: {jetstream: {version: latest}}\n---\n\
                    apiVersion: v1\nkind: Secret\n\
                    metadata: {name: eventbus-default-js-server, namespace: ev}\n";
        let options = RenderOptions::default().strict_input(true);
        let parsed = crate::pipeline::parse(text, &options).unwrap();
        let plans = crate::validate::validate(&parsed, &options).unwrap();
        assert!(check(&plans, &parsed, &options).unwrap().is_empty());
        // A Secret the JetStream bus does not read names the two it does.
        let text = text.replace("js-server", "server");
        let parsed = crate::pipeline::parse(&text, &options).unwrap();
        let e = check(&plans, &parsed, &options).unwrap_err();
        assert!(
            e[0].message().contains(
                "bus ev/default keeps only eventbus-default-js-server and \
                 eventbus-default-js-client-auth"
            ),
            "{}",
            e[0].message()
        );
    }

    #[test]
    fn secret_names_give_their_possible_buses() {
        assert_eq!(bus_names("eventbus-x-js-server"), ["x", "x-js"]);
        assert_eq!(bus_names("eventbus-x-js-client-auth"), ["x"]);
        assert_eq!(bus_names("eventbus-x-client"), ["x"]);
        assert!(bus_names("webhook").is_empty());
        assert!(bus_names("eventbus--server").is_empty());
    }
}
