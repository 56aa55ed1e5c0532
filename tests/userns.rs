//! `--userns=keep-id` and `--userns=auto` as the unprivileged test user, on the busybox fixture
//! (tests/fixtures/build_images.py: /data/owned-by-app is 1000:1000, /data/setuid-bin 0:0
//! 4755): the ID maps podman gives, the image's owners kept by the ID-shifted layer copies,
//! files written through a bind mount, auto ranges that never overlap and are freed by `rm`,
//! and copies that go with the image.

mod common;
mod run_support;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{Sandbox, env};
use run_support::procfs::{id_map, subordinate_range};
use run_support::{busybox, container_named, lines, sandbox, sh, shared_dir};

/// What every test checks about the image's files, whatever the namespace.
const OWNERS: &str = "stat -c '%u:%g %a' /data/owned-by-app /data/setuid-bin";
const IMAGE_OWNERS: [&str; 2] = ["1000:1000 640", "0:0 4755"];

/// podman's keep-id layout for container ID `inside` = the test user, as the host sees it.
fn keep_id_map(inside: u64, own: u64, (start, count): (u64, u64)) -> Vec<[u64; 3]> {
    vec![
        [0, start, inside],
        [inside, own, 1],
        [inside + 1, start + inside, count - inside],
    ]
}

/// Every ID-shifted copy in the store: `layers/<chain>/shifted/<key>`.
fn shifted_copies(sb: &Sandbox) -> Vec<PathBuf> {
    let layers = sb.data_dir().join("engine/layers");
    let mut copies = Vec::new();
    for layer in fs::read_dir(&layers).into_iter().flatten().flatten() {
        let shifted = layer.path().join("shifted");
        copies.extend(
            fs::read_dir(shifted)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path()),
        );
    }
    copies.sort();
    copies
}

/// The others bits of `dir`'s mode.
fn others_bits(dir: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::metadata(dir).unwrap_or_else(|e| panic!("stat {}: {e}", dir.display()));
    meta.permissions().mode() & 0o007
}

/// The directories from the home down to the store and its layers, which an auto
/// container's root (a stranger to the test user) must never need opened.
fn store_path_dirs(sb: &Sandbox) -> Vec<PathBuf> {
    let store = sb.data_dir().join("engine");
    let mut dirs: Vec<PathBuf> = store
        .ancestors()
        .take_while(|dir| dir.starts_with(sb.home()))
        .map(Path::to_path_buf)
        .collect();
    dirs.push(store.join("layers"));
    dirs
}

fn auto_range(record: &Value) -> (u64, u64) {
    let range = &record["userns"]["auto_range"];
    match (range[0].as_u64(), range[1].as_u64()) {
        (Some(offset), Some(size)) => (offset, size),
        _ => panic!("the record holds no auto range: {record:#}"),
    }
}

#[test]
fn keep_id_keeps_the_users_ids_and_adds_their_account() {
    let sb = sandbox();
    let (uid, gid) = (u64::from(env().uid), u64::from(env().gid));
    let script = format!(
        "id -u; id -g; id -un; echo HOME=$HOME; grep ^{}: /etc/passwd; {OWNERS}",
        env().user
    );
    let out = sh(&sb, &["--userns=keep-id"], &script);
    assert_eq!(
        lines(out.ok()),
        [
            uid.to_string().as_str(),
            gid.to_string().as_str(),
            env().user.as_str(),
            "HOME=/",
            format!("{}:*:{uid}:{gid}::/:/bin/sh", env().user).as_str(),
            IMAGE_OWNERS[0],
            IMAGE_OWNERS[1],
        ],
        "{out}"
    );
    assert!(
        out.stderr.contains("Copying the image's layers"),
        "the first shift says why it takes a while\n{out}"
    );
    let maps = sh(
        &sb,
        &["--userns=keep-id"],
        "cat /proc/self/uid_map; echo; cat /proc/self/gid_map",
    );
    let text = &maps.ok().stdout;
    let (uid_map, gid_map) = text.split_once("\n\n").expect("two maps");
    assert_eq!(
        id_map(uid_map),
        keep_id_map(uid, uid, subordinate_range("/etc/subuid"))
    );
    assert_eq!(
        id_map(gid_map),
        keep_id_map(gid, gid, subordinate_range("/etc/subgid"))
    );
    assert!(
        maps.stderr.is_empty(),
        "the copy is made once and reused\n{maps}"
    );
}

#[test]
fn keep_id_with_uid_and_gid_maps_the_user_there() {
    let sb = sandbox();
    let flags = ["--userns=keep-id:uid=200,gid=300"];
    let out = sh(
        &sb,
        &flags,
        &format!("id -u; id -g; cat /proc/self/uid_map; {OWNERS}"),
    );
    let got = lines(out.ok());
    assert_eq!(got[..2], ["200", "300"], "{out}");
    let expected = keep_id_map(200, u64::from(env().uid), subordinate_range("/etc/subuid"));
    assert_eq!(id_map(&got[2..5].join("\n")), expected, "{out}");
    assert_eq!(got[5..], IMAGE_OWNERS, "{out}");
    // Unless -u names another user.
    assert_eq!(
        sh(&sb, &["--userns=keep-id", "-u", "0"], "id -u")
            .ok()
            .line(),
        "0"
    );
}

