//! The network a container asked for, as stored in its record (`RunSettings::network`): what
//! the monitor needs to start the helper, and what `ps` and `port` show.

use std::fmt;
use std::path::PathBuf;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use super::names::NameOptions;
use super::ports::PortMapping;
use super::slirp::SlirpOptions;
use crate::util::proc::find_executable;

/// `--network`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum NetworkMode {
    /// A network namespace of its own holding only loopback.
    #[default]
    None,
    /// The host's network namespace.
    Host,
    /// A namespace of its own connected by pasta; `options` are extra pasta arguments.
    Pasta { options: Vec<String> },
    /// A namespace of its own connected by slirp4netns; `options` are `key=value` settings.
    Slirp4netns { options: Vec<String> },
    /// The network namespace of another container (its full ID once created).
    Container { id: String },
    /// `ns:PATH`: an existing network namespace.
    Path { path: PathBuf },
}

/// The package that provides each helper, for the "not installed" errors.
pub const PASTA_PACKAGE: &str = "passt";
pub const SLIRP4NETNS_PACKAGE: &str = "slirp4netns";

impl NetworkMode {
    /// Parses `--network VALUE`. `container:NAME` keeps the name as given: the caller resolves
    /// it to the container's ID.
    pub fn parse(value: &str) -> Result<NetworkMode> {
        let (name, options) = match value.split_once(':') {
            Some((name, options)) => (name, Some(options)),
            None => (value, None),
        };
        let list = |options: Option<&str>| -> Vec<String> {
            options
                .into_iter()
                .flat_map(|o| o.split(','))
                .filter(|o| !o.is_empty())
                .map(String::from)
                .collect()
        };
        Ok(match (name, options) {
            ("none", None) => NetworkMode::None,
            ("host", None) => NetworkMode::Host,
            ("pasta", options) => NetworkMode::Pasta {
                options: list(options),
            },
            ("slirp4netns", options) => {
                let options = list(options);
                SlirpOptions::parse(&options)?;
                NetworkMode::Slirp4netns { options }
            }
            ("container", Some(id)) if !id.is_empty() => NetworkMode::Container { id: id.into() },
            ("ns", Some(path)) if path.starts_with('/') => NetworkMode::Path { path: path.into() },
            ("ns", _) => bail!("--network {value:?}: use ns:PATH with an absolute PATH"),
            ("container", _) => bail!("--network {value:?}: use container:NAME or container:ID"),
            ("bridge", _) => {
                bail!(
                    "--network bridge is not available rootless in engine: use pasta (the \
                     default), slirp4netns, none, host or container:NAME"
                )
            }
            _ => bail!(
                "invalid --network {value:?}: use pasta[:OPTIONS], slirp4netns[:OPTIONS], none, \
                 host, container:NAME or ns:PATH"
            ),
        })
    }

    /// The mode without `--network`: containers.conf's `default_rootless_network_cmd`, else pasta
    /// when installed, else slirp4netns; an error naming both packages when neither is.
    pub fn default_for(
        configured: Option<&str>,
        path_var: Option<&std::ffi::OsStr>,
    ) -> Result<NetworkMode> {
        match configured.filter(|c| !c.is_empty()) {
            Some("pasta") => {
                return Ok(NetworkMode::Pasta {
                    options: Vec::new(),
                });
            }
            Some("slirp4netns") => {
                return Ok(NetworkMode::Slirp4netns {
                    options: Vec::new(),
                });
            }
            Some(other) => bail!(
                "containers.conf default_rootless_network_cmd = {other:?} is not a network \
                 helper: use \"pasta\" or \"slirp4netns\""
            ),
            None => {}
        }
        if find_executable("pasta", path_var).is_some() {
            Ok(NetworkMode::Pasta {
                options: Vec::new(),
            })
        } else if find_executable("slirp4netns", path_var).is_some() {
            Ok(NetworkMode::Slirp4netns {
                options: Vec::new(),
            })
        } else {
            bail!(
                "no network helper for rootless containers: install the {PASTA_PACKAGE} package \
                 (pasta) or {SLIRP4NETNS_PACKAGE}, or run without a network (--network none)"
            )
        }
    }

    /// Whether the container gets a network namespace of its own that only it uses.
    pub fn is_private(&self) -> bool {
        matches!(
            self,
            NetworkMode::None | NetworkMode::Pasta { .. } | NetworkMode::Slirp4netns { .. }
        )
    }

    /// Whether published ports can work: only a helper forwards them.
    pub fn has_helper(&self) -> bool {
        matches!(
            self,
            NetworkMode::Pasta { .. } | NetworkMode::Slirp4netns { .. }
        )
    }
}

/// As `--network` spells it (and `inspect` shows it).
impl fmt::Display for NetworkMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let with_options = |f: &mut fmt::Formatter<'_>, name: &str, options: &[String]| {
            if options.is_empty() {
                write!(f, "{name}")
            } else {
                write!(f, "{name}:{}", options.join(","))
            }
        };
        match self {
            NetworkMode::None => write!(f, "none"),
            NetworkMode::Host => write!(f, "host"),
            NetworkMode::Pasta { options } => with_options(f, "pasta", options),
            NetworkMode::Slirp4netns { options } => with_options(f, "slirp4netns", options),
            NetworkMode::Container { id } => write!(f, "container:{id}"),
            NetworkMode::Path { path } => write!(f, "ns:{}", path.display()),
        }
    }
}

/// Everything about a container's network, fixed when it is created.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkConfig {
    pub mode: NetworkMode,
    /// `-p` and `-P`, host ports chosen.
    pub ports: Vec<PortMapping>,
    /// `--dns*`, `--add-host`, `--no-hosts`.
    pub names: NameOptions,
}

impl NetworkConfig {
    pub fn new(mode: NetworkMode) -> NetworkConfig {
        NetworkConfig {
            mode,
            ..NetworkConfig::default()
        }
    }
}
