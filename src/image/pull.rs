//! `pull`: resolve a reference, choose a source (mirrors, then the registry), fetch the manifest
//! for our platform, stream config and layers into the store, then publish the image record.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use oci_spec::image::ImageConfiguration;

use crate::config::auth::{AuthFiles, Credentials};
use crate::config::certs;
use crate::config::paths::Paths;
use crate::config::policy::Policy;
use crate::config::registries::RegistriesConf;
use crate::image::fetch::{self, LayerInfo};
use crate::image::manifest::{self, Blob, MAX_CONFIG_BYTES, Manifest, Platform};
use crate::image::reference::{ParsedReference, Reference};
use crate::image::registry::{Endpoint, FailureKind, Registry, RegistryError};
use crate::image::shortnames;
use crate::rootfs::unpacker::LayerUnpacker;
use crate::store::{ImageRecord, LayerMeta, LayerRecord, MissingBlobs, Store, chain_ids};
use crate::util::concurrent::try_join_in_order;
use crate::util::digest::Digest;
use crate::util::proc::is_tty;

/// Layers downloaded at once (podman uses 6; 2 cores decompress at most 2 streams anyway,
/// but parallel downloads hide latency).
const PARALLEL_LAYERS: usize = 4;

/// What the user asked for beyond the reference.
#[derive(Clone, Debug)]
pub struct PullOptions {
    pub platform: Platform,
    /// `Some(false)` is `--tls-verify=false`: plain HTTP and unverified TLS for every source.
    pub tls_verify: Option<bool>,
    /// `--creds USER:PASS`, which wins over auth files.
    pub credentials: Option<Credentials>,
    pub signature_policy: Option<PathBuf>,
    /// `--cert-dir`: CA certificates from this directory instead of certs.d.
    pub cert_dir: Option<PathBuf>,
    /// Progress bars on stderr (a TTY and not `--quiet`).
    pub progress: bool,
    /// Status lines such as "Trying to pull ..." on stderr.
    pub verbose: bool,
}

/// Everything pull reads besides the network.
pub struct PullContext<'a> {
    pub paths: &'a Paths,
    pub registries: &'a RegistriesConf,
    pub auth: &'a AuthFiles,
    pub store: &'a Store,
}

/// Pulls `input` (any reference a user may type) and returns the stored image.
pub async fn pull(ctx: &PullContext<'_>, input: &str, opts: &PullOptions) -> Result<ImageRecord> {
    let policy = Policy::load(opts.signature_policy.as_deref(), ctx.paths)?;
    let (candidates, record_alias) = candidates(ctx, input)?;
    let mut failures = Vec::new();
    for candidate in &candidates {
        policy.check_docker_pull(&candidate.to_string())?;
        if opts.verbose {
            eprintln!("Trying to pull {candidate}...");
        }
        match pull_reference(ctx, candidate, opts).await {
            Ok(record) => {
                if let Some(short) = &record_alias {
                    shortnames_cache_record(ctx.paths, short, candidate)?;
                }
                return Ok(record);
            }
            Err(e) if candidates.len() > 1 => failures.push(format!("{candidate}: {e:#}")),
            Err(e) => return Err(e),
        }
    }
    bail!(
        "pulling {input}: no candidate worked: {}",
        failures.join("; ")
    )
}

/// The references to try for `input`, and the short name to record as an alias after a
/// prompted choice succeeds (podman records only user choices).
fn candidates(ctx: &PullContext<'_>, input: &str) -> Result<(Vec<Reference>, Option<String>)> {
    match crate::image::reference::parse(input)? {
        ParsedReference::Qualified(r) => Ok((vec![r], None)),
        ParsedReference::Short { path, tag, digest } => {
            let tty = is_tty(0) && is_tty(1);
            let resolution = shortnames::resolve(
                &path,
                tag.as_deref(),
                digest.as_ref(),
                &ctx.registries.aliases,
                &ctx.registries.unqualified_search_registries,
                ctx.registries.short_name_mode,
                tty,
            )?;
            if resolution.prompt {
                let stdin = std::io::stdin();
                let chosen = shortnames::prompt_choice(
                    &resolution.candidates,
                    &mut stdin.lock(),
                    &mut std::io::stderr(),
                )?;
                return Ok((vec![chosen], Some(path)));
            }
            Ok((resolution.candidates, None))
        }
    }
}

