//! The container monitor: engine's conmon.
//!
//! `engine __monitor ROOT ID SYNC_FD RUNTIME_STATE [--attach]` runs once per started container,
//! in a session of its own with no terminal, started by `run`/`start` (see
//! [`crate::container::lifecycle`]). It
//! - starts the container with the runtime and learns from the init whether the command runs
//!   (`runtime::builtin::status`), which it tells the starting command on the sync pipe
//!   (`protocol::SyncMessage`), so `run -d` reports exec errors with docker's exit codes;
//! - holds the container's stdio: writes its output to the k8s-file log (`ctr.log`) and to the
//!   clients of the attach socket, and feeds their input, terminal size and signals to it;
//! - waits for it, records the exit in the container's record (atomically, under the store
//!   lock), applies the restart policy, and removes the container for `--rm`, before it tells
//!   the clients the exit code.
//!
//! It keeps nothing only in memory: the record says which processes run. The container dies
//! with its monitor (the init's parent-death signal), and the next `engine` command that sees
//! a dead monitor marks the container exited (`container::state::reconcile`).
//!
//! It runs single-threaded, dispatched by `main` before clap and tokio start.

mod clients;
mod io;
pub mod protocol;
mod pump;
mod session;
mod status_report;

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

use self::clients::Clients;
use self::protocol::{Frame, SyncMessage};
use self::session::{Run, Start};
use crate::container::logs::{LOG_FILE, LogWriter};
use crate::container::state::{self, now};
use crate::network::NetworkHelper;
use crate::runtime::userns::bundle_mappings;
use crate::store::{ContainerRecord, ContainerStatus, RestartPolicy, Store};
use crate::util::proc::ProcessRef;

pub use self::clients::{open_dir, socket_address};

/// `argv[1]` of the monitor.
pub const MONITOR_COMMAND: &str = "__monitor";
/// The argument that makes the monitor wait for one attach client before starting.
pub const ATTACH_FLAG: &str = "--attach";
/// The monitor's PID, in the container's directory while it runs (`generate systemd` units
/// point systemd's PIDFile= at it).
pub const MONITOR_PID_FILE: &str = "monitor.pid";
/// How long the monitor waits for the client that asked to attach.
const ATTACH_TIMEOUT: Duration = Duration::from_secs(30);

struct Args {
    root: PathBuf,
    id: String,
    sync: File,
    runtime_state: PathBuf,
    attach: bool,
}

/// The monitor's entry point (see the module docs). Never returns.
pub fn monitor_main(args: &[OsString]) -> ! {
    let args = match parse_args(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::exit(125);
        }
    };
    // The attach socket and the log are the user's only.
    rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
    // What the starting command's caller left open is not ours to keep alive (a pipe's end
    // would keep its reader waiting for as long as the container runs).
    let _ = crate::util::proc::close_fds_except(&[args.sync.as_raw_fd()]);
    let mut sync = Some(args.sync);
    let root = args.root.clone();
    let id = args.id.clone();
    let result = supervise(
        &args.root,
        &args.id,
        &args.runtime_state,
        args.attach,
        &mut sync,
    );
    let code = match result {
        // The container's code is the monitor's: a systemd unit whose main process is the
        // monitor (Type=forking, PIDFile=) sees the container fail.
        Ok(code) => code.clamp(0, 255),
        Err(err) => {
            report_failure(&root, &id, &mut sync, &format!("{err:#}"));
            125
        }
    };
    if let Ok(store) = Store::open(&root) {
        let _ = std::fs::remove_file(store.container_dir(&id).join(MONITOR_PID_FILE));
    }
    std::process::exit(code)
}

/// The monitor itself failed: tell the starting command if it still listens, and leave the
/// reason where `inspect` shows it.
fn report_failure(root: &Path, id: &str, sync: &mut Option<File>, message: &str) {
    // A concurrent `rm` that removed the container while it started is the real cause.
    let removed = Store::open(root).is_ok_and(|s| s.find_container(id).is_ok_and(|c| c.is_none()));
    let removed_message = format!("container {id} was removed before it started");
    let message = if removed { &removed_message } else { message };
    if let Some(mut sync) = sync.take() {
        let failed = SyncMessage::Failed {
            code: 125,
            message: message.to_string(),
        };
        let _ = sync.write_all(failed.to_line().as_bytes());
    }
    if let Ok(store) = Store::open(root) {
        let _ = store.update_container(id, |r| {
            r.error = Some(message.to_string());
            if r.status == ContainerStatus::Running {
                r.status = ContainerStatus::Exited;
                r.finished_at = Some(now());
            }
            r.monitor = None;
            r.waiter = None;
            r.init_pid = None;
        });
    }
}

