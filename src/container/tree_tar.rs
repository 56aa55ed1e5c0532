//! A directory tree as a tar stream: a container's whole filesystem (`export`), or its upper
//! directory as an OCI layer (`commit`), where overlay whiteouts become `.wh.` entries again.
//!
//! Runs chrooted into the tree (see `export::container_tar_main`), so no symlink a running
//! container plants can lead a read outside it. Entries keep their owners as the process sees
//! them: in the user namespace, the image's IDs. Hard links are archived as links, xattrs as
//! pax records (overlay's own excepted), sockets are skipped (they cannot be archived).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tar::{Builder, EntryType, Header, HeaderMode};

/// overlay's xattr namespaces; never part of an image.
const OVERLAY_XATTRS: [&str; 2] = ["user.overlay.", "trusted.overlay."];
const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";
/// Files the runtime bind-mounts over; created empty in the upper directory as mount points
/// when the image lacks them, they are no change of the container's (podman leaves them out).
const MOUNT_POINT_STUBS: [&str; 3] = ["etc/hostname", "etc/hosts", "etc/resolv.conf"];

/// How overlay's markers in the tree are archived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whiteouts {
    /// A merged view: there are none.
    None,
    /// An upper directory: 0/0 character devices and `<prefix>whiteout` files become
    /// `.wh.NAME`, directories with `<prefix>opaque=y` get a `.wh..wh..opq` entry.
    Overlay { xattr_prefix: &'static str },
}

/// Writes the tar of the tree at `root` (entries named relative to it) to `out`.
pub fn write_tree(root: &Path, whiteouts: Whiteouts, out: impl Write) -> Result<()> {
    let mut builder = Builder::new(out);
    builder.follow_symlinks(false);
    let mut writer = TreeWriter {
        builder,
        whiteouts,
        links: HashMap::new(),
    };
    let mut pending: Vec<(PathBuf, PathBuf)> = vec![(root.to_path_buf(), PathBuf::new())];
    while let Some((dir, name)) = pending.pop() {
        let mut children: Vec<_> = fs::read_dir(&dir)
            .and_then(|entries| entries.map(|e| e.map(|e| e.file_name())).collect())
            .with_context(|| format!("reading the directory /{}", name.display()))?;
        children.sort();
        let mut subdirs = Vec::new();
        for child in children {
            let (path, child_name) = (dir.join(&child), name.join(&child));
            let meta = fs::symlink_metadata(&path)
                .with_context(|| format!("inspecting /{}", child_name.display()))?;
            if writer
                .append(&path, &child_name, &meta)
                .with_context(|| format!("archiving /{}", child_name.display()))?
            {
                subdirs.push((path, child_name));
            }
        }
        // Reversed onto the stack: walked in name order.
        pending.extend(subdirs.into_iter().rev());
    }
    writer
        .builder
        .into_inner()
        .and_then(|mut out| out.flush())
        .context("writing the archive")
}

struct TreeWriter<W: Write> {
    builder: Builder<W>,
    whiteouts: Whiteouts,
    /// The first name of every multiply-linked file seen, by (device, inode).
    links: HashMap<(u64, u64), PathBuf>,
}

impl<W: Write> TreeWriter<W> {
    /// Appends one entry; true for a directory whose entries come next.
    fn append(&mut self, path: &Path, name: &Path, meta: &Metadata) -> Result<bool> {
        let file_type = meta.file_type();
        if file_type.is_socket() {
            // As in podman and tar: a socket is no file to carry, only a live endpoint.
            return Ok(false);
        }
        if self.is_mount_point_stub(name, meta) {
            return Ok(false);
        }
        let xattrs = read_xattrs(path)?;
        if self.is_whiteout(meta, &xattrs) {
            let marker = whiteout_name(name, WHITEOUT_PREFIX);
            self.append_marker(&marker, meta)?;
            return Ok(false);
        }
        let mut header = Header::new_gnu();
        header.set_metadata_in_mode(meta, HeaderMode::Complete);
        self.append_xattrs(&xattrs)?;
        if !file_type.is_dir() && meta.nlink() > 1 {
            let key = (meta.dev(), meta.ino());
            if let Some(first) = self.links.get(&key) {
                header.set_entry_type(EntryType::Link);
                header.set_size(0);
                self.builder.append_link(&mut header, name, first)?;
                return Ok(false);
            }
            self.links.insert(key, name.to_path_buf());
        }
        if file_type.is_dir() {
            self.builder.append_data(&mut header, name, io::empty())?;
            if self.is_opaque(&xattrs) {
                self.append_marker(&name.join(OPAQUE_MARKER), meta)?;
            }
            return Ok(true);
        }
        if file_type.is_symlink() {
            let target = fs::read_link(path)?;
            self.builder.append_link(&mut header, name, target)?;
        } else if file_type.is_file() {
            // Exactly the size in the header, even if a running container changes the file
            // meanwhile: cut off, or padded with zeros.
            let size = meta.len();
            let data = File::open(path)?.take(size).chain(io::repeat(0)).take(size);
            self.builder.append_data(&mut header, name, data)?;
        } else {
            // FIFOs and device nodes: the header says it all.
            header.set_size(0);
            self.builder.append_data(&mut header, name, io::empty())?;
        }
        Ok(false)
    }

