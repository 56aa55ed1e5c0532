//! `-p` parsing, `-P`, and the PORTS / `port` formats.

use std::net::IpAddr;

use crate::network::NetworkConfig;
use crate::network::ports::{
    PortMapping, PortRequest, Protocol, format_ports, lookup_port, parse_publish, port_lines,
    publish_all,
};

use super::strings;

fn request(
    ip: Option<&str>,
    host: Option<u16>,
    container: u16,
    range: u16,
    p: Protocol,
) -> PortRequest {
    PortRequest {
        host_ip: ip.map(|ip| ip.parse::<IpAddr>().unwrap()),
        host_port: host,
        container_port: container,
        range,
        protocol: p,
    }
}

#[test]
fn publish_forms() {
    use Protocol::{Tcp, Udp};
    let cases = [
        ("80", request(None, None, 80, 1, Tcp)),
        ("8080:80", request(None, Some(8080), 80, 1, Tcp)),
        ("8080:80/udp", request(None, Some(8080), 80, 1, Udp)),
        ("8080:80/TCP", request(None, Some(8080), 80, 1, Tcp)),
        (
            "127.0.0.1:8080:80",
            request(Some("127.0.0.1"), Some(8080), 80, 1, Tcp),
        ),
        (
            "127.0.0.1::80/udp",
            request(Some("127.0.0.1"), None, 80, 1, Udp),
        ),
        (
            "0.0.0.0:8080:80",
            request(Some("0.0.0.0"), Some(8080), 80, 1, Tcp),
        ),
        (
            "[::1]:8080:80",
            request(Some("::1"), Some(8080), 80, 1, Tcp),
        ),
        ("[::1]::80", request(Some("::1"), None, 80, 1, Tcp)),
        ("8000-8005:80-85", request(None, Some(8000), 80, 6, Tcp)),
        ("9000-9001/udp", request(None, None, 9000, 2, Udp)),
        (":80", request(None, None, 80, 1, Tcp)),
    ];
    for (text, want) in cases {
        assert_eq!(parse_publish(text).unwrap(), want, "{text}");
    }
}

#[test]
fn bad_publish_values_name_the_problem() {
    let cases = [
        ("", "not a port number"),
        ("0", "not a port number"),
        ("65536", "not a port number"),
        ("http", "not a port number"),
        ("80/sctp", "sctp"),
        ("80/icmp", "unknown protocol"),
        ("8000-8005:80", "give both the same length"),
        ("85-80", "ends before it starts"),
        ("localhost:8080:80", "not an IP address"),
        ("::1:8080:80", "brackets"),
        ("[::1]8080:80", "IPv6"),
        ("1.2.3.4:1:2:3", "brackets"),
    ];
    for (text, want) in cases {
        let err = format!("{:#}", parse_publish(text).unwrap_err());
        assert!(err.contains(want), "{text}: {err}");
        assert!(err.contains("invalid --publish"), "{text}: {err}");
    }
}

#[test]
fn publish_all_takes_exposed_ports_not_published_yet() {
    let exposed = strings(&[
        "80/tcp",
        "53/udp",
        "53/tcp",
        "8080",
        "9000-9001/tcp",
        "80/tcp",
    ]);
    let published = vec![
        parse_publish("8080:80").unwrap(),
        parse_publish("9001").unwrap(),
    ];
    let got: Vec<(u16, Protocol)> = publish_all(&exposed, &published)
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!((r.host_port, r.host_ip, r.range), (None, None, 1));
            (r.container_port, r.protocol)
        })
        .collect();
    // Sorted by port, then protocol, whatever order the image lists them in.
    assert_eq!(
        got,
        vec![
            (53, Protocol::Tcp),
            (53, Protocol::Udp),
            (8080, Protocol::Tcp),
            (9000, Protocol::Tcp)
        ]
    );
    assert!(publish_all(&strings(&["x/tcp"]), &[]).is_err());
}

fn mapping(ip: Option<&str>, host: u16, container: u16, range: u16, p: Protocol) -> PortMapping {
    PortMapping {
        host_ip: ip.map(|ip| ip.parse().unwrap()),
        host_port: host,
        container_port: container,
        range,
        protocol: p,
    }
}

#[test]
fn ps_column_is_podmans() {
    let config = NetworkConfig {
        ports: vec![
            mapping(None, 8080, 80, 1, Protocol::Tcp),
            mapping(Some("127.0.0.1"), 9000, 9000, 2, Protocol::Udp),
            mapping(Some("::1"), 8443, 443, 1, Protocol::Tcp),
        ],
        ..NetworkConfig::default()
    };
    assert_eq!(
        format_ports(&config),
        "0.0.0.0:8080->80/tcp, 127.0.0.1:9000-9001->9000-9001/udp, ::1:8443->443/tcp"
    );
    assert_eq!(format_ports(&NetworkConfig::default()), "");
}

#[test]
fn port_command_lines_and_lookup() {
    let ports = vec![
        mapping(None, 8000, 80, 3, Protocol::Tcp),
        mapping(Some("127.0.0.1"), 5353, 53, 1, Protocol::Udp),
    ];
    assert_eq!(
        port_lines(&ports),
        strings(&[
            "80/tcp -> 0.0.0.0:8000",
            "81/tcp -> 0.0.0.0:8001",
            "82/tcp -> 0.0.0.0:8002",
            "53/udp -> 127.0.0.1:5353",
        ])
    );
    assert_eq!(
        lookup_port(&ports, "81").unwrap(),
        strings(&["0.0.0.0:8001"])
    );
    assert_eq!(
        lookup_port(&ports, "82/tcp").unwrap(),
        strings(&["0.0.0.0:8002"])
    );
    assert_eq!(
        lookup_port(&ports, "53/udp").unwrap(),
        strings(&["127.0.0.1:5353"])
    );
    let missing = lookup_port(&ports, "53").unwrap_err().to_string();
    assert_eq!(missing, "failed to find published port \"53/tcp\"");
    assert!(lookup_port(&ports, "83").is_err());
    assert!(
        lookup_port(&ports, "x")
            .unwrap_err()
            .to_string()
            .contains("invalid port")
    );
}

#[test]
fn mappings_survive_the_record() {
    let config = NetworkConfig {
        ports: vec![mapping(Some("::1"), 8000, 80, 3, Protocol::Udp)],
        ..NetworkConfig::default()
    };
    let json = serde_json::to_string(&config).unwrap();
    assert!(json.contains("\"protocol\":\"udp\""), "{json}");
    assert_eq!(
        serde_json::from_str::<NetworkConfig>(&json).unwrap(),
        config
    );
    // Records written before networking existed have no such field.
    assert_eq!(
        serde_json::from_str::<NetworkConfig>("{}").unwrap(),
        NetworkConfig::default()
    );
}
