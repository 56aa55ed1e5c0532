//! The spec's mounts, in order, onto targets resolved inside the rootfs.
//!
//! Rootless specifics: a fresh sysfs needs a network namespace the container owns, so without
//! one it falls back to a read-only bind of the host's /sys (as crun does); the cgroup file
//! system is bound from the host, or skipped when even that is refused; read-only binds repeat
//! the flags the kernel locked on the source.

use std::io;
use std::path::Path;

use anyhow::{Context, Result};
use nix::mount::MsFlags;
use oci_spec::runtime::Mount;

use super::config::Container;
use super::options::{Bind, MountOptions};
use super::syscalls::{FileKind, Syscalls, Target};
use crate::util::log;

const SYS: &str = "/sys";
const CGROUP: &str = "/sys/fs/cgroup";

pub(super) fn mount_all(sys: &dyn Syscalls, container: &Container, in_userns: bool) -> Result<()> {
    for mount in container.spec.mounts().as_deref().unwrap_or_default() {
        mount_one(sys, container, mount, in_userns).with_context(|| describe(mount))?;
    }
    Ok(())
}

fn describe(mount: &Mount) -> String {
    let typ = mount.typ().as_deref().unwrap_or("bind");
    format!("mount {typ} on {}", mount.destination().display())
}

fn mount_one(
    sys: &dyn Syscalls,
    container: &Container,
    mount: &Mount,
    in_userns: bool,
) -> Result<()> {
    let options = MountOptions::parse(mount.options().as_deref().unwrap_or_default())?;
    let dest = mount.destination().as_path();
    let typ = mount.typ().as_deref().unwrap_or("");
    if options.bind.is_some() || typ == "bind" || typ == "rbind" {
        let Some(source) = mount.source() else {
            anyhow::bail!("a bind mount needs a source");
        };
        let bind = if typ == "rbind" {
            Bind::Recursive
        } else {
            options.bind.unwrap_or(Bind::Single)
        };
        let source = container.bind_source(source);
        return bind_mount(sys, &source, dest, bind, &options);
    }
    match typ {
        "sysfs" => mount_sysfs(sys, mount, &options, in_userns),
        "cgroup" | "cgroup2" => mount_cgroup(sys, dest, &options, in_userns),
        _ => mount_filesystem(sys, mount, &options),
    }
}

/// Any non-bind file system: proc, tmpfs, devpts, mqueue...
fn mount_filesystem(sys: &dyn Syscalls, mount: &Mount, options: &MountOptions) -> Result<()> {
    let dest = mount.destination().as_path();
    let typ = mount.typ().as_deref().unwrap_or("none");
    let source = mount.source().as_deref().unwrap_or(Path::new(typ));
    sys.create_dir(dest).context("create the mount point")?;
    let data = options.data();
    let mount = || {
        sys.mount(
            Some(source),
            Target::Rootfs(dest),
            Some(typ),
            options.flags,
            data.as_deref(),
        )
    };
    if options.tmpcopyup && typ == "tmpfs" {
        sys.mount_with_copy_up(dest, &mount).context("tmpcopyup")?;
    } else {
        mount()?;
    }
    set_propagation(sys, dest, options)
}

/// sysfs can only be mounted by a user namespace that owns the network namespace; in a user
/// namespace that does not (a shared host network) the host's /sys is bound read-only.
fn mount_sysfs(
    sys: &dyn Syscalls,
    mount: &Mount,
    options: &MountOptions,
    in_userns: bool,
) -> Result<()> {
    match mount_filesystem(sys, mount, options) {
        Err(err) if in_userns && is_permission_error(&err) => {
            log::debug(&format!(
                "sysfs refused ({err:#}): binding the host's {SYS} read-only"
            ));
            let mut ro = options.clone();
            ro.flags |= MsFlags::MS_RDONLY;
            bind_mount(
                sys,
                Path::new(SYS),
                mount.destination(),
                Bind::Recursive,
                &ro,
            )
        }
        result => result,
    }
}

/// The cgroup file system: a fresh cgroup2 when the host uses the unified hierarchy, else (v1
/// or hybrid hosts, where a namespaced mount needs every controller) a bind of the host's
/// hierarchy. Not fatal in a user namespace: a rootless container has no cgroup of its own
/// to show anyway.
fn mount_cgroup(
    sys: &dyn Syscalls,
    dest: &Path,
    options: &MountOptions,
    in_userns: bool,
) -> Result<()> {
    let result = if sys.is_cgroup2(Path::new(CGROUP)) {
        sys.create_dir(dest)
            .and_then(|()| {
                sys.mount(
                    Some(Path::new("cgroup2")),
                    Target::Rootfs(dest),
                    Some("cgroup2"),
                    options.flags,
                    None,
                )
            })
            .map_err(anyhow::Error::from)
    } else {
        bind_mount(sys, Path::new(CGROUP), dest, Bind::Recursive, options)
    };
    match result {
        Err(err) if in_userns => {
            log::debug(&format!(
                "skipping the cgroup mount on {}: {err:#}",
                dest.display()
            ));
            Ok(())
        }
        result => result,
    }
}

fn bind_mount(
    sys: &dyn Syscalls,
    source: &Path,
    dest: &Path,
    bind: Bind,
    options: &MountOptions,
) -> Result<()> {
    let kind = sys
        .kind(Target::Path(source))
        .with_context(|| format!("inspect the source {}", source.display()))?
        .with_context(|| format!("the source {} does not exist", source.display()))?;
    match kind {
        FileKind::Dir => sys.create_dir(dest),
        FileKind::NonDir => sys.create_file(dest),
    }
    .context("create the mount point")?;
    let mut flags = MsFlags::MS_BIND;
    if bind == Bind::Recursive {
        flags |= MsFlags::MS_REC;
    }
    sys.mount(Some(source), Target::Rootfs(dest), None, flags, None)
        .with_context(|| format!("bind {}", source.display()))?;
    if options.needs_remount() {
        remount_bind(sys, Target::Rootfs(dest), options.flags)?;
    }
    set_propagation(sys, dest, options)
}

/// A bind takes its flags from the source; only a remount changes them. The remount must repeat
/// the flags the source mount has (in a user namespace, those inherited from the host are
/// locked: leaving one out is EPERM).
pub(super) fn remount_bind(sys: &dyn Syscalls, target: Target, flags: MsFlags) -> Result<()> {
    let locked = sys
        .mount_flags(target)
        .with_context(|| format!("statvfs {}", target.describe()))?;
    let all = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | flags | locked;
    sys.mount(None, target, None, all, None)
        .with_context(|| format!("remount {}", target.describe()))
}

fn set_propagation(sys: &dyn Syscalls, dest: &Path, options: &MountOptions) -> Result<()> {
    for &propagation in &options.propagation {
        sys.mount(None, Target::Rootfs(dest), None, propagation, None)
            .context("set the mount propagation")?;
    }
    Ok(())
}

fn is_permission_error(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|io| matches!(io.raw_os_error(), Some(libc::EPERM | libc::EACCES)))
}
