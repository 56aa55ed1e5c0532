//! The object `podman container inspect` prints, built from the container's record and its
//! bundle's config.json (the spec says what the container really got: capabilities, mounts,
//! namespaces, seccomp), plus for a running container its live namespaces and capabilities.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Result, anyhow};
use oci_spec::image::ImageConfiguration;
use oci_spec::runtime::{Capabilities, LinuxNamespaceType, Spec};
use serde_json::{Map, Value, json};

use super::mounts::{user_mounts, user_tmpfs};
use crate::cli::humanize;
use crate::cli::ps::state_name;
use crate::cli::timefmt::GO_ZERO_RFC3339;
use crate::container::{disk_usage, isolation::Isolation, state};
use crate::spec::caps::{DEFAULT_CAPABILITIES, capability_names};
use crate::spec::recipe::{LOWERDIRS_KEY, RESERVED_PREFIX, UPPERDIR_KEY, WORKDIR_KEY};
use crate::store::{ContainerRecord, Store};
use crate::util::signal;

/// podman's inspect object for `record`; `size` adds SizeRw and SizeRootFs (they walk the upper
/// dir), `live` the running container's namespaces and capabilities.
pub fn container_json(
    store: &Store,
    record: &ContainerRecord,
    size: bool,
    live: Option<&Isolation>,
) -> Result<Value> {
    let bundle = store.container_dir(&record.id);
    let config_path = bundle.join("config.json");
    let spec = Spec::load(&config_path).map_err(|e| {
        anyhow!(
            "reading {}: {e}; the container's bundle is damaged: remove it with `engine rm -f {}`",
            config_path.display(),
            record.name
        )
    })?;
    let image = store.find_image(&record.image_id).ok().flatten();
    let entrypoint = image
        .as_ref()
        .and_then(|i| store.read_blob(&i.config_digest).ok())
        .and_then(|b| serde_json::from_slice::<ImageConfiguration>(&b).ok())
        .and_then(|c| c.config().as_ref().and_then(|c| c.entrypoint().clone()))
        .filter(|e| !e.is_empty() && record.command.starts_with(e))
        .unwrap_or_default();
    let process = spec.process().as_ref();
    let linux = spec.linux().as_ref();
    let mounts = spec.mounts().clone().unwrap_or_default();
    let annotations = spec.annotations().clone().unwrap_or_default();
    let capabilities = process.and_then(|p| p.capabilities().as_ref());
    let bounding = cap_names(capabilities.and_then(|c| c.bounding().as_ref()));
    let seccomp = linux.is_some_and(|l| l.seccomp().is_some());
    let privileged =
        !seccomp && linux.is_none_or(|l| l.masked_paths().as_ref().is_none_or(Vec::is_empty));
    let no_new_privileges = process.and_then(|p| p.no_new_privileges()) == Some(true);
    let running = state::is_running(record);
    let log_path = match record.settings.log_driver.as_str() {
        "none" => String::new(),
        _ => bundle.join("ctr.log").display().to_string(),
    };
    let defaults: BTreeSet<String> = capability_names(&DEFAULT_CAPABILITIES)
        .into_iter()
        .collect();
    let granted: BTreeSet<String> = bounding.iter().cloned().collect();
    let mut security_opt = Vec::new();
    if !seccomp && !privileged {
        security_opt.push("seccomp=unconfined");
    }
    if no_new_privileges {
        security_opt.push("no-new-privileges");
    }
    let user = process.map(|p| p.user());
    let (uid, gid) = user.map_or((0, 0), |u| (u.uid(), u.gid()));
    let args = &record.command;
    let listed_mounts = user_mounts(store, record, &mounts);

    let state = json!({
        "OciVersion": spec.version(),
        "Status": state_name(record),
        "Running": running,
        "Paused": false,
        "Restarting": false,
        "OOMKilled": false,
        "Dead": false,
        "Pid": if running { record.init_pid.unwrap_or(0) } else { 0 },
        "ConmonPid": if running { record.monitor.map_or(0, |m| m.pid) } else { 0 },
        "ExitCode": record.exit_code.unwrap_or(0),
        "Error": record.error.clone().unwrap_or_default(),
        "StartedAt": record.started_at.as_deref().unwrap_or(GO_ZERO_RFC3339),
        "FinishedAt": record.finished_at.as_deref().unwrap_or(GO_ZERO_RFC3339),
    });
    let config = json!({
        "Hostname": spec.hostname().clone().unwrap_or_default(),
        "Domainname": spec.domainname().clone().unwrap_or_default(),
        "User": if (uid, gid) == (0, 0) { String::new() } else { format!("{uid}:{gid}") },
        "AttachStdin": false,
        "AttachStdout": false,
        "AttachStderr": false,
        "Tty": record.settings.tty,
        "OpenStdin": record.settings.interactive,
        "StdinOnce": false,
        "Env": process.and_then(|p| p.env().clone()).unwrap_or_default(),
        "Cmd": args[entrypoint.len()..],
        "Image": record.image_name,
        "Volumes": Value::Null,
        "WorkingDir": process.map(|p| p.cwd().clone()).unwrap_or_default(),
        "Entrypoint": entrypoint.join(" "),
        "OnBuild": Value::Null,
        "Labels": record.labels,
        "Annotations": annotations.iter().filter(|(k, _)| !k.starts_with(RESERVED_PREFIX)).collect::<BTreeMap<_, _>>(),
        "StopSignal": signal::parse(&record.settings.stop_signal).unwrap_or(libc::SIGTERM),
        "StopTimeout": record.settings.stop_timeout,
        "CreateCommand": record.create_command,
        "Umask": format!("{:04o}", user.and_then(|u| u.umask()).unwrap_or(0o022)),
        "Timeout": 0,
    });
    let host_config = json!({
        "Binds": binds(&listed_mounts),
        "LogConfig": {
            "Type": record.settings.log_driver,
            "Config": Value::Null,
            "Path": log_path,
            "Tag": "",
            "Size": humanize::size(record.settings.log_max_size.unwrap_or(0)).replace(' ', ""),
        },
        "NetworkMode": record.settings.network.mode.to_string(),
        "PortBindings": {},
        "RestartPolicy": {
            "Name": record.settings.restart_policy.name,
            "MaximumRetryCount": record.settings.restart_policy.max_retries,
        },
        "AutoRemove": record.settings.auto_remove,
        "CapAdd": granted.difference(&defaults).collect::<Vec<_>>(),
        "CapDrop": defaults.difference(&granted).collect::<Vec<_>>(),
        "Dns": [],
        "ExtraHosts": [],
        "GroupAdd": user.and_then(|u| u.additional_gids().clone()).unwrap_or_default(),
        "IpcMode": namespace_mode(&spec, LinuxNamespaceType::Ipc),
        "PidMode": namespace_mode(&spec, LinuxNamespaceType::Pid),
        "UTSMode": namespace_mode(&spec, LinuxNamespaceType::Uts),
        "CgroupMode": namespace_mode(&spec, LinuxNamespaceType::Cgroup),
        "UsernsMode": match &record.userns {
            Some(userns) => userns.mode.as_str(),
            None if has_namespace(&spec, LinuxNamespaceType::User) => "",
            None => "host",
        },
        "IDMappings": id_mappings(&spec),
        "Privileged": privileged,
        "ReadonlyRootfs": spec.root().as_ref().and_then(|r| r.readonly()).unwrap_or(false),
        "SecurityOpt": security_opt,
        "Tmpfs": user_tmpfs(&mounts),
        "Runtime": "oci",
        "Ulimits": process.and_then(|p| p.rlimits().clone()).unwrap_or_default().iter().map(|r| json!({
            "Name": r.typ().to_string(), "Soft": r.soft(), "Hard": r.hard(),
        })).collect::<Vec<_>>(),
        "Devices": [],
    });
    let mut object = json!({
        "Id": record.id,
        "Created": record.created,
        "Path": args.first().cloned().unwrap_or_default(),
        "Args": args.iter().skip(1).collect::<Vec<_>>(),
        "State": state,
        "Image": record.image_id,
        "ImageDigest": image.as_ref().map(|i| i.manifest_digest.to_string()).unwrap_or_default(),
        "ImageName": record.image_name,
        // An exploded root filesystem (--rootfs) rather than an image.
        "Rootfs": if record.image_id.is_empty() { record.image_name.as_str() } else { "" },
        "Pod": "",
        "ResolvConfPath": bundle.join("resolv.conf"),
        "HostnamePath": bundle.join("hostname"),
        "HostsPath": bundle.join("hosts"),
        "StaticDir": bundle,
        "OCIConfigPath": config_path,
        "OCIRuntime": record.settings.runtime.as_ref().map_or("builtin".to_string(), |r| r.display().to_string()),
        "LogPath": log_path,
        "Name": record.name,
        "RestartCount": record.restart_count,
        "Driver": record.rootfs_driver,
        "MountLabel": "",
        "ProcessLabel": process.and_then(|p| p.selinux_label().clone()).unwrap_or_default(),
        "AppArmorProfile": process.and_then(|p| p.apparmor_profile().clone()).unwrap_or_default(),
        "EffectiveCaps": cap_names(capabilities.and_then(|c| c.effective().as_ref())),
        "BoundingCaps": bounding,
        "ExecIDs": [],
        "GraphDriver": {
            "Name": record.rootfs_driver,
            "Data": graph_driver_data(&annotations, &bundle),
        },
        "Mounts": listed_mounts,
        "Dependencies": [],
        "NetworkSettings": {"Ports": {}, "SandboxKey": ""},
        "Namespace": "",
        "IsInfra": false,
        "IsService": false,
        "Config": config,
        "HostConfig": host_config,
    });
    let extra = object
        .as_object_mut()
        .ok_or_else(|| anyhow!("inspect object"))?;
    if size {
        let rw = disk_usage::container_rw_size(store, record);
        extra.insert("SizeRw".into(), json!(rw));
        extra.insert("SizeRootFs".into(), json!(rw + image.map_or(0, |i| i.size)));
    }
    if let Some(live) = live {
        extra.insert("Namespaces".into(), live_namespaces(live));
        extra.insert("ProcessCapabilities".into(), live_capabilities(live));
    }
    Ok(object)
}

