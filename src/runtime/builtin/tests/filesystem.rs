use nix::mount::MsFlags;
use serde_json::json;

use super::recorder::Recorder;
use super::{ROOTFS, container};
use crate::runtime::builtin::init::setup_filesystem;
use crate::runtime::builtin::rootfs::start_fuse_overlayfs;
use crate::runtime::builtin::syscalls::FileKind;

/// What the host and the image have, for the podman-like spec of `container`.
fn host() -> Recorder {
    Recorder::new()
        .exists("/sys", FileKind::Dir)
        .exists("/sys/fs/cgroup", FileKind::Dir)
        .exists("/store/containers/c1/hosts", FileKind::NonDir)
        .exists("/proc/kcore", FileKind::NonDir)
        .exists("/proc/acpi", FileKind::Dir)
        .exists("/proc/sys", FileKind::Dir)
}

fn position(calls: &[String], line: &str) -> usize {
    calls
        .iter()
        .position(|c| c == line)
        .unwrap_or_else(|| panic!("no call {line:?} in {calls:#?}"))
}

#[test]
fn rootless_podman_spec_makes_these_calls_in_this_order() {
    let sys = host();
    setup_filesystem(&sys, &container(|_| {}), true).unwrap();
    let expected = [
        "mount - / - REC|PRIVATE -",
        "mount overlay /store/containers/c1/rootfs overlay 0 lowerdir=/store/layers/b/diff:/store/layers/a/diff,\
         upperdir=/store/containers/c1/upper,workdir=/store/containers/c1/work,userxattr",
        "mount /store/containers/c1/rootfs /store/containers/c1/rootfs - BIND|REC -",
        "set_rootfs /store/containers/c1/rootfs",
        "mkdir rootfs:/proc",
        "mount proc rootfs:/proc proc NOSUID|NODEV|NOEXEC -",
        "mkdir rootfs:/dev",
        "mount tmpfs rootfs:/dev tmpfs NOSUID|STRICTATIME mode=755,size=65536k",
        "mkdir rootfs:/dev/pts",
        "mount devpts rootfs:/dev/pts devpts NOSUID|NOEXEC newinstance,ptmxmode=0666,mode=0620,gid=5",
        "mkdir rootfs:/dev/shm",
        "mount shm rootfs:/dev/shm tmpfs NOSUID|NODEV|NOEXEC mode=1777,size=65536k",
        "mkdir rootfs:/dev/mqueue",
        "mount mqueue rootfs:/dev/mqueue mqueue NOSUID|NODEV|NOEXEC -",
        "mkdir rootfs:/sys",
        "mount sysfs rootfs:/sys sysfs RDONLY|NOSUID|NODEV|NOEXEC -",
        // cgroup v1 host: the host's hierarchy, bound and made read-only.
        "mkdir rootfs:/sys/fs/cgroup",
        "mount /sys/fs/cgroup rootfs:/sys/fs/cgroup - BIND|REC -",
        "mount - rootfs:/sys/fs/cgroup - BIND|REMOUNT|RDONLY|NOSUID|NODEV|NOEXEC|RELATIME -",
        "mount - rootfs:/sys/fs/cgroup - REC|PRIVATE -",
        "touch rootfs:/etc/hosts",
        "mount /store/containers/c1/hosts rootfs:/etc/hosts - BIND -",
        "mount - rootfs:/etc/hosts - REC|PRIVATE -",
        "touch rootfs:/dev/null",
        "mount /dev/null rootfs:/dev/null - BIND -",
        "touch rootfs:/dev/zero",
        "mount /dev/zero rootfs:/dev/zero - BIND -",
        "touch rootfs:/dev/full",
        "mount /dev/full rootfs:/dev/full - BIND -",
        "touch rootfs:/dev/random",
        "mount /dev/random rootfs:/dev/random - BIND -",
        "touch rootfs:/dev/urandom",
        "mount /dev/urandom rootfs:/dev/urandom - BIND -",
        "touch rootfs:/dev/tty",
        "mount /dev/tty rootfs:/dev/tty - BIND -",
        "symlink rootfs:/dev/fd -> /proc/self/fd",
        "symlink rootfs:/dev/stdin -> /proc/self/fd/0",
        "symlink rootfs:/dev/stdout -> /proc/self/fd/1",
        "symlink rootfs:/dev/stderr -> /proc/self/fd/2",
        "symlink rootfs:/dev/ptmx -> pts/ptmx",
        "pivot_root /store/containers/c1/rootfs",
        // Masked: a file gets /dev/null, a directory an empty read-only tmpfs, missing skipped.
        "mount /dev/null /proc/kcore - BIND -",
        "mount tmpfs /proc/acpi tmpfs RDONLY size=0k",
        // Read-only: bound onto itself, remounted read-only; missing skipped.
        "mount /proc/sys /proc/sys - BIND|REC -",
        "mount - /proc/sys - BIND|REMOUNT|RDONLY -",
    ];
    assert_eq!(sys.calls(), expected);
}

