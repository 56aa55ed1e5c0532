//! Unpacking tar streams built in memory into temp dirs. Assertions about ownership, setuid
//! and device nodes only run as root; everything else runs as any user.

mod entries;
mod hostile;
mod limits;
mod special;
mod whiteouts;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tar::{EntryType, Header};

use super::{UnpackOptions, UnpackStats, WhiteoutFormat, unpack_layer};

/// The mtime every test entry gets unless it sets its own.
pub(super) const MTIME: u64 = 1_600_000_000;
const CANARY_TEXT: &[u8] = b"host file, must never change\n";

pub(super) fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

pub(super) fn rootless_options() -> UnpackOptions {
    UnpackOptions {
        whiteouts: WhiteoutFormat::Overlay {
            xattr_prefix: "user.overlay.",
        },
        ignore_chown_errors: !is_root(),
    }
}

/// A layer tar stream built entry by entry.
pub(super) struct Layer {
    builder: tar::Builder<Vec<u8>>,
}

impl Layer {
    pub(super) fn new() -> Self {
        Self {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    /// Appends an entry whose name and link name are written into the header verbatim: the
    /// tar crate's checked setters would refuse the hostile names these tests need.
    pub(super) fn entry_with(
        mut self,
        kind: EntryType,
        name: &[u8],
        link: &[u8],
        data: &[u8],
        edit: impl FnOnce(&mut Header),
    ) -> Self {
        let mut header = Header::new_gnu();
        let old = header.as_old_mut();
        old.name[..name.len()].copy_from_slice(name);
        old.linkname[..link.len()].copy_from_slice(link);
        header.set_entry_type(kind);
        header.set_mode(if kind == EntryType::Directory {
            0o755
        } else {
            0o644
        });
        header.set_size(data.len() as u64);
        header.set_mtime(MTIME);
        header.set_uid(0);
        header.set_gid(0);
        edit(&mut header);
        header.set_cksum();
        self.builder
            .append(&header, data)
            .expect("appending to an in-memory tar");
        self
    }

    pub(super) fn entry(self, kind: EntryType, name: &[u8], link: &[u8], data: &[u8]) -> Self {
        self.entry_with(kind, name, link, data, |_| {})
    }

    pub(super) fn file(self, name: &str, data: &[u8]) -> Self {
        self.entry(EntryType::Regular, name.as_bytes(), b"", data)
    }

    pub(super) fn dir(self, name: &str) -> Self {
        self.entry(EntryType::Directory, name.as_bytes(), b"", b"")
    }

    pub(super) fn symlink(self, name: &str, target: &str) -> Self {
        self.entry(EntryType::Symlink, name.as_bytes(), target.as_bytes(), b"")
    }

    pub(super) fn hardlink(self, name: &str, target: &str) -> Self {
        self.entry(EntryType::Link, name.as_bytes(), target.as_bytes(), b"")
    }

    pub(super) fn fifo(self, name: &str) -> Self {
        self.entry(EntryType::Fifo, name.as_bytes(), b"", b"")
    }

    /// Appends a header built by the caller, as is.
    pub(super) fn header(mut self, header: &Header, data: &[u8]) -> Self {
        self.builder
            .append(header, data)
            .expect("appending to an in-memory tar");
        self
    }

    /// Pax records describing the next entry.
    pub(super) fn pax(mut self, records: &[(&str, &[u8])]) -> Self {
        self.builder
            .append_pax_extensions(records.iter().copied())
            .expect("appending pax records");
        self
    }

    /// Appends an entry through the tar crate's own path handling (GNU long names included).
    pub(super) fn checked_file(mut self, name: &str, data: &[u8]) -> Self {
        let mut header = Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(MTIME);
        header.set_uid(0);
        header.set_gid(0);
        self.builder
            .append_data(&mut header, name, data)
            .expect("appending to an in-memory tar");
        self
    }

    pub(super) fn finish(self) -> Vec<u8> {
        self.builder
            .into_inner()
            .expect("finishing an in-memory tar")
    }
}

/// A temp dir holding the layer's destination and, next to it, a canary directory that a layer
/// escaping its destination through `..` would reach.
pub(super) struct Fixture {
    _tmp: tempfile::TempDir,
    pub(super) dest: PathBuf,
    pub(super) canary: PathBuf,
}

impl Fixture {
    pub(super) fn new() -> Self {
        let tmp = tempfile::tempdir().expect("creating a temp dir");
        let dest = tmp.path().join("layer");
        let canary = tmp.path().join("canary");
        fs::create_dir(&dest).expect("creating the layer dir");
        fs::create_dir(&canary).expect("creating the canary dir");
        fs::write(canary.join("passwd"), CANARY_TEXT).expect("writing the canary");
        fs::set_permissions(canary.join("passwd"), fs::Permissions::from_mode(0o644))
            .expect("chmod canary");
        Self {
            _tmp: tmp,
            dest,
            canary,
        }
    }

    pub(super) fn unpack(&self, layer: Vec<u8>) -> anyhow::Result<UnpackStats> {
        unpack_layer(layer.as_slice(), &self.dest, &rootless_options())
    }

    /// Unpacks a layer that must be refused; returns the one-line error.
    pub(super) fn refuse(&self, layer: Vec<u8>) -> String {
        match self.unpack(layer) {
            Ok(stats) => panic!("hostile layer was accepted: {stats:?}"),
            Err(e) => format!("{e:#}"),
        }
    }

    pub(super) fn path(&self, relative: &str) -> PathBuf {
        self.dest.join(relative)
    }

    /// Nothing outside the destination changed: the canary dir holds exactly its one file, with
    /// its content, mode, link count and no xattrs.
    pub(super) fn assert_canary_untouched(&self) {
        let names: Vec<_> = fs::read_dir(&self.canary)
            .expect("listing canary")
            .map(|e| e.expect("canary entry").file_name())
            .collect();
        assert_eq!(names, ["passwd"], "the canary directory changed");
        let file = self.canary.join("passwd");
        assert_eq!(fs::read(&file).expect("reading canary"), CANARY_TEXT);
        let meta = fs::symlink_metadata(&file).expect("stat canary");
        assert!(meta.is_file());
        assert_eq!(meta.mode() & 0o7777, 0o644);
        assert_eq!(meta.nlink(), 1, "something hard-linked the canary");
        assert_eq!(
            meta.uid(),
            rustix::process::geteuid().as_raw(),
            "the canary was chowned"
        );
        assert_eq!(xattr_names(&self.canary), Vec::<String>::new());
        assert_eq!(xattr_names(&file), Vec::<String>::new());
    }
}

pub(super) fn lstat(path: &Path) -> fs::Metadata {
    fs::symlink_metadata(path).unwrap_or_else(|e| panic!("lstat {}: {e}", path.display()))
}

/// The value of xattr `name` on `path` (not following a symlink), if set.
pub(super) fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 4096];
    match rustix::fs::lgetxattr(path, name, &mut buf[..]) {
        Ok(n) => Some(buf[..n].to_vec()),
        Err(rustix::io::Errno::NODATA) => None,
        Err(e) => panic!("getxattr {name} on {}: {e}", path.display()),
    }
}

fn xattr_names(path: &Path) -> Vec<String> {
    let mut buf = vec![0u8; 4096];
    let n = rustix::fs::llistxattr(path, &mut buf[..]).expect("listxattr");
    buf[..n]
        .split(|&c| c == 0)
        .filter(|name| !name.is_empty())
        .map(|name| String::from_utf8_lossy(name).into_owned())
        // SELinux hosts label everything; only what a layer could have set matters.
        .filter(|name| !name.starts_with("security.selinux"))
        .collect()
}

/// A file system supporting user.* xattrs (like /tmp on ext4, tmpfs >= 6.6) is assumed.
pub(super) fn user_xattrs_supported(dir: &Path) -> bool {
    let probe = dir.join(".xattr-probe");
    fs::write(&probe, b"").expect("writing probe");
    let ok =
        rustix::fs::setxattr(&probe, "user.probe", b"1", rustix::fs::XattrFlags::empty()).is_ok();
    fs::remove_file(&probe).expect("removing probe");
    ok
}
