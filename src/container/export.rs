//! A container's files as a tar stream: its whole filesystem (`engine export`) or its changes
//! to the image as an OCI layer (`engine commit`).
//!
//! The tar is written by `engine __container-tar`, a child in the rootless user namespace (it
//! must read files of every image owner, and then sees them with the image's IDs). For the
//! whole filesystem the child mounts, in a mount namespace of its own, a read-only overlay of
//! the container's upper directory over the image layers, the same for a stopped and a running
//! container (the upper is only read, so the container's own mount is left alone; /proc, /dev
//! and volumes are not part of it, as in podman). Either way it chroots into the tree first.
//! The same child lists a container's changes, or an image layer's, for `diff` (see the diff
//! module): not a tar.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, ExitCode, Stdio};

use anyhow::{Context, Result, anyhow, bail};
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};
use rustix::fs::{AtFlags, Mode, OFlags};

use super::diff::{ImageView, MountPointStubs};
use super::state;
use super::tree_diff::{Owners, names, open_dir_at};
use super::tree_tar::{Whiteouts, write_tree};
use crate::runtime::userns::{UsernsCommand, rootless_mappings};
use crate::spec::{RootfsDriver, RootfsRecipe};
use crate::store::{ContainerRecord, Store};
use crate::util::proc::in_user_namespace;

/// `argv[1]` of the child: `engine __container-tar filesystem|changes|diff BUNDLE`,
/// `engine __container-tar layer-diff MOUNT_POINT LAYER [LOWER...]` (lowers top first), or
/// `engine __container-tar tree-diff NEW_MOUNT OLD_MOUNT owners|no-owners N NEW_LAYER...
/// OLD_LAYER...` (N new layers, then the old ones; top first).
pub const CONTAINER_TAR_COMMAND: &str = "__container-tar";

const LAYER_DIFF: &str = "layer-diff";
const TREE_DIFF: &str = "tree-diff";

/// What the tar holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TarContent {
    /// The merged filesystem the container sees (without its mounts).
    Filesystem,
    /// The upper directory, whiteouts as OCI `.wh.` entries: a layer for the image.
    Changes,
    /// Not a tar: the list of changes `diff` prints (see the diff module).
    ChangeList,
}

impl TarContent {
    fn as_arg(self) -> &'static str {
        match self {
            TarContent::Filesystem => "filesystem",
            TarContent::Changes => "changes",
            TarContent::ChangeList => "diff",
        }
    }
}

/// A running tar child; read it to the end, then [`finish`](Self::finish).
pub struct ContainerTar {
    child: Child,
    /// Taken (closed) once we stop reading.
    stdout: Option<ChildStdout>,
    /// What the child does, for its errors: "archiving container NAME".
    doing: String,
}

/// Starts the child writing the tar of `record`'s files.
pub fn container_tar(
    store: &Store,
    record: &ContainerRecord,
    content: TarContent,
) -> Result<ContainerTar> {
    let bundle = store.container_dir(&record.id);
    let args = [content.as_arg().as_ref(), bundle.as_os_str()];
    let doing = match content {
        TarContent::ChangeList => format!("listing the changes of container {}", record.name),
        _ => format!("archiving container {}", record.name),
    };
    spawn_child(&args, doing)
}

/// Starts the child listing the changes of the image layer `layer` to the `lowers` below it
/// (top first), which it mounts on the empty directory `mount_point`; `doing` words its errors.
pub fn layer_change_list(
    mount_point: &Path,
    layer: &Path,
    lowers: &[PathBuf],
    doing: String,
) -> Result<ContainerTar> {
    let mut args = vec![
        LAYER_DIFF.as_ref(),
        mount_point.as_os_str(),
        layer.as_os_str(),
    ];
    args.extend(lowers.iter().map(|dir| dir.as_os_str()));
    spawn_child(&args, doing)
}

