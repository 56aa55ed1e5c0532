//! cgroup paths, control-file settings and the spec's user namespace mappings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use oci_spec::runtime::{LinuxDevice, LinuxResources};
use serde_json::json;

use super::spec_json;
use crate::runtime::builtin::cgroup_settings::{Setting, v1_settings, v2_settings};
use crate::runtime::builtin::cgroups::{Hierarchy, directory, hierarchies, own_cgroups};
use crate::runtime::builtin::root_userns;

const MOUNTINFO: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime shared:5 - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime shared:6 - cgroup cgroup rw,cpu
35 31 0:32 /sandbox /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime shared:14 - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:15 - cgroup2 cgroup2 rw
50 23 0:40 / /mnt/a\\040b rw - ext4 /dev/sda1 rw
";

fn resources(value: serde_json::Value) -> LinuxResources {
    serde_json::from_value(value).unwrap()
}

fn files(settings: &[Setting]) -> Vec<(String, String)> {
    settings
        .iter()
        .map(|s| (format!("{}/{}", s.controller, s.file), s.value.clone()))
        .collect()
}

#[test]
fn hierarchies_are_the_controller_mounts_and_the_unified_one() {
    let found = hierarchies(MOUNTINFO);
    let summary: Vec<(&Path, &Path, Vec<&str>)> = found
        .iter()
        .map(|h| {
            let controllers = h.controllers.iter().map(String::as_str).collect();
            (h.mount_point.as_path(), h.root.as_path(), controllers)
        })
        .collect();
    assert_eq!(
        summary,
        [
            (Path::new("/sys/fs/cgroup/cpu"), Path::new("/"), vec!["cpu"]),
            (
                Path::new("/sys/fs/cgroup/memory"),
                Path::new("/sandbox"),
                vec!["memory"]
            ),
            (Path::new("/sys/fs/cgroup/unified"), Path::new("/"), vec![]),
        ]
    );
}

#[test]
fn an_absolute_path_is_taken_from_the_mount_point_a_relative_one_from_our_cgroup() {
    let memory = Hierarchy {
        mount_point: PathBuf::from("/sys/fs/cgroup/memory"),
        root: PathBuf::from("/sandbox"),
        controllers: vec!["memory".into()],
    };
    let own = own_cgroups("4:memory:/sandbox/job\n1:cpu,cpuacct:/\n0::/x\n");
    assert_eq!(own.get("cpuacct"), Some(&PathBuf::from("/")));
    assert_eq!(own.get(""), Some(&PathBuf::from("/x")));
    assert_eq!(
        directory(&memory, Path::new("/ctr"), &own),
        Path::new("/sys/fs/cgroup/memory/ctr")
    );
    assert_eq!(
        directory(&memory, Path::new("a/b"), &own),
        Path::new("/sys/fs/cgroup/memory/job/a/b")
    );
    assert_eq!(
        directory(&memory, Path::new("a"), &HashMap::new()),
        Path::new("/sys/fs/cgroup/memory/a")
    );
}

#[test]
fn v1_settings_follow_the_kernel_order_and_allow_the_default_devices() {
    let res = resources(json!({
        "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0"},
        "memory": {"limit": 1048576, "swap": 2097152, "kernel": 1, "kernelTCP": 4096,
                   "disableOOMKiller": true},
        "pids": {"limit": 0},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
        "devices": [{"allow": false, "access": "rwm"},
                    {"allow": true, "type": "b", "major": 8, "minor": 20, "access": "rw"}],
        "network": {"classID": 7}
    }));
    let fuse: LinuxDevice = serde_json::from_value(
        json!({"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}),
    )
    .unwrap();
    let got = files(&v1_settings(&res, &[fuse]));
    let position = |file: &str| got.iter().position(|(f, _)| f == file).unwrap();
    assert!(position("cpuset/cpuset.cpus") < position("cpu/cpu.shares"));
    assert!(position("cpu/cpu.cfs_period_us") < position("cpu/cpu.cfs_quota_us"));
    assert!(
        position("memory/memory.limit_in_bytes") < position("memory/memory.memsw.limit_in_bytes")
    );
    let has = |file: &str, value: &str| got.contains(&(file.to_string(), value.to_string()));
    assert!(has("pids/pids.max", "max"));
    assert!(has("memory/memory.oom_control", "1"));
    assert!(has("memory/memory.kmem.tcp.limit_in_bytes", "4096"));
    assert!(
        !got.iter()
            .any(|(f, _)| f == "memory/memory.kmem.limit_in_bytes")
    );
    assert!(has("hugetlb/hugetlb.2MB.limit_in_bytes", "4194304"));
    assert!(has("net_cls/net_cls.classid", "7"));
    let devices: Vec<&str> = got
        .iter()
        .filter(|(f, _)| f.starts_with("devices/"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(&devices[..3], ["a *:* rwm", "b 8:20 rw", "c 1:3 rwm"]);
    assert_eq!(devices.last(), Some(&"c 10:229 rwm"));
}

#[test]
fn v2_settings_convert_shares_quota_and_swap() {
    let res = resources(json!({
        "cpu": {"shares": 1024, "quota": 50000, "period": 100000},
        "memory": {"limit": 1000, "swap": 3000},
        "pids": {"limit": 10}
    }));
    let got = files(&v2_settings(&res));
    let want = [
        ("/cpu.weight", "39"),
        ("/cpu.max", "50000 100000"),
        ("/memory.max", "1000"),
        ("/memory.swap.max", "2000"),
        ("/pids.max", "10"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(f, v)| (f.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn the_spec_user_namespace_maps_are_written_line_by_line() {
    let spec = spec_json(|s| {
        s["linux"]["namespaces"] = json!([{"type": "user"}, {"type": "mount"}]);
        s["linux"]["uidMappings"] = json!([{"containerID": 0, "hostID": 1000, "size": 2000}]);
        s["linux"]["gidMappings"] = json!([{"containerID": 0, "hostID": 3000, "size": 10},
                                           {"containerID": 10, "hostID": 9000, "size": 1}]);
    });
    let linux = spec.linux().clone().unwrap();
    assert!(root_userns::wanted(&linux));
    assert_eq!(root_userns::host_root(&linux), Some((1000, 3000)));
    let gids = root_userns::map_text(linux.gid_mappings().as_deref(), "gidMappings").unwrap();
    assert_eq!(gids, "0 3000 10\n10 9000 1\n");
    let err = root_userns::map_text(None, "uidMappings")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "linux.uidMappings is empty: a new user namespace needs the IDs it maps"
    );
}

#[test]
fn a_user_namespace_to_join_is_not_made() {
    let spec = spec_json(|s| {
        s["linux"]["namespaces"] = json!([{"type": "user", "path": "/proc/1/ns/user"}]);
    });
    assert!(!root_userns::wanted(&spec.linux().clone().unwrap()));
}
