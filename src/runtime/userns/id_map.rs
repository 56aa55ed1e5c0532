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

/// Writes the UID and GID maps of `pid`; the two setuid tools run at the same time. Only our
/// own ID can be mapped without privileges (after denying setgroups, for GIDs); anything more
/// goes through the setuid tool, which checks the subordinate ID files.
pub(super) fn write_id_maps(pid: u32, uids: &[IdRange], gids: &[IdRange]) -> Result<()> {
    let uid_map = start_id_map(pid, IdKind::Uid, uids)?;
    let gid_map = start_id_map(pid, IdKind::Gid, gids);
    // Both are waited for, whichever fails, so no tool is left unreaped.
    let uid_result = uid_map.finish();
    gid_map?.finish()?;
    uid_result
}

/// A map being written: done already, or a tool still running.
pub(super) enum IdMapJob {
    Done,
    Tool {
        kind: IdKind,
        tool: std::path::PathBuf,
        child: std::process::Child,
    },
}

fn start_id_map(pid: u32, kind: IdKind, ranges: &[IdRange]) -> Result<IdMapJob> {
    let own = match kind {
        IdKind::Uid => geteuid().as_raw(),
        IdKind::Gid => getegid().as_raw(),
    };
    match ranges {
        [] => bail!("no {} given for the user namespace", kind.map_file()),
        [range] if range.size == 1 && range.host == own => {
            write_own_id_map(pid, kind, range)?;
            Ok(IdMapJob::Done)
        }
        _ => start_id_map_tool(pid, kind, ranges),
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

fn start_id_map_tool(pid: u32, kind: IdKind, ranges: &[IdRange]) -> Result<IdMapJob> {
    let tool_name = match kind {
        IdKind::Uid => NEWUIDMAP,
        IdKind::Gid => NEWGIDMAP,
    };
    // The tools always check the real files, whatever ENGINE_SUBUID_FILE says.
    let Some(tool) = find_id_map_tool(tool_name) else {
        bail!(
            "{tool_name} is not installed (mapping more than one ID needs it); install package uidmap"
        );
    };
    let child = Command::new(&tool)
        .args(id_map_tool_args(pid, ranges))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", tool.display()))?;
    Ok(IdMapJob::Tool { kind, tool, child })
}

impl IdMapJob {
    /// Waits for the tool; its complaint, if any, becomes a one-line error with the fix.
    pub(super) fn finish(self) -> Result<()> {
        let IdMapJob::Tool { kind, tool, child } = self else {
            return Ok(());
        };
        let (file, capability) = match kind {
            IdKind::Uid => ("/etc/subuid", "cap_setuid"),
            IdKind::Gid => ("/etc/subgid", "cap_setgid"),
        };
        let output = child
            .wait_with_output()
            .with_context(|| format!("cannot wait for {}", tool.display()))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let user = user_name(geteuid().as_raw());
        let name = tool.file_name().unwrap_or_default().to_string_lossy();
        bail!(
            "{name} failed ({}): {}; check {file} has a range for {user} and {name} is setuid \
             root or has {capability} (package uidmap)",
            output.status,
            stderr.join("; "),
        );
    }
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
