//! systemd units: `generate systemd` and the Quadlet generator write units that
//! `systemd-analyze verify` accepts (as system and as user units; no systemd needs to run), and
//! whose command lines, run by hand as the test user the way systemd would run them, start the
//! container and stop it again.

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use engine::quadlet::syntax::{UnitFile, split_words};

const BIN: &str = env!("CARGO_BIN_EXE_engine");

/// `engine --root ROOT args` in `cwd`.
fn engine_in(root: &Path, cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--root")
        .arg(root)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks `unit` with `systemd-analyze verify`, as a system unit and as a user unit: it must
/// pass without a word on stderr (unknown keys, for one, are only warned about).
#[track_caller]
fn assert_verifies(unit: &Path) {
    let runtime = tempfile::tempdir().unwrap();
    for scope in ["--system", "--user"] {
        let out = Command::new("systemd-analyze")
            .args([scope, "--man=no", "verify"])
            .arg(unit)
            .env("XDG_RUNTIME_DIR", runtime.path())
            .output()
            .unwrap_or_else(|e| {
                panic!("systemd-analyze is missing ({e}): apt-get install systemd")
            });
        let stderr = text(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "systemd-analyze {scope} verify {}: {stderr}\n{}",
            unit.display(),
            std::fs::read_to_string(unit).unwrap_or_default()
        );
    }
}

/// A store with the exited container `web`, created from a recorded `run` command line.
fn store_with_container() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let rootfs = dir.path().join("rootfs");
    std::fs::create_dir(&rootfs).unwrap();
    let out = engine_in(
        &dir.path().join("store"),
        dir.path(),
        &[
            "run",
            "--name",
            "web",
            "-e",
            "GREETING=100% $HOME",
            "--rootfs",
            rootfs.to_str().unwrap(),
            "true",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(127),
        "the empty root has no `true`: {out:?}"
    );
    dir
}

#[test]
fn generated_units_verify_and_name_the_container() {
    let dir = store_with_container();
    let store = dir.path().join("store");
    for (args, file, wanted) in [
        (&["--name"][..], "container-web.service", "start web"),
        (
            &["--name", "--new"][..],
            "container-web.service",
            "--name web",
        ),
        (
            &["--container-prefix", "box", "--separator", "_"][..],
            "",
            "start ",
        ),
        (
            &["--new", "--restart-policy", "always", "-t", "3"][..],
            "",
            "Restart=always",
        ),
    ] {
        let cwd = tempfile::tempdir().unwrap();
        let out = engine_in(
            &store,
            cwd.path(),
            &[&["generate", "systemd", "--files"], args, &["web"]].concat(),
        );
        assert!(out.status.success(), "{args:?}: {out:?}");
        let path = PathBuf::from(text(&out.stdout).trim());
        assert_eq!(
            path.parent(),
            Some(cwd.path()),
            "--files writes into the current directory"
        );
        if !file.is_empty() {
            assert_eq!(path.file_name().unwrap(), file);
        }
        let unit = std::fs::read_to_string(&path).unwrap();
        assert!(unit.contains(wanted), "{args:?}: {unit}");
        assert!(
            unit.contains(&format!("ExecStart={BIN} --root ")),
            "absolute engine path: {unit}"
        );
        assert_verifies(&path);
    }
}

#[test]
fn new_units_replay_the_creation_command_quoted_for_systemd() {
    let dir = store_with_container();
    let out = engine_in(
        &dir.path().join("store"),
        dir.path(),
        &["generate", "systemd", "--new", "--no-header", "web"],
    );
    assert!(out.status.success(), "{out:?}");
    let unit = text(&out.stdout);
    assert!(unit.starts_with("[Unit]\n"), "--no-header: {unit}");
    let run = exec_lines(&unit, "ExecStart").remove(0);
    let from_run: Vec<&str> = run
        .iter()
        .map(String::as_str)
        .skip_while(|w| *w != "run")
        .collect();
    assert_eq!(
        from_run[..8],
        [
            "run",
            "--cidfile=/RUN/container-web.service.ctr-id",
            "--conmon-pidfile=/RUN/container-web.service.pid",
            "--rm",
            "-d",
            "--replace",
            "--name",
            "web"
        ]
    );
    // Literal words survive systemd's specifier and variable expansion.
    assert!(from_run.contains(&"GREETING=100% $HOME"), "{unit}");
    assert_eq!(from_run.last(), Some(&"true"));
}

#[test]
fn unknown_containers_are_an_engine_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = engine_in(
        &dir.path().join("store"),
        dir.path(),
        &["generate", "systemd", "nosuch"],
    );
    assert_eq!(out.status.code(), Some(125));
    assert!(text(&out.stderr).contains("no such container"), "{out:?}");
}

