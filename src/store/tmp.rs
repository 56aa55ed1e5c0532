//! Per-process scratch directories, `<root>/tmp/<pid>-<n>/`.
//!
//! Blobs are written here and renamed into `blobs/` once verified, so the rename stays on one
//! filesystem and a half-written file is never visible under a blob name. Each directory holds a
//! `lock` file that its owner keeps flock'd for its lifetime: a directory whose lock can be taken
//! belongs to a process that died, and is removed by the next `Store::open`.
//!
//! Creation and the stale sweep both run under the exclusive store lock; that is what lets the
//! sweep treat a directory without a `lock` file as a crash remnant rather than one being born.

use super::TreeRemover;
use super::lock::{self, LockGuard};
use anyhow::{Context, Result};
use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const LOCK_FILE: &str = "lock";

/// This process's scratch directory; removed (contents first, lock last) on drop.
pub struct TmpDir {
    path: PathBuf,
    next_file: AtomicU64,
    remover: TreeRemover,
    _lock: LockGuard,
}

impl std::fmt::Debug for TmpDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TmpDir")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl TmpDir {
    /// Creates a fresh `<tmp_root>/<pid>-<n>/` and locks it. The caller holds the exclusive store
    /// lock (see the module docs).
    pub fn create(tmp_root: &Path, remover: TreeRemover) -> Result<TmpDir> {
        static NEXT_DIR: AtomicU64 = AtomicU64::new(0);
        let pid = std::process::id();
        loop {
            let path = tmp_root.join(format!(
                "{pid}-{}",
                NEXT_DIR.fetch_add(1, Ordering::Relaxed)
            ));
            match DirBuilder::new().mode(0o700).create(&path) {
                // Taken by a live process with our pid in another pid namespace: try the next name.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("creating temporary directory {}", path.display())
                    });
                }
                Ok(()) => {}
            }
            let lock_path = path.join(LOCK_FILE);
            let lock = lock::create_locked(&lock_path)
                .with_context(|| format!("creating and locking {}", lock_path.display()));
            return match lock {
                Ok(lock) => Ok(TmpDir {
                    path,
                    next_file: AtomicU64::new(0),
                    remover,
                    _lock: lock,
                }),
                Err(e) => {
                    let _ = fs::remove_dir_all(&path);
                    Err(e)
                }
            };
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path in this directory that no other caller of this `TmpDir` gets.
    pub fn unique_path(&self, prefix: &str) -> PathBuf {
        let n = self.next_file.fetch_add(1, Ordering::Relaxed);
        self.path.join(format!("{prefix}-{n}"))
    }
}

impl Drop for TmpDir {
    fn drop(&mut self) {
        // Everything but the lock goes first: while the lock file exists and is held, a sweep
        // by another process leaves the directory alone. Errors are ignored; the next sweep
        // retries once our lock is gone.
        if let Ok(entries) = fs::read_dir(&self.path) {
            for entry in entries.flatten() {
                if entry.file_name() != LOCK_FILE {
                    let _ = remove_any(&entry.path(), &self.remover);
                }
            }
        }
        let _ = fs::remove_file(self.path.join(LOCK_FILE));
        let _ = fs::remove_dir(&self.path);
    }
}

/// Removes every `<pid>-<n>` directory under `tmp_root` whose owner is gone and returns how many.
/// The caller holds the exclusive store lock. Live directories are never touched.
pub fn remove_stale(tmp_root: &Path, remover: &TreeRemover) -> Result<usize> {
    let mut removed = 0;
    for dir in candidate_dirs(tmp_root)? {
        let lock_path = dir.join(LOCK_FILE);
        let _owner_gone = match lock::try_lock_exclusive(&lock_path) {
            Ok(Some(guard)) => Some(guard),
            Ok(None) => continue,
            // No lock file: a crash between mkdir and lock creation, or its owner is just
            // finishing its own cleanup. Either way nobody uses it any more.
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("checking whether {} is still in use", lock_path.display())
                });
            }
        };
        remove_any(&dir, remover).with_context(|| {
            format!(
                "removing stale temporary directory {}: remove it by hand",
                dir.display()
            )
        })?;
        removed += 1;
    }
    Ok(removed)
}

