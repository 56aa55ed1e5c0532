//! The container's cgroup, for a runtime that runs as real root: `linux.cgroupsPath` made in
//! every hierarchy (v1 controllers, or the unified v2 one), `linux.resources` written there,
//! and the init joined to it before it forks the container, which inherits it.
//!
//! An absolute `cgroupsPath` is taken from each hierarchy's mount point, a relative one from
//! the runtime's own cgroup in it (runc's and crun's reading of the spec). Rootless, the user
//! cannot write the hierarchy (machine.md: nothing is delegated), so there is no cgroup: as in
//! podman, the limits are not applied.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use oci_spec::runtime::Linux;

use super::cgroup_settings::{Setting, v1_settings, v2_settings};
use super::config::relative;

const CONTROLLERS: &[&str] = &[
    "cpu",
    "cpuacct",
    "cpuset",
    "memory",
    "devices",
    "freezer",
    "net_cls",
    "net_prio",
    "blkio",
    "perf_event",
    "hugetlb",
    "pids",
    "rdma",
    "misc",
];

/// A mounted cgroup hierarchy.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Hierarchy {
    pub mount_point: PathBuf,
    /// The cgroup at the mount point (`/` unless a namespace or a bind mount shows a subtree).
    pub root: PathBuf,
    /// The v1 controllers it carries; empty for v2.
    pub controllers: Vec<String>,
}

impl Hierarchy {
    fn is_v2(&self) -> bool {
        self.controllers.is_empty()
    }
}

/// The cgroup hierarchies in `/proc/self/mountinfo` text: v1 ones with a controller, and v2.
pub(super) fn hierarchies(mountinfo: &str) -> Vec<Hierarchy> {
    let mut out = Vec::new();
    for line in mountinfo.lines() {
        let Some((mount, fs)) = line.split_once(" - ") else {
            continue;
        };
        let fields: Vec<&str> = mount.split(' ').collect();
        let fs: Vec<&str> = fs.split(' ').collect();
        let (Some(root), Some(mount_point), Some(&fstype)) =
            (fields.get(3), fields.get(4), fs.first())
        else {
            continue;
        };
        let controllers: Vec<String> = fs
            .get(2)
            .map(|options| options.split(',').filter(|o| CONTROLLERS.contains(o)))
            .into_iter()
            .flatten()
            .map(str::to_string)
            .collect();
        let keep = match fstype {
            "cgroup" => !controllers.is_empty(),
            "cgroup2" => true,
            _ => false,
        };
        if keep {
            out.push(Hierarchy {
                mount_point: PathBuf::from(unescape(mount_point)),
                root: PathBuf::from(unescape(root)),
                controllers,
            });
        }
    }
    out
}

/// mountinfo writes space, tab, newline and backslash as octal escapes.
fn unescape(field: &str) -> String {
    field
        .replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// `/proc/self/cgroup`: each v1 controller's cgroup, and the v2 one under the key "".
pub(super) fn own_cgroups(proc_cgroup: &str) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        for controller in controllers.split(',') {
            out.insert(controller.to_string(), PathBuf::from(path));
        }
    }
    out
}

/// The directory of `cgroups_path` in `hierarchy`.
pub(super) fn directory(
    hierarchy: &Hierarchy,
    cgroups_path: &Path,
    own: &HashMap<String, PathBuf>,
) -> PathBuf {
    if cgroups_path.is_absolute() {
        return hierarchy.mount_point.join(relative(cgroups_path));
    }
    let key = hierarchy.controllers.first().map_or("", String::as_str);
    let mine = own.get(key).map_or(Path::new("/"), PathBuf::as_path);
    let below_root = mine.strip_prefix(&hierarchy.root).unwrap_or(Path::new(""));
    hierarchy
        .mount_point
        .join(below_root)
        .join(relative(cgroups_path))
}

/// The hierarchies the container uses: the v1 ones when any is mounted, else the v2 one.
fn in_use(all: Vec<Hierarchy>) -> Vec<Hierarchy> {
    if all.iter().any(|h| !h.is_v2()) {
        all.into_iter().filter(|h| !h.is_v2()).collect()
    } else {
        all.into_iter().take(1).collect()
    }
}

fn read(path: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("read {path}"))
}

/// The container's cgroup directories, one per hierarchy in use; none without cgroupsPath.
fn directories(linux: &Linux) -> Result<Vec<(Hierarchy, PathBuf)>> {
    let Some(path) = linux.cgroups_path() else {
        return Ok(Vec::new());
    };
    let own = own_cgroups(&read("/proc/self/cgroup")?);
    Ok(in_use(hierarchies(&read("/proc/self/mountinfo")?))
        .into_iter()
        .map(|h| {
            let dir = directory(&h, path, &own);
            (h, dir)
        })
        .collect())
}

