//! `--user` / the image's `User`, resolved against the image's /etc/passwd and /etc/group the way
//! runc and podman do it.

use anyhow::{Context, Result, bail};

/// The container process's identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedUser {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups: the user's memberships in /etc/group (only when no group was given
    /// explicitly) plus `--group-add`; sorted, without duplicates or the primary GID.
    pub additional_gids: Vec<u32>,
    /// The passwd home directory, "/" when the user has no entry (becomes `$HOME`).
    pub home: String,
}

/// One /etc/passwd line.
struct PasswdEntry<'a> {
    name: &'a str,
    uid: u32,
    gid: u32,
    home: &'a str,
}

/// One /etc/group line.
struct GroupEntry<'a> {
    name: &'a str,
    gid: u32,
    members: Vec<&'a str>,
}

/// Resolves `spec` (`user`, `uid`, `user:group`, `uid:gid`, mixed; `None` or "" = root).
/// `passwd`/`group` are the image's files, `None` when the image has none.
/// Names must exist in those files; numeric IDs need not (docker's rule: an unknown UID runs
/// with GID 0 and HOME=/).
pub fn resolve_user(
    spec: Option<&str>,
    group_add: &[String],
    passwd: Option<&str>,
    group: Option<&str>,
) -> Result<ResolvedUser> {
    let spec = spec.unwrap_or("").trim();
    let (user_part, group_part) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    if group_part.is_some_and(|g| g.is_empty() || g.contains(':'))
        || (spec.contains(':') && user_part.is_empty())
    {
        bail!("--user {spec:?}: malformed: use USER, UID, USER:GROUP or UID:GID");
    }
    let users = parse_passwd(passwd.unwrap_or(""));
    let groups = parse_group(group.unwrap_or(""));

    let found = if user_part.is_empty() {
        // No user at all means root, whether or not the image's passwd lists it.
        users.iter().find(|u| u.uid == 0)
    } else if let Some(uid) = parse_id(user_part) {
        users.iter().find(|u| u.uid == uid)
    } else {
        let entry = users.iter().find(|u| u.name == user_part);
        if entry.is_none() && user_part != "root" {
            bail!(
                "unable to find user {user_part}: no matching entries in passwd file of the image: \
                 use a numeric --user UID[:GID] or a user the image defines"
            );
        }
        entry
    };
    let uid = match (found, parse_id(user_part)) {
        (Some(entry), _) => entry.uid,
        (None, Some(uid)) => uid,
        (None, None) => 0, // "" or "root" on an image without a passwd entry for it
    };
    let home = found.map_or("/", |e| e.home).to_string();

    let (gid, mut additional) = match group_part {
        Some(g) => (lookup_group(g, &groups)?, Vec::new()),
        None => {
            let gid = found.map_or(0, |e| e.gid);
            let memberships = found
                .map(|e| {
                    groups
                        .iter()
                        .filter(|g| g.members.contains(&e.name))
                        .map(|g| g.gid)
                        .collect()
                })
                .unwrap_or_default();
            (gid, memberships)
        }
    };
    for extra in group_add {
        if extra == "keep-groups" {
            bail!("--group-add keep-groups is not supported: list the groups to add instead");
        }
        additional.push(lookup_group(extra, &groups).context("--group-add")?);
    }
    additional.sort_unstable();
    additional.dedup();
    additional.retain(|g| *g != gid);
    Ok(ResolvedUser {
        uid,
        gid,
        additional_gids: additional,
        home,
    })
}

fn lookup_group(spec: &str, groups: &[GroupEntry]) -> Result<u32> {
    if let Some(gid) = parse_id(spec) {
        return Ok(gid);
    }
    match groups.iter().find(|g| g.name == spec) {
        Some(g) => Ok(g.gid),
        None => bail!(
            "unable to find group {spec}: no matching entries in group file of the image: use a \
             numeric GID or a group the image defines"
        ),
    }
}

/// A decimal ID; names that merely start with digits are names.
fn parse_id(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `name:password:uid:gid:gecos:home:shell`; malformed lines and comments are skipped, as libc
/// does.
fn parse_passwd(text: &str) -> Vec<PasswdEntry<'_>> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 4 || fields[0].is_empty() {
                return None;
            }
            Some(PasswdEntry {
                name: fields[0],
                uid: parse_id(fields[2])?,
                gid: parse_id(fields[3])?,
                home: fields
                    .get(5)
                    .copied()
                    .filter(|h| !h.is_empty())
                    .unwrap_or("/"),
            })
        })
        .collect()
}

/// `name:password:gid:member,member`.
fn parse_group(text: &str) -> Vec<GroupEntry<'_>> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 3 || fields[0].is_empty() {
                return None;
            }
            Some(GroupEntry {
                name: fields[0],
                gid: parse_id(fields[2])?,
                members: fields
                    .get(3)
                    .map(|m| {
                        m.split(',')
                            .map(str::trim)
                            .filter(|m| !m.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}
