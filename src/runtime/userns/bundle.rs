//! The ID maps of one container, as its bundle's config.json records them.

use std::path::Path;

use anyhow::{Result, anyhow};
use oci_spec::runtime::{LinuxIdMapping, Spec};

use super::mappings::{IdMappings, IdRange, rootless_mappings};

/// The user namespace `bundle`'s container runs in: the maps of its config.json (the storage
/// layout, keep-id or auto), or the rootless default when it has none (real root).
pub fn bundle_mappings(bundle: &Path) -> Result<IdMappings> {
    let config = bundle.join("config.json");
    let spec = Spec::load(&config).map_err(|e| anyhow!("reading {}: {e}", config.display()))?;
    let linux = spec.linux().as_ref();
    let ranges = |maps: Option<&Vec<LinuxIdMapping>>| -> Vec<IdRange> {
        maps.map(|maps| maps.iter().map(from_oci).collect())
            .unwrap_or_default()
    };
    let uids = ranges(linux.and_then(|l| l.uid_mappings().as_ref()));
    let gids = ranges(linux.and_then(|l| l.gid_mappings().as_ref()));
    if uids.is_empty() || gids.is_empty() {
        return Ok(rootless_mappings()?.0);
    }
    Ok(IdMappings { uids, gids })
}

fn from_oci(map: &LinuxIdMapping) -> IdRange {
    IdRange {
        container: map.container_id(),
        host: map.host_id(),
        size: map.size(),
    }
}
