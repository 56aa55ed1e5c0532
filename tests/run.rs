//! `engine run` for real, as the unprivileged test user, on the busybox fixture image
//! (tests/fixtures/build_images.py): exit codes, the image's files, users and ID maps,
//! namespaces, the confinement podman applies by default (capabilities, seccomp, masked and
//! read-only paths), the run options, mounts, signals and terminals, `--rootfs`,
//! fuse-overlayfs, and crun running the config.json the engine wrote.

mod common;
mod pull_support;
mod run_support;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, lchown, symlink};
use std::path::Path;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use serde_json::Value;

use common::{Sandbox, env};
use pull_support::assert_engine_error;
use run_support::crun::run_under_crun;
use run_support::procfs::{
    CAP_NET_RAW, PODMAN_DEFAULT_CAPS, all_caps, assert_caps, cmdline, container_pid_1,
    host_interfaces, id_map, interfaces, masked_paths_on_this_host, mount_at, status_field,
    subordinate_range,
};
use run_support::spawned::Spawned;
use run_support::tree::snapshot;
use run_support::{
    assert_command_failed, assert_stderr_mentions, busybox, container_named, container_records,
    containers_dir, field, init_binary_installed, lines, run, run_cmd, sandbox, sh, shared_dir,
    status,
};

/// How long a container that waits for the test may take to say it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

// ---- exit codes ----

#[test]
fn prints_the_commands_output_and_exits_with_its_code() {
    let sb = sandbox();
    let out = run(&sb, &[], &["echo", "hello", "world"]);
    assert_eq!(out.ok().stdout, "hello world\n");
    assert_eq!(
        out.stderr, "",
        "a plain run prints nothing on stderr\n{out}"
    );
    sh(&sb, &[], "exit 1").fails_with(1);
    sh(&sb, &[], "echo partial; exit 42")
        .fails_with(42)
        .stdout_has("partial");
    assert_eq!(
        container_records(&sb),
        Vec::<Value>::new(),
        "--rm removes every container"
    );
}

#[test]
fn a_file_that_is_not_executable_exits_126() {
    let sb = sandbox();
    let out = run(&sb, &[], &["/etc/motd"]);
    out.fails_with(126);
    assert_stderr_mentions(&out, &["/etc/motd", "permission denied"]);
}

#[test]
fn a_missing_command_exits_127() {
    let sb = sandbox();
    let out = run(&sb, &[], &["no-such-command"]);
    out.fails_with(127);
    assert_stderr_mentions(&out, &["no-such-command", "not found"]);
}

#[test]
fn a_container_killed_by_sigkill_exits_137() {
    let sb = sandbox();
    // PID 1 of a PID namespace ignores SIGKILL sent from inside it (`sh -c 'kill -9 $$'` just
    // goes on), so the container's PID 1 is killed from the host, as the OOM killer or an
    // administrator's `kill -9` would. The sleep's length marks the process to find.
    let marker = (3000 + std::process::id() % 1000).to_string();
    let script = format!("echo ready; exec sleep {marker}");
    let mut engine = Spawned::start(
        run_cmd(&sb, &[], &["sh", "-c", &script]),
        &format!("engine run --rm busybox sh -c {script:?}"),
    );
    engine.wait_for_line("ready", READY_TIMEOUT);
    let pid_1 = container_pid_1(&["sleep", &marker], READY_TIMEOUT);
    kill(pid_1, Signal::SIGKILL).expect("kill -9 the container's PID 1");
    let out = engine.finish(Duration::from_secs(60));
    out.fails_with(137);
    // The kernel's rule, kept as podman keeps it: PID 1 outlives its own `kill -9`...
    let out = sh(&sb, &[], "kill -9 $$; echo survived");
    assert_eq!(out.ok().stdout, "survived\n");
    // ...but under --init (catatonit, which tests/run.sh installs) the command is not PID 1:
    // it dies, and the init reports 128 + 9.
    sh(&sb, &["--init"], "kill -9 $$; echo survived").fails_with(137);
}

#[test]
fn an_engine_error_exits_125_with_one_error_line() {
    let sb = sandbox();
    let missing = format!("{}/engine-test/no-such-image:latest", env().registry);
    let out = sb.engine(&["run", "--rm", "--pull=never", &missing, "true"]);
    assert_engine_error(&out, &["no-such-image", "never"]);
    assert!(container_records(&sb).is_empty(), "no container is left");
}

// ---- the image's files ----

