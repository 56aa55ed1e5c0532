//! Rootless networking for real, as the unprivileged test user, all traffic on this machine:
//! ports published by pasta and slirp4netns (TCP, UDP, ranges, `-P`), a taken port, the host's
//! loopback through host.containers.internal, `container:` and `none`, the generated name files,
//! `engine port` and the PORTS column, and no helper left behind.
//!
//! Debian 12's helpers set the limits these tests respect: UDP replies to a client on the host's
//! loopback are lost with both, so UDP clients use the host's own address; pasta 2023.03
//! answers UDP only with `--map-gw`; and pasta may not pass a server's close on to a client in
//! the container, so HTTP (with a Content-Length) is used rather than raw streams. busybox's
//! `wget -T` crashes (Debian's busybox-static 1.35), so `timeout` bounds it instead.

mod common;
mod lifecycle_support;
mod network_support;
mod pull_support;
mod run_support;

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use common::Sandbox;
use lifecycle_support::procs::assert_nothing_left;
use lifecycle_support::{
    assert_status, create, marker, monitor_pid, ps_all, ps_status, record, run_d,
};
use network_support::Helper::{self, Pasta, Slirp4netns};
use network_support::exposed_image::exposed_image;
use network_support::helpers::{assert_helper_runs, assert_no_helper_left, helpers_running};
use network_support::host_server::HostServer;
use network_support::ports::{free_port, free_ports};
use network_support::traffic::{UdpEcho, host_address, http_get, http_get_once, udp_round_trip};
use pull_support::assert_engine_error;
use run_support::procfs::interfaces;
use run_support::{busybox, sandbox, sh};

/// Slack for cleanup that should take no time, on a shared machine running tests in parallel.
const QUICK: Duration = Duration::from_secs(4);

/// busybox httpd in the foreground serving the container's /etc: `/hostname` names the
/// container that answered.
const HTTPD_ETC: [&str; 7] = ["busybox", "httpd", "-f", "-p", "80", "-h", "/etc"];

/// `engine port ARGS...`'s stdout, which must succeed.
#[track_caller]
fn port(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.engine(&[&["port"], args].concat());
    out.ok().stdout.clone()
}

/// The PORTS column of `ps -a` for container `id`.
#[track_caller]
fn ports_column(sb: &Sandbox, id: &str) -> String {
    let out = sb.engine(&["ps", "-a", "--no-trunc", "--format", "{{.ID}}|{{.Ports}}"]);
    out.ok();
    let line = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{id}|")));
    line.unwrap_or_else(|| panic!("ps -a does not list {id}\n{out}"))
        .to_string()
}

/// The host PID of the container's PID 1, from its record.
#[track_caller]
fn init_pid(sb: &Sandbox, id: &str) -> i32 {
    let record = record(sb, id).unwrap_or_else(|| panic!("container {id} has no record"));
    let pid = record["init_pid"]
        .as_i64()
        .and_then(|p| i32::try_from(p).ok());
    pid.unwrap_or_else(|| panic!("a running container's record has its init_pid: {record:#}"))
}

// ---- TCP on a loopback port ----

/// A detached httpd published on a free port of 127.0.0.1 answers curl there (and not on the
/// host's other address); `port` and `ps` show the mapping; `rm -f` leaves no helper.
fn serves_http_on_a_published_loopback_port(helper: Helper) {
    let sb = sandbox();
    let host_port = free_port();
    let publish = format!("127.0.0.1:{host_port}:80");
    let net = helper.network("");
    let flags = [
        "--name",
        "web",
        "--hostname",
        "web-host",
        "--network",
        &net,
        "-p",
        &publish,
    ];
    let id = run_d(&sb, &flags, &HTTPD_ETC);
    let url = format!("http://127.0.0.1:{host_port}/hostname");
    assert_eq!(http_get(&url), "web-host\n");

    assert_eq!(
        port(&sb, &["web"]),
        format!("80/tcp -> 127.0.0.1:{host_port}\n")
    );
    assert_eq!(
        port(&sb, &["web", "80/tcp"]),
        format!("127.0.0.1:{host_port}\n")
    );
    assert_eq!(
        ports_column(&sb, &id),
        format!("127.0.0.1:{host_port}->80/tcp")
    );
    let elsewhere = format!("http://{}:{host_port}/hostname", host_address());
    assert!(
        http_get_once(&elsewhere).is_err(),
        "published on 127.0.0.1 only, yet {elsewhere} answers"
    );

    sb.engine(&["rm", "-f", "web"]).ok();
    assert_no_helper_left(&sb, QUICK, "rm -f");
}

