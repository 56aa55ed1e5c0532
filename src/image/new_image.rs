//! Recording an image this engine made (`commit`, `import`): its config and manifest blobs and
//! its record in the index. Layers are described by their uncompressed tars (the store keeps
//! no compressed blobs); pushing compresses them.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::image::manifest::{DOCKER_MANIFEST, OCI_MANIFEST};
use crate::image::reference::{self, ParsedReference};
use crate::store::{ImageRecord, LayerRecord, Store};
use crate::util::digest::Digest;

/// `--format` of commit and import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestFormat {
    Oci,
    Docker,
}

impl ManifestFormat {
    pub fn parse(name: &str) -> Result<ManifestFormat> {
        match name {
            "oci" => Ok(ManifestFormat::Oci),
            "docker" => Ok(ManifestFormat::Docker),
            other => bail!("unknown image format {other:?}: use oci or docker"),
        }
    }

    fn media_types(self) -> (&'static str, &'static str, &'static str) {
        match self {
            ManifestFormat::Oci => (
                OCI_MANIFEST,
                "application/vnd.oci.image.config.v1+json",
                "application/vnd.oci.image.layer.v1.tar",
            ),
            ManifestFormat::Docker => (
                DOCKER_MANIFEST,
                "application/vnd.docker.container.image.v1+json",
                "application/vnd.docker.image.rootfs.diff.tar",
            ),
        }
    }
}

/// A stored layer of the new image, bottom first.
#[derive(Clone, Debug)]
pub struct ImageLayer {
    pub chain_id: Digest,
    pub diff_id: Digest,
    /// Bytes of its uncompressed tar.
    pub size: u64,
}

impl ImageLayer {
    /// The layers of a stored image.
    pub fn of_image(image: &ImageRecord) -> Vec<ImageLayer> {
        image
            .layers
            .iter()
            .map(|l| ImageLayer {
                chain_id: l.chain_id.clone(),
                diff_id: l.diff_id.clone(),
                size: l.uncompressed_size,
            })
            .collect()
    }
}

/// Stores `config` (its `rootfs` is set from `layers`) and a manifest for it, and records the
/// image, named `name` if given. Returns the record.
pub fn store_new_image(
    store: &Store,
    mut config: Value,
    layers: &[ImageLayer],
    format: ManifestFormat,
    name: Option<&str>,
) -> Result<ImageRecord> {
    let name = name.map(local_name).transpose()?;
    let diff_ids: Vec<&str> = layers.iter().map(|l| l.diff_id.as_str()).collect();
    config["rootfs"] = json!({"type": "layers", "diff_ids": diff_ids});
    let config_bytes = serde_json::to_vec(&config).context("encoding the image config")?;
    let config_digest = Digest::of(&config_bytes);
    let (manifest_type, config_type, layer_type) = format.media_types();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": {
            "mediaType": config_type,
            "digest": config_digest.as_str(),
            "size": config_bytes.len(),
        },
        "layers": layers.iter().map(|l| json!({
            "mediaType": layer_type,
            "digest": l.diff_id.as_str(),
            "size": l.size,
        })).collect::<Vec<_>>(),
    });
    let manifest_bytes = serde_json::to_vec(&manifest).context("encoding the manifest")?;
    let manifest_digest = Digest::of(&manifest_bytes);
    store.put_blob(&config_bytes, &config_digest)?;
    store.put_blob(&manifest_bytes, &manifest_digest)?;
    let text = |key: &str| config.get(key).and_then(Value::as_str).map(String::from);
    let record = ImageRecord {
        id: config_digest.hex().to_string(),
        names: name.into_iter().collect(),
        digests: Vec::new(),
        manifest_digest,
        manifest_media_type: manifest_type.to_string(),
        config_digest,
        layers: layers
            .iter()
            .map(|l| LayerRecord {
                digest: l.diff_id.clone(),
                diff_id: l.diff_id.clone(),
                chain_id: l.chain_id.clone(),
                media_type: layer_type.to_string(),
                size: l.size,
                uncompressed_size: l.size,
            })
            .collect(),
        created: text("created"),
        pulled: now(),
        architecture: text("architecture").unwrap_or_default(),
        os: text("os").unwrap_or_default(),
        variant: text("variant"),
        size: layers.iter().map(|l| l.size).sum(),
    };
    store.add_image(record.clone())?;
    Ok(record)
}

/// A new image's name as the store keeps it: unqualified names go to `localhost/`, as in
/// podman, and get the tag `latest` unless they have one.
pub fn local_name(target: &str) -> Result<String> {
    match reference::parse(target)? {
        ParsedReference::Qualified(r) if r.digest.is_none() => Ok(r.to_string()),
        ParsedReference::Short {
            path,
            tag,
            digest: None,
        } => Ok(format!(
            "localhost/{path}:{}",
            tag.unwrap_or_else(|| "latest".into())
        )),
        _ => bail!("cannot name an image {target:?}: a name must not contain a digest"),
    }
}

/// RFC 3339 with nanoseconds, UTC, as image configs write times.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_qualified_like_podman() {
        assert_eq!(local_name("app").unwrap(), "localhost/app:latest");
        assert_eq!(local_name("app:v1").unwrap(), "localhost/app:v1");
        assert_eq!(local_name("quay.io/x/app:v1").unwrap(), "quay.io/x/app:v1");
        assert!(
            local_name(
                "app@sha256:0000000000000000000000000000000000000000000000000000000000000000"
            )
            .is_err()
        );
    }

    #[test]
    fn an_image_without_layers_is_stored_with_its_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let config = json!({"architecture": "amd64", "os": "linux", "config": {}});
        let record =
            store_new_image(&store, config, &[], ManifestFormat::Oci, Some("empty")).unwrap();
        assert_eq!(record.names, ["localhost/empty:latest"]);
        let stored: Value =
            serde_json::from_slice(&store.read_blob(&record.config_digest).unwrap()).unwrap();
        assert_eq!(stored["rootfs"], json!({"type": "layers", "diff_ids": []}));
        assert!(store.find_image("empty").unwrap().is_some());
    }
}