#[test]
fn image_files_keep_their_owners_modes_and_types() {
    let sb = sandbox();
    let script = [
        "cd /data",
        "stat -c 'owned-by-app %u:%g %a' owned-by-app",
        "stat -c 'setuid-bin %u:%g %a' setuid-bin",
        "stat -c 'setgid-dir %a' setgid-dir",
        "stat -c 'home/app %u:%g' /home/app",
        "echo link $(readlink link)",
        "[ $(stat -c %i hard) = $(stat -c %i owned-by-app) ] && echo hard same-inode",
        "test -e gone || echo gone absent",
        "echo opaque $(ls -A opaque)",
        "test -p fifo && echo fifo is-a-fifo",
        "cat owned-by-app",
    ]
    .join("\n");
    let out = sh(&sb, &[], &script);
    assert_eq!(
        lines(out.ok()),
        [
            "owned-by-app 1000:1000 640",
            "setuid-bin 0:0 4755",
            "setgid-dir 2775",
            "home/app 1000:1000",
            "link owned-by-app",
            "hard same-inode",
            "gone absent",
            "opaque new",
            "fifo is-a-fifo",
            "owned by app",
        ],
        "{out}"
    );
}

#[test]
fn writes_stay_in_their_container() {
    let sb = sandbox();
    let changes = "echo new > /data/new-file && rm /etc/motd && chmod 600 /data/owned-by-app";
    sh(&sb, &[], changes).ok();
    let out = sh(
        &sb,
        &[],
        "test -e /data/new-file && echo new-file leaked; cat /etc/motd; stat -c %a /data/owned-by-app",
    );
    assert_eq!(lines(out.ok()), ["engine test image", "640"], "{out}");
    let layers = sb.data_dir().join("engine/layers");
    for layer in fs::read_dir(&layers).expect("listing the layers").flatten() {
        let leaked = layer.path().join("diff/data/new-file");
        assert!(!leaked.exists(), "{} was written", leaked.display());
    }
}

#[test]
fn read_only_blocks_writes_to_the_root_but_not_to_tmp() {
    let sb = sandbox();
    assert_command_failed(
        &sh(&sb, &["--read-only"], "touch /x"),
        "read-only file system",
    );
    let out = sh(
        &sb,
        &["--read-only"],
        "touch /tmp/x /var/tmp/x /run/x && echo writable",
    );
    assert_eq!(out.ok().stdout, "writable\n");
}

// ---- users and ID maps ----

#[test]
fn runs_as_root_by_default_and_as_the_user_given_with_u() {
    let sb = sandbox();
    let identity = |flags: &[&str]| {
        sh(&sb, flags, "echo $(id -u):$(id -g) $HOME")
            .ok()
            .line()
            .to_string()
    };
    assert_eq!(identity(&[]), "0:0 /root");
    assert_eq!(identity(&["-u", "app"]), "1000:1000 /home/app");
    assert_eq!(identity(&["-u", "1000:1000"]), "1000:1000 /home/app");
    assert_eq!(identity(&["-u", "nobody"]), "65534:65534 /nonexistent");
}

#[test]
fn an_unknown_user_is_a_clear_error() {
    let sb = sandbox();
    let out = run(&sb, &["-u", "nosuchuser"], &["true"]);
    assert_engine_error(&out, &["nosuchuser", "passwd"]);
    assert!(container_records(&sb).is_empty(), "no container is left");
}

#[test]
fn root_inside_is_the_user_outside_and_other_ids_are_subordinate() {
    let sb = sandbox();
    for (map, file, own) in [
        ("uid_map", "/etc/subuid", env().uid),
        ("gid_map", "/etc/subgid", env().gid),
    ] {
        let out = run(&sb, &[], &["cat", &format!("/proc/self/{map}")]);
        let (start, count) = subordinate_range(file);
        assert_eq!(
            id_map(&out.ok().stdout),
            [[0, u64::from(own), 1], [1, start, count]],
            "{map}\n{out}"
        );
    }
}

// ---- namespaces ----

#[test]
fn sees_only_its_own_processes() {
    let sb = sandbox();
    let out = run(&sb, &[], &["cat", "/proc/1/cmdline"]);
    assert_eq!(
        cmdline(&out.ok().stdout),
        ["cat", "/proc/1/cmdline"],
        "the command is PID 1"
    );
    let out = run(&sb, &[], &["ls", "/proc"]);
    let pids: Vec<&str> = lines(out.ok())
        .into_iter()
        .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    assert_eq!(pids, ["1"], "{out}");
    let out = run(&sb, &[], &["ps", "-o", "pid,comm"]);
    let rows: Vec<Vec<&str>> = lines(out.ok())
        .into_iter()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(rows, [["PID", "COMMAND"], ["1", "ps"]], "{out}");
}

