//! The bundle's config.json, loaded and checked for what the runtime relies on.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use oci_spec::runtime::{Linux, Process, Spec};

use crate::runtime::userns::Reached;
use crate::spec::recipe::{RESERVED_PREFIX, RootfsRecipe};

/// A loaded bundle: the spec and the parts every step needs, checked.
pub(super) struct Container {
    pub spec: Spec,
    pub bundle: PathBuf,
    /// Absolute: `root.path`, relative ones taken from the bundle.
    pub rootfs: PathBuf,
    pub recipe: RootfsRecipe,
    pub process: Process,
    /// `linux`, or its default when the spec has none.
    pub linux: Linux,
    /// With `process.terminal`: allocate the pty in the container's own devpts and hand its
    /// master to the monitor (`/dev/pts/0` inside, as crun's console socket does), rather
    /// than use the pty the runtime was given on stdin.
    pub console_in_container: bool,
    /// Host paths the user namespace helper opened for a root that cannot reach them
    /// (`--userns=auto`): `rootfs`, the recipe's dirs and bind sources then name them as
    /// `/proc/self/fd/N`.
    pub reached: Reached,
}

impl Container {
    pub fn load(bundle: &Path) -> Result<Container> {
        Container::load_reached(bundle, Reached::default())
    }

    /// [`Container::load`] through the paths `reached` holds (config.json included).
    pub fn load_reached(bundle: &Path, reached: Reached) -> Result<Container> {
        let path = bundle.join("config.json");
        let spec = match reached.file(&path) {
            Some(file) => file
                .map_err(anyhow::Error::from)
                .and_then(|file| Ok(serde_json::from_reader(std::io::BufReader::new(file))?)),
            None => Spec::load(&path).map_err(anyhow::Error::from),
        }
        .with_context(|| format!("load {}", path.display()))?;
        let mut container = Container::from_spec(spec, bundle)
            .with_context(|| format!("invalid {}", path.display()))?;
        container.reach_through(reached);
        Ok(container)
    }

    /// Names the rootfs and the recipe's dirs by the descriptors in `reached`.
    fn reach_through(&mut self, reached: Reached) {
        self.rootfs = reached.resolve(&self.rootfs);
        let recipe = &mut self.recipe;
        for dir in recipe.lowerdirs.iter_mut() {
            *dir = reached.resolve(dir);
        }
        for dir in [&mut recipe.upperdir, &mut recipe.workdir]
            .into_iter()
            .flatten()
        {
            *dir = reached.resolve(dir);
        }
        self.reached = reached;
    }

    /// Whether the rootfs is a reached descriptor rather than a path (see `rootfs`).
    pub fn rootfs_is_reached(&self) -> bool {
        crate::runtime::userns::fd_number(&self.rootfs).is_some()
    }

    /// The host path a bind mount takes from (OCI's rule, [`bind_source`]), or its reached
    /// descriptor.
    pub fn bind_source(&self, source: &Path) -> PathBuf {
        self.reached.resolve(&bind_source(&self.bundle, source))
    }

    pub fn from_spec(spec: Spec, bundle: &Path) -> Result<Container> {
        let Some(root) = spec.root() else {
            bail!("no root: the spec must name the root filesystem (root.path)");
        };
        let rootfs = bundle.join(root.path());
        let Some(process) = spec.process().clone() else {
            bail!("no process: the spec must say what to run (process.args)");
        };
        if process.args().as_ref().is_none_or(|args| args.is_empty()) {
            bail!("process.args is empty: give the command to run");
        }
        if !process.cwd().is_absolute() {
            bail!("process.cwd {} is not absolute", process.cwd().display());
        }
        check_apparmor(process.apparmor_profile().as_deref())?;
        let annotations = spec.annotations().clone().unwrap_or_default();
        let recipe = rootfs_recipe(&annotations)?;
        let linux = spec.linux().clone().unwrap_or_default();
        check_paths(&spec, &linux)?;
        check_namespaces(&linux)?;
        Ok(Container {
            bundle: bundle.to_path_buf(),
            rootfs,
            recipe,
            process,
            linux,
            spec,
            console_in_container: false,
            reached: Reached::default(),
        })
    }

