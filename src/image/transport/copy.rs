//! The one copy routine: dispatches on the pair of transports, and copies registry to registry
//! itself (blobs streamed as they are, manifests written byte for byte, so digests hold).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use futures_util::{StreamExt, TryStreamExt};

use super::progress::Progress;
use super::remote::RemoteRepo;
use super::{Compression, TransportRef, local};
use crate::config::auth::{AuthFiles, Credentials};
use crate::config::certs;
use crate::config::paths::Paths;
use crate::config::registries::RegistriesConf;
use crate::image::manifest::{self, Blob, Manifest, Platform};
use crate::image::pull::{PullContext, PullOptions};
use crate::image::reference::Reference;
use crate::image::registry::Endpoint;
use crate::store::Store;
use crate::util::digest::Digest;

/// Blobs copied at once.
pub(super) const PARALLEL_BLOBS: usize = 3;

/// Per-side registry options (`--tls-verify`, `--creds`, `--cert-dir`).
#[derive(Clone, Debug, Default)]
pub struct RegistryFlags {
    pub tls_verify: Option<bool>,
    pub credentials: Option<Credentials>,
    pub cert_dir: Option<PathBuf>,
}

/// The configuration registry connections are made from.
pub struct RegistryAccess<'a> {
    pub paths: &'a Paths,
    pub registries: &'a RegistriesConf,
    pub auth: &'a AuthFiles,
}

impl RegistryAccess<'_> {
    /// Connects to the repository of `reference`, for pushing when `push`.
    pub async fn connect(
        &self,
        reference: &Reference,
        flags: &RegistryFlags,
        push: bool,
    ) -> Result<RemoteRepo> {
        let host = &reference.domain;
        let credentials = match &flags.credentials {
            Some(c) => Some(c.clone()),
            None => self.auth.lookup(host, &reference.path)?,
        };
        let endpoint = Endpoint {
            host: host.clone(),
            insecure: self.registries.is_insecure(host) || flags.tls_verify == Some(false),
            ca_files: match &flags.cert_dir {
                Some(dir) => certs::crt_files_in(dir),
                None => certs::ca_files(self.paths, host),
            },
            credentials,
        };
        RemoteRepo::connect(&endpoint, &reference.path, push).await
    }
}

pub struct CopyOptions {
    pub source: RegistryFlags,
    pub destination: RegistryFlags,
    /// Recompress layers leaving the local store (and pulled layers in another format).
    pub compression: Option<Compression>,
    /// Every image of an index, not only the one for `platform`.
    pub all: bool,
    pub platform: Platform,
    /// Progress bars (stderr is a terminal).
    pub bars: bool,
    pub quiet: bool,
}

/// Copies `src` to `dst`; returns the digest of the manifest written.
pub async fn copy(
    access: &RegistryAccess<'_>,
    store: Option<&Arc<Store>>,
    src: &TransportRef,
    dst: &TransportRef,
    opts: &CopyOptions,
) -> Result<Digest> {
    let progress = Progress::new(opts.bars, opts.quiet);
    let result = match (src, dst) {
        (TransportRef::Docker(from), TransportRef::Docker(to)) => {
            let source = access.connect(from, &opts.source, false).await?;
            let destination = access.connect(to, &opts.destination, true).await?;
            progress.say("Getting image source signatures");
            let wanted = reference_in_repo(from);
            let tag = to.digest.as_ref().map_or_else(
                || to.tag.clone().unwrap_or("latest".into()),
                |d| d.to_string(),
            );
            copy_manifest(&source, &destination, &wanted, &tag, opts, &progress).await
        }
        (TransportRef::Local(name), TransportRef::Docker(to)) => {
            let store = store.context("copying from the local store needs the store")?;
            let destination = access.connect(to, &opts.destination, true).await?;
            local::push(store, name, &destination, to, opts, &progress).await
        }
        (TransportRef::Docker(from), TransportRef::Local(_)) => {
            let store = store.context("copying to the local store needs the store")?;
            let ctx = PullContext {
                paths: access.paths,
                registries: access.registries,
                auth: access.auth,
                store,
            };
            let pull = PullOptions {
                platform: opts.platform.clone(),
                tls_verify: opts.source.tls_verify,
                credentials: opts.source.credentials.clone(),
                signature_policy: None,
                cert_dir: opts.source.cert_dir.clone(),
                progress: opts.bars && !opts.quiet,
                verbose: !opts.quiet,
            };
            Ok(crate::image::pull::pull(&ctx, &from.to_string(), &pull)
                .await?
                .manifest_digest)
        }
        (TransportRef::Local(name), archive) => {
            let store = store.context("copying from the local store needs the store")?;
            tokio::task::block_in_place(|| super::archive_save::save_to(store, name, archive))
        }
        (
            TransportRef::DockerArchive { path, .. }
            | TransportRef::OciArchive { path, .. }
            | TransportRef::OciDir { path, .. },
            TransportRef::Local(_),
        ) => {
            let store = store.context("copying to the local store needs the store")?;
            let loaded =
                tokio::task::block_in_place(|| super::archive_load::load_archive(store, path))?;
            let first = loaded.first().context("the archive held no image")?;
            let image = store
                .find_image(first)?
                .context("the loaded image vanished from the store")?;
            Ok(image.manifest_digest)
        }
        _ => bail!(
            "copying from {src} to {dst} is not supported yet; copy through the local store (local:NAME) instead"
        ),
    };
    progress.finish();
    result
}

