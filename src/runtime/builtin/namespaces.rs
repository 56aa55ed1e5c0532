//! The container's namespaces other than the user namespace, which the parent made (rootless)
//! or which is absent (real root).
//!
//! New pid and time namespaces apply to children only: the caller forks afterwards, and the
//! child is the container's PID 1.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result, bail};
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, setns, unshare};
use oci_spec::runtime::{LinuxNamespace, LinuxNamespaceType};

use super::config::Container;

/// A mount namespace of the container's own, with private mounts. The user namespace helper
/// made both when rootless (`in_userns`); as real root they are made here. Always, even if the
/// spec forgot the mount namespace: the runtime mounts the rootfs and must not do it in the
/// host's namespace.
pub(super) fn private_mount_namespace(in_userns: bool) -> Result<()> {
    if in_userns {
        return Ok(());
    }
    unshare(CloneFlags::CLONE_NEWNS).context("unshare the mount namespace")?;
    let private = MsFlags::MS_REC | MsFlags::MS_PRIVATE;
    mount(None::<&str>, "/", None::<&str>, private, None::<&str>)
        .context("make the mounts private: mount /")?;
    Ok(())
}

/// The spec's mount namespace to join when it names one (as real root: joined instead of
/// [`private_mount_namespace`], and the rootfs is mounted there, as runc and crun do), else a
/// private one of the container's own.
pub(super) fn mount_namespace(container: &Container, in_userns: bool) -> Result<()> {
    let namespaces = container.linux.namespaces().as_deref().unwrap_or_default();
    let to_join = namespaces
        .iter()
        .find(|ns| ns.typ() == LinuxNamespaceType::Mount && ns.path().is_some());
    match to_join {
        Some(ns) => join(ns, ns.typ(), ns.path().as_deref().unwrap_or(Path::new(""))),
        None => private_mount_namespace(in_userns),
    }
}

/// The other namespaces the spec lists: new ones unshared, those with a path joined. The user
/// and mount namespaces exist already (see [`private_mount_namespace`]).
pub(super) fn enter_namespaces(container: &Container, in_userns: bool) -> Result<()> {
    let namespaces = container.linux.namespaces().as_deref().unwrap_or_default();
    let mut new = CloneFlags::empty();
    for ns in namespaces {
        match (ns.typ(), ns.path()) {
            (LinuxNamespaceType::User, path) => check_user_namespace(path.as_deref(), in_userns)?,
            // Joined or made by `mount_namespace`.
            (LinuxNamespaceType::Mount, _) => {}
            (typ, Some(path)) => join(ns, typ, path)?,
            (typ, None) => new |= clone_flag(typ),
        }
    }
    unshare(new).with_context(|| format!("unshare {}", names(new)))?;
    if new.contains(CloneFlags::CLONE_NEWNET) {
        loopback_up().context("bring up the loopback interface lo")?;
    }
    Ok(())
}

fn check_user_namespace(path: Option<&Path>, in_userns: bool) -> Result<()> {
    // A user namespace to join was joined by the process that started the init (setns into a
    // user namespace needs a single-threaded caller with no other namespace changes yet):
    // make sure it is the one the spec names.
    if let Some(path) = path {
        use std::os::unix::fs::MetadataExt;
        let wanted = std::fs::metadata(path)
            .with_context(|| format!("the user namespace {} to join", path.display()))?;
        let ours = std::fs::metadata("/proc/self/ns/user").context("stat /proc/self/ns/user")?;
        if (wanted.dev(), wanted.ino()) != (ours.dev(), ours.ino()) {
            bail!(
                "the spec's user namespace {} is not the one the runtime runs in: start the \
                 container with engine, which joins it first",
                path.display()
            );
        }
        return Ok(());
    }
    if !in_userns {
        bail!(
            "the spec asks for a user namespace but the runtime runs as real root without one: \
             give linux.uidMappings and linux.gidMappings"
        );
    }
    Ok(())
}

fn join(ns: &LinuxNamespace, typ: LinuxNamespaceType, path: &Path) -> Result<()> {
    let file = File::open(path)
        .with_context(|| format!("open the {} namespace {}", ns.typ(), path.display()))?;
    setns(&file, clone_flag(typ)).with_context(|| format!("setns {} {}", ns.typ(), path.display()))
}

fn clone_flag(typ: LinuxNamespaceType) -> CloneFlags {
    match typ {
        LinuxNamespaceType::Mount => CloneFlags::CLONE_NEWNS,
        LinuxNamespaceType::Cgroup => CloneFlags::CLONE_NEWCGROUP,
        LinuxNamespaceType::Uts => CloneFlags::CLONE_NEWUTS,
        LinuxNamespaceType::Ipc => CloneFlags::CLONE_NEWIPC,
        LinuxNamespaceType::User => CloneFlags::CLONE_NEWUSER,
        LinuxNamespaceType::Pid => CloneFlags::CLONE_NEWPID,
        LinuxNamespaceType::Network => CloneFlags::CLONE_NEWNET,
        LinuxNamespaceType::Time => CloneFlags::from_bits_retain(libc::CLONE_NEWTIME),
    }
}

fn names(flags: CloneFlags) -> String {
    let all = [
        (CloneFlags::CLONE_NEWPID, "pid"),
        (CloneFlags::CLONE_NEWIPC, "ipc"),
        (CloneFlags::CLONE_NEWUTS, "uts"),
        (CloneFlags::CLONE_NEWNET, "network"),
        (CloneFlags::CLONE_NEWCGROUP, "cgroup"),
        (CloneFlags::from_bits_retain(libc::CLONE_NEWTIME), "time"),
    ];
    let listed: Vec<&str> = all
        .iter()
        .filter(|(f, _)| flags.contains(*f))
        .map(|(_, n)| *n)
        .collect();
    format!("({} namespaces)", listed.join(", "))
}

/// A new network namespace has only `lo`, and it is down; podman brings it up, and programs
/// expect 127.0.0.1 to work even with `--network none`.
fn loopback_up() -> std::io::Result<()> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    // SAFETY: socket has no memory-safety requirements; a non-negative result is a new
    // descriptor owned by nobody else.
    let sock = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if sock < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: see above.
    let sock = unsafe { OwnedFd::from_raw_fd(sock) };
    // SAFETY: ifreq is plain data, valid when zeroed.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS and SIOCSIFFLAGS read and write the ifreq passed, which outlives
    // the calls; its name is NUL-terminated.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
