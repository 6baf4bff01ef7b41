//! What the Secrets of a bus must hold when they are made outside eventbus-gen (reference mode):
//! their names, each key's exact format with placeholders, how the values relate, and a shell
//! script that makes them on the user's machine. Nothing here holds or prints a value.

use serde::Serialize;

use crate::credentials::refs;
use crate::error::Error;
use crate::names::{self, JetStreamNames};
use crate::options::{RenderOptions, SecretsMode};
use crate::plan::{Plan, PlanKind, StanAuth};
use crate::render::external;
use crate::templates;

/// The Secrets one bus needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BusSecrets {
    /// Bus name.
    pub bus: String,
    /// Namespace of the bus and its Secrets.
    pub namespace: String,
    /// `nats-streaming` or `jetstream`.
    pub kind: &'static str,
    /// The Secrets, server first.
    pub secrets: Vec<SecretTemplate>,
    /// How the values relate.
    pub notes: Vec<String>,
    /// A bash script that makes the Secrets with `kubectl`, values drawn with `openssl` on the
    /// user's machine and never printed.
    pub script: String,
    /// In the external-secrets mode: where the store must hold the values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_key: Option<RemoteKey>,
}

/// The remote key of a bus in the external-secrets mode, and its properties.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemoteKey {
    /// The store, `KIND/NAME`.
    pub store: String,
    /// The key: `<prefix>/<namespace>/<bus>`.
    pub key: String,
    /// The properties the `ExternalSecret` objects read, in order.
    pub properties: Vec<String>,
}

/// One Secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretTemplate {
    /// Its name.
    pub name: String,
    /// Who reads it.
    pub reader: String,
    /// Annotations the controller puts on it and eventbus-gen reads (`strategy`).
    pub annotations: Vec<(String, String)>,
    /// Its keys.
    pub keys: Vec<KeyTemplate>,
}

/// One key of a Secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyTemplate {
    /// The key.
    pub key: String,
    /// What the value is.
    pub description: String,
    /// The exact text, placeholders in angle brackets (`<TOKEN>`); empty for an empty value,
    /// absent for PEM files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

fn key(key: &str, description: impl Into<String>, format: Option<String>) -> KeyTemplate {
    KeyTemplate {
        key: key.to_owned(),
        description: description.into(),
        format,
    }
}

#[derive(Serialize)]
struct Placeholders {
    token: &'static str,
    user: &'static str,
    password: &'static str,
    system_password: &'static str,
}

const PLACEHOLDERS: Placeholders = Placeholders {
    token: "<TOKEN>",
    user: "<USER>",
    password: "<PASSWORD>",
    system_password: "<SYSTEM_PASSWORD>",
};

/// The same templates, filled with shell variables for the script.
const SHELL: Placeholders = Placeholders {
    token: "${token}",
    user: "${user}",
    password: "${password}",
    system_password: "${system_password}",
};

/// The Secrets of every native bus of `plans` (external buses need none), under the names the
/// bus's annotations give, else upstream's. In the external-secrets mode of `options`, each
/// bus also names the remote key its values must be stored under.
pub fn secret_templates(plans: &[Plan], options: &RenderOptions) -> Result<Vec<BusSecrets>, Error> {
    let store = match options.secrets {
        SecretsMode::ExternalSecrets => Some((refs::store(options)?, refs::prefix(options)?)),
        _ => None,
    };
    let mut out = Vec::new();
    for plan in plans {
        let Some(refs) = refs::resolve(plan)? else {
            continue;
        };
        let mut bus = match &plan.kind {
            PlanKind::Stan(stan) => stan_secrets(plan, stan.auth, &refs)?,
            _ => jetstream_secrets(plan, &refs)?,
        };
        if let Some((store, prefix)) = &store {
            let properties: &[(&str, &str)] = match &plan.kind {
                PlanKind::Stan(stan) if stan.auth == StanAuth::None => &[],
                PlanKind::Stan(_) => &external::STAN_PROPERTIES,
                _ => &external::JETSTREAM_PROPERTIES,
            };
            bus.remote_key = (!properties.is_empty()).then(|| RemoteKey {
                store: format!("{}/{}", store.kind, store.name),
                key: refs::remote_key(prefix, plan),
                properties: properties.iter().map(|(p, _)| (*p).to_owned()).collect(),
            });
        }
        out.push(bus);
    }
    Ok(out)
}