fn shortnames_cache_record(paths: &Paths, short: &str, chosen: &Reference) -> Result<()> {
    crate::config::shortnames::record_alias(paths, short, &chosen.name())
}

/// Pulls one fully qualified reference, trying mirrors first.
async fn pull_reference(
    ctx: &PullContext<'_>,
    reference: &Reference,
    opts: &PullOptions,
) -> Result<ImageRecord> {
    let sources = ctx
        .registries
        .pull_sources(&reference.name(), reference.digest.is_some())?;
    let mut mirror_errors = Vec::new();
    let last = sources.len().saturating_sub(1);
    for (i, source) in sources.iter().enumerate() {
        let result = pull_from_source(ctx, reference, &source.name, source.insecure, opts).await;
        match result {
            Ok(record) => return Ok(record),
            // A mirror that lacks the image or is down is skipped; other errors (a corrupt
            // image, a full disk) stop the pull.
            Err(e) if i < last && is_source_failure(&e) => {
                mirror_errors.push(format!("{}: {e:#}", source.name))
            }
            Err(e) if mirror_errors.is_empty() => return Err(e),
            Err(e) => {
                return Err(e.context(format!("mirrors failed too ({})", mirror_errors.join("; "))));
            }
        }
    }
    bail!("no source to pull {reference} from")
}

fn is_source_failure(e: &anyhow::Error) -> bool {
    e.downcast_ref::<RegistryError>()
        .is_some_and(|r| r.kind != FailureKind::Other)
}

/// Splits `host/path` into host and repository path.
fn split_name(name: &str) -> Result<(&str, &str)> {
    name.split_once('/')
        .ok_or_else(|| anyhow!("invalid repository name {name:?} (no registry host)"))
}

