//! The copy itself: every entry of a layer, with the same type, content, mode (setuid and
//! sticky bits included), xattrs (overlay's whiteout and opaque markers too), hard links and
//! times, and the owner moved by an [`IdShift`].

use std::collections::HashMap;
use std::fs::{self, Metadata};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rustix::fs::{AtFlags, CWD};

use super::xattrs::copy_xattrs;
use super::{IdShift, gid_of, uid_of};

/// Copies the tree `src` into `dst` (which must not exist) with owners moved by `shift`.
/// Runs where it may chown to the shifted IDs: in the storage user namespace, or as root.
pub fn shift_tree(src: &Path, dst: &Path, shift: &IdShift) -> Result<()> {
    let meta = fs::symlink_metadata(src).with_context(|| format!("reading {}", src.display()))?;
    if !meta.is_dir() {
        bail!("shifting {}: not a directory", src.display());
    }
    fs::create_dir(dst).with_context(|| format!("creating {}", dst.display()))?;
    let mut links = HashMap::new();
    copy_dir(src, dst, shift, &mut links)
        .with_context(|| format!("copying {} with shifted owners", src.display()))?;
    apply_metadata(src, dst, &meta, shift)
}

fn copy_dir(
    src: &Path,
    dst: &Path,
    shift: &IdShift,
    links: &mut HashMap<(u64, u64), PathBuf>,
) -> Result<()> {
    for entry in fs::read_dir(src).with_context(|| format!("listing {}", src.display()))? {
        let entry = entry.with_context(|| format!("listing {}", src.display()))?;
        let (from, to) = (entry.path(), dst.join(entry.file_name()));
        let meta =
            fs::symlink_metadata(&from).with_context(|| format!("reading {}", from.display()))?;
        let kind = meta.file_type();
        if kind.is_dir() {
            fs::create_dir(&to).with_context(|| format!("creating {}", to.display()))?;
            copy_dir(&from, &to, shift, links)?;
            apply_metadata(&from, &to, &meta, shift)?;
            continue;
        }
        if meta.nlink() > 1
            && let Some(first) = links.get(&(meta.dev(), meta.ino()))
        {
            fs::hard_link(first, &to).with_context(|| format!("linking {}", to.display()))?;
            continue;
        }
        if kind.is_symlink() {
            let target =
                fs::read_link(&from).with_context(|| format!("reading {}", from.display()))?;
            symlink(target, &to).with_context(|| format!("creating {}", to.display()))?;
        } else if kind.is_file() {
            fs::copy(&from, &to).with_context(|| format!("copying {}", from.display()))?;
        } else if !make_node(&from, &to, &meta)? {
            continue;
        }
        if meta.nlink() > 1 {
            links.insert((meta.dev(), meta.ino()), to.clone());
        }
        apply_metadata(&from, &to, &meta, shift)?;
    }
    Ok(())
}

/// Fifos, sockets and overlay whiteouts (character device 0/0) are made again; other devices
/// cannot be made in a user namespace (the unpacker skipped them too). False when skipped.
fn make_node(from: &Path, to: &Path, meta: &Metadata) -> Result<bool> {
    let kind = rustix::fs::FileType::from_raw_mode(meta.mode());
    let perms = rustix::fs::Mode::from_raw_mode(meta.mode() & 0o7777);
    match rustix::fs::mknodat(CWD, to, kind, perms, meta.rdev()) {
        Ok(()) => Ok(true),
        Err(e) if meta.file_type().is_block_device() || meta.rdev() != 0 => {
            crate::util::log::debug(&format!("shift: skipping {}: {e}", from.display()));
            Ok(false)
        }
        Err(e) => Err(e).with_context(|| format!("creating {}", to.display())),
    }
}

/// Owner first (chown clears setuid bits and file capabilities), then mode, xattrs, times.
fn apply_metadata(from: &Path, to: &Path, meta: &Metadata, shift: &IdShift) -> Result<()> {
    let (uid, gid) = (shift.uid(meta.uid()), shift.gid(meta.gid()));
    rustix::fs::chownat(
        CWD,
        to,
        Some(uid_of(uid)),
        Some(gid_of(gid)),
        AtFlags::SYMLINK_NOFOLLOW,
    )
    .with_context(|| format!("setting the owner of {} to {uid}:{gid}", to.display()))?;
    if !meta.file_type().is_symlink() {
        fs::set_permissions(to, fs::Permissions::from_mode(meta.mode() & 0o7777))
            .with_context(|| format!("setting the mode of {}", to.display()))?;
    }
    copy_xattrs(from, to, shift)?;
    crate::util::fs::copy_times(meta, to)?;
    Ok(())
}

/// The largest UID and GID owning anything under `dir` (itself included).
pub fn max_ids(dir: &Path) -> Result<(u32, u32)> {
    let meta = fs::symlink_metadata(dir).with_context(|| format!("reading {}", dir.display()))?;
    let (mut uid, mut gid) = (meta.uid(), meta.gid());
    if meta.is_dir() {
        for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
            let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
            let (u, g) = max_ids(&entry.path())?;
            (uid, gid) = (uid.max(u), gid.max(g));
        }
    }
    Ok((uid, gid))
}
