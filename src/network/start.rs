//! Starting pasta and slirp4netns for a container, up to the moment its network is ready.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::config::NetworkConfig;
use super::forwarder;
use super::helper::{HelperKind, NetworkHelper, PASTA_PID_FILE, READY_TIMEOUT, SLIRP_API_SOCKET};
use super::host::check_tun;
use super::pasta::{PastaTarget, pasta_args};
use super::port_check::check_free;
use super::ports::{PortMapping, Protocol};
use super::slirp::{SlirpOptions, SlirpTarget, hostfwd_requests, slirp_args};
use super::spawn::{ContainerNamespaces, cloexec_pipe, spawn_tied};

const TUN_DEVICE: &str = "/dev/net/tun";

fn prepare(kind: HelperKind, config: &NetworkConfig, state_dir: &Path) -> Result<(PathBuf, File)> {
    let exe = kind.executable()?;
    check_tun(Path::new(TUN_DEVICE))?;
    check_free(&config.ports)?;
    let log_path = state_dir.join(kind.log_file());
    let log = File::create(&log_path)
        .with_context(|| format!("create the network helper log {}", log_path.display()))?;
    Ok((exe, log))
}

pub(super) fn start_pasta(
    config: &NetworkConfig,
    options: &[String],
    waiter_pid: u32,
    state_dir: &Path,
) -> Result<NetworkHelper> {
    let (exe, log) = prepare(HelperKind::Pasta, config, state_dir)?;
    let namespaces = ContainerNamespaces::open(waiter_pid)?;
    let (netns, userns) = (namespaces.net_path(), namespaces.user_path());
    let pid_file = state_dir.join(PASTA_PID_FILE);
    remove_stale(&pid_file)?;
    let target = PastaTarget {
        netns: &netns,
        userns: userns.as_deref(),
        pid_file: &pid_file,
        as_root: nix::unistd::geteuid().is_root(),
    };
    let mut command = Command::new(&exe);
    command
        .args(pasta_args(options, &config.ports, &target))
        .stdin(Stdio::null())
        .stdout(log.try_clone().context("duplicate the log descriptor")?)
        .stderr(log);
    let child = spawn_tied(&mut command, &namespaces.fds())
        .with_context(|| format!("start {}", exe.display()))?;
    drop(namespaces);
    let mut helper = NetworkHelper::new(HelperKind::Pasta, child, None, state_dir);
    // pasta writes its PID file after the interface is configured and the ports are bound.
    helper.wait_ready(|| {
        Ok(std::fs::read_to_string(&pid_file).is_ok_and(|pid| !pid.trim().is_empty()))
    })?;
    Ok(helper)
}

pub(super) fn start_slirp(
    config: &NetworkConfig,
    options: &[String],
    waiter_pid: u32,
    state_dir: &Path,
) -> Result<NetworkHelper> {
    let slirp_options = SlirpOptions::parse(options)?;
    // TCP ports go through engine's own forwarder (much faster than slirp's), UDP ones through
    // slirp4netns. Before anything starts: an IPv6 host address is refused here.
    let udp: Vec<PortMapping> = config
        .ports
        .iter()
        .filter(|m| m.protocol == Protocol::Udp)
        .cloned()
        .collect();
    let requests = hostfwd_requests(&udp, slirp_options.guest_address())?;
    let (exe, log) = prepare(HelperKind::Slirp4netns, config, state_dir)?;
    let namespaces = ContainerNamespaces::open(waiter_pid)?;
    let (netns, userns) = (namespaces.net_path(), namespaces.user_path());
    remove_stale(&state_dir.join(SLIRP_API_SOCKET))?;
    let (exit_read, exit_write) = cloexec_pipe()?;
    let (ready_read, ready_write) = cloexec_pipe()?;
    let target = SlirpTarget {
        netns: &netns,
        userns: userns.as_deref(),
        exit_fd: exit_read.as_raw_fd(),
        ready_fd: ready_write.as_raw_fd(),
        api_socket: SLIRP_API_SOCKET,
    };
    let mut command = Command::new(&exe);
    command
        .args(slirp_args(&slirp_options, &target))
        .current_dir(state_dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().context("duplicate the log descriptor")?)
        .stderr(log);
    let mut inherited = vec![exit_read.as_raw_fd(), ready_write.as_raw_fd()];
    inherited.extend(namespaces.fds());
    let child =
        spawn_tied(&mut command, &inherited).with_context(|| format!("start {}", exe.display()))?;
    drop((exit_read, ready_write, namespaces));
    let mut helper =
        NetworkHelper::new(HelperKind::Slirp4netns, child, Some(exit_write), state_dir);
    let mut ready = File::from(ready_read);
    nix::fcntl::fcntl(
        &ready,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .context("make the ready pipe non-blocking")?;
    helper.wait_ready(|| {
        let mut byte = [0u8];
        match ready.read(&mut byte) {
            Ok(n) => Ok(n == 1),
            Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e).context("read slirp4netns's ready pipe"),
        }
    })?;
    for hostfwd in &requests {
        slirp_api_call(state_dir, &hostfwd.request)
            .with_context(|| format!("publish host port {}", hostfwd.host_port))?;
    }
    let tcp = forwarder::port_arguments(&config.ports);
    if !tcp.is_empty() {
        let target = slirp_options.guest_address().into();
        start_forwarder(&mut helper, waiter_pid, target, &tcp)?;
    }
    Ok(helper)
}

