//! Extended attributes of a shifted copy. Most are copied as they are; two name IDs and are
//! shifted like the owner: file capabilities (their root ID says which namespace's root they
//! apply to) and POSIX ACLs (their named user and group entries).

use std::path::Path;

use anyhow::{Context, Result};
use rustix::fs::XattrFlags;

use super::IdShift;

const CAPABILITY: &str = "security.capability";
const ACL_ACCESS: &str = "system.posix_acl_access";
const ACL_DEFAULT: &str = "system.posix_acl_default";

/// `VFS_CAP_REVISION_2` / `_3` (linux/capability.h), in the top byte of `magic_etc`.
const CAP_REVISION_MASK: u32 = 0xFF00_0000;
const CAP_REVISION_2: u32 = 0x0200_0000;
const CAP_REVISION_3: u32 = 0x0300_0000;
const CAP_V2_SIZE: usize = 20;
const CAP_V3_SIZE: usize = 24;

/// `ACL_USER` and `ACL_GROUP` (linux/posix_acl.h): the entries whose ID means something.
const ACL_USER: u16 = 0x02;
const ACL_GROUP: u16 = 0x08;
const ACL_HEADER_SIZE: usize = 4;
const ACL_ENTRY_SIZE: usize = 8;

pub(super) fn copy_xattrs(from: &Path, to: &Path, shift: &IdShift) -> Result<()> {
    let mut names = vec![0u8; 64 * 1024];
    let len = match rustix::fs::llistxattr(from, &mut names) {
        Ok(len) => len,
        // Symlinks on some filesystems, or none at all.
        Err(rustix::io::Errno::NOTSUP) => return Ok(()),
        Err(e) => {
            return Err(e).with_context(|| format!("listing the xattrs of {}", from.display()));
        }
    };
    let mut value = vec![0u8; 64 * 1024];
    for name in names[..len].split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let n = rustix::fs::lgetxattr(from, name.as_str(), &mut value)
            .with_context(|| format!("reading xattr {name} of {}", from.display()))?;
        let shifted = shifted_value(&name, &value[..n], shift);
        match rustix::fs::lsetxattr(to, name.as_str(), &shifted, XattrFlags::empty()) {
            Ok(()) => {}
            // What the unpacker could set, a copy can set; anything else (a security label the
            // namespace may not write) is left out, as the unpacker does.
            Err(e) if !name.starts_with("user.") && name != CAPABILITY => {
                crate::util::log::debug(&format!("shift: {name} of {}: {e}", to.display()));
            }
            Err(e) => {
                return Err(e).with_context(|| format!("setting xattr {name} on {}", to.display()));
            }
        }
    }
    Ok(())
}

/// The value to write on the copy for xattr `name`.
pub(super) fn shifted_value(name: &str, value: &[u8], shift: &IdShift) -> Vec<u8> {
    match name {
        CAPABILITY => shifted_capability(value, shift),
        ACL_ACCESS | ACL_DEFAULT => shifted_acl(value, shift),
        _ => value.to_vec(),
    }
}

/// A v2 capability applies to the root of the namespace reading it (the storage one here), a
/// v3 one to its root ID. The copy's capability must apply to the container's root, so it is
/// written as v3 with the root ID moved (the kernel maps it from the writer's namespace).
fn shifted_capability(value: &[u8], shift: &IdShift) -> Vec<u8> {
    let Some(magic) = read_u32(value, 0) else {
        return value.to_vec();
    };
    let rootid = match (magic & CAP_REVISION_MASK, value.len()) {
        (CAP_REVISION_2, CAP_V2_SIZE) => 0,
        (CAP_REVISION_3, CAP_V3_SIZE) => read_u32(value, CAP_V2_SIZE).unwrap_or(0),
        _ => return value.to_vec(),
    };
    let mut out = value[..CAP_V2_SIZE].to_vec();
    let flags = magic & !CAP_REVISION_MASK;
    out[..4].copy_from_slice(&(CAP_REVISION_3 | flags).to_le_bytes());
    out.extend_from_slice(&shift.uid(rootid).to_le_bytes());
    out
}

/// `posix_acl_xattr_header` (a version) then entries of tag, permissions and ID.
fn shifted_acl(value: &[u8], shift: &IdShift) -> Vec<u8> {
    let mut out = value.to_vec();
    if value.len() < ACL_HEADER_SIZE
        || !(value.len() - ACL_HEADER_SIZE).is_multiple_of(ACL_ENTRY_SIZE)
    {
        return out;
    }
    for at in (ACL_HEADER_SIZE..value.len()).step_by(ACL_ENTRY_SIZE) {
        let tag = u16::from_le_bytes([value[at], value[at + 1]]);
        let Some(id) = read_u32(value, at + 4) else {
            continue;
        };
        let moved = match tag {
            ACL_USER => shift.uid(id),
            ACL_GROUP => shift.gid(id),
            _ => continue,
        };
        out[at + 4..at + 8].copy_from_slice(&moved.to_le_bytes());
    }
    out
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let slice = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes(slice.try_into().ok()?))
}
