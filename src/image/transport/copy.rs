//! The one copy routine: dispatches on the pair of transports. Pairs with a better special
//! path keep it (the local store as a push source compresses on the fly; into the local store
//! go pull, archive load and dir load); every other pair goes through the generic
//! source-to-destination copy, which passes manifests byte for byte so digests hold.

use std::path::PathBuf;
use std::sync::Arc;

use super::destination::Destination;
use super::image_copy::copy_image;
use super::progress::Progress;
use super::remote::RemoteRepo;
use super::source::Source;
use super::{Compression, TransportRef, local};
use crate::config::auth::{AuthFiles, Credentials};
use crate::config::certs;
use crate::config::paths::Paths;
use crate::config::registries::RegistriesConf;
use crate::image::manifest::Platform;
use crate::image::pull::{PullContext, PullOptions};
use crate::image::reference::Reference;
use crate::image::registry::Endpoint;
use crate::store::Store;
use crate::util::digest::Digest;
use anyhow::{Context, Result, bail};

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
    /// The level of that compression (checked with [`Compression::check_level`]); None: the
    /// format's default.
    pub compression_level: Option<i32>,
    /// Every image of an index, not only the one for `platform`.
    pub all: bool,
    pub platform: Platform,
    /// Progress bars (stderr is a terminal).
    pub bars: bool,
    pub quiet: bool,
}

impl CopyOptions {
    /// A copy that talks to no registry (files and the local store): no registry flags, no
    /// recompression, the host's platform, no progress bars.
    pub fn without_registries(quiet: bool) -> CopyOptions {
        CopyOptions {
            source: RegistryFlags::default(),
            destination: RegistryFlags::default(),
            compression: None,
            compression_level: None,
            all: false,
            platform: Platform::host(),
            bars: false,
            quiet,
        }
    }
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
        (TransportRef::Dir(path), TransportRef::Local(name)) => {
            let store = store.context("copying to the local store needs the store")?;
            let name = Some(name.as_str()).filter(|n| !n.is_empty());
            tokio::task::block_in_place(|| super::dir_load::load_dir(store, path, name))
        }
        (TransportRef::Local(_), TransportRef::Local(_)) => {
            bail!("{src} and {dst} are both in the local store; use `engine tag` to add a name")
        }
        _ if opts.compression.is_some() || opts.compression_level.is_some() => bail!(
            "--compression-format and --compression-level apply to layers leaving the local \
             store for a registry; {src} to {dst} copies layers as they are, so drop them"
        ),
        _ => {
            let source = Source::open(src, access, &opts.source, store).await?;
            let destination = Destination::open(dst, access, &opts.destination, &source).await?;
            copy_image(&source, destination, opts, &progress).await
        }
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
