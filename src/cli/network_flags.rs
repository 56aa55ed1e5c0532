//! The network flags of `run` (and `create`): `--network`, `-p`, `-P`, `--dns*`, `--add-host`,
//! `--no-hosts`, mapped onto the spec's options.

use anyhow::{Result, bail};
use clap::Args;

use crate::config::containers_conf::ContainersConf;
use crate::network::join::{join_container, join_path};
use crate::network::names::{HostEntry, NameOptions};
use crate::network::ports::parse_publish;
use crate::network::{NetworkConfig, NetworkMode};
use crate::spec::RunOptions;
use crate::store::Store;

#[derive(Args, Debug, Clone, Default)]
pub struct NetworkFlags {
    /// Network: pasta[:OPTIONS] or slirp4netns[:OPTIONS] (default: pasta when installed),
    /// none (loopback only), host, container:NAME or ns:PATH
    #[arg(long, visible_alias = "net", value_name = "MODE")]
    pub network: Option<String>,
    /// Publish a port: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]; ranges as 8000-8005:80-85
    #[arg(short = 'p', long, value_name = "PORT")]
    pub publish: Vec<String>,
    /// Publish every port the image exposes, each to a free host port
    #[arg(short = 'P', long)]
    pub publish_all: bool,
    /// DNS server for the container ("none": keep the image's /etc/resolv.conf)
    #[arg(long, value_name = "IP")]
    pub dns: Vec<String>,
    /// DNS search domain ("." for none)
    #[arg(long, value_name = "DOMAIN")]
    pub dns_search: Vec<String>,
    /// Resolver option for /etc/resolv.conf, e.g. ndots:2
    #[arg(long, visible_alias = "dns-opt", value_name = "OPTION")]
    pub dns_option: Vec<String>,
    /// Add a line to /etc/hosts: NAME:IP (IP may be host-gateway)
    #[arg(long, value_name = "NAME:IP")]
    pub add_host: Vec<String>,
    /// Do not generate /etc/hosts: keep the image's
    #[arg(long)]
    pub no_hosts: bool,
}

impl NetworkFlags {
    /// Fills `opts.network`, `opts.joined_network`, `opts.publish` and `opts.publish_all`.
    /// `container:NAME` must name a running container of `store`.
    pub fn apply(&self, opts: &mut RunOptions, store: &Store, conf: &ContainersConf) -> Result<()> {
        let mode = match self.network.as_deref() {
            None | Some("" | "private") => default_mode(conf)?,
            Some(value) => NetworkMode::parse(value)?,
        };
        let names = self.name_options()?;
        let (mode, joined) = match mode {
            NetworkMode::Container { id } => {
                self.refuse_with_shared_network(&format!("container:{id}"), &names)?;
                let (id, joined) = join_container(store, &id)?;
                (NetworkMode::Container { id }, Some(joined))
            }
            NetworkMode::Path { path } => {
                let joined = join_path(&path)?;
                (NetworkMode::Path { path }, Some(joined))
            }
            other => (other, None),
        };
        opts.publish = self
            .publish
            .iter()
            .map(|p| parse_publish(p))
            .collect::<Result<_>>()?;
        opts.publish_all = self.publish_all;
        if !mode.has_helper() && (!opts.publish.is_empty() || opts.publish_all) {
            // podman's behaviour: a warning, not an error.
            eprintln!(
                "WARNING: published ports are discarded: --network {mode} has no port \
                 forwarding (use pasta or slirp4netns)"
            );
            opts.publish.clear();
            opts.publish_all = false;
        }
        opts.network = NetworkConfig {
            mode,
            ports: Vec::new(),
            names,
        };
        opts.joined_network = joined;
        Ok(())
    }

    fn name_options(&self) -> Result<NameOptions> {
        let no_resolv_conf = self.dns.iter().any(|d| d == "none");
        if no_resolv_conf && self.dns.len() > 1 {
            bail!("--dns none keeps the image's /etc/resolv.conf: give no other --dns");
        }
        let dns_servers = self
            .dns
            .iter()
            .filter(|d| *d != "none")
            .map(|d| {
                d.parse()
                    .map_err(|_| anyhow::anyhow!("invalid --dns {d:?}: use an IP address or none"))
            })
            .collect::<Result<_>>()?;
        Ok(NameOptions {
            dns_servers,
            no_resolv_conf,
            dns_search: self.dns_search.clone(),
            dns_options: self.dns_option.clone(),
            add_hosts: self
                .add_host
                .iter()
                .map(|h| HostEntry::parse(h))
                .collect::<Result<_>>()?,
            no_hosts: self.no_hosts,
        })
    }

    /// Another container's network comes with its resolvers and hosts (podman refuses too).
    fn refuse_with_shared_network(&self, mode: &str, names: &NameOptions) -> Result<()> {
        let conflicting = [
            (
                "--dns",
                !names.dns_servers.is_empty() || names.no_resolv_conf,
            ),
            ("--dns-search", !names.dns_search.is_empty()),
            ("--dns-option", !names.dns_options.is_empty()),
            ("--add-host", !names.add_hosts.is_empty()),
            ("-p/--publish", !self.publish.is_empty() || self.publish_all),
        ];
        if let Some((flag, _)) = conflicting.iter().find(|(_, given)| *given) {
            bail!(
                "{flag} cannot be used with --network {mode}: the container shares that \
                 container's network settings; set them there"
            );
        }
        Ok(())
    }
}

/// Without `--network`: the configured helper, else pasta or slirp4netns, whichever is
/// installed (as real root too: engine has no bridge network).
fn default_mode(conf: &ContainersConf) -> Result<NetworkMode> {
    NetworkMode::default_for(
        conf.default_rootless_network_cmd(),
        std::env::var_os("PATH").as_deref(),
    )
}