#[test]
fn pasta_serves_http_on_a_published_loopback_port() {
    serves_http_on_a_published_loopback_port(Pasta);
}

#[test]
fn slirp4netns_serves_http_on_a_published_loopback_port() {
    serves_http_on_a_published_loopback_port(Slirp4netns);
}

// ---- a range ----

/// `-p 127.0.0.1:N-N+2:8000-8002`: three servers, each behind its own host port.
fn publishes_a_port_range(helper: Helper) {
    let sb = sandbox();
    let first = free_ports(3);
    let publish = format!("127.0.0.1:{first}-{}:8000-8002", first + 2);
    let serve_three = "for i in 0 1 2; do mkdir -p /www/$i; echo port-800$i > /www/$i/index.html; \
                       busybox httpd -f -p 800$i -h /www/$i & done; wait";
    let net = helper.network("");
    let flags = ["--name", "range", "--network", &net, "-p", &publish];
    let id = run_d(&sb, &flags, &["sh", "-c", serve_three]);
    for i in 0..3u16 {
        let url = format!("http://127.0.0.1:{}/", first + i);
        assert_eq!(http_get(&url), format!("port-800{i}\n"), "{url}");
    }
    let expected: String = (0..3u16)
        .map(|i| format!("800{i}/tcp -> 127.0.0.1:{}\n", first + i))
        .collect();
    assert_eq!(port(&sb, &["range"]), expected);
    assert_eq!(
        port(&sb, &["range", "8001"]),
        format!("127.0.0.1:{}\n", first + 1)
    );
    assert_eq!(
        ports_column(&sb, &id),
        format!("127.0.0.1:{first}-{}->8000-8002/tcp", first + 2)
    );
    sb.engine(&["rm", "-f", &id]).ok();
    assert_no_helper_left(&sb, QUICK, "rm -f");
}

#[test]
fn pasta_publishes_a_port_range() {
    publishes_a_port_range(Pasta);
}

#[test]
fn slirp4netns_publishes_a_port_range() {
    publishes_a_port_range(Slirp4netns);
}

// ---- UDP ----

/// A datagram from the host's own address comes back from a UDP echo server in the container
/// through a port published on all addresses.
fn echoes_udp_through_a_published_port(helper: Helper) {
    let sb = sandbox();
    let host_port = free_port();
    let publish = format!("{host_port}:5353/udp");
    let net = helper.network(helper.udp_options());
    let mark = marker();
    let id = run_d(&sb, &["--network", &net, "-p", &publish], &["sleep", &mark]);
    assert_eq!(
        port(&sb, &[&id]),
        format!("5353/udp -> 0.0.0.0:{host_port}\n")
    );
    let _echo = UdpEcho::start(&sb, init_pid(&sb, &id), 5353);
    let payload = format!("ping {mark} over {net}");
    let reply = udp_round_trip(host_address(), host_port, payload.as_bytes(), QUICK * 2);
    assert_eq!(
        reply,
        Ok(payload.into_bytes()),
        "UDP through {net} port {host_port}"
    );
    sb.engine(&["rm", "-f", &id]).ok();
    assert_no_helper_left(&sb, QUICK, "rm -f");
}

#[test]
fn pasta_echoes_udp_through_a_published_port() {
    echoes_udp_through_a_published_port(Pasta);
}

#[test]
fn slirp4netns_echoes_udp_through_a_published_port() {
    echoes_udp_through_a_published_port(Slirp4netns);
}

// ---- -P ----

