//! The client side of attaching to a container's monitor: our terminal (or pipes) on one end,
//! the attach socket on the other (`engine run` attached, `start -a`, `attach`).

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::{Context, Result, bail};
use nix::fcntl::OFlag;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use nix::unistd::pipe2;

use super::monitor::protocol::{Frame, FrameReader};
use crate::runtime::builtin::PROXIED_SIGNALS as PROXIED;
use crate::runtime::builtin::pty::{RawMode, is_terminal};

/// podman's and docker's default detach sequence.
pub const DEFAULT_DETACH_KEYS: &str = "ctrl-p,ctrl-q";

pub struct AttachOptions {
    /// Forward our stdin (`-i`).
    pub stdin: bool,
    /// The container has a pty: our terminal goes raw and its size follows ours.
    pub tty: bool,
    /// Forward the signals in [`PROXIED`].
    pub sig_proxy: bool,
    /// Typed on stdin, detaches and leaves the container running; empty: never.
    pub detach_keys: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum AttachEnd {
    /// The container exited with this code.
    Exited(i32),
    /// The user typed the detach keys.
    Detached,
    /// The monitor went away without a word (killed).
    MonitorGone,
}

/// `ctrl-p,ctrl-q`-style keys as bytes; `""` disables detaching.
pub fn parse_detach_keys(text: &str) -> Result<Vec<u8>> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|key| match key.strip_prefix("ctrl-") {
            Some(c) if c.len() == 1 => match c.as_bytes()[0].to_ascii_lowercase() {
                // ctrl-a is 1 ... ctrl-z is 26; @ [ \ ] ^ _ are 0 and 27..31.
                b @ (b'a'..=b'z' | b'@' | b'[' | b'\\' | b']' | b'^' | b'_') => {
                    Ok(b.to_ascii_uppercase() & 0x1f)
                }
                _ => bail!("invalid detach key {key:?}: ctrl- takes a-z, @, [, \\, ], ^ or _"),
            },
            None if key.len() == 1 => Ok(key.as_bytes()[0]),
            _ => bail!(
                "invalid detach keys {text:?}: use a comma-separated list like ctrl-p,ctrl-q or a,ctrl-x"
            ),
        })
        .collect()
}

/// The first words of a client that asked the monitor to wait for it (`run`, `start -a`):
/// our terminal's size for the container's pty, zeros when there is none.
pub fn hello(socket: &mut UnixStream, tty: bool) -> Result<()> {
    let size = match tty {
        true => window_size(io::stdout().as_fd()),
        false => None,
    };
    size.unwrap_or(Frame::Resize { rows: 0, cols: 0 })
        .write_to(socket)
        .context("send hello to the container monitor")
}

