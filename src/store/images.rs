//! The image index, `<root>/images.json`, and the operations that change it.
//!
//! Names follow docker: a name (`host/repo:tag`) or digest reference (`host/repo@sha256:..`)
//! belongs to at most one image; giving it to an image takes it from any other, which stays
//! in the store (dangling once it has no names left).

use super::{Store, lookup};
use crate::util::digest::Digest;
use crate::util::fs::write_atomic;
use anyhow::{Context, Result, bail};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io;

/// The index schema this engine writes; a larger one on disk means a newer engine wrote it.
const INDEX_VERSION: u32 = 1;

/// One stored image.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ImageRecord {
    /// Hex of the config digest.
    pub id: String,
    /// Full names, `host/repo:tag`.
    #[serde(default)]
    pub names: Vec<String>,
    /// Digest references, `host/repo@sha256:..`.
    #[serde(default)]
    pub digests: Vec<String>,
    pub manifest_digest: Digest,
    pub manifest_media_type: String,
    pub config_digest: Digest,
    pub layers: Vec<LayerRecord>,
    /// RFC 3339, from the image config.
    pub created: Option<String>,
    /// RFC 3339, when this engine stored it.
    pub pulled: String,
    pub architecture: String,
    pub os: String,
    pub variant: Option<String>,
    /// Sum of the uncompressed layer sizes.
    pub size: u64,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LayerRecord {
    /// Digest of the compressed blob in the registry (not kept once unpacked).
    pub digest: Digest,
    /// Digest of the uncompressed tar.
    pub diff_id: Digest,
    /// Chain ID: names the unpacked layer under `layers/`.
    pub chain_id: Digest,
    pub media_type: String,
    /// Compressed size.
    pub size: u64,
    pub uncompressed_size: u64,
}

/// Returned by [`Store::add_image`] when blobs or unpacked layers (by chain ID) the image needs
/// are no longer stored (a concurrent rmi or prune deleted them). Downcast it to fetch them
/// again and retry.
#[derive(Debug, thiserror::Error)]
#[error(
    "blobs this image needs were removed from the store meanwhile ({}): fetch them again",
    .0.iter().map(Digest::as_str).collect::<Vec<_>>().join(", ")
)]
pub struct MissingBlobs(pub Vec<Digest>);

/// What [`Store::remove_image`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedImage {
    pub id: String,
    /// The names and digest references the image had.
    pub untagged: Vec<String>,
    pub deleted_blobs: usize,
}

impl ImageRecord {
    /// Every blob the image needs: manifest and config (layers are kept unpacked instead).
    pub fn blobs(&self) -> impl Iterator<Item = &Digest> {
        [&self.manifest_digest, &self.config_digest].into_iter()
    }

    /// The chain IDs of its unpacked layers, bottom first.
    pub fn layer_chains(&self) -> impl Iterator<Item = &Digest> {
        self.layers.iter().map(|l| &l.chain_id)
    }

    fn check(&self) -> Result<()> {
        if self.id != self.config_digest.hex() {
            bail!(
                "image record id {} does not match its config digest {}",
                self.id,
                self.config_digest
            );
        }
        self.names.iter().try_for_each(|n| lookup::check_name(n))?;
        self.digests
            .iter()
            .try_for_each(|d| lookup::check_digest_ref(d))
    }
}

/// The index as read; its `version` was checked on the way in.
#[derive(Deserialize)]
pub(super) struct ImageIndex {
    images: Vec<ImageRecord>,
}

impl ImageIndex {
    pub(super) fn images(&self) -> &[ImageRecord] {
        &self.images
    }

    /// Drops the images with these ids and returns their records.
    pub(super) fn remove_images(&mut self, ids: &[String]) -> Vec<ImageRecord> {
        let (removed, kept) = self.images.drain(..).partition(|i| ids.contains(&i.id));
        self.images = kept;
        removed
    }

