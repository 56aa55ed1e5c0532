//! The real [`Syscalls`]: targets inside the rootfs are opened with `openat2(RESOLVE_IN_ROOT)`
//! from a descriptor of the rootfs and mounted on through `/proc/self/fd/N`, so that a
//! symlink or `..` in the image resolves inside the rootfs, never to the host.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::statfs::{CGROUP2_SUPER_MAGIC, statfs};
use nix::sys::statvfs::{FsFlags, fstatvfs};
use rustix::fs::{
    FileType, Mode, OFlags, ResolveFlags, fstat, mkdirat, mknodat, openat, openat2, symlinkat,
};

use super::copyup::copy_tree;
use super::syscalls::{DeviceNode, FileKind, Syscalls, Target};

#[derive(Default)]
pub(super) struct LinuxSyscalls {
    rootfs: RefCell<Option<OwnedFd>>,
}

/// Confined to the rootfs, and no /proc magic links (a `/proc/self/root` planted in the image
/// would otherwise lead out).
const IN_ROOT: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);

impl LinuxSyscalls {
    fn with_rootfs<T>(&self, f: impl FnOnce(BorrowedFd) -> io::Result<T>) -> io::Result<T> {
        let rootfs = self.rootfs.borrow();
        let Some(fd) = rootfs.as_ref() else {
            return Err(io::Error::other(
                "internal error: the rootfs is not open yet",
            ));
        };
        f(fd.as_fd())
    }

    /// Opens `dest` of the rootfs with `flags` (plus close-on-exec), following symlinks inside it.
    fn open_in_rootfs(&self, dest: &Path, flags: OFlags) -> io::Result<OwnedFd> {
        self.with_rootfs(|root| {
            Ok(openat2(
                root,
                dest,
                flags | OFlags::CLOEXEC,
                Mode::empty(),
                IN_ROOT,
            )?)
        })
    }

    /// Opens `target` as an `O_PATH` descriptor.
    fn open_target(&self, target: Target) -> io::Result<OwnedFd> {
        match target {
            Target::Rootfs(dest) => self.open_in_rootfs(dest, OFlags::PATH),
            Target::Path(path) => Ok(openat(
                rustix::fs::CWD,
                path,
                OFlags::PATH | OFlags::CLOEXEC,
                Mode::empty(),
            )?),
        }
    }

    /// Creates `dest` in the rootfs with `create` (given the parent's descriptor and the name)
    /// unless it exists; creates missing parents as directories.
    fn create_in_rootfs(
        &self,
        dest: &Path,
        create: &dyn Fn(BorrowedFd, &OsStr) -> rustix::io::Result<()>,
    ) -> io::Result<()> {
        match self.open_in_rootfs(dest, OFlags::PATH) {
            Ok(_) => return Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        let (Some(parent), Some(name)) = (dest.parent(), dest.file_name()) else {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        };
        self.create_dir(parent)?;
        let parent_fd = self.open_in_rootfs(parent, OFlags::PATH | OFlags::DIRECTORY)?;
        match create(parent_fd.as_fd(), name) {
            Ok(()) => Ok(()),
            // A dangling symlink: confined resolution found nothing, yet the name is taken.
            Err(rustix::io::Errno::EXIST) => Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} is a symlink to a missing path", dest.display()),
            )),
            Err(err) => Err(err.into()),
        }
    }
}

fn proc_fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

