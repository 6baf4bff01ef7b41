//! End-to-end tests: fixtures against snapshots, the binary, upstream facts and properties.
//! The helpers every module uses live in `support`.

mod adopt;
mod argocd;
mod cli;
mod credentials;
mod docs;
mod exports;
mod frontends;
mod golden;
mod hostile;
mod jetstream;
mod krm;
mod kustomize;
mod no_silent_drops;
mod output_dir;
mod props;
mod schema;
mod support;
mod upstream;
