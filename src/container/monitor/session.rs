//! One run of the container under the monitor: start it, learn whether its command runs,
//! then pump its output into the log and to attached clients until it exits.

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{
    AddressFamily, ControlMessageOwned, MsgFlags, SockFlag, SockType, recvmsg, socketpair,
};

use super::clients::Clients;
use super::io::{self, MonitorIo};
use super::protocol::Frame;
use crate::container::logs::{LogWriter, Stream};
use crate::network::{NetworkHelper, NetworkMode};
use crate::runtime::builtin;
use crate::runtime::builtin::start_gate::GateFifos;
use crate::runtime::external;
use crate::runtime::userns::{IdMappings, exit_code};
use crate::spec::rejoin::rejoin_namespaces;
use crate::store::{ContainerRecord, Store};
use crate::util::proc::pidfd_open;
use oci_spec::runtime::LinuxNamespaceType;

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
    let init_pid = first_child(child.id());
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
        true => Some(GateFifos::create(run.bundle)?),
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
        io::attach_console(&mut monitor_io, master)?;
        if let (Some(pty), Some((rows, cols))) = (&monitor_io.pty, window) {
            io::resize(pty.as_fd(), rows, cols);
        }
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

/// What the init said on the status socket, read to its end.
#[derive(Default)]
struct StatusReport {
    init_pid: Option<u32>,
    console: Option<OwnedFd>,
    failure: Option<(i32, String)>,
}

fn read_status(socket: &OwnedFd) -> Result<StatusReport> {
    let mut report = StatusReport::default();
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let mut cmsg = nix::cmsg_space!([std::os::fd::RawFd; 1]);
        let mut iov = [std::io::IoSliceMut::new(&mut buf)];
        let msg = match recvmsg::<()>(
            socket.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => other.context("read the container's status")?,
        };
        let received = msg.bytes;
        for control in msg.cmsgs().context("read the container's status")? {
            if let ControlMessageOwned::ScmRights(fds) = control {
                for fd in fds {
                    // SAFETY: the kernel just installed this descriptor for us.
                    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
                    report.console.get_or_insert(fd);
                }
            }
        }
        if received == 0 {
            break;
        }
        text.extend_from_slice(&buf[..received]);
    }
    for line in String::from_utf8_lossy(&text).lines() {
        if let Some(pid) = line.strip_prefix("pid ") {
            report.init_pid = pid.parse().ok();
        } else if let Some(error) = line.strip_prefix("error ") {
            let (code, message) = error.split_once(' ').unwrap_or((error, ""));
            report.failure = Some((code.parse().unwrap_or(125), message.to_string()));
        }
    }
    Ok(report)
}

/// PID 1 of a container an external runtime started: the runtime's child, once it exists.
fn first_child(pid: u32) -> Option<u32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        let children = std::fs::read_to_string(&path).ok()?;
        if let Some(first) = children.split_whitespace().next() {
            return first.parse().ok();
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

/// Copies the container's output to the log and the clients, and clients' input and signals
/// to the container, until the waiter exits; returns its exit code.
pub(super) fn pump(
    mut child: Child,
    mut io: MonitorIo,
    clients: &mut Clients,
    mut log: Option<&mut LogWriter>,
) -> Result<i32> {
    let waiter = child.id() as i32;
    let exited = pidfd_open(child.id()).with_context(|| format!("pidfd_open {}", child.id()))?;
    let mut pending_input: Vec<u8> = Vec::new();
    let mut running = true;
    let mut drain_deadline = None;
    while running || !io.outputs.is_empty() {
        if let Some(deadline) = drain_deadline
            && Instant::now() > deadline
        {
            break; // Some process outside the container still holds a pipe: stop waiting.
        }
        let (outputs, input, listener, clients_ready, exit_ready) = {
            let mut fds: Vec<PollFd> = Vec::new();
            fds.push(PollFd::new(exited.as_fd(), PollFlags::POLLIN));
            for (_, fd) in &io.outputs {
                fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
            }
            let input_index = match (&io.input, pending_input.is_empty()) {
                (Some(fd), false) => {
                    fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLOUT));
                    Some(fds.len() - 1)
                }
                _ => None,
            };
            fds.push(PollFd::new(clients.listener_fd(), PollFlags::POLLIN));
            let listener_index = fds.len() - 1;
            for fd in clients.client_fds() {
                fds.push(PollFd::new(fd, PollFlags::POLLIN));
            }
            let timeout = match running {
                true => PollTimeout::NONE,
                false => PollTimeout::from(100u16),
            };
            match poll(&mut fds, timeout) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e).context("poll the container's streams"),
                Ok(_) => {}
            }
            let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
            let outputs: Vec<bool> = (0..io.outputs.len()).map(|i| ready(&fds[1 + i])).collect();
            let input = input_index.is_some_and(|i| ready(&fds[i]));
            let clients_ready: Vec<bool> = fds[listener_index + 1..].iter().map(ready).collect();
            (
                outputs,
                input,
                ready(&fds[listener_index]),
                clients_ready,
                ready(&fds[0]),
            )
        };
        // Output first, so what the container wrote before exiting is not lost.
        for index in (0..outputs.len()).rev() {
            if outputs[index] && !copy_output(&mut io, index, clients, log.as_deref_mut())? {
                io.outputs.remove(index);
            }
        }
        if input {
            flush_input(&mut io, &mut pending_input);
        }
        if listener {
            clients.accept_pending();
        }
        for index in (0..clients_ready.len()).rev() {
            if !clients_ready[index] {
                continue;
            }
            for frame in clients.read_client(index) {
                handle_client_frame(frame, waiter, &mut io, &mut pending_input);
            }
        }
        if exit_ready && running {
            running = false;
            drain_deadline = Some(Instant::now() + Duration::from_secs(2));
        }
    }
    let status = child.wait().context("wait for the container")?;
    Ok(exit_code(status))
}

