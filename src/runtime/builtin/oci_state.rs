//! runc's command set on top of the built-in runtime: the state directory of `engine oci`.
//!
//! Each container is `<root>/<id>/`: `state.json` (what `create` learnt, written atomically),
//! and the two fifos of the [start gate](super::start_gate) while it is created but not started.
//! The status is derived, never stored: no `state.json` yet is `creating`; a live PID 1 is
//! `created` while `exec.fifo` exists and `running` once `start` removed it; else `stopped`.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use oci_spec::runtime::Spec;
use serde::{Deserialize, Serialize};

use super::start_gate::{EXEC_FIFO, GateFifos};
use crate::runtime::userns::IdMappings;
use crate::util::proc::ProcessRef;

/// The version of the OCI runtime spec whose state format `state` prints.
const OCI_VERSION: &str = "1.0.2";
const STATE_FILE: &str = "state.json";
/// How often `create`, `start` and `delete --force` look at the container while they wait.
const POLL: Duration = Duration::from_millis(5);

/// The OCI state of a container, as `state` prints it.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OciState {
    pub oci_version: String,
    pub id: String,
    pub status: Status,
    /// PID 1 of the container, 0 once stopped or while creating.
    pub pid: i32,
    pub bundle: PathBuf,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Creating,
    Created,
    Running,
    Stopped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Created => "created",
            Status::Running => "running",
            Status::Stopped => "stopped",
        }
    }
}

/// What `create` records in `state.json`.
#[derive(Serialize, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Record {
    pid: i32,
    /// Field 22 of /proc/PID/stat, so a recycled PID is not taken for the container.
    start_time: u64,
    bundle: PathBuf,
    annotations: BTreeMap<String, String>,
}

/// The directory holding the containers' state (`--root`).
pub struct StateRoot {
    root: PathBuf,
}

impl StateRoot {
    pub fn new(root: impl Into<PathBuf>) -> StateRoot {
        StateRoot { root: root.into() }
    }

