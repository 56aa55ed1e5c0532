//! One run of the container under the monitor: start it (with its network, when it has a
//! helper), and learn whether its command runs; `pump` takes over from there.

use std::os::fd::{AsFd, AsRawFd};
use std::path::Path;
use std::process::Child;
use std::time::Duration;

use anyhow::{Context, Result};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
use oci_spec::runtime::LinuxNamespaceType;

use super::io::{self, MonitorIo};
use super::status_report::read_status;
use crate::network::{NetworkHelper, NetworkMode};
use crate::runtime::builtin;
use crate::runtime::builtin::start_gate::GateFifos;
use crate::runtime::external;
use crate::runtime::external_init::wait_for_init;
use crate::runtime::userns::{IdMappings, exit_code};
use crate::spec::rejoin::rejoin_namespaces;
use crate::store::{ContainerRecord, Store};
use crate::util::proc::ProcessRef;

/// How long an external runtime may take to create the container and say which process is
/// its PID 1 (an image with many layers on fuse-overlayfs takes seconds).
const INIT_PID_TIMEOUT: Duration = Duration::from_secs(60);

/// How long (ms) the monitor waits for an external runtime's orphaned PID 1 to die of SIGKILL.
const ORPHAN_EXIT_TIMEOUT_MS: u16 = 5000;

/// How the run began.
pub(super) enum Start {
    /// The command runs: the waiter process, PID 1's host PID, the network helper.
    Running {
        child: Child,
        init_pid: Option<u32>,
        network: Option<NetworkHelper>,
    },
    /// Setup or exec failed, with the exit code docker gives it (125, 126, 127).
    Failed { code: i32, message: String },
}

/// What the container needs from the monitor for one run.
pub(super) struct Run<'a> {
    pub store: &'a Store,
    pub record: &'a ContainerRecord,
    pub bundle: &'a Path,
    pub mappings: &'a IdMappings,
    /// `--runtime` state directory for an external runtime.
    pub runtime_state: &'a Path,
}

/// Starts the container (its pty `window` rows and columns, if known); the streams are
/// returned for [`pump`].
pub(super) fn start(run: &Run, window: Option<(u16, u16)>) -> Result<(Start, MonitorIo)> {
    let settings = &run.record.settings;
    let Some(runtime) = &settings.runtime else {
        return start_builtin(run, window);
    };
    let (child_stdio, monitor_io) = io::create(settings.tty, settings.interactive)?;
    if let (Some(pty), Some((rows, cols))) = (&monitor_io.pty, window) {
        io::resize(pty.as_fd(), rows, cols);
    }
    let child = external::spawn(
        runtime,
        run.bundle,
        &run.record.id,
        run.runtime_state,
        run.mappings,
        child_stdio.0,
    )?;
    let init_pid = wait_for_init(run.bundle, child.id(), INIT_PID_TIMEOUT);
    let started = Start::Running {
        child,
        init_pid,
        network: None,
    };
    Ok((started, monitor_io))
}

