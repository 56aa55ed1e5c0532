//! `engine import`: a root filesystem tarball (a file, a URL or stdin; uncompressed, gzip or
//! zstd, told apart by its first bytes) becomes a one-layer image.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value, json};

use super::changes::apply_changes;
use super::manifest::{Compression, Platform, sniff_compression};
use super::new_image::{ImageLayer, ManifestFormat, now, store_new_image};
use crate::rootfs::layer_tar::store_layer_from_tar;
use crate::rootfs::unpacker::LayerUnpacker;
use crate::store::{ImageRecord, Store};

/// What `import` adds to the image besides its files.
pub struct ImportOptions {
    /// `--change` instructions.
    pub changes: Vec<String>,
    /// `--message`: the history entry's comment.
    pub message: Option<String>,
    pub format: ManifestFormat,
}

/// Imports `source` (`-` for stdin, an http(s) URL, or a file) as a new image named `name`.
pub fn import(
    store: &Store,
    source: &str,
    name: Option<&str>,
    opts: &ImportOptions,
) -> Result<ImageRecord> {
    // Checked first: a bad --change must not cost a download.
    let mut container_config = Map::new();
    apply_changes(&mut container_config, &opts.changes)?;
    let (unpacker, warning) = LayerUnpacker::new()?;
    if let Some(warning) = warning {
        eprintln!("{warning}");
    }
    let layer = if source == "-" {
        store_tarball(store, &unpacker, io::stdin().lock(), "stdin")?
    } else if source.starts_with("http://") || source.starts_with("https://") {
        let path = store.tmp_dir()?.join("import-download");
        download(source, &path)?;
        let file = File::open(&path).with_context(|| format!("opening {}", path.display()))?;
        let layer = store_tarball(store, &unpacker, file, source);
        let _ = std::fs::remove_file(&path);
        layer?
    } else {
        let file = File::open(source).with_context(|| format!("opening {source}"))?;
        store_tarball(store, &unpacker, file, source)?
    };
    let created = now();
    let platform = Platform::host();
    let mut history = json!({
        "created": created,
        "created_by": format!("/bin/sh -c #(nop) ADD file:{} in /", layer.diff_id.hex()),
    });
    if let Some(message) = &opts.message {
        history["comment"] = Value::String(message.clone());
    }
    let mut config = json!({
        "created": created,
        "architecture": platform.architecture,
        "os": platform.os,
        "config": container_config,
        "history": [history],
    });
    if let Some(variant) = platform.variant {
        config["variant"] = Value::String(variant);
    }
    store_new_image(store, config, &[layer], opts.format, name)
}

/// Decompresses `input` as its first bytes say and stores it as a base layer.
fn store_tarball(
    store: &Store,
    unpacker: &LayerUnpacker,
    input: impl Read,
    shown: &str,
) -> Result<ImageLayer> {
    let mut input = BufReader::with_capacity(256 << 10, input);
    let head = input
        .fill_buf()
        .with_context(|| format!("reading {shown}"))?;
    if head.is_empty() {
        bail!("{shown} is empty: import needs a tar archive of a root filesystem");
    }
    let mut tar: Box<dyn Read> = match sniff_compression(head) {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(input)
                .with_context(|| format!("reading {shown}"))?,
        ),
        Compression::None => Box::new(input),
    };
    let meta = store_layer_from_tar(store, unpacker, None, &mut tar)
        .with_context(|| format!("importing {shown}"))?;
    Ok(ImageLayer {
        chain_id: meta.chain_id,
        diff_id: meta.diff_id,
        size: meta.size,
    })
}

/// Downloads `url` to `path`, streaming.
fn download(url: &str, path: &Path) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    runtime.block_on(async {
        let failed = |e: reqwest::Error| anyhow!("downloading {url}: {e}");
        crate::image::registry::install_tls_provider();
        let mut response = reqwest::get(url).await.map_err(failed)?;
        if !response.status().is_success() {
            bail!(
                "downloading {url}: the server answered {}",
                response.status()
            );
        }
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            file.write_all(&chunk)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    })
}
