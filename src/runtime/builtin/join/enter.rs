//! Entering the container: the namespaces and the root of its waiter (see the module docs of
//! `join` for why the waiter's are the container's), or of an external runtime's PID 1.

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;

use anyhow::{Context, Result, bail};
use nix::sched::{CloneFlags, setns};
use rustix::fs::{CWD, Mode, OFlags, openat};

use super::Running;
use crate::util::proc::stat_field;

/// The namespaces in joining order: the user namespace first, as it grants the capabilities
/// the other joins need; pid last, and it only applies to children (the helper forks after).
const NAMESPACES: [(&str, CloneFlags); 7] = [
    ("user", CloneFlags::CLONE_NEWUSER),
    ("mnt", CloneFlags::CLONE_NEWNS),
    ("net", CloneFlags::CLONE_NEWNET),
    ("ipc", CloneFlags::CLONE_NEWIPC),
    ("uts", CloneFlags::CLONE_NEWUTS),
    ("cgroup", CloneFlags::CLONE_NEWCGROUP),
    ("pid_for_children", CloneFlags::CLONE_NEWPID),
];

/// The waiter's namespaces that differ from ours, and its root, opened from the host.
pub(super) struct Container {
    namespaces: Vec<(&'static str, CloneFlags, File)>,
    root: OwnedFd,
}

/// Opens what [`Container::enter`] needs while the host's /proc is still ours to read, all
/// through one descriptor of `/proc/PID` of the process that holds the container's namespaces
/// and root: once that names the process (its start time matches), every entry opened
/// through it is that process's, even if the PID is reused.
pub(super) fn open(target: Running) -> Result<Container> {
    let (holder, role) = match target.external_init {
        Some(init) => (init, "PID 1"),
        None => (target.waiter, "waiter"),
    };
    let path = format!("/proc/{}", holder.pid);
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let gone = || {
        format!(
            "the container's {role} process {} is gone: is the container running?",
            holder.pid
        )
    };
    let dir = openat(CWD, &path, flags, Mode::empty()).with_context(gone)?;
    let stat = read_at(&dir, "stat").with_context(gone)?;
    if stat_field(&stat, 22) != Some(holder.start_time) {
        bail!("{}", gone());
    }
    let mut namespaces = Vec::new();
    for (name, flag) in NAMESPACES {
        let ns_path = format!("ns/{name}");
        let fd = openat(
            &dir,
            &ns_path,
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .with_context(|| format!("open {path}/{ns_path}"))?;
        let ns = File::from(fd);
        // Ours already (real root: no user namespace; --network host): nothing to join, and
        // joining one's own user namespace fails.
        if !same_file(&ns, &format!("/proc/self/ns/{name}"))? {
            namespaces.push((name, flag, ns));
        }
    }
    let root =
        openat(&dir, "root", flags, Mode::empty()).with_context(|| format!("open {path}/root"))?;
    Ok(Container { namespaces, root })
}

impl Container {
    /// Joins the namespaces, then makes the holder's root ours: after pivot_root it is the
    /// container's root, and the mount namespace's root need not be (setns moves us there).
    pub fn enter(self) -> Result<()> {
        for (name, flag, ns) in &self.namespaces {
            setns(ns.as_fd(), *flag)
                .with_context(|| format!("setns into the container's {name} namespace"))?;
        }
        nix::unistd::fchdir(&self.root).context("enter the container's root (fchdir)")?;
        nix::unistd::chroot(".").context("chroot into the container's root")?;
        nix::unistd::chdir("/").context("chdir / in the container's root")?;
        Ok(())
    }
}

fn read_at(dir: &OwnedFd, name: &str) -> std::io::Result<String> {
    let file = openat(dir, name, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())?;
    let mut text = String::new();
    File::from(file).read_to_string(&mut text)?;
    Ok(text)
}

fn same_file(file: &File, path: &str) -> Result<bool> {
    let ours = std::fs::metadata(path).with_context(|| format!("stat {path}"))?;
    let theirs = file
        .metadata()
        .context("stat a namespace of the container")?;
    Ok((ours.dev(), ours.ino()) == (theirs.dev(), theirs.ino()))
}
