//! The processes of a running container, as `top` shows them: PID 1 and all its descendants,
//! read from world-readable /proc files (stat, status, cmdline), with their IDs as the
//! container sees them: PIDs from the last `NSpid` field, users mapped back through the
//! container's ID mappings and named from its /etc/passwd when that is readable.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use oci_spec::runtime::LinuxIdMapping;

use super::isolation::{status_field, status_ids};
use crate::util::proc::{stat_field, stat_state};

/// One process of the container.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessInfo {
    pub host_pid: u32,
    /// Its PID inside the container (the last NSpid field).
    pub pid: u32,
    /// Its parent's PID inside the container; 0 for PID 1, whose parent is outside.
    pub ppid: u32,
    /// Process group as the container sees it; 0 when the group leader is outside.
    pub pgid: u32,
    /// Real, effective, saved, filesystem uid on the host.
    pub host_uids: [u32; 4],
    pub host_gids: [u32; 4],
    pub comm: String,
    pub args: Vec<String>,
    pub state: char,
    /// User and system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    /// Start time in clock ticks after boot.
    pub start_ticks: u64,
    pub nice: i64,
    pub vsize_bytes: u64,
    pub rss_pages: u64,
    pub tty_nr: u64,
    /// The /proc/PID/status text, for capability and seccomp columns.
    pub status: String,
}

/// PID 1 (`init_pid` on the host) and its descendants, PID 1 first, then by container PID.
pub fn container_processes(proc: &Path, init_pid: u32) -> Result<Vec<ProcessInfo>> {
    let entries = fs::read_dir(proc).with_context(|| format!("listing {}", proc.display()))?;
    let mut parent_of: HashMap<u32, u32> = HashMap::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // A process may exit while we look: skip what vanished.
        if let Ok(stat) = fs::read_to_string(entry.path().join("stat"))
            && let Some(ppid) = stat_field(&stat, 4)
        {
            parent_of.insert(pid, ppid as u32);
        }
    }
    if !parent_of.contains_key(&init_pid) {
        bail!("the container's PID 1 (host PID {init_pid}) is gone: the container has stopped");
    }
    let members = descendants(&parent_of, init_pid);
    let mut processes: Vec<ProcessInfo> = members
        .iter()
        .filter_map(|pid| read_process(proc, *pid))
        .collect();
    let container_pid: HashMap<u32, u32> = processes.iter().map(|p| (p.host_pid, p.pid)).collect();
    for process in &mut processes {
        let host_parent = parent_of.get(&process.host_pid).copied().unwrap_or(0);
        process.ppid = if process.host_pid == init_pid {
            0
        } else {
            container_pid.get(&host_parent).copied().unwrap_or(0)
        };
        process.pgid = container_pid.get(&process.pgid).copied().unwrap_or(0);
    }
    processes.sort_by_key(|p| (p.host_pid != init_pid, p.pid));
    Ok(processes)
}

/// `root` and every process below it.
fn descendants(parent_of: &HashMap<u32, u32>, root: u32) -> HashSet<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (child, parent) in parent_of {
        children.entry(*parent).or_default().push(*child);
    }
    let mut found = HashSet::from([root]);
    let mut pending = vec![root];
    while let Some(pid) = pending.pop() {
        for child in children.get(&pid).into_iter().flatten() {
            if found.insert(*child) {
                pending.push(*child);
            }
        }
    }
    found
}

/// One process's facts; `None` if it exited meanwhile. `pgid` is still the host's here.
fn read_process(proc: &Path, host_pid: u32) -> Option<ProcessInfo> {
    let dir = proc.join(host_pid.to_string());
    let stat = fs::read_to_string(dir.join("stat")).ok()?;
    let status = fs::read_to_string(dir.join("status")).ok()?;
    let cmdline = fs::read(dir.join("cmdline")).unwrap_or_default();
    let comm = stat
        .split_once('(')
        .and_then(|(_, rest)| rest.rsplit_once(')'))
        .map_or_else(String::new, |(comm, _)| comm.to_string());
    let pid = status_field(&status, "NSpid")
        .and_then(|ids| ids.split_whitespace().last())
        .and_then(|id| id.parse().ok())
        .unwrap_or(host_pid);
    let field = |n| stat_field(&stat, n).unwrap_or(0);
    Some(ProcessInfo {
        host_pid,
        pid,
        ppid: 0,
        pgid: field(5) as u32,
        host_uids: status_ids(&status, "Uid")?,
        host_gids: status_ids(&status, "Gid")?,
        comm,
        args: cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
        state: stat_state(&stat).unwrap_or('?'),
        cpu_ticks: field(14) + field(15),
        start_ticks: field(22),
        nice: nice_of(&stat),
        vsize_bytes: field(23),
        rss_pages: field(24),
        tty_nr: field(7),
        status,
    })
}

/// Field 19 of stat, which may be negative (so not one of `stat_field`'s unsigned numbers).
fn nice_of(stat: &str) -> i64 {
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(19 - 3))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// A host ID as the container sees it, through the spec's mappings; without mappings (no user
/// namespace) IDs are the same inside and out.
pub fn to_container_id(host_id: u32, mappings: &[LinuxIdMapping]) -> Option<u32> {
    if mappings.is_empty() {
        return Some(host_id);
    }
    mappings.iter().find_map(|m| {
        let offset = host_id.checked_sub(m.host_id())?;
        (offset < m.size()).then(|| m.container_id() + offset)
    })
}

/// ID -> name from a passwd or group file (`name:x:id:...`).
pub fn id_names(file_text: &str) -> HashMap<u32, String> {
    file_text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let id = fields.nth(1)?.parse().ok()?;
            Some((id, name.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests;
