//! Renders Argo Events `EventBus` specs into the complete list of Kubernetes objects the Argo
//! Events controller would create, offline, without side effects and byte-for-byte
//! deterministically, so that a bus can live in Git.
//!
//! The pipeline is `parse` (YAML to typed specs) → `validate` (upstream's rules, defaults) →
//! `resolve_credentials` (kept, derived or random) → `render` (typed `k8s-openapi` objects, a
//! pure function of a plan and its credentials) → YAML. [`render_str`] runs all of it:
//!
//! ```
//! use eventbus_gen::{RenderOptions, Seed, render_str};
//!
//! let spec = r#"
//! apiVersion: argoproj.io/v1alpha1
//! kind: EventBus
//! metadata:
//!   name: default
//!   namespace: argo-events
//! spec:
//!   nats:
//!     native:
//!       auth: token
//! "#;
//! let options = RenderOptions::default().seed(Seed::new("a seed kept in a secret store")?);
//! let rendered = render_str(spec, &options)?;
//! let kinds: Vec<_> = rendered.objects().map(|o| o.kind()).collect();
//! assert_eq!(
//!     kinds,
//!     ["Service", "ConfigMap", "Secret", "Secret", "StatefulSet", "PodDisruptionBudget", "EventBus"]
//! );
//! let yaml = rendered.to_yaml()?;
//! assert!(yaml.contains("name: eventbus-default-stan\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The same input and options always give the same bytes. Tokens never change between renders
//! unless random tokens are asked for: they are kept from existing Secrets or derived from a
//! seed (see [`RenderOptions`]). The library never draws from a global random source: random
//! tokens come from the RNG a caller hands to [`render_str_with_rng`] or [`render_documents`].
//!
//! To keep credentials out of the output altogether, render references to Secrets kept in the
//! cluster, or `ExternalSecret` objects, with [`RenderOptions::secrets`]; no seed is needed:
//!
//! ```
//! use eventbus_gen::{RenderOptions, SecretsMode, render_str};
//!
//! let spec = "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\n\
//!             metadata: {name: default, namespace: argo-events}\n\
//!             spec: {jetstream: {version: latest}}\n";
//! let options = RenderOptions::default().secrets(SecretsMode::Reference);
//! let rendered = render_str(spec, &options)?;
//! assert!(rendered.objects().all(|o| o.kind() != "Secret"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod adopt;
mod certs;
mod credentials;
mod error;
mod export;
mod fields;
mod names;
mod options;
mod output;
mod parse;
mod pipeline;
mod plan;
mod render;
mod secret_template;
mod stream_config;
#[cfg(feature = "schema")]
mod strict_schema;
mod templates;
#[cfg(test)]
mod testing;
mod validate;
mod values;

#[doc(hidden)]
pub mod frontend;
pub mod krm;
pub mod spec;
pub mod yaml;

pub use credentials::{CLIENT_SECRET_ANNOTATION, SERVER_SECRET_ANNOTATION};
pub use error::{Cause, Credential, Error, ErrorKind, Errors, Location, Warning};
pub use options::{
    CertificateValidity, Derivation, Images, JetStreamDefaults, JetStreamVersion, RenderOptions,
    SecretsMode, SecurityProfile, Seed,
};
pub use pipeline::{render_documents, render_str, render_str_with_rng};
pub use render::{COMPANION_ANNOTATION, Object, Rendered, RenderedBus};

/// The JSON Schema of the `EventBus` resource as eventbus-gen reads it, for editors: besides
/// the fields and their types, it states the rules of validation that JSON Schema can (unknown
/// fields, one bus kind, enums, replica ranges, names, durations, sizes, quantities).
#[cfg(feature = "schema")]
pub fn eventbus_schema() -> serde_json::Value {
    strict_schema::strict(
        serde_json::to_value(schemars::schema_for!(spec::EventBus)).expect("schemas serialize"),
    )
}

/// The JSON Schema of [`RenderOptions`].
#[cfg(feature = "schema")]
pub fn options_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(RenderOptions)).expect("schemas serialize")
}

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The Rust examples of `docs/library.md`, compiled and run as doctests like the README's.
#[doc = include_str!("../docs/library.md")]
#[cfg(doctest)]
pub struct LibraryDoctests;
