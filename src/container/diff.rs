//! `engine diff`: what a container changed in its image's files, or what an image's top layer
//! changed in the layers below, as podman lists it: `A` added, `C` changed, `D` deleted, one
//! absolute path each, sorted by path.
//!
//! The list comes from the container-files child (`__container-tar diff BUNDLE`, see export),
//! in the user namespace: it mounts the image's own view (the container's lower layers,
//! read-only) in a mount namespace of its own, keeps a handle on it, chroots into the
//! container's upper directory and walks it. An overlay whiteout is a deletion; any other
//! entry is a change when the image has that path and an addition when it has not (a new
//! directory's entries are all additions), as containers/storage tells them apart. For an
//! image the same walk goes over its top layer, the layers below mounted as the image's view.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use super::export::{
    ContainerTar, TarContent, container_tar, layer_change_list, load_recipe, tree_change_list,
};
use super::state;
use super::tree_diff::Owners;
use super::tree_tar::{is_mount_point_stub, is_overlay_opaque, is_overlay_whiteout, read_xattrs};
use crate::spec::RootfsDriver;
use crate::store::{ContainerRecord, ImageRecord, Store};
use crate::util::digest::Digest;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Changed,
    Deleted,
}

impl ChangeKind {
    /// podman's letter for it.
    pub fn letter(self) -> char {
        match self {
            ChangeKind::Added => 'A',
            ChangeKind::Changed => 'C',
            ChangeKind::Deleted => 'D',
        }
    }