/// `-P` publishes the image's ExposedPorts (80/tcp and 9999/udp) on free ports of every host
/// address; the fixture image exposes nothing, so there `-P` publishes nothing (as podman).
fn publish_all(helper: Helper) {
    let sb = sandbox();
    let image = exposed_image();
    sb.engine(&["pull", "-q", image]).ok();
    let net = helper.network("");
    let args = [
        &["run", "-d", "--name", "all", "--hostname", "all-host"][..],
        &["--network", &net, "-P", image],
    ];
    let out = sb.engine(&[&args.concat()[..], &HTTPD_ETC].concat());
    let id = out.ok().line().to_string();

    let listed = port(&sb, &["all"]);
    let host_port_of = |container_port: &str| -> u16 {
        let prefix = format!("{container_port} -> 0.0.0.0:");
        let found = listed.lines().find_map(|l| l.strip_prefix(&prefix));
        found
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("port lists no {container_port} on all addresses:\n{listed}"))
    };
    let (tcp, udp) = (host_port_of("80/tcp"), host_port_of("9999/udp"));
    assert_eq!(listed.lines().count(), 2, "{listed}");
    // In no particular order: the image's ExposedPorts is a JSON object (podman sorts by host
    // port, which it chooses at random too).
    let column = ports_column(&sb, &id);
    let shown: BTreeSet<&str> = column.split(", ").collect();
    let expected = [
        format!("0.0.0.0:{tcp}->80/tcp"),
        format!("0.0.0.0:{udp}->9999/udp"),
    ];
    assert_eq!(
        shown,
        expected.iter().map(String::as_str).collect(),
        "{column}"
    );
    for address in [Ipv4Addr::LOCALHOST, host_address()] {
        assert_eq!(
            http_get(&format!("http://{address}:{tcp}/hostname")),
            "all-host\n"
        );
    }
    sb.engine(&["rm", "-f", "all"]).ok();

    let mark = marker();
    let id = run_d(&sb, &["--network", &net, "-P"], &["sleep", &mark]);
    assert_eq!(port(&sb, &[&id]), "", "busybox exposes nothing");
    assert_eq!(ports_column(&sb, &id), "");
    sb.engine(&["rm", "-f", &id]).ok();
    assert_no_helper_left(&sb, QUICK, "rm -f");
}

#[test]
fn pasta_publishes_all_exposed_ports() {
    publish_all(Pasta);
}

#[test]
fn slirp4netns_publishes_all_exposed_ports() {
    publish_all(Slirp4netns);
}

// ---- the host's loopback ----

/// A server on the host's loopback is private by default, through host.containers.internal
/// and through the container's gateway, and reachable through host.containers.internal with
/// the helper's opt-in.
fn reaches_the_hosts_loopback_only_with_the_opt_in(helper: Helper) {
    let sb = sandbox();
    let server = HostServer::start("from the host\n");
    let fetch = |host: &str| {
        format!(
            "busybox timeout 10 busybox wget -q -O - http://{host}:{}/",
            server.port()
        )
    };
    let gateway = "$(busybox ip route | busybox awk '$1 == \"default\" {print $3}')";
    let both = format!(
        "{}; {}; echo done",
        fetch("host.containers.internal"),
        fetch(gateway)
    );
    let plain = sh(&sb, &["--network", &helper.network("")], &both);
    assert_eq!(
        plain.ok().stdout,
        "done\n",
        "without the opt-in the host's loopback must stay private\n{plain}"
    );
    assert_eq!(server.connections(), 0, "{plain}");

    let opt_in = helper.network(helper.loopback_opt_in());
    let opted = sh(
        &sb,
        &["--network", &opt_in],
        &fetch("host.containers.internal"),
    );
    assert_eq!(opted.ok().stdout, "from the host\n", "{opted}");
    assert_eq!(server.connections(), 1);
}

#[test]
fn pasta_reaches_the_hosts_loopback_only_with_map_gw() {
    reaches_the_hosts_loopback_only_with_the_opt_in(Pasta);
}

#[test]
fn slirp4netns_reaches_the_hosts_loopback_only_with_allow_host_loopback() {
    reaches_the_hosts_loopback_only_with_the_opt_in(Slirp4netns);
}

// ---- the helper's life ----

