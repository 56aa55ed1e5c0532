//! Blob bodies on their way from a source to a destination: one stream type for every
//! transport, a digest check as the bytes flow, and the bridges between blocking readers or
//! writers (files, the store's layer tars) and async streams, with memory bounded by a few
//! chunks in flight.

use std::io::{self, Read, Write};
use std::pin::Pin;

use anyhow::Result;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use crate::image::manifest::Blob;
use crate::util::digest::Digest;

pub type BlobStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// Bytes read at a time from a blocking reader, and how many chunks may wait in the channel.
const CHUNK: usize = 256 << 10;
const CHUNKS_IN_FLIGHT: usize = 8;

/// Streams what `open` returns, read on a blocking thread; `finish` runs once the reader hit
/// its end (the store's layer tar checks its diff_id there). Errors end the stream.
pub fn from_reader<R, O, F>(open: O, finish: F) -> BlobStream
where
    R: Read,
    O: FnOnce() -> Result<R> + Send + 'static,
    F: FnOnce(R) -> Result<()> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let result = (|| -> Result<()> {
            let mut reader = open()?;
            loop {
                let mut chunk = vec![0u8; CHUNK];
                let n = reader.read(&mut chunk)?;
                if n == 0 {
                    return finish(reader);
                }
                chunk.truncate(n);
                if tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                    // The consumer gave up (another blob failed): nothing left to do.
                    return Ok(());
                }
            }
        })();
        if let Err(e) = result {
            let _ = tx.blocking_send(Err(io::Error::other(format!("{e:#}"))));
        }
    });
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

/// Passes `stream` on and fails at its end (or as soon as it is too long) when its bytes are
/// not `blob`'s: a source that lies is caught before the destination commits anything.
pub fn verified(stream: BlobStream, blob: &Blob, source: &str) -> BlobStream {
    struct State {
        inner: BlobStream,
        hasher: Sha256,
        read: u64,
        blob: Blob,
        source: String,
        done: bool,
    }
    let state = State {
        inner: stream,
        hasher: Sha256::new(),
        read: 0,
        blob: blob.clone(),
        source: source.to_string(),
        done: false,
    };
    Box::pin(futures_util::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        let mismatch = |s: &State, found: &str| {
            io::Error::other(format!(
                "blob {} from {} does not match the manifest ({found}, expected {} bytes); the source is damaged",
                s.blob.digest, s.source, s.blob.size
            ))
        };
        match s.inner.next().await {
            Some(Ok(chunk)) => {
                s.hasher.update(&chunk);
                s.read += chunk.len() as u64;
                if s.read > s.blob.size {
                    s.done = true;
                    let error = mismatch(&s, &format!("more than {} bytes", s.blob.size));
                    return Some((Err(error), s));
                }
                Some((Ok(chunk), s))
            }
            Some(Err(e)) => {
                s.done = true;
                let error = io::Error::new(
                    e.kind(),
                    format!("reading blob {} from {}: {e}", s.blob.digest, s.source),
                );
                Some((Err(error), s))
            }
            None => {
                s.done = true;
                let digest = Digest::from_hasher(std::mem::take(&mut s.hasher));
                if digest == s.blob.digest && s.read == s.blob.size {
                    return None;
                }
                let error = mismatch(&s, &format!("{} bytes hashing to {digest}", s.read));
                Some((Err(error), s))
            }
        }
    }))
}

/// Writes the whole stream to `out` (blocking writes off the async workers); returns the
/// number of bytes written.
pub async fn write_to(mut stream: BlobStream, out: &mut (impl Write + Send)) -> Result<u64> {
    let mut written = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        tokio::task::block_in_place(|| out.write_all(&chunk))?;
        written += chunk.len() as u64;
    }
    Ok(written)
}

/// A small blob (a manifest or config) in memory.
#[cfg(test)]
pub async fn read_all(mut stream: BlobStream, limit: usize) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk?);
        if bytes.len() > limit {
            anyhow::bail!("a manifest or config of over {limit} bytes; refusing it");
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob_of(data: &[u8]) -> Blob {
        Blob {
            digest: Digest::of(data),
            size: data.len() as u64,
            media_type: String::new(),
        }
    }

    fn stream_of(data: &'static [u8]) -> BlobStream {
        from_reader(move || Ok(data), |_| Ok(()))
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn honest_bytes_pass_unchanged() {
        let data: &'static [u8] = &[7u8; 600 << 10];
        let out = read_all(verified(stream_of(data), &blob_of(data), "test"), 1 << 20).await;
        assert_eq!(out.unwrap(), data);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn lying_sources_are_caught_naming_blob_and_source() {
        let expected = blob_of(b"the real bytes");
        for lie in [&b"other bytes!!!"[..], b"short", b"the real bytes and more"] {
            let lie: &'static [u8] = Box::leak(lie.to_vec().into_boxed_slice());
            let mut sink = Vec::new();
            let err = write_to(verified(stream_of(lie), &expected, "dir:/x"), &mut sink)
                .await
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected.digest.as_str()), "{err}");
            assert!(err.contains("dir:/x"), "{err}");
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn reader_errors_reach_the_consumer() {
        let stream = from_reader(
            || Ok(&b"abc"[..]),
            |_| anyhow::bail!("layer hashes to the wrong diff_id"),
        );
        let err = read_all(stream, 100).await.unwrap_err().to_string();
        assert!(err.contains("wrong diff_id"), "{err}");
    }
}