/// The tag or digest of `r` inside its repository.
pub fn reference_in_repo(r: &Reference) -> String {
    match (&r.digest, &r.tag) {
        (Some(d), _) => d.to_string(),
        (None, Some(t)) => t.clone(),
        (None, None) => "latest".to_string(),
    }
}

/// Copies the manifest `wanted` (with everything it references) and stores it as `tag`.
async fn copy_manifest(
    source: &RemoteRepo,
    destination: &RemoteRepo,
    wanted: &str,
    tag: &str,
    opts: &CopyOptions,
    progress: &Progress,
) -> Result<Digest> {
    let (bytes, media_type, _) = source.manifest(wanted).await?;
    let what = format!("{}@{wanted}", source.name());
    match manifest::parse(&bytes).with_context(|| format!("reading manifest of {what}"))? {
        Manifest::Image {
            media_type: declared,
            manifest,
        } => {
            let (config, layers) = manifest::image_parts(&manifest)
                .with_context(|| format!("reading manifest of {what}"))?;
            copy_blobs(source, destination, &config, &layers, progress).await?;
            progress.say("Writing manifest to image destination");
            destination
                .put_manifest(tag, &bytes, media_type_or(&media_type, &declared))
                .await
        }
        Manifest::Index {
            media_type: declared,
            index,
        } if opts.all => {
            for entry in index.manifests() {
                let child = manifest::blob(entry)?;
                let digest = child.digest.to_string();
                Box::pin(copy_manifest(
                    source,
                    destination,
                    &digest,
                    &digest,
                    opts,
                    progress,
                ))
                .await?;
            }
            progress.say("Writing manifest list to image destination");
            destination
                .put_manifest(tag, &bytes, media_type_or(&media_type, &declared))
                .await
        }
        Manifest::Index { index, .. } => {
            let chosen = manifest::choose_platform(&index, &opts.platform)
                .with_context(|| format!("copying {what}"))?;
            Box::pin(copy_manifest(
                source,
                destination,
                chosen.digest.as_str(),
                tag,
                opts,
                progress,
            ))
            .await
        }
    }
}

fn media_type_or<'a>(answered: &'a str, declared: &'a str) -> &'a str {
    if answered.is_empty() || answered == "application/octet-stream" {
        declared
    } else {
        answered
    }
}

/// Config then layers: each one skipped when present, mounted when on the same registry,
/// otherwise streamed from source to destination unchanged.
async fn copy_blobs(
    source: &RemoteRepo,
    destination: &RemoteRepo,
    config: &Blob,
    layers: &[Blob],
    progress: &Progress,
) -> Result<()> {
    let blobs = std::iter::once(("config", config)).chain(layers.iter().map(|l| ("blob", l)));
    futures_util::stream::iter(
        blobs.map(|(what, blob)| copy_blob(source, destination, what, blob, progress)),
    )
    .buffer_unordered(PARALLEL_BLOBS)
    .try_collect::<Vec<()>>()
    .await?;
    Ok(())
}

async fn copy_blob(
    source: &RemoteRepo,
    destination: &RemoteRepo,
    what: &str,
    blob: &Blob,
    progress: &Progress,
) -> Result<()> {
    if destination.blob_size(&blob.digest).await?.is_some() {
        progress.skipped(what, &blob.digest);
        return Ok(());
    }
    if source.host == destination.host
        && destination.mount(&blob.digest, &source.repository).await?
    {
        progress.skipped(what, &blob.digest);
        return Ok(());
    }
    let bar = progress.bar(what, &blob.digest, blob.size);
    let counter = bar.clone();
    let body = source
        .blob(&blob.digest)
        .await?
        .inspect_ok(move |chunk| counter.inc(chunk.len() as u64));
    // The destination checks the digest of what it receives against the one in the final PUT.
    destination
        .upload_known(body, &blob.digest, blob.size)
        .await
        .with_context(|| format!("copying blob {} from {}", blob.digest, source.name()))?;
    bar.finish_and_clear();
    Ok(())
}
