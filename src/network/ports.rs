//! Published ports: `-p [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]` and ranges, `-P` from the
//! image's ExposedPorts, and podman's ways of showing them (`ps`'s PORTS column, `port`).

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn parse(text: &str) -> Result<Protocol> {
        match text.to_ascii_lowercase().as_str() {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            "sctp" => bail!("sctp ports cannot be published rootless: use tcp or udp"),
            other => bail!("unknown protocol {other:?}: use tcp or udp"),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        })
    }
}

/// One published port or range: host ports `host_port..host_port+range` forward to container
/// ports `container_port..container_port+range`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    /// The host address the ports are bound to; `None`: all of them, IPv4 and IPv6.
    pub host_ip: Option<IpAddr>,
    pub host_port: u16,
    pub container_port: u16,
    /// How many consecutive ports, at least 1.
    pub range: u16,
    pub protocol: Protocol,
}

impl PortMapping {
    /// The host port that forwards to `container_port`, if this mapping covers it.
    pub fn host_port_for(&self, container_port: u16, protocol: Protocol) -> Option<u16> {
        let offset = container_port.checked_sub(self.container_port)?;
        (protocol == self.protocol && offset < self.range).then(|| self.host_port + offset)
    }

    /// The address as podman prints it: all addresses are `0.0.0.0`.
    pub fn host_ip_text(&self) -> String {
        self.host_ip
            .map_or_else(|| "0.0.0.0".to_string(), |ip| ip.to_string())
    }
}

/// A `-p` value before host ports are chosen: `host_port` is `None` when the host port is left to
/// the engine (`-p 80`, `-p 127.0.0.1::80`, `-P`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortRequest {
    pub host_ip: Option<IpAddr>,
    pub host_port: Option<u16>,
    pub container_port: u16,
    pub range: u16,
    pub protocol: Protocol,
}

/// Parses one `-p`/`--publish` value.
pub fn parse_publish(value: &str) -> Result<PortRequest> {
    parse_publish_inner(value).with_context(|| {
        format!("invalid --publish {value:?}: use [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]")
    })
}

fn parse_publish_inner(value: &str) -> Result<PortRequest> {
    let (rest, protocol) = match value.rsplit_once('/') {
        Some((rest, proto)) => (rest, Protocol::parse(proto)?),
        None => (value, Protocol::Tcp),
    };
    // An IPv6 address must be bracketed: `[::1]:8080:80`.
    let (host_ip, ports) = match rest.strip_prefix('[') {
        Some(bracketed) => {
            let Some((ip, ports)) = bracketed.split_once("]:") else {
                bail!("an IPv6 address needs its port after it: [ADDRESS]:HOSTPORT:CONTAINERPORT");
            };
            (Some(ip), ports.split(':').collect::<Vec<_>>())
        }
        None => match rest.split(':').collect::<Vec<_>>().as_slice() {
            [ip, host, container] => (Some(*ip), vec![*host, *container]),
            [_, _, _, ..] => bail!("too many ':' (put an IPv6 address in brackets: [::1]:8080:80)"),
            parts => (None, parts.to_vec()),
        },
    };
    let host_ip = match host_ip {
        None | Some("") => None,
        Some(ip) => Some(
            ip.parse::<IpAddr>()
                .map_err(|_| anyhow::anyhow!("{ip:?} is not an IP address"))?,
        ),
    };
    let (host, container) = match ports.as_slice() {
        [container] => (None, *container),
        [host, container] => (Some(*host).filter(|h| !h.is_empty()), *container),
        _ => bail!("an IPv6 address must be followed by HOSTPORT:CONTAINERPORT"),
    };
    let (container_port, range) = parse_range(container)?;
    let host_port = match host {
        None => None,
        Some(host) => {
            let (start, host_range) = parse_range(host)?;
            if host_range != range {
                bail!(
                    "the host range has {host_range} ports and the container range {range}: \
                     give both the same length"
                );
            }
            Some(start)
        }
    };
    Ok(PortRequest {
        host_ip,
        host_port,
        container_port,
        range,
        protocol,
    })
}

