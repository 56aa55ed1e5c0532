//! Parsing and mapping math. The namespace itself needs an unprivileged user and a binary that
//! dispatches `__userns-exec`, so it is tested end to end through `engine unshare`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::helper::parse_args;
use super::id_map::id_map_tool_args;
use super::mappings::find_executable;
use super::*;

fn subid_file(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("subuid");
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn ranges_match_name_or_numeric_uid_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = subid_file(
        dir.path(),
        "# ranges\n\nalice:100000:65536\n  bob:165536:65536  \n1001:300000:1000\nalice:400000:10\n",
    );
    let alice = subordinate_ranges(&file, "alice", 1001).unwrap();
    assert_eq!(alice, [(100000, 65536), (300000, 1000), (400000, 10)]);
    assert_eq!(
        subordinate_ranges(&file, "bob", 1002).unwrap(),
        [(165536, 65536)]
    );
    assert!(subordinate_ranges(&file, "carol", 1003).unwrap().is_empty());
}

#[test]
fn missing_file_has_no_ranges_but_a_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent");
    assert!(
        subordinate_ranges(&missing, "alice", 1000)
            .unwrap()
            .is_empty()
    );
    let err = subordinate_ranges(dir.path(), "alice", 1000).unwrap_err();
    assert!(
        format!("{err:#}").contains(&dir.path().display().to_string()),
        "{err:#}"
    );
}

#[test]
fn malformed_lines_are_errors_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (line, reason) in [
        ("alice:100000", "2 fields instead of 3"),
        ("alice:100000:65536:1", "4 fields instead of 3"),
        (":100000:65536", "the owner (user name or UID) is empty"),
        ("alice:1e5:65536", "START \"1e5\" is not a number"),
        ("alice:100000:-1", "COUNT \"-1\" is not a number"),
        ("alice:100000:0", "COUNT is 0"),
        (
            "alice:4294967295:1",
            "START + COUNT goes past the largest ID",
        ),
    ] {
        let file = subid_file(dir.path(), &format!("# first\nbob:1:2\n{line}\n"));
        let err = subordinate_ranges(&file, "bob", 7).unwrap_err().to_string();
        let at = format!("{}:3: malformed entry {line:?}: {reason}", file.display());
        assert!(err.starts_with(&at), "{line}: {err}");
        assert!(err.contains("fix or remove the line"), "{err}");
    }
}

#[test]
fn rootless_layout_stacks_ranges_after_the_user() {
    let mappings = IdMappings::rootless(
        1001,
        1002,
        &[(100000, 65536), (300000, 1000)],
        &[(200000, 5)],
    )
    .unwrap();
    let range = |container, host, size| IdRange {
        container,
        host,
        size,
    };
    assert_eq!(
        mappings.uids,
        [
            range(0, 1001, 1),
            range(1, 100000, 65536),
            range(65537, 300000, 1000)
        ]
    );
    assert_eq!(mappings.gids, [range(0, 1002, 1), range(1, 200000, 5)]);
    assert_eq!(mappings.host_uid(0), Some(1001));
    assert_eq!(mappings.host_uid(1000), Some(100999));
    assert_eq!(mappings.host_uid(65536), Some(165535));
    assert_eq!(mappings.host_uid(65537), Some(300000));
    assert_eq!(mappings.host_uid(66536), Some(300999));
    assert_eq!(mappings.host_uid(66537), None);
    assert_eq!(mappings.host_gid(5), Some(200004));
    assert_eq!(mappings.host_gid(6), None);
    assert!(!mappings.is_single());
}

#[test]
fn ranges_adding_up_past_the_id_space_are_refused() {
    let err =
        IdMappings::rootless(1000, 1000, &[(1, 4_000_000_000), (1, 400_000_000)], &[]).unwrap_err();
    assert!(
        err.to_string().contains("subordinate UID ranges add up"),
        "{err}"
    );
    // Exactly the whole space after the user's own ID still fits.
    assert!(IdMappings::rootless(1000, 1000, &[(1, u32::MAX - 1)], &[(1, 1)]).is_ok());
}

