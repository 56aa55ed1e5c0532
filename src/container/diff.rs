//! `engine diff`: what a container changed in its image's files, as podman lists it: `A` added,
//! `C` changed, `D` deleted, one absolute path each, sorted by path.
//!
//! The list comes from the container-files child (`__container-tar diff BUNDLE`, see export),
//! in the user namespace: it mounts the image's own view (the container's lower layers,
//! read-only) in a mount namespace of its own, keeps a handle on it, chroots into the
//! container's upper directory and walks it. An overlay whiteout is a deletion; any other
//! entry is a change when the image has that path and an addition when it has not (a new
//! directory's entries are all additions), as containers/storage tells them apart.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use super::export::{TarContent, container_tar};
use super::state;
use super::tree_tar::{is_mount_point_stub, is_overlay_opaque, is_overlay_whiteout, read_xattrs};
use crate::store::Store;

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

/// The changes of container `name` to its image's files.
pub fn diff(store: &Store, name: &str) -> Result<Vec<Change>> {
    if store.find_container(name)?.is_none() && store.find_image(name)?.is_some() {
        bail!(
            "{name} is an image, and diff compares a container's files to its image's: run a \
             container from it, or see its layers with `engine history {name}`"
        );
    }
    let record = state::find(store, name)?;
    let mut child = container_tar(store, &record, TarContent::ChangeList)?;
    let mut listing = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut child, &mut listing) {
        return Err(child.finish_after(anyhow!(e).context("reading the list of changes")));
    }
    child.finish()?;
    let changes: Vec<Change> = listing
        .split_terminator('\0')
        .map(parse_line)
        .collect::<Result<_>>()?;
    Ok(changes
        .into_iter()
        .filter(|c| !RUNTIME_MOUNT_POINTS.contains(&c.path.as_str()))
        .collect())
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

/// The changes an upper directory `upper` records, sorted by path; `in_image` tells whether
/// the image has a path (relative, without the leading `/`). `xattr_prefix` is overlay's:
/// `user.overlay.` in a user namespace.
pub fn upper_changes(
    upper: &Path,
    xattr_prefix: &str,
    in_image: &dyn Fn(&Path) -> bool,
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
            if is_mount_point_stub(&child, &meta) {
                continue;
            }
            let xattrs = read_xattrs(&path).with_context(|| format!("/{}", child.display()))?;
            let kind = if is_overlay_whiteout(&meta, &xattrs, xattr_prefix) {
                ChangeKind::Deleted
            } else if dir_in_image && in_image(&child) {
                ChangeKind::Changed
            } else {
                ChangeKind::Added
            };
            if meta.is_dir() {
                // Below a new directory, or one made again (opaque), nothing is the image's.
                let image_below =
                    kind == ChangeKind::Changed && !is_overlay_opaque(&xattrs, xattr_prefix);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| format!("{} {}", c.kind.letter(), c.path))
            .collect()
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
        let in_image = |p: &Path| image.join(p).symlink_metadata().is_ok();
        let changes = upper_changes(&upper, "user.overlay.", &in_image).unwrap();
        assert_eq!(
            listed(&changes),
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
        let changes = upper_changes(&upper, "user.overlay.", &|p| p != Path::new("opt")).unwrap();
        assert_eq!(listed(&changes), ["A /opt", "A /opt/app"]);
    }

    #[test]
    fn below_a_directory_made_again_every_entry_is_added() {
        let dir = tempfile::tempdir().unwrap();
        let upper = dir.path().join("upper");
        fs::create_dir_all(upper.join("etc")).unwrap();
        fs::write(upper.join("etc/passwd"), b"new").unwrap();
        mark(&upper.join("etc"), "user.overlay.opaque");
        // The image has /etc/passwd, but `rm -rf /etc; mkdir /etc` hid it: a new file.
        let changes = upper_changes(&upper, "user.overlay.", &|_| true).unwrap();
        assert_eq!(listed(&changes), ["C /etc", "A /etc/passwd"]);
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
