//! The command lines of pasta and slirp4netns, and slirp4netns's options and API requests.

use std::ffi::OsString;
use std::net::Ipv4Addr;
use std::path::Path;

use crate::network::pasta::{PastaTarget, pasta_args};
use crate::network::ports::{PortMapping, Protocol};
use crate::network::slirp::{SlirpOptions, SlirpTarget, hostfwd_requests, slirp_args};

use super::strings;

fn text(args: Vec<OsString>) -> String {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn ports() -> Vec<PortMapping> {
    let m = |ip: Option<&str>, host, container, range, protocol| PortMapping {
        host_ip: ip.map(|ip| ip.parse().unwrap()),
        host_port: host,
        container_port: container,
        range,
        protocol,
    };
    vec![
        m(None, 8080, 80, 1, Protocol::Tcp),
        m(Some("127.0.0.1"), 8000, 90, 3, Protocol::Tcp),
        m(Some("::1"), 5353, 53, 1, Protocol::Udp),
    ]
}

fn pasta_target() -> PastaTarget<'static> {
    PastaTarget {
        netns: Path::new("/proc/42/ns/net"),
        userns: Some(Path::new("/proc/42/ns/user")),
        pid_file: Path::new("/run/c/pasta.pid"),
        as_root: false,
    }
}

#[test]
fn pasta_forwards_only_the_published_ports() {
    let got = text(pasta_args(&[], &ports(), &pasta_target()));
    assert_eq!(
        got,
        "--config-net --foreground --quiet --stderr --pid /run/c/pasta.pid \
         -t 8080:80 -t 127.0.0.1/8000-8002:90-92 -u ::1/5353:53 -T none -U none --no-map-gw \
         --dns-forward 169.254.1.1 --netns /proc/42/ns/net --userns /proc/42/ns/user"
    );
    let target = PastaTarget {
        userns: None,
        as_root: true,
        ..pasta_target()
    };
    let bare = text(pasta_args(&[], &[], &target));
    assert!(
        bare.contains(" --pid /run/c/pasta.pid --runas 0 -t none"),
        "{bare}"
    );
    assert!(
        bare.contains(" -t none -u none -T none -U none --no-map-gw "),
        "{bare}"
    );
    assert!(bare.ends_with("--netns /proc/42/ns/net"), "{bare}");
}

#[test]
fn pasta_options_are_passed_on_and_override_the_defaults() {
    let options = strings(&["--map-gw", "-T", "5432", "--udp-ns=53", "--mtu", "1500"]);
    let got = text(pasta_args(&options, &[], &pasta_target()));
    // --map-gw is engine's own: pasta maps the gateway unless told otherwise.
    assert!(!got.contains("map-gw"), "{got}");
    assert!(
        !got.contains("-T none") && !got.contains("-U none"),
        "{got}"
    );
    assert!(
        got.contains("--dns-forward 169.254.1.1 -T 5432 --udp-ns=53 --mtu 1500 --netns"),
        "{got}"
    );
    let explicit = text(pasta_args(&strings(&["--no-map-gw"]), &[], &pasta_target()));
    assert_eq!(explicit.matches("--no-map-gw").count(), 1, "{explicit}");
}

#[test]
fn slirp_options_follow_podman() {
    let defaults = SlirpOptions::default();
    assert_eq!(SlirpOptions::parse(&[]).unwrap(), defaults);
    assert_eq!(defaults.guest_address(), Ipv4Addr::new(10, 0, 2, 100));
    assert_eq!(defaults.gateway_address(), Ipv4Addr::new(10, 0, 2, 2));
    assert_eq!(defaults.dns_address(), Ipv4Addr::new(10, 0, 2, 3));
    let parsed = SlirpOptions::parse(&strings(&[
        "allow_host_loopback=true",
        "cidr=10.5.6.77/24",
        "enable_ipv6=false",
        "mtu=1500",
        "outbound_addr=192.0.2.2",
        "port_handler=slirp4netns",
    ]))
    .unwrap();
    assert!(parsed.allow_host_loopback && !parsed.enable_ipv6);
    assert_eq!(parsed.cidr, (Ipv4Addr::new(10, 5, 6, 0), 24));
    assert_eq!(parsed.mtu, 1500);
    for (bad, want) in [
        ("allow_host_loopback", "KEY=VALUE"),
        ("allow_host_loopback=yes", "true or false"),
        ("cidr=10.0.2.0", "10.0.2.0/24"),
        ("cidr=10.0.2.0/30", "/25"),
        ("mtu=9", "68 to 65521"),
        ("port_handler=rootlesskit", "port_handler=slirp4netns"),
        ("bogus=1", "unknown slirp4netns option"),
    ] {
        let err = SlirpOptions::parse(&strings(&[bad]))
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{bad}: {err}");
    }
}

#[test]
fn slirp_command_line() {
    let target = SlirpTarget {
        netns: Path::new("/proc/42/ns/net"),
        userns: Some(Path::new("/proc/42/ns/user")),
        exit_fd: 5,
        ready_fd: 6,
        api_socket: "slirp4netns.sock",
    };
    assert_eq!(
        text(slirp_args(&SlirpOptions::default(), &target)),
        "--configure --mtu=65520 --exit-fd=5 --ready-fd=6 --api-socket=slirp4netns.sock \
         --cidr=10.0.2.0/24 --enable-seccomp --disable-host-loopback \
         --enable-ipv6 --userns-path=/proc/42/ns/user --netns-type=path /proc/42/ns/net tap0"
    );
    let open = SlirpOptions {
        allow_host_loopback: true,
        enable_ipv6: false,
        ..SlirpOptions::default()
    };
    let got = text(slirp_args(&open, &target));
    assert!(!got.contains("--disable-host-loopback") && !got.contains("--enable-ipv6"));
}

#[test]
fn slirp_publishes_each_port_of_a_range() {
    let mut mappings = ports();
    mappings.pop();
    let requests = hostfwd_requests(&mappings, Ipv4Addr::new(10, 0, 2, 100)).unwrap();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].host_port, "0.0.0.0:8080/tcp");
    assert_eq!(requests[3].host_port, "127.0.0.1:8002/tcp");
    let first: serde_json::Value = serde_json::from_str(&requests[0].request).unwrap();
    assert_eq!(
        first,
        serde_json::json!({"execute": "add_hostfwd", "arguments": {"proto": "tcp",
            "host_addr": "0.0.0.0", "host_port": 8080, "guest_addr": "10.0.2.100",
            "guest_port": 80}})
    );
    let last: serde_json::Value = serde_json::from_str(&requests[3].request).unwrap();
    assert_eq!(last["arguments"]["host_addr"], "127.0.0.1");
    assert_eq!(last["arguments"]["host_port"], 8002);
    assert_eq!(last["arguments"]["guest_port"], 92);
    let err = hostfwd_requests(&ports(), Ipv4Addr::new(10, 0, 2, 100))
        .unwrap_err()
        .to_string();
    assert!(err.contains("IPv4 addresses only"), "{err}");
}
