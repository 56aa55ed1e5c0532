//! Unpacked layers: `<root>/layers/<chain-id hex>/{diff/, layer.json, tar-split}`; the
//! tar-split (see `rootfs::layer_tar`) reproduces the layer's tar from `diff/`.
//!
//! A layer is unpacked into a staging directory inside this process's tmp dir and renamed into
//! `layers/` only once its digest and diff_id checked and `layer.json` is written, so a layer
//! directory is complete whenever it exists. Keyed by chain ID (the digest of the layer together
//! with everything below it, as in the OCI image spec), so images sharing a base share its layers.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::Store;
use crate::util::digest::Digest;
use crate::util::fs::write_atomic;

pub(super) const META_FILE: &str = "layer.json";
pub(super) const DIFF_DIR: &str = "diff";
const TAR_SPLIT_FILE: &str = "tar-split";
/// A layer being deleted is first renamed to this prefix and its chain hex.
pub(super) const REMOVING_PREFIX: &str = ".removing-";

/// What `layer.json` records about an unpacked layer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LayerMeta {
    pub chain_id: Digest,
    pub diff_id: Digest,
    pub parent: Option<Digest>,
    /// The compressed blob it came from (not kept once unpacked).
    pub compressed_digest: Digest,
    /// Bytes of the uncompressed tar stream.
    pub size: u64,
    /// The layer has a tar-split, so its exact tar can be rebuilt (layers stored by older
    /// engines have none).
    #[serde(default)]
    pub tar_split: bool,
    /// `xxh3-128:<hex>` of the uncompressed tar (see `util::tar_hash`): checks a rebuilt tar
    /// faster than its diff_id can. Layers stored by older engines have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tar_checksum: Option<String>,
}

/// The chain IDs of a stack of diff_ids, bottom layer first:
/// `chain[0] = diff[0]`, `chain[n] = sha256(chain[n-1] + " " + diff[n])`.
pub fn chain_ids(diff_ids: &[Digest]) -> Vec<Digest> {
    let mut chains: Vec<Digest> = Vec::with_capacity(diff_ids.len());
    for diff_id in diff_ids {
        let next = match chains.last() {
            None => diff_id.clone(),
            Some(parent) => Digest::of(format!("{parent} {diff_id}").as_bytes()),
        };
        chains.push(next);
    }
    chains
}

/// A directory a layer is being unpacked into; removed unless committed.
pub struct LayerStaging<'a> {
    store: &'a Store,
    path: PathBuf,
    committed: bool,
}

impl LayerStaging<'_> {
    /// Where the layer's files go.
    pub fn diff_dir(&self) -> PathBuf {
        self.path.join(DIFF_DIR)
    }

    /// Where the unpacker records the layer's tar-split.
    pub fn tar_split_path(&self) -> PathBuf {
        self.path.join(TAR_SPLIT_FILE)
    }

    /// Publishes the layer under its chain ID. A concurrent pull that published the same layer
    /// first wins; ours is discarded. `meta.tar_split` is set from what the unpacker recorded.
    pub fn commit(mut self, meta: &LayerMeta) -> Result<()> {
        let meta = &LayerMeta {
            tar_split: self.tar_split_path().is_file(),
            ..meta.clone()
        };
        let meta_json = serde_json::to_vec_pretty(meta)?;
        write_atomic(&self.path.join(META_FILE), &meta_json, 0o644)
            .with_context(|| format!("writing {META_FILE} of layer {}", meta.chain_id))?;
        let target = self.store.layer_path(&meta.chain_id);
        let _lock = self.store.lock_exclusive()?;
        match fs::rename(&self.path, &target) {
            Ok(()) => {
                self.committed = true;
                Ok(())
            }
            // Dropping self removes our copy.
            Err(_) if self.store.has_layer(&meta.chain_id) => Ok(()),
            Err(e) => Err(e).with_context(|| {
                format!(
                    "moving unpacked layer {} into {}",
                    meta.chain_id,
                    target.display()
                )
            }),
        }
    }
}

impl Drop for LayerStaging<'_> {
    fn drop(&mut self) {
        if !self.committed {
            let _ = super::tmp::remove_any(&self.path, &self.store.remover);
        }
    }
}

impl Store {
    pub(super) fn layers_dir(&self) -> PathBuf {
        self.root.join("layers")
    }

    /// `layers/<chain hex>`.
    pub fn layer_path(&self, chain_id: &Digest) -> PathBuf {
        self.layers_dir().join(chain_id.hex())
    }

    /// The unpacked files of a layer (an overlay lower dir).
    pub fn layer_diff(&self, chain_id: &Digest) -> PathBuf {
        self.layer_path(chain_id).join(DIFF_DIR)
    }

    /// The layer's tar-split record (present when `LayerMeta::tar_split`).
    pub fn layer_tar_split(&self, chain_id: &Digest) -> PathBuf {
        self.layer_path(chain_id).join(TAR_SPLIT_FILE)
    }

