//! The spec's `linux.seccomp`, checked and reduced to what the code generator needs: actions as
//! the kernel's return values, rules as (syscall names, action, argument conditions).
//!
//! Everything a kernel or libseccomp would reject is rejected here, with the rule named, so a bad
//! profile fails in `compile` rather than halfway through container start.

use anyhow::{Result, bail};
use oci_spec::runtime::{
    LinuxSeccomp, LinuxSeccompAction as Action, LinuxSeccompFilterFlag as Flag,
    LinuxSeccompOperator as Operator, LinuxSyscall,
};

use super::arch::Arch;

/// Kernel return values (linux/seccomp.h); the low 16 bits carry an errno or tracer data.
pub(super) const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_KILL_THREAD: u32 = 0x0000_0000;
const RET_TRAP: u32 = 0x0003_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_TRACE: u32 = 0x7ff0_0000;
const RET_LOG: u32 = 0x7ffc_0000;
pub(super) const RET_ALLOW: u32 = 0x7fff_0000;

/// What a syscall from an ABI the filter does not cover gets. libseccomp's default is to kill
/// the thread; killing the whole process avoids leaving a half-dead multi-threaded program.
pub(super) const BAD_ARCH_ACTION: u32 = RET_KILL_PROCESS;

/// The kernel looks at 6 syscall arguments.
const ARG_COUNT: usize = 6;

pub(super) struct Filter<'a> {
    pub default_action: u32,
    /// Always starts with the native architecture.
    pub arches: Vec<Arch>,
    /// `SECCOMP_FILTER_FLAG_*` for seccomp(2).
    pub flags: libc::c_ulong,
    /// In profile order; rules whose action is the default action are left out (libseccomp
    /// refuses them, and runc and crun skip them).
    pub rules: Vec<Rule<'a>>,
}

pub(super) struct Rule<'a> {
    pub names: &'a [String],
    pub action: u32,
    /// All must hold; empty means the rule applies whatever the arguments.
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Condition {
    /// Which syscall argument, 0-5.
    pub arg: u8,
    pub op: Operator,
    /// For `SCMP_CMP_MASKED_EQ` the mask, else the value compared with.
    pub value: u64,
    /// For `SCMP_CMP_MASKED_EQ` the value the masked argument must equal; unused otherwise.
    pub value_two: u64,
}

impl Condition {
    /// Whether an argument value satisfies this condition, on an ABI with 64-bit arguments.
    #[cfg(test)]
    pub(super) fn holds(&self, arg: u64) -> bool {
        match self.op {
            Operator::ScmpCmpNe => arg != self.value,
            Operator::ScmpCmpLt => arg < self.value,
            Operator::ScmpCmpLe => arg <= self.value,
            Operator::ScmpCmpEq => arg == self.value,
            Operator::ScmpCmpGe => arg >= self.value,
            Operator::ScmpCmpGt => arg > self.value,
            Operator::ScmpCmpMaskedEq => arg & self.value == self.value_two,
        }
    }
}

