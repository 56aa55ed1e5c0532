//! Traffic between the host and containers, all of it on this machine: HTTP fetched with curl,
//! and datagrams echoed by a UDP server in a container's network namespace.

use std::fs;
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::process::{Child, Command};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::Sandbox;

/// How long a server that just started in a container may take to answer.
const ANSWER: Duration = Duration::from_secs(20);

/// The body of `url`, fetched with curl from the host. A container reported up may not listen
/// yet (the helper then resets the connection), so it retries until the answer is a 200.
#[track_caller]
pub fn http_get(url: &str) -> String {
    let deadline = Instant::now() + ANSWER;
    loop {
        match http_get_once(url) {
            Ok(body) => return body,
            Err(e) if Instant::now() > deadline => {
                panic!("no answer from {url} within {ANSWER:?}: {e}")
            }
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// One attempt at [`http_get`]: the body of a 200, or what curl said.
pub fn http_get_once(url: &str) -> Result<String, String> {
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--fail", "--max-time", "5"])
        .args(["--noproxy", "*", url])
        .output()
        .expect("running curl (tests/run.sh installs it)");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "curl says {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The host's own address: the source of its default route (connecting a UDP socket sends
/// nothing). Replies to a client on the host's loopback are lost with both helpers on
/// Debian 12, so UDP clients use this address.
#[track_caller]
pub fn host_address() -> Ipv4Addr {
    let route = fs::read_to_string("/proc/net/route").expect("reading /proc/net/route");
    let gateway = route
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.len() > 7 && f[1] == "00000000" && f[7] == "00000000")
        .and_then(|f| u32::from_str_radix(f[2], 16).ok())
        .map(|raw| Ipv4Addr::from(raw.swap_bytes()))
        .expect("these tests need a host with a default route (an address besides loopback)");
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).expect("binding a UDP socket");
    socket
        .connect((gateway, 9))
        .expect("a route to the default gateway");
    match socket.local_addr().expect("the socket's address").ip() {
        IpAddr::V4(ip) => ip,
        other => panic!("the default route's source {other} is not IPv4"),
    }
}

/// What `payload` sent from the host's `address` to `address:port` came back as. Keeps
/// sending (a datagram may be lost while the helper sets up the flow) until `patience` runs out.
pub fn udp_round_trip(
    address: Ipv4Addr,
    port: u16,
    payload: &[u8],
    patience: Duration,
) -> Result<Vec<u8>, String> {
    let socket = UdpSocket::bind((address, 0)).map_err(|e| format!("bind {address}: {e}"))?;
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + patience;
    let mut reply = [0u8; 512];
    loop {
        socket
            .send_to(payload, (address, port))
            .map_err(|e| format!("send to {address}:{port}: {e}"))?;
        match socket.recv(&mut reply) {
            Ok(n) => return Ok(reply[..n].to_vec()),
            Err(_) if Instant::now() < deadline => continue,
            Err(e) => {
                return Err(format!(
                    "no reply from {address}:{port} in {patience:?}: {e}"
                ));
            }
        }
    }
}

/// A UDP echo server in a container's network namespace: python3 from the host, entered into
/// the container's user and network namespaces as the test user with nsenter (busybox's nc has
/// no UDP). Killed when dropped.
pub struct UdpEcho {
    child: Child,
}

const ECHO: &str = "import socket, sys\n\
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
    s.bind(('0.0.0.0', int(sys.argv[1])))\n\
    while True:\n    data, peer = s.recvfrom(512)\n    s.sendto(data, peer)\n";

impl UdpEcho {
    /// Starts it on `port` in the namespaces of the container whose PID 1 is `pid`, and
    /// returns once the port is bound: pasta 2023.03 drops a flow whose first datagram arrives
    /// before the server binds.
    #[track_caller]
    pub fn start(sb: &Sandbox, pid: i32, port: u16) -> UdpEcho {
        let pid_text = pid.to_string();
        let port_text = port.to_string();
        let args = [
            "--preserve-credentials",
            "-U",
            "-n",
            "-t",
            &pid_text,
            "/usr/bin/python3",
            "-c",
            ECHO,
            &port_text,
        ];
        let mut echo = UdpEcho {
            child: sb.user_cmd("/usr/bin/nsenter", &args).spawn(),
        };
        let deadline = Instant::now() + ANSWER;
        while !udp_port_bound(pid, port) {
            if let Ok(Some(status)) = echo.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = echo.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                }
                panic!("the UDP echo server in container PID {pid} exited ({status}): {stderr}");
            }
            assert!(
                Instant::now() < deadline,
                "the UDP echo server did not bind port {port} in container PID {pid}"
            );
            thread::sleep(Duration::from_millis(20));
        }
        echo
    }
}

impl Drop for UdpEcho {
    fn drop(&mut self) {
        // SAFETY: plain syscall on our own child's process group (not reaped yet).
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// Whether a UDP socket of process `pid`'s network namespace is bound to `port`.
fn udp_port_bound(pid: i32, port: u16) -> bool {
    let local = format!(":{port:04X}");
    fs::read_to_string(format!("/proc/{pid}/net/udp")).is_ok_and(|table| {
        table
            .lines()
            .skip(1)
            .filter_map(|line| line.split_whitespace().nth(1))
            .any(|address| address.ends_with(&local))
    })
}
