//! Real helpers against a real namespace: run with `ENGINE_NET_LIVE=1` as a user that can
//! create user namespaces, with pasta, slirp4netns, util-linux's `unshare` and `nsenter`, and
//! busybox installed (each test says what it skips). A stand-in for a container: `unshare
//! --user --net sleep`, whose network and user namespaces are what the built-in runtime's
//! waiter holds.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::network::port_check::assign_host_ports;
use crate::network::ports::{PortMapping, parse_publish};
use crate::network::{NetworkConfig, NetworkHelper, NetworkMode, kill_leftover_helper};
use crate::util::proc::ProcessRef;

const PYTHON: &str = "/usr/bin/python3";

/// Whether to run, printing why not.
fn enabled(tools: &[&str]) -> bool {
    if std::env::var_os("ENGINE_NET_LIVE").is_none() {
        eprintln!("skipped: set ENGINE_NET_LIVE=1 to run the live network tests");
        return false;
    }
    for tool in tools {
        if !Path::new(tool).exists() {
            eprintln!("skipped: {tool} is not installed");
            return false;
        }
    }
    true
}

/// A process in new user and network namespaces, killed when dropped.
struct Namespaces(Child);

impl Namespaces {
    fn new() -> Namespaces {
        let child = Command::new("unshare")
            .args(["--user", "--map-root-user", "--net", "sleep", "300"])
            .spawn()
            .expect("run unshare");
        let ns = Namespaces(child);
        let own = std::fs::read_link("/proc/self/ns/net").unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::read_link(ns.path("net")).ok().as_ref() == Some(&own) {
            assert!(
                Instant::now() < deadline,
                "unshare did not create a namespace"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        ns
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn path(&self, ns: &str) -> String {
        format!("/proc/{}/ns/{ns}", self.pid())
    }

    /// Runs `program` inside, in the background, until the result is dropped.
    fn spawn_inside(&self, program: &str, args: &[&str]) -> Inside {
        let child = Command::new("nsenter")
            .args(["--preserve-credentials", "-U", "-n", "-t"])
            .arg(self.pid().to_string())
            .arg(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("run nsenter");
        Inside(child)
    }
}

/// A program run by nsenter, which may fork it: killed as a process group.
struct Inside(Child);

impl Drop for Inside {
    fn drop(&mut self) {
        // SAFETY: kill has no memory-safety requirements; the group is the child's own.
        unsafe { libc::kill(-(self.0.id() as i32), libc::SIGKILL) };
        let _ = self.0.wait();
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> PortMapping {
    let request = parse_publish("127.0.0.1::80").unwrap();
    assign_host_ports(&[request]).unwrap().remove(0)
}

/// GETs `/` from an httpd serving "hello" inside `ns` through the published `port`.
fn fetch_through(ns: &Namespaces, port: u16) -> String {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "hello from the container\n").unwrap();
    let httpd = ns.spawn_inside(
        "/bin/busybox",
        &[
            "httpd",
            "-f",
            "-p",
            "80",
            "-h",
            &site.path().to_string_lossy(),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let body = loop {
        let attempt = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(2)))?;
            s.write_all(b"GET / HTTP/1.0\r\n\r\n")?;
            let mut reply = String::new();
            s.read_to_string(&mut reply)?;
            Ok(reply)
        });
        match attempt {
            Ok(reply) if reply.contains("200 OK") => break reply,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            other => panic!("no answer through port {port}: {other:?}"),
        }
    };
    drop(httpd);
    body
}

/// A datagram echoed by a UDP server on port 53 inside `ns`, through the published `port` on
/// the host's `address`. Not from loopback: replies to a client on the host's loopback get lost
/// (slirp4netns's --disable-host-loopback drops them, pasta 2023.03 too).
fn udp_echo_through(ns: &Namespaces, address: Ipv4Addr, port: u16) -> Vec<u8> {
    const ECHO: &str = "import socket\n\
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
        s.bind(('0.0.0.0', 53))\n\
        while True:\n    data, peer = s.recvfrom(100)\n    s.sendto(data, peer)\n";
    let _server = ns.spawn_inside(PYTHON, &["-c", ECHO]);
    // A datagram that arrives before the server is bound makes pasta 2023.03 drop the flow.
    let bound = Instant::now() + Duration::from_secs(5);
    let udp_table = format!("/proc/{}/net/udp", ns.pid());
    while !std::fs::read_to_string(&udp_table)
        .unwrap()
        .contains(":0035 ")
    {
        assert!(Instant::now() < bound, "the UDP server did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut reply = [0u8; 100];
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        socket.send_to(b"ping over udp", (address, port)).unwrap();
        match socket.recv(&mut reply) {
            Ok(n) => return reply[..n].to_vec(),
            Err(_) if Instant::now() < deadline => continue,
            Err(e) => panic!("no UDP echo through port {port}: {e}"),
        }
    }
}

fn interfaces(ns: &Namespaces) -> String {
    std::fs::read_to_string(format!("/proc/{}/net/dev", ns.pid())).unwrap()
}

fn has_default_route(ns: &Namespaces) -> bool {
    let table = std::fs::read_to_string(format!("/proc/{}/net/route", ns.pid())).unwrap();
    crate::network::host::default_gateway(&table).is_some()
}

fn gone(process: ProcessRef) -> bool {
    let deadline = Instant::now() + Duration::from_secs(3);
    while process.is_alive() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

/// Starts `mode`'s helper publishing a TCP port (and with `udp` a UDP one), checks both, that a
/// taken port is refused, and that stop reaps it.
fn check_helper(mode: NetworkMode, interface: &str, udp_checked: bool) {
    let ns = Namespaces::new();
    let state = tempfile::tempdir().unwrap();
    let port = free_port();
    let udp = assign_host_ports(&[parse_publish("53/udp").unwrap()])
        .unwrap()
        .remove(0);
    let config = NetworkConfig {
        mode,
        ports: vec![port.clone(), udp.clone()],
        ..NetworkConfig::default()
    };
    let helper = NetworkHelper::start(&config, ns.pid(), state.path())
        .unwrap()
        .expect("a helper");
    // Ready means configured: no waiting here.
    assert!(interfaces(&ns).contains(interface), "{}", interfaces(&ns));
    assert!(has_default_route(&ns));
    assert!(fetch_through(&ns, port.host_port).contains("hello from the container"));
    match crate::network::HostNetwork::current().address {
        Some(address) if udp_checked => assert_eq!(
            udp_echo_through(&ns, address, udp.host_port),
            b"ping over udp"
        ),
        _ => eprintln!("UDP not checked"),
    }

    // The port is taken now: a second container publishing it fails before starting anything.
    let other = Namespaces::new();
    let err = NetworkHelper::start(&config, other.pid(), state.path())
        .err()
        .expect("port in use")
        .to_string();
    assert!(err.contains("already in use"), "{err}");

    let process = helper.process();
    assert!(process.is_alive());
    helper.stop().unwrap();
    assert!(!process.is_alive(), "stop reaps the helper");
}

#[test]
fn pasta_serves_a_published_port() {
    if enabled(&["/usr/bin/pasta", "/usr/bin/nsenter", "/bin/busybox", PYTHON]) {
        check_helper(NetworkMode::Pasta { options: vec![] }, "eth0", false);
        // pasta 2023.03 (Debian 12) answers UDP only through its gateway mapping: the host's
        // own address, the datagrams' source, is the container's too.
        let mapped = NetworkMode::Pasta {
            options: vec!["--map-gw".into()],
        };
        check_helper(mapped, "eth0", true);
    }
}

#[test]
fn slirp4netns_serves_a_published_port() {
    if enabled(&[
        "/usr/bin/slirp4netns",
        "/usr/bin/nsenter",
        "/bin/busybox",
        PYTHON,
    ]) {
        check_helper(NetworkMode::Slirp4netns { options: vec![] }, "tap0", true);
    }
}

/// The helper dies with the thread that started it (the parent-death signal survives pasta's
/// own namespace and credential changes), so a SIGKILLed monitor leaves no helper behind.
#[test]
fn helpers_die_with_their_starter() {
    if !enabled(&["/usr/bin/pasta", "/usr/bin/slirp4netns"]) {
        return;
    }
    for mode in [
        NetworkMode::Pasta { options: vec![] },
        NetworkMode::Slirp4netns { options: vec![] },
    ] {
        let ns = Namespaces::new();
        let state = tempfile::tempdir().unwrap();
        let config = NetworkConfig::new(mode.clone());
        let (pid, dir) = (ns.pid(), state.path().to_path_buf());
        let helper = std::thread::spawn(move || {
            let helper = NetworkHelper::start(&config, pid, &dir).unwrap().unwrap();
            let process = helper.process();
            // Neither stopped nor dropped: as if its owner were killed.
            std::mem::forget(helper);
            process
        })
        .join()
        .unwrap();
        assert!(gone(helper), "{mode}: the helper outlived its starter");
    }
}

#[test]
fn modes_without_a_helper_start_none() {
    let state = tempfile::tempdir().unwrap();
    for mode in [NetworkMode::None, NetworkMode::Host] {
        let started = NetworkHelper::start(&NetworkConfig::new(mode), 1, state.path()).unwrap();
        assert!(started.is_none());
    }
}

#[test]
fn a_missing_container_is_reported() {
    if !enabled(&["/usr/bin/pasta"]) {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    // A PID that cannot exist (above the kernel's maximum).
    let config = NetworkConfig::new(NetworkMode::Pasta { options: vec![] });
    let err = NetworkHelper::start(&config, 4_194_305, state.path())
        .err()
        .expect("no such process")
        .to_string();
    assert!(err.contains("did the container exit?"), "{err}");
}

#[test]
fn a_helper_with_bad_options_reports_its_own_error() {
    if !enabled(&["/usr/bin/pasta"]) {
        return;
    }
    let ns = Namespaces::new();
    let state = tempfile::tempdir().unwrap();
    let config = NetworkConfig::new(NetworkMode::Pasta {
        options: vec!["--no-such-option".into()],
    });
    let err = NetworkHelper::start(&config, ns.pid(), state.path())
        .err()
        .expect("pasta refuses")
        .to_string();
    assert!(err.starts_with("pasta failed"), "{err}");
    assert!(err.contains("pasta.log"), "{err}");
}

/// What a later engine command does after the monitor died: kill the recorded helper, and
/// nothing that is not one.
#[test]
fn leftover_helpers_are_killed_and_nothing_else() {
    if !enabled(&["/usr/bin/pasta"]) {
        return;
    }
    let ns = Namespaces::new();
    let state = tempfile::tempdir().unwrap();
    let config = NetworkConfig::new(NetworkMode::Pasta { options: vec![] });
    let helper = NetworkHelper::start(&config, ns.pid(), state.path())
        .unwrap()
        .unwrap();
    let process = helper.process();
    assert!(kill_leftover_helper(&process).unwrap());
    assert!(gone(process));
    assert!(!kill_leftover_helper(&process).unwrap(), "gone already");
    helper.stop().unwrap();

    let sleeper = ProcessRef::of(ns.pid()).unwrap();
    assert!(!kill_leftover_helper(&sleeper).unwrap());
    assert!(sleeper.is_alive(), "not a helper: left alone");
}
