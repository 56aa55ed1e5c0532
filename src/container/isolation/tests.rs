use std::os::unix::fs::symlink;

use super::*;

const INIT_STATUS: &str = "Name:\tsleep\nUid:\t100999\t100999\t100999\t100999\n\
CapInh:\t0000000000000000\nCapPrm:\t00000000800405fb\nCapEff:\t00000000800405fb\n\
CapBnd:\t00000000800405fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n\
Seccomp_filters:\t1\n";
const HOST_STATUS: &str = "Name:\tengine\nUid:\t1001\t1001\t1001\t1001\n\
CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n\
CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n\
Seccomp_filters:\t0\n";
const MOUNTINFO: &str = "\
600 500 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/l\n\
601 600 0:51 / /proc rw,nosuid - proc proc rw\n\
602 601 0:52 /null /proc/kcore rw,nosuid - devtmpfs udev rw\n\
603 601 0:51 /sys /proc/sys ro,nosuid - proc proc rw\n\
604 600 0:53 / /with\\040space rw - tmpfs tmpfs rw\n";

/// A fake /proc: PID 100 is the container's PID 1 (its ns links missing, as when they belong to
/// another uid), 150 the waiter, 200 the engine.
fn fake_proc(root: &Path) {
    let write = |pid: u32, file: &str, text: &str| {
        let path = root.join(pid.to_string()).join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(100, "status", INIT_STATUS);
    write(
        100,
        "uid_map",
        "         0       1001          1\n         1     100000      65536\n",
    );
    write(100, "gid_map", "         0       1001          1\n");
    write(100, "cgroup", "0::/user.slice/ctr\n");
    write(100, "mountinfo", MOUNTINFO);
    write(100, "attr/current", "unconfined\n");
    write(200, "status", HOST_STATUS);
    write(200, "uid_map", "         0          0 4294967295\n");
    write(200, "cgroup", "0::/user.slice\n");
    for (pid, kind, inode) in [
        (150, "user", 11),
        (150, "mnt", 12),
        (150, "pid_for_children", 13),
        (150, "net", 14),
        (200, "user", 21),
        (200, "pid", 23),
    ] {
        let dir = root.join(pid.to_string()).join("ns");
        fs::create_dir_all(&dir).unwrap();
        let kind_name = kind.trim_end_matches("_for_children");
        symlink(format!("{kind_name}:[{inode}]"), dir.join(kind)).unwrap();
    }
}

fn probe(root: &Path, cgroups: &Path, waiter: Option<u32>) -> Isolation {
    let masked = vec!["/proc/kcore".to_string(), "/proc/keys".to_string()];
    let readonly = vec!["/proc/sys".to_string(), "/proc/bus".to_string()];
    Probe {
        proc: root,
        cgroup_root: cgroups,
        init_pid: 100,
        waiter_pid: waiter,
        host_pid: 200,
        masked_paths: &masked,
        readonly_paths: &readonly,
    }
    .read()
}

#[test]
fn reads_every_field_next_to_the_hosts() {
    let proc = tempfile::tempdir().unwrap();
    let cgroups = tempfile::tempdir().unwrap();
    fake_proc(proc.path());
    fs::create_dir_all(cgroups.path().join("user.slice/ctr")).unwrap();
    fs::write(cgroups.path().join("user.slice/ctr/pids.max"), "512\n").unwrap();
    fs::write(cgroups.path().join("user.slice/ctr/memory.max"), "max\n").unwrap();
    let view = probe(proc.path(), cgroups.path(), Some(150));

    assert_eq!(view.init_host_uid, Ok(100999));
    let ns = |kind: &str| {
        view.namespaces
            .iter()
            .find(|(k, _)| *k == kind)
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(ns("user").container, Ok(11));
    assert_eq!(ns("user").host, Ok(21));
    assert_eq!(
        ns("pid").container,
        Ok(13),
        "pid comes from pid_for_children"
    );
    assert_eq!(ns("pid").host, Ok(23));
    assert!(ns("uts").container.unwrap_err().contains("not present"));

    assert_eq!(view.uid_map.container.as_ref().unwrap().len(), 2);
    assert_eq!(view.uid_map.container.as_ref().unwrap()[1].outside, 100000);
    assert!(view.gid_map.host.is_err());

    let caps = |set: &str| {
        view.capabilities
            .iter()
            .find(|(s, _)| *s == set)
            .unwrap()
            .1
            .clone()
    };
    let effective = caps("effective").container.unwrap();
    assert_eq!(effective.mask, 0x800405fb);
    assert_eq!(effective.names.len(), 11);
    assert_eq!(effective.names[0], "cap_chown");
    assert!(effective.names.contains(&"cap_setfcap".to_string()));
    assert_eq!(caps("bounding").host.unwrap().names.len(), 41);

    assert_eq!(view.no_new_privs.container, Ok(true));
    assert_eq!(view.no_new_privs.host, Ok(false));
    let seccomp = view.seccomp.container.clone().unwrap();
    assert_eq!((seccomp.mode.as_str(), seccomp.filters), ("filter", 1));
    assert_eq!(view.seccomp.host.clone().unwrap().mode, "disabled");
    assert_eq!(view.cgroup.container, Ok("0::/user.slice/ctr".to_string()));
    assert_eq!(
        view.cgroup_limits,
        Ok(vec![("pids.max".into(), "512".into())])
    );
    assert_eq!(view.mac_label.container, Ok("unconfined".to_string()));

    let mounts = view.mounts.as_ref().unwrap();
    assert_eq!(mounts.len(), 5);
    assert_eq!(mounts[4].mount_point, "/with space");
    assert_eq!(mounts[2].fs_type, "devtmpfs");
    let applied = |rules: &[PathRule]| rules.iter().map(|r| r.applied).collect::<Vec<_>>();
    assert_eq!(applied(&view.masked_paths), [Some(true), Some(false)]);
    assert_eq!(applied(&view.readonly_paths), [Some(true), Some(false)]);
}

#[test]
fn without_a_waiter_unreadable_namespaces_say_why() {
    let proc = tempfile::tempdir().unwrap();
    fake_proc(proc.path());
    fs::remove_file(proc.path().join("100/mountinfo")).unwrap();
    let view = probe(proc.path(), proc.path(), None);
    let user = &view.namespaces[0].1;
    assert!(
        user.container
            .as_ref()
            .unwrap_err()
            .contains("/100/ns/user")
    );
    assert!(view.mounts.is_err());
    assert_eq!(view.masked_paths[0].applied, None);
}

#[test]
fn capability_masks_decode_like_capsh() {
    let set = decode_caps("0000000000000003").unwrap();
    assert_eq!(set.names, ["cap_chown", "cap_dac_override"]);
    assert_eq!(decode_caps("8000000000000000").unwrap().names, ["cap_63"]);
    assert!(decode_caps("xyz").is_err());
    assert_eq!(status_ids(INIT_STATUS, "Uid"), Some([100999; 4]));
    assert_eq!(status_field(HOST_STATUS, "Seccomp"), Some("0"));
}
