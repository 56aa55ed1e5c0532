//! Host ports for one test: free now, and handed to no other test of this binary.
//!
//! Tests run in parallel (and other suites may run on the machine), so every test takes its
//! own block from a counter and checks it is free. The blocks lie below the kernel's ephemeral
//! range, where the engine's own choices (`-p 80`, `-P`) and clients' source ports come from.

use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, UdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};

const FIRST: u32 = 20_000;
const END: u32 = 32_000;

/// The first of `count` consecutive host ports that nothing binds right now, for TCP or UDP,
/// on any address.
pub fn free_ports(count: u16) -> u16 {
    // Each test binary starts elsewhere, so two runs at once rarely probe the same ports.
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let offset = std::process::id() % 500 * 20;
    for _ in 0..200 {
        let n = NEXT.fetch_add(u32::from(count), Ordering::Relaxed);
        let start = FIRST + (offset + n) % (END - FIRST - u32::from(count));
        let start = u16::try_from(start).expect("below 32000");
        if (start..start + count).all(is_free) {
            return start;
        }
    }
    panic!("no block of {count} free ports between {FIRST} and {END}");
}

/// One free host port.
pub fn free_port() -> u16 {
    free_ports(1)
}

fn is_free(port: u16) -> bool {
    // One socket at a time: a dual-stack [::] conflicts with a 0.0.0.0 still bound.
    let tcp4 = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok();
    let udp4 = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok();
    // A host without IPv6 cannot bind [::] at all: that says nothing about the port.
    let tcp6 = match TcpListener::bind((Ipv6Addr::UNSPECIFIED, port)) {
        Ok(_) => true,
        Err(e) => e.kind() != std::io::ErrorKind::AddrInUse,
    };
    tcp4 && udp4 && tcp6
}
