//! The other layouts of a rootless container's user namespace (`--userns=keep-id|auto`), built
//! from the storage layout that [`IdMappings::rootless`] describes (container 0 = the user,
//! 1..=N = the subordinate ranges).
//!
//! Every layout hands out the same host IDs (the user's own and the subordinate ones) to
//! different container IDs; the *relative* mapping ([`IdMappings::relative_to`]) says which
//! storage-namespace ID each container ID is, which is what an ID-shifted copy of a layer needs
//! (and what podman shows in `/proc/self/uid_map`, where that namespace is its parent).

use anyhow::{Result, bail};

use super::mappings::{IdMappings, IdRange};

/// Which ID kind a layout error is about.
#[derive(Clone, Copy)]
enum Kind {
    Uid,
    Gid,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Uid => "UID",
            Kind::Gid => "GID",
        }
    }

    fn file(self) -> &'static str {
        match self {
            Kind::Uid => "/etc/subuid",
            Kind::Gid => "/etc/subgid",
        }
    }
}

impl IdMappings {
    /// podman's `keep-id`: the user's host IDs (container 0 of `self`, the storage layout) are
    /// container `inside.0`/`inside.1`; container 0..inside-1 take the first subordinate IDs
    /// and inside+1.. the rest, so the namespace is as large as the storage one.
    pub fn keep_id(&self, inside: (u32, u32)) -> Result<IdMappings> {
        Ok(IdMappings {
            uids: keep_id_ranges(&self.uids, inside.0, Kind::Uid)?,
            gids: keep_id_ranges(&self.gids, inside.1, Kind::Gid)?,
        })
    }

    /// podman's `auto`: container 0..size-1 are the subordinate IDs from `offset` on (counted
    /// from the first subordinate ID); the user's own IDs are not mapped.
    pub fn auto(&self, offset: u32, size: u32) -> Result<IdMappings> {
        Ok(IdMappings {
            uids: auto_ranges(&self.uids, offset, size, Kind::Uid)?,
            gids: auto_ranges(&self.gids, offset, size, Kind::Gid)?,
        })
    }

    /// How many subordinate IDs (UIDs and GIDs both) the storage layout `self` has for
    /// `--userns=auto` ranges.
    pub fn subordinate_count(&self) -> u32 {
        let count = |ranges: &[IdRange]| subordinate(ranges).iter().map(|r| r.size).sum::<u32>();
        count(&self.uids).min(count(&self.gids))
    }

    /// `self` (a container layout) seen from the `storage` namespace: container ID -> the
    /// storage-namespace ID of the same host ID. Fails when `self` maps a host ID the storage
    /// namespace does not have.
    pub fn relative_to(&self, storage: &IdMappings) -> Result<IdMappings> {
        Ok(IdMappings {
            uids: relative(&self.uids, &storage.uids, Kind::Uid)?,
            gids: relative(&self.gids, &storage.gids, Kind::Gid)?,
        })
    }
}

/// The subordinate part of a storage layout: every range but the user's own container 0.
fn subordinate(storage: &[IdRange]) -> Vec<IdRange> {
    let mut ranges = Vec::new();
    for range in storage {
        match range.container {
            0 if range.size > 1 => ranges.push(IdRange {
                container: 1,
                host: range.host + 1,
                size: range.size - 1,
            }),
            0 => {}
            _ => ranges.push(range.clone()),
        }
    }
    ranges
}

/// `count` consecutive subordinate IDs from `offset` (0 = the first subordinate ID), as
/// ranges starting at container ID `first`; `None` when there are not that many.
fn take(subordinate: &[IdRange], offset: u32, count: u32, first: u32) -> Option<Vec<IdRange>> {
    let mut taken = Vec::new();
    let (mut skip, mut left, mut next) = (u64::from(offset), u64::from(count), u64::from(first));
    for range in subordinate {
        if left == 0 {
            break;
        }
        let size = u64::from(range.size);
        if skip >= size {
            skip -= size;
            continue;
        }
        let n = (size - skip).min(left);
        taken.push(IdRange {
            container: u32::try_from(next).ok()?,
            host: u32::try_from(u64::from(range.host) + skip).ok()?,
            size: u32::try_from(n).ok()?,
        });
        (skip, left, next) = (0, left - n, next + n);
    }
    (left == 0).then_some(taken)
}

fn keep_id_ranges(storage: &[IdRange], inside: u32, kind: Kind) -> Result<Vec<IdRange>> {
    let Some(own) = storage.iter().find(|r| r.container == 0).map(|r| r.host) else {
        bail!(
            "internal error: the storage {} map has no container ID 0",
            kind.name()
        );
    };
    let subs = subordinate(storage);
    let total: u32 = subs.iter().map(|r| r.size).sum();
    let Some(mut ranges) = take(&subs, 0, inside, 0) else {
        bail!(
            "--userns=keep-id: {} {inside} needs {inside} subordinate {}s below it but {} has \
             {total} for you: add a larger range there, or choose a smaller ID with \
             keep-id:uid=N,gid=N",
            kind.name(),
            kind.name(),
            kind.file()
        );
    };
    ranges.push(IdRange {
        container: inside,
        host: own,
        size: 1,
    });
    let rest = total - inside;
    if rest > 0 {
        let Some(after) = inside.checked_add(1) else {
            bail!("--userns=keep-id: {} {inside} is too large", kind.name());
        };
        ranges.extend(take(&subs, inside, rest, after).unwrap_or_default());
    }
    Ok(ranges)
}

fn auto_ranges(storage: &[IdRange], offset: u32, size: u32, kind: Kind) -> Result<Vec<IdRange>> {
    let subs = subordinate(storage);
    let total: u32 = subs.iter().map(|r| r.size).sum();
    match take(&subs, offset, size, 0) {
        Some(ranges) if size > 0 => Ok(ranges),
        _ => bail!(
            "--userns=auto: {size} {}s from subordinate ID {offset} on do not fit in the {total} \
             that {} gives you: use a smaller auto:size=N or add subordinate IDs",
            kind.name(),
            kind.file()
        ),
    }
}

/// Splits every container range at the storage ranges' host boundaries and renames its host
/// IDs into storage-container IDs.
fn relative(container: &[IdRange], storage: &[IdRange], kind: Kind) -> Result<Vec<IdRange>> {
    let mut out = Vec::new();
    for range in container {
        let (mut next, mut left) = (u64::from(range.container), u64::from(range.size));
        let mut host = u64::from(range.host);
        while left > 0 {
            let Some(part) = storage.iter().find(|s| {
                host >= u64::from(s.host) && host < u64::from(s.host) + u64::from(s.size)
            }) else {
                bail!(
                    "host {} {host} of the container's map is not one of your IDs in {}",
                    kind.name(),
                    kind.file()
                );
            };
            let within = host - u64::from(part.host);
            let n = (u64::from(part.size) - within).min(left);
            let as_u32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
            out.push(IdRange {
                container: as_u32(next),
                host: as_u32(u64::from(part.container) + within),
                size: as_u32(n),
            });
            (next, host, left) = (next + n, host + n, left - n);
        }
    }
    Ok(out)
}
