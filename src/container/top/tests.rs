use oci_spec::runtime::LinuxIdMappingBuilder;

use super::*;

/// A stat line: `pid (comm) S ppid pgrp ...` with utime 150, stime 50, start 1000, nice -5.
fn stat(pid: u32, comm: &str, ppid: u32, pgrp: u32) -> String {
    format!(
        "{pid} ({comm}) S {ppid} {pgrp} {pgrp} 34816 0 0 0 0 0 0 150 50 0 0 20 -5 1 0 1000 4096000 300 0"
    )
}

fn status(nspid: &str, uid: u32) -> String {
    format!(
        "Name:\tx\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{uid}\t{uid}\t{uid}\t{uid}\nNSpid:\t{nspid}\n"
    )
}

/// Host PIDs: 10 the waiter, 11 PID 1 (container PID 1), 12 its child (container 7),
/// 13 a grandchild (container 9), 20 an unrelated process.
fn fake_proc(root: &Path) {
    let add = |pid: u32, comm: &str, ppid: u32, pgrp: u32, nspid: &str, uid: u32, cmd: &[u8]| {
        let dir = root.join(pid.to_string());
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("stat"), stat(pid, comm, ppid, pgrp)).unwrap();
        fs::write(dir.join("status"), status(nspid, uid)).unwrap();
        fs::write(dir.join("cmdline"), cmd).unwrap();
    };
    add(
        10,
        "engine",
        1,
        10,
        "10",
        1001,
        b"engine\0__container-init\0",
    );
    add(
        11,
        "sh",
        10,
        11,
        "11\t1",
        1001,
        b"sh\0-c\0sleep 100 & wait\0",
    );
    add(
        12,
        "sleep (x)",
        11,
        11,
        "12\t7",
        100999,
        b"sleep\x00100\x00",
    );
    add(13, "zombie", 12, 13, "13\t9", 100999, b"");
    add(20, "bash", 1, 20, "20", 1001, b"bash\0");
    fs::create_dir_all(root.join("self")).unwrap();
}

#[test]
fn the_tree_below_pid_1_with_container_pids() {
    let proc = tempfile::tempdir().unwrap();
    fake_proc(proc.path());
    let processes = container_processes(proc.path(), 11).unwrap();
    let view: Vec<(u32, u32, u32, u32)> = processes
        .iter()
        .map(|p| (p.host_pid, p.pid, p.ppid, p.pgid))
        .collect();
    assert_eq!(view, [(11, 1, 0, 1), (12, 7, 1, 1), (13, 9, 7, 9)]);
    let sleep = &processes[1];
    assert_eq!(sleep.comm, "sleep (x)");
    assert_eq!(sleep.args, ["sleep", "100"]);
    assert_eq!(sleep.host_uids, [100999; 4]);
    assert_eq!(
        (sleep.cpu_ticks, sleep.start_ticks, sleep.nice),
        (200, 1000, -5)
    );
    assert_eq!(
        (sleep.vsize_bytes, sleep.rss_pages, sleep.tty_nr),
        (4096000, 300, 34816)
    );
    assert!(processes[2].args.is_empty());
    assert!(container_processes(proc.path(), 99).is_err());
}

#[test]
fn host_ids_map_back_into_the_container() {
    let mapping = |container: u32, host: u32, size: u32| {
        LinuxIdMappingBuilder::default()
            .container_id(container)
            .host_id(host)
            .size(size)
            .build()
            .unwrap()
    };
    let maps = [mapping(0, 1001, 1), mapping(1, 100000, 65536)];
    assert_eq!(to_container_id(1001, &maps), Some(0));
    assert_eq!(to_container_id(100000, &maps), Some(1));
    assert_eq!(to_container_id(100999, &maps), Some(1000));
    assert_eq!(to_container_id(165536, &maps), None);
    assert_eq!(to_container_id(0, &maps), None);
    assert_eq!(to_container_id(42, &[]), Some(42));
}

#[test]
fn names_come_from_passwd_lines() {
    let names = id_names("root:x:0:0:root:/root:/bin/sh\n# comment\nbad\nwww:x:33:33::/:/x\n");
    assert_eq!(names.get(&0).map(String::as_str), Some("root"));
    assert_eq!(names.get(&33).map(String::as_str), Some("www"));
    assert_eq!(names.len(), 2);
}
