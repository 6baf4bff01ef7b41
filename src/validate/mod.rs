//! Validation: upstream's rules with upstream's wording, plus ours; turns specs into plans.
//!
//! Every problem of a document is collected (not just the first) and carries its field path.
//! Where the controller silently changes a value, the same change is made and a warning says so.
//!
//! - `upstream`: the Argo Events controller's own rules, in its words;
//! - `stan` and `jetstream`: the plan of each native bus kind, with its defaults;
//! - `pod`: the fields every native bus kind shares (pod settings, persistence, templates);
//! - `options`: the render options themselves.

mod jetstream;
mod options;
mod pod;
mod server_side;
mod stan;
mod upstream;

use std::collections::BTreeMap;

use crate::certs::Window;
use crate::error::{Cause, Error, ErrorKind, Errors, Warning};
use crate::names::{MAX_JETSTREAM_NAME, MAX_STAN_NAME};
use crate::options::RenderOptions;
use crate::parse::{Parsed, ParsedBus};
use crate::plan::{Plan, PlanKind};
use crate::spec::EventBus;
use crate::values;

/// The most replicas eventbus-gen renders for one bus.
pub const MAX_REPLICAS: i32 = 25;

/// Validates every bus of the input and applies the defaults. All errors of all documents are
/// returned together.
pub fn validate(parsed: &Parsed, options: &RenderOptions) -> Result<Vec<Plan>, Errors> {
    let mut plans = Vec::new();
    let (mut errors, window) = options::check(options);
    let mut seen: std::collections::BTreeSet<(String, String)> = std::collections::BTreeSet::new();
    for bus in &parsed.buses {
        match validate_bus(bus, options, window) {
            Ok(mut plan) => {
                let key = (plan.namespace.clone(), plan.name.clone());
                if !seen.insert(key) {
                    plan.warnings.push(Warning {
                        path: "metadata.name".to_owned(),
                        message: format!(
                            "bus {}/{} is defined more than once in the input; both are rendered, and when applied the later objects replace the earlier ones",
                            plan.namespace, plan.name
                        ),
                        location: bus.locate("metadata.name"),
                        document: Some(plan.document),
                    });
                }
                plans.push(plan)
            }
            Err(e) => errors.extend(e),
        }
    }
    // Each JetStream bus derives four keys and signs four certificates: the count is bounded so
    // that one input cannot hold a shared renderer for minutes.
    if let Some(past) = plans
        .iter()
        .filter(|p| matches!(p.kind, PlanKind::JetStream(_)))
        .nth(MAX_JETSTREAM_BUSES)
    {
        errors.push(
            Error::new(
                ErrorKind::Invalid,
                "",
                format!(
                    "more than {MAX_JETSTREAM_BUSES} JetStream buses in one input; each needs keys \
                     and certificates of its own, so at most {MAX_JETSTREAM_BUSES} are rendered \
                     in one run: split the input"
                ),
            )
            .in_document(past.document),
        );
    }
    if errors.is_empty() {
        Ok(plans)
    } else {
        Err(Errors(errors))
    }
}

/// The most JetStream buses one input may hold (each costs about half a millisecond and a few
/// tens of kilobytes of output).
pub const MAX_JETSTREAM_BUSES: usize = 1_000;

/// Validates one bus, step by step: upstream's rules, the metadata, then the plan of its kind.
/// `window` is the certificate window of the options, `None` when it is invalid: a JetStream
/// bus then gets no plan, and no error of its own either (the options check reports the
/// window).
pub(crate) fn validate_bus(
    parsed: &ParsedBus,
    options: &RenderOptions,
    window: Option<Window>,
) -> Result<Plan, Vec<Error>> {
    let (clean, server_side) = server_side::strip(&parsed.bus);
    let bus = &clean;
    let mut c = Checker::new(Some(parsed));
    upstream::check(&mut c, bus);
    let (name, namespace) = metadata(&mut c, bus, options);
    if !server_side.is_empty() {
        c.warn(
            "metadata",
            format!(
                "bus {namespace}/{name}: not carried into the output, as the API server and the \
                 controllers write them: {}",
                server_side.join(", ")
            ),
        );
    }
    let kind = plan_kind(&mut c, bus, options, window);
    let warnings = c.finish()?;
    let Some(kind) = kind else {
        return Err(Vec::new());
    };
    Ok(Plan {
        name,
        namespace,
        bus_labels: bus.metadata.labels.clone().unwrap_or_default(),
        bus_annotations: bus.metadata.annotations.clone().unwrap_or_default(),
        common_labels: options.common_labels.clone(),
        common_annotations: options.common_annotations.clone(),
        pod_disruption_budget: options.pod_disruption_budget,
        companion: options.companion,
        kind,
        warnings,
        document: parsed.document,
    })
}

