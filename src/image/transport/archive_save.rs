//! `save`: local images as a docker-archive or oci-archive tar (to a file or a pipe) or an OCI
//! layout directory. Layers go out uncompressed, as podman writes them: their tar is
//! reproduced from the store (hashing to the diff_id) and its size is known in advance, so the
//! archive streams without temporary files.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;

use super::manifest_out::{self, Described, Family};
use crate::image::manifest::OCI_MANIFEST;
use crate::rootfs::layer_tar::open_layer_tar;
use crate::store::{ImageRecord, LayerRecord, Store};
use crate::util::digest::Digest;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveFormat {
    DockerArchive,
    OciArchive,
    OciDir,
    /// skopeo's dir: layout with a docker schema2 manifest (podman's docker-dir).
    DockerDir,
}

impl SaveFormat {
    pub fn parse(s: &str) -> Result<SaveFormat> {
        match s {
            "docker-archive" => Ok(SaveFormat::DockerArchive),
            "oci-archive" => Ok(SaveFormat::OciArchive),
            "oci-dir" => Ok(SaveFormat::OciDir),
            "docker-dir" => Ok(SaveFormat::DockerDir),
            other => bail!(
                "invalid --format {other:?}: use docker-archive, oci-archive, oci-dir or docker-dir"
            ),
        }
    }
}

/// One image to save and the names it is saved under (none for an image given by ID; a
/// docker-archive records them all, an OCI layout names the image by the first).
pub struct SaveItem {
    pub image: ImageRecord,
    pub names: Vec<String>,
}

/// Where archive members go.
pub trait Sink {
    fn add(&mut self, member: &str, size: u64, data: &mut dyn Read) -> Result<()>;
}

pub struct TarSink<W: Write> {
    builder: tar::Builder<W>,
}

impl<W: Write> TarSink<W> {
    pub fn new(out: W) -> TarSink<W> {
        TarSink {
            builder: tar::Builder::new(out),
        }
    }

    pub fn finish(self) -> Result<W> {
        self.builder.into_inner().context("finishing the archive")
    }
}

impl<W: Write> Sink for TarSink<W> {
    fn add(&mut self, member: &str, size: u64, data: &mut dyn Read) -> Result<()> {
        let mut header = tar::Header::new_ustar();
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        header
            .set_path(member)
            .with_context(|| format!("naming archive member {member}"))?;
        header.set_cksum();
        let mut counted = Exact {
            inner: data,
            left: size,
        };
        self.builder
            .append(&header, &mut counted)
            .with_context(|| format!("writing {member} to the archive"))?;
        Ok(())
    }
}

/// An OCI layout directory.
pub struct DirSink {
    root: PathBuf,
}

impl DirSink {
    pub fn new(root: &Path) -> Result<DirSink> {
        fs::create_dir_all(root)
            .with_context(|| format!("creating directory {}", root.display()))?;
        Ok(DirSink {
            root: root.to_path_buf(),
        })
    }
}

impl Sink for DirSink {
    fn add(&mut self, member: &str, size: u64, data: &mut dyn Read) -> Result<()> {
        let path = self.root.join(member);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let mut file =
            fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut counted = Exact {
            inner: data,
            left: size,
        };
        io::copy(&mut counted, &mut file).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }
}

/// Passes exactly `left` bytes on and fails if the source has fewer (a short member would
/// shift every following tar header).
struct Exact<'a> {
    inner: &'a mut dyn Read,
    left: u64,
}

impl Read for Exact<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let max = buf.len().min(self.left as usize);
        let n = self.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} bytes missing", self.left),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Writes `items` in `format` to `sink`.
pub fn save(
    store: &Store,
    items: &[SaveItem],
    format: SaveFormat,
    sink: &mut dyn Sink,
) -> Result<()> {
    match format {
        SaveFormat::DockerArchive => save_docker(store, items, sink),
        SaveFormat::OciArchive | SaveFormat::OciDir => save_oci(store, items, sink),
        SaveFormat::DockerDir => {
            bail!("internal: docker-dir is written by archive_io::save_docker_dir")
        }
    }
}

