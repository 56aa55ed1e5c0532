use serde_json::json;

use super::*;
use crate::cli::format;
use crate::container::isolation::Side;

const ID: &str = "c37e52bbcbe0055f6239ba460a7a7d3e7976baa396790150931b0506b68ee298";

fn record() -> ContainerRecord {
    serde_json::from_value(json!({
        "id": ID, "name": "web", "image_id": "", "image_name": "/srv/rootfs",
        "command": ["/bin/sleep", "1000"], "created": "2026-11-29T03:32:47.605270170Z",
        "labels": {"tier": "front"}, "layers": [], "volumes": [], "rootfs_driver": "overlay",
        "status": "exited", "exit_code": 3, "started_at": "2026-11-29T03:32:48Z",
        "finished_at": "2026-11-29T03:32:50Z",
        "settings": {"auto_remove": true, "stop_signal": "SIGINT", "stop_timeout": 5,
                     "restart_policy": {"name": "on-failure", "max_retries": 3},
                     "log_driver": "k8s-file", "log_max_size": 1000000},
        "create_command": ["engine", "run", "--name", "web"],
    }))
    .unwrap()
}

/// A config.json like the one `engine run` writes: CHOWN dropped, NET_RAW added, a bind mount,
/// a tmpfs, a read-only root, no_new_privs.
fn spec(bundle: &Path) -> Value {
    let caps = [
        "CAP_DAC_OVERRIDE",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_NET_BIND_SERVICE",
        "CAP_SETFCAP",
        "CAP_SETGID",
        "CAP_SETPCAP",
        "CAP_SETUID",
        "CAP_SYS_CHROOT",
        "CAP_NET_RAW",
    ];
    json!({
        "ociVersion": "1.0.2-dev",
        "root": {"path": bundle.join("rootfs"), "readonly": true},
        "hostname": "c37e52bbcbe0",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid"]},
            {"destination": "/etc/hosts", "type": "bind", "source": bundle.join("hosts"), "options": ["bind"]},
            {"destination": "/src", "type": "bind", "source": "/home/u/src", "options": ["rbind", "ro", "rprivate"]},
            {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["rw", "size=1m"]},
        ],
        "process": {
            "terminal": false, "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [10]},
            "args": ["/bin/sleep", "1000"], "env": ["PATH=/bin", "HOME=/"], "cwd": "/work",
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 2048, "soft": 1024}],
            "noNewPrivileges": true,
        },
        "annotations": {"org.engine.rootfs.driver": "overlay", "org.engine.rootfs.lowerdirs": "/srv/rootfs",
                        "org.engine.rootfs.upperdir": bundle.join("upper"), "custom": "yes"},
        "linux": {
            "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "user"}, {"type": "network"}],
            "seccomp": {"defaultAction": "SCMP_ACT_ERRNO"},
            "maskedPaths": ["/proc/kcore"],
        },
    })
}

fn inspected(size: bool, live: Option<&Isolation>) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let bundle = store.create_container(&record()).unwrap();
    std::fs::write(bundle.join("config.json"), spec(&bundle).to_string()).unwrap();
    std::fs::create_dir_all(bundle.join("upper/etc")).unwrap();
    std::fs::write(bundle.join("upper/etc/motd"), b"hello").unwrap();
    container_json(&store, &record(), size, live).unwrap()
}

