//! The destination directory, and resolution of paths inside it that can never leave it.
//!
//! Every directory is looked up with `openat2(RESOLVE_IN_ROOT)` from the layer root: symlinks
//! planted by the layer (`etc -> /`, `x -> ../../..`) resolve as if the layer root were `/`,
//! so no name in the tar can reach a file outside it, whatever came before it in the stream.

use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use anyhow::{Context, Result};
use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use super::entry_path::{EntryPath, quoted};

/// Symlinks stay inside the root; `/proc/self/fd`-style magic links are refused outright.
const RESOLVE: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);
/// Implicitly created parents get the mode containers/storage gives them.
const PARENT_MODE: u32 = 0o755;

/// The open destination directory of one layer.
pub(super) struct LayerRoot {
    fd: OwnedFd,
}

impl LayerRoot {
    pub(super) fn open(dest: &Path) -> Result<Self> {
        let fd = rustix::fs::open(
            dest,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .with_context(|| format!("opening layer directory {}", dest.display()))?;
        Ok(Self { fd })
    }

    /// Opens directory `path` (relative to the root; empty for the root) as an `O_PATH` fd.
    pub(super) fn open_dir(&self, path: &[u8]) -> rustix::io::Result<OwnedFd> {
        let path: &[u8] = if path.is_empty() { b"." } else { path };
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        crate::util::fs::openat2_retrying(&self.fd, bytes_path(path), flags, Mode::empty(), RESOLVE)
    }

    /// Opens directory `path` like [`Self::open_dir`], first creating whatever is missing one
    /// component at a time, each looked up the same confined way.
    pub(super) fn create_dirs(&self, path: &[u8]) -> Result<OwnedFd> {
        match self.open_dir(path) {
            Err(Errno::NOENT) => {}
            result => return result.map_err(|e| parent_error(path, e)),
        }
        let mut dir = self.open_dir(b"").map_err(|e| parent_error(b"", e))?;
        let mut start = 0;
        while start < path.len() {
            let end = path[start..]
                .iter()
                .position(|&b| b == b'/')
                .map_or(path.len(), |i| start + i);
            let prefix = &path[..end];
            dir = match self.open_dir(prefix) {
                Ok(fd) => fd,
                Err(Errno::NOENT) => make_dir(dir.as_fd(), &path[start..end]).map_err(|e| {
                    if e == Errno::EXIST {
                        anyhow::anyhow!(
                            "creating parent directory {}: a dangling symlink or other \
                             non-directory is in the way; the layer is malformed",
                            quoted(prefix)
                        )
                    } else {
                        anyhow::Error::new(e)
                            .context(format!("creating parent directory {}", quoted(prefix)))
                    }
                })?,
                Err(e) => return Err(parent_error(prefix, e)),
            };
            start = end + 1;
        }
        Ok(dir)
    }

    /// Opens the directory an entry named, for reading its fd, or `None` when a later entry of
    /// the layer replaced or removed it (or anything on its path).
    pub(super) fn reopen_dir(&self, path: &EntryPath) -> Result<Option<OwnedFd>> {
        let parent = match self.open_dir(path.parent()) {
            Ok(fd) => fd,
            Err(Errno::NOENT | Errno::NOTDIR) => return Ok(None),
            Err(e) => return Err(parent_error(path.parent(), e)),
        };
        match open_dir_nofollow(parent.as_fd(), path.name()) {
            Ok(fd) => Ok(Some(fd)),
            Err(Errno::NOENT | Errno::NOTDIR | Errno::LOOP) => Ok(None),
            Err(e) => Err(e).context("opening the directory"),
        }
    }
}

/// Opens directory `name` in `parent` for reading, refusing to follow a symlink there.
pub(super) fn open_dir_nofollow(
    parent: BorrowedFd<'_>,
    name: impl rustix::path::Arg,
) -> rustix::io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    rustix::fs::openat(parent, name, flags, Mode::empty())
}

fn make_dir(parent: BorrowedFd<'_>, name: &[u8]) -> rustix::io::Result<OwnedFd> {
    rustix::fs::mkdirat(parent, name, Mode::from_raw_mode(PARENT_MODE))?;
    let dir = open_dir_nofollow(parent, name)?;
    // mkdirat applied the umask; the layer must not depend on it.
    rustix::fs::fchmod(&dir, Mode::from_raw_mode(PARENT_MODE))?;
    Ok(dir)
}

fn parent_error(path: &[u8], err: Errno) -> anyhow::Error {
    let shown = if path.is_empty() {
        "\"/\"".to_owned()
    } else {
        quoted(path)
    };
    match err {
        Errno::NOTDIR => {
            anyhow::anyhow!("parent {shown} is not a directory; the layer is malformed")
        }
        Errno::NOSYS => anyhow::anyhow!(
            "resolving parent {shown}: openat2 is not available; Linux 5.6 or later is required"
        ),
        _ => anyhow::Error::new(err).context(format!("resolving parent {shown}")),
    }
}

fn bytes_path(path: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(path))
}
