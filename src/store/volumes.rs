//! Named volumes: `<root>/volumes/<name>/_data`, created on first use like podman's, owned by
//! the user (root inside a rootless container).

use std::fs;
use std::io;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use super::Store;

impl Store {
    fn volumes_dir(&self) -> PathBuf {
        self.root.join("volumes")
    }

    /// The data directory of volume `name`, created if it does not exist yet.
    pub fn volume_data(&self, name: &str) -> Result<PathBuf> {
        check_volume_name(name)?;
        let data = self.volumes_dir().join(name).join("_data");
        fs::create_dir_all(&data)
            .with_context(|| format!("creating volume {name} at {}", data.display()))?;
        Ok(data)
    }

    /// Every volume name.
    pub fn volumes(&self) -> Result<Vec<String>> {
        let dir = self.volumes_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .collect();
        names.sort();
        Ok(names)
    }
}

/// podman's rule for volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn check_volume_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
        bail!(
            "invalid volume name {name:?}: use letters, digits, '_', '.' and '-', starting with a letter or digit"
        );
    }
    Ok(())
}
