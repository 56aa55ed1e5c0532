//! Where `image copy` reads an image from, as containers/image's ImageSource: manifests (the
//! top one, or an instance of a list by digest) with their media type, and blob bodies. The
//! caller verifies every blob against its descriptor as it flows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use bytes::Bytes;

use super::TransportRef;
use super::archive_index::ArchiveIndex;
use super::blob_stream::{self, BlobStream};
use super::copy::{RegistryAccess, RegistryFlags, reference_in_repo};
use super::manifest_out::{self, Described, Family};
use super::remote::RemoteRepo;
use super::source_files::{docker_archive, layout_entry};
use crate::image::manifest::{self, Blob, MAX_MANIFEST_BYTES, Manifest};
use crate::rootfs::layer_tar::open_layer_tar;
use crate::store::{ImageRecord, Store};
use crate::util::digest::Digest;

pub struct Source {
    /// The transport reference, for messages.
    pub name: String,
    pub(super) kind: Kind,
}

pub(super) enum Kind {
    Registry {
        repo: RemoteRepo,
        reference: String,
    },
    /// skopeo's dir: layout.
    Dir(PathBuf),
    /// An OCI layout, as a directory or a tar; `top` is the chosen index.json entry.
    Layout {
        files: Arc<ArchiveIndex>,
        top: Digest,
    },
    /// A docker-archive image: a docker schema2 manifest is made up for it, naming the layer
    /// members by their diff_ids (they are read decompressed, whatever they hold).
    DockerArchive {
        files: Arc<ArchiveIndex>,
        manifest: Vec<u8>,
        members: BTreeMap<Digest, String>,
    },
    /// The local store: layers leave as uncompressed tars reproduced from the store.
    Local {
        store: Arc<Store>,
        image: ImageRecord,
        manifest: Vec<u8>,
    },
}

impl Source {
    pub async fn open(
        from: &TransportRef,
        access: &RegistryAccess<'_>,
        flags: &RegistryFlags,
        store: Option<&Arc<Store>>,
    ) -> Result<Source> {
        let kind = match from {
            TransportRef::Docker(r) => Kind::Registry {
                repo: access.connect(r, flags, false).await?,
                reference: reference_in_repo(r),
            },
            TransportRef::Local(name) => {
                let store = store.context("copying from the local store needs the store")?;
                let image = store.find_image(name)?.with_context(|| {
                    format!("no image {name:?} in the local store; see `engine images`")
                })?;
                return Source::local(store, image, Family::Oci);
            }
            _ => return tokio::task::block_in_place(|| Source::open_file(from)),
        };
        Ok(Source {
            name: from.to_string(),
            kind,
        })
    }

    /// A dir:, oci:, oci-archive: or docker-archive: source (blocking: archives are indexed).
    pub fn open_file(from: &TransportRef) -> Result<Source> {
        let kind = match from {
            TransportRef::Dir(path) => {
                if !path.join("manifest.json").is_file() {
                    bail!(
                        "{from}: {} holds no manifest.json; it is not a dir: image",
                        path.display()
                    );
                }
                Kind::Dir(path.clone())
            }
            TransportRef::OciDir { path, reference }
            | TransportRef::OciArchive { path, reference } => {
                let files = ArchiveIndex::open(path)?;
                let top = layout_entry(&files, &from.to_string(), reference.as_deref())?;
                Kind::Layout {
                    files: Arc::new(files),
                    top,
                }
            }
            TransportRef::DockerArchive { path, reference } => {
                return docker_archive(path, reference.as_deref(), from);
            }
            other => bail!("internal: {other} is not a file transport"),
        };
        Ok(Source {
            name: from.to_string(),
            kind,
        })
    }

    /// A local image, its manifest written in `family` with uncompressed layers.
    pub fn local(store: &Arc<Store>, image: ImageRecord, family: Family) -> Result<Source> {
        let config = store.read_blob(&image.config_digest)?;
        let config = Described::plain(image.config_digest.clone(), config.len() as u64);
        let layers: Vec<Described> = image
            .layers
            .iter()
            .map(|l| Described::stored_layer(store, l))
            .collect();
        let manifest = manifest_out::build(family, &config, &layers);
        Ok(Source {
            name: format!("local:{}", image.names.first().unwrap_or(&image.id)),
            kind: Kind::Local {
                store: Arc::clone(store),
                image,
                manifest,
            },
        })
    }

