//! `engine oci`, runc's command set for the built-in runtime, as the unprivileged test user on
//! the bundle `engine run` leaves behind for the busybox fixture: the create → start → kill →
//! delete life cycle and the state it reports, `run`'s exit code, `list`, and the errors.

mod common;
mod pull_support;
mod run_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{Out, Sandbox, env};
use run_support::{busybox, container_named, containers_dir, field, sandbox};

/// A sandbox holding the busybox fixture.
fn bundle_with(command: &[&str]) -> (Sandbox, PathBuf) {
    let sb = sandbox();
    let bundle = bundle_named(&sb, "oci-bundle", command);
    (sb, bundle)
}

/// The bundle `engine run --name NAME` left, its process changed to `command`. Each container
/// needs its own: two overlays cannot share an upper directory.
fn bundle_named(sb: &Sandbox, name: &str, command: &[&str]) -> PathBuf {
    sb.engine(&["run", "--name", name, busybox(), "true"]).ok();
    let id = field(&container_named(sb, name), "id").to_owned();
    let bundle = containers_dir(sb).join(id);
    let config_path = bundle.join("config.json");
    let mut config: Value = serde_json::from_slice(&fs::read(&config_path).unwrap()).unwrap();
    config["process"]["args"] = command.iter().map(|a| Value::from(*a)).collect();
    config["process"]["terminal"] = Value::Bool(false);
    fs::write(&config_path, serde_json::to_vec(&config).unwrap()).unwrap();
    bundle
}

fn state_root(sb: &Sandbox) -> String {
    sb.home().join("oci-state").display().to_string()
}

/// `engine oci --root <state> ARGS...`.
fn oci(sb: &Sandbox, args: &[&str]) -> Out {
    let root = state_root(sb);
    sb.engine(&[&["oci", "--root", root.as_str()], args].concat())
}

/// `engine oci create`, its output (and the container's) in a file: the container keeps it
/// open, so a pipe would not reach EOF.
fn create(sb: &Sandbox, bundle: &Path, id: &str) -> Out {
    let log = sb.home().join(format!("{id}.log"));
    let script = format!(
        "exec \"{bin}\" oci --root \"{root}\" create --bundle \"{bundle}\" --pid-file \"{log}.pid\" {id} </dev/null >\"{log}\" 2>&1",
        bin = env().bin.display(),
        root = state_root(sb),
        bundle = bundle.display(),
        log = log.display(),
    );
    let mut out = sb.sh_as_user(&script);
    out.stderr = fs::read_to_string(&log).unwrap_or_default();
    out
}

fn state(sb: &Sandbox, id: &str) -> Value {
    let out = oci(sb, &["state", id]);
    out.ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("state is not JSON: {e}\n{out}"))
}

/// Waits up to 10 s for the container's status to become `status`.
#[track_caller]
fn wait_for_status(sb: &Sandbox, id: &str, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let current = state(sb, id);
        if current["status"] == status || Instant::now() > deadline {
            assert_eq!(current["status"], status, "{current:#}");
            return current;
        }
        sleep(Duration::from_millis(50));
    }
}

