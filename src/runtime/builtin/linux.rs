//! The real [`Syscalls`]. Targets inside the rootfs are opened with the rootfs as `/` (see
//! [`in_root`]) and mounted on through `/proc/self/fd/N`, so a symlink or `..`
//! in the image resolves inside the rootfs, never to the host.

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::statfs::{CGROUP2_SUPER_MAGIC, statfs};
use nix::sys::statvfs::{FsFlags, fstatvfs};
use rustix::fs::{CWD, FileType, Mode, OFlags, fstat, mknodat, openat, symlinkat};
use rustix::io::Errno;

use super::copyup::copy_tree;
use super::in_root::{self, NewKind};
use super::syscalls::{DetachedRoot, DeviceNode, FileKind, Syscalls, Target};

#[derive(Default)]
pub(super) struct LinuxSyscalls {
    rootfs: RefCell<Option<OwnedFd>>,
}

impl LinuxSyscalls {
    fn with_rootfs<T>(&self, f: impl FnOnce(BorrowedFd) -> io::Result<T>) -> io::Result<T> {
        match self.rootfs.borrow().as_ref() {
            Some(fd) => f(fd.as_fd()),
            None => Err(io::Error::other(
                "internal error: the rootfs is not open yet",
            )),
        }
    }

    fn open_in_rootfs(&self, dest: &Path, flags: OFlags) -> io::Result<OwnedFd> {
        self.with_rootfs(|root| in_root::open(root, dest, flags))
    }

    /// `target` as an `O_PATH` descriptor.
    fn open_target(&self, target: Target) -> io::Result<OwnedFd> {
        match target {
            Target::Rootfs(dest) => self.open_in_rootfs(dest, OFlags::PATH),
            Target::Path(path) => Ok(openat(
                CWD,
                path,
                OFlags::PATH | OFlags::CLOEXEC,
                Mode::empty(),
            )?),
        }
    }