#[test]
fn network_none_has_only_loopback() {
    let sb = sandbox();
    let expected = BTreeSet::from(["lo".to_string()]);
    let out = run(&sb, &["--network", "none"], &["cat", "/proc/net/dev"]);
    assert_eq!(interfaces(&out.ok().stdout), expected, "{out}");
}

#[test]
fn the_default_network_is_pasta_with_an_interface_besides_loopback() {
    let sb = sandbox();
    let out = run(&sb, &[], &["cat", "/proc/net/dev"]);
    let found = interfaces(&out.ok().stdout);
    assert!(found.contains("lo") && found.len() == 2, "{out}");
}

#[test]
fn network_host_shares_the_hosts_interfaces() {
    let sb = sandbox();
    let out = run(&sb, &["--network", "host"], &["cat", "/proc/net/dev"]);
    assert_eq!(interfaces(&out.ok().stdout), host_interfaces(), "{out}");
}

// ---- capabilities, seccomp, no_new_privs ----

#[test]
fn root_gets_podmans_default_capabilities() {
    let sb = sandbox();
    assert_caps(
        &status(&sb, &[]),
        &[
            ("CapEff", PODMAN_DEFAULT_CAPS),
            ("CapPrm", PODMAN_DEFAULT_CAPS),
            ("CapBnd", PODMAN_DEFAULT_CAPS),
            ("CapInh", 0),
            ("CapAmb", 0),
        ],
    );
}

#[test]
fn another_user_gets_no_effective_capabilities() {
    let sb = sandbox();
    assert_caps(
        &status(&sb, &["-u", "app"]),
        &[
            ("CapEff", 0),
            ("CapPrm", 0),
            ("CapBnd", PODMAN_DEFAULT_CAPS),
        ],
    );
}

#[test]
fn cap_drop_all_leaves_root_powerless() {
    let sb = sandbox();
    assert_caps(
        &status(&sb, &["--cap-drop=all"]),
        &[("CapEff", 0), ("CapPrm", 0), ("CapBnd", 0)],
    );
    let chown = "touch /tmp/x && chown 1000 /tmp/x && stat -c %u /tmp/x";
    assert_command_failed(
        &sh(&sb, &["--cap-drop=all"], chown),
        "operation not permitted",
    );
    // With the default capabilities the same works: CAP_CHOWN made the difference.
    assert_eq!(sh(&sb, &[], chown).ok().line(), "1000");
}

#[test]
fn cap_add_adds_one_capability() {
    let sb = sandbox();
    let with_raw = PODMAN_DEFAULT_CAPS | CAP_NET_RAW;
    assert_caps(
        &status(&sb, &["--cap-add", "NET_RAW"]),
        &[
            ("CapEff", with_raw),
            ("CapPrm", with_raw),
            ("CapBnd", with_raw),
        ],
    );
}

#[test]
fn privileged_gets_every_capability_and_no_seccomp_filter() {
    let sb = sandbox();
    let status = status(&sb, &["--privileged"]);
    assert_caps(
        &status,
        &[
            ("CapEff", all_caps()),
            ("CapPrm", all_caps()),
            ("CapBnd", all_caps()),
        ],
    );
    assert_eq!(status_field(&status, "Seccomp"), "0", "{status}");
}

#[test]
fn seccomp_filters_by_default_and_not_when_unconfined() {
    let sb = sandbox();
    assert_eq!(status_field(&status(&sb, &[]), "Seccomp"), "2");
    let unconfined = status(&sb, &["--security-opt", "seccomp=unconfined"]);
    assert_eq!(status_field(&unconfined, "Seccomp"), "0");
}

#[test]
fn no_new_privileges_is_off_by_default_and_on_request() {
    let sb = sandbox();
    assert_eq!(status_field(&status(&sb, &[]), "NoNewPrivs"), "0");
    let nnp = status(&sb, &["--security-opt", "no-new-privileges"]);
    assert_eq!(status_field(&nnp, "NoNewPrivs"), "1");
}

