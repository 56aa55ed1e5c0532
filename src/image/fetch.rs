//! Streaming blobs from a registry into the store. A layer is hashed, decompressed, hashed again
//! and unpacked as its bytes arrive; nothing is visible in the store until its digest and diff_id
//! both match. Memory stays bounded: chunks flow through a short channel to a blocking worker.

use std::io::{self, BufRead, BufReader, Read, Write};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use futures_util::StreamExt;
use indicatif::ProgressBar;
use oci_client::errors::DigestError;
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use crate::image::manifest::{Blob, Compression, sniff_compression};
use crate::image::registry::{Registry, error_chain};
use crate::rootfs::unpacker::{LayerUnpacker, UnpackProcess};
use crate::store::{LayerStaging, Store};
use crate::util::digest::Digest;
use crate::util::limits;
use crate::util::tar_hash::TarHasher;

/// What a verified layer turned out to be once decompressed.
#[derive(Clone, Debug)]
pub struct LayerInfo {
    pub diff_id: Digest,
    pub uncompressed_size: u64,
    /// XXH3-128 of the tar (`util::tar_hash`); none from a layer stored by an older engine.
    pub tar_checksum: Option<String>,
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
                "fetching blob {} from {}: {}",
                blob.digest,
                registry.host(),
                stream_failure(&e, "blob")
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

/// A verified, unpacked layer waiting to be published under its chain ID.
pub struct FetchedLayer<'a> {
    pub info: LayerInfo,
    pub staging: LayerStaging<'a>,
}

/// Downloads a layer and unpacks it into a staging directory as the bytes arrive, checking its
/// digest, its declared size and its diff_id. No compressed copy is kept.
pub async fn fetch_layer<'a>(
    registry: &Registry,
    repository: &str,
    blob: &Blob,
    expected_diff_id: &Digest,
    store: &'a Store,
    unpacker: &LayerUnpacker,
    progress: &ProgressBar,
) -> Result<FetchedLayer<'a>> {
    let context = || format!("fetching layer {} from {}", blob.digest, registry.host());
    let max_size = limits::max_layer_size()?;
    let stream = registry
        .blob_stream(repository, &blob.digest, blob.size)
        .await?;
    let staging = store.new_layer_staging()?;
    let process = tokio::task::block_in_place(|| unpacker.spawn(&staging)).with_context(context)?;
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(CHANNEL_DEPTH);
    let expected = blob.clone();
    let worker = tokio::task::spawn_blocking(move || {
        ingest(
            ChannelReader {
                rx,
                chunk: Bytes::new(),
            },
            &expected,
            process,
            max_size,
        )
    });

    let mut stream = stream.stream;
    let mut received: u64 = 0;
    let mut network_error = None;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                network_error = Some(anyhow!(stream_failure(&e, "layer")));
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
    Ok(FetchedLayer { info, staging })
}

/// Words a failed blob stream. oci-client checks the digest as the stream ends and reports a
/// mismatch as an I/O error carrying a [`DigestError`]; anything else broke the download.
fn stream_failure(e: &io::Error, kind: &str) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<DigestError>())
    {
        Some(DigestError::VerificationError { expected, actual }) => format!(
            "the {kind}'s content hashes to {actual}, not {expected} as the manifest or the \
             registry's digest header says; refusing it"
        ),
        _ if is_timeout(e) => format!(
            "the registry stopped sending for longer than the read timeout ({}); raise it with \
             {} (seconds) for a slow registry",
            error_chain(e),
            limits::TIMEOUT_VAR
        ),
        // The cause (connection closed, end of file...) sits in the source chain.
        _ => format!("the download broke off: {}", error_chain(e)),
    }
}

/// A read timeout somewhere in the chain. `io::Error::source` skips the error it wraps, so
/// the walk starts from that one.
fn is_timeout(e: &io::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = match e.get_ref() {
        Some(inner) => Some(inner),
        None => Some(e),
    };
    while let Some(err) = source {
        if err
            .downcast_ref::<reqwest::Error>()
            .is_some_and(|r| r.is_timeout())
        {
            return true;
        }
        source = err.source();
    }
    false
}

