//! The destination side of `engine cp`: a tar stream written below one directory.
//!
//! The helper makes that directory its root (chroot) before the first byte is written, so
//! nothing the stream holds reaches out of it: not `..` (refused anyway), not an absolute
//! symlink planted by the stream or found in the destination, not a hard link. Entry data is
//! written by the `tar` crate; directories are made here, and get their modes and times last
//! (a read-only directory would stop its own entries).

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, lchown};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use rustix::fs::{AtFlags, CWD, Timespec, Timestamps, utimensat};
use serde::{Deserialize, Serialize};
use tar::{Archive, EntryType};

use super::paths::Source;

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct ExtractOptions {
    /// Give files the archive's UIDs and GIDs (`-a`); else they belong to the extracting
    /// process: the container's root, or the user on the host.
    pub keep_owner: bool,
    /// Drop setuid and setgid bits (files copied out of a container onto the host).
    pub strip_setid: bool,
}

/// Where the entries go: below `base`, the first entry (the source) becoming `root`
/// (empty: it is `base` itself, its entries go into `base`); `root: None` takes every
/// entry's own path (a tar stream from stdin).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub base: PathBuf,
    pub root: Option<PathBuf>,
}

/// Extracts `stream`. `choose` gets the source (the first entry) and says where it goes; it
/// runs before anything is written (the helper chroots there). Returns false for an empty
/// stream, for which `choose` is not called.
pub fn extract(
    stream: impl Read,
    opts: ExtractOptions,
    choose: impl FnOnce(&Source) -> Result<Target>,
) -> Result<bool> {
    let mut archive = Archive::new(stream);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(true);
    archive.set_preserve_ownerships(opts.keep_owner);
    archive.set_overwrite(true);
    archive.set_unpack_xattrs(false);
    let mut entries = archive.entries().context("read the archive")?;
    let Some(first) = entries.next() else {
        return Ok(false);
    };
    let mut first = first.context("read the archive's first entry")?;
    let first_path = clean(&first.path_bytes())?;
    let source = Source {
        is_dir: first.header().entry_type() == EntryType::Directory,
        name: first_path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned()),
    };
    let target = choose(&source)?;
    let mut writer = Writer {
        target,
        first_path,
        opts,
        dirs: Vec::new(),
    };
    writer.write(&mut first)?;
    for entry in entries {
        writer.write(&mut entry.context("read the archive")?)?;
    }
    writer.finish()?;
    Ok(true)
}

/// A directory's metadata, applied once everything below it is written.
struct Deferred {
    path: PathBuf,
    mode: u32,
    mtime: u64,
    owner: (u64, u64),
}

struct Writer {
    target: Target,
    /// The first entry's path: the other entries' paths start with it.
    first_path: PathBuf,
    opts: ExtractOptions,
    dirs: Vec<Deferred>,
}

impl Writer {
    fn write<R: Read>(&mut self, entry: &mut tar::Entry<R>) -> Result<()> {
        let name = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&name).into_owned();
        let Some(path) = self.place(&name)? else {
            return Ok(());
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("create {}", parent.display()))?;
        }
        let header = entry.header();
        match header.entry_type() {
            EntryType::Directory => {
                make_dir(&path)?;
                let mode = header.mode().context("read a mode")?;
                let mtime = header.mtime().context("read a time")?;
                let owner = (header.uid()?, header.gid()?);
                self.dirs.push(Deferred {
                    path,
                    mode,
                    mtime,
                    owner,
                });
                Ok(())
            }
            EntryType::Link => {
                let link = entry.link_name_bytes().unwrap_or_default().into_owned();
                let Some(original) = self.place(&link)? else {
                    bail!("{shown}: a hard link to the destination itself");
                };
                let _ = std::fs::remove_file(&path);
                std::fs::hard_link(&original, &path)
                    .with_context(|| format!("link {} to {}", path.display(), original.display()))
            }
            EntryType::XGlobalHeader | EntryType::XHeader => Ok(()),
            _ => {
                entry.set_mask(if self.opts.strip_setid { 0o6000 } else { 0 });
                entry
                    .unpack(&path)
                    .with_context(|| format!("write {}", path.display()))?;
                Ok(())
            }
        }
    }

    /// Where the entry named `name` goes, `None` for the destination directory itself.
    fn place(&self, name: &[u8]) -> Result<Option<PathBuf>> {
        let path = clean(name)?;
        let below = match &self.target.root {
            None => path,
            Some(root) => {
                let Ok(rest) = path.strip_prefix(&self.first_path) else {
                    bail!(
                        "archive entry {} is not below the copied source",
                        path.display()
                    );
                };
                if rest.as_os_str().is_empty() {
                    root.clone()
                } else {
                    root.join(rest)
                }
            }
        };
        if below.as_os_str().is_empty() {
            return Ok(None);
        }
        Ok(Some(self.target.base.join(below)))
    }

    fn finish(self) -> Result<()> {
        for dir in self.dirs.iter().rev() {
            let apply = || -> std::io::Result<()> {
                if self.opts.keep_owner {
                    let (uid, gid) = dir.owner;
                    lchown(&dir.path, u32::try_from(uid).ok(), u32::try_from(gid).ok())?;
                }
                let mask = if self.opts.strip_setid { !0o6000 } else { !0 };
                let mode = std::fs::Permissions::from_mode(dir.mode & 0o7777 & mask);
                std::fs::set_permissions(&dir.path, mode)?;
                let time = Timespec {
                    tv_sec: i64::try_from(dir.mtime).unwrap_or(0),
                    tv_nsec: 0,
                };
                let times = Timestamps {
                    last_access: time,
                    last_modification: time,
                };
                utimensat(CWD, &dir.path, &times, AtFlags::empty())?;
                Ok(())
            };
            apply().with_context(|| format!("set the metadata of {}", dir.path.display()))?;
        }
        Ok(())
    }
}

