//! The root filesystem: stop mount propagation, assemble the rootfs per the recipe (overlay,
//! fuse-overlayfs or the vfs copy as is), and make it a mount point `pivot_root` accepts.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nix::mount::MsFlags;

use super::config::Container;
use super::options::propagation_option;
use super::syscalls::{DetachedRoot, Syscalls, Target};
use crate::spec::recipe::{RootfsDriver, RootfsRecipe};

/// mount(2) copies at most one page of option data; longer overlay options are truncated by
/// the kernel, so they must fit (some 35 layers with absolute paths of a rootless store do not).
const MOUNT_DATA_MAX: usize = 4095;

/// fuse-overlayfs, a separate daemon, gets no descriptors: it would need to reach the layers.
const FUSE_FOR_A_STRANGER: &str = "fuse-overlayfs cannot serve the layers of a container whose \
     root is a stranger to your files (--userns=auto): use the native overlay driver (kernel \
     5.11 or later) or --storage-driver vfs";

/// Where short lower dir names point when the absolute ones are too long: each layer is
/// opened and named by its descriptor number, relative to this directory.
const FD_DIR: &str = "/proc/self/fd";

pub(super) fn prepare_rootfs(
    sys: &dyn Syscalls,
    container: &Container,
    in_userns: bool,
) -> Result<()> {
    let propagation = root_propagation(container)?;
    sys.mount(None, Target::Path(Path::new("/")), None, propagation, None)
        .context("make the mounts of the container's namespace private: mount /")?;
    let root = container.rootfs.as_path();
    if applied_after_pivot(propagation) {
        // pivot_root refuses a shared parent mount of the new root (and of the current root),
        // and an unbindable one cannot be bound: the mount holding the rootfs becomes private,
        // just that one, as in runc, and the new root gets the propagation after pivot_root
        // (`apply_root_propagation`).
        let mountinfo =
            std::fs::read_to_string("/proc/self/mountinfo").context("read /proc/self/mountinfo")?;
        let parent = mount_point_of(root.parent().unwrap_or(root), &mountinfo);
        sys.mount(None, Target::Path(&parent), None, MsFlags::MS_PRIVATE, None)
            .with_context(|| format!("make the mount {} private", parent.display()))?;
    }
    if container.rootfs_is_reached() {
        attach_reached_root(sys, container, in_userns)?;
        return sys
            .set_rootfs(root)
            .with_context(|| format!("open the rootfs {}", root.display()));
    }
    match container.recipe.driver {
        RootfsDriver::Overlay => mount_overlay(sys, &container.recipe, root, in_userns)?,
        // fuse-overlayfs was mounted before the fork, see `start_fuse_overlayfs`.
        RootfsDriver::FuseOverlayfs | RootfsDriver::Vfs => {}
    }
    // pivot_root needs the new root to be a mount point; an overlay already is, a vfs
    // directory is not. Binding it onto itself makes it one either way.
    let rec_bind = MsFlags::MS_BIND | MsFlags::MS_REC;
    sys.mount(Some(root), Target::Path(root), None, rec_bind, None)
        .with_context(|| format!("bind mount the rootfs onto itself {}", root.display()))?;
    sys.set_rootfs(root)
        .with_context(|| format!("open the rootfs {}", root.display()))
}

/// Mounts the rootfs with fuse-overlayfs if the recipe says so; runs in the waiter, before
/// the pid namespace, so that the daemon is not one of the container's processes (it would be
/// visible and killable there) and dies with the waiter.
///
/// The daemon serves the rootfs, so it must not live in this mount namespace either: pivot_root
/// would move its root directory onto its own mount, and its first path lookup (it reads
/// `/proc/self/fd/N`) would wait for itself forever. It runs in a mount namespace of its own,
/// and its mount reaches this one through a shared mount point (made private again by
/// `prepare_rootfs`).
pub(super) fn start_fuse_overlayfs(sys: &dyn Syscalls, container: &Container) -> Result<()> {
    if container.recipe.driver != RootfsDriver::FuseOverlayfs {
        return Ok(());
    }
    if container.rootfs_is_reached() {
        bail!("{FUSE_FOR_A_STRANGER}");
    }
    let root = container.rootfs.as_path();
    let target = Target::Path(root);
    sys.mount(Some(root), target, None, MsFlags::MS_BIND, None)
        .with_context(|| format!("bind mount the rootfs onto itself {}", root.display()))?;
    sys.mount(None, target, None, MsFlags::MS_SHARED, None)
        .with_context(|| format!("make the rootfs mount point shared {}", root.display()))?;
    let recipe = &container.recipe;
    let options = overlay_options(recipe, &absolute_lowers(recipe));
    sys.fuse_overlayfs(&options, root)
        .with_context(|| format!("fuse-overlayfs {}", root.display()))
}

/// After pivot_root: a shared or unbindable `linux.rootfsPropagation` for the new `/` (see
/// `prepare_rootfs`).
pub(super) fn apply_root_propagation(sys: &dyn Syscalls, container: &Container) -> Result<()> {
    let propagation = root_propagation(container)?;
    if !applied_after_pivot(propagation) {
        return Ok(());
    }
    sys.mount(None, Target::Path(Path::new("/")), None, propagation, None)
        .context("set the propagation of the container's / (linux.rootfsPropagation)")
}

fn applied_after_pivot(propagation: MsFlags) -> bool {
    propagation.intersects(MsFlags::MS_SHARED | MsFlags::MS_UNBINDABLE)
}

