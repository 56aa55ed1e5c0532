//! An image that exposes ports, for `-P`: the suite's busybox fixture has no ExposedPorts
//! (tests/fixtures/build_images.py), so this binary pushes a copy of it whose config has some.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::common::env;
use crate::run_support::busybox;

/// What the image exposes.
pub const EXPOSED: [&str; 2] = ["80/tcp", "9999/udp"];

/// `REGISTRY/engine-test/exposed-<pid>:latest`: the busybox fixture with [`EXPOSED`] as its
/// config's ExposedPorts, pushed to the plain registry once per test binary.
pub fn exposed_image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(push_exposed_image)
}

fn push_exposed_image() -> String {
    let layout = tempfile::tempdir().expect("a temporary directory for an OCI layout");
    let dir = layout.path().display().to_string();
    skopeo(&[
        "--src-tls-verify=false",
        &format!("docker://{}", busybox()),
        &format!("oci:{dir}:latest"),
    ]);

    let mut index = read_json(&layout.path().join("index.json"));
    let manifest_digest = index["manifests"][0]["digest"].as_str().map(String::from);
    let manifest_digest = manifest_digest.expect("skopeo wrote a manifest into index.json");
    let mut manifest = read_json(&blob_path(layout.path(), &manifest_digest));
    let config_digest = manifest["config"]["digest"].as_str().map(String::from);
    let mut config = read_json(&blob_path(layout.path(), &config_digest.expect("a config")));

    let ports: serde_json::Map<String, Value> =
        EXPOSED.iter().map(|p| (p.to_string(), json!({}))).collect();
    config["config"]["ExposedPorts"] = Value::Object(ports);
    let config_bytes = write_blob(layout.path(), &config);
    manifest["config"]["digest"] = json!(sha256(&config_bytes));
    manifest["config"]["size"] = json!(config_bytes.len());
    let manifest_bytes = write_blob(layout.path(), &manifest);
    index["manifests"][0]["digest"] = json!(sha256(&manifest_bytes));
    index["manifests"][0]["size"] = json!(manifest_bytes.len());
    fs::write(layout.path().join("index.json"), index.to_string()).expect("writing index.json");

    let reference = format!(
        "{}/engine-test/exposed-{}:latest",
        env().registry,
        std::process::id()
    );
    skopeo(&[
        "--dest-tls-verify=false",
        "--preserve-digests",
        &format!("oci:{dir}:latest"),
        &format!("docker://{reference}"),
    ]);
    reference
}

fn skopeo(copy_args: &[&str]) {
    let out = Command::new("skopeo")
        .args(["--insecure-policy", "copy", "--quiet"])
        .args(copy_args)
        .output()
        .expect("running skopeo (tests/run.sh installs it)");
    assert!(
        out.status.success(),
        "skopeo copy {copy_args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

fn blob_path(layout: &Path, digest: &str) -> std::path::PathBuf {
    let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
    layout.join("blobs/sha256").join(hex)
}

fn read_json(path: &Path) -> Value {
    let text = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Stores `value` as a blob of the layout; returns its bytes.
fn write_blob(layout: &Path, value: &Value) -> Vec<u8> {
    let bytes = serde_json::to_vec(value).expect("JSON");
    fs::write(blob_path(layout, &sha256(&bytes)), &bytes).expect("writing a blob");
    bytes
}
