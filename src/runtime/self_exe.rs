//! The engine binary behind a read-only mount, for the processes that become containers.
//!
//! A container's PID 1 is the engine until it execs the container's command, and the kernel
//! resolves a script interpreter `#!/proc/self/exe` against the exec'ing process: such an
//! entrypoint makes the engine binary run inside the container, where `/proc/PID/exe` opens
//! the file for writing (CVE-2019-5736). Rootless, the container's root is the user who often
//! owns the binary (`cargo install`); as real root it is root. So the process that becomes the
//! init first binds the binary read-only onto itself in its own (private) mount namespace and
//! execs it from there: every path to the file then leads through that mount, and writes fail
//! with EROFS. After pivot_root the mount is no longer in the container's mount namespace, so
//! the container cannot remount it either. It costs two mount calls, not a copy.

use std::ffi::{CString, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use nix::mount::{MsFlags, mount};
use nix::sys::statvfs::{FsFlags, statvfs};

/// What `Command::new` gets for the engine re-executing itself.
pub const SELF_EXE: &str = "/proc/self/exe";

/// Binds the file behind /proc/self/exe read-only onto itself and returns its path, to exec.
/// Only in a private mount namespace of the caller's own (the mount must not propagate).
pub fn bind_readonly() -> Result<PathBuf, String> {
    let path = std::fs::read_link(SELF_EXE).map_err(|e| format!("readlink {SELF_EXE}: {e}"))?;
    if path.as_os_str().as_bytes().ends_with(b" (deleted)") {
        return Err(format!(
            "the engine binary {} was replaced while it ran: run the command again",
            path.display()
        ));
    }
    let fail = |what: &str, e: nix::errno::Errno| format!("{what} {}: {e}", path.display());
    mount(
        Some(&path),
        &path,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(|e| fail("bind-mount the engine binary", e))?;
    // A remount in a user namespace must keep the flags the kernel locked on the original.
    let locked = statvfs(&path)
        .map(|fs| {
            let mut flags = MsFlags::empty();
            for (fs_flag, ms_flag) in [
                (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
                (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
                (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
            ] {
                if fs.flags().contains(fs_flag) {
                    flags |= ms_flag;
                }
            }
            flags
        })
        .map_err(|e| fail("statvfs", e))?;
    let readonly = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | locked;
    mount(None::<&str>, &path, None::<&str>, readonly, None::<&str>)
        .map_err(|e| fail("make the engine binary's mount read-only", e))?;
    Ok(path)
}

/// The C string of a path for execv.
pub fn c_path(path: PathBuf) -> Result<CString, String> {
    CString::new(OsString::from(path).into_vec())
        .map_err(|_| "the engine binary's path contains a NUL byte".to_string())
}