/// Single-quotes `s` for a POSIX shell.
fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A script line that writes `text` (a template filled with `${name}` shell variables) to
/// `file` in the script's private folder, byte for byte and without a final newline: one
/// `printf` whose format is the text on one line, the variables as its arguments.
fn write_file(text: &str, file: &str) -> String {
    let mut format = String::new();
    let mut args = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let (before, var) = rest.split_at(start);
        let end = var.find('}').map_or(var.len(), |i| i + 1);
        format.push_str(&printf_escape(before));
        format.push_str("%s");
        args.push(format!("\"${}\"", var[2..end].trim_end_matches('}')));
        rest = &var[end..];
    }
    format.push_str(&printf_escape(rest));
    let mut line = format!("printf {}", sq(&format));
    for a in args {
        line.push(' ');
        line.push_str(&a);
    }
    line.push_str(&format!(" > \"$dir/{file}\"\n"));
    line
}

/// `text` as a printf format: `\`, `%` and line breaks escaped.
fn printf_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "%%")
        .replace('\n', "\\n")
}

const SCRIPT_START: &str =
    "set -euo pipefail\numask 077\ndir=$(mktemp -d)\ntrap 'rm -rf \"$dir\"' EXIT\n";

fn stan_secrets(plan: &Plan, auth: StanAuth, r: &refs::SecretRefs) -> Result<BusSecrets, Error> {
    let ns = sq(&plan.namespace);
    let annotations = vec![("strategy".to_owned(), auth.as_str().to_owned())];
    let server_reader = "the bus's pods (projected to /etc/stan-config/auth.conf)".to_owned();
    let mut script = String::from(SCRIPT_START);
    let (secrets, notes) = if auth == StanAuth::None {
        script.push_str(&format!(
            "kubectl -n {ns} create secret generic {} --from-literal=auth=\n\
             kubectl -n {ns} annotate secret {} strategy=none\n",
            sq(&r.server),
            sq(&r.server)
        ));
        (
            vec![SecretTemplate {
                name: r.server.clone(),
                reader: server_reader,
                annotations,
                keys: vec![key(
                    names::SERVER_AUTH_KEY,
                    "empty: auth: none includes an empty auth.conf",
                    Some(String::new()),
                )],
            }],
            vec!["auth: none needs no credential; the server Secret must still exist".to_owned()],
        )
    } else {
        let render = |t, p: &Placeholders| templates::render(t, p);
        script.push_str("token=$(openssl rand -hex 32)\n");
        script.push_str(&write_file(
            &render(templates::STAN_SERVER_AUTH, &SHELL)?,
            "auth",
        ));
        script.push_str(&write_file(
            &render(templates::STAN_CLIENT_AUTH, &SHELL)?,
            "client-auth",
        ));
        for (name, k) in [
            (&r.server, names::SERVER_AUTH_KEY),
            (&r.client, names::CLIENT_AUTH_KEY),
        ] {
            script.push_str(&format!(
                "kubectl -n {ns} create secret generic {} --from-file={k}=\"$dir/{k}\"\n\
                 kubectl -n {ns} annotate secret {} strategy=token\n",
                sq(name),
                sq(name)
            ));
        }
        (
            vec![
                SecretTemplate {
                    name: r.server.clone(),
                    reader: server_reader,
                    annotations: annotations.clone(),
                    keys: vec![key(
                        names::SERVER_AUTH_KEY,
                        "the server's authorization block (auth.conf)",
                        Some(render(templates::STAN_SERVER_AUTH, &PLACEHOLDERS)?),
                    )],
                },
                SecretTemplate {
                    name: r.client.clone(),
                    reader: "every EventSource and Sensor (the companion bus's accessSecret)"
                        .to_owned(),
                    annotations,
                    keys: vec![key(
                        names::CLIENT_AUTH_KEY,
                        "the clients' token, a YAML mapping",
                        Some(render(templates::STAN_CLIENT_AUTH, &PLACEHOLDERS)?),
                    )],
                },
            ],
            vec![
                "<TOKEN> is the same in both Secrets: printable ASCII without quotes, \
                 backslashes or spaces; the controller makes 64 characters of [a-zA-Z0-9]"
                    .to_owned(),
            ],
        )
    };
    Ok(BusSecrets {
        bus: plan.name.clone(),
        namespace: plan.namespace.clone(),
        kind: "nats-streaming",
        secrets,
        notes,
        script,
        remote_key: None,
    })
}