/// The mount point of the mount holding `path`, from `/proc/self/mountinfo` text: the longest
/// mount point above it.
pub(super) fn mount_point_of(path: &Path, mountinfo: &str) -> PathBuf {
    mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|field| PathBuf::from(field.replace("\\040", " ")))
        .filter(|mount_point| path.starts_with(mount_point))
        .max_by_key(|mount_point| mount_point.components().count())
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// `linux.rootfsPropagation` for `/`, else private (nothing the container mounts reaches the
/// host, nor the host's later mounts the container).
fn root_propagation(container: &Container) -> Result<MsFlags> {
    match container.linux.rootfs_propagation().as_deref() {
        None | Some("") => Ok(MsFlags::MS_REC | MsFlags::MS_PRIVATE),
        Some(name) => match propagation_option(name) {
            Some(flags) => Ok(flags | MsFlags::MS_REC),
            None => {
                bail!("linux.rootfsPropagation {name:?}: use private, slave, shared or unbindable")
            }
        },
    }
}

fn mount_overlay(
    sys: &dyn Syscalls,
    recipe: &RootfsRecipe,
    root: &Path,
    in_userns: bool,
) -> Result<()> {
    let mut data = overlay_data(recipe, &absolute_lowers(recipe), in_userns);
    // Keeps the layer descriptors open until the mount is made.
    let mut _layer_fds: Vec<OwnedFd> = Vec::new();
    let short_names = data.len() > MOUNT_DATA_MAX;
    if short_names {
        let fds = sys
            .open_dirs(&recipe.lowerdirs)
            .context("open the image layers for overlay")?;
        let names: Vec<String> = fds.iter().map(|fd| fd.as_raw_fd().to_string()).collect();
        data = overlay_data(recipe, &names, in_userns);
        if data.len() > MOUNT_DATA_MAX {
            bail!(
                "overlay {}: {} layers do not fit in mount options even with short names: flatten the image",
                root.display(),
                recipe.lowerdirs.len()
            );
        }
        sys.chdir(Path::new(FD_DIR))
            .with_context(|| format!("chdir {FD_DIR}"))?;
        _layer_fds = fds;
    }
    sys.mount(
        Some(Path::new("overlay")),
        Target::Path(root),
        Some("overlay"),
        MsFlags::empty(),
        Some(&data),
    )
    .with_context(|| format!("mount overlay {} (options {data})", root.display()))?;
    if short_names {
        sys.chdir(Path::new("/")).context("chdir /")?;
    }
    Ok(())
}

/// The rootfs of a container whose root cannot reach the user's directories: every dir came
/// from the user namespace helper as `/proc/self/fd/N` (see `Container::reached`). A mount on
/// the rootfs dir would stay invisible through that name, so the root is made detached (the
/// overlay with the new mount API, a vfs dir bound) and attached there, and N becomes it.
/// The overlay names its dirs relative to /proc/self/fd: `fsconfig` takes 256-byte values.
fn attach_reached_root(sys: &dyn Syscalls, container: &Container, in_userns: bool) -> Result<()> {
    let recipe = &container.recipe;
    let root = container.rootfs.as_path();
    let detached = match recipe.driver {
        RootfsDriver::Overlay => {
            let lowers: Vec<String> = recipe.lowerdirs.iter().map(|d| fd_name(d)).collect();
            let dir = |dir: &Option<PathBuf>| dir.as_deref().map(fd_name);
            let mut options = vec![
                ("lowerdir", Some(lowers.join(":"))),
                ("upperdir", dir(&recipe.upperdir)),
                ("workdir", dir(&recipe.workdir)),
            ];
            if in_userns {
                options.push(("userxattr", None));
            }
            DetachedRoot::Overlay(options)
        }
        RootfsDriver::Vfs => DetachedRoot::Bind,
        RootfsDriver::FuseOverlayfs => bail!("{FUSE_FOR_A_STRANGER}"),
    };
    sys.chdir(Path::new(FD_DIR))
        .with_context(|| format!("chdir {FD_DIR}"))?;
    let attached = sys
        .attach_root(&detached, root)
        .with_context(|| format!("mount the rootfs ({detached}) on {}", root.display()));
    sys.chdir(Path::new("/")).context("chdir /")?;
    attached
}

/// `N` for `/proc/self/fd/N` (relative to [`FD_DIR`]), else the path as it is.
fn fd_name(dir: &Path) -> String {
    match crate::runtime::userns::fd_number(dir) {
        Some(fd) => fd.to_string(),
        None => dir.display().to_string(),
    }
}

fn absolute_lowers(recipe: &RootfsRecipe) -> Vec<String> {
    recipe
        .lowerdirs
        .iter()
        .map(|dir| dir.display().to_string())
        .collect()
}

/// The overlay mount data. `userxattr` makes overlay read its whiteout and opaque markers from
/// `user.overlay.*`, the only xattrs a user namespace may write (and how layers are unpacked
/// rootless); as real root the markers are `trusted.overlay.*`, overlay's default.
pub(super) fn overlay_data(recipe: &RootfsRecipe, lowers: &[String], in_userns: bool) -> String {
    let mut data = overlay_options(recipe, lowers);
    if in_userns {
        data.push_str(",userxattr");
    }
    data
}

fn overlay_options(recipe: &RootfsRecipe, lowers: &[String]) -> String {
    let dir = |dir: &Option<PathBuf>| {
        dir.as_deref()
            .map(|d| d.display().to_string())
            .unwrap_or_default()
    };
    format!(
        "lowerdir={},upperdir={},workdir={}",
        lowers.join(":"),
        dir(&recipe.upperdir),
        dir(&recipe.workdir)
    )
}
