//! Generated /etc/hosts, /etc/hostname and /etc/resolv.conf, and their mounts. The contents in
//! detail are tested with `crate::network::names`.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::network::names::NameOptions;
use crate::network::{JoinedNetwork, NetworkConfig};
use crate::spec::NetworkMode;
use crate::spec::etc_files::EtcFiles;
use crate::spec::host::host_resolv_conf;

use super::*;

fn with_network(mode: NetworkMode, names: NameOptions) -> RunOptions {
    RunOptions {
        network: NetworkConfig {
            mode,
            ports: Vec::new(),
            names,
        },
        ..opts()
    }
}

#[test]
fn build_returns_the_files_and_they_are_written_readable() {
    let fx = Fixture::new();
    let generated = fx.build(&opts()).unwrap();
    let files = &generated.etc_files;
    assert_eq!(files.hostname, "0123456789ab\n");
    let hosts = files.hosts.as_deref().unwrap();
    assert_eq!(
        hosts,
        "127.0.0.1\tlocalhost\n192.168.1.5\tnas\n\
         127.0.0.1\t0123456789ab happy_cat\n::1\t0123456789ab happy_cat\n"
    );
    // --network none: the host's loopback resolver is dropped, nothing replaces it.
    assert_eq!(files.resolv_conf.as_deref(), Some("search lan\n"));

    files.write_to(fx.bundle.path()).unwrap();
    for name in ["hosts", "hostname", "resolv.conf"] {
        let path = fx.bundle.path().join(name);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{name}");
    }
    let host = HostContext {
        hosts: String::new(),
        resolv_conf: String::new(),
        ..host()
    };
    let again =
        EtcFiles::generate(&host, "h", "", &NetworkConfig::new(NetworkMode::Host), None).unwrap();
    again.write_to(fx.bundle.path()).unwrap();
    assert_eq!(
        fs::read_to_string(fx.bundle.path().join("hostname")).unwrap(),
        "h\n"
    );
}

#[test]
fn pasta_names_the_forwarder_and_the_hosts_address() {
    let fx = Fixture::new();
    let o = with_network(
        NetworkMode::Pasta {
            options: Vec::new(),
        },
        NameOptions::default(),
    );
    let files = fx.build(&o).unwrap().etc_files;
    // The fixture host resolves through 127.0.0.53.
    assert_eq!(
        files.resolv_conf.as_deref(),
        Some("nameserver 169.254.1.1\nsearch lan\n")
    );
    let hosts = files.hosts.unwrap();
    assert!(
        hosts.ends_with("192.0.2.2\thost.containers.internal\n192.0.2.2\t0123456789ab happy_cat\n"),
        "{hosts}"
    );
}

#[test]
fn no_hosts_and_dns_none_keep_the_images_files() {
    let fx = Fixture::new();
    let o = with_network(
        NetworkMode::None,
        NameOptions {
            no_hosts: true,
            no_resolv_conf: true,
            ..NameOptions::default()
        },
    );
    let generated = fx.build(&o).unwrap();
    assert_eq!(generated.etc_files.hosts, None);
    assert_eq!(generated.etc_files.resolv_conf, None);
    assert!(mount_at(&generated.spec, "/etc/hosts").is_none());
    assert!(mount_at(&generated.spec, "/etc/resolv.conf").is_none());
    assert!(mount_at(&generated.spec, "/etc/hostname").is_some());

    // Files of an earlier generation are removed, not left behind.
    let full = fx.build(&opts()).unwrap().etc_files;
    full.write_to(fx.bundle.path()).unwrap();
    generated.etc_files.write_to(fx.bundle.path()).unwrap();
    assert!(!fx.bundle.path().join("hosts").exists());
    assert!(!fx.bundle.path().join("resolv.conf").exists());
    assert!(fx.bundle.path().join("hostname").exists());
}

#[test]
fn a_joined_container_shares_the_other_ones_files() {
    let fx = Fixture::new();
    let o = RunOptions {
        joined_network: Some(JoinedNetwork {
            netns: "/proc/7/ns/net".into(),
            userns: Some("/proc/7/ns/user".into()),
            hosts: Some("127.0.0.1\tlocalhost\n10.0.2.100\tfirst\n".into()),
            resolv_conf: Some("nameserver 10.0.2.3\n".into()),
        }),
        ..with_network(
            NetworkMode::Container { id: "first".into() },
            NameOptions::default(),
        )
    };
    let files = fx.build(&o).unwrap().etc_files;
    assert_eq!(files.resolv_conf.as_deref(), Some("nameserver 10.0.2.3\n"));
    assert_eq!(
        files.hosts.as_deref(),
        Some(
            "127.0.0.1\tlocalhost\n10.0.2.100\tfirst\n\
             127.0.0.1\t0123456789ab happy_cat\n"
        )
    );
}

#[test]
fn systemd_resolved_stub_is_replaced_by_its_upstream_list() {
    let dir = tempfile::tempdir().unwrap();
    let (main, upstream) = (
        dir.path().join("resolv.conf"),
        dir.path().join("upstream.conf"),
    );
    fs::write(&main, "nameserver 127.0.0.53\noptions edns0 trust-ad\n").unwrap();
    assert_eq!(
        host_resolv_conf(&main, &upstream),
        "nameserver 127.0.0.53\noptions edns0 trust-ad\n"
    );
    fs::write(&upstream, "nameserver 192.0.2.1\n").unwrap();
    assert_eq!(host_resolv_conf(&main, &upstream), "nameserver 192.0.2.1\n");
    fs::write(&main, "nameserver 127.0.0.53\nnameserver 192.0.2.7\n").unwrap();
    assert!(host_resolv_conf(&main, &upstream).contains("192.0.2.7"));
}

#[test]
fn the_real_host_context_is_readable() {
    let host = HostContext::current(true).unwrap();
    assert!(host.cap_last_cap >= 30);
    assert!(host.nofile.0 <= host.nofile.1);
    assert!(!host.hostname.is_empty());
}