#[test]
fn no_new_privileges_stops_setuid_programs_from_becoming_root() {
    let sb = sandbox();
    // /data/setuid-bin is busybox, setuid root. busybox itself drops a setuid euid before most
    // applets run (`id` among them), but `crontab` needs euid 0 and refuses with "must be suid
    // to work properly" without it: whether it says so tells whether exec made the process
    // root. busybox picks the applet by the name it is called by, hence the symlink.
    let script = "ln -s /data/setuid-bin /tmp/crontab && /tmp/crontab -l";
    let became_root = sh(&sb, &["-u", "app"], script);
    assert!(
        !became_root.stderr.contains("must be suid"),
        "without no-new-privileges the setuid bit must make the process root\n{became_root}"
    );
    // As root it went on to its spool directory, which the image lacks.
    assert_command_failed(&became_root, "/var/spool/cron/crontabs");
    let nnp = ["-u", "app", "--security-opt", "no-new-privileges"];
    assert_command_failed(&sh(&sb, &nnp, script), "must be suid to work properly");
}

// ---- masked and read-only kernel paths ----

#[test]
fn kernel_information_is_masked() {
    let sb = sandbox();
    let script = "echo kcore $(head -c 1 /proc/kcore 2>/dev/null | wc -c)
        echo keys $(cat /proc/keys 2>/dev/null | wc -c)
        echo firmware $(ls -A /sys/firmware 2>/dev/null | wc -l)";
    let out = sh(&sb, &[], script);
    assert_eq!(
        lines(out.ok()),
        ["kcore 0", "keys 0", "firmware 0"],
        "{out}"
    );
    let mountinfo = run(&sb, &[], &["cat", "/proc/self/mountinfo"]);
    let privileged = run(&sb, &["--privileged"], &["cat", "/proc/self/mountinfo"]);
    for path in masked_paths_on_this_host() {
        assert!(
            mount_at(&mountinfo.ok().stdout, path).is_some(),
            "nothing masks {path}\n{mountinfo}"
        );
        assert!(
            mount_at(&privileged.ok().stdout, path).is_none(),
            "--privileged masks nothing, yet {path} is\n{privileged}"
        );
    }
}

#[test]
fn proc_sys_is_read_only_unless_privileged() {
    let sb = sandbox();
    // The container has its own network namespace, whose sysctls belong to the container's
    // root: only the read-only mount stops this write.
    let write =
        "echo 32 > /proc/sys/net/ipv4/ip_default_ttl && cat /proc/sys/net/ipv4/ip_default_ttl";
    assert_command_failed(&sh(&sb, &[], write), "read-only file system");
    assert_eq!(sh(&sb, &["--privileged"], write).ok().line(), "32");
}

// ---- run options ----

#[test]
fn environment_comes_from_the_image_env_files_and_flags() {
    let sb = sandbox();
    let env_file = sb.write_file("env.list", "# a comment\nFROM_FILE=file\nOVERRIDDEN=file\n");
    let flags = [
        "--env-file",
        env_file.to_str().unwrap(),
        "-e",
        "OVERRIDDEN=flag",
        "-e",
        "FROM_FLAG=with=equals",
        "-e",
        "PASSED_THROUGH",
    ];
    let out = run_cmd(&sb, &flags, &["env"])
        .env("PASSED_THROUGH", "from the engine's environment")
        .run();
    let vars: BTreeSet<&str> = lines(out.ok()).into_iter().collect();
    for expected in [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME=/root",
        "FROM_FILE=file",
        "OVERRIDDEN=flag",
        "FROM_FLAG=with=equals",
        "PASSED_THROUGH=from the engine's environment",
    ] {
        assert!(
            vars.contains(expected),
            "no {expected:?} in the container\n{out}"
        );
    }
    assert!(
        !vars.iter().any(|v| v.starts_with("XDG_")),
        "the engine's own environment leaked into the container\n{out}"
    );
}

#[test]
fn workdir_and_entrypoint_replace_the_images() {
    let sb = sandbox();
    assert_eq!(run(&sb, &[], &["pwd"]).ok().line(), "/");
    assert_eq!(
        run(&sb, &["-w", "/home/app"], &["pwd"]).ok().line(),
        "/home/app"
    );
    // A working directory the image lacks is created, as docker and podman do.
    assert_eq!(
        run(
            &sb,
            &["-w", "/new/work"],
            &["sh", "-c", "pwd; stat -c %a ."]
        )
        .ok()
        .stdout,
        "/new/work\n755\n"
    );
    let out = run(&sb, &["--entrypoint", "echo"], &["from", "entrypoint"]);
    assert_eq!(out.ok().line(), "from entrypoint");
    let json = r#"["sh", "-c", "echo json $0"]"#;
    assert_eq!(
        run(&sb, &["--entrypoint", json], &["arg"]).ok().line(),
        "json arg"
    );
}

