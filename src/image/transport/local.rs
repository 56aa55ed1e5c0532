//! Pushing an image of the local store to a registry. The store keeps layers unpacked; a layer
//! is reused as the compressed blob it was pulled as when the registry has that blob (or can
//! mount it from a repository the image came from), else its tar is reproduced from the store
//! (hashing to its diff_id), compressed on the fly and uploaded.

use std::sync::Arc;

use anyhow::{Result, anyhow};

use super::Compression;
use super::blob_cache::{BlobCache, CachedBlob};
use super::compress::compress_stream;
use super::copy::{CopyOptions, PARALLEL_BLOBS};
use super::manifest_out::{self, Described, Family};
use super::progress::Progress;
use super::remote::RemoteRepo;
use crate::image::manifest::{self, Manifest};
use crate::image::reference::{self, ParsedReference, Reference};
use crate::rootfs::layer_tar::open_layer_tar;
use crate::store::{ImageRecord, LayerRecord, Store};
use crate::util::concurrent::try_join_in_order;
use crate::util::digest::Digest;

/// Pushes local image `name` to `destination` under `to`'s tag; returns the manifest digest.
pub async fn push(
    store: &Arc<Store>,
    name: &str,
    destination: &RemoteRepo,
    to: &Reference,
    opts: &CopyOptions,
    progress: &Progress,
) -> Result<Digest> {
    let image = store.find_image(name)?.ok_or_else(|| {
        anyhow!(
            "no image {name:?} in the local store; pull or build it first (see `engine images`)"
        )
    })?;
    progress.say("Getting image source signatures");
    let mount_from = same_registry_repositories(&image, destination);
    let jobs = image.layers.iter().map(|layer| {
        push_layer(
            store,
            layer,
            destination,
            &mount_from,
            opts.compression,
            opts.compression_level,
            progress,
        )
    });
    let pushed: Vec<Described> = try_join_in_order(jobs, PARALLEL_BLOBS).await?;

    let config_bytes = store.read_blob(&image.config_digest)?;
    let config = Described::plain(image.config_digest.clone(), config_bytes.len() as u64);
    if !already_there(destination, &config.digest, &mount_from).await? {
        let bar = progress.bar("config", &config.digest, config.size);
        let body = futures_util::stream::once(async move { Ok(bytes::Bytes::from(config_bytes)) });
        destination
            .upload_known(body, &config.digest, config.size)
            .await?;
        bar.finish_and_clear();
    } else {
        progress.skipped("config", &config.digest);
    }

    let (bytes, media_type) = match stored_manifest_if_unchanged(store, &image, &pushed) {
        Some(stored) => stored,
        None => {
            let family = Family::choose(&image.manifest_media_type, &pushed);
            (
                manifest_out::build(family, &config, &pushed),
                family.manifest_media_type().to_string(),
            )
        }
    };
    progress.say("Writing manifest to image destination");
    let tag = super::copy::reference_in_repo(to);
    destination.put_manifest(&tag, &bytes, &media_type).await
}

/// Other repositories on the destination's registry that the image was pulled from or pushed
/// to: blobs can be mounted from them instead of uploaded.
fn same_registry_repositories(image: &ImageRecord, destination: &RemoteRepo) -> Vec<String> {
    let mut repositories: Vec<String> = image
        .names
        .iter()
        .chain(&image.digests)
        .filter_map(|n| match reference::parse(n) {
            Ok(ParsedReference::Qualified(r)) if r.domain == destination.host => Some(r.path),
            _ => None,
        })
        .filter(|path| *path != destination.repository)
        .collect();
    repositories.dedup();
    repositories
}

/// One layer: the blob it was pulled as when the destination has it or can mount it and no
/// other compression was asked for; otherwise compressed from the store and uploaded.
async fn push_layer(
    store: &Arc<Store>,
    layer: &LayerRecord,
    destination: &RemoteRepo,
    mount_from: &[String],
    wanted: Option<Compression>,
    level: Option<i32>,
    progress: &Progress,
) -> Result<Described> {
    let original = Compression::of_media_type(&layer.media_type);
    if wanted.is_none_or(|w| Some(w) == original)
        && already_there(destination, &layer.digest, mount_from).await?
    {
        progress.skipped("blob", &layer.digest);
        return Ok(Described {
            digest: layer.digest.clone(),
            size: layer.size,
            compression: original,
        });
    }
    let cache = BlobCache::of(store);
    for blob in cache.candidates(&layer.diff_id, wanted) {
        if already_there(destination, &blob.digest, mount_from).await? {
            progress.skipped("blob", &blob.digest);
            return Ok(Described {
                digest: blob.digest.clone(),
                size: blob.size,
                compression: Some(blob.compression()),
            });
        }
    }
    let compression = wanted.unwrap_or(Compression::Gzip);
    let bar = progress.bar("blob", &layer.diff_id, layer.uncompressed_size);
    let counter = bar.clone();
    let (store, chain) = (Arc::clone(store), layer.chain_id.clone());
    let (body, worker) = compress_stream(
        move || open_layer_tar(&store, &chain),
        |tar| tar.finish(),
        compression,
        level,
        move |n| counter.inc(n),
    );
    let mut size = 0;
    let result = destination
        .upload_streamed(body, async {
            let done = worker
                .await
                .map_err(|e| anyhow!("the layer compressor failed: {e}"))??;
            size = done.size;
            Ok(done.digest)
        })
        .await;
    let digest = result.map_err(|e| e.context(format!("pushing layer {}", layer.diff_id)))?;
    bar.finish_and_clear();
    let zstd = compression == Compression::Zstd;
    let recorded = cache.record(
        &layer.diff_id,
        CachedBlob {
            digest: digest.clone(),
            size,
            zstd,
        },
    );
    if let Err(e) = recorded {
        eprintln!("WARNING: {e:#}");
    }
    Ok(Described {
        digest,
        size,
        compression: Some(compression),
    })
}

/// True when the destination has the blob, or now has it mounted from one of `mount_from`.
async fn already_there(
    destination: &RemoteRepo,
    digest: &Digest,
    mount_from: &[String],
) -> Result<bool> {
    if destination.blob_size(digest).await?.is_some() {
        return Ok(true);
    }
    for repository in mount_from {
        if destination.mount(digest, repository).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The manifest the image was pulled with, when every layer went out as the blob it names.
fn stored_manifest_if_unchanged(
    store: &Store,
    image: &ImageRecord,
    pushed: &[Described],
) -> Option<(Vec<u8>, String)> {
    let bytes = store.read_blob(&image.manifest_digest).ok()?;
    let Ok(Manifest::Image {
        media_type,
        manifest,
    }) = manifest::parse(&bytes)
    else {
        return None;
    };
    let (config, layers) = manifest::image_parts(&manifest).ok()?;
    let same = config.digest == image.config_digest
        && layers.len() == pushed.len()
        && layers.iter().zip(pushed).all(|(l, p)| l.digest == p.digest);
    same.then_some((bytes, media_type))
}
