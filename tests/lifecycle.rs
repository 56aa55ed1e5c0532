//! The container lifecycle for real, as the unprivileged test user, on the busybox fixture
//! image: `run -d` and the monitor every container runs under, `create`/`start`, `stop`,
//! `kill`, `wait`, `restart`, `attach`, `rm`, `pause`, the restart policies, `--rm`, the log
//! the monitor writes (read from `ctr.log` directly: `engine logs` is tested in
//! lifecycle_more.rs), exit codes, terminals and signals, and what is left on the host after.

mod common;
mod lifecycle_support;
mod pull_support;
mod run_support;

use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use common::{Sandbox, env};
use lifecycle_support::procs::{assert_nothing_left, has_socket, user_processes_running};
use lifecycle_support::{
    READY, assert_status, container_dir, count_logged, create, engine_in_parallel, is_full_id,
    log_lines, log_texts, marker, monitor_pid, ps_all, ps_status, record, run_d, wait_for_log,
    wait_until,
};
use pull_support::assert_engine_error;
use run_support::spawned::Spawned;
use run_support::{assert_stderr_mentions, busybox, sandbox};

/// Slack for a command that should take no time, on a shared machine running tests in
/// parallel.
const QUICK: Duration = Duration::from_secs(4);

/// A shell script for PID 1 that says "ready" and then waits for signals; each trapped signal
/// runs its action. `sleep MARKER` marks the container's processes on the host.
fn waiting_script(traps: &str, marker: &str) -> String {
    format!("{traps}; echo ready; while :; do sleep {marker} & wait $!; done")
}

/// Runs `engine args`, asserting success, and returns how long it took.
#[track_caller]
fn timed_ok(sb: &Sandbox, args: &[&str]) -> Duration {
    let started = Instant::now();
    sb.engine(args).ok();
    started.elapsed()
}

/// `engine wait ID`'s one line: the exit code.
#[track_caller]
fn wait_code(sb: &Sandbox, id: &str) -> String {
    let out = sb.engine(&["wait", id]);
    out.ok();
    out.line().to_string()
}

// ---- run -d and the monitor ----