/// Starts the child listing the changes from the filesystem of `old` layers (top first) to that
/// of `new` ones, each mounted read-only on an empty directory of its own.
pub fn tree_change_list(
    new: (&Path, &[PathBuf]),
    old: (&Path, &[PathBuf]),
    owners: Owners,
    doing: String,
) -> Result<ContainerTar> {
    let count = new.1.len().to_string();
    let owners = match owners {
        Owners::Compared => "owners",
        Owners::Ignored => "no-owners",
    };
    let mut args = vec![
        TREE_DIFF.as_ref(),
        new.0.as_os_str(),
        old.0.as_os_str(),
        owners.as_ref(),
        count.as_ref(),
    ];
    args.extend(new.1.iter().chain(old.1).map(|dir| dir.as_os_str()));
    spawn_child(&args, doing)
}

fn spawn_child(args: &[&std::ffi::OsStr], doing: String) -> Result<ContainerTar> {
    let (mappings, _) = rootless_mappings()?;
    let argv = std::iter::once(CONTAINER_TAR_COMMAND.as_ref()).chain(args.iter().copied());
    let mut child = UsernsCommand::new("/proc/self/exe", argv)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn(&mappings)
        .with_context(|| format!("{doing}: starting the engine's files child"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow!("{doing}: the engine's files child has no output"))?;
    Ok(ContainerTar {
        child,
        stdout: Some(stdout),
        doing,
    })
}

impl Read for ContainerTar {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.stdout.as_mut() {
            Some(out) => out.read(buf),
            None => Ok(0),
        }
    }
}

impl ContainerTar {
    /// Waits for the child; its error if it failed.
    pub fn finish(mut self) -> Result<()> {
        match self.wait()? {
            None => Ok(()),
            Some(message) => bail!("{}: {message}", self.doing),
        }
    }

    /// After `error` on the reading side: the child's own error if it reported one (a
    /// failing archiver cuts the stream short, which is all the reader saw), else `error`.
    pub fn finish_after(mut self, error: anyhow::Error) -> anyhow::Error {
        match self.wait() {
            Ok(Some(message)) if !message.is_empty() => {
                anyhow!("{}: {message}", self.doing)
            }
            _ => error,
        }
    }

    /// Closes our end and waits; `Some(stderr)` when the child failed.
    fn wait(&mut self) -> Result<Option<String>> {
        // Unread output must not keep the child blocked on a full pipe.
        drop(self.stdout.take());
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut stderr);
        }
        let status = self.child.wait().context("waiting for the archiver")?;
        if status.success() {
            return Ok(None);
        }
        let message = stderr.trim().trim_start_matches("Error: ");
        Ok(Some(if message.is_empty() {
            format!("the archiver exited with {status}")
        } else {
            message.to_string()
        }))
    }
}

/// `engine export`: the container's filesystem as a tar, written to `out`.
pub fn export(store: &Store, name: &str, out: &mut dyn Write) -> Result<()> {
    let record = state::find(store, name)?;
    let mut tar = container_tar(store, &record, TarContent::Filesystem)?;
    match io::copy(&mut tar, out).and_then(|_| out.flush()) {
        Ok(()) => tar.finish(),
        Err(e) => Err(tar.finish_after(anyhow::Error::new(e).context("writing the archive"))),
    }
}

