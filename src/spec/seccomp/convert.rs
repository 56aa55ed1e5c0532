//! A containers-format profile to the spec's `linux.seccomp`, resolved for one container on one
//! host, as containers/common `pkg/seccomp` does it for podman: rules whose `includes` /
//! `excludes` do not fit the container's capabilities, the host architecture or the running
//! kernel are dropped, and `archMap` picks the architectures to list.

use anyhow::{Context, Result, bail};
use oci_spec::runtime::{Arch, LinuxSeccomp, LinuxSeccompArgBuilder, LinuxSyscall};

use super::profile::{Filter, KernelVersion, Profile, Syscall};

/// What rules may depend on, besides capabilities.
#[derive(Clone, Debug)]
pub(crate) struct Host {
    /// libseccomp's name for the native architecture (`amd64`, `arm64`, ...), as profiles write
    /// it in `includes.arches`.
    pub arch: &'static str,
    /// The running kernel's version; `None` if unknown, which only matters to `minKernel` rules.
    pub kernel: Option<KernelVersion>,
}

impl Host {
    pub(crate) fn current() -> Host {
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .and_then(|release| KernelVersion::from_release(&release));
        Host {
            arch: native_arch_name(),
            kernel,
        }
    }

    /// The `SCMP_ARCH_*` name `archMap` uses for this architecture.
    fn seccomp_arch(&self) -> Option<&'static str> {
        Some(match self.arch {
            "x86" => "SCMP_ARCH_X86",
            "amd64" => "SCMP_ARCH_X86_64",
            "arm" => "SCMP_ARCH_ARM",
            "arm64" => "SCMP_ARCH_AARCH64",
            "mips64" => "SCMP_ARCH_MIPS64",
            "mipsel64" => "SCMP_ARCH_MIPSEL64",
            "ppc" => "SCMP_ARCH_PPC",
            "ppc64" => "SCMP_ARCH_PPC64",
            "ppc64le" => "SCMP_ARCH_PPC64LE",
            "s390x" => "SCMP_ARCH_S390X",
            "riscv64" => "SCMP_ARCH_RISCV64",
            _ => return None,
        })
    }
}

/// libseccomp's name for the architecture this binary was built for.
fn native_arch_name() -> &'static str {
    let little = cfg!(target_endian = "little");
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" if little => "ppc64le",
        "powerpc64" => "ppc64",
        "powerpc" => "ppc",
        "mips64" if little => "mipsel64",
        "mips" if little => "mipsel",
        other => other, // x86, arm, mips, mips64, s390x, riscv64 are spelled alike
    }
}

/// Resolves `profile` for a container holding `caps`. `None` for an empty profile (no default
/// action and no rules), which containers/common also reads as "no filter".
pub(crate) fn to_oci(
    profile: &Profile,
    host: &Host,
    caps: &[String],
) -> Result<Option<LinuxSeccomp>> {
    let Some(default_action) = profile.default_action else {
        if profile.syscalls.is_empty() {
            return Ok(None);
        }
        bail!("defaultAction is missing");
    };
    if !profile.architectures.is_empty() && !profile.arch_map.is_empty() {
        bail!("both `architectures` and `archMap` are given: use only `archMap`");
    }

    let mut seccomp = LinuxSeccomp::default();
    seccomp.set_default_action(default_action);
    seccomp.set_default_errno_ret(profile.default_errno_ret);
    let architectures = if profile.arch_map.is_empty() {
        profile.architectures.clone()
    } else {
        mapped_architectures(profile, host)?
    };
    if !architectures.is_empty() {
        seccomp.set_architectures(Some(architectures));
    }
    if !profile.flags.is_empty() {
        seccomp.set_flags(Some(profile.flags.clone()));
    }
    seccomp.set_listener_path(profile.listener_path.as_ref().map(Into::into));
    seccomp.set_listener_metadata(profile.listener_metadata.clone());

    let mut syscalls = Vec::new();
    for (index, rule) in profile.syscalls.iter().enumerate() {
        let what = || format!("syscalls[{index}] ({})", rule_names(rule).join(", "));
        if applies(rule, host, caps).with_context(what)? {
            syscalls.push(to_oci_syscall(rule).with_context(what)?);
        }
    }
    seccomp.set_syscalls(Some(syscalls));
    Ok(Some(seccomp))
}

/// The `archMap` entry for the host's architecture: it and its sub-architectures.
fn mapped_architectures(profile: &Profile, host: &Host) -> Result<Vec<Arch>> {
    let Some(native) = host.seccomp_arch() else {
        return Ok(Vec::new()); // no entry can match; the runtime falls back to the native ABI
    };
    let Some(entry) = profile.arch_map.iter().find(|e| e.architecture == native) else {
        return Ok(Vec::new());
    };
    std::iter::once(&entry.architecture)
        .chain(&entry.sub_architectures)
        .map(|name| {
            name.parse::<Arch>()
                .map_err(|_| anyhow::anyhow!("archMap: unknown architecture {name:?}"))
        })
        .collect()
}

fn rule_names(rule: &Syscall) -> Vec<&str> {
    if rule.name.is_empty() {
        rule.names.iter().map(String::as_str).collect()
    } else {
        vec![rule.name.as_str()]
    }
}

/// Whether a rule is kept for this container: no `excludes` condition holds and every
/// `includes` condition does.
fn applies(rule: &Syscall, host: &Host, caps: &[String]) -> Result<bool> {
    let has_cap = |cap: &String| caps.contains(cap);
    let Filter {
        caps: excluded_caps,
        arches: excluded_arches,
        min_kernel: excluded_from,
    } = &rule.excludes;
    if excluded_arches.iter().any(|a| a == host.arch) || excluded_caps.iter().any(has_cap) {
        return Ok(false);
    }
    if let Some(min) = excluded_from
        && running_kernel(host)? >= *min
    {
        return Ok(false);
    }
    let Filter {
        caps: needed_caps,
        arches: needed_arches,
        min_kernel: needed_from,
    } = &rule.includes;
    if !needed_arches.is_empty() && !needed_arches.iter().any(|a| a == host.arch) {
        return Ok(false);
    }
    if !needed_caps.iter().all(has_cap) {
        return Ok(false);
    }
    if let Some(min) = needed_from
        && running_kernel(host)? < *min
    {
        return Ok(false);
    }
    Ok(true)
}

fn running_kernel(host: &Host) -> Result<KernelVersion> {
    host.kernel.context(
        "the rule depends on minKernel but the running kernel's version could not be read from \
         /proc/sys/kernel/osrelease",
    )
}

fn to_oci_syscall(rule: &Syscall) -> Result<LinuxSyscall> {
    if !rule.name.is_empty() && !rule.names.is_empty() {
        bail!("both `name` and `names` are given: use only `names`");
    }
    let mut syscall = LinuxSyscall::default();
    syscall.set_names(rule_names(rule).into_iter().map(str::to_owned).collect());
    syscall.set_action(rule.action);
    syscall.set_errno_ret(rule.errno_ret);
    if !rule.args.is_empty() {
        let mut args = Vec::with_capacity(rule.args.len());
        for arg in &rule.args {
            let mut oci = LinuxSeccompArgBuilder::default()
                .index(arg.index)
                .value(arg.value)
                .op(arg.op);
            if arg.value_two != 0 {
                oci = oci.value_two(arg.value_two);
            }
            args.push(oci.build()?);
        }
        syscall.set_args(Some(args));
    }
    Ok(syscall)
}
