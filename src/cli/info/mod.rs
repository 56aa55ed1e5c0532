//! `info`: the host, the store, the registries and the version, in podman's layout and field
//! names (so `--format '{{.Host.Kernel}}'` and scripts reading `--format json` work), plus
//! `warnings`: every missing rootless prerequisite with the command that fixes it.

mod checks;
mod host;
mod yaml;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use serde_json::{Value, json};

use super::Session;
use super::format::{OutputFormat, parse_format, render_one};
use crate::config::{ContainersConf, RegistriesConf, StorageConf};
use crate::container::state;
use crate::runtime::userns::{self, IdRange};
use crate::store::Store;
use checks::{Facts, Privilege};

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Output format: json or a Go template (default: YAML)
    #[arg(short, long)]
    pub format: Option<String>,
}

pub fn info(session: &Session, args: InfoArgs) -> Result<()> {
    let store = session.open_store()?;
    let (facts, driver) = gather_facts(session, &store);
    let mut report = json!({
        "host": host_section(session, &facts)?,
        "store": store_section(session, &store, &driver)?,
        "registries": registries_section(session)?,
        "version": super::docs::client_version(),
    });
    report["warnings"] = serde_json::to_value(checks::problems(&facts))?;
    let mut out = std::io::stdout().lock();
    match parse_format(args.format.as_deref()) {
        OutputFormat::Table => Ok(out.write_all(yaml::to_yaml(&report).as_bytes())?),
        format => render_one(&report, &format, &mut out),
    }
}

/// Everything the rootless checks need, and the storage driver the containers get.
fn gather_facts(session: &Session, store: &Store) -> (Facts, String) {
    let paths = &session.paths;
    let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(paths.uid))
        .ok()
        .flatten()
        .map_or_else(|| paths.uid.to_string(), |u| u.name);
    let (uid_file, gid_file) = (userns::subuid_file(), userns::subgid_file());
    let has = |file: &Path| {
        userns::subordinate_ranges(file, &user, paths.uid).is_ok_and(|r| !r.is_empty())
    };
    let tool =
        |name: &str, cap: u32| host::find(name).map(|p| (p.clone(), host::privilege(&p, cap)));
    let driver = storage_driver(session, store);
    let release = host::os_release(Path::new("/etc/os-release"));
    let distro_ids = release
        .get("ID")
        .into_iter()
        .chain(release.get("ID_LIKE"))
        .flat_map(|ids| ids.split_whitespace().map(String::from))
        .collect();
    let runtime_env = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    let facts = Facts {
        rootless: paths.rootless,
        distro_ids,
        has_subuids: has(&uid_file),
        has_subgids: has(&gid_file),
        free_subid_start: host::free_subid_start(&[&uid_file, &gid_file]),
        subuid_file: uid_file,
        subgid_file: gid_file,
        newuidmap: tool("newuidmap", 7),
        newgidmap: tool("newgidmap", 6),
        userns: host::userns_knobs(Path::new("/proc/sys")),
        root_propagation: std::fs::read_to_string("/proc/self/mountinfo")
            .ok()
            .and_then(|text| host::root_propagation(&text)),
        tun: host::device(Path::new("/dev/net/tun")),
        fuse: host::device(Path::new("/dev/fuse")),
        pasta: host::find("pasta"),
        slirp4netns: host::find("slirp4netns"),
        fuse_overlayfs: host::find("fuse-overlayfs"),
        native_overlay: driver.as_ref().ok().and_then(|(_, native)| *native),
        runtime_dir_fallback: (runtime_env.as_deref() != Some(paths.runtime_dir.as_path()))
            .then(|| paths.runtime_dir.clone()),
        user,
    };
    let driver = match driver {
        Ok((name, _)) => name,
        Err(e) => format!("none ({e:#})"),
    };
    (facts, driver)
}

/// The storage driver containers get, and whether native overlay works (None when forced).
fn storage_driver(session: &Session, store: &Store) -> Result<(String, Option<bool>)> {
    let forced = match &session.global.storage_driver {
        Some(driver) => Some(driver.clone()),
        None => StorageConf::load(&session.paths)?.driver,
    };
    let (mappings, _) = userns::rootless_mappings()?;
    let driver = crate::rootfs::driver::choose_driver(
        store.root(),
        &store.tmp_dir()?.join("overlay-probe"),
        forced.as_deref(),
        &mappings,
    )?;
    let native = forced.is_none().then_some(driver.as_str() == "overlay");
    Ok((driver.as_str().to_string(), native))
}

