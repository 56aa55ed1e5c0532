//! Removing what an entry replaces, through directory fds only: nothing is ever followed, so
//! a symlink inside the tree removes the link, never what it points to.

use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use rustix::fs::{AtFlags, Dir, FileType};
use rustix::io::Errno;

use super::layer_root::open_dir_nofollow;

/// Removes `name` from `parent` if it exists; a directory goes with everything below it.
pub(super) fn remove_entry(parent: BorrowedFd<'_>, name: &OsStr) -> rustix::io::Result<()> {
    match rustix::fs::unlinkat(parent, name, AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => Ok(()),
        // Linux reports unlink of a directory as EISDIR.
        Err(Errno::ISDIR) => remove_tree(parent, name),
        Err(e) => Err(e),
    }
}

/// A directory being emptied.
struct Level {
    dir: OwnedFd,
    /// The name of `dir` in the level below it (or in the caller's parent).
    name: OsString,
    /// Subdirectories still to remove.
    subdirs: Vec<OsString>,
}

/// Removes directory `name` and its contents depth first. Iterative, so a hostile layer's deep
/// nesting cannot overflow the stack; one fd is held per level being emptied.
fn remove_tree(parent: BorrowedFd<'_>, name: &OsStr) -> rustix::io::Result<()> {
    let mut levels = vec![open_level(parent, name.to_owned())?];
    while let Some(top) = levels.last_mut() {
        if let Some(subdir) = top.subdirs.pop() {
            let level = open_level(top.dir.as_fd(), subdir)?;
            levels.push(level);
            continue;
        }
        let Some(done) = levels.pop() else { break };
        drop(done.dir);
        let holder = levels.last().map_or(parent, |level| level.dir.as_fd());
        rustix::fs::unlinkat(holder, &done.name, AtFlags::REMOVEDIR)?;
    }
    Ok(())
}

/// Opens directory `name` without following it, unlinks everything in it except
/// subdirectories, and lists those.
fn open_level(parent: BorrowedFd<'_>, name: OsString) -> rustix::io::Result<Level> {
    let dir = open_dir_nofollow(parent, &name)?;
    // Names are collected first: changing a directory while reading it may skip entries.
    let mut children = Vec::new();
    for entry in Dir::read_from(&dir)? {
        let entry = entry?;
        let child = entry.file_name().to_bytes();
        if child != b"." && child != b".." {
            children.push((OsStr::from_bytes(child).to_owned(), entry.file_type()));
        }
    }
    let mut subdirs = Vec::new();
    for (child, file_type) in children {
        if file_type == FileType::Directory {
            subdirs.push(child);
            continue;
        }
        match rustix::fs::unlinkat(&dir, &child, AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT) => {}
            // The file system did not report the type in the directory entry.
            Err(Errno::ISDIR) => subdirs.push(child),
            Err(e) => return Err(e),
        }
    }
    Ok(Level { dir, name, subdirs })
}
