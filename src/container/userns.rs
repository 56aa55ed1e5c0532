//! A new container's user namespace with `--userns=keep-id|auto`: its ID maps (an auto range
//! chosen under the store lock), and root filesystem parts whose owners match them (the
//! image's layers shifted, upper and work dirs given to the container's root).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::rootfs::shift::{give_dirs, layers_max_ids, mapping_key, shifted_layers};
use crate::runtime::builtin::start_gate::{EXEC_FIFO, READY_FIFO};
use crate::runtime::userns::IdMappings;
use crate::spec::{MountRequest, UsernsMode};
use crate::store::{ContainerRecord, Store, UsernsRecord, auto_ranges, free_range};
use crate::util::digest::Digest;

/// podman's smallest automatic range (containers.conf `auto_userns_min_size`).
pub const AUTO_MIN_SIZE: u32 = 1024;
/// The ID of `nobody`, which podman leaves out when sizing a range from /etc/passwd.
const NOBODY: u32 = 65534;

/// What the container's namespace will be, before its record exists.
pub enum Plan {
    /// The storage layout: nothing to do.
    Storage,
    /// keep-id: known now, and the same for every keep-id container of the user.
    Fixed { mode: String, mappings: IdMappings },
    /// auto: `size` IDs, placed when the record is written.
    Auto { mode: String, size: u32 },
}

/// The plan for `mode` (rootless only: as root the storage layout is the host's). `layers`
/// are the image's (for auto's default size) and `passwd`/`group` its files.
pub fn plan(
    mode: UsernsMode,
    rootless: bool,
    storage: &IdMappings,
    host_ids: (u32, u32),
    layers: &[PathBuf],
    accounts: [Option<&str>; 2],
) -> Result<Plan> {
    match mode {
        UsernsMode::Default | UsernsMode::Host => Ok(Plan::Storage),
        _ if !rootless => anyhow::bail!(
            "--userns={} is only supported rootless: as root, leave --userns out",
            mode_text(mode)
        ),
        UsernsMode::KeepId { uid, gid } => {
            let inside = (uid.unwrap_or(host_ids.0), gid.unwrap_or(host_ids.1));
            Ok(Plan::Fixed {
                mode: mode_text(mode),
                mappings: storage.keep_id(inside)?,
            })
        }
        UsernsMode::Auto { size } => {
            let size = match size {
                Some(size) => size,
                None => auto_size(layers, storage, accounts)?,
            };
            Ok(Plan::Auto {
                mode: mode_text(mode),
                size,
            })
        }
    }
}

/// podman's default auto size: the largest ID the image's files and accounts use, plus one,
/// and at least [`AUTO_MIN_SIZE`].
fn auto_size(layers: &[PathBuf], storage: &IdMappings, accounts: [Option<&str>; 2]) -> Result<u32> {
    let (uid, gid) = match layers {
        [] => (0, 0),
        _ => layers_max_ids(layers, storage)?,
    };
    let listed = accounts
        .iter()
        .flatten()
        .flat_map(|text| text.lines())
        .filter_map(|line| line.split(':').nth(2)?.parse::<u32>().ok())
        .filter(|id| *id != NOBODY)
        .max()
        .unwrap_or(0);
    Ok(uid
        .max(gid)
        .max(listed)
        .saturating_add(1)
        .max(AUTO_MIN_SIZE))
}

impl Plan {
    /// Fills in `rec.userns` from the existing containers (an auto range free of theirs) and
    /// returns the container's maps; `None` for the storage layout.
    pub fn assign(
        &self,
        storage: &IdMappings,
        existing: &[ContainerRecord],
        rec: &mut ContainerRecord,
    ) -> Result<Option<IdMappings>> {
        let (mode, mappings, auto_range) = match self {
            Plan::Storage => return Ok(None),
            Plan::Fixed { mode, mappings } => (mode, mappings.clone(), None),
            Plan::Auto { mode, size } => {
                let total = storage.subordinate_count();
                let offset = free_range(&auto_ranges(existing), *size, total)?;
                (mode, storage.auto(offset, *size)?, Some((offset, *size)))
            }
        };
        let relative = mappings.relative_to(storage)?;
        rec.userns = Some(UsernsRecord {
            mode: mode.clone(),
            auto_range,
            shift_key: mapping_key(&relative),
            private_copies: auto_range.is_some(),
        });
        Ok(Some(mappings))
    }
}