    pub(super) fn referenced_blobs(&self) -> BTreeSet<&Digest> {
        self.images.iter().flat_map(ImageRecord::blobs).collect()
    }

    pub(super) fn referenced_layers(&self) -> BTreeSet<&Digest> {
        self.images
            .iter()
            .flat_map(ImageRecord::layer_chains)
            .collect()
    }

    /// Takes `refs` (names or digest references) away from every image but `keep_id`.
    fn take_refs(&mut self, refs: &[String], keep_id: &str) {
        for image in self.images.iter_mut().filter(|i| i.id != keep_id) {
            image.names.retain(|n| !refs.contains(n));
            image.digests.retain(|d| !refs.contains(d));
        }
    }

    /// Adds `rec`, or merges it into the image with the same id; returns the replaced record.
    fn insert(&mut self, mut rec: ImageRecord) -> Option<ImageRecord> {
        self.take_refs(&rec.names, &rec.id);
        self.take_refs(&rec.digests, &rec.id);
        let Some(slot) = self.images.iter_mut().find(|i| i.id == rec.id) else {
            self.images.push(rec);
            return None;
        };
        // The new record carries what was just fetched; the old one's references are kept,
        // except digest references to a manifest that is being replaced (its blob goes away).
        rec.names = merged(&slot.names, rec.names);
        let old_manifest = format!("@{}", slot.manifest_digest);
        let replaced_manifest = slot.manifest_digest != rec.manifest_digest;
        let kept: Vec<String> = slot
            .digests
            .iter()
            .filter(|d| !(replaced_manifest && d.ends_with(&old_manifest)))
            .cloned()
            .collect();
        rec.digests = merged(&kept, rec.digests);
        if newest_first(&slot.pulled, &rec.pulled).is_lt() {
            rec.pulled = slot.pulled.clone();
        }
        Some(std::mem::replace(slot, rec))
    }
}

impl Store {
    /// All images, most recently pulled first.
    pub fn images(&self) -> Result<Vec<ImageRecord>> {
        let mut images = {
            let _lock = self.lock_shared()?;
            self.read_index()?.images
        };
        images.sort_by(|a, b| newest_first(&a.pulled, &b.pulled).then_with(|| a.id.cmp(&b.id)));
        Ok(images)
    }

    /// The image `query` names (see `lookup::find` for the accepted forms), if any.
    pub fn find_image(&self, query: &str) -> Result<Option<ImageRecord>> {
        let index = {
            let _lock = self.lock_shared()?;
            self.read_index()?
        };
        Ok(lookup::find(&index.images, query)?.cloned())
    }

    /// Records an image whose blobs are all stored. Its names and digest references move to it
    /// from other images; an image with the same id gets them merged in. Fails with
    /// [`MissingBlobs`] if a blob it needs is gone.
    pub fn add_image(&self, rec: ImageRecord) -> Result<()> {
        rec.check()?;
        let _lock = self.lock_exclusive()?;
        let mut index = self.read_index()?;
        let mut missing: Vec<Digest> = rec
            .blobs()
            .filter(|d| !self.has_blob(d))
            .chain(rec.layer_chains().filter(|c| !self.has_layer(c)))
            .cloned()
            .collect();
        if !missing.is_empty() {
            missing.sort();
            missing.dedup();
            return Err(MissingBlobs(missing).into());
        }
        let replaced = index.insert(rec);
        // Same config from a different manifest (say, other compression): its old blobs are
        // unreferenced now unless another image shares them.
        match replaced {
            Some(old) => self.write_index_and_delete(&index, &[old]).map(drop),
            None => self.write_index(&index),
        }
    }

