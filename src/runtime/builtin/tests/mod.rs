//! Unit tests of the filesystem setup against the recording [`Syscalls`], and of config
//! loading. The real thing (namespaces, mounts, exec) is exercised by the integration tests.

mod cgroups;
mod config;
mod filesystem;
mod hooks;
mod reached;
mod recorder;

use std::path::Path;

use oci_spec::runtime::Spec;
use serde_json::{Value, json};

use super::config::Container;

pub(crate) const BUNDLE: &str = "/store/containers/c1";
pub(crate) const ROOTFS: &str = "/store/containers/c1/rootfs";

/// The mounts podman gives a rootless container with its own network namespace.
pub(crate) fn podman_mounts() -> Value {
    json!([
        {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"]},
        {"destination": "/etc/hosts", "type": "bind", "source": "/store/containers/c1/hosts",
         "options": ["bind", "rprivate"]}
    ])
}

/// A podman-like spec with an overlay rootfs of two layers; `edit` changes it before parsing.
pub(crate) fn spec_json(edit: impl FnOnce(&mut Value)) -> Spec {
    let mut spec = json!({
        "ociVersion": "1.0.2-dev",
        "process": {
            "terminal": false,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": ["PATH=/usr/bin:/bin"],
            "cwd": "/",
        },
        "root": {"path": ROOTFS},
        "hostname": "c1",
        "mounts": podman_mounts(),
        "annotations": {
            "org.engine.rootfs.driver": "overlay",
            "org.engine.rootfs.lowerdirs": "/store/layers/b/diff:/store/layers/a/diff",
            "org.engine.rootfs.upperdir": "/store/containers/c1/upper",
            "org.engine.rootfs.workdir": "/store/containers/c1/work"
        },
        "linux": {
            "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"},
                           {"type": "network"}, {"type": "cgroup"}, {"type": "user"}],
            "maskedPaths": ["/proc/kcore", "/proc/acpi", "/proc/missing"],
            "readonlyPaths": ["/proc/sys", "/proc/absent"]
        }
    });
    edit(&mut spec);
    serde_json::from_value(spec).expect("test spec parses")
}

pub(crate) fn container(edit: impl FnOnce(&mut Value)) -> Container {
    Container::from_spec(spec_json(edit), Path::new(BUNDLE)).expect("test spec is valid")
}
