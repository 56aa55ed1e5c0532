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

    /// Where volume `name` keeps its data (whether or not it exists).
    pub fn volume_path(&self, name: &str) -> PathBuf {
        self.volumes_dir().join(name).join("_data")
    }

    /// The data directory of volume `name`, created if it does not exist yet.
    pub fn volume_data(&self, name: &str) -> Result<PathBuf> {
        check_volume_name(name)?;
        let data = self.volumes_dir().join(name).join("_data");
        fs::create_dir_all(&data)
            .with_context(|| format!("creating volume {name} at {}", data.display()))?;
        Ok(data)
    }

    /// Creates volume `name`; an existing one is an error unless `ignore_existing`.
    pub fn create_volume(&self, name: &str, ignore_existing: bool) -> Result<PathBuf> {
        check_volume_name(name)?;
        let _lock = self.lock_exclusive()?;
        let dir = self.volumes_dir().join(name);
        if dir.exists() && !ignore_existing {
            bail!("volume {name} already exists; choose another name or use --ignore");
        }
        drop(_lock);
        self.volume_data(name)
    }

    /// Removes volume `name` and its data; refused while a container uses it unless `force`.
    pub fn remove_volume(&self, name: &str, force: bool) -> Result<()> {
        check_volume_name(name)?;
        let _lock = self.lock_exclusive()?;
        let dir = self.volumes_dir().join(name);
        if !dir.exists() {
            bail!("no such volume {name} (see `engine volume ls`)");
        }
        if !force && self.volumes_in_use()?.iter().any(|v| v == name) {
            bail!(
                "volume {name} is used by a container; remove the container first, or use --force"
            );
        }
        // Files a container wrote as another user belong to subordinate ids.
        super::tmp::remove_any(&dir, &self.remover)
            .with_context(|| format!("removing volume {name}"))
    }

    /// Volumes no container uses.
    pub fn unused_volumes(&self) -> Result<Vec<String>> {
        let used = {
            let _lock = self.lock_shared()?;
            self.volumes_in_use()?
        };
        Ok(self
            .volumes()?
            .into_iter()
            .filter(|v| !used.contains(v))
            .collect())
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
