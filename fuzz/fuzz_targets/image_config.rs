//! Image config blobs as a pull reads them (src/image/pull.rs, oci-spec).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::fuzz_api::image_config(data);
});
