//! Capability sets: podman's defaults, `--cap-add`/`--cap-drop`/`--privileged`, and how the sets
//! differ for root and non-root container users.

use std::collections::HashSet;

use anyhow::{Result, bail};
use oci_spec::runtime::{Capability, LinuxCapabilities};

use super::options::RunOptions;

/// Every capability the spec can name, indexed by its kernel number (capability.h), so a host
/// whose kernel stops at `cap_last_cap` N supports exactly `ALL_CAPABILITIES[..=N]`.
pub const ALL_CAPABILITIES: [Capability; 41] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::DacReadSearch,
    Capability::Fowner,
    Capability::Fsetid,
    Capability::Kill,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setpcap,
    Capability::LinuxImmutable,
    Capability::NetBindService,
    Capability::NetBroadcast,
    Capability::NetAdmin,
    Capability::NetRaw,
    Capability::IpcLock,
    Capability::IpcOwner,
    Capability::SysModule,
    Capability::SysRawio,
    Capability::SysChroot,
    Capability::SysPtrace,
    Capability::SysPacct,
    Capability::SysAdmin,
    Capability::SysBoot,
    Capability::SysNice,
    Capability::SysResource,
    Capability::SysTime,
    Capability::SysTtyConfig,
    Capability::Mknod,
    Capability::Lease,
    Capability::AuditWrite,
    Capability::AuditControl,
    Capability::Setfcap,
    Capability::MacOverride,
    Capability::MacAdmin,
    Capability::Syslog,
    Capability::WakeAlarm,
    Capability::BlockSuspend,
    Capability::AuditRead,
    Capability::Perfmon,
    Capability::Bpf,
    Capability::CheckpointRestore,
];

/// containers.conf's `default_capabilities` as shipped (no NET_RAW, MKNOD or AUDIT_WRITE,
/// unlike docker).
pub const DEFAULT_CAPABILITIES: [Capability; 11] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fowner,
    Capability::Fsetid,
    Capability::Kill,
    Capability::NetBindService,
    Capability::Setfcap,
    Capability::Setgid,
    Capability::Setpcap,
    Capability::Setuid,
    Capability::SysChroot,
];

/// The capabilities the running kernel knows (`/proc/sys/kernel/cap_last_cap`).
pub fn known_capabilities(cap_last_cap: u8) -> &'static [Capability] {
    let end = (usize::from(cap_last_cap) + 1).min(ALL_CAPABILITIES.len());
    &ALL_CAPABILITIES[..end]
}

/// A parsed `--cap-add`/`--cap-drop` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CapName {
    All,
    One(Capability),
}

/// `NET_ADMIN`, `cap_net_admin`, `CAP_NET_ADMIN` or `all`; `flag` names the option in errors.
fn parse_cap(flag: &str, value: &str) -> Result<CapName> {
    let upper = value.trim().to_ascii_uppercase();
    if upper == "ALL" {
        return Ok(CapName::All);
    }
    let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
    match bare.parse::<Capability>() {
        Ok(cap) => Ok(CapName::One(cap)),
        Err(_) => bail!(
            "{flag} {value:?}: unknown capability: use a name from capabilities(7) such as \
             NET_ADMIN \
             (the CAP_ prefix is optional) or ALL"
        ),
    }
}

fn parse_caps(flag: &str, values: &[String]) -> Result<Vec<CapName>> {
    values.iter().map(|v| parse_cap(flag, v)).collect()
}

/// Parses capability names from configuration (containers.conf); `ALL` is refused there.
pub fn parse_capability_list(source: &str, values: &[String]) -> Result<Vec<Capability>> {
    parse_caps(source, values)?
        .into_iter()
        .map(|c| match c {
            CapName::One(cap) => Ok(cap),
            CapName::All => bail!("{source}: ALL is not a capability here: list the capabilities"),
        })
        .collect()
}

