//! A docker-archive destination: `<config hex>.json`, the layers uncompressed (as skopeo and
//! `docker save` write them) as `<diff_id hex>.tar`, the diff_id computed while each layer is
//! decompressed, and manifest.json last.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::blob_stream::{BlobStream, write_to};
use super::destination::BlobRole;
use super::tar_out::TarOut;
use crate::image::manifest::{self, Compression as Packing, Manifest, sniff_compression};
use crate::util::digest::Digest;

/// A `docker save` archive of one image: `<config hex>.json`, `<diff_id hex>.tar` layers,
/// manifest.json last.
pub struct DockerArchiveDest {
    tar: TarOut,
    names: Vec<String>,
    /// Blob digest (as the source names it) → archive member.
    members: BTreeMap<Digest, String>,
    entries: Vec<Value>,
}

impl DockerArchiveDest {
    pub fn create(path: &Path, names: Vec<String>) -> Result<DockerArchiveDest> {
        Ok(DockerArchiveDest {
            tar: TarOut::create(path)?,
            names,
            members: BTreeMap::new(),
            entries: Vec::new(),
        })
    }

    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.members.contains_key(digest)
    }

    pub async fn put_blob(
        &mut self,
        blob: &manifest::Blob,
        role: BlobRole,
        mut body: BlobStream,
    ) -> Result<()> {
        let at = tokio::task::block_in_place(|| self.tar.begin())?;
        let (name, size) = match role {
            BlobRole::Config => {
                let size = write_to(body, &mut self.tar.member()).await?;
                (format!("{}.json", blob.digest.hex()), size)
            }
            BlobRole::Layer => {
                // The first bytes (a few chunks, however the source cut them) say whether the
                // layer needs decompressing.
                let mut head = Vec::new();
                while head.len() < 4 {
                    match body.next().await.transpose()? {
                        Some(chunk) => head.extend_from_slice(&chunk),
                        None => break,
                    }
                }
                let packing = sniff_compression(&head);
                let first = bytes::Bytes::from(head);
                let body: BlobStream =
                    Box::pin(futures_util::stream::once(async { Ok(first) }).chain(body));
                let mut tar = Hashing {
                    inner: self.tar.member(),
                    hasher: Sha256::new(),
                    written: 0,
                };
                match packing {
                    Packing::None => {
                        write_to(body, &mut tar).await?;
                    }
                    Packing::Gzip => {
                        let mut gunzip = flate2::write::MultiGzDecoder::new(&mut tar);
                        write_to(body, &mut gunzip).await?;
                        tokio::task::block_in_place(|| gunzip.try_finish())
                            .context("decompressing a gzip layer")?;
                    }
                    Packing::Zstd => {
                        let mut unzstd =
                            zstd::stream::write::Decoder::new(&mut tar).context("starting zstd")?;
                        write_to(body, &mut unzstd).await?;
                        tokio::task::block_in_place(|| unzstd.flush())
                            .context("decompressing a zstd layer")?;
                    }
                }
                let size = tar.written;
                let diff_id = Digest::from_hasher(tar.hasher);
                (format!("{}.tar", diff_id.hex()), size)
            }
        };
        tokio::task::block_in_place(|| self.tar.end(at, &name, size))?;
        self.members.insert(blob.digest.clone(), name);
        Ok(())
    }

    pub fn put_manifest(&mut self, bytes: &[u8], instance: Option<&Digest>) -> Result<Digest> {
        if instance.is_some() {
            bail!(
                "{}: a docker-archive holds single images, not manifest lists; copy without --all",
                self.tar.path().display()
            );
        }
        let Manifest::Image { manifest, .. } = manifest::parse(bytes)? else {
            bail!("internal: a docker-archive gets image manifests only");
        };
        let (config, layers) = manifest::image_parts(&manifest)?;
        let name_of = |d: &Digest| {
            self.members
                .get(d)
                .cloned()
                .with_context(|| format!("internal: blob {d} was not written"))
        };
        let layers: Vec<String> = layers
            .iter()
            .map(|l| name_of(&l.digest))
            .collect::<Result<_>>()?;
        self.entries.push(json!({
            "Config": name_of(&config.digest)?,
            "RepoTags": self.names,
            "Layers": layers,
        }));
        Ok(Digest::of(bytes))
    }

    pub fn commit(mut self) -> Result<()> {
        let manifest = serde_json::to_vec(&self.entries)?;
        self.tar.add("manifest.json", &manifest)?;
        self.tar.finish()
    }
}

/// Hashes what is written through it (a layer's diff_id).
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