impl<'a> Filter<'a> {
    pub(super) fn from_spec(spec: &'a LinuxSeccomp, native: Arch) -> Result<Filter<'a>> {
        let default_action = encode_action(spec.default_action(), spec.default_errno_ret())
            .map_err(|e| anyhow::anyhow!("seccomp defaultAction: {e}"))?;

        let mut arches = vec![native];
        for &listed in spec.architectures().iter().flatten() {
            // An ABI the host cannot run never reaches the filter, so it needs no code.
            if let Some(arch) = Arch::from_oci(listed)
                && native.compat().contains(&arch)
                && !arches.contains(&arch)
            {
                arches.push(arch);
            }
        }

        let mut flags = 0;
        for flag in spec.flags().iter().flatten() {
            flags |= match flag {
                Flag::SeccompFilterFlagLog => libc::SECCOMP_FILTER_FLAG_LOG,
                Flag::SeccompFilterFlagSpecAllow => libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                // Harmless: the container's init is single-threaded when it installs the filter.
                Flag::SeccompFilterFlagTsync => libc::SECCOMP_FILTER_FLAG_TSYNC,
                Flag::SeccompFilterFlagWaitKillableRecv => bail!(
                    "seccomp flag SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a seccomp agent, \
                     which the built-in runtime does not support: remove it from the profile"
                ),
            };
        }

        let mut rules = Vec::new();
        for (index, syscall) in spec.syscalls().iter().flatten().enumerate() {
            let rule = Rule::from_spec(syscall).map_err(|e| {
                anyhow::anyhow!("seccomp rule #{index} ({}): {e}", describe(syscall.names()))
            })?;
            if rule.action != default_action {
                rules.push(rule);
            }
        }
        Ok(Filter {
            default_action,
            arches,
            flags,
            rules,
        })
    }
}

impl<'a> Rule<'a> {
    fn from_spec(syscall: &'a LinuxSyscall) -> Result<Rule<'a>> {
        let action = encode_action(syscall.action(), syscall.errno_ret())?;
        let mut conditions: Vec<Condition> = Vec::new();
        for arg in syscall.args().iter().flatten() {
            if arg.index() >= ARG_COUNT {
                bail!(
                    "argument index {} is out of range: syscalls have arguments 0-5",
                    arg.index()
                );
            }
            // libseccomp refuses this too; runc splits such rules, crun fails.
            if conditions.iter().any(|c| usize::from(c.arg) == arg.index()) {
                bail!(
                    "argument {} is compared twice in one rule; write one rule per comparison",
                    arg.index()
                );
            }
            conditions.push(Condition {
                arg: arg.index() as u8, // < ARG_COUNT, checked above
                op: arg.op(),
                value: arg.value(),
                value_two: arg.value_two().unwrap_or(0),
            });
        }
        Ok(Rule {
            names: syscall.names(),
            action,
            conditions,
        })
    }
}

/// The kernel's return value for a spec action. ERRNO and TRACE default to EPERM like runc and
/// crun; `errnoRet` is ignored for the other actions, as they do.
fn encode_action(action: Action, errno_ret: Option<u32>) -> Result<u32> {
    let data = || -> Result<u32> {
        match errno_ret {
            None => Ok(libc::EPERM as u32),
            Some(errno) if errno <= 0xffff => Ok(errno),
            Some(errno) => bail!("errnoRet {errno} does not fit in 16 bits"),
        }
    };
    Ok(match action {
        Action::ScmpActKill | Action::ScmpActKillThread => RET_KILL_THREAD,
        Action::ScmpActKillProcess => RET_KILL_PROCESS,
        Action::ScmpActTrap => RET_TRAP,
        Action::ScmpActErrno => RET_ERRNO | data()?,
        Action::ScmpActTrace => RET_TRACE | data()?,
        Action::ScmpActLog => RET_LOG,
        Action::ScmpActAllow => RET_ALLOW,
        Action::ScmpActNotify => bail!(
            "SCMP_ACT_NOTIFY needs a seccomp agent, which the built-in runtime does not support: \
             use another action"
        ),
    })
}

/// "a, b, c and 12 more" for error messages.
fn describe(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    if text.is_empty() {
        text.push_str("no names");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::Arch as OciArch;
    use serde_json::json;

    fn spec(value: serde_json::Value) -> LinuxSeccomp {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn actions_encode_like_libseccomp() {
        let s = spec(json!({
            "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
            "syscalls": [
                {"names": ["a"], "action": "SCMP_ACT_ERRNO"},
                {"names": ["b"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22},
                {"names": ["c"], "action": "SCMP_ACT_KILL_PROCESS"},
                {"names": ["d"], "action": "SCMP_ACT_ALLOW", "errnoRet": 5},
                {"names": ["e"], "action": "SCMP_ACT_TRACE"},
            ]
        }));
        let f = Filter::from_spec(&s, Arch::X86_64).unwrap();
        assert_eq!(f.default_action, 0x0005_0026);
        let actions: Vec<u32> = f.rules.iter().map(|r| r.action).collect();
        assert_eq!(
            actions,
            [
                0x0005_0001,
                0x0005_0016,
                0x8000_0000,
                0x7fff_0000,
                0x7ff0_0001
            ]
        );
    }

    #[test]
    fn rules_with_the_default_action_are_dropped() {
        let s = spec(json!({
            "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
            "syscalls": [
                {"names": ["a"], "action": "SCMP_ACT_ERRNO"},
                {"names": ["b"], "action": "SCMP_ACT_ERRNO", "errnoRet": 2},
            ]
        }));
        let f = Filter::from_spec(&s, Arch::X86_64).unwrap();
        assert_eq!(f.rules.len(), 1);
        assert_eq!(f.rules[0].names, ["b"]);
    }

    #[test]
    fn only_abis_the_host_can_run_are_kept_native_first() {
        let mut s = spec(json!({"defaultAction": "SCMP_ACT_ALLOW"}));
        s.set_architectures(Some(vec![
            OciArch::ScmpArchX32,
            OciArch::ScmpArchArm,
            OciArch::ScmpArchX86,
            OciArch::ScmpArchX86_64,
            OciArch::ScmpArchMips,
        ]));
        let f = Filter::from_spec(&s, Arch::X86_64).unwrap();
        assert_eq!(f.arches, [Arch::X86_64, Arch::X32, Arch::X86]);
        let f = Filter::from_spec(&s, Arch::Aarch64).unwrap();
        assert_eq!(f.arches, [Arch::Aarch64, Arch::Arm]);
    }

    #[test]
    fn bad_rules_are_errors_naming_the_rule() {
        let cases = [
            (
                json!({"names": ["x"], "action": "SCMP_ACT_NOTIFY"}),
                "SCMP_ACT_NOTIFY",
            ),
            (
                json!({"names": ["x"], "action": "SCMP_ACT_ERRNO", "errnoRet": 70000}),
                "16 bits",
            ),
            (
                json!({"names": ["x"], "action": "SCMP_ACT_ALLOW",
                       "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}),
                "index 6",
            ),
            (
                json!({"names": ["x", "y", "z", "w"], "action": "SCMP_ACT_ALLOW",
                       "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_GE"},
                                {"index": 1, "value": 9, "op": "SCMP_CMP_LE"}]}),
                "compared twice",
            ),
        ];
        for (rule, problem) in cases {
            let s = spec(json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}));
            let err = Filter::from_spec(&s, Arch::X86_64)
                .err()
                .unwrap()
                .to_string();
            assert!(err.starts_with("seccomp rule #0 (x"), "{err}");
            assert!(err.contains(problem), "{err}");
        }
        let s = spec(json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["a", "b", "c", "d", "e"], "action": "SCMP_ACT_NOTIFY"}]}));
        let err = Filter::from_spec(&s, Arch::X86_64)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("(a, b, c and 2 more)"), "{err}");
    }

    #[test]
    fn flags_map_to_seccomp2_flags() {
        let s = spec(json!({"defaultAction": "SCMP_ACT_ALLOW",
            "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]}));
        let f = Filter::from_spec(&s, Arch::X86_64).unwrap();
        assert_eq!(
            f.flags,
            libc::SECCOMP_FILTER_FLAG_LOG | libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW
        );
        let s = spec(json!({"defaultAction": "SCMP_ACT_ALLOW",
            "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]}));
        assert!(Filter::from_spec(&s, Arch::X86_64).is_err());
    }
}