/// The bounding set: `defaults` adjusted by `--cap-add`/`--cap-drop` with podman's rules
/// (`--cap-drop ALL` keeps only the added ones, `--cap-add ALL` starts from every capability,
/// the same capability in both is an error), limited to what the kernel knows and ordered by
/// number.
pub fn bounding_set(
    defaults: &[Capability],
    cap_add: &[String],
    cap_drop: &[String],
    known: &[Capability],
) -> Result<Vec<Capability>> {
    let add = parse_caps("--cap-add", cap_add)?;
    let drop = parse_caps("--cap-drop", cap_drop)?;
    let add_all = add.contains(&CapName::All);
    let drop_all = drop.contains(&CapName::All);
    if add_all && drop_all {
        bail!("--cap-add ALL and --cap-drop ALL contradict each other: keep one");
    }
    let singles = |names: &[CapName]| -> HashSet<Capability> {
        names
            .iter()
            .filter_map(|n| match n {
                CapName::One(c) => Some(*c),
                CapName::All => None,
            })
            .collect()
    };
    let (added, dropped) = (singles(&add), singles(&drop));
    if let Some(both) = added.intersection(&dropped).next() {
        bail!(
            "capability {both} is both added and dropped: remove it from --cap-add or --cap-drop"
        );
    }
    let mut set: HashSet<Capability> = if drop_all {
        HashSet::new()
    } else if add_all {
        known.iter().copied().collect()
    } else {
        defaults.iter().copied().collect()
    };
    set.retain(|c| !dropped.contains(c));
    set.extend(added);
    Ok(known.iter().copied().filter(|c| set.contains(c)).collect())
}

/// The container's bounding set: every capability the kernel knows with `--privileged`, else the
/// defaults (containers.conf's or podman's) adjusted by `--cap-add`/`--cap-drop`.
pub fn container_bounding_set(opts: &RunOptions, cap_last_cap: u8) -> Result<Vec<Capability>> {
    let known = known_capabilities(cap_last_cap);
    if opts.privileged {
        return Ok(known.to_vec());
    }
    let defaults = match &opts.default_capabilities {
        Some(names) => parse_capability_list("containers.conf default_capabilities", names)?,
        None => DEFAULT_CAPABILITIES.to_vec(),
    };
    bounding_set(&defaults, &opts.cap_add, &opts.cap_drop, known)
}

/// The five capability sets of the container process.
/// Root keeps the bounding set in effective/permitted; a non-root user gets only what it asked
/// for with `--cap-add`, also as ambient so it survives exec (podman's behaviour).
pub fn process_capabilities(
    bounding: &[Capability],
    cap_add: &[String],
    user_is_root: bool,
    known: &[Capability],
) -> Result<LinuxCapabilities> {
    let to_set = |caps: &[Capability]| caps.iter().copied().collect::<HashSet<_>>();
    let mut caps = LinuxCapabilities::default();
    caps.set_bounding(Some(to_set(bounding)));
    caps.set_inheritable(Some(HashSet::new()));
    caps.set_ambient(Some(HashSet::new()));
    if user_is_root {
        caps.set_effective(Some(to_set(bounding)));
        caps.set_permitted(Some(to_set(bounding)));
        return Ok(caps);
    }
    let requested = bounding_set(&[], cap_add, &[], known)?;
    let granted: Vec<Capability> = requested
        .into_iter()
        .filter(|c| bounding.contains(c))
        .collect();
    caps.set_effective(Some(to_set(&granted)));
    caps.set_permitted(Some(to_set(&granted)));
    caps.set_inheritable(Some(to_set(&granted)));
    caps.set_ambient(Some(to_set(&granted)));
    Ok(caps)
}

/// `CAP_`-prefixed names, the form seccomp profiles (`includes.caps`) use.
pub fn capability_names(caps: &[Capability]) -> Vec<String> {
    caps.iter().map(|c| format!("CAP_{c}")).collect()
}
