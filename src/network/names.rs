//! Name resolution inside the container: the generated /etc/hosts and /etc/resolv.conf, from
//! the host's files, the network mode and the user's `--dns*`, `--add-host` and `--no-hosts`.
//! Pure functions of their inputs; `crate::spec::etc_files` writes the results.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::config::NetworkMode;
use super::host::HostNetwork;
use super::{pasta, slirp};

/// The name under which the container reaches the host, as in podman.
pub const HOST_CONTAINERS_INTERNAL: &str = "host.containers.internal";
/// `--add-host NAME:host-gateway`: the address of [`HOST_CONTAINERS_INTERNAL`].
pub const HOST_GATEWAY: &str = "host-gateway";

/// The user's name resolution options.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NameOptions {
    /// `--dns`: replace the host's name servers.
    pub dns_servers: Vec<IpAddr>,
    /// `--dns none`: no generated resolv.conf; the image's stays.
    pub no_resolv_conf: bool,
    /// `--dns-search`: replace the host's search domains (`.`: none at all).
    pub dns_search: Vec<String>,
    /// `--dns-option`: replace the host's resolver options.
    pub dns_options: Vec<String>,
    /// `--add-host`.
    pub add_hosts: Vec<HostEntry>,
    /// `--no-hosts`: no generated /etc/hosts; the image's stays.
    pub no_hosts: bool,
}

/// `--add-host NAME:IP`; the address may be [`HOST_GATEWAY`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostEntry {
    pub name: String,
    pub address: String,
}

impl HostEntry {
    pub fn parse(value: &str) -> Result<HostEntry> {
        let invalid =
            || format!("invalid --add-host {value:?}: use NAME:IP or NAME:{HOST_GATEWAY}");
        // The address may be IPv6 (colons): the name ends at the first colon.
        let (name, address) = value.split_once(':').with_context(invalid)?;
        let address = address
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .unwrap_or(address);
        let name_ok = !name.is_empty()
            && !name.contains(|c: char| c.is_whitespace() || c == '#' || c == '\0');
        if !name_ok || (address != HOST_GATEWAY && address.parse::<IpAddr>().is_err()) {
            bail!("{}", invalid());
        }
        Ok(HostEntry {
            name: name.to_string(),
            address: address.to_string(),
        })
    }
}

/// The addresses the /etc files name for a container of some network mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerAddresses {
    /// What the container's hostname and name resolve to.
    pub own: Vec<IpAddr>,
    /// What [`HOST_CONTAINERS_INTERNAL`] resolves to, if anything reaches the host.
    pub host_gateway: Option<IpAddr>,
}

pub fn container_addresses(mode: &NetworkMode, host: &HostNetwork) -> ContainerAddresses {
    const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);
    match mode {
        NetworkMode::None => ContainerAddresses {
            own: vec![V4, V6],
            host_gateway: None,
        },
        NetworkMode::Pasta { options } => ContainerAddresses {
            // pasta gives the container the host's own address.
            own: vec![host.address.map_or(V4, IpAddr::V4)],
            host_gateway: pasta::host_gateway(options, host),
        },
        NetworkMode::Slirp4netns { options } => {
            let net = slirp::SlirpOptions::parse(options).unwrap_or_default();
            ContainerAddresses {
                own: vec![IpAddr::V4(net.guest_address())],
                host_gateway: slirp::host_gateway(&net, host),
            }
        }
        NetworkMode::Host | NetworkMode::Container { .. } | NetworkMode::Path { .. } => {
            ContainerAddresses {
                own: vec![V4],
                host_gateway: None,
            }
        }
    }
}

/// The helper's DNS forwarder when the container needs it: a private network with a helper,
/// no `--dns`, and a host that resolves through a loopback server the container cannot reach.
pub fn dns_forwarder(
    mode: &NetworkMode,
    host_resolv_conf: &str,
    names: &NameOptions,
) -> Option<IpAddr> {
    if !names.dns_servers.is_empty() || !nameservers(host_resolv_conf).any(is_loopback) {
        return None;
    }
    match mode {
        NetworkMode::Pasta { .. } => Some(IpAddr::V4(pasta::DNS_FORWARDER)),
        NetworkMode::Slirp4netns { options } => {
            let net = slirp::SlirpOptions::parse(options).unwrap_or_default();
            Some(IpAddr::V4(net.dns_address()))
        }
        _ => None,
    }
}

