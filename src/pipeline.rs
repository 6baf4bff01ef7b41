//! The stages chained: parse → validate → resolve credentials → render.
//!
//! Front ends call these. Each stage returns every error it finds; a stage runs only when the one
//! before succeeded. Randomness comes only from the RNG a caller hands in: without one, a bus
//! that would need random credentials is an error.

use rand::CryptoRng;

use crate::credentials;
use crate::error::{Error, Errors, Warning};
use crate::options::RenderOptions;
use crate::parse::{self, Parsed, Unread};
use crate::plan::Plan;
use crate::render::{self, Rendered, RenderedBus};
use crate::validate::{self, validate};
use crate::yaml::{self, Document};

/// Parses a YAML or JSON stream holding `EventBus` documents (and optionally `Secret` documents
/// with existing credentials). Any other document is an error.
#[cfg(test)]
pub(crate) fn parse(text: &str, options: &RenderOptions) -> Result<Parsed, Errors> {
    let docs = yaml::load_documents(text)?;
    parse_documents(&docs, options, false)
}

/// Parses loaded documents. With `skip_others`, documents that are neither `EventBus` nor
/// `Secret` are left out instead of rejected (front ends pass them through themselves).
///
/// A document that does not read cleanly reports every problem at once: its unknown fields,
/// each wrong type, and the rule violations of what could be read (except those about the
/// fields left out for their type), in input order.
pub fn parse_documents(
    docs: &[Document],
    options: &RenderOptions,
    skip_others: bool,
) -> Result<Parsed, Errors> {
    parse_document_refs(&docs.iter().collect::<Vec<_>>(), options, skip_others)
}

/// [`parse_documents`] over documents held elsewhere (one list per file, say): a front end
/// need not copy every document tree into one list to parse them.
pub(crate) fn parse_document_refs(
    docs: &[&Document],
    options: &RenderOptions,
    skip_others: bool,
) -> Result<Parsed, Errors> {
    let read = parse::read_documents(docs, options, skip_others);
    if read.unread.is_empty() {
        return Ok(read.parsed);
    }
    Err(Errors(
        read.unread
            .into_iter()
            .flat_map(|u| unread_errors(u, options))
            .collect(),
    ))
}

/// The errors of a document that did not read cleanly, with the rule violations of what could
/// be read, in input order.
fn unread_errors(unread: Unread, options: &RenderOptions) -> Vec<Error> {
    let Unread {
        document,
        mut errors,
        partial,
    } = unread;
    if let Some(partial) = partial
        && let Err(more) = validate::validate_bus(&partial.bus, options, None)
    {
        let under = |p: &str, d: &str| {
            p == d || p.starts_with(&format!("{d}.")) || p.starts_with(&format!("{d}["))
        };
        errors.extend(
            more.into_iter()
                .filter(|e| !partial.dropped.iter().any(|d| under(e.path(), d))),
        );
    }
    errors.sort_by_key(|e| e.location().map_or((usize::MAX, 0), |l| (l.line, l.column)));
    errors
        .into_iter()
        .map(|e| e.in_document(document))
        .collect()
}

/// Resolves the credentials of every plan: kept from the existing Secrets (those in `parsed`,
/// then [`RenderOptions::existing_secrets`]), else derived from [`RenderOptions::seed`], else,
/// when [`RenderOptions::random_tokens`] allows it, drawn from `rng`. Without `rng`, a bus that
/// would need random credentials is an error. The reference and external-secrets modes
/// ([`RenderOptions::secrets`]) resolve no value, only where the Secrets are.
pub fn resolve_credentials(
    plans: &[Plan],
    parsed: &Parsed,
    options: &RenderOptions,
    rng: Option<&mut dyn CryptoRng>,
) -> Result<credentials::Credentials, Errors> {
    credentials::resolve(plans, parsed, options, rng)
}

