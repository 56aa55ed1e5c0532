//! `load`: docker-archive and oci-archive tars (or an OCI layout directory) into the local
//! store. Each layer is decompressed as it is read and stored through the layer unpacker; its
//! diff_id must be the one the config lists, so the image ID (the config digest) is the
//! archive's.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use serde_json::Value;

use super::archive_index::ArchiveIndex;
use super::manifest_out::{self, Described, Family};
use crate::image::manifest::{self, Manifest, Platform};
use crate::image::reference::{self, ParsedReference, Reference};
use crate::rootfs::layer_tar::store_layer_from_tar;
use crate::rootfs::unpacker::LayerUnpacker;
use crate::store::{ImageRecord, LayerRecord, Store, chain_ids};
use crate::util::digest::Digest;

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// Loads every image of the archive at `path`; returns the names (or IDs) loaded.
pub fn load_archive(store: &Store, path: &Path) -> Result<Vec<String>> {
    let archive = ArchiveIndex::open(path)?;
    let name = path.display().to_string();
    let unpacker = unpacker()?;
    if archive.contains("manifest.json") {
        load_docker(store, &unpacker, &archive, &name)
    } else if archive.contains("index.json") {
        load_oci(store, &unpacker, &archive, &name)
    } else {
        bail!(
            "{name} is neither a docker-archive (no manifest.json) nor an oci-archive (no index.json)"
        )
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

fn load_docker(
    store: &Store,
    unpacker: &LayerUnpacker,
    archive: &ArchiveIndex,
    name: &str,
) -> Result<Vec<String>> {
    let entries: Vec<DockerEntry> = serde_json::from_slice(&archive.read_member("manifest.json")?)
        .map_err(|e| {
            anyhow!("{name}: manifest.json is malformed ({e}); it is not a docker-archive")
        })?;
    if entries.is_empty() {
        bail!("{name}: manifest.json lists no image");
    }
    let mut loaded = Vec::new();
    for entry in entries {
        let config = archive
            .read_member(&entry.config)
            .with_context(|| format!("{name}: manifest.json names config {}", entry.config))?;
        let stored = store_layers(store, unpacker, archive, name, &config, &entry.layers)?;
        let described: Vec<Described> = stored
            .iter()
            .map(|l| Described::stored_layer(store, l))
            .collect();
        let config_described = Described::plain(Digest::of(&config), config.len() as u64);
        let manifest = manifest_out::build(Family::Docker, &config_described, &described);
        let mut layers = stored;
        for l in &mut layers {
            l.media_type = Family::Docker.layer_media_type(None).to_string();
        }
        let names = entry.repo_tags.unwrap_or_default();
        loaded.extend(publish(
            store,
            &config,
            &manifest,
            Family::Docker.manifest_media_type(),
            layers,
            &names,
        )?);
    }
    Ok(loaded)
}

fn load_oci(
    store: &Store,
    unpacker: &LayerUnpacker,
    archive: &ArchiveIndex,
    name: &str,
) -> Result<Vec<String>> {
    let index: Value = serde_json::from_slice(&archive.read_member("index.json")?)
        .map_err(|e| anyhow!("{name}: index.json is malformed ({e}); it is not an oci-archive"))?;
    let entries = index["manifests"].as_array().cloned().unwrap_or_default();
    if entries.is_empty() {
        bail!("{name}: index.json lists no image");
    }
    let mut loaded = Vec::new();
    for entry in entries {
        let digest = entry["digest"]
            .as_str()
            .and_then(|d| Digest::parse(d).ok())
            .ok_or_else(|| anyhow!("{name}: index.json has an entry without a valid digest"))?;
        let ref_name = entry["annotations"][REF_NAME].as_str().map(str::to_string);
        let (bytes, media_type, image) = image_manifest(archive, name, &digest)?;
        let (config_blob, layer_blobs) = manifest::image_parts(&image)?;
        let config = read_blob(archive, name, &config_blob.digest)?;
        let layers: Vec<String> = layer_blobs.iter().map(|b| blob_member(&b.digest)).collect();
        let mut stored = store_layers(store, unpacker, archive, name, &config, &layers)?;
        for (record, blob) in stored.iter_mut().zip(&layer_blobs) {
            (record.digest, record.size, record.media_type) =
                (blob.digest.clone(), blob.size, blob.media_type.clone());
        }
        let names: Vec<String> = ref_name
            .into_iter()
            .filter(|r| r.contains(':') || r.contains('/'))
            .collect();
        loaded.extend(publish(
            store,
            &config,
            &bytes,
            &media_type,
            stored,
            &names,
        )?);
    }
    Ok(loaded)
}

/// The image manifest `digest` names, through an index for this machine's platform.
fn image_manifest(
    archive: &ArchiveIndex,
    name: &str,
    digest: &Digest,
) -> Result<(Vec<u8>, String, Box<oci_spec::image::ImageManifest>)> {
    let bytes = read_blob(archive, name, digest)?;
    match manifest::parse(&bytes).with_context(|| format!("{name}: manifest {digest}"))? {
        Manifest::Image {
            media_type,
            manifest,
        } => Ok((bytes, media_type, manifest)),
        Manifest::Index { index, .. } => {
            let chosen = manifest::choose_platform(&index, &Platform::host())?;
            let child = read_blob(archive, name, &chosen.digest)?;
            match manifest::parse(&child)? {
                Manifest::Image {
                    media_type,
                    manifest,
                } => Ok((child, media_type, manifest)),
                Manifest::Index { .. } => {
                    bail!("{name}: an index points to another index; not supported")
                }
            }
        }
    }
}

fn blob_member(digest: &Digest) -> String {
    format!("blobs/sha256/{}", digest.hex())
}

fn read_blob(archive: &ArchiveIndex, name: &str, digest: &Digest) -> Result<Vec<u8>> {
    let bytes = archive.read_member(&blob_member(digest))?;
    if Digest::of(&bytes) != *digest {
        bail!("{name}: blob {digest} does not hash to its name; the archive is damaged");
    }
    Ok(bytes)
}

/// Stores the layers (archive members) and checks each against the config's diff_ids.
pub(super) fn store_layers(
    store: &Store,
    unpacker: &LayerUnpacker,
    archive: &ArchiveIndex,
    name: &str,
    config: &[u8],
    layers: &[String],
) -> Result<Vec<LayerRecord>> {
    let parsed: Value = serde_json::from_slice(config)
        .map_err(|e| anyhow!("{name}: the image config is not JSON ({e})"))?;
    let diff_ids: Vec<Digest> = parsed["rootfs"]["diff_ids"]
        .as_array()
        .ok_or_else(|| anyhow!("{name}: the image config lists no rootfs.diff_ids"))?
        .iter()
        .map(|d| {
            d.as_str()
                .and_then(|d| Digest::parse(d).ok())
                .ok_or_else(|| anyhow!("{name}: the image config lists an invalid diff_id"))
        })
        .collect::<Result<_>>()?;
    if diff_ids.len() != layers.len() {
        bail!(
            "{name}: the manifest lists {} layers but the image config {}; the archive is inconsistent",
            layers.len(),
            diff_ids.len()
        );
    }
    let chains = chain_ids(&diff_ids);
    let mut records = Vec::with_capacity(layers.len());
    for (i, (member, diff_id)) in layers.iter().zip(&diff_ids).enumerate() {
        let chain = &chains[i];
        let uncompressed_size = match store.has_layer(chain) {
            true => store.layer_meta(chain)?.size,
            false => {
                let mut tar = archive
                    .open_layer(member)
                    .with_context(|| format!("{name}: layer {member}"))?;
                let parent = i.checked_sub(1).map(|p| &chains[p]);
                let meta = store_layer_from_tar(store, unpacker, parent, &mut tar)
                    .with_context(|| format!("{name}: storing layer {member}"))?;
                if meta.diff_id != *diff_id {
                    bail!(
                        "{name}: layer {member} hashes to {} but the image config lists {diff_id}; the archive is damaged",
                        meta.diff_id
                    );
                }
                meta.size
            }
        };
        records.push(LayerRecord {
            digest: diff_id.clone(),
            diff_id: diff_id.clone(),
            chain_id: chain.clone(),
            media_type: String::new(),
            size: uncompressed_size,
            uncompressed_size,
        });
    }
    Ok(records)
}

/// Puts config and manifest in the store and records the image under `names`.
pub(super) fn publish(
    store: &Store,
    config: &[u8],
    manifest: &[u8],
    media_type: &str,
    layers: Vec<LayerRecord>,
    names: &[String],
) -> Result<Vec<String>> {
    let config_digest = Digest::of(config);
    let manifest_digest = Digest::of(manifest);
    store.put_blob(config, &config_digest)?;
    store.put_blob(manifest, &manifest_digest)?;
    let parsed: Value = serde_json::from_slice(config).unwrap_or(Value::Null);
    let names: Vec<String> = names.iter().map(|n| full_name(n)).collect::<Result<_>>()?;
    let record = ImageRecord {
        id: config_digest.hex().to_string(),
        names: names.clone(),
        digests: Vec::new(),
        manifest_digest,
        manifest_media_type: media_type.to_string(),
        config_digest: config_digest.clone(),
        size: layers.iter().map(|l| l.uncompressed_size).sum(),
        layers,
        created: parsed["created"].as_str().map(str::to_string),
        pulled: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        architecture: parsed["architecture"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        os: parsed["os"].as_str().unwrap_or_default().to_string(),
        variant: parsed["variant"].as_str().map(str::to_string),
    };
    store.add_image(record)?;
    Ok(match names.is_empty() {
        true => vec![config_digest.to_string()],
        false => names,
    })
}

/// `busybox:latest` → `docker.io/library/busybox:latest`, as podman names loaded images.
pub(super) fn full_name(name: &str) -> Result<String> {
    let reference =
        match reference::parse(name).with_context(|| format!("archive image name {name:?}"))? {
            ParsedReference::Qualified(r) => r,
            ParsedReference::Short { path, tag, digest } => {
                Reference::qualify("docker.io", &path, tag.as_deref(), digest.as_ref())?
            }
        };
    Ok(reference
        .repo_tag_string()
        .unwrap_or_else(|| reference.name()))
}

pub(super) fn unpacker() -> Result<LayerUnpacker> {
    let (unpacker, warning) = LayerUnpacker::new()?;
    if let Some(warning) = warning {
        eprintln!("WARNING: {warning}");
    }
    Ok(unpacker)
}
