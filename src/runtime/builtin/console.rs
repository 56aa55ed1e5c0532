//! The container's terminal, made where crun makes it: in the container's own devpts, so the
//! process sees `/dev/pts/0` (also bound over `/dev/console`), and the master goes to the
//! monitor over the status channel, or to an `engine oci --console-socket` (runc's protocol).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

use anyhow::{Context, Result};
use nix::mount::MsFlags;

use super::config::Container;
use super::status;
use super::syscalls::{Syscalls, Target};

/// Allocates the pty (after the container's devpts is mounted, before pivot_root), binds it
/// over /dev/console, makes it the process's stdio and hands the master to the monitor.
pub(super) fn allocate(sys: &dyn Syscalls, container: &Container) -> Result<()> {
    // A devpts the runtime mounted moments ago (newinstance): the container has not run yet,
    // so nothing in it can have been replaced.
    let ptmx = container.rootfs.join("dev/pts/ptmx");
    let master = rustix::fs::open(
        &ptmx,
        rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .with_context(|| format!("open {}", ptmx.display()))?;
    let number = unlock_and_number(&master).context("unlock the container's pty")?;
    if let Some(size) = container.process.console_size() {
        set_window_size(&master, size.height(), size.width())
            .context("set the size of the container's pty (TIOCSWINSZ)")?;
    }
    let slave = open_peer(&master).context("open the container's pty (TIOCGPTPEER)")?;
    let console = Path::new("/dev/console");
    sys.create_file(console).context("create /dev/console")?;
    let pts = container.rootfs.join(format!("dev/pts/{number}"));
    sys.mount(
        Some(&pts),
        Target::Rootfs(console),
        None,
        MsFlags::MS_BIND,
        None,
    )
    .with_context(|| format!("bind {} onto /dev/console", pts.display()))?;
    for target in 0..=2 {
        // SAFETY: dup2 onto the standard descriptors, which this process owns.
        if unsafe { libc::dup2(slave.as_raw_fd(), target) } < 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("dup2 the terminal onto descriptor {target}"));
        }
    }
    status::send_console(&master, &format!("/dev/pts/{number}"))
}

/// TIOCSPTLCK 0 (unlockpt) and TIOCGPTN (the pty's number in its devpts).
fn unlock_and_number(master: &OwnedFd) -> std::io::Result<u32> {
    let unlock: libc::c_int = 0;
    let mut number: libc::c_uint = 0;
    // SAFETY: both ioctls take a pointer to an int that outlives the call.
    unsafe {
        if libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &unlock) != 0
            || libc::ioctl(master.as_raw_fd(), libc::TIOCGPTN, &mut number) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(number)
}

/// `process.consoleSize`, as crun applies it: before the command starts, so its first look at
/// the window is right (a size set later only reaches it as SIGWINCH). Sizes beyond a
/// terminal's 16 bits are clamped.
fn set_window_size(master: &OwnedFd, rows: u64, cols: u64) -> std::io::Result<()> {
    let clamp = |n: u64| u16::try_from(n).unwrap_or(u16::MAX);
    let size = libc::winsize {
        ws_row: clamp(rows),
        ws_col: clamp(cols),
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads a winsize that outlives the call.
    if unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &size) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The slave of `master` without a path lookup (Linux 4.13).
fn open_peer(master: &OwnedFd) -> std::io::Result<OwnedFd> {
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: TIOCGPTPEER takes open flags and returns a new descriptor.
    let fd = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a new descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}
