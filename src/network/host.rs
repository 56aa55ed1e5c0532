//! The facts about the host's network that a container's addresses derive from, and the host
//! problems that keep a helper from working, detected up front so the error says what to fix.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::Path;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

/// What `/proc/net/route` and the routing table say about the host's way out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostNetwork {
    /// The source address of the default route: what pasta copies into the container, and what
    /// reaches the host from a slirp4netns container.
    pub address: Option<Ipv4Addr>,
    /// The default gateway: with pasta's gateway mapping (`--map-gw`) it reaches the host's
    /// loopback.
    pub gateway: Option<Ipv4Addr>,
}

impl HostNetwork {
    /// The current host's; a host without a default route has neither address.
    pub fn current() -> HostNetwork {
        let gateway = std::fs::read_to_string("/proc/net/route")
            .ok()
            .and_then(|table| default_gateway(&table));
        let address = gateway.and_then(source_address);
        HostNetwork { address, gateway }
    }
}

/// The gateway of the first default route in a `/proc/net/route` table (hex, little-endian).
pub fn default_gateway(table: &str) -> Option<Ipv4Addr> {
    const RTF_UP_GATEWAY: u32 = 0x1 | 0x2;
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (destination, gateway, flags, mask) = (
            fields.get(1)?,
            fields.get(2)?,
            u32::from_str_radix(fields.get(3)?, 16).ok()?,
            fields.get(7)?,
        );
        let default = *destination == "00000000" && *mask == "00000000";
        if !default || flags & RTF_UP_GATEWAY != RTF_UP_GATEWAY {
            return None;
        }
        let raw = u32::from_str_radix(gateway, 16).ok()?;
        Some(Ipv4Addr::from(raw.swap_bytes()))
    })
}

/// The address the kernel would send from towards `peer`: a connected UDP socket's own
/// address (connecting sends nothing).
fn source_address(peer: Ipv4Addr) -> Option<Ipv4Addr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect(SocketAddr::new(IpAddr::V4(peer), 9)).ok()?;
    match socket.local_addr().ok()?.ip() {
        IpAddr::V4(ip) if !ip.is_unspecified() => Some(ip),
        _ => None,
    }
}

/// Both helpers create a tap device through `/dev/net/tun`, which the user must be able to open
/// (mode 0666 on a normal host; some minimal machines ship it 0600).
pub fn check_tun(device: &Path) -> Result<()> {
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(device)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} does not exist: rootless networking needs the tun device; as root load it \
             (modprobe tun) or use --network none",
            device.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(device)
                .map(|m| format!("{:04o}", m.permissions().mode() & 0o7777))
                .unwrap_or_else(|_| "unknown".into());
            bail!(
                "{} is not usable by this user (mode {mode}): rootless networking needs it; \
                 as root run `chmod 0666 {}` (the normal mode) or use --network none",
                device.display(),
                device.display()
            )
        }
        Err(e) => bail!(
            "cannot open {}: {e}: rootless networking needs the tun device, or use --network none",
            device.display()
        ),
    }
}
