//! The helper's steps: prepare on the host, enter the container, fork, and in the child set
//! the process up and exec the command.

use std::convert::Infallible;
use std::io::Read;
use std::os::fd::RawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::sys::signal::{SigHandler, Signal, signal};
use nix::unistd::setsid;
use oci_spec::runtime::{Process, Spec};

use super::report::Reporter;
use super::{ExecTarget, enter, supervise};
use crate::runtime::builtin::exec::ExecError;
use crate::runtime::builtin::{EXIT_CANNOT_EXEC, EXIT_NOT_FOUND, EXIT_SETUP_FAILED, process};
use crate::runtime::seccomp::{self, BpfProgram};
use crate::spec::caps::known_capabilities;
use crate::spec::exec::{ContainerAccounts, ExecOptions, exec_process};

/// /etc/passwd and /etc/group are read from the container, which may make them anything: a
/// bound on their size, and only regular files.
const MAX_ACCOUNTS_FILE: u64 = 16 << 20;

/// The command's process, ready to be forked off.
struct Prepared {
    process: Process,
    filter: Option<BpfProgram>,
}

/// Runs `options`' command in `target`; see the `join` module docs.
pub(super) fn exec_in_container(
    target: &ExecTarget,
    options: &ExecOptions,
    reporter: Reporter,
) -> ! {
    let prepared = match prepare(target, options, reporter.raw()) {
        Ok(prepared) => prepared,
        Err(err) => reporter.fail(EXIT_SETUP_FAILED, &format!("{err:#}")),
    };
    supervise::fork_and_wait(reporter, |reporter| run_command(&prepared, reporter))
}

fn prepare(target: &ExecTarget, options: &ExecOptions, report_fd: RawFd) -> Result<Prepared> {
    // Whatever the caller left open (a shell's directory descriptor...) must not reach the
    // container; from here on every descriptor is ours and close-on-exec.
    close_descriptors_except(report_fd)?;
    // Its own session, so the terminal's ^C reaches `engine exec` only, which forwards it.
    match setsid() {
        Ok(_) | Err(Errno::EPERM) => {}
        Err(errno) => return Err(errno).context("setsid"),
    }
    let config = target.bundle.join("config.json");
    let spec = Spec::load(&config).with_context(|| format!("load {}", config.display()))?;
    let Some(container_process) = spec.process().clone() else {
        bail!(
            "{} has no process: recreate the container",
            config.display()
        );
    };
    let filter = spec
        .linux()
        .as_ref()
        .and_then(|linux| linux.seccomp().as_ref())
        .map(seccomp::compile)
        .transpose()
        .context("compile the container's seccomp filter")?;
    let known = known_capabilities(cap_last_cap()?);

    enter::open(target.running)?.enter()?;

    let passwd = read_accounts_file("/etc/passwd")?;
    let group = read_accounts_file("/etc/group")?;
    let accounts = ContainerAccounts {
        passwd: passwd.as_deref(),
        group: group.as_deref(),
    };
    let process = exec_process(&container_process, options, accounts, known)?;
    Ok(Prepared { process, filter })
}

/// In the container's pid namespace: the process's own state, then exec.
fn run_command(prepared: &Prepared, reporter: &Reporter) -> Infallible {
    if let Err(err) = set_up(prepared) {
        reporter.fail(EXIT_SETUP_FAILED, &format!("{err:#}"));
    }
    if let Err(error) = enter_cwd(prepared.process.cwd()) {
        reporter.fail(error.code, &error.message);
    }
    let error = execute(&prepared.process);
    reporter.fail(error.code, &error.message)
}

fn set_up(prepared: &Prepared) -> Result<()> {
    let process = &prepared.process;
    process::set_rlimits(process)?;
    let terminal = process.terminal().unwrap_or(false);
    process::start_session(terminal)?;
    if terminal {
        give_terminal(process.user().uid())?;
    }
    process::switch_identity(process, prepared.filter.as_ref())?;
    // Rust's runtime ignores SIGPIPE, and exec keeps ignored signals ignored.
    // SAFETY: restoring the default disposition installs no handler.
    unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) }.context("reset SIGPIPE")?;
    Ok(())
}

