//! The host's default route, and the tun device check.

use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;

use crate::network::host::{check_tun, default_gateway};

const ROUTES: &str = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
eth1\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
";

#[test]
fn the_default_route_with_a_gateway_wins() {
    // The second line is a default route without a gateway (a point-to-point link): skipped.
    assert_eq!(default_gateway(ROUTES), Some(Ipv4Addr::new(192, 0, 2, 1)));
    assert_eq!(
        default_gateway(&ROUTES.lines().take(3).collect::<Vec<_>>().join("\n")),
        None
    );
    assert_eq!(default_gateway(""), None);
    assert_eq!(default_gateway("header\nshort line\n"), None);
}

#[test]
fn tun_problems_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("tun");
    let err = check_tun(&missing).unwrap_err().to_string();
    assert!(
        err.contains("does not exist") && err.contains("modprobe tun"),
        "{err}"
    );
    assert!(err.contains("--network none"), "{err}");

    std::fs::write(&missing, "").unwrap();
    std::fs::set_permissions(&missing, std::fs::Permissions::from_mode(0o600)).unwrap();
    check_tun(&missing).unwrap();
    std::fs::set_permissions(&missing, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root opens anything: the permission case only shows for a user.
    if !nix::unistd::geteuid().is_root() {
        let err = check_tun(&missing).unwrap_err().to_string();
        assert!(
            err.contains("(mode 0000)") && err.contains("chmod 0666"),
            "{err}"
        );
    }
}
