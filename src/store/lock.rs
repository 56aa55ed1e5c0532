//! `flock(2)` helpers.
//!
//! flock locks belong to an open file description, so every call opens the lock file afresh:
//! two threads of one process then exclude each other exactly like two processes do. The lock
//! is released when the returned guard is dropped (or when the process dies, which is what makes
//! stale-directory detection possible).

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A held lock; dropping it unlocks.
pub type LockGuard = Flock<File>;

/// Blocks until `path` (created if missing) is locked shared: many readers at once.
pub fn lock_shared(path: &Path) -> Result<LockGuard> {
    lock_blocking(path, FlockArg::LockShared)
        .with_context(|| format!("taking the shared lock {}", path.display()))
}

/// Blocks until `path` (created if missing) is locked exclusively: one writer, no readers.
pub fn lock_exclusive(path: &Path) -> Result<LockGuard> {
    lock_blocking(path, FlockArg::LockExclusive)
        .with_context(|| format!("taking the exclusive lock {}", path.display()))
}

/// Locks an existing `path` exclusively without waiting. `Ok(None)` means another open file
/// description holds it (its owner is alive); a missing file is the caller's `NotFound` error.
pub fn try_lock_exclusive(path: &Path) -> io::Result<Option<LockGuard>> {
    let file = OpenOptions::new().read(true).write(true).open(path)?;
    match flock_retrying(file, FlockArg::LockExclusiveNonblock) {
        Ok(guard) => Ok(Some(guard)),
        Err(Errno::EWOULDBLOCK) => Ok(None),
        Err(errno) => Err(errno.into()),
    }
}

/// Creates `path` (which must not exist) and locks it exclusively in one step, so nobody can
/// observe the file unlocked.
pub fn create_locked(path: &Path) -> io::Result<LockGuard> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    flock_retrying(file, FlockArg::LockExclusiveNonblock).map_err(io::Error::from)
}

fn lock_blocking(path: &Path, arg: FlockArg) -> io::Result<LockGuard> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)?;
    flock_retrying(file, arg).map_err(io::Error::from)
}

/// `flock` that retries when a signal interrupts the wait.
fn flock_retrying(mut file: File, arg: FlockArg) -> Result<LockGuard, Errno> {
    loop {
        match Flock::lock(file, arg) {
            Ok(guard) => return Ok(guard),
            Err((f, Errno::EINTR)) => file = f,
            Err((_, errno)) => return Err(errno),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_other_descriptions_and_frees_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let held = lock_exclusive(&path).unwrap();
        assert!(try_lock_exclusive(&path).unwrap().is_none());
        drop(held);
        assert!(try_lock_exclusive(&path).unwrap().is_some());
    }

    #[test]
    fn shared_locks_coexist_but_block_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let a = lock_shared(&path).unwrap();
        let b = lock_shared(&path).unwrap();
        assert!(try_lock_exclusive(&path).unwrap().is_none());
        drop((a, b));
        assert!(try_lock_exclusive(&path).unwrap().is_some());
    }

    #[test]
    fn create_locked_refuses_existing_and_holds_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let _held = create_locked(&path).unwrap();
        assert!(try_lock_exclusive(&path).unwrap().is_none());
        let err = create_locked(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        let missing = try_lock_exclusive(&dir.path().join("nope")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
