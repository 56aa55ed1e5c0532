//! An OCI image layout destination, as a directory or an oci-archive tar: blobs (manifests
//! included) under blobs/sha256, index.json written last.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::blob_stream::{BlobStream, write_to};
use super::dir_files::write_blob_file;
use super::tar_out::TarOut;
use crate::image::manifest::{self, OCI_INDEX};
use crate::util::digest::Digest;
use crate::util::fs::write_atomic;

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

enum LayoutOut {
    Directory { root: PathBuf, created: bool },
    Archive(TarOut),
}

/// An OCI image layout: blobs (manifests included) under blobs/sha256, index.json last.
pub struct LayoutDest {
    out: LayoutOut,
    reference: Option<String>,
    written: BTreeSet<Digest>,
    /// The index.json entry of the image: digest, size, media type.
    top: Option<(Digest, usize, String)>,
}

impl LayoutDest {
    pub fn directory(root: &Path, reference: Option<String>) -> Result<LayoutDest> {
        let created = !root.exists();
        let blobs = root.join("blobs/sha256");
        std::fs::create_dir_all(&blobs)
            .with_context(|| format!("creating directory {}", blobs.display()))?;
        let out = LayoutOut::Directory {
            root: root.to_path_buf(),
            created,
        };
        Ok(LayoutDest::new(out, reference))
    }

    pub fn archive(path: &Path, reference: Option<String>) -> Result<LayoutDest> {
        Ok(LayoutDest::new(
            LayoutOut::Archive(TarOut::create(path)?),
            reference,
        ))
    }

    fn new(out: LayoutOut, reference: Option<String>) -> LayoutDest {
        LayoutDest {
            out,
            reference,
            written: BTreeSet::new(),
            top: None,
        }
    }

    /// Blobs are content-addressed: one already in the layout directory is kept.
    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.written.contains(digest)
            || matches!(&self.out, LayoutOut::Directory { root, .. } if root.join(member(digest)).is_file())
    }

    pub async fn put_blob(&mut self, blob: &manifest::Blob, body: BlobStream) -> Result<()> {
        let name = member(&blob.digest);
        match &mut self.out {
            LayoutOut::Directory { root, .. } => write_blob_file(&root.join(&name), body).await?,
            LayoutOut::Archive(tar) => {
                let at = tokio::task::block_in_place(|| tar.begin())?;
                let size = write_to(body, &mut tar.member()).await?;
                tokio::task::block_in_place(|| tar.end(at, &name, size))?;
            }
        }
        self.written.insert(blob.digest.clone());
        Ok(())
    }

    pub fn put_manifest(
        &mut self,
        bytes: &[u8],
        media_type: &str,
        instance: Option<&Digest>,
    ) -> Result<Digest> {
        let digest = Digest::of(bytes);
        if !self.has_blob(&digest) {
            let name = member(&digest);
            tokio::task::block_in_place(|| match &mut self.out {
                LayoutOut::Directory { root, .. } => {
                    let path = root.join(&name);
                    write_atomic(&path, bytes, 0o644)
                        .with_context(|| format!("writing {}", path.display()))
                }
                LayoutOut::Archive(tar) => tar.add(&name, bytes),
            })?;
            self.written.insert(digest.clone());
        }
        if instance.is_none() {
            self.top = Some((digest.clone(), bytes.len(), media_type.to_string()));
        }
        Ok(digest)
    }

    pub fn commit(self) -> Result<()> {
        let (digest, size, media_type) =
            self.top.context("internal: the copy wrote no manifest")?;
        let mut entry = json!({ "mediaType": media_type, "digest": digest.as_str(), "size": size });
        if let Some(r) = &self.reference {
            entry["annotations"] = json!({ REF_NAME: r });
        }
        match self.out {
            LayoutOut::Directory { root, .. } => {
                // Other images of the layout stay; one of the same name is replaced.
                let index_path = root.join("index.json");
                let mut entries: Vec<Value> = std::fs::read(&index_path)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    .and_then(|v| v["manifests"].as_array().cloned())
                    .unwrap_or_default();
                entries.retain(|e| match &self.reference {
                    Some(r) => e["annotations"][REF_NAME].as_str() != Some(r.as_str()),
                    None => e["digest"].as_str() != Some(digest.as_str()),
                });
                entries.push(entry);
                let index =
                    json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries });
                write_atomic(&root.join("oci-layout"), OCI_LAYOUT, 0o644)
                    .with_context(|| format!("writing {}", root.display()))?;
                write_atomic(&index_path, &serde_json::to_vec(&index)?, 0o644)
                    .with_context(|| format!("writing {}", index_path.display()))
            }
            LayoutOut::Archive(mut tar) => {
                let index =
                    json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry] });
                tar.add("oci-layout", OCI_LAYOUT)?;
                tar.add("index.json", &serde_json::to_vec(&index)?)?;
                tar.finish()
            }
        }
    }

    pub fn abort(self) {
        match self.out {
            LayoutOut::Directory {
                root,
                created: true,
            } => {
                let _ = std::fs::remove_dir_all(root);
            }
            // Blobs written into an existing layout are unreferenced, as after an interrupted
            // skopeo copy; they are valid content-addressed files.
            LayoutOut::Directory { .. } | LayoutOut::Archive(_) => {}
        }
    }
}

fn member(digest: &Digest) -> String {
    format!("blobs/sha256/{}", digest.hex())
}