    /// Starts the container `id` of `bundle` up to right before its exec, records it, and
    /// returns the waiter process (its exit code is the container's).
    pub fn create(
        &self,
        id: &str,
        bundle: &Path,
        mappings: &IdMappings,
        stdio: [Stdio; 3],
        console: Option<std::os::fd::BorrowedFd>,
    ) -> Result<Child> {
        check_id(id)?;
        let bundle = std::path::absolute(bundle)
            .with_context(|| format!("resolve the bundle path {}", bundle.display()))?;
        let config = bundle.join("config.json");
        let spec = Spec::load(&config).with_context(|| format!("load {}", config.display()))?;
        let annotations: BTreeMap<String, String> = spec
            .annotations()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.root)
            .with_context(|| format!("create the state directory {}", self.root.display()))?;
        let dir = self.dir(id);
        match fs::DirBuilder::new().mode(0o700).create(&dir) {
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                bail!("container {id:?} already exists: delete it first or choose another ID")
            }
            other => other.with_context(|| format!("create {}", dir.display()))?,
        }
        let record = Record {
            pid: 0,
            start_time: 0,
            bundle: bundle.clone(),
            annotations,
        };
        let created = self.start_gated(id, &dir, record, mappings, stdio, console);
        if created.is_err() {
            let _ = fs::remove_dir_all(&dir);
        }
        created
    }

    /// Starts the init gated and fills in `record` (bundle and annotations given) once PID 1
    /// is at the gate.
    fn start_gated(
        &self,
        id: &str,
        dir: &Path,
        mut record: Record,
        mappings: &IdMappings,
        stdio: [Stdio; 3],
        console: Option<std::os::fd::BorrowedFd>,
    ) -> Result<Child> {
        let gate = GateFifos::create(dir)?;
        let mut child = super::spawn_gated(&record.bundle, mappings, stdio, Some(dir), console)?;
        let reached = gate.wait_ready(|| {
            Ok(child
                .try_wait()
                .context("wait for the container init")?
                .is_some())
        })?;
        if !reached {
            let status = child.wait().context("wait for the container init")?;
            bail!("container {id:?} failed before it was created ({status}): see the error above");
        }
        let pid = container_pid(child.id() as i32)?;
        record.pid = pid;
        record.start_time = start_time(pid)
            .with_context(|| format!("read /proc/{pid}/stat of container {id:?}"))?;
        let state_file = dir.join(STATE_FILE);
        crate::util::fs::write_replace(&state_file, &serde_json::to_vec_pretty(&record)?, 0o600)
            .with_context(|| format!("write {}", state_file.display()))?;
        Ok(child)
    }

    /// Lets a created container exec its command.
    pub fn start(&self, id: &str) -> Result<()> {
        let state = self.state(id)?;
        if state.status != Status::Created {
            bail!(
                "container {id:?} is {}: only a created container can be started",
                state.status.as_str()
            );
        }
        let started =
            GateFifos::at(&self.dir(id)).open(|| Ok(self.state(id)?.status == Status::Stopped))?;
        if !started {
            bail!("container {id:?} exited before it could be started");
        }
        Ok(())
    }

    /// The container's OCI state.
    pub fn state(&self, id: &str) -> Result<OciState> {
        check_id(id)?;
        let dir = self.dir(id);
        if !dir.is_dir() {
            bail!(
                "container {id:?} does not exist in {}: see 'engine oci list'",
                self.root.display()
            );
        }
        let record_path = dir.join(STATE_FILE);
        let record: Record = match fs::read(&record_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("parse {}", record_path.display()))?,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Ok(OciState {
                    oci_version: OCI_VERSION.into(),
                    id: id.into(),
                    status: Status::Creating,
                    pid: 0,
                    bundle: PathBuf::new(),
                    annotations: BTreeMap::new(),
                });
            }
            Err(e) => return Err(e).with_context(|| format!("read {}", record_path.display())),
        };
        let alive = start_time(record.pid).ok() == Some(record.start_time);
        let status = match (alive, dir.join(EXEC_FIFO).exists()) {
            (false, _) => Status::Stopped,
            (true, true) => Status::Created,
            (true, false) => Status::Running,
        };
        Ok(OciState {
            oci_version: OCI_VERSION.into(),
            id: id.into(),
            status,
            pid: if alive { record.pid } else { 0 },
            bundle: record.bundle,
            annotations: record.annotations,
        })
    }

    /// Sends `signal` to the container's PID 1.
    pub fn kill(&self, id: &str, signal: Signal) -> Result<()> {
        let state = self.state(id)?;
        if !matches!(state.status, Status::Created | Status::Running) {
            bail!(
                "container {id:?} is {}: only a created or running container can be signalled",
                state.status.as_str()
            );
        }
        kill(Pid::from_raw(state.pid), signal)
            .with_context(|| format!("send {signal} to PID {} of container {id:?}", state.pid))
    }

    /// Removes the container's state. A running container is refused unless `force`, which
    /// kills it first; a created one is killed, as runc does.
    pub fn delete(&self, id: &str, force: bool) -> Result<()> {
        let state = self.state(id)?;
        match state.status {
            Status::Running if !force => {
                bail!("container {id:?} is running: stop it with 'engine oci kill', or use --force")
            }
            Status::Created | Status::Running => {
                let _ = kill(Pid::from_raw(state.pid), Signal::SIGKILL);
                let deadline = Instant::now() + Duration::from_secs(10);
                while self.state(id)?.status != Status::Stopped {
                    if Instant::now() > deadline {
                        bail!("container {id:?} did not die within 10 s of SIGKILL");
                    }
                    sleep(POLL);
                }
            }
            Status::Creating | Status::Stopped => {}
        }
        super::cgroups::remove_for_bundle(&state.bundle)?;
        let dir = self.dir(id);
        fs::remove_dir_all(&dir).with_context(|| format!("remove {}", dir.display()))
    }

    /// Every container in the root, sorted by ID.
    pub fn list(&self) -> Result<Vec<OciState>> {
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("list {}", self.root.display())),
        };
        let mut states = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("list {}", self.root.display()))?;
            let Some(id) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            // Deleted meanwhile, or not a container directory: not listed.
            if let Ok(state) = self.state(&id) {
                states.push(state);
            }
        }
        states.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(states)
    }

    fn dir(&self, id: &str) -> PathBuf {
        self.root.join(id)
    }
}