    /// The registry repository, when the source is one (blobs may be mounted from it).
    pub fn registry(&self) -> Option<&RemoteRepo> {
        match &self.kind {
            Kind::Registry { repo, .. } => Some(repo),
            _ => None,
        }
    }

    /// The name a docker-archive gets when its reference names none.
    pub fn default_name(&self) -> Option<String> {
        match &self.kind {
            Kind::Local { image, .. } => image.names.first().cloned(),
            _ => None,
        }
    }

    /// The top manifest, or the instance `instance` of a list: its bytes and media type.
    pub async fn manifest(&self, instance: Option<&Digest>) -> Result<(Vec<u8>, String)> {
        let bytes = match (&self.kind, instance) {
            (Kind::Registry { repo, reference }, _) => {
                let wanted = instance.map_or(reference.clone(), |d| d.to_string());
                let (bytes, answered, _) = repo.manifest(&wanted).await?;
                if !answered.is_empty() && answered != "application/octet-stream" {
                    return Ok((bytes, answered));
                }
                bytes
            }
            (Kind::Dir(root), None) => read_small(&root.join("manifest.json"))?,
            (Kind::Dir(root), Some(d)) => {
                read_small(&root.join(format!("{}.manifest.json", d.hex())))?
            }
            (Kind::Layout { files, top }, _) => {
                let digest = instance.unwrap_or(top);
                tokio::task::block_in_place(|| files.read_member(&blob_member(digest)))?
            }
            (Kind::DockerArchive { manifest, .. } | Kind::Local { manifest, .. }, None) => {
                manifest.clone()
            }
            (_, Some(d)) => bail!("{}: holds no manifest list, so no instance {d}", self.name),
        };
        if let Some(d) = instance
            && Digest::of(&bytes) != *d
        {
            bail!(
                "{}: manifest {d} does not hash to its digest; the source is damaged",
                self.name
            );
        }
        let media_type = match manifest::parse(&bytes)
            .with_context(|| format!("reading the manifest of {}", self.name))?
        {
            Manifest::Image { media_type, .. } | Manifest::Index { media_type, .. } => media_type,
        };
        Ok((bytes, media_type))
    }

    /// A blob's bytes (not yet verified).
    pub async fn blob(&self, blob: &Blob) -> Result<BlobStream> {
        let digest = &blob.digest;
        match &self.kind {
            Kind::Registry { repo, .. } => Ok(Box::pin(repo.blob(digest).await?)),
            Kind::Dir(root) => {
                let path = root.join(digest.hex());
                Ok(blob_stream::from_reader(
                    move || {
                        std::fs::File::open(&path)
                            .with_context(|| format!("opening {}", path.display()))
                    },
                    |_| Ok(()),
                ))
            }
            Kind::Layout { files, .. } => Ok(member_stream(files, blob_member(digest))),
            Kind::DockerArchive { files, members, .. } => {
                let member = members
                    .get(digest)
                    .with_context(|| format!("{}: no member holds blob {digest}", self.name))?;
                let (files, member) = (Arc::clone(files), member.clone());
                Ok(blob_stream::from_reader(
                    move || files.open_layer(&member),
                    |_| Ok(()),
                ))
            }
            Kind::Local { store, image, .. } => {
                if *digest == image.config_digest {
                    let config = Bytes::from(store.read_blob(digest)?);
                    return Ok(Box::pin(futures_util::stream::once(async { Ok(config) })));
                }
                let layer = image
                    .layers
                    .iter()
                    .find(|l| l.diff_id == *digest)
                    .with_context(|| format!("{}: no layer {digest}", self.name))?;
                let (store, chain) = (Arc::clone(store), layer.chain_id.clone());
                Ok(blob_stream::from_reader(
                    move || open_layer_tar(&store, &chain),
                    |tar| tar.finish(),
                ))
            }
        }
    }
}

fn member_stream(files: &Arc<ArchiveIndex>, member: String) -> BlobStream {
    let files = Arc::clone(files);
    blob_stream::from_reader(move || Ok(files.open_member(&member)?.0), |_| Ok(()))
}

fn blob_member(digest: &Digest) -> String {
    format!("blobs/sha256/{}", digest.hex())
}

fn read_small(path: &Path) -> Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > MAX_MANIFEST_BYTES as u64 {
        bail!(
            "{} is {size} bytes, too large for a manifest; refusing it",
            path.display()
        );
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}
