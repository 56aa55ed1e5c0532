//! After pivot_root: sysctls, masked paths, read-only paths, and a read-only root.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::mount::MsFlags;

use super::config::{Container, relative};
use super::mounts::remount_bind;
use super::syscalls::{FileKind, Syscalls, Target};

const PROC_SYS: &str = "/proc/sys";

/// `linux.sysctl` through /proc/sys, before read-only paths make it read-only.
pub(super) fn apply_sysctls(sys: &dyn Syscalls, container: &Container) -> Result<()> {
    let Some(sysctls) = container.linux.sysctl() else {
        return Ok(());
    };
    let mut sorted: Vec<_> = sysctls.iter().collect();
    sorted.sort();
    for (key, value) in sorted {
        let path = sysctl_path(key).with_context(|| format!("sysctl {key}: not a sysctl name"))?;
        sys.write_file(&path, value)
            .with_context(|| format!("sysctl {key}={value}: write {}", path.display()))?;
    }
    Ok(())
}

/// `net.ipv4.ip_forward` -> /proc/sys/net/ipv4/ip_forward (`/` also accepted as separator).
fn sysctl_path(key: &str) -> Option<PathBuf> {
    let relative_path = PathBuf::from(key.replace('.', "/"));
    let valid = !key.is_empty() && relative(&relative_path) == relative_path;
    valid.then(|| Path::new(PROC_SYS).join(relative_path))
}

/// Hides each masked path: /dev/null over a file, an empty read-only tmpfs over a directory.
/// Missing paths are skipped (the kernel may not have them).
pub(super) fn mask_paths(sys: &dyn Syscalls, container: &Container) -> Result<()> {
    for path in container
        .linux
        .masked_paths()
        .as_deref()
        .unwrap_or_default()
    {
        let path = Path::new(path);
        let target = Target::Path(path);
        let mask = match sys
            .kind(target)
            .with_context(|| format!("stat {}", path.display()))?
        {
            None => continue,
            Some(FileKind::Dir) => sys.mount(
                Some(Path::new("tmpfs")),
                target,
                Some("tmpfs"),
                MsFlags::MS_RDONLY,
                Some("size=0k"),
            ),
            Some(FileKind::NonDir) => sys.mount(
                Some(Path::new("/dev/null")),
                target,
                None,
                MsFlags::MS_BIND,
                None,
            ),
        };
        mask.with_context(|| format!("mask {}", path.display()))?;
    }
    Ok(())
}

/// Read-only paths: bound onto themselves, then remounted read-only.
pub(super) fn make_paths_readonly(sys: &dyn Syscalls, container: &Container) -> Result<()> {
    for path in container
        .linux
        .readonly_paths()
        .as_deref()
        .unwrap_or_default()
    {
        let path = Path::new(path);
        let target = Target::Path(path);
        if sys
            .kind(target)
            .with_context(|| format!("stat {}", path.display()))?
            .is_none()
        {
            continue;
        }
        let rec_bind = MsFlags::MS_BIND | MsFlags::MS_REC;
        sys.mount(Some(path), target, None, rec_bind, None)
            .with_context(|| format!("bind {} onto itself", path.display()))?;
        remount_bind(sys, target, MsFlags::MS_RDONLY)
            .with_context(|| format!("make {} read-only", path.display()))?;
    }
    Ok(())
}

/// `root.readonly`: the root mount (the rootfs bound onto itself) becomes read-only; the mounts
/// on top of it (/proc, /dev, volumes) keep their own flags.
pub(super) fn make_root_readonly(sys: &dyn Syscalls, container: &Container) -> Result<()> {
    let readonly = container
        .spec
        .root()
        .as_ref()
        .and_then(|r| r.readonly())
        .unwrap_or(false);
    if readonly {
        remount_bind(sys, Target::Path(Path::new("/")), MsFlags::MS_RDONLY)
            .context("make the root file system read-only")?;
    }
    Ok(())
}
