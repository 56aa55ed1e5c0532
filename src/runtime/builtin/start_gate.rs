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
use rustix::fs::{CWD, Mode, OFlags, openat};

/// The variable that makes the init wait at the start gate: the container's state directory.
pub const START_GATE_ENV: &str = "_ENGINE_OCI_STATE_DIR";
/// Opened for writing by PID 1 (blocks), for reading by `start`.
pub const EXEC_FIFO: &str = "exec.fifo";
/// Written one byte by PID 1 when it reached the gate; read by `create`.
pub const READY_FIFO: &str = "ready.fifo";

/// The state directory, held open across the mount changes and pivot_root.
pub(super) struct StartGate {
    dir: OwnedFd,
}

impl StartGate {
    /// The gate [`START_GATE_ENV`] asks for, or `None` for a container that runs at once.
    pub(super) fn from_env() -> Result<Option<StartGate>> {
        let Some(dir) = std::env::var_os(START_GATE_ENV) else {
            return Ok(None);
        };
        let dir = Path::new(&dir);
        let fd = openat(
            CWD,
            dir,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .with_context(|| format!("open the container state directory {}", dir.display()))?;
        Ok(Some(StartGate { dir: fd }))
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
        let flags = OFlags::WRONLY | OFlags::CLOEXEC | extra;
        let fd: OwnedFd = openat(&self.dir, name, flags, Mode::empty())
            .with_context(|| format!("open {name} for writing"))?;
        Ok(std::fs::File::from(fd))
    }
}
