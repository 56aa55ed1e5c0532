//! The spec's mount list: kernel filesystems per namespace setup, /etc binds, --read-only,
//! --init and user mounts.

use std::fs;

use crate::spec::mount_request::MountRequest;
use crate::spec::{NetworkMode, parse_tmpfs_flag};

use crate::network::NetworkConfig;

use super::*;

fn destinations(spec: &Spec) -> Vec<String> {
    mounts(spec)
        .iter()
        .map(|m| m.destination().to_string_lossy().into_owned())
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn bind_request(source: &std::path::Path, destination: &str, read_only: bool) -> MountRequest {
    MountRequest::Bind {
        source: source.to_path_buf(),
        destination: destination.into(),
        read_only,
        recursive: true,
        relabel: None,
        options: vec![],
    }
}

#[test]
fn rootless_defaults_match_podman() {
    let fx = Fixture::new();
    let spec = fx.spec(&opts());
    assert_eq!(
        destinations(&spec),
        strings(&[
            "/proc",
            "/dev",
            "/sys",
            "/dev/pts",
            "/dev/shm",
            "/dev/mqueue",
            "/etc/hosts",
            "/etc/hostname",
            "/etc/resolv.conf",
            "/sys/fs/cgroup",
        ])
    );
    let sys = mount_at(&spec, "/sys").unwrap();
    assert_eq!(sys.typ().as_deref(), Some("sysfs"));
    assert_eq!(
        options_of(&sys),
        strings(&["nosuid", "noexec", "nodev", "ro"])
    );
    let dev = mount_at(&spec, "/dev").unwrap();
    assert_eq!(
        options_of(&dev),
        strings(&["nosuid", "strictatime", "mode=755", "size=65536k"])
    );
    // GID 5 is mapped by the subordinate range, so tty ownership works.
    assert!(options_of(&mount_at(&spec, "/dev/pts").unwrap()).contains(&"gid=5".to_string()));
    let cgroup = mount_at(&spec, "/sys/fs/cgroup").unwrap();
    assert_eq!(cgroup.typ().as_deref(), Some("cgroup"));
    assert!(options_of(&cgroup).contains(&"ro".to_string()));
    let hosts = mount_at(&spec, "/etc/hosts").unwrap();
    assert_eq!(
        hosts.source().clone().unwrap(),
        fx.bundle.path().join("hosts")
    );
    assert_eq!(options_of(&hosts), strings(&["bind", "rprivate"]));
}

#[test]
fn devpts_drops_gid_5_when_it_is_not_mapped() {
    let mut fx = Fixture::new();
    fx.uids = vec![id_map(0, 1000, 1)];
    fx.gids = vec![id_map(0, 1000, 1)];
    let pts = mount_at(&fx.spec(&opts()), "/dev/pts").unwrap();
    assert_eq!(
        options_of(&pts),
        strings(&[
            "nosuid",
            "noexec",
            "newinstance",
            "ptmxmode=0666",
            "mode=0620"
        ])
    );
}

#[test]
fn host_network_rootless_binds_the_hosts_sys() {
    let fx = Fixture::new();
    let o = RunOptions {
        network: NetworkConfig::new(NetworkMode::Host),
        ..opts()
    };
    let spec = fx.spec(&o);
    for dest in ["/sys", "/sys/fs/cgroup"] {
        let m = mount_at(&spec, dest).unwrap();
        assert_eq!(m.typ().as_deref(), Some("bind"));
        assert_eq!(m.source().clone().unwrap().to_string_lossy(), dest);
        assert_eq!(
            options_of(&m),
            strings(&["rprivate", "nosuid", "noexec", "nodev", "ro", "rbind"])
        );
    }
    let masked = spec
        .linux()
        .clone()
        .unwrap()
        .masked_paths()
        .clone()
        .unwrap();
    assert!(masked.contains(&"/sys/kernel".to_string()));
}

#[test]
fn rootful_host_network_still_mounts_sysfs() {
    let fx = Fixture::rootful();
    let o = RunOptions {
        network: NetworkConfig::new(NetworkMode::Host),
        ..opts()
    };
    let spec = fx.spec(&o);
    assert_eq!(
        mount_at(&spec, "/sys").unwrap().typ().as_deref(),
        Some("sysfs")
    );
    assert!(options_of(&mount_at(&spec, "/dev/pts").unwrap()).contains(&"gid=5".to_string()));
    let masked = spec
        .linux()
        .clone()
        .unwrap()
        .masked_paths()
        .clone()
        .unwrap();
    assert!(!masked.contains(&"/sys/kernel".to_string()));
}

#[test]
fn read_only_adds_writable_tmpfs_and_read_only_binds() {
    let fx = Fixture::new();
    let o = RunOptions {
        read_only: true,
        ..opts()
    };
    let spec = fx.spec(&o);
    assert_eq!(spec.root().clone().unwrap().readonly(), Some(true));
    for dest in ["/tmp", "/var/tmp", "/run"] {
        let m = mount_at(&spec, dest).unwrap();
        assert_eq!(m.typ().as_deref(), Some("tmpfs"));
        assert_eq!(
            options_of(&m),
            strings(&["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"])
        );
    }
    assert_eq!(
        options_of(&mount_at(&spec, "/etc/resolv.conf").unwrap()),
        strings(&["bind", "rprivate", "ro", "nosuid", "noexec", "nodev"])
    );

    let no_tmpfs = RunOptions {
        read_only: true,
        read_only_tmpfs: false,
        ..opts()
    };
    assert!(mount_at(&fx.spec(&no_tmpfs), "/tmp").is_none());
    assert_eq!(
        fx.spec(&opts()).root().clone().unwrap().readonly(),
        Some(false)
    );
}

#[test]
fn user_mounts_are_checked_merged_and_ordered() {
    let fx = Fixture::new();
    let data = fx.bundle.path().join("data");
    let sub = data.join("sub");
    fs::create_dir_all(&sub).unwrap();
    let hosts = fx.bundle.path().join("my-hosts");
    fs::write(&hosts, "1.2.3.4 x\n").unwrap();
    let o = RunOptions {
        read_only: true,
        mounts: vec![
            bind_request(&sub, "/data/sub", false),
            bind_request(&data, "/data", true),
            bind_request(&hosts, "/etc/hosts", true),
            parse_tmpfs_flag("/tmp:size=1m").unwrap(),
        ],
        ..opts()
    };
    let spec = fx.spec(&o);
    let dests = destinations(&spec);
    let pos = |d: &str| dests.iter().position(|x| x == d).unwrap();
    assert!(pos("/data") < pos("/data/sub"), "{dests:?}");
    assert_eq!(dests.iter().filter(|d| *d == "/etc/hosts").count(), 1);
    assert_eq!(dests.iter().filter(|d| *d == "/tmp").count(), 1);

    let data_mount = mount_at(&spec, "/data").unwrap();
    assert_eq!(data_mount.typ().as_deref(), Some("bind"));
    assert_eq!(
        options_of(&data_mount),
        strings(&["rbind", "ro", "rprivate"])
    );
    assert_eq!(
        mount_at(&spec, "/etc/hosts")
            .unwrap()
            .source()
            .clone()
            .unwrap(),
        hosts
    );
    assert!(options_of(&mount_at(&spec, "/tmp").unwrap()).contains(&"size=1m".to_string()));
}

#[test]
fn explicit_propagation_replaces_the_private_default() {
    let fx = Fixture::new();
    let o = RunOptions {
        mounts: vec![MountRequest::Bind {
            source: fx.bundle.path().to_path_buf(),
            destination: "/b".into(),
            read_only: false,
            recursive: false,
            relabel: Some('z'),
            options: strings(&["rshared", "nosuid"]),
        }],
        ..opts()
    };
    let m = mount_at(&fx.spec(&o), "/b").unwrap();
    assert_eq!(
        options_of(&m),
        strings(&["bind", "rw", "rshared", "nosuid"])
    );
}

#[test]
fn a_user_dev_replaces_everything_under_dev() {
    let fx = Fixture::new();
    let o = RunOptions {
        mounts: vec![bind_request(fx.bundle.path(), "/dev", false)],
        ..opts()
    };
    let dests = destinations(&fx.spec(&o));
    assert!(!dests.iter().any(|d| d.starts_with("/dev/")), "{dests:?}");
    assert_eq!(dests.iter().filter(|d| *d == "/dev").count(), 1);
}

#[test]
fn bad_user_mounts_are_errors() {
    let fx = Fixture::new();
    let missing = fx.bundle.path().join("missing");
    let o = RunOptions {
        mounts: vec![bind_request(&missing, "/m", false)],
        ..opts()
    };
    let text = err_text(fx.build(&o));
    assert!(
        text.contains(&format!(
            "bind mount source {} (for /m) does not exist",
            missing.display()
        )),
        "{text}"
    );

    let twice = RunOptions {
        mounts: vec![
            bind_request(fx.bundle.path(), "/m", false),
            parse_tmpfs_flag("/m").unwrap(),
        ],
        ..opts()
    };
    assert!(err_text(fx.build(&twice)).contains("two mounts target /m"));

    let volume = RunOptions {
        mounts: vec![MountRequest::Volume {
            name: "gone".into(),
            source: missing.clone(),
            destination: "/v".into(),
            read_only: false,
            relabel: None,
            options: vec![],
        }],
        ..opts()
    };
    assert!(err_text(fx.build(&volume)).contains("volume gone has no directory"));
}

#[test]
fn init_runs_first_from_a_read_only_bind() {
    let fx = Fixture::new();
    let init = fx.bundle.path().join("catatonit");
    fs::write(&init, b"#!").unwrap();
    let o = RunOptions {
        init: true,
        init_path: Some(init.clone()),
        read_only: true,
        ..opts()
    };
    let spec = fx.spec(&o);
    assert_eq!(args(&spec), strings(&["/run/engine-init", "--", "/bin/sh"]));
    let m = mount_at(&spec, "/run/engine-init").unwrap();
    assert_eq!(m.source().clone().unwrap(), init);
    assert_eq!(options_of(&m), strings(&["bind", "ro", "rprivate"]));
    let dests = destinations(&spec);
    let pos = |d: &str| dests.iter().position(|x| x == d).unwrap();
    assert!(pos("/run") < pos("/run/engine-init"));

    let missing = RunOptions {
        init: true,
        init_path: Some(fx.bundle.path().join("nope")),
        ..opts()
    };
    assert!(err_text(fx.build(&missing)).contains("install catatonit"));
}