    fn is_whiteout(&self, meta: &Metadata, xattrs: &[(String, Vec<u8>)]) -> bool {
        let Whiteouts::Overlay { xattr_prefix } = self.whiteouts else {
            return false;
        };
        is_overlay_whiteout(meta, xattrs, xattr_prefix)
    }

    fn is_mount_point_stub(&self, name: &Path, meta: &Metadata) -> bool {
        matches!(self.whiteouts, Whiteouts::Overlay { .. }) && is_mount_point_stub(name, meta)
    }

    fn is_opaque(&self, xattrs: &[(String, Vec<u8>)]) -> bool {
        let Whiteouts::Overlay { xattr_prefix } = self.whiteouts else {
            return false;
        };
        is_overlay_opaque(xattrs, xattr_prefix)
    }

    /// An empty file named as an OCI whiteout marker.
    fn append_marker(&mut self, name: &Path, meta: &Metadata) -> Result<()> {
        let mut header = Header::new_gnu();
        header.set_entry_type(EntryType::Regular);
        header.set_size(0);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(meta.mtime().max(0) as u64);
        self.builder.append_data(&mut header, name, io::empty())?;
        Ok(())
    }

    /// The xattrs of the next entry, as a pax extended header (SCHILY.xattr.NAME).
    fn append_xattrs(&mut self, xattrs: &[(String, Vec<u8>)]) -> Result<()> {
        let records: Vec<(String, &[u8])> = xattrs
            .iter()
            .filter(|(k, _)| !OVERLAY_XATTRS.iter().any(|p| k.starts_with(p)))
            .map(|(k, v)| (format!("SCHILY.xattr.{k}"), v.as_slice()))
            .collect();
        if records.is_empty() {
            return Ok(());
        }
        let data = pax_records(&records);
        let mut header = Header::new_ustar();
        header.set_entry_type(EntryType::XHeader);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_path("PaxHeader")?;
        header.set_cksum();
        self.builder.append(&header, &data[..])?;
        Ok(())
    }
}

/// Whether an upper directory's entry is overlay's mark of a deleted file: a 0/0 character
/// device, or a file with the `<xattr_prefix>whiteout` xattr (overlay in a user namespace).
pub(super) fn is_overlay_whiteout(
    meta: &Metadata,
    xattrs: &[(String, Vec<u8>)],
    xattr_prefix: &str,
) -> bool {
    let device_whiteout = meta.file_type().is_char_device() && meta.rdev() == 0;
    let xattr = format!("{xattr_prefix}whiteout");
    device_whiteout || (meta.is_file() && xattrs.iter().any(|(k, _)| *k == xattr))
}

/// Whether an upper directory's directory hides everything below it in the lower layers
/// (`<xattr_prefix>opaque` is `y`: it was removed and made again).
pub(super) fn is_overlay_opaque(xattrs: &[(String, Vec<u8>)], xattr_prefix: &str) -> bool {
    let opaque = format!("{xattr_prefix}opaque");
    xattrs.iter().any(|(k, v)| *k == opaque && v == b"y")
}

/// Whether an upper directory's entry `name` is an empty mount point the runtime made for a
/// bind mount the image lacked a file for (no change of the container's).
pub(super) fn is_mount_point_stub(name: &Path, meta: &Metadata) -> bool {
    meta.is_file()
        && meta.len() == 0
        && MOUNT_POINT_STUBS.iter().any(|stub| name == Path::new(stub))
}

/// `dir/NAME` → `dir/<prefix>NAME`.
fn whiteout_name(name: &Path, prefix: &str) -> PathBuf {
    let file = name.file_name().unwrap_or(OsStr::new(""));
    let mut marker = prefix.as_bytes().to_vec();
    marker.extend_from_slice(file.as_bytes());
    name.with_file_name(OsStr::from_bytes(&marker))
}

