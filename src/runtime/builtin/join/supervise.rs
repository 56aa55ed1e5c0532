//! The fork between the helper and the command, and the helper's wait: the waiter's scheme
//! (see `waiter`), plus what exec needs after the fork in the parent: closing its copy of the
//! report pipe, so `engine exec -d` sees end of file once the command is exec'd, and of the
//! caller's stdio, so a terminal or pipe closes when the command's last process does.

use std::convert::Infallible;

use nix::sys::prctl::set_pdeathsig;
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::unistd::{ForkResult, fork};

use super::report::Reporter;
use crate::runtime::builtin::EXIT_SETUP_FAILED;

/// Forks; the child runs `command` (which execs or exits), the parent waits for it, forwarding
/// every signal it gets, and exits with its status (128+N when signal N killed it). Must be
/// called while the process has a single thread.
pub(super) fn fork_and_wait(
    reporter: Reporter,
    command: impl FnOnce(&Reporter) -> Infallible,
) -> ! {
    // Blocked before the fork so no signal sent meanwhile is lost; the child unblocks them.
    let previous = match SigSet::all().thread_swap_mask(SigmaskHow::SIG_SETMASK) {
        Ok(previous) => previous,
        Err(errno) => reporter.fail(
            EXIT_SETUP_FAILED,
            &format!("block signals: {}", std::io::Error::from(errno)),
        ),
    };
    // SAFETY: the helper is single-threaded (main dispatches it before anything starts a
    // thread), so the child may run arbitrary code.
    match unsafe { fork() } {
        Err(errno) => reporter.fail(
            EXIT_SETUP_FAILED,
            &format!(
                "fork the command's process: {}",
                std::io::Error::from(errno)
            ),
        ),
        Ok(ForkResult::Child) => {
            let _ = previous.thread_set_mask();
            // A helper killed by SIGKILL takes the command with it rather than leaving it
            // unsupervised in the container.
            if let Err(errno) = set_pdeathsig(Signal::SIGKILL) {
                let err = std::io::Error::from(errno);
                reporter.fail(EXIT_SETUP_FAILED, &format!("prctl PR_SET_PDEATHSIG: {err}"));
            }
            match command(&reporter) {}
        }
        Ok(ForkResult::Parent { child }) => {
            drop(reporter);
            release_stdio();
            crate::runtime::builtin::waiter::wait_forwarding_signals(child)
        }
    }
}

/// Points stdin, stdout and stderr at /dev/null: the helper has nothing more to say (its exit
/// status is the message).
fn release_stdio() {
    let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    else {
        return;
    };
    for target in 0..=2 {
        // SAFETY: dup2 onto the standard descriptors, which nothing in this process holds
        // a Rust handle to from now on.
        unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), target) };
    }
}
