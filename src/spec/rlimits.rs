//! `--ulimit` and podman's default NOFILE/NPROC limits.

use anyhow::{Context, Result, bail};
use oci_spec::runtime::{PosixRlimit, PosixRlimitBuilder, PosixRlimitType};

use super::defaults::{DEFAULT_NOFILE, DEFAULT_NPROC};
use super::host::HostContext;

/// `RLIM_INFINITY`.
pub const UNLIMITED: u64 = u64::MAX;

const NAMES: [(&str, PosixRlimitType); 16] = [
    ("as", PosixRlimitType::RlimitAs),
    ("core", PosixRlimitType::RlimitCore),
    ("cpu", PosixRlimitType::RlimitCpu),
    ("data", PosixRlimitType::RlimitData),
    ("fsize", PosixRlimitType::RlimitFsize),
    ("locks", PosixRlimitType::RlimitLocks),
    ("memlock", PosixRlimitType::RlimitMemlock),
    ("msgqueue", PosixRlimitType::RlimitMsgqueue),
    ("nice", PosixRlimitType::RlimitNice),
    ("nofile", PosixRlimitType::RlimitNofile),
    ("nproc", PosixRlimitType::RlimitNproc),
    ("rss", PosixRlimitType::RlimitRss),
    ("rtprio", PosixRlimitType::RlimitRtprio),
    ("rttime", PosixRlimitType::RlimitRttime),
    ("sigpending", PosixRlimitType::RlimitSigpending),
    ("stack", PosixRlimitType::RlimitStack),
];

/// `name=soft[:hard]` (hard defaults to soft); `-1` or `unlimited` = no limit.
pub fn parse_ulimit(value: &str) -> Result<PosixRlimit> {
    let usage = || format!("--ulimit {value:?}");
    let (name, limits) = value.split_once('=').with_context(|| {
        format!(
            "{}: malformed: use NAME=SOFT[:HARD], e.g. nofile=1024:2048",
            usage()
        )
    })?;
    let typ = NAMES
        .iter()
        .find(|(n, _)| *n == name.trim().to_ascii_lowercase())
        .map(|(_, t)| *t)
        .with_context(|| {
            let names: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
            format!(
                "{}: unknown limit {name:?}: use one of {}",
                usage(),
                names.join(", ")
            )
        })?;
    let (soft, hard) = match limits.split_once(':') {
        Some((s, h)) => (s, h),
        None => (limits, limits),
    };
    let number = |text: &str| -> Result<u64> {
        match text.trim() {
            "-1" | "unlimited" => Ok(UNLIMITED),
            t => t.parse::<u64>().with_context(|| {
                format!(
                    "{}: {t:?} is not a limit: use a non-negative number, -1 or unlimited",
                    usage()
                )
            }),
        }
    };
    let (soft, hard) = (number(soft)?, number(hard)?);
    if soft > hard {
        bail!(
            "{}: the soft limit exceeds the hard limit: use SOFT <= HARD",
            usage()
        );
    }
    Ok(PosixRlimitBuilder::default()
        .typ(typ)
        .soft(soft)
        .hard(hard)
        .build()?)
}

/// The process's rlimits: `--ulimit` values (a later one for the same resource wins) plus
/// podman's NOFILE and NPROC defaults for whichever the user left alone.
/// The defaults are capped at the engine's hard limits (a user namespace, or root without
/// CAP_SYS_RESOURCE, cannot raise them) with soft = hard, as podman gets by raising its own soft limit at startup; an explicit
/// `--ulimit` above them is refused up front rather than failing inside the runtime.
pub fn process_rlimits(ulimits: &[String], host: &HostContext) -> Result<Vec<PosixRlimit>> {
    let mut out: Vec<PosixRlimit> = Vec::new();
    for value in ulimits {
        let limit = parse_ulimit(value)?;
        if host.rootless {
            let host_hard = match limit.typ() {
                PosixRlimitType::RlimitNofile => Some(host.nofile.1),
                PosixRlimitType::RlimitNproc => Some(host.nproc.1),
                _ => None,
            };
            if let Some(max) = host_hard.filter(|max| limit.hard() > *max) {
                bail!(
                    "--ulimit {value:?}: the hard limit exceeds this user's hard limit {max}, \
                     which a rootless container cannot raise: use at most {max}"
                );
            }
        }
        out.retain(|l| l.typ() != limit.typ());
        out.push(limit);
    }
    for (typ, default, host_limit) in [
        (PosixRlimitType::RlimitNofile, DEFAULT_NOFILE, host.nofile),
        (PosixRlimitType::RlimitNproc, DEFAULT_NPROC, host.nproc),
    ] {
        if out.iter().any(|l| l.typ() == typ) {
            continue;
        }
        // Capped at the engine's own hard limit: rootless a user namespace cannot raise it, and
        // root without CAP_SYS_RESOURCE (a root inside another container) cannot either.
        let value = default.min(host_limit.1);
        out.push(
            PosixRlimitBuilder::default()
                .typ(typ)
                .soft(value)
                .hard(value)
                .build()?,
        );
    }
    Ok(out)
}