/// Relays between our stdio and the container until it exits or we detach.
pub fn attach(mut socket: UnixStream, opts: &AttachOptions) -> Result<AttachEnd> {
    let stdin = io::stdin();
    let stdout_terminal = is_terminal(io::stdout().as_fd());
    let signals = SignalPipe::install(opts.sig_proxy)?;
    let _raw = match opts.tty && opts.stdin && is_terminal(stdin.as_fd()) {
        true => Some(RawMode::enter(stdin.as_fd())?),
        false => None,
    };
    if opts.tty && stdout_terminal {
        send_window_size(&mut socket)?;
    }
    let mut detach = DetachMatcher::new(&opts.detach_keys);
    let mut forwarding_stdin = opts.stdin;
    let mut reader = FrameReader::default();
    let mut buf = vec![0u8; 65536];
    let (mut stdout, mut stderr) = (io::stdout().lock(), io::stderr().lock());
    loop {
        let mut fds = vec![
            PollFd::new(socket.as_fd(), PollFlags::POLLIN),
            PollFd::new(signals.read.as_fd(), PollFlags::POLLIN),
        ];
        if forwarding_stdin {
            fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e).context("poll the attach socket"),
            Ok(_) => {}
        }
        let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
        let (socket_ready, signal_ready) = (ready(&fds[0]), ready(&fds[1]));
        let stdin_ready = fds.get(2).is_some_and(ready);
        drop(fds);
        if signal_ready {
            for signal in signals.drain() {
                let frame = match signal {
                    libc::SIGWINCH => window_size(io::stdout().as_fd()),
                    other => Some(Frame::Signal(other)),
                };
                if let Some(frame) = frame {
                    let _ = frame.write_to(&mut socket);
                }
            }
        }
        if stdin_ready {
            match nix::unistd::read(stdin.as_fd(), &mut buf) {
                Ok(0) | Err(_) => {
                    forwarding_stdin = false;
                    let _ = Frame::StdinEof.write_to(&mut socket);
                }
                Ok(n) => match detach.feed(&buf[..n]) {
                    Fed::Detach => return Ok(AttachEnd::Detached),
                    Fed::Forward(bytes) if !bytes.is_empty() => {
                        let _ = Frame::Stdin(bytes).write_to(&mut socket);
                    }
                    Fed::Forward(_) => {}
                },
            }
        }
        if socket_ready {
            let n = match socket.read(&mut buf) {
                Ok(0) => return Ok(AttachEnd::MonitorGone),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e).context("read from the container monitor"),
            };
            reader.push(&buf[..n]);
            while let Some(frame) = reader.next_frame()? {
                match frame {
                    Frame::Stdout(data) => {
                        stdout
                            .write_all(&data)
                            .context("write the container's output")?;
                        stdout.flush().context("write the container's output")?;
                    }
                    Frame::Stderr(data) => {
                        stderr
                            .write_all(&data)
                            .context("write the container's output")?;
                    }
                    Frame::Exit(code) => return Ok(AttachEnd::Exited(code)),
                    _ => {}
                }
            }
        }
    }
}

fn send_window_size(socket: &mut UnixStream) -> Result<()> {
    if let Some(frame) = window_size(io::stdout().as_fd()) {
        frame
            .write_to(socket)
            .context("send the terminal size to the container monitor")?;
    }
    Ok(())
}

fn window_size(terminal: BorrowedFd) -> Option<Frame> {
    // SAFETY: winsize is plain data that TIOCGWINSZ fills.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: as above; the descriptor is borrowed for the call.
    let ok = unsafe { libc::ioctl(terminal.as_raw_fd(), libc::TIOCGWINSZ, &mut size) } == 0;
    ok.then_some(Frame::Resize {
        rows: size.ws_row,
        cols: size.ws_col,
    })
}

/// Finds the detach sequence in what the user types, holding back a partial match.
struct DetachMatcher<'a> {
    keys: &'a [u8],
    matched: usize,
}

enum Fed {
    Detach,
    Forward(Vec<u8>),
}

impl<'a> DetachMatcher<'a> {
    fn new(keys: &'a [u8]) -> DetachMatcher<'a> {
        DetachMatcher { keys, matched: 0 }
    }

    fn feed(&mut self, input: &[u8]) -> Fed {
        if self.keys.is_empty() {
            return Fed::Forward(input.to_vec());
        }
        let mut out = Vec::with_capacity(input.len());
        for &byte in input {
            if byte == self.keys[self.matched] {
                self.matched += 1;
                if self.matched == self.keys.len() {
                    return Fed::Detach;
                }
                continue;
            }
            // Not the sequence after all: what was held back goes through.
            out.extend_from_slice(&self.keys[..self.matched]);
            self.matched = 0;
            if byte == self.keys[0] {
                self.matched = 1;
            } else {
                out.push(byte);
            }
        }
        Fed::Forward(out)
    }
}

/// Write end of the self-pipe the signal handler writes signal numbers to (-1: none).
static SIGNAL_PIPE: AtomicI32 = AtomicI32::new(-1);

/// Signal handlers that turn [`PROXIED`] signals (with sig-proxy) and SIGWINCH into bytes on a
/// pipe for the relay loop; the previous handlers come back when dropped.
struct SignalPipe {
    read: OwnedFd,
    _write: OwnedFd,
    previous: Vec<(Signal, SigAction)>,
}

impl SignalPipe {
    fn install(proxy: bool) -> Result<SignalPipe> {
        let (read, write) = pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).context("create a pipe")?;
        SIGNAL_PIPE.store(write.as_raw_fd(), Ordering::SeqCst);
        let mut pipe = SignalPipe {
            read,
            _write: write,
            previous: Vec::new(),
        };
        let action = SigAction::new(
            SigHandler::Handler(note_signal),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        let proxied: &[Signal] = if proxy { &PROXIED } else { &[] };
        for &signal in proxied.iter().chain([Signal::SIGWINCH].iter()) {
            // SAFETY: the handler only loads an atomic and calls write, async-signal-safe.
            let previous = unsafe { sigaction(signal, &action) }
                .with_context(|| format!("install a {signal} handler"))?;
            pipe.previous.push((signal, previous));
        }
        Ok(pipe)
    }

