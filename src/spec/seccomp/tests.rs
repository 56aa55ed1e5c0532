use std::fs;

use oci_spec::runtime::{
    Arch, LinuxSeccompAction as Action, LinuxSeccompOperator as Operator, LinuxSyscall,
};
use tempfile::TempDir;

use super::profile::KernelVersion;
use super::*;

fn amd64() -> Host {
    Host {
        arch: "amd64",
        kernel: Some(KernelVersion { major: 6, minor: 1 }),
    }
}

fn caps(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn builtin(host: &Host, caps: &[String]) -> LinuxSeccomp {
    convert_text(BUILTIN_PROFILE, host, caps).unwrap().unwrap()
}

/// The rules naming `name`, in profile order.
fn rules_for<'a>(seccomp: &'a LinuxSeccomp, name: &str) -> Vec<&'a LinuxSyscall> {
    let rules = seccomp.syscalls().as_deref().unwrap_or_default();
    rules
        .iter()
        .filter(|r| r.names().iter().any(|n| n == name))
        .collect()
}

#[test]
fn builtin_profile_defaults_to_enosys_and_lists_the_x86_family() {
    let s = builtin(&amd64(), &[]);
    assert_eq!(s.default_action(), Action::ScmpActErrno);
    assert_eq!(s.default_errno_ret(), Some(38));
    assert_eq!(
        s.architectures().as_deref(),
        Some(&[Arch::ScmpArchX86_64, Arch::ScmpArchX86, Arch::ScmpArchX32][..])
    );
    let getpid = rules_for(&s, "getpid");
    assert_eq!(getpid.len(), 1);
    assert_eq!(getpid[0].action(), Action::ScmpActAllow);
    // personality is allowed only for five argument values.
    let personality = rules_for(&s, "personality");
    assert_eq!(personality.len(), 5);
    let args = personality[1].args().as_deref().unwrap();
    assert_eq!(
        (args[0].index(), args[0].value(), args[0].op()),
        (0, 8, Operator::ScmpCmpEq)
    );
    assert_eq!(args[0].value_two(), None);
}

#[test]
fn cap_dependent_rules_follow_the_containers_capabilities() {
    let without = builtin(&amd64(), &caps(&["CAP_CHOWN"]));
    let chroot = rules_for(&without, "chroot");
    assert_eq!(chroot.len(), 1);
    assert_eq!(
        (chroot[0].action(), chroot[0].errno_ret()),
        (Action::ScmpActErrno, Some(1))
    );
    assert!(
        rules_for(&without, "bpf")
            .iter()
            .all(|r| r.action() == Action::ScmpActErrno)
    );
    // Without CAP_AUDIT_WRITE, audit netlink sockets get EINVAL and other sockets are allowed.
    let socket = rules_for(&without, "socket");
    assert_eq!(socket.len(), 4);
    assert_eq!(socket[0].errno_ret(), Some(22));

    let with = builtin(
        &amd64(),
        &caps(&["CAP_SYS_CHROOT", "CAP_SYS_ADMIN", "CAP_AUDIT_WRITE"]),
    );
    let chroot = rules_for(&with, "chroot");
    assert_eq!(chroot.len(), 1);
    assert_eq!(chroot[0].action(), Action::ScmpActAllow);
    assert!(
        rules_for(&with, "bpf")
            .iter()
            .all(|r| r.action() == Action::ScmpActAllow)
    );
    let socket = rules_for(&with, "socket");
    assert_eq!(socket.len(), 1);
    assert!(socket[0].args().is_none());
}

#[test]
fn arch_dependent_rules_follow_the_host() {
    let x86 = builtin(&amd64(), &[]);
    assert_eq!(rules_for(&x86, "arch_prctl").len(), 1);
    assert!(rules_for(&x86, "set_tls").is_empty());

    let arm64 = Host {
        arch: "arm64",
        ..amd64()
    };
    let arm = builtin(&arm64, &[]);
    assert!(rules_for(&arm, "arch_prctl").is_empty());
    assert_eq!(rules_for(&arm, "set_tls").len(), 1);
    assert_eq!(
        arm.architectures().as_deref(),
        Some(&[Arch::ScmpArchAarch64, Arch::ScmpArchArm][..])
    );

    // No archMap entry for the host: no architectures, so the runtime uses the native one.
    let riscv = builtin(
        &Host {
            arch: "riscv64",
            ..amd64()
        },
        &[],
    );
    assert_eq!(riscv.architectures(), &None);
}

