//! Parsers for the /proc and /sys files the isolation view and `top` read.

use std::fs;
use std::path::{Path, PathBuf};

use super::{CapSet, Fact, IdMap, MountEntry, Seccomp};
use crate::spec::caps::ALL_CAPABILITIES;

/// The value after `Key:` in /proc/PID/status.
pub fn status_field<'a>(status: &'a str, key: &str) -> Option<&'a str> {
    status.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k == key).then(|| v.trim())
    })
}

/// `Uid:`/`Gid:` of /proc/PID/status: real, effective, saved, filesystem.
pub fn status_ids(status: &str, key: &str) -> Option<[u32; 4]> {
    let ids: Vec<u32> = status_field(status, key)?
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    ids.try_into().ok()
}

pub fn parse_id_map(text: &str) -> Vec<IdMap> {
    text.lines()
        .filter_map(|line| {
            let n: Vec<u64> = line
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            match n[..] {
                [inside, outside, count] => Some(IdMap {
                    inside,
                    outside,
                    count,
                }),
                _ => None,
            }
        })
        .collect()
}

/// A hex capability mask (`00000000a80425fb`) as capsh --decode names it.
pub fn decode_caps(hex: &str) -> Fact<CapSet> {
    let mask = u64::from_str_radix(hex.trim(), 16)
        .map_err(|_| format!("capability mask {hex:?} is not hex"))?;
    let names = (0..64)
        .filter(|bit| mask & (1u64 << bit) != 0)
        .map(|bit| match ALL_CAPABILITIES.get(bit) {
            Some(cap) => format!("cap_{}", cap.to_string().to_lowercase()),
            None => format!("cap_{bit}"),
        })
        .collect();
    Ok(CapSet { mask, names })
}

pub(super) fn seccomp(status: &Fact<String>) -> Fact<Seccomp> {
    let status = status.clone()?;
    let mode = match status_field(&status, "Seccomp") {
        Some("0") => "disabled",
        Some("1") => "strict",
        Some("2") => "filter",
        Some(other) => return Err(format!("unknown seccomp mode {other}")),
        None => return Err("no Seccomp line in /proc/PID/status".to_string()),
    };
    let filters = status_field(&status, "Seccomp_filters")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Ok(Seccomp {
        mode: mode.to_string(),
        filters,
    })
}

/// The LSM label; `unconfined`-like absence reads as empty.
pub(super) fn mac_label(text: String) -> String {
    text.trim_end_matches(['\0', '\n']).to_string()
}

/// mountinfo fields: ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER.
pub fn parse_mountinfo(text: &str) -> Vec<MountEntry> {
    text.lines()
        .filter_map(|line| {
            let (before, after) = line.split_once(" - ")?;
            let fields: Vec<&str> = before.split(' ').collect();
            let mut after = after.split(' ');
            Some(MountEntry {
                mount_point: unescape(fields.get(4)?),
                options: fields.get(5)?.to_string(),
                fs_type: after.next()?.to_string(),
                source: unescape(after.next()?),
            })
        })
        .collect()
}

/// mountinfo escapes space, tab, newline and backslash as `\NNN` octal.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| {
            let text = std::str::from_utf8(d).ok()?;
            u8::from_str_radix(text, 8).ok()
        });
        match (bytes[i], octal) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Limits set on the container's cgroup (v2 files, or the v1 memory and pids controllers).
pub(super) fn cgroup_limits(cgroup_root: &Path, proc_cgroup: &str) -> Vec<(String, String)> {
    let mut limits = Vec::new();
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let relative = path.trim_start_matches('/');
        let candidates: &[(&str, &str)] = match controllers {
            "" => &[
                ("", "memory.max"),
                ("", "memory.swap.max"),
                ("", "pids.max"),
                ("", "cpu.max"),
            ],
            "memory" => &[("memory", "memory.limit_in_bytes")],
            "pids" => &[("pids", "pids.max")],
            _ => &[],
        };
        for (controller, file) in candidates {
            let path: PathBuf = cgroup_root.join(controller).join(relative).join(file);
            let Ok(value) = fs::read_to_string(&path) else {
                continue;
            };
            let value = value.trim();
            // "max" and v1's page-rounded i64::MAX mean no limit.
            if value != "max" && value != "max 100000" && value != "9223372036854771712" {
                limits.push((file.to_string(), value.to_string()));
            }
        }
    }
    limits
}
