//! Two kinds of checks: compiled programs run in a BPF interpreter against a direct model of the
//! rules (every syscall of every ABI, argument edge cases), and filters really installed in
//! forked children (seccomp is per thread, so tests must not install in the test harness).

use std::time::Instant;

use oci_spec::runtime::{Arch as OciArch, LinuxSeccomp, LinuxSeccompOperator as Operator};
use serde_json::json;

use super::arch::{Arch, X32_SYSCALL_BIT};
use super::bpf;
use super::filter::{Condition, Filter, RET_ALLOW, RET_KILL_PROCESS};
use super::*;
use crate::spec::seccomp::builtin_profile;

fn spec(value: serde_json::Value) -> LinuxSeccomp {
    serde_json::from_value(value).unwrap()
}

fn caps(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// `struct seccomp_data` as the kernel lays it out.
fn seccomp_data(audit_arch: u32, nr: u32, args: [u64; 6]) -> [u8; 64] {
    let mut data = [0u8; 64];
    data[0..4].copy_from_slice(&nr.to_ne_bytes());
    data[4..8].copy_from_slice(&audit_arch.to_ne_bytes());
    for (i, arg) in args.iter().enumerate() {
        data[16 + 8 * i..24 + 8 * i].copy_from_slice(&arg.to_ne_bytes());
    }
    data
}

/// What the filter should return, straight from the rules: the ABI must be listed; the first
/// unconditional rule for the syscall decides, else the first conditional rule that matches,
/// else the default action.
fn model(filter: &Filter, audit_arch: u32, nr: u32, args: [u64; 6]) -> u32 {
    let abi = filter.arches.iter().copied().find(|a| {
        let (first, last) = a.number_range();
        a.audit_arch() == audit_arch && (first..=last).contains(&nr)
    });
    let Some(abi) = abi else {
        return RET_KILL_PROCESS;
    };
    let rules: Vec<_> = filter
        .rules
        .iter()
        .filter(|r| r.names.iter().any(|n| abi.syscall_number(n) == Some(nr)))
        .collect();
    if let Some(rule) = rules.iter().find(|r| r.conditions.is_empty()) {
        return rule.action;
    }
    let holds = |c: &Condition| {
        let arg = args[usize::from(c.arg)];
        if abi.has_64bit_args() {
            c.holds(arg)
        } else {
            let narrow = Condition {
                value: c.value & 0xffff_ffff,
                value_two: c.value_two & 0xffff_ffff,
                ..*c
            };
            narrow.holds(arg & 0xffff_ffff)
        }
    };
    rules
        .iter()
        .find(|r| r.conditions.iter().all(holds))
        .map_or(filter.default_action, |r| r.action)
}

/// Argument vectors that exercise podman's argument rules (personality values, audit sockets).
const INTERESTING_ARGS: [[u64; 6]; 7] = [
    [0; 6],
    [8, 0, 0, 0, 0, 0],
    [0xffff_ffff, 0, 0, 0, 0, 0],
    [0x1_ffff_ffff, 0, 0, 0, 0, 0],
    [16, 3, 9, 0, 0, 0],
    [16, 3, 0, 0, 0, 0],
    [1, 1, 9, 0, 0, 0],
];

fn check_every_syscall(seccomp: &LinuxSeccomp, native: Arch) {
    let program = compile_for(seccomp, native).unwrap();
    let filter = Filter::from_spec(seccomp, native).unwrap();
    let mut checked = 0;
    for &abi in &filter.arches {
        let numbers = super::syscalls::SYSCALLS
            .iter()
            .filter_map(|(name, _)| abi.syscall_number(name));
        // Plus numbers no syscall has, around and beyond the table.
        let (first, last) = abi.number_range();
        let edges = [first, first + 1, first + 1000, last - 1, last];
        for nr in numbers.chain(edges) {
            for args in INTERESTING_ARGS {
                let data = seccomp_data(abi.audit_arch(), nr, args);
                let got = bpf::run(&program.instructions, &data);
                let want = model(&filter, abi.audit_arch(), nr, args);
                assert_eq!(got, want, "{abi:?} syscall {nr:#x} args {args:x?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} cases");
}

#[test]
fn podman_profile_compiles_to_what_its_rules_say_on_x86_64() {
    for caps in [
        caps(&[]),
        caps(&["CAP_SYS_ADMIN", "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE"]),
    ] {
        let seccomp = builtin_profile(&caps).unwrap();
        check_every_syscall(&seccomp, Arch::X86_64);
    }
}

#[test]
fn podman_profile_compiles_to_what_its_rules_say_on_aarch64() {
    let mut seccomp = builtin_profile(&[]).unwrap();
    seccomp.set_architectures(Some(vec![OciArch::ScmpArchAarch64, OciArch::ScmpArchArm]));
    check_every_syscall(&seccomp, Arch::Aarch64);
}

#[test]
fn foreign_abis_are_killed() {
    let mut seccomp = builtin_profile(&[]).unwrap();
    let program = compile_for(&seccomp, Arch::X86_64).unwrap();
    let getpid = Arch::X86_64.syscall_number("getpid").unwrap();
    let run = |program: &BpfProgram, arch: u32, nr: u32| {
        bpf::run(&program.instructions, &seccomp_data(arch, nr, [0; 6]))
    };
    assert_eq!(run(&program, Arch::X86_64.audit_arch(), getpid), RET_ALLOW);
    assert_eq!(
        run(&program, Arch::Aarch64.audit_arch(), getpid),
        RET_KILL_PROCESS
    );
    assert_eq!(
        run(
            &program,
            Arch::X86_64.audit_arch(),
            getpid | X32_SYSCALL_BIT
        ),
        RET_ALLOW
    );

    // Without x32 listed, x32 numbers must not be looked up as x86_64 ones.
    seccomp.set_architectures(None);
    let program = compile_for(&seccomp, Arch::X86_64).unwrap();
    assert_eq!(
        run(
            &program,
            Arch::X86_64.audit_arch(),
            getpid | X32_SYSCALL_BIT
        ),
        RET_KILL_PROCESS
    );
    assert_eq!(run(&program, Arch::X86.audit_arch(), 20), RET_KILL_PROCESS);
}

/// Values around the 32-bit halves of 0x1_0000_0005, and patterns for the mask test.
const EDGE_VALUES: [u64; 12] = [
    0,
    5,
    6,
    0xffff_ffff,
    0x1_0000_0000,
    0x1_0000_0004,
    0x1_0000_0005,
    0x1_0000_0006,
    0x2_0000_0000,
    0x1200_0000_0000_0034,
    0x1234_5678_9abc_de34,
    u64::MAX,
];

const OPERATORS: [Operator; 7] = [
    Operator::ScmpCmpEq,
    Operator::ScmpCmpNe,
    Operator::ScmpCmpLt,
    Operator::ScmpCmpLe,
    Operator::ScmpCmpGe,
    Operator::ScmpCmpGt,
    Operator::ScmpCmpMaskedEq,
];

/// Default allow; `getpid` fails with EPERM when argument 1 satisfies `op`.
fn getpid_rule(op: Operator) -> LinuxSeccomp {
    let (value, value_two) = match op {
        Operator::ScmpCmpMaskedEq => (0xff00_0000_0000_00ffu64, 0x1200_0000_0000_0034u64),
        _ => (0x1_0000_0005, 0),
    };
    spec(json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO",
                      "args": [{"index": 1, "value": value, "valueTwo": value_two, "op": op}]}]
    }))
}

