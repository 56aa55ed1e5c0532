//! A running `engine` process whose stdout is read line by line, for tests that must act while
//! the container runs (send a signal once it printed "ready").

use std::io::{BufRead, BufReader, Read};
use std::process::Child;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::common::{Out, UserCommand};

pub struct Spawned {
    child: Child,
    description: String,
    lines: Receiver<String>,
    stdout_so_far: Vec<String>,
    stderr: Receiver<String>,
}

impl Spawned {
    /// Starts `command`; `description` names it in failure messages.
    pub fn start(command: UserCommand, description: &str) -> Spawned {
        let mut child = command.spawn();
        let (line_sender, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("spawned with a stdout pipe");
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line_sender.send(line).is_err() {
                    break;
                }
            }
        });
        let (stderr_sender, stderr) = mpsc::channel();
        let mut stderr_pipe = child.stderr.take().expect("spawned with a stderr pipe");
        thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            let _ = stderr_sender.send(text);
        });
        Spawned {
            child,
            description: description.to_string(),
            lines,
            stdout_so_far: Vec::new(),
            stderr,
        }
    }

    /// The engine's pid (the spawned process is the engine itself).
    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    /// Waits until stdout has printed `line`; fails the test after `timeout`.
    #[track_caller]
    pub fn wait_for_line(&mut self, line: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.stdout_so_far.iter().any(|l| l == line) {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(next) => self.stdout_so_far.push(next),
                Err(RecvTimeoutError::Timeout) => {
                    let out = self.abort();
                    panic!("no line {line:?} after {timeout:?}\n{out}");
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let out = self.finish(Duration::from_secs(10));
                    panic!("stdout closed before the line {line:?}\n{out}");
                }
            }
        }
    }

    /// Sends `signal` to the engine process.
    pub fn signal(&self, signal: Signal) {
        kill(self.pid(), signal).unwrap_or_else(|e| panic!("kill -{signal} the engine: {e}"));
    }

    /// Waits for the engine to exit (killing it and failing the test after `timeout`) and
    /// returns all it printed.
    #[track_caller]
    pub fn finish(&mut self, timeout: Duration) -> Out {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return self.output(status_code(status)),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                Ok(None) => {
                    let out = self.abort();
                    panic!("still running after {timeout:?}, killed\n{out}");
                }
                Err(e) => panic!("waiting for {}: {e}", self.description),
            }
        }
    }

    fn abort(&mut self) -> Out {
        let _ = self.child.kill();
        let status = self.child.wait().ok();
        self.output(status.map_or(-1, status_code))
    }

    fn output(&mut self, code: i32) -> Out {
        // The pipes close when the engine and the container are gone; a process left holding
        // them must not hang the test.
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.stdout_so_far.push(line);
        }
        let stderr = self
            .stderr
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| "(stderr still open)".to_string());
        let mut stdout = self.stdout_so_far.join("\n");
        if !stdout.is_empty() {
            stdout.push('\n');
        }
        Out {
            command: self.description.clone(),
            code,
            stdout,
            stderr,
        }
    }
}

fn status_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(-1)
}
