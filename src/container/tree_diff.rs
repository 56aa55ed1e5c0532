//! `diff A B`: the changes from one filesystem tree to another, entry by entry, as
//! containers/storage compares two trees (`ChangesDirs`): an entry only in the new tree is
//! added (each one below it too), one only in the old tree deleted (its top only), one in both
//! changed when its type, mode, owner or device number differ, for a non-directory also its size
//! or modification time, or its file capabilities; a directory holding any change is changed.
//!
//! Walked through directory descriptors, never by path: a symlink a running container plants
//! cannot lead the walk outside either tree.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use anyhow::{Context, Result};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};

use super::diff::{Change, ChangeKind};

/// Whether owners are compared: not where one tree's are stored shifted (a container with
/// `--userns=keep-id|auto`), where every file would differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owners {
    Compared,
    Ignored,
}

/// The changes from the tree `old` to the tree `new` (open directories), sorted by path.
pub fn tree_changes(new: BorrowedFd, old: BorrowedFd, owners: Owners) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    let walk = Walk { owners };
    walk.compare_dirs(new, Some(old), Path::new(""), true, &mut changes)?;
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(changes)
}

struct Walk {
    owners: Owners,
}

impl Walk {
    /// Compares the directory `path` of both trees (`old` none when only the new one has it);
    /// `listed` when its own change is already recorded.
    fn compare_dirs(
        &self,
        new: BorrowedFd,
        old: Option<BorrowedFd>,
        path: &Path,
        listed: bool,
        changes: &mut Vec<Change>,
    ) -> Result<()> {
        let at_entry = changes.len();
        let new_names =
            names(new).with_context(|| format!("reading the directory /{}", path.display()))?;
        let mut old_names = match old {
            Some(old) => {
                names(old).with_context(|| format!("reading the directory /{}", path.display()))?
            }
            None => BTreeSet::new(),
        };
        for name in &new_names {
            let child = path.join(name);
            // A running container may remove what is being compared: gone is no error.
            let Some(new_stat) = lstat(new, name, &child)? else {
                continue;
            };
            let old_stat = match (old, old_names.remove(name)) {
                (Some(old), true) => lstat(old, name, &child)?,
                _ => None,
            };
            let kind = match (old, &old_stat) {
                (Some(old), Some(old_stat)) => {
                    let changed = self.differ(old_stat, &new_stat)
                        || (is_regular(&new_stat)
                            && capability(new, name) != capability(old, name));
                    changed.then_some(ChangeKind::Changed)
                }
                _ => Some(ChangeKind::Added),
            };
            if let Some(kind) = kind {
                changes.push(change(kind, &child));
            }
            if FileType::from_raw_mode(new_stat.st_mode) == FileType::Directory {
                let Some(new_dir) = open_dir(new, name, &child)? else {
                    continue;
                };
                let old_dir = match (old, &old_stat) {
                    (Some(old), Some(s))
                        if FileType::from_raw_mode(s.st_mode) == FileType::Directory =>
                    {
                        open_dir(old, name, &child)?
                    }
                    _ => None,
                };
                let old_dir = old_dir.as_ref().map(AsFd::as_fd);
                self.compare_dirs(new_dir.as_fd(), old_dir, &child, kind.is_some(), changes)?;
            }
        }
        for name in old_names {
            changes.push(change(ChangeKind::Deleted, &path.join(name)));
        }
        // A directory with changes inside is changed too (the root excepted), as podman lists it.
        if changes.len() > at_entry && !listed && !path.as_os_str().is_empty() {
            changes.push(change(ChangeKind::Changed, path));
        }
        Ok(())
    }

    /// What counts as a change of an entry both trees have: a directory's size and time say
    /// nothing (they move whenever an entry is added), a file's do.
    fn differ(&self, old: &Stat, new: &Stat) -> bool {
        let is_dir = FileType::from_raw_mode(new.st_mode) == FileType::Directory;
        let owners = self.owners == Owners::Compared;
        old.st_mode != new.st_mode
            || (owners && (old.st_uid != new.st_uid || old.st_gid != new.st_gid))
            || old.st_rdev != new.st_rdev
            || (!is_dir
                && (old.st_size != new.st_size
                    || old.st_mtime != new.st_mtime
                    || old.st_mtime_nsec != new.st_mtime_nsec))
    }
}

fn change(kind: ChangeKind, path: &Path) -> Change {
    Change {
        kind,
        path: format!("/{}", path.display()),
    }
}

fn is_regular(stat: &Stat) -> bool {
    FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile
}

/// The names in the open directory `dir`.
pub(super) fn names(dir: BorrowedFd) -> std::io::Result<BTreeSet<OsString>> {
    // Dir reads from its own descriptor: a duplicate keeps `dir`'s offset alone.
    let mut listed = BTreeSet::new();
    for entry in rustix::fs::Dir::read_from(dir)? {
        let name = OsStr::from_bytes(entry?.file_name().to_bytes()).to_os_string();
        if name != "." && name != ".." {
            listed.insert(name);
        }
    }
    Ok(listed)
}

