//! What isolates a running container, read from /proc next to the same facts for the engine's
//! own process (the host as the user sees it): namespaces, ID maps, capabilities, no_new_privs,
//! seccomp, cgroup and its limits, MAC label, mounts, masked and read-only paths.
//!
//! PID 1 may run as a subordinate uid: then its /proc/PID/ns links and root are not the user's
//! to read. /proc/PID/status, uid_map, cgroup and mountinfo stay world-readable; namespaces fall
//! back to the runtime's waiter process (the user's own, in the same namespaces: its
//! `pid_for_children` is the container's PID namespace). Whatever still cannot be read is
//! reported per field, never as a failure of the whole view.

use std::fs;
use std::io;
use std::path::Path;

mod procfs;

use procfs::{cgroup_limits, mac_label, seccomp};
pub use procfs::{decode_caps, parse_id_map, parse_mountinfo, status_field, status_ids};

/// A fact read from /proc, or why it could not be.
pub type Fact<T> = Result<T, String>;

/// One value for the container and the same one for the host.
#[derive(Debug, Clone, PartialEq)]
pub struct Side<T> {
    pub container: Fact<T>,
    pub host: Fact<T>,
}

/// Namespace types in the order shown, as /proc/PID/ns names them.
pub const NAMESPACE_KINDS: [&str; 8] =
    ["user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"];

/// Capability sets in /proc/PID/status order, with their names there.
pub const CAPABILITY_SETS: [(&str, &str); 5] = [
    ("inheritable", "CapInh"),
    ("permitted", "CapPrm"),
    ("effective", "CapEff"),
    ("bounding", "CapBnd"),
    ("ambient", "CapAmb"),
];

/// One line of a uid_map or gid_map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdMap {
    pub inside: u64,
    pub outside: u64,
    pub count: u64,
}

/// A decoded capability set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapSet {
    pub mask: u64,
    /// capsh's names: `cap_chown`, ...; `cap_N` for bits this engine has no name for.
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seccomp {
    /// `disabled`, `strict` or `filter`.
    pub mode: String,
    pub filters: u32,
}

/// One line of /proc/PID/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    pub mount_point: String,
    pub fs_type: String,
    pub source: String,
    /// Per-mount options (`ro,nosuid,...`).
    pub options: String,
}

