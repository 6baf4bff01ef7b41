//! End-to-end tests: fixtures against snapshots, the binary, and properties.

mod argocd;
