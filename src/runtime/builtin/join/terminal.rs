//! `engine exec -t`: a pty of the container's own devpts instance, so the command's terminal
//! has a name in the container (`tty`, `/dev/pts/N`) and its programs can reopen it.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use anyhow::{Context, Result, bail};
use nix::pty::{PtyMaster, unlockpt};
use rustix::fs::{CWD, FileType, Mode, OFlags, ResolveFlags, fstat, major, minor, openat, openat2};

use crate::runtime::builtin::pty::Pty;
use crate::util::proc::ProcessRef;

/// The device numbers of a devpts instance's `ptmx`.
const PTMX_DEVICE: (u32, u32) = (5, 2);

/// Opens the container's `/dev/ptmx` through the root of `holder` (see `Running::holder`) and the new pty's slave from
/// its master (TIOCGPTPEER: no path to resolve). The lookup stays inside the container's root
/// whatever its symlinks say (RESOLVE_IN_ROOT): the container decides what its /dev holds, not
/// what we open on the host.
pub(super) fn open_container_pty(holder: ProcessRef) -> Result<Pty> {
    let root_path = format!("/proc/{}/root", holder.pid);
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let root = openat(CWD, &root_path, flags, Mode::empty())
        .with_context(|| format!("open {root_path}"))?;
    // The PID still names the holder, so the root opened is the container's.
    if !holder.is_alive() {
        bail!(
            "the container's process {} is gone: is the container running?",
            holder.pid
        );
    }
    let resolve = ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS;
    let master = openat2(
        &root,
        "dev/ptmx",
        OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
        resolve,
    )
    .context("open the container's /dev/ptmx")?;
    let stat = fstat(&master).context("stat the container's /dev/ptmx")?;
    let device = (major(stat.st_rdev), minor(stat.st_rdev));
    if FileType::from_raw_mode(stat.st_mode) != FileType::CharacterDevice || device != PTMX_DEVICE {
        bail!("the container's /dev/ptmx is not a pty multiplexer: exec without -t");
    }
    // SAFETY: the descriptor is an open ptmx (checked above).
    let master = unsafe { PtyMaster::from_owned_fd(master) };
    unlockpt(&master).context("unlockpt on the container's pty")?;
    let peer_flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: TIOCGPTPEER takes open flags and returns a new descriptor or -1.
    let slave = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, peer_flags) };
    if slave < 0 {
        let err = std::io::Error::last_os_error();
        return Err(err).context("open the slave of the container's pty (TIOCGPTPEER)");
    }
    // SAFETY: the ioctl returned a new descriptor that nothing else owns.
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    Ok(Pty { master, slave })
}
