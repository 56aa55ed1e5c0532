//! The container process's own state, set after the filesystem: hostname, rlimits, session
//! and terminal, then the identity switch with capabilities, no_new_privs and seccomp in the
//! order the kernel allows (youki's and crun's), then the working directory.

use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use nix::sys::prctl;
use nix::sys::resource::{Resource, setrlimit};
use nix::sys::stat::{Mode, umask};
use nix::unistd::{Gid, Uid, setgroups, sethostname, setresgid, setresuid, setsid};
use oci_spec::runtime::{LinuxNamespaceType, PosixRlimitType, Process};

use super::caps::{drop_bounding, set_process_caps};
use super::config::Container;
use crate::runtime::seccomp::{self, BpfProgram};

pub(super) fn set_hostname(container: &Container) -> Result<()> {
    let Some(hostname) = container.spec.hostname().as_deref() else {
        return Ok(());
    };
    if !container.has_namespace(LinuxNamespaceType::Uts) {
        bail!(
            "the spec sets hostname {hostname:?} but has no uts namespace: add one or drop the hostname"
        );
    }
    sethostname(hostname).with_context(|| format!("sethostname {hostname}"))?;
    Ok(())
}

pub(super) fn set_rlimits(process: &Process) -> Result<()> {
    for rlimit in process.rlimits().as_deref().unwrap_or_default() {
        let resource = resource(rlimit.typ());
        setrlimit(resource, rlimit.soft(), rlimit.hard()).with_context(|| {
            format!(
                "setrlimit {} soft {} hard {}",
                rlimit.typ(),
                rlimit.soft(),
                rlimit.hard()
            )
        })?;
    }
    Ok(())
}

fn resource(typ: PosixRlimitType) -> Resource {
    match typ {
        PosixRlimitType::RlimitCpu => Resource::RLIMIT_CPU,
        PosixRlimitType::RlimitFsize => Resource::RLIMIT_FSIZE,
        PosixRlimitType::RlimitData => Resource::RLIMIT_DATA,
        PosixRlimitType::RlimitStack => Resource::RLIMIT_STACK,
        PosixRlimitType::RlimitCore => Resource::RLIMIT_CORE,
        PosixRlimitType::RlimitRss => Resource::RLIMIT_RSS,
        PosixRlimitType::RlimitNproc => Resource::RLIMIT_NPROC,
        PosixRlimitType::RlimitNofile => Resource::RLIMIT_NOFILE,
        PosixRlimitType::RlimitMemlock => Resource::RLIMIT_MEMLOCK,
        PosixRlimitType::RlimitAs => Resource::RLIMIT_AS,
        PosixRlimitType::RlimitLocks => Resource::RLIMIT_LOCKS,
        PosixRlimitType::RlimitSigpending => Resource::RLIMIT_SIGPENDING,
        PosixRlimitType::RlimitMsgqueue => Resource::RLIMIT_MSGQUEUE,
        PosixRlimitType::RlimitNice => Resource::RLIMIT_NICE,
        PosixRlimitType::RlimitRtprio => Resource::RLIMIT_RTPRIO,
        PosixRlimitType::RlimitRttime => Resource::RLIMIT_RTTIME,
    }
}

/// PID 1 leads its own session; with a terminal, the pty slave on stdin becomes its
/// controlling terminal (so ^C there signals the container's foreground job).
pub(super) fn start_session(terminal: bool) -> Result<()> {
    setsid().context("setsid")?;
    if terminal {
        // SAFETY: TIOCSCTTY takes an integer argument; fd 0 is the slave the engine passed.
        if unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) } != 0 {
            let err = std::io::Error::last_os_error();
            return Err(err)
                .context("make the terminal on stdin the controlling terminal (TIOCSCTTY)");
        }
    }
    Ok(())
}