    fn from_letter(letter: &str) -> Option<ChangeKind> {
        match letter {
            "A" => Some(ChangeKind::Added),
            "C" => Some(ChangeKind::Changed),
            "D" => Some(ChangeKind::Deleted),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// Absolute, as the container sees it.
    pub path: String,
}

/// What `diff` looks `name` up as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffTarget {
    /// A container, else an image (a container wins when both match, as in podman).
    Any,
    Container,
    Image,
}

/// A container or an image, found.
enum Object {
    Container(Box<ContainerRecord>),
    Image(Box<ImageRecord>),
}

fn find(store: &Store, name: &str, target: DiffTarget) -> Result<Object> {
    let container = match target {
        DiffTarget::Image => None,
        _ => store.find_container(name)?,
    };
    if container.is_some() || target == DiffTarget::Container {
        return Ok(Object::Container(Box::new(state::find(store, name)?)));
    }
    match store.find_image(name)? {
        Some(image) => Ok(Object::Image(Box::new(image))),
        None if target == DiffTarget::Image => {
            bail!("no such image {name:?}: see `engine images`")
        }
        None => {
            bail!("no such container or image {name:?}: see `engine ps -a` and `engine images`")
        }
    }
}

/// The changes of container `name` to its image's files, or of image `name`'s top layer to
/// the layers below it (podman's `diff IMAGE`); with `other`, from the files of `other` to
/// those of `name` (podman's `diff A B`).
pub fn diff(
    store: &Store,
    name: &str,
    other: Option<&str>,
    target: DiffTarget,
) -> Result<Vec<Change>> {
    let object = find(store, name, target)?;
    if let Some(other) = other {
        let base = find(store, other, target)?;
        let objects = [&object, &base];
        let a_container = objects.iter().any(|o| matches!(o, Object::Container(_)));
        let trees = (layers_of(store, &object)?, layers_of(store, &base)?);
        let doing = format!("comparing the files of {name} to those of {other}");
        let owners = owners_comparable(&objects);
        return changes_between(store, trees, (a_container, owners), doing);
    }
    // vfs keeps no record of the changes: the copy is compared with the image's layers, as
    // podman's naive differ does.
    if let Object::Container(record) = &object
        && record.rootfs_driver == RootfsDriver::Vfs.as_str()
    {
        let image = record.layers.iter().rev().map(|c| store.layer_diff(c));
        let trees = (layers_of(store, &object)?, image.collect());
        let doing = format!("comparing the files of container {name} to its image's");
        let owners = owners_comparable(&[&object]);
        return changes_between(store, trees, (true, owners), doing);
    }
    match object {
        Object::Container(record) => container_changes(store, &record),
        Object::Image(image) => image_changes(store, name, &image),
    }
}

/// Owners are compared unless a container's files are stored with shifted owners
/// (`--userns=keep-id|auto`), where every file would differ; a warning says so.
fn owners_comparable(objects: &[&Object]) -> Owners {
    let shifted = objects.iter().find_map(|object| match object {
        Object::Container(record) if record.userns.is_some() => Some(record.name.as_str()),
        _ => None,
    });
    let Some(name) = shifted else {
        return Owners::Compared;
    };
    eprintln!(
        "WARNING: owners are not compared: container {name} runs in a user namespace of its \
         own (--userns), and its files are stored with shifted owners"
    );
    Owners::Ignored
}

fn container_changes(store: &Store, record: &ContainerRecord) -> Result<Vec<Change>> {
    let child = container_tar(store, record, TarContent::ChangeList)?;
    let changes = read_changes(child)?;
    Ok(changes
        .into_iter()
        .filter(|c| !RUNTIME_MOUNT_POINTS.contains(&c.path.as_str()))
        .collect())
}

/// The filesystems of the `(new, old)` layer stacks (top first) mounted read-only by the
/// child, each on an empty scratch directory, and compared entry by entry (see `tree_diff`);
/// the runtime's mount points are left out when `a_container` is compared, owners unless
/// `owners` says they are comparable.
fn changes_between(
    store: &Store,
    (new_layers, old_layers): (Vec<PathBuf>, Vec<PathBuf>),
    (a_container, owners): (bool, Owners),
    doing: String,
) -> Result<Vec<Change>> {
    let scratch = store.tmp_dir()?;
    let mount_point = || {
        tempfile::tempdir_in(scratch)
            .with_context(|| format!("creating a mount point in {}", scratch.display()))
    };
    let (new_mount, old_mount) = (mount_point()?, mount_point()?);
    let child = tree_change_list(
        (new_mount.path(), &new_layers),
        (old_mount.path(), &old_layers),
        owners,
        doing,
    )?;
    let changes = read_changes(child)?;
    // What the runtime mounted over in a container differs from anything else by its times.
    let runtime_made = |c: &Change| a_container && RUNTIME_MOUNT_POINTS.contains(&c.path.as_str());
    Ok(changes.into_iter().filter(|c| !runtime_made(c)).collect())
}

/// The directories whose union is the object's filesystem, top first: a container's upper
/// directory over its image's layers (its copy, for vfs), an image's layers.
fn layers_of(store: &Store, object: &Object) -> Result<Vec<PathBuf>> {
    match object {
        Object::Image(image) => {
            let chains = image.layers.iter().rev();
            Ok(chains.map(|l| store.layer_diff(&l.chain_id)).collect())
        }
        Object::Container(record) => {
            let bundle = store.container_dir(&record.id);
            let recipe = load_recipe(&bundle)?;
            if recipe.driver == RootfsDriver::Vfs {
                return Ok(vec![bundle.join("rootfs")]);
            }
            Ok(recipe
                .upperdir
                .into_iter()
                .chain(recipe.lowerdirs)
                .collect())
        }
    }
}

/// The image's top layer walked over the others, mounted read-only (top first) on an empty
/// scratch directory in the child's own mount namespace.
fn image_changes(store: &Store, name: &str, image: &ImageRecord) -> Result<Vec<Change>> {
    let chains: Vec<&Digest> = image.layers.iter().map(|l| &l.chain_id).collect();
    let Some((top, below)) = chains.split_last() else {
        return Ok(Vec::new());
    };
    let lowers: Vec<PathBuf> = below.iter().rev().map(|c| store.layer_diff(c)).collect();
    let scratch = store.tmp_dir()?;
    let mount_point = tempfile::tempdir_in(scratch)
        .with_context(|| format!("creating a mount point in {}", scratch.display()))?;
    let doing = format!("listing the changes of image {name}");
    let child = layer_change_list(mount_point.path(), &store.layer_diff(top), &lowers, doing)?;
    read_changes(child)
}

/// The child's records, read to the end.
fn read_changes(mut child: ContainerTar) -> Result<Vec<Change>> {
    let mut listing = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut child, &mut listing) {
        return Err(child.finish_after(anyhow!(e).context("reading the list of changes")));
    }
    child.finish()?;
    listing.split_terminator('\0').map(parse_line).collect()
}

/// Where the runtime mounts over the container's files: mount points it made there are no
/// change of the container's (the paths podman leaves out of its diff).
const RUNTIME_MOUNT_POINTS: [&str; 9] = [
    "/dev",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/proc",
    "/run",
    "/run/.containerenv",
    "/run/secrets",
    "/sys",
];

/// One record of the child's output (they end with NUL, as a path may hold a newline): `A /path`.
fn parse_line(line: &str) -> Result<Change> {
    let parsed = line
        .split_once(' ')
        .and_then(|(letter, path)| Some((ChangeKind::from_letter(letter)?, path)));
    match parsed {
        Some((kind, path)) if path.starts_with('/') => Ok(Change {
            kind,
            path: path.to_string(),
        }),
        _ => bail!("the container-files child printed {line:?}, not a change"),
    }
}

