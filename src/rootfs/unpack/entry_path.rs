//! Tar entry names, checked and made relative to the layer root, and the OCI whiteout markers.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use anyhow::{Result, bail};

/// `.wh.NAME` deletes NAME from the layers below (OCI image spec, layer format).
const WHITEOUT_PREFIX: &[u8] = b".wh.";
/// Names starting like this are AUFS bookkeeping (`.wh..wh.plnk`, ...), never image content.
const WHITEOUT_META_PREFIX: &[u8] = b".wh..wh.";
/// Hides everything the layers below have in the directory holding it.
const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";
/// Longest path Linux resolves (PATH_MAX counts the terminating NUL).
const PATH_MAX: usize = libc::PATH_MAX as usize - 1;
/// Longest name of one component (NAME_MAX).
const NAME_MAX: usize = 255;
/// Names longer than this are cut in messages.
const SHOWN_BYTES: usize = 96;

/// A tar entry name relative to the layer root: components joined by single slashes, with no
/// empty, `.` or `..` component, never empty. Leading slashes are dropped, so absolute names
/// land inside the layer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct EntryPath {
    bytes: Vec<u8>,
    /// Where the last component starts in `bytes`.
    name_start: usize,
}

/// What an entry means with respect to OCI whiteouts.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Marker<'a> {
    /// An ordinary entry.
    None,
    /// `.wh..wh..opq`: the parent directory becomes opaque.
    Opaque,
    /// `.wh.NAME`: NAME is deleted.
    Whiteout(&'a OsStr),
    /// AUFS bookkeeping left in old layers; not part of the image.
    AufsMetadata,
}

impl EntryPath {
    /// Checks and normalizes a raw tar name; `None` when it names the layer root itself
    /// (`""`, `.`, `/`, `./`), which is skipped. A `..` anywhere refuses the whole layer: no
    /// legitimate layer needs one and it is the classic way out of the destination.
    pub(super) fn parse(raw: &[u8]) -> Result<Option<EntryPath>> {
        if raw.contains(&0) {
            bail!("path contains a NUL byte; the layer is malformed or hostile");
        }
        let mut bytes = Vec::with_capacity(raw.len());
        let mut name_start = 0;
        for part in raw.split(|&b| b == b'/') {
            match part {
                b"" | b"." => {}
                b".." => bail!("path contains \"..\"; the layer is malformed or hostile"),
                _ => {
                    if part.len() > NAME_MAX {
                        bail!(
                            "a name in the path is {} bytes long, over the {NAME_MAX} bytes Linux \
                             allows (NAME_MAX); the layer is malformed or hostile",
                            part.len()
                        );
                    }
                    if !bytes.is_empty() {
                        bytes.push(b'/');
                    }
                    name_start = bytes.len();
                    bytes.extend_from_slice(part);
                }
            }
        }
        if bytes.len() > PATH_MAX {
            bail!(
                "path is {} bytes long, over the {PATH_MAX} bytes Linux resolves (PATH_MAX); the \
                 layer is malformed or hostile",
                bytes.len()
            );
        }
        Ok((!bytes.is_empty()).then_some(EntryPath { bytes, name_start }))
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The last component.
    pub(super) fn name(&self) -> &OsStr {
        OsStr::from_bytes(&self.bytes[self.name_start..])
    }

    /// Everything before the last component; empty for entries at the layer root.
    pub(super) fn parent(&self) -> &[u8] {
        &self.bytes[..self.name_start.saturating_sub(1)]
    }

    /// The name quoted for messages.
    pub(super) fn quoted(&self) -> String {
        quoted(&self.bytes)
    }

    /// Classifies the entry as a whiteout marker or not. Directories with whiteout names are
    /// refused: the OCI spec gives such names whiteout meaning, so `.wh.x/y` (or `.wh.../x`) can
    /// only come from a malformed or hostile layer.
    pub(super) fn marker(&self) -> Result<Marker<'_>> {
        if !self.parent().is_empty() {
            for part in self.parent().split(|&b| b == b'/') {
                if part.starts_with(WHITEOUT_META_PREFIX) {
                    return Ok(Marker::AufsMetadata);
                }
                if part.starts_with(WHITEOUT_PREFIX) {
                    bail!(
                        "directory {} has a whiteout name; the layer is malformed or hostile",
                        quoted(part)
                    );
                }
            }
        }
        let name = self.name().as_bytes();
        if name == OPAQUE_MARKER {
            return Ok(Marker::Opaque);
        }
        if name.starts_with(WHITEOUT_META_PREFIX) {
            return Ok(Marker::AufsMetadata);
        }
        match name.strip_prefix(WHITEOUT_PREFIX) {
            None => Ok(Marker::None),
            Some(b"" | b"." | b"..") => bail!(
                "whiteout {} names no file in its directory; the layer is malformed or hostile",
                quoted(name)
            ),
            Some(target) => Ok(Marker::Whiteout(OsStr::from_bytes(target))),
        }
    }
}

/// Raw name bytes quoted for a one-line message (invalid UTF-8 shown as U+FFFD, control
/// characters escaped); a very long name keeps its start and says how long it is.
pub(super) fn quoted(bytes: &[u8]) -> String {
    if bytes.len() <= SHOWN_BYTES {
        return format!("{:?}", String::from_utf8_lossy(bytes));
    }
    let start = String::from_utf8_lossy(&bytes[..SHOWN_BYTES]);
    format!("{start:?}... ({} bytes)", bytes.len())
}
