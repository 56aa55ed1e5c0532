//! The containers as they really are: records reconciled with the processes behind them.
//!
//! A record says `running` while its monitor lives. A monitor that died without writing the
//! exit (SIGKILL, OOM, a reboot) leaves a record that lies; every command that reads containers
//! goes through [`list`] or [`find`], which notice it, kill whatever of the container is left
//! (the built-in runtime's processes die with their monitor anyway), mark it exited, and apply
//! `--rm`.

use anyhow::{Result, anyhow};

use crate::store::{ContainerRecord, ContainerStatus, Store};
use crate::util::proc::ProcessRef;

/// The exit code recorded when the monitor died without recording one: the container's
/// processes were killed with it (SIGKILL, 128 + 9).
pub const EXIT_MONITOR_LOST: i32 = 137;

/// Every container, newest first, reconciled.
pub fn list(store: &Store) -> Result<Vec<ContainerRecord>> {
    let mut all = Vec::new();
    for record in store.containers()? {
        if let Some(record) = reconcile(store, record)? {
            all.push(record);
        }
    }
    Ok(all)
}

/// The container `query` names (full ID, unique ID prefix or name), reconciled.
pub fn find(store: &Store, query: &str) -> Result<ContainerRecord> {
    store
        .find_container(query)?
        .map(|record| reconcile(store, record))
        .transpose()?
        .flatten()
        .ok_or_else(|| anyhow!("no such container {query:?}: see `engine ps -a`"))
}

/// Whether the container's processes run (its monitor is alive).
pub fn is_running(record: &ContainerRecord) -> bool {
    record.status == ContainerStatus::Running && record.monitor.is_some_and(|m| m.is_alive())
}

/// `record` fixed up if its monitor died; `None` if that removed it (`--rm`).
pub fn reconcile(store: &Store, record: ContainerRecord) -> Result<Option<ContainerRecord>> {
    if record.status != ContainerStatus::Running || is_running(&record) {
        return Ok(Some(record));
    }
    // The lock is not held between the check above and here: re-check on the fresh record, so
    // a monitor that just started (or a concurrent reconcile) is not overruled.
    let fixed = store.update_container(&record.id, |r| {
        if r.status != ContainerStatus::Running || r.monitor.is_some_and(|m| m.is_alive()) {
            return;
        }
        if let Some(waiter) = r.waiter.filter(ProcessRef::is_alive) {
            // SAFETY: kill has no memory-safety requirements.
            unsafe { libc::kill(waiter.pid as i32, libc::SIGKILL) };
        }
        // crun and runc give PID 1 no parent-death signal: it outlives their `run`.
        if r.settings.runtime.is_some()
            && let Some(pid) = r.init_pid.filter(|pid| in_another_pid_namespace(*pid))
        {
            // SAFETY: as above.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
        // The helper dies with the monitor too; this catches one that escaped.
        if let Some(helper) = r.network_helper.take() {
            let _ = crate::network::kill_leftover_helper(&helper);
        }
        r.status = ContainerStatus::Exited;
        r.exit_code = Some(EXIT_MONITOR_LOST);
        r.finished_at = Some(now());
        r.error = Some("the container's monitor process died; its processes were killed".into());
        r.monitor = None;
        r.waiter = None;
        r.init_pid = None;
    })?;
    if fixed.status == ContainerStatus::Exited && fixed.settings.auto_remove {
        remove(store, &fixed, true)?;
        return Ok(None);
    }
    Ok(Some(fixed))
}

/// True when process `pid` lives in a PID namespace other than ours: the recorded PID 1 of a
/// container, not a process that reused its number since (the record keeps no start time).
fn in_another_pid_namespace(pid: u32) -> bool {
    let namespace = |path: String| std::fs::read_link(path).ok();
    match (
        namespace(format!("/proc/{pid}/ns/pid")),
        namespace("/proc/self/ns/pid".into()),
    ) {
        (Some(theirs), Some(ours)) => theirs != ours,
        _ => false,
    }
}

/// Removes a container that does not run, and with `volumes` its anonymous volumes.
pub fn remove(store: &Store, record: &ContainerRecord, volumes: bool) -> Result<()> {
    store.remove_container(&record.id)?;
    if volumes {
        for name in &record.settings.anonymous_volumes {
            // Another container may mount it by name meanwhile: then it stays.
            let _ = store.remove_volume(name, false);
        }
    }
    Ok(())
}

/// Now, as records store times (RFC 3339, nanoseconds, UTC).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}
