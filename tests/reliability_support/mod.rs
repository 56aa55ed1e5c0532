//! Support for tests/stress.rs and tests/crash.rs: a seeded random source, the fixture images,
//! and the checks that a store and the host are left clean.

#![allow(dead_code)]

use std::fs;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{Sandbox, env, fixture};

/// splitmix64: small, seedable, the same sequence everywhere (no dependency needed).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The seed from `var` if set (to replay a failure), else from the clock; printed either way.
pub fn seed(var: &str) -> u64 {
    let seed = match std::env::var(var) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{var}={text:?} is not a number")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    };
    eprintln!("seed: {seed} (replay with {var}={seed})");
    seed
}

/// The small fixture images: busybox and other, both on the plain registry.
pub fn images() -> [&'static str; 2] {
    ["busybox:latest", "other:latest"].map(|name| {
        fixture(name)["reference"]
            .as_str()
            .expect("fixtures.json gives each image a reference")
    })
}

/// The one line of an engine error, without the "Trying to pull" progress lines; `None` when
/// stderr holds anything else.
pub fn error_line(stderr: &str) -> Option<&str> {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("Trying to pull ") && !l.trim().is_empty())
        .collect();
    match lines.as_slice() {
        [line] if line.starts_with("Error: ") => Some(line),
        _ => None,
    }
}

/// Asserts `engine system check --max 0s` finds nothing: nothing damaged and nothing left
/// over, not even an unreferenced layer or blob.
#[track_caller]
pub fn assert_store_clean(sb: &Sandbox, context: &str) {
    let out = sb.engine(&["system", "check", "--max", "0s"]);
    if out.code != 0 || !out.stdout.is_empty() {
        panic!("system check is not clean {context}\n{out}");
    }
}

/// Asserts nothing of the sandbox is left on the host once its containers are gone: no process
/// (engine, monitor, network helper, container) of the test user started from the sandbox, no
/// mount below its home, no scratch dir in its store.
#[track_caller]
pub fn assert_host_clean(sb: &Sandbox, container_marker: &str) {
    let home = sb.home().display().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let procs = leftover_processes(&home, container_marker);
        if procs.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            panic!("processes left behind: {procs:#?}");
        }
        thread::sleep(Duration::from_millis(100));
    }
    let mounts = fs::read_to_string("/proc/self/mountinfo").expect("reading mountinfo");
    let leaked: Vec<&str> = mounts.lines().filter(|l| l.contains(&home)).collect();
    assert!(leaked.is_empty(), "mounts left behind: {leaked:#?}");
    let tmp = sb.data_dir().join("engine/tmp");
    let left: Vec<String> = fs::read_dir(&tmp)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path().display().to_string())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "scratch dirs left in {}: {left:?}",
        tmp.display()
    );
}

/// Processes of the test user whose environment holds the sandbox's HOME (engine, monitor,
/// pasta/slirp4netns) or whose command line holds `marker` (the containers' commands).
fn leftover_processes(home: &str, marker: &str) -> Vec<String> {
    let home_var = format!("HOME={home}").into_bytes();
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").expect("listing /proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let dir = entry.path();
        let Ok(cmdline) = fs::read(dir.join("cmdline")) else {
            continue;
        };
        if cmdline.is_empty() || !owned_by_test_user(&dir) {
            continue;
        }
        let environ = fs::read(dir.join("environ")).unwrap_or_default();
        let by_env = environ.split(|&b| b == 0).any(|v| v == home_var.as_slice());
        let by_marker = cmdline.split(|&b| b == 0).any(|a| a == marker.as_bytes());
        if by_env || by_marker {
            let args = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            found.push(format!("{pid}: {args}"));
        }
    }
    found
}

fn owned_by_test_user(proc_dir: &std::path::Path) -> bool {
    let Ok(status) = fs::read_to_string(proc_dir.join("status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().next())
        .and_then(|uid| uid.parse::<u32>().ok())
        .is_some_and(|uid| uid == env().uid)
}
