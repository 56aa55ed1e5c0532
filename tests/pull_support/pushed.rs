//! Images pushed to the plain registry for one test only, so a test may damage their blobs in
//! the registry's storage (or rely on their creation time) without touching what other tests
//! pull. Built here as an OCI layout with one layer of unique content, pushed with skopeo.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::common::env;

pub const MT_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const MT_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const MT_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
const MT_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// How the single layer is stored in the registry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LayerCompression {
    Gzip,
    /// A plain tar: damaging a byte keeps it a valid tar, so only the digest check can notice.
    None,
}

pub struct PushedImage {
    /// "REGISTRY/engine-test/unique-...:latest"
    pub reference: String,
    /// "REGISTRY/engine-test/unique-..." (no tag)
    pub name: String,
    pub manifest_digest: String,
    pub config_digest: String,
    /// The config digest's hex: the image ID.
    pub id: String,
    pub layer_digest: String,
    pub diff_id: String,
    /// Uncompressed size of the layer.
    pub layer_size: u64,
}

impl PushedImage {
    /// Where the plain registry keeps blob `digest` (distribution's filesystem driver layout).
    pub fn registry_blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
        env()
            .registry_dir
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

fn unique_suffix() -> String {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{nanos}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Builds and pushes `REGISTRY/engine-test/unique-<hint>-<nonce>:latest`: one layer holding
/// `/unique.txt` (content no other image has), created at `created` (RFC 3339), for this
/// machine's architecture, with label org.engine.test=<hint>.
pub fn push_unique_image(hint: &str, created: &str, compression: LayerCompression) -> PushedImage {
    let suffix = unique_suffix();
    let name = format!("{}/engine-test/unique-{hint}-{suffix}", env().registry);
    let reference = format!("{name}:latest");

    // 256 KiB of text naming this image: big enough to damage, unique to this push.
    let line = format!("image {reference}\n");
    let content = line.repeat(256 * 1024 / line.len() + 1);
    let tar = tar_with_file("unique.txt", content.as_bytes());
    let diff_id = sha256(&tar);
    let (layer_blob, layer_type) = match compression {
        LayerCompression::None => (tar.clone(), MT_LAYER_TAR),
        LayerCompression::Gzip => {
            let mut gz = GzEncoder::new(Vec::new(), Compression::default());
            std::io::Write::write_all(&mut gz, &tar).expect("gzip in memory");
            (gz.finish().expect("gzip in memory"), MT_LAYER_GZIP)
        }
    };
    let arch = env().fixtures["native_arch"]
        .as_str()
        .expect("fixtures.json has native_arch");
    let config = json!({
        "created": created,
        "architecture": arch,
        "os": "linux",
        "config": {"Cmd": ["sh"], "Labels": {"org.engine.test": hint}},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": created, "created_by": format!("engine-test: {hint}")}],
    });
    let config_bytes = serde_json::to_vec(&config).expect("config JSON");
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": descriptor(MT_CONFIG, &config_bytes),
        "layers": [descriptor(layer_type, &layer_blob)],
    });
    let manifest_bytes = serde_json::to_vec(&manifest).expect("manifest JSON");

    let layout = tempfile::tempdir().expect("temporary directory for an OCI layout");
    let blobs = layout.path().join("blobs/sha256");
    fs::create_dir_all(&blobs).expect("creating the layout's blobs dir");
    for blob in [&layer_blob, &config_bytes, &manifest_bytes] {
        fs::write(blobs.join(&sha256(blob)["sha256:".len()..]), blob)
            .expect("writing a layout blob");
    }
    let mut top = descriptor(MT_MANIFEST, &manifest_bytes);
    top["annotations"] = json!({"org.opencontainers.image.ref.name": "latest"});
    let index = json!({"schemaVersion": 2, "manifests": [top]});
    fs::write(layout.path().join("index.json"), index.to_string()).expect("writing index.json");
    fs::write(
        layout.path().join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .expect("writing oci-layout");
    skopeo_push(layout.path(), &reference);

    let config_digest = sha256(&config_bytes);
    PushedImage {
        reference,
        name,
        manifest_digest: sha256(&manifest_bytes),
        id: config_digest["sha256:".len()..].to_string(),
        config_digest,
        layer_digest: sha256(&layer_blob),
        diff_id,
        layer_size: tar.len() as u64,
    }
}

fn descriptor(media_type: &str, data: &[u8]) -> Value {
    json!({"mediaType": media_type, "digest": sha256(data), "size": data.len()})
}

fn tar_with_file(path: &str, data: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.set_path(path).expect("a short tar path");
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(1_704_067_200);
    header.set_uid(0);
    header.set_gid(0);
    header.set_cksum();
    let mut builder = tar::Builder::new(Vec::new());
    builder.append(&header, data).expect("tar in memory");
    builder.into_inner().expect("tar in memory")
}

/// Pushes the layout's `latest` unchanged (same digests) to the plain registry.
fn skopeo_push(layout: &Path, reference: &str) {
    let out = Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            "--preserve-digests",
        ])
        .arg(format!("oci:{}:latest", layout.display()))
        .arg(format!("docker://{reference}"))
        .output()
        .expect("running skopeo (tests/run.sh installs it)");
    assert!(
        out.status.success(),
        "skopeo could not push {reference}: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

/// A blob in the registry's storage with one byte flipped (same size, so the registry still
/// serves it with the announced length); the original bytes come back on drop.
pub struct DamagedBlob {
    path: PathBuf,
    original: Vec<u8>,
}

impl DamagedBlob {
    pub fn flip_byte(path: &Path, offset: usize) -> DamagedBlob {
        let original = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        assert!(
            offset < original.len(),
            "{} has only {} bytes",
            path.display(),
            original.len()
        );
        let mut damaged = original.clone();
        damaged[offset] ^= 0x01;
        fs::write(path, &damaged).unwrap_or_else(|e| panic!("damaging {}: {e}", path.display()));
        DamagedBlob {
            path: path.to_path_buf(),
            original,
        }
    }
}

impl Drop for DamagedBlob {
    fn drop(&mut self) {
        if let Err(e) = fs::write(&self.path, &self.original) {
            eprintln!("warning: could not restore {}: {e}", self.path.display());
        }
    }
}
