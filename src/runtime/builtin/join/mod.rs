//! `engine exec`: a new process in a running container, in its namespaces and root, with the
//! container process's limits, identity rules, capabilities, no_new_privs and seccomp filter.
//!
//! # Process model
//!
//! ```text
//! engine exec (host)                     the report pipe, the request; with -t a pty of
//!   │                                     the container's devpts (terminal.rs)
//!   └─ engine __container-exec REPORT_FD  a sealed copy of the binary (sealed_exe)
//!        non-dumpable, own session, every other descriptor closed; opens
//!        /proc/WAITER/ns/* and /proc/WAITER/root; setns user (first: it grants the rest),
//!        mnt, net, ipc, uts, cgroup, pid (the waiter's pid_for_children); chroot into the
//!        waiter's root; reads the container's /etc/passwd and /etc/group
//!        (spec::exec::exec_process)
//!        └─ fork ─> the command, in the container's pid namespace
//!             rlimits, session/tty, user, capabilities, no_new_privs, seccomp, cwd, execve
//! ```
//!
//! The container's waiter (see `waiter`) is the process to join: it made the container's
//! net, ipc, uts and cgroup namespaces, its pid_for_children is the container's pid namespace,
//! its mount namespace is PID 1's, and PID 1's pivot_root moved its root too. It runs as the
//! container's root, which is the rootless user: its `/proc` entries open for us, unlike
//! those of a PID 1 running as a subordinate UID.
//!
//! A container of an external runtime (`--runtime crun|runc`) has no such waiter: the record's
//! waiter is `crun run`, outside the container. Its PID 1 (the record's `init_pid`, which the
//! runtime reported) is the process to join. PID 1 may run as a subordinate UID, but its
//! namespaces descend from the storage user namespace the user made (see `runtime::external`),
//! which gives the user every capability over them: its `/proc` entries open and its
//! namespaces may be joined. Joining, rather than running `crun exec`, keeps one exec for
//! every runtime: the same user lookup, terminal, exit codes and `-d` report, and no
//! dependency on each runtime's exec flags.
//!
//! The helper stays outside the pid namespace, invisible to the container, waits for the
//! command, forwards the signals it gets and exits with the command's status (125 when it
//! could not be started, 126 cannot run, 127 not found). Every error before the command runs
//! is one line on the report pipe, which closes on exec: `engine exec -d` learns that the
//! command started, or why it did not, without waiting for it.
//!
//! Host resources stay out of reach (CVE-2024-21626, CVE-2019-5736 classes): the helper closes
//! every descriptor but stdio and the report pipe (close-on-exec) before anything of the
//! container runs, it is not dumpable (its `/proc` entries, `exe` included, are root's and
//! closed to the container), and it runs from a sealed copy of the engine when the container
//! could write to the binary on disk.

mod client;
mod enter;
mod launch;
mod report;
mod supervise;
mod terminal;
#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::container::state;
use crate::spec::exec::ExecOptions;
use crate::store::ContainerRecord;
use crate::util::proc::ProcessRef;

pub use client::{ExecOutcome, exec_attached, exec_detached};

/// `argv[1]` of the exec helper: `engine __container-exec REPORT_FD`, the request in the
/// environment. `main` must dispatch it before starting any thread (setns into a user
/// namespace refuses multi-threaded callers, and the helper forks).
pub const EXEC_COMMAND: &str = "__container-exec";

/// The environment variable that carries the [`ExecRequest`] as JSON: unlike argv, the
/// environment of a process is private to its user (the values of `-e` may be secrets).
const REQUEST_ENV: &str = "ENGINE_EXEC_REQUEST";

/// What the helper gets from `engine exec`.
#[derive(Debug, Serialize, Deserialize)]
struct ExecRequest {
    target: ExecTarget,
    options: ExecOptions,
}

/// The helper's entry point (`args` = the whole argv). Never returns: it exits with the
/// command's status, or 125 after reporting why it could not start it.
pub fn exec_main(args: &[OsString]) -> ! {
    // First of all: from now on /proc/<this>/exe and the rest are closed to other processes
    // of our user, which the container's root is.
    // SAFETY: prctl PR_SET_DUMPABLE takes plain integers.
    let dumpable_off = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } == 0;
    let reporter = match report::Reporter::from_arg(args.get(2)) {
        Ok(reporter) => reporter,
        Err(err) => {
            eprintln!("Error: {err:#}");
            std::process::exit(super::EXIT_SETUP_FAILED);
        }
    };
    if !dumpable_off {
        let err = std::io::Error::last_os_error();
        reporter.fail(
            super::EXIT_SETUP_FAILED,
            &format!("prctl PR_SET_DUMPABLE: {err}"),
        );
    }
    let request = match read_request() {
        Ok(request) => request,
        Err(err) => reporter.fail(super::EXIT_SETUP_FAILED, &format!("{err:#}")),
    };
    launch::exec_in_container(&request.target, &request.options, reporter)
}

/// Joins the namespaces of the running container `target` and makes its root this process's
/// root (what the exec helper does before it forks; `engine cp` reads and writes there). Must
/// run while the process has a single thread.
pub fn enter_container(target: Running) -> Result<()> {
    enter::open(target)?.enter()
}

fn read_request() -> Result<ExecRequest> {
    let text = std::env::var(REQUEST_ENV)
        .with_context(|| format!("{EXEC_COMMAND} needs its request in ${REQUEST_ENV}"))?;
    serde_json::from_str(&text).with_context(|| format!("parse ${REQUEST_ENV}"))
}

/// The running container to exec in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExecTarget {
    /// Its bundle: config.json holds the process whose rules apply, and the seccomp filter.
    pub bundle: PathBuf,
    /// Its processes, whose namespaces are joined.
    pub running: Running,
}

/// The processes of a running container whose namespaces and root a new process joins.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Running {
    /// The container record's `waiter`: the built-in runtime's holds the container's
    /// namespaces and root; an external runtime's (`crun run`, `runc run`) is outside them.
    pub waiter: ProcessRef,
    /// PID 1 of a container an external runtime runs (the record's `init_pid`), which holds
    /// the container's namespaces and root.
    pub external_init: Option<ProcessRef>,
}

impl Running {
    /// The running container `record` describes, `None` if it does not run. An external
    /// runtime's container whose PID 1 is unknown or gone is an error.
    pub fn of(record: &ContainerRecord) -> Result<Option<Running>> {
        let Some(waiter) = record.waiter.filter(|_| state::is_running(record)) else {
            return Ok(None);
        };
        let Some(runtime) = &record.settings.runtime else {
            return Ok(Some(Running {
                waiter,
                external_init: None,
            }));
        };
        let Some(init) = record.init_pid.and_then(ProcessRef::of) else {
            bail!(
                "the PID 1 of container {} (run by {}) is unknown or gone: restart it with \
                 `engine restart {}`",
                record.name,
                runtime.display(),
                record.name
            );
        };
        Ok(Some(Running {
            waiter,
            external_init: Some(init),
        }))
    }

    /// The process whose namespaces and root are the container's.
    pub fn holder(&self) -> ProcessRef {
        self.external_init.unwrap_or(self.waiter)
    }
}
