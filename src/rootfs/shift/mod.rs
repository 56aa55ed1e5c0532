//! ID-shifted copies of image layers, for containers whose user namespace is not the storage
//! one (`--userns=keep-id|auto`).
//!
//! Layers are unpacked in the storage namespace (container 0 = the user, 1..N = subordinate
//! IDs), so a file the image gives to UID 1000 belongs to host `subuid_start + 999`. A keep-id
//! or auto container maps that host ID to another container ID, so it would see the wrong
//! owners. As containers/storage does, such a container gets a copy of each layer whose owners
//! are moved to the host IDs *its* namespace shows as the image's owners: a file of image UID `u`
//! goes to the storage-namespace ID `relative(u)` (see `IdMappings::relative_to`).
//!
//! The copy is made once per (layer, mapping), inside the storage namespace (`engine
//! __shift-layers`, which may chown to any of the user's IDs), and kept next to the layer under
//! `layers/<chain>/shifted/<key>/diff`, so later containers with the same mapping reuse it and
//! it disappears with the layer. Copies for a per-container (auto) mapping go with the container.

mod cache;
mod copy;
mod id_shift;
mod xattrs;

#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

pub use cache::{give_dirs, layers_max_ids, mapping_key, shifted_layers};
pub use copy::{max_ids, shift_tree};
pub use id_shift::IdShift;

/// The hidden command that copies layers with shifted owners, in the storage namespace.
pub const SHIFT_COMMAND: &str = "__shift-layers";
/// The hidden command that prints the largest UID and GID owning a file in some layers.
pub const MAX_IDS_COMMAND: &str = "__layer-max-ids";

/// `engine __shift-layers --uids MAP --gids MAP [--give UID:GID:DIR]... [SRC DST]...`
#[derive(clap::Args, Debug)]
pub struct ShiftArgs {
    /// The relative UID map: CONTAINER:STORAGE:SIZE,... (storage-namespace IDs)
    #[arg(long)]
    pub uids: String,
    /// The relative GID map, as --uids
    #[arg(long)]
    pub gids: String,
    /// A directory to give to a container user (upper, work and rootfs dirs to its root, a
    /// fresh volume to its process user)
    #[arg(long, value_name = "UID:GID:DIR")]
    pub give: Vec<String>,
    /// Pairs of a layer's diff directory and the copy to make (which must not exist)
    pub pairs: Vec<PathBuf>,
}

/// Runs [`ShiftArgs`] (inside the storage namespace).
pub fn shift_command(args: ShiftArgs) -> Result<()> {
    let shift = IdShift::parse(&args.uids, &args.gids)?;
    if let [.., last] = args.pairs.as_slice()
        && !args.pairs.len().is_multiple_of(2)
    {
        bail!("{SHIFT_COMMAND}: {} has no destination", last.display());
    }
    for pair in args.pairs.chunks(2) {
        shift_tree(&pair[0], &pair[1], &shift)?;
    }
    args.give.iter().try_for_each(|gift| give(&shift, gift))
}

/// `--give` in the helper's form.
pub fn give_arg(uid: u32, gid: u32, dir: &Path) -> OsString {
    let mut arg = OsString::from(format!("--give={uid}:{gid}:"));
    arg.push(dir);
    arg
}

/// Chowns DIR of `UID:GID:DIR` to the storage IDs of the container's UID and GID.
fn give(shift: &IdShift, gift: &str) -> Result<()> {
    let mut parts = gift.splitn(3, ':');
    let (Some(Ok(uid)), Some(Ok(gid)), Some(dir)) = (
        parts.next().map(str::parse::<u32>),
        parts.next().map(str::parse::<u32>),
        parts.next(),
    ) else {
        bail!("{SHIFT_COMMAND}: bad --give {gift:?}: expected UID:GID:DIR");
    };
    let (uid, gid) = (shift.uid(uid), shift.gid(gid));
    rustix::fs::chown(dir, Some(uid_of(uid)), Some(gid_of(gid)))
        .with_context(|| format!("giving {dir} to the container's user ({uid}:{gid})"))
}

/// `engine __layer-max-ids DIR...`: prints `UID GID`, the largest owners found.
#[derive(clap::Args, Debug)]
pub struct MaxIdsArgs {
    /// Layer diff directories
    pub dirs: Vec<PathBuf>,
}

pub fn max_ids_command(args: MaxIdsArgs) -> Result<()> {
    let (mut uid, mut gid) = (0, 0);
    for dir in &args.dirs {
        let (u, g) = max_ids(dir)?;
        (uid, gid) = (uid.max(u), gid.max(g));
    }
    println!("{uid} {gid}");
    Ok(())
}

fn uid_of(id: u32) -> rustix::fs::Uid {
    rustix::fs::Uid::from_raw(id)
}

fn gid_of(id: u32) -> rustix::fs::Gid {
    rustix::fs::Gid::from_raw(id)
}
