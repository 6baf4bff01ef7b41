//! Plans to typed Kubernetes objects, in a fixed order.
//!
//! Per bus, in input order: Service, ConfigMap, server Secret, client Secret, StatefulSet,
//! PodDisruptionBudget, companion EventBus. In reference mode the Secrets are left out; in
//! external-secrets mode ExternalSecrets take their place. An external bus renders as itself.

mod common;
pub(crate) mod companion;
pub(crate) mod external;
mod jetstream;
mod pdb;
mod stan;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::credentials::{BusCredentials, Credentials};
use crate::error::{Error, ErrorKind, Errors, Warning};
use crate::plan::{Plan, PlanKind, StanAuth};
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
    /// An `ExternalSecret` (external-secrets.io/v1) that builds a bus's Secret in the cluster.
    ExternalSecret(external::ExternalSecret),
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
            Object::ExternalSecret(o) => &o.metadata,
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
            Object::ExternalSecret(_) => external::KIND,
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

/// Renders one bus: a pure function of its plan and its credentials (see
/// [`resolve_credentials`](crate::resolve_credentials)); the same arguments always give the same
/// objects.
pub fn render_bus(plan: &Plan, credentials: &BusCredentials) -> Result<RenderedBus, Error> {
    // The Secrets' names: upstream's, or those of the bus's annotations.
    let names = crate::credentials::refs::resolve(plan)?;
    let objects = match (&plan.kind, credentials, names) {
        (PlanKind::Stan(stan), BusCredentials::StanToken(token), Some(refs))
            if stan.auth == StanAuth::Token =>
        {
            let secrets = stan::secrets(plan, stan, &refs, Some(token))?;
            stan::objects(plan, stan, &refs, secrets)?
        }
        (PlanKind::Stan(stan), BusCredentials::None, Some(refs)) if stan.auth == StanAuth::None => {
            let secrets = stan::secrets(plan, stan, &refs, None)?;
            stan::objects(plan, stan, &refs, secrets)?
        }
        (PlanKind::JetStream(js), BusCredentials::JetStream(secrets), Some(refs)) => {
            jetstream::objects(plan, js, &refs, jetstream::secrets(plan, &refs, secrets))?
        }
        // Reference mode: no Secret, nothing that holds or is made from a value of one.
        (PlanKind::Stan(stan), BusCredentials::Reference(refs), _) => {
            stan::objects(plan, stan, refs, Vec::new())?
        }
        (PlanKind::JetStream(js), BusCredentials::Reference(refs), _) => {
            jetstream::objects(plan, js, refs, Vec::new())?
        }
        (PlanKind::Stan(stan), BusCredentials::External(ext), _) => {
            let secrets = match stan.auth {
                StanAuth::Token => external::stan(plan, ext)?
                    .into_iter()
                    .map(Object::ExternalSecret)
                    .collect(),
                // No credential to fetch: the controller's empty server Secret, as is (under
                // the name the bus's annotation may give it).
                StanAuth::None => stan::secrets(plan, stan, &ext.refs, None)?,
            };
            stan::objects(plan, stan, &ext.refs, secrets)?
        }
        (PlanKind::JetStream(js), BusCredentials::External(ext), _) => {
            let secrets = external::jetstream(plan, ext)?
                .into_iter()
                .map(Object::ExternalSecret)
                .collect();
            jetstream::objects(plan, js, &ext.refs, secrets)?
        }
        (PlanKind::External(bus), BusCredentials::None, _) => {
            vec![Object::EventBus((**bus).clone())]
        }
        _ => {
            return Err(Error::new(
                ErrorKind::Credentials,
                "",
                format!(
                    "bus {}/{}: the credentials handed to render do not fit the bus; resolve them \
                     from the same plans",
                    plan.namespace, plan.name
                ),
            ));
        }
    };
    Ok(RenderedBus {
        name: plan.name.clone(),
        namespace: plan.namespace.clone(),
        document: plan.document,
        objects,
    })
}

/// Renders plans with their credentials (one entry per plan, in plan order, as
/// [`resolve_credentials`](crate::resolve_credentials) gives them).
#[cfg(test)]
pub fn render_resolved(plans: &[Plan], credentials: &Credentials) -> Result<Rendered, Errors> {
    let mut buses = Vec::with_capacity(plans.len());
    let warnings = render_resolved_each(plans, credentials, |bus| {
        buses.push(bus);
        Ok(())
    })?;
    Ok(Rendered { buses, warnings })
}