/// A session keyring of the process's own, as runc gives every container and exec: the
/// caller's (with whatever secrets the user keeps there) must not be reachable inside.
fn join_new_session_keyring() -> Result<()> {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: KEYCTL_JOIN_SESSION_KEYRING with a null name creates an anonymous keyring; no
    // memory is passed.
    let joined = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    if joined < 0 {
        let err = std::io::Error::last_os_error();
        // A kernel without keys has no keyring to leak.
        if err.raw_os_error() != Some(libc::ENOSYS) {
            return Err(err).context("join a new session keyring (keyctl)");
        }
    }
    Ok(())
}

pub(super) fn set_oom_score_adj(process: &Process) -> Result<()> {
    if let Some(adj) = process.oom_score_adj() {
        std::fs::write("/proc/self/oom_score_adj", adj.to_string())
            .with_context(|| format!("write /proc/self/oom_score_adj {adj}"))?;
    }
    Ok(())
}

/// Becomes the spec's user with the spec's capabilities.
///
/// Order: the bounding set is dropped while CAP_SETPCAP is still held; without no_new_privs
/// the seccomp filter must be installed while CAP_SYS_ADMIN is still held, so before the
/// switch; PR_SET_KEEPCAPS keeps the permitted set across setresuid to a non-root user;
/// with no_new_privs the filter comes last, so it constrains as little of the setup as
/// possible.
pub(super) fn switch_identity(process: &Process, filter: Option<&BpfProgram>) -> Result<()> {
    join_new_session_keyring()?;
    let caps = process.capabilities().as_ref();
    let no_new_privs = process.no_new_privileges().unwrap_or(false);
    drop_bounding(caps)?;
    if let (Some(filter), false) = (filter, no_new_privs) {
        seccomp::install(filter)?;
    }
    let user = process.user();
    if let Some(mask) = user.umask() {
        umask(Mode::from_bits_truncate(mask));
    }
    prctl::set_keepcaps(true).context("prctl PR_SET_KEEPCAPS")?;
    set_groups(user.additional_gids().as_deref().unwrap_or_default())?;
    let (uid, gid) = (Uid::from_raw(user.uid()), Gid::from_raw(user.gid()));
    setresgid(gid, gid, gid).with_context(|| format!("setresgid {gid}"))?;
    setresuid(uid, uid, uid).with_context(|| format!("setresuid {uid}"))?;
    prctl::set_keepcaps(false).context("prctl PR_SET_KEEPCAPS")?;
    set_process_caps(caps)?;
    if no_new_privs {
        prctl::set_no_new_privs().context("prctl PR_SET_NO_NEW_PRIVS")?;
        if let Some(filter) = filter {
            seccomp::install(filter)?;
        }
    }
    Ok(())
}

/// The supplementary groups, when the user namespace lets us set them: with a single-GID map
/// `setgroups` is denied (the kernel's rule), and the process keeps none, as the user
/// namespace helper left it.
fn set_groups(gids: &[u32]) -> Result<()> {
    let allowed =
        std::fs::read_to_string("/proc/self/setgroups").map_or(true, |s| s.trim() == "allow");
    if !allowed {
        return Ok(());
    }
    let gids: Vec<Gid> = gids.iter().copied().map(Gid::from_raw).collect();
    setgroups(&gids).with_context(|| format!("setgroups {gids:?}"))
}

/// A working directory the image lacks is created (as root, mode 0755), as docker and podman
/// do for `-w` and WORKDIR; the container's root is already in place (after pivot_root).
pub(super) fn create_missing_cwd(process: &Process) -> Result<()> {
    let cwd: &Path = process.cwd();
    if cwd.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(cwd)
        .with_context(|| format!("creating the working directory {}", cwd.display()))
}

/// The working directory, entered as the container's user (whose permissions apply).
pub(super) fn enter_cwd(process: &Process) -> Result<()> {
    let cwd: &Path = process.cwd();
    std::env::set_current_dir(cwd).with_context(|| format!("chdir {}", cwd.display()))
}