#[test]
fn as_real_root_overlay_uses_trusted_xattrs_and_devices_are_created() {
    let sys = host();
    setup_filesystem(&sys, &container(|_| {}), false).unwrap();
    let calls = sys.calls();
    assert!(
        calls[1].ends_with("workdir=/store/containers/c1/work"),
        "no userxattr: {}",
        calls[1]
    );
    position(&calls, "mknod rootfs:/dev/null c 1:3 666 0:0");
    position(&calls, "mknod rootfs:/dev/tty c 5:0 666 0:0");
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("mount /dev/null rootfs:")),
        "{calls:#?}"
    );
}

#[test]
fn sysfs_refused_in_a_user_namespace_falls_back_to_a_read_only_bind() {
    let sys = host()
        .failing("mount sysfs", libc::EPERM)
        .with_flags("rootfs:/sys", MsFlags::MS_NOSUID);
    setup_filesystem(&sys, &container(|_| {}), true).unwrap();
    let calls = sys.calls();
    let bind = position(&calls, "mount /sys rootfs:/sys - BIND|REC -");
    // The remount repeats the flag the host's /sys has (locked in the user namespace).
    let remount = position(
        &calls,
        "mount - rootfs:/sys - BIND|REMOUNT|RDONLY|NOSUID|NODEV|NOEXEC -",
    );
    assert!(
        position(
            &calls,
            "mount sysfs rootfs:/sys sysfs RDONLY|NOSUID|NODEV|NOEXEC -"
        ) < bind
    );
    assert!(bind < remount);
}

#[test]
fn sysfs_refused_as_real_root_is_an_error_naming_the_mount() {
    let sys = host().failing("mount sysfs", libc::EPERM);
    let err = setup_filesystem(&sys, &container(|_| {}), false).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "mount sysfs on /sys: Operation not permitted (os error 1)"
    );
}

#[test]
fn a_refused_cgroup_mount_is_skipped_in_a_user_namespace_only() {
    let sys = host().failing("mount /sys/fs/cgroup", libc::EPERM);
    setup_filesystem(&sys, &container(|_| {}), true).unwrap();
    assert!(
        sys.calls()
            .contains(&"pivot_root /store/containers/c1/rootfs".to_string())
    );

    let sys = host().failing("mount /sys/fs/cgroup", libc::EPERM);
    let err = setup_filesystem(&sys, &container(|_| {}), false).unwrap_err();
    assert!(
        format!("{err:#}").starts_with("mount cgroup on /sys/fs/cgroup: bind /sys/fs/cgroup"),
        "{err:#}"
    );
}

#[test]
fn a_cgroup2_host_gets_a_fresh_cgroup2_mount() {
    let mut sys = host();
    sys.cgroup2 = true;
    setup_filesystem(&sys, &container(|_| {}), true).unwrap();
    position(
        &sys.calls(),
        "mount cgroup2 rootfs:/sys/fs/cgroup cgroup2 RDONLY|NOSUID|NODEV|NOEXEC|RELATIME -",
    );
}

