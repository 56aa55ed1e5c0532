//! What the user asked for, as plain data. `cli/` maps its clap flags onto these types; nothing
//! here knows about clap, so the spec can be built (and tested) without a command line.

use std::path::PathBuf;

use super::mount_request::MountRequest;
use crate::network::ports::PortRequest;
use crate::network::{JoinedNetwork, NetworkConfig};

/// `--security-opt seccomp=...`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SeccompChoice {
    /// containers' default profile (seccomp.json).
    #[default]
    Default,
    /// `seccomp=unconfined`: no filter at all.
    Unconfined,
    /// `seccomp=/path/to/profile.json`.
    Profile(PathBuf),
}

pub use crate::network::NetworkMode;

/// `--userns`. The ID mappings themselves are computed by the caller (they need /etc/subuid);
/// the spec only needs to know whether a user namespace exists and who the default user is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UsernsMode {
    /// Rootless: the user's subordinate IDs. Real root: no user namespace (podman's `host`).
    #[default]
    Default,
    /// Rootless: same as `Default` (there is no outer namespace to share). Real root: none.
    Host,
    /// `keep-id[:uid=N,gid=N]`: the user's own UID/GID appear inside as `uid`/`gid` (default:
    /// unchanged); the process runs as them by default.
    KeepId { uid: Option<u32>, gid: Option<u32> },
    /// `auto[:size=N]`: a range of subordinate IDs of the container's own.
    Auto { size: Option<u32> },
}

impl UsernsMode {
    /// Parses `--userns` (and containers.conf `userns`): `host`, `keep-id[:uid=N,gid=N]`,
    /// `auto[:size=N]`; empty means the default.
    pub fn parse(text: &str) -> anyhow::Result<UsernsMode> {
        let (name, options) = match text.split_once(':') {
            Some((name, options)) => (name, Some(options)),
            None => (text, None),
        };
        let allowed: &[&str] = match name {
            "" | "host" if options.is_none() => {
                return Ok(match name {
                    "" => UsernsMode::Default,
                    _ => UsernsMode::Host,
                });
            }
            "keep-id" => &["uid", "gid"],
            "auto" => &["size"],
            _ => anyhow::bail!(
                "invalid --userns {text:?}: use host, keep-id[:uid=N,gid=N] or auto[:size=N]"
            ),
        };
        let mut values = std::collections::BTreeMap::new();
        for option in options.into_iter().flat_map(|o| o.split(',')) {
            let parsed = option
                .split_once('=')
                .filter(|(key, _)| allowed.contains(key))
                .and_then(|(key, value)| Some((key, value.parse::<u32>().ok()?)));
            let Some((key, value)) = parsed else {
                anyhow::bail!(
                    "invalid --userns {text:?}: {option:?} is not one of {name}'s options ({}=N)",
                    allowed.join("=N, ")
                );
            };
            values.insert(key, value);
        }
        Ok(match name {
            "keep-id" => UsernsMode::KeepId {
                uid: values.get("uid").copied(),
                gid: values.get("gid").copied(),
            },
            _ => match values.get("size") {
                Some(0) => anyhow::bail!("invalid --userns {text:?}: size must be at least 1"),
                size => UsernsMode::Auto {
                    size: size.copied(),
                },
            },
        })
    }

    pub fn is_keep_id(self) -> bool {
        matches!(self, UsernsMode::KeepId { .. })
    }
}

