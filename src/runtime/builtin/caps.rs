//! The process's capability sets from `process.capabilities`.

use std::collections::HashSet;

use anyhow::{Context, Result};
use caps::{CapSet, Capability as Cap, CapsHashSet};
use oci_spec::runtime::{Capabilities, LinuxCapabilities};

/// Drops from the bounding set every capability the spec's bounding set lacks. Needs
/// CAP_SETPCAP, so it runs before the user changes.
pub(super) fn drop_bounding(spec: Option<&LinuxCapabilities>) -> Result<()> {
    let keep = to_caps(spec.and_then(|c| c.bounding().as_ref()));
    for cap in caps::runtime::thread_all_supported() {
        if !keep.contains(&cap) {
            caps::drop(None, CapSet::Bounding, cap)
                .with_context(|| format!("drop {cap} from the bounding set"))?;
        }
    }
    Ok(())
}

/// Sets the effective, permitted, inheritable and ambient sets. Runs after the switch to the
/// container's user, which (with PR_SET_KEEPCAPS) kept the permitted set but cleared the
/// effective one.
pub(super) fn set_process_caps(spec: Option<&LinuxCapabilities>) -> Result<()> {
    let set = |which: CapSet, caps: &Option<Capabilities>| {
        let wanted = to_caps(caps.as_ref());
        caps::set(None, which, &wanted).with_context(|| format!("set the {which:?} capabilities"))
    };
    let none = None;
    let (effective, permitted, inheritable, ambient) = match spec {
        Some(c) => (c.effective(), c.permitted(), c.inheritable(), c.ambient()),
        None => (&none, &none, &none, &none),
    };
    // The kernel wants effective within permitted at every step: shrink effective first,
    // then permitted, then let inheritable and ambient (which need both) follow.
    set(CapSet::Effective, effective)?;
    set(CapSet::Permitted, permitted)?;
    set(CapSet::Inheritable, inheritable)?;
    if caps::runtime::ambient_set_supported().is_ok() {
        set(CapSet::Ambient, ambient)?;
    }
    Ok(())
}

/// The spec's capabilities this kernel knows; newer ones are skipped like crun does (the
/// kernel could not grant them anyway).
fn to_caps(spec: Option<&Capabilities>) -> CapsHashSet {
    let supported = caps::runtime::thread_all_supported();
    let names = spec.into_iter().flatten().map(|cap| format!("CAP_{cap}"));
    names
        .filter_map(|name| name.parse::<Cap>().ok())
        .filter(|cap| supported.contains(cap))
        .collect::<HashSet<Cap>>()
}

#[cfg(test)]
mod tests {
    use oci_spec::runtime::Capability;

    use super::*;

    #[test]
    fn spec_names_map_to_kernel_capabilities() {
        let spec: Capabilities = [
            Capability::Chown,
            Capability::NetBindService,
            Capability::SysChroot,
        ]
        .into();
        let caps = to_caps(Some(&spec));
        let expected: CapsHashSet = [
            Cap::CAP_CHOWN,
            Cap::CAP_NET_BIND_SERVICE,
            Cap::CAP_SYS_CHROOT,
        ]
        .into();
        assert_eq!(caps, expected);
    }

    #[test]
    fn no_set_means_no_capabilities() {
        assert!(to_caps(None).is_empty());
    }
}
