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

use anyhow::{Context, Result};
use oci_spec::runtime::Spec;

/// The root's mount point in the staging tmpfs.
const ROOTFS: &str = "rootfs";
/// Bind sources are mounted on `binds/N`, N their index among the spec's mounts.
const BINDS: &str = "binds";

/// `/tmp/.engine-UID-roots`, made (0711) if missing. Anyone may create names in `/tmp` (and
/// nobody but its owner and root may remove them), so when another user holds that name a
/// directory of ours with a random suffix is used instead, found again by its prefix on later
/// runs: a squatter can block a name, never the user.
pub(super) fn staging_dir() -> Result<PathBuf> {
    staging_dir_in(Path::new("/tmp"), nix::unistd::geteuid().as_raw())
}

fn staging_dir_in(base: &Path, uid: u32) -> Result<PathBuf> {
    let name = format!(".engine-{uid}-roots");
    let canonical = base.join(&name);
    match std::fs::create_dir(&canonical) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("creating {}", canonical.display())),
    }
    if let Some(dir) = usable(&canonical, uid)? {
        return Ok(dir);
    }
    let prefix = format!("{name}-");
    let entries = std::fs::read_dir(base).with_context(|| format!("listing {}", base.display()))?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix)
            && let Some(dir) = usable(&entry.path(), uid)?
        {
            return Ok(dir);
        }
    }
    let made = tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir_in(base)
        .with_context(|| {
            format!(
                "{} belongs to another user, and making a directory of ours beside it failed",
                canonical.display()
            )
        })?
        .keep();
    Ok(usable(&made, uid)?.unwrap_or(made))
}

/// `dir` when it is a directory of `uid`'s (made passable, 0711, if it was not); None when it
/// is anything else (another user's, or not a directory).
fn usable(dir: &Path, uid: u32) -> Result<Option<PathBuf>> {
    let meta =
        std::fs::symlink_metadata(dir).with_context(|| format!("inspecting {}", dir.display()))?;
    if !meta.is_dir() || meta.uid() != uid {
        return Ok(None);
    }
    if meta.permissions().mode() & 0o001 == 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711))
            .with_context(|| format!("chmod 0711 {}", dir.display()))?;
    }
    Ok(Some(dir.to_path_buf()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_staging_directory_is_ours_and_a_squatted_name_is_sidestepped() {
        let base = tempfile::tempdir().unwrap();
        let uid = nix::unistd::geteuid().as_raw();
        let canonical = base.path().join(format!(".engine-{uid}-roots"));
        assert_eq!(staging_dir_in(base.path(), uid).unwrap(), canonical);
        let mode = std::fs::metadata(&canonical).unwrap().permissions().mode();
        assert_eq!(mode & 0o711, 0o711, "passable by the container's IDs");

        // Someone else's name there (a file stands in for another user's directory: both fail
        // the check): a directory of ours beside it, the same one on the next run.
        std::fs::remove_dir(&canonical).unwrap();
        std::fs::write(&canonical, b"squatter").unwrap();
        let beside = staging_dir_in(base.path(), uid).unwrap();
        assert_ne!(beside, canonical);
        assert!(
            beside.is_dir() && beside.starts_with(base.path()),
            "{beside:?}"
        );
        assert_eq!(staging_dir_in(base.path(), uid).unwrap(), beside);
        // Names of the fallback's pattern that are not ours are passed over too.
        let decoy = base.path().join(format!(".engine-{uid}-roots-decoy"));
        std::fs::write(&decoy, b"squatter").unwrap();
        assert_eq!(staging_dir_in(base.path(), uid).unwrap(), beside);
    }
}
