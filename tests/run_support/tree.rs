//! A snapshot of a directory tree (every entry's type, mode, owner, size, mtime, link target
//! and file content), to prove a command left it unchanged.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: (i64, i64),
    link_target: Option<PathBuf>,
    content: Option<Vec<u8>>,
}

/// Every entry below `root` (and `root` itself as ""), keyed by relative path.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Entry> {
    let mut entries = BTreeMap::new();
    walk(root, root, &mut entries);
    entries
}

fn walk(root: &Path, path: &Path, entries: &mut BTreeMap<PathBuf, Entry>) {
    let meta =
        fs::symlink_metadata(path).unwrap_or_else(|e| panic!("lstat {}: {e}", path.display()));
    let kind = meta.file_type();
    let entry = Entry {
        mode: meta.mode(),
        uid: meta.uid(),
        gid: meta.gid(),
        size: if kind.is_dir() { 0 } else { meta.size() },
        mtime: (meta.mtime(), meta.mtime_nsec()),
        link_target: kind
            .is_symlink()
            .then(|| fs::read_link(path).expect("readlink")),
        content: kind
            .is_file()
            .then(|| fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))),
    };
    let relative = path
        .strip_prefix(root)
        .expect("below the root")
        .to_path_buf();
    entries.insert(relative, entry);
    if kind.is_dir() {
        let children =
            fs::read_dir(path).unwrap_or_else(|e| panic!("listing {}: {e}", path.display()));
        for child in children {
            let child = child.unwrap_or_else(|e| panic!("listing {}: {e}", path.display()));
            walk(root, &child.path(), entries);
        }
    }
}
