//! PID 1 of a container an external runtime runs, as the runtime itself reports it.
//!
//! crun and runc start PID 1 through intermediate processes (runc's nsexec clones twice, and
//! the intermediates exit), so no child of `crun run`/`runc run` is reliably the container's
//! PID 1. As podman does, the engine asks the runtime: `run --pid-file` makes it write PID 1's
//! PID once the container exists. The runtime runs in the storage user namespace but in the
//! host's PID namespace (neither the helper nor `UsernsCommand` makes one), so that PID is the
//! host's, the one `inspect`, `top` and signals need.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::util::proc::ProcessRef;

/// The file the runtime writes PID 1's PID to, in the bundle's `external/` directory.
pub(super) fn pid_file(bundle: &Path) -> PathBuf {
    bundle.join("external").join("init.pid")
}

/// Removes the PID file a previous run left, so [`wait_for_init`] cannot read a stale PID.
pub(super) fn forget_init(bundle: &Path) -> Result<()> {
    let file = pid_file(bundle);
    match std::fs::remove_file(&file) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing the stale {}", file.display())),
    }
}

/// PID 1 of the container the runtime `runtime` (the `run` started by
/// [`super::external::spawn`]) is creating, once the runtime wrote it; `None` if the runtime
/// exits first (the container failed; its status says why) or has not said within `timeout`.
/// The runtime is not reaped: its exit status is the container's, for whoever waits for it.
pub fn wait_for_init(bundle: &Path, runtime: u32, timeout: Duration) -> Option<u32> {
    let file = pid_file(bundle);
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(pid) = read_pid(&file) {
            return Some(pid);
        }
        // A zombie counts as gone.
        let exited = ProcessRef::of(runtime).is_none();
        if exited || Instant::now() >= deadline {
            // The runtime may have written it just before it exited.
            return read_pid(&file);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The PID in `file`, once it holds a whole one of a live process.
fn read_pid(file: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(file).ok()?;
    let pid = text.trim().parse().ok().filter(|pid| *pid > 0)?;
    ProcessRef::of(pid).map(|p| p.pid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn bundle_with_pid(text: &str) -> tempfile::TempDir {
        let bundle = tempfile::tempdir().expect("a temp dir");
        std::fs::create_dir(bundle.path().join("external")).expect("mkdir external");
        std::fs::write(pid_file(bundle.path()), text).expect("write the pid file");
        bundle
    }

    #[test]
    fn reads_the_pid_the_runtime_wrote() {
        let mut runtime = Command::new("sleep").arg("5").spawn().expect("spawn sleep");
        let bundle = bundle_with_pid(&format!("{}\n", runtime.id()));
        let found = wait_for_init(bundle.path(), runtime.id(), Duration::from_secs(5));
        let _ = runtime.kill();
        let _ = runtime.wait();
        assert_eq!(found, Some(runtime.id()));
    }

    #[test]
    fn a_runtime_that_exits_without_a_pid_gives_none() {
        let mut runtime = Command::new("true").spawn().expect("spawn true");
        let bundle = bundle_with_pid("not a pid");
        let started = Instant::now();
        let found = wait_for_init(bundle.path(), runtime.id(), Duration::from_secs(30));
        assert_eq!(found, None);
        // Not reaped: its status is still there for the monitor.
        assert!(runtime.wait().expect("wait for true").success());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "it waited for the timeout"
        );
    }

    #[test]
    fn forgetting_removes_a_stale_pid_and_tolerates_none() {
        let bundle = bundle_with_pid("1");
        forget_init(bundle.path()).expect("remove the pid file");
        assert!(!pid_file(bundle.path()).exists());
        forget_init(bundle.path()).expect("nothing to remove is fine");
    }
}