#[test]
fn read_only_bind_keeps_the_locked_flags_of_its_source() {
    let sys = host()
        .exists("/home/u/data", FileKind::Dir)
        .with_flags("rootfs:/data", MsFlags::MS_NOSUID | MsFlags::MS_NODEV);
    let spec = container(|s| {
        s["mounts"] = json!([{"destination": "/data", "type": "bind", "source": "/home/u/data",
                              "options": ["rbind", "ro", "rprivate"]}]);
    });
    setup_filesystem(&sys, &spec, true).unwrap();
    let mounts = sys.mounts();
    let at = position(&mounts, "mount /home/u/data rootfs:/data - BIND|REC -");
    assert_eq!(
        mounts[at + 1],
        "mount - rootfs:/data - BIND|REMOUNT|RDONLY|NOSUID|NODEV -"
    );
    assert_eq!(mounts[at + 2], "mount - rootfs:/data - REC|PRIVATE -");
}

#[test]
fn a_relative_bind_source_is_taken_from_the_bundle() {
    let sys = host().exists("/store/containers/c1/resolv.conf", FileKind::NonDir);
    let spec = container(|s| {
        s["mounts"] = json!([{"destination": "/etc/resolv.conf", "type": "bind", "source": "resolv.conf",
                              "options": ["bind"]}]);
    });
    setup_filesystem(&sys, &spec, true).unwrap();
    let calls = sys.calls();
    let touch = position(&calls, "touch rootfs:/etc/resolv.conf");
    assert!(
        touch
            < position(
                &calls,
                "mount /store/containers/c1/resolv.conf rootfs:/etc/resolv.conf - BIND -"
            )
    );
}

#[test]
fn a_missing_bind_source_is_an_error() {
    let spec = container(|s| {
        s["mounts"] = json!([{"destination": "/data", "type": "bind", "source": "/gone", "options": ["bind"]}]);
    });
    let err = setup_filesystem(&host(), &spec, true).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "mount bind on /data: the source /gone does not exist"
    );
}

#[test]
fn tmpcopyup_mounts_inside_the_copy_up() {
    let sys = host();
    let spec = container(|s| {
        s["mounts"] = json!([{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                              "options": ["rw", "nosuid", "nodev", "tmpcopyup"]}]);
    });
    setup_filesystem(&sys, &spec, true).unwrap();
    let calls = sys.calls();
    let begin = position(&calls, "copy-up begin rootfs:/tmp");
    assert_eq!(
        calls[begin + 1],
        "mount tmpfs rootfs:/tmp tmpfs NOSUID|NODEV -"
    );
    assert_eq!(calls[begin + 2], "copy-up end rootfs:/tmp");
}

#[test]
fn many_layers_are_named_by_descriptor_to_fit_in_a_page() {
    let lowers: Vec<String> = (0..80)
        .map(|i| format!("/store/layers/{}/diff", format!("{i:02}").repeat(32)))
        .collect();
    let sys = host();
    let spec =
        container(|s| s["annotations"]["org.engine.rootfs.lowerdirs"] = json!(lowers.join(":")));
    setup_filesystem(&sys, &spec, true).unwrap();
    let calls = sys.calls();
    let open = position(&calls, "open_dirs 80");
    assert_eq!(calls[open + 1], "chdir /proc/self/fd");
    let overlay = &calls[open + 2];
    let lowerdir = overlay
        .split(' ')
        .nth(5)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let names: Vec<&str> = lowerdir
        .trim_start_matches("lowerdir=")
        .split(':')
        .collect();
    assert_eq!(names.len(), 80);
    assert!(names.iter().all(|n| n.parse::<i32>().is_ok()), "{lowerdir}");
    assert!(overlay.len() < 4096 + 100);
    assert_eq!(calls[open + 3], "chdir /");
}

#[test]
fn fuse_overlayfs_mounts_through_a_shared_mount_point_before_the_fork() {
    let sys = host();
    let spec =
        container(|s| s["annotations"]["org.engine.rootfs.driver"] = json!("fuse-overlayfs"));
    start_fuse_overlayfs(&sys, &spec).unwrap();
    assert_eq!(
        sys.calls(),
        [
            format!("mount {ROOTFS} {ROOTFS} - BIND -"),
            format!("mount - {ROOTFS} - SHARED -"),
            format!(
                "fuse-overlayfs -o lowerdir=/store/layers/b/diff:/store/layers/a/diff,\
                 upperdir=/store/containers/c1/upper,workdir=/store/containers/c1/work {ROOTFS}"
            ),
        ]
    );
    // After the fork, PID 1 makes it private again along with everything, and mounts nothing.
    let sys = host();
    setup_filesystem(&sys, &spec, true).unwrap();
    assert_eq!(
        sys.calls()[..2],
        [
            "mount - / - REC|PRIVATE -".to_string(),
            format!("mount {ROOTFS} {ROOTFS} - BIND|REC -")
        ]
    );
}

