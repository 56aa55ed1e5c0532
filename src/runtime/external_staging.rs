//! Where an external runtime finds the root and the bind sources of a container whose root is
//! a stranger to the user's files (`--userns=auto`).
//!
//! crun and runc resolve `root.path` and mount the bind sources by path, from `/`, as the
//! container's root (runc's validation even refuses a symlink there), so those paths must lead
//! through directories others may pass. The store does not (a 0700 home, a 0700 store), and
//! opening it to others would let every stranger in. Instead the helper, in a mount namespace
//! of its own, puts a tmpfs over a per-user empty directory of `/tmp` (sticky: no other user
//! can swap it) and mounts the root and the bind sources in there, where only its own
//! processes see them. The directory on disk stays empty.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use oci_spec::runtime::Spec;

/// The root's mount point in the staging tmpfs.
const ROOTFS: &str = "rootfs";
/// Bind sources are mounted on `binds/N`, N their index among the spec's mounts.
const BINDS: &str = "binds";

/// `/tmp/.engine-UID-roots`, made (0711) if missing; refused unless it is a directory of ours.
pub(super) fn staging_dir() -> Result<PathBuf> {
    let uid = nix::unistd::geteuid().as_raw();
    let dir = PathBuf::from(format!("/tmp/.engine-{uid}-roots"));
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
    }
    let meta =
        std::fs::symlink_metadata(&dir).with_context(|| format!("inspecting {}", dir.display()))?;
    if !meta.is_dir() || meta.uid() != uid {
        bail!(
            "{} is not a directory of yours (another user made it?): remove it, then run the \
             container again",
            dir.display()
        );
    }
    if meta.permissions().mode() & 0o001 == 0 {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o711))
            .with_context(|| format!("chmod 0711 {}", dir.display()))?;
    }
    Ok(dir)
}

/// The spec's root and bind sources moved into `staging` (see [`stage`]).
pub(super) fn staged_spec(mut spec: Spec, staging: &Path) -> Spec {
    if let Some(root) = spec.root_mut() {
        root.set_path(staging.join(ROOTFS));
    }
    if let Some(mounts) = spec.mounts_mut() {
        for (index, mount) in mounts.iter_mut().enumerate() {
            if is_bind(mount) && mount.source().is_some() {
                mount.set_source(Some(staging.join(BINDS).join(index.to_string())));
            }
        }
    }
    spec
}

/// In the helper (its own mount namespace): the tmpfs over `staging`, the root's mount point,
/// and every bind source of `original` (the bundle's spec) bound where [`staged_spec`] says.
/// Returns the root's mount point.
pub(super) fn stage(original: &Spec, bundle: &Path, staging: &Path) -> Result<PathBuf> {
    use rustix::mount::{MountFlags, mount};
    mount("tmpfs", staging, "tmpfs", MountFlags::empty(), c"mode=0711")
        .with_context(|| format!("mounting a tmpfs on {}", staging.display()))?;
    let rootfs = staging.join(ROOTFS);
    make_dir(&rootfs)?;
    let binds = staging.join(BINDS);
    make_dir(&binds)?;
    for (index, mount_spec) in original.mounts().iter().flatten().enumerate() {
        let (true, Some(source)) = (is_bind(mount_spec), mount_spec.source()) else {
            continue;
        };
        let source = match source.is_absolute() {
            true => source.clone(),
            false => bundle.join(source),
        };
        let target = binds.join(index.to_string());
        let is_dir = std::fs::metadata(&source)
            .with_context(|| format!("the bind source {}", source.display()))?
            .is_dir();
        match is_dir {
            true => make_dir(&target)?,
            false => drop(
                std::fs::File::create(&target)
                    .with_context(|| format!("creating {}", target.display()))?,
            ),
        }
        // Recursive: the runtime binds it again with the spec's own options.
        rustix::mount::mount_bind_recursive(&source, &target)
            .with_context(|| format!("binding {} for the runtime", source.display()))?;
    }
    Ok(rootfs)
}

fn is_bind(mount: &oci_spec::runtime::Mount) -> bool {
    let typ = mount.typ().as_deref().unwrap_or("");
    let options = mount.options().as_deref().unwrap_or_default();
    typ == "bind" || typ == "rbind" || options.iter().any(|o| o == "bind" || o == "rbind")
}

/// A directory others may pass through, whatever the umask (the monitor's is 077).
fn make_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711))
        .with_context(|| format!("chmod 0711 {}", dir.display()))
}
