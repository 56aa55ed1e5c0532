//! The parent side: start the helper, write its ID maps, let it run PROGRAM.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

use anyhow::{Context, Result, bail};
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::unistd::{geteuid, pipe2};

use super::USERNS_EXEC_ARG;
use super::helper::{self, SYNC_OPTION};
use super::id_map::write_id_maps;
use super::mappings::IdMappings;

/// A command to run as root in a fresh rootless user namespace (and mount namespace): a
/// `std::process::Command` builder whose `spawn` does the [protocol](super).
///
/// As real root (euid 0) PROGRAM runs directly, with no namespace: root owns every ID already,
/// so the identity mapping a namespace would need changes nothing.
///
/// `spawn` blocks for the handshake (a few ms); call it from `spawn_blocking` in async code.
pub struct UsernsCommand {
    program: OsString,
    args: Vec<OsString>,
    /// Applied in order; `None` removes the variable.
    env_changes: Vec<(OsString, Option<OsString>)>,
    env_clear: bool,
    current_dir: Option<PathBuf>,
    stdin: Option<Stdio>,
    stdout: Option<Stdio>,
    stderr: Option<Stdio>,
    /// Descriptors PROGRAM inherits under the same numbers (their close-on-exec flag is
    /// cleared in the child only).
    inherited_fds: Vec<RawFd>,
    /// An existing user namespace to join instead of creating one (no ID maps to write).
    join: Option<PathBuf>,
    /// Paths the helper opens for PROGRAM (see the `reach` module).
    reach: Vec<PathBuf>,
}

impl UsernsCommand {
    pub fn new<I, S>(program: impl AsRef<OsStr>, args: I) -> UsernsCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        UsernsCommand {
            program: program.as_ref().to_owned(),
            args: args
                .into_iter()
                .map(|arg| arg.as_ref().to_owned())
                .collect(),
            env_changes: Vec::new(),
            env_clear: false,
            current_dir: None,
            stdin: None,
            stdout: None,
            stderr: None,
            inherited_fds: Vec::new(),
            join: None,
            reach: Vec::new(),
        }
    }

    /// Runs PROGRAM in the existing user namespace at `path` (e.g. /proc/PID/ns/user of
    /// another container), in a mount namespace of its own, rather than in a new one.
    pub fn join_user_namespace(mut self, path: impl AsRef<Path>) -> Self {
        self.join = Some(path.as_ref().to_owned());
        self
    }

    /// Has the helper open `paths` for PROGRAM while it still is the user, for a namespace
    /// whose root cannot reach them (see the `reach` module); PROGRAM adopts them with
    /// [`super::Reached::take_from_env`]. As real root nothing is opened: root reaches them.
    pub fn reach(mut self, paths: impl IntoIterator<Item = PathBuf>) -> Self {
        self.reach.extend(paths);
        self
    }

    /// Lets PROGRAM inherit `fd` (which must stay open until `spawn` returns).
    pub fn inherit_fd(mut self, fd: RawFd) -> Self {
        self.inherited_fds.push(fd);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        let change = (key.as_ref().to_owned(), Some(value.as_ref().to_owned()));
        self.env_changes.push(change);
        self
    }

    pub fn envs<I, K, V>(self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        vars.into_iter()
            .fold(self, |command, (key, value)| command.env(key, value))
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env_changes.push((key.as_ref().to_owned(), None));
        self
    }

    /// Starts PROGRAM with only the variables set after this call (and no inherited ones).
    pub fn env_clear(mut self) -> Self {
        self.env_clear = true;
        self.env_changes.clear();
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.current_dir = Some(dir.as_ref().to_owned());
        self
    }

    pub fn stdin(mut self, cfg: impl Into<Stdio>) -> Self {
        self.stdin = Some(cfg.into());
        self
    }

    pub fn stdout(mut self, cfg: impl Into<Stdio>) -> Self {
        self.stdout = Some(cfg.into());
        self
    }

    pub fn stderr(mut self, cfg: impl Into<Stdio>) -> Self {
        self.stderr = Some(cfg.into());
        self
    }

    /// Starts PROGRAM in a new user namespace with `mappings`. The `Child` is PROGRAM itself.
    /// As real root, starts PROGRAM directly and ignores `mappings`.
    pub fn spawn(self, mappings: &IdMappings) -> Result<Child> {
        if geteuid().is_root() {
            let program = self.program.clone();
            let inherited = self.inherited_fds.clone();
            let mut command = self.into_command(None);
            // SAFETY: the hook only calls fcntl, which is async-signal-safe, and allocates
            // nothing.
            unsafe {
                command.pre_exec(move || inherited.iter().copied().try_for_each(clear_cloexec));
            }
            return command
                .spawn()
                .with_context(|| format!("cannot run {}", program.to_string_lossy()));
        }
        // Both pipes are close-on-exec, so children that other threads spawn meanwhile do not
        // inherit them (a stray copy of the helper's READY end would hide its death from us);
        // the helper's two ends lose the flag in the forked child, just before exec.
        let (ready_read, ready_write) = cloexec_pipe()?;
        let (go_read, go_write) = cloexec_pipe()?;
        let sync = [go_read.as_raw_fd(), ready_write.as_raw_fd()];
        let joining = self.join.is_some();
        let mut inherited = self.inherited_fds.clone();
        inherited.extend(sync);
        let mut command = self.into_command(Some(sync));
        // SAFETY: the hook only calls fcntl, which is async-signal-safe, and allocates nothing.
        unsafe {
            command.pre_exec(move || inherited.iter().copied().try_for_each(clear_cloexec));
        }
        let mut child = command
            .spawn()
            .context("cannot start the user namespace helper (/proc/self/exe)")?;
        drop((go_read, ready_write));

        let mappings = (!joining).then_some(mappings);
        match handshake(&child, ready_read, go_write, mappings) {
            Ok(()) => Ok(child),
            Err(err) => {
                // The helper has not run PROGRAM (it got no "go"), so killing it loses nothing.
                let _ = child.kill();
                let _ = child.wait();
                Err(err)
            }
        }
    }

    /// Runs PROGRAM in a new user namespace with `mappings` and waits for it.
    pub fn status(self, mappings: &IdMappings) -> Result<ExitStatus> {
        let program = self.program.clone();
        let mut child = self.spawn(mappings)?;
        child
            .wait()
            .with_context(|| format!("cannot wait for {}", program.to_string_lossy()))
    }

    /// The `Command` that runs PROGRAM directly, or through the helper when given the helper's
    /// two sync fds (GO read end, READY write end).
    fn into_command(self, helper_sync: Option<[RawFd; 2]>) -> Command {
        let mut command = match helper_sync {
            None => Command::new(&self.program),
            Some([go, ready]) => {
                // /proc/self/exe rather than current_exe(): it still names this very binary
                // when an upgrade has replaced the file, so the helper speaks our protocol.
                let mut helper = Command::new("/proc/self/exe");
                helper
                    .arg(USERNS_EXEC_ARG)
                    .arg(format!("{SYNC_OPTION}{go},{ready}"));
                helper.arg("--").arg(&self.program);
                helper
            }
        };
        command.args(&self.args);
        if self.env_clear {
            command.env_clear();
        }
        command.env_remove(super::helper::JOIN_ENV);
        command.env_remove(super::reach::REACH_ENV);
        command.env_remove(super::reach::REACHED_ENV);
        if let (Some(paths), Some(_)) = (super::reach::encode(&self.reach), helper_sync) {
            command.env(super::reach::REACH_ENV, paths);
        }
        if let (Some(path), Some(_)) = (&self.join, helper_sync) {
            command.env(super::helper::JOIN_ENV, path);
        }
        for (key, value) in self.env_changes {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        if let Some(dir) = self.current_dir {
            command.current_dir(dir);
        }
        if let Some(cfg) = self.stdin {
            command.stdin(cfg);
        }
        if let Some(cfg) = self.stdout {
            command.stdout(cfg);
        }
        if let Some(cfg) = self.stderr {
            command.stderr(cfg);
        }
        command
    }
}

