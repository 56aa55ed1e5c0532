//! Running a program as the unprivileged test user, with a clean environment and a timeout.
//!
//! The tests run as root. Rather than `runuser` (which stays the parent and does not pass
//! SIGINT on to its child), the child drops to the test user itself between fork and exec,
//! so the spawned process is the program: its pid is the one signal tests need to hit.

use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use super::{Out, env};

/// How long a command may run before it is killed and the test fails.
/// ENGINE_TEST_TIMEOUT (seconds) overrides it, e.g. for a slow machine.
fn default_timeout() -> Duration {
    let seconds = std::env::var("ENGINE_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok());
    Duration::from_secs(seconds.unwrap_or(120))
}

/// Extra time for the output pipes to close once the program has exited.
const PIPE_GRACE: Duration = Duration::from_secs(5);

pub struct UserCommand {
    command: Command,
    description: String,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
}

impl UserCommand {
    /// `program args` as the test user, in `cwd`, with exactly `vars` as its environment.
    pub(crate) fn new(
        program: &Path,
        args: &[&str],
        vars: &[(String, String)],
        cwd: &Path,
    ) -> Self {
        let (uid, gid) = (env().uid, env().gid);
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .envs(vars.iter().cloned())
            .current_dir(cwd);
        // Its own process group, so a timeout kills the helpers it started too.
        command.process_group(0);
        // SAFETY: between fork and exec only async-signal-safe calls: setgroups, setgid,
        // setuid, umask, prctl.
        unsafe {
            command.pre_exec(move || {
                let groups = [gid];
                if libc::setgroups(1, groups.as_ptr()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(io::Error::last_os_error());
                }
                libc::umask(0o022);
                // A test binary that dies (e.g. killed by CI) takes its engines with it.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut description = program.display().to_string();
        for arg in args {
            description.push(' ');
            description.push_str(arg);
        }
        description.push_str(&format!("  (as {}, in {})", env().user, cwd.display()));
        UserCommand {
            command,
            description,
            stdin: None,
            timeout: default_timeout(),
        }
    }

    /// Adds or replaces one environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.description
            .push_str(&format!(" {key}={}", value.as_ref().to_string_lossy()));
        self.command.env(key, value);
        self
    }

    /// Feeds these bytes to stdin (default: /dev/null).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs to completion. Panics (failing the test) if it outlives the timeout.
    pub fn run(mut self) -> Out {
        let timeout = self.timeout;
        let mut child = self.start();
        let stdout = read_all_in_background(child.stdout.take());
        let stderr = read_all_in_background(child.stderr.take());
        let status = wait_until(&mut child, Instant::now() + timeout, &self.description);
        if status.is_none() {
            kill_group(&child);
            let _ = child.wait();
        }
        // Once the program is gone its pipes reach EOF, unless a process it left behind
        // still holds them: report that rather than hang.
        let grace = if status.is_some() {
            PIPE_GRACE
        } else {
            Duration::from_secs(1)
        };
        let pipes_deadline = Instant::now() + grace;
        let (stdout, stderr) = (
            collect(&stdout, pipes_deadline),
            collect(&stderr, pipes_deadline),
        );
        let pipes_closed = stdout.is_some() && stderr.is_some();
        let out = Out {
            command: self.description,
            code: status.map_or(-1, exit_code),
            stdout: stdout.unwrap_or_default(),
            stderr: stderr.unwrap_or_default(),
        };
        match status {
            None => panic!("timed out after {timeout:?} and killed\n{out}"),
            Some(_) if !pipes_closed => {
                panic!(
                    "exited, but a process it left behind still holds its stdout or stderr\n{out}"
                )
            }
            Some(_) => out,
        }
    }

    /// Starts it and returns at once. The child is the program itself, leader of its own
    /// process group; stdout and stderr are pipes (read them, or they may fill up). It gets
    /// SIGKILL when the spawning thread ends, so keep waiting for it in the test's thread.
    pub fn spawn(mut self) -> Child {
        self.start()
    }

    fn start(&mut self) -> Child {
        let stdin = if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        };
        self.command
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self
            .command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.description));
        if let (Some(bytes), Some(mut pipe)) = (self.stdin.take(), child.stdin.take()) {
            // A thread, so a program that does not read all of it cannot block the test.
            thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        child
    }
}

fn wait_until(child: &mut Child, deadline: Instant, description: &str) -> Option<ExitStatus> {
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() >= deadline => return None,
            Ok(None) => {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(e) => panic!("waiting for {description}: {e}"),
        }
    }
}

fn exit_code(status: ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

fn kill_group(child: &Child) {
    // The child has not been reaped yet, so its pid (= its group id) cannot have been reused.
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: plain syscall on our own child's process group.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
}

fn read_all_in_background(pipe: Option<impl Read + Send + 'static>) -> Receiver<Vec<u8>> {
    let (send, receive) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = send.send(bytes);
        });
    }
    receive
}

/// The whole output, or None if the pipe is still open at `deadline`.
fn collect(output: &Receiver<Vec<u8>>, deadline: Instant) -> Option<String> {
    match output.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(mpsc::RecvTimeoutError::Timeout) => None,
        Err(mpsc::RecvTimeoutError::Disconnected) => Some(String::new()),
    }
}