#[test]
fn other_drivers_start_no_fuse_daemon() {
    let sys = host();
    start_fuse_overlayfs(&sys, &container(|_| {})).unwrap();
    assert!(sys.calls().is_empty());
}

#[test]
fn vfs_mounts_nothing_but_the_self_bind() {
    let sys = host();
    let spec = container(|s| {
        s["annotations"] = json!({"org.engine.rootfs.driver": "vfs"});
    });
    setup_filesystem(&sys, &spec, true).unwrap();
    assert_eq!(
        sys.calls()[1],
        format!("mount {ROOTFS} {ROOTFS} - BIND|REC -")
    );
}

#[test]
fn terminal_binds_the_pty_on_stdin_onto_dev_console() {
    let sys = host();
    setup_filesystem(
        &sys,
        &container(|s| s["process"]["terminal"] = json!(true)),
        true,
    )
    .unwrap();
    let calls = sys.calls();
    let touch = position(&calls, "touch rootfs:/dev/console");
    assert_eq!(
        calls[touch + 1],
        "mount /dev/pts/7 rootfs:/dev/console - BIND -"
    );
}

#[test]
fn a_dev_bound_from_the_host_gets_no_devices() {
    let sys = host().exists("/dev", FileKind::Dir);
    let spec = container(|s| {
        s["mounts"] = json!([{"destination": "/dev", "type": "bind", "source": "/dev", "options": ["rbind"]}]);
    });
    setup_filesystem(&sys, &spec, true).unwrap();
    assert!(
        !sys.calls()
            .iter()
            .any(|c| c.contains("/dev/null") && c.contains("rootfs:")),
        "{:#?}",
        sys.calls()
    );
}

#[test]
fn spec_devices_replace_defaults_of_the_same_path() {
    let sys = host();
    let spec = container(|s| {
        s["linux"]["devices"] = json!([{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o600},
                                       {"path": "/dev/sda", "type": "b", "major": 8, "minor": 0}]);
    });
    setup_filesystem(&sys, &spec, false).unwrap();
    let nodes: Vec<String> = sys
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("mknod"))
        .collect();
    assert_eq!(nodes.len(), 7, "{nodes:#?}");
    assert!(nodes.contains(&"mknod rootfs:/dev/null c 1:3 600 0:0".to_string()));
    assert!(nodes.contains(&"mknod rootfs:/dev/sda b 8:0 666 0:0".to_string()));
}

#[test]
fn read_only_root_is_remounted_last_with_its_locked_flags() {
    let sys = host().with_flags("/", MsFlags::MS_NOSUID);
    setup_filesystem(
        &sys,
        &container(|s| s["root"]["readonly"] = json!(true)),
        true,
    )
    .unwrap();
    assert_eq!(
        sys.calls().last().unwrap(),
        "mount - / - BIND|REMOUNT|RDONLY|NOSUID -"
    );
}

#[test]
fn sysctls_are_written_after_pivot_root_and_before_read_only_paths() {
    let sys = host();
    let spec = container(|s| s["linux"]["sysctl"] = json!({"net.ipv4.ping_group_range": "0 0"}));
    setup_filesystem(&sys, &spec, true).unwrap();
    let calls = sys.calls();
    let write = position(&calls, "write /proc/sys/net/ipv4/ping_group_range 0 0");
    assert!(position(&calls, "pivot_root /store/containers/c1/rootfs") < write);
    assert!(write < position(&calls, "mount /proc/sys /proc/sys - BIND|REC -"));
}

#[test]
fn root_propagation_comes_from_the_spec() {
    let sys = host();
    setup_filesystem(
        &sys,
        &container(|s| s["linux"]["rootfsPropagation"] = json!("slave")),
        true,
    )
    .unwrap();
    assert_eq!(sys.calls()[0], "mount - / - REC|SLAVE -");
}
