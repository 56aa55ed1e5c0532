//! How much disk a container, a volume or a directory uses, counted the way containers/storage
//! counts it for `podman ps --size` and `podman system df`: the apparent sizes (`st_size`) of
//! everything but directories, each hard-linked inode once.
//!
//! Only `lstat` is used, never `open`: a container's upper dir holds files of subordinate uids
//! the user cannot read. Directories the user cannot list (mode 0700 of a subordinate uid) are
//! skipped, so the figure is a lower bound for those; podman measures inside the user namespace
//! instead, which would cost a process per container.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::store::{ContainerRecord, Store};

/// The bytes a container wrote: its upper dir (for vfs, its whole copied root).
pub fn container_rw_size(store: &Store, record: &ContainerRecord) -> u64 {
    let bundle = store.container_dir(&record.id);
    let written = match record.rootfs_driver.as_str() {
        "vfs" => bundle.join("rootfs"),
        _ => bundle.join("upper"),
    };
    tree_size(&written)
}

/// The apparent size of the tree at `root` (0 when it does not exist).
pub fn tree_size(root: &Path) -> u64 {
    let mut seen = HashSet::new();
    let mut total = 0;
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            // Unlistable (another uid's 0700 directory) or removed meanwhile: skipped.
            Err(_) => continue,
        };
        for entry in entries.flatten() {
            let Ok(meta) = fs::symlink_metadata(entry.path()) else {
                continue;
            };
            if meta.is_dir() {
                pending.push(entry.path());
            } else if meta.nlink() <= 1 || seen.insert((meta.dev(), meta.ino())) {
                total += meta.len();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn counts_files_and_links_once_and_skips_directories() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::write(root.join("a/one"), vec![0u8; 1000]).unwrap();
        fs::write(root.join("a/b/two"), vec![0u8; 234]).unwrap();
        fs::hard_link(root.join("a/one"), root.join("again")).unwrap();
        std::os::unix::fs::symlink("a/one", root.join("link")).unwrap();
        // A symlink counts its own length (5 bytes), not its target.
        assert_eq!(tree_size(root), 1000 + 234 + 5);
        assert_eq!(tree_size(&root.join("missing")), 0);
    }

    #[test]
    fn unlistable_directories_are_skipped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("closed")).unwrap();
        fs::write(root.join("closed/secret"), b"xyz").unwrap();
        fs::write(root.join("open"), b"12").unwrap();
        fs::set_permissions(root.join("closed"), fs::Permissions::from_mode(0o000)).unwrap();
        let size = tree_size(root);
        fs::set_permissions(root.join("closed"), fs::Permissions::from_mode(0o700)).unwrap();
        // Root may list anything; an ordinary user sees only the open file.
        assert!(size == 2 || size == 5, "{size}");
    }
}