    /// Whether the layer is unpacked and complete.
    pub fn has_layer(&self, chain_id: &Digest) -> bool {
        self.layer_path(chain_id).join(META_FILE).is_file()
    }

    pub fn layer_meta(&self, chain_id: &Digest) -> Result<LayerMeta> {
        let path = self.layer_path(chain_id).join(META_FILE);
        let data = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_slice(&data).with_context(|| {
            format!(
                "{} is corrupt; remove the image and pull it again",
                path.display()
            )
        })
    }

    /// A fresh staging directory (with an empty `diff/`) in this process's tmp dir.
    pub fn new_layer_staging(&self) -> Result<LayerStaging<'_>> {
        let path = self.process_tmp()?.unique_path("layer");
        let staging = LayerStaging {
            store: self,
            path,
            committed: false,
        };
        fs::create_dir_all(staging.diff_dir())
            .with_context(|| format!("creating {}", staging.diff_dir().display()))?;
        Ok(staging)
    }

    /// Every unpacked layer on disk.
    pub(crate) fn stored_layers(&self) -> Result<BTreeSet<String>> {
        let dir = self.layers_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
            Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
        };
        Ok(entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .collect())
    }

    /// Deletes the given layers. The caller holds the exclusive lock and no image needs them.
    pub(super) fn delete_layers<'a>(
        &self,
        chains: impl IntoIterator<Item = &'a Digest>,
    ) -> Result<usize> {
        let mut deleted = 0;
        for chain in chains {
            let path = self.layer_path(chain);
            if !path.exists() {
                continue;
            }
            // Rename first: a half-deleted layer must never look complete.
            let doomed = self
                .root
                .join("layers")
                .join(format!("{REMOVING_PREFIX}{}", chain.hex()));
            fs::rename(&path, &doomed)
                .with_context(|| format!("removing layer {}", path.display()))?;
            super::tmp::remove_any(&doomed, &self.remover).with_context(|| {
                format!(
                    "removing layer {}: run `engine unshare rm -rf {}`",
                    chain,
                    doomed.display()
                )
            })?;
            deleted += 1;
        }
        Ok(deleted)
    }

    /// Layer directories no image references (left by a crash between unpack and index
    /// update, or by a failed delete), removed under the exclusive lock.
    pub fn gc_layers(&self) -> Result<usize> {
        let _lock = self.lock_exclusive()?;
        let index = self.read_index()?;
        let (_, container_layers) = self.used_by_containers()?;
        let keep: BTreeSet<String> = index
            .referenced_layers()
            .into_iter()
            .chain(container_layers.iter())
            .map(|d| d.hex().to_string())
            .collect();
        let mut deleted = 0;
        for name in self.stored_layers()? {
            if keep.contains(&name) {
                continue;
            }
            let path = self.layers_dir().join(&name);
            super::tmp::remove_any(&path, &self.remover)
                .with_context(|| format!("removing unused layer {}", path.display()))?;
            deleted += 1;
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_ids_follow_the_image_spec() {
        let a = Digest::of(b"a");
        let b = Digest::of(b"b");
        let chains = chain_ids(&[a.clone(), b.clone()]);
        assert_eq!(chains[0], a);
        assert_eq!(chains[1], Digest::of(format!("{a} {b}").as_bytes()));
        assert_ne!(
            chain_ids(&[b.clone(), a.clone()])[1],
            chains[1],
            "order matters"
        );
    }

    #[test]
    fn staging_is_removed_unless_committed_and_commit_publishes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let abandoned = store.new_layer_staging().unwrap();
        let abandoned_path = abandoned.path.clone();
        fs::write(abandoned.diff_dir().join("f"), b"x").unwrap();
        drop(abandoned);
        assert!(!abandoned_path.exists());

        let diff = Digest::of(b"layer");
        let meta = LayerMeta {
            chain_id: diff.clone(),
            diff_id: diff.clone(),
            parent: None,
            compressed_digest: Digest::of(b"gz"),
            size: 5,
            tar_split: false,
            tar_checksum: None,
        };
        let staging = store.new_layer_staging().unwrap();
        fs::write(staging.diff_dir().join("f"), b"x").unwrap();
        assert!(!store.has_layer(&diff));
        staging.commit(&meta).unwrap();
        assert!(store.has_layer(&diff));
        assert_eq!(fs::read(store.layer_diff(&diff).join("f")).unwrap(), b"x");
        assert_eq!(store.layer_meta(&diff).unwrap(), meta);

        // A second copy of the same layer is discarded, the first stays.
        let again = store.new_layer_staging().unwrap();
        let again_path = again.path.clone();
        again.commit(&meta).unwrap();
        assert!(!again_path.exists());
        assert!(store.has_layer(&diff));

        // Unreferenced by any image: gc removes it.
        assert_eq!(store.gc_layers().unwrap(), 1);
        assert!(!store.has_layer(&diff));
    }
}
