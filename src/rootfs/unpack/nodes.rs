//! Creating each kind of entry. Parents come from [`LayerRoot::create_dirs`] (confined to the
//! layer); the final component is always handled with `*at()` calls on the parent fd that never
//! follow it, and whatever an entry replaces is removed first, so an existing file (maybe a hard
//! link shared with another name) is never written through.
//!
//! [`LayerRoot::create_dirs`]: super::layer_root::LayerRoot::create_dirs

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;

use anyhow::{Context, Result, bail};
use rustix::fs::{AtFlags, Dev, FileType, Mode, OFlags, XattrFlags};
use rustix::io::Errno;

use super::entry_path::{EntryPath, quoted};
use super::layer_root::open_dir_nofollow;
use super::metadata::{self, Metadata, Node};
use super::remove::remove_entry;
use super::{DeferredDir, Unpacker, WhiteoutFormat};

/// Until its own mode is applied, only we may use what we create.
const PRIVATE_FILE_MODE: u32 = 0o600;
const PRIVATE_DIR_MODE: u32 = 0o700;

impl Unpacker<'_> {
    /// `.wh..wh..opq`: marks its directory (created if missing) opaque.
    pub(super) fn opaque(&mut self, marker: &EntryPath) -> Result<()> {
        let WhiteoutFormat::Overlay { xattr_prefix } = self.opts.whiteouts;
        let xattr = format!("{xattr_prefix}opaque");
        let parent = self.root.create_dirs(marker.parent())?;
        // xattrs cannot be set through an O_PATH fd.
        let dir = open_dir_nofollow(parent.as_fd(), ".").context("opening the opaque directory")?;
        match rustix::fs::fsetxattr(&dir, &xattr, b"y", XattrFlags::empty()) {
            Ok(()) => Ok(()),
            Err(e @ (Errno::PERM | Errno::ACCESS)) if xattr_prefix.starts_with("trusted.") => {
                bail!(
                    "marking the directory opaque with xattr {xattr} ({e}): trusted.* xattrs \
                     need real root; rootless overlay uses the user.overlay. prefix with `userxattr`"
                )
            }
            Err(e) => Err(e).with_context(|| format!("marking the directory opaque with {xattr}")),
        }
    }

    /// `.wh.NAME`: replaces NAME (whatever this layer put there) with an overlay whiteout.
    pub(super) fn whiteout(&mut self, marker: &EntryPath, target: &OsStr) -> Result<()> {
        let parent = self.root.create_dirs(marker.parent())?;
        remove_entry(parent.as_fd(), target).context("removing what the whiteout replaces")?;
        let whiteout_dev = rustix::fs::makedev(0, 0);
        let mode = Mode::empty();
        rustix::fs::mknodat(
            &parent,
            target,
            FileType::CharacterDevice,
            mode,
            whiteout_dev,
        )
        .map_err(|e| {
            anyhow::anyhow!(
                "creating the overlay whiteout {} (character device 0/0): {e}; unprivileged \
                     whiteouts need Linux 5.8 or later",
                quoted(target.as_bytes())
            )
        })
    }

    /// An existing directory is kept (its metadata updated), anything else there is replaced.
    pub(super) fn directory(&mut self, path: &EntryPath, meta: &Metadata) -> Result<()> {
        let parent = self.root.create_dirs(path.parent())?;
        let name = path.name();
        let existing = match rustix::fs::statat(&parent, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Some(FileType::from_raw_mode(st.st_mode)),
            Err(Errno::NOENT) => None,
            Err(e) => return Err(e).context("inspecting the existing entry"),
        };
        if existing != Some(FileType::Directory) {
            if existing.is_some() {
                remove_entry(parent.as_fd(), name).context("replacing the existing entry")?;
            }
            rustix::fs::mkdirat(&parent, name, Mode::from_raw_mode(PRIVATE_DIR_MODE))
                .context("creating the directory")?;
        }
        let dir = open_dir_nofollow(parent.as_fd(), name).context("opening the directory")?;
        self.owner_and_xattrs(Node::Open(dir.as_fd()), meta, path)?;
        self.deferred_dirs.push(DeferredDir {
            path: path.clone(),
            mode: meta.mode,
            mtime: meta.mtime,
        });
        Ok(())
    }

    pub(super) fn regular_file(
        &mut self,
        path: &EntryPath,
        meta: &Metadata,
        data: &mut impl Read,
        sparse: bool,
    ) -> Result<()> {
        let parent = self.root.create_dirs(path.parent())?;
        remove_entry(parent.as_fd(), path.name()).context("replacing the existing entry")?;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(
            &parent,
            path.name(),
            flags,
            Mode::from_raw_mode(PRIVATE_FILE_MODE),
        )
        .context("creating the file")?;
        let mut file = File::from(fd);
        let written = copy_data(data, &mut file, &mut self.copy_buffer, sparse)
            .context("copying file data")?;
        self.bytes += written;
        let node = Node::Open(file.as_fd());
        self.owner_and_xattrs(node, meta, path)?;
        metadata::write_mode_and_times(node, meta.mode, meta.mtime)
    }

    /// The target is stored verbatim: it is resolved (inside the root) only when used.
    pub(super) fn symlink(
        &mut self,
        path: &EntryPath,
        meta: &Metadata,
        target: &[u8],
    ) -> Result<()> {
        if target.is_empty() {
            bail!("symlink has an empty target; the layer is malformed");
        }
        let parent = self.root.create_dirs(path.parent())?;
        remove_entry(parent.as_fd(), path.name()).context("replacing the existing entry")?;
        rustix::fs::symlinkat(target, &parent, path.name())
            .with_context(|| format!("creating the symlink to {}", quoted(target)))?;
        let node = Node::Named {
            parent: parent.as_fd(),
            name: path.name(),
            symlink: true,
        };
        self.owner_and_xattrs(node, meta, path)?;
        metadata::write_mode_and_times(node, meta.mode, meta.mtime)
    }

    /// The target is an earlier entry of the layer, resolved inside the root like any path;
    /// `linkat` without `AT_SYMLINK_FOLLOW` links a symlink itself, never what it points to.
    pub(super) fn hard_link(
        &mut self,
        path: &EntryPath,
        meta: &Metadata,
        target: &[u8],
    ) -> Result<()> {
        let shown = quoted(target);
        let Some(target) =
            EntryPath::parse(target).with_context(|| format!("hard link target {shown}"))?
        else {
            bail!("hard link to the layer root {shown}; the layer is malformed or hostile");
        };
        let target_parent = match self.root.open_dir(target.parent()) {
            Ok(fd) => fd,
            Err(Errno::NOENT | Errno::NOTDIR) => return self.missing_link_target(path, &target),
            Err(e) => return Err(e).with_context(|| format!("resolving hard link target {shown}")),
        };
        let target_stat =
            match rustix::fs::statat(&target_parent, target.name(), AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => st,
                Err(Errno::NOENT) => return self.missing_link_target(path, &target),
                Err(e) => {
                    return Err(e).with_context(|| format!("inspecting hard link target {shown}"));
                }
            };
        let target_type = FileType::from_raw_mode(target_stat.st_mode);
        if target_type == FileType::Directory {
            bail!("hard link target {shown} is a directory; the layer is malformed or hostile");
        }
        let parent = self.root.create_dirs(path.parent())?;
        let name = path.name();
        let already_linked = matches!(
            rustix::fs::statat(&parent, name, AtFlags::SYMLINK_NOFOLLOW),
            Ok(st) if st.st_dev == target_stat.st_dev && st.st_ino == target_stat.st_ino
        );
        if !already_linked {
            remove_entry(parent.as_fd(), name).context("replacing the existing entry")?;
            rustix::fs::linkat(
                &target_parent,
                target.name(),
                &parent,
                name,
                AtFlags::empty(),
            )
            .with_context(|| format!("creating the hard link to {shown}"))?;
        }
        let node = Node::Named {
            parent: parent.as_fd(),
            name,
            symlink: target_type == FileType::Symlink,
        };
        self.owner_and_xattrs(node, meta, path)?;
        metadata::write_mode_and_times(node, meta.mode, meta.mtime)
    }

    fn missing_link_target(&mut self, path: &EntryPath, target: &EntryPath) -> Result<()> {
        if self.skipped_devices.contains(target.as_bytes()) {
            self.notes.note(
                "hard link to a device node that was not created, skipped",
                path,
            );
            return Ok(());
        }
        bail!(
            "hard link target {} does not exist in the layer (a hard link must come after its \
             target in the tar stream)",
            target.quoted()
        )
    }

    /// Fifos and device nodes. Creating devices needs real root; where we may not, the node is
    /// skipped and noted, as podman does in a user namespace.
    pub(super) fn special_file(
        &mut self,
        path: &EntryPath,
        meta: &Metadata,
        file_type: FileType,
        dev: Dev,
    ) -> Result<()> {
        let parent = self.root.create_dirs(path.parent())?;
        remove_entry(parent.as_fd(), path.name()).context("replacing the existing entry")?;
        let mode = Mode::from_raw_mode(PRIVATE_FILE_MODE);
        match rustix::fs::mknodat(&parent, path.name(), file_type, mode, dev) {
            Ok(()) => {}
            Err(e @ (Errno::PERM | Errno::INVAL)) if file_type != FileType::Fifo => {
                self.notes
                    .note(format!("device node not created (mknod: {e})"), path);
                self.skipped_devices.insert(path.as_bytes().to_vec());
                return Ok(());
            }
            Err(e) => return Err(e).context("creating the special file"),
        }
        let node = Node::Named {
            parent: parent.as_fd(),
            name: path.name(),
            symlink: false,
        };
        self.owner_and_xattrs(node, meta, path)?;
        metadata::write_mode_and_times(node, meta.mode, meta.mtime)
    }

    fn owner_and_xattrs(
        &mut self,
        node: Node<'_>,
        meta: &Metadata,
        path: &EntryPath,
    ) -> Result<()> {
        let ignore = self.opts.ignore_chown_errors;
        metadata::write_owner_and_xattrs(node, meta, ignore, path, &mut self.notes)
    }
}

/// Copies an entry's data through `buffer`. For sparse entries all-zero chunks become holes
/// (seeked over), so a hostile "1 TB of holes" entry does not fill the disk.
fn copy_data(
    src: &mut impl Read,
    dst: &mut File,
    buffer: &mut [u8],
    sparse: bool,
) -> io::Result<u64> {
    let mut total: u64 = 0;
    let mut ends_in_hole = false;
    loop {
        let n = match src.read(buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buffer[..n];
        ends_in_hole = sparse && chunk.iter().all(|&b| b == 0);
        if ends_in_hole {
            dst.seek(SeekFrom::Current(n as i64))?;
        } else {
            dst.write_all(chunk)?;
        }
        total += n as u64;
    }
    if ends_in_hole {
        // Seeking alone does not extend the file.
        dst.set_len(total)?;
    }
    Ok(total)
}
