//! slirp4netns: its options (`--network slirp4netns:KEY=VALUE,...`, podman's keys), command
//! line, and the API requests that publish ports.
//!
//! The container gets a fixed private network (10.0.2.0/24 by default): it is .100, the
//! gateway .2 leads to the host's loopback only with `allow_host_loopback=true`, .3 forwards DNS
//! to the host's resolver.

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::host::HostNetwork;
use super::ports::PortMapping;

/// The interface slirp4netns creates in the container (podman's name).
pub const INTERFACE: &str = "tap0";
/// podman's MTU for slirp4netns: large frames are much faster through it.
const DEFAULT_MTU: u32 = 65520;

/// `--network slirp4netns:...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlirpOptions {
    pub allow_host_loopback: bool,
    /// The network and its prefix length (`cidr=10.0.2.0/24`).
    pub cidr: (Ipv4Addr, u8),
    pub enable_ipv6: bool,
    pub mtu: u32,
    pub outbound_addr: Option<String>,
    pub outbound_addr6: Option<String>,
}

impl Default for SlirpOptions {
    fn default() -> SlirpOptions {
        SlirpOptions {
            allow_host_loopback: false,
            cidr: (Ipv4Addr::new(10, 0, 2, 0), 24),
            enable_ipv6: true,
            mtu: DEFAULT_MTU,
            outbound_addr: None,
            outbound_addr6: None,
        }
    }
}

impl SlirpOptions {
    pub fn parse(options: &[String]) -> Result<SlirpOptions> {
        let mut out = SlirpOptions::default();
        for option in options {
            let (key, value) = option
                .split_once('=')
                .with_context(|| format!("invalid slirp4netns option {option:?}: use KEY=VALUE"))?;
            let flag = || -> Result<bool> {
                match value {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    _ => bail!("slirp4netns option {key}={value:?}: use true or false"),
                }
            };
            match key {
                "allow_host_loopback" => out.allow_host_loopback = flag()?,
                "enable_ipv6" => out.enable_ipv6 = flag()?,
                "cidr" => out.cidr = parse_cidr(value)?,
                "mtu" => {
                    out.mtu = value
                        .parse()
                        .ok()
                        .filter(|m| (68..=65521).contains(m))
                        .with_context(|| format!("slirp4netns mtu={value:?}: use 68 to 65521"))?
                }
                "outbound_addr" => out.outbound_addr = Some(value.to_string()),
                "outbound_addr6" => out.outbound_addr6 = Some(value.to_string()),
                "port_handler" if value == "slirp4netns" => {}
                "port_handler" => bail!(
                    "slirp4netns port_handler={value:?} is not available: engine publishes \
                     ports through slirp4netns itself (port_handler=slirp4netns)"
                ),
                _ => bail!(
                    "unknown slirp4netns option {key:?}: use allow_host_loopback, cidr, \
                     enable_ipv6, mtu, outbound_addr, outbound_addr6 or port_handler"
                ),
            }
        }
        Ok(out)
    }

    fn host(&self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.cidr.0) + n)
    }

    /// The container's address: .100 of the network.
    pub fn guest_address(&self) -> Ipv4Addr {
        self.host(100)
    }

    /// The gateway: the host's loopback with `allow_host_loopback`.
    pub fn gateway_address(&self) -> Ipv4Addr {
        self.host(2)
    }

    /// The built-in DNS forwarder.
    pub fn dns_address(&self) -> Ipv4Addr {
        self.host(3)
    }
}

fn parse_cidr(value: &str) -> Result<(Ipv4Addr, u8)> {
    let invalid = || format!("slirp4netns cidr={value:?}: use an IPv4 network like 10.0.2.0/24");
    let (addr, prefix) = value.split_once('/').with_context(invalid)?;
    let addr: Ipv4Addr = addr.parse().ok().with_context(invalid)?;
    let prefix: u8 = prefix.parse().ok().with_context(invalid)?;
    // The container is .100 of the network: it needs at least that many addresses.
    if !(1..=25).contains(&prefix) {
        bail!("{}: the prefix must be /1 to /25", invalid());
    }
    let mask = u32::MAX << (32 - prefix);
    Ok((Ipv4Addr::from(u32::from(addr) & mask), prefix))
}

