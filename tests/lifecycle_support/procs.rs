//! The host's view of what a sandbox's containers run: processes found in /proc by their
//! command line (containers) or by the sandbox's HOME in their environment (the engine, its
//! monitors, and what they start before the container's command runs).

use std::fs;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{Sandbox, env};
use crate::run_support::procfs::{cmdline, find_status_field};

/// A live process: its PID and command line, for failure messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub pid: i32,
    pub cmdline: Vec<String>,
}

/// Every process whose real uid is the test user's and whose command line is exactly `args`
/// (`["sleep", MARKER]`). Zombies count as gone: they have no command line.
pub fn user_processes_running(args: &[&str]) -> Vec<Process> {
    all_processes()
        .filter(|p| p.cmdline == args)
        .filter(|p| real_uid(p.pid) == Some(env().uid))
        .collect()
}

/// Every live process whose environment holds the sandbox's HOME: the engine commands a test
/// ran, the monitors they left, and the helpers those started (a container's own command has
/// the image's environment instead).
pub fn sandbox_processes(sb: &Sandbox) -> Vec<Process> {
    let marker = format!("HOME={}", sb.home().display()).into_bytes();
    all_processes()
        .filter(|p| {
            fs::read(format!("/proc/{}/environ", p.pid))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|var| var == marker.as_slice()))
        })
        .collect()
}

/// Asserts that within `grace` no process of the test user runs `args` and none of the
/// sandbox's engine processes is left.
#[track_caller]
pub fn assert_nothing_left(sb: &Sandbox, args: &[&str], grace: Duration) {
    let deadline = Instant::now() + grace;
    loop {
        let mut left = user_processes_running(args);
        left.extend(sandbox_processes(sb));
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            panic!("processes left behind after {grace:?}: {left:#?}");
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Whether process `pid` holds a socket (an attach client: once connected).
pub fn has_socket(pid: i32) -> bool {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        fs::read_link(fd.path()).is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
    })
}

fn all_processes() -> impl Iterator<Item = Process> {
    fs::read_dir("/proc")
        .expect("listing /proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let raw = fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("cmdline"))
                .ok()?;
            if raw.is_empty() {
                return None; // a zombie or a kernel thread
            }
            let cmdline = cmdline(&raw).into_iter().map(String::from).collect();
            Some(Process { pid, cmdline })
        })
}

fn real_uid(pid: i32) -> Option<u32> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    find_status_field(&status, "Uid")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