#[test]
fn argument_comparisons_match_the_model_on_both_widths() {
    for op in OPERATORS {
        let seccomp = getpid_rule(op);
        for (native, abi) in [
            (Arch::X86_64, Arch::X86_64),
            (Arch::X86_64, Arch::X86),
            (Arch::Aarch64, Arch::Arm),
        ] {
            let mut seccomp = seccomp.clone();
            let oci_abi = if abi == Arch::X86 {
                OciArch::ScmpArchX86
            } else {
                OciArch::ScmpArchArm
            };
            seccomp.set_architectures(Some(vec![oci_abi]));
            let program = compile_for(&seccomp, native).unwrap();
            let filter = Filter::from_spec(&seccomp, native).unwrap();
            let nr = abi.syscall_number("getpid").unwrap();
            for value in EDGE_VALUES {
                let args = [0, value, 0, 0, 0, 0];
                let got = bpf::run(
                    &program.instructions,
                    &seccomp_data(abi.audit_arch(), nr, args),
                );
                let want = model(&filter, abi.audit_arch(), nr, args);
                assert_eq!(got, want, "{op:?} {abi:?} {value:#x}");
            }
        }
    }
}

#[test]
fn several_syscalls_with_the_same_rules_share_one_body() {
    let seccomp = spec(json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["read", "write", "close"], "action": "SCMP_ACT_ERRNO",
                      "args": [{"index": 0, "value": 99, "op": "SCMP_CMP_EQ"}]}]
    }));
    let shared = compile_for(&seccomp, Arch::X86_64).unwrap().len();
    let seccomp_one = spec(json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                      "args": [{"index": 0, "value": 99, "op": "SCMP_CMP_EQ"}]}]
    }));
    let single = compile_for(&seccomp_one, Arch::X86_64).unwrap().len();
    // read (0), write (1) and close (3): one more search level and leaf, not two more bodies.
    assert!(shared <= single + 4, "{shared} vs {single}");
}

