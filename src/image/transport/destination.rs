//! Where `image copy` writes an image, as containers/image's ImageDestination: it says which
//! blobs it already has, takes blobs of known digest and size (verified as they flow) and the
//! manifests, and commits. Until `commit` nothing names the image: a failed copy is undone by
//! `abort` (directories it created are removed, archives were only ever temporary files).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};

use super::TransportRef;
use super::blob_stream::BlobStream;
use super::copy::{RegistryAccess, RegistryFlags, reference_in_repo};
use super::dest_archive::LayoutDest;
use super::dest_docker_archive::DockerArchiveDest;
use super::dir_files::{DIR_VERSION, write_blob_file};
use super::remote::RemoteRepo;
use super::source::Source;
use crate::image::manifest::Blob;
use crate::util::digest::Digest;
use crate::util::fs::write_atomic;

pub enum Destination {
    Registry {
        repo: RemoteRepo,
        tag: String,
        /// The source's repository when it is on the same registry: blobs are mounted from it.
        mount_from: Option<String>,
    },
    Dir(DirDest),
    Layout(tokio::sync::Mutex<LayoutDest>),
    DockerArchive(tokio::sync::Mutex<DockerArchiveDest>),
}

/// What a blob is to the image (a docker-archive names and stores them differently).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BlobRole {
    Config,
    Layer,
}

impl Destination {
    pub async fn open(
        to: &TransportRef,
        access: &RegistryAccess<'_>,
        flags: &RegistryFlags,
        source: &Source,
    ) -> Result<Destination> {
        Ok(match to {
            TransportRef::Docker(r) => {
                let repo = access.connect(r, flags, true).await?;
                let mount_from = source
                    .registry()
                    .filter(|s| s.host == repo.host && s.repository != repo.repository)
                    .map(|s| s.repository.clone());
                Destination::Registry {
                    repo,
                    tag: reference_in_repo(r),
                    mount_from,
                }
            }
            other => {
                let name = source.default_name();
                tokio::task::block_in_place(|| Destination::open_file(other, name))?
            }
        })
    }

    /// A dir:, oci:, oci-archive: or docker-archive: destination; `default_name` names a
    /// docker-archive's image when the reference does not.
    pub fn open_file(to: &TransportRef, default_name: Option<String>) -> Result<Destination> {
        Ok(match to {
            TransportRef::Dir(path) => Destination::Dir(DirDest::create(path)?),
            TransportRef::OciDir { path, reference } => Destination::Layout(
                tokio::sync::Mutex::new(LayoutDest::directory(path, reference.clone())?),
            ),
            TransportRef::OciArchive { path, reference } => Destination::Layout(
                tokio::sync::Mutex::new(LayoutDest::archive(path, reference.clone())?),
            ),
            TransportRef::DockerArchive { path, reference } => {
                let names: Vec<String> = reference.clone().or(default_name).into_iter().collect();
                Destination::DockerArchive(tokio::sync::Mutex::new(DockerArchiveDest::create(
                    path, names,
                )?))
            }
            TransportRef::Docker(_) | TransportRef::Local(_) => {
                bail!("internal: {to} is not a file transport")
            }
        })
    }

    /// Whether blobs may be written at the same time (archives take one member at a time).
    pub fn parallel(&self) -> bool {
        matches!(self, Destination::Registry { .. } | Destination::Dir(_))
    }

    /// A docker-archive holds single images, never a manifest list.
    pub fn takes_lists(&self) -> bool {
        !matches!(self, Destination::DockerArchive(_))
    }

    /// True when the destination has the blob already (or, on a registry, has now mounted it).
    pub async fn has_blob(&self, blob: &Blob) -> Result<bool> {
        match self {
            Destination::Registry {
                repo, mount_from, ..
            } => {
                if repo.blob_size(&blob.digest).await?.is_some() {
                    return Ok(true);
                }
                match mount_from {
                    Some(from) => repo.mount(&blob.digest, from).await,
                    None => Ok(false),
                }
            }
            Destination::Dir(_) => Ok(false),
            Destination::Layout(layout) => Ok(layout.lock().await.has_blob(&blob.digest)),
            Destination::DockerArchive(archive) => Ok(archive.lock().await.has_blob(&blob.digest)),
        }
    }

