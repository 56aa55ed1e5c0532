//! The C programs of the security tests (probe.c, exe_attack.c next to this file), compiled once
//! per test binary with the host's `cc` (the Rust toolchain needs it as its linker, so it is
//! there wherever these tests build) into a world-readable directory of the run's work dir.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::env;

/// The static probe (see probe.c): one line per attempt, "NAME ok" or "NAME ERRNO".
pub fn probe() -> &'static Path {
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    PROBE.get_or_init(|| compile("probe.c", "probe", &["-static"]))
}

/// The shared library that attacks the engine binary from inside a container (exe_attack.c).
pub fn exe_attack_library() -> &'static Path {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    LIBRARY.get_or_init(|| compile("exe_attack.c", "exe_attack.so", &["-shared", "-fPIC"]))
}

/// The directory holding the compiled programs, for a read-only bind mount into containers.
pub fn programs_dir() -> &'static Path {
    probe()
        .parent()
        .expect("a compiled program lies in a directory")
}

fn output_dir() -> PathBuf {
    let dir = env()
        .work
        .join(format!("security-programs.{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    // The test user runs these, and containers get the directory bound read-only.
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", dir.display()));
    dir
}

fn compile(source: &str, output: &str, flags: &[&str]) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/security_support")
        .join(source);
    let output = output_dir().join(output);
    let result = Command::new("cc")
        .args(flags)
        .args(["-O1", "-Wall", "-o"])
        .arg(&output)
        .arg(&source)
        .output()
        .unwrap_or_else(|e| panic!("cannot run cc to build {}: {e}", source.display()));
    assert!(
        result.status.success(),
        "cc {flags:?} {} failed:\n{}",
        source.display(),
        String::from_utf8_lossy(&result.stderr)
    );
    fs::set_permissions(&output, fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", output.display()));
    output
}
