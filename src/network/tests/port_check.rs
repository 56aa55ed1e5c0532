//! Choosing host ports and refusing taken ones, against the real ports of this machine.

use std::net::{TcpListener, UdpSocket};

use crate::network::port_check::{assign_host_ports, check_free, resolve_ports};
use crate::network::ports::{Protocol, parse_publish};

use super::strings;

#[test]
fn a_taken_port_is_refused_before_anything_starts() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let request = parse_publish(&format!("127.0.0.1:{port}:80")).unwrap();
    let err = assign_host_ports(std::slice::from_ref(&request))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("host port 127.0.0.1:{port}/tcp is already in use")),
        "{err}"
    );
    // All addresses include 127.0.0.1.
    let all = parse_publish(&format!("{port}:80")).unwrap();
    assert!(assign_host_ports(&[all]).is_err());
    // UDP is another port space.
    let udp = parse_publish(&format!("127.0.0.1:{port}:80/udp")).unwrap();
    assert_eq!(assign_host_ports(&[udp]).unwrap()[0].host_port, port);
    drop(taken);
    assert_eq!(assign_host_ports(&[request]).unwrap()[0].host_port, port);
}

#[test]
fn a_taken_udp_port_is_refused_too() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mappings = assign_host_ports(&[parse_publish("127.0.0.1::53/udp").unwrap()]).unwrap();
    assert_ne!(mappings[0].host_port, port);
    let mut m = mappings[0].clone();
    m.host_port = port;
    let err = check_free(&[m]).unwrap_err().to_string();
    assert!(err.contains("/udp is already in use"), "{err}");
}

#[test]
fn open_host_ports_are_chosen_free_and_distinct() {
    let fixed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let requests = [
        parse_publish("127.0.0.1::80").unwrap(),
        parse_publish(&format!("127.0.0.1:{fixed}:81")).unwrap(),
        parse_publish("127.0.0.1::9000-9003/udp").unwrap(),
    ];
    let got = assign_host_ports(&requests).unwrap();
    assert_eq!(got.len(), 3);
    let order: Vec<u16> = got.iter().map(|m| m.container_port).collect();
    assert_eq!(order, vec![80, 81, 9000], "the user's order");
    assert_eq!(got[1].host_port, fixed);
    assert_ne!(got[0].host_port, got[1].host_port);
    assert_eq!((got[2].range, got[2].protocol), (4, Protocol::Udp));
    assert!(got[2].host_port <= 65535 - 3);
    for m in &got {
        assert!(m.host_port > 0);
        check_free(std::slice::from_ref(m)).unwrap();
    }
}

#[test]
fn a_host_port_published_twice_is_refused() {
    // Only the first mapping is bound to check it: the overlap is found before the second is.
    let a = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for second in [
        format!("127.0.0.1:{a}:81"),
        format!("{}-{a}:90-91", a - 1),
        format!("[::1]:{a}:82"),
    ] {
        let requests = [
            parse_publish(&format!("{a}:80")).unwrap(),
            parse_publish(&second).unwrap(),
        ];
        let err = assign_host_ports(&requests).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("host port {a}/tcp is published twice: give each -p its own host port"),
            "{second}"
        );
    }
}

#[test]
fn publish_all_uses_the_images_exposed_ports() {
    let exposed = strings(&["80/tcp", "53/udp"]);
    let got = resolve_ports(&[], true, &exposed).unwrap();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|m| m.host_ip.is_none() && m.host_port > 0));
    assert!(resolve_ports(&[], false, &exposed).unwrap().is_empty());
}
