//! The fuse-overlayfs daemon for the `fuse-overlayfs` rootfs driver (kernels or file systems
//! where rootless overlay is refused).

use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use nix::sys::statfs::{FUSE_SUPER_MAGIC, statfs};

/// How long the daemon may take to mount (it is usually a few milliseconds).
const MOUNT_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts `fuse-overlayfs -f -o OPTIONS TARGET` and waits until its mount shows at TARGET.
///
/// The daemon stays our child, in the foreground, in a mount namespace of its own (its mount
/// reaches ours because TARGET is a shared mount point), and gets SIGTERM when this process
/// dies: it then unmounts and exits, so no daemon outlives the container. Its stderr is ours,
/// so its own error messages reach the user.
pub(super) fn start_daemon(options: &str, target: &Path) -> io::Result<()> {
    let mut command = Command::new("fuse-overlayfs");
    command
        .arg("-f")
        .arg("-o")
        .arg(options)
        .arg(target)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    // SAFETY: unshare and prctl are plain syscalls, fine between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::unshare(libc::CLONE_NEWNS) != 0
                || libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0
            {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut daemon = command.spawn()?;
    let started = Instant::now();
    let mut pause = Duration::from_micros(200);
    loop {
        if statfs(target).is_ok_and(|fs| fs.filesystem_type() == FUSE_SUPER_MAGIC) {
            // Not waited for: it runs until this process exits (the waiter reaps only PID 1).
            return Ok(());
        }
        if let Some(status) = daemon.try_wait()? {
            return Err(io::Error::other(format!(
                "fuse-overlayfs exited ({status}) without mounting"
            )));
        }
        if started.elapsed() > MOUNT_TIMEOUT {
            let _ = daemon.kill();
            let _ = daemon.wait();
            return Err(io::Error::other(format!(
                "fuse-overlayfs did not mount within {}s",
                MOUNT_TIMEOUT.as_secs()
            )));
        }
        sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}
