//! The fork between the waiter and the container's PID 1.
//!
//! The process that unshared the pid namespace cannot enter it: only its children can, and the
//! first one is PID 1 there. So it forks, and stays behind as a tiny waiter: it forwards every
//! signal it gets to PID 1 (the engine's sig-proxy and `kill` of the container reach the
//! waiter, the process the engine started) and exits with PID 1's status, 128+N when a
//! signal N killed it, as a shell reports it.

use std::convert::Infallible;
use std::os::fd::IntoRawFd;
use std::process::exit;
use std::sync::atomic::{AtomicI32, Ordering};

use nix::sys::prctl::set_pdeathsig;
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

use super::EXIT_SETUP_FAILED;

/// PID 1's end of a pipe whose other end only the waiter holds: hung up once the waiter is gone
/// (-1 in the waiter, or before the fork).
static WAITER_WATCH: AtomicI32 = AtomicI32::new(-1);

/// Forks; the child runs `container` (which never returns: it execs or exits), this process
/// waits for it and exits with its status. Must be called while the process has a single thread.
pub(super) fn fork_container(container: impl FnOnce() -> Infallible) -> ! {
    let (watch, held) = match nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC) {
        Ok(pipe) => pipe,
        Err(errno) => super::init::fail(&format!("create a pipe: {}", std::io::Error::from(errno))),
    };
    // Blocked before the fork so that no signal sent meanwhile is lost: the waiter collects
    // them with sigwaitinfo, the child unblocks them first thing.
    let previous = match SigSet::all().thread_swap_mask(SigmaskHow::SIG_SETMASK) {
        Ok(previous) => previous,
        Err(errno) => super::init::fail(&format!("block signals: {}", std::io::Error::from(errno))),
    };
    // SAFETY: the process is single-threaded (the init runs before anything starts a thread),
    // so the child may run arbitrary code.
    match unsafe { fork() } {
        Err(errno) => super::init::fail(&format!(
            "fork the container process: {}",
            std::io::Error::from(errno)
        )),
        Ok(ForkResult::Child) => {
            let _ = previous.thread_set_mask();
            drop(held);
            WAITER_WATCH.store(watch.into_raw_fd(), Ordering::SeqCst);
            // If the waiter dies (SIGKILL), so does the container, rather than running on
            // unsupervised. (A waiter killed before this line is not noticed: the parent is
            // outside the new pid namespace, so getppid() cannot tell.)
            if let Err(errno) = set_pdeathsig(Signal::SIGKILL) {
                super::init::fail(&format!(
                    "prctl PR_SET_PDEATHSIG: {}",
                    std::io::Error::from(errno)
                ));
            }
            match container() {}
        }
        Ok(ForkResult::Parent { child }) => {
            drop(watch);
            // Held (never written) until the waiter exits.
            std::mem::forget(held);
            super::status::report_pid_and_close(child.as_raw());
            wait_forwarding_signals(child)
        }
    }
}

/// Arms the parent-death signal again: the kernel clears it when PID 1 changes its user or
/// group, so without this a container running as a non-root user would outlive its waiter.
/// Exits if the waiter died before (the watch pipe is hung up then).
pub(super) fn rearm_parent_death_signal() -> Result<(), String> {
    set_pdeathsig(Signal::SIGKILL).map_err(|e| format!("prctl PR_SET_PDEATHSIG: {e}"))?;
    let fd = WAITER_WATCH.load(Ordering::SeqCst);
    if fd < 0 {
        return Ok(());
    }
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no timeout.
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    if ready > 0 && poll.revents & (libc::POLLHUP | libc::POLLERR) != 0 {
        exit(128 + libc::SIGKILL);
    }
    Ok(())
}

/// Waits for `child`, forwarding every signal this process gets to it, and exits with its
/// status (128 + N when signal N killed it).
pub(super) fn wait_forwarding_signals(child: Pid) -> ! {
    let all = SigSet::all();
    loop {
        let signal = wait_for_signal(&all);
        if signal == libc::SIGCHLD {
            if let Some(code) = reap(child) {
                exit(code);
            }
            continue;
        }
        // Raw numbers, so real-time signals are forwarded too. ESRCH (already gone) is
        // answered by the SIGCHLD that follows.
        // SAFETY: kill has no memory-safety requirements.
        unsafe { libc::kill(child.as_raw(), signal) };
    }
}

fn wait_for_signal(set: &SigSet) -> libc::c_int {
    loop {
        // SAFETY: `set` is a valid sigset; a null siginfo pointer is allowed.
        let signal = unsafe { libc::sigwaitinfo(set.as_ref(), std::ptr::null_mut()) };
        if signal > 0 {
            return signal;
        }
        // Only EINTR is possible (a stop/continue); anything else would loop forever, so give up.
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            exit(EXIT_SETUP_FAILED);
        }
    }
}

/// The exit code once `child` is gone, `None` while it runs.
fn reap(child: Pid) -> Option<i32> {
    match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
        Ok(WaitStatus::Exited(_, code)) => Some(code),
        Ok(WaitStatus::Signaled(_, signal, _)) => Some(128 + signal as i32),
        Ok(_) => None,
        // ECHILD: reaped already (cannot happen: this is the only waiter) or never existed.
        Err(_) => Some(EXIT_SETUP_FAILED),
    }
}
