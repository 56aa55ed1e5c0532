//! The short-name alias cache and alias validation (src/config/shortnames.rs).
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::fuzz_api::shortname_aliases(common::scratch(), data);
});