/// The helper runs while the container does, and is gone after `rm -f`, after the container
/// exits by itself, and after the monitor is killed (the next command cleans up).
fn no_helper_outlives_its_container(helper: Helper) {
    let sb = sandbox();
    let net = helper.network("");
    let flags = ["--network", &net, "-p", "127.0.0.1::80"];
    let mark = marker();

    let id = run_d(&sb, &flags, &["sleep", &mark]);
    assert_helper_runs(&sb, &id);
    sb.engine(&["rm", "-f", &id]).ok();
    assert_no_helper_left(&sb, QUICK, "rm -f");

    // It exits once the test creates ~/gate/go (not through `exec`: the exec'd process would
    // die with the container's PID 1).
    let gate = sb.home().join("gate");
    sb.write_file("gate/.keep", "");
    let volume = format!("{}:/gate", gate.display());
    let until_told = "until test -e /gate/go; do sleep 0.1; done";
    let gated = [&flags[..], &["-v", &volume]].concat();
    let id = run_d(&sb, &gated, &["sh", "-c", until_told]);
    assert_helper_runs(&sb, &id);
    sb.write_file("gate/go", "");
    assert_eq!(sb.engine(&["wait", &id]).ok().line(), "0");
    assert_no_helper_left(&sb, QUICK, "the container exited");
    assert_eq!(
        port(&sb, &[&id]),
        "",
        "an exited container publishes nothing"
    );
    sb.engine(&["rm", &id]).ok();

    let id = run_d(&sb, &flags, &["sleep", &mark]);
    assert_helper_runs(&sb, &id);
    kill(Pid::from_raw(monitor_pid(&sb, &id)), Signal::SIGKILL).expect("kill -9 the monitor");
    sb.engine(&["ps", "-a"]).ok();
    assert_no_helper_left(&sb, QUICK, "SIGKILL of the monitor and `engine ps`");
    assert_status(&sb, &id, "Exited (137)");
    sb.engine(&["rm", &id]).ok();
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

#[test]
fn no_pasta_outlives_its_container() {
    no_helper_outlives_its_container(Pasta);
}

#[test]
fn no_slirp4netns_outlives_its_container() {
    no_helper_outlives_its_container(Slirp4netns);
}

// ---- a taken port ----

/// A host port something else holds is refused with one clear error and exit 125, before
/// anything starts: at `run`, and at `start` when it was taken after `create`.
#[test]
fn a_port_in_use_is_refused_before_the_container_starts() {
    let sb = sandbox();
    let (tcp_port, udp_port) = (free_port(), free_port());
    let _tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, tcp_port)).expect("taking a TCP port");
    let _udp = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, udp_port)).expect("taking a UDP port");
    let mark = marker();
    for helper in [Pasta, Slirp4netns] {
        let net = helper.network("");
        for (publish, shown) in [
            (
                format!("127.0.0.1:{tcp_port}:80"),
                format!("127.0.0.1:{tcp_port}/tcp"),
            ),
            (format!("{udp_port}:53/udp"), format!(":{udp_port}/udp")),
        ] {
            let out = sb.engine(&[
                "run",
                "-d",
                "--network",
                &net,
                "-p",
                &publish,
                busybox(),
                "sleep",
                &mark,
            ]);
            assert_engine_error(&out, &["already in use", &shown]);
            assert!(
                ps_all(&sb).is_empty(),
                "{net} -p {publish}: nothing is created"
            );
            assert_nothing_left(&sb, &["sleep", &mark], QUICK);
        }

        let late_port = free_port();
        let publish = format!("127.0.0.1:{late_port}:80");
        let id = create(&sb, &["--network", &net, "-p", &publish], &["sleep", &mark]);
        let _late = TcpListener::bind((Ipv4Addr::LOCALHOST, late_port)).expect("taking a port");
        let out = sb.engine(&["start", &id]);
        assert_engine_error(&out, &["already in use", &format!("127.0.0.1:{late_port}")]);
        let status = ps_status(&sb, &id);
        assert!(
            !status.starts_with("Up"),
            "{net}: start failed, yet ps says {status:?}"
        );
        assert_nothing_left(&sb, &["sleep", &mark], QUICK);
        sb.engine(&["rm", &id]).ok();
    }
}

// ---- shared and absent networks ----

