//! Creating a container: its record, its bundle (config.json, rootfs/, upper/, work/, the
//! generated /etc files) and the rootfs recipe, from a stored image and the run options.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use oci_spec::image::ImageConfiguration;
use oci_spec::runtime::{LinuxIdMapping, LinuxIdMappingBuilder};

use super::{names, userns};
use crate::network::port_check::resolve_ports;
use crate::rootfs::driver::choose_driver;
use crate::rootfs::image_files::read_image_file;
use crate::rootfs::vfs::VFS_COPY_COMMAND;
use crate::runtime::userns::{IdMappings, IdRange, UsernsCommand};
use crate::spec::{self, HostContext, RootfsDriver, RootfsRecipe, RunOptions, SpecInputs};
use crate::store::{ContainerRecord, ContainerStatus, ImageRecord, RunSettings, Store};

/// What the container's root filesystem is made of.
pub enum RootfsSource {
    /// A stored image: its unpacked layers.
    Image(Box<ImageRecord>),
    /// `--rootfs DIR`: an exploded root filesystem, used read-only as the single lower dir so the
    /// directory itself is never changed.
    Directory(PathBuf),
}

/// What creating a container needs besides the store.
pub struct CreateRequest<'a> {
    pub source: &'a RootfsSource,
    /// The image as the user named it (shown by `ps`).
    pub image_name: &'a str,
    /// `--name`; a docker-style name is generated when absent.
    pub name: Option<String>,
    pub options: RunOptions,
    /// `--storage-driver` or storage.conf; automatic when absent.
    pub storage_driver: Option<String>,
    pub rootless: bool,
    pub mappings: &'a IdMappings,
    /// How it runs; an empty `stop_signal` takes the image's.
    pub settings: RunSettings,
    /// The engine command line that asked for it.
    pub create_command: Vec<String>,
}

/// A created container and where its bundle is.
pub struct Created {
    pub record: ContainerRecord,
    pub bundle: PathBuf,
}