/// Makes the container's cgroup, writes its limits and moves the calling process into it.
pub(super) fn enter(linux: &Linux) -> Result<()> {
    let dirs = directories(linux)?;
    let resources = linux.resources().clone().unwrap_or_default();
    if dirs.is_empty() {
        return Ok(());
    }
    let v2 = dirs.iter().all(|(h, _)| h.is_v2());
    let devices = linux.devices().clone().unwrap_or_default();
    let settings = if v2 {
        v2_settings(&resources)
    } else {
        v1_settings(&resources, &devices)
    };
    for setting in &settings {
        let mounted = dirs.iter().any(|(h, _)| owns(h, setting));
        if !mounted {
            bail!(
                "linux.resources sets {} but no {} cgroup hierarchy is mounted: remove the setting",
                setting.file,
                setting.controller
            );
        }
    }
    for (hierarchy, dir) in &dirs {
        make_directory(hierarchy, dir, v2)?;
        for setting in settings.iter().filter(|s| owns(hierarchy, s)) {
            let file = dir.join(&setting.file);
            std::fs::write(&file, &setting.value)
                .with_context(|| format!("write {:?} to {}", setting.value, file.display()))?;
        }
        let procs = dir.join("cgroup.procs");
        std::fs::write(&procs, std::process::id().to_string())
            .with_context(|| format!("join the cgroup {}", procs.display()))?;
    }
    Ok(())
}

fn owns(hierarchy: &Hierarchy, setting: &Setting) -> bool {
    hierarchy.is_v2()
        || hierarchy
            .controllers
            .iter()
            .any(|c| c == setting.controller)
}

/// Creates `dir` and its missing parents. A new v1 cpuset starts with no CPUs and no memory
/// nodes, which nothing may join: each gets its parent's. In v2 the parents delegate their
/// controllers, without which the children have no control files.
fn make_directory(hierarchy: &Hierarchy, dir: &Path, v2: bool) -> Result<()> {
    let below = dir.strip_prefix(&hierarchy.mount_point).unwrap_or(dir);
    let mut current = hierarchy.mount_point.clone();
    for part in below.components() {
        let parent = current.clone();
        current.push(part);
        if v2 {
            delegate_controllers(&parent)?;
        }
        if current.is_dir() {
            continue;
        }
        std::fs::create_dir(&current)
            .with_context(|| format!("create the cgroup {}", current.display()))?;
        if hierarchy.controllers.iter().any(|c| c == "cpuset") {
            for file in ["cpuset.cpus", "cpuset.mems"] {
                let value = std::fs::read_to_string(parent.join(file)).unwrap_or_default();
                let target = current.join(file);
                std::fs::write(&target, value.trim())
                    .with_context(|| format!("write {}", target.display()))?;
            }
        }
    }
    Ok(())
}

fn delegate_controllers(dir: &Path) -> Result<()> {
    let available = std::fs::read_to_string(dir.join("cgroup.controllers")).unwrap_or_default();
    let wanted: Vec<String> = available
        .split_whitespace()
        .map(|c| format!("+{c}"))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let file = dir.join("cgroup.subtree_control");
    std::fs::write(&file, wanted.join(" "))
        .with_context(|| format!("enable the controllers in {}", file.display()))
}

/// [`remove`] for the container of `bundle`, as real root (rootless made no cgroup). A bundle
/// gone or broken since `create` leaves nothing to find.
pub(super) fn remove_for_bundle(bundle: &Path) -> Result<()> {
    if !nix::unistd::geteuid().is_root() || crate::runtime::userns::in_user_namespace() {
        return Ok(());
    }
    let Ok(spec) = oci_spec::runtime::Spec::load(bundle.join("config.json")) else {
        return Ok(());
    };
    match spec.linux() {
        Some(linux) => remove(linux),
        None => Ok(()),
    }
}

/// Removes the container's cgroup directories (`engine oci delete`), waiting up to a second
/// for the container's last processes to leave them.
pub(super) fn remove(linux: &Linux) -> Result<()> {
    for (_, dir) in directories(linux)? {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            match std::fs::remove_dir(&dir) {
                Ok(()) => break,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => break,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                // Containers may share a cgroupsPath (a pod): the last one out removes it.
                Err(err) if err.raw_os_error() == Some(libc::EBUSY) => {
                    crate::util::log::debug(&format!(
                        "cgroup {} still has processes: left for its other containers",
                        dir.display()
                    ));
                    break;
                }
                Err(err) => {
                    return Err(err)
                        .with_context(|| format!("remove the cgroup {}", dir.display()));
                }
            }
        }
    }
    Ok(())
}