/// `--network container:NAME` joins the first container's namespace: the same interfaces, its
/// server on 127.0.0.1 in reach, and no helper of its own.
#[test]
fn a_container_joins_another_ones_network() {
    let sb = sandbox();
    let serve_loopback = [
        "busybox",
        "httpd",
        "-f",
        "-p",
        "127.0.0.1:8080",
        "-h",
        "/etc",
    ];
    run_d(
        &sb,
        &["--name", "first", "--hostname", "first-host"],
        &serve_loopback,
    );
    let mark = marker();
    let second = run_d(&sb, &["--network", "container:first"], &["sleep", &mark]);
    assert_eq!(
        helpers_running(&sb).len(),
        1,
        "the joiner starts no helper of its own"
    );

    let describe = "readlink /proc/self/ns/net; busybox ip -o link";
    let first = sb.engine(&["exec", "first", "sh", "-c", describe]);
    first.ok();
    let fetch = "n=0; until busybox timeout 5 busybox wget -q -O - http://127.0.0.1:8080/hostname; \
                 do n=$((n+1)); test $n -lt 100 || exit 1; sleep 0.1; done";
    let joined = sb.engine(&["exec", &second, "sh", "-c", &format!("{describe}; {fetch}")]);
    assert_eq!(
        joined.ok().stdout,
        format!("{}first-host\n", first.stdout),
        "{joined}"
    );

    sb.engine(&["rm", "-f", &second, "first"]).ok();
    assert_no_helper_left(&sb, QUICK, "rm -f");
    assert_nothing_left(&sb, &["sleep", &mark], QUICK);
}

/// `--network none` has loopback only, and published ports are dropped with a warning.
#[test]
fn network_none_has_only_loopback() {
    let sb = sandbox();
    let flags = ["--network", "none", "-p", "8080:80"];
    let out = sh(
        &sb,
        &flags,
        "cat /proc/net/dev; echo ---; busybox ip -o link",
    );
    out.ok().stderr_has("published ports are discarded");
    let (net_dev, links) = out.stdout.split_once("---\n").expect("both outputs");
    assert_eq!(interfaces(net_dev), ["lo".to_string()].into(), "{out}");
    let names: Vec<&str> = links.lines().filter_map(|l| l.split(": ").nth(1)).collect();
    assert_eq!(names, ["lo"], "{out}");
    assert!(helpers_running(&sb).is_empty());
}

// ---- name resolution ----

/// `--dns`, `--dns-search`, `--dns-option`, `--add-host` and `--hostname` as the container
/// sees them; `--no-hosts` leaves the image's /etc/hosts (busybox has none).
#[test]
fn name_options_are_visible_inside() {
    let sb = sandbox();
    let flags = [
        "--hostname",
        "named",
        "--dns",
        "10.1.2.3",
        "--dns-search",
        "example.test",
        "--dns-option",
        "ndots:3",
        "--add-host",
        "db.test:10.9.8.7",
        "--add-host",
        "gw.test:host-gateway",
    ];
    let out = sh(
        &sb,
        &flags,
        "cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; hostname; cat /etc/hostname",
    );
    out.ok();
    let parts: Vec<&str> = out.stdout.split("---\n").collect();
    let [resolv, hosts, names] = parts[..] else {
        panic!("three outputs expected\n{out}")
    };
    assert_eq!(
        resolv, "nameserver 10.1.2.3\nsearch example.test\noptions ndots:3\n",
        "{out}"
    );
    assert_eq!(names, "named\nnamed\n", "{out}");
    let address_of = |name: &str| {
        let entry = hosts
            .lines()
            .find(|l| l.split_whitespace().skip(1).any(|n| n == name));
        let address = entry.and_then(|l| l.split_whitespace().next());
        address
            .unwrap_or_else(|| panic!("/etc/hosts has no {name}\n{out}"))
            .to_string()
    };
    assert_eq!(address_of("db.test"), "10.9.8.7");
    assert_eq!(
        address_of("gw.test"),
        address_of("host.containers.internal")
    );
    address_of("named");
    address_of("localhost");

    let out = sh(
        &sb,
        &["--no-hosts", "--hostname", "named"],
        "test -e /etc/hosts || hostname",
    );
    assert_eq!(
        out.ok().stdout,
        "named\n",
        "--no-hosts writes no /etc/hosts\n{out}"
    );
}
