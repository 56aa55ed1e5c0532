//! storage.conf (containers-storage.conf(5)), read only for the few settings engine shares
//! with podman. `graphroot` (and `rootless_storage_path`) are deliberately ignored: engine keeps
//! its own store under `$XDG_DATA_HOME/engine`, because podman's on-disk format is not ours.
//!
//! File choice, as containers/storage does it: `CONTAINERS_STORAGE_CONF=FILE`; else, when
//! rootless, `$XDG_CONFIG_HOME/containers/storage.conf` if it exists; else
//! `/etc/containers/storage.conf`, else `/usr/share/containers/storage.conf`. The first file
//! found is used alone: they are not merged.

use super::{Paths, parse_toml, read_optional};
use anyhow::{Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageConf {
    /// "overlay", "vfs", ...; None when unset or empty.
    pub driver: Option<String>,
    /// Where transient state lives. A rootless user gets it only from their own file: the
    /// system file's runroot is root's.
    pub runroot: Option<PathBuf>,
    /// FUSE overlay helper, e.g. /usr/bin/fuse-overlayfs.
    pub mount_program: Option<PathBuf>,
    /// The file read, if any.
    pub file: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
struct RawFile {
    #[serde(default)]
    storage: RawStorage,
}

#[derive(Deserialize, Default)]
struct RawStorage {
    driver: Option<String>,
    runroot: Option<PathBuf>,
    #[serde(default)]
    options: RawOptions,
}

#[derive(Deserialize, Default)]
struct RawOptions {
    /// Older files put it directly under [storage.options].
    mount_program: Option<PathBuf>,
    #[serde(default)]
    overlay: RawOverlay,
}

#[derive(Deserialize, Default)]
struct RawOverlay {
    mount_program: Option<PathBuf>,
}

impl StorageConf {
    pub fn load(paths: &Paths) -> Result<StorageConf> {
        let from_env = std::env::var_os("CONTAINERS_STORAGE_CONF")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        if let Some(file) = from_env {
            let Some(text) = read_optional(&file)? else {
                bail!(
                    "CONTAINERS_STORAGE_CONF names {}, which does not exist: create it or unset the variable",
                    file.display()
                );
            };
            return Self::parse(&file, &text, true);
        }
        let user = paths.user_config_dir().map(|d| d.join("storage.conf"));
        Self::load_from(
            user.as_deref(),
            &[
                paths.system_config_dir.join("storage.conf"),
                paths.share_config_dir.join("storage.conf"),
            ],
        )
    }

    /// The user's file if present, else the first system file present, else defaults.
    pub(crate) fn load_from(user: Option<&Path>, system: &[PathBuf]) -> Result<StorageConf> {
        if let Some(file) = user
            && let Some(text) = read_optional(file)?
        {
            return Self::parse(file, &text, true);
        }
        for file in system {
            if let Some(text) = read_optional(file)? {
                // Only root may use the system runroot; rootless keeps its own default.
                return Self::parse(file, &text, user.is_none());
            }
        }
        Ok(StorageConf::default())
    }

    fn parse(file: &Path, text: &str, runroot_applies: bool) -> Result<StorageConf> {
        let raw: RawFile = parse_toml(file, text)?;
        let storage = raw.storage;
        Ok(StorageConf {
            driver: storage.driver.filter(|d| !d.is_empty()),
            runroot: storage
                .runroot
                .filter(|r| runroot_applies && !r.as_os_str().is_empty()),
            mount_program: storage
                .options
                .overlay
                .mount_program
                .or(storage.options.mount_program)
                .filter(|p| !p.as_os_str().is_empty()),
            file: Some(file.to_path_buf()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn user_file_replaces_system_files() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.conf");
        let etc = dir.path().join("etc.conf");
        let share = dir.path().join("share.conf");
        let system = [etc.clone(), share.clone()];
        assert_eq!(
            StorageConf::load_from(Some(&user), &system).unwrap(),
            StorageConf::default()
        );

        fs::write(&share, "[storage]\ndriver = \"vfs\"\n").unwrap();
        assert_eq!(
            StorageConf::load_from(Some(&user), &system)
                .unwrap()
                .driver
                .as_deref(),
            Some("vfs")
        );

        fs::write(
            &etc,
            "[storage]\ndriver = \"overlay\"\nrunroot = \"/run/containers/storage\"\ngraphroot = \"/var/lib/containers/storage\"\n[storage.options.overlay]\nmount_program = \"/usr/bin/fuse-overlayfs\"\n",
        )
        .unwrap();
        let rootless = StorageConf::load_from(Some(&user), &system).unwrap();
        assert_eq!(rootless.driver.as_deref(), Some("overlay"));
        assert_eq!(
            rootless.runroot, None,
            "root's runroot is not for rootless users"
        );
        assert_eq!(
            rootless.mount_program.as_deref(),
            Some(Path::new("/usr/bin/fuse-overlayfs"))
        );
        assert_eq!(rootless.file.as_deref(), Some(etc.as_path()));
        let root = StorageConf::load_from(None, &system).unwrap();
        assert_eq!(
            root.runroot.as_deref(),
            Some(Path::new("/run/containers/storage"))
        );

        fs::write(&user, "[storage]\nrunroot = \"/run/user/1000/c\"\ndriver = \"\"\n[storage.options]\nmount_program = \"/bin/fo\"\n").unwrap();
        let mine = StorageConf::load_from(Some(&user), &system).unwrap();
        assert_eq!(
            mine.driver, None,
            "not merged with the system file; empty means unset"
        );
        assert_eq!(mine.runroot.as_deref(), Some(Path::new("/run/user/1000/c")));
        assert_eq!(mine.mount_program.as_deref(), Some(Path::new("/bin/fo")));
    }

    #[test]
    fn type_error_names_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("storage.conf");
        fs::write(&file, "[storage]\ndriver = 3\n").unwrap();
        let msg = StorageConf::load_from(None, &[file])
            .unwrap_err()
            .to_string();
        assert!(msg.contains("line 2, key `storage.driver`"), "{msg}");
    }

    #[test]
    fn shipped_example_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("storage.conf");
        fs::write(&file, include_str!("../../config/storage.conf")).unwrap();
        let conf = StorageConf::load_from(Some(&file), &[]).unwrap();
        assert_eq!(conf.driver, None);
        assert_eq!(conf.file.as_deref(), Some(file.as_path()));
    }
}
