//! Registries.conf with its aliases and lookups (src/config/registries*).
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::fuzz_api::registries_conf(common::scratch(), data);
});
