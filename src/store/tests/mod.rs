//! Store-level tests on real directories, with the helpers they share.

mod durability;
mod lifecycle;
mod names;

use super::*;
use crate::util::digest::Digest;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    (dir, store)
}

fn put(store: &Store, data: &[u8]) -> Digest {
    let digest = Digest::of(data);
    store.put_blob(data, &digest).unwrap();
    digest
}

/// Stores an unpacked layer holding one file with `data`; returns its chain ID (here simply the
/// digest of `data`, standing for digest, diff_id and chain ID alike).
fn put_layer(store: &Store, data: &[u8]) -> Digest {
    let chain = Digest::of(data);
    if !store.has_layer(&chain) {
        let staging = store.new_layer_staging().unwrap();
        fs::write(staging.diff_dir().join("content"), data).unwrap();
        let meta = crate::store::LayerMeta {
            chain_id: chain.clone(),
            diff_id: chain.clone(),
            parent: None,
            compressed_digest: chain.clone(),
            size: data.len() as u64,
            tar_split: false,
            tar_checksum: None,
        };
        staging.commit(&meta).unwrap();
    }
    chain
}

/// Stores the blobs and layers of an image whose config is `config`; returns its (unadded) record.
fn image(
    store: &Store,
    config: &str,
    layers: &[&str],
    names: &[&str],
    pulled: &str,
) -> ImageRecord {
    let config_digest = put(store, config.as_bytes());
    let layers: Vec<LayerRecord> = layers
        .iter()
        .map(|data| {
            let digest = put_layer(store, data.as_bytes());
            LayerRecord {
                diff_id: digest.clone(),
                chain_id: digest.clone(),
                digest,
                media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
                size: data.len() as u64,
                uncompressed_size: data.len() as u64,
            }
        })
        .collect();
    let manifest = format!("manifest of {config_digest} with {layers:?}");
    ImageRecord {
        id: config_digest.hex().to_string(),
        names: names.iter().map(|s| s.to_string()).collect(),
        digests: Vec::new(),
        manifest_digest: put(store, manifest.as_bytes()),
        manifest_media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        config_digest,
        layers,
        created: None,
        pulled: pulled.into(),
        architecture: "amd64".into(),
        os: "linux".into(),
        variant: None,
        size: 0,
    }
}

fn names_of(store: &Store, id: &str) -> Vec<String> {
    let found = store.images().unwrap().into_iter().find(|i| i.id == id);
    found.map(|i| i.names).unwrap_or_default()
}

fn found_id(store: &Store, query: &str) -> Option<String> {
    store.find_image(query).unwrap().map(|i| i.id)
}

const T1: &str = "2025-01-01T00:00:00Z";
const T2: &str = "2025-01-02T00:00:00+02:00";
