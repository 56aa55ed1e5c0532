//! `tmpcopyup`: a tmpfs mounted over an image directory starts with a copy of what it hides
//! (podman's `--read-only` gives /tmp, /var/tmp and /run this way), owners and modes kept.
//!
//! Everything is relative to directory descriptors and never follows a symlink, so a link in
//! the image cannot make the copy read or write outside the two trees.

use std::ffi::CStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{
    AtFlags, Dir, FileType, Gid, Mode, OFlags, Uid, chownat, fchmod, fchown, mkdirat, openat,
    readlinkat, statat, symlinkat,
};

/// Copies the entries of directory `from` into directory `to`; device nodes, FIFOs and sockets
/// are skipped (a user namespace cannot create the former, the latter mean nothing copied).
pub(super) fn copy_tree(from: &OwnedFd, to: &OwnedFd) -> io::Result<()> {
    copy_dir_entries(from.as_fd(), to.as_fd(), 0)
}

/// Deeper than any sane image; stops a pathological tree from exhausting descriptors.
const MAX_DEPTH: usize = 128;

fn copy_dir_entries(from: BorrowedFd, to: BorrowedFd, depth: usize) -> io::Result<()> {
    if depth > MAX_DEPTH {
        return Err(io::Error::other("directory tree too deep to copy"));
    }
    for entry in Dir::read_from(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == c"." || name == c".." {
            continue;
        }
        copy_entry(from, to, name, depth)?;
    }
    Ok(())
}

fn copy_entry(from: BorrowedFd, to: BorrowedFd, name: &CStr, depth: usize) -> io::Result<()> {
    let stat = statat(from, name, AtFlags::SYMLINK_NOFOLLOW)?;
    let mode = Mode::from_raw_mode(stat.st_mode & 0o7777);
    let (uid, gid) = (Uid::from_raw(stat.st_uid), Gid::from_raw(stat.st_gid));
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::Directory => {
            mkdirat(to, name, Mode::from_raw_mode(0o700))?;
            let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let source = openat(from, name, dir_flags, Mode::empty())?;
            let copy = openat(to, name, dir_flags, Mode::empty())?;
            copy_dir_entries(source.as_fd(), copy.as_fd(), depth + 1)?;
            // Owner and mode last: a read-only directory could not be filled otherwise.
            fchown(&copy, Some(uid), Some(gid))?;
            fchmod(&copy, mode)?;
        }
        FileType::RegularFile => {
            let read_flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let mut source = File::from(openat(from, name, read_flags, Mode::empty())?);
            let create =
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let mut copy = File::from(openat(to, name, create, Mode::from_raw_mode(0o600))?);
            io::copy(&mut source, &mut copy)?;
            fchown(&copy, Some(uid), Some(gid))?;
            fchmod(&copy, mode)?;
        }
        FileType::Symlink => {
            let target = readlinkat(from, name, Vec::new())?;
            symlinkat(target.as_c_str(), to, name)?;
            chownat(to, name, Some(uid), Some(gid), AtFlags::SYMLINK_NOFOLLOW)?;
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    fn open_dir(path: &std::path::Path) -> OwnedFd {
        openat(
            rustix::fs::CWD,
            path,
            OFlags::RDONLY | OFlags::DIRECTORY,
            Mode::empty(),
        )
        .unwrap()
    }

    #[test]
    fn copies_files_dirs_and_links_with_modes() {
        let from = tempfile::tempdir().unwrap();
        let to = tempfile::tempdir().unwrap();
        fs::create_dir(from.path().join("sub")).unwrap();
        fs::write(from.path().join("sub/file"), b"content").unwrap();
        fs::set_permissions(
            from.path().join("sub/file"),
            fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        fs::set_permissions(from.path().join("sub"), fs::Permissions::from_mode(0o555)).unwrap();
        symlink("/etc/passwd", from.path().join("link")).unwrap();

        copy_tree(&open_dir(from.path()), &open_dir(to.path())).unwrap();

        assert_eq!(fs::read(to.path().join("sub/file")).unwrap(), b"content");
        let mode = |p: &str| {
            fs::symlink_metadata(to.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o7777
        };
        assert_eq!(mode("sub/file"), 0o640);
        assert_eq!(mode("sub"), 0o555);
        assert_eq!(
            fs::read_link(to.path().join("link")).unwrap(),
            std::path::Path::new("/etc/passwd")
        );
        // Let the temp dir be removed.
        fs::set_permissions(to.path().join("sub"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(from.path().join("sub"), fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn an_existing_entry_in_the_target_is_an_error() {
        let from = tempfile::tempdir().unwrap();
        let to = tempfile::tempdir().unwrap();
        fs::write(from.path().join("f"), b"x").unwrap();
        fs::write(to.path().join("f"), b"y").unwrap();
        let err = copy_tree(&open_dir(from.path()), &open_dir(to.path())).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    }
}
