//! Facts about this process read from /proc.

/// Whether this process is in a user namespace other than the initial one, whose
/// `/proc/self/uid_map` is the identity `0 0 4294967295` (e.g. inside `engine unshare`).
pub fn in_user_namespace() -> bool {
    std::fs::read_to_string("/proc/self/uid_map").is_ok_and(|map| !is_identity_uid_map(&map))
}

pub fn is_identity_uid_map(map: &str) -> bool {
    map.split_whitespace().eq(["0", "0", "4294967295"])
}

/// Whether file descriptor `fd` of this process is a terminal.
pub fn is_tty(fd: i32) -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// The first executable file called `name` in `path_var` (a `$PATH`), else in /usr/bin.
/// Relative `$PATH` entries are skipped: the programs looked up this way (newuidmap, OCI
/// runtimes, fuse-overlayfs) must not depend on the working directory.
pub fn find_executable(
    name: &str,
    path_var: Option<&std::ffi::OsStr>,
) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let from_path = path_var.into_iter().flat_map(std::env::split_paths);
    from_path
        .filter(|dir| dir.is_absolute())
        .chain([std::path::PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}

/// A process identified across PID reuse: its PID and its start time (field 22 of
/// /proc/PID/stat, in clock ticks since boot), which a recycled PID does not share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessRef {
    pub pid: u32,
    pub start_time: u64,
}

impl ProcessRef {
    /// The live process `pid`, or `None` when it does not exist (or is a zombie).
    pub fn of(pid: u32) -> Option<ProcessRef> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        if stat_state(&stat) == Some('Z') {
            return None;
        }
        Some(ProcessRef {
            pid,
            start_time: stat_field(&stat, 22)?,
        })
    }

    /// This very process.
    pub fn current() -> ProcessRef {
        let pid = std::process::id();
        // /proc/self/stat is always readable for the process itself.
        ProcessRef::of(pid).unwrap_or(ProcessRef { pid, start_time: 0 })
    }

    /// Whether the process still runs (same PID and start time, not a zombie).
    pub fn is_alive(&self) -> bool {
        ProcessRef::of(self.pid).is_some_and(|now| now.start_time == self.start_time)
    }
}

/// A descriptor that becomes readable when process `pid` exits (Linux 5.3), usable for any
/// process, not only children.
pub fn pidfd_open(pid: u32) -> std::io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags; a non-negative result is a new descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: see above; the descriptor is owned by nobody else.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) })
}

/// Waits up to `timeout` for `process` to exit; true once it is gone.
pub fn wait_for_exit(process: &ProcessRef, timeout: std::time::Duration) -> bool {
    use std::os::fd::AsFd;
    let Ok(pidfd) = pidfd_open(process.pid) else {
        return !process.is_alive(); // ESRCH: gone already.
    };
    // The PID may have been reused between the record and pidfd_open.
    if !process.is_alive() {
        return true;
    }
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let millis = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [nix::poll::PollFd::new(
            pidfd.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        match nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(millis)) {
            Ok(0) if left.is_zero() => return false,
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            Ok(_) => return true,
            Err(_) => return !process.is_alive(),
        }
    }
}

/// The first child of `pid`'s main thread (/proc/PID/task/PID/children), if it has one now.
pub fn first_child(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Closes every descriptor above stderr but `keep`. For processes started on behalf of a
/// user's command line, which may have left anything open; call while single-threaded.
pub fn close_fds_except(keep: &[i32]) -> std::io::Result<()> {
    let fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|fd| *fd > 2 && !keep.contains(fd))
        .collect();
    for fd in fds {
        // SAFETY: the caller owns the process's descriptors and is single-threaded; the
        // directory stream's own descriptor is closed already (EBADF is ignored).
        unsafe { libc::close(fd) };
    }
    Ok(())
}

/// Field `n` (1-based, as in proc(5)) of a /proc/PID/stat line, counted after the
/// parenthesised command name (which may hold spaces and parentheses).
pub fn stat_field(stat: &str, n: usize) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    // `rest` starts at field 3.
    rest.split_whitespace().nth(n.checked_sub(3)?)?.parse().ok()
}

/// Field 3 of a /proc/PID/stat line: R, S, D, Z, T...
pub fn stat_state(stat: &str) -> Option<char> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.trim_start().chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_command_name() {
        let stat = "42 (a) b (c) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 0";
        assert_eq!(stat_field(stat, 22), Some(987654));
        assert_eq!(stat_field(stat, 4), Some(1));
        assert_eq!(stat_state(stat), Some('S'));
        assert_eq!(stat_field("no parens", 22), None);
    }

    #[test]
    fn this_process_is_alive_and_a_changed_start_time_is_not() {
        let me = ProcessRef::current();
        assert!(me.is_alive());
        let recycled = ProcessRef {
            start_time: me.start_time + 1,
            ..me
        };
        assert!(!recycled.is_alive());
        assert!(ProcessRef::of(u32::MAX).is_none());
    }
}
