//! By hand, against a real container until the monitor starts helpers itself.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use crate::network::{NetworkConfig, NetworkHelper, NetworkMode};

use super::live::free_port;

/// By hand, against a real container until the monitor starts helpers: run one as
/// `engine run --rootfs DIR --network pasta sh -c 'sleep 2; httpd -f -p 80 -h /etc'`, then
/// `ENGINE_NET_WAITER=<its waiter's pid> ENGINE_NET_MODE=pasta|slirp4netns` and this test
/// fetches the container's /etc/hostname through a published port.
#[test]
fn attach_to_a_running_container() {
    let Some(waiter) = std::env::var("ENGINE_NET_WAITER").ok() else {
        eprintln!("skipped: set ENGINE_NET_WAITER=PID (see the doc comment)");
        return;
    };
    let mode = std::env::var("ENGINE_NET_MODE").unwrap_or_else(|_| "pasta".into());
    let port = free_port();
    let config = NetworkConfig {
        mode: NetworkMode::parse(&mode).unwrap(),
        ports: vec![port.clone()],
        ..NetworkConfig::default()
    };
    let state = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let helper = NetworkHelper::start(&config, waiter.parse().unwrap(), state.path())
        .unwrap()
        .unwrap();
    eprintln!("{mode} ready after {:?}", started.elapsed());
    let deadline = Instant::now() + Duration::from_secs(10);
    let reply = loop {
        let attempt =
            TcpStream::connect((Ipv4Addr::LOCALHOST, port.host_port)).and_then(|mut s| {
                s.write_all(b"GET /hostname HTTP/1.0\r\n\r\n")?;
                let mut reply = String::new();
                s.read_to_string(&mut reply)?;
                Ok(reply)
            });
        match attempt {
            Ok(reply) if reply.contains("200 OK") => break reply,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            other => panic!("no answer through port {}: {other:?}", port.host_port),
        }
    };
    eprintln!("{reply}");
    helper.stop().unwrap();
}