/// A path the spec masks or makes read-only, and whether PID 1's mount table shows it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    pub path: String,
    /// `None` when the mount table is unreadable.
    pub applied: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Isolation {
    pub init_pid: u32,
    pub waiter_pid: Option<u32>,
    /// PID 1's effective uid on the host.
    pub init_host_uid: Fact<u32>,
    /// (kind, inode) for each of [`NAMESPACE_KINDS`].
    pub namespaces: Vec<(&'static str, Side<u64>)>,
    pub uid_map: Side<Vec<IdMap>>,
    pub gid_map: Side<Vec<IdMap>>,
    /// (set name, set) for each of [`CAPABILITY_SETS`].
    pub capabilities: Vec<(&'static str, Side<CapSet>)>,
    pub no_new_privs: Side<bool>,
    pub seccomp: Side<Seccomp>,
    pub cgroup: Side<String>,
    /// Limits of the container's cgroup that are set (not `max`): file name -> value.
    pub cgroup_limits: Fact<Vec<(String, String)>>,
    pub mac_label: Side<String>,
    pub mounts: Fact<Vec<MountEntry>>,
    pub masked_paths: Vec<PathRule>,
    pub readonly_paths: Vec<PathRule>,
}

/// What to read: which /proc (a test passes a fake one), whose processes, and the spec's rules.
pub struct Probe<'a> {
    pub proc: &'a Path,
    /// /sys/fs/cgroup, for the limits.
    pub cgroup_root: &'a Path,
    pub init_pid: u32,
    pub waiter_pid: Option<u32>,
    /// The process standing for the host: normally this one.
    pub host_pid: u32,
    pub masked_paths: &'a [String],
    pub readonly_paths: &'a [String],
}

impl Probe<'_> {
    pub fn read(&self) -> Isolation {
        let init = self.proc.join(self.init_pid.to_string());
        let host = self.proc.join(self.host_pid.to_string());
        let init_status = read_text(&init.join("status"));
        let host_status = read_text(&host.join("status"));
        let init_host_uid = init_status.clone().and_then(|s| {
            status_ids(&s, "Uid")
                .map(|ids| ids[1])
                .ok_or_else(|| "no Uid line in /proc/PID/status".to_string())
        });
        // A denied read of PID 1's files says why: whose process it is.
        let explain = |e: String| match &init_host_uid {
            Ok(uid) if e.contains("denied") => format!("{e} (PID 1 runs as host uid {uid})"),
            _ => e,
        };
        let both = |read: &dyn Fn(&Path) -> Fact<String>| Side {
            container: read(&init).map_err(explain),
            host: read(&host),
        };
        let from_status = |status: &Fact<String>, key: &str| -> Fact<String> {
            let status = status.clone()?;
            status_field(&status, key)
                .map(str::to_string)
                .ok_or_else(|| format!("no {key} line in /proc/PID/status (kernel too old?)"))
        };
        let status_side = |key: &str| Side {
            container: from_status(&init_status, key),
            host: from_status(&host_status, key),
        };
        let mounts = read_text(&init.join("mountinfo"))
            .map(|text| parse_mountinfo(&text))
            .map_err(explain);
        let cgroup = both(&|p| read_text(&p.join("cgroup")).map(|t| t.trim_end().to_string()));
        Isolation {
            init_pid: self.init_pid,
            waiter_pid: self.waiter_pid,
            namespaces: NAMESPACE_KINDS
                .iter()
                .map(|kind| (*kind, self.namespace(kind, &init, &host, &explain)))
                .collect(),
            uid_map: map(both(&|p| read_text(&p.join("uid_map"))), |t| {
                parse_id_map(&t)
            }),
            gid_map: map(both(&|p| read_text(&p.join("gid_map"))), |t| {
                parse_id_map(&t)
            }),
            capabilities: CAPABILITY_SETS
                .iter()
                .map(|(set, key)| (*set, map_fact(status_side(key), |hex| decode_caps(&hex))))
                .collect(),
            no_new_privs: map_fact(status_side("NoNewPrivs"), |v| Ok(v.trim() == "1")),
            seccomp: Side {
                container: seccomp(&init_status),
                host: seccomp(&host_status),
            },
            cgroup_limits: cgroup
                .container
                .clone()
                .map(|c| cgroup_limits(self.cgroup_root, &c)),
            cgroup,
            mac_label: map(
                both(&|p| read_mac_label(&p.join("attr/current"))),
                mac_label,
            ),
            masked_paths: path_rules(self.masked_paths, &mounts, |_| true),
            readonly_paths: path_rules(self.readonly_paths, &mounts, |m| {
                m.options.split(',').any(|o| o == "ro")
            }),
            mounts,
            init_host_uid,
        }
    }

    /// The namespace inode of PID 1, else of the waiter (same namespaces, the user's process).
    fn namespace(
        &self,
        kind: &str,
        init: &Path,
        host: &Path,
        explain: &dyn Fn(String) -> String,
    ) -> Side<u64> {
        let from_waiter = |first_error: String| match self.waiter_pid {
            Some(waiter) => {
                let name = match kind {
                    "pid" | "time" => format!("{kind}_for_children"),
                    _ => kind.to_string(),
                };
                namespace_inode(&self.proc.join(waiter.to_string()).join("ns").join(name))
            }
            None => Err(explain(first_error)),
        };
        Side {
            container: namespace_inode(&init.join("ns").join(kind)).or_else(from_waiter),
            host: namespace_inode(&host.join("ns").join(kind)),
        }
    }
}

fn map<T>(side: Side<String>, parse: impl Fn(String) -> T) -> Side<T> {
    Side {
        container: side.container.map(&parse),
        host: side.host.map(&parse),
    }
}

fn map_fact<T>(side: Side<String>, parse: impl Fn(String) -> Fact<T>) -> Side<T> {
    Side {
        container: side.container.and_then(&parse),
        host: side.host.and_then(&parse),
    }
}

fn read_text(path: &Path) -> Fact<String> {
    fs::read_to_string(path).map_err(|e| describe(path, &e))
}

/// The LSM label; a kernel without AppArmor or SELinux answers EINVAL: no label, no error.
fn read_mac_label(path: &Path) -> Fact<String> {
    match fs::read_to_string(path) {
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok("none (no LSM)".to_string()),
        other => other.map_err(|e| describe(path, &e)),
    }
}

fn describe(path: &Path, e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => format!("{}: permission denied", path.display()),
        io::ErrorKind::NotFound => format!("{}: not present", path.display()),
        _ => format!("{}: {e}", path.display()),
    }
}

/// `user:[4026531837]` -> 4026531837.
fn namespace_inode(link: &Path) -> Fact<u64> {
    let target = fs::read_link(link).map_err(|e| describe(link, &e))?;
    let text = target.to_string_lossy();
    text.rsplit_once(":[")
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("{}: unexpected link target {text:?}", link.display()))
}

fn path_rules(
    paths: &[String],
    mounts: &Fact<Vec<MountEntry>>,
    holds: impl Fn(&MountEntry) -> bool,
) -> Vec<PathRule> {
    paths
        .iter()
        .map(|path| PathRule {
            path: path.clone(),
            applied: mounts.as_ref().ok().map(|mounts| {
                // The last mount on a path is the one in effect.
                mounts
                    .iter()
                    .rev()
                    .find(|m| m.mount_point == *path)
                    .is_some_and(&holds)
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests;
