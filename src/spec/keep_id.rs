//! The account `--userns keep-id` adds to the container, as podman does: when the image has no
//! /etc/passwd entry for the user (by name or UID), a line for them is appended to a copy of
//! the image's file, and a line for their group to /etc/group, so `id`, `whoami`, shells and
//! programs that look up `$HOME` work. The copies are bind-mounted like /etc/hosts.

use super::host::HostContext;
use super::options::{RunOptions, UsernsMode};

/// The container's /etc/passwd and /etc/group where keep-id changes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountFiles {
    pub passwd: Option<String>,
    pub group: Option<String>,
}

/// The IDs the user has inside with keep-id (their own unless `uid=`/`gid=` says otherwise).
pub fn keep_id_ids(opts: &RunOptions, host: &HostContext) -> Option<(u32, u32)> {
    match opts.userns {
        UsernsMode::KeepId { uid, gid } => Some((uid.unwrap_or(host.uid), gid.unwrap_or(host.gid))),
        _ => None,
    }
}

/// The files keep-id needs, from the image's (`None`: the image has none). `workdir` is the
/// container's working directory: podman's home for the added user unless their host home
/// is mounted into the container.
pub fn account_files(
    opts: &RunOptions,
    host: &HostContext,
    passwd: Option<&str>,
    group: Option<&str>,
    workdir: &str,
) -> AccountFiles {
    let UsernsMode::KeepId { uid: renamed, .. } = opts.userns else {
        return AccountFiles::default();
    };
    let Some((uid, gid)) = keep_id_ids(opts, host) else {
        return AccountFiles::default();
    };
    let account = &host.account;
    // `uid=` names another user than the caller: podman's generic "container user".
    let (name, gecos, group_name) = match renamed {
        Some(_) => (
            uid.to_string(),
            "container user".to_string(),
            gid.to_string(),
        ),
        None => (
            account.name.clone(),
            account.gecos.clone(),
            account.group_name.clone(),
        ),
    };
    let home = match opts.mounts.iter().any(|m| m.destination() == account.home) {
        true if renamed.is_none() => account.home.clone(),
        _ => workdir.to_string(),
    };
    let passwd_text = passwd.unwrap_or("");
    let (uid_text, gid_text) = (uid.to_string(), gid.to_string());
    let has_user = entries(passwd_text).any(|f| f[0] == name || f.get(2) == Some(&uid_text));
    let group_text = group.unwrap_or("");
    let has_group = entries(group_text).any(|f| f.get(2) == Some(&gid_text));
    AccountFiles {
        passwd: (!has_user).then(|| {
            appended(
                passwd_text,
                &format!("{name}:*:{uid}:{gid}:{gecos}:{home}:/bin/sh"),
            )
        }),
        group: (!has_group).then(|| appended(group_text, &format!("{group_name}:x:{gid}:{name}"))),
    }
}

/// The colon-separated fields of each entry (comments and blank lines skipped).
fn entries(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.split(':').map(String::from).collect())
}

fn appended(text: &str, line: &str) -> String {
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(line);
    out.push('\n');
    out
}
