//! Capability sets for defaults, --cap-add/--cap-drop, ALL, --privileged and non-root users.

use std::collections::HashSet;

use oci_spec::runtime::{Capability, LinuxCapabilities, LinuxSeccomp};

use super::*;
use crate::spec::SeccompChoice;
use crate::spec::caps::{ALL_CAPABILITIES, DEFAULT_CAPABILITIES, bounding_set, known_capabilities};

fn caps_of(spec: &Spec) -> LinuxCapabilities {
    spec.process()
        .as_ref()
        .unwrap()
        .capabilities()
        .clone()
        .unwrap()
}

fn set(caps: &[Capability]) -> HashSet<Capability> {
    caps.iter().copied().collect()
}

fn with_caps(add: &[&str], drop: &[&str]) -> RunOptions {
    RunOptions {
        cap_add: add.iter().map(|s| s.to_string()).collect(),
        cap_drop: drop.iter().map(|s| s.to_string()).collect(),
        ..opts()
    }
}

#[test]
fn root_gets_podmans_eleven_defaults() {
    let caps = caps_of(&Fixture::new().spec(&opts()));
    let defaults = set(&DEFAULT_CAPABILITIES);
    assert_eq!(defaults.len(), 11);
    assert_eq!(caps.bounding().clone().unwrap(), defaults);
    assert_eq!(caps.effective().clone().unwrap(), defaults);
    assert_eq!(caps.permitted().clone().unwrap(), defaults);
    assert!(caps.inheritable().clone().unwrap().is_empty());
    assert!(caps.ambient().clone().unwrap().is_empty());
    assert!(!defaults.contains(&Capability::NetRaw));
}

#[test]
fn add_and_drop_accept_any_spelling() {
    let caps = caps_of(&Fixture::new().spec(&with_caps(
        &["NET_ADMIN", "cap_net_raw", "Sys_Ptrace"],
        &["chown", "CAP_KILL"],
    )));
    let bounding = caps.bounding().clone().unwrap();
    for added in [
        Capability::NetAdmin,
        Capability::NetRaw,
        Capability::SysPtrace,
    ] {
        assert!(bounding.contains(&added), "{added}");
    }
    assert!(!bounding.contains(&Capability::Chown));
    assert!(!bounding.contains(&Capability::Kill));
    assert_eq!(bounding.len(), 12);
    assert_eq!(caps.effective().clone().unwrap(), bounding);
}

#[test]
fn all_keywords_follow_podman() {
    let known = known_capabilities(40);
    assert_eq!(known.len(), 41);
    let only_added = bounding_set(
        &DEFAULT_CAPABILITIES,
        &["net_bind_service".into()],
        &["ALL".into()],
        known,
    )
    .unwrap();
    assert_eq!(only_added, vec![Capability::NetBindService]);
    let everything = bounding_set(&DEFAULT_CAPABILITIES, &["all".into()], &[], known).unwrap();
    assert_eq!(everything, ALL_CAPABILITIES.to_vec());
    let all_but_admin = bounding_set(
        &DEFAULT_CAPABILITIES,
        &["ALL".into()],
        &["SYS_ADMIN".into()],
        known,
    )
    .unwrap();
    assert_eq!(all_but_admin.len(), 40);
    assert!(!all_but_admin.contains(&Capability::SysAdmin));
    // An older kernel (cap_last_cap 37 = AUDIT_READ) lacks PERFMON, BPF, CHECKPOINT_RESTORE.
    let old = bounding_set(
        &DEFAULT_CAPABILITIES,
        &["ALL".into()],
        &[],
        known_capabilities(37),
    )
    .unwrap();
    assert_eq!(old.len(), 38);
    assert!(!old.contains(&Capability::Bpf));
}

#[test]
fn contradictions_and_unknown_names_are_errors() {
    let fx = Fixture::new();
    let text = err_text(fx.build(&with_caps(&["ALL"], &["ALL"])));
    assert!(text.contains("contradict"), "{text}");
    let text = err_text(fx.build(&with_caps(&["NET_ADMIN"], &["cap_net_admin"])));
    assert!(
        text.contains("NET_ADMIN is both added and dropped"),
        "{text}"
    );
    let text = err_text(fx.build(&with_caps(&["NET_WIZARD"], &[])));
    assert!(
        text.starts_with("--cap-add \"NET_WIZARD\": unknown capability"),
        "{text}"
    );
    let text = err_text(fx.build(&with_caps(&[], &["bogus"])));
    assert!(
        text.starts_with("--cap-drop \"bogus\": unknown capability"),
        "{text}"
    );
}

