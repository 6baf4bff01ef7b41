//! Arbitrary text through parse, validate, render and YAML output: errors are fine, panics are not.
#![no_main]

use eventbus_gen::{RenderOptions, Seed, render_str};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = RenderOptions::default()
        .namespace("fuzz")
        .allow_unknown_fields(data.first().is_some_and(|b| b & 1 == 1))
        .seed(Seed::new("fuzzing seed, not a secret").unwrap());
    if let Ok(rendered) = render_str(text, &options) {
        let yaml = rendered.to_yaml().expect("rendered objects serialize");
        // What we write must read back as YAML.
        eventbus_gen::yaml::load_documents(&yaml).expect("output parses");
    }
});