fn host_section(session: &Session, facts: &Facts) -> Result<Value> {
    let uname = rustix::system::uname();
    let release = host::os_release(Path::new("/etc/os-release"));
    let field = |key: &str| release.get(key).cloned().unwrap_or_default();
    let (mappings, _) = userns::rootless_mappings().unwrap_or((
        userns::IdMappings::single(session.paths.uid, nix::unistd::getegid().as_raw()),
        None,
    ));
    let id_map = |ranges: &[IdRange]| -> Vec<Value> {
        ranges
            .iter()
            .map(|r| json!({"container_id": r.container, "host_id": r.host, "size": r.size}))
            .collect()
    };
    let program = |path: &Option<PathBuf>| match path {
        Some(path) => json!({"executable": path, "version": host::version_of(path)}),
        None => json!({"executable": "", "version": ""}),
    };
    let id_tool = |tool: &Option<(PathBuf, Privilege)>| match tool {
        Some((path, privilege)) => json!({"executable": path, "privilege": privilege.describe()}),
        None => json!({"executable": "", "privilege": "none"}),
    };
    let conf = ContainersConf::load(&session.paths)?;
    let seccomp_enabled = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|status| status.lines().any(|l| l.starts_with("Seccomp:")));
    let apparmor = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|v| v.trim() == "Y");
    Ok(json!({
        "arch": crate::image::manifest::Platform::host().architecture,
        "os": std::env::consts::OS,
        "kernel": uname.release().to_string_lossy(),
        "hostname": uname.nodename().to_string_lossy(),
        "cpus": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "memTotal": std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| host::mem_total(&m)),
        "distribution": {
            "distribution": field("ID"),
            "version": field("VERSION_ID"),
            "codename": field("VERSION_CODENAME"),
        },
        "cgroupVersion": host::cgroup_version(Path::new("/sys/fs/cgroup")),
        "cgroupManager": session.global.cgroup_manager.as_deref().unwrap_or("cgroupfs"),
        "eventLogger": "none",
        "logDriver": "k8s-file",
        "ociRuntime": oci_runtime(session, &conf),
        "rootless": session.paths.rootless,
        "idMappings": {"uidmap": id_map(&mappings.uids), "gidmap": id_map(&mappings.gids)},
        "security": {
            "rootless": session.paths.rootless,
            "seccompEnabled": seccomp_enabled,
            "seccompProfilePath": conf.containers.seccomp_profile.unwrap_or_default(),
            "apparmorEnabled": apparmor,
            "selinuxEnabled": Path::new("/sys/fs/selinux/enforce").exists(),
        },
        "pasta": program(&facts.pasta),
        "slirp4netns": program(&facts.slirp4netns),
        "fuseOverlayfs": program(&facts.fuse_overlayfs),
        "newuidmap": id_tool(&facts.newuidmap),
        "newgidmap": id_tool(&facts.newgidmap),
    }))
}

/// The OCI runtime containers run with: the built-in one unless `--runtime` or
/// containers.conf name another.
fn oci_runtime(session: &Session, conf: &ContainersConf) -> Value {
    let name = session
        .global
        .runtime
        .as_deref()
        .or(conf.engine.runtime.as_deref());
    match name {
        None | Some("" | "engine" | "builtin") => json!({
            "name": "builtin",
            "path": std::env::current_exe().unwrap_or_default(),
            "version": format!("engine {}", env!("CARGO_PKG_VERSION")),
        }),
        Some(name) => match crate::runtime::external::find_runtime(name) {
            Ok(path) => json!({"name": name, "version": host::version_of(&path), "path": path}),
            Err(e) => json!({"name": name, "path": "", "version": format!("unavailable: {e}")}),
        },
    }
}

fn store_section(session: &Session, store: &Store, driver: &str) -> Result<Value> {
    let containers = state::list(store)?;
    let running = containers.iter().filter(|c| state::is_running(c)).count();
    let storage_conf = StorageConf::load(&session.paths)?;
    // Volumes live in <store>/volumes/NAME/_data.
    let volume_path = store
        .volume_path("x")
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf);
    Ok(json!({
        "configFile": storage_conf.file.unwrap_or_default(),
        "graphRoot": store.root(),
        "runRoot": session.run_root(),
        "graphDriverName": driver,
        "imageStore": {"number": store.images()?.len()},
        "containerStore": {
            "number": containers.len(),
            "running": running,
            "paused": 0,
            "stopped": containers.len() - running,
        },
        "volumePath": volume_path,
        "volumeStore": {"number": store.volumes()?.len()},
    }))
}

/// podman's `registries`: `search`, then each `[[registry]]` under its prefix.
fn registries_section(session: &Session) -> Result<Value> {
    let conf = RegistriesConf::load(&session.paths)?;
    let mut section = serde_json::Map::new();
    if !conf.unqualified_search_registries.is_empty() {
        section.insert("search".into(), json!(conf.unqualified_search_registries));
    }
    for registry in &conf.registries {
        let mirrors: Vec<Value> = registry
            .mirrors
            .iter()
            .map(|m| json!({"Location": m.location, "Insecure": m.insecure}))
            .collect();
        section.insert(
            registry.prefix.clone(),
            json!({
                "Prefix": registry.prefix,
                "Location": registry.location,
                "Insecure": registry.insecure,
                "Blocked": registry.blocked,
                "MirrorByDigestOnly": registry.mirror_by_digest_only,
                "Mirrors": mirrors,
            }),
        );
    }
    Ok(Value::Object(section))
}
