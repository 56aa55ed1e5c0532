//! The engine binary to start helpers that enter a container: a sealed in-memory copy when the
//! container could otherwise write to the file on disk.
//!
//! A process in a container reaches the executable of every process it sees (`/proc/PID/exe`)
//! and of the one that execs its programs: a script whose interpreter is `#!/proc/self/exe`
//! makes the kernel run the engine itself inside the container, as the container's user
//! (CVE-2019-5736). Rootless, the container's root is the user who often owns the engine
//! binary (`cargo install`, `~/bin`): through `/proc/PID/exe` it could rewrite the file, and
//! the next engine command would run its code on the host. Started from a sealed memfd
//! instead, every such path leads to the copy, which refuses writes and is no file on disk.
//!
//! The copy costs the binary's size in memory for as long as the helper lives, so it is made
//! only when the container could change the file: when we own it (an owner may chmod), may
//! write it, or anyone may write it.

use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;

use anyhow::{Context, Result};
use rustix::fs::{Access, AtFlags, CWD, MemfdFlags, SealFlags};

const SELF_EXE: &str = "/proc/self/exe";

/// The program to start the engine's container helpers with (see the module docs).
pub struct EngineExe {
    /// The sealed copy; `None`: the binary on disk is safe to use.
    copy: Option<OwnedFd>,
}

impl EngineExe {
    pub fn open() -> Result<EngineExe> {
        let exposed = writable_from_container()
            .with_context(|| format!("check who may write the engine binary ({SELF_EXE})"))?;
        let copy = exposed.then(sealed_copy).transpose()?;
        Ok(EngineExe { copy })
    }

    /// The path to give `Command::new`. The copy's descriptor is close-on-exec, which an ELF
    /// binary does not mind: the kernel opens it before closing descriptors.
    pub fn path(&self) -> PathBuf {
        match &self.copy {
            Some(fd) => PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd())),
            // Rather than current_exe(): still this very binary when an upgrade replaced the
            // file, so the helper speaks our protocol.
            None => PathBuf::from(SELF_EXE),
        }
    }
}

/// Whether the container's root (this user, rootless) could write the binary.
fn writable_from_container() -> std::io::Result<bool> {
    let meta = std::fs::metadata(SELF_EXE)?;
    let owner = meta.uid() == rustix::process::geteuid().as_raw();
    let writable = rustix::fs::accessat(CWD, SELF_EXE, Access::WRITE_OK, AtFlags::EACCESS).is_ok();
    let world_writable = meta.permissions().mode() & 0o002 != 0;
    Ok(owner || writable || world_writable)
}

fn sealed_copy() -> Result<OwnedFd> {
    let memfd = rustix::fs::memfd_create("engine", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)
        .context("memfd_create for a sealed copy of the engine binary")?;
    let mut source = File::open(SELF_EXE).with_context(|| format!("open {SELF_EXE}"))?;
    let mut copy = File::from(memfd);
    std::io::copy(&mut source, &mut copy)
        .with_context(|| format!("copy {SELF_EXE} into a memfd"))?;
    let seals = SealFlags::SEAL | SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE;
    rustix::fs::fcntl_add_seals(&copy, seals).context("seal the memfd copy of the engine")?;
    // Above stdio: a child's stdin/stdout/stderr setup would replace descriptors 0-2 before
    // it execs the path.
    let copy = OwnedFd::from(copy);
    if copy.as_raw_fd() > 2 {
        return Ok(copy);
    }
    rustix::io::fcntl_dupfd_cloexec(&copy, 3).context("duplicate the memfd copy of the engine")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_copy_is_this_binary_and_refuses_writes() {
        let copy = sealed_copy().unwrap();
        let path = format!("/proc/self/fd/{}", copy.as_raw_fd());
        let original = std::fs::read(SELF_EXE).unwrap();
        assert!(std::fs::read(&path).unwrap() == original);
        // Reopened for writing, as a container process would through /proc/PID/exe.
        let mut reopened = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        assert!(reopened.write_all(b"\x7fELF overwritten").is_err());
        assert!(reopened.set_len(0).is_err());
        assert!(std::fs::read(&path).unwrap() == original);
    }
}
