//! The local image store: content-addressed blobs plus an index of images.
//!
//! The root is `--root`, else `$XDG_DATA_HOME/engine` when rootless and `/var/lib/engine` for
//! root. On-disk layout:
//!
//! ```text
//! <root>/store.lock            flock: shared while reading images.json, exclusive for changes
//! <root>/images.json           the image index {"version": 1, "images": [...]}, replaced by rename
//! <root>/removing.json         what an index update is deleting (see pending.rs)
//! <root>/blobs/sha256/<hex>    content-addressed blobs: manifests and configs
//! <root>/layers/<chain-hex>/   unpacked layers (`diff/` + `layer.json`), keyed by chain ID so
//!                              equal chains are shared; compressed layers are not kept;
//!                              `shifted/<key>/diff`: a copy with owners moved for a keep-id
//!                              or auto container's ID mapping (see `rootfs::shift`)
//! <root>/containers/<id>/      one container: container.json (its record) and its bundle
//! <root>/volumes/<name>/_data named volumes
//! <root>/tmp/<pid>-<n>/        per-process scratch dirs, each holding a flock'd `lock` file
//! ```
//!
//! Invariants, which let several engine processes (pull + pull, pull + rmi) share one store:
//! - No file is ever visible half-written: blobs are written into the process's tmp dir and
//!   renamed into `blobs/` after their digest checks; `images.json` is replaced atomically.
//! - Every change to `images.json` is a read-modify-write under the exclusive lock, so no update
//!   is lost. Blobs are deleted only under that lock, and only when no image references them.
//! - A blob may vanish between download and `add_image` (a concurrent rmi dropped it); the add
//!   then fails with [`MissingBlobs`] and the puller fetches it again.
//! - At [`Store::open`], tmp dirs whose owner died (their lock is free), index temp files left
//!   by a crash, and what an interrupted removal left (a `layers/.removing-*` dir, a container
//!   dir whose record is gone) are removed; a live process's files are never touched.
//! - `Store::check` (`system check`) finds and repairs what remains damaged.

mod blobs;
mod check;
mod containers;
mod images;
mod layers;
mod lock;
mod lookup;
mod pending;
mod rename;
mod tmp;
mod userns;
mod volumes;

#[cfg(test)]
mod tests;

pub use blobs::BlobWriter;
pub use check::{CheckOptions, CheckReport};
pub use containers::{ContainerRecord, ContainerStatus, RestartPolicy, RunSettings};
pub use images::{ImageRecord, LayerRecord, MissingBlobs, RemovedImage};
pub use layers::{LayerMeta, LayerStaging, chain_ids};
pub use userns::{UsernsRecord, auto_ranges, free_range};

use anyhow::{Context, Result, anyhow};
use lock::LockGuard;
use std::fs::{self, DirBuilder};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use tmp::TmpDir;

use crate::util::fs::temp_siblings;

const LOCK_FILE: &str = "store.lock";
const INDEX_FILE: &str = "images.json";

/// An open store. Cheap to share between threads (`&Store`); every operation takes the store
/// lock itself, so separate `Store` values (or processes) on one root stay consistent.
pub struct Store {
    root: PathBuf,
    remover: TreeRemover,
    /// Created on first use, so read-only commands leave no trace.
    tmp: OnceLock<Arc<TmpDir>>,
}

/// Removes a directory tree that the user may not delete directly: unpacked layers belong to
/// subordinate ids, which only a process in the user namespace may remove. runtime/ owns
/// namespaces, so the caller supplies it.
pub type TreeRemover = Arc<dyn Fn(&Path) -> std::io::Result<()> + Send + Sync>;

