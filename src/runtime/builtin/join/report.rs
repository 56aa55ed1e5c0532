//! The report pipe between `engine exec` and the helper: one line when the command could not
//! be started, end of file without a line when it was (the command's copy of the write end
//! closes on exec, the helper closes its own right after the fork).

use std::ffi::OsString;
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use anyhow::{Context, Result, bail};

/// The helper's end (and, after the fork, the command's).
pub(super) struct Reporter {
    fd: OwnedFd,
}

impl Reporter {
    /// The descriptor `engine exec` left open for us, numbered in `arg`; made close-on-exec
    /// again, so no program the container runs inherits it.
    pub fn from_arg(arg: Option<&OsString>) -> Result<Reporter> {
        let text = arg.and_then(|a| a.to_str()).unwrap_or("");
        let fd: RawFd = match text.parse() {
            Ok(fd) if fd > 2 => fd,
            _ => bail!(
                "usage: engine {} REPORT_FD (got {text:?})",
                super::EXEC_COMMAND
            ),
        };
        // SAFETY: fcntl on a plain integer has no memory-safety requirements; it fails with
        // EBADF when nothing is open there.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } != 0 {
            let err = std::io::Error::last_os_error();
            return Err(err).with_context(|| format!("report descriptor {fd}"));
        }
        // SAFETY: the descriptor is open (checked above) and ours alone: `engine exec` passed
        // it to this process for this purpose and nothing else here uses it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Reporter { fd })
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Reports `message` and exits with `code`.
    pub fn fail(&self, code: i32, message: &str) -> ! {
        let line = format!("{}\n", message.replace('\n', " "));
        // Nothing to do if `engine exec` is gone: nobody is left to tell.
        let _ = nix::unistd::write(&self.fd, line.as_bytes());
        std::process::exit(code)
    }
}

/// `engine exec`'s end.
pub(super) struct ExecReport {
    pipe: File,
}

impl ExecReport {
    pub(super) fn new(read_end: OwnedFd) -> ExecReport {
        ExecReport {
            pipe: File::from(read_end),
        }
    }

    /// Blocks until the command has started (`None`) or could not be (`Some(why)`).
    pub fn outcome(&mut self) -> Result<Option<String>> {
        let mut text = String::new();
        self.pipe
            .read_to_string(&mut text)
            .context("read the exec helper's report")?;
        let line = text.lines().next().unwrap_or("").trim();
        Ok((!line.is_empty()).then(|| line.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::IntoRawFd;

    use nix::fcntl::OFlag;
    use nix::unistd::pipe2;

    use super::*;

    #[test]
    fn a_closed_pipe_without_a_line_means_started() {
        let (read, write) = pipe2(OFlag::O_CLOEXEC).unwrap();
        drop(write);
        assert_eq!(ExecReport::new(read).outcome().unwrap(), None);
    }

    #[test]
    fn the_reporter_takes_the_numbered_descriptor_and_makes_it_close_on_exec() {
        let (read, write) = pipe2(OFlag::empty()).unwrap();
        let number = write.into_raw_fd();
        let reporter = Reporter::from_arg(Some(&OsString::from(number.to_string()))).unwrap();
        // SAFETY: F_GETFD on the descriptor the reporter owns.
        let flags = unsafe { libc::fcntl(reporter.raw(), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
        nix::unistd::write(&reporter.fd, b"exec nosuch: not found\n").unwrap();
        drop(reporter);
        let outcome = ExecReport::new(read).outcome().unwrap();
        assert_eq!(outcome.as_deref(), Some("exec nosuch: not found"));
        assert!(Reporter::from_arg(Some(&OsString::from("1"))).is_err());
        assert!(Reporter::from_arg(None).is_err());
    }
}
