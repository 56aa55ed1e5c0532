//! ID mappings for the rootless user namespace, and where `newuidmap`/`newgidmap` live.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use nix::unistd::{Uid, User, getegid, geteuid};

use super::subid::{subgid_file, subordinate_ranges, subuid_file};

/// `size` consecutive IDs starting at `container` in the namespace and at `host` outside:
/// one line of `/proc/PID/uid_map`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdRange {
    pub container: u32,
    pub host: u32,
    pub size: u32,
}

impl IdRange {
    /// The host ID of `container_id`, if this range maps it.
    pub fn to_host(&self, container_id: u32) -> Option<u32> {
        let offset = container_id.checked_sub(self.container)?;
        if offset < self.size {
            self.host.checked_add(offset)
        } else {
            None
        }
    }
}

/// The UID and GID maps of a user namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdMappings {
    pub uids: Vec<IdRange>,
    pub gids: Vec<IdRange>,
}

impl IdMappings {
    /// Only the user's own IDs, as root in the namespace: what any user may map without help.
    pub fn single(uid: u32, gid: u32) -> IdMappings {
        let own = |host| {
            vec![IdRange {
                container: 0,
                host,
                size: 1,
            }]
        };
        IdMappings {
            uids: own(uid),
            gids: own(gid),
        }
    }

    /// The initial namespace's `0 0 4294967295`: container IDs are host IDs (real root).
    pub fn identity() -> IdMappings {
        let all = vec![IdRange {
            container: 0,
            host: 0,
            size: u32::MAX,
        }];
        IdMappings {
            uids: all.clone(),
            gids: all,
        }
    }

    /// podman's rootless layout: container 0 = `uid`/`gid`, then the subordinate `(start, count)`
    /// ranges stacked from container ID 1 in the order given.
    pub fn rootless(
        uid: u32,
        gid: u32,
        subuids: &[(u32, u32)],
        subgids: &[(u32, u32)],
    ) -> Result<IdMappings> {
        Ok(IdMappings {
            uids: stack_ranges(uid, subuids, "UID")?,
            gids: stack_ranges(gid, subgids, "GID")?,
        })
    }

    /// The host UID of `container_uid`, or None when the namespace cannot represent it.
    pub fn host_uid(&self, container_uid: u32) -> Option<u32> {
        self.uids
            .iter()
            .find_map(|range| range.to_host(container_uid))
    }

    /// The host GID of `container_gid`, or None when the namespace cannot represent it.
    pub fn host_gid(&self, container_gid: u32) -> Option<u32> {
        self.gids
            .iter()
            .find_map(|range| range.to_host(container_gid))
    }

    /// Whether only one UID and one GID are mapped (the fallback without subordinate IDs).
    pub fn is_single(&self) -> bool {
        let one = |ranges: &[IdRange]| matches!(ranges, [range] if range.size == 1);
        one(&self.uids) && one(&self.gids)
    }
}

fn stack_ranges(own: u32, subordinate: &[(u32, u32)], kind: &str) -> Result<Vec<IdRange>> {
    let mut ranges = vec![IdRange {
        container: 0,
        host: own,
        size: 1,
    }];
    let mut next: u32 = 1;
    for &(host, size) in subordinate {
        ranges.push(IdRange {
            container: next,
            host,
            size,
        });
        let Some(after) = next.checked_add(size) else {
            bail!("the subordinate {kind} ranges add up to more than 2^32 - 1 IDs; remove some");
        };
        next = after;
    }
    Ok(ranges)
}

/// The mappings for this user: [`IdMappings::rootless`] from the subordinate ID files. Without a
/// range in either file, or without `newuidmap`/`newgidmap`, it falls back to
/// [`IdMappings::single`] and returns the warning to print (see [`single_mapping_warning`]).
/// Real root (euid 0) gets [`IdMappings::identity`]: it owns every ID already.
pub fn rootless_mappings() -> Result<(IdMappings, Option<String>)> {
    let (uid, gid) = (geteuid().as_raw(), getegid().as_raw());
    if uid == 0 {
        return Ok((IdMappings::identity(), None));
    }
    let user = user_name(uid);
    let (uid_file, gid_file) = (subuid_file(), subgid_file());
    let subuids = subordinate_ranges(&uid_file, &user, uid)?;
    let subgids = subordinate_ranges(&gid_file, &user, uid)?;

    let mut missing = Vec::new();
    if subuids.is_empty() {
        missing.push(format!("{} has no range for {user}", uid_file.display()));
    }
    if subgids.is_empty() {
        missing.push(format!("{} has no range for {user}", gid_file.display()));
    }
    for tool in [NEWUIDMAP, NEWGIDMAP] {
        if find_id_map_tool(tool).is_none() {
            missing.push(format!("{tool} is not installed"));
        }
    }
    if !missing.is_empty() {
        let warning = single_mapping_warning(&user, &missing.join(" and "));
        return Ok((IdMappings::single(uid, gid), Some(warning)));
    }
    let mappings = IdMappings::rootless(uid, gid, &subuids, &subgids)
        .with_context(|| format!("{} and {}", uid_file.display(), gid_file.display()))?;
    Ok((mappings, None))
}

/// The warning for the single-ID fallback, to print once per process: `reason` says why
/// (e.g. "/etc/subuid has no range for alice"), then what breaks and how to fix it.
pub fn single_mapping_warning(user: &str, reason: &str) -> String {
    format!(
        "{reason}, so only your own UID and GID are mapped into the user namespace: files that \
         images give to other users become yours, and changing ownership inside containers \
         (chown, package installs that create users) fails. To fix it, give {user} subordinate \
         IDs in /etc/subuid and /etc/subgid, as root: `usermod --add-subuids 100000-165535 \
         --add-subgids 100000-165535 {user}` (pick a range no other user has), and install \
         newuidmap/newgidmap (package uidmap, or shadow-utils)"
    )
}

pub(super) const NEWUIDMAP: &str = "newuidmap";
pub(super) const NEWGIDMAP: &str = "newgidmap";

/// `tool` from `$PATH`, else `/usr/bin`. Relative `$PATH` entries are skipped: this picks the
/// program that grants IDs, so it must not depend on the working directory.
pub(super) fn find_id_map_tool(tool: &str) -> Option<PathBuf> {
    find_executable(tool, std::env::var_os("PATH").as_deref())
}

pub(super) use crate::util::proc::find_executable;

/// The login name of `uid`, or the number itself when there is no passwd entry (numeric
/// subordinate ID entries still match then).
pub(super) fn user_name(uid: u32) -> String {
    match User::from_uid(Uid::from_raw(uid)) {
        Ok(Some(user)) => user.name,
        _ => uid.to_string(),
    }
}
