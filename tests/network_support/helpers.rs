//! The network helper processes a sandbox's containers run on the host.

use std::thread;
use std::time::{Duration, Instant};

use crate::common::Sandbox;
use crate::lifecycle_support::procs::{Process, sandbox_processes};
use crate::lifecycle_support::record;

/// The sandbox's live pasta and slirp4netns processes. The engine passes its environment down
/// to the helpers, so the sandbox's HOME finds them among the test user's processes (other
/// tests run helpers of their own); zombies have no environment and count as gone.
pub fn helpers_running(sb: &Sandbox) -> Vec<Process> {
    sandbox_processes(sb)
        .into_iter()
        .filter(|p| {
            let program = p.cmdline.first().map(String::as_str).unwrap_or_default();
            let name = program.rsplit('/').next().unwrap_or_default();
            name == "pasta" || name.starts_with("passt") || name == "slirp4netns"
        })
        .collect()
}

/// The PID of the helper the container's record names.
#[track_caller]
pub fn recorded_helper(sb: &Sandbox, id: &str) -> i32 {
    let record = record(sb, id).unwrap_or_else(|| panic!("container {id} has no record"));
    record["network_helper"]["pid"]
        .as_i64()
        .and_then(|pid| i32::try_from(pid).ok())
        .unwrap_or_else(|| panic!("a running container's record names its helper: {record:#}"))
}

/// Asserts the container's helper runs: the record names it and it is the sandbox's only one.
#[track_caller]
pub fn assert_helper_runs(sb: &Sandbox, id: &str) -> i32 {
    let pid = recorded_helper(sb, id);
    let running = helpers_running(sb);
    assert!(
        running.len() == 1 && running[0].pid == pid,
        "expected the recorded helper {pid} to be the sandbox's only helper: {running:#?}"
    );
    pid
}

/// Asserts that within `grace` no helper of the sandbox is left.
#[track_caller]
pub fn assert_no_helper_left(sb: &Sandbox, grace: Duration, after: &str) {
    let deadline = Instant::now() + grace;
    loop {
        let left = helpers_running(sb);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            panic!("network helpers left {grace:?} after {after}: {left:#?}");
        }
        thread::sleep(Duration::from_millis(50));
    }
}
