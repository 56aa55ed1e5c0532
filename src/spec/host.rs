//! Facts about the host the spec depends on, gathered in one place so that building a spec is a
//! pure function of its inputs (tests construct a `HostContext` by hand).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use nix::sys::resource::{Resource, getrlimit};

use crate::network::HostNetwork;

/// systemd-resolved's stub listener, useless from another network namespace; its real upstream
/// list is kept in [`RESOLVED_UPSTREAM`].
const RESOLVED_STUB: &str = "127.0.0.53";
const RESOLVED_UPSTREAM: &str = "/run/systemd/resolve/resolv.conf";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostContext {
    /// The engine runs without real root (everything happens in a user namespace).
    pub rootless: bool,
    /// The user's IDs: the default container user with `--userns keep-id`.
    pub uid: u32,
    pub gid: u32,
    /// The host's hostname: the container's default with `--network host`.
    pub hostname: String,
    /// The engine's environment, for `-e KEY` and `KEY` lines of env files.
    pub env: Vec<(String, String)>,
    /// Current (soft, hard) limits: a rootless container cannot exceed the hard ones.
    pub nofile: (u64, u64),
    pub nproc: (u64, u64),
    /// `/proc/sys/kernel/cap_last_cap`: newer capabilities do not exist on this kernel.
    pub cap_last_cap: u8,
    /// /etc/hosts, the base of the container's.
    pub hosts: String,
    /// The resolv.conf whose servers work from the host (see [`HostContext::current`]).
    pub resolv_conf: String,
    /// The host's address and gateway: what the container's /etc/hosts names.
    pub network: HostNetwork,
    /// The user's passwd and group entries: the account `--userns keep-id` adds to the image.
    pub account: HostAccount,
}

/// The user's name, full name, home and primary group name on the host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostAccount {
    pub name: String,
    pub gecos: String,
    pub home: String,
    pub group_name: String,
}

impl HostAccount {
    /// From the host's passwd and group databases; numbers when the IDs have no entry.
    pub fn of(uid: u32, gid: u32) -> HostAccount {
        use nix::unistd::{Gid, Group, Uid, User};
        let user = User::from_uid(Uid::from_raw(uid)).ok().flatten();
        let group = Group::from_gid(Gid::from_raw(gid)).ok().flatten();
        HostAccount {
            name: user.as_ref().map_or(uid.to_string(), |u| u.name.clone()),
            gecos: user
                .as_ref()
                .map(|u| u.gecos.to_string_lossy().into_owned())
                .unwrap_or_default(),
            home: user
                .as_ref()
                .map_or("/".to_string(), |u| u.dir.display().to_string()),
            group_name: group.map_or(gid.to_string(), |g| g.name),
        }
    }
}

impl HostContext {
    pub fn current(rootless: bool) -> Result<HostContext> {
        let limits = |res: Resource, name: &str| {
            getrlimit(res).with_context(|| {
                format!("getrlimit({name}) failed: cannot read the engine's resource limits")
            })
        };
        let hostname = nix::unistd::gethostname()
            .context("gethostname failed: cannot read the host's name")?
            .to_string_lossy()
            .into_owned();
        let cap_last_cap = fs::read_to_string("/proc/sys/kernel/cap_last_cap")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            // 40 (CHECKPOINT_RESTORE) since Linux 5.9; used only if /proc is unreadable.
            .unwrap_or(40);
        Ok(HostContext {
            rootless,
            uid: nix::unistd::getuid().as_raw(),
            gid: nix::unistd::getgid().as_raw(),
            hostname,
            env: std::env::vars().collect(),
            nofile: limits(Resource::RLIMIT_NOFILE, "RLIMIT_NOFILE")?,
            nproc: limits(Resource::RLIMIT_NPROC, "RLIMIT_NPROC")?,
            cap_last_cap,
            // No /etc/hosts on the host is fine: the container still gets localhost entries.
            hosts: fs::read_to_string("/etc/hosts").unwrap_or_default(),
            resolv_conf: host_resolv_conf(
                Path::new("/etc/resolv.conf"),
                Path::new(RESOLVED_UPSTREAM),
            ),
            network: HostNetwork::current(),
            account: HostAccount::of(
                nix::unistd::getuid().as_raw(),
                nix::unistd::getgid().as_raw(),
            ),
        })
    }
}

/// The host's resolv.conf, or systemd-resolved's upstream list when the host file only points
/// at the local stub (podman does the same).
pub(crate) fn host_resolv_conf(main: &Path, upstream: &Path) -> String {
    let text = fs::read_to_string(main).unwrap_or_default();
    let servers: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .map(str::trim)
        .collect();
    let only_stub = !servers.is_empty() && servers.iter().all(|s| *s == RESOLVED_STUB);
    if only_stub && let Ok(real) = fs::read_to_string(upstream) {
        return real;
    }
    text
}
