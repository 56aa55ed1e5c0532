//! Support for tests/run.rs (`mod run_support;` next to `mod common;`): running the busybox
//! fixture as the test user, the engine's container records, and reading what containers print
//! from /proc.

// The test binary uses each helper from a different test.
#![allow(dead_code)]

pub mod crun;
pub mod procfs;
pub mod spawned;
pub mod tree;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Out, Sandbox, UserCommand, fixture};

/// `engine-test/busybox:latest` on the plain registry (see tests/fixtures/build_images.py).
pub fn busybox() -> &'static str {
    fixture("busybox:latest")["reference"]
        .as_str()
        .expect("fixtures.json gives busybox:latest a reference")
}

/// A fresh sandbox whose store already holds busybox, so `run` prints nothing about a pull.
pub fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.engine(&["pull", "-q", busybox()]).ok();
    sb
}

/// `engine run --rm FLAGS... busybox COMMAND...`, ready for env, stdin or a timeout.
pub fn run_cmd(sb: &Sandbox, flags: &[&str], command: &[&str]) -> UserCommand {
    sb.engine_cmd(&[&["run", "--rm"], flags, &[busybox()], command].concat())
}

/// Runs `engine run --rm FLAGS... busybox COMMAND...`.
pub fn run(sb: &Sandbox, flags: &[&str], command: &[&str]) -> Out {
    run_cmd(sb, flags, command).run()
}

/// Runs `engine run --rm FLAGS... busybox sh -c SCRIPT`.
pub fn sh(sb: &Sandbox, flags: &[&str], script: &str) -> Out {
    run(sb, flags, &["sh", "-c", script])
}

/// `/proc/self/status` as seen by `cat` in a container started with `flags`.
pub fn status(sb: &Sandbox, flags: &[&str]) -> String {
    run(sb, flags, &["cat", "/proc/self/status"])
        .ok()
        .stdout
        .clone()
}

/// Where `--init` looks for catatonit (src/spec/defaults.rs `INIT_SEARCH_PATHS`).
const INIT_SEARCH_PATHS: [&str; 3] = [
    "/usr/libexec/podman/catatonit",
    "/usr/bin/catatonit",
    "/usr/local/bin/catatonit",
];

/// Whether `--init` finds an init binary on this host (tests/run.sh installs catatonit).
pub fn init_binary_installed() -> bool {
    INIT_SEARCH_PATHS.iter().any(|p| Path::new(p).is_file())
}

/// `~/shared`, holding `from-host` ("host\n"), for bind mounts.
pub fn shared_dir(sb: &Sandbox) -> String {
    let file = sb.write_file("shared/from-host", "host\n");
    let dir = file.parent().expect("a file has a parent");
    dir.to_str().expect("a UTF-8 path").to_string()
}

/// stdout as lines.
pub fn lines(out: &Out) -> Vec<&str> {
    out.stdout.lines().collect()
}

/// `<store>/containers`: one directory per container, holding its record and bundle.
pub fn containers_dir(sb: &Sandbox) -> PathBuf {
    sb.data_dir().join("engine/containers")
}

/// Every `containers/*/container.json`, parsed (empty when there is no container).
pub fn container_records(sb: &Sandbox) -> Vec<Value> {
    let dir = containers_dir(sb);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => panic!("listing {}: {e}", dir.display()),
    };
    entries
        .map(|e| e.unwrap_or_else(|e| panic!("listing {}: {e}", dir.display())))
        .map(|e| e.path().join("container.json"))
        .map(|path| {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
        })
        .collect()
}

/// The record of the container called `name`, which must exist.
#[track_caller]
pub fn container_named(sb: &Sandbox, name: &str) -> Value {
    let records = container_records(sb);
    let found: Vec<&Value> = records.iter().filter(|r| r["name"] == name).collect();
    match found.as_slice() {
        [one] => (*one).clone(),
        _ => panic!("expected one container named {name:?}, the store holds: {records:#?}"),
    }
}

/// A string field of a container record.
#[track_caller]
pub fn field<'a>(record: &'a Value, key: &str) -> &'a str {
    record[key]
        .as_str()
        .unwrap_or_else(|| panic!("container record has no string {key:?}: {record:#}"))
}

/// Asserts stderr mentions every word of `words`, case-insensitively.
#[track_caller]
pub fn assert_stderr_mentions(out: &Out, words: &[&str]) {
    let stderr = out.stderr.to_lowercase();
    for word in words {
        if !stderr.contains(&word.to_lowercase()) {
            panic!("expected stderr to mention {word:?}\n{out}");
        }
    }
}

/// Asserts the container's command itself failed (exit 1 or 2, what busybox tools and the
/// shell return; not the engine's 125 nor exec's 126 and 127), saying `reason` on stderr.
#[track_caller]
pub fn assert_command_failed(out: &Out, reason: &str) {
    if !matches!(out.code, 1 | 2) {
        panic!("expected the command to fail with exit code 1 or 2\n{out}");
    }
    assert_stderr_mentions(out, &[reason]);
}