/// Whether the empty mount point files (see `tree_tar`) of a walked directory are left out:
/// in a container's upper directory the runtime made them; an image layer's are its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountPointStubs {
    Skipped,
    Kept,
}

/// The image's files (the layers below the walked directory), as the walk asks about them:
/// paths are relative, without the leading `/`.
pub trait ImageView {
    fn has(&self, path: &Path) -> bool;
    /// The names in the image's directory `path`; none when it has no such directory.
    fn entries(&self, path: &Path) -> std::io::Result<Vec<OsString>>;
}

/// The changes an upper directory (or image layer) `upper` records over `image`, sorted by
/// path. `xattr_prefix` is overlay's: `user.overlay.` in a user namespace.
pub fn upper_changes(
    upper: &Path,
    xattr_prefix: &str,
    stubs: MountPointStubs,
    image: &dyn ImageView,
) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    // (directory on disk, its path in the container, whether the image has it)
    let mut pending: Vec<(PathBuf, PathBuf, bool)> =
        vec![(upper.to_path_buf(), PathBuf::new(), true)];
    while let Some((dir, name, dir_in_image)) = pending.pop() {
        // A running container may remove what is being listed: gone is no error.
        let entries = match fs::read_dir(&dir) {
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            other => other.with_context(|| format!("reading the directory /{}", name.display()))?,
        };
        for entry in entries {
            let entry =
                entry.with_context(|| format!("reading the directory /{}", name.display()))?;
            let (path, child) = (entry.path(), name.join(entry.file_name()));
            let meta = match fs::symlink_metadata(&path) {
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                other => other.with_context(|| format!("inspecting /{}", child.display()))?,
            };
            if stubs == MountPointStubs::Skipped && is_mount_point_stub(&child, &meta) {
                continue;
            }
            let xattrs = read_xattrs(&path).with_context(|| format!("/{}", child.display()))?;
            let kind = if is_overlay_whiteout(&meta, &xattrs, xattr_prefix) {
                ChangeKind::Deleted
            } else if dir_in_image && image.has(&child) {
                ChangeKind::Changed
            } else {
                ChangeKind::Added
            };
            if meta.is_dir() {
                // Below a new directory nothing is the image's. Below one made again (opaque)
                // the image's entries are hidden: those it lacks are deleted, those it made
                // again changed (podman 4.3.1 lists both so).
                let image_below = kind == ChangeKind::Changed;
                if image_below && is_overlay_opaque(&xattrs, xattr_prefix) {
                    changes.extend(hidden_by_opaque(&path, &child, image)?);
                }
                pending.push((path, child.clone(), image_below));
            }
            changes.push(Change {
                kind,
                path: format!("/{}", child.display()),
            });
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(changes)
}

/// The image's entries of a directory made again (`rm -rf dir; mkdir dir`: overlay marks it
/// opaque) that the new one lacks: deleted.
fn hidden_by_opaque(dir: &Path, name: &Path, image: &dyn ImageView) -> Result<Vec<Change>> {
    let kept: HashSet<OsString> = match fs::read_dir(dir) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        other => other
            .and_then(|entries| entries.map(|e| e.map(|e| e.file_name())).collect())
            .with_context(|| format!("reading the directory /{}", name.display()))?,
    };
    let entries = image
        .entries(name)
        .with_context(|| format!("reading the image's directory /{}", name.display()))?;
    Ok(entries
        .into_iter()
        .filter(|entry| !kept.contains(entry))
        .map(|entry| Change {
            kind: ChangeKind::Deleted,
            path: format!("/{}", name.join(entry).display()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The changes of `upper` over `image`, as `diff` prints them.
    fn walk(upper: &Path, stubs: MountPointStubs, image: &dyn ImageView) -> Vec<String> {
        let changes = upper_changes(upper, "user.overlay.", stubs, image).unwrap();
        changes
            .iter()
            .map(|c| format!("{} {}", c.kind.letter(), c.path))
            .collect()
    }

    /// An image unpacked in a directory.
    struct ImageDir(PathBuf);

    impl ImageView for ImageDir {
        fn has(&self, path: &Path) -> bool {
            self.0.join(path).symlink_metadata().is_ok()
        }
        fn entries(&self, path: &Path) -> std::io::Result<Vec<OsString>> {
            fs::read_dir(self.0.join(path))?
                .map(|e| e.map(|e| e.file_name()))
                .collect()
        }
    }

    /// An image that answers `has` as told and has no directory to list.
    struct Answers<F>(F);

    impl<F: Fn(&Path) -> bool> ImageView for Answers<F> {
        fn has(&self, path: &Path) -> bool {
            (self.0)(path)
        }
        fn entries(&self, _: &Path) -> std::io::Result<Vec<OsString>> {
            Ok(Vec::new())
        }
    }

    /// Sets overlay's marker `xattr` (value `y`) on `path`, as overlay in a user namespace does.
    fn mark(path: &Path, xattr: &str) {
        rustix::fs::setxattr(path, xattr, b"y", rustix::fs::XattrFlags::empty())
            .expect("user xattrs on the test's temporary directory");
    }

    #[test]
    fn additions_changes_and_deletions_of_an_upper_directory() {
        let dir = tempfile::tempdir().unwrap();
        let (image, upper) = (dir.path().join("image"), dir.path().join("upper"));
        for d in ["etc", "bin", "usr/lib"] {
            fs::create_dir_all(image.join(d)).unwrap();
        }
        fs::write(image.join("etc/passwd"), b"root").unwrap();
        fs::write(image.join("bin/vi"), b"vi").unwrap();
        fs::create_dir_all(upper.join("etc")).unwrap();
        fs::create_dir_all(upper.join("new/deep")).unwrap();
        fs::create_dir_all(upper.join("bin")).unwrap();
        fs::write(upper.join("etc/passwd"), b"root\nuser").unwrap();
        fs::write(upper.join("etc/added"), b"x").unwrap();
        fs::write(upper.join("new/deep/file"), b"x").unwrap();
        // An empty mount point for /etc/hosts the image lacked: no change of the container's.
        fs::write(upper.join("etc/hosts"), b"").unwrap();
        // A whiteout as overlay makes it in a user namespace: a file with an xattr.
        fs::write(upper.join("bin/vi"), b"").unwrap();
        mark(&upper.join("bin/vi"), "user.overlay.whiteout");
        assert_eq!(
            walk(&upper, MountPointStubs::Skipped, &ImageDir(image)),
            [
                "C /bin",
                "D /bin/vi",
                "C /etc",
                "A /etc/added",
                "C /etc/passwd",
                "A /new",
                "A /new/deep",
                "A /new/deep/file",
            ]
        );
    }

    #[test]
    fn a_path_under_a_new_directory_is_added_even_if_the_image_has_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let upper = dir.path().join("upper");
        fs::create_dir_all(upper.join("opt/app")).unwrap();
        // The image has no /opt, yet answers yes for anything: only the top is asked.
        let image = Answers(|p: &Path| p != Path::new("opt"));
        let listed = walk(&upper, MountPointStubs::Skipped, &image);
        assert_eq!(listed, ["A /opt", "A /opt/app"]);
    }

    #[test]
    fn below_a_directory_made_again_the_images_entries_are_changed_or_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let (image, upper) = (dir.path().join("image"), dir.path().join("upper"));
        fs::create_dir_all(image.join("etc/ssl")).unwrap();
        fs::write(image.join("etc/passwd"), b"root").unwrap();
        fs::write(image.join("etc/ssl/cert.pem"), b"pem").unwrap();
        fs::create_dir_all(upper.join("etc")).unwrap();
        fs::write(upper.join("etc/passwd"), b"new").unwrap();
        mark(&upper.join("etc"), "user.overlay.opaque");
        fs::write(upper.join("etc/added"), b"x").unwrap();
        // `rm -rf /etc; mkdir /etc; echo new > /etc/passwd; echo x > /etc/added`: passwd is
        // made again, /etc/ssl is gone (one line, as for a whiteout of a directory).
        let listed = walk(&upper, MountPointStubs::Skipped, &ImageDir(image));
        assert_eq!(
            listed,
            ["C /etc", "A /etc/added", "C /etc/passwd", "D /etc/ssl"]
        );
    }

    #[test]
    fn an_image_layers_empty_files_at_mount_points_are_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let upper = dir.path().join("upper");
        fs::create_dir_all(upper.join("etc")).unwrap();
        fs::write(upper.join("etc/hosts"), b"").unwrap();
        let image = Answers(|_: &Path| true);
        assert_eq!(walk(&upper, MountPointStubs::Skipped, &image), ["C /etc"]);
        let kept = walk(&upper, MountPointStubs::Kept, &image);
        assert_eq!(kept, ["C /etc", "C /etc/hosts"]);
    }

    #[test]
    fn the_childs_lines_parse_and_garbage_is_refused() {
        assert_eq!(
            parse_line("D /etc/a b").unwrap(),
            Change {
                kind: ChangeKind::Deleted,
                path: "/etc/a b".into()
            }
        );
        assert!(parse_line("X /etc").is_err());
        assert!(parse_line("A etc").is_err());
    }
}
