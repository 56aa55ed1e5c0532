//! The rootless user namespace, like `podman unshare`.
//!
//! A rootless user owns only their own UID, plus the subordinate ranges root granted them in
//! `/etc/subuid` and `/etc/subgid`. Inside a user namespace built from them (podman's layout:
//! container ID 0 = the user, 1..=N = the subordinate ranges in file order) the user is root and
//! files get their real owners: UID 1000 in an image is `subuid_start + 999` on disk. Layers are
//! unpacked in there, and `engine unshare` runs commands in there.
//!
//! Nothing is kept alive between commands (no podman-style pause process): each
//! [`UsernsCommand`] builds a fresh namespace, which costs a few milliseconds (two setuid-helper
//! runs) and never goes stale when `/etc/subuid` changes.
//!
//! # Protocol
//!
//! The engine is multi-threaded, so it cannot `unshare` itself, and `std::process::Command` waits
//! for `exec` before returning, so a `pre_exec` hook cannot wait for the parent either. Instead the
//! engine starts itself again as a helper:
//!
//! ```text
//! /proc/self/exe __userns-exec --sync=GO_FD,READY_FD -- PROGRAM ARGS...
//! ```
//!
//! 1. The helper (single-threaded, `main.rs` calls [`userns_exec_main`] before anything else)
//!    calls `unshare(CLONE_NEWUSER | CLONE_NEWNS)` and writes `r` to READY_FD (or `e` and a
//!    one-line error, then exits 125).
//! 2. The parent writes the ID maps: `newuidmap`/`newgidmap` for ranges, or `/proc/PID/uid_map`,
//!    `setgroups` = `deny` and `gid_map` itself for a single ID, then writes `g` to GO_FD. On any
//!    failure it closes GO_FD instead, and the helper exits 125.
//! 3. The helper becomes root in the namespace, makes all mounts private (so mounts made later
//!    do not propagate), closes both fds, resets SIGPIPE (Rust ignores it) and `execv`s PROGRAM,
//!    looked up in `$PATH` like docker does (127: not found, 126: cannot run).
//!
//! The fd numbers travel in argv rather than the environment: nothing to scrub before exec,
//! and no `unsafe` `remove_var`.
//!
//! The `Child` the parent gets back is the helper, which after `exec` *is* PROGRAM (same PID):
//! waiting on it gives PROGRAM's status and signals sent to it reach PROGRAM.

mod bundle;
mod command;
mod helper;
mod id_map;
mod layout;
mod mappings;
mod reach;
mod subid;

#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod reach_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) use reach::open_all;

pub use bundle::bundle_mappings;

pub use command::{UsernsCommand, exit_code};
pub use helper::userns_exec_main;
pub use mappings::{IdMappings, IdRange, rootless_mappings, single_mapping_warning};
pub use reach::{REACHED_ENV, Reached, fd_number, root_is_a_stranger};
pub use subid::{SUBGID_FILE_ENV, SUBUID_FILE_ENV, subgid_file, subordinate_ranges, subuid_file};

/// `argv[1]` that makes the engine binary act as the user namespace helper.
pub const USERNS_EXEC_ARG: &str = "__userns-exec";

pub use crate::util::proc::{in_user_namespace, is_identity_uid_map};

/// Removes a directory tree whose files may belong to subordinate ids (unpacked layers,
/// container upper dirs): as the rootless user only a process in the user namespace may delete
/// them, so `rm -rf` runs in there. As real root a plain removal is enough.
pub fn remove_tree(path: &std::path::Path) -> std::io::Result<()> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 || in_user_namespace() {
        return std::fs::remove_dir_all(path);
    }
    let (mappings, _) = rootless_mappings().map_err(std::io::Error::other)?;
    let status = UsernsCommand::new(
        "rm",
        [std::ffi::OsStr::new("-rf"), "--".as_ref(), path.as_os_str()],
    )
    .stdin(std::process::Stdio::null())
    .status(&mappings)
    .map_err(std::io::Error::other)?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "rm -rf {} in the user namespace failed ({status})",
            path.display()
        )))
    }
}

/// Joins the user namespace at `userns` (when given), then the network namespace at `netns`:
/// for a process of the user who owns them (another container's, a network helper's target).
/// The process must be single-threaded: the kernel refuses a user namespace change otherwise.
pub fn join_user_and_network(
    userns: Option<&std::path::Path>,
    netns: &std::path::Path,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use nix::sched::{CloneFlags, setns};
    let join = |path: &std::path::Path, kind: CloneFlags| -> anyhow::Result<()> {
        let ns = std::fs::File::open(path)
            .with_context(|| format!("open the namespace {}", path.display()))?;
        setns(&ns, kind).with_context(|| format!("setns {}", path.display()))
    };
    if let Some(userns) = userns {
        join(userns, CloneFlags::CLONE_NEWUSER)?;
    }
    join(netns, CloneFlags::CLONE_NEWNET)
}
