//! A new user namespace with the spec's `linux.uidMappings`/`gidMappings`, for a runtime that
//! runs as real root (rootless, the engine's helper makes the user namespace before the init
//! starts; see `runtime::userns`).
//!
//! A process cannot write arbitrary maps for its own new user namespace: only a process holding
//! CAP_SETUID/CAP_SETGID in the parent namespace can. So the init forks a writer first, unshares
//! the user namespace, and the writer, still real root outside, fills in the init's maps.

use std::fmt::Write as _;
use std::io::{Read, Write};

use anyhow::{Context, Result, bail};
use nix::sched::{CloneFlags, unshare};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, setresgid, setresuid};
use oci_spec::runtime::{Linux, LinuxIdMapping, LinuxNamespaceType};

/// Whether the spec asks for a new user namespace (one without a path to join).
pub(super) fn wanted(linux: &Linux) -> bool {
    let namespaces = linux.namespaces().as_deref().unwrap_or_default();
    namespaces
        .iter()
        .any(|ns| ns.typ() == LinuxNamespaceType::User && ns.path().is_none())
}

/// Moves the calling (single-threaded, real root) process into a new user namespace mapped as
/// the spec says, as that namespace's root with every capability in it.
pub(super) fn enter(linux: &Linux) -> Result<()> {
    let uid_map = map_text(linux.uid_mappings().as_deref(), "uidMappings")?;
    let gid_map = map_text(linux.gid_mappings().as_deref(), "gidMappings")?;
    let (mut go_read, mut go_write) = std::io::pipe().context("create a pipe")?;
    let target = getpid();
    // SAFETY: the init is single-threaded, so the child may run arbitrary code.
    match unsafe { fork() }.context("fork the ID map writer")? {
        ForkResult::Child => {
            drop(go_write);
            let mut byte = [0u8; 1];
            let code = match go_read.read_exact(&mut byte) {
                Ok(()) => match write_maps(target, &uid_map, &gid_map) {
                    Ok(()) => 0,
                    Err(err) => {
                        eprintln!("Error: {err:#}");
                        1
                    }
                },
                // The init failed to unshare and said so; nothing to write.
                Err(_) => 1,
            };
            // SAFETY: _exit skips the parent's atexit handlers and buffers, as a forked
            // child must.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(go_read);
            let unshared = unshare(CloneFlags::CLONE_NEWUSER).context("unshare the user namespace");
            if unshared.is_ok() {
                go_write.write_all(b"g").context("wake the ID map writer")?;
            }
            drop(go_write);
            let status = waitpid(child, None).context("wait for the ID map writer")?;
            unshared?;
            if status != WaitStatus::Exited(child, 0) {
                bail!(
                    "writing the user namespace's ID maps failed ({status:?}): see the error above"
                );
            }
        }
    }
    // Root of the new namespace: the IDs the spec maps to container 0.
    setresgid(0.into(), 0.into(), 0.into())
        .context("setresgid 0 in the new user namespace: linux.gidMappings must map GID 0")?;
    setresuid(0.into(), 0.into(), 0.into())
        .context("setresuid 0 in the new user namespace: linux.uidMappings must map UID 0")?;
    Ok(())
}

/// The host UID and GID that the spec's mappings give the container's root, if they map it.
pub(super) fn host_root(linux: &Linux) -> Option<(u32, u32)> {
    let host_of_zero = |mappings: Option<&[LinuxIdMapping]>| {
        mappings
            .unwrap_or_default()
            .iter()
            .find_map(|m| (m.container_id() == 0 && m.size() > 0).then_some(m.host_id()))
    };
    Some((
        host_of_zero(linux.uid_mappings().as_deref())?,
        host_of_zero(linux.gid_mappings().as_deref())?,
    ))
}

/// The `/proc/PID/uid_map` text of `mappings`: one `container host size` line each.
pub(super) fn map_text(mappings: Option<&[LinuxIdMapping]>, field: &str) -> Result<String> {
    let mappings = mappings.unwrap_or_default();
    if mappings.is_empty() {
        bail!("linux.{field} is empty: a new user namespace needs the IDs it maps");
    }
    let mut text = String::new();
    for mapping in mappings {
        if mapping.size() == 0 {
            bail!(
                "linux.{field}: the mapping of container ID {} has size 0",
                mapping.container_id()
            );
        }
        let _ = writeln!(
            text,
            "{} {} {}",
            mapping.container_id(),
            mapping.host_id(),
            mapping.size()
        );
    }
    Ok(text)
}

fn write_maps(target: Pid, uid_map: &str, gid_map: &str) -> Result<()> {
    for (file, text) in [("uid_map", uid_map), ("gid_map", gid_map)] {
        let path = format!("/proc/{target}/{file}");
        std::fs::write(&path, text).with_context(|| format!("write {path} ({text:?})"))?;
    }
    Ok(())
}
