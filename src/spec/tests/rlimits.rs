//! --ulimit parsing and the NOFILE/NPROC defaults.

use oci_spec::runtime::PosixRlimitType;

use crate::spec::parse_ulimit;
use crate::spec::rlimits::{UNLIMITED, process_rlimits};

use super::*;

fn triple(value: &str) -> (PosixRlimitType, u64, u64) {
    let l = parse_ulimit(value).unwrap();
    (l.typ(), l.soft(), l.hard())
}

#[test]
fn ulimit_forms() {
    assert_eq!(
        triple("nofile=1024:2048"),
        (PosixRlimitType::RlimitNofile, 1024, 2048)
    );
    assert_eq!(
        triple("nproc=500"),
        (PosixRlimitType::RlimitNproc, 500, 500)
    );
    assert_eq!(
        triple("core=-1"),
        (PosixRlimitType::RlimitCore, UNLIMITED, UNLIMITED)
    );
    assert_eq!(
        triple("MEMLOCK=64:unlimited"),
        (PosixRlimitType::RlimitMemlock, 64, UNLIMITED)
    );
}

#[test]
fn bad_ulimits_say_what_is_wrong() {
    for (value, expected) in [
        ("nofile", "malformed"),
        ("files=10", "unknown limit \"files\""),
        ("nofile=ten", "is not a limit"),
        ("nofile=-5", "is not a limit"),
        ("nofile=2048:1024", "soft limit exceeds the hard limit"),
        ("nofile=-1:1024", "soft limit exceeds the hard limit"),
    ] {
        let text = err_text(parse_ulimit(value));
        assert!(
            text.starts_with(&format!("--ulimit {value:?}")),
            "{value}: {text}"
        );
        assert!(text.contains(expected), "{value}: {text}");
    }
}

#[test]
fn defaults_are_capped_by_the_hosts_hard_limits() {
    let h = host();
    let got = process_rlimits(&[], &h).unwrap();
    let pairs: Vec<(PosixRlimitType, u64, u64)> =
        got.iter().map(|l| (l.typ(), l.soft(), l.hard())).collect();
    assert_eq!(
        pairs,
        vec![
            (PosixRlimitType::RlimitNofile, 524_288, 524_288),
            (PosixRlimitType::RlimitNproc, 62_000, 62_000),
        ]
    );
    // Root is capped too (it may lack CAP_SYS_RESOURCE); with high hard limits podman's
    // defaults apply unchanged.
    let mut root = host();
    root.rootless = false;
    let got = process_rlimits(&[], &root).unwrap();
    assert_eq!((got[0].soft(), got[1].hard()), (524_288, 62_000));
    root.nofile = (1024, u64::MAX);
    root.nproc = (1024, u64::MAX);
    let got = process_rlimits(&[], &root).unwrap();
    assert_eq!((got[0].soft(), got[1].hard()), (1_048_576, 4_194_304));
}

#[test]
fn user_limits_win_and_are_checked_against_the_host() {
    let h = host();
    let got = process_rlimits(&["nofile=10".into(), "nofile=20:30".into()], &h).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].typ(), got[0].soft(), got[0].hard()),
        (PosixRlimitType::RlimitNofile, 20, 30)
    );
    let text = err_text(process_rlimits(&["nofile=1048576".into()], &h));
    assert!(
        text.contains("exceeds this user's hard limit 524288"),
        "{text}"
    );
    let mut root = host();
    root.rootless = false;
    assert!(process_rlimits(&["nofile=1048576".into()], &root).is_ok());
}
