//! The binary under other names: as `docker` (a symlink, so existing scripts run unchanged) it
//! behaves as `engine` and its messages say `docker`; as `engine-user-generator` it is the
//! Quadlet generator.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_engine");

struct Linked {
    dir: tempfile::TempDir,
}

impl Linked {
    fn new(name: &str) -> (Linked, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        symlink(BIN, &path).unwrap();
        (Linked { dir }, path)
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("store")
    }
}

fn run(program: &Path, args: &[&str], root: &Path) -> Output {
    Command::new(program)
        .args(args)
        .env("ENGINE_ROOT", root)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn as_docker_commands_work_and_messages_say_docker() {
    let (linked, docker) = Linked::new("docker");
    let root = linked.root();

    let ps = run(&docker, &["ps", "-a"], &root);
    assert!(ps.status.success(), "{ps:?}");
    assert!(stdout(&ps).starts_with("CONTAINER ID"), "{ps:?}");
    let version = run(
        &docker,
        &["version", "--format", "{{.Client.Version}}"],
        &root,
    );
    assert_eq!(stdout(&version).trim(), env!("CARGO_PKG_VERSION"));

    let help = run(&docker, &["run", "--help"], &root);
    assert!(help.status.success());
    assert!(
        stdout(&help).contains("Usage: docker run [OPTIONS] <IMAGE>"),
        "{help:?}"
    );

    for (args, message) in [
        (
            &["bogus"][..],
            "Error: unrecognized subcommand 'bogus'\nSee 'docker --help'.\n",
        ),
        (
            &["image"][..],
            "Error: missing command 'docker image COMMAND'\nSee 'docker --help'.\n",
        ),
        (
            &["ps", "--bogus"][..],
            "Error: unexpected argument '--bogus' found\nSee 'docker --help'.\n",
        ),
        (
            &["--events-backend", "file", "ps"][..],
            "Error: --events-backend=file is not available",
        ),
    ] {
        let out = run(&docker, args, &root);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {out:?}");
        assert!(
            stderr(&out).starts_with(message),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn as_docker_the_containers_exit_code_comes_through() {
    let (linked, docker) = Linked::new("docker");
    let empty = linked.dir.path().join("rootfs");
    std::fs::create_dir(&empty).unwrap();
    let out = run(
        &docker,
        &["run", "--rm", "--rootfs", empty.to_str().unwrap(), "true"],
        &linked.root(),
    );
    assert_eq!(
        out.status.code(),
        Some(127),
        "not found in the container: {out:?}"
    );
}

#[test]
fn global_compatibility_flags_are_accepted() {
    let (linked, engine) = Linked::new("engine");
    let runroot = linked.dir.path().join("run");
    let out = run(
        &engine,
        &[
            "--cgroup-manager",
            "systemd",
            "--events-backend",
            "none",
            "--runroot",
            runroot.to_str().unwrap(),
            "info",
            "--format",
            "{{.Store.RunRoot}} {{.Host.CgroupManager}}",
        ],
        &linked.root(),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out).trim(),
        format!("{} systemd", runroot.display())
    );
    let bad = run(&engine, &["--cgroup-manager", "nope", "ps"], &linked.root());
    assert_eq!(bad.status.code(), Some(125));
}

#[test]
fn as_a_generator_without_directories_it_says_how_it_is_run() {
    let (linked, generator) = Linked::new("engine-user-generator");
    let out = run(&generator, &[], &linked.root());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("engine-user-generator: usage: "),
        "{out:?}"
    );
    assert!(
        !linked.root().exists(),
        "the generator never touches a store"
    );
}
