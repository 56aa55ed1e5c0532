//! The container's standard streams as the monitor holds them: pipes, or a pty with `-t`.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::process::Stdio;

use anyhow::{Context, Result};
use nix::fcntl::OFlag;
use nix::unistd::pipe2;

use crate::container::logs::Stream;
use crate::runtime::builtin::pty::open_pty;

/// The container's side of its streams, handed to the runtime.
pub(super) struct ChildStdio(pub [Stdio; 3]);

/// The monitor's side.
pub(super) struct MonitorIo {
    /// Output to read: stdout and stderr pipes, or the pty master once (as stdout).
    pub outputs: Vec<(Stream, OwnedFd)>,
    /// Where clients' input goes: the stdin pipe, or the pty master; `None` when the
    /// container's stdin is /dev/null or was closed.
    pub input: Option<OwnedFd>,
    /// The pty master, for window size changes.
    pub pty: Option<OwnedFd>,
}

/// Creates the streams: a pty (`tty`), else pipes, and a stdin pipe only when `interactive`.
pub(super) fn create(tty: bool, interactive: bool) -> Result<(ChildStdio, MonitorIo)> {
    if tty {
        let pty = open_pty()?;
        let master: OwnedFd = pty.master.into();
        set_nonblocking(master.as_fd())?;
        let dup = |fd: &OwnedFd| fd.try_clone().context("duplicate the pty descriptor");
        let child = ChildStdio([
            Stdio::from(dup(&pty.slave)?),
            Stdio::from(dup(&pty.slave)?),
            Stdio::from(pty.slave),
        ]);
        let io = MonitorIo {
            outputs: vec![(Stream::Stdout, dup(&master)?)],
            input: Some(dup(&master)?),
            pty: Some(master),
        };
        return Ok((child, io));
    }
    let (out_read, out_write) = nonblocking_read_pipe()?;
    let (err_read, err_write) = nonblocking_read_pipe()?;
    let (stdin, input) = if interactive {
        let (read, write) = pipe2(OFlag::O_CLOEXEC).context("create the stdin pipe")?;
        set_nonblocking(write.as_fd())?;
        (Stdio::from(read), Some(write))
    } else {
        (Stdio::null(), None)
    };
    let child = ChildStdio([stdin, Stdio::from(out_write), Stdio::from(err_write)]);
    let io = MonitorIo {
        outputs: vec![(Stream::Stdout, out_read), (Stream::Stderr, err_read)],
        input,
        pty: None,
    };
    Ok((child, io))
}

/// Streams for a container that makes its own pty (the built-in runtime with `-t`): nothing
/// until [`attach_console`] gets the master.
pub(super) fn create_for_console() -> Result<(ChildStdio, MonitorIo)> {
    let child = ChildStdio([Stdio::null(), Stdio::null(), Stdio::null()]);
    let io = MonitorIo {
        outputs: Vec::new(),
        input: None,
        pty: None,
    };
    Ok((child, io))
}

/// Takes the master of the container's pty as its output, input and window.
pub(super) fn attach_console(io: &mut MonitorIo, master: OwnedFd) -> Result<()> {
    set_nonblocking(master.as_fd())?;
    let dup = |fd: &OwnedFd| fd.try_clone().context("duplicate the pty descriptor");
    io.outputs.push((Stream::Stdout, dup(&master)?));
    io.input = Some(dup(&master)?);
    io.pty = Some(master);
    Ok(())
}

fn nonblocking_read_pipe() -> Result<(OwnedFd, OwnedFd)> {
    let (read, write) = pipe2(OFlag::O_CLOEXEC).context("create an output pipe")?;
    set_nonblocking(read.as_fd())?;
    Ok((read, write))
}

fn set_nonblocking(fd: BorrowedFd) -> Result<()> {
    let flags = rustix::fs::fcntl_getfl(fd).context("fcntl F_GETFL")?;
    rustix::fs::fcntl_setfl(fd, flags | rustix::fs::OFlags::NONBLOCK).context("fcntl F_SETFL")
}

/// Sets the pty's window size (the kernel tells the container's foreground group).
pub(super) fn resize(pty: BorrowedFd, rows: u16, cols: u16) {
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads the winsize passed, which outlives the call.
    unsafe {
        libc::ioctl(
            std::os::fd::AsRawFd::as_raw_fd(&pty),
            libc::TIOCSWINSZ,
            &size,
        )
    };
}