/// pax records: `LEN KEY=VALUE\n`, LEN counting the whole record, its own digits included.
fn pax_records(records: &[(String, &[u8])]) -> Vec<u8> {
    let mut data = Vec::new();
    for (key, value) in records {
        let body = key.len() + value.len() + 3; // ' ', '=', '\n'
        let mut len = body + 1;
        while len != body + len.to_string().len() {
            len = body + len.to_string().len();
        }
        data.extend_from_slice(format!("{len} {key}=").as_bytes());
        data.extend_from_slice(value);
        data.push(b'\n');
    }
    data
}

/// The xattrs of `path` itself (never of a symlink's target); none where unsupported.
pub(super) fn read_xattrs(path: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut names = vec![0u8; 4096];
    let len = match rustix::fs::llistxattr(path, &mut names) {
        Ok(len) => len,
        Err(rustix::io::Errno::NOTSUP) => return Ok(Vec::new()),
        Err(rustix::io::Errno::RANGE) => {
            names = vec![0u8; 64 << 10];
            rustix::fs::llistxattr(path, &mut names).context("listing xattrs")?
        }
        Err(e) => return Err(e).context("listing xattrs"),
    };
    let mut xattrs = Vec::new();
    for name in names[..len].split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let Ok(name) = std::str::from_utf8(name) else {
            continue;
        };
        let mut value = vec![0u8; 64 << 10];
        match rustix::fs::lgetxattr(path, name, &mut value) {
            Ok(n) => {
                value.truncate(n);
                xattrs.push((name.to_string(), value));
            }
            // Removed meanwhile, or not ours to read (trusted.* in a user namespace).
            Err(rustix::io::Errno::NODATA | rustix::io::Errno::PERM) => {}
            Err(e) => return Err(e).with_context(|| format!("reading xattr {name}")),
        }
    }
    Ok(xattrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(tar: &[u8]) -> Vec<(String, EntryType, Vec<u8>)> {
        let mut archive = tar::Archive::new(tar);
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let name = e.path().unwrap().display().to_string();
                let kind = e.header().entry_type();
                let mut data = Vec::new();
                e.read_to_end(&mut data).unwrap();
                (name, kind, data)
            })
            .collect()
    }

    #[test]
    fn whiteouts_and_opaque_dirs_become_oci_markers() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("etc/opaque")).unwrap();
        fs::write(root.join("etc/new"), b"new").unwrap();
        fs::hard_link(root.join("etc/new"), root.join("etc/link")).unwrap();
        std::os::unix::fs::symlink("/etc/new", root.join("sym")).unwrap();
        let whiteout = rustix::fs::mknodat(
            rustix::fs::CWD,
            root.join("etc/gone"),
            rustix::fs::FileType::CharacterDevice,
            rustix::fs::Mode::empty(),
            0,
        );
        let opaque = rustix::fs::setxattr(
            root.join("etc/opaque"),
            "user.overlay.opaque",
            b"y",
            rustix::fs::XattrFlags::empty(),
        );
        let mut tar = Vec::new();
        let whiteouts = Whiteouts::Overlay {
            xattr_prefix: "user.overlay.",
        };
        write_tree(root, whiteouts, &mut tar).unwrap();
        let got = entries(&tar);
        let names: Vec<&str> = got.iter().map(|(n, _, _)| n.as_str()).collect();
        assert!(
            names.contains(&"etc/new") && names.contains(&"sym"),
            "{names:?}"
        );
        let link = got
            .iter()
            .find(|(n, _, _)| n == "etc/link" || n == "etc/new")
            .unwrap();
        assert_eq!(link.1, EntryType::Regular, "the first name holds the data");
        assert!(
            got.iter().any(|(_, k, _)| *k == EntryType::Link),
            "{names:?}"
        );
        if whiteout.is_ok() {
            assert!(names.contains(&"etc/.wh.gone"), "{names:?}");
            assert!(!names.contains(&"etc/gone"), "{names:?}");
        }
        if opaque.is_ok() {
            assert!(names.contains(&"etc/opaque/.wh..wh..opq"), "{names:?}");
        }
    }

    #[test]
    fn pax_record_lengths_count_themselves() {
        let data = pax_records(&[("k".to_string(), &[b'v'; 5][..])]);
        // "10 k=vvvvv\n" is 11 bytes: the length must say 11.
        assert_eq!(data, b"11 k=vvvvv\n");
    }
}