    /// Gives `name` (`host/repo:tag`) to the image `id`, taking it from any other image.
    pub fn tag(&self, id: &str, name: &str) -> Result<()> {
        lookup::check_name(name)?;
        let _lock = self.lock_exclusive()?;
        let mut index = self.read_index()?;
        let refs = [name.to_string()];
        index.take_refs(&refs, id);
        let Some(image) = index.images.iter_mut().find(|i| i.id == id) else {
            bail!(
                "no image with id {id} in {}: `engine images` lists them",
                self.root().display()
            );
        };
        if !image.names.iter().any(|n| n == name) {
            image.names.push(name.to_string());
        }
        self.write_index(&index)
    }

    /// Removes the name or digest reference `name` from the image holding it; the image stays.
    /// Returns whether some image had it.
    pub fn untag(&self, name: &str) -> Result<bool> {
        let _lock = self.lock_exclusive()?;
        let mut index = self.read_index()?;
        let mut found = false;
        for image in &mut index.images {
            let before = image.names.len() + image.digests.len();
            image.names.retain(|n| n != name);
            image.digests.retain(|d| d != name);
            found |= image.names.len() + image.digests.len() != before;
        }
        if found {
            self.write_index(&index)?;
        }
        Ok(found)
    }

    /// Removes the image `id` (a full id) and the blobs no remaining image references.
    pub fn remove_image(&self, id: &str) -> Result<RemovedImage> {
        let _lock = self.lock_exclusive()?;
        let mut index = self.read_index()?;
        let Some(pos) = index.images.iter().position(|i| i.id == id) else {
            bail!(
                "no image with id {id} in {}: `engine images` lists them",
                self.root().display()
            );
        };
        let (used_images, _) = self.used_by_containers()?;
        if used_images.iter().any(|i| i == id) {
            bail!(
                "image {} is in use by a container; remove the container first (`engine ps -a` lists them, `engine rm` removes them)",
                &id[..12.min(id.len())]
            );
        }
        let removed = index.images.remove(pos);
        let deleted_blobs = self.write_index_and_delete(&index, std::slice::from_ref(&removed))?;
        let mut untagged = removed.names;
        untagged.extend(removed.digests);
        Ok(RemovedImage {
            id: removed.id,
            untagged,
            deleted_blobs,
        })
    }

    /// Whether a container uses the image `id`.
    pub fn image_in_use(&self, id: &str) -> Result<bool> {
        let _lock = self.lock_shared()?;
        Ok(self.used_by_containers()?.0.iter().any(|i| i == id))
    }

    /// `image prune` and `system prune`: the dangling images (with `all`, every image no
    /// container uses), then whatever no image references any more (also from earlier crashes
    /// or failed deletes); returns the removed images' ids.
    pub fn prune_images(&self, all: bool) -> Result<Vec<String>> {
        let removed = if all {
            let mut ids = Vec::new();
            for image in self.images()? {
                if !self.image_in_use(&image.id)? {
                    ids.push(self.remove_image(&image.id)?.id);
                }
            }
            ids
        } else {
            self.prune_dangling()?
        };
        self.gc_layers()?;
        self.gc_blobs()?;
        Ok(removed)
    }

    /// Removes every image without a name (dangling) that no container uses, and their unshared
    /// blobs; returns their ids.
    pub fn prune_dangling(&self) -> Result<Vec<String>> {
        let _lock = self.lock_exclusive()?;
        let mut index = self.read_index()?;
        let (used, _) = self.used_by_containers()?;
        let (dangling, kept): (Vec<_>, Vec<_>) = index
            .images
            .drain(..)
            .partition(|i| i.names.is_empty() && !used.contains(&i.id));
        index.images = kept;
        if dangling.is_empty() {
            return Ok(Vec::new());
        }
        self.write_index_and_delete(&index, &dangling)?;
        Ok(dangling.into_iter().map(|i| i.id).collect())
    }