#[test]
fn containers_conf_defaults_replace_the_builtin_ones() {
    let o = RunOptions {
        default_capabilities: Some(vec!["CHOWN".into(), "CAP_NET_RAW".into()]),
        ..opts()
    };
    let caps = caps_of(&Fixture::new().spec(&o));
    assert_eq!(
        caps.bounding().clone().unwrap(),
        set(&[Capability::Chown, Capability::NetRaw])
    );
    let bad = RunOptions {
        default_capabilities: Some(vec!["ALL".into()]),
        ..opts()
    };
    assert!(err_text(Fixture::new().build(&bad)).contains("containers.conf default_capabilities"));
}

#[test]
fn non_root_users_get_only_what_they_add() {
    let fx = Fixture::new();
    let plain = RunOptions {
        user: Some("app".into()),
        ..opts()
    };
    let caps = caps_of(&fx.spec(&plain));
    assert_eq!(caps.bounding().clone().unwrap(), set(&DEFAULT_CAPABILITIES));
    assert!(caps.effective().clone().unwrap().is_empty());
    assert!(caps.permitted().clone().unwrap().is_empty());
    assert!(caps.ambient().clone().unwrap().is_empty());

    let added = RunOptions {
        user: Some("1000".into()),
        cap_add: vec!["net_admin".into()],
        ..opts()
    };
    let caps = caps_of(&fx.spec(&added));
    let one = set(&[Capability::NetAdmin]);
    assert_eq!(caps.effective().clone().unwrap(), one);
    assert_eq!(caps.permitted().clone().unwrap(), one);
    assert_eq!(caps.inheritable().clone().unwrap(), one);
    assert_eq!(caps.ambient().clone().unwrap(), one);
    assert!(
        caps.bounding()
            .clone()
            .unwrap()
            .contains(&Capability::NetAdmin)
    );
}

#[test]
fn privileged_means_all_caps_no_masks_no_default_seccomp() {
    let fx = Fixture::new();
    let filter = LinuxSeccomp::default();
    let privileged = RunOptions {
        privileged: true,
        ..opts()
    };
    let spec = fx
        .build_with_seccomp(&privileged, Some(filter.clone()))
        .unwrap()
        .spec;
    assert_eq!(caps_of(&spec).bounding().clone().unwrap().len(), 41);
    let linux = spec.linux().clone().unwrap();
    assert!(linux.masked_paths().clone().unwrap().is_empty());
    assert!(linux.readonly_paths().clone().unwrap().is_empty());
    assert!(linux.seccomp().is_none());
    assert!(options_of(&mount_at(&spec, "/sys").unwrap()).contains(&"rw".to_string()));
    assert!(options_of(&mount_at(&spec, "/sys/fs/cgroup").unwrap()).contains(&"rw".to_string()));

    // An explicitly chosen profile still applies.
    let explicit = RunOptions {
        privileged: true,
        seccomp: SeccompChoice::Profile("/p.json".into()),
        ..opts()
    };
    assert_eq!(
        explicit.effective_seccomp(),
        SeccompChoice::Profile("/p.json".into())
    );
    let spec = fx
        .build_with_seccomp(&explicit, Some(filter.clone()))
        .unwrap()
        .spec;
    assert_eq!(
        spec.linux().clone().unwrap().seccomp().clone(),
        Some(filter.clone())
    );

    // Not privileged: masks present, the filter is installed; unconfined drops it.
    let spec = fx
        .build_with_seccomp(&opts(), Some(filter.clone()))
        .unwrap()
        .spec;
    let linux = spec.linux().clone().unwrap();
    assert_eq!(linux.seccomp().clone(), Some(filter.clone()));
    assert!(
        linux
            .masked_paths()
            .clone()
            .unwrap()
            .contains(&"/proc/kcore".to_string())
    );
    assert!(
        linux
            .readonly_paths()
            .clone()
            .unwrap()
            .contains(&"/proc/sys".to_string())
    );
    let unconfined = RunOptions {
        seccomp: SeccompChoice::Unconfined,
        ..opts()
    };
    let spec = fx
        .build_with_seccomp(&unconfined, Some(filter))
        .unwrap()
        .spec;
    assert!(spec.linux().clone().unwrap().seccomp().is_none());
}

#[test]
fn seccomp_sees_the_bounding_set_by_name() {
    let names =
        crate::spec::bounding_capabilities(&with_caps(&["NET_RAW"], &["CHOWN"]), &host()).unwrap();
    assert!(names.contains(&"CAP_NET_RAW".to_string()));
    assert!(!names.contains(&"CAP_CHOWN".to_string()));
    assert_eq!(names.len(), 11);
    assert_eq!(names[0], "CAP_DAC_OVERRIDE");
}
