//! `engine __container-init BUNDLE`: namespaces, fork, then PID 1's setup and exec.

use std::path::Path;
use std::process::exit;

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::unistd::setsid;

use super::config::Container;
use super::linux::LinuxSyscalls;
use super::start_gate::StartGate;
use super::syscalls::Syscalls;
use super::{
    EXIT_SETUP_FAILED, cgroups, console, devices, exec, masks, mounts, namespaces, process,
    root_userns, rootfs, status, waiter,
};
use crate::runtime::seccomp;
use crate::runtime::userns::{Reached, in_user_namespace};
use crate::util::log;

/// The entry point of the init process: runs in the container's new user and mount namespaces
/// as their root (rootless), or as real root. Never returns: it becomes the container's waiter
/// (see the `waiter` module) and exits with the container's status, or exits 125 on a setup
/// error after printing it as one line.
pub fn init_main(bundle: &Path) -> ! {
    if let Some(level) = std::env::var("ENGINE_LOG_LEVEL")
        .ok()
        .and_then(|l| log::Level::parse(&l))
    {
        log::set_level(level);
    }
    if !in_user_namespace() {
        // As real root no helper made a mount namespace and re-executed the engine from a
        // read-only mount (runtime::self_exe): do it here, once, before any descriptor is
        // made close-on-exec.
        reexec_from_readonly_mount(bundle);
    }
    if let Err(err) = status::take_from_env() {
        fail(&err);
    }
    // The host paths the user namespace helper opened for a root that cannot reach them:
    // close-on-exec, and closed by PID 1 once pivot_root is done (`setup_filesystem`).
    let reached = Reached::take_from_env().unwrap_or_else(|err| fail(&err));
    // Whatever the caller left open must not reach the container: a host directory
    // descriptor is a way out of the rootfs (`-w /proc/self/fd/N`, the CVE-2024-21626 class),
    // and the container's setup (chdir included) runs before exec would close it.
    let held = [status::held_fds(), reached.fds()].concat();
    if let Err(err) = crate::util::proc::close_fds_except(&held) {
        fail(&format!("close inherited descriptors: {err}"));
    }
    // Whatever the caller's umask (the monitor's is 077), the container starts from crun's
    // default; process.user.umask, when given, replaces it at the identity switch.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    let in_userns = in_user_namespace();
    // Opened first, while the state directory's path is still the host's.
    let gate = StartGate::from_env(&reached).unwrap_or_else(|err| fail(&format!("{err:#}")));
    let (container, in_userns) = match prepare(bundle, reached, in_userns, gate.as_ref()) {
        Ok(prepared) => prepared,
        Err(err) => fail(&format!("{err:#}")),
    };
    waiter::fork_container(|| container_main(&container, in_userns, gate.as_ref()))
}

/// Set once the init runs from the read-only mount of the engine binary.
const READONLY_EXE_ENV: &str = "_ENGINE_EXE_READONLY";

/// Real root: a private mount namespace, the engine binary bound read-only in it, and the init
/// executed again from there (see `runtime::self_exe`). Returns when that is done already.
fn reexec_from_readonly_mount(bundle: &Path) {
    if std::env::var_os(READONLY_EXE_ENV).is_some() {
        return;
    }
    if let Err(err) = namespaces::private_mount_namespace(false) {
        fail(&format!("{err:#}"));
    }
    let path = crate::runtime::self_exe::bind_readonly().unwrap_or_else(|e| fail(&e));
    let args: Vec<std::ffi::CString> = [
        crate::runtime::self_exe::SELF_EXE.as_bytes(),
        super::INIT_COMMAND.as_bytes(),
        bundle.as_os_str().as_encoded_bytes(),
    ]
    .iter()
    .map(|a| std::ffi::CString::new(*a).unwrap_or_default())
    .collect();
    let path = crate::runtime::self_exe::c_path(path).unwrap_or_else(|e| fail(&e));
    // SAFETY: single-threaded; set before exec so the new image sees it.
    unsafe { std::env::set_var(READONLY_EXE_ENV, "1") };
    let Err(errno) = nix::unistd::execv(&path, &args);
    fail(&format!("re-execute the container init read-only: {errno}"))
}

/// Reports a setup error (to the monitor, else crun-style on stderr) and exits 125.
pub(super) fn fail(message: &str) -> ! {
    fail_with(EXIT_SETUP_FAILED, message)
}

/// Reports an error with its exit code (125, 126 or 127) and exits with it.
pub(super) fn fail_with(code: i32, message: &str) -> ! {
    if !status::report_failure(code, message) {
        eprintln!("Error: {message}");
    }
    exit(code)
}

