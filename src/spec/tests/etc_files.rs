//! Generated /etc/hosts, /etc/hostname and /etc/resolv.conf.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::spec::NetworkMode;
use crate::spec::etc_files::{EtcFiles, hosts_file, resolv_conf};
use crate::spec::host::host_resolv_conf;

use super::*;

const HOST_HOSTS: &str = "\
# static table
127.0.0.1\tlocalhost localhost.localdomain
192.168.1.5 nas   # the box in the closet
10.0.0.9
";

#[test]
fn hosts_without_network_maps_the_container_to_loopback() {
    let got = hosts_file(HOST_HOSTS, "0123456789ab", "happy_cat", NetworkMode::None);
    assert_eq!(
        got,
        "127.0.0.1\tlocalhost localhost.localdomain\n\
         192.168.1.5\tnas\n\
         127.0.0.1\t0123456789ab happy_cat\n\
         ::1\t0123456789ab happy_cat\n"
    );
}

#[test]
fn hosts_adds_localhost_when_the_host_file_lacks_it() {
    let got = hosts_file("", "box", "box", NetworkMode::None);
    assert_eq!(
        got,
        "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\tbox\n::1\tbox\n"
    );
}

#[test]
fn hosts_with_host_network_keeps_existing_names() {
    let host = "127.0.0.1 localhost\n127.0.1.1 hosty\n";
    let got = hosts_file(host, "hosty", "web", NetworkMode::Host);
    // The host file already names localhost (on IPv4 only): names are never repeated.
    assert_eq!(
        got,
        "127.0.0.1\tlocalhost\n127.0.1.1\thosty\n127.0.0.1\tweb\n"
    );
}

#[test]
fn resolv_conf_drops_loopback_servers_in_a_private_netns() {
    let host =
        "nameserver 127.0.0.53\nnameserver ::1\nnameserver 10.0.0.1\nsearch lan\noptions edns0\n";
    assert_eq!(
        resolv_conf(host, NetworkMode::None),
        "nameserver 10.0.0.1\nsearch lan\noptions edns0\n"
    );
    assert_eq!(resolv_conf(host, NetworkMode::Host), host);
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
fn build_returns_the_files_and_they_are_written_readable() {
    let fx = Fixture::new();
    let generated = fx.build(&opts()).unwrap();
    let files = &generated.etc_files;
    assert_eq!(files.hostname, "0123456789ab\n");
    assert!(
        files.hosts.contains("127.0.0.1\t0123456789ab happy_cat\n"),
        "{}",
        files.hosts
    );
    assert!(files.hosts.contains("192.168.1.5\tnas\n"));
    assert_eq!(files.resolv_conf, "search lan\n");

    files.write_to(fx.bundle.path()).unwrap();
    for name in ["hosts", "hostname", "resolv.conf"] {
        let path = fx.bundle.path().join(name);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{name}");
    }
    assert_eq!(
        fs::read_to_string(fx.bundle.path().join("hostname")).unwrap(),
        "0123456789ab\n"
    );
    let again = EtcFiles::new("", "", "h", "", NetworkMode::Host);
    again.write_to(fx.bundle.path()).unwrap();
    assert_eq!(
        fs::read_to_string(fx.bundle.path().join("hostname")).unwrap(),
        "h\n"
    );
}

#[test]
fn the_real_host_context_is_readable() {
    let host = HostContext::current(true).unwrap();
    assert!(host.cap_last_cap >= 30);
    assert!(host.nofile.0 <= host.nofile.1);
    assert!(!host.hostname.is_empty());
}