/// The child's entry point: exit 0, or 125 after printing the error.
pub fn container_tar_main(args: &[OsString]) -> ExitCode {
    let result = match args {
        [_, _, content, mount_point, layer, lowers @ ..] if content == LAYER_DIFF => {
            let lowers: Vec<PathBuf> = lowers.iter().map(PathBuf::from).collect();
            let layer = Path::new(layer);
            write_change_list(
                Path::new(mount_point),
                layer,
                &lowers,
                MountPointStubs::Kept,
            )
        }
        [
            _,
            _,
            content,
            new_mount,
            old_mount,
            owners,
            count,
            layers @ ..,
        ] if content == TREE_DIFF => {
            let layers: Vec<PathBuf> = layers.iter().map(PathBuf::from).collect();
            let owners = match owners.to_str() {
                Some("owners") => Some(Owners::Compared),
                Some("no-owners") => Some(Owners::Ignored),
                _ => None,
            };
            match (owners, count.to_str().and_then(|n| n.parse::<usize>().ok())) {
                (Some(owners), Some(n)) if n <= layers.len() => write_tree_change_list(
                    (Path::new(new_mount), &layers[..n]),
                    (Path::new(old_mount), &layers[n..]),
                    owners,
                ),
                _ => Err(anyhow!("{TREE_DIFF}: bad arguments {owners:?} {count:?}")),
            }
        }
        [_, _, content, bundle] => write_container_tar(content, Path::new(bundle)),
        _ => Err(anyhow!(
            "usage: {CONTAINER_TAR_COMMAND} filesystem|changes|diff BUNDLE, \
             {LAYER_DIFF} MOUNT_POINT LAYER [LOWER...], or \
             {TREE_DIFF} NEW_MOUNT OLD_MOUNT owners|no-owners N LAYER..."
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(125)
        }
    }
}

fn write_container_tar(content: &OsString, bundle: &Path) -> Result<()> {
    let recipe = load_recipe(bundle)?;
    let in_userns = in_user_namespace();
    let xattr_prefix = overlay_xattr_prefix(in_userns);
    let (root, whiteouts) = match content.to_str() {
        Some("changes") => {
            let Some(upper) = recipe.upperdir.clone() else {
                bail!(
                    "the container uses the vfs storage driver, which keeps no record of its \
                     changes: commit needs a container created with overlay or fuse-overlayfs"
                );
            };
            (upper, Whiteouts::Overlay { xattr_prefix })
        }
        Some("filesystem") => (merged_root(bundle, &recipe, in_userns)?, Whiteouts::None),
        Some("diff") => {
            // `diff` compares a vfs container's copy with its image (tree-diff) instead.
            let Some(upper) = recipe.upperdir.as_deref() else {
                bail!(
                    "the container uses the vfs storage driver: it has no upper directory to list"
                );
            };
            let image_root = bundle.join("rootfs");
            return write_change_list(
                &image_root,
                upper,
                &recipe.lowerdirs,
                MountPointStubs::Skipped,
            );
        }
        _ => bail!("unknown content {content:?}: use filesystem, changes or diff"),
    };
    nix::unistd::chroot(&root).with_context(|| format!("chroot {}", root.display()))?;
    nix::unistd::chdir("/").context("chdir /")?;
    let out = io::BufWriter::with_capacity(256 << 10, io::stdout().lock());
    write_tree(Path::new("/"), whiteouts, out)
}

/// The rootfs recipe the container was created with (from its spec's annotations).
pub(super) fn load_recipe(bundle: &Path) -> Result<RootfsRecipe> {
    let path = bundle.join("config.json");
    let spec = oci_spec::runtime::Spec::load(&path)
        .map_err(|e| anyhow!("reading {}: {e}", path.display()))?;
    let annotations: HashMap<String, String> = spec.annotations().clone().unwrap_or_default();
    RootfsRecipe::from_annotations(&annotations)
}

/// `diff`'s list: the image's view (the `lowers`, top first) mounted read-only on
/// `image_root` and held open, then `upper` walked chrooted into it, each path looked up in
/// the image's view. Written as `A /path` records ending with NUL.
fn write_change_list(
    image_root: &Path,
    upper: &Path,
    lowers: &[PathBuf],
    stubs: MountPointStubs,
) -> Result<()> {
    let in_userns = in_user_namespace();
    let image = match lowers.is_empty() {
        true => None,
        false => {
            mount_read_only_view(image_root, lowers, in_userns)?;
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd = rustix::fs::open(image_root, flags, Mode::empty())
                .with_context(|| format!("opening {}", image_root.display()))?;
            Some(fd)
        }
    };
    nix::unistd::chroot(upper).with_context(|| format!("chroot {}", upper.display()))?;
    nix::unistd::chdir("/").context("chdir /")?;
    let xattr_prefix = overlay_xattr_prefix(in_userns);
    let image = MountedImage(image);
    let changes = super::diff::upper_changes(Path::new("/"), xattr_prefix, stubs, &image)?;
    write_changes(&changes)
}

/// `diff A B`'s list: both filesystems mounted read-only, compared entry by entry.
fn write_tree_change_list(
    new: (&Path, &[PathBuf]),
    old: (&Path, &[PathBuf]),
    owners: Owners,
) -> Result<()> {
    let in_userns = in_user_namespace();
    let mut roots = Vec::new();
    for (mount_point, layers) in [new, old] {
        // A tree of no layers is empty: the mount point as it is.
        if !layers.is_empty() {
            mount_read_only_view(mount_point, layers, in_userns)?;
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let root = rustix::fs::open(mount_point, flags, Mode::empty())
            .with_context(|| format!("opening {}", mount_point.display()))?;
        roots.push(root);
    }
    let changes = super::tree_diff::tree_changes(roots[0].as_fd(), roots[1].as_fd(), owners)?;
    write_changes(&changes)
}

/// The changes as `A /path` records ending with NUL (a path may hold a newline).
fn write_changes(changes: &[super::diff::Change]) -> Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    for change in changes {
        write!(out, "{} {}\0", change.kind.letter(), change.path)?;
    }
    out.flush().context("writing the list of changes")
}

/// The image's view mounted outside the chroot, reached through a descriptor (none when the
/// walked directory is the bottom layer).
struct MountedImage(Option<OwnedFd>);

impl ImageView for MountedImage {
    fn has(&self, path: &Path) -> bool {
        let Some(root) = &self.0 else { return false };
        rustix::fs::statat(root, path, AtFlags::SYMLINK_NOFOLLOW).is_ok()
    }

    fn entries(&self, path: &Path) -> io::Result<Vec<OsString>> {
        let Some(root) = &self.0 else {
            return Ok(Vec::new());
        };
        let path = if path.as_os_str().is_empty() {
            Path::new(".")
        } else {
            path
        };
        let Some(dir) = open_dir_at(root.as_fd(), path)? else {
            return Ok(Vec::new());
        };
        Ok(names(dir.as_fd())?.into_iter().collect())
    }
}

/// Where overlay keeps its whiteout and opaque markers: user xattrs in a user namespace.
fn overlay_xattr_prefix(in_userns: bool) -> &'static str {
    match in_userns {
        true => "user.overlay.",
        false => "trusted.overlay.",
    }
}