/// Before the fork: load the spec, enter the namespaces, start fuse-overlayfs if needed.
/// Returns whether the init now runs in a user namespace (real root makes the spec's own).
fn prepare(
    bundle: &Path,
    reached: Reached,
    in_userns: bool,
    gate: Option<&StartGate>,
) -> Result<(Container, bool)> {
    let mut container = Container::load_reached(bundle, reached)?;
    container.console_in_container = container.terminal() && status::takes_console();
    if let Some((rows, cols)) = status::console_size_from_env() {
        let size = oci_spec::runtime::BoxBuilder::default()
            .height(u64::from(rows))
            .width(u64::from(cols))
            .build()
            .context("the console size")?;
        container.process.set_console_size(Some(size));
    }
    // Its own session, so the terminal's ^C and hangup reach the engine only, which forwards
    // them (sig-proxy) rather than the container getting them twice. EPERM: it already leads
    // a process group of its own, which keeps it out of the terminal's foreground group too.
    match setsid() {
        Ok(_) | Err(Errno::EPERM) => {}
        Err(errno) => return Err(errno).context("setsid"),
    }
    // First, so that the namespaces made next belong to it (mounting in a mount namespace
    // needs CAP_SYS_ADMIN in the user namespace that owns it).
    if !in_userns {
        // While still real root in the host's namespaces; the container inherits it.
        cgroups::enter(&container.linux)?;
    }
    let makes_userns = !in_userns && root_userns::wanted(&container.linux);
    if makes_userns {
        if let (Some(gate), Some((uid, gid))) = (gate, root_userns::host_root(&container.linux)) {
            gate.hand_to(uid, gid)?;
        }
        root_userns::enter(&container.linux)?;
    }
    namespaces::mount_namespace(&container, in_userns)?;
    let in_userns = in_userns || makes_userns;
    // Before the pid namespace: the fuse daemon must not be one of the container's processes.
    rootfs::start_fuse_overlayfs(&LinuxSyscalls::default(), &container)?;
    namespaces::enter_namespaces(&container, in_userns)?;
    Ok((container, in_userns))
}

/// PID 1 of the new pid namespace: everything up to exec.
fn container_main(container: &Container, in_userns: bool, gate: Option<&StartGate>) -> ! {
    let sys = LinuxSyscalls::default();
    let filter = match setup(&sys, container, in_userns) {
        Ok(filter) => filter,
        Err(err) => fail(&format!("{err:#}")),
    };
    // The rootfs descriptor is closed before exec anyway; dropping it first keeps the
    // descriptor table tidy for the exec error paths.
    drop(sys);
    // `engine oci create`: wait for `start`. Before the identity switch, so the gate's files
    // (owned by the container's root) can be opened whatever user the process runs as.
    if let Some(Err(err)) = gate.map(StartGate::wait) {
        fail(&format!("{err:#}"));
    }
    if let Err(err) = finish(container, filter.as_ref()) {
        fail(&format!("{err:#}"));
    }
    let env = container.process.env().clone().unwrap_or_default();
    // Rust's runtime ignored SIGPIPE in this process, and exec keeps ignored signals ignored.
    // SAFETY: installing SIG_DFL runs no handler code; PID 1 has a single thread.
    let _ = unsafe {
        nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        )
    };
    let error = exec::exec(container.args(), &env);
    fail_with(error.code, &error.message)
}

/// The file system and the process setup that still needs privileges. Returns the compiled
/// seccomp filter, compiled first so a bad profile fails before anything is mounted.
fn setup(
    sys: &dyn Syscalls,
    container: &Container,
    in_userns: bool,
) -> Result<Option<seccomp::BpfProgram>> {
    let filter = container
        .linux
        .seccomp()
        .as_ref()
        .map(seccomp::compile)
        .transpose()
        .context("compile the seccomp filter")?;
    setup_filesystem(sys, container, in_userns)?;
    process::set_hostname(container)?;
    process::set_rlimits(&container.process)?;
    process::start_session(container.terminal())?;
    process::set_oom_score_adj(&container.process)?;
    Ok(filter)
}

/// Rootfs, mounts, devices, pivot_root, then what is done from inside: sysctls, masked and
/// read-only paths, a read-only root.
pub(super) fn setup_filesystem(
    sys: &dyn Syscalls,
    container: &Container,
    in_userns: bool,
) -> Result<()> {
    rootfs::prepare_rootfs(sys, container, in_userns)?;
    mounts::mount_all(sys, container, in_userns)?;
    devices::create_devices(sys, container, in_userns)?;
    if container.console_in_container {
        console::allocate(sys, container)?;
    }
    sys.pivot_root(&container.rootfs)
        .with_context(|| format!("pivot_root {}", container.rootfs.display()))?;
    // Everything is mounted: no host directory may stay within the container's reach.
    container.reached.close();
    rootfs::apply_root_propagation(sys, container)?;
    masks::apply_sysctls(sys, container)?;
    masks::mask_paths(sys, container)?;
    masks::make_paths_readonly(sys, container)?;
    masks::make_root_readonly(sys, container)
}

/// The identity switch and the working directory, after which only exec remains.
fn finish(container: &Container, filter: Option<&seccomp::BpfProgram>) -> Result<()> {
    process::create_missing_cwd(&container.process)?;
    process::switch_identity(&container.process, filter)?;
    waiter::rearm_parent_death_signal().map_err(anyhow::Error::msg)?;
    process::enter_cwd(&container.process)
}