#[test]
fn create_start_kill_delete() {
    let (sb, bundle) = bundle_with(&["sleep", "1000"]);
    create(&sb, &bundle, "life").ok();

    let created = state(&sb, "life");
    assert_eq!(created["status"], "created", "{created:#}");
    assert_eq!(created["ociVersion"], "1.0.2");
    assert_eq!(created["id"], "life");
    assert_eq!(created["bundle"], bundle.display().to_string());
    assert!(
        created["annotations"]["org.engine.rootfs.driver"].is_string(),
        "{created:#}"
    );
    let pid = created["pid"].as_i64().expect("a pid");
    assert!(pid > 0);
    let pid_file = sb.home().join("life.log.pid");
    assert_eq!(fs::read_to_string(&pid_file).unwrap(), pid.to_string());
    // Still stopped right before exec: not sleep yet.
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
    assert_ne!(comm.trim(), "sleep");

    oci(&sb, &["start", "life"]).ok();
    let running = state(&sb, "life");
    assert_eq!(running["status"], "running", "{running:#}");
    assert_eq!(running["pid"], pid);
    let deadline = Instant::now() + Duration::from_secs(10);
    while fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        != "sleep"
    {
        assert!(Instant::now() < deadline, "PID {pid} never became sleep");
        sleep(Duration::from_millis(20));
    }
    oci(&sb, &["start", "life"])
        .fails_with(125)
        .stderr_has("is running: only a created container can be started");
    oci(&sb, &["delete", "life"])
        .fails_with(125)
        .stderr_has("is running");

    oci(&sb, &["kill", "life", "KILL"]).ok();
    let stopped = wait_for_status(&sb, "life", "stopped");
    assert_eq!(stopped["pid"], 0);
    oci(&sb, &["kill", "life"])
        .fails_with(125)
        .stderr_has("is stopped");
    oci(&sb, &["delete", "life"]).ok();
    oci(&sb, &["state", "life"])
        .fails_with(125)
        .stderr_has("\"life\" does not exist");
}

#[test]
fn run_exits_with_the_container_code_and_cleans_up() {
    let (sb, bundle) = bundle_with(&["sh", "-c", "echo hello from oci; exit 7"]);
    let bundle = bundle.display().to_string();
    let out = oci(&sb, &["run", "--bundle", &bundle, "short"]);
    out.fails_with(7).stdout_has("hello from oci");
    assert_eq!(oci(&sb, &["list", "-q"]).ok().stdout, "");
}

#[test]
fn list_duplicates_unknown_ids_and_forced_delete() {
    let (sb, bundle) = bundle_with(&["sleep", "1000"]);
    create(&sb, &bundle, "one").ok();
    create(&sb, &bundle, "one")
        .fails_with(125)
        .stderr_has("container \"one\" already exists");
    let second = bundle_named(&sb, "second", &["sleep", "1000"]);
    create(&sb, &second, "two").ok();
    assert_eq!(oci(&sb, &["list", "-q"]).ok().stdout, "one\ntwo\n");
    oci(&sb, &["list"]).ok().stdout_has("created");

    oci(&sb, &["start", "nope"])
        .fails_with(125)
        .stderr_has("\"nope\" does not exist");
    oci(&sb, &["kill", "one", "NOSUCH"])
        .fails_with(125)
        .stderr_has("unknown signal");

    oci(&sb, &["start", "two"]).ok();
    wait_for_status(&sb, "two", "running");
    oci(&sb, &["delete", "--force", "two"]).ok();
    // A created container is deleted (killed) without --force, as runc does.
    oci(&sb, &["delete", "one"]).ok();
    assert_eq!(oci(&sb, &["list", "-q"]).ok().stdout, "");
}

