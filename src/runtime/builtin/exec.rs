//! The final step: find the command in the container's PATH and exec it, with no descriptor
//! beyond stdio left open (the CVE-2024-21626 class: a leaked host directory descriptor is a
//! way out of the rootfs).

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::unistd::{AccessFlags, access, execve};

use super::{EXIT_CANNOT_EXEC, EXIT_NOT_FOUND, EXIT_SETUP_FAILED};

/// Used for the lookup when the spec's environment has no PATH (docker's default).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// An exec failure: the message and the exit code it maps to (docker's).
pub(super) struct ExecError {
    pub message: String,
    pub code: i32,
}

/// Replaces the process with `args` run with `env`; returns only on failure.
pub(super) fn exec(args: &[String], env: &[String]) -> ExecError {
    let Some(program) = args.first() else {
        return ExecError {
            message: "exec: process.args is empty".into(),
            code: EXIT_SETUP_FAILED,
        };
    };
    let path_var = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH);
    let Some(path) = find_program(program, path_var) else {
        return ExecError {
            message: format!("exec {program}: executable file not found in $PATH"),
            code: EXIT_NOT_FOUND,
        };
    };
    let to_cstrings = |items: &[String]| {
        items
            .iter()
            .map(|s| CString::new(s.as_bytes()))
            .collect::<Result<Vec<_>, _>>()
    };
    let (Ok(c_path), Ok(c_args), Ok(c_env)) = (
        CString::new(path.as_os_str().as_bytes()),
        to_cstrings(args),
        to_cstrings(env),
    ) else {
        return ExecError {
            message: format!(
                "exec {program}: an argument or environment variable contains a NUL byte"
            ),
            code: EXIT_CANNOT_EXEC,
        };
    };
    if let Err(err) = close_fds_above_stderr_on_exec() {
        return ExecError {
            message: format!("close inherited descriptors: {err}"),
            code: EXIT_SETUP_FAILED,
        };
    }
    let Err(errno) = execve(&c_path, &c_args, &c_env);
    let code = match errno {
        // Also a script whose interpreter is missing, as docker reports it.
        Errno::ENOENT | Errno::ENOTDIR => EXIT_NOT_FOUND,
        _ => EXIT_CANNOT_EXEC,
    };
    ExecError {
        message: format!("exec {}: {}", path.display(), std::io::Error::from(errno)),
        code,
    }
}

/// PROGRAM itself when it has a slash, else the first executable regular file of that name in
/// `path_var`'s directories (Go's LookPath, which docker uses: unsearchable directories are
/// skipped, so "not found" wins over "permission denied").
pub(super) fn find_program(program: &str, path_var: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(PathBuf::from(program));
    }
    path_var
        .split(':')
        .map(|dir| {
            if dir.is_empty() {
                Path::new(".")
            } else {
                Path::new(dir)
            }
        })
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file() && access(candidate, AccessFlags::X_OK).is_ok())
}

/// Marks every descriptor above stderr close-on-exec rather than closing it: the exec closes
/// them all, yet if the exec fails the status channel to the monitor is still open to say why.
fn close_fds_above_stderr_on_exec() -> std::io::Result<()> {
    // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only changes descriptor flags.
    let done = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if done == 0 {
        return Ok(());
    }
    // Kernels before 5.11: flag what /proc/self/fd lists.
    let fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&fd| fd > 2)
        .collect();
    for fd in fds {
        // SAFETY: as above; the read_dir descriptor is already closed (EBADF is ignored).
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn finds_the_first_executable_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(a.join("tool"), "").unwrap(); // not executable: skipped
        fs::write(b.join("tool"), "").unwrap();
        fs::set_permissions(b.join("tool"), fs::Permissions::from_mode(0o755)).unwrap();
        let path_var = format!("{}:{}", a.display(), b.display());
        assert_eq!(find_program("tool", &path_var), Some(b.join("tool")));
        assert_eq!(find_program("missing", &path_var), None);
    }

    #[test]
    fn a_name_with_a_slash_is_taken_as_is() {
        assert_eq!(
            find_program("./run.sh", "/nowhere"),
            Some(PathBuf::from("./run.sh"))
        );
    }
}