/// Renders plan by plan and hands each bus to `sink` as soon as it is built, so that only one
/// bus's objects are in memory at a time (a front end can serialize them right away). All
/// errors are collected; once one occurred, later buses are still rendered but no longer handed
/// to `sink`. Returns the warnings of the plans and of their credentials, in input order.
pub fn render_resolved_each(
    plans: &[Plan],
    credentials: &Credentials,
    mut sink: impl FnMut(RenderedBus) -> Result<(), Error>,
) -> Result<Vec<Warning>, Errors> {
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let none = BusCredentials::None;
    for (i, plan) in plans.iter().enumerate() {
        warnings.extend(plan.warnings.iter().cloned());
        warnings.extend(credentials.warnings(i).iter().cloned());
        match render_bus(plan, credentials.bus(i).unwrap_or(&none)) {
            Ok(bus) if errors.is_empty() => {
                if let Err(e) = sink(bus) {
                    errors.push(e.in_document(plan.document));
                }
            }
            Ok(_) => {}
            Err(e) => errors.push(e.in_document(plan.document)),
        }
    }
    sort_warnings(&mut warnings);
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(Errors(errors))
    }
}

/// Sorts warnings into input order: by document, then position (stable, so warnings at the same
/// place keep the order they were found in).
pub(crate) fn sort_warnings(warnings: &mut [Warning]) {
    warnings.sort_by_key(|w| {
        let at = w.location.map_or((usize::MAX, 0), |l| (l.line, l.column));
        (w.document.unwrap_or(usize::MAX), at)
    });
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

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::options::{RenderOptions, Seed};
    use crate::pipeline::{parse, resolve_credentials};
    use crate::validate::validate;

    const INPUT: &str = "apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata: {name: stan, namespace: ev}
spec: {nats: {native: {auth: token}}}
---
apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata: {name: js, namespace: ev}
spec: {jetstream: {version: latest}}
---
apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata: {name: kafka, namespace: ev}
spec: {kafka: {url: 'kafka:9092', topic: t}}
";

    fn plans_and_credentials(
        options: &RenderOptions,
        rng: Option<&mut dyn rand::CryptoRng>,
    ) -> (Vec<Plan>, Credentials) {
        let parsed = parse(INPUT, options).unwrap();
        let plans = validate(&parsed, options).unwrap();
        let credentials = resolve_credentials(&plans, &parsed, options, rng).unwrap();
        (plans, credentials)
    }

    fn yaml(plans: &[Plan], credentials: &Credentials) -> String {
        render_resolved(plans, credentials)
            .unwrap()
            .to_yaml()
            .unwrap()
    }

    #[test]
    fn render_is_a_pure_function_of_plans_and_credentials() {
        let options =
            RenderOptions::default().seed(Seed::new("a seed for the purity test").unwrap());
        let (plans, credentials) = plans_and_credentials(&options, None);
        let first = yaml(&plans, &credentials);
        assert_eq!(first, yaml(&plans, &credentials));
        // Bus by bus, the same objects as the whole render.
        for (i, plan) in plans.iter().enumerate() {
            let a = render_bus(plan, credentials.bus(i).unwrap()).unwrap();
            assert_eq!(a, render_bus(plan, credentials.bus(i).unwrap()).unwrap());
        }
        // Random credentials from a seeded generator: reproducible bytes.
        let random = RenderOptions::default().random_tokens(true);
        let render_seeded = |seed: u64| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let (plans, credentials) = plans_and_credentials(&random, Some(&mut rng));
            yaml(&plans, &credentials)
        };
        assert_eq!(render_seeded(1), render_seeded(1));
        assert_ne!(render_seeded(1), render_seeded(2));
        assert_ne!(render_seeded(1), first);
    }

    #[test]
    fn credentials_that_do_not_fit_the_plan_are_an_error() {
        let options =
            RenderOptions::default().seed(Seed::new("a seed for the purity test").unwrap());
        let (plans, _) = plans_and_credentials(&options, None);
        let e = render_bus(&plans[0], &BusCredentials::None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        let none: Credentials = plans.iter().map(|_| BusCredentials::None).collect();
        let e = render_resolved(&plans, &none).unwrap_err();
        // The token bus and the JetStream bus lack theirs; the external bus needs none.
        let documents: Vec<_> = e.0.iter().map(|e| e.document()).collect();
        assert_eq!(documents, [Some(0), Some(1)]);
    }
}
