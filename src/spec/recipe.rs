//! The rootfs recipe: how the container's root filesystem is assembled, carried in spec
//! annotations because the overlay can only be mounted inside the container's user and mount
//! namespaces (rootless overlay needs `userxattr` and a user namespace owning the mount namespace).
//! The engine encodes it here and the runtime decodes it with the same code.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

pub const DRIVER_KEY: &str = "org.engine.rootfs.driver";
pub const LOWERDIRS_KEY: &str = "org.engine.rootfs.lowerdirs";
pub const UPPERDIR_KEY: &str = "org.engine.rootfs.upperdir";
pub const WORKDIR_KEY: &str = "org.engine.rootfs.workdir";

/// Annotation keys reserved for the recipe; users may not set them.
pub const RESERVED_PREFIX: &str = "org.engine.rootfs.";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootfsDriver {
    /// Kernel overlayfs.
    Overlay,
    /// overlayfs in user space, for kernels that refuse rootless overlay.
    FuseOverlayfs,
    /// `root.path` is already a full copy; nothing to mount.
    Vfs,
}

impl RootfsDriver {
    pub fn as_str(self) -> &'static str {
        match self {
            RootfsDriver::Overlay => "overlay",
            RootfsDriver::FuseOverlayfs => "fuse-overlayfs",
            RootfsDriver::Vfs => "vfs",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootfsRecipe {
    pub driver: RootfsDriver,
    /// Top layer first, as overlay's `lowerdir=` wants them. Empty for vfs.
    pub lowerdirs: Vec<PathBuf>,
    /// Overlay's writable layer and its scratch dir; `None` for vfs.
    pub upperdir: Option<PathBuf>,
    pub workdir: Option<PathBuf>,
}

impl RootfsRecipe {
    pub fn vfs() -> RootfsRecipe {
        RootfsRecipe {
            driver: RootfsDriver::Vfs,
            lowerdirs: Vec::new(),
            upperdir: None,
            workdir: None,
        }
    }

    /// Checks what both ends rely on: overlay drivers have absolute lower, upper and work dirs
    /// whose names survive overlay's option syntax; vfs has none.
    pub fn validate(&self) -> Result<()> {
        if self.driver == RootfsDriver::Vfs {
            if !self.lowerdirs.is_empty() || self.upperdir.is_some() || self.workdir.is_some() {
                bail!("rootfs recipe: the vfs driver takes no lower, upper or work directories");
            }
            return Ok(());
        }
        let driver = self.driver.as_str();
        if self.lowerdirs.is_empty() {
            bail!("rootfs recipe: {driver} needs at least one lower directory (an image layer)");
        }
        let upper = self.upperdir.as_deref();
        let work = self.workdir.as_deref();
        let (Some(upper), Some(work)) = (upper, work) else {
            bail!("rootfs recipe: {driver} needs both an upper and a work directory");
        };
        for dir in self
            .lowerdirs
            .iter()
            .map(PathBuf::as_path)
            .chain([upper, work])
        {
            check_overlay_path(dir)?;
        }
        Ok(())
    }

    /// The annotations that describe this recipe.
    pub fn to_annotations(&self) -> Result<Vec<(String, String)>> {
        self.validate()?;
        let mut out = vec![(DRIVER_KEY.to_string(), self.driver.as_str().to_string())];
        if self.driver != RootfsDriver::Vfs {
            let lowers: Vec<String> = self
                .lowerdirs
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            out.push((LOWERDIRS_KEY.to_string(), lowers.join(":")));
            for (key, dir) in [(UPPERDIR_KEY, &self.upperdir), (WORKDIR_KEY, &self.workdir)] {
                if let Some(dir) = dir {
                    out.push((key.to_string(), dir.display().to_string()));
                }
            }
        }
        Ok(out)
    }

    /// Reads the recipe back from a spec's annotations.
    pub fn from_annotations(annotations: &HashMap<String, String>) -> Result<RootfsRecipe> {
        let get = |key: &str| annotations.get(key).map(String::as_str);
        let driver = match get(DRIVER_KEY) {
            Some("overlay") => RootfsDriver::Overlay,
            Some("fuse-overlayfs") => RootfsDriver::FuseOverlayfs,
            Some("vfs") => RootfsDriver::Vfs,
            Some(other) => bail!(
                "annotation {DRIVER_KEY}={other:?}: unknown driver: expected overlay, \
                 fuse-overlayfs or vfs; recreate the container"
            ),
            None => {
                bail!("annotation {DRIVER_KEY} is missing from the spec: recreate the container")
            }
        };
        let recipe = RootfsRecipe {
            driver,
            lowerdirs: get(LOWERDIRS_KEY)
                .map(|s| {
                    s.split(':')
                        .filter(|p| !p.is_empty())
                        .map(PathBuf::from)
                        .collect()
                })
                .unwrap_or_default(),
            upperdir: get(UPPERDIR_KEY).map(PathBuf::from),
            workdir: get(WORKDIR_KEY).map(PathBuf::from),
        };
        recipe
            .validate()
            .context("the spec's rootfs annotations are inconsistent: recreate the container")?;
        Ok(recipe)
    }
}

/// overlay's mount data separates lower dirs with ':' and options with ','; paths holding them
/// would be misread.
fn check_overlay_path(dir: &Path) -> Result<()> {
    let text = dir.to_string_lossy();
    if !dir.is_absolute() {
        bail!("rootfs recipe: {text} is not absolute: layer paths must be absolute");
    }
    if text.contains([':', ',']) {
        bail!(
            "rootfs recipe: {text} contains ':' or ',' which overlay cannot accept: move the \
             store (--root) to a path without them"
        );
    }
    Ok(())
}