fn parse_args(args: &[OsString]) -> Result<Args> {
    let usage =
        || anyhow!("usage: engine {MONITOR_COMMAND} ROOT ID SYNC_FD RUNTIME_STATE [--attach]");
    let [_, _, root, id, sync, runtime_state, rest @ ..] = args else {
        return Err(usage());
    };
    let attach = match rest {
        [] => false,
        [flag] if flag == ATTACH_FLAG => true,
        _ => return Err(usage()),
    };
    let fd: RawFd = sync
        .to_str()
        .and_then(|s| s.parse().ok())
        .filter(|fd| *fd > 2)
        .ok_or_else(usage)?;
    // SAFETY: F_SETFD on a number only changes flags; EBADF means it was not inherited.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } != 0 {
        bail!("the sync descriptor {fd} is not open");
    }
    Ok(Args {
        root: PathBuf::from(root),
        id: id.to_string_lossy().into_owned(),
        // SAFETY: the descriptor was inherited for this purpose and nothing else owns it.
        sync: unsafe { File::from_raw_fd(fd) },
        runtime_state: PathBuf::from(runtime_state),
        attach,
    })
}

fn supervise(
    root: &Path,
    id: &str,
    runtime_state: &Path,
    attach: bool,
    sync: &mut Option<File>,
) -> Result<i32> {
    // `--rm` removes files the container's users own: that takes the user namespace.
    let store = Store::open_with(
        root,
        std::sync::Arc::new(crate::runtime::userns::remove_tree),
    )?;
    let record = store
        .find_container(id)?
        .filter(|r| r.id == id)
        // A concurrent `rm` between the create and this start.
        .ok_or_else(|| anyhow!("container {id} was removed before it started"))?;
    let bundle = store.container_dir(id);
    let mappings = bundle_mappings(&bundle)?;
    write_pid_files(&bundle, &record)?;
    let mut clients = Clients::bind(&bundle)?;
    let mut window = None;
    if attach {
        send(sync, &SyncMessage::Listening)?;
        window = clients.wait_first(ATTACH_TIMEOUT, sync.as_ref().map(std::os::fd::AsFd::as_fd))?;
    }
    let mut log = match record.settings.log_driver.as_str() {
        "none" => None,
        _ => Some(LogWriter::open(
            &bundle.join(LOG_FILE),
            record.settings.log_max_size,
        )?),
    };
    let run = Run {
        store: &store,
        record: &record,
        bundle: &bundle,
        mappings: &mappings,
        runtime_state,
    };
    let mut backoff = Duration::from_millis(100);
    loop {
        let (start, io) = session::start(&run, window)?;
        let (child, init_pid, network) = match start {
            Start::Running {
                child,
                init_pid,
                network,
            } => (child, init_pid, network),
            Start::Failed { code, message } => {
                let (record, _) = record_exit(&store, id, code, Some(&message), false)?;
                finish(&store, &record)?;
                send(sync, &SyncMessage::Failed { code, message })?;
                clients.broadcast(&Frame::Exit(code));
                return Ok(code);
            }
        };
        let waiter = ProcessRef::of(child.id());
        let external_init = init_pid
            .filter(|_| record.settings.runtime.is_some())
            .and_then(ProcessRef::of);
        store.update_container(id, |r| {
            r.status = ContainerStatus::Running;
            r.monitor = Some(ProcessRef::current());
            r.waiter = waiter;
            r.init_pid = init_pid;
            r.network_helper = network.as_ref().map(NetworkHelper::process);
            r.started_at = Some(now());
            r.finished_at = None;
            r.exit_code = None;
            r.error = None;
        })?;
        send(sync, &SyncMessage::Started { waiter: child.id() })?;
        // The starting command has its answer; later restarts report to the record only.
        sync.take();
        let code = pump::pump(child, io, &mut clients, log.as_mut())?;
        session::end_orphaned_init(external_init);
        if let Some(helper) = network {
            // Its namespace is gone with the container; a helper that lingers is killed.
            let _ = helper.stop();
        }
        let (record, requested) = record_exit(&store, id, code, None, true)?;
        if record.status == ContainerStatus::Running {
            if requested {
                // `engine restart`: at once.
                backoff = Duration::from_millis(100);
                continue;
            }
            // The restart policy: a little longer each time, as docker does, so a container
            // that fails at once does not spin; `stop` meanwhile ends the wait.
            if !wait_unless_stopped(&store, id, backoff)? {
                clients.broadcast(&Frame::Exit(code));
                return Ok(code);
            }
            backoff = (backoff * 2).min(Duration::from_secs(30));
            continue;
        }
        finish(&store, &record)?;
        clients.broadcast(&Frame::Exit(code));
        return Ok(code);
    }
}

