//! The pause between `engine oci create` and `engine oci start` (runc's exec fifo design).
//!
//! `create` makes two fifos in the container's state directory and names the directory in
//! [`START_GATE_ENV`]. The init opens the directory before anything is mounted (the path is
//! the host's) and its PID 1, once set up, opens `ready.fifo` to tell `create` it got there,
//! then opens `exec.fifo` for writing: that blocks until `start` opens it for reading, and only
//! then (after writing a byte there, which `start` waits for) does PID 1 go on to exec.

use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::Path;

use anyhow::{Context, Result};
use rustix::fs::{AtFlags, CWD, Mode, OFlags, openat};

use crate::runtime::userns::Reached;

/// The variable that makes the init wait at the start gate: the container's state directory.
pub const START_GATE_ENV: &str = "_ENGINE_OCI_STATE_DIR";
/// Opened for writing by PID 1 (blocks), for reading by `start`.
pub const EXEC_FIFO: &str = "exec.fifo";
/// Written one byte by PID 1 when it reached the gate; read by `create`.
pub const READY_FIFO: &str = "ready.fifo";

/// The state directory, held open across the mount changes and pivot_root, and the fifos
/// when the user namespace helper opened them for a root that cannot search the directory.
pub(super) struct StartGate {
    dir: OwnedFd,
    reached_fifos: Vec<(&'static str, OwnedFd)>,
}

impl StartGate {
    /// The gate [`START_GATE_ENV`] asks for, or `None` for a container that runs at once.
    pub(super) fn from_env(reached: &Reached) -> Result<Option<StartGate>> {
        let Some(dir) = std::env::var_os(START_GATE_ENV) else {
            return Ok(None);
        };
        let dir = Path::new(&dir);
        let fd = openat(
            CWD,
            reached.resolve(dir),
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .with_context(|| format!("open the container state directory {}", dir.display()))?;
        let mut reached_fifos = Vec::new();
        for name in [READY_FIFO, EXEC_FIFO] {
            if let Some(fifo) = reached.duplicate(&dir.join(name)) {
                reached_fifos.push((name, fifo.with_context(|| format!("keep {name} open"))?));
            }
        }
        Ok(Some(StartGate {
            dir: fd,
            reached_fifos,
        }))
    }

    /// Gives the fifos and their directory to the host IDs of the container's root, for a
    /// user namespace the init makes itself (real root with `linux.uidMappings`): `create`
    /// made them for its own user, mode 0600 and 0700.
    pub(super) fn hand_to(&self, uid: u32, gid: u32) -> Result<()> {
        let (uid, gid) = (
            rustix::fs::Uid::from_raw(uid),
            rustix::fs::Gid::from_raw(gid),
        );
        for (name, flags) in [
            ("", AtFlags::EMPTY_PATH),
            (READY_FIFO, AtFlags::empty()),
            (EXEC_FIFO, AtFlags::empty()),
        ] {
            rustix::fs::chownat(&self.dir, name, Some(uid), Some(gid), flags).with_context(
                || format!("chown the state directory's {name:?} to {uid:?}:{gid:?}"),
            )?;
        }
        Ok(())
    }

    /// Tells `create` that PID 1 is ready, then blocks until `start`.
    pub(super) fn wait(&self) -> Result<()> {
        let mut ready = self.open_fifo(READY_FIFO, OFlags::NONBLOCK)?;
        ready
            .write_all(b"1")
            .with_context(|| format!("write to {READY_FIFO}"))?;
        drop(ready);
        // Blocks until `start` opens it; the byte tells `start` that this end is open.
        let mut gate = self.open_fifo(EXEC_FIFO, OFlags::empty())?;
        gate.write_all(b"0")
            .with_context(|| format!("write to {EXEC_FIFO}"))
    }

    fn open_fifo(&self, name: &str, extra: OFlags) -> Result<std::fs::File> {
        use std::os::fd::AsRawFd;
        let flags = OFlags::WRONLY | OFlags::CLOEXEC | extra;
        let reached = self.reached_fifos.iter().find(|(n, _)| *n == name);
        let fd: OwnedFd = match reached {
            // Opened again through the descriptor: the fifo's own mode lets the container's
            // root write (see `container::userns::open_gate_to_container_root`).
            Some((_, fifo)) => {
                let by_fd = format!("/proc/self/fd/{}", fifo.as_raw_fd());
                openat(CWD, by_fd.as_str(), flags, Mode::empty())
            }
            None => openat(&self.dir, name, flags, Mode::empty()),
        }
        .with_context(|| format!("open {name} for writing"))?;
        Ok(std::fs::File::from(fd))
    }
}

/// The other side of the gate, for whoever starts the container (`engine oci create` and
/// `start`, the monitor): the two fifos in the state directory.
pub struct GateFifos {
    dir: std::path::PathBuf,
}

/// How often the waiting side looks at the fifo (and whether the init died).
const POLL: std::time::Duration = std::time::Duration::from_millis(2);

impl GateFifos {
    /// Makes the fifos in `dir` (which must exist), replacing stale ones.
    pub fn create(dir: &Path) -> Result<GateFifos> {
        for fifo in [EXEC_FIFO, READY_FIFO] {
            let path = dir.join(fifo);
            let _ = std::fs::remove_file(&path);
            nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600))
                .with_context(|| format!("mkfifo {}", path.display()))?;
        }
        Ok(GateFifos {
            dir: dir.to_path_buf(),
        })
    }

    /// The fifos of an existing state directory.
    pub fn at(dir: &Path) -> GateFifos {
        GateFifos {
            dir: dir.to_path_buf(),
        }
    }

    /// Waits until PID 1 reached the gate: true, or false once `init_gone` says the init
    /// died first.
    pub fn wait_ready(&self, init_gone: impl FnMut() -> Result<bool>) -> Result<bool> {
        let reached = self.read_one_byte(READY_FIFO, init_gone)?;
        let _ = std::fs::remove_file(self.dir.join(READY_FIFO));
        Ok(reached)
    }

    /// Lets PID 1 go on to exec: true, or false once `init_gone` says it died first.
    pub fn open(&self, init_gone: impl FnMut() -> Result<bool>) -> Result<bool> {
        let opened = self.read_one_byte(EXEC_FIFO, init_gone)?;
        if opened {
            let path = self.dir.join(EXEC_FIFO);
            std::fs::remove_file(&path).with_context(|| format!("remove {}", path.display()))?;
        }
        Ok(opened)
    }

    /// Reads the byte PID 1 writes once it opened fifo `name` (non-blocking: it may still be
    /// on its way, or dead).
    fn read_one_byte(
        &self,
        name: &str,
        mut init_gone: impl FnMut() -> Result<bool>,
    ) -> Result<bool> {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.dir.join(name);
        let mut fifo = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(&path)
            .with_context(|| format!("open {}", path.display()))?;
        loop {
            let mut byte = [0u8];
            match fifo.read(&mut byte) {
                Ok(1) => return Ok(true),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e).with_context(|| format!("read {}", path.display())),
            }
            if init_gone()? {
                return Ok(false);
            }
            std::thread::sleep(POLL);
        }
    }
}
