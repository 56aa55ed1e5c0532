//! The containers/Docker seccomp profile format (containers/common `pkg/seccomp` types), as
//! found in `/usr/share/containers/seccomp.json`.
//!
//! Like Go's encoding/json, unknown fields are ignored (profiles carry `comment`, `errno` and
//! similar notes) and `null` reads as empty. Action, operator and flag names are checked while
//! parsing, so a typo is reported with its line and column.

use anyhow::{Result, bail};
use oci_spec::runtime::{
    Arch, LinuxSeccompAction as Action, LinuxSeccompFilterFlag as Flag,
    LinuxSeccompOperator as Operator,
};
use serde::{Deserialize, Deserializer};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Profile {
    /// `None` (absent or "") only makes sense in an empty profile, which means "no filter".
    #[serde(default, deserialize_with = "empty_as_none")]
    pub default_action: Option<Action>,
    pub default_errno_ret: Option<u32>,
    /// The old form of `archMap`: architectures listed directly.
    #[serde(default, deserialize_with = "null_as_default")]
    pub architectures: Vec<Arch>,
    /// Which architectures to list in the filter, chosen by the host's own.
    #[serde(default, deserialize_with = "null_as_default")]
    pub arch_map: Vec<ArchMapEntry>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub syscalls: Vec<Syscall>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub flags: Vec<Flag>,
    pub listener_path: Option<String>,
    pub listener_metadata: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArchMapEntry {
    /// Kept as text: entries for architectures we do not run on are never looked at, so a name
    /// newer than oci-spec's list must not break the file.
    pub architecture: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub sub_architectures: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Syscall {
    /// The old single-name form; a rule has `name` or `names`, not both.
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub names: Vec<String>,
    pub action: Action,
    pub errno_ret: Option<u32>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub args: Vec<Arg>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub includes: Filter,
    #[serde(default, deserialize_with = "null_as_default")]
    pub excludes: Filter,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Arg {
    pub index: usize,
    pub value: u64,
    #[serde(default)]
    pub value_two: u64,
    pub op: Operator,
}

/// When a rule applies (`includes`: all of these hold) or not (`excludes`: any of these holds).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Filter {
    /// Capability names, e.g. `CAP_SYS_ADMIN`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub caps: Vec<String>,
    /// libseccomp's architecture names: `amd64`, `arm64`, `x86`, `x32`, `arm`, `s390x`, ...
    #[serde(default, deserialize_with = "null_as_default")]
    pub arches: Vec<String>,
    #[serde(default, deserialize_with = "kernel_version")]
    pub min_kernel: Option<KernelVersion>,
}

/// A kernel version as profiles write it: `"<major>.<minor>"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct KernelVersion {
    pub major: u32,
    pub minor: u32,
}

impl KernelVersion {
    /// Parses exactly `"<major>.<minor>"`, as profiles write `minKernel`.
    pub(crate) fn parse(text: &str) -> Result<KernelVersion> {
        let parsed = text.split_once('.').and_then(|(major, minor)| {
            Some(KernelVersion {
                major: major.parse().ok()?,
                minor: minor.parse().ok()?,
            })
        });
        match parsed {
            Some(KernelVersion { major: 0, minor: 0 }) => bail!("kernel version 0.0 is not valid"),
            Some(version) => Ok(version),
            None => bail!("invalid kernel version {text:?}, expected \"<major>.<minor>\""),
        }
    }

    /// The major and minor numbers of a kernel release like `6.1.0-18-amd64`.
    pub(crate) fn from_release(release: &str) -> Option<KernelVersion> {
        let mut parts = release.trim().splitn(3, '.');
        let major = parts.next()?.parse().ok()?;
        let minor: String = parts
            .next()?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        Some(KernelVersion {
            major,
            minor: minor.parse().ok()?,
        })
    }
}

impl std::fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

pub(super) fn parse(text: &str) -> Result<Profile> {
    Ok(serde_json::from_str(text)?)
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn empty_as_none<'de, D>(deserializer: D) -> Result<Option<Action>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("unknown seccomp action {text:?}"))),
    }
}

/// `minKernel`: absent, null or "" mean no minimum.
fn kernel_version<'de, D>(deserializer: D) -> Result<Option<KernelVersion>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => KernelVersion::parse(&text)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_versions_parse_like_containers_common() {
        assert_eq!(
            KernelVersion::parse("4.8").unwrap(),
            KernelVersion { major: 4, minor: 8 }
        );
        for bad in ["4", "4.8.1", "a.b", "0.0", ".5"] {
            assert!(KernelVersion::parse(bad).is_err(), "{bad}");
        }
        let release = KernelVersion::from_release("6.18.44-fc-v657\n").unwrap();
        assert_eq!(
            release,
            KernelVersion {
                major: 6,
                minor: 18
            }
        );
        assert_eq!(
            KernelVersion::from_release("5.10-rc1"),
            Some(KernelVersion {
                major: 5,
                minor: 10
            })
        );
        assert_eq!(KernelVersion::from_release("garbage"), None);
        assert!(
            KernelVersion {
                major: 5,
                minor: 10
            } < KernelVersion { major: 6, minor: 1 }
        );
    }

    #[test]
    fn nulls_and_unknown_fields_are_accepted() {
        let p = parse(
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOSYS", "archMap": null,
                "syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW", "args": null,
                              "comment": "", "includes": null, "excludes": {"minKernel": ""}}]}"#,
        )
        .unwrap();
        assert!(p.arch_map.is_empty());
        assert!(p.syscalls[0].args.is_empty());
        assert!(p.syscalls[0].excludes.min_kernel.is_none());
    }

    #[test]
    fn bad_names_are_reported_with_their_position() {
        let err = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ALOW\"}]}")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("SCMP_ACT_ALOW") && err.contains("line 2"),
            "{err}"
        );
        let err = parse(r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"],
            "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQQ"}]}]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("SCMP_CMP_EQQ"), "{err}");
        let err = parse(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"],
            "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4"}}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("invalid kernel version \"4\""), "{err}");
    }
}
