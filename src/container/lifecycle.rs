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

use super::monitor::protocol::{Frame, FrameReader, SyncMessage};
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
    // A concurrent `rm` may have removed it since the caller found or created it.
    store
        .update_container(&record.id, |r| r.stop_requested = false)
        .with_context(|| format!("container {} was removed before it started", record.name))?;
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
    store.update_container(&record.id, |r| {
        r.stop_requested = true;
        r.restart_requested = false;
    })?;
    let timeout = timeout.unwrap_or(record.settings.stop_timeout);
    if timeout > 0 {
        signal_current(store, &record.id, stop_signal(record))?;
        if wait_for_exit(&monitor, Duration::from_secs(timeout.into())) {
            return Ok(());
        }
    }
    signal_current(store, &record.id, libc::SIGKILL)?;
    if !wait_for_exit(&monitor, KILL_GRACE) {
        bail!(
            "container {} did not stop within {} s of SIGKILL",
            record.name,
            KILL_GRACE.as_secs()
        );
    }
    Ok(())
}

/// Restarts a container: a running one in place (its monitor starts it again once it exited,
/// so `--rm` does not apply and attached clients stay), one that does not run is started.
pub fn restart(
    store: &Store,
    record: &ContainerRecord,
    timeout: Option<u32>,
    runtime_state: &Path,
) -> Result<Launched> {
    if running_monitor(record).is_none() {
        return start(store, record, runtime_state, false);
    }
    let before = record.started_at.clone();
    store.update_container(&record.id, |r| {
        r.restart_requested = true;
        r.stop_requested = false;
    })?;
    let timeout = Duration::from_secs(timeout.unwrap_or(record.settings.stop_timeout).into());
    if !timeout.is_zero() {
        signal_current(store, &record.id, stop_signal(record))?;
        if let Some(done) = restarted(store, &record.id, &before, timeout)? {
            return Ok(done);
        }
    }
    signal_current(store, &record.id, libc::SIGKILL)?;
    match restarted(store, &record.id, &before, KILL_GRACE)? {
        Some(done) => Ok(done),
        None => bail!(
            "container {} did not restart within {} s of SIGKILL",
            record.name,
            KILL_GRACE.as_secs()
        ),
    }
}

/// Waits up to `timeout` for the monitor to have started the container again (a new start
/// time), or to have failed to.
fn restarted(
    store: &Store,
    id: &str,
    before: &Option<String>,
    timeout: Duration,
) -> Result<Option<Launched>> {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        let record = state::find(store, id)?;
        match record.status {
            ContainerStatus::Running if record.started_at != *before && record.waiter.is_some() => {
                return Ok(Some(Launched::Running { attach: None }));
            }
            ContainerStatus::Exited => {
                return Ok(Some(Launched::Failed {
                    code: record.exit_code.unwrap_or(125),
                    message: record.error.unwrap_or_else(|| {
                        format!("container {} exited instead of restarting", record.name)
                    }),
                }));
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    Ok(None)
}

/// Sends `signal` to a running container. After SIGKILL, waits until the exit is recorded.
pub fn kill(store: &Store, record: &ContainerRecord, signal: i32) -> Result<()> {
    let Some(monitor) = running_monitor(record) else {
        bail!("container {} is not running", record.name);
    };
    // The restart policy does not undo what the user asked for.
    store.update_container(&record.id, |r| r.stop_requested = true)?;
    signal_current(store, &record.id, signal)?;
    if signal == libc::SIGKILL && !wait_for_exit(&monitor, KILL_GRACE) {
        bail!("container {} did not die of SIGKILL", record.name);
    }
    Ok(())
}

/// Waits until the container exited and returns its exit code; `None` when it was removed
/// before anyone could tell. A running container's monitor tells its clients the code even
/// when `--rm` removes the container, so the wait goes through its socket.
pub fn wait(store: &Store, id: &str) -> Result<Option<i32>> {
    loop {
        let Some(record) = store.find_container(id)?.filter(|r| r.id == id) else {
            return Ok(None);
        };
        let Some(record) = state::reconcile(store, record)? else {
            return Ok(None);
        };
        match (record.status, record.monitor) {
            (ContainerStatus::Exited, _) => return Ok(record.exit_code),
            (ContainerStatus::Running, Some(monitor)) => match connect(store, id) {
                Ok(socket) => {
                    if let Some(code) = exit_frame(socket) {
                        return Ok(Some(code));
                    }
                }
                // Not listening yet, or gone: look again.
                Err(_) => {
                    wait_for_exit(&monitor, Duration::from_millis(50));
                }
            },
            // Created, or a restart in between: look again shortly.
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Reads a monitor's frames until it says the exit code; `None` if it hangs up first.
fn exit_frame(mut socket: UnixStream) -> Option<i32> {
    use std::io::Read;
    let mut reader = FrameReader::default();
    let mut buf = vec![0u8; 65536];
    loop {
        let n = socket.read(&mut buf).ok().filter(|n| *n > 0)?;
        reader.push(&buf[..n]);
        while let Some(frame) = reader.next_frame().ok()? {
            if let Frame::Exit(code) = frame {
                return Some(code);
            }
        }
    }
}

fn stop_signal(record: &ContainerRecord) -> i32 {
    crate::util::signal::parse(&record.settings.stop_signal).unwrap_or(libc::SIGTERM)
}

/// Signals the container as its record says now (the waiter changes when the monitor
/// restarts it; between two runs there is none, and the monitor sees the request instead).
fn signal_current(store: &Store, id: &str, signal: i32) -> Result<()> {
    if let Some(record) = store.find_container(id)?.filter(|r| r.id == id) {
        signal_container(&record, signal);
    }
    Ok(())
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
    // Under crun or runc the waiter is the runtime's `run`, which passes most signals on but
    // would itself stop on SIGSTOP: like `crun kill`, signal the container's PID 1 directly,
    // and with SIGKILL the runtime too.
    if record.settings.runtime.is_some()
        && let Some(init) = record.init_pid.and_then(ProcessRef::of)
    {
        // SAFETY: kill has no memory-safety requirements.
        unsafe { libc::kill(init.pid as i32, signal) };
        if signal != libc::SIGKILL {
            return;
        }
    }
    if let Some(waiter) = record.waiter.filter(ProcessRef::is_alive) {
        // SAFETY: as above.
        unsafe { libc::kill(waiter.pid as i32, signal) };
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
