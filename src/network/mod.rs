//! Rootless container networking: the `--network` modes, published ports, the name resolution
//! files, and the user-mode network helper (pasta or slirp4netns) that connects a container's
//! network namespace to the host's.
//!
//! # How a container gets its network
//!
//! 1. `engine run` turns its flags into a [`NetworkConfig`] (stored with the container): the mode
//!    (pasta when installed, else slirp4netns, as `default_rootless_network_cmd` in
//!    containers.conf says), the port mappings with their host ports chosen and checked free,
//!    and the DNS and hosts options. The spec (`crate::spec`) gives the container a network
//!    namespace of its own, or the host's, or another one to join ([`join`]), and writes
//!    /etc/hosts and /etc/resolv.conf for it ([`names`]).
//! 2. The runtime's waiter unshares the network namespace; PID 1 waits at the start gate.
//! 3. The monitor calls [`NetworkHelper::start`] with the waiter's PID: the helper creates a tap
//!    interface in that namespace, configures it, binds the published host ports, and only then
//!    does `start` return; the monitor opens the gate.
//! 4. When the container exits the monitor calls [`NetworkHelper::stop`]. Should the monitor be
//!    killed instead, the helper dies with it (parent-death signal, and slirp4netns's exit fd),
//!    and [`kill_leftover_helper`] cleans up after anything that still escaped.

pub mod config;
pub mod forwarder;
pub mod helper;
pub mod host;
pub mod join;
pub mod names;
pub mod pasta;
pub mod port_check;
pub mod ports;
pub mod slirp;
mod spawn;
mod start;

#[cfg(test)]
mod tests;

pub use config::{NetworkConfig, NetworkMode};
pub use helper::{NetworkHelper, kill_leftover_helper};
pub use host::HostNetwork;
pub use join::JoinedNetwork;
pub use names::{HostEntry, NameOptions};
pub use ports::{PortMapping, Protocol, format_ports};
