//! The front-end layer: everything that reads files, the environment or the operating system's
//! random source, and words messages for a front end's users. The command line (`src/cli/`),
//! the KRM function, the kustomize exec plugin and the Argo CD plugin all go through here; the
//! rendering core below never sees a file, a variable or a flag name.
//!
//! Not a stable API: it is public only so that the `eventbus-gen` binary can use it.

pub mod advice;
pub mod argocd;
pub mod fsread;
pub mod function;
pub mod input;
pub mod kustomize;
pub mod options;
pub mod seed;

use std::num::NonZeroUsize;

/// The most threads a render uses: deriving JetStream keys gains little beyond this, and the
/// Argo CD plugin shares its machine with every other team's renders.
const MAX_THREADS: NonZeroUsize = NonZeroUsize::new(8).unwrap();

/// How many threads a render may use: what the machine (or the container's CPU quota) offers,
/// at most eight (`MAX_THREADS`).
pub fn threads() -> NonZeroUsize {
    std::thread::available_parallelism()
        .unwrap_or(NonZeroUsize::MIN)
        .min(MAX_THREADS)
}

/// The pipeline steps the binary runs one at a time (so that it can report errors per file
/// and write each bus as it renders), and the YAML writers it streams with.
pub mod pipeline {
    pub use crate::output::{append_yaml, to_yaml};
    pub use crate::pipeline::{parse_documents, render_each};
    pub use crate::validate::{MAX_JETSTREAM_BUSES, validate};
}

/// What the Secrets of each bus must hold when they are made outside eventbus-gen (`secrets
/// template`).
pub mod secrets {
    pub use crate::secret_template::{BusSecrets, KeyTemplate, SecretTemplate, secret_templates};
}

/// The comparison behind `adopt`: rendered objects against the live objects of an export.
pub mod adopt {
    pub use crate::adopt::{Handover, ObjectReport, Owned, Report, Stage, Verdict, compare};
}

/// Test support: values the integration tests compute expectations from.
#[doc(hidden)]
pub mod testing {
    pub use crate::credentials::derive as derive_secret;
}
