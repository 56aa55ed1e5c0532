//! Hidden commands the engine runs as its own helpers; not for users.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::rootfs::unpack::{UnpackOptions, WhiteoutFormat, unpack_layer, unpack_layer_recording};

#[derive(Args, Debug)]
pub struct UnpackLayerArgs {
    /// Keep going when a file's owner cannot be set (single-id user namespace)
    #[arg(long)]
    pub ignore_chown_errors: bool,
    /// Namespace of the overlay xattrs: user.overlay. (rootless) or trusted.overlay.
    #[arg(long)]
    pub xattr_prefix: String,
    /// Record the layer's tar-split into this new file (kept only when complete)
    #[arg(long)]
    pub tar_split: Option<PathBuf>,
    /// The empty directory to unpack into
    pub dir: PathBuf,
}

/// Unpacks the tar stream on stdin into `dir` and prints what was skipped as JSON.
pub fn unpack_layer_command(args: UnpackLayerArgs) -> Result<()> {
    let xattr_prefix = match args.xattr_prefix.as_str() {
        "user.overlay." => "user.overlay.",
        "trusted.overlay." => "trusted.overlay.",
        other => bail!("unknown overlay xattr prefix {other:?}"),
    };
    let opts = UnpackOptions {
        whiteouts: WhiteoutFormat::Overlay { xattr_prefix },
        ignore_chown_errors: args.ignore_chown_errors,
    };
    crate::rootfs::unpacker::cap_child_memory()?;
    let stdin = std::io::stdin().lock();
    let stats = match &args.tar_split {
        None => unpack_layer(stdin, &args.dir, &opts)?,
        Some(path) => {
            let file = std::fs::File::create_new(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let (mut stats, complete) = unpack_layer_recording(stdin, &args.dir, &opts, file)?;
            if !complete {
                std::fs::remove_file(path)
                    .with_context(|| format!("removing {}", path.display()))?;
                stats.skipped.push(
                    "the tar-split: the layer replaces one of its own files, so its exact tar \
                     cannot be rebuilt (push and save will ask to pull it again)"
                        .to_string(),
                );
            }
            stats
        }
    };
    println!("{}", serde_json::to_string(&stats.skipped)?);
    Ok(())
}

#[derive(Args, Debug)]
pub struct OverlayProbeArgs {
    /// An empty scratch directory
    pub dir: PathBuf,
}

/// Mounts overlay in `dir` as containers will (with `userxattr` in a user namespace).
pub fn overlay_probe_command(args: OverlayProbeArgs) -> Result<()> {
    crate::runtime::overlay_probe::probe_overlay(&args.dir, crate::util::proc::in_user_namespace())
}

#[derive(Args, Debug)]
pub struct VfsCopyArgs {
    /// Namespace of the overlay xattrs in the layers: user.overlay. or trusted.overlay.
    pub xattr_prefix: String,
    /// The empty root directory to fill
    pub rootfs: PathBuf,
    /// Layer directories, bottom first
    pub layers: Vec<PathBuf>,
}

/// Fills `rootfs` with a copy of `layers` (the vfs driver), inside the user namespace.
pub fn vfs_copy_command(args: VfsCopyArgs) -> Result<()> {
    let layers: Vec<&std::path::Path> = args.layers.iter().map(|p| p.as_path()).collect();
    crate::rootfs::vfs::copy_layers(&args.rootfs, &layers, &args.xattr_prefix)
}
