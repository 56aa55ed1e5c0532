//! The copying driver (`vfs`): the container's root is a full copy of its layers, for hosts
//! where neither native overlay nor fuse-overlayfs works. Slow and disk-hungry, so engine only
//! falls back to it loudly. Runs inside the user namespace (`engine __vfs-copy`), so owners are
//! kept; overlay whiteouts (char 0/0) delete what lower layers put there, and opaque directories
//! (`<prefix>opaque=y`) hide their lower content.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt, symlink};
use std::path::Path;

use anyhow::{Context, Result};
use rustix::fs::{AtFlags, CWD, XattrFlags};

/// The hidden command: `engine __vfs-copy XATTR_PREFIX ROOTFS LAYER...` (layers bottom first).
pub const VFS_COPY_COMMAND: &str = "__vfs-copy";

/// Applies `layers` (diff dirs, bottom first) onto the empty directory `rootfs`.
pub fn copy_layers(rootfs: &Path, layers: &[&Path], xattr_prefix: &str) -> Result<()> {
    let opaque = format!("{xattr_prefix}opaque");
    for layer in layers {
        let mut links = HashMap::new();
        copy_tree(layer, rootfs, &opaque, xattr_prefix, &mut links).with_context(|| {
            format!(
                "copying layer {} into {}",
                layer.display(),
                rootfs.display()
            )
        })?;
    }
    Ok(())
}

fn copy_tree(
    src: &Path,
    dst: &Path,
    opaque: &str,
    xattr_prefix: &str,
    links: &mut HashMap<(u64, u64), std::path::PathBuf>,
) -> Result<()> {
    for entry in fs::read_dir(src).with_context(|| format!("listing {}", src.display()))? {
        let entry = entry?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let meta = fs::symlink_metadata(&from)?;
        let kind = meta.file_type();
        if kind.is_char_device() && meta.rdev() == 0 {
            remove_any(&to)?; // A whiteout: the name is gone from here up.
            continue;
        }
        if kind.is_dir() {
            match fs::symlink_metadata(&to) {
                Ok(existing) if existing.is_dir() => {
                    if is_opaque(&from, opaque) {
                        for child in fs::read_dir(&to)? {
                            remove_any(&child?.path())?;
                        }
                    }
                }
                Ok(_) => {
                    remove_any(&to)?;
                    fs::create_dir(&to)?;
                }
                Err(_) => fs::create_dir(&to)?,
            }
            copy_tree(&from, &to, opaque, xattr_prefix, links)?;
            apply_metadata(&from, &to, &meta, xattr_prefix)?;
            continue;
        }
        remove_any(&to)?;
        if meta.nlink() > 1
            && let Some(first) = links.get(&(meta.dev(), meta.ino()))
        {
            fs::hard_link(first, &to).with_context(|| format!("linking {}", to.display()))?;
            continue;
        }
        if kind.is_symlink() {
            symlink(fs::read_link(&from)?, &to)?;
        } else if kind.is_file() {
            fs::copy(&from, &to).with_context(|| format!("copying {}", from.display()))?;
        } else {
            // fifos and devices: recreated with the same type and number where allowed.
            let mode = rustix::fs::FileType::from_raw_mode(meta.mode());
            let perms = rustix::fs::Mode::from_raw_mode(meta.mode() & 0o7777);
            if let Err(e) = rustix::fs::mknodat(CWD, &to, mode, perms, meta.rdev()) {
                crate::util::log::debug(&format!("vfs: skipping {}: {e}", from.display()));
                continue;
            }
        }
        if meta.nlink() > 1 {
            links.insert((meta.dev(), meta.ino()), to.clone());
        }
        apply_metadata(&from, &to, &meta, xattr_prefix)?;
    }
    Ok(())
}

/// Owner, mode (after the owner: chown clears setuid), xattrs (but overlay's own) and times.
fn apply_metadata(from: &Path, to: &Path, meta: &fs::Metadata, xattr_prefix: &str) -> Result<()> {
    let uid = rustix::fs::Uid::from_raw(meta.uid());
    let gid = rustix::fs::Gid::from_raw(meta.gid());
    rustix::fs::chownat(CWD, to, Some(uid), Some(gid), AtFlags::SYMLINK_NOFOLLOW)
        .with_context(|| format!("setting the owner of {}", to.display()))?;
    if !meta.file_type().is_symlink() {
        fs::set_permissions(to, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    }
    copy_xattrs(from, to, xattr_prefix)?;
    crate::util::fs::copy_times(meta, to)?;
    Ok(())
}

fn copy_xattrs(from: &Path, to: &Path, xattr_prefix: &str) -> Result<()> {
    let mut names = vec![0u8; 4096];
    let Ok(len) = rustix::fs::llistxattr(from, &mut names) else {
        return Ok(());
    };
    for name in names[..len].split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        if name.starts_with(xattr_prefix) {
            continue; // overlay's markers mean nothing in a plain copy.
        }
        let mut value = vec![0u8; 65536];
        if let Ok(n) = rustix::fs::lgetxattr(from, name.as_str(), &mut value) {
            let _ = rustix::fs::lsetxattr(to, name.as_str(), &value[..n], XattrFlags::empty());
        }
    }
    Ok(())
}

fn is_opaque(dir: &Path, opaque: &str) -> bool {
    let mut value = [0u8; 4];
    matches!(rustix::fs::lgetxattr(dir, opaque, &mut value), Ok(1) if value[0] == b'y')
}

fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whiteouts_opaque_dirs_and_hardlinks() {
        let dir = tempfile::tempdir().unwrap();
        let (low, high, root) = (
            dir.path().join("low"),
            dir.path().join("high"),
            dir.path().join("root"),
        );
        for d in [&low, &high, &root] {
            fs::create_dir_all(d).unwrap();
        }
        fs::create_dir_all(low.join("etc/sub")).unwrap();
        fs::write(low.join("etc/gone"), "x").unwrap();
        fs::write(low.join("etc/sub/old"), "x").unwrap();
        fs::write(low.join("a"), "a").unwrap();
        fs::hard_link(low.join("a"), low.join("b")).unwrap();
        fs::create_dir_all(high.join("etc/sub")).unwrap();
        fs::write(high.join("etc/sub/new"), "n").unwrap();
        let opaque_set = rustix::fs::lsetxattr(
            high.join("etc/sub"),
            "user.overlay.opaque",
            b"y",
            XattrFlags::empty(),
        )
        .is_ok();
        // A whiteout needs CAP_MKNOD or a user namespace: tests run as root in CI.
        let whiteout = rustix::fs::mknodat(
            CWD,
            high.join("etc/gone"),
            rustix::fs::FileType::CharacterDevice,
            rustix::fs::Mode::empty(),
            0,
        )
        .is_ok();
        copy_layers(&root, &[&low, &high], "user.overlay.").unwrap();
        assert_eq!(fs::read_to_string(root.join("etc/sub/new")).unwrap(), "n");
        assert_eq!(!root.join("etc/sub/old").exists(), opaque_set);
        assert_eq!(!root.join("etc/gone").exists(), whiteout);
        let ino = |p: &str| fs::metadata(root.join(p)).unwrap().ino();
        assert_eq!(ino("a"), ino("b"), "hardlinks stay hardlinks");
    }
}
