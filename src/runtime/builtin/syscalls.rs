//! The privileged calls the filesystem setup makes, behind a trait (as youki does) so the mount
//! decisions (which mounts, flags, order, fallbacks) are unit-tested without root: the tests run
//! the same setup code against a recording implementation (`tests/recorder.rs`).

use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use nix::mount::MsFlags;

/// What a call operates on.
#[derive(Clone, Copy, Debug)]
pub(super) enum Target<'a> {
    /// A path of the current mount namespace, resolved normally: host paths before
    /// `pivot_root`, container paths after it.
    Path(&'a Path),
    /// An absolute path inside the rootfs, resolved with the rootfs as `/`: neither `..` nor a
    /// symlink in the image can lead outside it (the CVE-2021-30465 class).
    Rootfs(&'a Path),
}

impl Target<'_> {
    pub fn describe(&self) -> String {
        match self {
            Target::Path(path) => path.display().to_string(),
            Target::Rootfs(path) => format!("{} (in the rootfs)", path.display()),
        }
    }
}

/// What a mount target or source is, as far as mounting cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FileKind {
    Dir,
    /// Anything but a directory: a file, a device, a socket. A bind of one needs a file to
    /// mount on, not a directory.
    NonDir,
}

/// A device node to create with mknod (outside a user namespace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct DeviceNode {
    /// Absolute, in the rootfs.
    pub path: PathBuf,
    /// `S_IFCHR`, `S_IFBLK` or `S_IFIFO`.
    pub file_type: libc::mode_t,
    pub major: u64,
    pub minor: u64,
    pub mode: libc::mode_t,
    pub uid: u32,
    pub gid: u32,
}

/// A root filesystem made as a detached mount, to attach where the rootfs dir is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum DetachedRoot {
    /// A new overlay with these `fsconfig` options (a flag has no value).
    Overlay(Vec<(&'static str, Option<String>)>),
    /// The rootfs dir itself, bound recursively (vfs: a mount point for pivot_root).
    Bind,
}

impl std::fmt::Display for DetachedRoot {
    /// `overlay lowerdir=...,userxattr` or `bind`, for errors and the recording tests.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DetachedRoot::Bind => f.write_str("bind"),
            DetachedRoot::Overlay(options) => {
                let options: Vec<String> = options
                    .iter()
                    .map(|(key, value)| match value {
                        Some(value) => format!("{key}={value}"),
                        None => key.to_string(),
                    })
                    .collect();
                write!(f, "overlay {}", options.join(","))
            }
        }
    }
}

pub(super) trait Syscalls {
    /// mount(2) onto `target`; `source` is always a path of the current mount namespace.
    fn mount(
        &self,
        source: Option<&Path>,
        target: Target,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> io::Result<()>;

    /// The flags of the mount holding `target` that a bind remount must repeat (ro, nosuid,
    /// nodev, noexec): in a user namespace the kernel locks those of mounts inherited from
    /// the host and refuses (EPERM) a remount that would clear one.
    fn mount_flags(&self, target: Target) -> io::Result<MsFlags>;

    /// What `target` is (following symlinks, confined for `Target::Rootfs`); `None` if missing.
    fn kind(&self, target: Target) -> io::Result<Option<FileKind>>;

    /// Makes `rootfs` the base of every later `Target::Rootfs`.
    fn set_rootfs(&self, rootfs: &Path) -> io::Result<()>;

    /// Attaches `root` onto the rootfs dir `dir`, a `/proc/self/fd/N` the user namespace
    /// helper opened, and makes descriptor N the attached root: such a name leads to the
    /// directory itself, never to a mount on top of it.
    fn attach_root(&self, root: &DetachedRoot, dir: &Path) -> io::Result<()>;

    /// Creates the directory `dest` of the rootfs, and its missing parents.
    fn create_dir(&self, dest: &Path) -> io::Result<()>;

    /// Creates an empty file `dest` in the rootfs (parents too) unless something exists there.
    fn create_file(&self, dest: &Path) -> io::Result<()>;

    /// Creates the symlink `link` -> `points_to` in the rootfs unless `link` exists.
    fn symlink(&self, points_to: &Path, link: &Path) -> io::Result<()>;

    fn mknod(&self, node: &DeviceNode) -> io::Result<()>;

    /// `O_PATH` descriptors of `dirs`, so overlay can be given short `/proc/self/fd` names.
    fn open_dirs(&self, dirs: &[PathBuf]) -> io::Result<Vec<OwnedFd>>;

    fn chdir(&self, dir: &Path) -> io::Result<()>;

    /// Starts the `fuse-overlayfs -o OPTIONS TARGET` daemon in a mount namespace of its own,
    /// to die with this process, and returns once its mount is visible at TARGET (so TARGET
    /// must be a shared mount point).
    fn fuse_overlayfs(&self, options: &str, target: &Path) -> io::Result<()>;

    /// Copies the tree below `dest` of the rootfs, as it is now, into the tmpfs that `mount`
    /// puts there (`tmpcopyup`).
    fn mount_with_copy_up(&self, dest: &Path, mount: &dyn Fn() -> io::Result<()>)
    -> io::Result<()>;

    /// Makes `new_root` the root of this mount namespace and detaches the old one.
    fn pivot_root(&self, new_root: &Path) -> io::Result<()>;

    /// Whether `path` is a cgroup2 file system (the unified hierarchy).
    fn is_cgroup2(&self, path: &Path) -> bool;

    /// Where standard input (the pty slave with a terminal) is, as a path of this mount
    /// namespace: binding it through /proc/self/fd/0 fails (EINVAL), because that names the
    /// mount of the namespace that opened it, the host's.
    fn stdin_path(&self) -> io::Result<PathBuf>;

    /// Writes `value` to an existing file (`/proc/sys/...`).
    fn write_file(&self, path: &Path, value: &str) -> io::Result<()>;
}
