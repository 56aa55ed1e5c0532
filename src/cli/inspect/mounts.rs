//! The mounts the user asked for (`-v`, `--mount`, named volumes), told apart from what the
//! engine adds to every container (kernel filesystems, the generated /etc files, the init
//! binary), as podman's `Mounts` (inspect) and `Mounts` (ps) list them.

use std::path::Path;

use oci_spec::runtime::Mount;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::spec::defaults::INIT_DESTINATION;
use crate::store::{ContainerRecord, Store};

/// Only the mounts of a config.json: `ps` reads this much and skips the rest of the spec.
#[derive(Deserialize)]
struct MountsOnly {
    #[serde(default)]
    mounts: Vec<Mount>,
}

/// The destinations of the user's mounts, for `ps`; empty when config.json is unreadable.
pub fn user_mount_destinations(store: &Store, record: &ContainerRecord) -> Vec<String> {
    let bundle = store.container_dir(&record.id);
    let Ok(bytes) = std::fs::read(bundle.join("config.json")) else {
        return Vec::new();
    };
    let Ok(spec) = serde_json::from_slice::<MountsOnly>(&bytes) else {
        return Vec::new();
    };
    spec.mounts
        .iter()
        .filter(|m| is_user_bind(m, &bundle))
        .map(|m| m.destination().display().to_string())
        .collect()
}

/// podman's inspect `Mounts`: binds and volumes the user asked for.
pub fn user_mounts(store: &Store, record: &ContainerRecord, mounts: &[Mount]) -> Vec<Value> {
    let bundle = store.container_dir(&record.id);
    mounts
        .iter()
        .filter(|m| is_user_bind(m, &bundle))
        .map(|m| {
            let source = m.source().as_deref().unwrap_or(Path::new(""));
            let options = m.options().clone().unwrap_or_default();
            let volume = record
                .volumes
                .iter()
                .find(|name| store.volume_path(name) == source);
            let propagation = options
                .iter()
                .find(|o| o.ends_with("private") || o.ends_with("shared") || o.ends_with("slave"))
                .cloned()
                .unwrap_or_else(|| "rprivate".to_string());
            let rw = !options.iter().any(|o| o == "ro");
            let kept: Vec<&String> = options
                .iter()
                .filter(|o| !matches!(o.as_str(), "ro" | "rw") && **o != propagation)
                .collect();
            json!({
                "Type": if volume.is_some() { "volume" } else { "bind" },
                "Name": volume.cloned().unwrap_or_default(),
                "Source": source,
                "Destination": m.destination(),
                "Driver": if volume.is_some() { "local" } else { "" },
                "Mode": "",
                "Options": kept,
                "RW": rw,
                "Propagation": propagation,
            })
        })
        .collect()
}

/// `--tmpfs` mounts as podman's `HostConfig.Tmpfs`: destination -> options.
pub fn user_tmpfs(mounts: &[Mount]) -> serde_json::Map<String, Value> {
    mounts
        .iter()
        .filter(|m| m.typ().as_deref() == Some("tmpfs") && !is_engine_tmpfs(m))
        .map(|m| {
            let options = m.options().clone().unwrap_or_default().join(",");
            (m.destination().display().to_string(), json!(options))
        })
        .collect()
}

/// The tmpfs every container gets (/dev, /dev/shm).
fn is_engine_tmpfs(mount: &Mount) -> bool {
    let destination = mount.destination();
    destination == Path::new("/dev") || destination == Path::new("/dev/shm")
}

/// A bind of a host path the user chose: not one of the bundle's generated files, not the init
/// binary, not the host's /sys the engine binds when it cannot mount sysfs.
fn is_user_bind(mount: &Mount, bundle: &Path) -> bool {
    let is_bind = mount.typ().as_deref() == Some("bind")
        || mount
            .options()
            .as_ref()
            .is_some_and(|o| o.iter().any(|o| o == "bind" || o == "rbind"));
    let source = mount.source().as_deref().unwrap_or(Path::new(""));
    let destination = mount.destination();
    is_bind
        && !source.starts_with(bundle)
        && destination != Path::new(INIT_DESTINATION)
        && !(destination.starts_with("/sys") && source.starts_with("/sys"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::defaults::mount;

    #[test]
    fn only_the_users_binds_and_volumes_are_listed() {
        let root = tempfile::tempdir().unwrap();
        let store = Store::open(root.path()).unwrap();
        let record: ContainerRecord = serde_json::from_value(json!({
            "id": "a".repeat(64), "name": "x", "image_id": "", "image_name": "i", "command": [],
            "created": "2026-01-01T00:00:00Z", "layers": [], "volumes": ["data"],
            "rootfs_driver": "overlay", "status": "created", "exit_code": null,
            "started_at": null, "finished_at": null,
        }))
        .unwrap();
        let bundle = store.container_dir(&record.id);
        let volume = store.volume_path("data").display().to_string();
        let hosts = bundle.join("hosts").display().to_string();
        let mounts = vec![
            mount("/proc", "proc", "proc", &["nosuid"]).unwrap(),
            mount("/dev/shm", "tmpfs", "shm", &["mode=1777"]).unwrap(),
            mount("/etc/hosts", "bind", &hosts, &["bind", "rprivate"]).unwrap(),
            mount("/sys", "bind", "/sys", &["rbind", "ro"]).unwrap(),
            mount(
                INIT_DESTINATION,
                "bind",
                "/usr/bin/catatonit",
                &["bind", "ro"],
            )
            .unwrap(),
            mount("/src", "bind", "/home/u/src", &["rbind", "ro", "rslave"]).unwrap(),
            mount("/data", "bind", &volume, &["rbind", "nosuid"]).unwrap(),
            mount("/scratch", "tmpfs", "tmpfs", &["rw", "size=1m"]).unwrap(),
        ];
        let listed = user_mounts(&store, &record, &mounts);
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert_eq!(listed[0]["Type"], "bind");
        assert_eq!(listed[0]["Source"], "/home/u/src");
        assert_eq!(listed[0]["RW"], false);
        assert_eq!(listed[0]["Propagation"], "rslave");
        assert_eq!(listed[0]["Options"], json!(["rbind"]));
        assert_eq!(listed[1]["Type"], "volume");
        assert_eq!(listed[1]["Name"], "data");
        assert_eq!(listed[1]["Destination"], "/data");
        assert_eq!(listed[1]["RW"], true);
        let tmpfs = user_tmpfs(&mounts);
        assert_eq!(tmpfs.len(), 1);
        assert_eq!(tmpfs["/scratch"], "rw,size=1m");
    }
}