/// `monitor.pid` in the container's directory, and `--conmon-pidfile` if given.
fn write_pid_files(bundle: &Path, record: &ContainerRecord) -> Result<()> {
    let pid = std::process::id().to_string();
    let own = bundle.join(MONITOR_PID_FILE);
    let chosen = record.settings.monitor_pidfile.iter();
    for path in std::iter::once(&own).chain(chosen) {
        crate::util::fs::write_replace(path, pid.as_bytes(), 0o644)
            .with_context(|| format!("write the monitor's PID to {}", path.display()))?;
    }
    Ok(())
}

fn send(sync: &mut Option<File>, message: &SyncMessage) -> Result<()> {
    if let Some(file) = sync {
        // The starting command may have been killed meanwhile: the container runs anyway.
        let _ = file.write_all(message.to_line().as_bytes());
    }
    Ok(())
}

/// Records the exit; with `may_restart`, decides under the lock whether `engine restart` or
/// the restart policy starts it again (the record then stays `running`; a policy restart
/// counts). Also says whether the restart was asked for by `engine restart`.
fn record_exit(
    store: &Store,
    id: &str,
    code: i32,
    error: Option<&str>,
    may_restart: bool,
) -> Result<(ContainerRecord, bool)> {
    let mut requested = false;
    let record = store.update_container(id, |r| {
        r.exit_code = Some(code);
        r.finished_at = Some(now());
        r.waiter = None;
        r.init_pid = None;
        r.network_helper = None;
        r.error = error.map(str::to_string);
        requested = may_restart && r.restart_requested;
        let by_policy = may_restart
            && !r.stop_requested
            && should_restart(&r.settings.restart_policy, code, r.restart_count);
        r.restart_requested = false;
        if requested {
            r.stop_requested = false;
            r.status = ContainerStatus::Running;
        } else if by_policy {
            r.restart_count += 1;
            r.status = ContainerStatus::Running;
        } else {
            r.status = ContainerStatus::Exited;
            r.monitor = None;
        }
    })?;
    Ok((record, requested))
}

/// Sleeps `delay` before a policy restart, looking at the record meanwhile: false (and the
/// exit recorded for good) when `stop`, `kill` or `rm -f` asked for the container to end.
fn wait_unless_stopped(store: &Store, id: &str, delay: Duration) -> Result<bool> {
    let deadline = std::time::Instant::now() + delay;
    loop {
        match store.find_container(id)? {
            // Removed meanwhile (`rm -f` of a container between restarts).
            None => return Ok(false),
            Some(r) if r.stop_requested => {
                store.update_container(id, |r| {
                    r.status = ContainerStatus::Exited;
                    r.monitor = None;
                })?;
                return Ok(false);
            }
            Some(_) => {}
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(true);
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// `--rm`: the container and its anonymous volumes go before anyone hears of the exit, so a
/// script that runs the next container with the same name does not race the removal.
fn finish(store: &Store, record: &ContainerRecord) -> Result<()> {
    if record.settings.auto_remove {
        state::remove(store, record, true)
            .with_context(|| format!("remove container {} (--rm)", record.name))?;
    }
    Ok(())
}

/// docker's and podman's restart policies.
pub fn should_restart(policy: &RestartPolicy, code: i32, restarts: u32) -> bool {
    match policy.name.as_str() {
        "always" | "unless-stopped" => true,
        "on-failure" => code != 0 && (policy.max_retries == 0 || restarts < policy.max_retries),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(name: &str, max_retries: u32) -> RestartPolicy {
        RestartPolicy {
            name: name.into(),
            max_retries,
        }
    }

    #[test]
    fn restart_policies() {
        assert!(!should_restart(&policy("", 0), 1, 0));
        assert!(!should_restart(&policy("no", 0), 1, 0));
        assert!(should_restart(&policy("always", 0), 0, 100));
        assert!(should_restart(&policy("unless-stopped", 0), 0, 0));
        assert!(!should_restart(&policy("on-failure", 0), 0, 0));
        assert!(should_restart(&policy("on-failure", 0), 3, 50));
        assert!(should_restart(&policy("on-failure", 2), 3, 1));
        assert!(!should_restart(&policy("on-failure", 2), 3, 2));
    }
}
