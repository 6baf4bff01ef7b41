//! Arbitrary text as the Argo CD parameters (`ARGOCD_APP_PARAMETERS`) and as a parameter value
//! that holds YAML: reading the plugin's settings must answer, never panic.
#![no_main]

use eventbus_gen::frontend::argocd::{Env, settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let dir = std::env::temp_dir();
    let mut env = Env::new();
    env.insert("EVENTBUS_GEN_SEED".to_owned(), "fuzzing seed, not a secret".to_owned());
    env.insert("ARGOCD_APP_NAMESPACE".to_owned(), "fuzz".to_owned());
    // The text as the whole parameter list, then as the YAML of parameters that hold YAML.
    env.insert("ARGOCD_APP_PARAMETERS".to_owned(), text.to_owned());
    let _ = settings(&dir, &env);
    env.remove("ARGOCD_APP_PARAMETERS");
    for name in ["PARAM_COMMONLABELS", "PARAM_JETSTREAMDEFAULTS", "PARAM_JETSTREAMVERSIONS"] {
        env.insert(name.to_owned(), text.to_owned());
        let _ = settings(&dir, &env);
        env.remove(name);
    }
});
