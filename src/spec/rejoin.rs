//! Pointing a stored spec at namespaces that moved: `--network container:NAME` names the other
//! container's namespaces by its waiter's PID, which changes whenever that container restarts.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use oci_spec::runtime::{LinuxNamespaceType, Spec};

/// Rewrites the paths of the `namespaces` (type, path) in `config.json` of `bundle`.
pub fn rejoin_namespaces(bundle: &Path, namespaces: &[(LinuxNamespaceType, &Path)]) -> Result<()> {
    let config = bundle.join("config.json");
    let mut spec = Spec::load(&config).with_context(|| format!("load {}", config.display()))?;
    let Some(list) = spec
        .linux_mut()
        .as_mut()
        .and_then(|l| l.namespaces_mut().as_mut())
    else {
        return Ok(());
    };
    for ns in list.iter_mut() {
        if let Some((_, path)) = namespaces.iter().find(|(typ, _)| *typ == ns.typ()) {
            ns.set_path(Some(path.to_path_buf()));
        }
    }
    spec.save(&config)
        .map_err(|e| anyhow!("write {}: {e}", config.display()))
}