#[test]
fn has_podmans_shape_from_record_and_spec() {
    let v = inspected(false, None);
    assert_eq!(v["Id"], ID);
    assert_eq!(v["Name"], "web");
    assert_eq!(v["Path"], "/bin/sleep");
    assert_eq!(v["Args"], json!(["1000"]));
    assert_eq!(v["Rootfs"], "/srv/rootfs");
    let state = &v["State"];
    assert_eq!(state["OciVersion"], "1.0.2-dev");
    assert_eq!(state["Status"], "exited");
    assert_eq!(state["Running"], false);
    assert_eq!(state["ExitCode"], 3);
    assert_eq!(state["Pid"], 0);
    assert_eq!(state["StartedAt"], "2026-11-29T03:32:48Z");
    let config = &v["Config"];
    assert_eq!(config["User"], "1000:1000");
    assert_eq!(config["Cmd"], json!(["/bin/sleep", "1000"]));
    assert_eq!(config["Entrypoint"], "");
    assert_eq!(config["Env"], json!(["PATH=/bin", "HOME=/"]));
    assert_eq!(config["WorkingDir"], "/work");
    assert_eq!(config["Labels"], json!({"tier": "front"}));
    assert_eq!(config["Annotations"], json!({"custom": "yes"}));
    assert_eq!(config["StopSignal"], 2);
    assert_eq!(config["StopTimeout"], 5);
    assert_eq!(config["Umask"], "0022");
    assert_eq!(config["CreateCommand"][1], "run");
    let host = &v["HostConfig"];
    assert_eq!(
        host["RestartPolicy"],
        json!({"Name": "on-failure", "MaximumRetryCount": 3})
    );
    assert_eq!(host["AutoRemove"], true);
    assert_eq!(host["LogConfig"]["Type"], "k8s-file");
    assert_eq!(host["LogConfig"]["Size"], "1MB");
    assert_eq!(host["CapAdd"], json!(["CAP_NET_RAW"]));
    assert_eq!(host["CapDrop"], json!(["CAP_CHOWN"]));
    assert_eq!(host["Privileged"], false);
    assert_eq!(host["ReadonlyRootfs"], true);
    assert_eq!(host["SecurityOpt"], json!(["no-new-privileges"]));
    assert_eq!(host["NetworkMode"], "none");
    assert_eq!(host["IpcMode"], "host");
    assert_eq!(host["PidMode"], "private");
    assert_eq!(host["GroupAdd"], json!([10]));
    assert_eq!(host["Tmpfs"], json!({"/scratch": "rw,size=1m"}));
    assert_eq!(host["Binds"], json!(["/home/u/src:/src:ro"]));
    assert_eq!(
        host["Ulimits"],
        json!([{"Name": "RLIMIT_NOFILE", "Soft": 1024, "Hard": 2048}])
    );
    assert_eq!(v["Mounts"].as_array().unwrap().len(), 1);
    assert_eq!(v["GraphDriver"]["Data"]["LowerDir"], "/srv/rootfs");
    assert_eq!(v["BoundingCaps"].as_array().unwrap().len(), 11);
    assert!(v.get("SizeRw").is_none());
    assert!(v.get("Namespaces").is_none());
}

#[test]
fn size_and_live_facts_are_added_on_request() {
    let live = Isolation {
        init_pid: 10,
        waiter_pid: Some(9),
        init_host_uid: Ok(1001),
        namespaces: vec![(
            "user",
            Side {
                container: Ok(7),
                host: Ok(8),
            },
        )],
        uid_map: Side {
            container: Ok(vec![]),
            host: Ok(vec![]),
        },
        gid_map: Side {
            container: Ok(vec![]),
            host: Ok(vec![]),
        },
        capabilities: vec![],
        no_new_privs: Side {
            container: Ok(true),
            host: Ok(false),
        },
        seccomp: Side {
            container: Err("x".into()),
            host: Err("x".into()),
        },
        cgroup: Side {
            container: Ok(String::new()),
            host: Ok(String::new()),
        },
        cgroup_limits: Ok(vec![]),
        mac_label: Side {
            container: Ok(String::new()),
            host: Ok(String::new()),
        },
        mounts: Ok(vec![]),
        masked_paths: vec![],
        readonly_paths: vec![],
    };
    let v = inspected(true, Some(&live));
    assert_eq!(v["SizeRw"], 5);
    assert_eq!(v["SizeRootFs"], 5);
    assert_eq!(v["Namespaces"], json!({"user": "user:[7]"}));
}

#[test]
fn templates_reach_nested_fields() {
    let values = [inspected(false, None)];
    let render = |t: &str| {
        let mut out = Vec::new();
        format::render_inspect(&values, Some(t), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert_eq!(render("{{.State.Status}}"), "exited\n");
    assert_eq!(render("{{.HostConfig.RestartPolicy.Name}}"), "on-failure\n");
    let config: Value = serde_json::from_str(&render("{{json .Config}}")).unwrap();
    assert_eq!(config["Hostname"], "c37e52bbcbe0");
}
