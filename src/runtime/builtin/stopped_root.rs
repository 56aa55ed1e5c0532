//! A stopped container's root filesystem, mounted for `engine cp` the way its PID 1 would
//! see it at start (the image's layers and the container's changes), without its volumes.

use std::path::Path;

use anyhow::{Context, Result};

use super::config::Container;
use super::linux::LinuxSyscalls;
use super::{namespaces, rootfs};
use crate::runtime::userns::{IdMappings, Reached, in_user_namespace, root_is_a_stranger};

/// The host paths to have the user namespace helper open (`UsernsCommand::reach`) for
/// [`enter_stopped_container`] in a namespace with `mappings`: none unless its root is a
/// stranger to the user's files (`--userns=auto`).
pub fn stopped_root_reach(bundle: &Path, mappings: &IdMappings) -> Result<Vec<std::path::PathBuf>> {
    match root_is_a_stranger(mappings) {
        true => super::reach::host_paths(bundle, None),
        false => Ok(Vec::new()),
    }
}

/// Mounts the rootfs of the container of `bundle` and makes it this process's root. Runs
/// in a user namespace with the container's ID mappings (`UsernsCommand`, rootless, given
/// [`stopped_root_reach`] when its root is a stranger to the user's files), or as real root;
/// single-threaded (a fuse-overlayfs daemon is forked, and dies with us).
pub fn enter_stopped_container(bundle: &Path) -> Result<()> {
    let reached = Reached::take_from_env().map_err(anyhow::Error::msg)?;
    let container = Container::load_reached(bundle, reached)?;
    let in_userns = in_user_namespace();
    namespaces::private_mount_namespace(in_userns)?;
    let sys = LinuxSyscalls::default();
    rootfs::start_fuse_overlayfs(&sys, &container)?;
    rootfs::prepare_rootfs(&sys, &container, in_userns)?;
    let root = &container.rootfs;
    nix::unistd::chroot(root).with_context(|| format!("chroot {}", root.display()))?;
    container.reached.close();
    nix::unistd::chdir("/").context("chdir / in the container's root")
}