/// Resolves the credentials of validated plans, then renders plan by plan and hands each bus to
/// `sink` as soon as it is built, so that only one bus's objects are in memory at a time (a
/// front end can serialize them right away). Nothing reaches `sink` unless every bus has its
/// credentials; once rendering a bus failed, later buses are no longer handed to `sink`.
/// Returns every warning of the run (input, plans, credentials), in input order.
pub fn render_each(
    plans: &[Plan],
    parsed: &Parsed,
    options: &RenderOptions,
    rng: Option<&mut dyn CryptoRng>,
    mut sink: impl FnMut(RenderedBus) -> Result<(), crate::Error>,
) -> Result<Vec<Warning>, Errors> {
    let credentials = resolve_credentials(plans, parsed, options, rng)?;
    let only = options.secrets == crate::options::SecretsMode::Only;
    let rendered = render::render_resolved_each(plans, &credentials, |mut bus| {
        // The Secrets alone, to create or seal them once; the rest is rendered in reference mode.
        if only {
            bus.objects
                .retain(|o| matches!(o, crate::Object::Secret(_)));
        }
        sink(bus)
    })?;
    let mut warnings = parsed.warnings.clone();
    warnings.extend(credentials.unused().iter().cloned());
    warnings.extend(rendered);
    render::sort_warnings(&mut warnings);
    Ok(warnings)
}

/// Renders validated plans; the Secrets in `parsed` and in the options supply existing
/// credentials, and `rng` (if any) random ones where [`RenderOptions::random_tokens`] allows
/// them.
pub fn render_with_rng(
    plans: &[Plan],
    parsed: &Parsed,
    options: &RenderOptions,
    rng: Option<&mut dyn CryptoRng>,
) -> Result<Rendered, Errors> {
    let mut buses = Vec::with_capacity(plans.len());
    let warnings = render_each(plans, parsed, options, rng, |bus| {
        buses.push(bus);
        Ok(())
    })?;
    Ok(Rendered { buses, warnings })
}

/// Parses, validates and renders loaded YAML documents (`EventBus` documents and the Secrets of
/// existing buses; any other document is an error). `rng` supplies random credentials where
/// [`RenderOptions::random_tokens`] allows them; `None` makes those an error.
pub fn render_documents(
    docs: &[Document],
    options: &RenderOptions,
    rng: Option<&mut dyn CryptoRng>,
) -> Result<Rendered, Errors> {
    let parsed = parse_documents(docs, options, false)?;
    let plans = validate(&parsed, options)?;
    render_with_rng(&plans, &parsed, options, rng)
}

/// Parses, validates and renders a YAML or JSON stream of `EventBus` documents (and Secrets
/// holding existing tokens). Either every bus renders or nothing does: all errors come back
/// together.
///
/// This entry point has no random source: when [`RenderOptions::random_tokens`] is set and a bus
/// needs new credentials (no seed, no existing Secrets), that is an error; use
/// [`render_str_with_rng`].
pub fn render_str(text: &str, options: &RenderOptions) -> Result<Rendered, Errors> {
    render_documents(&yaml::load_documents(text)?, options, None)
}

/// [`render_str`], drawing random credentials from `rng` where
/// [`RenderOptions::random_tokens`] allows them (with a warning: they change on every render).
///
/// ```
/// use eventbus_gen::{RenderOptions, render_str_with_rng};
///
/// let spec = "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\n\
///             metadata: {name: default, namespace: ev}\n\
///             spec: {nats: {native: {auth: token}}}\n";
/// let options = RenderOptions::default().random_tokens(true);
/// let rendered = render_str_with_rng(spec, &options, &mut rand::rng())?;
/// assert!(rendered.warnings.iter().any(|w| w.message.contains("random token")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render_str_with_rng(
    text: &str,
    options: &RenderOptions,
    rng: &mut dyn CryptoRng,
) -> Result<Rendered, Errors> {
    render_documents(&yaml::load_documents(text)?, options, Some(rng))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_of_a_document_is_reported() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {name: a, namespace: n}\nspec:\n  nats:\n    native: {auth: BAD, replica: 2, maxAge: 1d, maxPayload: 65536, maxMsgs: lots}\n";
        let e = parse(text, &RenderOptions::default()).unwrap_err();
        let paths: Vec<_> = e.0.iter().map(|e| e.path()).collect();
        for p in [
            "spec.nats.native.auth",
            "spec.nats.native.replica",
            "spec.nats.native.maxAge",
            "spec.nats.native.maxPayload",
            "spec.nats.native.maxMsgs",
        ] {
            assert!(paths.contains(&p), "{p} missing from {paths:?}");
        }
    }
}
