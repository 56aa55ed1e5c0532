//! The whole spec: namespaces, user namespace modes, hostname, annotations, what else is (not)
//! set, and that it survives `Spec::save` / `Spec::load`.

use std::collections::HashMap;

use oci_spec::runtime::LinuxNamespaceType;

use crate::network::{JoinedNetwork, NetworkConfig};
use crate::spec::recipe::RootfsRecipe;
use crate::spec::{NetworkMode, UsernsMode};

use super::*;

fn namespace_types(spec: &Spec) -> Vec<LinuxNamespaceType> {
    spec.linux()
        .clone()
        .unwrap()
        .namespaces()
        .clone()
        .unwrap()
        .iter()
        .map(|ns| ns.typ())
        .collect()
}

use LinuxNamespaceType::{Cgroup, Ipc, Mount, Network, Pid, User, Uts};

#[test]
fn namespaces_follow_network_and_userns() {
    let fx = Fixture::new();
    assert_eq!(
        namespace_types(&fx.spec(&opts())),
        vec![Pid, Ipc, Uts, Mount, Cgroup, Network, User]
    );
    let host_net = RunOptions {
        network: NetworkConfig::new(NetworkMode::Host),
        ..opts()
    };
    assert_eq!(
        namespace_types(&fx.spec(&host_net)),
        vec![Pid, Ipc, Uts, Mount, Cgroup, User]
    );
    // Rootless always needs a user namespace, even with --userns host.
    let userns_host = RunOptions {
        userns: UsernsMode::Host,
        ..opts()
    };
    assert!(namespace_types(&fx.spec(&userns_host)).contains(&User));

    let rootful = Fixture::rootful();
    let spec = rootful.spec(&opts());
    assert_eq!(
        namespace_types(&spec),
        vec![Pid, Ipc, Uts, Mount, Cgroup, Network]
    );
    let linux = spec.linux().clone().unwrap();
    assert!(linux.uid_mappings().is_none() && linux.gid_mappings().is_none());
}

#[test]
fn joined_networks_name_their_namespaces() {
    let fx = Fixture::new();
    let joined = JoinedNetwork {
        netns: "/proc/42/ns/net".into(),
        userns: Some("/proc/42/ns/user".into()),
        hosts: None,
        resolv_conf: None,
    };
    let other = RunOptions {
        network: NetworkConfig::new(NetworkMode::Container { id: "c".into() }),
        joined_network: Some(joined.clone()),
        ..opts()
    };
    let namespaces = fx
        .spec(&other)
        .linux()
        .clone()
        .unwrap()
        .namespaces()
        .clone()
        .unwrap();
    let path_of = |typ| {
        let ns = namespaces.iter().find(|ns| ns.typ() == typ).unwrap();
        ns.path().clone()
    };
    assert_eq!(path_of(Network), Some("/proc/42/ns/net".into()));
    assert_eq!(path_of(User), Some("/proc/42/ns/user".into()));
    assert_eq!(path_of(Uts), None);

    // ns:PATH: the runtime finds the owning user namespace; /sys can only be bound.
    let path = RunOptions {
        network: NetworkConfig::new(NetworkMode::Path {
            path: "/run/netns/x".into(),
        }),
        joined_network: Some(JoinedNetwork {
            netns: "/run/netns/x".into(),
            userns: None,
            ..joined
        }),
        ..opts()
    };
    let spec = fx.spec(&path);
    let namespaces = spec.linux().clone().unwrap().namespaces().clone().unwrap();
    let user = namespaces.iter().find(|ns| ns.typ() == User).unwrap();
    assert_eq!(user.path(), &None);
    assert_eq!(
        mount_at(&spec, "/sys").unwrap().typ().as_deref(),
        Some("bind")
    );

    // Unresolved: an internal error, not a spec that silently creates a namespace.
    let unresolved = RunOptions {
        joined_network: None,
        ..other
    };
    assert!(err_text(fx.build(&unresolved)).contains("internal error"));
}

#[test]
fn user_namespace_mappings_are_checked() {
    let fx = Fixture::new();
    let linux = fx.spec(&opts()).linux().clone().unwrap();
    assert_eq!(linux.uid_mappings().clone().unwrap(), rootless_maps());
    assert_eq!(linux.gid_mappings().clone().unwrap(), rootless_maps());

    let mut no_maps = Fixture::new();
    no_maps.uids.clear();
    assert!(err_text(no_maps.build(&opts())).contains("needs UID and GID mappings"));

    let mut rootful = Fixture::rootful();
    assert!(
        err_text(rootful.build(&RunOptions {
            userns: UsernsMode::KeepId {
                uid: None,
                gid: None
            },
            ..opts()
        }))
        .contains("only works rootless")
    );
    let auto = RunOptions {
        userns: UsernsMode::Auto { size: None },
        ..opts()
    };
    assert!(err_text(rootful.build(&auto)).contains("needs UID and GID mappings"));
    rootful.uids = rootless_maps();
    rootful.gids = rootless_maps();
    assert!(namespace_types(&rootful.spec(&auto)).contains(&User));
    assert!(err_text(rootful.build(&opts())).contains("no user namespace"));
}