fn save_docker(store: &Store, items: &[SaveItem], sink: &mut dyn Sink) -> Result<()> {
    let manifest: Vec<_> = items
        .iter()
        .map(|item| {
            json!({
                "Config": format!("{}.json", item.image.config_digest.hex()),
                "RepoTags": item.names,
                "Layers": item.image.layers.iter().map(|l| format!("{}.tar", l.diff_id.hex())).collect::<Vec<_>>(),
            })
        })
        .collect();
    add_bytes(sink, "manifest.json", &serde_json::to_vec(&manifest)?)?;
    let mut written = BTreeSet::new();
    for item in items {
        if written.insert(item.image.config_digest.clone()) {
            let config = store.read_blob(&item.image.config_digest)?;
            add_bytes(
                sink,
                &format!("{}.json", item.image.config_digest.hex()),
                &config,
            )?;
        }
        for layer in &item.image.layers {
            if written.insert(layer.diff_id.clone()) {
                add_layer(store, sink, &format!("{}.tar", layer.diff_id.hex()), layer)?;
            }
        }
    }
    Ok(())
}

fn save_oci(store: &Store, items: &[SaveItem], sink: &mut dyn Sink) -> Result<()> {
    add_bytes(sink, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let mut manifests = Vec::new();
    let mut index_entries = Vec::new();
    for item in items {
        let config = store.read_blob(&item.image.config_digest)?;
        let config_described =
            Described::plain(item.image.config_digest.clone(), config.len() as u64);
        let layers: Vec<Described> = item
            .image
            .layers
            .iter()
            .map(|l| Described::stored_layer(store, l))
            .collect();
        let manifest = manifest_out::build(Family::Oci, &config_described, &layers);
        let digest = Digest::of(&manifest);
        let mut entry =
            json!({ "mediaType": OCI_MANIFEST, "digest": digest.as_str(), "size": manifest.len() });
        if let Some(name) = item.names.first() {
            entry["annotations"] = json!({ "org.opencontainers.image.ref.name": name });
        }
        index_entries.push(entry);
        manifests.push((digest, manifest, config));
    }
    let index = json!({ "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": index_entries });
    add_bytes(sink, "index.json", &serde_json::to_vec(&index)?)?;
    let mut written = BTreeSet::new();
    for (item, (digest, manifest, config)) in items.iter().zip(&manifests) {
        for (blob_digest, bytes) in [(digest, manifest), (&item.image.config_digest, config)] {
            if written.insert(blob_digest.clone()) {
                add_bytes(sink, &blob_member(blob_digest), bytes)?;
            }
        }
        for layer in &item.image.layers {
            if written.insert(layer.diff_id.clone()) {
                add_layer(store, sink, &blob_member(&layer.diff_id), layer)?;
            }
        }
    }
    Ok(())
}

fn blob_member(digest: &Digest) -> String {
    format!("blobs/sha256/{}", digest.hex())
}

fn add_bytes(sink: &mut dyn Sink, member: &str, bytes: &[u8]) -> Result<()> {
    sink.add(member, bytes.len() as u64, &mut &bytes[..])
}

fn add_layer(store: &Store, sink: &mut dyn Sink, member: &str, layer: &LayerRecord) -> Result<()> {
    let size = Described::stored_layer(store, layer).size;
    let mut tar = open_layer_tar(store, &layer.chain_id)?;
    sink.add(member, size, &mut tar)
        .map_err(|e| anyhow!("saving layer {}: {e:#}", layer.diff_id))?;
    // Reads what is left (nothing, for an exact stream) so the child can end and be checked.
    io::copy(&mut tar, &mut io::sink()).context("reading the end of a layer")?;
    tar.finish()
        .with_context(|| format!("saving layer {}", layer.diff_id))
}
