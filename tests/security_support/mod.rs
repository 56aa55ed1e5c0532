//! Support for tests/security.rs (`mod security_support;` next to `mod common;`,
//! `mod run_support;` and `mod lifecycle_support;`): the C programs that attack from inside a
//! container, root filesystems to run them in, the CVE-2019-5736 setting, and running shell
//! scripts that drive the engine as the test user.

// Each test uses a different part of this module.
#![allow(dead_code)]

pub mod exe;
pub mod programs;
pub mod rootfs;

use std::path::Path;

use crate::common::{Out, Sandbox, env};
use crate::run_support::busybox;

/// A mark no file of the host holds, planted where an escape would read it.
pub const CANARY: &str = "host-canary";

/// `~/NAME` holding the file CANARY (whose content is CANARY too); returns its path.
pub fn dir_with_canary(sb: &Sandbox, name: &str) -> String {
    let file = sb.write_file(&format!("{name}/{CANARY}"), format!("{CANARY}\n"));
    let dir = file.parent().expect("a file has a parent");
    dir.to_str().expect("a UTF-8 path").to_string()
}

/// A shell command that runs `command` under script(1), in a terminal of its own (for -t).
pub fn in_terminal(command: &str) -> String {
    format!("script -qec '{}' /dev/null", command.replace('\'', r"'\''"))
}

/// podman's masked paths (containers/common `DefaultMaskedPaths`, which crun and runc apply):
/// files are covered by /dev/null, directories by an empty read-only tmpfs. Written out here,
/// not taken from the engine, so that a path the engine stops masking fails the test.
pub const PODMAN_MASKED_PATHS: [&str; 13] = [
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/interrupts",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/sys/dev/block",
    "/sys/devices/virtual/powercap",
];

/// The masked paths this host has (the test runs as root, which sees them all).
pub fn masked_paths_on_this_host() -> Vec<&'static str> {
    PODMAN_MASKED_PATHS
        .into_iter()
        .filter(|p| Path::new(p).exists())
        .collect()
}

/// Runs `sh -c SCRIPT` as the test user in its home, with `$E` the engine, `$B` the busybox
/// fixture and `$P` the directory of the compiled programs in the environment.
pub fn user_script(sb: &Sandbox, script: &str) -> Out {
    sb.user_cmd("/bin/sh", &["-c", script])
        .env("E", &env().bin)
        .env("B", busybox())
        .env("P", programs::programs_dir())
        .run()
}

/// `-v DIR:/probe:ro`: the compiled programs in a container, as /probe/probe.
pub fn probe_volume() -> String {
    format!("{}:/probe:ro", programs::programs_dir().display())
}

/// The lines of `out`'s stdout that start with `prefix`, without it.
pub fn lines_after<'a>(out: &'a Out, prefix: &str) -> Vec<&'a str> {
    out.stdout
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .collect()
}
