//! Streaming one blob from a registry into the store: the compressed digest and the layer's
//! diff_id are both checked as bytes arrive, and nothing is visible in the store until both match.
//! Memory stays bounded: chunks flow through a short channel to a blocking worker.

use std::io::{self, BufRead, BufReader, Read, Write};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use futures_util::StreamExt;
use indicatif::ProgressBar;
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use crate::image::manifest::{Blob, Compression, sniff_compression};
use crate::image::registry::Registry;
use crate::store::Store;
use crate::util::digest::Digest;

/// What a verified layer turned out to be once decompressed.
#[derive(Clone, Debug)]
pub struct LayerInfo {
    pub diff_id: Digest,
    pub uncompressed_size: u64,
}

/// Chunks in flight between the network task and the blocking worker.
const CHANNEL_DEPTH: usize = 32;

/// Downloads a small blob (config, manifest) fully into memory, bounded by `limit`, verifies its
/// digest and stores it.
pub async fn fetch_small(
    registry: &Registry,
    repository: &str,
    blob: &Blob,
    store: &Store,
    limit: u64,
) -> Result<Vec<u8>> {
    if blob.size > limit {
        bail!(
            "blob {} is {} bytes, over the {limit}-byte limit for its kind; refusing it",
            blob.digest,
            blob.size
        );
    }
    let mut stream = registry
        .blob_stream(repository, &blob.digest, blob.size)
        .await?;
    let mut data = Vec::with_capacity(blob.size as usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            anyhow!(
                "fetching blob {} from {}: {e}",
                blob.digest,
                registry.host()
            )
        })?;
        if data.len() as u64 + chunk.len() as u64 > blob.size {
            bail!(
                "fetching blob {} from {}: the registry sent more than the {} bytes the manifest declares",
                blob.digest,
                registry.host(),
                blob.size
            );
        }
        data.extend_from_slice(&chunk);
    }
    store.put_blob(&data, &blob.digest)?;
    Ok(data)
}

/// Downloads a layer into the store, checking its digest, its declared size and its diff_id.
pub async fn fetch_layer(
    registry: &Registry,
    repository: &str,
    blob: &Blob,
    expected_diff_id: &Digest,
    store: &Store,
    progress: &ProgressBar,
) -> Result<LayerInfo> {
    let stream = registry
        .blob_stream(repository, &blob.digest, blob.size)
        .await?;
    let writer = store.new_blob_writer()?;
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(CHANNEL_DEPTH);
    let expected = blob.clone();
    let worker = tokio::task::spawn_blocking(move || {
        ingest(
            ChannelReader {
                rx,
                chunk: Bytes::new(),
            },
            writer,
            &expected,
        )
    });

    let mut stream = stream.stream;
    let mut received: u64 = 0;
    let mut network_error = None;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                network_error = Some(anyhow!("{e}"));
                let _ = tx.send(Err(io::Error::other("download interrupted"))).await;
                break;
            }
        };
        received += chunk.len() as u64;
        if received > blob.size {
            network_error = Some(anyhow!(
                "the registry sent more than the {} bytes the manifest declares",
                blob.size
            ));
            let _ = tx.send(Err(io::Error::other("oversized blob"))).await;
            break;
        }
        progress.inc(chunk.len() as u64);
        if tx.send(Ok(chunk)).await.is_err() {
            break; // The worker stopped early; its error explains why.
        }
    }
    drop(tx);
    let outcome = worker
        .await
        .map_err(|e| anyhow!("layer worker failed: {e}"))?;
    let context = || format!("fetching layer {} from {}", blob.digest, registry.host());
    if let Some(e) = network_error {
        return Err(e).with_context(context);
    }
    let info = outcome.with_context(context)?;
    if received != blob.size {
        bail!(
            "{}: got {received} bytes, the manifest declares {}",
            context(),
            blob.size
        );
    }
    if &info.diff_id != expected_diff_id {
        bail!(
            "{}: uncompressed content hashes to {}, but the image config says {expected_diff_id}; the image is corrupt, refusing it",
            context(),
            info.diff_id
        );
    }
    Ok(info)
}

/// Computes the diff_id of a layer blob already in the store.
pub fn layer_info_from_store(store: &Store, digest: &Digest) -> Result<LayerInfo> {
    let path = store.blob_path(digest);
    let file =
        std::fs::File::open(&path).with_context(|| format!("opening blob {}", path.display()))?;
    let mut input = BufReader::with_capacity(256 << 10, file);
    diff_id_of(&mut input).with_context(|| format!("decompressing layer {digest}"))
}

/// The blocking half: tee the compressed bytes into the blob writer while decompressing them.
fn ingest(
    source: ChannelReader,
    writer: crate::store::BlobWriter,
    blob: &Blob,
) -> Result<LayerInfo> {
    let mut tee = BufReader::with_capacity(
        256 << 10,
        TeeReader {
            inner: source,
            sink: writer,
        },
    );
    let info = diff_id_of(&mut tee).context("decompressing layer")?;
    // Whatever follows the compressed stream still belongs to the blob and its digest.
    io::copy(&mut tee, &mut io::sink()).context("reading the rest of the layer")?;
    let TeeReader { sink: writer, .. } = tee.into_inner();
    writer.commit(&blob.digest)?;
    Ok(info)
}

/// Decompresses (gzip, zstd or none, decided by the bytes) and hashes the tar stream.
fn diff_id_of(input: &mut impl BufRead) -> Result<LayerInfo> {
    let compression = sniff_compression(input.fill_buf()?);
    let mut hasher = HashingSink {
        hasher: Sha256::new(),
        bytes: 0,
    };
    match compression {
        Compression::Gzip => io::copy(
            &mut flate2::bufread::MultiGzDecoder::new(input),
            &mut hasher,
        )?,
        Compression::Zstd => io::copy(
            &mut zstd::stream::read::Decoder::with_buffer(input)?,
            &mut hasher,
        )?,
        Compression::None => io::copy(input, &mut hasher)?,
    };
    Ok(LayerInfo {
        diff_id: Digest::from_hasher(hasher.hasher),
        uncompressed_size: hasher.bytes,
    })
}

struct HashingSink {
    hasher: Sha256,
    bytes: u64,
}

impl Write for HashingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.bytes += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads the chunks the network task sends.
struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    chunk: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len());
        out[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk = self.chunk.slice(n..);
        Ok(n)
    }
}

/// Every byte read through it is also written to `sink`.
struct TeeReader<R, W> {
    inner: R,
    sink: W,
}

impl<R: Read, W: Write> Read for TeeReader<R, W> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.sink.write_all(&out[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn diff_id_for_each_compression() {
        let tar = vec![7u8; 100_000];
        let want = Digest::of(&tar);
        for blob in [
            gzip(&tar),
            zstd::encode_all(&tar[..], 3).unwrap(),
            tar.clone(),
        ] {
            let info = diff_id_of(&mut &blob[..]).unwrap();
            assert_eq!(info.diff_id, want);
            assert_eq!(info.uncompressed_size, tar.len() as u64);
        }
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let blob = gzip(&vec![1u8; 50_000]);
        assert!(diff_id_of(&mut &blob[..blob.len() / 2]).is_err());
    }
}
