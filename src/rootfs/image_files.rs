//! Reading one file of an image without mounting it: the layers are searched top-down with the
//! overlay rules (a whiteout hides what is below, an opaque directory stops the search). Used for
//! /etc/passwd and /etc/group when resolving `--user`, before any container exists.

use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

/// Files above this size are not what `--user` resolution looks for.
const MAX_FILE: u64 = 16 << 20;

/// Reads `path` (absolute, inside the image) from `layers` (diff dirs, bottom first).
/// `None` when no layer has it, or a higher layer deleted it.
pub fn read_image_file(layers: &[PathBuf], path: &str, opaque_xattr: &str) -> Option<Vec<u8>> {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.split('/').any(|c| c == "..") {
        return None;
    }
    for layer in layers.iter().rev() {
        match lookup(layer, rel, opaque_xattr) {
            Found::File(data) => return Some(data),
            Found::Deleted => return None,
            Found::Absent { opaque_above: true } => return None,
            Found::Absent {
                opaque_above: false,
            } => {}
        }
    }
    None
}

enum Found {
    File(Vec<u8>),
    Deleted,
    Absent { opaque_above: bool },
}

/// Looks at `rel` in one layer; every open is confined to the layer (RESOLVE_IN_ROOT), so a
/// symlink in an image cannot make the engine read a host file.
fn lookup(layer: &Path, rel: &str, opaque_xattr: &str) -> Found {
    let Ok(root) = rustix::fs::open(
        layer,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    ) else {
        return Found::Absent {
            opaque_above: false,
        };
    };
    // A whiteout or opaque marker on the path's ancestors decides before the file itself.
    let components: Vec<&str> = rel.split('/').collect();
    for depth in 1..=components.len() {
        let prefix = components[..depth].join("/");
        let Ok(meta) = std::fs::symlink_metadata(layer.join(&prefix)) else {
            return Found::Absent {
                opaque_above: false,
            };
        };
        if meta.file_type().is_char_device() && meta_is_whiteout(&meta) {
            return Found::Deleted;
        }
        if depth < components.len()
            && meta.is_dir()
            && is_opaque(&layer.join(&prefix), opaque_xattr)
        {
            return match read_confined(&root, rel) {
                Some(data) => Found::File(data),
                None => Found::Absent { opaque_above: true },
            };
        }
    }
    match read_confined(&root, rel) {
        Some(data) => Found::File(data),
        None => Found::Absent {
            opaque_above: false,
        },
    }
}

fn meta_is_whiteout(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.rdev() == 0
}

fn is_opaque(dir: &Path, xattr: &str) -> bool {
    let mut value = [0u8; 4];
    matches!(rustix::fs::lgetxattr(dir, xattr, &mut value), Ok(1) if value[0] == b'y')
}

fn read_confined(root: &OwnedFd, rel: &str) -> Option<Vec<u8>> {
    crate::util::fs::read_in_root(root.as_fd(), rel, MAX_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn top_layer_wins_and_symlinks_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        let (low, high) = (dir.path().join("low"), dir.path().join("high"));
        fs::create_dir_all(low.join("etc")).unwrap();
        fs::create_dir_all(high.join("etc")).unwrap();
        fs::write(low.join("etc/passwd"), "low").unwrap();
        fs::write(low.join("etc/group"), "low group").unwrap();
        fs::write(high.join("etc/passwd"), "high").unwrap();
        let layers = vec![low.clone(), high.clone()];
        let read = |p: &str| read_image_file(&layers, p, "user.overlay.opaque");
        assert_eq!(read("/etc/passwd").unwrap(), b"high");
        assert_eq!(read("/etc/group").unwrap(), b"low group");
        assert!(read("/etc/shadow").is_none());
        assert!(read("/../etc/passwd").is_none());
        // A symlink to the host's /etc/hostname resolves inside the layer (where it is absent).
        std::os::unix::fs::symlink("/etc/hostname", high.join("etc/hostname")).unwrap();
        assert!(read("/etc/hostname").is_none());
    }

    #[test]
    fn opaque_directories_hide_lower_layers() {
        let dir = tempfile::tempdir().unwrap();
        let (low, high) = (dir.path().join("low"), dir.path().join("high"));
        fs::create_dir_all(low.join("etc")).unwrap();
        fs::write(low.join("etc/group"), "low").unwrap();
        fs::create_dir_all(high.join("etc")).unwrap();
        if rustix::fs::lsetxattr(
            high.join("etc"),
            "user.overlay.opaque",
            b"y",
            rustix::fs::XattrFlags::empty(),
        )
        .is_err()
        {
            return; // The filesystem of the temp dir has no user xattrs: nothing to check.
        }
        let layers = vec![low, high];
        assert!(read_image_file(&layers, "/etc/group", "user.overlay.opaque").is_none());
    }
}
