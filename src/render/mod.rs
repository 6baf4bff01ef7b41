//! Plans to typed Kubernetes objects, in a fixed order.
//!
//! Per bus, in input order: Service, ConfigMap, server Secret, client Secret, StatefulSet,
//! PodDisruptionBudget, companion EventBus. An external bus renders as itself.

mod common;
pub(crate) mod companion;
mod jetstream;
mod pdb;
mod stan;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::error::{Error, Errors, Warning};
use crate::options::RenderOptions;
use crate::parse::Parsed;
use crate::plan::{Plan, PlanKind};
use crate::spec::EventBus;

/// One rendered Kubernetes object.
// A handful of objects per bus: boxing the larger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Object {
    /// A headless Service.
    Service(Service),
    /// A ConfigMap holding the NATS config.
    ConfigMap(ConfigMap),
    /// An auth Secret.
    Secret(Secret),
    /// The NATS StatefulSet.
    StatefulSet(StatefulSet),
    /// The PodDisruptionBudget.
    PodDisruptionBudget(PodDisruptionBudget),
    /// An EventBus: the companion of a native bus, or an external bus passed through.
    EventBus(EventBus),
}

impl Object {
    /// The object's metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Service(o) => &o.metadata,
            Object::ConfigMap(o) => &o.metadata,
            Object::Secret(o) => &o.metadata,
            Object::StatefulSet(o) => &o.metadata,
            Object::PodDisruptionBudget(o) => &o.metadata,
            Object::EventBus(o) => &o.metadata,
        }
    }

    /// The object's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Object::Service(_) => "Service",
            Object::ConfigMap(_) => "ConfigMap",
            Object::Secret(_) => "Secret",
            Object::StatefulSet(_) => "StatefulSet",
            Object::PodDisruptionBudget(_) => "PodDisruptionBudget",
            Object::EventBus(_) => crate::spec::KIND,
        }
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or("")
    }
}

/// The objects of one bus.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderedBus {
    /// Bus name.
    pub name: String,
    /// Namespace of the objects (empty for an external bus without one).
    pub namespace: String,
    /// 0-based index of the source document.
    pub document: usize,
    /// The objects, in the documented order.
    pub objects: Vec<Object>,
}

/// The result of a render: every bus's objects, plus warnings for the user.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    /// One entry per input bus, in input order.
    pub buses: Vec<RenderedBus>,
    /// Things the user should know (values changed as upstream changes them, dropped fields,
    /// random tokens). Never holds a secret.
    pub warnings: Vec<Warning>,
}

impl Rendered {
    /// Every object, bus after bus.
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.buses.iter().flat_map(|b| b.objects.iter())
    }

    /// The objects as one YAML stream (`---` between documents).
    pub fn to_yaml(&self) -> Result<String, Error> {
        let objects: Vec<&Object> = self.objects().collect();
        crate::output::to_yaml_stream(&objects)
    }

    /// Writes the YAML stream to `w`, one object at a time.
    pub fn write_yaml<W: std::io::Write>(&self, w: W) -> Result<(), std::io::Error> {
        crate::output::write_yaml_stream(self.objects(), w)
    }
}

/// Renders validated plans. Secrets in `parsed` and in the options supply existing credentials.
pub fn render(
    plans: &[Plan],
    parsed: &Parsed,
    options: &RenderOptions,
) -> Result<Rendered, Errors> {
    let mut buses = Vec::with_capacity(plans.len());
    let warnings = render_each(plans, parsed, options, |bus| {
        buses.push(bus);
        Ok(())
    })?;
    Ok(Rendered { buses, warnings })
}

/// Renders plan by plan and hands each bus to `sink` as soon as it is built, so that only one
/// bus's objects are in memory at a time (a front end can serialize them right away). All
/// errors are collected; once one occurred, later buses are still checked but no longer handed
/// to `sink`. Returns the warnings, in input order.
pub fn render_each(
    plans: &[Plan],
    parsed: &Parsed,
    options: &RenderOptions,
    mut sink: impl FnMut(RenderedBus) -> Result<(), Error>,
) -> Result<Vec<Warning>, Errors> {
    let secrets: Vec<&Secret> = parsed
        .secrets
        .iter()
        .chain(options.existing_secrets.iter())
        .collect();
    let mut warnings = parsed.warnings.clone();
    let mut errors = Vec::new();
    for plan in plans {
        warnings.extend(plan.warnings.iter().cloned());
        let objects = match &plan.kind {
            PlanKind::Stan(stan) => stan::objects(plan, stan, &secrets, options, &mut warnings),
            PlanKind::JetStream(js) => {
                jetstream::objects(plan, js, &secrets, options, &mut warnings)
            }
            PlanKind::External(bus) => Ok(vec![Object::EventBus((**bus).clone())]),
        };
        let bus = objects.map(|objects| RenderedBus {
            name: plan.name.clone(),
            namespace: plan.namespace.clone(),
            document: plan.document,
            objects,
        });
        match bus {
            Ok(bus) if errors.is_empty() => {
                if let Err(e) = sink(bus) {
                    errors.push(e.in_document(plan.document));
                }
            }
            Ok(_) => {}
            Err(e) => {
                let at = parsed
                    .buses
                    .iter()
                    .find(|b| b.document == plan.document)
                    .and_then(|b| b.locate(e.path()));
                errors.push(e.at(at).in_document(plan.document));
            }
        }
    }
    // Warnings in input order: by document, then position.
    warnings.sort_by_key(|w| {
        let at = w.location.map_or((usize::MAX, 0), |l| (l.line, l.column));
        (w.document.unwrap_or(usize::MAX), at)
    });
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(Errors(errors))
    }
}

/// Appends the optional objects of a native bus, as the plan asks: the PodDisruptionBudget
/// `pdb_name`, then the companion EventBus.
fn push_optional(
    out: &mut Vec<Object>,
    plan: &Plan,
    pdb_name: String,
    companion: impl FnOnce() -> EventBus,
) {
    if plan.pod_disruption_budget {
        out.push(Object::PodDisruptionBudget(pdb::pod_disruption_budget(
            plan, pdb_name,
        )));
    }
    if plan.companion {
        out.push(Object::EventBus(companion()));
    }
}

pub use companion::COMPANION_ANNOTATION;
