//! A process in the foreground of our terminal: its I/O on ours (through a pty when given one),
//! our signals forwarded to it (sig-proxy), its exit code returned. `engine exec` runs its
//! helper this way; `run_foreground` is the container of a bundle run the same way.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::{Context, Result};
use nix::fcntl::OFlag;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use nix::unistd::pipe2;
use oci_spec::runtime::Spec;

use super::pty::{Pty, RawMode, copy_window_size, is_terminal, open_pty};
use super::spawn_with_stdio;
use crate::runtime::userns::{IdMappings, exit_code};

/// What the engine forwards to the process, like podman's `--sig-proxy`.
pub const PROXIED: [Signal; 6] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
];

/// The process's PID for the signal handler (0: not started yet, the signal is dropped).
static CHILD: AtomicI32 = AtomicI32::new(0);
/// Write end of the pipe that wakes the copy loop on SIGWINCH (-1: none).
static WINCH_PIPE: AtomicI32 = AtomicI32::new(-1);

/// Runs the container of `bundle` in the foreground and returns its exit code, with a pty when
/// the spec says `process.terminal` (see [`run_attached`]).
pub fn run_foreground(bundle: &Path, mappings: &IdMappings, interactive: bool) -> Result<i32> {
    let config = bundle.join("config.json");
    let spec = Spec::load(&config).with_context(|| format!("load {}", config.display()))?;
    let terminal = spec
        .process()
        .as_ref()
        .and_then(|p| p.terminal())
        .unwrap_or(false);
    let pty = terminal.then(open_pty).transpose()?;
    run_attached(
        |stdio| spawn_with_stdio(bundle, mappings, stdio),
        pty,
        interactive,
    )
}

/// Starts a process with `spawn` (given its stdin, stdout and stderr) and returns its exit code
/// (128+N when signal N killed it). With a `pty` the process gets its slave side, whose I/O is
/// copied to and from ours (our terminal in raw mode when `interactive`, its size following
/// ours); else it shares our stdout and stderr, and our stdin when `interactive` (/dev/null
/// otherwise).
pub(super) fn run_attached(
    spawn: impl FnOnce([Stdio; 3]) -> Result<Child>,
    pty: Option<Pty>,
    interactive: bool,
) -> Result<i32> {
    let _signals = SignalProxy::install()?;
    let code = match pty {
        Some(pty) => run_with_pty(spawn, pty, interactive),
        None => {
            let stdin = if interactive {
                Stdio::inherit()
            } else {
                Stdio::null()
            };
            spawn([stdin, Stdio::inherit(), Stdio::inherit()]).and_then(|mut child| {
                CHILD.store(child.id() as i32, Ordering::SeqCst);
                let status = child.wait().context("wait for the process")?;
                Ok(exit_code(status))
            })
        }
    };
    CHILD.store(0, Ordering::SeqCst);
    code
}

fn run_with_pty(
    spawn: impl FnOnce([Stdio; 3]) -> Result<Child>,
    pty: Pty,
    interactive: bool,
) -> Result<i32> {
    let stdin = io::stdin();
    let stdout = io::stdout();
    let our_terminal = [stdin.as_fd(), stdout.as_fd()]
        .into_iter()
        .find(|fd| is_terminal(*fd));
    if let Some(terminal) = our_terminal {
        copy_window_size(terminal, pty.master.as_fd());
    }
    let winch = WinchPipe::open()?;
    let _raw = if interactive && is_terminal(stdin.as_fd()) {
        Some(RawMode::enter(stdin.as_fd())?)
    } else {
        None
    };
    let dup = |fd: &OwnedFd| fd.try_clone().context("duplicate the terminal descriptor");
    let stdio = [
        Stdio::from(dup(&pty.slave)?),
        Stdio::from(dup(&pty.slave)?),
        Stdio::from(pty.slave),
    ];
    // Our copies of the slave are gone once spawned: the master reads EIO when the process's
    // side is closed.
    let mut child = spawn(stdio)?;
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    let copied = copy_loop(
        &pty.master,
        interactive.then(|| stdin.as_fd()),
        &winch.read,
        our_terminal,
    );
    drop(winch);
    let status = child.wait().context("wait for the process")?;
    copied?;
    Ok(exit_code(status))
}