/// Everything `engine run` needs to know to describe the container, minus the image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Arguments after the image name; replace the image's CMD.
    pub command: Vec<String>,
    /// `--entrypoint`: `None` keeps the image's; `Some(vec![])` (from `--entrypoint ""`) resets it.
    /// Any `Some` also drops the image's CMD, like docker.
    pub entrypoint: Option<Vec<String>>,
    /// `-e`, in order: `KEY=VALUE`, `KEY` (copied from the host if set there), `PREFIX*` (every
    /// host variable starting with PREFIX).
    pub env: Vec<String>,
    /// `--env-file`, applied before `-e`.
    pub env_files: Vec<PathBuf>,
    /// `-w`.
    pub workdir: Option<String>,
    /// `-u`: `user`, `uid`, `user:group`, `uid:gid` (names looked up in the image).
    pub user: Option<String>,
    /// `--group-add`: group names (looked up in the image) or GIDs.
    pub groups: Vec<String>,
    /// `--hostname`.
    pub hostname: Option<String>,
    /// `--read-only`.
    pub read_only: bool,
    /// `--read-only-tmpfs` (podman's default: true): with `--read-only`, tmpfs on /tmp, /var/tmp
    /// and /run so programs still have somewhere to write.
    pub read_only_tmpfs: bool,
    /// `--cap-add` / `--cap-drop`: names with or without `CAP_`, any case, or `ALL`.
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    /// containers.conf `default_capabilities`; `None` = podman's built-in eleven.
    pub default_capabilities: Option<Vec<String>>,
    /// `--privileged`.
    pub privileged: bool,
    /// `--security-opt seccomp=`.
    pub seccomp: SeccompChoice,
    /// `--security-opt no-new-privileges`.
    pub no_new_privileges: bool,
    /// `-v`, `--mount`, `--tmpfs`, already parsed (see [`super::mount_request`]) and with volume
    /// sources resolved.
    pub mounts: Vec<MountRequest>,
    /// `--ulimit`: `name=soft[:hard]`, e.g. `nofile=1024:2048`.
    pub ulimits: Vec<String>,
    /// `--init`: run a tiny init as PID 1 that reaps zombies and forwards signals.
    pub init: bool,
    /// `--init-path` or containers.conf `init_path`; `None` = search the usual catatonit places.
    pub init_path: Option<PathBuf>,
    /// `--network`, `-p`, `--dns*`, `--add-host`, `--no-hosts`.
    pub network: NetworkConfig,
    /// For `--network container:` and `ns:`: the namespaces to join (and the other container's
    /// /etc files), resolved by the caller.
    pub joined_network: Option<JoinedNetwork>,
    /// `-p`, parsed; the host ports left open are chosen when the container is created.
    pub publish: Vec<PortRequest>,
    /// `-P`: also publish the image's ExposedPorts.
    pub publish_all: bool,
    /// `--label`: stored with the container; not part of the OCI spec.
    pub labels: Vec<(String, String)>,
    /// `-t`.
    pub tty: bool,
    /// `-i`: keeps stdin open; the runtime's concern, not the spec's.
    pub interactive: bool,
    /// `--userns`.
    pub userns: UsernsMode,
    /// `--annotation`.
    pub annotations: Vec<(String, String)>,
    /// 64 hex digits.
    pub container_id: String,
    /// `--name` or the generated name.
    pub container_name: String,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            command: Vec::new(),
            entrypoint: None,
            env: Vec::new(),
            env_files: Vec::new(),
            workdir: None,
            user: None,
            groups: Vec::new(),
            hostname: None,
            read_only: false,
            read_only_tmpfs: true,
            cap_add: Vec::new(),
            cap_drop: Vec::new(),
            default_capabilities: None,
            privileged: false,
            seccomp: SeccompChoice::Default,
            no_new_privileges: false,
            mounts: Vec::new(),
            ulimits: Vec::new(),
            init: false,
            init_path: None,
            network: NetworkConfig::default(),
            joined_network: None,
            publish: Vec::new(),
            publish_all: false,
            labels: Vec::new(),
            tty: false,
            interactive: false,
            userns: UsernsMode::Default,
            annotations: Vec::new(),
            container_id: String::new(),
            container_name: String::new(),
        }
    }
}

impl RunOptions {
    /// The seccomp profile that actually applies: `--privileged` turns the *default* profile off
    /// (an explicitly named profile still applies), like podman. Callers use this to decide
    /// whether to load a profile at all.
    pub fn effective_seccomp(&self) -> SeccompChoice {
        match (&self.seccomp, self.privileged) {
            (SeccompChoice::Default, true) => SeccompChoice::Unconfined,
            (choice, _) => choice.clone(),
        }
    }
}