async fn pull_from_source(
    ctx: &PullContext<'_>,
    reference: &Reference,
    source_name: &str,
    source_insecure: bool,
    opts: &PullOptions,
) -> Result<ImageRecord> {
    let (host, repository) = split_name(source_name)?;
    let reference_name = reference.name();
    let (_, original_repository) = split_name(&reference_name)?;
    let credentials = match &opts.credentials {
        Some(c) => Some(c.clone()),
        None => ctx.auth.lookup(host, original_repository)?,
    };
    let endpoint = Endpoint {
        host: host.to_string(),
        insecure: source_insecure || opts.tls_verify == Some(false),
        ca_files: match &opts.cert_dir {
            Some(dir) => certs::crt_files_in(dir),
            None => certs::ca_files(ctx.paths, host),
        },
        credentials,
    };
    let registry = Registry::connect(&endpoint, repository)
        .await
        .with_context(|| format!("pulling {reference}"))?;
    let wanted = match &reference.digest {
        Some(d) => d.to_string(),
        None => reference.tag.clone().unwrap_or_else(|| "latest".into()),
    };
    let (bytes, top_digest, content_type) = registry.manifest(repository, &wanted).await?;
    let mut digests = vec![top_digest.clone()];
    let (manifest_bytes, manifest_digest, media_type, image_manifest) =
        match manifest::parse_served(&bytes, content_type.as_deref())
            .with_context(|| format!("reading manifest of {reference}"))?
        {
            Manifest::Image {
                media_type,
                manifest,
            } => (bytes, top_digest.clone(), media_type, manifest),
            Manifest::Index { index, .. } => {
                let chosen = manifest::choose_platform(&index, &opts.platform)
                    .with_context(|| format!("pulling {reference}"))?;
                if chosen.size > manifest::MAX_MANIFEST_BYTES as u64 {
                    bail!(
                        "manifest list of {reference} declares a {}-byte manifest {}, over the {}-byte limit; refusing it",
                        chosen.size,
                        chosen.digest,
                        manifest::MAX_MANIFEST_BYTES
                    );
                }
                let (child, child_digest, child_type) = registry
                    .manifest(repository, chosen.digest.as_str())
                    .await?;
                match manifest::parse_served(&child, child_type.as_deref())
                    .with_context(|| format!("reading manifest {} of {reference}", chosen.digest))?
                {
                    Manifest::Image {
                        media_type,
                        manifest,
                    } => {
                        digests.push(child_digest.clone());
                        (child, child_digest, media_type, manifest)
                    }
                    Manifest::Index { .. } => {
                        bail!(
                            "manifest list of {reference} points to another list; nested lists are not supported"
                        )
                    }
                }
            }
        };
    ctx.store.put_blob(&manifest_bytes, &manifest_digest)?;
    let (config_blob, layers) = manifest::image_parts(&image_manifest)
        .with_context(|| format!("reading manifest of {reference}"))?;
    let config_bytes = match ctx.store.has_blob(&config_blob.digest) {
        true => ctx.store.read_blob(&config_blob.digest)?,
        false => {
            fetch::fetch_small(
                &registry,
                repository,
                &config_blob,
                ctx.store,
                MAX_CONFIG_BYTES,
            )
            .await?
        }
    };
    let config: ImageConfiguration = serde_json::from_slice(&config_bytes).map_err(|e| {
        anyhow!(
            "image config {} of {reference} is malformed: {e}",
            config_blob.digest
        )
    })?;
    warn_platform_mismatch(&config, &opts.platform, reference);
    let diff_ids = config
        .rootfs()
        .diff_ids()
        .iter()
        .map(|d| Digest::parse(d).map_err(|e| anyhow!("image config of {reference} lists {e}")))
        .collect::<Result<Vec<_>>>()?;
    if diff_ids.len() != layers.len() {
        bail!(
            "image {reference} is inconsistent: its config lists {} layer diff_ids but its manifest has {} layers",
            diff_ids.len(),
            layers.len()
        );
    }

    let progress = Progress::new(opts.progress);
    let mut attempts = 0;
    loop {
        let infos = fetch_layers(ctx, &registry, repository, &layers, &diff_ids, &progress).await?;
        let chains = chain_ids(&diff_ids);
        let record = image_record(
            reference,
            &digests,
            &manifest_digest,
            &media_type,
            &config_blob,
            &config,
            &layers,
            &infos,
            &chains,
        );
        match ctx.store.add_image(record.clone()) {
            Ok(()) => {
                progress.finish();
                return Ok(record);
            }
            // A concurrent `rmi` removed a blob we counted on: fetch again.
            Err(e) if e.downcast_ref::<MissingBlobs>().is_some() && attempts < 3 => {
                attempts += 1;
                for digest in [&manifest_digest, &config_blob.digest] {
                    if !ctx.store.has_blob(digest) {
                        let bytes = if digest == &manifest_digest {
                            &manifest_bytes
                        } else {
                            &config_bytes
                        };
                        ctx.store.put_blob(bytes, digest)?;
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
}

async fn fetch_layers(
    ctx: &PullContext<'_>,
    registry: &Registry,
    repository: &str,
    layers: &[Blob],
    diff_ids: &[Digest],
    progress: &Progress,
) -> Result<Vec<LayerInfo>> {
    let chains = chain_ids(diff_ids);
    let unpacker = layer_unpacker()?;
    let jobs = layers.iter().zip(diff_ids).zip(&chains).enumerate().map(
        |(i, ((blob, diff_id), chain))| {
            let unpacker = &unpacker;
            let parent = i.checked_sub(1).map(|p| chains[p].clone());
            async move {
                if ctx.store.has_layer(chain) {
                    let meta = ctx.store.layer_meta(chain)?;
                    progress.skipped(&blob.digest);
                    let info = LayerInfo {
                        diff_id: meta.diff_id,
                        uncompressed_size: meta.size,
                        tar_checksum: meta.tar_checksum,
                    };
                    return Ok::<_, anyhow::Error>((info, None));
                }
                let bar = progress.bar(&blob.digest, blob.size);
                let fetched = fetch::fetch_layer(
                    registry, repository, blob, diff_id, ctx.store, unpacker, &bar,
                )
                .await?;
                let meta = LayerMeta {
                    chain_id: chain.clone(),
                    diff_id: diff_id.clone(),
                    parent,
                    compressed_digest: blob.digest.clone(),
                    size: fetched.info.uncompressed_size,
                    tar_split: false, // set by commit from what the unpacker recorded
                    tar_checksum: fetched.info.tar_checksum.clone(),
                };
                bar.finish_with_message("done");
                Ok((fetched.info, Some((fetched.staging, meta))))
            }
        },
    );
    let results = try_join_in_order(jobs, PARALLEL_LAYERS).await?;
    // Layers are published only once every one of them checked: a failed pull leaves none
    // behind (the staged ones are removed when dropped).
    let mut infos = Vec::with_capacity(results.len());
    for (info, staged) in results {
        if let Some((staging, meta)) = staged {
            tokio::task::block_in_place(|| staging.commit(&meta))?;
        }
        infos.push(info);
    }
    Ok(infos)
}

/// The unpacker for this process; the single-id warning is printed once.
fn layer_unpacker() -> Result<LayerUnpacker> {
    static WARNED: std::sync::Once = std::sync::Once::new();
    let (unpacker, warning) = LayerUnpacker::new()?;
    if let Some(warning) = warning {
        WARNED.call_once(|| eprintln!("WARNING: {warning}"));
    }
    Ok(unpacker)
}

#[allow(clippy::too_many_arguments)]
fn image_record(
    reference: &Reference,
    digests: &[Digest],
    manifest_digest: &Digest,
    media_type: &str,
    config_blob: &Blob,
    config: &ImageConfiguration,
    layers: &[Blob],
    infos: &[LayerInfo],
    chains: &[Digest],
) -> ImageRecord {
    let name = reference.name();
    ImageRecord {
        id: config_blob.digest.hex().to_string(),
        names: reference
            .tag
            .as_ref()
            .map(|t| format!("{name}:{t}"))
            .into_iter()
            .collect(),
        digests: digests.iter().map(|d| format!("{name}@{d}")).collect(),
        manifest_digest: manifest_digest.clone(),
        manifest_media_type: media_type.to_string(),
        config_digest: config_blob.digest.clone(),
        layers: layers
            .iter()
            .zip(infos)
            .zip(chains)
            .map(|((blob, info), chain)| LayerRecord {
                digest: blob.digest.clone(),
                diff_id: info.diff_id.clone(),
                chain_id: chain.clone(),
                media_type: blob.media_type.clone(),
                size: blob.size,
                uncompressed_size: info.uncompressed_size,
            })
            .collect(),
        created: config.created().clone(),
        pulled: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        architecture: config.architecture().to_string(),
        os: config.os().to_string(),
        variant: config.variant().clone(),
        size: infos.iter().map(|i| i.uncompressed_size).sum(),
    }
}

fn warn_platform_mismatch(config: &ImageConfiguration, want: &Platform, reference: &Reference) {
    let (os, arch) = (config.os().to_string(), config.architecture().to_string());
    if os != want.os || arch != want.architecture {
        eprintln!(
            "WARNING: image platform ({os}/{arch}) of {reference} does not match the expected platform ({}/{})",
            want.os, want.architecture
        );
    }
}

/// Per-layer progress bars on a TTY; nothing otherwise.
struct Progress {
    bars: Option<MultiProgress>,
}

impl Progress {
    fn new(enabled: bool) -> Progress {
        Progress {
            bars: enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    fn bar(&self, digest: &Digest, size: u64) -> ProgressBar {
        let Some(bars) = &self.bars else {
            return ProgressBar::hidden();
        };
        let bar = bars.add(ProgressBar::new(size));
        bar.set_style(
            ProgressStyle::with_template(
                "Copying blob {prefix} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(digest.hex()[..12].to_string());
        bar
    }

    fn skipped(&self, digest: &Digest) {
        if let Some(bars) = &self.bars {
            let _ = bars.println(format!(
                "Copying blob {} skipped: already exists",
                &digest.hex()[..12]
            ));
        }
    }

    fn finish(&self) {
        if let Some(bars) = &self.bars {
            let _ = bars.clear();
        }
    }
}
