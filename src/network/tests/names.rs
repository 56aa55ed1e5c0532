//! /etc/hosts and /etc/resolv.conf contents, `--add-host`.

use std::net::IpAddr;

use crate::network::names::{
    ContainerAddresses, HostEntry, NameOptions, container_addresses, dns_forwarder, hosts_file,
    resolv_conf,
};
use crate::network::{HostNetwork, NetworkMode};

use super::strings;

const HOST_HOSTS: &str = "\
# static table
127.0.0.1\tlocalhost localhost.localdomain
192.168.1.5 nas   # the box in the closet
10.0.0.9
";

fn host() -> HostNetwork {
    HostNetwork {
        address: Some([192, 0, 2, 2].into()),
        gateway: Some([192, 0, 2, 1].into()),
    }
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn pasta(options: &[&str]) -> NetworkMode {
    NetworkMode::Pasta {
        options: strings(options),
    }
}

fn slirp(options: &[&str]) -> NetworkMode {
    NetworkMode::Slirp4netns {
        options: strings(options),
    }
}

#[test]
fn addresses_per_mode() {
    let cases = [
        (NetworkMode::None, vec!["127.0.0.1", "::1"], None),
        (NetworkMode::Host, vec!["127.0.0.1"], None),
        (pasta(&[]), vec!["192.0.2.2"], Some("192.0.2.2")),
        (pasta(&["--map-gw"]), vec!["192.0.2.2"], Some("192.0.2.1")),
        (
            pasta(&["--map-host-loopback", "169.254.1.2"]),
            vec!["192.0.2.2"],
            Some("169.254.1.2"),
        ),
        (
            pasta(&["--map-guest-addr=169.254.1.3"]),
            vec!["192.0.2.2"],
            Some("169.254.1.3"),
        ),
        (slirp(&[]), vec!["10.0.2.100"], Some("192.0.2.2")),
        (
            slirp(&["allow_host_loopback=true"]),
            vec!["10.0.2.100"],
            Some("10.0.2.2"),
        ),
        (
            slirp(&["cidr=10.9.0.0/16", "allow_host_loopback=true"]),
            vec!["10.9.0.100"],
            Some("10.9.0.2"),
        ),
        (
            NetworkMode::Container { id: "x".into() },
            vec!["127.0.0.1"],
            None,
        ),
    ];
    for (mode, own, gateway) in cases {
        let got = container_addresses(&mode, &host());
        let want = ContainerAddresses {
            own: own.iter().map(|a| ip(a)).collect(),
            host_gateway: gateway.map(ip),
        };
        assert_eq!(got, want, "{mode}");
    }
    // Without a default route pasta's container has no address of the host's to copy.
    let offline = container_addresses(&pasta(&[]), &HostNetwork::default());
    assert_eq!(
        (offline.own, offline.host_gateway),
        (vec![ip("127.0.0.1")], None)
    );
}

#[test]
fn hosts_without_network_maps_the_container_to_loopback() {
    let addresses = container_addresses(&NetworkMode::None, &host());
    let got = hosts_file(HOST_HOSTS, "0123456789ab", "happy_cat", &addresses, &[]).unwrap();
    assert_eq!(
        got,
        "127.0.0.1\tlocalhost localhost.localdomain\n\
         192.168.1.5\tnas\n\
         127.0.0.1\t0123456789ab happy_cat\n\
         ::1\t0123456789ab happy_cat\n"
    );
    let empty = hosts_file("", "box", "box", &addresses, &[]).unwrap();
    assert_eq!(
        empty,
        "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\tbox\n::1\tbox\n"
    );
}

#[test]
fn hosts_with_a_helper_add_host_entries_and_the_host() {
    let addresses = container_addresses(&slirp(&["allow_host_loopback=true"]), &host());
    let add = [
        HostEntry::parse("db:10.1.2.3").unwrap(),
        HostEntry::parse("v6:[fd00::9]").unwrap(),
        HostEntry::parse("gw:host-gateway").unwrap(),
        HostEntry::parse("nas:10.9.9.9").unwrap(),
    ];
    let got = hosts_file(
        "127.0.0.1 localhost\n192.168.1.5 nas\n",
        "web1",
        "web",
        &addresses,
        &add,
    )
    .unwrap();
    // The user's entries come first and win over the host's (`nas`).
    assert_eq!(
        got,
        "10.1.2.3\tdb\nfd00::9\tv6\n10.0.2.2\tgw\n10.9.9.9\tnas\n\
         127.0.0.1\tlocalhost\n192.168.1.5\tnas\n\
         10.0.2.2\thost.containers.internal\n10.0.2.100\tweb1 web\n"
    );
    // A name the user gave is not generated again.
    let mine = [HostEntry::parse("host.containers.internal:10.5.5.5").unwrap()];
    let got = hosts_file("", "h", "", &addresses, &mine).unwrap();
    assert_eq!(got.matches("host.containers.internal").count(), 1, "{got}");
    // host-gateway needs a mode that reaches the host.
    let none = container_addresses(&NetworkMode::None, &host());
    let err = hosts_file("", "h", "", &none, &add)
        .unwrap_err()
        .to_string();
    assert!(err.contains("gw:host-gateway"), "{err}");
}

#[test]
fn add_host_values() {
    assert_eq!(
        HostEntry::parse("a.example:1.2.3.4").unwrap(),
        HostEntry {
            name: "a.example".into(),
            address: "1.2.3.4".into()
        }
    );
    assert_eq!(HostEntry::parse("six:::1").unwrap().address, "::1");
    for bad in [
        "noaddress",
        ":1.2.3.4",
        "name:notanip",
        "two words:1.2.3.4",
        "x:",
    ] {
        let err = HostEntry::parse(bad).unwrap_err().to_string();
        assert!(err.contains("invalid --add-host"), "{bad}: {err}");
    }
}

#[test]
fn resolv_conf_drops_loopback_servers_in_a_private_netns() {
    let host =
        "nameserver 127.0.0.53\nnameserver ::1\nnameserver 10.0.0.1\nsearch lan\noptions edns0\n";
    let none = NameOptions::default();
    assert_eq!(
        resolv_conf(host, false, &none, None),
        "nameserver 10.0.0.1\nsearch lan\noptions edns0\n"
    );
    assert_eq!(resolv_conf(host, true, &none, None), host);
    // The helper's forwarder takes the first loopback server's place.
    assert_eq!(
        resolv_conf(host, false, &none, Some(ip("169.254.1.1"))),
        "nameserver 169.254.1.1\nnameserver 10.0.0.1\nsearch lan\noptions edns0\n"
    );
}

#[test]
fn resolv_conf_options_replace_the_hosts() {
    let host =
        "# generated\nnameserver 10.0.0.1\nnameserver 10.0.0.2\nsearch lan corp\noptions edns0\n";
    let names = NameOptions {
        dns_servers: vec![ip("9.9.9.9"), ip("2620:fe::fe")],
        dns_search: strings(&["example.com"]),
        dns_options: strings(&["ndots:2", "timeout:1"]),
        ..NameOptions::default()
    };
    assert_eq!(
        resolv_conf(host, false, &names, Some(ip("10.0.2.3"))),
        "# generated\nnameserver 9.9.9.9\nnameserver 2620:fe::fe\nsearch example.com\n\
         options ndots:2 timeout:1\n"
    );
    // What the host lacks is appended; "." means no search domain.
    let dot = NameOptions {
        dns_search: strings(&["."]),
        dns_options: strings(&["rotate"]),
        ..NameOptions::default()
    };
    assert_eq!(
        resolv_conf("nameserver 10.0.0.1\nsearch lan\n", false, &dot, None),
        "nameserver 10.0.0.1\noptions rotate\n"
    );
    assert_eq!(
        resolv_conf("", false, &names, None),
        "nameserver 9.9.9.9\nnameserver 2620:fe::fe\nsearch example.com\n\
         options ndots:2 timeout:1\n"
    );
}

#[test]
fn the_forwarder_is_used_only_for_a_loopback_resolver() {
    let stub = "nameserver 127.0.0.53\n";
    let real = "nameserver 10.0.0.1\n";
    let none = NameOptions::default();
    assert_eq!(
        dns_forwarder(&pasta(&[]), stub, &none),
        Some(ip("169.254.1.1"))
    );
    assert_eq!(
        dns_forwarder(&slirp(&[]), stub, &none),
        Some(ip("10.0.2.3"))
    );
    assert_eq!(
        dns_forwarder(&slirp(&["cidr=10.7.0.0/24"]), stub, &none),
        Some(ip("10.7.0.3"))
    );
    assert_eq!(dns_forwarder(&pasta(&[]), real, &none), None);
    assert_eq!(dns_forwarder(&NetworkMode::None, stub, &none), None);
    let mine = NameOptions {
        dns_servers: vec![ip("1.1.1.1")],
        ..NameOptions::default()
    };
    assert_eq!(dns_forwarder(&pasta(&[]), stub, &mine), None);
}