pub fn create(store: &Store, req: CreateRequest<'_>) -> Result<Created> {
    let id = names::random_id()?;
    let name = match &req.name {
        Some(n) => names::check_name(n)?,
        None => names::generated_name(&id),
    };
    let mut options = req.options;
    options.container_id = id.clone();
    options.container_name = name.clone();

    // Layer dirs bottom first; the recipe reverses them into overlay's top-first order.
    let (image_config, layers, image_id, chains) = match req.source {
        RootfsSource::Image(image) => {
            // A concurrent rmi may have removed the image since the caller found it.
            let config_bytes = store.read_blob(&image.config_digest).map_err(|e| {
                match store.find_image(&image.id) {
                    Ok(None) => anyhow!(
                        "image {} was removed by another command while the container was being created; pull it again",
                        req.image_name
                    ),
                    _ => e,
                }
            })?;
            let config: ImageConfiguration =
                serde_json::from_slice(&config_bytes).with_context(|| {
                    format!(
                        "image config {} is corrupt; pull the image again",
                        image.config_digest
                    )
                })?;
            let layers: Vec<PathBuf> = image
                .layers
                .iter()
                .map(|l| store.layer_diff(&l.chain_id))
                .collect();
            let chains = image.layers.iter().map(|l| l.chain_id.clone()).collect();
            (config, layers, image.id.clone(), chains)
        }
        RootfsSource::Directory(dir) => (
            ImageConfiguration::default(),
            vec![dir.clone()],
            String::new(),
            Vec::new(),
        ),
    };
    // Host ports are chosen and checked free now: a port in use fails before anything starts,
    // and `ps` and `port` show the mappings from the start.
    let exposed = image_config
        .config()
        .as_ref()
        .and_then(|c| c.exposed_ports().clone())
        .unwrap_or_default();
    options.network.ports = resolve_ports(&options.publish, options.publish_all, &exposed)?;
    let driver = choose_driver(
        store.root(),
        &store.tmp_dir()?.join("overlay-probe"),
        req.storage_driver.as_deref(),
        req.mappings,
    )?;

    let record = ContainerRecord {
        id: id.clone(),
        name,
        image_id,
        image_name: req.image_name.to_string(),
        command: Vec::new(),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        labels: options.labels.iter().cloned().collect(),
        layers: chains,
        volumes: options
            .mounts
            .iter()
            .filter_map(|m| match m {
                spec::MountRequest::Volume { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect(),
        rootfs_driver: driver.as_str().to_string(),
        status: ContainerStatus::Created,
        settings: RunSettings {
            // The image's STOPSIGNAL unless the user chose one.
            stop_signal: match req.settings.stop_signal.as_str() {
                "" => image_config
                    .config()
                    .as_ref()
                    .and_then(|c| c.stop_signal().clone())
                    .unwrap_or_else(|| "SIGTERM".into()),
                chosen => chosen.to_string(),
            },
            network: options.network.clone(),
            ..req.settings
        },
        create_command: req.create_command,
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
    };
    let opaque = match req.rootless {
        true => "user.overlay.opaque",
        false => "trusted.overlay.opaque",
    };
    let account = |path: &str| {
        read_image_file(&layers, path, opaque).map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let (passwd, group) = (account("/etc/passwd"), account("/etc/group"));
    let from_image = !record.layers.is_empty();
    let userns_plan = userns::plan(
        options.userns,
        req.rootless,
        req.mappings,
        (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        ),
        if from_image { &layers } else { &[] },
        [passwd.as_deref(), group.as_deref()],
    )?;
    let mut record = record;
    let mut own_mappings = None;
    let bundle = store.create_container_with(&mut record, |existing, rec| {
        own_mappings = userns_plan.assign(req.mappings, existing, rec)?;
        Ok(())
    })?;
    let result = own_mappings
        .as_ref()
        .map_or(Ok(layers.clone()), |mappings| {
            let mode = record.userns.as_ref().map_or("", |u| u.mode.as_str());
            let directory = layers.first().filter(|_| !from_image).map(PathBuf::as_path);
            userns::prepare_rootfs(
                store,
                &bundle,
                req.mappings,
                mappings,
                &record.layers,
                directory,
                mode,
            )
        })
        .and_then(|lowers| {
            write_bundle(
                &bundle,
                &image_config,
                &options,
                &lowers,
                driver,
                req.rootless,
                [req.mappings, own_mappings.as_ref().unwrap_or(req.mappings)],
            )
        })
        .and_then(|command| match &own_mappings {
            Some(mappings) => {
                userns::give_fresh_volumes(&bundle, req.mappings, mappings, &options.mounts)
                    .map(|()| command)
            }
            None => Ok(command),
        });
    // A concurrent `rm` of the new name may remove the container under our feet: say so
    // rather than report the files or the record that vanished.
    let removed_meanwhile = || anyhow!("container {} was removed before it started", record.name);
    match result {
        Ok(command) => {
            let record = store
                .update_container(&id, |r| r.command = command)
                .map_err(|e| match store.container_dir(&id).exists() {
                    true => e,
                    false => removed_meanwhile(),
                })?;
            Ok(Created { record, bundle })
        }
        Err(_) if !store.container_dir(&id).exists() => Err(removed_meanwhile()),
        Err(e) => {
            let _ = store.remove_container(&id);
            Err(e)
        }
    }
}

/// Writes config.json and the /etc files; returns the container's command line.
fn write_bundle(
    bundle: &Path,
    image_config: &ImageConfiguration,
    options: &RunOptions,
    layers: &[PathBuf],
    driver: RootfsDriver,
    rootless: bool,
    [storage, mappings]: [&IdMappings; 2],
) -> Result<Vec<String>> {
    let (upper, work) = (bundle.join("upper"), bundle.join("work"));
    for dir in [bundle.join("rootfs"), upper.clone(), work.clone()] {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let prefix = if rootless {
        "user.overlay."
    } else {
        "trusted.overlay."
    };
    let opaque = format!("{prefix}opaque");
    let recipe = match driver {
        RootfsDriver::Vfs => {
            copy_for_vfs(&bundle.join("rootfs"), layers, prefix, storage)?;
            RootfsRecipe::vfs()
        }
        _ => RootfsRecipe {
            driver,
            lowerdirs: layers.iter().rev().cloned().collect(),
            upperdir: Some(upper),
            workdir: Some(work),
        },
    };
    let opaque = opaque.as_str();
    let image_files = |path: &str| read_image_file(layers, path, opaque);
    let host = HostContext::current(rootless)?;
    let caps = spec::bounding_capabilities(options, &host)?;
    let seccomp = spec::seccomp::load_profile(&options.effective_seccomp(), &caps)?;
    let (uid_mappings, gid_mappings) = if rootless {
        (oci_mappings(&mappings.uids)?, oci_mappings(&mappings.gids)?)
    } else {
        (Vec::new(), Vec::new())
    };
    let generated = spec::build_spec(&SpecInputs {
        image: image_config,
        options,
        image_files: &image_files,
        host: &host,
        uid_mappings: &uid_mappings,
        gid_mappings: &gid_mappings,
        seccomp,
        rootfs: &recipe,
        bundle,
    })?;
    generated.etc_files.write_to(bundle)?;
    let config = bundle.join("config.json");
    generated
        .spec
        .save(&config)
        .map_err(|e| anyhow!("writing {}: {e}", config.display()))?;
    Ok(generated
        .spec
        .process()
        .as_ref()
        .and_then(|p| p.args().clone())
        .unwrap_or_default())
}

/// The vfs driver's full copy of the layers, made in the user namespace so owners are kept.
fn copy_for_vfs(
    rootfs: &Path,
    layers: &[PathBuf],
    prefix: &str,
    mappings: &IdMappings,
) -> Result<()> {
    let mut args: Vec<std::ffi::OsString> =
        vec![VFS_COPY_COMMAND.into(), prefix.into(), rootfs.into()];
    args.extend(layers.iter().map(|l| l.clone().into_os_string()));
    let output = UsernsCommand::new("/proc/self/exe", args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn(mappings)
        .context("starting the vfs copy")?
        .wait_with_output()
        .context("waiting for the vfs copy")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("{}", stderr.trim().trim_start_matches("Error: "));
    }
    Ok(())
}

fn oci_mappings(ranges: &[IdRange]) -> Result<Vec<LinuxIdMapping>> {
    ranges
        .iter()
        .map(|r| {
            LinuxIdMappingBuilder::default()
                .container_id(r.container)
                .host_id(r.host)
                .size(r.size)
                .build()
                .map_err(|e| anyhow!("id mapping {r:?}: {e}"))
        })
        .collect()
}