    /// The command: never empty (checked at load).
    pub fn args(&self) -> &[String] {
        self.process.args().as_deref().unwrap_or_default()
    }

    pub fn terminal(&self) -> bool {
        self.process.terminal().unwrap_or(false)
    }

    pub fn has_namespace(&self, typ: oci_spec::runtime::LinuxNamespaceType) -> bool {
        let namespaces = self.linux.namespaces().as_deref().unwrap_or_default();
        namespaces.iter().any(|ns| ns.typ() == typ)
    }
}

/// The engine's recipe when the spec carries one; otherwise the bundle is a plain OCI bundle,
/// as any OCI tool writes it, whose `root.path` is the root filesystem as is.
fn rootfs_recipe(annotations: &HashMap<String, String>) -> Result<RootfsRecipe> {
    if annotations
        .keys()
        .any(|key| key.starts_with(RESERVED_PREFIX))
    {
        RootfsRecipe::from_annotations(annotations)
    } else {
        Ok(RootfsRecipe::vfs())
    }
}

/// Mount destinations and masked/read-only paths are absolute and free of `..`: they are
/// resolved inside the rootfs, and `..` has no meaning the spec author could rely on there.
/// The built-in runtime cannot apply AppArmor profiles. On a host without AppArmor there is
/// nothing to confine with (docker and podman apply no profile there either), so the profile is
/// ignored with a warning; on a host with AppArmor, ignoring it would silently weaken the
/// container, so the spec is refused.
fn check_apparmor(profile: Option<&str>) -> Result<()> {
    let Some(profile) = profile.filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let enabled = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|v| v.trim_start().starts_with('Y'));
    if enabled {
        bail!(
            "process.apparmorProfile {profile:?}: the built-in runtime does not apply AppArmor profiles; use --runtime crun or remove the profile"
        );
    }
    eprintln!(
        "warning: AppArmor is not enabled on this host: process.apparmorProfile {profile:?} is not applied"
    );
    Ok(())
}

fn check_paths(spec: &Spec, linux: &Linux) -> Result<()> {
    for mount in spec.mounts().as_deref().unwrap_or_default() {
        check_container_path("mount destination", mount.destination())?;
    }
    let masked = linux.masked_paths().as_deref().unwrap_or_default();
    let readonly = linux.readonly_paths().as_deref().unwrap_or_default();
    for path in masked.iter().chain(readonly) {
        check_container_path("masked or read-only path", Path::new(path))?;
    }
    for device in linux.devices().as_deref().unwrap_or_default() {
        check_container_path("device path", device.path())?;
    }
    Ok(())
}

pub(super) fn check_container_path(what: &str, path: &Path) -> Result<()> {
    if !path.is_absolute() {
        bail!("{what} {} is not absolute", path.display());
    }
    if path.components().any(|c| c == Component::ParentDir) {
        bail!(
            "{what} {} contains '..': use a path without it",
            path.display()
        );
    }
    Ok(())
}

fn check_namespaces(linux: &Linux) -> Result<()> {
    let mut seen = HashSet::new();
    for ns in linux.namespaces().as_deref().unwrap_or_default() {
        if !seen.insert(ns.typ()) {
            bail!("namespace {} is listed twice", ns.typ());
        }
    }
    Ok(())
}

/// The rootfs-relative form of a container path, for joining onto a directory.
pub(super) fn relative(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

/// A bind source: absolute, or relative to the bundle (OCI's rule).
pub(super) fn bind_source(bundle: &Path, source: &Path) -> PathBuf {
    if source.is_absolute() {
        source.to_path_buf()
    } else {
        bundle.join(source)
    }
}
