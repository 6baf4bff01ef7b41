//! The editor schema of an `EventBus`: the schema derived from the spec types, tightened with
//! every rule of validation that JSON Schema can state, so that an editor flags what
//! `eventbus-gen render` would refuse.
//!
//! What it adds: unknown fields refused everywhere (`additionalProperties: false`), the
//! `apiVersion` and `kind` constants, exactly one bus kind (and one of `native`/`exotic`),
//! required fields, enums, replica ranges, and patterns for names, label keys and values, Go
//! durations, NATS sizes and Kubernetes quantities. What it cannot state (a bus name's length
//! limit that depends on the bus kind is stated; the namespace that may come from an option,
//! the version table that options extend, numeric overflow of durations and sizes, YAML inside
//! strings, Secrets) is left to validation; the integration test lists each such case.
//!
//! The patterns mirror the checks of `values.rs`; the test runs both over the fixtures.

use serde_json::{Map, Value, json};

use crate::names::{MAX_JETSTREAM_NAME, MAX_STAN_NAME};
use crate::validate::MAX_REPLICAS;

/// A DNS-1123 label: lower-case letters, digits and `-`, starting and ending with a letter or
/// digit (length bounds are stated apart).
const DNS_LABEL: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
/// A DNS-1123 subdomain: labels joined by dots.
const DNS_SUBDOMAIN: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
/// A label or annotation key: an optional DNS subdomain prefix and `/`, then a name of at most
/// 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit.
const LABEL_KEY: &str = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
/// A label value: empty, or as the name part of a key.
const LABEL_VALUE: &str = "^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$";
/// A Go duration (`time.ParseDuration`) that is not negative: `0`, or numbers each with a
/// unit. Every duration of a spec is refused below zero (NATS Streaming's store limits and its
/// Raft library refuse them).
const GO_DURATION: &str = "^[+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$";
/// A NATS size: a whole number with an optional unit (`512KB`, `1MB`, `1GiB`; any case).
const NATS_SIZE: &str = "^[0-9]+([kKmMgGtTpPeE][iI]?[bB]?)?$";
/// A Kubernetes quantity of 0 or more (a negative sign only before zeros).
const QUANTITY: &str = "^(\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)|-(0+(\\.0*)?|\\.0+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$";
/// A line of the NATS server settings that sets `store_dir`, which the bus fixes.
const SETS_STORE_DIR: &str = "(^|\\n)[ \\t]*[\"']?store_dir[\"']?[:= \\t]";

/// The strict schema, from the one schemars derives from the spec types.
pub(crate) fn strict(mut schema: Value) -> Value {
    close_objects(&mut schema);
    null_or_ref(&mut schema);
    let defs = schema["$defs"]
        .as_object_mut()
        .expect("the schema has $defs");
    tighten_definitions(defs);
    tighten_root(&mut schema);
    schema
}

/// `additionalProperties: false` on every object schema that lists its properties (maps, which
/// list none, keep their value schema).
fn close_objects(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// `anyOf: [{$ref}, {type: null}]` (an optional struct) becomes "null, or else the `$ref`":
/// the same values, but a validator then reports a mistake inside the struct at its own
/// path (`/spec/nats/native`) instead of "not valid under any of the schemas" one level up.
fn null_or_ref(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let reference = match map
                .get("anyOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                Some([a, b]) if *b == json!({"type": "null"}) && a.get("$ref").is_some() => {
                    Some(a.clone())
                }
                _ => None,
            };
            if let Some(reference) = reference {
                map.remove("anyOf");
                map.insert("if".to_owned(), json!({"not": {"type": "null"}}));
                map.insert("then".to_owned(), reference);
            }
            map.values_mut().for_each(null_or_ref);
        }
        Value::Array(items) => items.iter_mut().for_each(null_or_ref),
        _ => {}
    }
}

/// Adds the keywords of `extra` to the property `name` of definition `def`.
fn constrain(defs: &mut Map<String, Value>, def: &str, name: &str, extra: Value) {
    let property = defs
        .get_mut(def)
        .and_then(|d| d.get_mut("properties"))
        .and_then(|p| p.get_mut(name))
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("the schema has {def}.{name}"));
    for (k, v) in extra.as_object().expect("constraints are objects") {
        property.insert(k.clone(), v.clone());
    }
}

