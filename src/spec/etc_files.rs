//! /etc/hosts, /etc/hostname and /etc/resolv.conf for a container. They are generated into the
//! bundle and bind-mounted over the image's copies, so the image stays untouched; with
//! `--no-hosts` or `--dns none` the image's own file stays instead, as in podman.
//! The contents come from `crate::network::names`; host files come in as text (in
//! [`HostContext`]) so tests never depend on the machine they run on.

use std::io::ErrorKind;
use std::path::Path;

use anyhow::{Context, Result};

use super::host::HostContext;
use crate::network::names::{self, container_addresses};
use crate::network::{JoinedNetwork, NetworkConfig, NetworkMode};
use crate::util::fs::write_replace;

/// File names inside the bundle.
pub const HOSTS_FILE: &str = "hosts";
pub const HOSTNAME_FILE: &str = "hostname";
pub const RESOLV_CONF_FILE: &str = "resolv.conf";
pub const PASSWD_FILE: &str = "passwd";
pub const GROUP_FILE: &str = "group";

/// The generated contents; `None`: the image's file is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcFiles {
    pub hosts: Option<String>,
    pub hostname: String,
    pub resolv_conf: Option<String>,
    /// The image's /etc/passwd and /etc/group plus the `--userns keep-id` account, when it
    /// adds one (see [`super::keep_id`]).
    pub passwd: Option<String>,
    pub group: Option<String>,
}

impl EtcFiles {
    /// The files of a container named `container_name` with `hostname`. A container joining
    /// another's network (`joined` with its files) shares that one's resolvers and hosts,
    /// adding its own names on loopback (podman does the same).
    pub fn generate(
        host: &HostContext,
        hostname: &str,
        container_name: &str,
        network: &NetworkConfig,
        joined: Option<&JoinedNetwork>,
    ) -> Result<EtcFiles> {
        let addresses = container_addresses(&network.mode, &host.network);
        let hosts_base = joined.and_then(|j| j.hosts.clone());
        let hosts = if network.names.no_hosts {
            None
        } else {
            Some(names::hosts_file(
                hosts_base.as_deref().unwrap_or(&host.hosts),
                hostname,
                container_name,
                &addresses,
                &network.names.add_hosts,
            )?)
        };
        let resolv_conf = if network.names.no_resolv_conf {
            None
        } else if let Some(theirs) = joined.and_then(|j| j.resolv_conf.clone()) {
            Some(theirs)
        } else {
            Some(names::resolv_conf(
                &host.resolv_conf,
                network.mode == NetworkMode::Host,
                &network.names,
                names::dns_forwarder(&network.mode, &host.resolv_conf, &network.names),
            ))
        };
        Ok(EtcFiles {
            hosts,
            hostname: format!("{hostname}\n"),
            resolv_conf,
            passwd: None,
            group: None,
        })
    }

    /// Which files are generated, as (path in the container, file name in the bundle).
    pub fn mounted(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if self.hosts.is_some() {
            out.push(("/etc/hosts", HOSTS_FILE));
        }
        out.push(("/etc/hostname", HOSTNAME_FILE));
        if self.resolv_conf.is_some() {
            out.push(("/etc/resolv.conf", RESOLV_CONF_FILE));
        }
        if self.passwd.is_some() {
            out.push(("/etc/passwd", PASSWD_FILE));
        }
        if self.group.is_some() {
            out.push(("/etc/group", GROUP_FILE));
        }
        out
    }

    /// Writes the files into `bundle` (mode 0644: every container user must read them), and
    /// removes those not generated.
    pub fn write_to(&self, bundle: &Path) -> Result<()> {
        for (name, text) in [
            (HOSTS_FILE, self.hosts.as_ref()),
            (HOSTNAME_FILE, Some(&self.hostname)),
            (RESOLV_CONF_FILE, self.resolv_conf.as_ref()),
            (PASSWD_FILE, self.passwd.as_ref()),
            (GROUP_FILE, self.group.as_ref()),
        ] {
            let path = bundle.join(name);
            let result = match text {
                Some(text) => write_replace(&path, text.as_bytes(), 0o644),
                None => match std::fs::remove_file(&path) {
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
                    other => other,
                },
            };
            result.with_context(|| {
                format!(
                    "cannot write {}: check the bundle directory's permissions",
                    path.display()
                )
            })?;
        }
        Ok(())
    }
}