/// The address that reaches the host, for `host.containers.internal`: the gateway, which
/// leads to the host's loopback, when allowed; else the host's own address, which reaches the
/// host's services on its other addresses.
pub fn host_gateway(options: &SlirpOptions, host: &HostNetwork) -> Option<IpAddr> {
    if options.allow_host_loopback {
        Some(IpAddr::V4(options.gateway_address()))
    } else {
        host.address.map(IpAddr::V4)
    }
}

/// Where slirp4netns connects and how it talks to the engine.
pub struct SlirpTarget<'a> {
    pub netns: &'a Path,
    pub userns: Option<&'a Path>,
    /// Closing the other end makes slirp4netns exit.
    pub exit_fd: i32,
    /// slirp4netns writes `1` there once the interface is configured.
    pub ready_fd: i32,
    /// Relative to its working directory: a socket path must be short.
    pub api_socket: &'a str,
}

pub fn slirp_args(options: &SlirpOptions, target: &SlirpTarget) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "--configure".into(),
        format!("--mtu={}", options.mtu).into(),
        format!("--exit-fd={}", target.exit_fd).into(),
        format!("--ready-fd={}", target.ready_fd).into(),
        format!("--api-socket={}", target.api_socket).into(),
        format!("--cidr={}/{}", options.cidr.0, options.cidr.1).into(),
        // Not --enable-sandbox: it needs slirp4netns to be root in its user namespace (podman
        // runs it inside its rootless namespace); here it runs as the user on the host.
        "--enable-seccomp".into(),
    ];
    if !options.allow_host_loopback {
        args.push("--disable-host-loopback".into());
    }
    if options.enable_ipv6 {
        args.push("--enable-ipv6".into());
    }
    if let Some(addr) = &options.outbound_addr {
        args.push(format!("--outbound-addr={addr}").into());
    }
    if let Some(addr) = &options.outbound_addr6 {
        args.push(format!("--outbound-addr6={addr}").into());
    }
    if let Some(userns) = target.userns {
        let mut arg = OsString::from("--userns-path=");
        arg.push(userns);
        args.push(arg);
    }
    args.extend([
        "--netns-type=path".into(),
        target.netns.into(),
        INTERFACE.into(),
    ]);
    args
}

/// An `add_hostfwd` API request, and the host port it publishes for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hostfwd {
    /// `127.0.0.1:8080/tcp`.
    pub host_port: String,
    pub request: String,
}

/// One request per published port (slirp4netns has no ranges).
pub fn hostfwd_requests(mappings: &[PortMapping], guest: Ipv4Addr) -> Result<Vec<Hostfwd>> {
    let mut requests = Vec::new();
    for m in mappings {
        let host_addr = match m.host_ip {
            None => "0.0.0.0".to_string(),
            Some(IpAddr::V4(ip)) => ip.to_string(),
            Some(IpAddr::V6(ip)) => bail!(
                "-p [{ip}]:{}: slirp4netns publishes ports on IPv4 addresses only: use \
                 --network pasta or an IPv4 address",
                m.host_port
            ),
        };
        for i in 0..m.range {
            let request = serde_json::json!({
                "execute": "add_hostfwd",
                "arguments": {
                    "proto": m.protocol.to_string(),
                    "host_addr": host_addr,
                    "host_port": m.host_port + i,
                    "guest_addr": guest.to_string(),
                    "guest_port": m.container_port + i,
                }
            });
            requests.push(Hostfwd {
                host_port: format!("{host_addr}:{}/{}", m.host_port + i, m.protocol),
                request: request.to_string(),
            });
        }
    }
    Ok(requests)
}