/// Sorted `CAP_*` names.
fn cap_names(set: Option<&Capabilities>) -> Vec<String> {
    let mut names: Vec<String> = set
        .map(|s| s.iter().map(|c| format!("CAP_{c}")).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// The overlay's directories from the rootfs recipe annotations.
fn graph_driver_data(
    annotations: &std::collections::HashMap<String, String>,
    bundle: &Path,
) -> Value {
    let Some(lower) = annotations.get(LOWERDIRS_KEY) else {
        return Value::Null;
    };
    json!({
        "LowerDir": lower,
        "UpperDir": annotations.get(UPPERDIR_KEY),
        "WorkDir": annotations.get(WORKDIR_KEY),
        "MergedDir": bundle.join("rootfs"),
    })
}

/// docker's `HostConfig.Binds`: `SOURCE:DESTINATION[:ro]` (volumes by name).
fn binds(mounts: &[Value]) -> Vec<String> {
    mounts
        .iter()
        .map(|m| {
            let source = match m["Type"].as_str() {
                Some("volume") => m["Name"].as_str().unwrap_or(""),
                _ => m["Source"].as_str().unwrap_or(""),
            };
            let destination = m["Destination"].as_str().unwrap_or("");
            let mode = if m["RW"] == json!(false) { ":ro" } else { "" };
            format!("{source}:{destination}{mode}")
        })
        .collect()
}

fn has_namespace(spec: &Spec, kind: LinuxNamespaceType) -> bool {
    spec.linux()
        .as_ref()
        .and_then(|l| l.namespaces().as_ref())
        .is_some_and(|n| n.iter().any(|ns| ns.typ() == kind))
}

/// `private` (a new namespace), `ns:PATH` (joined) or `host`.
fn namespace_mode(spec: &Spec, kind: LinuxNamespaceType) -> String {
    let found = spec
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().as_ref())
        .and_then(|n| n.iter().find(|ns| ns.typ() == kind).cloned());
    match found {
        None => "host".into(),
        Some(ns) => match ns.path() {
            Some(path) => format!("ns:{}", path.display()),
            None => "private".into(),
        },
    }
}

/// The network mode as the spec shows it: `host` without a network namespace, `ns:PATH` for a
/// joined one, else `none` (loopback only). Networking refines the private case (pasta, ...).
/// `{"user": "user:[4026532331]", ...}` like the /proc/PID/ns links.
fn live_namespaces(live: &Isolation) -> Value {
    live.namespaces
        .iter()
        .filter_map(|(kind, side)| {
            let inode = side.container.as_ref().ok()?;
            Some((kind.to_string(), json!(format!("{kind}:[{inode}]"))))
        })
        .collect::<Map<_, _>>()
        .into()
}

/// PID 1's capability sets as `CAP_*` names.
fn live_capabilities(live: &Isolation) -> Value {
    live.capabilities
        .iter()
        .filter_map(|(set, side)| {
            let caps = side.container.as_ref().ok()?;
            let names: Vec<String> = caps.names.iter().map(|n| n.to_uppercase()).collect();
            Some((set.to_string(), json!(names)))
        })
        .collect::<Map<_, _>>()
        .into()
}

#[cfg(test)]
mod tests;

/// podman's `HostConfig.IDMappings`: the container's maps as `CONTAINER:HOST:SIZE` strings.
fn id_mappings(spec: &Spec) -> Value {
    let lines = |maps: Option<&Vec<oci_spec::runtime::LinuxIdMapping>>| -> Vec<String> {
        maps.map(|maps| {
            maps.iter()
                .map(|m| format!("{}:{}:{}", m.container_id(), m.host_id(), m.size()))
                .collect()
        })
        .unwrap_or_default()
    };
    let linux = spec.linux().as_ref();
    json!({
        "UidMap": lines(linux.and_then(|l| l.uid_mappings().as_ref())),
        "GidMap": lines(linux.and_then(|l| l.gid_mappings().as_ref())),
    })
}
