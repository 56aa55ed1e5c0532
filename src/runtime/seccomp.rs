//! Seccomp: compiles the spec's `linux.seccomp` into a classic-BPF program and installs it.
//!
//! Our own compiler rather than libseccomp (a C library and headers at build time) or
//! seccompiler (one match action per filter, while Docker-format profiles mix ALLOW, ERRNO(EPERM)
//! and an ERRNO(ENOSYS) default). It follows libseccomp's semantics, which crun and runc use:
//! syscall names unknown on an ABI are skipped, ERRNO without `errnoRet` means EPERM, the first
//! unconditional rule for a syscall wins, x86, x32 and arm compare only the low 32 bits of
//! arguments. For podman's profile the compiled program returns what libseccomp 2.5.4's returns
//! for every syscall number of the x86_64, x86 and x32 ABIs (checked once with a differential
//! test). Deliberate differences: a syscall from an ABI the filter does not list kills the
//! process rather than the thread; overlapping conditional rules with different actions are
//! tried in profile order; on x86 only the direct socket syscalls are filtered by argument, not
//! their `socketcall` multiplexer (podman's profile allows `socketcall` outright anyway).
//!
//! Supported hosts: x86_64 (with its x86 and x32 ABIs) and aarch64 (with arm), whose syscall
//! tables `syscalls.rs` holds (regenerate with `gen_syscalls.py`).

mod arch;
mod bpf;
mod emit;
mod filter;
mod syscalls;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io;

use anyhow::{Result, bail};
use libc::sock_filter;
use oci_spec::runtime::LinuxSeccomp;

use self::arch::Arch;
use self::filter::Filter;

/// A compiled filter, ready for [`install`].
pub struct BpfProgram {
    instructions: Vec<sock_filter>,
    /// `SECCOMP_FILTER_FLAG_*` for seccomp(2).
    flags: libc::c_ulong,
}

impl BpfProgram {
    pub fn len(&self) -> usize {
        self.instructions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.instructions.is_empty()
    }

    /// The program, e.g. to cache it or to dump it for debugging.
    pub fn instructions(&self) -> &[sock_filter] {
        &self.instructions
    }
}

impl fmt::Debug for BpfProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BpfProgram")
            .field("instructions", &self.instructions.len())
            .field("flags", &self.flags)
            .finish()
    }
}

/// Compiles a spec's seccomp section for the architecture this binary runs on.
pub fn compile(seccomp: &LinuxSeccomp) -> Result<BpfProgram> {
    let Some(native) = Arch::native() else {
        bail!(
            "seccomp filters are not supported on {} by the built-in runtime: run with \
             --security-opt seccomp=unconfined",
            std::env::consts::ARCH
        );
    };
    compile_for(seccomp, native)
}

fn compile_for(seccomp: &LinuxSeccomp, native: Arch) -> Result<BpfProgram> {
    let filter = Filter::from_spec(seccomp, native)?;
    let instructions = emit::emit(&filter)?;
    if instructions.len() > bpf::MAX_INSTRUCTIONS {
        bail!(
            "the seccomp profile compiles to {} BPF instructions, more than the kernel's limit of \
             {}: simplify the profile",
            instructions.len(),
            bpf::MAX_INSTRUCTIONS
        );
    }
    Ok(BpfProgram {
        instructions,
        flags: filter.flags,
    })
}

/// Installs a compiled filter on the calling thread; it is inherited by children and over exec,
/// and cannot be removed.
///
/// The kernel requires the caller to have set no_new_privs (`prctl(PR_SET_NO_NEW_PRIVS)`) or to
/// hold CAP_SYS_ADMIN in its user namespace; otherwise this fails with EACCES. A container whose
/// spec leaves `noNewPrivileges` false must therefore install the filter before dropping
/// capabilities, and the filter then applies to the remaining setup syscalls too.
///
/// Only the calling thread is filtered (no TSYNC unless the spec asks): call this from the
/// single-threaded container init, as late as possible before exec.
pub fn install(program: &BpfProgram) -> Result<()> {
    install_filter(program).map_err(|err| install_error(&err, program.flags))
}

/// The syscalls alone. Allocation-free, so also safe in a child forked from a multi-threaded
/// process (where building an error with a backtrace can deadlock).
fn install_filter(program: &BpfProgram) -> io::Result<()> {
    let len = match u16::try_from(program.instructions.len()) {
        Ok(len) if len > 0 => len,
        _ => return Err(io::Error::from_raw_os_error(libc::EINVAL)),
    };
    let fprog = libc::sock_fprog {
        len,
        filter: program.instructions.as_ptr().cast_mut(),
    };

    // SAFETY: fprog points at `program.instructions`, which outlives the call; the kernel copies
    // the program and never writes through the pointer.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            program.flags,
            &raw const fprog,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() != Some(libc::ENOSYS) || program.flags != 0 {
        return Err(err);
    }
    // Kernels before 3.17 only have the prctl interface, which takes no flags.
    // SAFETY: as above.
    let rc = unsafe {
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER,
            &raw const fprog,
            0,
            0,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn install_error(err: &io::Error, flags: libc::c_ulong) -> anyhow::Error {
    match err.raw_os_error() {
        Some(libc::EACCES) => anyhow::anyhow!(
            "installing the seccomp filter: {err}: set no_new_privs first or install it while \
             still holding CAP_SYS_ADMIN"
        ),
        Some(libc::EINVAL) => anyhow::anyhow!(
            "installing the seccomp filter: {err}: the kernel rejected the program or the flags \
             {flags:#x} (seccomp filters need Linux 3.17+, some flags later versions)"
        ),
        _ => anyhow::anyhow!("installing the seccomp filter: {err}"),
    }
}
