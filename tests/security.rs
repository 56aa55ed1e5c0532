//! Hostile containers (issue #7): what a process in a container tries against the host, the
//! engine binary and the user running it, with `engine` as the unprivileged test user. The
//! escape classes of real runtime CVEs (host descriptors and working directories, the engine
//! binary through /proc/self/exe, symlinked mount targets, symlinks under `cp` and `top`), then
//! the confinement of a default container (host processes, masked paths, privileged system
//! calls, keyrings, setuid binaries, signal dispositions). Each test also shows, where it can,
//! that the same attempt succeeds when the protection is lifted, so a pass means something.
//! The attackers are shell scripts and two small C programs (tests/security_support/*.c).

mod common;
mod lifecycle_support;
mod run_support;
mod security_support;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Duration;

use common::{Sandbox, env};
use lifecycle_support::{monitor_pid, run_d, wait_for_log};
use run_support::procfs::status_field;
use run_support::tree::snapshot;
use run_support::{busybox, lines, run, sandbox};
use security_support::exe::{
    attack_rootfs, fingerprint, user_owned_engine, wait_for_report, wait_until_nothing_executes,
};
use security_support::programs::probe;
use security_support::rootfs::Rootfs;
use security_support::{
    CANARY, dir_with_canary, in_terminal, lines_after, masked_paths_on_this_host, probe_volume,
    user_script,
};

/// A row for SECURITY.md (tests/common/report.rs), once the test's checks have passed.
fn record(area: &str, case: &str, outcome: &str) {
    common::report::record("security", area, case, outcome);
}

// ---- host descriptors and working directories (the class of CVE-2024-21626) ----

/// runc leaked a host directory descriptor into the container's init, and an image whose
/// working directory was /proc/self/fd/N started with its cwd on the host. Here the caller
/// of the engine holds host directories open on 5 and 7 (a CI runner or a service manager
/// may pass such descriptors on), and the container asks for every low descriptor as its
/// working directory: none may put it in a host directory.
#[test]
fn workdir_through_proc_self_fd_never_reaches_a_host_directory() {
    let sb = sandbox();
    dir_with_canary(&sb, "hostdir");
    let out = user_script(
        &sb,
        r#"exec 5<"$HOME/hostdir" 7<"$HOME/hostdir"
        for n in 3 4 5 6 7 8 9 10; do
            echo "== run -w /proc/self/fd/$n"
            "$E" run --rm -w /proc/self/fd/$n "$B" ls -a 2>&1
        done
        for n in 5 7; do
            echo "== run -d -w /proc/self/fd/$n"
            if id=$("$E" run -d -w /proc/self/fd/$n "$B" ls -a 2>&1); then
                "$E" wait "$id" >/dev/null; "$E" logs "$id" 2>&1
            else
                echo "$id"
            fi
        done
        "$E" run -d --name target "$B" sleep 1000 >/dev/null
        for n in 3 4 5 6 7 8 9 10; do
            echo "== exec -w /proc/self/fd/$n"
            "$E" exec -w /proc/self/fd/$n target ls -a 2>&1
        done
        echo finished"#,
    );
    assert!(out.stdout.ends_with("finished\n"), "{out}");
    assert!(
        !out.stdout.contains(CANARY),
        "a container started in a host directory the caller held open\n{out}"
    );
    record(
        "host descriptors (CVE-2024-21626 class)",
        "run/exec -w /proc/self/fd/N with host dirs open on fds 5 and 7",
        "contained: no container starts in a host directory",
    );
}

