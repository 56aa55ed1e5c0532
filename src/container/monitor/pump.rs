//! The running container under the monitor: its output to the log and the clients, the
//! clients' input, window size and signals to it, until its waiter exits.

use std::os::fd::AsFd;
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use super::clients::Clients;
use super::io::{self, MonitorIo};
use super::protocol::Frame;
use crate::container::logs::{LogWriter, Stream};
use crate::runtime::userns::exit_code;
use crate::util::proc::pidfd_open;

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
