//! The built-in OCI runtime: runs a bundle (`config.json` + rootfs) like crun would, without
//! another program, rootless first.
//!
//! # Process model
//!
//! ```text
//! engine (host, may be multi-threaded)
//!   └─ UsernsCommand ─> engine __container-init BUNDLE      uid 0 in a new user + mount ns
//!        │  (as real root: started directly, unshares the mount ns itself)
//!        │  loads config.json, setsid, unshares pid/ipc/uts/net/cgroup (or setns to a path)
//!        └─ fork ─> PID 1 of the new pid namespace
//!             rootfs (overlay / fuse-overlayfs / vfs), spec mounts, devices, pivot_root,
//!             sysctls, masked and read-only paths, hostname, rlimits, session/tty,
//!             user, capabilities, no_new_privs, seccomp, cwd, exec
//! ```
//!
//! The process between the two stays as the container's waiter: it forwards signals to PID 1
//! and exits with its status, so the `Child` the engine holds behaves like the container (exit
//! code 128+N when signal N killed it; 125 when the setup failed, 126 when the command cannot
//! be run, 127 when it is not found, docker's codes).
//!
//! Every setup error is one line on the container's stderr, `Error: <operation> <path>:
//! <reason> (os error N)`, and exit code 125.
//!
//! The filesystem steps make their privileged calls through the `Syscalls` trait, so the
//! decisions are unit-tested against a recording implementation without root.

mod caps;
mod cgroup_settings;
mod cgroups;
mod config;
mod console;
mod copyup;
mod devices;
mod exec;
mod foreground;
mod fuse;
pub mod hooks;
mod in_root;
mod init;
mod join;
mod linux;
mod masks;
mod mounts;
mod namespaces;
pub mod oci_state;
mod options;
mod process;
pub mod pty;
mod reach;
mod root_userns;
mod rootfs;
mod sealed_exe;
pub mod start_gate;
pub mod status;
mod stopped_root;
mod syscalls;
mod waiter;

#[cfg(test)]
mod tests;

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::process::{Child, Stdio};

use anyhow::{Context, Result};

use crate::runtime::userns::{IdMappings, UsernsCommand};

pub use foreground::{PROXIED as PROXIED_SIGNALS, run_foreground};
pub use init::init_main;
pub use join::{
    EXEC_COMMAND, ExecOutcome, ExecTarget, Running, enter_container, exec_attached, exec_detached,
    exec_main,
};
pub use stopped_root::{enter_stopped_container, stopped_root_reach};

/// `argv[1]` that makes the engine binary the container init: `engine __container-init BUNDLE`.
/// `main` must dispatch it before starting any thread (the init forks).
pub const INIT_COMMAND: &str = "__container-init";

/// The container setup failed (docker's and podman's code for "the engine failed").
pub const EXIT_SETUP_FAILED: i32 = 125;
/// The command was found but cannot be run.
pub const EXIT_CANNOT_EXEC: i32 = 126;
/// The command does not exist.
pub const EXIT_NOT_FOUND: i32 = 127;

/// The container's standard input, output and error.
pub enum ContainerStdio {
    /// The engine's own.
    Inherit,
    /// /dev/null for all three.
    Null,
    /// Pipes, read and written through the returned `Child`.
    Piped,
    /// The slave side of a pty, for all three; it also becomes /dev/console and the
    /// controlling terminal when the spec says `process.terminal`.
    Tty(OwnedFd),
}

/// Starts the container of `bundle` (its config.json) and returns the waiter process, whose
/// exit code is the container's (see the module docs).
///
/// Blocks for the user namespace handshake (a few ms); in async code call it from
/// `spawn_blocking`.
pub fn spawn(bundle: &Path, mappings: &IdMappings, stdio: ContainerStdio) -> Result<Child> {
    spawn_with_stdio(bundle, mappings, stdio.into_stdio()?)
}

fn spawn_with_stdio(bundle: &Path, mappings: &IdMappings, stdio: [Stdio; 3]) -> Result<Child> {
    spawn_gated(bundle, mappings, stdio, None, None)
}

/// Like [`spawn`], but with `state_dir` (holding the fifos of the `start_gate` module) the
/// container's PID 1 stops right before exec until `start` opens its exec fifo: the `create`
/// half of `engine oci create` + `start`. A `console` socket gets the master of the pty the
/// container makes when the spec asks for a terminal.
fn spawn_gated(
    bundle: &Path,
    mappings: &IdMappings,
    stdio: [Stdio; 3],
    state_dir: Option<&Path>,
    console: Option<BorrowedFd>,
) -> Result<Child> {
    spawn_init(bundle, mappings, stdio, state_dir, None, console)
}

