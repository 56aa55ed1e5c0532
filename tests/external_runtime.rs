//! A container started by `--runtime crun|runc` seen from the outside: its PID 1 as `inspect`
//! reports it, `exec` into its namespaces and root, `top`, and `stop`; with the default user
//! namespace and with `--userns=auto` (whose namespace the runtime itself makes).

mod common;
mod lifecycle_support;
mod run_support;

use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use common::Sandbox;
use lifecycle_support::monitor_pid;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use run_support::{busybox, sandbox};

/// A file of the busybox fixture's image that the host has not.
const IMAGE_FILE: &str = "/data/xattr-file";
const IMAGE_FILE_TEXT: &str = "has an xattr\n";

#[test]
fn crun_container_is_reached_through_its_pid() {
    let sb = sandbox();
    check_running_container(&sb, "crun", None);
}

#[test]
fn runc_container_is_reached_through_its_pid() {
    let sb = sandbox();
    check_running_container(&sb, "runc", None);
}

#[test]
fn crun_auto_container_is_reached_through_its_pid() {
    let sb = sandbox();
    check_running_container(&sb, "crun", Some("--userns=auto"));
}

#[test]
fn runc_auto_container_is_reached_through_its_pid() {
    let sb = sandbox();
    check_running_container(&sb, "runc", Some("--userns=auto"));
}

/// crun and runc give PID 1 no parent-death signal: when the monitor is killed, the next
/// command that looks (here `ps -a`) kills PID 1 too, as a built-in runtime's container dies
/// with its monitor.
#[test]
fn a_killed_monitor_takes_the_crun_container_with_it() {
    let sb = sandbox();
    let name = "extexec-orphan";
    let flags = ["--runtime", "crun", "run", "-d", "--name", name];
    sb.engine(&[&flags[..], &[busybox(), "sleep", "1000"]].concat())
        .ok();
    let pid = sb
        .engine(&["inspect", "-f", "{{.State.Pid}}", name])
        .ok()
        .line()
        .to_string();
    let id = sb
        .engine(&["inspect", "-f", "{{.Id}}", name])
        .ok()
        .line()
        .to_string();
    let monitor = monitor_pid(&sb, &id);
    kill(Pid::from_raw(monitor), Signal::SIGKILL).expect("kill -9 the monitor");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !is_dead(&monitor.to_string()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let ps = sb.engine(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    assert!(ps.ok().stdout.contains("Exited"), "{ps}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !is_dead(&pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(is_dead(&pid), "PID 1 ({pid}) outlived its monitor");
    sb.engine(&["rm", name]).ok();
}

fn check_running_container(sb: &Sandbox, runtime: &str, userns: Option<&str>) {
    let name = format!("extexec-{runtime}");
    let mut args = vec!["--runtime", runtime, "run", "-d", "--name", &name];
    args.extend(userns);
    args.extend([busybox(), "sleep", "1000"]);
    sb.engine(&args).ok();

    let pid = sb
        .engine(&["inspect", "-f", "{{.State.Pid}}", &name])
        .ok()
        .line()
        .to_string();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
        .unwrap_or_else(|e| panic!("{runtime}: State.Pid {pid} is not a live process: {e}"));
    assert_eq!(cmdline, b"sleep\x001000\x00", "{runtime}: State.Pid {pid}");
    let root = std::fs::metadata(format!("/proc/{pid}/root/"))
        .unwrap_or_else(|e| panic!("{runtime}: the root of {pid}: {e}"));
    let host = std::fs::metadata("/").expect("stat /");
    assert_ne!(
        (root.dev(), root.ino()),
        (host.dev(), host.ino()),
        "{runtime}: State.Pid {pid} runs in the host's root"
    );

    let file = sb.engine(&["exec", &name, "cat", IMAGE_FILE]);
    assert_eq!(file.ok().stdout, IMAGE_FILE_TEXT, "{runtime}: {file}");
    let ns = sb.engine(&["exec", &name, "sh", "-c", "echo $$; ls /proc"]);
    let words: Vec<&str> = ns.ok().stdout.split_whitespace().collect();
    let pids: Vec<u32> = words.iter().filter_map(|w| w.parse().ok()).collect();
    // sleep is PID 1, the shell the next one; the host's PIDs are not there.
    assert!(pids.contains(&1), "{runtime}: no PID 1 in /proc: {ns}");
    assert!(pids[0] < 10, "{runtime}: $$ is not a container PID: {ns}");
    assert!(pids.len() <= 4, "{runtime}: the host's /proc: {ns}");

    let top = sb.engine(&["top", &name]);
    assert!(top.ok().stdout.contains("sleep 1000"), "{runtime}: {top}");

    let copied = sb.home().join(format!("copied-{runtime}"));
    let copied_arg = copied.to_str().expect("a UTF-8 path");
    sb.engine(&["cp", &format!("{name}:{IMAGE_FILE}"), copied_arg])
        .ok();
    let text = std::fs::read_to_string(&copied).expect("read the copied file");
    assert_eq!(
        text, IMAGE_FILE_TEXT,
        "{runtime}: cp from the running container"
    );

    // sleep as PID 1 ignores SIGTERM: the stop ends in SIGKILL after the timeout.
    let started = Instant::now();
    sb.engine(&["stop", "-t", "2", &name]).ok();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{runtime}: stop took {:?}",
        started.elapsed()
    );
    assert!(is_dead(&pid), "{runtime}: PID 1 ({pid}) survived the stop");
    let running = sb.engine(&["inspect", "-f", "{{.State.Running}}", &name]);
    assert_eq!(running.ok().line(), "false", "{runtime}");
    sb.engine(&["rm", &name]).ok();

    // The stop signal reaches the container's command, whose own exit code is recorded.
    let mut args = vec!["--runtime", runtime, "run", "-d", "--name", &name];
    args.extend(userns);
    let script = "trap 'exit 7' TERM; while :; do sleep 0.1; done";
    args.extend([busybox(), "sh", "-c", script]);
    sb.engine(&args).ok();
    let started = Instant::now();
    sb.engine(&["stop", "-t", "30", &name]).ok();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{runtime}: SIGTERM did not reach the container's command"
    );
    let code = sb.engine(&["inspect", "-f", "{{.State.ExitCode}}", &name]);
    assert_eq!(code.ok().line(), "7", "{runtime}");
    sb.engine(&["rm", &name]).ok();
}

/// Gone, or a zombie nobody reaped yet (its parent, the runtime, was killed).
fn is_dead(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}
