//! Unpacking one image layer (an uncompressed tar stream) into its own directory, once, at pull
//! time, to serve later as an overlay lower dir.
//!
//! Security first: nothing is ever written outside the destination, whatever the tar holds.
//! Names with `..` refuse the layer; absolute names are taken relative to the destination; every
//! parent directory is resolved with `openat2(RESOLVE_IN_ROOT)` so symlinks planted by the layer
//! resolve inside it; the final component is created or replaced with `*at()` calls on that
//! parent fd that never follow it. The `tar` crate only parses; its unpack functions are unused.
//!
//! Whiteouts are written in the overlay format: `.wh.NAME` becomes a 0/0 character device NAME,
//! `.wh..wh..opq` sets `<prefix>opaque=y` on its directory.
//!
//! The unpacker runs as real root, or in a user namespace mapping the user's subordinate ids
//! (chown to image ids works), or in a single-id namespace where chown to other ids fails and
//! [`UnpackOptions::ignore_chown_errors`] keeps the unpacking user as owner.

mod entry_path;
mod layer_root;
mod metadata;
mod nodes;
mod notes;
mod remove;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::os::fd::AsFd;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rustix::fs::{FileType, Timespec};
use tar::EntryType;

use entry_path::{EntryPath, Marker, quoted};
use layer_root::LayerRoot;
use metadata::{Metadata, Node};
use notes::Notes;

use super::layer_tar::record::{SplitRecorder, record};

/// How deletions and opaque directories are represented on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhiteoutFormat {
    /// overlay whiteouts: char 0/0 devices and `<prefix>opaque=y` xattrs
    Overlay {
        /// "user.overlay." (rootless, mounted with `userxattr`) or "trusted.overlay."
        xattr_prefix: &'static str,
    },
}

#[derive(Debug, Clone)]
pub struct UnpackOptions {
    pub whiteouts: WhiteoutFormat,
    /// Keep going, owned by the unpacking user, when chown to an image id fails (a user
    /// namespace without the subordinate id range); each skip is noted in the stats.
    pub ignore_chown_errors: bool,
}

#[derive(Debug, Default)]
pub struct UnpackStats {
    /// Tar entries processed (pax global headers excluded).
    pub entries: u64,
    /// File data written, in bytes (the logical size of sparse files).
    pub bytes: u64,
    /// What was skipped and why, one line per reason, e.g. device nodes we may not create.
    pub skipped: Vec<String>,
}

/// Unpacks the uncompressed layer tar `tar_stream` into `dest`, an existing empty directory.
///
/// Reads the stream to its end (past the end-of-archive blocks), so a caller hashing it sees
/// every byte. On error `dest` holds a partial layer and should be removed.
pub fn unpack_layer(
    tar_stream: impl Read,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<UnpackStats> {
    let max_entries = crate::util::limits::max_layer_entries()?;
    unpack(tar_stream, dest, opts, max_entries, None).context("unpacking layer")
}

/// [`unpack_layer`], recording the layer's tar-split (see `layer_tar`) into `split`. Returns
/// whether the split can reproduce the stream: not when the layer replaced one of its own
/// files, whose first payload is gone.
pub fn unpack_layer_recording(
    tar_stream: impl Read,
    dest: &Path,
    opts: &UnpackOptions,
    split: File,
) -> Result<(UnpackStats, bool)> {
    let (recorder, reader) = record(tar_stream, split).context("starting the tar-split")?;
    let max_entries = crate::util::limits::max_layer_entries()?;
    let stats =
        unpack(reader, dest, opts, max_entries, Some(&recorder)).context("unpacking layer")?;
    let complete = recorder.finish().context("writing the layer's tar-split")?;
    Ok((stats, complete))
}

/// Unpacks, refusing a layer of more than `max_entries` entries (a tar bomb: each directory
/// costs memory until [`Unpacker::finish`]).
fn unpack(
    tar_stream: impl Read,
    dest: &Path,
    opts: &UnpackOptions,
    max_entries: u64,
    split: Option<&SplitRecorder>,
) -> Result<UnpackStats> {
    let mut unpacker = Unpacker::new(dest, opts, split)?;
    let mut archive = tar::Archive::new(tar_stream);
    for entry in archive.entries().context("reading the tar stream")? {
        let mut entry =
            entry.context("reading the tar stream (truncated or not a tar archive?)")?;
        let raw_name = entry.path_bytes().into_owned();
        if unpacker.entries >= max_entries {
            bail!(
                "the layer has more than {max_entries} entries, the ceiling set by {} (raise it \
                 if the image is genuine); refusing it as a tar bomb",
                crate::util::limits::LAYER_ENTRIES_VAR
            );
        }
        unpacker
            .entry(&mut entry, &raw_name)
            .with_context(|| format!("entry {}", quoted(&raw_name)))?;
    }
    std::io::copy(&mut archive.into_inner(), &mut std::io::sink())
        .context("reading the tar stream after the end-of-archive marker")?;
    unpacker.finish()
}

/// A directory's mode and mtime, applied once the layer is complete: creating children changes
/// a directory's mtime, and a read-only mode would stop us creating them.
struct DeferredDir {
    path: EntryPath,
    mode: u32,
    mtime: Timespec,
}

/// The state of one layer being unpacked.
struct Unpacker<'o> {
    root: LayerRoot,
    opts: &'o UnpackOptions,
    /// Records what must be kept to reproduce the tar stream, if asked.
    split: Option<&'o SplitRecorder>,
    entries: u64,
    bytes: u64,
    notes: Notes,
    deferred_dirs: Vec<DeferredDir>,
    /// Device nodes we could not create, so that hard links to them are skipped too instead of
    /// failing the layer.
    skipped_devices: HashSet<Vec<u8>>,
    /// File data goes through this one buffer: memory stays bounded whatever the file sizes.
    copy_buffer: Vec<u8>,
}

