//! Arbitrary text as a KRM ResourceList: the function must answer, never panic, and a
//! successful answer must itself be a ResourceList it accepts again.
#![no_main]

use eventbus_gen::frontend::function::{Environment, run};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let env = Environment { seed: Some(b"fuzzing seed, not a secret".to_vec()) };
    let out = run(text, &env);
    if out.success {
        let again = run(&out.stdout, &env);
        assert!(again.success, "the function rejects its own output");
    }
});