/// Runs the binary as `engine-user-generator` over `units` (QUADLET_UNIT_DIRS), into `out`.
fn run_generator(units: &Path, out: &Path) -> Output {
    let link_dir = tempfile::tempdir().unwrap();
    let generator = link_dir.path().join("engine-user-generator");
    symlink(BIN, &generator).unwrap();
    Command::new(&generator)
        .arg(out)
        .args(["/nonexistent/early", "/nonexistent/late"])
        .env("QUADLET_UNIT_DIRS", units)
        .output()
        .unwrap()
}

#[test]
fn the_quadlet_generator_writes_units_that_verify() {
    let units = tempfile::tempdir().unwrap();
    std::fs::write(
        units.path().join("web.container"),
        "[Unit]\nDescription=A web server\n\n[Container]\nImage=busybox\n\
         Exec=sh -c 'echo $HOME > /dev/null; \\\n   exec httpd -f -p 8080'\n\
         PublishPort=8080:8080\nVolume=data:/data\nEnvironment=A=1 \"B=x y\"\n\n\
         [Service]\nRestart=always\n\n[Install]\nWantedBy=default.target\n",
    )
    .unwrap();
    std::fs::write(
        units.path().join("bad.container"),
        "[Container]\nImage=busybox\n\nNoSuchKey=1\n",
    )
    .unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let out = run_generator(units.path(), out_dir.path());
    assert_eq!(out.status.code(), Some(1), "one file is bad: {out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bad.container:4: unknown key NoSuchKey="),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let unit = out_dir.path().join("web.service");
    assert_verifies(&unit);
    assert!(
        out_dir
            .path()
            .join("default.target.wants/web.service")
            .is_file()
    );
    assert!(!out_dir.path().join("bad.service").exists());
    let text = std::fs::read_to_string(&unit).unwrap();
    let run = exec_lines(&text, "ExecStart").remove(0);
    assert_eq!(run[0], BIN, "the generator names its own binary");
    assert_eq!(
        &run[run.len() - 4..],
        [
            "busybox",
            "sh",
            "-c",
            "echo $HOME > /dev/null;  exec httpd -f -p 8080"
        ]
    );

    // The hidden command does the same and prints with --dryrun.
    let dry = Command::new(BIN)
        .args(["__quadlet", "--user", "--dryrun"])
        .env("QUADLET_UNIT_DIRS", units.path())
        .output()
        .unwrap();
    assert!(crate::text(&dry.stdout).contains("---web.service---\n# Automatically generated"));
}

/// The command lines of `key=` in a unit, split and expanded as systemd would (specifiers for a
/// unit named container-web.service with `%t` = /RUN), the `-` prefix dropped.
fn exec_lines(unit: &str, key: &str) -> Vec<Vec<String>> {
    exec_lines_with(unit, key, Path::new("/RUN"), "container-web.service")
}

fn exec_lines_with(unit: &str, key: &str, runtime_dir: &Path, unit_name: &str) -> Vec<Vec<String>> {
    let parsed = UnitFile::parse(Path::new("test.service"), unit).unwrap();
    let service = parsed.section("Service").expect("a [Service] section");
    let stem = unit_name.strip_suffix(".service").unwrap_or(unit_name);
    service
        .entries
        .iter()
        .filter(|e| e.key == key)
        .map(|e| {
            let expanded = e
                .value
                .replace("%%", "\u{0}")
                .replace("%t", &runtime_dir.to_string_lossy())
                .replace("%n", unit_name)
                .replace("%N", stem)
                .replace('\u{0}', "%");
            let mut words = split_words(&expanded).unwrap();
            for word in &mut words {
                *word = word.replace("$$", "$");
            }
            if let Some(program) = words
                .first_mut()
                .and_then(|p| p.strip_prefix('-').map(String::from))
            {
                words[0] = program;
            }
            words
        })
        .collect()
}

