//! Host paths opened for a program that will not be able to reach them itself.
//!
//! With `--userns=auto` the container's root is a subordinate ID that does not map the user,
//! so the user's directories are closed to it like to any stranger (a 0700 home, a 0700
//! store). The helper, however, is still the user between creating the namespace and becoming
//! its root: it opens the paths PROGRAM asked for then, in the new mount namespace (overlay
//! and bind mounts accept only mounts of the caller's own namespace), and PROGRAM uses them
//! as `/proc/self/fd/N`, which the kernel follows without searching the directories above.
//!
//! Parent to helper: [`REACH_ENV`], the paths, one per line. Helper to PROGRAM: [`REACHED_ENV`],
//! `FD PATH` lines. The descriptors are inherited; PROGRAM makes them close-on-exec again.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use rustix::fs::{CWD, FileType, Mode, OFlags, fstat, openat};

/// Parent to helper: the paths to open, one per line.
pub(super) const REACH_ENV: &str = "_ENGINE_REACH";
/// Helper to PROGRAM: `FD PATH` lines.
pub const REACHED_ENV: &str = "_ENGINE_REACHED";
/// What a reached path is named by.
const FD_DIR: &str = "/proc/self/fd/";

/// [`REACH_ENV`]'s value for `paths`; `None` when a path cannot travel in it (a newline in its
/// name: it is left out and PROGRAM goes by the path).
pub(super) fn encode(paths: &[PathBuf]) -> Option<OsString> {
    let lines: Vec<&[u8]> = paths
        .iter()
        .map(|p| p.as_os_str().as_bytes())
        .filter(|p| !p.is_empty() && !p.contains(&b'\n'))
        .collect();
    (!lines.is_empty()).then(|| OsString::from_vec(lines.join(&b'\n')))
}

/// The helper's side, single-threaded, after the ID maps are written and before it becomes
/// root of the namespace: opens every path [`REACH_ENV`] lists (a path that does not exist is
/// skipped: PROGRAM reports it) and describes them in [`REACHED_ENV`].
pub(super) fn open_requested() -> Result<(), String> {
    let Some(requested) = std::env::var_os(REACH_ENV) else {
        return Ok(());
    };
    let described = open_all(&requested)?;
    // SAFETY: the helper is single-threaded (main.rs runs it before anything else), so no
    // other thread reads the environment meanwhile.
    unsafe {
        std::env::remove_var(REACH_ENV);
        std::env::set_var(REACHED_ENV, described);
    }
    Ok(())
}

/// Opens the paths of `requested` (one per line), inheritable, and describes them as
/// `FD PATH` lines, which [`Reached::adopt`] takes over. Nothing else may own them.
pub(crate) fn open_all(requested: &OsStr) -> Result<OsString, String> {
    let mut described = Vec::new();
    for path in requested.as_bytes().split(|b| *b == b'\n') {
        let path = Path::new(OsStr::from_bytes(path));
        let Some(fd) = open_for_program(path)? else {
            continue;
        };
        described.extend_from_slice(format!("{} ", fd.as_raw_fd()).as_bytes());
        described.extend_from_slice(path.as_os_str().as_bytes());
        described.push(b'\n');
        // Inherited by PROGRAM: deliberately not close-on-exec, and not closed here.
        let _ = fd.into_raw_fd();
    }
    Ok(OsString::from_vec(described))
}

/// `path` opened `O_PATH`, or for reading when it is a regular file (PROGRAM, a stranger to
/// it, could not open it again through `/proc/self/fd/N`); never a fifo for reading, which
/// would change what its writers see.
fn open_for_program(path: &Path) -> Result<Option<OwnedFd>, String> {
    if path.as_os_str().is_empty() {
        return Ok(None);
    }
    let fd = match openat(CWD, path, OFlags::PATH, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Ok(None),
        Err(e) => return Err(format!("cannot open {}: {e}", path.display())),
    };
    let kind = fstat(&fd)
        .map(|st| FileType::from_raw_mode(st.st_mode))
        .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
    if kind != FileType::RegularFile {
        return Ok(Some(fd));
    }
    let by_fd = PathBuf::from(format!("{FD_DIR}{}", fd.as_raw_fd()));
    openat(CWD, &by_fd, OFlags::RDONLY, Mode::empty())
        .map(Some)
        .map_err(|e| format!("cannot open {} for reading: {e}", path.display()))
}

/// Whether the root of a namespace with `mappings` is a stranger to the user's files: they
/// do not map both the user's UID and GID (`--userns=auto`), so the user's 0700 directories
/// are closed to it. Real root reaches everything.
pub fn root_is_a_stranger(mappings: &super::IdMappings) -> bool {
    let (uid, gid) = (
        nix::unistd::geteuid().as_raw(),
        nix::unistd::getegid().as_raw(),
    );
    uid != 0 && !mappings.maps_host_ids(uid, gid)
}

