//! `--runtime crun|runc|PATH`: the same container run by another OCI runtime.
//!
//! The engine's config.json describes a user namespace whose overlay root the built-in runtime
//! mounts from the `org.engine.rootfs.*` annotations. Another runtime knows nothing of those, so
//! engine does what podman does: it enters the rootless user namespace itself (a helper, like
//! for unpacking), mounts the overlay there, and runs the external runtime inside with a copy of
//! the spec that creates no user namespace of its own (its id maps are already in effect).
//!
//! A container whose root maps neither the user's UID nor GID (`--userns=auto`) cannot be
//! run that way: its root, a stranger to the user's files, could not reach the store nor the
//! runtime's state directory. As podman does, the helper then runs in the storage namespace
//! (where the user is root and reaches everything) and the spec keeps its user namespace, with
//! ID maps relative to that namespace: the runtime, root there, creates it itself.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use oci_spec::runtime::{LinuxNamespaceType, Spec};

use super::external_init::{forget_init, pid_file};
use super::external_staging::{stage, staged_spec, staging_dir};
use super::userns::{self, IdMappings, UsernsCommand};
use crate::spec::{RootfsDriver, RootfsRecipe};

/// The hidden command the helper runs: `engine __external-runtime RUNTIME BUNDLE ID STATE`.
pub const EXTERNAL_COMMAND: &str = "__external-runtime";

/// The runtime executable for `name` (a name looked up in PATH, or a path).
pub fn find_runtime(name: &str) -> Result<PathBuf> {
    let candidate = Path::new(name);
    if name.contains('/') {
        return match candidate.is_file() {
            true => Ok(candidate.to_path_buf()),
            false => bail!("OCI runtime {name} does not exist"),
        };
    }
    crate::util::proc::find_executable(name, std::env::var_os("PATH").as_deref()).ok_or_else(|| {
        match name {
            "crun" | "runc" => {
                anyhow!("OCI runtime {name} not found in PATH: install it (Debian package {name})")
            }
            _ => anyhow!(
                "OCI runtime {name:?} not found in PATH: give its full path, or use crun or runc"
            ),
        }
    })
}

/// Starts the container of `bundle` under `runtime` with `stdio`; the returned process is the
/// runtime's `run`, which lives as long as the container and exits with its status.
pub fn spawn(
    runtime: &Path,
    bundle: &Path,
    id: &str,
    state_dir: &Path,
    mappings: &IdMappings,
    [stdin, stdout, stderr]: [std::process::Stdio; 3],
) -> Result<std::process::Child> {
    let spec = Spec::load(bundle.join("config.json"))
        .map_err(|e| anyhow!("reading {}/config.json: {e}", bundle.display()))?;
    let external = bundle.join("external");
    std::fs::create_dir_all(&external)
        .with_context(|| format!("creating {}", external.display()))?;
    forget_init(bundle)?;
    let storage = match userns::root_is_a_stranger(mappings) {
        true => Some(userns::rootless_mappings()?.0),
        false => None,
    };
    let nested = match &storage {
        Some(storage) => Some(mappings.relative_to(storage)?),
        None => None,
    };
    let mut external_spec = external_spec(spec, &bundle.join("rootfs"), nested.as_ref())?;
    if nested.is_some() {
        external_spec = staged_spec(external_spec, &staging_dir()?);
    }
    external_spec
        .save(external.join("config.json"))
        .map_err(|e| anyhow!("writing {}/config.json: {e}", external.display()))?;
    let args: Vec<OsString> = vec![
        EXTERNAL_COMMAND.into(),
        runtime.into(),
        bundle.into(),
        id.into(),
        state_dir.into(),
    ];
    UsernsCommand::new("/proc/self/exe", args)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr)
        .spawn(storage.as_ref().unwrap_or(mappings))
        .with_context(|| format!("running {}", runtime.display()))
}

/// The spec another runtime gets: no user namespace (we are already in it) or, `nested`, one
/// with these maps relative to the storage namespace; the root path where the helper mounts
/// the overlay.
pub(super) fn external_spec(
    mut spec: Spec,
    rootfs: &Path,
    nested: Option<&IdMappings>,
) -> Result<Spec> {
    if let Some(linux) = spec.linux_mut() {
        match nested {
            Some(maps) => {
                linux.set_uid_mappings(Some(maps.uids.iter().map(to_oci).collect()));
                linux.set_gid_mappings(Some(maps.gids.iter().map(to_oci).collect()));
            }
            None => {
                if let Some(namespaces) = linux.namespaces_mut() {
                    namespaces.retain(|ns| ns.typ() != LinuxNamespaceType::User);
                }
                linux.set_uid_mappings(None);
                linux.set_gid_mappings(None);
            }
        }
    }
    if let Some(root) = spec.root_mut() {
        root.set_path(rootfs.to_path_buf());
    }
    Ok(spec)
}

