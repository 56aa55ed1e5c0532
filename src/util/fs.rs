//! File helpers that keep half-written files invisible.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Writes `data` to `path` atomically: a temporary sibling is written, synced and renamed over
/// `path`, so readers see either the old or the new content, never a mix, even after a crash.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    write_renamed(path, data, mode, true)
}

/// Like [`write_atomic`] without the syncs: readers still never see a mix, but after a power
/// cut the file may hold the old content (or be empty). For state that is cheap to rebuild.
pub fn write_replace(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    write_renamed(path, data, mode, false)
}

fn write_renamed(path: &Path, data: &[u8], mode: u32, sync: bool) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(data)?;
        if sync {
            f.sync_all()?;
        }
        fs::rename(&tmp, path)?;
        // The rename is durable only once the directory entry is.
        if sync {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes a file through `write` under a temporary name beside `path` (same filesystem),
/// renamed into place once `write` succeeded: a failed or interrupted write leaves nothing at
/// `path` (an archive being saved is never seen half-written).
pub fn write_file_atomically(
    path: &Path,
    write: impl FnOnce(File) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let temp = temp_sibling(path);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .with_context(|| format!("creating {}", path.display()))?;
    let result = write(file).and_then(|()| {
        fs::rename(&temp, path).with_context(|| format!("moving the file to {}", path.display()))
    });
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// A unique temporary name next to `path` (same filesystem, so rename is atomic).
pub fn temp_sibling(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

/// The temporary siblings of `path` ([`temp_sibling`]'s names) that exist: what writers that
/// died mid-write left. None when the directory is missing.
pub fn temp_siblings(path: &Path) -> io::Result<Vec<PathBuf>> {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.tmp-");
    let entries = match fs::read_dir(path.parent().unwrap_or_else(|| Path::new("."))) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        other => other?,
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(&prefix))
        {
            found.push(entry.path());
        }
    }
    Ok(found)
}

/// Reads the regular file `rel` below the directory `root` as if `root` were `/`: symlinks and
/// `..` cannot leave it (openat2 RESOLVE_IN_ROOT, no magic links), a FIFO does not block (the
/// open is non-blocking and only regular files are read), and at most `max` bytes are read.
/// `None` when it is missing, not a regular file, or unreadable. For files a container or an
/// image controls (/etc/passwd), read by the engine on the host.
pub fn read_in_root(root: std::os::fd::BorrowedFd, rel: &str, max: u64) -> Option<Vec<u8>> {
    use rustix::fs::{Mode, OFlags, ResolveFlags, openat2};
    use std::io::Read;
    let fd = openat2(
        root,
        rel,
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY,
        Mode::empty(),
        ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
    )
    .ok()?;
    let file = std::fs::File::from(fd);
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut data = Vec::new();
    file.take(max).read_to_end(&mut data).ok()?;
    Some(data)
}

/// Gives `to` (not following a symlink) the access and modification times in `meta`, as a
/// copy that keeps a file's times needs.
pub fn copy_times(meta: &std::fs::Metadata, to: &Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::os::unix::fs::MetadataExt;
    let time = |s: i64, ns: i64| rustix::fs::Timespec {
        tv_sec: s,
        tv_nsec: ns as _,
    };
    let times = rustix::fs::Timestamps {
        last_access: time(meta.atime(), meta.atime_nsec()),
        last_modification: time(meta.mtime(), meta.mtime_nsec()),
    };
    rustix::fs::utimensat(
        rustix::fs::CWD,
        to,
        &times,
        rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
    )
    .with_context(|| format!("setting the times of {}", to.display()))
}

/// `openat2`, retried when it fails with EAGAIN: the kernel returns that when a concurrent
/// rename anywhere on the system could have raced a RESOLVE_IN_ROOT/BENEATH lookup, which a
/// busy machine does often enough to fail a container start now and then.
pub fn openat2_retrying(
    dir: impl rustix::fd::AsFd,
    path: impl AsRef<Path>,
    flags: rustix::fs::OFlags,
    mode: rustix::fs::Mode,
    resolve: rustix::fs::ResolveFlags,
) -> rustix::io::Result<rustix::fd::OwnedFd> {
    const RETRIES: usize = 16;
    let mut retries = 0;
    loop {
        match rustix::fs::openat2(dir.as_fd(), path.as_ref(), flags, mode, resolve) {
            Err(rustix::io::Errno::AGAIN) if retries < RETRIES => retries += 1,
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn write_atomic_replaces_content_and_sets_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/file.json");
        write_atomic(&p, b"one", 0o600).unwrap();
        write_atomic(&p, b"two", 0o600).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let leftovers: Vec<_> = fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file may remain");
    }

    #[test]
    fn write_file_atomically_leaves_nothing_when_the_writer_fails() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.tar");
        let err = write_file_atomically(&p, |mut f| {
            f.write_all(b"half")?;
            anyhow::bail!("the source is damaged")
        })
        .unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        write_file_atomically(&p, |mut f| Ok(f.write_all(b"whole")?)).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"whole");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