/// Starts the container of `bundle` for the engine's monitor: PID 1's host PID and whether
/// its exec succeeded come back on `status` (see the [`status`] module), and the container is
/// killed if the calling process dies. With `gate_dir` PID 1 waits before exec as for
/// [`spawn_gated`] (the monitor sets up the network meanwhile). With `join_userns` the init
/// runs in that existing user namespace (another container's, whose network it joins).
/// `console_size` (rows, columns) is the caller's terminal, for the pty the container makes.
pub fn spawn_supervised(
    bundle: &Path,
    mappings: &IdMappings,
    stdio: [Stdio; 3],
    status: BorrowedFd,
    gate_dir: Option<&Path>,
    join_userns: Option<&Path>,
    console_size: Option<(u16, u16)>,
) -> Result<Child> {
    let command = init_command(bundle, mappings, gate_dir, Some(status), None)?;
    let command = match join_userns {
        Some(path) => command.join_user_namespace(path),
        None => command,
    };
    let command = match console_size {
        Some((rows, cols)) => command.env(status::CONSOLE_SIZE_ENV, format!("{rows} {cols}")),
        None => command,
    };
    launch(command, bundle, mappings, stdio)
}

fn spawn_init(
    bundle: &Path,
    mappings: &IdMappings,
    stdio: [Stdio; 3],
    state_dir: Option<&Path>,
    status: Option<BorrowedFd>,
    console: Option<BorrowedFd>,
) -> Result<Child> {
    let command = init_command(bundle, mappings, state_dir, status, console)?;
    launch(command, bundle, mappings, stdio)
}

fn launch(
    command: UsernsCommand,
    bundle: &Path,
    mappings: &IdMappings,
    [stdin, stdout, stderr]: [Stdio; 3],
) -> Result<Child> {
    command
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr)
        .spawn(mappings)
        .with_context(|| format!("start the container of {}", bundle.display()))
}

/// `engine __container-init BUNDLE` with the environment that asks for a gate, a status
/// channel and a console socket, and the host paths it needs opened for it when its root
/// cannot reach them.
fn init_command(
    bundle: &Path,
    mappings: &IdMappings,
    state_dir: Option<&Path>,
    status: Option<BorrowedFd>,
    console: Option<BorrowedFd>,
) -> Result<UsernsCommand> {
    let bundle = std::path::absolute(bundle)
        .with_context(|| format!("resolve the bundle path {}", bundle.display()))?;
    // /proc/self/exe: still this very binary if the file was replaced by an upgrade.
    let mut command = UsernsCommand::new(
        "/proc/self/exe",
        [INIT_COMMAND.as_ref(), bundle.as_os_str()],
    )
    .env_remove(start_gate::START_GATE_ENV)
    .env_remove(status::STATUS_FD_ENV)
    .env_remove(status::DIE_WITH_PARENT_ENV)
    .env_remove(status::CONSOLE_FD_ENV)
    .env_remove(status::CONSOLE_SIZE_ENV);
    if crate::runtime::userns::root_is_a_stranger(mappings) {
        command = command.reach(reach::host_paths(&bundle, state_dir)?);
    }
    if let Some(dir) = state_dir {
        command = command.env(start_gate::START_GATE_ENV, dir);
    }
    if let Some(fd) = status {
        command = command
            .inherit_fd(fd.as_raw_fd())
            .env(status::STATUS_FD_ENV, fd.as_raw_fd().to_string())
            .env(status::DIE_WITH_PARENT_ENV, std::process::id().to_string());
    }
    if let Some(fd) = console {
        command = command
            .inherit_fd(fd.as_raw_fd())
            .env(status::CONSOLE_FD_ENV, fd.as_raw_fd().to_string());
    }
    Ok(command)
}

impl ContainerStdio {
    fn into_stdio(self) -> Result<[Stdio; 3]> {
        Ok(match self {
            ContainerStdio::Inherit => [Stdio::inherit(), Stdio::inherit(), Stdio::inherit()],
            ContainerStdio::Null => [Stdio::null(), Stdio::null(), Stdio::null()],
            ContainerStdio::Piped => [Stdio::piped(), Stdio::piped(), Stdio::piped()],
            ContainerStdio::Tty(slave) => {
                let dup =
                    |fd: &OwnedFd| fd.try_clone().context("duplicate the terminal descriptor");
                [
                    Stdio::from(dup(&slave)?),
                    Stdio::from(dup(&slave)?),
                    Stdio::from(slave),
                ]
            }
        })
    }
}