/// The built-in runtime reports on a socket (`runtime::builtin::status`): PID 1's PID, the
/// master of the pty it made in the container's devpts (with `-t`), the outcome of its exec.
fn start_builtin(run: &Run, window: Option<(u16, u16)>) -> Result<(Start, MonitorIo)> {
    let settings = &run.record.settings;
    // With -t the container makes its own pty and hands over the master; until then its
    // stdio is /dev/null.
    let (child_stdio, mut monitor_io) = match settings.tty {
        true => io::create_for_console()?,
        false => io::create(false, settings.interactive)?,
    };
    let (status_ours, status_theirs) = socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .context("create the status socket")?;
    // A network helper needs the container's network namespace before the command runs:
    // PID 1 then waits at the start gate while the helper connects it.
    let needs_helper = settings.network.mode.has_helper();
    let gate = match needs_helper {
        true => {
            let fifos = GateFifos::create(run.bundle)?;
            crate::container::userns::open_gate_to_container_root(run.bundle, run.mappings)?;
            Some(fifos)
        }
        false => None,
    };
    let join_userns = match &settings.network.mode {
        NetworkMode::Container { id } => rejoin(run, id)?,
        _ => None,
    };
    let mut child = builtin::spawn_supervised(
        run.bundle,
        run.mappings,
        child_stdio.0,
        status_theirs.as_fd(),
        gate.is_some().then_some(run.bundle),
        join_userns.as_deref(),
        window.filter(|_| settings.tty),
    )?;
    // Only the container's processes may hold the other end: its end-of-file is the news.
    drop(status_theirs);
    let mut network = None;
    if let Some(gate) = &gate {
        match connect_network(run, &mut child, gate) {
            Ok(helper) => network = helper,
            Err(err) => {
                // SAFETY: kill has no memory-safety requirements; the waiter takes PID 1 along.
                unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
                let _ = child.wait();
                let failed = Start::Failed {
                    code: 125,
                    message: format!("{err:#}"),
                };
                return Ok((failed, monitor_io));
            }
        }
    }
    let report = read_status(&status_ours)?;
    if let Some((code, message)) = report.failure {
        let _ = child.wait();
        return Ok((Start::Failed { code, message }, monitor_io));
    }
    if report.init_pid.is_none() {
        // The init died before forking PID 1 without a word (killed?): its status says why.
        let status = child.wait().context("wait for the container init")?;
        let failed = Start::Failed {
            code: exit_code(status),
            message: format!("the container init exited before starting the container ({status})"),
        };
        return Ok((failed, monitor_io));
    }
    if let Some(master) = report.console {
        // Sized by the container before its command started (`window` went with it).
        io::attach_console(&mut monitor_io, master)?;
    }
    let started = Start::Running {
        child,
        init_pid: report.init_pid,
        network,
    };
    Ok((started, monitor_io))
}

/// `--network container:ID`: that container's namespaces as they are now (its waiter changes
/// when it restarts), written into the spec; returns its user namespace, to run in.
fn rejoin(run: &Run, id: &str) -> Result<Option<std::path::PathBuf>> {
    let (_, joined) = crate::network::join::join_container(run.store, id)?;
    let mut paths = vec![(LinuxNamespaceType::Network, joined.netns.as_path())];
    if let Some(userns) = &joined.userns {
        paths.push((LinuxNamespaceType::User, userns.as_path()));
    }
    rejoin_namespaces(run.bundle, &paths)?;
    Ok(joined.userns)
}

/// PID 1 is at the gate: start the network helper against the waiter's namespaces, then let
/// PID 1 exec. `None` when the init died before (its status says why).
fn connect_network(
    run: &Run,
    child: &mut Child,
    gate: &GateFifos,
) -> Result<Option<NetworkHelper>> {
    let mut init_gone = || {
        Ok(child
            .try_wait()
            .context("wait for the container init")?
            .is_some())
    };
    if !gate.wait_ready(&mut init_gone)? {
        return Ok(None);
    }
    let helper = NetworkHelper::start(&run.record.settings.network, child.id(), run.bundle)?;
    gate.open(|| {
        Ok(child
            .try_wait()
            .context("wait for the container init")?
            .is_some())
    })?;
    Ok(helper)
}

/// An external runtime that exited while its PID 1 still runs (the runtime was killed or
/// crashed: crun and runc give PID 1 no parent-death signal) leaves the container running
/// unsupervised: it is killed, as the built-in runtime's PID 1 dies with its waiter, and
/// waited for (a while), so that `stop` returns once the container's processes are gone.
pub(super) fn end_orphaned_init(init: Option<ProcessRef>) {
    let Some(init) = init else {
        return;
    };
    let Ok(pidfd) = crate::util::proc::pidfd_open(init.pid) else {
        return; // Gone already.
    };
    // The descriptor names whatever process has the PID now: PID 1 only if it is still alive.
    if !init.is_alive() {
        return;
    }
    let null = std::ptr::null::<libc::siginfo_t>();
    let fd = pidfd.as_raw_fd();
    // SAFETY: pidfd_send_signal takes a descriptor, a signal and no siginfo. The user owns the
    // storage user namespace PID 1 descends from, so it may signal it whatever its UID.
    unsafe { libc::syscall(libc::SYS_pidfd_send_signal, fd, libc::SIGKILL, null, 0) };
    let mut exited = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
    let _ = poll(&mut exited, PollTimeout::from(ORPHAN_EXIT_TIMEOUT_MS));
}