impl Syscalls for LinuxSyscalls {
    fn mount(
        &self,
        source: Option<&Path>,
        target: Target,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> io::Result<()> {
        // Only a path in the rootfs needs the detour; a plain path is given as is (the kernel
        // resolves `/` and the rootfs path itself the same way either way).
        let (fd, path);
        let target_path = match target {
            Target::Path(p) => p,
            Target::Rootfs(dest) => {
                fd = self.open_in_rootfs(dest, OFlags::PATH)?;
                path = proc_fd_path(&fd);
                path.as_path()
            }
        };
        Ok(mount(source, target_path, fstype, flags, data)?)
    }

    fn mount_flags(&self, target: Target) -> io::Result<MsFlags> {
        let fd = self.open_target(target)?;
        let flags = fstatvfs(&fd)?.flags();
        let mut locked = MsFlags::empty();
        for (fs, ms) in [
            (FsFlags::ST_RDONLY, MsFlags::MS_RDONLY),
            (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
            (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
            (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        ] {
            if flags.contains(fs) {
                locked |= ms;
            }
        }
        Ok(locked)
    }

    fn kind(&self, target: Target) -> io::Result<Option<FileKind>> {
        let fd = match self.open_target(target) {
            Ok(fd) => fd,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        let stat = fstat(&fd)?;
        Ok(Some(match FileType::from_raw_mode(stat.st_mode) {
            FileType::Directory => FileKind::Dir,
            _ => FileKind::NonDir,
        }))
    }

    fn set_rootfs(&self, rootfs: &Path) -> io::Result<()> {
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        *self.rootfs.borrow_mut() = Some(openat(rustix::fs::CWD, rootfs, flags, Mode::empty())?);
        Ok(())
    }

    fn create_dir(&self, dest: &Path) -> io::Result<()> {
        self.create_in_rootfs(dest, &|parent, name| {
            mkdirat(parent, name, Mode::from_raw_mode(0o755))
        })
    }

    fn create_file(&self, dest: &Path) -> io::Result<()> {
        self.create_in_rootfs(dest, &|parent, name| {
            let flags =
                OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            openat(parent, name, flags, Mode::from_raw_mode(0o644)).map(drop)
        })
    }

    fn symlink(&self, points_to: &Path, link: &Path) -> io::Result<()> {
        // Resolving `link` follows it; an existing link (even to a missing target) must not
        // count as missing, so look the name itself up without following.
        let (Some(parent), Some(name)) = (link.parent(), link.file_name()) else {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        };
        self.create_dir(parent)?;
        let parent_fd = self.open_in_rootfs(parent, OFlags::PATH | OFlags::DIRECTORY)?;
        match symlinkat(points_to, &parent_fd, name) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    fn mknod(&self, node: &DeviceNode) -> io::Result<()> {
        let (Some(parent), Some(name)) = (node.path.parent(), node.path.file_name()) else {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        };
        self.create_dir(parent)?;
        let parent_fd = self.open_in_rootfs(parent, OFlags::PATH | OFlags::DIRECTORY)?;
        let file_type = FileType::from_raw_mode(node.file_type);
        let dev = rustix::fs::makedev(node.major as u32, node.minor as u32);
        match mknodat(
            &parent_fd,
            name,
            file_type,
            Mode::from_raw_mode(node.mode),
            dev,
        ) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(err) => return Err(err.into()),
        }
        // mknod applies the umask; the spec's mode and owner are exact.
        let fd = self.open_in_rootfs(&node.path, OFlags::PATH)?;
        let path = proc_fd_path(&fd);
        std::fs::set_permissions(
            &path,
            std::os::unix::fs::PermissionsExt::from_mode(node.mode),
        )?;
        std::os::unix::fs::chown(&path, Some(node.uid), Some(node.gid))
    }

    fn open_dirs(&self, dirs: &[PathBuf]) -> io::Result<Vec<OwnedFd>> {
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        dirs.iter()
            .map(|dir| Ok(openat(rustix::fs::CWD, dir, flags, Mode::empty())?))
            .collect()
    }

    fn chdir(&self, dir: &Path) -> io::Result<()> {
        std::env::set_current_dir(dir)
    }

    fn fuse_overlayfs(&self, options: &str, target: &Path) -> io::Result<()> {
        super::fuse::start_daemon(options, target)
    }

    fn mount_with_copy_up(
        &self,
        dest: &Path,
        mount: &dyn Fn() -> io::Result<()>,
    ) -> io::Result<()> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY;
        let original = self.open_in_rootfs(dest, flags)?;
        mount()?;
        let tmpfs = self.open_in_rootfs(dest, flags)?;
        copy_tree(&original, &tmpfs)
    }

    fn pivot_root(&self, new_root: &Path) -> io::Result<()> {
        // pivot_root(".", ".") stacks the old root on top of the new one, at the same place;
        // detaching it leaves the new root alone, with no directory for the old one needed.
        let root = openat(
            rustix::fs::CWD,
            new_root,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        rustix::process::fchdir(&root)?;
        rustix::process::pivot_root(".", ".")?;
        // Unmount events must not propagate to the host's copies of these mounts.
        mount(
            None::<&str>,
            ".",
            None::<&str>,
            MsFlags::MS_SLAVE | MsFlags::MS_REC,
            None::<&str>,
        )?;
        umount2(".", MntFlags::MNT_DETACH)?;
        std::env::set_current_dir("/")
    }

    fn is_cgroup2(&self, path: &Path) -> bool {
        statfs(path).is_ok_and(|fs| fs.filesystem_type() == CGROUP2_SUPER_MAGIC)
    }

    fn write_file(&self, path: &Path, value: &str) -> io::Result<()> {
        let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
        io::Write::write_all(&mut file, value.as_bytes())
    }
}
