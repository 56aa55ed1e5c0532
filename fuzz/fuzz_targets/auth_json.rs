//! Auth.json credential files (src/config/auth.rs).
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::fuzz_api::auth_json(common::scratch(), data);
});
