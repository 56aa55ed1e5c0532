//! The monitor's attach socket and the clients connected to it.

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use super::protocol::{ATTACH_SOCKET, Frame, FrameReader};

/// `/proc/self/fd/N/attach` for the container directory held open as `dir`: a socket address
/// holds at most 108 bytes, the store path is longer.
pub fn socket_address(dir: &OwnedFd) -> String {
    use std::os::fd::AsRawFd;
    format!("/proc/self/fd/{}/{ATTACH_SOCKET}", dir.as_raw_fd())
}

/// Opens the container directory for [`socket_address`].
pub fn open_dir(dir: &Path) -> Result<OwnedFd> {
    rustix::fs::open(
        dir,
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .with_context(|| format!("open the container directory {}", dir.display()))
}

struct Client {
    stream: UnixStream,
    reader: FrameReader,
}

pub(super) struct Clients {
    listener: UnixListener,
    clients: Vec<Client>,
    /// Held so the socket address stays valid.
    _dir: OwnedFd,
}

impl Clients {
    /// Binds the attach socket in `dir` (a stale one from an earlier monitor is replaced).
    pub fn bind(dir: &Path) -> Result<Clients> {
        let path = dir.join(ATTACH_SOCKET);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != ErrorKind::NotFound => {
                return Err(e)
                    .with_context(|| format!("remove the stale socket {}", path.display()));
            }
            _ => {}
        }
        let dir_fd = open_dir(dir)?;
        let listener = UnixListener::bind(socket_address(&dir_fd))
            .with_context(|| format!("bind the attach socket {}", path.display()))?;
        listener
            .set_nonblocking(true)
            .context("make the attach socket non-blocking")?;
        Ok(Clients {
            listener,
            clients: Vec::new(),
            _dir: dir_fd,
        })
    }

    /// Blocks until a client connected (the `engine` command that asked to attach) and said
    /// hello (its terminal size, `Resize` with zeros when it has none), or fails after
    /// `timeout`. Returns the size, which the container's pty gets before the container runs.
    /// `starter` is the sync pipe to the starting command: once that command is gone (killed
    /// before it connected), nobody will attach, so waiting stops at once.
    pub fn wait_first(
        &mut self,
        timeout: Duration,
        starter: Option<BorrowedFd<'_>>,
    ) -> Result<Option<(u16, u16)>> {
        let millis = u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX);
        let mut fds = vec![PollFd::new(self.listener.as_fd(), PollFlags::POLLIN)];
        // The write end of a pipe reports POLLERR once its reader closed it.
        fds.extend(starter.map(|fd| PollFd::new(fd, PollFlags::empty())));
        loop {
            match poll(&mut fds, PollTimeout::from(millis)) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e).context("wait for the attaching client"),
                Ok(0) => bail!("no client attached within {} s", timeout.as_secs()),
                Ok(_) => {}
            }
            let listener_ready = fds[0].revents().is_some_and(|r| !r.is_empty());
            let starter_gone = fds
                .get(1)
                .and_then(PollFd::revents)
                .is_some_and(|r| r.intersects(PollFlags::POLLERR | PollFlags::POLLHUP));
            if listener_ready {
                break;
            }
            if starter_gone {
                bail!("the command that started the container exited before attaching to it");
            }
        }
        self.accept_pending();
        let Some(first) = self.clients.first_mut() else {
            bail!("the attaching client went away");
        };
        first
            .stream
            .set_read_timeout(Some(timeout))
            .context("set a timeout on the attach socket")?;
        let mut buf = [0u8; 64];
        let hello = loop {
            let n = first
                .stream
                .read(&mut buf)
                .context("read the attaching client's hello")?;
            if n == 0 {
                bail!("the attaching client went away");
            }
            first.reader.push(&buf[..n]);
            if let Some(frame) = first.reader.next_frame()? {
                break frame;
            }
        };
        first
            .stream
            .set_read_timeout(None)
            .context("clear the timeout on the attach socket")?;
        match hello {
            Frame::Resize { rows: 0, cols: 0 } => Ok(None),
            Frame::Resize { rows, cols } => Ok(Some((rows, cols))),
            other => bail!("the attaching client said {other:?} instead of hello"),
        }
    }

    pub fn listener_fd(&self) -> BorrowedFd<'_> {
        self.listener.as_fd()
    }

    pub fn client_fds(&self) -> Vec<BorrowedFd<'_>> {
        self.clients.iter().map(|c| c.stream.as_fd()).collect()
    }

    pub fn accept_pending(&mut self) {
        while let Ok((stream, _)) = self.listener.accept() {
            // Blocking writes: a client that does not read slows the container down like a
            // full pipe would, rather than losing its output.
            if stream.set_nonblocking(false).is_ok() {
                self.clients.push(Client {
                    stream,
                    reader: FrameReader::default(),
                });
            }
        }
    }

    /// Sends `frame` to every client; those that cannot take it are dropped.
    pub fn broadcast(&mut self, frame: &Frame) {
        if self.clients.is_empty() {
            return;
        }
        let bytes = frame.encode();
        self.clients
            .retain_mut(|c| c.stream.write_all(&bytes).is_ok());
    }

    /// Reads what client `index` sent; a client that closed or misbehaved is dropped (the
    /// frames it completed before are still returned).
    pub fn read_client(&mut self, index: usize) -> Vec<Frame> {
        let Some(client) = self.clients.get_mut(index) else {
            return Vec::new();
        };
        let mut buf = [0u8; 16384];
        let keep = match client.stream.read(&mut buf) {
            Ok(0) => false,
            Ok(n) => {
                client.reader.push(&buf[..n]);
                true
            }
            Err(e) => e.kind() == ErrorKind::Interrupted,
        };
        let mut frames = Vec::new();
        let mut well_formed = true;
        loop {
            match client.reader.next_frame() {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(_) => {
                    well_formed = false;
                    break;
                }
            }
        }
        if !keep || !well_formed {
            self.clients.remove(index);
        }
        frames
    }
}