/// Starts `engine __port-forwarder` for the TCP ports and waits until it listens.
fn start_forwarder(
    helper: &mut NetworkHelper,
    waiter_pid: u32,
    target: std::net::IpAddr,
    ports: &[String],
) -> Result<()> {
    let namespaces = ContainerNamespaces::open(waiter_pid)?;
    let (ready_read, ready_write) = cloexec_pipe()?;
    let log = File::options()
        .create(true)
        .append(true)
        .open(helper.log_path())
        .with_context(|| format!("open {}", helper.log_path().display()))?;
    let userns = namespaces
        .user_path()
        .map(|p| p.into_os_string())
        .unwrap_or_else(|| "-".into());
    let mut command = Command::new(crate::runtime::self_exe::SELF_EXE);
    command
        .arg(forwarder::FORWARDER_COMMAND)
        .arg(namespaces.net_path())
        .arg(userns)
        .arg(ready_write.as_raw_fd().to_string())
        .arg(target.to_string())
        .args(ports)
        .stdin(Stdio::null())
        .stdout(log.try_clone().context("duplicate the log descriptor")?)
        .stderr(log);
    let mut inherited = vec![ready_write.as_raw_fd()];
    inherited.extend(namespaces.fds());
    let child = spawn_tied(&mut command, &inherited).context("start the port forwarder")?;
    drop((ready_write, namespaces));
    helper.set_forwarder(child);
    let mut byte = [0u8];
    let ready = File::from(ready_read).read(&mut byte).unwrap_or(0) == 1;
    if !ready {
        bail!(
            "the port forwarder could not publish the ports: {}",
            super::spawn::log_tail(helper.log_path())
        );
    }
    Ok(())
}

/// One request to slirp4netns's API socket in `state_dir`; fails with its error description.
fn slirp_api_call(state_dir: &Path, request: &str) -> Result<()> {
    // Through the directory's descriptor: the socket's full path may exceed the 107 bytes a
    // socket address holds.
    let dir = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
        .open(state_dir)
        .with_context(|| format!("open {}", state_dir.display()))?;
    let socket = format!("/proc/self/fd/{}/{SLIRP_API_SOCKET}", dir.as_raw_fd());
    let mut stream = UnixStream::connect(&socket).with_context(|| {
        format!(
            "connect to slirp4netns's API socket {}",
            state_dir.join(SLIRP_API_SOCKET).display()
        )
    })?;
    stream.set_read_timeout(Some(READY_TIMEOUT))?;
    stream
        .write_all(request.as_bytes())
        .context("send a request to slirp4netns")?;
    let mut reply = String::new();
    stream
        .read_to_string(&mut reply)
        .context("read slirp4netns's reply")?;
    let reply: serde_json::Value = serde_json::from_str(&reply)
        .with_context(|| format!("slirp4netns's reply {reply:?} is not JSON"))?;
    if let Some(error) = reply.get("error") {
        let desc = error
            .get("desc")
            .and_then(|d| d.as_str())
            .unwrap_or("no reason given");
        bail!("slirp4netns refused: {desc}");
    }
    Ok(())
}

fn remove_stale(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            Err(e).with_context(|| format!("remove the stale {}", path.display()))
        }
        _ => Ok(()),
    }
}
