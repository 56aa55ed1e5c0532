//! Manifests and indexes as registries serve them (src/image/manifest.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::fuzz_api::manifest(data);
});
