//! The lifecycle commands that read or enter containers, as the unprivileged test user on the
//! busybox fixture: `engine logs` (the k8s-file log the monitor writes, rotation included),
//! `engine exec` (the container's namespaces, capabilities and user rules), `engine inspect`
//! of containers, `ps` filters and formats, and `engine top`.

mod common;
mod lifecycle_support;
mod pull_support;
mod run_support;

use std::thread;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde_json::Value;

use common::{Out, Sandbox, env};
use lifecycle_support::procs::user_processes_running;
use lifecycle_support::{
    READY, container_dir, create, log_lines, marker, run_d, wait_for_log, wait_until,
};
use pull_support::assert_engine_error;
use run_support::procfs::{all_caps, status_field};
use run_support::{assert_stderr_mentions, busybox, sandbox};

/// `engine wait ID`, asserting it printed `code`.
#[track_caller]
fn assert_exits(sb: &Sandbox, id: &str, code: i32) {
    let out = sb.engine(&["wait", id]);
    assert_eq!(out.ok().stdout, format!("{code}\n"), "{out}");
}

// ---- logs ----

#[test]
fn logs_prints_stdout_and_stderr_apart_also_after_the_exit() {
    let sb = sandbox();
    let script = "echo out1; echo err1 >&2; echo out2; printf 'no newline'";
    let id = run_d(&sb, &["--name", "chatty"], &["sh", "-c", script]);
    assert_exits(&sb, &id, 0);
    let out = sb.engine(&["logs", "chatty"]);
    assert_eq!(out.ok().stdout, "out1\nout2\nno newline", "{out}");
    assert_eq!(out.stderr, "err1\n", "{out}");
    let out = sb.engine(&["logs", &id[..12]]);
    out.ok().stdout_has("out2");
    sb.engine(&["rm", "chatty"]).ok();
    let out = sb.engine(&["logs", "chatty"]);
    assert_engine_error(&out, &["no such container", "chatty"]);
}

#[test]
fn logs_joins_a_line_written_in_pieces() {
    let sb = sandbox();
    let id = run_d(
        &sb,
        &[],
        &[
            "sh",
            "-c",
            "printf abc; sleep 0.5; printf 'def\\n'; echo ghi",
        ],
    );
    assert_exits(&sb, &id, 0);
    assert_eq!(sb.engine(&["logs", &id]).ok().stdout, "abcdef\nghi\n");
}

#[test]
fn logs_tail_and_timestamps() {
    let sb = sandbox();
    let id = run_d(
        &sb,
        &[],
        &["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done"],
    );
    assert_exits(&sb, &id, 0);
    let out = sb.engine(&["logs", "--tail", "2", &id]);
    assert_eq!(out.ok().stdout, "line4\nline5\n", "{out}");
    let out = sb.engine(&["logs", "--tail", "0", &id]);
    assert_eq!(out.ok().stdout, "", "{out}");
    let out = sb.engine(&["logs", "--tail", "100", &id]);
    assert_eq!(out.ok().stdout.lines().count(), 5, "{out}");
    let out = sb.engine(&["logs", "-t", &id]);
    let lines: Vec<&str> = out.ok().stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    for (n, line) in lines.iter().enumerate() {
        let (time, text) = line
            .split_once(' ')
            .unwrap_or_else(|| panic!("-t puts a time before each line: {line:?}"));
        DateTime::parse_from_rfc3339(time)
            .unwrap_or_else(|e| panic!("{time:?} is not an RFC 3339 time: {e}"));
        assert_eq!(text, format!("line{}", n + 1));
    }
    // A usage error: one `Error:` line naming the value, then podman's pointer to --help.
    let out = sb.engine(&["logs", "--tail", "many", &id]);
    out.fails_with(125);
    let first = out.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("Error: ") && first.contains("many"),
        "{out}"
    );
}

#[test]
fn logs_since_and_until_cut_by_time() {
    let sb = sandbox();
    let id = run_d(&sb, &[], &["sh", "-c", "echo before; sleep 2; echo after"]);
    assert_exits(&sb, &id, 0);
    let before = logged_time(&sb, &id, "before");
    let middle =
        (before + chrono::Duration::seconds(1)).to_rfc3339_opts(SecondsFormat::Nanos, true);
    let out = sb.engine(&["logs", "--since", &middle, &id]);
    assert_eq!(out.ok().stdout, "after\n", "{out}");
    let out = sb.engine(&["logs", "--until", &middle, &id]);
    assert_eq!(out.ok().stdout, "before\n", "{out}");
    // Durations count back from now.
    let out = sb.engine(&["logs", "--since", "10m", &id]);
    assert_eq!(out.ok().stdout, "before\nafter\n", "{out}");
    let out = sb.engine(&["logs", "--since", "yesterday-ish", &id]);
    assert_engine_error(&out, &["yesterday-ish"]);
}

