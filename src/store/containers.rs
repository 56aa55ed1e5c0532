//! Container records: `<root>/containers/<id>/container.json`, next to the container's bundle
//! (config.json, rootfs/, upper/, work/, generated /etc files).
//!
//! Every change is a read-modify-write of one record under the exclusive store lock, written
//! atomically, so concurrent engine commands never lose an update, and a name is checked for
//! uniqueness under that same lock (two `--name x` racing: exactly one wins).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

use super::Store;
use crate::util::digest::Digest;
use crate::util::fs::write_replace;
use crate::util::proc::ProcessRef;

pub(super) const RECORD_FILE: &str = "container.json";

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ContainerStatus {
    Created,
    Running,
    Exited,
}

/// When the monitor starts a container again after it exited (`--restart`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct RestartPolicy {
    /// `no` (or empty), `always`, `on-failure` or `unless-stopped`.
    pub name: String,
    /// `on-failure:N`: at most N restarts (0: no limit).
    #[serde(default)]
    pub max_retries: u32,
}

/// How the container runs, fixed when it is created; `start` and `restart` reuse it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RunSettings {
    /// A pty for the container's stdio (`-t`).
    pub tty: bool,
    /// Keep the container's stdin open (`-i`), fed by attached clients.
    pub interactive: bool,
    /// `--rm`: removed (with its anonymous volumes) once it exits.
    pub auto_remove: bool,
    pub restart_policy: RestartPolicy,
    /// The signal `stop` sends first, e.g. `SIGTERM` or `15`.
    pub stop_signal: String,
    /// Seconds `stop` waits before SIGKILL.
    pub stop_timeout: u32,
    /// `k8s-file` or `none`.
    pub log_driver: String,
    /// Rotate the log beyond this many bytes (`--log-opt max-size`).
    pub log_max_size: Option<u64>,
    /// An external OCI runtime (crun, runc); `None` is the built-in one.
    pub runtime: Option<PathBuf>,
    /// Volumes created for this container only; `rm -v` and `--rm` remove them.
    pub anonymous_volumes: Vec<String>,
    /// `--conmon-pidfile`: where the monitor writes its PID as well (systemd's PIDFile=).
    pub monitor_pidfile: Option<PathBuf>,
    /// `--network`, published ports, DNS and hosts options: what the monitor starts the
    /// network helper with, and what `ps` and `port` show.
    pub network: crate::network::NetworkConfig,
}

impl Default for RunSettings {
    fn default() -> RunSettings {
        RunSettings {
            tty: false,
            interactive: false,
            auto_remove: false,
            restart_policy: RestartPolicy::default(),
            stop_signal: "SIGTERM".into(),
            stop_timeout: 10,
            log_driver: "k8s-file".into(),
            log_max_size: None,
            runtime: None,
            anonymous_volumes: Vec::new(),
            monitor_pidfile: None,
            network: crate::network::NetworkConfig::default(),
        }
    }
}

/// One container, as `engine ps` and `inspect` show it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ContainerRecord {
    pub id: String,
    pub name: String,
    pub image_id: String,
    /// The name the user gave for the image.
    pub image_name: String,
    pub command: Vec<String>,
    /// RFC 3339.
    pub created: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The image's layers (chain IDs), kept while the container exists.
    pub layers: Vec<Digest>,
    /// Named volumes it mounts, kept while the container exists.
    #[serde(default)]
    pub volumes: Vec<String>,
    /// overlay, fuse-overlayfs or vfs.
    pub rootfs_driver: String,
    pub status: ContainerStatus,
    #[serde(default)]
    pub settings: RunSettings,
    /// The engine command line that created it (`generate systemd --new` replays it).
    #[serde(default)]
    pub create_command: Vec<String>,
    /// The monitor process while it runs (the container is dead when it is).
    #[serde(default)]
    pub monitor: Option<ProcessRef>,
    /// The process the runtime started, which signals are sent to (the built-in runtime's
    /// waiter forwards them to PID 1), while the container runs.
    #[serde(default)]
    pub waiter: Option<ProcessRef>,
    /// The container's PID 1 as the host sees it, while the container runs.
    #[serde(default)]
    pub init_pid: Option<u32>,
    /// Its network helper (pasta, slirp4netns) while it runs.
    #[serde(default)]
    pub network_helper: Option<ProcessRef>,
    pub exit_code: Option<i32>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Why the last start failed, or why the container was marked exited.
    #[serde(default)]
    pub error: Option<String>,
    /// How often the monitor started it again (`--restart`).
    #[serde(default)]
    pub restart_count: u32,
    /// `stop` or `kill` was asked for: the restart policy does not apply to this exit.
    #[serde(default)]
    pub stop_requested: bool,
    /// `restart` was asked for: the monitor starts the container again after this exit
    /// (whatever the policy; `--rm` does not apply).
    #[serde(default)]
    pub restart_requested: bool,
    /// `--userns=keep-id|auto`: its own ID layout (None: the storage layout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userns: Option<super::UsernsRecord>,
}