#[test]
fn compiling_podmans_profile_is_fast() {
    let seccomp = builtin_profile(&caps(&["CAP_CHOWN", "CAP_SYS_CHROOT"])).unwrap();
    let runs = 20;
    let start = Instant::now();
    let mut len = 0;
    for _ in 0..runs {
        len = compile(&seccomp).unwrap().len();
    }
    let each = start.elapsed() / runs;
    eprintln!("podman's profile: {len} BPF instructions, compiled in {each:?}");
    assert!(len < bpf::MAX_INSTRUCTIONS);
    // Generous for debug builds on a busy machine; release builds take well under 1 ms.
    assert!(each.as_millis() < 50, "{each:?}");
}

// ---- Installed for real, in forked children ----

struct Probe {
    name: &'static str,
    nr: libc::c_long,
    args: [u64; 6],
    /// `Some(errno)`: the filter must fail the call with this errno, which the kernel itself
    /// would not have returned. `None`: the filter must let the call through, so it must
    /// behave exactly as without a filter.
    blocked_with: Option<i32>,
}

fn probe(name: &'static str, nr: libc::c_long, args: [u64; 6], blocked_with: Option<i32>) -> Probe {
    Probe {
        name,
        nr,
        args,
        blocked_with,
    }
}

/// How a forked child ended.
#[derive(Debug, PartialEq, Eq)]
enum ChildEnd {
    /// Exit status 0, with each probe's result: 0 for success, else the errno.
    Results(Vec<i32>),
    Exited(i32),
    Killed(i32),
}

/// Forks; the child sets no_new_privs, installs `program` (if any), makes the probe syscalls
/// and sends their results back through a pipe.
fn run_in_child(program: Option<&BpfProgram>, probes: &[Probe]) -> ChildEnd {
    let mut results = vec![0i32; probes.len()]; // allocated before fork, filled by the child
    let size = std::mem::size_of_val(results.as_slice());
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (read_fd, write_fd) = (fds[0], fds[1]);

    // SAFETY: the child only makes raw syscalls on memory that exists before fork, then _exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        unsafe {
            libc::close(read_fd);
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                libc::_exit(101);
            }
            if let Some(program) = program
                && install_filter(program).is_err()
            {
                libc::_exit(102);
            }
            for (probe, result) in probes.iter().zip(results.iter_mut()) {
                let [a, b, c, d, e, f] = probe.args;
                let rc = libc::syscall(probe.nr, a, b, c, d, e, f);
                *result = if rc == -1 {
                    *libc::__errno_location()
                } else {
                    0
                };
            }
            let written = libc::write(write_fd, results.as_ptr().cast(), size);
            libc::_exit(if written == size as isize { 0 } else { 103 });
        }
    }

    unsafe { libc::close(write_fd) };
    let mut received = 0;
    while received < size {
        let n = unsafe {
            libc::read(
                read_fd,
                results.as_mut_ptr().cast::<u8>().add(received).cast(),
                size - received,
            )
        };
        if n <= 0 {
            break;
        }
        received += n as usize;
    }
    unsafe { libc::close(read_fd) };
    let mut status = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    if libc::WIFSIGNALED(status) {
        return ChildEnd::Killed(libc::WTERMSIG(status));
    }
    match libc::WEXITSTATUS(status) {
        0 if received == size => ChildEnd::Results(results),
        code => ChildEnd::Exited(code),
    }
}

