//! The spec's mount list: kernel filesystems, the generated /etc files, `--read-only` tmpfs,
//! the init binary and the user's mounts, merged so that the user's win and parents are mounted
//! before their children.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use oci_spec::runtime::Mount;

use super::defaults::{INIT_DESTINATION, INIT_SEARCH_PATHS, mount};
use super::etc_files::EtcFiles;
use super::mount_options::PROPAGATIONS;
use super::mount_request::MountRequest;

/// Where `--read-only` puts writable tmpfs, like podman's `--read-only-tmpfs`.
const READ_ONLY_TMPFS: [&str; 3] = ["/tmp", "/var/tmp", "/run"];

/// Binds of the generated /etc files from the bundle (those `files` generates). A read-only
/// container gets them read-only too.
pub fn etc_file_mounts(bundle: &Path, read_only: bool, files: &EtcFiles) -> Result<Vec<Mount>> {
    let mut options = vec!["bind", "rprivate"];
    if read_only {
        options.extend(["ro", "nosuid", "noexec", "nodev"]);
    }
    files
        .mounted()
        .iter()
        .map(|(dest, file)| mount(dest, "bind", &bundle.join(file).to_string_lossy(), &options))
        .collect()
}

/// tmpfs on /tmp, /var/tmp and /run for `--read-only`, seeded with the image's content.
pub fn read_only_tmpfs_mounts() -> Result<Vec<Mount>> {
    READ_ONLY_TMPFS
        .iter()
        .map(|dest| {
            mount(
                dest,
                "tmpfs",
                "tmpfs",
                &["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"],
            )
        })
        .collect()
}

/// The init binary for `--init`: the given path, else the first catatonit found.
pub fn init_binary(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        if !path.is_file() {
            bail!(
                "--init: init binary {} does not exist: install catatonit or fix --init-path \
                 (containers.conf init_path)",
                path.display()
            );
        }
        return Ok(path.to_path_buf());
    }
    match INIT_SEARCH_PATHS
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
    {
        Some(found) => Ok(found.to_path_buf()),
        None => bail!(
            "--init: no init binary found in {}: install catatonit or set --init-path",
            INIT_SEARCH_PATHS.join(", ")
        ),
    }
}

pub fn init_mount(binary: &Path) -> Result<Mount> {
    mount(
        INIT_DESTINATION,
        "bind",
        &binary.to_string_lossy(),
        &["bind", "ro", "rprivate"],
    )
}

/// The user's mounts as spec entries; sources must exist and destinations be unique.
pub fn user_mounts(requests: &[MountRequest]) -> Result<Vec<Mount>> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for request in requests {
        let dest = request.destination();
        if seen.contains(&dest) {
            bail!("two mounts target {dest}: keep one of them");
        }
        seen.push(dest);
        out.push(user_mount(request)?);
    }
    Ok(out)
}

fn user_mount(request: &MountRequest) -> Result<Mount> {
    match request {
        MountRequest::Bind {
            source,
            destination,
            read_only,
            recursive,
            options,
            ..
        } => {
            if !source.exists() {
                bail!(
                    "bind mount source {} (for {destination}) does not exist: create it or fix \
                     the path",
                    source.display()
                );
            }
            let kind = if *recursive { "rbind" } else { "bind" };
            bind_mount(source, destination, kind, *read_only, options)
        }
        MountRequest::Volume {
            name,
            source,
            destination,
            read_only,
            options,
            ..
        } => {
            if !source.is_dir() {
                bail!(
                    "volume {name} has no directory at {} (for {destination}): recreate the volume",
                    source.display()
                );
            }
            bind_mount(source, destination, "rbind", *read_only, options)
        }
        MountRequest::Tmpfs {
            destination,
            options,
        } => {
            let options: Vec<&str> = options.iter().map(String::as_str).collect();
            mount(destination, "tmpfs", "tmpfs", &options)
        }
    }
}

fn bind_mount(
    source: &Path,
    destination: &str,
    kind: &str,
    read_only: bool,
    extra: &[String],
) -> Result<Mount> {
    let mut options = vec![kind, if read_only { "ro" } else { "rw" }];
    // Mount events must not leak between host and container unless asked for.
    if !extra.iter().any(|o| PROPAGATIONS.contains(&o.as_str())) {
        options.push("rprivate");
    }
    options.extend(extra.iter().map(String::as_str));
    mount(destination, "bind", &source.to_string_lossy(), &options)
}

/// Merges the engine's mounts with the user's: a user mount replaces any engine mount with the
/// same destination (a user /dev also replaces everything under /dev), then all are ordered by
/// depth so a parent is mounted before what goes inside it.
pub fn merge(engine: Vec<Mount>, user: Vec<Mount>) -> Vec<Mount> {
    let user_dests: Vec<PathBuf> = user.iter().map(|m| m.destination().clone()).collect();
    let user_dev = user_dests.iter().any(|d| d == Path::new("/dev"));
    let mut all: Vec<Mount> = engine
        .into_iter()
        .filter(|m| {
            let dest = m.destination();
            let replaced = user_dests.contains(dest) || (user_dev && dest.starts_with("/dev"));
            !replaced
        })
        .chain(user)
        .collect();
    all.sort_by_key(|m| m.destination().components().count());
    all
}
