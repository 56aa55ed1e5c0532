//! The generic copy between any source and destination: the manifest (or, with --all, a list
//! and every instance) is passed on byte for byte, so its digest holds, and each blob the
//! destination lacks is streamed through a digest check.

use anyhow::{Context, Result, bail};
use futures_util::TryStreamExt;

use super::blob_stream::verified;
use super::copy::{CopyOptions, PARALLEL_BLOBS};
use super::destination::{BlobRole, Destination};
use super::progress::Progress;
use super::source::Source;
use crate::image::manifest::{self, Blob, Manifest};
use crate::util::concurrent::try_join_in_order;
use crate::util::digest::Digest;

/// Copies the image (or, with `opts.all`, the whole list) and commits the destination; on
/// failure the destination is undone. Returns the digest of the top manifest written.
pub async fn copy_image(
    source: &Source,
    destination: Destination,
    opts: &CopyOptions,
    progress: &Progress,
) -> Result<Digest> {
    progress.say("Getting image source signatures");
    match copy_top(source, &destination, opts, progress).await {
        Ok(digest) => {
            destination.commit().await?;
            Ok(digest)
        }
        Err(e) => {
            tokio::task::block_in_place(|| destination.abort());
            Err(e)
        }
    }
}

async fn copy_top(
    source: &Source,
    destination: &Destination,
    opts: &CopyOptions,
    progress: &Progress,
) -> Result<Digest> {
    let (bytes, media_type) = source.manifest(None).await?;
    let what = || format!("reading the manifest of {}", source.name);
    match manifest::parse(&bytes).with_context(what)? {
        Manifest::Image { .. } => {
            copy_single(source, destination, &bytes, &media_type, None, progress).await
        }
        Manifest::Index { index, .. } if opts.all => {
            if !destination.takes_lists() {
                bail!(
                    "{} is a manifest list and the destination holds single images; copy without --all",
                    source.name
                );
            }
            for entry in index.manifests() {
                let child = manifest::blob(entry).with_context(what)?;
                let (child_bytes, child_type) = source.manifest(Some(&child.digest)).await?;
                copy_single(
                    source,
                    destination,
                    &child_bytes,
                    &child_type,
                    Some(&child.digest),
                    progress,
                )
                .await?;
            }
            progress.say("Writing manifest list to image destination");
            destination.put_manifest(&bytes, &media_type, None).await
        }
        Manifest::Index { index, .. } => {
            let chosen = manifest::choose_platform(&index, &opts.platform)
                .with_context(|| format!("copying {}", source.name))?;
            let (child_bytes, child_type) = source.manifest(Some(&chosen.digest)).await?;
            copy_single(
                source,
                destination,
                &child_bytes,
                &child_type,
                None,
                progress,
            )
            .await
        }
    }
}

/// One image manifest: its config and layers, then the manifest itself.
async fn copy_single(
    source: &Source,
    destination: &Destination,
    bytes: &[u8],
    media_type: &str,
    instance: Option<&Digest>,
    progress: &Progress,
) -> Result<Digest> {
    let Manifest::Image { manifest, .. } = manifest::parse(bytes)? else {
        bail!(
            "{}: a manifest list lists another list; not supported",
            source.name
        );
    };
    let (config, layers) = manifest::image_parts(&manifest)
        .with_context(|| format!("reading the manifest of {}", source.name))?;
    let blobs = std::iter::once((BlobRole::Config, config))
        .chain(layers.into_iter().map(|l| (BlobRole::Layer, l)));
    let parallel = if destination.parallel() {
        PARALLEL_BLOBS
    } else {
        1
    };
    let jobs = blobs.map(|(role, blob)| async move {
        copy_blob(source, destination, role, &blob, progress).await
    });
    try_join_in_order(jobs, parallel).await?;
    if instance.is_none() {
        progress.say("Writing manifest to image destination");
    }
    destination.put_manifest(bytes, media_type, instance).await
}

async fn copy_blob(
    source: &Source,
    destination: &Destination,
    role: BlobRole,
    blob: &Blob,
    progress: &Progress,
) -> Result<()> {
    let what = match role {
        BlobRole::Config => "config",
        BlobRole::Layer => "blob",
    };
    if destination.has_blob(blob).await? {
        progress.skipped(what, &blob.digest);
        return Ok(());
    }
    let bar = progress.bar(what, &blob.digest, blob.size);
    let counter = bar.clone();
    let body = source
        .blob(blob)
        .await?
        .inspect_ok(move |chunk| counter.inc(chunk.len() as u64));
    let body = verified(Box::pin(body), blob, &source.name);
    destination
        .put_blob(blob, role, body)
        .await
        .map_err(|e| name_blob(e, blob, &source.name))?;
    bar.finish_and_clear();
    Ok(())
}

/// Errors of a blob's copy name the blob and its source once (the digest check names both).
fn name_blob(error: anyhow::Error, blob: &Blob, source: &str) -> anyhow::Error {
    let text = format!("{error:#}");
    if text.contains(blob.digest.as_str()) && text.contains(source) {
        error
    } else {
        error.context(format!("copying blob {} from {source}", blob.digest))
    }
}

#[cfg(test)]
#[path = "image_copy_tests.rs"]
mod tests;
