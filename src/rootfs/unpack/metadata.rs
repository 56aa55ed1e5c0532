//! Entry metadata (owner, mode, xattrs, mtime): read from the tar header and its pax records,
//! written without ever following a symlink.
//!
//! Order matters: chown first (it clears setuid/setgid and `security.capability`), then xattrs,
//! then the mode, then times.

use std::ffi::OsStr;
use std::io::Read;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;

use anyhow::{Context, Result, bail};
use rustix::fs::{AtFlags, Gid, Mode, Timespec, Timestamps, Uid, XattrFlags};
use rustix::io::Errno;

use super::entry_path::EntryPath;
use super::notes::Notes;

const PAX_XATTR_PREFIX: &[u8] = b"SCHILY.xattr.";
/// Overlay state must come only from whiteout markers: a layer that carries these xattrs could
/// otherwise plant redirects, metacopy or opaque flags of its own.
const OVERLAY_XATTR_PREFIXES: [&[u8]; 2] = [b"trusted.overlay.", b"user.overlay."];

/// What the tar says an entry's metadata is.
pub(super) struct Metadata {
    pub(super) uid: u32,
    pub(super) gid: u32,
    /// Permission bits including setuid, setgid and sticky.
    pub(super) mode: u32,
    pub(super) mtime: Timespec,
    /// From pax `SCHILY.xattr.NAME` records: (NAME, value).
    pub(super) xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Metadata {
    /// Reads the header (with tar's pax uid/gid overrides) and the pax records of an entry.
    pub(super) fn read<R: Read>(entry: &mut tar::Entry<'_, R>) -> Result<Self> {
        let header = entry.header();
        let uid = id(header.uid().context("reading uid")?, "uid")?;
        let gid = id(header.gid().context("reading gid")?, "gid")?;
        let mode = header.mode().context("reading mode")? & 0o7777;
        let seconds = header.mtime().context("reading mtime")?;
        let mut mtime = Timespec {
            tv_sec: i64::try_from(seconds).unwrap_or(i64::MAX),
            tv_nsec: 0,
        };
        let mut xattrs = Vec::new();
        if let Some(records) = entry.pax_extensions().context("reading pax records")? {
            for record in records {
                let record = record.context("reading pax records")?;
                let key = record.key_bytes();
                if let Some(name) = key.strip_prefix(PAX_XATTR_PREFIX) {
                    xattrs.push((name.to_vec(), record.value_bytes().to_vec()));
                } else if key == b"mtime" {
                    // The header only has whole seconds; pax keeps the fraction.
                    if let Some(precise) = parse_pax_time(record.value_bytes()) {
                        mtime = precise;
                    }
                }
            }
        }
        Ok(Self {
            uid,
            gid,
            mode,
            mtime,
            xattrs,
        })
    }
}

/// -1 means "leave unchanged" to chown, so it is no id an image may use.
fn id(value: u64, what: &str) -> Result<u32> {
    match u32::try_from(value) {
        Ok(id) if id != u32::MAX => Ok(id),
        _ => bail!("{what} {value} is out of range; the layer is malformed"),
    }
}

/// Parses a pax time, `[-]SECONDS[.FRACTION]`; `None` if it is not one.
pub(super) fn parse_pax_time(value: &[u8]) -> Option<Timespec> {
    let text = std::str::from_utf8(value).ok()?;
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut seconds: i64 = whole.parse().ok()?;
    let mut nanos: i64 = 0;
    for (i, digit) in fraction.bytes().take(9).enumerate() {
        nanos += i64::from(digit - b'0') * 10_i64.pow(8 - i as u32);
    }
    if negative {
        seconds = -seconds;
        if nanos > 0 {
            seconds -= 1;
            nanos = 1_000_000_000 - nanos;
        }
    }
    Some(Timespec {
        tv_sec: seconds,
        tv_nsec: nanos,
    })
}

/// Where metadata is written.
#[derive(Clone, Copy)]
pub(super) enum Node<'a> {
    /// A regular file or directory we hold open: everything goes through the fd.
    Open(BorrowedFd<'a>),
    /// A symlink, fifo, device or hard link, addressed by name in its parent and never followed.
    Named {
        parent: BorrowedFd<'a>,
        name: &'a OsStr,
        symlink: bool,
    },
}

impl Node<'_> {
    fn chown(self, uid: u32, gid: u32) -> rustix::io::Result<()> {
        let (uid, gid) = (Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)));
        match self {
            Node::Open(fd) => rustix::fs::fchown(fd, uid, gid),
            Node::Named { parent, name, .. } => {
                rustix::fs::chownat(parent, name, uid, gid, AtFlags::SYMLINK_NOFOLLOW)
            }
        }
    }

    fn set_xattr(self, xattr: &[u8], value: &[u8]) -> rustix::io::Result<()> {
        match self {
            Node::Open(fd) => rustix::fs::fsetxattr(fd, xattr, value, XattrFlags::empty()),
            // There is no lsetxattrat before Linux 6.13; the parent's fd link in /proc names
            // exactly the directory we resolved, and the l-variant does not follow `name`.
            Node::Named { parent, name, .. } => {
                let mut path = format!("/proc/self/fd/{}/", parent.as_raw_fd()).into_bytes();
                path.extend_from_slice(name.as_bytes());
                rustix::fs::lsetxattr(path.as_slice(), xattr, value, XattrFlags::empty())
            }
        }
    }

    /// Symlinks have no mode of their own on Linux; it is never applied to them.
    fn chmod(self, mode: u32) -> rustix::io::Result<()> {
        let mode = Mode::from_raw_mode(mode);
        match self {
            Node::Open(fd) => rustix::fs::fchmod(fd, mode),
            Node::Named { symlink: true, .. } => Ok(()),
            // fchmodat follows a final symlink, but this name is known not to be one: we just
            // created it (or checked it) and nothing else writes into the layer directory.
            Node::Named { parent, name, .. } => {
                rustix::fs::chmodat(parent, name, mode, AtFlags::empty())
            }
        }
    }

    /// Sets atime and mtime both to `mtime`, as containers/storage does.
    fn set_times(self, mtime: Timespec) -> rustix::io::Result<()> {
        let times = Timestamps {
            last_access: mtime,
            last_modification: mtime,
        };
        match self {
            Node::Open(fd) => rustix::fs::futimens(fd, &times),
            Node::Named { parent, name, .. } => {
                rustix::fs::utimensat(parent, name, &times, AtFlags::SYMLINK_NOFOLLOW)
            }
        }
    }
}