impl Store {
    fn containers_dir(&self) -> PathBuf {
        self.root.join("containers")
    }

    /// The container's directory: its bundle.
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.containers_dir().join(id)
    }

    /// Records a new container and creates its directory. Fails if the name is taken.
    pub fn create_container(&self, rec: &ContainerRecord) -> Result<PathBuf> {
        self.create_container_with(&mut rec.clone(), |_, _| Ok(()))
    }

    /// [`Store::create_container`], where `assign` first completes the record from every
    /// existing one, under the same lock (an auto user namespace range must not overlap theirs).
    pub fn create_container_with(
        &self,
        rec: &mut ContainerRecord,
        assign: impl FnOnce(&[ContainerRecord], &mut ContainerRecord) -> Result<()>,
    ) -> Result<PathBuf> {
        check_id(&rec.id)?;
        let _lock = self.lock_exclusive()?;
        let existing = self.read_containers()?;
        if let Some(other) = existing.iter().find(|c| c.name == rec.name) {
            bail!(
                "the container name {:?} is already in use by container {}; remove that container or choose another name",
                rec.name,
                &other.id[..12]
            );
        }
        // The caller found the image before taking the lock; a concurrent rmi may have removed
        // it since. Checked under the lock, so from here on rmi sees the container using it.
        let image_gone = !rec.image_id.is_empty()
            && !self
                .read_index()?
                .images()
                .iter()
                .any(|i| i.id == rec.image_id);
        if image_gone || rec.layers.iter().any(|l| !self.has_layer(l)) {
            bail!(
                "image {} was removed by another command while the container was being created; pull it again",
                rec.image_name
            );
        }
        assign(&existing, rec)?;
        let dir = self.container_dir(&rec.id);
        fs::create_dir_all(&dir)
            .with_context(|| format!("creating container directory {}", dir.display()))?;
        self.write_record(rec)?;
        Ok(dir)
    }

    /// Applies `change` to the record of `id` and saves it.
    pub fn update_container(
        &self,
        id: &str,
        change: impl FnOnce(&mut ContainerRecord),
    ) -> Result<ContainerRecord> {
        let _lock = self.lock_exclusive()?;
        let mut rec = self.read_record(id)?;
        change(&mut rec);
        self.write_record(&rec)?;
        Ok(rec)
    }

    /// Every container, newest first.
    pub fn containers(&self) -> Result<Vec<ContainerRecord>> {
        let _lock = self.lock_shared()?;
        let mut all = self.read_containers()?;
        all.sort_by(|a, b| b.created.cmp(&a.created));
        Ok(all)
    }

    /// A container by full ID, unique ID prefix or name.
    pub fn find_container(&self, query: &str) -> Result<Option<ContainerRecord>> {
        let all = self.containers()?;
        if let Some(c) = all.iter().find(|c| c.id == query || c.name == query) {
            return Ok(Some(c.clone()));
        }
        let matches: Vec<&ContainerRecord> =
            all.iter().filter(|c| c.id.starts_with(query)).collect();
        match matches.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some((*one).clone())),
            many => bail!(
                "{query:?} matches {} containers ({}); give more of the ID",
                many.len(),
                many.iter()
                    .map(|c| &c.id[..12])
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Removes the container's record and directory (its upper dir may belong to subordinate
    /// ids: removed through the remover).
    pub fn remove_container(&self, id: &str) -> Result<()> {
        check_id(id)?;
        let _lock = self.lock_exclusive()?;
        self.remove_container_locked(id)
    }

    /// [`Store::remove_container`] for a caller holding the exclusive lock.
    pub(super) fn remove_container_locked(&self, id: &str) -> Result<()> {
        check_id(id)?;
        let dir = self.container_dir(id);
        let removed = self.read_record(id).ok();
        // The record goes first, so a half-removed directory is never listed as a container.
        match fs::remove_file(dir.join(RECORD_FILE)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing container {id}"));
            }
            _ => {}
        }
        // overlay leaves work/work with mode 000; it is ours, so opening it up spares the user
        // namespace round trip when the container wrote nothing as another user.
        let _ = fs::set_permissions(
            dir.join("work/work"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        );
        remove_tree_retrying(&dir, &self.remover).with_context(|| {
            format!(
                "removing container directory {}: run `engine unshare rm -rf {}`",
                dir.display(),
                dir.display()
            )
        })?;
        removed.map_or(Ok(()), |rec| self.release_userns(&rec))
    }

    /// Volumes containers still use.
    pub(super) fn volumes_in_use(&self) -> Result<Vec<String>> {
        Ok(self
            .read_containers()?
            .into_iter()
            .flat_map(|c| c.volumes)
            .collect())
    }

    /// Image ids and layers containers still use (images and layers must outlive them).
    pub(super) fn used_by_containers(&self) -> Result<(Vec<String>, Vec<Digest>)> {
        let all = self.read_containers()?;
        let images = all.iter().map(|c| c.image_id.clone()).collect();
        let layers = all.into_iter().flat_map(|c| c.layers).collect();
        Ok((images, layers))
    }

    pub(super) fn read_containers(&self) -> Result<Vec<ContainerRecord>> {
        let mut all = Vec::new();
        for id in self.container_dir_names()? {
            if self.container_dir(&id).join(RECORD_FILE).is_file() {
                all.push(self.read_record(&id)?);
            }
        }
        Ok(all)
    }

    /// The directories under `containers/` named like container ids (records or not).
    pub(super) fn container_dir_names(&self) -> Result<Vec<String>> {
        let dir = self.containers_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
        };
        Ok(entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .filter(|id| check_id(id).is_ok())
            .collect())
    }

    pub(super) fn read_record(&self, id: &str) -> Result<ContainerRecord> {
        let path = self.container_dir(id).join(RECORD_FILE);
        let data = fs::read(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => anyhow!("no such container {id}"),
            _ => anyhow!("reading {}: {e}", path.display()),
        })?;
        serde_json::from_slice(&data).with_context(|| {
            format!(
                "{} is corrupt; remove the container with `engine rm -f {}`",
                path.display(),
                &id[..12.min(id.len())]
            )
        })
    }

    fn write_record(&self, rec: &ContainerRecord) -> Result<()> {
        let path = self.container_dir(&rec.id).join(RECORD_FILE);
        // Replaced atomically but not synced: a container record lost to a power cut only loses
        // state the next command reconstructs, and syncing would cost every `run` milliseconds.
        write_replace(&path, &serde_json::to_vec_pretty(rec)?, 0o600)
            .with_context(|| format!("writing {}", path.display()))
    }
}

