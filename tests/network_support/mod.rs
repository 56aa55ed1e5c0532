//! Support for tests/network.rs (`mod network_support;` next to `mod common;`,
//! `mod run_support;` and `mod lifecycle_support;`): the two network helpers and what the tests
//! need around them on the host: free ports, an HTTP client and server, a UDP echo inside a
//! container, an image with ExposedPorts, and the helper processes a sandbox left running.

// Each test uses a different part of this module.
#![allow(dead_code)]

pub mod exposed_image;
pub mod helpers;
pub mod host_server;
pub mod ports;
pub mod traffic;

/// A rootless network helper, as `--network` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Helper {
    Pasta,
    Slirp4netns,
}

impl Helper {
    /// `--network` for this helper with `options` (none: the helper's defaults).
    pub fn network(self, options: &str) -> String {
        let name = match self {
            Helper::Pasta => "pasta",
            Helper::Slirp4netns => "slirp4netns",
        };
        if options.is_empty() {
            name.to_string()
        } else {
            format!("{name}:{options}")
        }
    }

    /// The option that lets the container reach the host's loopback through
    /// host.containers.internal (podman's opt-ins).
    pub fn loopback_opt_in(self) -> &'static str {
        match self {
            Helper::Pasta => "--map-gw",
            Helper::Slirp4netns => "allow_host_loopback=true",
        }
    }

    /// The options under which UDP through a published port works with Debian 12's helpers:
    /// pasta 2023.03 answers UDP only through its gateway mapping (the datagrams' source, the
    /// host's address, is the container's own address too otherwise).
    pub fn udp_options(self) -> &'static str {
        match self {
            Helper::Pasta => "--map-gw",
            Helper::Slirp4netns => "",
        }
    }
}