impl super::IdMappings {
    /// Whether host `uid` and host `gid` both have a container ID.
    pub fn maps_host_ids(&self, uid: u32, gid: u32) -> bool {
        let maps = |ranges: &[super::IdRange], host: u32| {
            ranges
                .iter()
                .any(|r| host >= r.host && u64::from(host) < u64::from(r.host) + u64::from(r.size))
        };
        maps(&self.uids, uid) && maps(&self.gids, gid)
    }
}

/// PROGRAM's side: the paths the helper opened, by the host path they were asked for.
#[derive(Default)]
pub struct Reached {
    /// Emptied by [`Reached::close`].
    entries: std::cell::RefCell<Vec<(PathBuf, OwnedFd)>>,
}

impl Reached {
    /// Adopts what [`REACHED_ENV`] describes (close-on-exec from now on). Nothing when the
    /// variable is absent (PROGRAM reaches its paths itself). Call it once, early: the
    /// descriptors are owned from then on.
    pub fn take_from_env() -> Result<Reached, String> {
        match std::env::var_os(REACHED_ENV) {
            Some(text) => Reached::adopt(&text),
            None => Ok(Reached::default()),
        }
    }

    /// Takes over the descriptors `text` ([`open_all`]'s description) names, which nothing
    /// else may own.
    pub(crate) fn adopt(text: &OsStr) -> Result<Reached, String> {
        let mut entries = Vec::new();
        for line in text
            .as_bytes()
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
        {
            let bad = || format!("bad {REACHED_ENV} line {:?}", String::from_utf8_lossy(line));
            let (fd, path) = line
                .iter()
                .position(|b| *b == b' ')
                .map(|at| (&line[..at], &line[at + 1..]))
                .ok_or_else(bad)?;
            let fd: RawFd = std::str::from_utf8(fd)
                .ok()
                .and_then(|fd| fd.parse().ok())
                .filter(|fd| *fd > 2)
                .ok_or_else(bad)?;
            // SAFETY: fcntl on an integer fd has no memory-safety requirements; failing
            // means it is not open, and it must not be adopted.
            if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == -1 {
                return Err(format!("{REACHED_ENV} names fd {fd}, which is not open"));
            }
            // SAFETY: the helper opened it for this program alone and nothing else owns it.
            let owned = unsafe { OwnedFd::from_raw_fd(fd) };
            entries.push((PathBuf::from(OsStr::from_bytes(path)), owned));
        }
        Ok(Reached {
            entries: std::cell::RefCell::new(entries),
        })
    }

    /// `/proc/self/fd/N` for `path` when it was reached.
    pub fn path(&self, path: &Path) -> Option<PathBuf> {
        self.fd(path)
            .map(|fd| PathBuf::from(format!("{FD_DIR}{fd}")))
    }

    /// `path` itself, or its `/proc/self/fd/N` name when it was reached.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.path(path).unwrap_or_else(|| path.to_path_buf())
    }

    /// A reached regular file, to read from its start. Reopening `/proc/self/fd/N` would
    /// check the file's mode again, which a stranger may fail: this is a duplicate (sharing
    /// the offset, hence the rewind).
    pub fn file(&self, path: &Path) -> Option<std::io::Result<File>> {
        Some(self.duplicate(path)?.map(File::from).and_then(rewind))
    }

    /// A descriptor of its own for the reached `path`, which [`Reached::close`] leaves open.
    pub fn duplicate(&self, path: &Path) -> Option<std::io::Result<OwnedFd>> {
        let entries = self.entries.borrow();
        let (_, fd) = entries.iter().find(|(p, _)| p == path)?;
        Some(fd.as_fd().try_clone_to_owned())
    }

    /// The descriptors, to keep when closing everything else.
    pub fn fds(&self) -> Vec<RawFd> {
        let entries = self.entries.borrow();
        entries.iter().map(|(_, fd)| fd.as_raw_fd()).collect()
    }

    /// Closes every descriptor: once mounted, the host's directories must not stay within
    /// reach of the container's process (`/proc/self/fd/N`, the CVE-2024-21626 class).
    pub fn close(&self) {
        self.entries.borrow_mut().clear();
    }

    fn fd(&self, path: &Path) -> Option<RawFd> {
        let entries = self.entries.borrow();
        entries
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, fd)| fd.as_raw_fd())
    }
}

/// The descriptor number a `/proc/self/fd/N` name stands for.
pub fn fd_number(path: &Path) -> Option<RawFd> {
    path.to_str()?.strip_prefix(FD_DIR)?.parse().ok()
}

fn rewind(mut file: File) -> std::io::Result<File> {
    use std::io::Seek;
    file.rewind()?;
    Ok(file)
}