/// When the monitor logged the stdout line `text` (from ctr.log).
fn logged_time(sb: &Sandbox, id: &str, text: &str) -> DateTime<FixedOffset> {
    let path = container_dir(sb, id).join("ctr.log");
    let log = std::fs::read_to_string(&path).expect("reading ctr.log");
    log.lines()
        .find_map(|entry| {
            let (time, rest) = entry.split_once(' ')?;
            (rest == format!("stdout F {text}")).then(|| DateTime::parse_from_rfc3339(time).ok())?
        })
        .unwrap_or_else(|| panic!("no {text:?} in {}:\n{log}", path.display()))
}

#[test]
fn logs_follow_returns_when_the_container_exits() {
    let sb = sandbox();
    let script = "echo one; sleep 1; echo two; sleep 1; echo three";
    let id = run_d(&sb, &[], &["sh", "-c", script]);
    wait_for_log(&sb, &id, "one");
    let out = sb.engine_cmd(&["logs", "-f", &id]).timeout(READY).run();
    assert_eq!(out.ok().stdout, "one\ntwo\nthree\n", "{out}");
}

#[test]
fn logs_of_a_hundred_thousand_lines_are_complete_and_in_order() {
    let sb = sandbox();
    let id = run_d(&sb, &[], &["busybox", "seq", "1", "100000"]);
    assert_exits(&sb, &id, 0);
    let out = sb.engine(&["logs", &id]);
    out.ok();
    let expected: Vec<String> = (1..=100_000).map(|n| n.to_string()).collect();
    let printed: Vec<&str> = out.stdout.lines().collect();
    assert!(
        printed == expected,
        "logs printed {} lines, not 1..=100000",
        printed.len()
    );
    let out = sb.engine(&["logs", "--tail", "1", &id]);
    assert_eq!(out.ok().stdout, "100000\n");
}

#[test]
fn log_opt_max_size_keeps_the_log_small_and_the_newest_lines() {
    let sb = sandbox();
    // ~100 KiB of output with a 10 KiB cap.
    let script = "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo line-$i-padding-padding; done";
    let id = run_d(&sb, &["--log-opt", "max-size=10k"], &["sh", "-c", script]);
    assert_exits(&sb, &id, 0);
    let size = std::fs::metadata(container_dir(&sb, &id).join("ctr.log"))
        .expect("the log exists")
        .len();
    // One entry may go past the cap before the log is rotated.
    assert!(
        size <= 10 * 1024 + 200,
        "ctr.log is {size} bytes, over max-size=10k"
    );
    let lines = log_lines(&sb, &id);
    assert_eq!(
        lines.last().map(|l| l.text.as_str()),
        Some("line-3000-padding-padding"),
        "the newest line is kept"
    );
    let out = sb.engine(&["logs", &id]);
    let printed: Vec<&str> = out.ok().stdout.lines().collect();
    assert!(
        printed.len() < 3000,
        "logs shows what is left after rotation only"
    );
    let first: usize = printed
        .first()
        .and_then(|l| l.strip_prefix("line-")?.split('-').next()?.parse().ok())
        .unwrap_or_else(|| panic!("logs printed {:?} first", printed.first()));
    let expected: Vec<String> = (first..=3000)
        .map(|i| format!("line-{i}-padding-padding"))
        .collect();
    assert!(
        printed == expected,
        "logs prints a contiguous, ordered tail of the output"
    );
}

#[test]
fn logs_of_a_container_without_a_log_fail_clearly() {
    let sb = sandbox();
    let id = run_d(&sb, &["--log-driver", "none"], &["echo", "hi"]);
    assert_exits(&sb, &id, 0);
    let out = sb.engine(&["logs", &id]);
    assert_engine_error(&out, &["none"]);
}

// ---- exec ----

/// A running container (`sleep MARKER` as PID 1) named `name`; returns its ID.
fn sleeper(sb: &Sandbox, name: &str, flags: &[&str]) -> String {
    run_d(
        sb,
        &[&["--name", name], flags].concat(),
        &["sleep", &marker()],
    )
}

