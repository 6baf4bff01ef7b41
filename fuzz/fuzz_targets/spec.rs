//! A structured, arbitrary EventBus: every field the renderer reads, with values drawn from the
//! edges of their ranges (durations and sizes near the limits, odd names, YAML in strings), so
//! that the fuzzer spends its time past the parser. Errors are fine; panics are not, and what
//! renders must read back as YAML.
#![no_main]

use arbitrary::Arbitrary;
use eventbus_gen::{RenderOptions, Seed, render_str};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

#[derive(Arbitrary, Debug)]
enum Kind {
    Stan,
    JetStream,
}

#[derive(Arbitrary, Debug)]
struct Bus {
    kind: Kind,
    name: Text,
    namespace: Option<Text>,
    replicas: Option<i64>,
    auth: Option<Text>,
    durations: Vec<(u8, Number, Unit)>,
    sizes: Vec<(u8, Number, SizeUnit)>,
    version: Option<Text>,
    stream_config: Option<Text>,
    settings: Option<Text>,
    volume_size: Option<Text>,
    labels: Vec<(Text, Text)>,
    secret: Option<(Text, Text)>,
}

/// A string from a few interesting shapes.
#[derive(Arbitrary, Debug)]
enum Text {
    Plain(String),
    Name(u8),
    Repeat(char, u16),
    Yaml(u8),
}

impl Text {
    fn get(&self) -> String {
        match self {
            Text::Plain(s) => s.clone(),
            Text::Name(n) => ["default", "bus-1", "a", "latest", "2.10.10", "token", "none"]
                [*n as usize % 7]
                .to_owned(),
            Text::Repeat(c, n) => c.to_string().repeat(*n as usize % 300),
            Text::Yaml(n) => [
                "maxAge: 9999999h\nmaxBytes: 99999999999999TB\n",
                "a: &a [x, x]\nb: [*a, *a, *a]\n",
                "replicas: -1\nduplicates: 1e400s\n",
                "{a: [[[[[[[[]]]]]]]]}",
                "max_file_store: 1TB\n",
            ][*n as usize % 5]
                .to_owned(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Number {
    Small(u16),
    Big(u64),
    Fraction(u32, u32),
    Digits(u8),
}

impl Number {
    fn get(&self) -> String {
        match self {
            Number::Small(n) => n.to_string(),
            Number::Big(n) => n.to_string(),
            Number::Fraction(a, b) => format!("{a}.{b}"),
            Number::Digits(n) => "9".repeat(*n as usize % 40 + 1),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Unit {
    Ns,
    Us,
    Ms,
    S,
    M,
    H,
    D,
    None,
}

#[derive(Arbitrary, Debug)]
enum SizeUnit {
    None,
    K,
    Kb,
    Mb,
    Gi,
    Tb,
    Eb,
    Bogus,
}

const DURATION_FIELDS: [&str; 5] = [
    "maxAge",
    "raftHeartbeatTimeout",
    "raftElectionTimeout",
    "raftLeaseTimeout",
    "raftCommitTimeout",
];
const SIZE_FIELDS: [&str; 2] = ["maxBytes", "maxPayload"];

fn document(bus: &Bus) -> Value {
    let mut spec = serde_json::Map::new();
    if let Some(r) = bus.replicas {
        spec.insert("replicas".into(), json!(r));
    }
    if let Some(a) = &bus.auth {
        spec.insert("auth".into(), json!(a.get()));
    }
    for (field, number, unit) in &bus.durations {
        let unit = match unit {
            Unit::Ns => "ns",
            Unit::Us => "us",
            Unit::Ms => "ms",
            Unit::S => "s",
            Unit::M => "m",
            Unit::H => "h",
            Unit::D => "d",
            Unit::None => "",
        };
        let field = DURATION_FIELDS[*field as usize % DURATION_FIELDS.len()];
        spec.insert(field.into(), json!(format!("{}{unit}", number.get())));
    }
    for (field, number, unit) in &bus.sizes {
        let unit = match unit {
            SizeUnit::None => "",
            SizeUnit::K => "K",
            SizeUnit::Kb => "KB",
            SizeUnit::Mb => "MB",
            SizeUnit::Gi => "Gi",
            SizeUnit::Tb => "TB",
            SizeUnit::Eb => "EB",
            SizeUnit::Bogus => "XB",
        };
        let field = SIZE_FIELDS[*field as usize % SIZE_FIELDS.len()];
        spec.insert(field.into(), json!(format!("{}{unit}", number.get())));
    }
    if let Some(v) = &bus.volume_size {
        spec.insert("persistence".into(), json!({"volumeSize": v.get()}));
    }
    let labels: serde_json::Map<String, Value> = bus
        .labels
        .iter()
        .map(|(k, v)| (k.get(), json!(v.get())))
        .collect();
    if !labels.is_empty() {
        spec.insert("metadata".into(), json!({"labels": labels}));
    }
    let spec = match bus.kind {
        Kind::Stan => json!({"nats": {"native": spec}}),
        Kind::JetStream => {
            spec.remove("auth");
            spec.insert(
                "version".into(),
                json!(bus.version.as_ref().map_or("latest".to_owned(), Text::get)),
            );
            if let Some(s) = &bus.stream_config {
                spec.insert("streamConfig".into(), json!(s.get()));
            }
            if let Some(s) = &bus.settings {
                spec.insert("settings".into(), json!(s.get()));
            }
            json!({"jetstream": spec})
        }
    };
    let mut metadata = json!({"name": bus.name.get()});
    if let Some(ns) = &bus.namespace {
        metadata["namespace"] = json!(ns.get());
    }
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus", "metadata": metadata, "spec": spec})
}

fuzz_target!(|bus: Bus| {
    let mut text = serde_json::to_string(&document(&bus)).unwrap();
    if let Some((key, value)) = &bus.secret {
        // An existing Secret of the bus, with arbitrary data.
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": format!("eventbus-{}-client", bus.name.get()), "namespace": "fuzz"},
            "data": {key.get(): value.get()},
        });
        text.push_str("\n---\n");
        text.push_str(&secret.to_string());
    }
    let options = RenderOptions::default()
        .namespace("fuzz")
        .seed(Seed::new("fuzzing seed, not a secret").unwrap());
    if let Ok(rendered) = render_str(&text, &options) {
        let yaml = rendered.to_yaml().expect("rendered objects serialize");
        eventbus_gen::yaml::load_documents(&yaml).expect("output parses");
    }
});