#[test]
fn single_and_identity_mappings() {
    let single = IdMappings::single(1001, 1001);
    assert!(single.is_single());
    assert_eq!(single.host_uid(0), Some(1001));
    assert_eq!(single.host_uid(1), None);
    let identity = IdMappings::identity();
    assert!(!identity.is_single());
    assert_eq!(identity.host_gid(4_294_967_294), Some(4_294_967_294));
}

#[test]
fn id_map_tool_gets_pid_then_triples() {
    let ranges = IdMappings::rootless(1001, 1001, &[(100000, 65536)], &[])
        .unwrap()
        .uids;
    assert_eq!(
        id_map_tool_args(42, &ranges),
        ["42", "0", "1001", "1", "1", "100000", "65536"]
    );
}

#[test]
fn id_map_tool_is_found_in_absolute_path_entries_only() {
    let dir = tempfile::tempdir().unwrap();
    let (good, plain) = (dir.path().join("good"), dir.path().join("plain"));
    fs::create_dir_all(&good).unwrap();
    fs::create_dir_all(&plain).unwrap();
    fs::write(good.join("newuidmap-test"), "").unwrap();
    fs::set_permissions(
        good.join("newuidmap-test"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    fs::write(plain.join("newuidmap-test"), "").unwrap(); // not executable

    let path = std::env::join_paths([&plain, &good]).unwrap();
    let found = find_executable("newuidmap-test", Some(&path));
    assert_eq!(found, Some(good.join("newuidmap-test")));

    // A relative entry must not be used, even when it would resolve from the working directory.
    assert_eq!(
        find_executable("newuidmap-test", Some("relative/dir".as_ref())),
        None
    );
    assert_eq!(find_executable("newuidmap-test", None), None);
}

#[test]
fn warning_says_what_breaks_and_how_to_fix_it() {
    let warning = single_mapping_warning("alice", "/etc/subuid has no range for alice");
    assert!(warning.starts_with("/etc/subuid has no range for alice, so only your own"));
    assert!(warning.contains("chown"));
    let usermod = "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice";
    assert!(warning.contains(usermod), "{warning}");
    assert!(warning.contains("package uidmap"));
    assert!(!warning.contains('\n'));
}

#[test]
fn identity_uid_map_means_the_initial_namespace() {
    assert!(is_identity_uid_map("         0          0 4294967295\n"));
    assert!(!is_identity_uid_map("         0       1001          1\n"));
    assert!(!is_identity_uid_map("0 1001 1\n1 100000 65536\n"));
    assert!(!is_identity_uid_map(""));
}

#[test]
fn helper_arguments() {
    let args = |list: &[&str]| {
        list.iter()
            .map(Into::into)
            .collect::<Vec<std::ffi::OsString>>()
    };
    let full = args(&["engine", USERNS_EXEC_ARG, "--sync=5,6", "--", "id", "-u"]);
    let (sync, program) = parse_args(&full).unwrap();
    assert_eq!(sync, "5,6");
    assert_eq!(program, &args(&["id", "-u"])[..]);
    for bad in [
        &["engine", USERNS_EXEC_ARG][..],
        &["engine", USERNS_EXEC_ARG, "--sync=5,6", "--"],
        &["engine", USERNS_EXEC_ARG, "--sync=5,6", "id"],
        &["engine", USERNS_EXEC_ARG, "5,6", "--", "id"],
    ] {
        let err = parse_args(&args(bad)).unwrap_err();
        assert!(err.contains("use `engine unshare` instead"), "{err}");
    }
}

#[test]
fn exit_code_is_the_code_or_128_plus_the_signal() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;
    assert_eq!(exit_code(ExitStatus::from_raw(3 << 8)), 3);
    assert_eq!(exit_code(ExitStatus::from_raw(libc::SIGTERM)), 143);
}

#[test]
fn real_root_runs_the_program_directly() {
    if !nix::unistd::geteuid().is_root() {
        return; // Unprivileged: covered by the end-to-end tests through the engine binary.
    }
    let (mappings, warning) = rootless_mappings().unwrap();
    assert_eq!(mappings, IdMappings::identity());
    assert_eq!(warning, None);
    let output = UsernsCommand::new("sh", ["-c", "cat /proc/self/uid_map; exit 3"])
        .stdout(std::process::Stdio::piped())
        .spawn(&mappings)
        .unwrap()
        .wait_with_output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(is_identity_uid_map(&String::from_utf8_lossy(
        &output.stdout
    )));
}
