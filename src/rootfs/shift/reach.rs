//! An auto container's root is a subordinate ID that does not map the user, so it may enter
//! the user's directories only through their "other" permission bits, like any stranger. Its
//! runtime mounts the layers and the bundle by path from inside its namespace, so every
//! directory on the way to the store must let others pass (`x`, not `r`: names stay hidden).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{Context, Result, bail};

const OTHERS_SEARCH: u32 = 0o001;

/// Lets others pass through the store's own directories (root, `layers/`, `containers/`,
/// `volumes/`) but not list them, and checks that every directory above the store lets them
/// pass too.
pub fn open_store_to_subordinate_root(store_root: &Path) -> Result<()> {
    for name in ["", "layers", "containers", "volumes"] {
        let dir = store_root.join(name);
        if name == "volumes" && !dir.exists() {
            continue;
        }
        let mode = std::fs::metadata(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .permissions()
            .mode();
        if mode & 0o007 != OTHERS_SEARCH {
            let opened = std::fs::Permissions::from_mode((mode & 0o7770) | OTHERS_SEARCH);
            std::fs::set_permissions(&dir, opened)
                .with_context(|| format!("chmod o+x {}", dir.display()))?;
        }
    }
    let closed: Vec<String> = store_root
        .ancestors()
        .skip(1)
        .filter(|dir| {
            std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & OTHERS_SEARCH == 0)
        })
        .map(|dir| dir.display().to_string())
        .collect();
    if !closed.is_empty() {
        bail!(
            "--userns=auto: the container's root (a subordinate ID, not you) cannot pass through \
             {} to reach the store {}: run `chmod o+x {}`, or use a store (--root) under \
             directories others may pass through",
            closed.join(", "),
            store_root.display(),
            closed.join(" ")
        );
    }
    Ok(())
}