    /// Writes `index` and deletes the blobs and layers of `gone` that it no longer references.
    /// The caller holds the exclusive lock. What is to go is journaled first: a crash after the
    /// index write leaves the journal, and the next `Store::open` finishes the deletion.
    fn write_index_and_delete(&self, index: &ImageIndex, gone: &[ImageRecord]) -> Result<usize> {
        let doomed = super::pending::Doomed {
            layers: gone
                .iter()
                .flat_map(ImageRecord::layer_chains)
                .cloned()
                .collect(),
            blobs: gone.iter().flat_map(ImageRecord::blobs).cloned().collect(),
        };
        self.journal_deletion(&doomed)?;
        self.write_index(index)?;
        let deleted = self.delete_unreferenced(index, gone)?;
        self.finish_deletion();
        Ok(deleted)
    }

    /// Deletes the blobs and layers of `gone` that no image of `index` references. The caller
    /// holds the exclusive lock and has already written `index`.
    fn delete_unreferenced(&self, index: &ImageIndex, gone: &[ImageRecord]) -> Result<usize> {
        let keep = index.referenced_blobs();
        let unreferenced: BTreeSet<&Digest> = gone
            .iter()
            .flat_map(ImageRecord::blobs)
            .filter(|d| !keep.contains(d))
            .collect();
        let (_, container_layers) = self.used_by_containers()?;
        let mut keep_layers = index.referenced_layers();
        keep_layers.extend(container_layers.iter());
        let unused_layers: BTreeSet<&Digest> = gone
            .iter()
            .flat_map(ImageRecord::layer_chains)
            .filter(|c| !keep_layers.contains(c))
            .collect();
        self.delete_layers(unused_layers).context(
            "the image index is updated, but removing unused layers failed (gc_layers retries)",
        )?;
        self.delete_blobs(unreferenced).context(
            "the image index is updated, but freeing unreferenced blobs failed (gc_blobs retries)",
        )
    }

    /// Reads the index; a missing file is an empty store. The caller holds the store lock.
    pub(super) fn read_index(&self) -> Result<ImageIndex> {
        let path = self.index_path();
        let data = match std::fs::read(&path) {
            Ok(data) => data,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(ImageIndex { images: Vec::new() });
            }
            Err(e) => {
                return Err(e).with_context(|| format!("reading image index {}", path.display()));
            }
        };
        // The version is checked before the rest so a newer schema gets the upgrade message
        // rather than a confusing field error.
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        let corrupt = |e: serde_json::Error| {
            anyhow::anyhow!(
                "image index {} is corrupt: {e}: restore it from a backup, or delete it and pull the images again",
                path.display()
            )
        };
        let Version { version } = serde_json::from_slice(&data).map_err(corrupt)?;
        if version > INDEX_VERSION {
            bail!(
                "image index {} has schema version {version}, newer than the {INDEX_VERSION} this engine understands: upgrade engine",
                path.display()
            );
        }
        serde_json::from_slice(&data).map_err(corrupt)
    }

    /// Replaces the index atomically. The caller holds the exclusive lock.
    pub(super) fn write_index(&self, index: &ImageIndex) -> Result<()> {
        let path = self.index_path();
        #[derive(Serialize)]
        struct Current<'a> {
            version: u32,
            images: &'a [ImageRecord],
        }
        let current = Current {
            version: INDEX_VERSION,
            images: &index.images,
        };
        let data = serde_json::to_vec_pretty(&current).context("serializing the image index")?;
        write_atomic(&path, &data, 0o600)
            .with_context(|| format!("writing image index {}", path.display()))
    }
}

/// `old` followed by the entries of `new` it lacks.
fn merged(old: &[String], new: Vec<String>) -> Vec<String> {
    let mut all = old.to_vec();
    for item in new {
        if !all.contains(&item) {
            all.push(item);
        }
    }
    all
}

/// Orders RFC 3339 times newest first; unparseable times sort last.
fn newest_first(a: &str, b: &str) -> std::cmp::Ordering {
    let parse = |s: &str| DateTime::<FixedOffset>::parse_from_rfc3339(s).ok();
    parse(b).cmp(&parse(a))
}
