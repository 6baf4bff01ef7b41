//! Errors and warnings located in the files of the folder, worded for Argo CD users.

use super::Failure;
use super::files::Input;
use crate::error::{Error, Errors, Warning};
use crate::frontend::advice::{self, Terms};
use crate::parse::ParsedBus;

pub(super) fn no_bus_message(files: &[String]) -> String {
    let read = if files.is_empty() {
        "no YAML or JSON file was found".to_owned()
    } else {
        format!("read {}", files.join(", "))
    };
    format!(
        "error: no EventBus document in the application folder ({read}); refusing to \
         produce manifests without a bus, which Argo CD would prune"
    )
}

/// The file and position of an error, by its document index.
fn locate(inputs: &[Input], document: Option<usize>) -> Option<&Input> {
    let d = document?;
    inputs
        .iter()
        .find(|i| i.docs.iter().any(|doc| doc.index == d))
}

pub(super) fn report(inputs: &[Input], errors: &Errors) -> Failure {
    Failure::input(
        errors
            .as_slice()
            .iter()
            .map(|e| {
                let file = locate(inputs, e.document()).map(|i| i.name.as_str());
                let at = match (file, e.location()) {
                    (Some(f), Some(l)) => format!("{f}:{l}: "),
                    (Some(f), None) => format!("{f}: "),
                    (None, _) => String::new(),
                };
                format!("{at}error: {e}")
            })
            .collect(),
    )
}

pub(super) fn locate_warning(inputs: &[Input], w: &Warning) -> String {
    match (locate(inputs, w.document), w.location) {
        (Some(i), Some(l)) => i.at(l),
        (Some(i), None) => i.name.clone(),
        (None, _) => "eventbus-gen".to_owned(),
    }
}

/// How Argo CD users set what advice asks for: plugin parameters and sidecar variables.
const TERMS: Terms = Terms {
    seed: "give the plugin a seed (set EVENTBUS_GEN_SEED in the plugin sidecar from a \
           Kubernetes Secret, or name a mounted file with the seedFile parameter or another \
           sidecar variable with seedEnv)",
    secrets: "in the folder",
    random: None,
    no_random: "Random tokens are never drawn under Argo CD",
    namespace: "the namespace parameter, or the Application's destination namespace",
    option: |key| format!("the {key} parameter"),
};

/// Errors worded for Argo CD users, located in the files of the folder.
pub(super) fn reword<'a>(
    errors: Errors,
    bus_of: &dyn Fn(usize) -> Option<&'a ParsedBus>,
) -> Errors {
    Errors(
        errors
            .0
            .into_iter()
            .map(|e| {
                let message = advice::message(&e, &TERMS);
                if message == e.message() {
                    return e;
                }
                let at = e.location().or_else(|| {
                    e.document()
                        .and_then(bus_of)
                        .and_then(|b| b.locate(e.path()))
                });
                let out = Error::new(e.kind(), e.path(), message).at(at);
                match e.document() {
                    Some(d) => out.in_document(d),
                    None => out,
                }
            })
            .collect(),
    )
}