#[test]
fn run_d_prints_the_full_id_and_the_container_is_up() {
    let sb = sandbox();
    let mark = marker();
    let id = run_d(&sb, &["--name", "web"], &["sleep", &mark]);
    assert_status(&sb, &id, "Up");
    assert_eq!(ps_all(&sb)[&id].0, "web");
    assert_eq!(
        user_processes_running(&["sleep", &mark]).len(),
        1,
        "the container's command runs on the host"
    );
    let out = sb.engine(&["rm", "-f", "web"]);
    assert_eq!(
        out.ok().stdout,
        "web\n",
        "rm prints what it was given\n{out}"
    );
    assert!(ps_all(&sb).is_empty(), "rm -f removes the container");
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

#[test]
fn a_detached_container_outlives_the_terminal_that_started_it() {
    let sb = sandbox();
    let mark = marker();
    // The shell is the session leader of a terminal (script's pty): when it exits, the terminal
    // hangs up and its foreground process group gets SIGHUP.
    let inner = format!(
        "{} run -d {} sleep {mark}; exit",
        env().bin.display(),
        busybox()
    );
    let out = sb
        .user_cmd("/usr/bin/script", &["-qec", &inner, "/dev/null"])
        .run();
    out.ok();
    let id = out.stdout.trim().to_string();
    assert!(is_full_id(&id), "run -d prints the ID\n{out}");
    thread::sleep(Duration::from_secs(1));
    assert_status(&sb, &id, "Up");
    assert_eq!(user_processes_running(&["sleep", &mark]).len(), 1);
    sb.engine(&["rm", "-f", &id]).ok();
}

#[test]
fn a_monitor_killed_with_sigkill_takes_the_container_with_it() {
    let sb = sandbox();
    let mark = marker();
    let id = run_d(&sb, &[], &["sleep", &mark]);
    let monitor = monitor_pid(&sb, &id);
    kill(Pid::from_raw(monitor), Signal::SIGKILL).expect("kill -9 the monitor");
    wait_until("rid of the container's processes", QUICK, || {
        user_processes_running(&["sleep", &mark]).is_empty()
    });
    assert_status(&sb, &id, "Exited (137)");
    sb.engine(&["rm", &id]).ok();
    assert!(
        !container_dir(&sb, &id).exists(),
        "rm removes its directory"
    );
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
    // A --rm container whose monitor died is removed by the next command that looks.
    let id = run_d(&sb, &["--rm"], &["sleep", &mark]);
    let monitor = monitor_pid(&sb, &id);
    kill(Pid::from_raw(monitor), Signal::SIGKILL).expect("kill -9 the monitor");
    // SIGKILL is delivered asynchronously: wait until the kernel has it dead (or a zombie).
    wait_until("the monitor to be gone", QUICK, || {
        std::fs::read_to_string(format!("/proc/{monitor}/stat"))
            .map(|stat| {
                stat.rsplit_once(") ")
                    .is_some_and(|(_, rest)| rest.starts_with('Z'))
            })
            .unwrap_or(true)
    });
    assert!(
        ps_all(&sb).is_empty(),
        "ps -a no longer lists the --rm container"
    );
    assert!(!container_dir(&sb, &id).exists());
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

#[test]
fn twenty_containers_started_in_parallel_are_listed_and_removed_by_rm_all() {
    let sb = sandbox();
    let mark = marker();
    let outs = engine_in_parallel(&sb, 20, |i| {
        [
            "run",
            "-d",
            "--name",
            &format!("par{i}"),
            busybox(),
            "sleep",
            &mark,
        ]
        .map(String::from)
        .to_vec()
    });
    for out in &outs {
        out.ok();
        assert!(is_full_id(out.line()), "run -d prints the ID\n{out}");
    }
    let listed = ps_all(&sb);
    assert_eq!(listed.len(), 20, "ps -a lists all 20: {listed:#?}");
    for (id, (name, status)) in &listed {
        assert!(status.starts_with("Up"), "{name} ({id}) is {status:?}");
    }
    assert_eq!(user_processes_running(&["sleep", &mark]).len(), 20);
    let out = sb.engine(&["rm", "-f", "--all"]);
    assert_eq!(
        out.ok().stdout.lines().count(),
        20,
        "one line per container\n{out}"
    );
    assert!(ps_all(&sb).is_empty(), "rm -f --all removes them all");
    // rm returns once each monitor recorded the exit and is gone.
    assert_nothing_left(&sb, &["sleep", &mark], Duration::from_millis(500));
}

// ---- stop, kill, wait ----

#[test]
fn stop_sends_the_stop_signal_and_records_the_exit_code() {
    let sb = sandbox();
    let mark = marker();
    let id = run_d(
        &sb,
        &[],
        &[
            "sh",
            "-c",
            &waiting_script("trap 'echo term; exit 3' TERM", &mark),
        ],
    );
    wait_for_log(&sb, &id, "ready");
    let took = timed_ok(&sb, &["stop", &id]);
    assert!(
        took < QUICK,
        "a container that exits on SIGTERM stops at once, not after {took:?}"
    );
    assert_eq!(wait_code(&sb, &id), "3");
    assert_status(&sb, &id, "Exited (3)");
    assert_eq!(count_logged(&sb, &id, "term"), 1, "PID 1 ran its TERM trap");
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

#[test]
fn stop_kills_a_container_that_ignores_sigterm_after_the_timeout() {
    let sb = sandbox();
    let mark = marker();
    // SIG_IGN survives exec: PID 1 is a sleep that ignores SIGTERM.
    let script = format!("trap '' TERM; echo ready; exec sleep {mark}");
    let id = run_d(&sb, &[], &["sh", "-c", &script]);
    wait_for_log(&sb, &id, "ready");
    let took = timed_ok(&sb, &["stop", "-t", "1", &id]);
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(1) + QUICK,
        "stop -t 1 waits a second for SIGTERM, then kills: took {took:?}"
    );
    assert_eq!(wait_code(&sb, &id), "137");
    assert_status(&sb, &id, "Exited (137)");
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
    // --stop-timeout is the default of stop's -t.
    let id = run_d(&sb, &["--stop-timeout", "1"], &["sh", "-c", &script]);
    wait_for_log(&sb, &id, "ready");
    let took = timed_ok(&sb, &["stop", &id]);
    assert!(
        took < Duration::from_secs(1) + QUICK,
        "--stop-timeout 1 stops within a second plus slack, took {took:?}"
    );
    assert_eq!(wait_code(&sb, &id), "137");
}

#[test]
fn stop_of_a_container_under_init_ends_its_command_with_sigterm() {
    let sb = sandbox();
    if !run_support::init_binary_installed() {
        eprintln!("skipped: no catatonit for --init (tests/run.sh installs it)");
        return;
    }
    let mark = marker();
    // The command is not PID 1: SIGTERM's default action ends it, 128 + 15.
    let id = run_d(&sb, &["--init"], &["sleep", &mark]);
    let took = timed_ok(&sb, &["stop", &id]);
    assert!(took < QUICK, "took {took:?}");
    assert_eq!(wait_code(&sb, &id), "143");
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

#[test]
fn stop_signal_replaces_sigterm() {
    let sb = sandbox();
    let mark = marker();
    let script = waiting_script("trap 'exit 7' USR1; trap '' TERM", &mark);
    let id = run_d(&sb, &["--stop-signal", "USR1"], &["sh", "-c", &script]);
    wait_for_log(&sb, &id, "ready");
    let took = timed_ok(&sb, &["stop", &id]);
    assert!(
        took < QUICK,
        "stop sent SIGUSR1 (which PID 1 exits on), took {took:?}"
    );
    assert_eq!(wait_code(&sb, &id), "7");
    let out = sb.engine(&["run", "-d", "--stop-signal", "NOSUCHSIG", busybox(), "true"]);
    assert_engine_error(&out, &["NOSUCHSIG"]);
}

#[test]
fn kill_sends_the_signal_given_and_sigkill_by_default() {
    let sb = sandbox();
    let mark = marker();
    let script = waiting_script("trap 'echo got-usr1' USR1", &mark);
    let id = run_d(&sb, &["--name", "k"], &["sh", "-c", &script]);
    wait_for_log(&sb, &id, "ready");
    let out = sb.engine(&["kill", "-s", "USR1", "k"]);
    assert_eq!(out.ok().stdout, "k\n");
    wait_for_log(&sb, &id, "got-usr1");
    assert_status(&sb, &id, "Up");
    sb.engine(&["kill", "-s", "SIGUSR1", "k"]).ok();
    sb.engine(&["kill", "--signal", "10", "k"]).ok();
    wait_until("three USR1 traps logged", READY, || {
        count_logged(&sb, &id, "got-usr1") == 3
    });
    let took = timed_ok(&sb, &["kill", "k"]);
    assert!(
        took < QUICK,
        "kill -s KILL returns once the exit is recorded, took {took:?}"
    );
    assert_status(&sb, &id, "Exited (137)");
    assert_eq!(wait_code(&sb, &id), "137");
    let out = sb.engine(&["kill", "k"]);
    assert_engine_error(&out, &["k", "not running"]);
    let out = sb.engine(&["kill", "-s", "NOSUCHSIG", "k"]);
    assert_engine_error(&out, &["NOSUCHSIG"]);
}

#[test]
fn kill_all_and_stop_all_reach_every_running_container() {
    let sb = sandbox();
    let mark = marker();
    let a = run_d(&sb, &[], &["sleep", &mark]);
    let b = run_d(&sb, &[], &["sleep", &mark]);
    let created = create(&sb, &[], &["true"]);
    let out = sb.engine(&["kill", "--all"]);
    assert_eq!(
        out.ok().stdout.lines().count(),
        2,
        "only running ones\n{out}"
    );
    assert_status(&sb, &a, "Exited (137)");
    assert_status(&sb, &b, "Exited (137)");
    assert_status(&sb, &created, "Created");
    sb.engine(&["start", &a, &b]).ok();
    assert_status(&sb, &a, "Up");
    let out = sb.engine(&["stop", "--all", "-t", "0"]);
    assert_eq!(out.ok().stdout.lines().count(), 2, "{out}");
    assert_status(&sb, &a, "Exited (137)");
    assert_status(&sb, &b, "Exited (137)");
    assert_status(&sb, &created, "Created");
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
    let out = sb.engine(&["stop", "--all", "a-name"]);
    assert_engine_error(&out, &["--all"]);
}

#[test]
fn wait_prints_exit_codes_of_running_and_exited_containers() {
    let sb = sandbox();
    let slow = run_d(&sb, &[], &["sh", "-c", "sleep 1; exit 5"]);
    let done = run_d(&sb, &[], &["sh", "-c", "exit 6"]);
    let out = sb.engine(&["wait", &slow, &done]);
    assert_eq!(
        out.ok().stdout,
        "5\n6\n",
        "one code a line, in order\n{out}"
    );
    let out = sb.engine(&["wait", &done, "ghost"]);
    assert_engine_error(&out, &["no such container", "ghost"]);
}

#[test]
fn wait_hears_the_exit_code_of_a_container_removed_meanwhile() {
    let sb = sandbox();
    // docker and podman print the code of a container that exited while they waited, even
    // when it was removed right after: by --rm...
    let removed = run_d(&sb, &["--rm"], &["sh", "-c", "sleep 1; exit 4"]);
    let out = sb.engine(&["wait", &removed]);
    assert_eq!(out.ok().stdout, "4\n", "wait of a --rm container\n{out}");
    // ...or by rm -f.
    let mark = marker();
    let id = run_d(&sb, &[], &["sleep", &mark]);
    let mut waiting = Spawned::start(sb.engine_cmd(&["wait", &id]), "engine wait");
    thread::sleep(Duration::from_millis(500));
    sb.engine(&["rm", "-f", &id]).ok();
    let out = waiting.finish(READY);
    assert_eq!(
        out.ok().stdout,
        "137\n",
        "wait of a container rm -f removed\n{out}"
    );
}

// ---- restart policies and restart ----

#[test]
fn restart_on_failure_2_runs_the_command_three_times() {
    let sb = sandbox();
    let id = run_d(
        &sb,
        &["--restart", "on-failure:2"],
        &["sh", "-c", "echo run; exit 1"],
    );
    assert_eq!(wait_code(&sb, &id), "1");
    assert_eq!(count_logged(&sb, &id, "run"), 3, "one run and two restarts");
    assert_status(&sb, &id, "Exited (1)");
    // on-failure leaves a success alone.
    let id = run_d(&sb, &["--restart", "on-failure"], &["sh", "-c", "echo run"]);
    assert_eq!(wait_code(&sb, &id), "0");
    thread::sleep(Duration::from_millis(500));
    assert_eq!(count_logged(&sb, &id, "run"), 1);
    for bad in ["sometimes", "on-failure:x", "always:3"] {
        let out = sb.engine(&["run", "-d", "--restart", bad, busybox(), "true"]);
        assert_engine_error(&out, &["--restart", bad]);
    }
    let out = sb.engine(&["run", "--rm", "--restart", "always", busybox(), "true"]);
    assert_engine_error(&out, &["--rm", "--restart"]);
}

#[test]
fn restart_always_and_unless_stopped_restart_until_stopped() {
    let sb = sandbox();
    for policy in ["always", "unless-stopped"] {
        // Exits with 0, quickly: restarted anyway.
        let id = run_d(
            &sb,
            &["--restart", policy],
            &["sh", "-c", "echo run; sleep 0.2"],
        );
        wait_until(&format!("restarted twice under {policy}"), READY, || {
            count_logged(&sb, &id, "run") >= 3
        });
        sb.engine(&["stop", "-t", "1", &id]).ok();
        assert_status(&sb, &id, "Exited");
        let runs = count_logged(&sb, &id, "run");
        thread::sleep(Duration::from_millis(1500));
        assert_eq!(
            count_logged(&sb, &id, "run"),
            runs,
            "{policy}: a stopped container is not restarted"
        );
        assert_status(&sb, &id, "Exited");
    }
}

#[test]
fn stop_during_the_restart_delay_stops_the_container_for_good() {
    let sb = sandbox();
    // Fails five times at once (the monitor waits 0.1, 0.2, 0.4, 0.8 and 1.6 s before
    // restarting), then runs on: stopped during the last delay, it must not come back. The
    // record says when the monitor is in that delay: restarted 5 times, no process.
    let script = "n=$(cat /data/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/n; \
                  echo run; [ $n -ge 6 ] && exec sleep 1000; exit 1";
    let id = run_d(
        &sb,
        &["--restart", "always", "-v", "/data"],
        &["sh", "-c", script],
    );
    wait_until("in the restart delay after the fifth run", READY, || {
        record(&sb, &id).is_some_and(|r| r["restart_count"] == 5 && r["waiter"].is_null())
    });
    let took = timed_ok(&sb, &["stop", "-t", "2", &id]);
    assert!(
        took < QUICK,
        "nothing runs, nothing to wait for: took {took:?}"
    );
    thread::sleep(Duration::from_secs(1));
    assert_status(&sb, &id, "Exited (1)");
    assert_eq!(count_logged(&sb, &id, "run"), 5, "no run after the stop");
}

#[test]
fn restart_runs_a_running_or_exited_container_again() {
    let sb = sandbox();
    let mark = marker();
    let running = run_d(&sb, &[], &["sh", "-c", &waiting_script("true", &mark)]);
    wait_for_log(&sb, &running, "ready");
    let out = sb.engine(&["restart", "-t", "0", &running]);
    assert_eq!(out.ok().stdout, format!("{running}\n"));
    wait_until("ready twice", READY, || {
        count_logged(&sb, &running, "ready") == 2
    });
    assert_status(&sb, &running, "Up");
    let exited = run_d(&sb, &[], &["sh", "-c", "echo once; exit 2"]);
    assert_eq!(wait_code(&sb, &exited), "2");
    sb.engine(&["restart", &exited]).ok();
    assert_eq!(wait_code(&sb, &exited), "2");
    assert_eq!(count_logged(&sb, &exited, "once"), 2);
    sb.engine(&["rm", "-f", &running]).ok();
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

#[test]
fn restart_keeps_a_rm_container_and_runs_it_again() {
    let sb = sandbox();
    let mark = marker();
    // podman restarts it; the stop that is part of a restart does not remove it.
    let id = run_d(
        &sb,
        &["--rm", "--name", "kept"],
        &["sh", "-c", &waiting_script("true", &mark)],
    );
    wait_for_log(&sb, &id, "ready");
    let out = sb.engine(&["restart", "-t", "0", "kept"]);
    assert_eq!(out.ok().stdout, "kept\n", "{out}");
    assert_status(&sb, &id, "Up");
    wait_until("ready twice", READY, || {
        count_logged(&sb, &id, "ready") == 2
    });
    sb.engine(&["stop", "-t", "0", "kept"]).ok();
    assert!(ps_all(&sb).is_empty(), "a later stop removes it");
}

// ---- --rm ----

#[test]
fn rm_flag_removes_the_container_after_it_exits_or_is_stopped() {
    let sb = sandbox();
    let id = run_d(&sb, &["--rm"], &["sh", "-c", "exit 2"]);
    // The record goes first, then the directory (a half-removed directory is never listed).
    wait_until("removed after its exit", READY, || {
        record(&sb, &id).is_none() && !container_dir(&sb, &id).exists()
    });
    let mark = marker();
    let id = run_d(&sb, &["--rm", "--name", "gone"], &["sleep", &mark]);
    sb.engine(&["stop", "-t", "0", "gone"]).ok();
    assert!(
        ps_all(&sb).is_empty(),
        "stop returns after the monitor removed a --rm container"
    );
    assert!(!container_dir(&sb, &id).exists());
    // ...so the name is free at once.
    run_d(&sb, &["--rm", "--name", "gone"], &["sleep", &mark]);
    sb.engine(&["rm", "-f", "gone"]).ok();
    assert!(ps_all(&sb).is_empty());
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

#[test]
fn run_rm_with_a_name_twice_in_a_row_never_races_the_name() {
    let sb = sandbox();
    for round in 0..4 {
        let out = sb.engine(&["run", "--rm", "--name", "again", busybox(), "echo", "hi"]);
        assert_eq!(out.ok().stdout, "hi\n", "round {round}\n{out}");
    }
    assert!(ps_all(&sb).is_empty());
}

// ---- create, start, attach ----

#[test]
fn create_then_start_attached_returns_the_output_and_exit_code() {
    let sb = sandbox();
    let id = create(
        &sb,
        &["--name", "later"],
        &["sh", "-c", "echo hi; echo oops >&2; exit 3"],
    );
    assert_status(&sb, &id, "Created");
    assert!(log_lines(&sb, &id).is_empty(), "nothing ran yet");
    let out = sb.engine(&["start", "-a", "later"]);
    out.fails_with(3);
    assert_eq!(out.stdout, "hi\n", "{out}");
    assert_eq!(out.stderr, "oops\n", "{out}");
    assert_status(&sb, &id, "Exited (3)");
    // Detached, start prints what it was given.
    let out = sb.engine(&["start", "later"]);
    assert_eq!(out.ok().stdout, "later\n");
    assert_eq!(wait_code(&sb, &id), "3");
    assert_eq!(count_logged(&sb, &id, "hi"), 2);
}

#[test]
fn start_attached_to_a_running_container_attaches() {
    let sb = sandbox();
    // podman attaches to a container that already runs, rather than just naming it.
    let script = "echo early; sleep 2; echo late; exit 3";
    let id = run_d(&sb, &["--name", "going"], &["sh", "-c", script]);
    wait_for_log(&sb, &id, "early");
    let out = sb.engine(&["start", "-a", "going"]);
    assert_eq!(
        out.stdout, "late\n",
        "start -a follows the running container\n{out}"
    );
    out.fails_with(3);
}

#[test]
fn start_attached_with_i_feeds_stdin() {
    let sb = sandbox();
    create(
        &sb,
        &["-i", "--name", "reader"],
        &["sh", "-c", "read line; echo got $line"],
    );
    let out = sb.engine_with_stdin(&["start", "-a", "-i", "reader"], "hello\n");
    assert_eq!(out.ok().stdout, "got hello\n", "{out}");
}

#[test]
fn attach_to_an_interactive_container_feeds_its_stdin() {
    let sb = sandbox();
    let id = run_d(
        &sb,
        &["-i"],
        &["sh", "-c", "read line; echo got $line; exit 4"],
    );
    let out = sb.engine_with_stdin(&["attach", &id], "hello\n");
    out.fails_with(4);
    assert_eq!(out.stdout, "got hello\n", "{out}");
    assert_eq!(count_logged(&sb, &id, "got hello"), 1);
    // --no-stdin: the container reads nothing.
    let script = "if read -t 3 line; then echo got $line; else echo nothing; fi";
    let id = run_d(&sb, &["-i"], &["sh", "-c", script]);
    let out = sb.engine_with_stdin(&["attach", "--no-stdin", &id], "hello\n");
    assert_eq!(out.ok().stdout, "nothing\n", "{out}");
    // Attaching to a container that does not run fails.
    let out = sb.engine(&["attach", &id]);
    assert_engine_error(&out, &["not running"]);
}

#[test]
fn every_attached_client_sees_the_output() {
    let sb = sandbox();
    let id = run_d(
        &sb,
        &["-i"],
        &["sh", "-c", "read line; echo got $line; exit 5"],
    );
    let mut watcher = Spawned::start(
        sb.engine_cmd(&["attach", "--no-stdin", &id]),
        "engine attach --no-stdin",
    );
    let watcher_pid = watcher.pid().as_raw();
    wait_until("the first client connected", READY, || {
        has_socket(watcher_pid)
    });
    let out = sb.engine_with_stdin(&["attach", &id], "hello\n");
    out.fails_with(5);
    assert_eq!(out.stdout, "got hello\n", "{out}");
    let watched = watcher.finish(READY);
    watched.fails_with(5);
    assert_eq!(watched.stdout, "got hello\n", "the other client\n{watched}");
}

#[test]
fn detach_keys_leave_the_container_running() {
    let sb = sandbox();
    let mark = marker();
    // ctrl-x (0x18) detaches `run` at once; the container goes on.
    let out = sb.engine_with_stdin(
        &[
            "run",
            "-i",
            "--detach-keys",
            "ctrl-x",
            "--name",
            "bg",
            busybox(),
            "sleep",
            &mark,
        ],
        [0x18],
    );
    out.ok();
    let id = ps_all(&sb)
        .into_iter()
        .find(|(_, (name, _))| name == "bg")
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("no container bg after detaching\n{out}"));
    assert_status(&sb, &id, "Up");
    // The default ctrl-p,ctrl-q detaches `attach`.
    let out = sb.engine_with_stdin(&["attach", "bg"], [0x10, 0x11]);
    out.ok();
    assert_status(&sb, &id, "Up");
    let out = sb.engine(&["run", "--detach-keys", "ctrl-1", busybox(), "true"]);
    assert_engine_error(&out, &["ctrl-1"]);
    sb.engine(&["rm", "-f", "bg"]).ok();
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

#[test]
fn sig_proxy_forwards_signals_to_an_attached_container() {
    let sb = sandbox();
    let mark = marker();
    let script = waiting_script("trap 'echo got-usr1; exit 3' USR1", &mark);
    let mut engine = Spawned::start(
        sb.engine_cmd(&["run", "--name", "proxied", busybox(), "sh", "-c", &script]),
        "engine run (sig-proxy)",
    );
    engine.wait_for_line("ready", READY);
    engine.signal(Signal::SIGUSR1);
    let out = engine.finish(READY);
    out.fails_with(3);
    assert_eq!(out.stdout, "ready\ngot-usr1\n", "{out}");
    // Without the proxy the signal is the engine's own (SIGUSR1 ends it); the container runs on.
    let mut engine = Spawned::start(
        sb.engine_cmd(&[
            "run",
            "--sig-proxy=false",
            "--name",
            "unproxied",
            busybox(),
            "sh",
            "-c",
            &script,
        ]),
        "engine run --sig-proxy=false",
    );
    engine.wait_for_line("ready", READY);
    engine.signal(Signal::SIGUSR1);
    engine.finish(READY).fails_with(128 + libc::SIGUSR1);
    let id = ps_all(&sb)
        .into_iter()
        .find(|(_, (name, _))| name == "unproxied")
        .map(|(id, _)| id)
        .expect("the container unproxied exists");
    assert_status(&sb, &id, "Up");
    sb.engine(&["rm", "-f", "unproxied"]).ok();
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

// ---- output and logs ----

#[test]
fn stdout_and_stderr_stay_apart_attached_and_in_the_log() {
    let sb = sandbox();
    let script = "echo out1; echo err1 >&2; echo out2; printf no-newline >&2";
    let out = sb.engine(&["run", "--name", "split", busybox(), "sh", "-c", script]);
    out.ok();
    assert_eq!(out.stdout, "out1\nout2\n", "{out}");
    assert_eq!(out.stderr, "err1\nno-newline", "{out}");
    let id = ps_all(&sb)
        .into_keys()
        .next()
        .expect("the container exists");
    assert_eq!(log_texts(&sb, &id, "stdout"), ["out1", "out2"]);
    let stderr: Vec<String> = log_lines(&sb, &id)
        .into_iter()
        .filter(|l| l.stream == "stderr")
        .map(|l| l.text)
        .collect();
    assert_eq!(
        stderr.first().map(String::as_str),
        Some("err1"),
        "{stderr:?}"
    );
}

#[test]
fn a_hundred_thousand_lines_reach_the_log_and_the_terminal_in_order() {
    let sb = sandbox();
    let expected: Vec<String> = (1..=100_000).map(|n| n.to_string()).collect();
    let id = run_d(&sb, &[], &["busybox", "seq", "1", "100000"]);
    assert_eq!(wait_code(&sb, &id), "0");
    let logged = log_texts(&sb, &id, "stdout");
    assert!(
        logged == expected,
        "the log holds {} lines, not 1..=100000 in order",
        logged.len()
    );
    let out = sb.engine(&["run", "--rm", busybox(), "busybox", "seq", "1", "100000"]);
    out.ok();
    let printed: Vec<&str> = out.stdout.lines().collect();
    assert!(
        printed == expected,
        "run printed {} lines, not 1..=100000",
        printed.len()
    );
}

#[test]
fn log_driver_none_keeps_no_log_but_attached_output_flows() {
    let sb = sandbox();
    let out = sb.engine(&[
        "run",
        "--log-driver",
        "none",
        "--name",
        "quiet",
        busybox(),
        "echo",
        "hi",
    ]);
    assert_eq!(out.ok().stdout, "hi\n");
    let id = ps_all(&sb)
        .into_keys()
        .next()
        .expect("the container exists");
    assert!(
        log_lines(&sb, &id).is_empty(),
        "--log-driver none writes no log"
    );
    let out = sb.engine(&["run", "--log-driver", "journald", busybox(), "true"]);
    assert_engine_error(&out, &["journald"]);
    let out = sb.engine(&["run", "--log-opt", "colour=blue", busybox(), "true"]);
    assert_engine_error(&out, &["colour=blue"]);
    let out = sb.engine(&["run", "--log-opt", "max-size=lots", busybox(), "true"]);
    assert_engine_error(&out, &["max-size"]);
}

// ---- terminals ----

#[test]
fn t_gives_the_container_a_terminal_of_the_callers_size() {
    let sb = sandbox();
    // script(1) gives the engine a terminal; its size is set before the engine starts and
    // changed once the container printed it (read from its log): the engine gets SIGWINCH
    // and passes the size on.
    // Single-quoted for the outer shell: no single quote inside. Both loops give up after
    // 10 s, so a size that never comes fails the test rather than hanging it.
    let container = "busybox tty; busybox stty size; i=0; \
                     while [ \"$(busybox stty size)\" = \"33 77\" ] && [ $i -lt 100 ]; do \
                         sleep 0.1; i=$((i+1)); done; \
                     busybox stty size";
    let inner = format!(
        "stty rows 33 cols 77; \
         {bin} run --rm -t {image} sh -c '{container}' & \
         i=0; until grep -qs '33 77' \"$XDG_DATA_HOME\"/engine/containers/*/ctr.log \
             || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done; \
         stty rows 40 cols 100; wait $!",
        bin = env().bin.display(),
        image = busybox(),
    );
    let out = sb
        .user_cmd("/usr/bin/script", &["-eqc", &inner, "/dev/null"])
        .run();
    out.ok();
    let text = out.stdout.replace('\r', "");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.first().is_some_and(|l| l.starts_with("/dev/")),
        "tty names a device\n{out}"
    );
    assert_eq!(
        lines.get(1),
        Some(&"33 77"),
        "the caller's size at the start\n{out}"
    );
    assert_eq!(
        lines.last(),
        Some(&"40 100"),
        "the size follows the caller's\n{out}"
    );
    // The size is there before the command starts, not sent after it: a command that looks
    // at once sees it (the race lost 4 times in 10 when the pty was sized after the exec).
    let first_look = format!(
        "stty rows 33 cols 77; {bin} run --rm -t {image} busybox stty size",
        bin = env().bin.display(),
        image = busybox(),
    );
    for _ in 0..5 {
        let out = sb
            .user_cmd("/usr/bin/script", &["-eqc", &first_look, "/dev/null"])
            .run();
        out.ok();
        assert_eq!(out.stdout.replace('\r', ""), "33 77\n", "{out}");
    }
    // Without -t there is no terminal.
    let out = sb.engine(&["run", "--rm", busybox(), "busybox", "tty"]);
    out.fails_with(1);
    assert_eq!(out.stdout, "not a tty\n", "{out}");
}

// ---- exit codes and errors ----

#[test]
fn run_exit_codes_attached_and_detached() {
    let sb = sandbox();
    let missing = format!("{}/engine-test/no-such-image:latest", env().registry);
    for mode in [&[][..], &["-d"][..]] {
        let run = |args: &[&str]| sb.engine(&[&["run"], mode, args].concat());
        let out = run(&["--no-such-flag", busybox(), "true"]);
        out.fails_with(125);
        assert_stderr_mentions(&out, &["--no-such-flag"]);
        let out = run(&["--pull=never", &missing, "true"]);
        assert_engine_error(&out, &["no-such-image"]);
        let out = run(&[busybox(), "/etc/motd"]);
        out.fails_with(126);
        assert_stderr_mentions(&out, &["/etc/motd", "permission denied"]);
        let out = run(&[busybox(), "no-such-command"]);
        out.fails_with(127);
        assert_stderr_mentions(&out, &["no-such-command", "not found"]);
        assert!(
            out.stdout.is_empty(),
            "no ID for a container that did not start\n{out}"
        );
    }
}

#[test]
fn unknown_containers_fail_with_125_and_say_so() {
    let sb = sandbox();
    for command in [
        &["stop", "ghost"][..],
        &["kill", "ghost"],
        &["rm", "ghost"],
        &["rm", "-f", "ghost"],
        &["start", "ghost"],
        &["restart", "ghost"],
        &["wait", "ghost"],
        &["attach", "ghost"],
        &["pause", "ghost"],
    ] {
        let out = sb.engine(command);
        assert_engine_error(&out, &["no such container", "ghost"]);
    }
    // --ignore: nothing to do is fine.
    assert_eq!(sb.engine(&["stop", "--ignore", "ghost"]).ok().stdout, "");
    assert_eq!(sb.engine(&["rm", "--ignore", "ghost"]).ok().stdout, "");
}

#[test]
fn pause_and_unpause_fail_with_a_clear_error() {
    let sb = sandbox();
    let mark = marker();
    let id = run_d(&sb, &["--name", "p"], &["sleep", &mark]);
    for verb in ["pause", "unpause"] {
        let out = sb.engine(&[verb, "p"]);
        assert_engine_error(&out, &[verb, "p", "freezer"]);
    }
    assert_status(&sb, &id, "Up");
    sb.engine(&["rm", "-f", "p"]).ok();
}

// ---- rm ----

#[test]
fn rm_refuses_a_running_container_without_force() {
    let sb = sandbox();
    let mark = marker();
    let running = run_d(&sb, &["--name", "busy"], &["sleep", &mark]);
    let exited = run_d(&sb, &["--name", "done"], &["true"]);
    assert_eq!(wait_code(&sb, &exited), "0");
    let out = sb.engine(&["rm", "done", "busy"]);
    assert_engine_error(&out, &["busy", "running", "-f"]);
    assert_status(&sb, &running, "Up");
    assert_status(&sb, &exited, "Exited (0)");
    assert_eq!(user_processes_running(&["sleep", &mark]).len(), 1);
    let out = sb.engine(&["rm", "-t", "1", "done"]);
    assert_engine_error(&out, &["--time", "--force"]);
    // --time with --force: the stop signal first (sleep as PID 1 ignores it), then SIGKILL.
    let started = Instant::now();
    sb.engine(&["rm", "-f", "-t", "1", "busy"]).ok();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "rm -f -t 1 waits for SIGTERM"
    );
    sb.engine(&["rm", "done"]).ok();
    assert!(ps_all(&sb).is_empty());
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

#[test]
fn rm_v_removes_anonymous_volumes_and_keeps_named_ones() {
    let sb = sandbox();
    let volumes = |sb: &Sandbox| -> Vec<String> {
        let out = sb.engine(&["volume", "ls", "-q"]);
        out.ok().stdout.lines().map(String::from).collect()
    };
    let keep = create(&sb, &["-v", "/anon"], &["true"]);
    let drop = create(&sb, &["-v", "/anon", "-v", "named:/named"], &["true"]);
    assert_eq!(volumes(&sb).len(), 3, "two anonymous volumes and one named");
    sb.engine(&["rm", &keep]).ok();
    assert_eq!(volumes(&sb).len(), 3, "rm without -v keeps the volume");
    sb.engine(&["rm", "-v", &drop]).ok();
    let left = volumes(&sb);
    assert_eq!(
        left.len(),
        2,
        "rm -v removed its anonymous volume only: {left:?}"
    );
    assert!(left.contains(&"named".to_string()), "{left:?}");
}

// ---- names, cidfiles, --replace ----

#[test]
fn two_creates_racing_for_a_name_one_wins() {
    let sb = sandbox();
    for round in 0..3 {
        let name = format!("race{round}");
        let outs = engine_in_parallel(&sb, 2, |_| {
            ["create", "--name", &name, busybox(), "true"]
                .map(String::from)
                .to_vec()
        });
        let winners = outs.iter().filter(|o| o.code == 0).count();
        assert_eq!(
            winners, 1,
            "exactly one create wins:\n{}\n{}",
            outs[0], outs[1]
        );
        let loser = outs.iter().find(|o| o.code != 0).expect("one lost");
        assert_engine_error(loser, &[&name, "in use"]);
        let named = ps_all(&sb).values().filter(|(n, _)| *n == name).count();
        assert_eq!(named, 1);
    }
    assert_eq!(ps_all(&sb).len(), 3, "the losers left nothing behind");
}

#[test]
fn cidfile_is_written_and_read_by_stop_and_rm() {
    let sb = sandbox();
    let mark = marker();
    let cidfile = sb.home().join("ctr.cid");
    let cid = cidfile.to_str().expect("a UTF-8 path");
    let id = run_d(&sb, &["--cidfile", cid], &["sleep", &mark]);
    let written = std::fs::read_to_string(&cidfile).expect("run wrote the cidfile");
    assert_eq!(written.trim(), id);
    // The file must not exist yet: a second run fails and leaves no container behind.
    let out = sb.engine(&["run", "-d", "--cidfile", cid, busybox(), "true"]);
    assert_engine_error(&out, &["--cidfile", "ctr.cid"]);
    assert_eq!(ps_all(&sb).len(), 1, "the refused run left no container");
    let out = sb.engine(&["stop", "-t", "0", "--cidfile", cid]);
    assert_eq!(out.ok().stdout, format!("{id}\n"));
    assert_status(&sb, &id, "Exited (137)");
    sb.engine(&["rm", "--cidfile", cid]).ok();
    assert!(ps_all(&sb).is_empty());
    let missing = sb.home().join("missing.cid");
    let missing = missing.to_str().expect("a UTF-8 path");
    let out = sb.engine(&["rm", "--cidfile", missing]);
    assert_engine_error(&out, &["missing.cid"]);
    sb.engine(&["rm", "--ignore", "--cidfile", missing]).ok();
    sb.engine(&["stop", "--ignore", "--cidfile", missing]).ok();
}

#[test]
fn replace_removes_the_container_holding_the_name() {
    let sb = sandbox();
    let mark = marker();
    let first = run_d(&sb, &["--name", "svc"], &["sleep", &mark]);
    let out = sb.engine(&["run", "-d", "--name", "svc", busybox(), "true"]);
    assert_engine_error(&out, &["svc", "in use"]);
    let second = run_d(&sb, &["--replace", "--name", "svc"], &["sleep", &mark]);
    assert_ne!(first, second);
    let all = ps_all(&sb);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[&second].0, "svc");
    assert_status(&sb, &second, "Up");
    assert_eq!(
        user_processes_running(&["sleep", &mark]).len(),
        1,
        "the replaced container's process is gone"
    );
    // --replace of a name nobody holds just creates.
    create(&sb, &["--replace", "--name", "fresh"], &["true"]);
    let out = sb.engine(&["run", "-d", "--replace", busybox(), "true"]);
    assert_engine_error(&out, &["--replace", "--name"]);
    sb.engine(&["rm", "-f", "--all"]).ok();
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

#[test]
fn ps_status_of_a_created_container_and_the_full_id() {
    let sb = sandbox();
    let id = create(&sb, &[], &["true"]);
    assert_eq!(ps_status(&sb, &id), "Created");
    let out = sb.engine(&["ps", "-q"]);
    assert_eq!(
        out.ok().stdout,
        "",
        "ps without -a lists running containers only"
    );
    let out = sb.engine(&["ps", "-a", "-q"]);
    assert_eq!(out.ok().stdout, format!("{}\n", &id[..12]));
}