/// The helper, inside the user namespace: mount the root, then become the external runtime.
pub fn external_main(args: &[OsString]) -> Result<std::convert::Infallible> {
    let [runtime, bundle, id, state] = args else {
        bail!("usage: engine {EXTERNAL_COMMAND} RUNTIME BUNDLE ID STATE");
    };
    let bundle = Path::new(bundle);
    let spec = Spec::load(bundle.join("config.json"))
        .map_err(|e| anyhow!("reading {}/config.json: {e}", bundle.display()))?;
    let annotations = spec.annotations().clone().unwrap_or_default();
    let recipe = RootfsRecipe::from_annotations(&annotations)?;
    if !userns::in_user_namespace() {
        // As real root the mount must not land in the host's mount namespace.
        // SAFETY: this helper is single-threaded (it runs before clap, see main.rs) and only
        // unshares its mount namespace, which affects no memory of the process.
        unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWNS) }
            .context("unshare the mount namespace")?;
        rustix::mount::mount_change(
            Path::new("/"),
            rustix::mount::MountPropagationFlags::PRIVATE
                | rustix::mount::MountPropagationFlags::REC,
        )
        .context("making mounts private")?;
    }
    let external = bundle.join("external/config.json");
    let external =
        Spec::load(&external).map_err(|e| anyhow!("reading {}: {e}", external.display()))?;
    let nested = external
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().as_ref())
        .is_some_and(|all| all.iter().any(|ns| ns.typ() == LinuxNamespaceType::User));
    let staging = external.root().as_ref().and_then(|r| r.path().parent());
    let rootfs = match (nested, staging) {
        (true, Some(staging)) => stage(&spec, bundle, staging)?,
        _ => bundle.join("rootfs"),
    };
    mount_root(&recipe, &rootfs)?;
    let mut command = std::process::Command::new(runtime);
    let crun = Path::new(runtime).file_name().is_some_and(|n| n == "crun");
    // No cgroup manager: a rootless user without systemd cannot create cgroups (engine's own
    // runtime makes none either).
    if crun {
        command.arg("--cgroup-manager=disabled");
    }
    command
        .arg("--root")
        .arg(state)
        .arg("run")
        // PID 1's PID, for the monitor (see `external_init`).
        .arg("--pid-file")
        .arg(pid_file(bundle))
        .arg("--bundle")
        .arg(bundle.join("external"))
        .arg(id);
    use std::os::unix::process::CommandExt;
    // Rust's runtime ignored SIGPIPE here; the runtime and the container must not inherit it.
    // SAFETY: installing SIG_DFL runs no handler code; this helper is single-threaded.
    let _ = unsafe {
        nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        )
    };
    Err(command.exec()).with_context(|| format!("executing {}", Path::new(runtime).display()))
}

fn mount_root(recipe: &RootfsRecipe, target: &Path) -> Result<()> {
    let lower: Vec<String> = recipe
        .lowerdirs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let (Some(upper), Some(work)) = (&recipe.upperdir, &recipe.workdir) else {
        return Ok(()); // vfs: the root is already a directory.
    };
    let mut options = format!(
        "lowerdir={},upperdir={},workdir={}",
        lower.join(":"),
        upper.display(),
        work.display()
    );
    match recipe.driver {
        RootfsDriver::Overlay => {
            if userns::in_user_namespace() {
                options.push_str(",userxattr");
            }
            let data =
                std::ffi::CString::new(options).context("overlay options contain a NUL byte")?;
            rustix::mount::mount(
                "overlay",
                target,
                "overlay",
                rustix::mount::MountFlags::empty(),
                data.as_c_str(),
            )
            .with_context(|| format!("mounting overlay on {}", target.display()))
        }
        RootfsDriver::FuseOverlayfs => {
            let status = std::process::Command::new("fuse-overlayfs")
                .arg("-o")
                .arg(&options)
                .arg(target)
                .status()
                .context("running fuse-overlayfs")?;
            match status.success() {
                true => Ok(()),
                false => bail!(
                    "fuse-overlayfs could not mount {} ({status})",
                    target.display()
                ),
            }
        }
        RootfsDriver::Vfs => Ok(()),
    }
}

fn to_oci(range: &userns::IdRange) -> oci_spec::runtime::LinuxIdMapping {
    oci_spec::runtime::LinuxIdMappingBuilder::default()
        .container_id(range.container)
        .host_id(range.host)
        .size(range.size)
        .build()
        .unwrap_or_default()
}