const COPY_BUFFER_SIZE: usize = 128 * 1024;

impl<'o> Unpacker<'o> {
    fn new(dest: &Path, opts: &'o UnpackOptions, split: Option<&'o SplitRecorder>) -> Result<Self> {
        Ok(Self {
            root: LayerRoot::open(dest)?,
            opts,
            split,
            entries: 0,
            bytes: 0,
            notes: Notes::default(),
            deferred_dirs: Vec::new(),
            skipped_devices: HashSet::new(),
            copy_buffer: vec![0; COPY_BUFFER_SIZE],
        })
    }

    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>, raw_name: &[u8]) -> Result<()> {
        let kind = entry.header().entry_type();
        if kind == EntryType::XGlobalHeader {
            // Global pax defaults (tar already applies what it supports); no file of its own.
            return Ok(());
        }
        self.entries += 1;
        let Some(path) = EntryPath::parse(raw_name)? else {
            // The layer root itself: the store owns the destination directory's metadata.
            return Ok(());
        };
        let marker = path.marker()?;
        self.note_replaced(&path, &marker, kind);
        match marker {
            Marker::None => {}
            Marker::Opaque => return self.opaque(&path),
            Marker::Whiteout(target) => return self.whiteout(&path, target),
            Marker::AufsMetadata => {
                self.notes.note("AUFS metadata ignored", &path);
                return Ok(());
            }
        }
        let meta = Metadata::read(entry)?;
        match kind {
            // Pre-POSIX archives mark directories as regular files with a trailing slash.
            EntryType::Regular if raw_name.ends_with(b"/") => self.directory(&path, &meta),
            EntryType::Directory => self.directory(&path, &meta),
            EntryType::Regular | EntryType::Continuous => {
                if let Some(split) = self.split {
                    split.begin_payload(path.as_bytes())?;
                }
                self.regular_file(&path, &meta, entry, false)?;
                match self.split {
                    Some(split) => Ok(split.end_payload()?),
                    None => Ok(()),
                }
            }
            // tar's reader expands the sparse map: holes read as zeros, which are skipped again.
            EntryType::GNUSparse => self.regular_file(&path, &meta, entry, true),
            EntryType::Symlink => {
                let target = entry.link_name_bytes().unwrap_or_default().into_owned();
                self.symlink(&path, &meta, &target)
            }
            EntryType::Link => {
                let target = entry.link_name_bytes().unwrap_or_default().into_owned();
                self.hard_link(&path, &meta, &target)
            }
            EntryType::Fifo => self.special_file(&path, &meta, FileType::Fifo, 0),
            EntryType::Char | EntryType::Block => {
                let header = entry.header();
                let major = header.device_major().context("reading device major")?;
                let minor = header.device_minor().context("reading device minor")?;
                let dev = rustix::fs::makedev(major.unwrap_or(0), minor.unwrap_or(0));
                let file_type = if kind == EntryType::Char {
                    FileType::CharacterDevice
                } else {
                    FileType::BlockDevice
                };
                self.special_file(&path, &meta, file_type, dev)
            }
            other => {
                let code = other.as_byte().escape_ascii();
                self.notes
                    .note(format!("unsupported tar entry type '{code}'"), &path);
                Ok(())
            }
        }
    }

    /// Tells the tar-split recorder what this entry replaces or deletes.
    fn note_replaced(&self, path: &EntryPath, marker: &Marker<'_>, kind: EntryType) {
        let Some(split) = self.split else { return };
        match marker {
            Marker::None => split.entry_replaces(path.as_bytes(), kind == EntryType::Directory),
            Marker::Whiteout(target) => {
                let mut deleted = path.parent().to_vec();
                if !deleted.is_empty() {
                    deleted.push(b'/');
                }
                deleted.extend_from_slice(std::os::unix::ffi::OsStrExt::as_bytes(*target));
                split.entry_replaces(&deleted, false);
            }
            Marker::Opaque | Marker::AufsMetadata => {}
        }
    }

    /// Applies the deferred directory modes and mtimes, deepest (latest) first. Only the last
    /// header of a directory counts, and directories replaced later in the layer are left alone.
    fn finish(self) -> Result<UnpackStats> {
        let mut done = HashSet::new();
        for dir in self.deferred_dirs.iter().rev() {
            if !done.insert(dir.path.as_bytes()) {
                continue;
            }
            let apply = || -> Result<()> {
                if let Some(fd) = self.root.reopen_dir(&dir.path)? {
                    let node = Node::Open(fd.as_fd());
                    metadata::write_mode_and_times(node, dir.mode, dir.mtime)?;
                }
                Ok(())
            };
            apply().with_context(|| format!("entry {}", dir.path.quoted()))?;
        }
        Ok(UnpackStats {
            entries: self.entries,
            bytes: self.bytes,
            skipped: self.notes.into_lines(),
        })
    }
}