/// Plain `remove_dir_all`: enough as root and for stores without unpacked layers.
pub fn default_remover() -> TreeRemover {
    Arc::new(|path: &Path| fs::remove_dir_all(path))
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// [`Store::open_with`] with the plain remover.
    pub fn open(root: &Path) -> Result<Store> {
        Self::open_with(root, default_remover())
    }

    /// Opens (creating if needed) the store at `root`, removes what dead processes left behind,
    /// and refuses an index written by a newer engine.
    pub fn open_with(root: &Path, remover: TreeRemover) -> Result<Store> {
        let root = std::path::absolute(root)
            .with_context(|| format!("resolving store root {}", root.display()))?;
        let store = Store {
            root,
            remover,
            tmp: OnceLock::new(),
        };
        for dir in [
            store.root.clone(),
            store.blobs_dir(),
            store.tmp_root(),
            store.layers_dir(),
        ] {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .with_context(|| format!("creating store directory {}", dir.display()))?;
        }
        store.remove_stale_files()?;
        let _lock = store.lock_shared()?;
        store.read_index()?;
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// This process's scratch directory inside the store (same filesystem as the store, so
    /// results can be renamed into place). Removed when the `Store` and its writers are gone.
    pub fn tmp_dir(&self) -> Result<&Path> {
        Ok(self.process_tmp()?.path())
    }

    fn process_tmp(&self) -> Result<&Arc<TmpDir>> {
        if let Some(tmp) = self.tmp.get() {
            return Ok(tmp);
        }
        let created = {
            let _lock = self.lock_exclusive()?;
            TmpDir::create(&self.tmp_root(), self.remover.clone())?
        };
        // A racing thread may have set it first; then ours is dropped, which removes it.
        let _ = self.tmp.set(Arc::new(created));
        self.tmp
            .get()
            .ok_or_else(|| anyhow!("internal error: store tmp dir not initialised"))
    }

    /// Sweeps tmp dirs of dead processes, temp files of crashed writers of `images.json` and
    /// of container records, and what interrupted removals left. Takes the exclusive lock only
    /// when there is something to look at, so a clean open stays cheap.
    fn remove_stale_files(&self) -> Result<()> {
        if !tmp::has_candidates(&self.tmp_root())?
            && self.index_temp_files()?.is_empty()
            && self.record_temp_files()?.is_empty()
            && self.interrupted_removals()?.is_empty()
            && !self.has_deletion_journal()
        {
            return Ok(());
        }
        let _lock = self.lock_exclusive()?;
        tmp::remove_stale(&self.tmp_root(), &self.remover)?;
        // Removals and creations run under the exclusive lock, which we hold: what looks
        // half-removed now was left by a process that died.
        // Best effort: a failure must not stop every command; `system check` reports it.
        if let Err(e) = self.finish_journaled_deletion() {
            crate::util::log::debug(&format!("finishing an interrupted deletion: {e:#}"));
        }
        for path in self.interrupted_removals()? {
            if let Err(e) = tmp::remove_any(&path, &self.remover) {
                crate::util::log::debug(&format!(
                    "removing {}, left by an interrupted removal: {e}",
                    path.display()
                ));
            }
        }
        // The index and the container records are written only under the exclusive lock,
        // which we hold: any temp file of them now belongs to a writer that died mid-write.
        for path in self
            .index_temp_files()?
            .into_iter()
            .chain(self.record_temp_files()?)
        {
            match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| {
                        format!(
                            "removing the stale temp file {}: remove it by hand",
                            path.display()
                        )
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Leftovers of `util::fs::write_replace` for container records:
    /// `containers/<id>/.container.json.tmp-<pid>-<n>`.
    fn record_temp_files(&self) -> Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        for id in self.container_dir_names()? {
            let dir = self.container_dir(&id);
            let temps = temp_siblings(&dir.join(containers::RECORD_FILE))
                .with_context(|| format!("listing {}", dir.display()))?;
            found.extend(temps);
        }
        Ok(found)
    }

    /// Layers renamed for removal (`layers/.removing-*`) and container directories whose record
    /// is gone (`remove_container` deletes the record first).
    fn interrupted_removals(&self) -> Result<Vec<PathBuf>> {
        let mut found: Vec<PathBuf> = self
            .stored_layers()?
            .into_iter()
            .filter(|name| name.starts_with(layers::REMOVING_PREFIX))
            .map(|name| self.layers_dir().join(name))
            .collect();
        for id in self.container_dir_names()? {
            let dir = self.container_dir(&id);
            if !dir.join(containers::RECORD_FILE).exists() {
                found.push(dir);
            }
        }
        Ok(found)
    }

    /// Leftovers of `util::fs::write_atomic` for the index: `.images.json.tmp-<pid>-<n>`.
    fn index_temp_files(&self) -> Result<Vec<PathBuf>> {
        temp_siblings(&self.root.join(INDEX_FILE))
            .with_context(|| format!("listing store directory {}", self.root.display()))
    }

    fn lock_shared(&self) -> Result<LockGuard> {
        lock::lock_shared(&self.root.join(LOCK_FILE))
    }

    fn lock_exclusive(&self) -> Result<LockGuard> {
        lock::lock_exclusive(&self.root.join(LOCK_FILE))
    }

    fn index_path(&self) -> PathBuf {
        self.root.join(INDEX_FILE)
    }

    fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }

    fn tmp_root(&self) -> PathBuf {
        self.root.join("tmp")
    }
}
