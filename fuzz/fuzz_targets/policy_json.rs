//! policy.json, the image trust policy (src/config/policy.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &str| {
    let _ = engine::fuzz_api::policy_json(input);
});
