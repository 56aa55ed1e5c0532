//! The busybox fixture with uncompressed (plain tar) layers, pushed to the plain registry. skopeo
//! 1.9 cannot push uncompressed layers on its own (`--dest-decompress` is for the `dir:`
//! transport; a registry destination gets compressed layers), so the layout is rewritten here
//! with gunzipped layers and pushed with `--preserve-digests`, which forbids skopeo to recompress.
//! The config is unchanged: same diff_ids, same image ID.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use flate2::read::GzDecoder;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::common::env;

const MT_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const MT_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const MT_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";

pub struct UncompressedImage {
    /// "PLAIN/engine-test-gaps/plain:latest"
    pub reference: String,
    pub manifest_digest: String,
    /// The layers' digests: those of the plain tars, i.e. the diff_ids.
    pub layers: Vec<String>,
}

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

fn read_json(path: &Path) -> Value {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Rewrites `$ENGINE_TEST_WORK/images/busybox` (tag latest) with plain-tar layers and pushes it
/// as `repository:latest` (e.g. "engine-test-gaps/plain") to the plain registry.
pub fn push_uncompressed_busybox(repository: &str) -> UncompressedImage {
    let source = env().work.join("images/busybox");
    let source_blobs = source.join("blobs/sha256");
    let blob = |digest: &str| {
        let path = source_blobs.join(digest.trim_start_matches("sha256:"));
        fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    };
    let index = read_json(&source.join("index.json"));
    let top = index["manifests"]
        .as_array()
        .and_then(|m| m.first())
        .unwrap_or_else(|| panic!("{}/index.json lists no manifest", source.display()));
    let top_digest = top["digest"].as_str().expect("index entry digest");
    let mut manifest: Value = serde_json::from_slice(&blob(top_digest)).expect("manifest JSON");

    let layout = tempfile::tempdir().expect("temporary directory for an OCI layout");
    let blobs = layout.path().join("blobs/sha256");
    fs::create_dir_all(&blobs).expect("creating the layout's blobs dir");
    let put = |data: &[u8]| {
        let digest = sha256(data);
        fs::write(blobs.join(digest.trim_start_matches("sha256:")), data)
            .expect("writing a layout blob");
        digest
    };
    let config_digest = manifest["config"]["digest"]
        .as_str()
        .expect("config digest");
    put(&blob(config_digest));
    let mut layers = Vec::new();
    for layer in manifest["layers"].as_array_mut().expect("manifest layers") {
        assert_eq!(layer["mediaType"], MT_LAYER_GZIP, "fixture layers are gzip");
        let mut tar = Vec::new();
        GzDecoder::new(&blob(layer["digest"].as_str().expect("layer digest"))[..])
            .read_to_end(&mut tar)
            .expect("gunzipping a fixture layer");
        let digest = put(&tar);
        *layer = json!({"mediaType": MT_LAYER_TAR, "digest": digest, "size": tar.len()});
        layers.push(digest);
    }
    let manifest_bytes = serde_json::to_vec(&manifest).expect("manifest JSON");
    let manifest_digest = put(&manifest_bytes);
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": MT_MANIFEST,
        "digest": manifest_digest,
        "size": manifest_bytes.len(),
        "annotations": {"org.opencontainers.image.ref.name": "latest"},
    }]});
    fs::write(layout.path().join("index.json"), index.to_string()).expect("writing index.json");
    fs::write(
        layout.path().join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .expect("writing oci-layout");

    let reference = format!("{}/{repository}:latest", env().registry);
    let out = Command::new("skopeo")
        .args(["--insecure-policy", "copy", "--quiet"])
        .args(["--dest-tls-verify=false", "--preserve-digests"])
        .arg(format!("oci:{}:latest", layout.path().display()))
        .arg(format!("docker://{reference}"))
        .output()
        .expect("running skopeo (tests/run.sh installs it)");
    assert!(
        out.status.success(),
        "skopeo could not push {reference}: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    UncompressedImage {
        reference,
        manifest_digest,
        layers,
    }
}
