//! /etc/hosts, /etc/hostname and /etc/resolv.conf for a container. They are generated into the
//! bundle and bind-mounted over the image's copies, so the image stays untouched.
//! Host files come in as text so tests never depend on the machine they run on.

use std::path::Path;

use anyhow::{Context, Result};

use super::options::NetworkMode;
use crate::util::fs::write_replace;

/// File names inside the bundle.
pub const HOSTS_FILE: &str = "hosts";
pub const HOSTNAME_FILE: &str = "hostname";
pub const RESOLV_CONF_FILE: &str = "resolv.conf";

/// The generated contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcFiles {
    pub hosts: String,
    pub hostname: String,
    pub resolv_conf: String,
}

impl EtcFiles {
    pub fn new(
        host_hosts: &str,
        host_resolv_conf: &str,
        hostname: &str,
        container_name: &str,
        network: NetworkMode,
    ) -> EtcFiles {
        EtcFiles {
            hosts: hosts_file(host_hosts, hostname, container_name, network),
            hostname: format!("{hostname}\n"),
            resolv_conf: resolv_conf(host_resolv_conf, network),
        }
    }

    /// Writes the three files into `bundle` (mode 0644: every container user must read them).
    pub fn write_to(&self, bundle: &Path) -> Result<()> {
        for (name, text) in [
            (HOSTS_FILE, &self.hosts),
            (HOSTNAME_FILE, &self.hostname),
            (RESOLV_CONF_FILE, &self.resolv_conf),
        ] {
            let path = bundle.join(name);
            write_replace(&path, text.as_bytes(), 0o644).with_context(|| {
                format!(
                    "cannot write {}: check the bundle directory's permissions",
                    path.display()
                )
            })?;
        }
        Ok(())
    }
}

/// podman's layout: the host's entries first (so names the host resolves keep resolving), then
/// `localhost` if the host file lacked it, then the container's own names. Names already present
/// are never repeated, so a user's host entry is not shadowed.
/// Without a network the container's names point at loopback, the only address it has; with the
/// host's network they do too, since loopback reaches the host it shares.
pub fn hosts_file(
    host_hosts: &str,
    hostname: &str,
    container_name: &str,
    network: NetworkMode,
) -> String {
    let mut out = String::new();
    let mut seen: Vec<String> = Vec::new();
    for line in host_hosts.lines() {
        let content = line.split('#').next().unwrap_or("");
        let mut fields = content.split_whitespace();
        let (Some(ip), names) = (fields.next(), fields.collect::<Vec<_>>()) else {
            continue;
        };
        if names.is_empty() {
            continue;
        }
        seen.extend(names.iter().map(|n| n.to_string()));
        out.push_str(&format!("{ip}\t{}\n", names.join(" ")));
    }
    let mut own_names = vec![hostname];
    if !container_name.is_empty() && container_name != hostname {
        own_names.push(container_name);
    }
    let entries: [(&str, Vec<&str>); 4] = [
        ("127.0.0.1", vec!["localhost"]),
        ("::1", vec!["localhost"]),
        ("127.0.0.1", own_names.clone()),
        (
            "::1",
            if network == NetworkMode::None {
                own_names
            } else {
                Vec::new()
            },
        ),
    ];
    // `seen` holds only the host file's names: the container's names go on both loopback lines.
    for (ip, names) in entries {
        let fresh: Vec<&str> = names
            .into_iter()
            .filter(|n| !seen.iter().any(|s| s == n))
            .collect();
        if !fresh.is_empty() {
            out.push_str(&format!("{ip}\t{}\n", fresh.join(" ")));
        }
    }
    out
}

/// The host's resolv.conf, adjusted to the container's network: with the host's network it is
/// used as is; in a private network namespace, loopback name servers (systemd-resolved's
/// 127.0.0.53, a local dnsmasq) point at the container itself and are dropped.
pub fn resolv_conf(host_resolv_conf: &str, network: NetworkMode) -> String {
    let mut out = String::new();
    for line in host_resolv_conf.lines() {
        let mut fields = line.split_whitespace();
        let is_loopback_server =
            fields.next() == Some("nameserver") && fields.next().is_some_and(is_loopback);
        if network == NetworkMode::Host || !is_loopback_server {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn is_loopback(addr: &str) -> bool {
    // An IPv6 server may carry a zone (`fe80::1%eth0`); loopback never does.
    addr.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}