#[test]
fn keep_id_writes_to_a_bind_mount_as_the_user_on_the_host() {
    let sb = sandbox();
    let shared = shared_dir(&sb);
    let out = sh(
        &sb,
        &["--userns=keep-id", "-v", &format!("{shared}:/shared")],
        "stat -c %u /shared/from-host; echo made > /shared/new",
    );
    assert_eq!(out.ok().line(), env().uid.to_string(), "{out}");
    let meta = fs::metadata(PathBuf::from(&shared).join("new")).expect("the file was written");
    assert_eq!((meta.uid(), meta.gid()), (env().uid, env().gid));
}

#[test]
fn auto_gives_each_container_its_own_range_and_rm_frees_it() {
    let sb = sandbox();
    let (start, _) = subordinate_range("/etc/subuid");
    for (name, flag) in [("a1", "--userns=auto"), ("a2", "--userns=auto:size=2000")] {
        sb.engine(&[
            "create",
            "--name",
            name,
            flag,
            busybox(),
            "sh",
            "-c",
            "id -u; cat /proc/self/uid_map",
        ])
        .ok();
    }
    let (a1, a2) = (
        auto_range(&container_named(&sb, "a1")),
        auto_range(&container_named(&sb, "a2")),
    );
    // podman's default size: the image's largest ID (1000) + 1, at least 1024.
    assert_eq!(a1.1, 1024);
    assert_eq!(a2.1, 2000);
    assert!(
        a1.0 + a1.1 <= a2.0 || a2.0 + a2.1 <= a1.0,
        "ranges overlap: {a1:?} {a2:?}"
    );
    for (name, (offset, size)) in [("a1", a1), ("a2", a2)] {
        let out = sb.engine(&["start", "-a", name]);
        let got = lines(out.ok());
        assert_eq!(got[0], "0", "root inside is not the user\n{out}");
        assert_eq!(
            id_map(&got[1..].join("\n")),
            [[0, start + offset, size]],
            "{out}"
        );
    }
    let before = shifted_copies(&sb);
    sb.engine(&["rm", "a1"]).ok();
    assert_eq!(
        shifted_copies(&sb).len(),
        before.len() - 3,
        "a1's own copies go with it"
    );
    sb.engine(&["create", "--name", "a3", "--userns=auto", busybox(), "true"])
        .ok();
    assert_eq!(
        auto_range(&container_named(&sb, "a3")),
        a1,
        "a1's range is free again"
    );
}

#[test]
fn auto_keeps_image_owners_and_gives_fresh_volumes_to_the_container() {
    let sb = sandbox();
    let out = sh(&sb, &["--userns=auto"], &format!("id -u; {OWNERS}"));
    assert_eq!(
        lines(out.ok()),
        ["0", IMAGE_OWNERS[0], IMAGE_OWNERS[1]],
        "{out}"
    );
    let script = "touch /v/file && stat -c %u:%g /v /v/file";
    let out = sh(
        &sb,
        &["--userns=auto", "-u", "1000", "-v", "vol:/v"],
        script,
    );
    assert_eq!(lines(out.ok()), ["1000:1000", "1000:1000"], "{out}");
    assert!(
        shifted_copies(&sb).is_empty(),
        "--rm removed the private copies"
    );
}

