//! `engine unshare` and the rootless user namespace, for real, as the unprivileged test user:
//! the maps come from /etc/subuid and /etc/subgid through newuidmap/newgidmap.

mod common;

use std::os::unix::fs::MetadataExt;

use common::{Sandbox, env};

/// The test user's first subordinate range in `file` (tests/run.sh always gives it one).
fn first_range(file: &str) -> (u32, u32) {
    let text = std::fs::read_to_string(file).unwrap();
    let user = &env().user;
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let (name, start, count) = (f.next()?, f.next()?, f.next()?);
            let owner = name == user || name == env().uid.to_string();
            if !owner {
                return None;
            }
            Some((start.parse().ok()?, count.parse().ok()?))
        })
        .next()
        .unwrap_or_else(|| panic!("{user} has no range in {file}"))
}

fn map_lines(text: &str) -> Vec<Vec<u32>> {
    text.lines()
        .map(|l| l.split_whitespace().map(|n| n.parse().unwrap()).collect())
        .collect()
}

#[test]
fn maps_the_user_to_root_and_the_subordinate_ranges_after_it() {
    let sb = Sandbox::new();
    assert_eq!(sb.engine(&["unshare", "id", "-u"]).ok().stdout.trim(), "0");
    let (uid_start, uid_count) = first_range("/etc/subuid");
    let (gid_start, gid_count) = first_range("/etc/subgid");
    let uid_map = sb.engine(&["unshare", "cat", "/proc/self/uid_map"]);
    assert_eq!(
        map_lines(&uid_map.ok().stdout),
        [vec![0, env().uid, 1], vec![1, uid_start, uid_count]]
    );
    let gid_map = sb.engine(&["unshare", "cat", "/proc/self/gid_map"]);
    assert_eq!(
        map_lines(&gid_map.ok().stdout),
        [vec![0, env().gid, 1], vec![1, gid_start, gid_count]]
    );
}

#[test]
fn files_chowned_inside_belong_to_subordinate_ids_outside() {
    let sb = Sandbox::new();
    let file = sb.home().join("owned");
    let script = format!("touch {0} && chown 1000:1000 {0}", file.display());
    sb.engine(&["unshare", "sh", "-c", &script]).ok();
    let meta = std::fs::metadata(&file).unwrap();
    let (uid_start, _) = first_range("/etc/subuid");
    let (gid_start, _) = first_range("/etc/subgid");
    assert_eq!((meta.uid(), meta.gid()), (uid_start + 999, gid_start + 999));
}

#[test]
fn exit_codes_follow_docker_rules() {
    let sb = Sandbox::new();
    sb.engine(&["unshare", "sh", "-c", "exit 3"]).fails_with(3);
    sb.engine(&["unshare", "sh", "-c", "kill -TERM $$"])
        .fails_with(143);
    sb.engine(&["unshare", "no-such-program"])
        .fails_with(127)
        .stderr_has("not found");
    let script = sb.write_file("not-executable.sh", "#!/bin/sh\n");
    sb.engine(&["unshare", script.to_str().unwrap()])
        .fails_with(126);
}

#[test]
fn store_root_is_exported_and_mounts_stay_private() {
    let sb = Sandbox::new();
    let out = sb.engine(&[
        "unshare",
        "sh",
        "-c",
        "echo $ENGINE_ROOT; grep -cE '(shared|master):' /proc/self/mountinfo || true",
    ]);
    let lines: Vec<&str> = out.ok().stdout.lines().collect();
    assert_eq!(lines, [sb.data_dir().join("engine").to_str().unwrap(), "0"]);
    let dir = sb.home().join("mnt");
    std::fs::create_dir(&dir).unwrap();
    sb.engine(&[
        "unshare",
        "mount",
        "-t",
        "tmpfs",
        "none",
        dir.to_str().unwrap(),
    ])
    .ok();
    let host_mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !host_mounts.contains(&format!(" {} ", dir.display())),
        "a mount made inside leaked to the host"
    );
}

#[test]
fn without_a_subordinate_range_falls_back_to_one_id_and_says_how_to_fix_it() {
    let sb = Sandbox::new();
    let empty = sb.write_file("empty-subuid", "");
    let out = sb
        .engine_cmd(&["unshare", "cat", "/proc/self/uid_map"])
        .env("ENGINE_SUBUID_FILE", &empty)
        .run();
    assert_eq!(map_lines(&out.ok().stdout), [vec![0, env().uid, 1]]);
    out.stderr_has("WARNING")
        .stderr_has("usermod --add-subuids");
}

#[test]
fn refused_by_root_with_a_clear_error() {
    let out = std::process::Command::new(&env().bin)
        .args(["unshare", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("Error: engine unshare is for rootless users")
    );
}