    fn drain(&self) -> Vec<i32> {
        let mut buf = [0u8; 64];
        let mut signals = Vec::new();
        while let Ok(n @ 1..) = nix::unistd::read(self.read.as_fd(), &mut buf) {
            signals.extend(buf[..n].iter().map(|b| i32::from(*b)));
        }
        signals
    }
}

impl Drop for SignalPipe {
    fn drop(&mut self) {
        for (signal, previous) in self.previous.drain(..) {
            // SAFETY: restores the handler that was installed before.
            let _ = unsafe { sigaction(signal, &previous) };
        }
        // After the handlers are gone, so none writes to a reused descriptor number.
        SIGNAL_PIPE.store(-1, Ordering::SeqCst);
    }
}

extern "C" fn note_signal(signal: libc::c_int) {
    let fd = SIGNAL_PIPE.load(Ordering::SeqCst);
    if fd >= 0 {
        let errno = io::Error::last_os_error();
        let byte = signal as u8;
        // SAFETY: write is async-signal-safe; the pipe is non-blocking (a full pipe drops the
        // signal rather than blocking the handler). errno is kept for the interrupted code.
        unsafe {
            libc::write(fd, (&byte as *const u8).cast(), 1);
            *libc::__errno_location() = errno.raw_os_error().unwrap_or(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_keys_parse_like_docker() {
        assert_eq!(parse_detach_keys("ctrl-p,ctrl-q").unwrap(), vec![16, 17]);
        assert_eq!(
            parse_detach_keys("a,ctrl-@,ctrl-_").unwrap(),
            vec![b'a', 0, 31]
        );
        assert!(parse_detach_keys("").unwrap().is_empty());
        for bad in ["ctrl-1", "ctrl-pq", "ab", "ctrl-p,"] {
            assert!(parse_detach_keys(bad).is_err(), "{bad:?}");
        }
    }

    fn feed(matcher: &mut DetachMatcher, input: &[u8]) -> Option<Vec<u8>> {
        match matcher.feed(input) {
            Fed::Detach => None,
            Fed::Forward(bytes) => Some(bytes),
        }
    }

    #[test]
    fn the_detach_sequence_is_found_across_reads_and_false_starts_pass_through() {
        let keys = [16, 17];
        let mut m = DetachMatcher::new(&keys);
        assert_eq!(feed(&mut m, b"ab\x10"), Some(b"ab".to_vec()));
        assert_eq!(feed(&mut m, b"c"), Some(b"\x10c".to_vec()));
        assert_eq!(feed(&mut m, b"\x10\x10"), Some(b"\x10".to_vec()));
        assert_eq!(feed(&mut m, b"\x11"), None);
        let mut off = DetachMatcher::new(&[]);
        assert_eq!(feed(&mut off, b"\x10\x11"), Some(b"\x10\x11".to_vec()));
    }
}
