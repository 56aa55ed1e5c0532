//! The syscall ABIs a filter can see on the hosts we support, and their syscall numbers.
//!
//! A 64-bit kernel also runs its 32-bit compat ABI (x86 on x86_64, arm on aarch64), and x86_64
//! kernels may run x32. The kernel tells the filter which ABI a syscall came through in
//! `seccomp_data.arch` (an `AUDIT_ARCH_*` value); x32 shares x86_64's value and is told apart by
//! bit 30 of the syscall number.

use oci_spec::runtime::Arch as OciArch;

use super::syscalls::{NONE, SYSCALLS};

/// `__X32_SYSCALL_BIT`: set in every x32 syscall number.
pub(super) const X32_SYSCALL_BIT: u32 = 0x4000_0000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Arch {
    X86_64,
    X86,
    X32,
    Aarch64,
    Arm,
}

impl Arch {
    /// The architecture this binary runs on, if we have syscall tables for it.
    pub(super) fn native() -> Option<Arch> {
        if cfg!(target_arch = "x86_64") {
            Some(Arch::X86_64)
        } else if cfg!(target_arch = "aarch64") {
            Some(Arch::Aarch64)
        } else {
            None
        }
    }

    /// The ABIs a kernel of this native architecture can run besides its own.
    pub(super) fn compat(self) -> &'static [Arch] {
        match self {
            Arch::X86_64 => &[Arch::X86, Arch::X32],
            Arch::Aarch64 => &[Arch::Arm],
            Arch::X86 | Arch::X32 | Arch::Arm => &[],
        }
    }

    /// The spec's name for an architecture we have tables for.
    pub(super) fn from_oci(arch: OciArch) -> Option<Arch> {
        match arch {
            OciArch::ScmpArchX86_64 => Some(Arch::X86_64),
            OciArch::ScmpArchX86 => Some(Arch::X86),
            OciArch::ScmpArchX32 => Some(Arch::X32),
            OciArch::ScmpArchAarch64 => Some(Arch::Aarch64),
            OciArch::ScmpArchArm => Some(Arch::Arm),
            _ => None,
        }
    }

    /// `seccomp_data.arch` for syscalls made through this ABI (linux/audit.h).
    pub(super) fn audit_arch(self) -> u32 {
        const AUDIT_ARCH_64BIT: u32 = 0x8000_0000;
        const AUDIT_ARCH_LE: u32 = 0x4000_0000;
        const EM_386: u32 = 3;
        const EM_ARM: u32 = 40;
        const EM_X86_64: u32 = 62;
        const EM_AARCH64: u32 = 183;
        match self {
            Arch::X86_64 | Arch::X32 => EM_X86_64 | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE,
            Arch::X86 => EM_386 | AUDIT_ARCH_LE,
            Arch::Aarch64 => EM_AARCH64 | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE,
            Arch::Arm => EM_ARM | AUDIT_ARCH_LE,
        }
    }

    /// Whether argument comparisons use all 64 bits. libseccomp treats x32 like the 32-bit ABIs
    /// (its `long` and pointers are 32 bits wide) and compares only the low halves there; so do we.
    pub(super) fn has_64bit_args(self) -> bool {
        matches!(self, Arch::X86_64 | Arch::Aarch64)
    }

    /// The range of syscall numbers this ABI uses, as the kernel presents them to the filter.
    pub(super) fn number_range(self) -> (u32, u32) {
        match self {
            Arch::X86_64 => (0, X32_SYSCALL_BIT - 1),
            Arch::X32 => (X32_SYSCALL_BIT, u32::MAX),
            Arch::X86 | Arch::Aarch64 | Arch::Arm => (0, u32::MAX),
        }
    }

    /// This ABI's number for a syscall, or `None` if it has no such syscall (libseccomp skips
    /// such names too, so one profile serves every architecture).
    pub(super) fn number(self, syscall: KnownSyscall) -> Option<u32> {
        match (SYSCALLS[syscall.0].1[self as usize], self) {
            (NONE, _) => None,
            (nr, Arch::X32) => Some(nr | X32_SYSCALL_BIT),
            (nr, _) => Some(nr),
        }
    }

    #[cfg(test)]
    pub(super) fn syscall_number(self, name: &str) -> Option<u32> {
        self.number(KnownSyscall::lookup(name)?)
    }
}

/// A syscall name some architecture in the tables has; looked up once, used for every ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct KnownSyscall(usize);

impl KnownSyscall {
    pub(super) fn lookup(name: &str) -> Option<KnownSyscall> {
        SYSCALLS
            .binary_search_by(|(n, _)| (*n).cmp(name))
            .ok()
            .map(KnownSyscall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique_so_binary_search_works() {
        for pair in SYSCALLS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn numbers_match_the_kernel_abi() {
        assert_eq!(Arch::X86_64.syscall_number("getpid"), Some(39));
        assert_eq!(Arch::X86.syscall_number("getpid"), Some(20));
        assert_eq!(Arch::X32.syscall_number("getpid"), Some(0x4000_0027));
        assert_eq!(Arch::X32.syscall_number("rt_sigaction"), Some(0x4000_0200));
        assert_eq!(Arch::Aarch64.syscall_number("getpid"), Some(172));
        assert_eq!(Arch::Arm.syscall_number("set_tls"), Some(0x0f_0005));
        // Names an ABI lacks, and names nobody has.
        assert_eq!(Arch::Aarch64.syscall_number("open"), None);
        assert_eq!(Arch::X86_64.syscall_number("socketcall"), None);
        assert_eq!(Arch::X86_64.syscall_number("no_such_syscall"), None);
    }

    #[test]
    fn column_order_matches_the_generated_table() {
        // gen_syscalls.py writes x86_64, x86, x32, aarch64, arm; the enum's discriminants index it.
        assert_eq!(Arch::X86_64 as usize, 0);
        assert_eq!(Arch::X86 as usize, 1);
        assert_eq!(Arch::X32 as usize, 2);
        assert_eq!(Arch::Aarch64 as usize, 3);
        assert_eq!(Arch::Arm as usize, 4);
    }

    #[test]
    fn audit_arch_values_are_the_kernels() {
        assert_eq!(Arch::X86_64.audit_arch(), 0xc000_003e);
        assert_eq!(Arch::X86.audit_arch(), 0x4000_0003);
        assert_eq!(Arch::Aarch64.audit_arch(), 0xc000_00b7);
        assert_eq!(Arch::Arm.audit_arch(), 0x4000_0028);
    }
}
