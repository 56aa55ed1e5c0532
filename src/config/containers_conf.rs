//! containers.conf (containers.conf(5), containers-config(5)): the engine-wide defaults podman
//! reads. Only the keys engine uses are typed; every other key is ignored so a podman
//! configuration loads unchanged. `None` means "not set in any file": the caller applies
//! engine's default.
//!
//! Load order, later files overriding the keys they set:
//! `/usr/share/containers/containers.conf`, its `containers.conf.d/*.conf`, then
//! `containers.rootless.conf.d/*.conf` and `containers.rootless.conf.d/<UID>/*.conf` (rootless)
//! or `containers.rootful.conf.d/*.conf` (root); the same under `/etc/containers`; then, when
//! rootless, `$XDG_CONFIG_HOME/containers/containers.conf` and its `containers.conf.d/*.conf`.
//! `CONTAINERS_CONF=FILE` replaces all of that with FILE; `CONTAINERS_CONF_OVERRIDE=FILE` is
//! read last on top.

use super::{Paths, drop_in_files, parse_toml, read_optional};
use anyhow::{Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainersConf {
    pub engine: EngineSection,
    pub containers: ContainersSection,
    pub network: NetworkSection,
    /// The files that were read, in order.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EngineSection {
    /// OCI runtime name or path, e.g. "crun".
    pub runtime: Option<String>,
    /// "pasta" or "slirp4netns".
    pub default_rootless_network_cmd: Option<String>,
    /// "journald", "file" or "none".
    pub events_logger: Option<String>,
    /// Layer compression of pushes to a registry: "gzip", "zstd" or "zstd:chunked".
    pub compression_format: Option<String>,
    /// Its level (gzip 1-9, zstd 1-20).
    pub compression_level: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ContainersSection {
    /// Capabilities granted by default, e.g. ["CHOWN", "NET_BIND_SERVICE"].
    pub default_capabilities: Option<Vec<String>>,
    /// Path of the seccomp JSON profile ("" or "unconfined" disables it, as in podman).
    pub seccomp_profile: Option<String>,
    /// Max processes per container; 0 or -1 means unlimited.
    pub pids_limit: Option<i64>,
    /// The init binary used by `--init`.
    pub init_path: Option<PathBuf>,
    /// Default user namespace mode, e.g. "keep-id" or "auto".
    pub userns: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct NetworkSection {
    /// "pasta" or "slirp4netns": the helper of rootless containers without `--network`
    /// (podman's key; the `[engine]` one is read too, this one wins).
    pub default_rootless_network_cmd: Option<String>,
}

impl ContainersConf {
    /// The configured rootless network helper, from `[network]` or else `[engine]`.
    pub fn default_rootless_network_cmd(&self) -> Option<&str> {
        self.network
            .default_rootless_network_cmd
            .as_deref()
            .or(self.engine.default_rootless_network_cmd.as_deref())
    }
}

#[derive(Deserialize, Default)]
struct RawFile {
    #[serde(default)]
    engine: EngineSection,
    #[serde(default)]
    containers: ContainersSection,
    #[serde(default)]
    network: NetworkSection,
}

impl ContainersConf {
    pub fn load(paths: &Paths) -> Result<ContainersConf> {
        let env_file = |var: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let files = match env_file("CONTAINERS_CONF") {
            Some(only) => {
                if !only.exists() {
                    bail!(
                        "CONTAINERS_CONF names {}, which does not exist: create it or unset the variable",
                        only.display()
                    );
                }
                vec![only]
            }
            None => default_files(paths)?,
        };
        let mut conf = Self::load_files(&files)?;
        if let Some(last) = env_file("CONTAINERS_CONF_OVERRIDE") {
            if !last.exists() {
                bail!(
                    "CONTAINERS_CONF_OVERRIDE names {}, which does not exist: create it or unset the variable",
                    last.display()
                );
            }
            conf = conf.overlaid_by_file(&last)?;
        }
        Ok(conf)
    }

    /// Reads `files` in order (missing ones are skipped), later keys overriding earlier ones.
    pub(crate) fn load_files(files: &[PathBuf]) -> Result<ContainersConf> {
        files.iter().try_fold(ContainersConf::default(), |conf, f| {
            conf.overlaid_by_file(f)
        })
    }

    fn overlaid_by_file(mut self, file: &Path) -> Result<ContainersConf> {
        let Some(text) = read_optional(file)? else {
            return Ok(self);
        };
        let raw: RawFile = parse_toml(file, &text)?;
        let (e, c) = (raw.engine, raw.containers);
        overlay(
            &mut self.network.default_rootless_network_cmd,
            raw.network.default_rootless_network_cmd,
        );
        let engine = &mut self.engine;
        overlay(&mut engine.runtime, e.runtime);
        overlay(
            &mut engine.default_rootless_network_cmd,
            e.default_rootless_network_cmd,
        );
        overlay(&mut engine.events_logger, e.events_logger);
        overlay(&mut engine.compression_format, e.compression_format);
        overlay(&mut engine.compression_level, e.compression_level);
        let containers = &mut self.containers;
        overlay(&mut containers.default_capabilities, c.default_capabilities);
        overlay(&mut containers.seccomp_profile, c.seccomp_profile);
        overlay(&mut containers.pids_limit, c.pids_limit);
        overlay(&mut containers.init_path, c.init_path);
        overlay(&mut containers.userns, c.userns);
        self.files.push(file.to_path_buf());
        Ok(self)
    }
}

fn overlay<T>(slot: &mut Option<T>, later: Option<T>) {
    if later.is_some() {
        *slot = later;
    }
}

/// The default file list (see the module comment); drop-in directories are listed now.
fn default_files(paths: &Paths) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for base in [&paths.share_config_dir, &paths.system_config_dir] {
        files.push(base.join("containers.conf"));
        files.extend(drop_in_files(&base.join("containers.conf.d"))?);
        if paths.rootless {
            let rootless = base.join("containers.rootless.conf.d");
            files.extend(drop_in_files(&rootless)?);
            files.extend(drop_in_files(&rootless.join(paths.uid.to_string()))?);
        } else {
            files.extend(drop_in_files(&base.join("containers.rootful.conf.d"))?);
        }
    }
    if let Some(user) = paths.user_config_dir() {
        files.push(user.join("containers.conf"));
        files.extend(drop_in_files(&user.join("containers.conf.d"))?);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn compression_keys_of_the_engine_section_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.conf");
        fs::write(
            &file,
            "[engine]\ncompression_format = \"zstd\"\ncompression_level = 12\n",
        )
        .unwrap();
        let conf = ContainersConf::load_files(&[file]).unwrap();
        assert_eq!(conf.engine.compression_format.as_deref(), Some("zstd"));
        assert_eq!(conf.engine.compression_level, Some(12));
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn later_files_override_only_the_keys_they_set() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let paths = Paths::sandbox(root);
        write(
            root,
            "usr/share/containers/containers.conf",
            "[containers]\npids_limit = 2048\nuserns = \"auto\"\n[engine]\nruntime = \"runc\"\n[network]\nfoo = 1\n",
        );
        write(
            root,
            "etc/containers/containers.conf",
            "[engine]\nruntime = \"crun\"\nevents_logger = \"file\"\n",
        );
        write(
            root,
            "etc/containers/containers.conf.d/10.conf",
            "[containers]\ndefault_capabilities = [\"CHOWN\"]\n",
        );
        write(
            root,
            "etc/containers/containers.rootful.conf.d/x.conf",
            "[containers]\nuserns = \"host\"\n",
        );
        write(
            root,
            "etc/containers/containers.rootless.conf.d/1000/x.conf",
            "[containers]\ninit_path = \"/bin/tini\"\n",
        );
        write(
            root,
            "home/.config/containers/containers.conf",
            "[engine]\ndefault_rootless_network_cmd = \"slirp4netns\"\n",
        );
        write(
            root,
            "home/.config/containers/containers.conf.d/z.conf",
            "[containers]\npids_limit = 0\n",
        );
        let conf = ContainersConf::load_files(&default_files(&paths).unwrap()).unwrap();
        assert_eq!(conf.engine.runtime.as_deref(), Some("crun"));
        assert_eq!(conf.engine.events_logger.as_deref(), Some("file"));
        assert_eq!(
            conf.engine.default_rootless_network_cmd.as_deref(),
            Some("slirp4netns")
        );
        assert_eq!(conf.containers.pids_limit, Some(0));
        assert_eq!(
            conf.containers.userns.as_deref(),
            Some("auto"),
            "rootful drop-in skipped"
        );
        assert_eq!(
            conf.containers.init_path.as_deref(),
            Some(Path::new("/bin/tini"))
        );
        assert_eq!(
            conf.containers.default_capabilities,
            Some(vec!["CHOWN".to_string()])
        );
        assert_eq!(conf.containers.seccomp_profile, None);
        assert_eq!(conf.files.len(), 6);
        assert_eq!(conf.default_rootless_network_cmd(), Some("slirp4netns"));
    }

    #[test]
    fn network_section_wins_over_the_engine_key() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "a.conf",
            "[engine]\ndefault_rootless_network_cmd = \"slirp4netns\"\n",
        );
        write(
            dir.path(),
            "b.conf",
            "[network]\ndefault_rootless_network_cmd = \"pasta\"\n",
        );
        let files = [dir.path().join("b.conf"), dir.path().join("a.conf")];
        let conf = ContainersConf::load_files(&files).unwrap();
        assert_eq!(conf.default_rootless_network_cmd(), Some("pasta"));
        let conf = ContainersConf::load_files(&files[1..]).unwrap();
        assert_eq!(conf.default_rootless_network_cmd(), Some("slirp4netns"));
        assert_eq!(
            ContainersConf::default().default_rootless_network_cmd(),
            None
        );
    }

    #[test]
    fn root_reads_rootful_drop_ins_and_no_user_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut paths = Paths::sandbox(root);
        paths.rootless = false;
        write(
            root,
            "etc/containers/containers.rootful.conf.d/x.conf",
            "[containers]\nuserns = \"host\"\n",
        );
        write(
            root,
            "home/.config/containers/containers.conf",
            "[containers]\npids_limit = 5\n",
        );
        let conf = ContainersConf::load_files(&default_files(&paths).unwrap()).unwrap();
        assert_eq!(conf.containers.userns.as_deref(), Some("host"));
        assert_eq!(conf.containers.pids_limit, None);
    }

    #[test]
    fn type_errors_name_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "c.conf",
            "[containers]\n\npids_limit = \"many\"\n",
        );
        let msg = ContainersConf::load_files(&[dir.path().join("c.conf")])
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("c.conf, line 3, key `containers.pids_limit`"),
            "{msg}"
        );
    }

    #[test]
    fn shipped_example_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "c.conf",
            include_str!("../../config/containers.conf"),
        );
        let conf = ContainersConf::load_files(&[dir.path().join("c.conf")]).unwrap();
        assert_eq!(
            conf.engine,
            EngineSection::default(),
            "everything is commented out"
        );
    }
}