/// Makes the container's lower dirs for `mappings`: the image's layers shifted (`chains`), or
/// `directory` (`--rootfs`) as it is; gives the bundle's rootfs, upper and work dirs to the
/// container's root.
pub fn prepare_rootfs(
    store: &Store,
    bundle: &Path,
    storage: &IdMappings,
    mappings: &IdMappings,
    chains: &[Digest],
    directory: Option<&Path>,
    mode: &str,
) -> Result<Vec<PathBuf>> {
    let root_owned: Vec<PathBuf> = ["rootfs", "upper", "work"]
        .iter()
        .map(|d| bundle.join(d))
        .collect();
    for dir in &root_owned {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
    }
    let note = format!(
        "Copying the image's layers with the owners --userns={mode} needs (once per image and \
         ID mapping; this can take a while)"
    );
    let relative = mappings.relative_to(storage)?;
    let lowers = shifted_layers(store, chains, storage, &relative, &root_owned, &note)?;
    Ok(match directory {
        Some(dir) => vec![dir.to_path_buf()],
        None => lowers,
    })
}

/// podman's first-use chown of named volumes: a fresh one (empty, still the user's) goes to
/// the container's process user (config.json in `bundle`) when that is not the user.
pub fn give_fresh_volumes(
    bundle: &Path,
    storage: &IdMappings,
    mappings: &IdMappings,
    mounts: &[MountRequest],
) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let (me, my_group) = (
        nix::unistd::geteuid().as_raw(),
        nix::unistd::getegid().as_raw(),
    );
    let fresh: Vec<PathBuf> = mounts
        .iter()
        .filter_map(|m| match m {
            MountRequest::Volume { source, .. } => Some(source.clone()),
            _ => None,
        })
        .filter(|dir| {
            let ours = std::fs::metadata(dir).is_ok_and(|m| m.uid() == me && m.gid() == my_group);
            ours && std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
        })
        .collect();
    if fresh.is_empty() {
        return Ok(());
    }
    let config = bundle.join("config.json");
    let spec = oci_spec::runtime::Spec::load(&config)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", config.display()))?;
    let user = spec
        .process()
        .as_ref()
        .map(|p| p.user().clone())
        .unwrap_or_default();
    let (uid, gid) = (user.uid(), user.gid());
    if mappings.host_uid(uid) == Some(me) && mappings.host_gid(gid) == Some(my_group) {
        return Ok(());
    }
    give_dirs(&fresh, (uid, gid), storage, &mappings.relative_to(storage)?)
}

/// PID 1 of an auto container runs as a subordinate ID that is a stranger to the user's files,
/// so the start gate's fifos in the bundle must let others write. Only the user can reach them
/// (the store is closed to others): PID 1 gets them opened by the user namespace helper.
pub fn open_gate_to_container_root(bundle: &Path, mappings: &IdMappings) -> Result<()> {
    let own = nix::unistd::geteuid().as_raw();
    if mappings
        .uids
        .iter()
        .any(|r| own >= r.host && own - r.host < r.size)
    {
        return Ok(());
    }
    for fifo in [EXEC_FIFO, READY_FIFO] {
        let path = bundle.join(fifo);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o602))
            .map_err(|e| anyhow::anyhow!("chmod o+w {}: {e}", path.display()))?;
    }
    Ok(())
}

/// `keep-id`, `keep-id:uid=N,gid=N`, `auto`, `auto:size=N`.
fn mode_text(mode: UsernsMode) -> String {
    let options = |pairs: &[(&str, Option<u32>)]| {
        pairs
            .iter()
            .filter_map(|(key, value)| Some(format!("{key}={}", (*value)?)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (name, options) = match mode {
        UsernsMode::KeepId { uid, gid } => ("keep-id", options(&[("uid", uid), ("gid", gid)])),
        UsernsMode::Auto { size } => ("auto", options(&[("size", size)])),
        UsernsMode::Default => ("", String::new()),
        UsernsMode::Host => ("host", String::new()),
    };
    match options.is_empty() {
        true => name.to_string(),
        false => format!("{name}:{options}"),
    }
}