fn jetstream_secrets(plan: &Plan, r: &refs::SecretRefs) -> Result<BusSecrets, Error> {
    let n = JetStreamNames::new(&plan.name);
    let ns_raw = &plan.namespace;
    let ns = sq(ns_raw);
    let server_dns = n.server_dns_names(ns_raw);
    let cluster_dns = n.cluster_dns_names(ns_raw);
    let pem = |what: &str| key(what, "", None);
    let mut keys = vec![
        key(
            names::SERVER_AUTH_KEY,
            "the NATS accounts and TLS block (auth.conf)",
            Some(templates::render(
                templates::JETSTREAM_SERVER_AUTH,
                &PLACEHOLDERS,
            )?),
        ),
        key(
            names::JETSTREAM_ENCRYPTION_KEY,
            "the at-rest encryption key (env JS_KEY of the server); the controller makes 12 \
             characters of [a-zA-Z0-9]",
            Some("<ENCRYPTION_KEY>".to_owned()),
        ),
    ];
    for (k, d) in [
        (
            "ca-cert",
            "PEM certificate of the CA that signed cert".to_owned(),
        ),
        (
            "cert",
            format!(
                "PEM certificate of the client port: extended key usage serverAuth, DNS names {}, \
                 signed by ca-cert",
                server_dns.join(", ")
            ),
        ),
        (
            "private-key",
            "PEM private key of cert (PKCS#8, EC P-256)".to_owned(),
        ),
        (
            "cluster-ca-cert",
            "PEM certificate of the CA that signed cluster-cert".to_owned(),
        ),
        (
            "cluster-cert",
            format!(
                "PEM certificate of the routes between pods: extended key usages serverAuth and \
                 clientAuth, DNS names {}, signed by cluster-ca-cert",
                cluster_dns.join(", ")
            ),
        ),
        (
            "cluster-private-key",
            "PEM private key of cluster-cert (PKCS#8, EC P-256)".to_owned(),
        ),
    ] {
        let mut t = pem(k);
        t.description = d;
        keys.push(t);
    }
    let secrets = vec![
        SecretTemplate {
            name: r.server.clone(),
            reader: "the bus's pods (projected to /etc/nats-config, encryption as env JS_KEY)"
                .to_owned(),
            annotations: Vec::new(),
            keys,
        },
        SecretTemplate {
            name: r.client.clone(),
            reader: "every EventSource and Sensor (the companion bus's accessSecret)".to_owned(),
            annotations: Vec::new(),
            keys: vec![key(
                names::CLIENT_AUTH_KEY,
                "the clients' user and password, a YAML mapping",
                Some(templates::render(
                    templates::JETSTREAM_CLIENT_AUTH,
                    &PLACEHOLDERS,
                )?),
            )],
        },
    ];
    let notes = vec![
        "<USER> and <PASSWORD> are the same in both Secrets; <SYSTEM_PASSWORD> is only in \
         auth; none may hold quotes, backslashes or spaces (the controller makes 8, 16 and 24 \
         characters of [a-zA-Z0-9])"
            .to_owned(),
        "each private key must be the key of its certificate, and each certificate must be \
         signed by its CA; the clients skip verification, the routes verify with cluster-ca-cert"
            .to_owned(),
    ];

    let mut s = String::from(SCRIPT_START);
    s.push_str(
        "user=$(openssl rand -hex 4)\npassword=$(openssl rand -hex 8)\n\
         system_password=$(openssl rand -hex 12)\n\
         openssl rand -hex 6 | tr -d '\\n' > \"$dir/encryption\"\n",
    );
    s.push_str(&write_file(
        &templates::render(templates::JETSTREAM_SERVER_AUTH, &SHELL)?,
        "auth",
    ));
    s.push_str(&write_file(
        &templates::render(templates::JETSTREAM_CLIENT_AUTH, &SHELL)?,
        "client-auth",
    ));
    let san = |dns: &[String]| {
        dns.iter()
            .map(|d| format!("DNS:{d}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    for (prefix, dns, usage) in [
        ("", &server_dns, "serverAuth"),
        ("cluster-", &cluster_dns, "serverAuth,clientAuth"),
    ] {
        let cn = sq(&format!("/O=io.argoproj/CN={}", dns[1]));
        s.push_str(&format!(
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \"$dir/{prefix}ca-key\"\n\
             openssl req -x509 -new -key \"$dir/{prefix}ca-key\" -subj {cn} -days 36500 \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,digitalSignature \
             -out \"$dir/{prefix}ca-cert\"\n\
             openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \"$dir/{prefix}private-key\"\n\
             openssl req -new -key \"$dir/{prefix}private-key\" -subj {cn} -out \"$dir/{prefix}csr\"\n\
             printf '%s\\n' 'subjectAltName={}' 'extendedKeyUsage={usage}' 'keyUsage=critical,digitalSignature' > \"$dir/{prefix}ext\"\n\
             openssl x509 -req -in \"$dir/{prefix}csr\" -CA \"$dir/{prefix}ca-cert\" -CAkey \"$dir/{prefix}ca-key\" \
             -set_serial \"0x$(openssl rand -hex 16)\" -days 36500 -extfile \"$dir/{prefix}ext\" -out \"$dir/{prefix}cert\" 2>/dev/null\n",
            san(dns),
        ));
    }
    let from: Vec<String> = [
        names::SERVER_AUTH_KEY,
        names::JETSTREAM_ENCRYPTION_KEY,
        "ca-cert",
        "cert",
        "private-key",
        "cluster-ca-cert",
        "cluster-cert",
        "cluster-private-key",
    ]
    .iter()
    .map(|k| format!("--from-file={k}=\"$dir/{k}\""))
    .collect();
    s.push_str(&format!(
        "kubectl -n {ns} create secret generic {} {}\n\
         kubectl -n {ns} create secret generic {} --from-file=client-auth=\"$dir/client-auth\"\n",
        sq(&r.server),
        from.join(" "),
        sq(&r.client),
    ));
    Ok(BusSecrets {
        bus: plan.name.clone(),
        namespace: plan.namespace.clone(),
        kind: "jetstream",
        secrets,
        notes,
        script: s,
        remote_key: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::parse;
    use crate::validate::validate;

    fn templates(input: &str) -> Vec<BusSecrets> {
        let options = RenderOptions::default();
        let plans = validate(&parse(input, &options).unwrap(), &options).unwrap();
        secret_templates(&plans, &options).unwrap()
    }

    #[test]
    fn the_script_writes_each_text_byte_for_byte() {
        // Quotes, backslashes, percent signs, line breaks and variables all survive.
        let text = "a 'q' \"d\" \\n 100% ${token}\nend ${user}`x`";
        let script = format!(
            "set -eu\ndir=$1\ntoken='t%s\\'\nuser=u\n{}",
            write_file(text, "out")
        );
        let dir = std::env::temp_dir().join(format!("eventbus-gen-tpl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let status = std::process::Command::new("bash")
            .args(["-c", &script, "bash"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(status.success());
        let written = std::fs::read_to_string(dir.join("out")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(written, "a 'q' \"d\" \\n 100% t%s\\\nend u`x`");
    }

    #[test]
    fn templates_name_every_key_with_placeholders_only() {
        let t = templates(
            "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {name: a, namespace: ev}\n\
             spec: {nats: {native: {}}}\n---\n\
             apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {name: b, namespace: ev}\n\
             spec: {jetstream: {version: latest}}\n",
        );
        assert_eq!(t.len(), 2);
        // auth: none: one Secret, an empty auth, annotated strategy: none.
        assert_eq!(t[0].secrets.len(), 1);
        assert_eq!(t[0].secrets[0].name, "eventbus-a-server");
        assert_eq!(t[0].secrets[0].keys[0].format.as_deref(), Some(""));
        assert!(t[0].script.contains("--from-literal=auth=\n"));
        assert!(t[0].script.contains("strategy=none"));
        // JetStream: every projected key and the encryption key, then the client Secret.
        let keys: Vec<&str> = t[1].secrets[0]
            .keys
            .iter()
            .map(|k| k.key.as_str())
            .collect();
        let mut expected: Vec<&str> = names::JETSTREAM_SERVER_FILES
            .iter()
            .map(|(k, _)| *k)
            .collect();
        expected.push(names::JETSTREAM_ENCRYPTION_KEY);
        let (mut a, mut b) = (keys.clone(), expected);
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        assert_eq!(t[1].secrets[1].name, "eventbus-b-js-client-auth");
        assert_eq!(
            t[1].secrets[1].keys[0].format.as_deref(),
            Some("username: <USER>\npassword: <PASSWORD>")
        );
        // The script passes every key to kubectl and prints no value itself.
        for k in &keys {
            assert!(t[1].script.contains(&format!("--from-file={k}=")), "{k}");
        }
        assert!(!t[1].script.contains("echo "));
    }
}
