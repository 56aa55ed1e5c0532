//! Support for the lifecycle tests (`mod lifecycle_support;` next to `mod common;` and
//! `mod run_support;`): detached containers of the busybox fixture, their records and logs as
//! the store holds them, `ps` as a map, and the processes a sandbox's containers left on the
//! host.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod procs;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Out, Sandbox};
use crate::run_support::{busybox, containers_dir};

/// How long a container that waits for the test may take to get going.
pub const READY: Duration = Duration::from_secs(30);

/// `engine run -d FLAGS... busybox COMMAND...`; asserts it printed a full ID, and returns it.
#[track_caller]
pub fn run_d(sb: &Sandbox, flags: &[&str], command: &[&str]) -> String {
    let out = sb.engine(&[&["run", "-d"], flags, &[busybox()], command].concat());
    out.ok();
    let id = out.line().to_string();
    assert!(
        is_full_id(&id),
        "run -d must print the full ID alone\n{out}"
    );
    id
}

/// `engine create FLAGS... busybox COMMAND...`; returns the full ID it printed.
#[track_caller]
pub fn create(sb: &Sandbox, flags: &[&str], command: &[&str]) -> String {
    let out = sb.engine(&[&["create"], flags, &[busybox()], command].concat());
    out.ok();
    let id = out.line().to_string();
    assert!(
        is_full_id(&id),
        "create must print the full ID alone\n{out}"
    );
    id
}

/// 64 lowercase hex digits.
pub fn is_full_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A number no other test of this run uses, to mark a container's processes on the host
/// (`sleep MARKER` runs as the test user, like every other test's containers).
pub fn marker() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    (100_000 + (std::process::id() % 10_000) * 100 + n).to_string()
}

/// `ps -a` as `full ID -> (name, STATUS)`.
pub fn ps_all(sb: &Sandbox) -> BTreeMap<String, (String, String)> {
    let out = sb.engine(&[
        "ps",
        "-a",
        "--no-trunc",
        "--format",
        "{{.ID}}|{{.Names}}|{{.Status}}",
    ]);
    out.ok();
    out.stdout
        .lines()
        .map(|line| {
            let mut fields = line.splitn(3, '|');
            let (Some(id), Some(name), Some(status)) =
                (fields.next(), fields.next(), fields.next())
            else {
                panic!("ps --format printed {line:?}, not ID|NAME|STATUS\n{out}");
            };
            (id.to_string(), (name.to_string(), status.to_string()))
        })
        .collect()
}

/// The STATUS column of the container `id`, which `ps -a` must list.
#[track_caller]
pub fn ps_status(sb: &Sandbox, id: &str) -> String {
    let all = ps_all(sb);
    match all.get(id) {
        Some((_, status)) => status.clone(),
        None => panic!("ps -a does not list {id}: {all:#?}"),
    }
}

/// Asserts `ps -a` lists `id` with a STATUS starting with `prefix` (`Up`, `Exited (137)`).
#[track_caller]
pub fn assert_status(sb: &Sandbox, id: &str, prefix: &str) {
    let status = ps_status(sb, id);
    assert!(
        status.starts_with(prefix),
        "ps -a shows {id} as {status:?}, expected {prefix:?}..."
    );
}

/// Polls `condition` every 50 ms until it holds; fails the test with `what` after `timeout`.
#[track_caller]
pub fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        if Instant::now() > deadline {
            panic!("still not {what} after {timeout:?}");
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// `<store>/containers/<id>`.
pub fn container_dir(sb: &Sandbox, id: &str) -> PathBuf {
    containers_dir(sb).join(id)
}

/// The container's record (container.json); `None` once it is removed.
pub fn record(sb: &Sandbox, id: &str) -> Option<Value> {
    let path = container_dir(sb, id).join("container.json");
    match fs::read_to_string(&path) {
        Ok(text) => Some(
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display())),
        ),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => panic!("reading {}: {e}", path.display()),
    }
}

/// The host PID of the container's monitor, from its record.
#[track_caller]
pub fn monitor_pid(sb: &Sandbox, id: &str) -> i32 {
    let record = record(sb, id).unwrap_or_else(|| panic!("container {id} has no record"));
    record["monitor"]["pid"]
        .as_i64()
        .and_then(|pid| i32::try_from(pid).ok())
        .unwrap_or_else(|| {
            panic!("the record of a running container names its monitor: {record:#}")
        })
}

/// One line of output as the k8s-file log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// `stdout` or `stderr`.
    pub stream: String,
    pub text: String,
}

/// The container's log (`ctr.log`, podman's k8s-file format: `TIME STREAM F|P TEXT` lines,
/// `P` for a piece of a line continued by the next entry of the same stream), as whole lines.
/// Empty when there is no log.
#[track_caller]
pub fn log_lines(sb: &Sandbox, id: &str) -> Vec<LogLine> {
    let path = container_dir(sb, id).join("ctr.log");
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => panic!("reading {}: {e}", path.display()),
    };
    parse_k8s_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whole lines of a k8s-file log; partial entries are joined per stream.
pub fn parse_k8s_file(text: &str) -> Result<Vec<LogLine>, String> {
    let mut lines = Vec::new();
    let mut partial: BTreeMap<String, String> = BTreeMap::new();
    for (number, entry) in text.lines().enumerate() {
        let mut fields = entry.splitn(4, ' ');
        let (Some(time), Some(stream), Some(tag)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(format!(
                "line {}: {entry:?} is not TIME STREAM TAG TEXT",
                number + 1
            ));
        };
        let piece = fields.next().unwrap_or_default();
        if chrono::DateTime::parse_from_rfc3339(time).is_err() {
            return Err(format!(
                "line {}: {time:?} is not an RFC 3339 time",
                number + 1
            ));
        }
        if stream != "stdout" && stream != "stderr" {
            return Err(format!("line {}: unknown stream {stream:?}", number + 1));
        }
        let so_far = partial.entry(stream.to_string()).or_default();
        so_far.push_str(piece);
        match tag {
            "P" => {}
            "F" => lines.push(LogLine {
                stream: stream.to_string(),
                text: std::mem::take(so_far),
            }),
            other => {
                return Err(format!(
                    "line {}: tag {other:?} is neither F nor P",
                    number + 1
                ));
            }
        }
    }
    Ok(lines)
}

/// The text of the log's lines from `stream`.
pub fn log_texts(sb: &Sandbox, id: &str, stream: &str) -> Vec<String> {
    log_lines(sb, id)
        .into_iter()
        .filter(|l| l.stream == stream)
        .map(|l| l.text)
        .collect()
}

/// How many lines of the container's stdout are exactly `text`.
pub fn count_logged(sb: &Sandbox, id: &str, text: &str) -> usize {
    log_texts(sb, id, "stdout")
        .iter()
        .filter(|l| *l == text)
        .count()
}

/// Waits until the container logged the stdout line `text`.
#[track_caller]
pub fn wait_for_log(sb: &Sandbox, id: &str, text: &str) {
    wait_until(&format!("{text:?} in the log of {id}"), READY, || {
        count_logged(sb, id, text) > 0
    });
}

/// Runs `engine args` from `n` threads at once (released together) and returns every output.
pub fn engine_in_parallel(sb: &Sandbox, n: usize, args: impl Fn(usize) -> Vec<String>) -> Vec<Out> {
    let barrier = std::sync::Barrier::new(n);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let args = args(i);
                let barrier = &barrier;
                scope.spawn(move || {
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    let command = sb.engine_cmd(&args);
                    barrier.wait();
                    command.run()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an engine thread panicked"))
            .collect()
    })
}