/// The pty's slave is the caller's; the command's user owns its terminal, as on a login. Under
/// `--userns=auto` the caller (the user) is not mapped in the container's namespace, so no one
/// there may chown what it made: the command keeps the terminal it was handed as an open
/// descriptor, owned by the overflow ID (`nobody`) as it sees it.
fn give_terminal(uid: u32) -> Result<()> {
    let stdin = std::io::stdin();
    match nix::unistd::fchown(&stdin, Some(nix::unistd::Uid::from_raw(uid)), None) {
        Err(nix::errno::Errno::EPERM) if owned_by_an_unmapped_id(&stdin) => Ok(()),
        result => result.context("chown the terminal"),
    }
}

/// True when the file's owner is the kernel's overflow UID: its real owner has no ID in this
/// user namespace.
fn owned_by_an_unmapped_id(file: &impl std::os::fd::AsFd) -> bool {
    let overflow = std::fs::read_to_string("/proc/sys/kernel/overflowuid")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(OVERFLOW_UID);
    nix::sys::stat::fstat(file).is_ok_and(|stat| stat.st_uid == overflow)
}

/// The kernel's default overflow UID, when /proc/sys cannot be read.
const OVERFLOW_UID: u32 = 65534;

/// The working directory, entered as the command's user; podman's codes when it is missing
/// (127) or closed to the user (126).
fn enter_cwd(cwd: &Path) -> Result<(), ExecError> {
    if let Err(err) = std::env::set_current_dir(cwd) {
        let code = match err.raw_os_error() {
            Some(libc::ENOENT | libc::ENOTDIR) => EXIT_NOT_FOUND,
            _ => EXIT_CANNOT_EXEC,
        };
        return Err(failure(code, format!("chdir {}: {err}", cwd.display())));
    }
    // A directory outside the root has no path from it (the CVE-2024-21626 class).
    if let Err(err) = std::env::current_dir() {
        let message = format!(
            "working directory {} is outside the container: {err}",
            cwd.display()
        );
        return Err(failure(EXIT_SETUP_FAILED, message));
    }
    Ok(())
}

/// Like `exec::exec`, but leaves the report descriptor (close-on-exec) open, so a failed
/// execve is reported too; the helper closed every other descriptor already.
/// The container's exec: descriptors stay open until execve succeeds (the report pipe tells
/// the CLI why it failed), then the kernel closes them all.
fn execute(process: &Process) -> ExecError {
    let args = process.args().as_deref().unwrap_or_default();
    let env = process.env().as_deref().unwrap_or_default();
    crate::runtime::builtin::exec::exec(args, env)
}

fn failure(code: i32, message: String) -> ExecError {
    ExecError { message, code }
}

fn cap_last_cap() -> Result<u8> {
    const PATH: &str = "/proc/sys/kernel/cap_last_cap";
    let text = std::fs::read_to_string(PATH).with_context(|| format!("read {PATH}"))?;
    text.trim()
        .parse()
        .with_context(|| format!("{PATH} holds {text:?}, not a number"))
}

/// A file of the container's accounts, `None` when it has none.
fn read_accounts_file(path: &str) -> Result<Option<String>> {
    // Non-blocking: a FIFO planted there must not hang the helper.
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path);
    let file = match opened {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("open the container's {path}")),
    };
    let meta = file
        .metadata()
        .with_context(|| format!("stat the container's {path}"))?;
    if !meta.is_file() {
        bail!("the container's {path} is not a regular file: use a numeric -u UID[:GID]");
    }
    let mut bytes = Vec::new();
    file.take(MAX_ACCOUNTS_FILE)
        .read_to_end(&mut bytes)
        .with_context(|| format!("read the container's {path}"))?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Closes every descriptor above stderr but `keep`.
fn close_descriptors_except(keep: RawFd) -> Result<()> {
    let ranges = [(3, keep - 1), (keep + 1, RawFd::MAX)];
    for (first, last) in ranges.into_iter().filter(|(first, last)| first <= last) {
        // SAFETY: close_range only closes descriptors; none in the range is in use (the
        // helper has opened nothing it keeps yet).
        let closed = unsafe {
            libc::syscall(
                libc::SYS_close_range,
                first as libc::c_uint,
                last as libc::c_uint,
                0,
            )
        };
        if closed != 0 {
            let err = std::io::Error::last_os_error();
            return Err(err).context("close inherited descriptors (close_range, Linux 5.9+)");
        }
    }
    Ok(())
}
