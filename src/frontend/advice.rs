//! Advice in each front end's own terms.
//!
//! The library's errors carry a [`Cause`] with the data advice needs; their messages speak of
//! the library's options. Each front end describes how its users set those options (a flag, a
//! functionConfig field, a plugin parameter) as a [`Terms`], and [`message`] words the error
//! with them. No front end reads message text.

use std::borrow::Cow;

use crate::error::{Cause, Credential, Error};

/// The most errors a front end prints for one input; the rest are counted, not shown, so that
/// a large broken input prints a screenful rather than megabytes.
pub const MAX_ERRORS: usize = 20;

/// The line that stands for the errors past [`MAX_ERRORS`] of `total`, when there are any.
pub fn more_errors(total: usize) -> Option<String> {
    let more = total.checked_sub(MAX_ERRORS).filter(|&n| n > 0)?;
    Some(format!(
        "and {more} more error{}",
        if more == 1 { "" } else { "s" }
    ))
}

/// How many errors a line of [`more_errors`] stands for; 0 for any other text.
pub fn hidden_errors(line: &str) -> usize {
    line.strip_prefix("and ")
        .and_then(|rest| rest.split_once(" more error"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(0)
}

/// How the users of one front end set what the advice asks for.
pub struct Terms {
    /// How to give a seed, completed by "to derive a stable token".
    pub seed: &'static str,
    /// Where the bus's existing Secrets go, completed by "to keep their token".
    pub secrets: &'static str,
    /// How to allow random credentials; `None` where they are never drawn.
    pub random: Option<&'static str>,
    /// What to say instead when random credentials are never drawn.
    pub no_random: &'static str,
    /// How to set the namespace of buses without one.
    pub namespace: &'static str,
    /// How to set a render option, by its dotted key.
    pub option: fn(&str) -> String,
}

/// A line for a terminal or a log: control characters escaped and cut to a bounded length,
/// whatever input (file names, keys, values) it quotes. Every front end prints through it.
pub fn line(text: &str) -> String {
    crate::error::one_line(text)
}

/// The error's message, worded for the front end whose terms are `terms`.
pub fn message<'e>(e: &'e Error, terms: &Terms) -> Cow<'e, str> {
    match e.cause() {
        Some(Cause::NoCredentialSource { needs, secrets }) => {
            Cow::Owned(no_credential_source(*needs, secrets, terms))
        }
        Some(Cause::MissingNamespace) => Cow::Owned(format!(
            "missing; the NATS cluster routes name the namespace, so set metadata.namespace or {}",
            terms.namespace
        )),
        Some(Cause::UseOption(key)) => Cow::Owned(format!(
            "unknown field; an EventBus has no image field; set the image with the render options \
             ({})",
            (terms.option)(key)
        )),
        Some(Cause::Option(key)) => Cow::Owned(format!(
            "{} (set with {})",
            e.message(),
            (terms.option)(key)
        )),
        _ => Cow::Borrowed(e.message()),
    }
}

fn no_credential_source(needs: Credential, secrets: &[String], terms: &Terms) -> String {
    let names = secrets.join(" and ");
    let secrets = &names;
    let (derived, kept) = (needs.derived(), needs.kept());
    let advice = match terms.random {
        Some(random) => format!(
            "{}: {} to derive {derived}, put the bus's existing Secrets ({secrets}) {} to keep \
             {kept}, or {random} ({} on every render)",
            needs.needs(),
            terms.seed,
            terms.secrets,
            needs.changes(),
        ),
        None => format!(
            "{}: {} to derive {derived}, or put the bus's existing Secrets ({secrets}) {} to keep \
             {kept}. {}",
            needs.needs(),
            terms.seed,
            terms.secrets,
            terms.no_random,
        ),
    };
    // The way without any value in the output, for Secrets that live in the cluster.
    format!(
        "{advice}{} Or, to keep the values out of the output, render references to {names} kept \
         in the cluster (reference mode: {})",
        if advice.ends_with('.') || advice.is_empty() {
            ""
        } else {
            "."
        },
        (terms.option)("secrets"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const TERMS: Terms = Terms {
        seed: "SEED",
        secrets: "HOME",
        random: Some("RANDOM"),
        no_random: "NEVER",
        namespace: "NS",
        option: |k| format!("<{k}>"),
    };

    #[test]
    fn causes_are_worded_with_the_terms_and_other_errors_keep_their_message() {
        let e = Error::new(ErrorKind::Credentials, "spec.jetstream", "library words").because(
            Cause::NoCredentialSource {
                needs: Credential::JetStream,
                secrets: vec!["a".into(), "b".into()],
            },
        );
        assert_eq!(
            message(&e, &TERMS),
            "a JetStream bus needs passwords, an encryption key and TLS keys: SEED to derive \
             stable ones, put the bus's existing Secrets (a and b) HOME to keep theirs, or RANDOM \
             (they then change on every render). Or, to keep the values out of the output, render \
             references to a and b kept in the cluster (reference mode: <secrets>)"
        );
        let never = Terms {
            random: None,
            ..TERMS
        };
        assert!(message(&e, &never).contains("to keep theirs. NEVER. Or, "));
        let ns = Error::new(ErrorKind::Invalid, "metadata.namespace", "x")
            .because(Cause::MissingNamespace);
        assert!(message(&ns, &TERMS).ends_with("set metadata.namespace or NS"));
        let image = Error::new(ErrorKind::UnknownField, "spec.nats.native.image", "x")
            .because(Cause::UseOption("images"));
        assert!(message(&image, &TERMS).ends_with("(<images>)"));
        let option = Error::new(ErrorKind::Invalid, "options.secretStore", "bad store")
            .because(Cause::Option("secretStore".to_owned()));
        assert_eq!(
            message(&option, &TERMS),
            "bad store (set with <secretStore>)"
        );
        let plain = Error::new(ErrorKind::Invalid, "p", "as is");
        assert_eq!(message(&plain, &TERMS), "as is");
    }
}