/// Whatever the caller holds open, the container's process gets stdin, stdout and stderr only:
/// attached, detached (the monitor's descriptors), with a terminal, and joined by exec.
#[test]
fn no_descriptor_of_the_caller_reaches_a_container() {
    let sb = sandbox();
    run_d(&sb, &["--name", "target"], &["sleep", "1000"]);
    let open = r#"exec 5<"$HOME" 7</ 9>>"$HOME/fd9""#;
    // The shell's own descriptors: `; true` keeps it from exec'ing ls in its place.
    let list = "ls -1 /proc/$$/fd; true";
    let modes = [
        ("run", format!(r#""$E" run --rm "$B" sh -c '{list}'"#)),
        (
            "run -d",
            format!(
                r#"id=$("$E" run -d "$B" sh -c '{list}'); "$E" wait $id >/dev/null; "$E" logs $id"#
            ),
        ),
        (
            "run -t",
            in_terminal(&format!(r#"{open}; "$E" run --rm -t "$B" sh -c '{list}'"#)),
        ),
        ("exec", format!(r#""$E" exec target sh -c '{list}'"#)),
        (
            "exec -t",
            in_terminal(&format!(r#"{open}; "$E" exec -t target sh -c '{list}'"#)),
        ),
    ];
    let mut seen = BTreeMap::new();
    let mut outputs = String::new();
    for (mode, command) in &modes {
        let out = user_script(&sb, &format!("{open}; {command}"));
        let fds: Vec<&str> = out
            .stdout
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        seen.insert(*mode, fds.join(" "));
        outputs.push_str(&format!("{out}\n"));
    }
    let expected: BTreeMap<&str, String> =
        modes.iter().map(|(m, _)| (*m, "0 1 2".into())).collect();
    assert_eq!(seen, expected, "descriptors in the container\n{outputs}");
    record(
        "host descriptors (CVE-2024-21626 class)",
        "caller holds extra descriptors; run, run -d, run -t, exec",
        "contained: the container sees fds 0 1 2 only",
    );
}

// ---- the engine binary (the class of CVE-2019-5736) ----

/// A container whose command is a `#!/proc/self/exe` script makes its init (the engine, until
/// it execs the command) run the engine binary again inside the container, where the
/// attacker's library opens /proc/self/exe and tries to write and chmod the file. Rootless,
/// the container's root is the user, who owns this copy of the binary: only the read-only
/// mount the init runs from (runtime::self_exe) stands in the way of the chmod. (Writing the
/// content also meets "text file busy": the container's monitor runs the same file for as long
/// as the container lives.)
#[test]
fn a_proc_self_exe_entrypoint_cannot_change_the_engine_binary() {
    let sb = Sandbox::new();
    let rootfs = attack_rootfs(&sb);
    let signal = signal_dir(&sb);
    let engine = user_owned_engine(&sb);
    let before = fingerprint(&engine);
    let volume = format!("{}:/signal", signal.display());
    let out = sb
        .user_cmd(
            engine.to_str().expect("a UTF-8 path"),
            &[
                "run",
                "--rm",
                "--rootfs",
                rootfs.arg(),
                "-v",
                &volume,
                "/bin/evil",
            ],
        )
        .run();
    let report = wait_for_report(&signal, Duration::from_secs(30));
    assert!(
        report.contains("now opened"),
        "the engine never ran as the script's interpreter\n{report}\n{out}"
    );
    assert_eq!(
        fingerprint(&engine),
        before,
        "the container changed the engine binary {}\nattacker: {report}\n{out}",
        engine.display()
    );
    record(
        "engine binary (CVE-2019-5736 class)",
        "#!/proc/self/exe entrypoint writes and chmods the engine binary",
        "refused: the binary is unchanged (read-only init mount)",
    );
}

/// `engine exec` of a `#!/proc/self/exe` script runs the engine in the container the same way,
/// from the exec helper. The attacker keeps a process in the container holding the file open
/// and writes once no engine process runs the file any more (the kernel refuses writes to a
/// running executable): the exec helper must not have run the user's binary itself but a sealed
/// copy (runtime::builtin::sealed_exe). The container runs under the harness's engine, which
/// the test user cannot write, so only the exec involves the user's copy.
#[test]
fn exec_cannot_change_the_engine_binary_through_proc_self_exe() {
    let sb = Sandbox::new();
    let rootfs = attack_rootfs(&sb);
    let signal = signal_dir(&sb);
    let volume = format!("{}:/signal", signal.display());
    let run_args = [
        "run",
        "-d",
        "--name",
        "target",
        "--rootfs",
        rootfs.arg(),
        "-v",
        &volume,
    ];
    sb.engine(&[&run_args[..], &["/bin/sleep", "1000"]].concat())
        .ok();
    let engine = user_owned_engine(&sb);
    let before = fingerprint(&engine);
    let out = sb
        .user_cmd(
            engine.to_str().expect("a UTF-8 path"),
            &["exec", "-e", "ATTACK_LATER=1", "target", "/bin/evil"],
        )
        .run();
    wait_until_nothing_executes(&engine, Duration::from_secs(30));
    fs::write(signal.join("go"), "").expect("writing the attacker's go file");
    let report = wait_for_report(&signal, Duration::from_secs(30));
    assert!(
        report.contains("now opened") && report.contains("later "),
        "the attack did not run to its end\n{report}\n{out}"
    );
    assert_eq!(
        fingerprint(&engine),
        before,
        "the container changed the engine binary {}\nattacker: {report}\n{out}",
        engine.display()
    );
    record(
        "engine binary (CVE-2019-5736 class)",
        "#!/proc/self/exe script run by exec, written once no engine process runs",
        "refused: exec runs a sealed copy; the binary is unchanged",
    );
}

/// `~/signal`, bound to /signal in the attack's container: the attacker's report, the go file.
fn signal_dir(sb: &Sandbox) -> std::path::PathBuf {
    let keep = sb.write_file("signal/.keep", "");
    keep.parent().expect("a file has a parent").to_path_buf()
}

// ---- symlinks the container controls (the classes of CVE-2018-15664 and CVE-2021-30465) ----

/// `engine cp` resolves container paths inside the container: a symlink to / is the
/// container's /, a symlink naming a host directory leads to that path in the container, and
/// special files are skipped rather than read forever.
#[test]
fn cp_resolves_container_symlinks_inside_the_container() {
    let sb = sandbox();
    let victim = dir_with_canary(&sb, "victim");
    let setup = format!(
        "ln -s / /evil && mkdir -p /tmp/t && ln -s {victim} /tmp/t/hostdir \
         && busybox mkfifo /fifo && ln -s /dev/zero /zero && echo ready && exec sleep 1000"
    );
    let id = run_d(&sb, &["--name", "target"], &["sh", "-c", &setup]);
    wait_for_log(&sb, &id, "ready");
    let host_canary = format!("/tmp/engine-security-canary.{}", std::process::id());
    let out = user_script(
        &sb,
        &format!(
            r#"echo payload > payload
            "$E" cp target:/evil/etc/passwd ./passwd && cat passwd
            "$E" cp payload target:/evil{host_canary} && "$E" exec target cat {host_canary}
            "$E" cp payload target:/tmp/t/hostdir/planted
            timeout -s KILL 20 "$E" cp target:/fifo ./fifo; echo "fifo: $?"
            timeout -s KILL 20 "$E" cp target:/dev/zero ./zero; echo "zero: $?"
            timeout -s KILL 20 "$E" cp target:/zero/ ./zero-dir; echo "zero link: $?""#
        ),
    );
    assert!(
        out.stdout.contains("app:x:1000:1000") && !out.stdout.contains(&env().user),
        "cp read another passwd than the container's\n{out}"
    );
    assert!(
        out.stdout.contains("payload\n") && !Path::new(&host_canary).exists(),
        "cp into /evil{host_canary} must write the container's file, not the host's\n{out}"
    );
    assert!(
        !Path::new(&victim).join("planted").exists(),
        "cp followed a container symlink to the host directory {victim}\n{out}"
    );
    for special in ["fifo", "zero", "zero link"] {
        // Skipped or refused (125), never hung (timeout's 137).
        assert!(
            out.stdout.contains(&format!("{special}: 125")),
            "cp of {special}\n{out}"
        );
    }
    record(
        "engine cp (CVE-2018-15664 class)",
        "cp through symlinks to / and to host paths, and of special files",
        "contained: resolved inside the container; special files skipped",
    );
}

/// The race of CVE-2018-15664: while `cp` runs, the container swaps a directory with a
/// symlink to a host path. Resolved inside the container, the symlink leads to that path in the
/// container; an engine resolving on the host would read or write the host's files.
#[test]
fn cp_is_not_fooled_by_a_symlink_swapped_during_the_copy() {
    let sb = sandbox();
    let victim = dir_with_canary(&sb, "victim");
    // /w/dir is a real directory or a symlink to $victim, which also exists in the container.
    let swap = format!(
        "mkdir -p /w/dir {victim} && echo container > /w/dir/{CANARY} \
         && echo container-victim > {victim}/{CANARY} && echo ready \
         && while :; do mv /w/dir /w/parked; ln -s {victim} /w/dir; rm /w/dir; mv /w/parked /w/dir; done"
    );
    let id = run_d(&sb, &["--name", "swapper"], &["sh", "-c", &swap]);
    wait_for_log(&sb, &id, "ready");
    let out = user_script(
        &sb,
        &format!(
            r#"echo payload > payload
            for i in $(seq 30); do
                "$E" cp swapper:/w/dir/{CANARY} ./got 2>/dev/null && echo "read $(cat got)"
                "$E" cp payload swapper:/w/dir/planted.$i 2>/dev/null
            done; true"#
        ),
    );
    let read = lines_after(&out, "read ");
    assert!(
        !read.contains(&CANARY),
        "cp read the host's {victim}/{CANARY}\n{out}"
    );
    assert!(
        read.contains(&"container-victim"),
        "the copies never met the symlink: the race was not run\n{out}"
    );
    let planted: Vec<_> = fs::read_dir(&victim)
        .expect("listing the victim directory")
        .flatten()
        .map(|e| e.file_name())
        .filter(|name| name != CANARY)
        .collect();
    assert!(
        planted.is_empty(),
        "cp wrote {planted:?} into the host's {victim}\n{out}"
    );
    record(
        "engine cp (CVE-2018-15664 class)",
        "symlink swapped in during cp",
        "contained: nothing read or written on the host",
    );
}

/// The class of CVE-2021-30465: mount targets that are symlinks in the root filesystem
/// (absolute, or climbing with `..`) are resolved inside it, so volumes, binds and tmpfs land
/// in the container even when the link names a host directory.
#[test]
fn mount_targets_that_are_symlinks_stay_inside_the_root_filesystem() {
    let sb = Sandbox::new();
    let rootfs = Rootfs::busybox(&sb, "symlinked-targets");
    let targets = ["volume", "relative", "tmpfs", "bind"];
    for name in targets {
        let host_dir = dir_with_canary(&sb, &format!("host-{name}"));
        match name {
            "relative" => rootfs.symlink(name, format!("../../../../../../../..{host_dir}")),
            _ => rootfs.symlink(name, &host_dir),
        }
    }
    let shared = sb.write_file("shared/.keep", "");
    let shared = shared.parent().expect("a file has a parent");
    let host_before: Vec<_> = targets
        .iter()
        .map(|name| snapshot(&sb.home().join(format!("host-{name}"))))
        .collect();
    let rootfs_before = snapshot(rootfs.path());
    let out = sb.engine(&[
        "run",
        "--rm",
        "--rootfs",
        rootfs.arg(),
        "-v",
        "vol:/volume",
        "-v",
        "rel:/relative",
        "--tmpfs",
        "/tmpfs",
        "-v",
        &format!("{}:/bind", shared.display()),
        "/bin/sh",
        "-c",
        "for d in volume relative tmpfs bind; do echo \"$d: $(ls -A /$d)\"; echo $d > /$d/written; done",
    ]);
    out.ok();
    assert!(
        !out.stdout.contains(CANARY),
        "a mount target led to the host\n{out}"
    );
    for (name, before) in targets.iter().zip(&host_before) {
        let dir = sb.home().join(format!("host-{name}"));
        assert!(
            snapshot(&dir) == *before,
            "{} changed\n{out}",
            dir.display()
        );
    }
    assert!(
        snapshot(rootfs.path()) == rootfs_before,
        "the rootfs changed\n{out}"
    );
    let volumes = sb.data_dir().join("engine/volumes");
    for (file, expected) in [
        (volumes.join("vol/_data/written"), "volume\n"),
        (volumes.join("rel/_data/written"), "relative\n"),
        (shared.join("written"), "bind\n"),
    ] {
        let written = fs::read_to_string(&file).unwrap_or_default();
        assert_eq!(written, expected, "{}\n{out}", file.display());
    }
    record(
        "mounts (CVE-2021-30465 class)",
        "volume, bind and tmpfs targets that are symlinks (absolute or ..)",
        "contained: mounts land inside the root filesystem",
    );
}

/// `top` names users from the container's /etc/passwd and /etc/group, files the container
/// controls: a FIFO, a link to /dev/zero or a link to a host file must neither hang it nor
/// show the host file's contents.
#[test]
fn top_is_not_fooled_by_the_containers_passwd_file() {
    let sb = sandbox();
    let host_passwd = sb.write_file("fake-passwd", "HOSTSECRET:x:0:0::/:/bin/sh\n");
    let host_group = sb.write_file("fake-group", "HOSTGROUP:x:0:\n");
    let hostile = [
        (
            "fifo",
            "rm /etc/passwd && busybox mkfifo /etc/passwd".to_string(),
        ),
        ("zero", "ln -sf /dev/zero /etc/passwd".to_string()),
        (
            "host",
            format!(
                "ln -sf {} /etc/passwd && ln -sf {} /etc/group",
                host_passwd.display(),
                host_group.display()
            ),
        ),
    ];
    for (name, setup) in &hostile {
        let script = format!("{setup} && echo ready && exec sleep 1000");
        let id = run_d(&sb, &["--name", name], &["sh", "-c", &script]);
        wait_for_log(&sb, &id, "ready");
    }
    let out = user_script(
        &sb,
        r#"for c in fifo zero host; do
            timeout -s KILL 5 "$E" top $c user group args 2>&1; echo "$c: $?"
        done"#,
    );
    for (name, _) in &hostile {
        assert!(
            out.stdout.contains(&format!("{name}: 0")),
            "top of the container with a hostile /etc/passwd ({name}) hung or failed\n{out}"
        );
    }
    assert!(
        !out.stdout.contains("HOSTSECRET") && !out.stdout.contains("HOSTGROUP"),
        "top read the host's files through the container's symlinks\n{out}"
    );
    record(
        "host tools",
        "top with /etc/passwd as a FIFO, /dev/zero or a host file link",
        "contained: no hang, no host file shown",
    );
}

/// `rm` removes what a container leaves in its writable layer whatever the container did to
/// it: directories without permissions, owned by a subordinate id (for the overlay's upper
/// directory and for the vfs driver's copy).
#[test]
fn rm_removes_what_a_container_locked_up() {
    let sb = sandbox();
    let lock_up = "mkdir -p /a/b/c && touch /a/b/c/f && chown -R 1000:1000 /a \
        && chmod 000 /a/b/c /a/b /a && mkdir /x && touch /x/y && chmod 000 /x && echo ready \
        && exec sleep 1000";
    for driver in ["overlay", "vfs"] {
        let out = sb.engine(&[
            "--storage-driver",
            driver,
            "run",
            "-d",
            busybox(),
            "sh",
            "-c",
            lock_up,
        ]);
        let id = out.ok().line().to_string();
        wait_for_log(&sb, &id, "ready");
        sb.engine(&["--storage-driver", driver, "rm", "-f", &id])
            .ok();
        let dir = run_support::containers_dir(&sb).join(&id);
        assert!(!dir.exists(), "{driver}: rm left {}", dir.display());
    }
    record(
        "host tools",
        "rm after the container locked its files (no permissions, subordinate owners)",
        "contained: everything removed",
    );
}

// ---- the caller's secrets ----

/// Keys in the caller's session keyring (Kerberos tickets, filesystem keys) stay outside:
/// keyctl works in a container as podman's profile allows, but the session keyring is a new,
/// empty one, as runc and crun give each container (runc also for exec). The probe plants a
/// user key in a new session keyring of its own and runs the engine from there.
#[test]
fn the_callers_session_keyring_stays_outside_containers() {
    let sb = sandbox();
    let secret = "engine-test-secret";
    let probe = probe().to_str().expect("a UTF-8 path");
    let bin = env().bin.to_str().expect("a UTF-8 path");
    let with_key = |args: &[&str]| {
        sb.user_cmd(probe, &[&["with-secret-key", bin][..], args].concat())
            .run()
    };
    // The probe itself sees the key, so an answer without it below means something.
    let control = sb
        .user_cmd(probe, &["with-secret-key", probe, "keyring"])
        .run();
    assert!(control.ok().stdout.contains(secret), "{control}");
    let volume = probe_volume();
    let list = ["/probe/probe", "keyring"];
    let target = run_d(&sb, &["-v", &volume], &["sleep", "1000"]);
    let mut seen = vec![
        (
            "run",
            with_key(&[&["run", "--rm", "-v", &volume, busybox()][..], &list].concat()),
        ),
        ("exec", with_key(&[&["exec", &target][..], &list].concat())),
    ];
    let detached = with_key(&[&["run", "-d", "-v", &volume, busybox()][..], &list].concat());
    let id = detached.ok().line().to_string();
    sb.engine(&["wait", &id]).ok();
    seen.push(("run -d", sb.engine(&["logs", &id])));
    let reached: Vec<String> = seen
        .iter()
        .filter(|(_, out)| {
            out.code != 0 || !out.stdout.contains("keyring ok") || out.stdout.contains(secret)
        })
        .map(|(mode, out)| format!("{mode}:\n{out}"))
        .collect();
    assert!(
        reached.is_empty(),
        "containers reached the caller's session keyring (or keyctl failed):\n{}",
        reached.join("\n")
    );
    record(
        "default confinement",
        "keys in the caller's session keyring",
        "contained: each container gets a new, empty session keyring",
    );
}

// ---- a default container ----

/// The container's processes cannot name host processes, even those of the same user (its
/// root): not a process of the host, not its own monitor. The same probe can signal one of
/// its own.
#[test]
fn host_processes_cannot_be_signalled() {
    let sb = sandbox();
    let mut host_process = sb.user_cmd("/bin/sleep", &["60"]).spawn();
    let id = run_d(&sb, &["-v", &probe_volume()], &["sleep", "1000"]);
    let script = format!(
        "/probe/probe kill {host}; /probe/probe kill {monitor}; test -e /proc/{host} && echo visible
         sleep 100 </dev/null >/dev/null 2>&1 & own=$!; /probe/probe kill $own; kill $own",
        host = host_process.id(),
        monitor = monitor_pid(&sb, &id),
    );
    let joined = sb.engine(&["exec", &id, "sh", "-c", &script]);
    let started = run(&sb, &["-v", &probe_volume()], &["sh", "-c", &script]);
    let _ = host_process.kill();
    let _ = host_process.wait();
    for out in [joined, started] {
        assert_eq!(
            lines(out.ok()),
            ["kill ESRCH", "kill ESRCH", "kill ok"],
            "{out}"
        );
    }
    record(
        "default confinement",
        "signal host processes and the container's own monitor",
        "refused: host processes cannot be named",
    );
}

/// Every path podman masks reads as empty, and stays so: root in the container cannot unmount
/// a mask, nor can it from a nested user namespace (the kernel locks mounts made in a more
/// privileged namespace), nor mount a fresh proc or sysfs there to see past them. Processes
/// joined by exec see the same, and with the host's network (the host's /sys, bound) so is
/// /sys/kernel.
#[test]
fn masked_paths_stay_masked_even_from_a_nested_user_namespace() {
    let sb = sandbox();
    let masked = masked_paths_on_this_host().join(" ");
    let read = format!(
        "for p in {masked}; do
            if [ -d $p ]; then echo \"$p $(ls -A $p | wc -l)\"; else echo \"$p $(cat $p 2>/dev/null | wc -c)\"; fi
        done"
    );
    let undo = format!(
        "for p in {masked}; do busybox umount $p 2>/dev/null && echo \"unmounted $p\"; done
        busybox unshare -Urm sh -c 'for p in {masked}; do busybox umount $p 2>/dev/null && echo \"nested: unmounted $p\"; done'
        busybox unshare -Urmpf sh -c 'busybox mount -t proc proc /mnt 2>/dev/null && echo nested: mounted proc
            busybox mount -t sysfs sysfs /mnt 2>/dev/null && echo nested: mounted sysfs; true'"
    );
    let expected: Vec<String> = masked_paths_on_this_host()
        .iter()
        .map(|p| format!("{p} 0"))
        .collect();
    let out = run(&sb, &[], &["sh", "-c", &format!("{read}\n{undo}\n{read}")]);
    let twice: Vec<String> = expected.iter().chain(&expected).cloned().collect();
    assert_eq!(
        lines(out.ok()),
        twice,
        "masks, attempts to lift them, masks again\n{out}"
    );
    // Without the masks the same script sees the kernel's information.
    let privileged = run(&sb, &["--privileged"], &["sh", "-c", &read]);
    assert_ne!(lines(privileged.ok()), expected, "{privileged}");
    let id = run_d(&sb, &[], &["sleep", "1000"]);
    let joined = sb.engine(&["exec", &id, "sh", "-c", &read]);
    assert_eq!(lines(joined.ok()), expected, "exec\n{joined}");
    let host_sys = run(
        &sb,
        &["--network", "host"],
        &["sh", "-c", "ls -A /sys/kernel | wc -l"],
    );
    assert_eq!(
        host_sys.ok().line(),
        "0",
        "/sys/kernel with the host's /sys\n{host_sys}"
    );
    record(
        "default confinement",
        "masked /proc and /sys paths, also from a nested user namespace",
        "refused: masked paths read empty, masks cannot be removed",
    );
}

/// What podman's default capabilities and seccomp profile refuse, refused with the errno the
/// kernel or the filter gives: raw and packet sockets without CAP_NET_RAW, mount without
/// CAP_SYS_ADMIN, reboot without CAP_SYS_BOOT, kernel modules always. A nested user namespace
/// is allowed, as podman's profile allows it (what it cannot do: see the masks test). With the
/// capabilities added the same probes succeed (reboot answers EINVAL: allowed, but only
/// restart and power off make sense in a PID namespace), so each refusal is the confinement's.
#[test]
fn privileged_operations_are_refused_as_podman_refuses_them() {
    let sb = sandbox();
    let probes = "for p in raw-socket packet-socket init-module reboot unshare-user; do /probe/probe $p; done
        /probe/probe mount-tmpfs /tmp; /probe/probe finit-module /probe/probe";
    let volume = probe_volume();
    let by_default = run(
        &sb,
        &["-v", &volume],
        &[
            "sh",
            "-c",
            &format!("{probes}\nbusybox reboot -f 2>/dev/null; echo still running"),
        ],
    );
    assert_eq!(
        lines(by_default.ok()),
        [
            "raw-socket EPERM",
            "packet-socket EPERM",
            "init-module EPERM",
            "reboot EPERM",
            "unshare-user ok",
            "mount-tmpfs EPERM",
            "finit-module EPERM",
            "still running",
        ],
        "{by_default}"
    );
    let caps = [
        "--cap-add",
        "NET_RAW",
        "--cap-add",
        "SYS_ADMIN",
        "--cap-add",
        "SYS_BOOT",
    ];
    let with_caps = run(
        &sb,
        &[&["-v", &volume][..], &caps].concat(),
        &["sh", "-c", probes],
    );
    assert_eq!(
        lines(with_caps.ok()),
        [
            "raw-socket ok",
            "packet-socket ok",
            "init-module EPERM",
            "reboot EINVAL",
            "unshare-user ok",
            "mount-tmpfs ok",
            "finit-module EPERM",
        ],
        "{with_caps}"
    );
    // Not even --privileged loads a module: that takes CAP_SYS_MODULE in the host's user
    // namespace (ENOSYS: a kernel without module support).
    let privileged = run(
        &sb,
        &["--privileged", "-v", &volume],
        &["/probe/probe", "init-module"],
    );
    assert!(
        matches!(
            privileged.ok().line(),
            "init-module EPERM" | "init-module ENOSYS"
        ),
        "{privileged}"
    );
    record(
        "default confinement",
        "raw/packet sockets, init_module, finit_module, reboot, mount, unshare -U",
        "refused as podman refuses them (EPERM); allowed with the capabilities",
    );
}

/// A setuid-root binary (the probe, setuid, owned by the container's root) makes a user root
/// unless the container has no-new-privileges; processes joined by exec keep the container's
/// no-new-privileges too. (tests/run.rs checks `run` with busybox's crontab.)
#[test]
fn no_new_privileges_holds_for_exec_too() {
    let sb = Sandbox::new();
    let rootfs = Rootfs::busybox(&sb, "setuid-rootfs");
    rootfs.copy_from_host(probe(), "bin/setuid-probe", 0o4755);
    let ids = |flags: &[&str], exec: bool| {
        let root = ["--rootfs", rootfs.arg()];
        let command = ["/bin/setuid-probe", "ids"];
        let out = if exec {
            let started =
                sb.engine(&[&["run", "-d"], flags, &root, &["/bin/sleep", "1000"]].concat());
            let id = started.ok().line().to_string();
            sb.engine(&[&["exec", "-u", "1000", &id][..], &command].concat())
        } else {
            sb.engine(&[&["run", "--rm", "-u", "1000"], flags, &root, &command].concat())
        };
        out.ok().line().to_string()
    };
    let nnp = ["--security-opt", "no-new-privileges"];
    assert_eq!(
        ids(&[], false),
        "uid 1000 euid 0",
        "the setuid bit works without it"
    );
    assert_eq!(ids(&nnp, false), "uid 1000 euid 1000");
    assert_eq!(
        ids(&[], true),
        "uid 1000 euid 0",
        "exec: the setuid bit works without it"
    );
    assert_eq!(
        ids(&nnp, true),
        "uid 1000 euid 1000",
        "exec into a no-new-privileges container"
    );
    record(
        "default confinement",
        "setuid binary under --security-opt no-new-privileges (run and exec)",
        "refused: no privilege gained",
    );
}

/// The engine is a Rust program, whose runtime ignores SIGPIPE: its containers must not
/// inherit that (a pipeline's writer would get EPIPE errors instead of dying quietly), nor any
/// blocked signal, whether started attached, detached (by the monitor) or joined by exec.
#[test]
fn sigpipe_is_default_and_no_signal_is_blocked_in_containers() {
    let sb = sandbox();
    let status = ["cat", "/proc/self/status"];
    let attached = run(&sb, &[], &status).ok().stdout.clone();
    let id = run_d(&sb, &[], &status);
    sb.engine(&["wait", &id]).ok();
    let detached = sb.engine(&["logs", &id]).ok().stdout.clone();
    let target = run_d(&sb, &[], &["sleep", "1000"]);
    let joined = sb
        .engine(&[&["exec", &target][..], &status].concat())
        .ok()
        .stdout
        .clone();
    const SIGPIPE_BIT: u64 = 1 << (libc::SIGPIPE - 1);
    for (mode, text) in [("run", attached), ("run -d", detached), ("exec", joined)] {
        let mask = |key| u64::from_str_radix(status_field(&text, key), 16).expect("a hex mask");
        assert_eq!(
            mask("SigIgn") & SIGPIPE_BIT,
            0,
            "{mode}: SIGPIPE is ignored\n{text}"
        );
        assert_eq!(mask("SigBlk"), 0, "{mode}: signals are blocked\n{text}");
    }
    record(
        "default confinement",
        "SIGPIPE ignored or signals blocked in run, run -d, exec",
        "contained: default dispositions, nothing blocked",
    );
}