#[test]
fn without_a_command_runs_the_images_cmd() {
    let sb = sandbox();
    // The image's CMD is ["sh"], which reads its commands from stdin.
    let out = sb.engine_with_stdin(&["run", "--rm", "-i", busybox()], "echo sh read this\n");
    assert_eq!(out.ok().stdout, "sh read this\n");
}

#[test]
fn hostname_flag_sets_the_containers_hostname() {
    let sb = sandbox();
    let out = sh(
        &sb,
        &["--hostname", "web1"],
        "hostname; cat /etc/hostname; echo $HOSTNAME",
    );
    assert_eq!(lines(out.ok()), ["web1", "web1", "web1"]);
}

#[test]
fn a_named_container_is_kept_and_its_name_is_unique() {
    let sb = sandbox();
    let out = sb.engine(&["run", "--name", "first", busybox(), "hostname"]);
    let record = container_named(&sb, "first");
    let id = field(&record, "id");
    assert_eq!(
        out.ok().line(),
        &id[..12],
        "the default hostname is the ID's first 12 characters"
    );
    assert_eq!(field(&record, "status"), "exited");
    assert_eq!(record["exit_code"], 0);
    assert!(containers_dir(&sb).join(id).join("config.json").is_file());
    let again = sb.engine(&["run", "--name", "first", busybox(), "true"]);
    assert_engine_error(&again, &["first", "already in use"]);
    assert_eq!(
        container_records(&sb).len(),
        1,
        "the refused container left nothing"
    );
}

#[test]
fn ulimit_sets_the_soft_and_hard_limits() {
    let sb = sandbox();
    let out = sh(
        &sb,
        &["--ulimit", "nofile=100:200"],
        "ulimit -n; ulimit -Hn",
    );
    assert_eq!(lines(out.ok()), ["100", "200"]);
}

#[test]
fn init_runs_an_init_as_pid_1() {
    let sb = sandbox();
    let script = "cat /proc/1/cmdline; echo; echo $$";
    let out = sh(&sb, &["--init"], script);
    if init_binary_installed() {
        let printed = lines(out.ok());
        assert_eq!(printed.len(), 2, "{out}");
        assert_eq!(
            cmdline(printed[0]),
            ["/run/engine-init", "--", "sh", "-c", script],
            "{out}"
        );
        assert_ne!(
            printed[1], "1",
            "under --init the command is not PID 1\n{out}"
        );
    } else {
        assert_engine_error(&out, &["init", "catatonit"]);
    }
}

#[test]
fn init_path_to_a_missing_binary_is_a_clear_error() {
    let sb = sandbox();
    let missing = "/nonexistent/catatonit";
    let out = run(&sb, &["--init", "--init-path", missing], &["true"]);
    assert_engine_error(&out, &[missing, "install catatonit"]);
    assert!(container_records(&sb).is_empty(), "no container is left");
}

// ---- mounts ----

#[test]
fn volume_binds_a_host_directory_read_write() {
    let sb = sandbox();
    let dir = shared_dir(&sb);
    let script = "cat /mnt/from-host && echo container > /mnt/from-container";
    let out = sh(&sb, &["-v", &format!("{dir}:/mnt")], script);
    assert_eq!(out.ok().stdout, "host\n");
    let written = Path::new(&dir).join("from-container");
    assert_eq!(fs::read_to_string(&written).unwrap(), "container\n");
    // Root in the container is the user outside.
    assert_eq!(fs::metadata(&written).unwrap().uid(), env().uid);
}

#[test]
fn a_read_only_volume_refuses_writes() {
    let sb = sandbox();
    let dir = shared_dir(&sb);
    let out = sh(
        &sb,
        &["-v", &format!("{dir}:/mnt:ro")],
        "cat /mnt/from-host && touch /mnt/new",
    );
    assert_command_failed(&out, "read-only file system");
    assert_eq!(out.stdout, "host\n");
    assert!(!Path::new(&dir).join("new").exists());
}

#[test]
fn a_named_volume_outlives_its_container() {
    let sb = sandbox();
    sh(&sb, &["-v", "myvol:/data2"], "echo persisted > /data2/file").ok();
    let out = run(&sb, &["-v", "myvol:/data2"], &["cat", "/data2/file"]);
    assert_eq!(out.ok().stdout, "persisted\n");
    let stored = sb.data_dir().join("engine/volumes/myvol/_data/file");
    assert_eq!(fs::read_to_string(&stored).unwrap(), "persisted\n");
}