/// The generated /etc/hosts, podman's layout: `--add-host` entries, the base file's (the host's
/// /etc/hosts), `localhost` if missing, [`HOST_CONTAINERS_INTERNAL`], the container's own names.
/// A name is never listed twice, so the user's and the host's entries win.
pub fn hosts_file(
    base: &str,
    hostname: &str,
    container_name: &str,
    addresses: &ContainerAddresses,
    add_hosts: &[HostEntry],
) -> Result<String> {
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    for entry in add_hosts {
        let address = match entry.address.as_str() {
            HOST_GATEWAY => addresses
                .host_gateway
                .map(|a| a.to_string())
                .with_context(|| {
                    format!(
                        "--add-host {}:{HOST_GATEWAY}: this network mode has no address that \
                     reaches the host: use an IP address",
                        entry.name
                    )
                })?,
            ip => ip.to_string(),
        };
        lines.push((address, vec![entry.name.clone()]));
    }
    for line in base.lines() {
        let mut fields = line.split('#').next().unwrap_or("").split_whitespace();
        if let Some(ip) = fields.next() {
            let names: Vec<String> = fields.map(String::from).collect();
            if !names.is_empty() {
                lines.push((ip.to_string(), names));
            }
        }
    }
    let mut own_names = vec![hostname.to_string()];
    if !container_name.is_empty() && container_name != hostname {
        own_names.push(container_name.to_string());
    }
    let mut generated: Vec<(String, Vec<String>)> = vec![
        ("127.0.0.1".into(), vec!["localhost".into()]),
        ("::1".into(), vec!["localhost".into()]),
    ];
    if let Some(gateway) = addresses.host_gateway {
        generated.push((gateway.to_string(), vec![HOST_CONTAINERS_INTERNAL.into()]));
    }
    for ip in &addresses.own {
        generated.push((ip.to_string(), own_names.clone()));
    }
    let mut out = String::new();
    for (ip, names) in &lines {
        out.push_str(&format!("{ip}\t{}\n", names.join(" ")));
    }
    // Only names the user's and the host's entries lack; the container's names go on every one
    // of its addresses.
    for (ip, names) in generated {
        let fresh: Vec<String> = names
            .into_iter()
            .filter(|n| !lines.iter().any(|(_, seen)| seen.contains(n)))
            .collect();
        if !fresh.is_empty() {
            out.push_str(&format!("{ip}\t{}\n", fresh.join(" ")));
        }
    }
    Ok(out)
}

/// The container's /etc/resolv.conf: the host's, with loopback name servers (useless from
/// another network namespace) dropped in a private network, the helper's forwarder in their
/// place if there is one, and `--dns`, `--dns-search`, `--dns-option` replacing what they name.
pub fn resolv_conf(
    host_resolv_conf: &str,
    host_network: bool,
    names: &NameOptions,
    forwarder: Option<IpAddr>,
) -> String {
    let servers: Option<Vec<String>> = (!names.dns_servers.is_empty()).then(|| {
        names
            .dns_servers
            .iter()
            .map(|s| format!("nameserver {s}"))
            .collect()
    });
    let search: Option<Vec<String>> = (!names.dns_search.is_empty()).then(|| {
        let domains: Vec<&str> = names
            .dns_search
            .iter()
            .map(String::as_str)
            .filter(|d| *d != ".")
            .collect();
        if domains.is_empty() {
            Vec::new()
        } else {
            vec![format!("search {}", domains.join(" "))]
        }
    });
    let options: Option<Vec<String>> = (!names.dns_options.is_empty())
        .then(|| vec![format!("options {}", names.dns_options.join(" "))]);
    let mut forwarder = forwarder.map(|f| format!("nameserver {f}"));
    let mut replacements = [(servers, false), (search, false), (options, false)];
    let mut out: Vec<String> = Vec::new();
    for line in host_resolv_conf.lines() {
        let mut fields = line.split_whitespace();
        let keyword = fields.next().unwrap_or("");
        let slot = match keyword {
            "nameserver" => Some(0),
            "search" | "domain" => Some(1),
            "options" => Some(2),
            _ => None,
        };
        if let Some(slot) = slot
            && let (Some(lines), emitted) = &mut replacements[slot]
        {
            if !*emitted {
                out.extend(lines.iter().cloned());
                *emitted = true;
            }
            continue;
        }
        let loopback_server = keyword == "nameserver" && fields.next().is_some_and(is_loopback);
        if loopback_server && !host_network {
            out.extend(forwarder.take());
            continue;
        }
        out.push(line.to_string());
    }
    for (lines, emitted) in replacements {
        if let (Some(lines), false) = (lines, emitted) {
            out.extend(lines);
        }
    }
    out.iter().map(|l| format!("{l}\n")).collect()
}

fn nameservers(resolv_conf: &str) -> impl Iterator<Item = &str> {
    resolv_conf.lines().filter_map(|line| {
        let mut fields = line.split_whitespace();
        (fields.next() == Some("nameserver"))
            .then(|| fields.next())
            .flatten()
    })
}

fn is_loopback(addr: &str) -> bool {
    // An IPv6 server may carry a zone (`fe80::1%eth0`); loopback never does.
    addr.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