#[test]
fn exec_runs_a_command_and_returns_its_exit_code() {
    let sb = sandbox();
    sleeper(&sb, "target", &[]);
    assert_eq!(
        sb.engine(&["exec", "target", "echo", "hi"]).ok().stdout,
        "hi\n"
    );
    sb.engine(&["exec", "target", "sh", "-c", "exit 3"])
        .fails_with(3);
    let out = sb.engine(&["exec", "target", "no-such-command"]);
    out.fails_with(127);
    assert_stderr_mentions(&out, &["no-such-command"]);
    let out = sb.engine(&["exec", "target", "/etc/motd"]);
    out.fails_with(126);
    assert_stderr_mentions(&out, &["/etc/motd"]);
    let out = sb.engine(&["exec", "ghost", "true"]);
    assert_engine_error(&out, &["no such container", "ghost"]);
    sb.engine(&["stop", "-t", "0", "target"]).ok();
    let out = sb.engine(&["exec", "target", "true"]);
    assert_engine_error(&out, &["running"]);
}

#[test]
fn exec_joins_the_containers_namespaces_with_its_confinement() {
    let sb = sandbox();
    sleeper(&sb, "target", &["--hostname", "inside"]);
    // From inside: PID 1 is the container's sleep, the exec'd shell shares every namespace
    // with it, and has the same capabilities, seccomp mode and no_new_privs.
    let script = "for ns in cgroup ipc mnt net pid user uts; do \
                      [ \"$(readlink /proc/self/ns/$ns)\" = \"$(readlink /proc/1/ns/$ns)\" ] \
                          || echo \"$ns differs\"; \
                  done; \
                  hostname; busybox tr '\\0' ' ' < /proc/1/cmdline; echo; \
                  grep -E '^(CapEff|CapBnd|CapPrm|Seccomp|NoNewPrivs):' /proc/self/status; \
                  echo ---; \
                  grep -E '^(CapEff|CapBnd|CapPrm|Seccomp|NoNewPrivs):' /proc/1/status";
    let out = sb.engine(&["exec", "target", "sh", "-c", script]);
    out.ok();
    let (mine, pid1) = out
        .stdout
        .split_once("---\n")
        .unwrap_or_else(|| panic!("no separator\n{out}"));
    let mut lines = mine.lines();
    assert_eq!(
        lines.next(),
        Some("inside"),
        "the container's hostname, no namespace differs\n{out}"
    );
    assert!(
        lines.next().is_some_and(|l| l.starts_with("sleep ")),
        "PID 1 is the container's command\n{out}"
    );
    let own: Vec<&str> = lines.collect();
    assert_eq!(
        own,
        pid1.lines().collect::<Vec<_>>(),
        "same confinement as PID 1\n{out}"
    );
    assert_eq!(
        status_field(mine, "Seccomp"),
        "2",
        "seccomp filter applied\n{out}"
    );
}

#[test]
fn exec_env_user_workdir_and_privileged() {
    let sb = sandbox();
    sleeper(&sb, "target", &["-e", "FROM_RUN=1"]);
    let out = sb.engine(&["exec", "-e", "EXTRA=yes", "target", "env"]);
    out.ok()
        .stdout_has("EXTRA=yes\n")
        .stdout_has("FROM_RUN=1\n")
        .stdout_has("PATH=");
    let out = sb.engine(&["exec", "-u", "app", "target", "id"]);
    // The image's user and its group; podman adds no supplementary group.
    assert!(
        out.ok().stdout.starts_with("uid=1000(app) gid=1000(app)"),
        "{out}"
    );
    let out = sb.engine(&["exec", "--user", "65534:65534", "target", "id", "-u"]);
    assert_eq!(out.ok().stdout, "65534\n");
    let out = sb.engine(&["exec", "-w", "/tmp", "target", "pwd"]);
    assert_eq!(out.ok().stdout, "/tmp\n");
    let out = sb.engine(&["exec", "--privileged", "target", "cat", "/proc/self/status"]);
    let caps = u64::from_str_radix(status_field(&out.ok().stdout, "CapEff"), 16).expect("hex");
    assert_eq!(
        caps,
        all_caps(),
        "exec --privileged has every capability\n{out}"
    );
    // docker exits 126 for a user the image does not know, podman 4 255; engine's errors 125.
    let out = sb.engine(&["exec", "-u", "nosuchuser", "target", "true"]);
    assert!(
        matches!(out.code, 125 | 126),
        "an unknown user fails the exec\n{out}"
    );
    assert_stderr_mentions(&out, &["nosuchuser"]);
}