#[test]
fn mount_flag_binds_directories() {
    let sb = sandbox();
    let dir = shared_dir(&sb);
    let bind = format!("type=bind,source={dir},target=/mnt");
    let out = sh(
        &sb,
        &["--mount", &bind],
        "cat /mnt/from-host && echo rw > /mnt/rw",
    );
    assert_eq!(out.ok().stdout, "host\n");
    assert_eq!(
        fs::read_to_string(Path::new(&dir).join("rw")).unwrap(),
        "rw\n"
    );
    let read_only = format!("{bind},readonly");
    assert_command_failed(
        &sh(&sb, &["--mount", &read_only], "touch /mnt/ro"),
        "read-only file system",
    );
}

#[test]
fn mount_flag_and_tmpfs_flag_mount_tmpfs() {
    let sb = sandbox();
    let script = "echo x > /scratch/file && cat /proc/self/mountinfo";
    for flags in [
        ["--mount", "type=tmpfs,target=/scratch,tmpfs-size=1m"],
        ["--tmpfs", "/scratch"],
    ] {
        let out = sh(&sb, &flags, script);
        let mount = mount_at(&out.ok().stdout, "/scratch")
            .unwrap_or_else(|| panic!("nothing is mounted on /scratch\n{out}"));
        assert_eq!(mount.fstype, "tmpfs", "{out}");
        assert!(!mount.read_only(), "{out}");
    }
    let out = sh(
        &sb,
        &["--mount", "type=tmpfs,target=/scratch,tmpfs-size=1m"],
        "cat /proc/self/mountinfo",
    );
    let mount = mount_at(&out.ok().stdout, "/scratch").expect("a tmpfs on /scratch");
    assert!(
        mount.super_options.iter().any(|o| o == "size=1024k"),
        "tmpfs-size=1m is not the tmpfs size: {mount:?}"
    );
}

// ---- signals and terminals ----

#[test]
fn sigterm_to_the_engine_reaches_the_container() {
    let sb = sandbox();
    let script = r#"trap "echo got TERM; exit 7" TERM; echo ready; while true; do sleep 0.1; done"#;
    let mut engine = Spawned::start(
        run_cmd(&sb, &[], &["sh", "-c", script]),
        &format!("engine run --rm busybox sh -c {script:?}"),
    );
    engine.wait_for_line("ready", READY_TIMEOUT);
    engine.signal(Signal::SIGTERM);
    let out = engine.finish(Duration::from_secs(30));
    assert_eq!(out.fails_with(7).stdout, "ready\ngot TERM\n", "{out}");
}

#[test]
fn interactive_forwards_stdin() {
    let sb = sandbox();
    let input = "line one\nline two\n";
    let out = run_cmd(&sb, &["-i"], &["cat"]).stdin(input).run();
    assert_eq!(out.ok().stdout, input);
    // Without -i the container's stdin is empty, as with podman.
    let out = run_cmd(&sb, &[], &["cat"]).stdin(input).run();
    assert_eq!(out.ok().stdout, "");
}

#[test]
fn tty_gives_the_container_a_terminal_of_its_own() {
    let sb = sandbox();
    // script(1) gives the engine a terminal, of the size stty sets.
    let command = format!(
        "stty rows 40 cols 100; exec {} run --rm -t {} sh -c 'tty; stty size; ls -1 /dev/pts'",
        env().bin.display(),
        busybox()
    );
    let out = sb
        .user_cmd("/usr/bin/script", &["-qec", &command, "/dev/null"])
        .run();
    let text = out.ok().stdout.replace('\r', "");
    let lines: Vec<&str> = text.lines().collect();
    // The pty is made in the container's own devpts, as crun makes it, so the process sees
    // /dev/pts/0, of the caller's size.
    assert_eq!(lines.first(), Some(&"/dev/pts/0"), "{out}");
    assert_eq!(lines.get(1), Some(&"40 100"), "{out}");
    assert!(
        lines.contains(&"ptmx"),
        "the container has its own devpts\n{out}"
    );
}

// ---- root filesystems ----

