//! Writing the UID and GID maps of another process's user namespace.

use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use nix::unistd::{getegid, geteuid};

use super::mappings::{IdRange, NEWGIDMAP, NEWUIDMAP, find_id_map_tool, user_name};

#[derive(Clone, Copy)]
pub(super) enum IdKind {
    Uid,
    Gid,
}

impl IdKind {
    fn map_file(self) -> &'static str {
        match self {
            IdKind::Uid => "uid_map",
            IdKind::Gid => "gid_map",
        }
    }
}

/// Writes `ranges` as the UID or GID map of process `pid`. Only our own ID can be mapped without
/// privileges (after denying setgroups, for GIDs); anything more goes through the setuid tool,
/// which checks the subordinate ID files.
pub(super) fn write_id_map(pid: u32, kind: IdKind, ranges: &[IdRange]) -> Result<()> {
    let own = match kind {
        IdKind::Uid => geteuid().as_raw(),
        IdKind::Gid => getegid().as_raw(),
    };
    match ranges {
        [] => bail!("no {} given for the user namespace", kind.map_file()),
        [range] if range.size == 1 && range.host == own => write_own_id_map(pid, kind, range),
        _ => run_id_map_tool(pid, kind, ranges),
    }
}

fn write_own_id_map(pid: u32, kind: IdKind, range: &IdRange) -> Result<()> {
    if let IdKind::Gid = kind {
        // The kernel refuses an unprivileged gid_map while setgroups(2) could still drop groups.
        let setgroups = format!("/proc/{pid}/setgroups");
        std::fs::write(&setgroups, "deny").with_context(|| format!("cannot write {setgroups}"))?;
    }
    let map = format!("/proc/{pid}/{}", kind.map_file());
    let line = format!("{} {} {}\n", range.container, range.host, range.size);
    std::fs::write(&map, line).with_context(|| format!("cannot write {map}"))
}

fn run_id_map_tool(pid: u32, kind: IdKind, ranges: &[IdRange]) -> Result<()> {
    // The tools always check the real files, whatever ENGINE_SUBUID_FILE says.
    let (tool, file, capability) = match kind {
        IdKind::Uid => (NEWUIDMAP, "/etc/subuid", "cap_setuid"),
        IdKind::Gid => (NEWGIDMAP, "/etc/subgid", "cap_setgid"),
    };
    let Some(path) = find_id_map_tool(tool) else {
        bail!(
            "{tool} is not installed (mapping more than one ID needs it); install package uidmap"
        );
    };
    let output = Command::new(&path)
        .args(id_map_tool_args(pid, ranges))
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", path.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let user = user_name(geteuid().as_raw());
        bail!(
            "{tool} failed ({}): {}; check {file} has a range for {user} and {tool} is setuid \
             root or has {capability} (package uidmap)",
            output.status,
            stderr.join("; "),
        );
    }
    Ok(())
}

/// `PID CONTAINER HOST SIZE ...`, the arguments of newuidmap(1) and newgidmap(1).
pub(super) fn id_map_tool_args(pid: u32, ranges: &[IdRange]) -> Vec<String> {
    let triples = ranges
        .iter()
        .flat_map(|range| [range.container, range.host, range.size]);
    std::iter::once(pid)
        .chain(triples)
        .map(|n| n.to_string())
        .collect()
}