/// Copies our stdin to the pty and the pty to our stdout until the process's side closes.
fn copy_loop(
    master: &nix::pty::PtyMaster,
    mut stdin: Option<BorrowedFd>,
    winch: &OwnedFd,
    our_terminal: Option<BorrowedFd>,
) -> Result<()> {
    let mut buf = [0u8; 8192];
    let mut out = io::stdout().lock();
    loop {
        let mut fds = vec![
            PollFd::new(master.as_fd(), PollFlags::POLLIN),
            PollFd::new(winch.as_fd(), PollFlags::POLLIN),
        ];
        if let Some(fd) = stdin {
            fds.push(PollFd::new(fd, PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(err) => return Err(err).context("poll the terminal"),
            Ok(_) => {}
        }
        let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
        let (master_ready, winch_ready, stdin_ready) = (
            ready(&fds[0]),
            ready(&fds[1]),
            fds.get(2).is_some_and(ready),
        );
        drop(fds);
        if winch_ready {
            let _ = nix::unistd::read(winch, &mut buf);
            if let Some(terminal) = our_terminal {
                copy_window_size(terminal, master.as_fd());
            }
        }
        if stdin_ready && let Some(fd) = stdin {
            match nix::unistd::read(fd, &mut buf) {
                // End of our input: an EOF character ends the container's read as if typed.
                Ok(0) | Err(_) => {
                    let _ = nix::unistd::write(master, &[4]);
                    stdin = None;
                }
                Ok(n) => write_all(master, &buf[..n])?,
            }
        }
        if master_ready {
            match (&*master).read(&mut buf) {
                // EIO: every slave descriptor is closed, the process is gone.
                Ok(0) => return Ok(()),
                Err(err) if err.raw_os_error() == Some(libc::EIO) => return Ok(()),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err).context("read from the container's terminal"),
                Ok(n) => {
                    out.write_all(&buf[..n])
                        .context("write the container's output")?;
                    out.flush().context("write the container's output")?;
                }
            }
        }
    }
}

fn write_all(master: &nix::pty::PtyMaster, mut data: &[u8]) -> Result<()> {
    while !data.is_empty() {
        match nix::unistd::write(master, data) {
            Ok(n) => data = &data[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(err) => return Err(err).context("write to the container's terminal"),
        }
    }
    Ok(())
}

/// The self-pipe the SIGWINCH handler writes to, registered for the handler while it lives.
struct WinchPipe {
    read: OwnedFd,
    /// Open while registered; closed after `drop` unregisters it.
    _write: OwnedFd,
}

impl WinchPipe {
    fn open() -> Result<WinchPipe> {
        let (read, write) = pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).context("create a pipe")?;
        WINCH_PIPE.store(write.as_raw_fd(), Ordering::SeqCst);
        Ok(WinchPipe {
            read,
            _write: write,
        })
    }
}

impl Drop for WinchPipe {
    fn drop(&mut self) {
        // Before the descriptor closes, so the handler never writes to a reused number.
        WINCH_PIPE.store(-1, Ordering::SeqCst);
    }
}

/// The handlers for [`PROXIED`] and SIGWINCH while the container runs; the previous ones come
/// back when dropped.
struct SignalProxy {
    previous: Vec<(Signal, SigAction)>,
}

impl SignalProxy {
    fn install() -> Result<SignalProxy> {
        let mut proxy = SignalProxy {
            previous: Vec::new(),
        };
        let forward = SigAction::new(
            SigHandler::Handler(forward_signal),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        let winch = SigAction::new(
            SigHandler::Handler(note_winch),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        for (signal, action) in PROXIED
            .iter()
            .map(|s| (*s, &forward))
            .chain([(Signal::SIGWINCH, &winch)])
        {
            // SAFETY: both handlers only load atomics and call kill/write, which are
            // async-signal-safe.
            let previous = unsafe { sigaction(signal, action) }
                .with_context(|| format!("install a {signal} handler"))?;
            proxy.previous.push((signal, previous));
        }
        Ok(proxy)
    }
}

impl Drop for SignalProxy {
    fn drop(&mut self) {
        for (signal, previous) in self.previous.drain(..) {
            // SAFETY: restores the handler that was installed before.
            let _ = unsafe { sigaction(signal, &previous) };
        }
    }
}

extern "C" fn forward_signal(signal: libc::c_int) {
    let child = CHILD.load(Ordering::SeqCst);
    if child > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe { libc::kill(child, signal) };
    }
}

extern "C" fn note_winch(_: libc::c_int) {
    let fd = WINCH_PIPE.load(Ordering::SeqCst);
    if fd >= 0 {
        let errno = io::Error::last_os_error();
        // SAFETY: write is async-signal-safe; the pipe is non-blocking, a full pipe already
        // holds a wake-up. errno is preserved for the interrupted code.
        unsafe {
            libc::write(fd, [0u8].as_ptr().cast(), 1);
            *libc::__errno_location() = errno.raw_os_error().unwrap_or(0);
        }
    }
}