#[test]
fn exec_i_feeds_stdin_and_d_returns_at_once() {
    let sb = sandbox();
    sleeper(&sb, "target", &[]);
    let out = sb.engine_with_stdin(&["exec", "-i", "target", "cat"], "piped\n");
    assert_eq!(out.ok().stdout, "piped\n");
    let out = sb.engine(&[
        "exec",
        "-d",
        "target",
        "sh",
        "-c",
        "sleep 1; echo done > /tmp/flag",
    ]);
    out.ok();
    wait_until("the detached exec wrote its file", READY, || {
        sb.engine(&["exec", "target", "cat", "/tmp/flag"]).stdout == "done\n"
    });
}

#[test]
fn exec_it_gives_a_terminal() {
    let sb = sandbox();
    sleeper(&sb, "target", &[]);
    let inner = format!(
        "stty rows 21 cols 61; {} exec -it target sh -c 'busybox tty; busybox stty size'",
        env().bin.display()
    );
    let out = sb
        .user_cmd("/usr/bin/script", &["-eqc", &inner, "/dev/null"])
        .run();
    // script(1) writes a NUL when its own stdin (none here) ends; the container's terminal
    // echoes it as "^@" before the output.
    let text = out.ok().stdout.replace('\r', "").replace("^@", "");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"/dev/pts/0"), "{out}");
    assert_eq!(lines.get(1), Some(&"21 61"), "{out}");
}

// ---- inspect ----

/// `engine inspect ID` as the one object of its array.
#[track_caller]
fn inspect(sb: &Sandbox, id: &str) -> Value {
    let out = sb.engine(&["inspect", id]);
    out.ok();
    let all: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("inspect prints JSON: {e}\n{out}"));
    match all.as_array().map(Vec::as_slice) {
        Some([one]) => one.clone(),
        _ => panic!("inspect of one container prints an array of one\n{out}"),
    }
}

#[test]
fn inspect_shows_the_state_of_a_running_and_a_stopped_container() {
    let sb = sandbox();
    let mark = marker();
    let id = run_d(
        &sb,
        &["--name", "looked-at", "--restart", "on-failure:3"],
        &["sleep", &mark],
    );
    let doc = inspect(&sb, "looked-at");
    assert_eq!(doc["Id"], id.as_str());
    assert_eq!(doc["Name"], "looked-at");
    assert_eq!(doc["State"]["Status"], "running", "{doc:#}");
    assert_eq!(doc["State"]["Running"], true);
    let pid = doc["State"]["Pid"].as_i64().expect("State.Pid is a number");
    let sleeps = user_processes_running(&["sleep", &mark]);
    assert_eq!(
        sleeps.iter().map(|p| i64::from(p.pid)).collect::<Vec<_>>(),
        [pid],
        "State.Pid is PID 1 of the container on the host"
    );
    let started = doc["State"]["StartedAt"].as_str().expect("StartedAt");
    DateTime::parse_from_rfc3339(started).expect("StartedAt is RFC 3339");
    assert_eq!(
        doc["HostConfig"]["RestartPolicy"]["Name"], "on-failure",
        "{doc:#}"
    );
    assert_eq!(doc["HostConfig"]["RestartPolicy"]["MaximumRetryCount"], 3);
    let log_path = container_dir(&sb, &id).join("ctr.log");
    assert_eq!(doc["LogPath"], log_path.to_str().expect("UTF-8"));
    let out = sb.engine(&["inspect", "--format", "{{.State.Pid}}", &id]);
    assert_eq!(out.ok().stdout, format!("{pid}\n"));
    sb.engine(&["stop", "-t", "0", &id]).ok();
    let doc = inspect(&sb, &id);
    assert_eq!(doc["State"]["Status"], "exited", "{doc:#}");
    assert_eq!(doc["State"]["Running"], false);
    assert_eq!(doc["State"]["Pid"], 0);
    assert_eq!(doc["State"]["ExitCode"], 137);
    let finished = doc["State"]["FinishedAt"].as_str().expect("FinishedAt");
    DateTime::parse_from_rfc3339(finished).expect("FinishedAt is RFC 3339");
    let created = create(&sb, &[], &["true"]);
    assert_eq!(inspect(&sb, &created)["State"]["Status"], "created");
}