    /// Stores a blob; `body` is verified against `blob` by the caller's stream.
    pub async fn put_blob(&self, blob: &Blob, role: BlobRole, body: BlobStream) -> Result<()> {
        match self {
            Destination::Registry { repo, .. } => {
                repo.upload_known(body, &blob.digest, blob.size).await
            }
            Destination::Dir(dir) => dir.put_blob(blob, body).await,
            Destination::Layout(layout) => layout.lock().await.put_blob(blob, body).await,
            Destination::DockerArchive(archive) => {
                archive.lock().await.put_blob(blob, role, body).await
            }
        }
    }

    /// Stores a manifest: the image's own (`instance` None) or one instance of its list.
    pub async fn put_manifest(
        &self,
        bytes: &[u8],
        media_type: &str,
        instance: Option<&Digest>,
    ) -> Result<Digest> {
        match self {
            Destination::Registry { repo, tag, .. } => {
                let reference = instance.map_or(tag.clone(), |d| d.to_string());
                repo.put_manifest(&reference, bytes, media_type).await
            }
            Destination::Dir(dir) => dir.put_manifest(bytes, instance),
            Destination::Layout(layout) => layout
                .lock()
                .await
                .put_manifest(bytes, media_type, instance),
            Destination::DockerArchive(archive) => {
                archive.lock().await.put_manifest(bytes, instance)
            }
        }
    }

    /// Makes the image visible (index.json, manifest.json, the archive's final name).
    pub async fn commit(self) -> Result<()> {
        tokio::task::block_in_place(|| match self {
            Destination::Registry { .. } => Ok(()),
            Destination::Dir(dir) => dir.commit(),
            Destination::Layout(layout) => layout.into_inner().commit(),
            Destination::DockerArchive(archive) => archive.into_inner().commit(),
        })
    }

    /// Undoes what an unfinished copy wrote (blobs on a registry stay: they are unreferenced).
    pub fn abort(self) {
        match self {
            Destination::Registry { .. } => {}
            Destination::Dir(dir) => dir.abort(),
            Destination::Layout(layout) => layout.into_inner().abort(),
            Destination::DockerArchive(archive) => drop(archive),
        }
    }
}

/// skopeo's dir: layout: `version`, `manifest.json`, blobs named by their hex digest, a list's
/// instances as `<hex>.manifest.json`.
pub struct DirDest {
    root: PathBuf,
    /// Created by this copy, so removed whole if it fails.
    created: bool,
    written: Mutex<Vec<PathBuf>>,
    top: Mutex<Option<Vec<u8>>>,
}

impl DirDest {
    pub fn create(root: &Path) -> Result<DirDest> {
        let created = !root.exists();
        if !created && !root.is_dir() {
            bail!("dir:{}: exists and is not a directory", root.display());
        }
        std::fs::create_dir_all(root)
            .with_context(|| format!("creating directory {}", root.display()))?;
        Ok(DirDest {
            root: root.to_path_buf(),
            created,
            written: Mutex::new(Vec::new()),
            top: Mutex::new(None),
        })
    }

    async fn put_blob(&self, blob: &Blob, body: BlobStream) -> Result<()> {
        let path = self.root.join(blob.digest.hex());
        self.remember(&path);
        write_blob_file(&path, body).await
    }

    fn put_manifest(&self, bytes: &[u8], instance: Option<&Digest>) -> Result<Digest> {
        match instance {
            Some(d) => {
                let path = self.root.join(format!("{}.manifest.json", d.hex()));
                self.remember(&path);
                write_atomic(&path, bytes, 0o644)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            None => *self.top.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes.to_vec()),
        }
        Ok(Digest::of(bytes))
    }

    fn remember(&self, path: &Path) {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.to_path_buf());
    }

    fn commit(self) -> Result<()> {
        let top = self.top.lock().unwrap_or_else(|e| e.into_inner()).take();
        let top = top.context("internal: the copy wrote no manifest")?;
        for (name, bytes) in [("version", DIR_VERSION.as_bytes()), ("manifest.json", &top)] {
            let path = self.root.join(name);
            write_atomic(&path, bytes, 0o644)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }

    fn abort(self) {
        if self.created {
            let _ = std::fs::remove_dir_all(&self.root);
            return;
        }
        for path in self
            .written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = std::fs::remove_file(path);
        }
    }
}