/// Runs the probes with and without the filter and checks each probe's expectation.
fn check_probes(seccomp: &LinuxSeccomp, probes: &[Probe]) {
    let program = compile(seccomp).unwrap();
    let ChildEnd::Results(filtered) = run_in_child(Some(&program), probes) else {
        panic!(
            "filtered child failed: {:?}",
            run_in_child(Some(&program), probes)
        );
    };
    let ChildEnd::Results(plain) = run_in_child(None, probes) else {
        panic!("unfiltered child failed");
    };
    for ((probe, &got), &without) in probes.iter().zip(&filtered).zip(&plain) {
        match probe.blocked_with {
            Some(errno) => {
                assert_eq!(
                    got, errno,
                    "{}: expected the filter to fail it with errno {errno}",
                    probe.name
                );
                assert_ne!(
                    without, errno,
                    "{}: inconclusive, the kernel returns {errno} anyway",
                    probe.name
                );
            }
            None => assert_eq!(
                got, without,
                "{}: the filter changed an allowed call",
                probe.name
            ),
        }
    }
}

const NONEXISTENT: &std::ffi::CStr = c"/nonexistent-seccomp-test-dir";

#[cfg(target_arch = "x86_64")]
#[test]
fn podman_profile_really_filters_without_capabilities() {
    let seccomp = builtin_profile(&caps(&["CAP_CHOWN", "CAP_SETUID"])).unwrap();
    let path = NONEXISTENT.as_ptr() as u64;
    check_probes(
        &seccomp,
        &[
            probe("getpid", libc::SYS_getpid, [0; 6], None),
            // Listed as EPERM in the profile.
            probe(
                "sysfs(99)",
                libc::SYS_sysfs,
                [99, 0, 0, 0, 0, 0],
                Some(libc::EPERM),
            ),
            probe("uselib(NULL)", libc::SYS_uselib, [0; 6], Some(libc::EPERM)),
            // Not listed at all: the default action, ERRNO(ENOSYS).
            probe(
                "add_key(NULL, ...)",
                libc::SYS_add_key,
                [0; 6],
                Some(libc::ENOSYS),
            ),
            // personality: allowed only for PER_LINUX, PER_LINUX32, UNAME26, ... and 0xffffffff (query).
            probe(
                "personality(query)",
                libc::SYS_personality,
                [0xffff_ffff, 0, 0, 0, 0, 0],
                None,
            ),
            probe(
                "personality(5)",
                libc::SYS_personality,
                [5, 0, 0, 0, 0, 0],
                Some(libc::ENOSYS),
            ),
            // Needs CAP_SYS_CHROOT.
            probe(
                "chroot",
                libc::SYS_chroot,
                [path, 0, 0, 0, 0, 0],
                Some(libc::EPERM),
            ),
            // Audit netlink sockets need CAP_AUDIT_WRITE; others are fine.
            probe(
                "socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT)",
                libc::SYS_socket,
                [16, 3, 9, 0, 0, 0],
                Some(libc::EINVAL),
            ),
            probe(
                "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)",
                libc::SYS_socket,
                [16, 3, 0, 0, 0, 0],
                None,
            ),
            probe(
                "socket(AF_UNIX, SOCK_STREAM)",
                libc::SYS_socket,
                [1, 1, 0, 0, 0, 0],
                None,
            ),
        ],
    );
}