/// The shell-style exit code of `status`: the code, or 128 + the signal that killed it.
pub fn exit_code(status: ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 125,
    }
}

fn cloexec_pipe() -> Result<(OwnedFd, OwnedFd)> {
    let (read, write) = pipe2(OFlag::O_CLOEXEC).context("cannot create a pipe")?;
    Ok((above_stdio(read)?, above_stdio(write)?))
}

/// `fd` moved to a number above 2 if needed: when the engine runs with stdin/stdout/stderr
/// closed a pipe can get fd 0-2, which the child's stdio setup would overwrite.
fn above_stdio(fd: OwnedFd) -> Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    let moved = fcntl(&fd, FcntlArg::F_DUPFD_CLOEXEC(3)).context("cannot duplicate a pipe fd")?;
    // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(moved) })
}

/// Lets `fd` survive exec. Runs between fork and exec, so: no allocation, no locks.
fn clear_cloexec(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: fcntl on a plain integer fd has no memory-safety requirements.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, 0) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Waits for the helper's namespace, writes its ID maps (a new namespace: `mappings` given)
/// and tells it to go on.
fn handshake(
    child: &Child,
    ready: OwnedFd,
    go: OwnedFd,
    mappings: Option<&IdMappings>,
) -> Result<()> {
    let mut ready = File::from(ready);
    let mut status = [0u8];
    let read = ready
        .read(&mut status)
        .context("cannot read from the user namespace helper")?;
    match (read, status[0]) {
        (1, helper::READY) => {}
        (1, helper::FAILED) => {
            let mut message = String::new();
            let _ = ready.read_to_string(&mut message);
            bail!("{}", message.trim());
        }
        _ => bail!("the user namespace helper exited before creating the namespace"),
    }
    if let Some(mappings) = mappings {
        write_id_maps(child.id(), &mappings.uids, &mappings.gids)?;
    }
    File::from(go)
        .write_all(&[helper::GO])
        .context("cannot signal the user namespace helper")
}
