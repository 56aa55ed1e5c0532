//! `/etc/subuid` and `/etc/subgid` (subuid(5)): the host IDs root lets each user map.
//!
//! One `OWNER:START:COUNT` entry per line, where OWNER is a user name or a numeric UID (in both
//! files: subgid entries belong to users, not groups). Blank lines and `#` comments are skipped,
//! as containers/storage does.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};

/// Overrides `/etc/subuid`: for tests and for hosts that keep the file elsewhere. `newuidmap`
/// still checks the real file, so the override must not grant more than it does.
pub const SUBUID_FILE_ENV: &str = "ENGINE_SUBUID_FILE";
/// Overrides `/etc/subgid`, like [`SUBUID_FILE_ENV`].
pub const SUBGID_FILE_ENV: &str = "ENGINE_SUBGID_FILE";

/// The subordinate UID file: `$ENGINE_SUBUID_FILE` or `/etc/subuid`.
pub fn subuid_file() -> PathBuf {
    file_from_env(SUBUID_FILE_ENV, "/etc/subuid")
}

/// The subordinate GID file: `$ENGINE_SUBGID_FILE` or `/etc/subgid`.
pub fn subgid_file() -> PathBuf {
    file_from_env(SUBGID_FILE_ENV, "/etc/subgid")
}

fn file_from_env(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(default),
    }
}

/// The `(start, count)` ranges of `user` (entries naming the user or its numeric `uid`) in an
/// `/etc/subuid`-style `file`, in file order. A missing file means no ranges. Any malformed line
/// is an error, even another user's: `newuidmap` would trip over it too.
pub fn subordinate_ranges(file: &Path, user: &str, uid: u32) -> Result<Vec<(u32, u32)>> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", file.display())),
    };
    let mut ranges = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let entry = parse_entry(line).map_err(|reason| {
            anyhow!(
                "{}:{}: malformed entry {line:?}: {reason}; fix or remove the line \
                 (format OWNER:START:COUNT, see subuid(5))",
                file.display(),
                index + 1
            )
        })?;
        if entry.owner == user || entry.owner.parse::<u32>() == Ok(uid) {
            ranges.push((entry.start, entry.count));
        }
    }
    Ok(ranges)
}

struct Entry<'a> {
    owner: &'a str,
    start: u32,
    count: u32,
}

fn parse_entry(line: &str) -> Result<Entry<'_>, String> {
    let fields: Vec<&str> = line.split(':').collect();
    let [owner, start, count] = fields[..] else {
        return Err(format!("{} fields instead of 3", fields.len()));
    };
    if owner.is_empty() {
        return Err("the owner (user name or UID) is empty".into());
    }
    let number = |name: &str, value: &str| {
        value
            .parse::<u32>()
            .map_err(|_| format!("{name} {value:?} is not a number below 2^32"))
    };
    let start = number("START", start)?;
    let count = number("COUNT", count)?;
    if count == 0 {
        return Err("COUNT is 0".into());
    }
    // The kernel rejects extents that reach 2^32 (4294967295 is the invalid ID -1).
    if u64::from(start) + u64::from(count) >= 1 << 32 {
        return Err("START + COUNT goes past the largest ID, 4294967294".into());
    }
    Ok(Entry {
        owner,
        start,
        count,
    })
}
