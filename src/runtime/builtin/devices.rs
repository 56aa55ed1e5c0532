//! /dev: the default devices and the spec's, the standard symlinks, and /dev/console.
//!
//! A user namespace may not create device nodes (mknod of a device is EPERM even for its root),
//! so there every device is a bind mount of the host's node on an empty file, as youki and
//! crun do; as real root they are created with mknod.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::mount::MsFlags;

use super::config::Container;
use super::syscalls::{DeviceNode, Syscalls, Target};

/// The devices every container gets (OCI runtime spec, "Default Devices"): (name, major, minor).
const DEFAULT_DEVICES: [(&str, u64, u64); 6] = [
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("random", 1, 8),
    ("urandom", 1, 9),
    ("tty", 5, 0),
];

const SYMLINKS: [(&str, &str); 5] = [
    ("/proc/self/fd", "/dev/fd"),
    ("/proc/self/fd/0", "/dev/stdin"),
    ("/proc/self/fd/1", "/dev/stdout"),
    ("/proc/self/fd/2", "/dev/stderr"),
    ("pts/ptmx", "/dev/ptmx"),
];

pub(super) fn create_devices(
    sys: &dyn Syscalls,
    container: &Container,
    in_userns: bool,
) -> Result<()> {
    if dev_is_bound_from_host(container) {
        // The user gave a /dev of their own (`-v /dev:/dev`): it has its devices.
        return Ok(());
    }
    for node in device_nodes(container) {
        let path = node.path.clone();
        if in_userns {
            bind_device(sys, &node)
                .with_context(|| format!("bind the device {}", path.display()))?;
        } else {
            sys.mknod(&node)
                .with_context(|| format!("mknod {}", path.display()))?;
        }
    }
    for (points_to, link) in SYMLINKS {
        sys.symlink(Path::new(points_to), Path::new(link))
            .with_context(|| format!("symlink {link} -> {points_to}"))?;
    }
    if container.terminal() && !container.console_in_container {
        // The engine passed the pty slave as stdin.
        let pty = sys
            .stdin_path()
            .context("find the terminal: readlink /proc/self/fd/0")?;
        let console = Path::new("/dev/console");
        sys.create_file(console).context("create /dev/console")?;
        sys.mount(
            Some(&pty),
            Target::Rootfs(console),
            None,
            MsFlags::MS_BIND,
            None,
        )
        .with_context(|| format!("bind the terminal {} onto /dev/console", pty.display()))?;
    }
    Ok(())
}

fn dev_is_bound_from_host(container: &Container) -> bool {
    let mounts = container.spec.mounts().as_deref().unwrap_or_default();
    mounts.iter().any(|m| {
        let bind = m.typ().as_deref() == Some("bind")
            || m.options()
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|o| o == "bind" || o == "rbind");
        m.destination() == Path::new("/dev") && bind
    })
}

/// The default devices, then the spec's (which replace a default of the same path).
pub(super) fn device_nodes(container: &Container) -> Vec<DeviceNode> {
    let spec_devices = container.linux.devices().as_deref().unwrap_or_default();
    let defaults = DEFAULT_DEVICES
        .iter()
        .map(|&(name, major, minor)| DeviceNode {
            path: PathBuf::from("/dev").join(name),
            file_type: libc::S_IFCHR,
            major,
            minor,
            mode: 0o666,
            uid: 0,
            gid: 0,
        });
    let mut nodes: Vec<DeviceNode> = defaults
        .filter(|node| !spec_devices.iter().any(|d| d.path() == &node.path))
        .collect();
    nodes.extend(spec_devices.iter().map(|d| DeviceNode {
        path: d.path().clone(),
        file_type: match d.typ() {
            oci_spec::runtime::LinuxDeviceType::B => libc::S_IFBLK,
            oci_spec::runtime::LinuxDeviceType::P => libc::S_IFIFO,
            _ => libc::S_IFCHR,
        },
        major: d.major().try_into().unwrap_or(0),
        minor: d.minor().try_into().unwrap_or(0),
        mode: d.file_mode().unwrap_or(0o666),
        uid: d.uid().unwrap_or(0),
        gid: d.gid().unwrap_or(0),
    }));
    nodes
}

/// The host's node at the same path, bound onto an empty file.
fn bind_device(sys: &dyn Syscalls, node: &DeviceNode) -> Result<()> {
    sys.create_file(&node.path)
        .context("create the mount point")?;
    sys.mount(
        Some(&node.path),
        Target::Rootfs(&node.path),
        None,
        MsFlags::MS_BIND,
        None,
    )?;
    Ok(())
}
