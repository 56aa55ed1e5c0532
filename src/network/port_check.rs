//! Host ports: choosing free ones for `-p CONTAINERPORT` and `-P`, and refusing ports that are
//! taken before the container starts, by binding them for a moment the way the helper will.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};

use anyhow::{Result, bail};

use super::ports::{PortMapping, PortRequest, Protocol};

/// How often a free block of consecutive ports is looked for before giving up.
const RANGE_ATTEMPTS: usize = 64;

/// Port mappings for `requests`, in their order: explicit host ports checked free, the others
/// chosen among free ports; no host port twice.
pub fn assign_host_ports(requests: &[PortRequest]) -> Result<Vec<PortMapping>> {
    let mut assigned: Vec<(usize, PortMapping)> = Vec::new();
    // Explicit ports first, so the chosen ones avoid them.
    for (i, request) in requests.iter().enumerate() {
        if let Some(host_port) = request.host_port {
            let mapping = mapping(request, host_port);
            check_not_published(&mapping, assigned.iter().map(|(_, m)| m))?;
            check_free(std::slice::from_ref(&mapping))?;
            assigned.push((i, mapping));
        }
    }
    for (i, request) in requests.iter().enumerate() {
        if request.host_port.is_none() {
            let taken: Vec<PortMapping> = assigned.iter().map(|(_, m)| m.clone()).collect();
            assigned.push((i, choose(request, &taken)?));
        }
    }
    assigned.sort_by_key(|(i, _)| *i);
    Ok(assigned.into_iter().map(|(_, m)| m).collect())
}

/// Fails, naming the port and the fix, when a host port of `mappings` cannot be bound now.
pub fn check_free(mappings: &[PortMapping]) -> Result<()> {
    for m in mappings {
        for port in m.host_port..=m.host_port + (m.range - 1) {
            if let Err(err) = probe(m.host_ip, port, m.protocol) {
                bail!("{}", bind_error(m, port, &err));
            }
        }
    }
    Ok(())
}

fn mapping(request: &PortRequest, host_port: u16) -> PortMapping {
    PortMapping {
        host_ip: request.host_ip,
        host_port,
        container_port: request.container_port,
        range: request.range,
        protocol: request.protocol,
    }
}

fn check_not_published<'a>(
    new: &PortMapping,
    mut existing: impl Iterator<Item = &'a PortMapping>,
) -> Result<()> {
    if let Some(port) = existing.find_map(|old| overlap(old, new)) {
        bail!(
            "host port {port}/{} is published twice: give each -p its own host port",
            new.protocol
        );
    }
    Ok(())
}

/// The first host port both mappings would bind, if any.
fn overlap(a: &PortMapping, b: &PortMapping) -> Option<u16> {
    let same_address = a.host_ip.is_none() || b.host_ip.is_none() || a.host_ip == b.host_ip;
    let (a_end, b_end) = (
        u32::from(a.host_port) + u32::from(a.range),
        u32::from(b.host_port) + u32::from(b.range),
    );
    let start = a.host_port.max(b.host_port);
    (a.protocol == b.protocol && same_address && u32::from(start) < a_end.min(b_end))
        .then_some(start)
}

/// A free host port (or block of `range` consecutive ones) for `request`.
fn choose(request: &PortRequest, taken: &[PortMapping]) -> Result<PortMapping> {
    for _ in 0..RANGE_ATTEMPTS {
        // The kernel's pick of a free port starts the block.
        let Ok(first) = ephemeral_port(request.host_ip, request.protocol) else {
            break;
        };
        if u32::from(first) + u32::from(request.range) > 65536 {
            continue;
        }
        let candidate = mapping(request, first);
        if taken.iter().all(|t| overlap(t, &candidate).is_none())
            && check_free(std::slice::from_ref(&candidate)).is_ok()
        {
            return Ok(candidate);
        }
    }
    bail!(
        "no free block of {} host port(s) for container port {}/{}: give a host port with \
         -p HOSTPORT:{}",
        request.range,
        request.container_port,
        request.protocol,
        request.container_port
    )
}

fn ephemeral_port(ip: Option<IpAddr>, protocol: Protocol) -> io::Result<u16> {
    let addr = SocketAddr::new(ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)), 0);
    match protocol {
        Protocol::Tcp => TcpListener::bind(addr)?.local_addr().map(|a| a.port()),
        Protocol::Udp => UdpSocket::bind(addr)?.local_addr().map(|a| a.port()),
    }
}

/// Binds and releases `port` as the helper would: on `ip`, or on every IPv4 and IPv6 address.
fn probe(ip: Option<IpAddr>, port: u16, protocol: Protocol) -> io::Result<()> {
    let bind = |ip: IpAddr| -> io::Result<()> {
        let addr = SocketAddr::new(ip, port);
        match protocol {
            Protocol::Tcp => TcpListener::bind(addr).map(drop),
            Protocol::Udp => UdpSocket::bind(addr).map(drop),
        }
    };
    match ip {
        Some(ip) => bind(ip),
        None => {
            bind(IpAddr::V4(Ipv4Addr::UNSPECIFIED))?;
            // A host without IPv6 cannot bind [::]: the helper then binds IPv4 only.
            match bind(IpAddr::V6(Ipv6Addr::UNSPECIFIED)) {
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::EAFNOSUPPORT | libc::EADDRNOTAVAIL)
                    ) =>
                {
                    Ok(())
                }
                other => other,
            }
        }
    }
}

fn bind_error(m: &PortMapping, port: u16, err: &io::Error) -> String {
    let ip = m.host_ip_text();
    let what = format!("host port {ip}:{port}/{}", m.protocol);
    match err.raw_os_error() {
        Some(libc::EADDRINUSE) => format!(
            "{what} is already in use: publish another host port (-p OTHER:{}) or stop what \
             listens there",
            m.container_port
        ),
        Some(libc::EACCES) => {
            let start = unprivileged_port_start().unwrap_or(1024);
            format!(
                "{what}: ports below {start} are privileged and rootless containers cannot \
                 publish them: use a host port from {start} up (-p 8080:{}) or lower the sysctl \
                 net.ipv4.ip_unprivileged_port_start",
                m.container_port
            )
        }
        Some(libc::EADDRNOTAVAIL) => format!(
            "{what}: {ip} is not an address of this host: publish on one of its addresses or \
             leave the address out"
        ),
        _ => format!("{what} cannot be bound: {err}"),
    }
}

fn unprivileged_port_start() -> Option<u16> {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The container's port mappings: `-p` (`publish`), plus with `-P` the image's ExposedPorts
/// (`exposed`, `80/tcp` entries), host ports chosen and checked free.
pub fn resolve_ports(
    publish: &[PortRequest],
    publish_all: bool,
    exposed: &[String],
) -> Result<Vec<PortMapping>> {
    let mut requests = publish.to_vec();
    if publish_all {
        requests.extend(super::ports::publish_all(exposed, publish)?);
    }
    assign_host_ports(&requests)
}