    /// The parent directory of `path` in the rootfs (created if missing) and the last name.
    fn parent_of<'a>(&self, path: &'a Path) -> io::Result<(OwnedFd, &'a std::ffi::OsStr)> {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        };
        self.create_dir(parent)?;
        Ok((
            self.open_in_rootfs(parent, OFlags::PATH | OFlags::DIRECTORY)?,
            name,
        ))
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
        match target {
            Target::Path(path) => Ok(mount(source, path, fstype, flags, data)?),
            Target::Rootfs(dest) => {
                let fd = self.open_in_rootfs(dest, OFlags::PATH)?;
                Ok(mount(source, &proc_fd_path(&fd), fstype, flags, data)?)
            }
        }
    }

    fn mount_flags(&self, target: Target) -> io::Result<MsFlags> {
        let flags = fstatvfs(&self.open_target(target)?)?.flags();
        let lockable = [
            (FsFlags::ST_RDONLY, MsFlags::MS_RDONLY),
            (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
            (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
            (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        ];
        Ok(lockable
            .into_iter()
            .filter(|(st, _)| flags.contains(*st))
            .fold(MsFlags::empty(), |all, (_, ms)| all | ms))
    }

    fn kind(&self, target: Target) -> io::Result<Option<FileKind>> {
        let fd = match self.open_target(target) {
            Ok(fd) => fd,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        Ok(Some(match FileType::from_raw_mode(fstat(&fd)?.st_mode) {
            FileType::Directory => FileKind::Dir,
            _ => FileKind::NonDir,
        }))
    }

    fn set_rootfs(&self, rootfs: &Path) -> io::Result<()> {
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        *self.rootfs.borrow_mut() = Some(openat(CWD, rootfs, flags, Mode::empty())?);
        Ok(())
    }

    fn attach_root(&self, root: &DetachedRoot, dir: &Path) -> io::Result<()> {
        use rustix::mount::{
            FsMountFlags, FsOpenFlags, MountAttrFlags, MoveMountFlags, OpenTreeFlags,
        };
        let Some(target) = crate::runtime::userns::fd_number(dir) else {
            return Err(io::Error::other(format!(
                "{} is no /proc/self/fd/N name",
                dir.display()
            )));
        };
        let mounted = match root {
            DetachedRoot::Overlay(options) => {
                let fs = rustix::mount::fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC)?;
                for (key, value) in options {
                    match value {
                        Some(value) => rustix::mount::fsconfig_set_string(&fs, *key, value)?,
                        None => rustix::mount::fsconfig_set_flag(&fs, *key)?,
                    }
                }
                rustix::mount::fsconfig_create(&fs)?;
                let flags = FsMountFlags::FSMOUNT_CLOEXEC;
                rustix::mount::fsmount(&fs, flags, MountAttrFlags::empty())?
            }
            DetachedRoot::Bind => {
                let flags = OpenTreeFlags::OPEN_TREE_CLONE
                    | OpenTreeFlags::OPEN_TREE_CLOEXEC
                    | OpenTreeFlags::AT_RECURSIVE;
                rustix::mount::open_tree(CWD, dir, flags)?
            }
        };
        // SAFETY: `target` is a reached descriptor the container holds open until pivot_root.
        let target_fd = unsafe { BorrowedFd::borrow_raw(target) };
        let flags =
            MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH | MoveMountFlags::MOVE_MOUNT_T_EMPTY_PATH;
        rustix::mount::move_mount(&mounted, "", target_fd, "", flags)?;
        // SAFETY: dup3 on two open descriptors; `target` is replaced atomically by the root.
        if unsafe { libc::dup3(mounted.as_raw_fd(), target, libc::O_CLOEXEC) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn create_dir(&self, dest: &Path) -> io::Result<()> {
        self.with_rootfs(|root| in_root::create(root, dest, NewKind::Dir))
    }

    fn create_file(&self, dest: &Path) -> io::Result<()> {
        self.with_rootfs(|root| in_root::create(root, dest, NewKind::File))
    }

    fn symlink(&self, points_to: &Path, link: &Path) -> io::Result<()> {
        // Not through `kind`/`open`: those follow the link, and an existing link to a missing
        // target would look missing.
        let (parent, name) = self.parent_of(link)?;
        match symlinkat(points_to, &parent, name) {
            Ok(()) | Err(Errno::EXIST) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    fn mknod(&self, node: &DeviceNode) -> io::Result<()> {
        let (parent, name) = self.parent_of(&node.path)?;
        let file_type = FileType::from_raw_mode(node.file_type);
        let dev = rustix::fs::makedev(node.major as u32, node.minor as u32);
        match mknodat(
            &parent,
            name,
            file_type,
            Mode::from_raw_mode(node.mode),
            dev,
        ) {
            Ok(()) | Err(Errno::EXIST) => {}
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
            .map(|dir| Ok(openat(CWD, dir, flags, Mode::empty())?))
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
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let root = openat(CWD, new_root, flags, Mode::empty())?;
        rustix::process::fchdir(&root)?;
        rustix::process::pivot_root(".", ".")?;
        // Unmount events must not propagate to the host's copies of these mounts.
        let slave = MsFlags::MS_SLAVE | MsFlags::MS_REC;
        mount(None::<&str>, ".", None::<&str>, slave, None::<&str>)?;
        umount2(".", MntFlags::MNT_DETACH)?;
        std::env::set_current_dir("/")
    }

    fn is_cgroup2(&self, path: &Path) -> bool {
        statfs(path).is_ok_and(|fs| fs.filesystem_type() == CGROUP2_SUPER_MAGIC)
    }

    fn stdin_path(&self) -> io::Result<PathBuf> {
        std::fs::read_link("/proc/self/fd/0")
    }

    fn write_file(&self, path: &Path, value: &str) -> io::Result<()> {
        let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
        io::Write::write_all(&mut file, value.as_bytes())
    }
}