/// Checks the bus's name, namespace, labels and annotations; returns the name and the
/// namespace the objects go to.
fn metadata(c: &mut Checker<'_>, bus: &EventBus, options: &RenderOptions) -> (String, String) {
    let spec = &bus.spec;
    let native_stan = spec.nats.as_ref().is_some_and(|n| n.native.is_some());
    let native = native_stan || spec.jetstream.is_some();
    let name = bus.name().to_owned();
    if name.is_empty() {
        c.invalid(
            "metadata.name",
            "missing; every EventBus needs a name (the default bus is named \"default\")",
        );
    } else if native {
        c.check("metadata.name", values::dns_label(&name));
        let max = if native_stan {
            MAX_STAN_NAME
        } else {
            MAX_JETSTREAM_NAME
        };
        if name.len() > max {
            c.invalid(
                "metadata.name",
                format!(
                    "{} has {} characters; at most {max} keep the StatefulSet, Service and pod names valid",
                    crate::error::quote(&name),
                    name.len()
                ),
            );
        }
    } else {
        c.check("metadata.name", values::dns_subdomain(&name));
    }
    let namespace = bus
        .metadata
        .namespace
        .clone()
        .or_else(|| options.namespace.clone())
        .unwrap_or_default();
    if let Some(ns) = &bus.metadata.namespace {
        c.check("metadata.namespace", values::dns_label(ns));
    } else if native && options.namespace.is_none() {
        c.err_because(
            ErrorKind::Invalid,
            "metadata.namespace",
            "missing; the NATS cluster routes name the namespace, so set metadata.namespace or the namespace render option",
            Cause::MissingNamespace,
        );
    }
    c.labels("metadata.labels", bus.metadata.labels.as_ref(), true);
    c.labels(
        "metadata.annotations",
        bus.metadata.annotations.as_ref(),
        false,
    );
    (name, namespace)
}

/// What to render: the plan of a native bus, or the spec of an external one to pass through.
/// `None` for a JetStream bus without a certificate window.
fn plan_kind(
    c: &mut Checker<'_>,
    bus: &EventBus,
    options: &RenderOptions,
    window: Option<Window>,
) -> Option<PlanKind> {
    let spec = &bus.spec;
    if let Some(native) = spec.nats.as_ref().and_then(|n| n.native.as_ref()) {
        Some(PlanKind::Stan(Box::new(stan::plan(c, native, options))))
    } else if let Some(js) = &spec.jetstream {
        jetstream::plan(c, js, options, window).map(|js| PlanKind::JetStream(Box::new(js)))
    } else {
        // Only a pass-through bus needs the spec itself; `bus` holds no status nor other
        // server-side metadata (see `server_side`).
        Some(PlanKind::External(Box::new(bus.clone())))
    }
}

/// Collects errors and warnings for one document.
struct Checker<'a> {
    bus: Option<&'a ParsedBus>,
    errors: Vec<Error>,
    warnings: Vec<Warning>,
}

impl<'a> Checker<'a> {
    fn new(bus: Option<&'a ParsedBus>) -> Self {
        Checker {
            bus,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn err(&mut self, kind: ErrorKind, path: &str, message: impl Into<String>) {
        self.push(Error::new(kind, path, message));
    }

    fn err_because(&mut self, kind: ErrorKind, path: &str, message: &str, cause: Cause) {
        self.push(Error::new(kind, path, message).because(cause));
    }

    fn push(&mut self, mut e: Error) {
        if let Some(b) = self.bus {
            let at = b.locate(e.path());
            e = e.at(at).in_document(b.document);
        }
        self.errors.push(e);
    }

    fn invalid(&mut self, path: &str, message: impl Into<String>) {
        self.err(ErrorKind::Invalid, path, message);
    }

    fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.warnings.push(Warning {
            path: path.to_owned(),
            message: message.into(),
            location: self.bus.and_then(|b| b.locate(path)),
            document: self.bus.map(|b| b.document),
        });
    }

    fn check(&mut self, path: &str, result: Result<(), String>) {
        if let Err(m) = result {
            self.invalid(path, m);
        }
    }

    fn one_of(&mut self, path: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.invalid(
                path,
                format!(
                    "{} is not allowed; use one of: {}",
                    crate::error::quote(value),
                    allowed.join(", ")
                ),
            );
        }
    }

    fn labels(&mut self, path: &str, map: Option<&BTreeMap<String, String>>, label_values: bool) {
        for (k, v) in map.into_iter().flatten() {
            let p = format!("{path}.{k}");
            self.check(&p, values::label_key(k));
            if label_values {
                self.check(&p, values::label_value(v));
            }
        }
    }

    fn image(&mut self, path: &str, image: &str) {
        if image.is_empty() || image.chars().any(char::is_whitespace) {
            self.invalid(
                path,
                "an image reference must be non-empty and have no white space",
            );
        }
    }

    fn duration(&mut self, path: &str, value: &Option<String>, default: &str) -> String {
        match value {
            Some(v) => {
                self.check(path, values::go_duration(v));
                v.clone()
            }
            None => default.to_owned(),
        }
    }

    fn size(&mut self, path: &str, value: &Option<String>, default: &str) -> String {
        match value {
            Some(v) => {
                self.check(path, values::nats_size(v));
                v.clone()
            }
            None => default.to_owned(),
        }
    }
}

impl Checker<'_> {
    /// The warnings, or every error in input order (errors without a position keep their
    /// place at the end).
    fn finish(mut self) -> Result<Vec<Warning>, Vec<Error>> {
        if self.errors.is_empty() {
            return Ok(self.warnings);
        }
        self.errors
            .sort_by_key(|e| e.location().map_or((usize::MAX, 0), |l| (l.line, l.column)));
        Err(self.errors)
    }
}