/// The entry's status; none when it is gone.
fn lstat(dir: BorrowedFd, name: &OsStr, path: &Path) -> Result<Option<Stat>> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Err(rustix::io::Errno::NOENT) => Ok(None),
        other => {
            Ok(Some(other.with_context(|| {
                format!("inspecting /{}", path.display())
            })?))
        }
    }
}

/// The directory, opened; none when it is gone (or no longer a directory).
fn open_dir(dir: BorrowedFd, name: &OsStr, path: &Path) -> Result<Option<OwnedFd>> {
    open_dir_at(dir, Path::new(name))
        .with_context(|| format!("opening the directory /{}", path.display()))
}

/// The directory `path` below `dir`, opened without following a symlink at its end; none when
/// it is gone or no directory.
pub(super) fn open_dir_at(dir: BorrowedFd, path: &Path) -> std::io::Result<Option<OwnedFd>> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rustix::fs::openat(dir, path, flags, Mode::empty()) {
        Err(rustix::io::Errno::NOENT | rustix::io::Errno::NOTDIR | rustix::io::Errno::LOOP) => {
            Ok(None)
        }
        other => Ok(Some(other?)),
    }
}

/// The file's `security.capability`, read through its directory's descriptor; none when it has
/// none or it cannot be read.
fn capability(dir: BorrowedFd, name: &OsStr) -> Option<Vec<u8>> {
    let mut path = format!("/proc/self/fd/{}/", dir.as_raw_fd()).into_bytes();
    path.extend_from_slice(name.as_bytes());
    let path = OsStr::from_bytes(&path);
    let mut value = vec![0u8; 64];
    let n = rustix::fs::lgetxattr(path, "security.capability", &mut value).ok()?;
    value.truncate(n);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn open(path: &Path) -> OwnedFd {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        rustix::fs::open(path, flags, Mode::empty()).unwrap()
    }

    /// Gives `to` (a symlink too) the modification time of `from`.
    fn same_mtime(from: &Path, to: &Path) {
        use rustix::fs::{Timespec, Timestamps, UTIME_OMIT};
        let stat = rustix::fs::lstat(from).unwrap();
        let times = Timestamps {
            last_access: Timespec {
                tv_sec: 0,
                tv_nsec: UTIME_OMIT,
            },
            last_modification: Timespec {
                tv_sec: stat.st_mtime,
                tv_nsec: stat.st_mtime_nsec as _,
            },
        };
        rustix::fs::utimensat(rustix::fs::CWD, to, &times, AtFlags::SYMLINK_NOFOLLOW).unwrap();
    }

    fn listed(new: &Path, old: &Path) -> Vec<String> {
        let (new, old) = (open(new), open(old));
        let changes = tree_changes(new.as_fd(), old.as_fd(), Owners::Compared).unwrap();
        changes
            .iter()
            .map(|c| format!("{} {}", c.kind.letter(), c.path))
            .collect()
    }

    #[test]
    fn added_changed_and_deleted_entries_between_two_trees() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old"), dir.path().join("new"));
        for tree in [&old, &new] {
            fs::create_dir_all(tree.join("etc/ssl")).unwrap();
            fs::create_dir_all(tree.join("usr/bin")).unwrap();
            fs::write(tree.join("etc/ssl/cert.pem"), b"pem").unwrap();
            fs::write(tree.join("usr/bin/tool"), b"same").unwrap();
            std::os::unix::fs::symlink("tool", tree.join("usr/bin/alias")).unwrap();
        }
        // The same times in both, as a copy of the tree keeps them.
        for entry in ["etc/ssl/cert.pem", "usr/bin/tool", "usr/bin/alias"] {
            same_mtime(&old.join(entry), &new.join(entry));
        }
        fs::write(old.join("etc/passwd"), b"root").unwrap();
        fs::write(new.join("etc/passwd"), b"root\nuser").unwrap();
        fs::create_dir_all(old.join("var/cache/apt")).unwrap();
        fs::create_dir_all(new.join("opt/app")).unwrap();
        fs::write(new.join("opt/app/run"), b"x").unwrap();
        let mode = fs::Permissions::from_mode(0o700);
        fs::set_permissions(new.join("usr/bin"), mode).unwrap();
        assert_eq!(
            listed(&new, &old),
            [
                "C /etc",
                "C /etc/passwd",
                "A /opt",
                "A /opt/app",
                "A /opt/app/run",
                "C /usr",
                "C /usr/bin",
                "D /var",
            ]
        );
    }

    #[test]
    fn a_file_changed_in_place_and_a_directory_replaced_by_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old"), dir.path().join("new"));
        fs::create_dir_all(old.join("data/sub")).unwrap();
        fs::create_dir_all(new.join("data")).unwrap();
        fs::write(old.join("data/sub/inner"), b"x").unwrap();
        fs::write(new.join("data/sub"), b"now a file").unwrap();
        // Another size: two writes within one tick of the file clock would keep the time.
        fs::write(old.join("data/f"), b"one").unwrap();
        fs::write(new.join("data/f"), b"three").unwrap();
        assert_eq!(listed(&new, &old), ["C /data", "C /data/f", "C /data/sub"]);
        assert_eq!(listed(&old, &old), Vec::<String>::new());
    }
}
