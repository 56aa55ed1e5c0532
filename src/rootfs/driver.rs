//! Choosing how a container's root filesystem is assembled from its layers: native overlayfs
//! when the kernel allows it in a user namespace, else fuse-overlayfs, else a full copy (vfs).
//! A fallback is announced
//! loudly: silently running on a slow driver is a top complaint of podman users.
//!
//! The probe really mounts overlay in the user namespace (see `runtime::overlay_probe`) and its
//! verdict is cached per kernel release in `<store>/overlay-probe.json`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::runtime::userns::{IdMappings, UsernsCommand};
use crate::spec::RootfsDriver;
use crate::util::fs::write_atomic;

/// The hidden command that runs the probe inside the user namespace.
pub const PROBE_COMMAND: &str = "__overlay-probe";

const CACHE_FILE: &str = "overlay-probe.json";

#[derive(Serialize, Deserialize)]
struct ProbeResult {
    kernel: String,
    error: Option<String>,
}

/// Parses `--storage-driver` / storage.conf `driver`.
pub fn parse_driver(name: &str) -> Result<RootfsDriver> {
    match name {
        "overlay" | "overlay2" => Ok(RootfsDriver::Overlay),
        "fuse-overlayfs" => Ok(RootfsDriver::FuseOverlayfs),
        "vfs" => Ok(RootfsDriver::Vfs),
        other => bail!("unknown storage driver {other:?}: use overlay, fuse-overlayfs or vfs"),
    }
}

/// The driver to use: the forced one, else native overlay if the probe passes, else
/// fuse-overlayfs with a warning, else an error saying what to install.
pub fn choose_driver(
    store_root: &Path,
    scratch: &Path,
    forced: Option<&str>,
    mappings: &IdMappings,
) -> Result<RootfsDriver> {
    if let Some(name) = forced {
        let driver = parse_driver(name)?;
        if driver == RootfsDriver::FuseOverlayfs && fuse_overlayfs().is_none() {
            bail!(
                "storage driver fuse-overlayfs requested but the fuse-overlayfs program is not installed (Debian package fuse-overlayfs)"
            );
        }
        return Ok(driver);
    }
    let error = match cached_probe(store_root)? {
        Some(result) => result.error,
        None => {
            let error = run_probe(scratch, mappings)?;
            let result = ProbeResult {
                kernel: kernel_release(),
                error: error.clone(),
            };
            write_atomic(
                &store_root.join(CACHE_FILE),
                &serde_json::to_vec(&result)?,
                0o600,
            )
            .context("caching the overlay probe result")?;
            error
        }
    };
    let Some(reason) = error else {
        return Ok(RootfsDriver::Overlay);
    };
    if fuse_overlayfs().is_some() {
        eprintln!(
            "WARNING: native overlayfs is not usable here ({reason}); falling back to fuse-overlayfs, which is \
             markedly slower. A kernel >= 5.11 with unprivileged overlay mounts avoids this."
        );
        return Ok(RootfsDriver::FuseOverlayfs);
    }
    eprintln!(
        "WARNING: native overlayfs is not usable here ({reason}) and fuse-overlayfs is not installed; \
         falling back to vfs, which copies every layer for each container (slow, disk-hungry). Install \
         fuse-overlayfs (Debian package fuse-overlayfs) or use a kernel >= 5.11."
    );
    Ok(RootfsDriver::Vfs)
}

fn cached_probe(store_root: &Path) -> Result<Option<ProbeResult>> {
    let Ok(data) = std::fs::read(store_root.join(CACHE_FILE)) else {
        return Ok(None);
    };
    let result: Option<ProbeResult> = serde_json::from_slice(&data).ok();
    Ok(result.filter(|r| r.kernel == kernel_release()))
}

/// Runs `engine __overlay-probe DIR` in the user namespace; `Some(reason)` when overlay fails.
fn run_probe(scratch: &Path, mappings: &IdMappings) -> Result<Option<String>> {
    let output = UsernsCommand::new(
        "/proc/self/exe",
        [PROBE_COMMAND.as_ref(), scratch.as_os_str()],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn(mappings)
    .context("starting the overlay probe")?
    .wait_with_output()
    .context("waiting for the overlay probe")?;
    if output.status.success() {
        return Ok(None);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Ok(Some(
        stderr.trim().trim_start_matches("Error: ").to_string(),
    ))
}

fn fuse_overlayfs() -> Option<PathBuf> {
    crate::util::proc::find_executable("fuse-overlayfs", std::env::var_os("PATH").as_deref())
}

fn kernel_release() -> String {
    rustix::system::uname()
        .release()
        .to_string_lossy()
        .into_owned()
}
