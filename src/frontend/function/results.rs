//! Errors and warnings of a render as KRM results, worded for kpt and kustomize users.

use serde_json::Value;

use super::config::ConfigSource;
use crate::error::{Error, Warning};
use crate::frontend::advice::{self, Terms};
use crate::krm::ResultItem;

/// How kpt and kustomize users set what advice asks for.
pub(super) const TERMS: Terms = Terms {
    seed: "set EVENTBUS_GEN_SEED where kpt or kustomize runs (exec functions inherit the \
           environment) or seedFile in the functionConfig",
    secrets: "among the items",
    random: Some("set randomTokens to \"true\" in the functionConfig"),
    no_random: "",
    namespace: "namespace in the functionConfig",
    option: |key| format!("{key} in the functionConfig"),
};

/// An error result, pointed at the item (or functionConfig field) it is about.
pub(super) fn error<'v>(
    e: &Error,
    source: &ConfigSource<'_>,
    source_of: &dyn Fn(usize) -> &'v Value,
    terms: &Terms,
) -> ResultItem {
    let message = advice::message(e, terms);
    if let Some(option) = e.path().strip_prefix("options.")
        && e.document().is_none()
    {
        return source.result(ResultItem::error(message), option);
    }
    let Some(index) = e.document() else {
        return ResultItem::error(message).at_field(e.path());
    };
    ResultItem::error(message)
        .for_item(source_of(index))
        .at_field(e.path())
}

/// A warning result, pointed like [`error`].
pub(super) fn warning<'v>(
    w: &Warning,
    source: &ConfigSource<'_>,
    source_of: &dyn Fn(usize) -> &'v Value,
) -> ResultItem {
    match w.document {
        Some(index) => ResultItem::warning(w.message.clone())
            .for_item(source_of(index))
            .at_field(w.path.clone()),
        None => source.result(
            ResultItem::warning(w.message.clone()),
            w.path.strip_prefix("options.").unwrap_or(&w.path),
        ),
    }
}
