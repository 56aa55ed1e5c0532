//! `image copy dir:DIR local:NAME`: a dir: image into the local store, keeping its manifest
//! (so its digest) and config (so its ID); each layer is checked against the config's diff_ids
//! as it is stored.

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::archive_index::ArchiveIndex;
use super::archive_load::{publish, store_layers, unpacker};
use crate::image::manifest::{self, MAX_MANIFEST_BYTES, Manifest, Platform};
use crate::store::Store;
use crate::util::digest::Digest;

/// Loads the dir: image at `root` (for a list, this machine's instance) under `name`;
/// returns the manifest digest.
pub fn load_dir(store: &Store, root: &Path, name: Option<&str>) -> Result<Digest> {
    let what = format!("dir:{}", root.display());
    let files = ArchiveIndex::open(root)?;
    if !files.contains("manifest.json") {
        bail!("{what}: holds no manifest.json; it is not a dir: image");
    }
    let mut bytes = small(&files, "manifest.json")?;
    let mut parsed = manifest::parse(&bytes).with_context(|| format!("reading {what}"))?;
    if let Manifest::Index { index, .. } = &parsed {
        let chosen = manifest::choose_platform(index, &Platform::host())
            .with_context(|| format!("reading {what}"))?;
        bytes = small(&files, &format!("{}.manifest.json", chosen.digest.hex()))?;
        if Digest::of(&bytes) != chosen.digest {
            bail!(
                "{what}: manifest {} does not hash to its digest; the directory is damaged",
                chosen.digest
            );
        }
        parsed = manifest::parse(&bytes).with_context(|| format!("reading {what}"))?;
    }
    let Manifest::Image {
        media_type,
        manifest,
    } = parsed
    else {
        bail!("{what}: a manifest list lists another list; not supported");
    };
    let (config_blob, layer_blobs) = manifest::image_parts(&manifest)?;
    let config = small(&files, config_blob.digest.hex())?;
    if Digest::of(&config) != config_blob.digest {
        bail!(
            "{what}: config {} does not hash to its digest; the directory is damaged",
            config_blob.digest
        );
    }
    let members: Vec<String> = layer_blobs
        .iter()
        .map(|b| b.digest.hex().to_string())
        .collect();
    let mut layers = store_layers(store, &unpacker()?, &files, &what, &config, &members)?;
    for (record, blob) in layers.iter_mut().zip(&layer_blobs) {
        (record.digest, record.size, record.media_type) =
            (blob.digest.clone(), blob.size, blob.media_type.clone());
    }
    let names: Vec<String> = name.into_iter().map(str::to_string).collect();
    publish(store, &config, &bytes, &media_type, layers, &names)?;
    Ok(Digest::of(&bytes))
}

fn small(files: &ArchiveIndex, member: &str) -> Result<Vec<u8>> {
    let bytes = files.read_member(member)?;
    if bytes.len() > MAX_MANIFEST_BYTES {
        bail!(
            "{member} is {} bytes, too large for a manifest or config",
            bytes.len()
        );
    }
    Ok(bytes)
}