/// Reads one chunk of output; false at end of file (or EIO: the pty has no slave left).
fn copy_output(
    io: &mut MonitorIo,
    index: usize,
    clients: &mut Clients,
    log: Option<&mut LogWriter>,
) -> Result<bool> {
    let (stream, fd) = &io.outputs[index];
    let mut buf = vec![0u8; 65536];
    match rustix::io::read(fd, &mut buf) {
        Ok(0) => Ok(false),
        Ok(n) => {
            let data = &buf[..n];
            if let Some(log) = log {
                log.write(*stream, data)?;
            }
            clients.broadcast(&match stream {
                Stream::Stdout => Frame::Stdout(data.to_vec()),
                Stream::Stderr => Frame::Stderr(data.to_vec()),
            });
            Ok(true)
        }
        Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => Ok(true),
        Err(rustix::io::Errno::IO) => Ok(false),
        Err(e) => Err(e).context("read the container's output"),
    }
}

/// Input beyond this waits for the container to read; more is dropped rather than held.
const MAX_PENDING_INPUT: usize = 1 << 20;

fn handle_client_frame(frame: Frame, waiter: i32, io: &mut MonitorIo, pending: &mut Vec<u8>) {
    match frame {
        Frame::Stdin(data) => {
            if io.input.is_some() && pending.len() + data.len() <= MAX_PENDING_INPUT {
                pending.extend_from_slice(&data);
                flush_input(io, pending);
            }
        }
        Frame::StdinEof => match io.pty {
            // A terminal has no end of file: the EOF character ends a read as if typed.
            Some(_) => {
                pending.push(4);
                flush_input(io, pending);
            }
            None => {
                io.input = None;
                pending.clear();
            }
        },
        Frame::Resize { rows, cols } => {
            if let Some(pty) = &io.pty {
                io::resize(pty.as_fd(), rows, cols);
            }
        }
        Frame::Signal(signal) => {
            // SAFETY: kill has no memory-safety requirements.
            unsafe { libc::kill(waiter, signal) };
        }
        // Output frames come from the monitor only; a client sending them is ignored.
        Frame::Stdout(_) | Frame::Stderr(_) | Frame::Exit(_) => {}
    }
}

fn flush_input(io: &mut MonitorIo, pending: &mut Vec<u8>) {
    let Some(fd) = &io.input else {
        pending.clear();
        return;
    };
    while !pending.is_empty() {
        match rustix::io::write(fd, pending) {
            Ok(n) => {
                pending.drain(..n);
            }
            Err(rustix::io::Errno::INTR) => {}
            Err(rustix::io::Errno::AGAIN) => return,
            // The container closed its stdin: nothing will read more.
            Err(_) => {
                io.input = None;
                pending.clear();
                return;
            }
        }
    }
}