/// Adds the keywords of `extra` to definition `def` itself.
fn constrain_def(defs: &mut Map<String, Value>, def: &str, extra: Value) {
    let d = defs
        .get_mut(def)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("the schema has {def}"));
    for (k, v) in extra.as_object().expect("constraints are objects") {
        d.insert(k.clone(), v.clone());
    }
}

fn tighten_definitions(defs: &mut Map<String, Value>) {
    let labels = json!({
        "propertyNames": {"pattern": LABEL_KEY},
        "additionalProperties": {"type": "string", "pattern": LABEL_VALUE}
    });
    let annotations = json!({"propertyNames": {"pattern": LABEL_KEY}});
    let duration = json!({"pattern": GO_DURATION});
    let size = json!({"pattern": NATS_SIZE});
    let subdomain = json!({"pattern": DNS_SUBDOMAIN, "maxLength": 253});

    // Bus kinds: exactly one, and NATS Streaming is native or exotic.
    constrain_def(
        defs,
        "EventBusSpec",
        json!({"oneOf": [
            {"required": ["nats"]}, {"required": ["jetstream"]},
            {"required": ["jetstreamExotic"]}, {"required": ["kafka"]}
        ]}),
    );
    constrain_def(
        defs,
        "NatsBus",
        json!({"oneOf": [{"required": ["native"]}, {"required": ["exotic"]}]}),
    );

    // NATS Streaming.
    constrain(
        defs,
        "NativeStrategy",
        "replicas",
        json!({"minimum": 0, "maximum": MAX_REPLICAS}),
    );
    constrain(
        defs,
        "NativeStrategy",
        "auth",
        json!({"enum": ["none", "token", null]}),
    );
    for field in [
        "maxAge",
        "raftHeartbeatTimeout",
        "raftElectionTimeout",
        "raftLeaseTimeout",
        "raftCommitTimeout",
    ] {
        constrain(defs, "NativeStrategy", field, duration.clone());
    }
    for field in ["maxBytes", "maxPayload"] {
        constrain(defs, "NativeStrategy", field, size.clone());
    }
    for field in ["maxMsgs", "maxSubs"] {
        constrain(defs, "NativeStrategy", field, json!({"maximum": u64::MAX}));
    }
    constrain_def(
        defs,
        "NatsConfig",
        json!({"required": ["url", "clusterID"]}),
    );
    constrain(defs, "NatsConfig", "url", json!({"minLength": 1}));
    constrain(
        defs,
        "NatsConfig",
        "auth",
        json!({"enum": ["none", "token", null]}),
    );

    // JetStream: 1 replica or 3 to the maximum; a version; no store_dir in the settings.
    constrain_def(defs, "JetStreamBus", json!({"required": ["version"]}));
    constrain(
        defs,
        "JetStreamBus",
        "version",
        json!({"type": "string", "minLength": 1}),
    );
    constrain(
        defs,
        "JetStreamBus",
        "replicas",
        json!({"minimum": 1, "maximum": MAX_REPLICAS, "not": {"const": 2}}),
    );
    constrain(
        defs,
        "JetStreamBus",
        "settings",
        json!({"not": {"type": "string", "pattern": SETS_STORE_DIR}}),
    );
    constrain(defs, "JetStreamBus", "maxPayload", size);
    constrain_def(defs, "JetStreamConfig", json!({"required": ["url"]}));
    constrain(defs, "JetStreamConfig", "url", json!({"minLength": 1}));

    // Kafka.
    constrain_def(defs, "KafkaBus", json!({"required": ["url"]}));
    constrain(defs, "KafkaBus", "url", json!({"minLength": 1}));
    constrain(
        defs,
        "KafkaBus",
        "partitioner",
        json!({"enum": ["random", "hash", "roundrobin", "manual", null]}),
    );
    constrain(
        defs,
        "SaslConfig",
        "mechanism",
        json!({"enum": ["PLAIN", "OAUTHBEARER", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", null]}),
    );
    constrain(
        defs,
        "KafkaConsumerGroup",
        "rebalanceStrategy",
        json!({"enum": ["range", "sticky", "roundrobin", null]}),
    );

    // What every native bus shares: pods, persistence, containers.
    for bus in ["NativeStrategy", "JetStreamBus"] {
        constrain(defs, bus, "nodeSelector", labels.clone());
        constrain(defs, bus, "serviceAccountName", subdomain.clone());
        constrain(defs, bus, "priorityClassName", subdomain.clone());
    }
    constrain(defs, "Metadata", "labels", labels.clone());
    constrain(defs, "Metadata", "annotations", annotations.clone());
    constrain(
        defs,
        "PersistenceStrategy",
        "accessMode",
        json!({"enum": ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod", null]}),
    );
    constrain(defs, "PersistenceStrategy", "storageClassName", subdomain);
    constrain(
        defs,
        "ContainerTemplate",
        "imagePullPolicy",
        json!({"enum": ["Always", "IfNotPresent", "Never", null]}),
    );
    // Quantities appear only as volume sizes and container resources, both 0 or more.
    constrain_def(
        defs,
        "io.k8s.apimachinery.pkg.api.resource.Quantity",
        json!({"anyOf": [
            {"type": "string", "pattern": QUANTITY},
            {"type": "number", "minimum": 0}
        ]}),
    );
    const TOLERATION: &str = "io.k8s.api.core.v1.Toleration";
    constrain(
        defs,
        TOLERATION,
        "operator",
        json!({"enum": ["Exists", "Equal"]}),
    );
    constrain(
        defs,
        TOLERATION,
        "effect",
        json!({"enum": ["", "NoSchedule", "PreferNoSchedule", "NoExecute"]}),
    );
    constrain_def(
        defs,
        TOLERATION,
        json!({"allOf": [
            // An empty key needs operator Exists.
            {"if": {"not": {"required": ["key"], "properties": {"key": {"minLength": 1}}}},
             "then": {"required": ["operator"], "properties": {"operator": {"const": "Exists"}}}},
            // Operator Exists takes no value.
            {"if": {"required": ["operator"], "properties": {"operator": {"const": "Exists"}}},
             "then": {"properties": {"value": {"maxLength": 0}}}}
        ]}),
    );
    constrain(
        defs,
        "io.k8s.api.core.v1.LocalObjectReference",
        "name",
        json!({"minLength": 1}),
    );
    constrain_def(
        defs,
        "io.k8s.api.core.v1.LocalObjectReference",
        json!({"required": ["name"]}),
    );
}

/// The document: constants, required parts, and the bus name, whose form and length depend on
/// the bus kind (native buses name pods and Services after it).
fn tighten_root(schema: &mut Value) {
    let named = |max: usize, pattern: &str| {
        json!({"properties": {"metadata": {"properties": {"name": {
            "pattern": pattern, "maxLength": max}}}}})
    };
    let root = schema.as_object_mut().expect("the schema is an object");
    let properties = root["properties"]
        .as_object_mut()
        .expect("the schema has properties");
    properties["apiVersion"] = json!({
        "description": "Must be `argoproj.io/v1alpha1`.",
        "const": crate::spec::API_VERSION
    });
    properties["kind"] = json!({"description": "Must be `EventBus`.", "const": crate::spec::KIND});
    // Exported buses carry the controller's status; it is read and dropped.
    properties.insert(
        "status".to_owned(),
        json!({"description": "Written by the controller; ignored."}),
    );
    // The description stays outside the `allOf`, where editors show it.
    let mut metadata = properties["metadata"].take();
    let description = metadata
        .as_object_mut()
        .and_then(|m| m.remove("description"))
        .unwrap_or(Value::Null);
    properties["metadata"] = json!({
        "description": description,
        "allOf": [metadata, {
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "namespace": {"type": "string", "pattern": DNS_LABEL, "maxLength": 63},
                "labels": {
                    "propertyNames": {"pattern": LABEL_KEY},
                    "additionalProperties": {"type": "string", "pattern": LABEL_VALUE}
                },
                "annotations": {"propertyNames": {"pattern": LABEL_KEY}}
            }
        }]
    });
    root.insert(
        "required".to_owned(),
        json!(["apiVersion", "kind", "metadata", "spec"]),
    );
    root.insert(
        "allOf".to_owned(),
        json!([
            {"if": {"properties": {"spec": {"required": ["nats"], "properties": {"nats": {"required": ["native"]}}}}},
             "then": named(MAX_STAN_NAME, DNS_LABEL)},
            {"if": {"properties": {"spec": {"required": ["jetstream"]}}},
             "then": named(MAX_JETSTREAM_NAME, DNS_LABEL)},
            {"if": {"not": {"properties": {"spec": {"anyOf": [
                {"required": ["jetstream"]},
                {"required": ["nats"], "properties": {"nats": {"required": ["native"]}}}
             ]}}}},
             "then": named(253, DNS_SUBDOMAIN)}
        ]),
    );
}