// ---- ps filters and formats ----

/// `ps -a --format {{.Names}} ARGS...` as sorted names.
fn names(sb: &Sandbox, args: &[&str]) -> Vec<String> {
    let out: Out = sb.engine(&[&["ps", "-a", "--format", "{{.Names}}"], args].concat());
    let mut names: Vec<String> = out.ok().stdout.lines().map(String::from).collect();
    names.sort();
    names
}

#[test]
fn ps_filters_by_status_name_id_label_ancestor_and_exit_code() {
    let sb = sandbox();
    let up = sleeper(&sb, "up", &["--label", "tier=web"]);
    let failed = run_d(&sb, &["--name", "failed"], &["sh", "-c", "exit 3"]);
    assert_exits(&sb, &failed, 3);
    create(&sb, &["--name", "fresh", "--label", "tier=db"], &["true"]);
    assert_eq!(names(&sb, &["--filter", "status=running"]), ["up"]);
    assert_eq!(names(&sb, &["--filter", "status=exited"]), ["failed"]);
    assert_eq!(names(&sb, &["--filter", "status=created"]), ["fresh"]);
    assert_eq!(names(&sb, &["--filter", "name=fre"]), ["fresh"]);
    assert_eq!(
        names(&sb, &["--filter", &format!("id={}", &up[..8])]),
        ["up"]
    );
    assert_eq!(names(&sb, &["--filter", "label=tier=web"]), ["up"]);
    assert_eq!(names(&sb, &["--filter", "label=tier"]), ["fresh", "up"]);
    assert_eq!(names(&sb, &["--filter", "exited=3"]), ["failed"]);
    assert_eq!(
        names(&sb, &["--filter", &format!("ancestor={}", busybox())]),
        ["failed", "fresh", "up"]
    );
    assert_eq!(
        names(
            &sb,
            &["--filter", "status=running", "--filter", "status=created"]
        ),
        ["fresh", "up"],
        "the same filter twice: either value"
    );
    let out = sb.engine(&["ps", "--filter", "colour=blue"]);
    assert_engine_error(&out, &["colour"]);
}

#[test]
fn ps_last_latest_sort_json_and_size() {
    let sb = sandbox();
    for name in ["first", "second", "third"] {
        create(&sb, &["--name", name], &["true"]);
        // Creation times a little apart, for the order.
        thread::sleep(Duration::from_millis(20));
    }
    let out = sb.engine(&["ps", "-a", "-n", "2", "--format", "{{.Names}}"]);
    assert_eq!(out.ok().stdout, "third\nsecond\n");
    let out = sb.engine(&["ps", "-l", "--format", "{{.Names}}"]);
    assert_eq!(out.ok().stdout, "third\n", "-l: the latest, running or not");
    let out = sb.engine(&["ps", "-a", "--sort", "names", "--format", "{{.Names}}"]);
    assert_eq!(out.ok().stdout, "first\nsecond\nthird\n");
    let out = sb.engine(&["ps", "-a", "--format", "json"]);
    let rows: Value = serde_json::from_str(&out.ok().stdout).expect("ps --format json is JSON");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 3);
    // podman's shape: Names is a list, State a word, Id the full ID.
    assert_eq!(rows[0]["Names"], serde_json::json!(["third"]), "{rows:#?}");
    assert_eq!(rows[0]["State"], "created");
    assert_eq!(rows[0]["Id"].as_str().map(str::len), Some(64));
    let out = sb.engine(&["ps", "-a", "-s"]);
    out.ok().stdout_has("SIZE");
}

// ---- top ----

#[test]
fn top_lists_the_containers_processes() {
    let sb = sandbox();
    let mark = marker();
    let id = run_d(&sb, &[], &["sleep", &mark]);
    let out = sb.engine(&["top", &id]);
    let mut lines = out.ok().stdout.lines();
    let header = lines.next().unwrap_or_default();
    for column in ["USER", "PID", "COMMAND"] {
        assert!(header.contains(column), "top's header has {column}\n{out}");
    }
    assert!(
        lines.any(|l| l.contains(&format!("sleep {mark}"))),
        "top lists PID 1\n{out}"
    );
    sb.engine(&["stop", "-t", "0", &id]).ok();
    let out = sb.engine(&["top", &id]);
    assert_engine_error(&out, &["running"]);
}