// ---- as the test user, with the harness (sudo tests/run.sh) ----

mod by_hand {
    use super::common::{Sandbox, fixture};
    use super::exec_lines_with;

    fn busybox() -> &'static str {
        fixture("busybox:latest")["reference"].as_str().unwrap()
    }

    /// Runs the `key=` lines of `unit` as the test user, as systemd would run them.
    fn run_exec(sb: &Sandbox, unit: &str, unit_name: &str, key: &str) {
        for words in exec_lines_with(unit, key, &sb.runtime_dir(), unit_name) {
            let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            let out = sb.user_cmd(&words[0], &args).run();
            assert_eq!(out.code, 0, "{key}={words:?}\n{out}\n{unit}");
        }
    }

    fn state(sb: &Sandbox) -> String {
        let out = sb.engine(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
        out.ok();
        out.stdout.clone()
    }

    /// The pid in the unit's PIDFile= must be a live process: the container's monitor.
    fn assert_pid_file_alive(sb: &Sandbox, unit: &str, unit_name: &str) {
        let line = unit
            .lines()
            .find_map(|l| l.strip_prefix("PIDFile="))
            .expect("PIDFile=");
        let path = line
            .replace("%t", &sb.runtime_dir().to_string_lossy())
            .replace("%n", unit_name);
        let pid = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("PIDFile {path}: {e}"));
        let pid: u32 = pid
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("PIDFile {path} holds {pid:?}"));
        assert!(
            std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "PIDFile {path}: {pid} is gone"
        );
    }

    #[test]
    fn a_new_unit_creates_the_container_and_removes_it() {
        let sb = Sandbox::new();
        sb.engine(&["create", "--name", "web", busybox(), "sleep", "1000"])
            .ok();
        let unit = sb
            .engine(&["generate", "systemd", "--new", "--name", "web"])
            .ok()
            .stdout
            .clone();
        sb.engine(&["rm", "web"]).ok();
        let name = "container-web.service";
        run_exec(&sb, &unit, name, "ExecStartPre");
        run_exec(&sb, &unit, name, "ExecStart");
        assert!(state(&sb).starts_with("web Up"), "{}", state(&sb));
        assert_pid_file_alive(&sb, &unit, name);
        run_exec(&sb, &unit, name, "ExecStop");
        run_exec(&sb, &unit, name, "ExecStopPost");
        assert_eq!(state(&sb), "", "the unit's stop removed the container");
    }

    #[test]
    fn a_unit_for_an_existing_container_starts_and_stops_it() {
        let sb = Sandbox::new();
        sb.engine(&["create", "--name", "web", busybox(), "sleep", "1000"])
            .ok();
        let unit = sb
            .engine(&["generate", "systemd", "--name", "web"])
            .ok()
            .stdout
            .clone();
        let name = "container-web.service";
        run_exec(&sb, &unit, name, "ExecStart");
        assert!(state(&sb).starts_with("web Up"), "{}", state(&sb));
        assert_pid_file_alive(&sb, &unit, name);
        run_exec(&sb, &unit, name, "ExecStop");
        assert!(state(&sb).starts_with("web Exited"), "{}", state(&sb));
    }

    #[test]
    fn a_quadlet_unit_runs_the_container() {
        let sb = Sandbox::new();
        sb.engine(&["pull", "-q", busybox()]).ok();
        sb.write_file(
            ".config/containers/systemd/sleeper.container",
            format!(
                "[Container]\nImage={}\nExec=sleep 1000\nContainerName=sleeper\n",
                busybox()
            ),
        );
        let out_dir = sb.home().join("generated");
        sb.engine(&["__quadlet", "--user", out_dir.to_str().unwrap()])
            .ok();
        let unit = std::fs::read_to_string(out_dir.join("sleeper.service")).unwrap();
        let name = "sleeper.service";
        run_exec(&sb, &unit, name, "ExecStartPre");
        run_exec(&sb, &unit, name, "ExecStart");
        assert!(state(&sb).starts_with("sleeper Up"), "{}", state(&sb));
        run_exec(&sb, &unit, name, "ExecStop");
        assert_eq!(state(&sb), "");
    }
}
