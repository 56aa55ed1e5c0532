//! The init's report to whoever supervises it (the engine's monitor), through an inherited
//! pipe named in [`STATUS_FD_ENV`]:
//!
//! ```text
//! pid <N>\n              the waiter, right after the fork: PID 1's host PID
//! console\n              PID 1 allocated its pty; the master is attached (SCM_RIGHTS)
//! error <CODE> <MSG>\n   setup or exec failed (CODE: 125, 126 or 127), instead of stderr
//! ```
//!
//! The pipe is close-on-exec in PID 1, so end-of-file with no `error` line means the exec
//! succeeded: the monitor knows the container's command runs, or why it does not, without
//! guessing from exit codes (a command may well exit 127 by itself).
//!
//! With [`DIE_WITH_PARENT_ENV`] the init also dies with the process that started it, so a
//! killed monitor takes its container along rather than leaving it unsupervised.

use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};

/// The number of the inherited descriptor to report on.
pub const STATUS_FD_ENV: &str = "_ENGINE_STATUS_FD";
/// The PID of the supervising parent; the init dies (SIGKILL) when that parent does.
pub const DIE_WITH_PARENT_ENV: &str = "_ENGINE_DIE_WITH_PARENT";

/// The number of an inherited Unix socket that gets the console's master instead of the status
/// channel (`engine oci create --console-socket`, runc's protocol).
pub const CONSOLE_FD_ENV: &str = "_ENGINE_CONSOLE_FD";

/// `ROWS COLS` of the terminal the caller has, for the pty the container makes: set before
/// the command starts, so its first look at the window size is right (the spec's
/// `process.consoleSize` is written once, at create; the caller's terminal is known per start).
pub const CONSOLE_SIZE_ENV: &str = "_ENGINE_CONSOLE_SIZE";

/// The status descriptor, -1 when none (`engine oci`, or already closed).
static STATUS_FD: AtomicI32 = AtomicI32::new(-1);
/// The console socket, -1 when none.
static CONSOLE_FD: AtomicI32 = AtomicI32::new(-1);

/// Takes the descriptor named in the environment (close-on-exec from now on) and arms the
/// parent-death signal. Run first thing in the init, single-threaded.
pub(super) fn take_from_env() -> Result<(), String> {
    for (var, slot) in [(STATUS_FD_ENV, &STATUS_FD), (CONSOLE_FD_ENV, &CONSOLE_FD)] {
        if let Some(fd) = std::env::var(var)
            .ok()
            .and_then(|v| v.parse::<RawFd>().ok())
            .filter(|fd| *fd > 2)
        {
            // SAFETY: F_SETFD on a descriptor number only changes its flags; an invalid
            // number fails with EBADF, which leaves the channel off.
            if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == 0 {
                slot.store(fd, Ordering::SeqCst);
            }
        }
    }
    if let Some(parent) = std::env::var(DIE_WITH_PARENT_ENV)
        .ok()
        .and_then(|v| v.parse::<i32>().ok())
    {
        nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
            .map_err(|e| format!("prctl PR_SET_PDEATHSIG: {e}"))?;
        // The parent may have died before the signal was armed.
        if nix::unistd::getppid().as_raw() != parent {
            return Err("the engine monitor that started the container is gone".into());
        }
    }
    Ok(())
}

/// Reports PID 1's host PID (the waiter, after the fork), then closes the waiter's copy of
/// the channel so that only PID 1 holds it open until its exec.
pub(super) fn report_pid_and_close(pid: i32) {
    write_line(&format!("pid {pid}\n"));
    let fd = STATUS_FD.swap(-1, Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: the descriptor is ours and nothing else uses it after the swap.
        unsafe { libc::close(fd) };
    }
}

/// The descriptors this module holds (status channel, console socket), for the init's sweep
/// of inherited descriptors.
pub(super) fn held_fds() -> Vec<RawFd> {
    [&STATUS_FD, &CONSOLE_FD]
        .iter()
        .map(|slot| slot.load(Ordering::SeqCst))
        .filter(|fd| *fd >= 0)
        .collect()
}

/// Whether someone takes the master of a pty the container makes itself (see
/// [`send_console`]): the monitor, or a console socket.
pub(super) fn takes_console() -> bool {
    STATUS_FD.load(Ordering::SeqCst) >= 0 || CONSOLE_FD.load(Ordering::SeqCst) >= 0
}

/// The window size the monitor passed in [`CONSOLE_SIZE_ENV`]: (rows, columns), both nonzero.
pub(super) fn console_size_from_env() -> Option<(u16, u16)> {
    parse_console_size(&std::env::var(CONSOLE_SIZE_ENV).ok()?)
}

fn parse_console_size(text: &str) -> Option<(u16, u16)> {
    let (rows, cols) = text.split_once(' ')?;
    let size = (rows.parse().ok()?, cols.parse().ok()?);
    (size.0 > 0 && size.1 > 0).then_some(size)
}

/// Hands the master of the container's pty (`name` inside) over, with SCM_RIGHTS: to the
/// console socket as runc does (the name as the message), else to the monitor as a
/// `console\n` line on the status socket.
pub(super) fn send_console(master: &impl AsRawFd, name: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    let fds = [master.as_raw_fd()];
    let (fd, message) = match CONSOLE_FD.load(Ordering::SeqCst) {
        -1 => (STATUS_FD.load(Ordering::SeqCst), "console\n".to_string()),
        console => (console, name.to_string()),
    };
    let payload = [std::io::IoSlice::new(message.as_bytes())];
    sendmsg::<()>(
        fd,
        &payload,
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::empty(),
        None,
    )
    .context("send the console's master (sendmsg SCM_RIGHTS)")?;
    Ok(())
}

/// Reports a failure; false when there is no channel (the caller prints to stderr instead).
pub(super) fn report_failure(code: i32, message: &str) -> bool {
    if STATUS_FD.load(Ordering::SeqCst) < 0 {
        return false;
    }
    // One line: the monitor reads lines.
    let message = message.replace('\n', " ");
    write_line(&format!("error {code} {message}\n"))
}

fn write_line(line: &str) -> bool {
    let fd = STATUS_FD.load(Ordering::SeqCst);
    if fd < 0 {
        return false;
    }
    // SAFETY: the descriptor stays open while borrowed here; ManuallyDrop keeps it open after.
    let mut file = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(fd) });
    file.write_all(line.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::parse_console_size;

    #[test]
    fn console_size_is_rows_then_columns_both_nonzero() {
        assert_eq!(parse_console_size("33 77"), Some((33, 77)));
        assert_eq!(parse_console_size("0 80"), None);
        assert_eq!(parse_console_size("24"), None);
        assert_eq!(parse_console_size("24 x"), None);
        assert_eq!(parse_console_size("70000 80"), None);
    }
}