/// `80` or `8000-8005`: the first port and how many.
fn parse_range(text: &str) -> Result<(u16, u16)> {
    let port = |p: &str| -> Result<u16> {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!("{p:?} is not a port number (1-65535)"),
        }
    };
    match text.split_once('-') {
        None => Ok((port(text)?, 1)),
        Some((first, last)) => {
            let (first, last) = (port(first)?, port(last)?);
            if last < first {
                bail!("the range {text} ends before it starts");
            }
            Ok((first, last - first + 1))
        }
    }
}

/// `-P`: the image's ExposedPorts (`80/tcp`, `53/udp`, `8080`), each to a host port the engine
/// chooses, except the container ports `-p` published already.
pub fn publish_all(exposed: &[String], published: &[PortRequest]) -> Result<Vec<PortRequest>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for entry in exposed {
        let (port, protocol) = match entry.split_once('/') {
            Some((port, proto)) => (port, Protocol::parse(proto)?),
            None => (entry.as_str(), Protocol::Tcp),
        };
        let (container_port, range) = parse_range(port)
            .with_context(|| format!("the image's ExposedPorts entry {entry:?} is invalid"))?;
        for container_port in container_port..=container_port + (range - 1) {
            let taken = published.iter().any(|p| {
                p.protocol == protocol
                    && (p.container_port..=p.container_port + (p.range - 1))
                        .contains(&container_port)
            });
            if !taken && seen.insert((container_port, protocol)) {
                out.push(PortRequest {
                    host_ip: None,
                    host_port: None,
                    container_port,
                    range: 1,
                    protocol,
                });
            }
        }
    }
    // The image's ExposedPorts come from a map in no particular order: sorted, the same image
    // gets its ports in the same order every time.
    out.sort_by_key(|p| (p.container_port, p.protocol.to_string()));
    Ok(out)
}

/// podman's PORTS column: `0.0.0.0:8080->80/tcp, 127.0.0.1:9000-9001->9000-9001/udp`.
pub fn format_ports(config: &super::NetworkConfig) -> String {
    config
        .ports
        .iter()
        .map(|p| {
            let ip = p.host_ip_text();
            if p.range > 1 {
                format!(
                    "{ip}:{}-{}->{}-{}/{}",
                    p.host_port,
                    p.host_port + (p.range - 1),
                    p.container_port,
                    p.container_port + (p.range - 1),
                    p.protocol
                )
            } else {
                format!("{ip}:{}->{}/{}", p.host_port, p.container_port, p.protocol)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `port CONTAINER`: one line per port, `80/tcp -> 0.0.0.0:8080`, ranges expanded.
pub fn port_lines(mappings: &[PortMapping]) -> Vec<String> {
    mappings
        .iter()
        .flat_map(|p| {
            (0..p.range).map(move |i| {
                format!(
                    "{}/{} -> {}:{}",
                    p.container_port + i,
                    p.protocol,
                    p.host_ip_text(),
                    p.host_port + i
                )
            })
        })
        .collect()
}

/// `port CONTAINER PORT[/PROTO]`: where that container port is published, `0.0.0.0:8080`.
pub fn lookup_port(mappings: &[PortMapping], query: &str) -> Result<Vec<String>> {
    let (port, protocol) = match query.split_once('/') {
        Some((port, proto)) => (port, Protocol::parse(proto)?),
        None => (query, Protocol::Tcp),
    };
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .with_context(|| format!("invalid port {query:?}: use PORT or PORT/tcp|udp"))?;
    let found: Vec<String> = mappings
        .iter()
        .filter_map(|m| {
            m.host_port_for(port, protocol)
                .map(|host_port| format!("{}:{host_port}", m.host_ip_text()))
        })
        .collect();
    if found.is_empty() {
        bail!("failed to find published port \"{port}/{protocol}\"");
    }
    Ok(found)
}
