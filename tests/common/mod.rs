//! Support shared by the integration tests (`mod common;` in each tests/*.rs).
//!
//! The tests need what `sudo tests/run.sh` prepares: the engine binary copied where the test
//! user can run it, two local registries (plain HTTP; TLS with basic auth) holding the fixture
//! images, and fixtures.json describing them. run.sh passes all of it in ENGINE_TEST_*
//! variables (listed at the top of tests/run.sh). The tests themselves run as root and run
//! `engine` as the unprivileged ENGINE_TEST_USER inside a [`Sandbox`]: a fresh home per test.

// Every test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

mod out;
pub mod report;
mod sandbox;
mod user_command;

pub use out::Out;
pub use sandbox::Sandbox;
pub use user_command::UserCommand;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

const NEED_HARNESS: &str = "integration tests need the harness: run `sudo tests/run.sh` \
                            (it starts registries and builds fixtures)";

/// What tests/run.sh prepared, read once from the ENGINE_TEST_* variables.
pub struct TestEnv {
    /// The engine binary (a copy under `work`, executable by `user`).
    pub bin: PathBuf,
    pub user: String,
    pub uid: u32,
    pub gid: u32,
    /// The run's world-readable work dir; sandboxes live in `work/homes`.
    pub work: PathBuf,
    /// `127.0.0.1:PORT` of the plain HTTP registry (no auth, deletes enabled).
    pub registry: String,
    /// Its storage root (`docker/registry/v2/...` below it), for tests that damage blobs.
    pub registry_dir: PathBuf,
    /// Its log, access log included (e.g. to count blob fetches).
    pub registry_log: PathBuf,
    /// `127.0.0.1:PORT` of the TLS registry with basic auth (`localhost:PORT` works too).
    pub tls_registry: String,
    pub tls_registry_dir: PathBuf,
    /// The CA certificate that signed the TLS registry's certificate.
    pub ca: PathBuf,
    pub reg_user: String,
    pub reg_pass: String,
    /// fixtures.json (format: tests/setup/record_fixtures.py).
    pub fixtures: Value,
}

/// The test environment; panics with how to get one when the tests run outside tests/run.sh.
pub fn env() -> &'static TestEnv {
    static ENV: OnceLock<TestEnv> = OnceLock::new();
    ENV.get_or_init(load_env)
}

fn load_env() -> TestEnv {
    if std::env::var_os("ENGINE_TEST_BIN").is_none() {
        panic!("{NEED_HARNESS}");
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        panic!("integration tests run as root (they switch to ENGINE_TEST_USER): {NEED_HARNESS}");
    }
    let user = var("ENGINE_TEST_USER");
    let account = match nix::unistd::User::from_name(&user) {
        Ok(Some(account)) => account,
        other => panic!("test user {user:?} not found ({other:?}): {NEED_HARNESS}"),
    };
    let fixtures_path = var("ENGINE_TEST_FIXTURES");
    let fixtures = std::fs::read(&fixtures_path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| panic!("cannot read {fixtures_path}: {e}: {NEED_HARNESS}"));
    TestEnv {
        bin: var("ENGINE_TEST_BIN").into(),
        user,
        uid: account.uid.as_raw(),
        gid: account.gid.as_raw(),
        work: var("ENGINE_TEST_WORK").into(),
        registry: var("ENGINE_TEST_REGISTRY"),
        registry_dir: var("ENGINE_TEST_REGISTRY_DIR").into(),
        registry_log: var("ENGINE_TEST_REGISTRY_LOG").into(),
        tls_registry: var("ENGINE_TEST_TLS_REGISTRY"),
        tls_registry_dir: var("ENGINE_TEST_TLS_REGISTRY_DIR").into(),
        ca: var("ENGINE_TEST_CA").into(),
        reg_user: var("ENGINE_TEST_REG_USER"),
        reg_pass: var("ENGINE_TEST_REG_PASS"),
        fixtures,
    }
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: {NEED_HARNESS}"))
}

/// One pushed image from fixtures.json: `"busybox:latest"`, `"busybox:v2s2"`, `"busybox:zstd"`,
/// `"other:latest"`, `"multi:latest"`, `"big:latest"` on the plain registry, `"tls/busybox:latest"`
/// and `"tls/multi:latest"` on the TLS one. Fields: see tests/setup/record_fixtures.py.
pub fn fixture(name: &str) -> &'static Value {
    let images = &env().fixtures["images"];
    match images.get(name) {
        Some(image) => image,
        None => {
            let known: Vec<&String> = images
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            panic!("no fixture image {name:?} in fixtures.json; known: {known:?}")
        }
    }
}

/// A string field of a fixture image, e.g. `fixture_str("busybox:latest", "manifest_digest")`.
pub fn fixture_str(name: &str, field: &str) -> &'static str {
    fixture(name)[field]
        .as_str()
        .unwrap_or_else(|| panic!("fixture {name:?} has no string field {field:?}"))
}