#[cfg(target_arch = "x86_64")]
#[test]
fn podman_profile_allows_what_the_capabilities_allow() {
    let seccomp = builtin_profile(&caps(&["CAP_SYS_CHROOT", "CAP_AUDIT_WRITE"])).unwrap();
    let path = NONEXISTENT.as_ptr() as u64;
    check_probes(
        &seccomp,
        &[
            probe("chroot", libc::SYS_chroot, [path, 0, 0, 0, 0, 0], None),
            probe(
                "socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT)",
                libc::SYS_socket,
                [16, 3, 9, 0, 0, 0],
                None,
            ),
            probe(
                "add_key(NULL, ...)",
                libc::SYS_add_key,
                [0; 6],
                Some(libc::ENOSYS),
            ),
        ],
    );
}

#[test]
fn argument_comparisons_hold_in_the_kernel() {
    for op in OPERATORS {
        let seccomp = getpid_rule(op);
        let filter = Filter::from_spec(&seccomp, Arch::native().unwrap()).unwrap();
        let condition = filter.rules[0].conditions[0];
        let probes: Vec<Probe> = EDGE_VALUES
            .iter()
            .map(|&value| {
                let blocked = condition.holds(value).then_some(libc::EPERM);
                probe(
                    "getpid(0, value)",
                    libc::SYS_getpid,
                    [0, value, 0, 0, 0, 0],
                    blocked,
                )
            })
            .collect();
        check_probes(&seccomp, &probes);
    }
}

#[test]
fn clone_flag_masks_block_only_the_masked_flags() {
    // Docker-style: no new user namespaces, anything else goes.
    let newuser = libc::CLONE_NEWUSER as u64;
    let seccomp = spec(json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["unshare"], "action": "SCMP_ACT_ERRNO",
                      "args": [{"index": 0, "value": newuser, "valueTwo": newuser, "op": "SCMP_CMP_MASKED_EQ"}]}]
    }));
    // One namespace-creating call per child: without the filter, a second unshare would run in
    // the new, unmapped user namespace and fail for that reason.
    check_probes(
        &seccomp,
        &[
            probe("unshare(0)", libc::SYS_unshare, [0; 6], None),
            probe(
                "unshare(CLONE_NEWUSER)",
                libc::SYS_unshare,
                [newuser, 0, 0, 0, 0, 0],
                Some(libc::EPERM),
            ),
        ],
    );
    let with_mount_ns = newuser | libc::CLONE_NEWNS as u64;
    check_probes(
        &seccomp,
        &[probe(
            "unshare(CLONE_NEWUSER|CLONE_NEWNS)",
            libc::SYS_unshare,
            [with_mount_ns, 0, 0, 0, 0, 0],
            Some(libc::EPERM),
        )],
    );
}

#[cfg(target_arch = "x86_64")]
#[test]
fn x32_syscalls_kill_the_process_unless_x32_is_listed() {
    let mut seccomp = builtin_profile(&[]).unwrap();
    seccomp.set_architectures(None);
    let program = compile(&seccomp).unwrap();
    let x32_getpid = probe(
        "x32 getpid",
        libc::SYS_getpid | X32_SYSCALL_BIT as libc::c_long,
        [0; 6],
        None,
    );
    let end = run_in_child(Some(&program), std::slice::from_ref(&x32_getpid));
    assert_eq!(end, ChildEnd::Killed(libc::SIGSYS));
}

#[test]
fn installing_without_no_new_privs_or_cap_sys_admin_is_refused_with_the_fix() {
    let program = compile(&spec(json!({"defaultAction": "SCMP_ACT_ALLOW"}))).unwrap();
    // SAFETY: as in run_in_child.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        unsafe {
            // Root loses every capability when it changes to another UID.
            if libc::geteuid() == 0 && libc::setresuid(65534, 65534, 65534) != 0 {
                libc::_exit(200);
            }
            // The errno as exit status, 0 if it worked.
            libc::_exit(match install_filter(&program) {
                Ok(()) => 0,
                Err(e) => e.raw_os_error().unwrap_or(201),
            });
        }
    }
    let mut status = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "child died: {status:#x}");
    assert_eq!(
        libc::WEXITSTATUS(status),
        libc::EACCES,
        "200: setresuid failed"
    );

    let message = install_error(&std::io::Error::from_raw_os_error(libc::EACCES), 0).to_string();
    assert!(message.contains("set no_new_privs first"), "{message}");
}
