//! Starting a helper process that cannot outlive its starter, and handing it the namespaces of
//! the container it serves.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use anyhow::{Context, Result};
use nix::fcntl::{FcntlArg, OFlag, fcntl};

/// Starts `command` with a parent-death signal (SIGKILL), so the helper dies with the process
/// that started it even when that one is SIGKILLed. The signal is tied to the calling *thread*:
/// call this from a thread that lives as long as the container (the monitor's main thread).
/// `inherit` are descriptors (opened close-on-exec) the helper keeps.
pub(super) fn spawn_tied(command: &mut Command, inherit: &[RawFd]) -> io::Result<Child> {
    let parent = std::process::id() as libc::pid_t;
    let inherit = inherit.to_vec();
    // SAFETY: the hook only makes async-signal-safe calls (fcntl, prctl, getppid) and allocates
    // nothing (`inherit` was allocated before the fork).
    unsafe {
        command.pre_exec(move || {
            for fd in &inherit {
                if libc::fcntl(*fd, libc::F_SETFD, 0) == -1 {
                    return Err(io::Error::last_os_error());
                }
            }
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(io::Error::last_os_error());
            }
            // The starter died before the prctl: nobody would ever stop this helper.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    command.process_group(0).spawn()
}

/// The namespaces of a container, held open: the helper gets the descriptors and opens them as
/// `/proc/self/fd/N`. Paths of the waiter would do for a user, but not for real root (pasta
/// drops its capabilities first, and then may not open another root process's namespaces), and
/// a descriptor cannot end up naming another process whose PID was reused.
pub(super) struct ContainerNamespaces {
    net: OwnedFd,
    /// Only when it is not this process's own user namespace (the helper must join it to
    /// configure the network).
    user: Option<OwnedFd>,
}

impl ContainerNamespaces {
    /// The namespaces of the container whose waiter is `waiter_pid`.
    pub(super) fn open(waiter_pid: u32) -> Result<ContainerNamespaces> {
        let dir = PathBuf::from(format!("/proc/{waiter_pid}/ns"));
        let open = |name: &str| -> Result<(OwnedFd, (u64, u64))> {
            let path = dir.join(name);
            let file = File::open(&path).with_context(|| {
                format!(
                    "cannot open the namespace {} of the container process {waiter_pid}: did \
                     the container exit?",
                    path.display()
                )
            })?;
            let meta = file.metadata()?;
            Ok((above_stdio(OwnedFd::from(file))?, (meta.dev(), meta.ino())))
        };
        let (net, _) = open("net")?;
        let (user, theirs) = open("user")?;
        let own = std::fs::metadata("/proc/self/ns/user")
            .map(|m| (m.dev(), m.ino()))
            .context("cannot read this process's user namespace")?;
        Ok(ContainerNamespaces {
            net,
            user: (own != theirs).then_some(user),
        })
    }

    /// The network namespace, as the helper names it.
    pub(super) fn net_path(&self) -> PathBuf {
        fd_path(&self.net)
    }

    pub(super) fn user_path(&self) -> Option<PathBuf> {
        self.user.as_ref().map(fd_path)
    }

    /// The descriptors the helper must inherit.
    pub(super) fn fds(&self) -> Vec<RawFd> {
        std::iter::once(&self.net)
            .chain(self.user.as_ref())
            .map(AsRawFd::as_raw_fd)
            .collect()
    }
}

fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

/// The last lines of a helper's log, for an error message (at most 3, joined with "; ").
pub(super) fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        // pasta complains on every line when there is no syslog: noise.
        .filter(|l| !l.is_empty() && !l.starts_with("Failed to send"))
        .collect();
    let tail = &lines[lines.len().saturating_sub(3)..];
    if tail.is_empty() {
        "no message".to_string()
    } else {
        tail.join("; ")
    }
}

/// A close-on-exec pipe (read end, write end) with descriptors above 0-2.
pub(super) fn cloexec_pipe() -> Result<(OwnedFd, OwnedFd)> {
    let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC).context("create a pipe")?;
    Ok((above_stdio(read)?, above_stdio(write)?))
}

/// `fd`, moved above 0-2 if needed: when the starter runs with stdio closed a new descriptor
/// can get those numbers, which the child's stdio setup would overwrite.
fn above_stdio(fd: OwnedFd) -> Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    let moved = fcntl(&fd, FcntlArg::F_DUPFD_CLOEXEC(3)).context("duplicate a descriptor")?;
    // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(moved) })
}
