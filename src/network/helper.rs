//! The running network helper of one container: started against the container's namespaces,
//! ready once the interface is configured and the ports are published, stopped with it.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::config::{NetworkConfig, NetworkMode, PASTA_PACKAGE, SLIRP4NETNS_PACKAGE};
use super::spawn::log_tail;
use super::start;
use crate::util::proc::{ProcessRef, find_executable};

/// How long a helper may take to configure the interface and bind the ports.
pub(super) const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `stop` waits after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(1);
const POLL_INTERVAL: Duration = Duration::from_millis(5);

/// Files in the state directory.
pub const PASTA_PID_FILE: &str = "pasta.pid";
pub const PASTA_LOG: &str = "pasta.log";
pub const SLIRP_LOG: &str = "slirp4netns.log";
/// Relative: slirp4netns runs in the state directory, and socket paths are limited to 107 bytes.
pub const SLIRP_API_SOCKET: &str = "slirp4netns.sock";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum HelperKind {
    Pasta,
    Slirp4netns,
}

impl HelperKind {
    fn program(self) -> &'static str {
        match self {
            HelperKind::Pasta => "pasta",
            HelperKind::Slirp4netns => "slirp4netns",
        }
    }

    pub(super) fn log_file(self) -> &'static str {
        match self {
            HelperKind::Pasta => PASTA_LOG,
            HelperKind::Slirp4netns => SLIRP_LOG,
        }
    }

    pub(super) fn executable(self) -> Result<PathBuf> {
        let path_var = std::env::var_os("PATH");
        find_executable(self.program(), path_var.as_deref()).with_context(|| match self {
            HelperKind::Pasta => format!(
                "pasta is not installed: install the {PASTA_PACKAGE} package, or use \
                 --network slirp4netns or --network none"
            ),
            HelperKind::Slirp4netns => format!(
                "slirp4netns is not installed: install the {SLIRP4NETNS_PACKAGE} package, or \
                 use --network pasta or --network none"
            ),
        })
    }
}

/// The container's network helper (pasta or slirp4netns), started against a container's
/// namespaces. Dropping it kills it, like [`NetworkHelper::stop`].
pub struct NetworkHelper {
    kind: HelperKind,
    child: Option<Child>,
    process: ProcessRef,
    /// slirp4netns's exit pipe: it exits when this end closes (also when this process dies).
    exit_pipe: Option<OwnedFd>,
    /// engine's own TCP port forwarder next to slirp4netns (`super::forwarder`).
    forwarder: Option<Child>,
    log: PathBuf,
}

impl NetworkHelper {
    /// Starts the helper of `config`'s mode against the namespaces of the container whose
    /// waiter is `waiter_pid`, with its files in `state_dir`; `None` for modes without one
    /// (none, host, container:, ns:). Blocks until the interface in the container is configured
    /// and the ports published; errors say what is missing (package, /dev/net/tun mode, port in
    /// use). Call it from a thread that lives as long as the container: the helper gets a
    /// parent-death signal, which Linux ties to the starting thread.
    pub fn start(
        config: &NetworkConfig,
        waiter_pid: u32,
        state_dir: &Path,
    ) -> Result<Option<NetworkHelper>> {
        match &config.mode {
            NetworkMode::Pasta { options } => {
                start::start_pasta(config, options, waiter_pid, state_dir).map(Some)
            }
            NetworkMode::Slirp4netns { options } => {
                start::start_slirp(config, options, waiter_pid, state_dir).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The helper process, for the container's record.
    pub fn process(&self) -> ProcessRef {
        self.process
    }

    /// Kills and reaps the helper (SIGTERM, SIGKILL after a second); fine if it exited already.
    pub fn stop(mut self) -> Result<()> {
        self.shutdown()
    }

    pub(super) fn new(
        kind: HelperKind,
        child: Child,
        exit_pipe: Option<OwnedFd>,
        state_dir: &Path,
    ) -> NetworkHelper {
        let pid = child.id();
        NetworkHelper {
            kind,
            // Cannot be a zombie yet: nobody reaps it but us.
            process: ProcessRef::of(pid).unwrap_or(ProcessRef { pid, start_time: 0 }),
            child: Some(child),
            exit_pipe,
            forwarder: None,
            log: state_dir.join(kind.log_file()),
        }
    }

    /// The forwarder of the published TCP ports, stopped along with the helper.
    pub(super) fn set_forwarder(&mut self, child: Child) {
        self.forwarder = Some(child);
    }

    /// The helper's log, where the forwarder writes too.
    pub(super) fn log_path(&self) -> &Path {
        &self.log
    }

    /// Polls `ready` until it says so; fails when the helper exits first or takes too long.
    pub(super) fn wait_ready(&mut self, mut ready: impl FnMut() -> Result<bool>) -> Result<()> {
        let program = self.kind.program();
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait().context("wait for the network helper")?
            {
                self.child = None;
                bail!(
                    "{program} failed ({status}): {} (log: {})",
                    log_tail(&self.log),
                    self.log.display()
                );
            }
            if ready()? {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                bail!(
                    "{program} did not configure the container's network within {}s: {} (log: {})",
                    READY_TIMEOUT.as_secs(),
                    log_tail(&self.log),
                    self.log.display()
                );
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    fn shutdown(&mut self) -> Result<()> {
        self.exit_pipe = None;
        if let Some(mut forwarder) = self.forwarder.take() {
            // It only copies bytes: nothing to wind down.
            let _ = forwarder.kill();
            let _ = forwarder.wait();
        }
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let program = self.kind.program();
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        // SAFETY: kill has no memory-safety requirements; the child is not reaped yet, so its
        // PID cannot have been reused.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(POLL_INTERVAL);
        }
        child
            .kill()
            .with_context(|| format!("kill {program} (pid {})", child.id()))?;
        child
            .wait()
            .with_context(|| format!("reap {program} (pid {})", child.id()))?;
        Ok(())
    }
}

impl Drop for NetworkHelper {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Kills a helper left behind by a monitor that died (`process` from the container's record);
/// `Ok(false)` if it is gone already. Only a process that still is that pasta or slirp4netns
/// is killed, never a recycled PID.
pub fn kill_leftover_helper(process: &ProcessRef) -> Result<bool> {
    if !process.is_alive() {
        return Ok(false);
    }
    let comm = std::fs::read_to_string(format!("/proc/{}/comm", process.pid)).unwrap_or_default();
    let comm = comm.trim();
    if !(comm.starts_with("pasta") || comm.starts_with("passt") || comm == "slirp4netns") {
        return Ok(false);
    }
    // SAFETY: kill has no memory-safety requirements.
    if unsafe { libc::kill(process.pid as i32, libc::SIGKILL) } != 0 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::ESRCH) {
            return Err(err).with_context(|| format!("kill the network helper {}", process.pid));
        }
    }
    Ok(true)
}
