//! The store's shifted copies: found by (chain ID, mapping key), made where missing.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};

use super::{IdShift, MAX_IDS_COMMAND, SHIFT_COMMAND, give_arg};
use crate::runtime::userns::{IdMappings, UsernsCommand};
use crate::store::Store;
use crate::util::digest::Digest;

/// Names a mapping's copies: a digest of the relative map, short enough for overlay's options.
pub fn mapping_key(relative: &IdMappings) -> String {
    let text = format!(
        "uids {}\ngids {}\n",
        IdShift::format(&relative.uids),
        IdShift::format(&relative.gids)
    );
    Digest::of(text.as_bytes()).hex()[..16].to_string()
}

/// The lower dirs (bottom first) of a container whose layout is `relative` to the storage
/// namespace `storage`: the layers themselves when nothing moves, else their shifted copies,
/// made now where missing (`note` is printed first then: copying takes a while). The
/// `root_owned` directories (upper, work, rootfs) are given to the container's root.
pub fn shifted_layers(
    store: &Store,
    chains: &[Digest],
    storage: &IdMappings,
    relative: &IdMappings,
    root_owned: &[PathBuf],
    note: &str,
) -> Result<Vec<PathBuf>> {
    let shift = IdShift::new(relative);
    if shift.is_identity() {
        return Ok(chains.iter().map(|c| store.layer_diff(c)).collect());
    }
    let key = mapping_key(relative);
    let missing: Vec<&Digest> = chains
        .iter()
        .filter(|c| !store.shifted_layer(c, &key).join("diff").is_dir())
        .collect();
    let staging = store.tmp_dir()?.join(format!("shift-{key}"));
    let mut pairs: Vec<OsString> = Vec::new();
    if !missing.is_empty() {
        eprintln!("{note}");
        std::fs::create_dir_all(&staging)
            .with_context(|| format!("creating {}", staging.display()))?;
        for chain in &missing {
            let copy = staging.join(chain.hex());
            std::fs::create_dir(&copy).with_context(|| format!("creating {}", copy.display()))?;
            pairs.push(store.layer_diff(chain).into());
            pairs.push(copy.join("diff").into());
        }
    }
    let mut args: Vec<OsString> = vec![
        SHIFT_COMMAND.into(),
        format!("--uids={}", IdShift::format(&relative.uids)).into(),
        format!("--gids={}", IdShift::format(&relative.gids)).into(),
    ];
    args.extend(root_owned.iter().map(|dir| give_arg(0, 0, dir)));
    args.push("--".into());
    args.extend(pairs);
    run_helper(args, storage).context("making ID-shifted copies of the image's layers")?;
    for chain in missing {
        let target = store.shifted_layer(chain, &key);
        let parent = target.parent().unwrap_or(Path::new("/"));
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        // A concurrent container with the same mapping may have published its copy first;
        // ours then stays in the tmp dir, which goes with this process's store.
        if let Err(e) = std::fs::rename(staging.join(chain.hex()), &target)
            && !target.join("diff").is_dir()
        {
            return Err(e).with_context(|| format!("moving the copy to {}", target.display()));
        }
    }
    Ok(chains
        .iter()
        .map(|c| store.shifted_layer(c, &key).join("diff"))
        .collect())
}

/// The largest UID and GID owning a file of `layers`, as the storage namespace sees them.
pub fn layers_max_ids(layers: &[PathBuf], storage: &IdMappings) -> Result<(u32, u32)> {
    let mut args: Vec<OsString> = vec![MAX_IDS_COMMAND.into()];
    args.extend(layers.iter().map(|l| l.clone().into_os_string()));
    let stdout = run_helper(args, storage).context("finding the IDs the image's files use")?;
    let text = String::from_utf8_lossy(&stdout);
    let mut numbers = text.split_whitespace().map(str::parse::<u32>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(uid)), Some(Ok(gid))) => Ok((uid, gid)),
        _ => bail!("{MAX_IDS_COMMAND} printed {:?}, not `UID GID`", text.trim()),
    }
}

/// Runs the engine's `args` in the storage namespace; its stdout, or its error line.
fn run_helper(args: Vec<OsString>, storage: &IdMappings) -> Result<Vec<u8>> {
    let output = UsernsCommand::new("/proc/self/exe", args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn(storage)?
        .wait_with_output()
        .context("waiting for the engine's helper")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("{}", stderr.trim().trim_start_matches("Error: "));
    }
    Ok(output.stdout)
}

/// Gives each of `dirs` to the container's `uid`:`gid` (`relative` to `storage`).
pub fn give_dirs(
    dirs: &[PathBuf],
    (uid, gid): (u32, u32),
    storage: &IdMappings,
    relative: &IdMappings,
) -> Result<()> {
    let mut args: Vec<OsString> = vec![
        SHIFT_COMMAND.into(),
        format!("--uids={}", IdShift::format(&relative.uids)).into(),
        format!("--gids={}", IdShift::format(&relative.gids)).into(),
    ];
    args.extend(dirs.iter().map(|dir| give_arg(uid, gid, dir)));
    run_helper(args, storage).context("giving volumes to the container's user")?;
    Ok(())
}