/// Sets the owner and xattrs an entry asks for.
///
/// Chown fails with EINVAL when the user namespace has no mapping for an id and with EPERM when
/// we may not chown at all; `ignore_chown_errors` (a single-id namespace) keeps going with the
/// unpacking user as owner, otherwise the layer is refused with the fix.
pub(super) fn write_owner_and_xattrs(
    node: Node<'_>,
    meta: &Metadata,
    ignore_chown_errors: bool,
    entry: &EntryPath,
    notes: &mut Notes,
) -> Result<()> {
    match node.chown(meta.uid, meta.gid) {
        Ok(()) => {}
        Err(e @ (Errno::PERM | Errno::INVAL)) if ignore_chown_errors => notes.note(
            format!("owner left as the unpacking user (ignore_chown_errors; chown: {e})"),
            entry,
        ),
        Err(e @ (Errno::PERM | Errno::INVAL)) => bail!(
            "cannot chown to uid {} gid {} ({e}): the user namespace has no mapping for them; \
             add a subordinate id range for your user in /etc/subuid and /etc/subgid, or set \
             ignore_chown_errors = \"true\" in storage.conf to keep your own id as owner",
            meta.uid,
            meta.gid
        ),
        Err(e) => {
            return Err(e).with_context(|| format!("chown to uid {} gid {}", meta.uid, meta.gid));
        }
    }
    for (xattr, value) in &meta.xattrs {
        let shown = String::from_utf8_lossy(xattr);
        if OVERLAY_XATTR_PREFIXES.iter().any(|p| xattr.starts_with(p)) {
            notes.note(
                format!("xattr {shown:?} from the layer ignored (overlay state comes only from whiteout markers)"),
                entry,
            );
            continue;
        }
        match node.set_xattr(xattr, value) {
            Ok(()) => {}
            // trusted.* needs real root, security.* may be refused by an LSM, and some file
            // systems (or symlinks, for user.*) take no xattrs: like podman, note and go on.
            Err(e @ (Errno::PERM | Errno::ACCESS | Errno::OPNOTSUPP)) => {
                notes.note(format!("xattr {shown:?} not set ({e})"), entry);
            }
            Err(e) => return Err(e).with_context(|| format!("setting xattr {shown:?}")),
        }
    }
    Ok(())
}

/// Sets the mode (after the owner: chown clears setuid/setgid) and the times.
pub(super) fn write_mode_and_times(node: Node<'_>, mode: u32, mtime: Timespec) -> Result<()> {
    node.chmod(mode)
        .with_context(|| format!("setting mode {mode:04o}"))?;
    node.set_times(mtime).context("setting mtime")
}
