//! `engine exec`'s side: starting the helper, in the foreground or detached.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result};
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::unistd::pipe2;

use super::report::ExecReport;
use super::terminal::open_container_pty;
use super::{EXEC_COMMAND, ExecRequest, ExecTarget, REQUEST_ENV};
use crate::runtime::builtin::foreground::run_attached;
use crate::runtime::builtin::sealed_exe::EngineExe;
use crate::runtime::userns::exit_code;
use crate::spec::exec::ExecOptions;

/// How an exec ended, or started with `-d`.
#[derive(Debug, PartialEq, Eq)]
pub struct ExecOutcome {
    /// The command's exit code (0 for a detached command that started); 125, 126 or 127 when
    /// it could not be started.
    pub code: i32,
    /// Why the command could not be started, one line.
    pub error: Option<String>,
}

/// Runs `options`' command in `target` attached to our stdio, or to a pty of the container
/// with `options.tty`; our signals are forwarded to it. Returns once it exited.
pub fn exec_attached(
    target: &ExecTarget,
    options: &ExecOptions,
    interactive: bool,
) -> Result<ExecOutcome> {
    let pty = options
        .tty
        .then(|| open_container_pty(target.running.holder()))
        .transpose()?;
    let mut report = None;
    let code = run_attached(
        |stdio| {
            let helper = spawn_exec(target, options, stdio)?;
            report = Some(helper.report);
            Ok(helper.child)
        },
        pty,
        interactive,
    )?;
    let error = report.map(|mut r| r.outcome()).transpose()?.flatten();
    Ok(ExecOutcome { code, error })
}

/// `-d`: returns once the command runs (its stdio /dev/null; code 0), or why it could not.
pub fn exec_detached(target: &ExecTarget, options: &ExecOptions) -> Result<ExecOutcome> {
    let null = || Stdio::null();
    let mut helper = spawn_exec(target, options, [null(), null(), null()])?;
    let Some(error) = helper.report.outcome()? else {
        return Ok(ExecOutcome {
            code: 0,
            error: None,
        });
    };
    let status = helper.child.wait().context("wait for the exec helper")?;
    Ok(ExecOutcome {
        code: exit_code(status),
        error: Some(error),
    })
}

/// The helper: its exit status is the command's; `report` tells whether the command started.
struct ExecHelper {
    child: Child,
    report: ExecReport,
}

/// Starts the helper that runs `options`' command in `target` with `stdio` (see the `join`
/// module docs). Returns once it runs; [`ExecReport::outcome`] then waits for the command to
/// be exec'd, [`Child::wait`] for it to finish.
fn spawn_exec(
    target: &ExecTarget,
    options: &ExecOptions,
    [stdin, stdout, stderr]: [Stdio; 3],
) -> Result<ExecHelper> {
    let request = ExecRequest {
        target: target.clone(),
        options: options.clone(),
    };
    let request = serde_json::to_string(&request).context("encode the exec request")?;
    let exe = EngineExe::open()?;
    let (read, write) = pipe2(OFlag::O_CLOEXEC).context("create the exec report pipe")?;
    let (read, write) = (above_stdio(read)?, above_stdio(write)?);
    let inherited = write.as_raw_fd();
    let mut command = Command::new(exe.path());
    command
        .arg0("engine")
        .arg(EXEC_COMMAND)
        .arg(inherited.to_string())
        .env(REQUEST_ENV, request)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr);
    // SAFETY: the hook only calls fcntl, which is async-signal-safe, and allocates nothing.
    unsafe {
        command.pre_exec(move || clear_cloexec(inherited));
    }
    let child = command.spawn().context("start the exec helper")?;
    // Ours closed: end of file on `read` then means the helper and the command are done
    // with it.
    drop(write);
    Ok(ExecHelper {
        child,
        report: ExecReport::new(read),
    })
}

/// `fd` moved above 2 if needed: with stdin/stdout/stderr closed a pipe can get fd 0-2,
/// which the child's stdio setup would overwrite.
fn above_stdio(fd: OwnedFd) -> Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    let moved = fcntl(&fd, FcntlArg::F_DUPFD_CLOEXEC(3)).context("duplicate a pipe descriptor")?;
    // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(moved) })
}

/// Lets `fd` survive exec. Runs between fork and exec: no allocation, no locks.
fn clear_cloexec(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: fcntl on a plain integer fd has no memory-safety requirements.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, 0) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
