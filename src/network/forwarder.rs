//! Published TCP ports for slirp4netns containers, forwarded by engine itself.
//!
//! slirp4netns's own port forwarding (`add_hostfwd`) moves every byte through its user-mode
//! TCP stack, at about a third of the throughput podman gets. Instead this helper binds the
//! host ports first, in the host's network namespace, then joins the container's user and
//! network namespaces (the user owns them), so that each accepted connection is answered by a
//! connection from inside to the container's own address (as podman's rootlessport does: a
//! server listening on the container's loopback only is not published), and bytes are copied
//! between the two sockets. It runs single-threaded until it joined (a user namespace refuses
//! multi-threaded callers), then one thread per connection and direction.
//!
//! `engine __port-forwarder NETNS USERNS|- READY_FD TARGET_IP HOST_IP:HOST_PORT:PORT...`

use std::convert::Infallible;
use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{FromRawFd, RawFd};

use anyhow::{Context, Result, bail};

use super::ports::{PortMapping, Protocol};

/// `argv[1]` of the forwarder.
pub const FORWARDER_COMMAND: &str = "__port-forwarder";

/// The forwarder's entry point (dispatched by `main` before anything starts a thread).
pub fn forwarder_main(args: &[OsString]) -> ! {
    let Err(err) = serve(args);
    eprintln!("Error: {err:#}");
    std::process::exit(125)
}

/// The arguments for `mappings`' TCP ports, after NETNS USERNS READY_FD.
pub fn port_arguments(mappings: &[PortMapping]) -> Vec<String> {
    mappings
        .iter()
        .filter(|m| m.protocol == Protocol::Tcp)
        .flat_map(|m| {
            let ip = m.host_ip.unwrap_or(IpAddr::from([0, 0, 0, 0]));
            (0..m.range).map(move |i| {
                let host = SocketAddr::new(ip, m.host_port + i);
                format!("{host}:{}", m.container_port + i)
            })
        })
        .collect()
}

fn serve(args: &[OsString]) -> Result<Infallible> {
    let [_, _, netns, userns, ready, target, ports @ ..] = args else {
        bail!(
            "usage: engine {FORWARDER_COMMAND} NETNS USERNS|- READY_FD TARGET_IP HOST:PORT:PORT..."
        );
    };
    let target: IpAddr = target
        .to_str()
        .and_then(|ip| ip.parse().ok())
        .context("the target must be the container's IP address")?;
    let ready: RawFd = ready
        .to_str()
        .and_then(|fd| fd.parse().ok())
        .filter(|fd| *fd > 2)
        .context("the ready descriptor must be a number above 2")?;
    // SAFETY: the descriptor was inherited for this purpose; nothing else here owns it.
    let mut ready = unsafe { File::from_raw_fd(ready) };
    let mut listeners = Vec::new();
    for port in ports {
        let port = port.to_string_lossy();
        let (host, container) = port
            .rsplit_once(':')
            .and_then(|(host, c)| Some((host.parse::<SocketAddr>().ok()?, c.parse::<u16>().ok()?)))
            .with_context(|| format!("invalid port mapping {port:?}"))?;
        let listener = TcpListener::bind(host)
            .with_context(|| format!("publish host port {host}/tcp: bind"))?;
        listeners.push((listener, container));
    }
    let userns = (userns != "-").then(|| std::path::Path::new(userns));
    crate::runtime::userns::join_user_and_network(userns, std::path::Path::new(netns))?;
    ready.write_all(b"r").context("report ready")?;
    drop(ready);
    let mut acceptors = Vec::new();
    for (listener, port) in listeners {
        let target = SocketAddr::new(target, port);
        acceptors.push(std::thread::spawn(move || accept_loop(listener, target)));
    }
    for acceptor in acceptors {
        let _ = acceptor.join();
    }
    bail!("every listener failed")
}

fn accept_loop(listener: TcpListener, target: SocketAddr) {
    for client in listener.incoming().flatten() {
        std::thread::spawn(move || forward(client, target));
    }
}

/// One connection: the container's port, then bytes both ways until both sides closed (a
/// half-close is passed on, as HTTP clients rely on).
fn forward(client: TcpStream, target: SocketAddr) {
    let Ok(server) = TcpStream::connect(target) else {
        return; // Nothing listens in the container: the client sees the connection close.
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (Ok(client_reader), Ok(server_writer)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let upstream = std::thread::spawn(move || copy(client_reader, server_writer));
    copy(server, client);
    let _ = upstream.join();
}

fn copy(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = vec![0u8; 128 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_ports_and_ranges_become_arguments() {
        let mapping = |ip: Option<IpAddr>, host, container, range, protocol| PortMapping {
            host_ip: ip,
            host_port: host,
            container_port: container,
            range,
            protocol,
        };
        let args = port_arguments(&[
            mapping(None, 8080, 80, 1, Protocol::Tcp),
            mapping(
                Some(IpAddr::from([127, 0, 0, 1])),
                9000,
                90,
                2,
                Protocol::Tcp,
            ),
            mapping(None, 5353, 53, 1, Protocol::Udp),
        ]);
        assert_eq!(
            args,
            ["0.0.0.0:8080:80", "127.0.0.1:9000:90", "127.0.0.1:9001:91"]
        );
    }
}
