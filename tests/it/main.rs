//! End-to-end tests: fixtures against snapshots, the binary, upstream facts and properties.
//! The helpers every module uses live in `support`.

mod argocd;
mod cli;
mod frontends;
mod golden;
mod hostile;
mod jetstream;
mod krm;
mod props;
mod support;
mod upstream;