/// `--console-socket`, runc's protocol: with process.terminal the runtime connects to the socket
/// and sends the master of the pty it made in the container's devpts (SCM_RIGHTS); the container
/// writes to it as /dev/pts/0.
#[test]
fn console_socket_gets_the_terminal_master() {
    let (sb, bundle) = bundle_with(&["sh", "-c", "tty; stty size; echo through the console"]);
    let config_path = bundle.join("config.json");
    let mut config: Value = serde_json::from_slice(&fs::read(&config_path).unwrap()).unwrap();
    config["process"]["terminal"] = Value::Bool(true);
    // As runc and crun do, the pty has the spec's size before the command starts.
    config["process"]["consoleSize"] = serde_json::json!({"height": 31, "width": 91});
    fs::write(&config_path, serde_json::to_vec(&config).unwrap()).unwrap();
    let script = sb.home().join("console.py");
    fs::write(
        &script,
        r#"
import os, socket, subprocess, sys
path, engine, root, bundle, log = sys.argv[1:6]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
with open(log, "w") as errors:
    create = subprocess.Popen(
        [engine, "oci", "--root", root, "create", "--bundle", bundle,
         "--console-socket", path, "tty1"],
        stdin=subprocess.DEVNULL, stdout=errors, stderr=errors)
    conn, _ = server.accept()
    message, fds, _, _ = socket.recv_fds(conn, 1024, 1)
    create.wait()
print("name:", message.decode())
subprocess.run([engine, "oci", "--root", root, "start", "tty1"], check=True)
output = b""
while True:
    try:
        data = os.read(fds[0], 4096)
    except OSError:  # EIO: the container closed its side
        break
    if not data:
        break
    output += data
print(output.decode().replace("\r", ""), end="")
subprocess.run([engine, "oci", "--root", root, "delete", "--force", "tty1"], check=True)
"#,
    )
    .unwrap();
    let log = sb.home().join("console.log");
    let out = sb
        .user_cmd(
            "/usr/bin/python3",
            &[
                &script.display().to_string(),
                &sb.home().join("console.sock").display().to_string(),
                &env().bin.display().to_string(),
                &state_root(&sb),
                &bundle.display().to_string(),
                &log.display().to_string(),
            ],
        )
        .run();
    let errors = fs::read_to_string(&log).unwrap_or_default();
    out.ok();
    assert!(
        out.stdout.contains("name: /dev/pts/0")
            && out
                .stdout
                .contains("/dev/pts/0\n31 91\nthrough the console"),
        "{out}\ncreate said: {errors}"
    );
}

/// A bundle as other OCI tools write it: `root.path` a plain directory (no `org.engine.rootfs.*`
/// annotations), with prestart, poststart and poststop hooks that get the state on stdin.
#[test]
fn a_plain_bundle_runs_with_its_hooks() {
    let (sb, bundle) = bundle_with(&["/bin/busybox", "echo", "plain bundle ran"]);
    let rootfs = sb.home().join("plain-rootfs");
    let log = sb.home().join("hooks.log");
    sb.sh_as_user(&format!(
        "mkdir -p {root}/bin {root}/proc {root}/dev {root}/sys {root}/etc && cp /bin/busybox {root}/bin/",
        root = rootfs.display()
    ))
    .ok();
    let config_path = bundle.join("config.json");
    let mut config: Value = serde_json::from_slice(&fs::read(&config_path).unwrap()).unwrap();
    let annotations = config["annotations"].as_object_mut().unwrap();
    annotations.retain(|key, _| !key.starts_with("org.engine.rootfs."));
    config["root"] = serde_json::json!({"path": rootfs, "readonly": false});
    let hook = |name: &str| {
        let script = format!("echo {name} $(cat) >>{}", log.display());
        serde_json::json!([{"path": "/bin/sh", "args": ["sh", "-c", script]}])
    };
    config["hooks"] = serde_json::json!({
        "prestart": hook("prestart"), "poststart": hook("poststart"), "poststop": hook("poststop")
    });
    fs::write(&config_path, serde_json::to_vec(&config).unwrap()).unwrap();

    let bundle = bundle.display().to_string();
    let out = oci(&sb, &["run", "--bundle", &bundle, "plain"]);
    out.ok().stdout_has("plain bundle ran");
    let log = fs::read_to_string(&log).unwrap();
    let stages: Vec<(&str, Value)> = log
        .lines()
        .map(|line| {
            let (stage, state) = line.split_once(' ').unwrap();
            (stage, serde_json::from_str(state).unwrap())
        })
        .collect();
    let names: Vec<&str> = stages.iter().map(|(stage, _)| *stage).collect();
    assert_eq!(names, ["prestart", "poststart", "poststop"], "{log}");
    let statuses: Vec<&Value> = stages.iter().map(|(_, state)| &state["status"]).collect();
    assert_eq!(statuses, ["created", "running", "stopped"], "{log}");
    assert!(
        stages.iter().all(|(_, state)| state["id"] == "plain"),
        "{log}"
    );
}
