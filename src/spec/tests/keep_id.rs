//! `--userns` parsing and the keep-id account.

use super::*;
use crate::spec::UsernsMode;

fn keep_id_maps() -> Vec<LinuxIdMapping> {
    vec![
        id_map(0, 100_000, 1002),
        id_map(1002, 1002, 1),
        id_map(1003, 101_002, 64_534),
    ]
}

/// The fixture host as uid/gid 1002, which the fixture image does not know.
fn keep_id_fixture() -> Fixture {
    let mut fx = Fixture::new();
    (fx.host.uid, fx.host.gid) = (1002, 1002);
    fx.uids = keep_id_maps();
    fx.gids = keep_id_maps();
    fx
}

fn keep_id(uid: Option<u32>, gid: Option<u32>) -> RunOptions {
    RunOptions {
        userns: UsernsMode::KeepId { uid, gid },
        ..opts()
    }
}

#[test]
fn userns_values_parse_with_their_options() {
    let parse = |text: &str| UsernsMode::parse(text).unwrap();
    assert_eq!(parse(""), UsernsMode::Default);
    assert_eq!(parse("host"), UsernsMode::Host);
    assert_eq!(parse("keep-id"), keep_id(None, None).userns);
    assert_eq!(
        parse("keep-id:uid=200,gid=300"),
        keep_id(Some(200), Some(300)).userns
    );
    assert_eq!(parse("keep-id:gid=5"), keep_id(None, Some(5)).userns);
    assert_eq!(parse("auto"), UsernsMode::Auto { size: None });
    assert_eq!(
        parse("auto:size=2000"),
        UsernsMode::Auto { size: Some(2000) }
    );
    for (bad, says) in [
        ("private", "use host, keep-id"),
        ("host:x=1", "use host, keep-id"),
        (
            "keep-id:size=3",
            "\"size=3\" is not one of keep-id's options (uid=N, gid=N)",
        ),
        ("keep-id:uid=-1", "\"uid=-1\""),
        ("auto:uid=1", "not one of auto's options (size=N)"),
        ("auto:size=0", "size must be at least 1"),
    ] {
        let err = UsernsMode::parse(bad).unwrap_err().to_string();
        assert!(err.contains(says), "{bad}: {err}");
    }
}

#[test]
fn keep_id_runs_as_the_user_with_an_added_account() {
    let fx = keep_id_fixture();
    let generated = fx.build(&keep_id(None, None)).unwrap();
    let user = generated.spec.process().as_ref().unwrap().user().clone();
    assert_eq!((user.uid(), user.gid()), (1002, 1002));
    assert!(env(&generated.spec).contains(&"HOME=/".to_string()));
    let passwd = generated.etc_files.passwd.clone().unwrap();
    assert!(passwd.starts_with(PASSWD), "the image's entries stay");
    assert!(
        passwd.ends_with("\nalice:*:1002:1002:Alice A:/:/bin/sh\n"),
        "{passwd}"
    );
    let group = generated.etc_files.group.clone().unwrap();
    assert!(
        group.ends_with("app:x:1000:\nalice:x:1002:alice\n"),
        "{group}"
    );
    let bind = mount_at(&generated.spec, "/etc/passwd").expect("/etc/passwd is mounted");
    assert_eq!(
        bind.source().as_deref(),
        Some(fx.bundle.path().join("passwd").as_path())
    );
    assert!(mount_at(&generated.spec, "/etc/group").is_some());
    assert_eq!(
        generated
            .spec
            .linux()
            .as_ref()
            .unwrap()
            .uid_mappings()
            .clone()
            .unwrap(),
        keep_id_maps()
    );
}

#[test]
fn keep_id_with_other_ids_home_mounts_and_known_users() {
    let mut fx = keep_id_fixture();
    let generated = fx.build(&keep_id(Some(200), Some(300))).unwrap();
    let user = generated.spec.process().as_ref().unwrap().user().clone();
    assert_eq!((user.uid(), user.gid()), (200, 300));
    let passwd = generated.etc_files.passwd.unwrap();
    assert!(
        passwd.ends_with("\n200:*:200:300:container user:/:/bin/sh\n"),
        "{passwd}"
    );
    assert!(
        generated
            .etc_files
            .group
            .unwrap()
            .ends_with("\n300:x:300:200\n")
    );

    // The host home mounted in: it becomes the home; -w does not move it then.
    let mut home = keep_id(None, None);
    home.workdir = Some("/work".into());
    home.mounts = vec![crate::spec::MountRequest::Tmpfs {
        destination: "/home/alice".into(),
        options: Vec::new(),
    }];
    let generated = fx.build(&home).unwrap();
    assert!(env(&generated.spec).contains(&"HOME=/home/alice".to_string()));
    home.mounts.clear();
    let generated = fx.build(&home).unwrap();
    assert!(
        env(&generated.spec).contains(&"HOME=/work".to_string()),
        "podman: the workdir"
    );

    // An image that knows the UID keeps its own files; without any, the files are made.
    (fx.host.uid, fx.host.gid) = (1000, 1000);
    let known = fx.build(&keep_id(None, None)).unwrap();
    assert_eq!(
        (known.etc_files.passwd, known.etc_files.group),
        (None, None)
    );
    fx.passwd = None;
    let bare = fx.build(&keep_id(None, None)).unwrap();
    assert_eq!(
        bare.etc_files.passwd.as_deref(),
        Some("alice:*:1000:1000:Alice A:/:/bin/sh\n")
    );
    // Only with keep-id.
    assert_eq!(fx.build(&opts()).unwrap().etc_files.passwd, None);
}
