//! Storage.conf (src/config/storage_conf.rs).
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::fuzz_api::storage_conf(common::scratch(), data);
});