/// IDs name directories: letters, digits, `_`, `.` and `-`, not starting with a dot.
fn check_id(id: &str) -> Result<()> {
    let valid = !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid {
        bail!(
            "invalid container ID {id:?}: use letters, digits, '_', '.' and '-', not starting with '.'"
        );
    }
    Ok(())
}

/// PID 1 of the container: the only child of the waiter.
fn container_pid(waiter: i32) -> Result<i32> {
    let waiter = u32::try_from(waiter).context("negative PID")?;
    crate::util::proc::first_child(waiter)
        .and_then(|pid| i32::try_from(pid).ok())
        .with_context(|| {
            format!("no container process under PID {waiter}: the container init exited")
        })
}

/// Field 22 of /proc/PID/stat, for a process that is alive (not a zombie).
fn start_time(pid: i32) -> Result<u64> {
    let pid = u32::try_from(pid).context("negative PID")?;
    ProcessRef::of(pid)
        .map(|p| p.start_time)
        .with_context(|| format!("process {pid} is gone"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_could_escape_the_root_are_refused() {
        for bad in ["", ".", "..", "a/b", ".hidden", "sp ace"] {
            assert!(check_id(bad).is_err(), "{bad:?} accepted");
        }
        check_id("web-1_a.b").unwrap();
    }

    #[test]
    fn unknown_and_half_created_containers() {
        let tmp = tempfile::tempdir().unwrap();
        let root = StateRoot::new(tmp.path());
        let err = root.state("nope").unwrap_err().to_string();
        assert!(err.contains("\"nope\" does not exist"), "{err}");
        fs::create_dir(tmp.path().join("half")).unwrap();
        assert_eq!(root.state("half").unwrap().status, Status::Creating);
        assert_eq!(root.list().unwrap().len(), 1);
        root.delete("half", false).unwrap();
        assert!(root.list().unwrap().is_empty());
    }

    #[test]
    fn a_dead_pid_is_stopped_and_a_live_one_created_until_the_fifo_is_gone() {
        let tmp = tempfile::tempdir().unwrap();
        let root = StateRoot::new(tmp.path());
        let dir = tmp.path().join("c");
        fs::create_dir(&dir).unwrap();
        let me = std::process::id() as i32;
        let record = Record {
            pid: me,
            start_time: start_time(me).unwrap(),
            bundle: "/b".into(),
            annotations: BTreeMap::from([("k".into(), "v".into())]),
        };
        fs::write(dir.join(STATE_FILE), serde_json::to_vec(&record).unwrap()).unwrap();
        fs::write(dir.join(EXEC_FIFO), "").unwrap();
        assert_eq!(root.state("c").unwrap().status, Status::Created);
        fs::remove_file(dir.join(EXEC_FIFO)).unwrap();
        let state = root.state("c").unwrap();
        assert_eq!((state.status, state.pid), (Status::Running, me));
        let err = root.delete("c", false).unwrap_err().to_string();
        assert!(err.contains("is running"), "{err}");

        let stale = Record {
            start_time: record.start_time + 1,
            ..record
        };
        fs::write(dir.join(STATE_FILE), serde_json::to_vec(&stale).unwrap()).unwrap();
        let state = root.state("c").unwrap();
        assert_eq!((state.status, state.pid), (Status::Stopped, 0));
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(json["ociVersion"], OCI_VERSION);
        assert_eq!(json["annotations"]["k"], "v");
        root.delete("c", false).unwrap();
        assert!(!dir.exists());
    }
}
