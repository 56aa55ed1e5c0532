//! Seccomp profiles, converted and compiled to BPF (src/spec/seccomp, src/runtime/seccomp).
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = engine::fuzz_api::seccomp_profile(common::scratch(), data);
});