#[test]
fn rootfs_runs_a_directory_and_leaves_it_unchanged() {
    let sb = Sandbox::new();
    let busybox_bin = fs::read("/bin/busybox").expect("reading /bin/busybox (busybox-static)");
    sb.write_file_mode("rootfs/bin/busybox", busybox_bin, 0o755);
    let root = sb.home().join("rootfs");
    let sh_link = root.join("bin/sh");
    symlink("busybox", &sh_link).unwrap();
    lchown(&sh_link, Some(env().uid), Some(env().gid)).unwrap();
    let before = snapshot(&root);
    let out = sb.engine(&[
        "run",
        "--rm",
        "--rootfs",
        root.to_str().unwrap(),
        "/bin/sh",
        "-c",
        "echo hi; echo x > /written; mkdir -p /var/new",
    ]);
    assert_eq!(out.ok().stdout, "hi\n");
    assert!(
        snapshot(&root) == before,
        "--rootfs changed the directory {}",
        root.display()
    );
}

#[test]
fn fuse_overlayfs_gives_the_same_root_filesystem() {
    let sb = sandbox();
    let script = "stat -c '%u:%g %a' /data/owned-by-app; ls -A /data/opaque
        test -e /data/gone || echo gone absent
        echo written > /data/new && cat /data/new
        cat /proc/self/mountinfo";
    let out = sb.engine(&[
        "--storage-driver",
        "fuse-overlayfs",
        "run",
        "--rm",
        busybox(),
        "sh",
        "-c",
        script,
    ]);
    let printed = lines(out.ok());
    assert!(printed.len() > 4, "{out}");
    assert_eq!(
        printed[..4],
        ["1000:1000 640", "new", "gone absent", "written"],
        "{out}"
    );
    let root = mount_at(&out.stdout, "/").expect("a mount on /");
    assert_eq!(root.fstype, "fuse.fuse-overlayfs", "{out}");
}

/// The copying driver gives the same files (owners, whiteouts, opaque dirs) with nothing mounted
/// over the root but the container's own copy.
#[test]
fn vfs_driver_gives_the_same_root_filesystem_from_a_copy() {
    let sb = sandbox();
    let script = "stat -c '%u:%g %a' /data/owned-by-app; ls -A /data/opaque
        test -e /data/gone || echo gone absent
        stat -c %a /data/setuid-bin
        echo written > /data/new && cat /data/new
        cat /proc/self/mountinfo";
    let out = sb.engine(&[
        "--storage-driver",
        "vfs",
        "run",
        "--name",
        "copied",
        busybox(),
        "sh",
        "-c",
        script,
    ]);
    let printed = lines(out.ok());
    assert_eq!(
        printed[..5],
        ["1000:1000 640", "new", "gone absent", "4755", "written"],
        "{out}"
    );
    let root = mount_at(&out.stdout, "/").expect("a mount on /");
    assert!(!root.fstype.contains("overlay"), "{out}");
    // The copy is the container's alone: files owned by subordinate ids go with `rm`.
    let id = field(&container_named(&sb, "copied"), "id").to_string();
    assert!(
        containers_dir(&sb)
            .join(&id)
            .join("rootfs/data/new")
            .exists()
    );
    sb.engine(&["rm", "copied"]).ok();
    assert!(!containers_dir(&sb).join(&id).exists());
}

#[test]
fn crun_runs_the_config_json_the_same_way() {
    let sb = sandbox();
    let script = "id; hostname; cat /etc/motd; ls -A /data/opaque
        grep -E '^(CapBnd|CapEff|Seccomp|NoNewPrivs):' /proc/self/status
        cat /proc/self/uid_map";
    let ours = sb.engine(&["run", "--name", "for-crun", busybox(), "sh", "-c", script]);
    ours.ok();
    let id = field(&container_named(&sb, "for-crun"), "id").to_string();
    let theirs = run_under_crun(&sb, &id);
    theirs.ok();
    assert_eq!(
        theirs.stdout, ours.stdout,
        "crun runs the engine's config.json differently\nengine:\n{ours}\ncrun:\n{theirs}"
    );
}

// ---- images in use ----

/// An image a container uses cannot be removed (nor its layers pruned) while the container exists.
#[test]
fn rmi_refuses_an_image_a_container_uses() {
    let sb = sandbox();
    sb.engine(&["run", "--name", "keeper", busybox(), "true"])
        .ok();
    let out = sb.engine(&["rmi", busybox()]);
    assert_engine_error(&out, &["in use", "container"]);
    sb.engine(&["image", "prune", "-a", "-f"]).ok();
    // Still there, and still runnable.
    run(&sb, &["--pull=never"], &["true"]).ok();
    // Once the container is gone, so may the image be.
    sb.engine(&["rm", "keeper"]).ok();
    sb.engine(&["rmi", busybox()]).ok();
}