#[test]
fn min_kernel_compares_with_the_running_kernel() {
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["new"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.10"}},
        {"names": ["old"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.10"}}]}"#;
    let names = |major, minor| -> Vec<String> {
        let host = Host {
            kernel: Some(KernelVersion { major, minor }),
            ..amd64()
        };
        let s = convert_text(text, &host, &[]).unwrap().unwrap();
        s.syscalls()
            .iter()
            .flatten()
            .flat_map(|r| r.names().clone())
            .collect()
    };
    assert_eq!(names(5, 9), ["old"]);
    assert_eq!(names(5, 10), ["new"]);
    assert_eq!(names(6, 0), ["new"]);

    let unknown = Host {
        kernel: None,
        ..amd64()
    };
    let err = format!("{:#}", convert_text(text, &unknown, &[]).unwrap_err());
    assert!(
        err.contains("syscalls[0] (new)") && err.contains("osrelease"),
        "{err}"
    );
}

#[test]
fn legacy_forms_convert_and_conflicts_are_errors() {
    let s = convert_text(
        r#"{"defaultAction": "SCMP_ACT_KILL", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{"name": "read", "action": "SCMP_ACT_ALLOW",
                          "args": [{"index": 1, "value": 255, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}]}]}"#,
        &amd64(),
        &[],
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        s.architectures().as_deref(),
        Some(&[Arch::ScmpArchX86_64][..])
    );
    let read = rules_for(&s, "read");
    let arg = read[0].args().as_deref().unwrap()[0];
    assert_eq!(
        (arg.value(), arg.value_two(), arg.op()),
        (255, Some(4), Operator::ScmpCmpMaskedEq)
    );

    let conflicts = [
        (
            r#"{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"name": "a", "names": ["b"], "action": "SCMP_ACT_ALLOW"}]}"#,
            "both `name` and `names`",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_KILL", "architectures": ["SCMP_ARCH_X86"],
                "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}"#,
            "both `architectures` and `archMap`",
        ),
        (
            r#"{"syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW"}]}"#,
            "defaultAction is missing",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_KILL", "archMap": [{"architecture": "SCMP_ARCH_X86_64",
                "subArchitectures": ["SCMP_ARCH_X87"]}]}"#,
            "SCMP_ARCH_X87",
        ),
    ];
    for (text, problem) in conflicts {
        let err = format!("{:#}", convert_text(text, &amd64(), &[]).unwrap_err());
        assert!(err.contains(problem), "{err}");
    }
    // Entries for other hosts may name architectures we do not know.
    let other =
        r#"{"defaultAction": "SCMP_ACT_KILL", "archMap": [{"architecture": "SCMP_ARCH_FUTURE"}]}"#;
    assert!(convert_text(other, &amd64(), &[]).is_ok());
}

#[test]
fn empty_profile_and_unconfined_mean_no_filter() {
    assert!(convert_text("{}", &amd64(), &[]).unwrap().is_none());
    assert!(
        convert_text(r#"{"defaultAction": ""}"#, &amd64(), &[])
            .unwrap()
            .is_none()
    );
    let none = load_profile_from(&SeccompChoice::Unconfined, &[], &[], &amd64()).unwrap();
    assert!(none.is_none());
}

#[test]
fn default_choice_takes_the_first_existing_file_then_the_builtin_copy() {
    let dir = TempDir::new().unwrap();
    let etc = dir.path().join("etc-seccomp.json");
    let share = dir.path().join("share-seccomp.json");
    let paths = [etc.as_path(), share.as_path()];
    let profile = |errno: u32| {
        format!(r#"{{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": {errno}}}"#)
    };
    let errno = || {
        let s = load_profile_from(&SeccompChoice::Default, &[], &paths, &amd64())
            .unwrap()
            .unwrap();
        s.default_errno_ret()
    };

    assert_eq!(errno(), Some(38), "no file: the built-in profile");
    fs::write(&share, profile(2)).unwrap();
    assert_eq!(errno(), Some(2));
    fs::write(&etc, profile(3)).unwrap();
    assert_eq!(errno(), Some(3));

    let explicit = dir.path().join("mine.json");
    fs::write(&explicit, profile(4)).unwrap();
    let choice = SeccompChoice::Profile(explicit);
    let s = load_profile_from(&choice, &[], &paths, &amd64())
        .unwrap()
        .unwrap();
    assert_eq!(s.default_errno_ret(), Some(4));
}

#[test]
fn file_errors_name_the_file_and_the_problem_on_one_line() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("missing.json");
    let err = load_profile_from(&SeccompChoice::Profile(missing.clone()), &[], &[], &amd64())
        .unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.contains(&missing.display().to_string()) && err.contains("No such file"),
        "{err}"
    );

    let broken = dir.path().join("broken.json");
    fs::write(&broken, "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [{\"names\": [\"a\"], \"action\": \"SCMP_ACT_NOPE\"}]}").unwrap();
    let err =
        load_profile_from(&SeccompChoice::Profile(broken.clone()), &[], &[], &amd64()).unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.starts_with(&format!("seccomp profile {}: ", broken.display())),
        "{err}"
    );
    assert!(
        err.contains("SCMP_ACT_NOPE") && err.contains("line 2"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");

    fs::write(&broken, "{\"defaultAction\": \"SCMP_ACT_NOPE\"}").unwrap();
    let err = load_profile_from(&SeccompChoice::Profile(broken), &[], &[], &amd64()).unwrap_err();
    assert!(
        format!("{err:#}").contains("unknown seccomp action \"SCMP_ACT_NOPE\""),
        "{err:#}"
    );
}

#[test]
fn this_hosts_default_profile_loads() {
    let s = load_profile(&SeccompChoice::Default, &caps(&["CAP_CHOWN"]))
        .unwrap()
        .unwrap();
    assert!(!s.syscalls().as_deref().unwrap_or_default().is_empty());
    assert!(builtin_profile(&[]).is_ok());
}