/// Removes a container directory. The command that created the container may still be
/// writing its bundle (an `rm -f` racing `run`): a file it adds makes the removal fail with
/// "directory not empty", so try again; it gives up once it sees the record gone.
fn remove_tree_retrying(dir: &std::path::Path, remover: &super::TreeRemover) -> io::Result<()> {
    let mut attempts = 0;
    loop {
        match super::tmp::remove_any(dir, remover) {
            Err(e) if e.kind() == io::ErrorKind::DirectoryNotEmpty && attempts < 10 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn check_id(id: &str) -> Result<()> {
    if id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        Ok(())
    } else {
        bail!("invalid container id {id:?}: expected 64 lowercase hex digits")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: char, name: &str) -> ContainerRecord {
        ContainerRecord {
            id: id.to_string().repeat(64),
            name: name.into(),
            // A `--rootfs` container: no image.
            image_id: String::new(),
            image_name: "busybox".into(),
            command: vec!["true".into()],
            created: "2026-01-01T00:00:00Z".into(),
            labels: BTreeMap::new(),
            layers: Vec::new(),
            volumes: Vec::new(),
            rootfs_driver: "overlay".into(),
            status: ContainerStatus::Created,
            settings: RunSettings::default(),
            create_command: Vec::new(),
            monitor: None,
            waiter: None,
            init_pid: None,
            network_helper: None,
            exit_code: None,
            started_at: None,
            finished_at: None,
            error: None,
            restart_count: 0,
            stop_requested: false,
            restart_requested: false,
            userns: None,
        }
    }

    #[test]
    fn names_are_unique_even_when_racing() {
        let dir = tempfile::tempdir().unwrap();
        let winners: usize = std::thread::scope(|s| {
            let handles: Vec<_> = ['1', '2', '3', '4']
                .into_iter()
                .map(|c| {
                    let root = dir.path().to_path_buf();
                    s.spawn(move || {
                        Store::open(&root)
                            .unwrap()
                            .create_container(&record(c, "web"))
                            .is_ok() as usize
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(winners, 1);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.containers().unwrap().len(), 1);
    }

    #[test]
    fn an_image_removed_before_the_create_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut rec = record('e', "late");
        rec.image_id = "a".repeat(64);
        let err = store.create_container(&rec).unwrap_err().to_string();
        assert!(err.contains("was removed by another command"), "{err}");
        rec.image_id = String::new();
        rec.layers = vec![Digest::of(b"gone")];
        assert!(store.create_container(&rec).is_err());
        assert!(!store.container_dir(&rec.id).exists());
    }

    #[test]
    fn find_update_remove() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_container(&record('b', "one")).unwrap();
        store.create_container(&record('c', "two")).unwrap();
        assert_eq!(
            store.find_container("one").unwrap().unwrap().id,
            "b".repeat(64)
        );
        assert_eq!(store.find_container("ccc").unwrap().unwrap().name, "two");
        assert!(store.find_container("d").unwrap().is_none());
        let updated = store
            .update_container(&"b".repeat(64), |c| {
                c.status = ContainerStatus::Exited;
                c.exit_code = Some(3);
            })
            .unwrap();
        assert_eq!(updated.exit_code, Some(3));
        assert_eq!(
            store.find_container("one").unwrap().unwrap().status,
            ContainerStatus::Exited
        );
        store.remove_container(&"b".repeat(64)).unwrap();
        assert!(store.find_container("one").unwrap().is_none());
        assert!(!store.container_dir(&"b".repeat(64)).exists());
        assert!(store.remove_container("../x").is_err());
    }
}
