//! The pseudo-terminal of a container with `process.terminal`, and our own terminal's raw mode.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use anyhow::{Context, Result};
use nix::fcntl::{OFlag, open};
use nix::pty::{PtyMaster, grantpt, posix_openpt, ptsname_r, unlockpt};
use nix::sys::stat::Mode;
use nix::sys::termios::{SetArg, Termios, cfmakeraw, tcgetattr, tcsetattr};

pub struct Pty {
    pub master: PtyMaster,
    /// Handed to the container as its stdin, stdout and stderr.
    pub slave: OwnedFd,
}

/// A new pty; both ends close-on-exec (the engine may start other programs meanwhile, and a
/// leaked master would keep the container's terminal open after it exits).
pub fn open_pty() -> Result<Pty> {
    let master = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)
        .context("open a pty (/dev/ptmx)")?;
    grantpt(&master).context("grantpt")?;
    unlockpt(&master).context("unlockpt")?;
    let name = ptsname_r(&master).context("ptsname")?;
    let slave = open(
        name.as_str(),
        OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .with_context(|| format!("open the pty {name}"))?;
    Ok(Pty { master, slave })
}

/// Copies the window size of terminal `from` to `to`; false when `from` is not a terminal.
pub fn copy_window_size(from: BorrowedFd, to: BorrowedFd) -> bool {
    // SAFETY: winsize is plain data; TIOCGWINSZ fills it, TIOCSWINSZ reads it.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        libc::ioctl(from.as_raw_fd(), libc::TIOCGWINSZ, &mut size) == 0
            && libc::ioctl(to.as_raw_fd(), libc::TIOCSWINSZ, &size) == 0
    }
}

pub fn is_terminal(fd: BorrowedFd) -> bool {
    crate::util::proc::is_tty(fd.as_raw_fd())
}

/// Our terminal in raw mode (keys go to the container unprocessed: ^C is a byte for its
/// terminal to turn into SIGINT), restored when dropped.
pub struct RawMode<'a> {
    fd: BorrowedFd<'a>,
    saved: Termios,
}

impl<'a> RawMode<'a> {
    pub fn enter(fd: BorrowedFd<'a>) -> Result<RawMode<'a>> {
        let saved = tcgetattr(fd).context("read the terminal settings")?;
        let mut raw = saved.clone();
        cfmakeraw(&mut raw);
        tcsetattr(fd, SetArg::TCSANOW, &raw).context("put the terminal in raw mode")?;
        Ok(RawMode { fd, saved })
    }
}

impl Drop for RawMode<'_> {
    fn drop(&mut self) {
        let _ = tcsetattr(self.fd.as_fd(), SetArg::TCSAFLUSH, &self.saved);
    }
}
