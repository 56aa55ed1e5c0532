//! pasta (from the passt package): its command line for a container, and what its options
//! mean for the container's addresses.
//!
//! pasta copies the host's addresses and routes into the container and forwards the published
//! ports with sockets on the host. By default it also maps the gateway address to the host's
//! loopback; like podman, engine turns that off (`--no-map-gw`) unless the user opts in with
//! `--network pasta:--map-gw`, so services bound to the host's loopback stay private.

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use super::host::HostNetwork;
use super::ports::{PortMapping, Protocol};

/// Where the container's resolv.conf points when the host resolves through a loopback server:
/// pasta (`--dns-forward`) relays queries sent there to the host's resolver (podman's choice).
pub const DNS_FORWARDER: Ipv4Addr = Ipv4Addr::new(169, 254, 1, 1);
/// The opt-in to the gateway mapping; engine's own, removed before pasta sees the options.
pub const MAP_GW: &str = "--map-gw";

/// Newer pasta's options naming an address that reaches the host from the container.
const HOST_ADDRESS_OPTIONS: [&str; 2] = ["--map-host-loopback", "--map-guest-addr"];

/// The address that reaches the host from the container, for `host.containers.internal`.
pub fn host_gateway(options: &[String], host: &HostNetwork) -> Option<IpAddr> {
    for name in HOST_ADDRESS_OPTIONS {
        if let Some(addr) = option_value(options, name).and_then(|v| v.parse().ok()) {
            return Some(addr);
        }
    }
    if options.iter().any(|o| o == MAP_GW) {
        // The gateway address then leads to the host's loopback.
        return host.gateway.map(IpAddr::V4);
    }
    // podman's choice. Without a mapping pasta has no address for the host: this one is also
    // the container's own (pasta copies it), so only the opt-in reaches host services.
    host.address.map(IpAddr::V4)
}

/// The value of `--name VALUE` or `--name=VALUE` in `options`.
fn option_value<'a>(options: &'a [String], name: &str) -> Option<&'a str> {
    options.iter().enumerate().find_map(|(i, o)| {
        if o == name {
            options.get(i + 1).map(String::as_str)
        } else {
            o.strip_prefix(name).and_then(|rest| rest.strip_prefix('='))
        }
    })
}

/// Where pasta connects and what it writes.
pub struct PastaTarget<'a> {
    pub netns: &'a Path,
    /// The user namespace owning `netns`, unless it is pasta's own.
    pub userns: Option<&'a Path>,
    /// Written once the interface is configured and the ports are bound: the readiness signal.
    pub pid_file: &'a Path,
    /// The engine runs as real root: pasta would switch to `nobody` before opening the
    /// namespaces, which only root may open.
    pub as_root: bool,
}

/// pasta's arguments: configure the interface, stay in the foreground (so it is the caller's
/// child and dies with it), forward the published ports and nothing else, relay DNS queries
/// sent to [`DNS_FORWARDER`] (used when the host's resolver is on its loopback), then the
/// user's options.
pub fn pasta_args(
    options: &[String],
    ports: &[PortMapping],
    target: &PastaTarget,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["--config-net", "--foreground", "--quiet", "--stderr"]
        .map(OsString::from)
        .to_vec();
    args.push("--pid".into());
    args.push(target.pid_file.into());
    if target.as_root {
        args.extend(["--runas".into(), "0".into()]);
    }
    let user_gave = |flags: &[&str]| {
        options.iter().any(|o| {
            flags
                .iter()
                .any(|f| o == f || o.starts_with(&format!("{f}=")))
        })
    };
    for (protocol, short, long) in [
        (Protocol::Tcp, "-t", "--tcp-ports"),
        (Protocol::Udp, "-u", "--udp-ports"),
    ] {
        let specs: Vec<String> = ports
            .iter()
            .filter(|p| p.protocol == protocol)
            .map(port_spec)
            .collect();
        if specs.is_empty() && !user_gave(&[short, long]) {
            args.extend([short.into(), "none".into()]);
        }
        for spec in specs {
            args.extend([short.into(), spec.into()]);
        }
    }
    // pasta forwards ports bound in the host's namespace into the container by default: the
    // container would reach the host's loopback services on its own 127.0.0.1.
    for (short, long) in [("-T", "--tcp-ns"), ("-U", "--udp-ns")] {
        if !user_gave(&[short, long]) {
            args.extend([short.into(), "none".into()]);
        }
    }
    let map_gw = options.iter().any(|o| o == MAP_GW);
    if !map_gw && !options.iter().any(|o| o == "--no-map-gw") {
        args.push("--no-map-gw".into());
    }
    args.extend(["--dns-forward".into(), DNS_FORWARDER.to_string().into()]);
    args.extend(
        options
            .iter()
            .filter(|o| o.as_str() != MAP_GW)
            .map(OsString::from),
    );
    args.extend(["--netns".into(), target.netns.into()]);
    if let Some(userns) = target.userns {
        args.extend(["--userns".into(), userns.into()]);
    }
    args
}

/// `-t`/`-u`'s SPEC: `[ADDRESS/]HOSTPORTS:CONTAINERPORTS`.
fn port_spec(p: &PortMapping) -> String {
    let range = |start: u16| {
        if p.range > 1 {
            format!("{start}-{}", start + (p.range - 1))
        } else {
            start.to_string()
        }
    };
    let address = p.host_ip.map(|ip| format!("{ip}/")).unwrap_or_default();
    format!(
        "{address}{}:{}",
        range(p.host_port),
        range(p.container_port)
    )
}
