//! Images made by the test, served by a [`HttpFront`](crate::http_front::HttpFront) acting
//! as a registry: nothing goes through a real registry, which would refuse to store a blob
//! whose digest lies. [`Content`] answers `/v2/`, manifests and blobs like a registry does;
//! a test changes what it holds (or answers some requests itself) to make it lie.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::common::env;
use crate::http_front::{Reply, Request};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// How a layer blob is compressed.
#[derive(Clone, Copy)]
pub enum Codec {
    None,
    Gzip,
    Zstd,
}

/// One layer as the manifest and config describe it.
#[derive(Clone)]
pub struct Layer {
    pub blob: Vec<u8>,
    pub media_type: &'static str,
    /// What the config claims the uncompressed tar hashes to.
    pub diff_id: String,
}

impl Layer {
    pub fn new(tar: &[u8], codec: Codec) -> Layer {
        let (blob, media_type) = match codec {
            Codec::None => (tar.to_vec(), "application/vnd.oci.image.layer.v1.tar"),
            Codec::Gzip => {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                gz.write_all(tar).expect("gzip in memory");
                (
                    gz.finish().expect("gzip in memory"),
                    "application/vnd.oci.image.layer.v1.tar+gzip",
                )
            }
            Codec::Zstd => (
                zstd::encode_all(tar, 19).expect("zstd in memory"),
                "application/vnd.oci.image.layer.v1.tar+zstd",
            ),
        };
        Layer {
            blob,
            media_type,
            diff_id: sha256(tar),
        }
    }
}

/// An image's documents, built from layers; the JSON can be edited before [`Image::bytes`].
pub struct Image {
    pub config: Value,
    pub manifest: Value,
    pub layers: Vec<Layer>,
}

impl Image {
    pub fn new(layers: Vec<Layer>) -> Image {
        let config = json!({
            "architecture": env().fixtures["native_arch"], "os": "linux",
            "config": {"Cmd": ["sh"]},
            "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()},
        });
        let manifest = json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": "", "size": 0},
            "layers": layers.iter().map(|l| json!({
                "mediaType": l.media_type, "digest": sha256(&l.blob), "size": l.blob.len(),
            })).collect::<Vec<_>>(),
        });
        Image {
            config,
            manifest,
            layers,
        }
    }

    /// The config's bytes, and the manifest's pointing to them (the config descriptor is filled
    /// in unless a test set its digest already).
    pub fn bytes(&self) -> (Vec<u8>, Vec<u8>) {
        let config = serde_json::to_vec(&self.config).expect("config JSON");
        let mut manifest = self.manifest.clone();
        if manifest["config"]["digest"] == "" {
            manifest["config"]["digest"] = json!(sha256(&config));
            manifest["config"]["size"] = json!(config.len());
        }
        (
            config,
            serde_json::to_vec(&manifest).expect("manifest JSON"),
        )
    }
}

/// What the fake registry serves: manifests by "REPO:TAG" or "REPO:DIGEST", blobs by digest.
#[derive(Default)]
pub struct Content {
    manifests: HashMap<String, (String, Vec<u8>)>,
    blobs: HashMap<String, Vec<u8>>,
}

pub type Shared = Arc<Mutex<Content>>;

impl Content {
    pub fn shared() -> Shared {
        Arc::new(Mutex::new(Content::default()))
    }

    /// Serves `image` as `repository:latest` (and by digest); returns the manifest digest.
    pub fn add_image(&mut self, repository: &str, image: &Image) -> String {
        let (config, manifest) = image.bytes();
        self.blobs.insert(sha256(&config), config);
        for layer in &image.layers {
            self.blobs.insert(sha256(&layer.blob), layer.blob.clone());
        }
        self.add_manifest(repository, "latest", OCI_MANIFEST, manifest)
    }

    /// Serves a manifest document as `repository:tag` and by its digest.
    pub fn add_manifest(
        &mut self,
        repository: &str,
        tag: &str,
        media_type: &str,
        bytes: Vec<u8>,
    ) -> String {
        let digest = sha256(&bytes);
        let entry = (media_type.to_string(), bytes);
        self.manifests
            .insert(format!("{repository}:{digest}"), entry.clone());
        self.manifests.insert(format!("{repository}:{tag}"), entry);
        digest
    }

    /// Replaces the bytes served for blob `digest`.
    pub fn set_blob(&mut self, digest: &str, bytes: Vec<u8>) {
        self.blobs.insert(digest.to_string(), bytes);
    }

    /// A registry's answer to `request`, from what is held.
    pub fn answer(&self, request: &Request) -> Reply {
        let path = request.path();
        if request.method != "GET" && request.method != "HEAD" {
            return Reply::status(
                405,
                r#"{"errors":[{"code":"UNSUPPORTED","message":"read-only"}]}"#,
            );
        }
        if path == "/v2/" || path == "/v2" {
            return Reply::ok("application/json", "{}");
        }
        let found = path.strip_prefix("/v2/").and_then(|rest| {
            if let Some((repository, reference)) = rest.split_once("/manifests/") {
                let (media_type, bytes) =
                    self.manifests.get(&format!("{repository}:{reference}"))?;
                Some(
                    Reply::ok(media_type, bytes.clone())
                        .with("Docker-Content-Digest", &sha256(bytes)),
                )
            } else if let Some((_, digest)) = rest.split_once("/blobs/") {
                let bytes = self.blobs.get(digest)?;
                Some(Reply::ok("application/octet-stream", bytes.clone()))
            } else {
                None
            }
        });
        found.unwrap_or_else(|| {
            Reply::status(
                404,
                r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown to the test"}]}"#,
            )
        })
    }
}

/// A layer of one small file, unique to `name`: the good image pulled before and after.
pub fn good_image(name: &str) -> Image {
    let tar = super::tar::Tar::new()
        .file(&format!("{name}.txt"), name.as_bytes())
        .finish();
    Image::new(vec![Layer::new(&tar, Codec::Gzip)])
}
