//! The PodDisruptionBudget upstream recommends but does not create.

use std::collections::BTreeMap;

use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::common;
use crate::names;
use crate::plan::Plan;

/// `eventbus-<n>-pdb`: at most one bus pod down at a time.
pub(crate) fn pod_disruption_budget(plan: &Plan, name: String) -> PodDisruptionBudget {
    let selector = BTreeMap::from([
        (
            names::LABEL_CONTROLLER.to_owned(),
            names::CONTROLLER_NAME.to_owned(),
        ),
        (names::LABEL_EVENTBUS_NAME.to_owned(), plan.name.clone()),
    ]);
    PodDisruptionBudget {
        metadata: common::meta(plan, name, &BTreeMap::new(), BTreeMap::new()),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(LabelSelector {
                match_labels: Some(selector),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}