#[test]
fn ps_lists_exited_containers_and_rm_removes_them() {
    let sb = sandbox();
    sb.engine(&["run", "--name", "first", busybox(), "sh", "-c", "exit 3"])
        .fails_with(3);
    assert_eq!(sb.engine(&["ps", "-q"]).ok().stdout, "", "nothing runs");
    let all = sb.engine(&["ps", "-a"]);
    let table = lines(all.ok());
    assert!(
        table[0].starts_with("CONTAINER ID") && table[0].contains("NAMES"),
        "{all}"
    );
    assert!(
        table[1].contains("Exited (3)") && table[1].ends_with("first"),
        "{all}"
    );
    let id = sb
        .engine(&["ps", "-aq", "--no-trunc"])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(id.len(), 64);
    assert_engine_error(&sb.engine(&["rm", "nosuch"]), &["nosuch"]);
    assert_eq!(sb.engine(&["rm", "first"]).ok().stdout.trim(), "first");
    assert_eq!(sb.engine(&["ps", "-aq"]).ok().stdout, "");
    assert!(
        !containers_dir(&sb).join(&id).exists(),
        "the container's directory is gone"
    );
}

// ---- volumes ----

#[test]
fn volume_commands_manage_named_volumes() {
    let sb = sandbox();
    assert_eq!(sb.engine(&["volume", "create", "data"]).ok().line(), "data");
    assert_engine_error(
        &sb.engine(&["volume", "create", "data"]),
        &["data", "exists"],
    );
    sb.engine(&["volume", "create", "--ignore", "data"]).ok();
    assert_engine_error(
        &sb.engine(&["volume", "create", "bad/name"]),
        &["invalid volume name"],
    );
    sh(&sb, &["-v", "data:/data"], "echo kept > /data/file").ok();
    let mountpoint = sb.engine(&["volume", "inspect", "--format", "{{.Mountpoint}}", "data"]);
    let mountpoint = mountpoint.ok().line().to_string();
    assert_eq!(
        fs::read_to_string(Path::new(&mountpoint).join("file")).unwrap(),
        "kept\n"
    );
    let table = sb.engine(&["volume", "ls"]);
    assert!(
        lines(table.ok())[1]
            .split_whitespace()
            .eq(["local", "data"]),
        "{table}"
    );
    // In use by a kept container: rm refuses, prune spares it.
    sb.engine(&[
        "run",
        "--name",
        "user",
        "-v",
        "data:/data",
        busybox(),
        "true",
    ])
    .ok();
    assert_engine_error(
        &sb.engine(&["volume", "rm", "data"]),
        &["data", "container"],
    );
    sb.engine(&["volume", "create", "spare"]).ok();
    assert_eq!(sb.engine(&["volume", "prune", "-f"]).ok().line(), "spare");
    sb.engine(&["rm", "user"]).ok();
    assert_eq!(sb.engine(&["volume", "rm", "data"]).ok().line(), "data");
    assert_eq!(sb.engine(&["volume", "ls", "-q"]).ok().stdout, "");
    assert_engine_error(
        &sb.engine(&["volume", "inspect", "data"]),
        &["no such volume"],
    );
}

// ---- external runtimes ----

/// `--runtime crun` and `--runtime runc` run the same container (same spec, same layers, same
/// isolation) as the built-in runtime.
#[test]
fn runtime_flag_runs_the_container_under_crun_and_runc() {
    let sb = sandbox();
    let script = "id -u; grep -E '^(CapEff|Seccomp):' /proc/self/status; ls /data/opaque; hostname | wc -c; exit 4";
    let builtin = sh(&sb, &[], script);
    builtin.fails_with(4);
    for runtime in ["crun", "runc"] {
        let theirs = sb.engine(&[
            "--runtime",
            runtime,
            "run",
            "--rm",
            busybox(),
            "sh",
            "-c",
            script,
        ]);
        theirs.fails_with(4);
        assert_eq!(
            theirs.stdout, builtin.stdout,
            "{runtime} and the built-in runtime must agree\n{theirs}\n{builtin}"
        );
        assert!(
            theirs.stdout.contains("Seccomp:\t2") && theirs.stdout.contains("new"),
            "{theirs}"
        );
    }
    let unknown = sb.engine(&[
        "--runtime",
        "no-such-runtime",
        "run",
        "--rm",
        busybox(),
        "true",
    ]);
    assert_engine_error(&unknown, &["no-such-runtime"]);
}
