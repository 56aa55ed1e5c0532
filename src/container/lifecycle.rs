//! Starting, stopping, signalling and waiting for containers: the commands' side of the
//! [monitor](super::monitor).

use std::io::{BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use nix::fcntl::OFlag;
use nix::unistd::pipe2;

use super::monitor::protocol::SyncMessage;
use super::monitor::{ATTACH_FLAG, MONITOR_COMMAND, open_dir, socket_address};
use super::state;
use crate::store::{ContainerRecord, ContainerStatus, Store};
use crate::util::proc::{ProcessRef, wait_for_exit};

/// How long `stop` waits for the monitor after SIGKILL before it gives up.
const KILL_GRACE: Duration = Duration::from_secs(10);

/// The outcome of [`start`].
pub enum Launched {
    /// The container's command runs; with `attach`, a client connection to its monitor that
    /// was there before the container wrote anything.
    Running { attach: Option<UnixStream> },
    /// The container could not start: docker's exit code (125, 126, 127) and why.
    Failed { code: i32, message: String },
}

/// Starts the monitor of a container that does not run, and returns once the container's
/// command runs or failed to. `runtime_state` is the state directory for an external runtime.
pub fn start(
    store: &Store,
    record: &ContainerRecord,
    runtime_state: &Path,
    attach: bool,
) -> Result<Launched> {
    if state::is_running(record) {
        bail!("container {} is already running", record.name);
    }
    store.update_container(&record.id, |r| r.stop_requested = false)?;
    let (sync_read, sync_write) =
        pipe2(OFlag::O_CLOEXEC).context("create the monitor's sync pipe")?;
    let mut command = Command::new("/proc/self/exe");
    command
        .arg(MONITOR_COMMAND)
        .arg(store.root())
        .arg(&record.id)
        .arg(sync_write.as_raw_fd().to_string())
        .arg(runtime_state);
    if attach {
        command.arg(ATTACH_FLAG);
    }
    let sync_fd = sync_write.as_raw_fd();
    // Its own session, out of the caller's way: the terminal's hangup and ^C do not reach it,
    // and it does not keep the caller's working directory busy.
    command
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid and fcntl are async-signal-safe and allocate nothing.
    unsafe {
        command.pre_exec(move || {
            rustix::process::setsid()?;
            if libc::fcntl(sync_fd, libc::F_SETFD, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
        .spawn()
        .context("start the container monitor (/proc/self/exe)")?;
    drop(sync_write);
    let mut sync = BufReader::new(std::fs::File::from(sync_read));
    let mut client = None;
    loop {
        let mut line = String::new();
        let read = sync
            .read_line(&mut line)
            .context("read from the container monitor")?;
        if read == 0 {
            bail!(
                "the container monitor of {} exited before starting it; see `engine inspect {}`",
                record.name,
                record.name
            );
        }
        match SyncMessage::parse(&line)? {
            SyncMessage::Listening => {
                let mut socket = connect(store, &record.id)?;
                // The monitor starts the container once it has this.
                super::attach::hello(&mut socket, record.settings.tty)?;
                client = Some(socket);
            }
            SyncMessage::Started { .. } => return Ok(Launched::Running { attach: client }),
            SyncMessage::Failed { code, message } => {
                return Ok(Launched::Failed { code, message });
            }
        }
    }
}

/// A client connection to the monitor of a running container.
pub fn connect(store: &Store, id: &str) -> Result<UnixStream> {
    let dir = open_dir(&store.container_dir(id))?;
    UnixStream::connect(socket_address(&dir)).with_context(|| {
        format!(
            "connect to the monitor of container {}",
            &id[..12.min(id.len())]
        )
    })
}

/// Stops a running container: its stop signal, then SIGKILL after `timeout` seconds (the
/// container's own `--stop-timeout` when `None`). Returns once the monitor recorded the exit.
/// A container that does not run is left alone.
pub fn stop(store: &Store, record: &ContainerRecord, timeout: Option<u32>) -> Result<()> {
    let Some(monitor) = running_monitor(record) else {
        return Ok(());
    };
    store.update_container(&record.id, |r| r.stop_requested = true)?;
    let timeout = timeout.unwrap_or(record.settings.stop_timeout);
    if timeout > 0 {
        let signal =
            crate::util::signal::parse(&record.settings.stop_signal).unwrap_or(libc::SIGTERM);
        signal_container(record, signal);
        if wait_for_exit(&monitor, Duration::from_secs(timeout.into())) {
            return Ok(());
        }
    }
    signal_container(record, libc::SIGKILL);
    if !wait_for_exit(&monitor, KILL_GRACE) {
        bail!(
            "container {} did not stop within {} s of SIGKILL",
            record.name,
            KILL_GRACE.as_secs()
        );
    }
    Ok(())
}

/// Sends `signal` to a running container. After SIGKILL, waits until the exit is recorded.
pub fn kill(store: &Store, record: &ContainerRecord, signal: i32) -> Result<()> {
    let Some(monitor) = running_monitor(record) else {
        bail!("container {} is not running", record.name);
    };
    // The restart policy does not undo what the user asked for.
    store.update_container(&record.id, |r| r.stop_requested = true)?;
    signal_container(record, signal);
    if signal == libc::SIGKILL && !wait_for_exit(&monitor, KILL_GRACE) {
        bail!("container {} did not die of SIGKILL", record.name);
    }
    Ok(())
}

/// Waits until the container exited and returns its exit code; `None` when it was removed
/// meanwhile (`--rm`).
pub fn wait(store: &Store, id: &str) -> Result<Option<i32>> {
    loop {
        let Some(record) = store.find_container(id)? else {
            return Ok(None);
        };
        let Some(record) = state::reconcile(store, record)? else {
            return Ok(None);
        };
        match (record.status, record.monitor) {
            (ContainerStatus::Exited, _) => return Ok(record.exit_code),
            (ContainerStatus::Running, Some(monitor)) => {
                wait_for_exit(&monitor, Duration::from_secs(3600));
            }
            // Created, or a restart in between: look again shortly.
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// The record's monitor if the container runs.
fn running_monitor(record: &ContainerRecord) -> Option<ProcessRef> {
    match state::is_running(record) {
        true => record.monitor,
        false => None,
    }
}

/// Signals go to the waiter, which forwards them to PID 1 (and dies of SIGKILL, taking PID 1
/// with it). An external runtime may not forward SIGKILL: PID 1 gets it directly as well.
fn signal_container(record: &ContainerRecord, signal: i32) {
    if let Some(waiter) = record.waiter.filter(ProcessRef::is_alive) {
        // SAFETY: kill has no memory-safety requirements.
        unsafe { libc::kill(waiter.pid as i32, signal) };
    }
    if signal == libc::SIGKILL
        && record.settings.runtime.is_some()
        && let Some(pid) = record.init_pid
    {
        // SAFETY: as above. EPERM (PID 1 runs as a subordinate uid) is ignored.
        unsafe { libc::kill(pid as i32, signal) };
    }
}

/// For errors about a container: `name (id)`.
pub fn describe(record: &ContainerRecord) -> String {
    format!("{} ({})", record.name, &record.id[..12])
}

/// A container that cannot be removed because it runs.
pub fn running_error(record: &ContainerRecord) -> anyhow::Error {
    anyhow!(
        "container {} is running: stop it first, or remove it anyway with `engine rm -f {}`",
        record.name,
        record.name
    )
}
