//! Properties that hold for every bus: determinism, valid names, consistent selectors.

use eventbus_gen::{Object, RenderOptions, Seed, render_str};
use proptest::prelude::*;

fn spec(name: &str, ns: &str, replicas: i32, token: bool, persistence: bool) -> String {
    let mut s = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: \"{name}\"\n  namespace: \"{ns}\"\nspec:\n  nats:\n    native:\n      replicas: {replicas}\n"
    );
    if token {
        s.push_str("      auth: token\n");
    }
    if persistence {
        s.push_str("      persistence: {}\n");
    }
    s
}

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_bus_renders_consistently(
        name in "[a-z]([a-z0-9-]{0,36}[a-z0-9])?",
        ns in "[a-z]([a-z0-9-]{0,20}[a-z0-9])?",
        replicas in 0i32..=9,
        token in any::<bool>(),
        persistence in any::<bool>(),
    ) {
        let options = RenderOptions::default().seed(Seed::new(crate::support::TEST_SEED).unwrap());
        let text = spec(&name, &ns, replicas, token, persistence);
        let a = render_str(&text, &options).unwrap();
        let b = render_str(&text, &options).unwrap();
        prop_assert_eq!(a.to_yaml().unwrap(), b.to_yaml().unwrap());

        let effective = replicas.max(3);
        for o in a.objects() {
            prop_assert!(dns_label(o.name()) || o.kind() == "EventBus", "{} {}", o.kind(), o.name());
            prop_assert_eq!(o.metadata().namespace.as_deref(), Some(ns.as_str()));
        }
        let sts = a.objects().find_map(|o| if let Object::StatefulSet(s) = o { Some(s) } else { None }).unwrap();
        let spec = sts.spec.as_ref().unwrap();
        prop_assert_eq!(spec.replicas, Some(effective));
        // Pod names plus the controller's 10-character revision hash stay within label limits.
        prop_assert!(sts.metadata.name.as_ref().unwrap().len() + 11 <= 63);
        let pod_labels = spec.template.metadata.as_ref().unwrap().labels.as_ref().unwrap();
        for (k, v) in spec.selector.match_labels.as_ref().unwrap() {
            prop_assert_eq!(pod_labels.get(k), Some(v));
        }
        let conf = a.objects().find_map(|o| if let Object::ConfigMap(c) = o { Some(c) } else { None }).unwrap();
        let conf = &conf.data.as_ref().unwrap()["stan-config"];
        prop_assert_eq!(conf.matches(":6222,").count() + 1, effective as usize);
        prop_assert_eq!(conf.matches("\"eventbus-").count(), effective as usize);
        let secrets = a.objects().filter(|o| o.kind() == "Secret").count();
        prop_assert_eq!(secrets, if token { 2 } else { 1 });
    }
}
