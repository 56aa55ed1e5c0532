//! The host paths a container's init opens or mounts, for a container root that cannot reach
//! them by path (see `runtime::userns` `reach`): the user namespace helper opens them first.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::config::{Container, bind_source};
use super::options::MountOptions;
use super::start_gate::{EXEC_FIFO, READY_FIFO};

/// What the init of `bundle` takes from the host: config.json, the rootfs dir, the recipe's
/// layers, upper and work dirs, every bind mount's source, and the start gate's fifos in
/// `gate_dir`.
pub(super) fn host_paths(bundle: &Path, gate_dir: Option<&Path>) -> Result<Vec<PathBuf>> {
    let container = Container::load(bundle)?;
    let recipe = &container.recipe;
    let mut paths = vec![bundle.join("config.json"), container.rootfs.clone()];
    paths.extend(recipe.lowerdirs.iter().cloned());
    paths.extend(recipe.upperdir.iter().chain(&recipe.workdir).cloned());
    for mount in container.spec.mounts().as_deref().unwrap_or_default() {
        let typ = mount.typ().as_deref().unwrap_or("");
        let options = MountOptions::parse(mount.options().as_deref().unwrap_or_default())?;
        let is_bind = options.bind.is_some() || typ == "bind" || typ == "rbind";
        if let (true, Some(source)) = (is_bind, mount.source()) {
            paths.push(bind_source(bundle, source));
        }
    }
    if let Some(dir) = gate_dir {
        paths.extend([dir.to_path_buf(), dir.join(READY_FIFO), dir.join(EXEC_FIFO)]);
    }
    Ok(paths)
}
