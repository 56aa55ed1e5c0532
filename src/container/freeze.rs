//! `commit --pause`: a running container's processes stopped while its files are read.
//!
//! The engine puts containers in no cgroup of their own, so there is no freezer: every process
//! in the container's PID namespace gets SIGSTOP (the user owns the container's user
//! namespace, so may signal them), and SIGCONT when done. The scan repeats until it finds no
//! process left running, so one forked meanwhile is stopped too.

use std::fs;

use anyhow::{Result, bail};
use rustix::process::{Pid, Signal, kill_process};

use crate::store::ContainerRecord;

/// How many scans may still find new processes before giving up.
const MAX_SCANS: usize = 10;

/// The stopped processes; dropping it lets them run again.
pub struct Frozen {
    stopped: Vec<Pid>,
}

impl Frozen {
    pub fn freeze(record: &ContainerRecord) -> Result<Frozen> {
        let Some(init) = record.init_pid else {
            bail!("container {} has no process to pause", record.name);
        };
        let Ok(namespace) = fs::read_link(format!("/proc/{init}/ns/pid")) else {
            bail!(
                "container {} stopped meanwhile: nothing to pause",
                record.name
            );
        };
        let mut frozen = Frozen {
            stopped: Vec::new(),
        };
        for _ in 0..MAX_SCANS {
            let mut found = false;
            for pid in processes_in(&namespace) {
                if frozen.stopped.contains(&pid) {
                    continue;
                }
                if kill_process(pid, Signal::STOP).is_ok() {
                    frozen.stopped.push(pid);
                    found = true;
                }
            }
            if !found {
                return Ok(frozen);
            }
        }
        bail!(
            "container {} keeps starting processes: cannot pause it; commit without --pause",
            record.name
        )
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        for pid in &self.stopped {
            let _ = kill_process(*pid, Signal::CONT);
        }
    }
}

/// PIDs (as this process sees them) whose PID namespace is `namespace`.
fn processes_in(namespace: &std::path::Path) -> Vec<Pid> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| fs::read_link(format!("/proc/{pid}/ns/pid")).is_ok_and(|ns| ns == namespace))
        .filter_map(Pid::from_raw)
        .collect()
}