/// The `<pid>-<n>` directories under `tmp_root` whose owner is gone (what [`remove_stale`]
/// would remove). The caller holds the store lock, so no directory is being born meanwhile.
pub fn stale_dirs(tmp_root: &Path) -> Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    for dir in candidate_dirs(tmp_root)? {
        let lock_path = dir.join(LOCK_FILE);
        match lock::try_lock_exclusive(&lock_path) {
            Ok(Some(_owner_gone)) => stale.push(dir),
            Ok(None) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => stale.push(dir),
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("checking whether {} is still in use", lock_path.display())
                });
            }
        }
    }
    Ok(stale)
}

/// Whether `tmp_root` holds anything a sweep would look at (cheap: no locking).
pub fn has_candidates(tmp_root: &Path) -> Result<bool> {
    Ok(!candidate_dirs(tmp_root)?.is_empty())
}

/// The `<pid>-<n>` directories under `tmp_root`. Other names are not ours to judge.
fn candidate_dirs(tmp_root: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(tmp_root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("listing {}", tmp_root.display())),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", tmp_root.display()))?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && entry.file_name().to_str().is_some_and(is_tmp_dir_name) {
            dirs.push(entry.path());
        }
    }
    Ok(dirs)
}

fn is_tmp_dir_name(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    name.split_once('-')
        .is_some_and(|(pid, n)| digits(pid) && digits(n))
}

/// Removes a file or a directory tree; something already gone (a racing remover) is success.
/// A tree the user may not delete (an unpacked layer owned by subordinate ids) goes through
/// `remover`.
pub(super) fn remove_any(path: &Path, remover: &TreeRemover) -> io::Result<()> {
    let result = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => match fs::remove_dir_all(path) {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => remover(path),
            other => other,
        },
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match result {
        Err(_)
            if fs::symlink_metadata(path).is_err_and(|e| e.kind() == io::ErrorKind::NotFound) =>
        {
            Ok(())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_removes_the_directory() {
        let root = tempfile::tempdir().unwrap();
        let tmp = TmpDir::create(root.path(), super::super::default_remover()).unwrap();
        let path = tmp.path().to_path_buf();
        fs::write(tmp.unique_path("blob"), b"partial").unwrap();
        fs::create_dir(tmp.unique_path("unpack")).unwrap();
        drop(tmp);
        assert!(!path.exists());
    }

    #[test]
    fn sweep_removes_dead_dirs_and_keeps_live_ones() {
        let root = tempfile::tempdir().unwrap();
        let live = TmpDir::create(root.path(), super::super::default_remover()).unwrap();
        fs::write(live.unique_path("blob"), b"in progress").unwrap();

        // A dead process's dir: its lock file exists but nobody holds it.
        let dead = root.path().join("4242-0");
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join(LOCK_FILE), b"").unwrap();
        fs::write(dead.join("blob-0"), b"leftover").unwrap();
        // A crash between mkdir and lock creation.
        let unlocked = root.path().join("4243-7");
        fs::create_dir(&unlocked).unwrap();
        // Not ours: left alone.
        let foreign = root.path().join("keep-me");
        fs::create_dir(&foreign).unwrap();

        assert!(has_candidates(root.path()).unwrap());
        assert_eq!(
            remove_stale(root.path(), &super::super::default_remover()).unwrap(),
            2
        );
        assert!(!dead.exists() && !unlocked.exists());
        assert!(foreign.exists());
        assert!(
            live.path().join("blob-0").exists(),
            "a live dir must survive the sweep"
        );
    }

    #[test]
    fn dir_locked_by_another_description_is_live() {
        let root = tempfile::tempdir().unwrap();
        let other = root.path().join("99999-3");
        fs::create_dir(&other).unwrap();
        // Another process would hold this; a second open file description behaves the same.
        let _held = lock::create_locked(&other.join(LOCK_FILE)).unwrap();
        assert_eq!(
            remove_stale(root.path(), &super::super::default_remover()).unwrap(),
            0
        );
        assert!(other.exists());
    }

    #[test]
    fn names() {
        assert!(is_tmp_dir_name("12-0"));
        assert!(!is_tmp_dir_name("12-"));
        assert!(!is_tmp_dir_name("a-1"));
        assert!(!is_tmp_dir_name("12"));
        assert!(!is_tmp_dir_name("1-2-3"));
    }
}