/// An entry name as a relative path: `/` and `.` parts dropped, `..` refused.
fn clean(name: &[u8]) -> Result<PathBuf> {
    let path = Path::new(std::ffi::OsStr::from_bytes(name));
    let mut clean = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(part) => clean.push(part),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => bail!(
                "archive entry {} contains '..': refused",
                String::from_utf8_lossy(name)
            ),
        }
    }
    Ok(clean)
}

/// A directory at `path`, or the one already there (possibly through a symlink, which cannot
/// lead out of the root).
fn make_dir(path: &Path) -> Result<()> {
    match std::fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!(
                "cannot replace {}, which is not a directory, with a directory",
                path.display()
            )
        }
        Err(err) => Err(err).with_context(|| format!("create {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;
    use crate::container::copy::archive::write_archive;
    use crate::container::copy::paths::{DestKind, place};

    fn archive_of(src: &str) -> Vec<u8> {
        let mut out = Vec::new();
        write_archive(src, false, &mut out).unwrap();
        out
    }

    fn source_tree(dir: &Path) {
        std::fs::create_dir_all(dir.join("d/sub")).unwrap();
        std::fs::write(dir.join("d/f"), "file").unwrap();
        std::fs::write(dir.join("d/sub/s"), "deep").unwrap();
        symlink("/etc", dir.join("d/link")).unwrap();
        let mode = |m| std::fs::Permissions::from_mode(m);
        std::fs::set_permissions(dir.join("d/f"), mode(0o4755)).unwrap();
        std::fs::set_permissions(dir.join("d/sub"), mode(0o555)).unwrap();
    }

    /// Extracts the archive of `src` at `dest` by docker's rules, as the helper does.
    fn copy(src: &str, dest: &Path, opts: ExtractOptions) -> Result<bool> {
        let dest_text = dest.display().to_string();
        let kind = match std::fs::metadata(dest) {
            Ok(m) if m.is_dir() => DestKind::Directory,
            Ok(_) => DestKind::Other,
            Err(_) => DestKind::Missing,
        };
        extract(&archive_of(src)[..], opts, |source| {
            let placement = place(source, &dest_text, kind)?;
            Ok(Target {
                base: placement.base,
                root: Some(placement.root),
            })
        })
    }

    #[test]
    fn a_directory_becomes_a_missing_destination_with_its_metadata() {
        let tmp = tempfile::tempdir().unwrap();
        source_tree(tmp.path());
        let dest = tmp.path().join("new");
        let opts = ExtractOptions {
            strip_setid: true,
            ..ExtractOptions::default()
        };
        assert!(copy(&tmp.path().join("d").display().to_string(), &dest, opts).unwrap());
        assert_eq!(std::fs::read_to_string(dest.join("sub/s")).unwrap(), "deep");
        assert_eq!(
            std::fs::read_link(dest.join("link")).unwrap(),
            Path::new("/etc")
        );
        let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&dest.join("f")), 0o755, "setuid dropped");
        assert_eq!(mode(&dest.join("sub")), 0o555, "applied after its entries");
    }

    #[test]
    fn into_an_existing_directory_by_name_or_contents() {
        let tmp = tempfile::tempdir().unwrap();
        source_tree(tmp.path());
        let into = tmp.path().join("into");
        std::fs::create_dir(&into).unwrap();
        let d = tmp.path().join("d").display().to_string();
        copy(&d, &into, ExtractOptions::default()).unwrap();
        assert!(into.join("d/sub/s").is_file());
        copy(&format!("{d}/."), &into, ExtractOptions::default()).unwrap();
        assert!(into.join("sub/s").is_file());
        let file = tmp.path().join("into/f");
        copy(&format!("{d}/sub/s"), &file, ExtractOptions::default()).unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "deep",
            "a file overwrites"
        );
        assert!(
            copy(&d, &file, ExtractOptions::default()).is_err(),
            "a dir onto a file"
        );
    }

    #[test]
    fn entries_with_dotdot_are_refused_and_an_empty_stream_says_so() {
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..8].copy_from_slice(b"../evil\0");
        header.set_size(4);
        header.set_entry_type(EntryType::Regular);
        header.set_cksum();
        let mut stream = header.as_bytes().to_vec();
        stream.extend_from_slice(&[b'x'; 512]);
        stream.extend_from_slice(&[0; 1024]);
        let tmp = tempfile::tempdir().unwrap();
        let as_is = |_: &Source| {
            Ok(Target {
                base: tmp.path().to_path_buf(),
                root: None,
            })
        };
        let err = extract(&stream[..], ExtractOptions::default(), as_is).unwrap_err();
        assert!(format!("{err:#}").contains(".."), "{err:#}");
        assert!(!tmp.path().parent().unwrap().join("evil").exists());
        let empty = [0u8; 1024];
        assert!(!extract(&empty[..], ExtractOptions::default(), as_is).unwrap());
    }
}
