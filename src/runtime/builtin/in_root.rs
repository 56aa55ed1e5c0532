//! Paths of the rootfs, opened and created with the rootfs as `/`: `openat2(RESOLVE_IN_ROOT)`
//! resolves `..` and every symlink of the image inside it, so neither can lead to the host
//! (the CVE-2021-30465 class).

use std::ffi::OsStr;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

use rustix::fs::{Mode, OFlags, ResolveFlags, mkdirat, openat, readlinkat};
use rustix::io::Errno;

/// Confined to the rootfs, and no /proc magic links (a `/proc/self/root` planted in the image
/// would otherwise lead out).
const IN_ROOT: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);

/// Symlinks followed while creating one path, like the kernel's MAXSYMLINKS.
const MAX_SYMLINKS: u32 = 40;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum NewKind {
    Dir,
    File,
}

/// Opens `path` (absolute or not, always taken from `root`) with `flags` and close-on-exec.
pub(super) fn open(root: BorrowedFd, path: &Path, flags: OFlags) -> io::Result<OwnedFd> {
    Ok(crate::util::fs::openat2_retrying(
        root,
        path,
        flags | OFlags::CLOEXEC,
        Mode::empty(),
        IN_ROOT,
    )?)
}

/// Creates `path` as `kind` unless something is there, with its missing parents. A dangling
/// symlink on the way gets its target created, inside the rootfs, as runc does: images often
/// ship `/etc/resolv.conf -> ../run/...` with nothing at the other end, and the engine binds
/// a file there.
pub(super) fn create(root: BorrowedFd, path: &Path, kind: NewKind) -> io::Result<()> {
    let mut budget = MAX_SYMLINKS;
    create_following(root, path, kind, &mut budget)
}

fn create_following(
    root: BorrowedFd,
    path: &Path,
    kind: NewKind,
    budget: &mut u32,
) -> io::Result<()> {
    match open(root, path, OFlags::PATH) {
        Ok(_) => return Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    let Some(parent) = path.parent() else {
        return Err(io::Error::from_raw_os_error(libc::ENOENT));
    };
    let name = match path.components().next_back() {
        Some(Component::Normal(name)) => name,
        // `x/..` is missing because `x` is: creating `x` makes it exist.
        Some(Component::ParentDir) => return create_following(root, parent, NewKind::Dir, budget),
        _ => return Err(io::Error::from_raw_os_error(libc::EINVAL)),
    };
    create_following(root, parent, NewKind::Dir, budget)?;
    let parent_fd = open(root, parent, OFlags::PATH | OFlags::DIRECTORY)?;
    match readlinkat(&parent_fd, name, Vec::new()) {
        Ok(target) => {
            if *budget == 0 {
                return Err(io::Error::from_raw_os_error(libc::ELOOP));
            }
            *budget -= 1;
            // An absolute target replaces the path (and is taken from `root` by `open`).
            let target = parent.join(OsStr::from_bytes(target.as_bytes()));
            return create_following(root, &target, kind, budget);
        }
        Err(Errno::INVAL | Errno::NOENT) => {}
        Err(err) => return Err(err.into()),
    }
    let made = match kind {
        NewKind::Dir => mkdirat(&parent_fd, name, Mode::from_raw_mode(0o755)),
        NewKind::File => {
            let flags =
                OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            openat(&parent_fd, name, flags, Mode::from_raw_mode(0o644)).map(drop)
        }
    };
    match made {
        // Created meanwhile by someone else: fine, it exists.
        Ok(()) | Err(Errno::EXIST) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::fd::AsFd;
    use std::os::unix::fs::symlink;

    use super::*;

    fn root_fd(dir: &Path) -> OwnedFd {
        openat(
            rustix::fs::CWD,
            dir,
            OFlags::PATH | OFlags::DIRECTORY,
            Mode::empty(),
        )
        .unwrap()
    }

    /// A name no other test run uses, for paths that must not appear on the host.
    fn unique(name: &str) -> String {
        format!(
            "{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        )
        .replace(['(', ')'], "")
    }

    #[test]
    fn an_absolute_dangling_symlink_is_followed_inside_the_root() {
        let root = tempfile::tempdir().unwrap();
        let outside = unique("/tmp/engine-escape");
        fs::create_dir(root.path().join("data")).unwrap();
        symlink(&outside, root.path().join("data/evil")).unwrap();
        create(
            root_fd(root.path()).as_fd(),
            Path::new("/data/evil/sub"),
            NewKind::Dir,
        )
        .unwrap();
        assert!(
            root.path()
                .join(outside.trim_start_matches('/'))
                .join("sub")
                .is_dir()
        );
        assert!(!Path::new(&outside).exists(), "created on the host");
    }

    #[test]
    fn dotdot_in_a_symlink_stops_at_the_root() {
        let root = tempfile::tempdir().unwrap();
        let name = unique("escape");
        symlink(format!("../../../../../../{name}"), root.path().join("up")).unwrap();
        create(
            root_fd(root.path()).as_fd(),
            Path::new("/up/x"),
            NewKind::File,
        )
        .unwrap();
        assert!(root.path().join(&name).join("x").is_file());
        assert!(!Path::new("/").join(&name).exists(), "created on the host");
    }

    #[test]
    fn a_dangling_file_symlink_gets_its_target_file() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir(root.path().join("etc")).unwrap();
        symlink(
            "../run/resolve/stub-resolv.conf",
            root.path().join("etc/resolv.conf"),
        )
        .unwrap();
        create(
            root_fd(root.path()).as_fd(),
            Path::new("/etc/resolv.conf"),
            NewKind::File,
        )
        .unwrap();
        assert!(root.path().join("run/resolve/stub-resolv.conf").is_file());
        assert!(
            fs::symlink_metadata(root.path().join("etc/resolv.conf"))
                .unwrap()
                .is_symlink()
        );
    }

    #[test]
    fn a_symlink_loop_is_an_error() {
        let root = tempfile::tempdir().unwrap();
        symlink("b", root.path().join("a")).unwrap();
        symlink("a", root.path().join("b")).unwrap();
        let err = create(
            root_fd(root.path()).as_fd(),
            Path::new("/a/x"),
            NewKind::Dir,
        )
        .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ELOOP));
    }

    #[test]
    fn existing_paths_are_left_alone() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("f"), b"keep").unwrap();
        create(root_fd(root.path()).as_fd(), Path::new("/f"), NewKind::File).unwrap();
        assert_eq!(fs::read(root.path().join("f")).unwrap(), b"keep");
    }
}
