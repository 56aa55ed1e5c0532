//! The source side of `engine cp`: one path as a tar stream.
//!
//! The first entry is the source itself, named by its base name (`.` for `DIR/.`, which
//! copies a directory's contents); the entries below it follow, parents first. Symlinks are
//! archived as links, never followed, except the source itself with `-L` (or a trailing `/`,
//! which makes it a directory path). Hard links are archived as separate files. Sockets, FIFOs
//! and device nodes are skipped with a warning: reading a FIFO would block, and a device node
//! copied out of a container is a way into the host's devices.

use std::fs::{File, Metadata};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tar::{Builder, EntryType, Header, HeaderMode};

use super::paths::split_source;

/// Writes the archive of `src` (as the user wrote it: `DIR/.` and a trailing `/` count) to
/// `out`; `follow` (`-L`) archives what a symlink source points to. Entries keep their
/// owners' IDs.
pub fn write_archive(src: &str, follow: bool, out: impl Write) -> Result<()> {
    let (path, contents, must_be_dir) = split_source(src);
    let follow = follow || must_be_dir;
    let meta = if follow {
        std::fs::metadata(&path)
    } else {
        std::fs::symlink_metadata(&path)
    };
    let meta = meta.with_context(|| format!("{src}: cannot copy it"))?;
    if must_be_dir && !meta.is_dir() {
        bail!("{src}: not a directory");
    }
    let name = if contents {
        PathBuf::from(".")
    } else {
        match path.file_name() {
            Some(name) => PathBuf::from(name),
            None => bail!("{src}: name the file or directory to copy"),
        }
    };
    let mut builder = Builder::new(out);
    builder.follow_symlinks(false);
    let mut archiver = Archiver { builder };
    // Directories still to walk: their path and their name in the archive.
    let mut pending = Vec::new();
    if archiver.append(&path, &name, &meta, follow)? {
        pending.push((path, name));
    }
    while let Some((dir, name)) = pending.pop() {
        let mut children: Vec<_> = std::fs::read_dir(&dir)
            .and_then(|entries| entries.map(|e| e.map(|e| e.file_name())).collect())
            .with_context(|| format!("read the directory {}", dir.display()))?;
        children.sort();
        let mut subdirs = Vec::new();
        for child in children {
            let (child_path, child_name) = (dir.join(&child), name.join(&child));
            let meta = std::fs::symlink_metadata(&child_path)
                .with_context(|| format!("stat {}", child_path.display()))?;
            if archiver.append(&child_path, &child_name, &meta, false)? {
                subdirs.push((child_path, child_name));
            }
        }
        // Reversed onto the stack: walked in name order.
        pending.extend(subdirs.into_iter().rev());
    }
    archiver
        .builder
        .into_inner()
        .and_then(|mut out| out.flush())
        .context("write the archive")
}

struct Archiver<W: Write> {
    builder: Builder<W>,
}

impl<W: Write> Archiver<W> {
    /// Appends one entry; true for a directory whose entries come next.
    fn append(&mut self, path: &Path, name: &Path, meta: &Metadata, follow: bool) -> Result<bool> {
        let kind = meta.file_type();
        if kind.is_socket() || kind.is_fifo() || kind.is_block_device() || kind.is_char_device() {
            eprintln!(
                "WARNING: skipped {}: sockets, FIFOs and device nodes are not copied",
                path.display()
            );
            return Ok(false);
        }
        let mut header = Header::new_gnu();
        header.set_metadata_in_mode(meta, HeaderMode::Complete);
        let appended = if kind.is_dir() {
            header.set_size(0);
            self.builder.append_data(&mut header, name, io::empty())
        } else if kind.is_symlink() && !follow {
            let target = std::fs::read_link(path)
                .with_context(|| format!("read the symlink {}", path.display()))?;
            header.set_entry_type(EntryType::Symlink);
            header.set_size(0);
            self.builder.append_link(&mut header, name, target)
        } else {
            return self.append_file(path, name, header, follow).map(|()| false);
        };
        appended.with_context(|| format!("archive {}", path.display()))?;
        Ok(kind.is_dir())
    }