/// Mounts the read-only merged view on the bundle's `rootfs/` in a private mount namespace
/// (the vfs driver's `rootfs/` is a plain copy already); returns it.
fn merged_root(bundle: &Path, recipe: &RootfsRecipe, in_userns: bool) -> Result<PathBuf> {
    let root = bundle.join("rootfs");
    if recipe.driver == RootfsDriver::Vfs {
        return Ok(root);
    }
    // Top first; the upper directory is only read, as the topmost lower layer.
    let layers: Vec<PathBuf> = recipe
        .upperdir
        .iter()
        .chain(&recipe.lowerdirs)
        .cloned()
        .collect();
    mount_read_only_view(&root, &layers, in_userns)?;
    Ok(root)
}

/// Mounts `layers` (top first, at least one) read-only on `root`, in a mount namespace of the
/// child's own.
fn mount_read_only_view(root: &Path, layers: &[PathBuf], in_userns: bool) -> Result<()> {
    if !in_userns {
        // As real root the child has no namespace of its own yet.
        unshare(CloneFlags::CLONE_NEWNS).context("unshare the mount namespace")?;
        let private = MsFlags::MS_REC | MsFlags::MS_PRIVATE;
        mount(None::<&str>, "/", None::<&str>, private, None::<&str>)
            .context("make the mounts private: mount /")?;
    }
    let lowers: Vec<String> = layers.iter().map(|dir| dir.display().to_string()).collect();
    let mut data = format!("lowerdir={}", lowers.join(":"));
    if in_userns {
        data.push_str(",userxattr");
    }
    if lowers.len() < 2 {
        // overlay needs two lower layers without an upper: a bind mount shows the one.
        mount(
            Some(Path::new(&lowers[0])),
            root,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_RDONLY,
            None::<&str>,
        )
        .with_context(|| format!("bind mount {} on {}", lowers[0], root.display()))?;
        return Ok(());
    }
    mount(
        Some("overlay"),
        root,
        Some("overlay"),
        MsFlags::MS_RDONLY,
        Some(data.as_str()),
    )
    .with_context(|| {
        format!(
            "mount a read-only overlay on {} ({data}); the fuse-overlayfs driver is not \
             supported by export and diff",
            root.display()
        )
    })?;
    Ok(())
}