/// The sandbox's home is 0700, like a login's: the container's root cannot pass through it,
/// yet it runs, sees the image's owners, and `exec`, `logs` and `rm` work. The store is not
/// opened to others on the way.
#[test]
fn auto_runs_under_a_private_home_without_opening_the_store() {
    let sb = sandbox();
    let closed: Vec<(PathBuf, u32)> = store_path_dirs(&sb)
        .into_iter()
        .map(|dir| {
            let bits = others_bits(&dir);
            (dir, bits)
        })
        .collect();
    assert_eq!(others_bits(sb.home()), 0, "the sandbox's home is private");
    assert_eq!(
        others_bits(&sb.data_dir().join("engine")),
        0,
        "so is the store"
    );
    let script = format!("id -u; {OWNERS}; echo started; sleep 1000");
    let flags = [
        "run",
        "-d",
        "--name",
        "auto1",
        "--userns=auto",
        "-v",
        "vol:/v",
    ];
    sb.engine(&[&flags[..], &[busybox(), "sh", "-c", &script]].concat())
        .ok();
    let out = sb.engine(&[
        "exec",
        "auto1",
        "sh",
        "-c",
        &format!("id -u; {OWNERS}; ls /v"),
    ]);
    assert_eq!(
        lines(out.ok()),
        ["0", IMAGE_OWNERS[0], IMAGE_OWNERS[1]],
        "{out}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let logs = loop {
        let logs = sb.engine(&["logs", "auto1"]);
        if logs.stdout.contains("started") || std::time::Instant::now() > deadline {
            break logs;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(
        lines(logs.ok())[..3],
        ["0", IMAGE_OWNERS[0], IMAGE_OWNERS[1]],
        "{logs}"
    );
    sb.engine(&["rm", "-f", "-t", "0", "auto1"]).ok();
    assert!(
        run_support::container_records(&sb).is_empty(),
        "rm removed it"
    );
    for (dir, before) in closed {
        assert_eq!(
            others_bits(&dir),
            before,
            "{} was opened to others",
            dir.display()
        );
    }
}

/// `exec -t` into an auto container: the engine opens the pty as the user, whom the
/// container's namespace does not map, so it cannot become the command's; the command gets a
/// working terminal anyway (it showed "chown the terminal: EPERM" before).
#[test]
fn exec_t_into_an_auto_container_has_a_terminal() {
    let sb = sandbox();
    sb.engine(&[
        "run",
        "-d",
        "--name",
        "auto-tty",
        "--userns=auto",
        busybox(),
        "sleep",
        "1000",
    ])
    .ok();
    let out = sb
        .user_cmd(
            "script",
            &[
                "-qec",
                r#""$E" exec -t auto-tty sh -c 'tty; id -u'"#,
                "/dev/null",
            ],
        )
        .env("E", &env().bin)
        .run();
    let seen: Vec<&str> = out.stdout.lines().map(str::trim_end).collect();
    assert_eq!(seen, ["/dev/pts/0", "0"], "{out}");
    sb.engine(&["rm", "-f", "-t", "0", "auto-tty"]).ok();
}

/// `--runtime crun|runc` with keep-id and auto: the IDs and owners the built-in runtime
/// gives. keep-id's namespace is made from the host, as the built-in runtime's; auto's is made
/// by the runtime inside the storage namespace, as podman does, so its map is relative to that
/// namespace (container 0 = storage ID 1 + offset, the host's subordinate start + offset).
#[test]
fn keep_id_and_auto_run_under_crun_and_runc() {
    let sb = sandbox();
    let (uid, gid) = (u64::from(env().uid), u64::from(env().gid));
    for runtime in ["crun", "runc"] {
        let out = sb.engine(&[
            "--runtime",
            runtime,
            "run",
            "--rm",
            "--userns=keep-id",
            busybox(),
            "sh",
            "-c",
            &format!("id -u; id -g; cat /proc/self/uid_map; {OWNERS}"),
        ]);
        let got = lines(out.ok());
        assert_eq!(
            got[..2],
            [uid.to_string(), gid.to_string()],
            "{runtime}: {out}"
        );
        let expected = keep_id_map(uid, uid, subordinate_range("/etc/subuid"));
        assert_eq!(id_map(&got[2..5].join("\n")), expected, "{runtime}: {out}");
        assert_eq!(got[5..], IMAGE_OWNERS, "{runtime}: {out}");

        let name = format!("auto-{runtime}");
        let script = format!("id -u; cat /proc/self/uid_map; {OWNERS}");
        sb.engine(&[
            "--runtime",
            runtime,
            "create",
            "--name",
            &name,
            "--userns=auto",
            busybox(),
            "sh",
            "-c",
            &script,
        ])
        .ok();
        let (offset, size) = auto_range(&container_named(&sb, &name));
        let out = sb.engine(&["start", "-a", &name]);
        let got = lines(out.ok());
        assert_eq!(got[0], "0", "{runtime}: root inside is not the user\n{out}");
        assert_eq!(id_map(got[1]), [[0, 1 + offset, size]], "{runtime}: {out}");
        assert_eq!(got[2..], IMAGE_OWNERS, "{runtime}: {out}");
        sb.engine(&["rm", &name]).ok();
    }
}

#[test]
fn rmi_removes_the_shifted_copies() {
    let sb = sandbox();
    sh(&sb, &["--userns=keep-id"], "true").ok();
    assert_eq!(
        shifted_copies(&sb).len(),
        3,
        "one copy per layer of busybox"
    );
    sb.engine(&["rmi", busybox()]).ok();
    assert_eq!(shifted_copies(&sb), Vec::<PathBuf>::new());
}

#[test]
fn bad_userns_values_are_one_line_errors() {
    let sb = sandbox();
    for (flag, says) in [
        ("--userns=keep-id:size=1", "not one of keep-id's options"),
        ("--userns=auto:size=0", "size must be at least 1"),
        ("--userns=auto:size=70000", "no 70000 free subordinate IDs"),
        ("--userns=private", "use host, keep-id"),
    ] {
        let out = sb.engine(&["run", "--rm", flag, busybox(), "true"]);
        out.fails_with(125).stderr_has(says);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{out}");
    }
    assert!(
        run_support::container_records(&sb).is_empty(),
        "no container is left"
    );
    // host is the default layout: root inside is the user.
    let out = sh(&sb, &["--userns", "host"], "id -u; cat /proc/self/uid_map");
    let got = lines(out.ok());
    assert_eq!(got[0], "0", "{out}");
    assert_eq!(id_map(got[1]), [[0, u64::from(env().uid), 1]], "{out}");
}