    fn append_file(
        &mut self,
        path: &Path,
        name: &Path,
        mut header: Header,
        follow: bool,
    ) -> Result<()> {
        // Not following a symlink (unless asked to), nor blocking on a FIFO, swapped in since
        // the stat.
        let no_follow = if follow { 0 } else { libc::O_NOFOLLOW };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(no_follow | libc::O_NONBLOCK)
            .open(path)
            .with_context(|| format!("open {}", path.display()))?;
        let meta = file
            .metadata()
            .with_context(|| format!("stat {}", path.display()))?;
        if !meta.is_file() {
            bail!(
                "{} changed while being copied: copy it again",
                path.display()
            );
        }
        header.set_entry_type(EntryType::Regular);
        let size = meta.len();
        header.set_size(size);
        self.builder
            .append_data(&mut header, name, exactly(file, size))
            .with_context(|| format!("archive {}", path.display()))
    }
}

/// `size` bytes of `file`: a file that shrank while being read is padded with zeros, one that
/// grew is cut, so the archive stays well-formed.
fn exactly(file: File, size: u64) -> impl Read {
    file.take(size).chain(io::repeat(0)).take(size)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    fn entries(archive: &[u8]) -> Vec<(String, EntryType, u64, String)> {
        let mut reader = tar::Archive::new(archive);
        reader
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let path = e.path().unwrap().display().to_string();
                let header = e.header().clone();
                let link = e
                    .link_name()
                    .unwrap()
                    .map(|l| l.display().to_string())
                    .unwrap_or_default();
                let mut data = String::new();
                e.read_to_string(&mut data).unwrap();
                let detail = if link.is_empty() { data } else { link };
                (path, header.entry_type(), header.uid().unwrap(), detail)
            })
            .collect()
    }

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("d");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("f"), "file").unwrap();
        std::fs::write(d.join("sub/s"), "deep").unwrap();
        symlink("/etc/passwd", d.join("link")).unwrap();
        std::fs::set_permissions(d.join("f"), std::fs::Permissions::from_mode(0o750)).unwrap();
        dir
    }

    fn archive(src: &Path, suffix: &str, follow: bool) -> Vec<u8> {
        let mut out = Vec::new();
        write_archive(&format!("{}{suffix}", src.display()), follow, &mut out).unwrap();
        out
    }

    #[test]
    fn a_directory_comes_first_by_name_then_its_tree_with_links_as_links() {
        let dir = tree();
        let got = entries(&archive(&dir.path().join("d"), "", false));
        let names: Vec<&str> = got.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, ["d", "d/f", "d/link", "d/sub", "d/sub/s"]);
        assert_eq!(got[0].1, EntryType::Directory);
        assert_eq!((got[1].1, got[1].3.as_str()), (EntryType::Regular, "file"));
        assert_eq!(
            (got[2].1, got[2].3.as_str()),
            (EntryType::Symlink, "/etc/passwd")
        );
        let uid = rustix::process::geteuid().as_raw();
        assert!(
            got.iter().all(|e| e.2 == u64::from(uid)),
            "owners kept: {got:?}"
        );
    }

    #[test]
    fn contents_of_a_directory_are_rooted_at_dot() {
        let dir = tree();
        let got = entries(&archive(&dir.path().join("d"), "/.", false));
        // tar writes `./f` as `f`: below `.` every name is the contents'.
        assert_eq!(got[0].0, ".");
        assert_eq!(got[1].0, "f");
    }

    #[test]
    fn a_symlink_source_is_a_link_unless_followed() {
        let dir = tree();
        let link = dir.path().join("d/link");
        let got = entries(&archive(&link, "", false));
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].0.as_str(), got[0].1), ("link", EntryType::Symlink));
        let got = entries(&archive(&link, "", true));
        assert_eq!((got[0].0.as_str(), got[0].1), ("link", EntryType::Regular));
        assert!(
            got[0].3.contains("root:"),
            "the target's content: {:?}",
            got[0].3
        );
    }

    #[test]
    fn missing_sources_and_files_named_as_directories_are_errors() {
        let dir = tree();
        let mut out = Vec::new();
        let missing = dir.path().join("nope").display().to_string();
        assert!(write_archive(&missing, false, &mut out).is_err());
        let file_as_dir = format!("{}/", dir.path().join("d/f").display());
        let err = write_archive(&file_as_dir, false, &mut out).unwrap_err();
        assert!(format!("{err:#}").contains("not a directory"), "{err:#}");
    }
}
