//! Image references as typed on the command line (`src/image/reference.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &str| {
    engine::fuzz_api::image_reference(input);
});