#[test]
fn hostname_defaults_to_the_short_id_or_the_hosts_name() {
    let fx = Fixture::new();
    assert_eq!(fx.spec(&opts()).hostname().as_deref(), Some("0123456789ab"));
    let host_net = RunOptions {
        network: NetworkConfig::new(NetworkMode::Host),
        ..opts()
    };
    assert_eq!(fx.spec(&host_net).hostname().as_deref(), Some("hosty"));
    for bad in ["", "has space", "a/b", &"x".repeat(65)] {
        let o = RunOptions {
            hostname: Some(bad.to_string()),
            ..opts()
        };
        assert!(err_text(fx.build(&o)).contains("--hostname"), "{bad}");
    }
    let no_id = RunOptions {
        container_id: String::new(),
        ..opts()
    };
    assert!(err_text(fx.build(&no_id)).contains("no ID"));
}

#[test]
fn annotations_carry_the_rootfs_recipe() {
    let fx = Fixture::new();
    let o = RunOptions {
        annotations: vec![("com.example.k".into(), "v".into())],
        ..opts()
    };
    let spec = fx.spec(&o);
    let annotations = spec.annotations().clone().unwrap();
    assert_eq!(
        annotations.get("com.example.k").map(String::as_str),
        Some("v")
    );
    assert_eq!(
        RootfsRecipe::from_annotations(&annotations).unwrap(),
        fx.recipe
    );

    let reserved = RunOptions {
        annotations: vec![("org.engine.rootfs.driver".into(), "vfs".into())],
        ..opts()
    };
    assert!(err_text(fx.build(&reserved)).contains("reserved for the engine"));
}

#[test]
fn process_fields_and_absent_example_defaults() {
    let fx = Fixture::new();
    let o = RunOptions {
        tty: true,
        no_new_privileges: true,
        ..opts()
    };
    let spec = fx.spec(&o);
    assert_eq!(spec.version(), "1.0.2-dev");
    let process = spec.process().clone().unwrap();
    assert_eq!(process.terminal(), Some(true));
    assert_eq!(process.no_new_privileges(), Some(true));
    assert_eq!(
        fx.spec(&opts())
            .process()
            .clone()
            .unwrap()
            .no_new_privileges(),
        Some(false)
    );
    assert_eq!(
        spec.root().clone().unwrap().path(),
        &fx.bundle.path().join("rootfs")
    );
    // Nothing from oci-spec's example defaults may leak through.
    let linux = spec.linux().clone().unwrap();
    assert!(linux.resources().is_none());
    assert!(linux.devices().is_none());
    assert!(spec.hooks().is_none());
    let masked = linux.masked_paths().clone().unwrap();
    assert!(
        masked.contains(&"/proc/interrupts".to_string())
            && masked.contains(&"/sys/dev/block".to_string())
    );
    let json = serde_json::to_value(&spec).unwrap();
    assert_eq!(json["process"]["user"]["umask"], 18);
    assert!(json.get("hooks").is_none());
}

#[test]
fn rlimits_land_in_the_process() {
    let fx = Fixture::new();
    let o = RunOptions {
        ulimits: vec!["nofile=1024:2048".into(), "core=0".into()],
        ..opts()
    };
    let rlimits = fx
        .spec(&o)
        .process()
        .clone()
        .unwrap()
        .rlimits()
        .clone()
        .unwrap();
    let got: Vec<(String, u64, u64)> = rlimits
        .iter()
        .map(|r| (format!("{:?}", r.typ()), r.soft(), r.hard()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("RlimitNofile".to_string(), 1024, 2048),
            ("RlimitCore".to_string(), 0, 0),
            ("RlimitNproc".to_string(), 62_000, 62_000),
        ]
    );
}

#[test]
fn spec_round_trips_through_config_json() {
    let fx = Fixture::new();
    let o = RunOptions {
        tty: true,
        user: Some("app".into()),
        cap_add: vec!["NET_ADMIN".into()],
        env: vec!["A=1".into()],
        read_only: true,
        ..opts()
    };
    let spec = fx.spec(&o);
    let path = fx.bundle.path().join("config.json");
    spec.save(&path).unwrap();
    let loaded = Spec::load(&path).unwrap();
    assert_eq!(loaded, spec);
    let annotations: HashMap<String, String> = loaded.annotations().clone().unwrap();
    assert!(RootfsRecipe::from_annotations(&annotations).is_ok());
}