/// The blocking half: hash the compressed bytes, decompress, hash the tar stream and feed it to
/// the unpacker. The compressed digest is checked before the unpacker's result is accepted.
fn ingest(
    source: ChannelReader,
    blob: &Blob,
    mut unpack: UnpackProcess,
    max_size: u64,
) -> Result<LayerInfo> {
    let mut compressed = BufReader::with_capacity(256 << 10, HashingReader::new(source));
    let decoded = match unpack.stdin() {
        Ok(stdin) => decode_into(&mut compressed, HashingWriter::new(stdin, max_size)),
        Err(e) => Err(e),
    };
    let info = match decoded {
        Ok(info) => info,
        Err(e) => {
            // A dead unpacker breaks our pipe: its own error is the one worth reporting.
            let broken_pipe = e
                .downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe);
            if broken_pipe {
                return Err(match unpack.finish() {
                    Err(unpacker_error) => unpacker_error,
                    Ok(_) => e.context("unpacking layer"),
                });
            }
            unpack.abort();
            return Err(e).context("decompressing layer");
        }
    };
    // Whatever follows the compressed stream still belongs to the blob and its digest.
    if let Err(e) = io::copy(&mut compressed, &mut io::sink()) {
        unpack.abort();
        return Err(e).context("reading the rest of the layer");
    }
    let digest = compressed.into_inner().finish();
    if digest != blob.digest {
        unpack.abort();
        bail!(
            "the layer's content hashes to {digest}, not {} as the manifest says; refusing it",
            blob.digest
        );
    }
    // The unpacker's own errors already say "unpacking layer".
    let skipped = unpack.finish()?;
    for note in skipped {
        crate::util::log::debug(&format!("layer {}: skipped {note}", blob.digest));
    }
    Ok(info)
}

/// Decompresses (gzip, zstd or none, decided by the bytes) into `out`, returning the diff_id.
fn decode_into<W: Write>(input: &mut impl BufRead, mut out: HashingWriter<W>) -> Result<LayerInfo> {
    let compression = sniff_compression(input.fill_buf()?);
    match compression {
        Compression::Gzip => io::copy(&mut flate2::bufread::MultiGzDecoder::new(input), &mut out)?,
        Compression::Zstd => io::copy(
            &mut zstd::stream::read::Decoder::with_buffer(input)?,
            &mut out,
        )?,
        Compression::None => io::copy(input, &mut out)?,
    };
    out.flush()?;
    let hashes = out.hasher.finish();
    Ok(LayerInfo {
        diff_id: hashes.diff_id,
        uncompressed_size: hashes.size,
        tar_checksum: Some(hashes.checksum),
    })
}

/// Hashes everything written through it, then passes it on; refuses to pass on more than
/// `max_bytes`, so a decompression bomb stops at the ceiling instead of filling the disk.
struct HashingWriter<W> {
    inner: W,
    hasher: TarHasher,
    max_bytes: u64,
}

impl<W> HashingWriter<W> {
    fn new(inner: W, max_bytes: u64) -> Self {
        HashingWriter {
            inner,
            hasher: TarHasher::default(),
            max_bytes,
        }
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.hasher.size() + buf.len() as u64 > self.max_bytes {
            return Err(io::Error::other(format!(
                "the layer inflates to more than {} bytes uncompressed, the ceiling set by {} \
                 (raise it if the image is genuine); refusing it as a decompression bomb",
                self.max_bytes,
                limits::LAYER_SIZE_VAR
            )));
        }
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes everything read through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R> HashingReader<R> {
    fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
        }
    }

    fn finish(self) -> Digest {
        Digest::from_hasher(self.hasher)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.hasher.update(&out[..n]);
        Ok(n)
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
            let mut out = Vec::new();
            let info = decode_into(&mut &blob[..], HashingWriter::new(&mut out, u64::MAX)).unwrap();
            assert_eq!(info.diff_id, want);
            assert_eq!(info.uncompressed_size, tar.len() as u64);
            assert_eq!(out, tar);
        }
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let blob = gzip(&vec![1u8; 50_000]);
        assert!(
            decode_into(
                &mut &blob[..blob.len() / 2],
                HashingWriter::new(io::sink(), u64::MAX)
            )
            .is_err()
        );
    }

    /// A bomb stops at the ceiling: nothing past it reaches the unpacker, whatever the codec.
    #[test]
    fn inflating_past_the_ceiling_is_refused() {
        let zeros = vec![0u8; 4 << 20];
        for blob in [gzip(&zeros), zstd::encode_all(&zeros[..], 19).unwrap()] {
            assert!(blob.len() < 64 << 10, "not a bomb: {} bytes", blob.len());
            let mut out = Vec::new();
            let err = decode_into(&mut &blob[..], HashingWriter::new(&mut out, 1 << 20))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("more than 1048576 bytes uncompressed")
                    && err.contains(limits::LAYER_SIZE_VAR),
                "{err}"
            );
            assert!(
                out.len() <= 1 << 20,
                "{} bytes passed the ceiling",
                out.len()
            );
            let mut out = Vec::new();
            let info = decode_into(&mut &blob[..], HashingWriter::new(&mut out, 4 << 20)).unwrap();
            assert_eq!(
                info.uncompressed_size,
                4 << 20,
                "exactly the ceiling is allowed"
            );
        }
    }

    #[test]
    fn hashing_reader_sees_every_byte() {
        let mut r = HashingReader::new(&b"hello"[..]);
        io::copy(&mut r, &mut io::sink()).unwrap();
        assert_eq!(r.finish(), Digest::of(b"hello"));
    }
}
