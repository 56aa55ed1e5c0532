//! Parsing of -v, --mount and --tmpfs.

use std::path::PathBuf;

use crate::spec::mount_options::clean_destination;
use crate::spec::mount_request::{MountRequest, ParsedMount, VolumeRequest};
use crate::spec::{parse_mount_flag, parse_tmpfs_flag, parse_volume_flag};

use super::err_text;

fn bind(
    source: &str,
    destination: &str,
    read_only: bool,
    relabel: Option<char>,
    options: &[&str],
) -> ParsedMount {
    ParsedMount::Ready(MountRequest::Bind {
        source: PathBuf::from(source),
        destination: destination.into(),
        read_only,
        recursive: true,
        relabel,
        options: options.iter().map(|s| s.to_string()).collect(),
    })
}

fn volume(name: Option<&str>, destination: &str, read_only: bool) -> ParsedMount {
    ParsedMount::Volume(VolumeRequest {
        name: name.map(str::to_string),
        destination: destination.into(),
        read_only,
        relabel: None,
        no_copy: false,
        options: vec![],
    })
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn volume_flag_forms() {
    assert_eq!(
        parse_volume_flag("/srv/data:/data").unwrap(),
        bind("/srv/data", "/data", false, None, &[])
    );
    assert_eq!(
        parse_volume_flag("/srv/data:/data/:ro,Z,rshared,nosuid").unwrap(),
        bind(
            "/srv/data",
            "/data",
            true,
            Some('Z'),
            &["rshared", "nosuid"]
        )
    );
    assert_eq!(
        parse_volume_flag("/a:/b:z,rw").unwrap(),
        bind("/a", "/b", false, Some('z'), &[])
    );
    assert_eq!(
        parse_volume_flag("cache:/var/cache:ro").unwrap(),
        volume(Some("cache"), "/var/cache", true)
    );
    assert_eq!(
        parse_volume_flag("/scratch").unwrap(),
        volume(None, "/scratch", false)
    );
    assert_eq!(
        parse_volume_flag("/scratch:ro").unwrap(),
        volume(None, "/scratch", true)
    );
    let ParsedMount::Ready(MountRequest::Bind { recursive, .. }) =
        parse_volume_flag("/a:/b:bind").unwrap()
    else {
        panic!("expected a bind");
    };
    assert!(!recursive);
    let cwd = std::env::current_dir().unwrap();
    let expected = cwd.join("./rel").to_string_lossy().into_owned();
    assert_eq!(
        parse_volume_flag("./rel:/x").unwrap(),
        bind(&expected, "/x", false, None, &[])
    );
}

#[test]
fn volume_requests_resolve_into_mounts() {
    let ParsedMount::Volume(req) = parse_volume_flag("cache:/c:ro").unwrap() else {
        panic!("expected a volume");
    };
    assert_eq!(
        req.resolved("cache".into(), "/vols/cache/_data".into()),
        MountRequest::Volume {
            name: "cache".into(),
            source: "/vols/cache/_data".into(),
            destination: "/c".into(),
            read_only: true,
            relabel: None,
            options: vec![],
        }
    );
}

#[test]
fn volume_flag_errors_name_the_flag_and_the_fix() {
    let cases = [
        ("data:relative", "is not absolute"),
        ("/a:/b/../c", "contains '..'"),
        ("/a:/", "container's root"),
        ("/a:/b:fast", "unknown option \"fast\""),
        ("/a:/b:ro,rw", "both ro and rw"),
        ("/a:/b:z,Z", "both z and Z"),
        ("/a:/b:shared,private", "two propagation modes"),
        ("-bad:/b", "invalid volume name"),
        ("a:/b:ro:extra", "too many"),
        ("/a:/b:U", "not supported yet"),
        ("/a:/b:nocopy", "volumes only"),
        ("vol:/b:rbind", "host paths only"),
    ];
    for (flag, expected) in cases {
        let text = err_text(parse_volume_flag(flag));
        assert!(text.starts_with(&format!("-v {flag:?}")), "{flag}: {text}");
        assert!(text.contains(expected), "{flag}: {text}");
    }
}

#[test]
fn mount_flag_forms() {
    assert_eq!(
        parse_mount_flag(
            "type=bind,src=/a,dst=/b,readonly,bind-propagation=rslave,relabel=private"
        )
        .unwrap(),
        bind("/a", "/b", true, Some('Z'), &["rslave"])
    );
    assert_eq!(
        parse_mount_flag("type=bind,source=/a,target=/b,readonly=false").unwrap(),
        bind("/a", "/b", false, None, &[])
    );
    let ParsedMount::Ready(MountRequest::Bind { recursive, .. }) =
        parse_mount_flag("type=bind,source=/a,destination=/b,bind-nonrecursive").unwrap()
    else {
        panic!("expected a bind");
    };
    assert!(!recursive);
    // docker's default type is volume.
    assert_eq!(
        parse_mount_flag("source=v1,target=/v,ro").unwrap(),
        volume(Some("v1"), "/v", true)
    );
    let ParsedMount::Volume(req) = parse_mount_flag("type=volume,target=/v,volume-nocopy").unwrap()
    else {
        panic!("expected a volume");
    };
    assert!(req.no_copy && req.name.is_none());
    assert_eq!(
        parse_mount_flag("type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1777,consistency=cached")
            .unwrap(),
        ParsedMount::Ready(MountRequest::Tmpfs {
            destination: "/t".into(),
            options: strings(&[
                "rw",
                "noexec",
                "nosuid",
                "nodev",
                "tmpcopyup",
                "size=64m",
                "mode=1777"
            ]),
        })
    );
}

#[test]
fn mount_flag_errors() {
    let cases = [
        ("type=bind,target=/b", "needs source="),
        ("type=bind,source=/a", "no target"),
        ("type=tmpfs,source=x,target=/t", "has no source"),
        ("type=image,source=x,target=/t", "unsupported type"),
        (
            "type=bind,source=/a,target=/b,speed=fast",
            "unknown key \"speed\"",
        ),
        (
            "type=bind,source=/a,target=/b,readonly=maybe",
            "readonly=\"maybe\"",
        ),
        ("type=bind,source=,target=/b", "needs a value"),
        (
            "type=bind,source=/a,target=/b,relabel=yes",
            "relabel=shared or relabel=private",
        ),
        ("type=tmpfs,target=/t,tmpfs-size=big", "bad tmpfs option"),
        (
            "type=bind,source=/a,target=/b,tmpfs-size=1m",
            "type=tmpfs only",
        ),
        (
            "type=bind,source=/a,target=/b,bind-propagation=ro",
            "use one of shared",
        ),
    ];
    for (flag, expected) in cases {
        let text = err_text(parse_mount_flag(flag));
        assert!(
            text.starts_with(&format!("--mount {flag:?}")),
            "{flag}: {text}"
        );
        assert!(text.contains(expected), "{flag}: {text}");
    }
}

#[test]
fn tmpfs_flag_merges_podmans_defaults() {
    let tmpfs = |flag| match parse_tmpfs_flag(flag).unwrap() {
        MountRequest::Tmpfs {
            destination,
            options,
        } => (destination, options),
        other => panic!("expected tmpfs, got {other:?}"),
    };
    assert_eq!(
        tmpfs("/run"),
        (
            "/run".into(),
            strings(&["rw", "noexec", "nosuid", "nodev", "tmpcopyup"])
        )
    );
    assert_eq!(
        tmpfs("/run:rw,size=64m,exec"),
        (
            "/run".into(),
            strings(&["nosuid", "nodev", "tmpcopyup", "rw", "size=64m", "exec"])
        )
    );
    assert_eq!(
        tmpfs("/t:ro,notmpcopyup,size=1g,size=10%,uid=1000,mode=0700"),
        (
            "/t".into(),
            strings(&[
                "noexec",
                "nosuid",
                "nodev",
                "ro",
                "size=10%",
                "uid=1000",
                "mode=0700"
            ])
        )
    );
    for (flag, expected) in [
        ("/t:size=64q", "bad tmpfs option"),
        ("/t:mode=999", "bad tmpfs option"),
        ("/t:uid=me", "bad tmpfs option"),
        ("/t:compress=zstd", "unknown tmpfs option \"compress\""),
        ("/t:fast", "unknown tmpfs option \"fast\""),
        ("t", "is not absolute"),
    ] {
        let text = err_text(parse_tmpfs_flag(flag));
        assert!(
            text.starts_with(&format!("--tmpfs {flag:?}")),
            "{flag}: {text}"
        );
        assert!(text.contains(expected), "{flag}: {text}");
    }
}

#[test]
fn destinations_are_cleaned() {
    assert_eq!(clean_destination("/a//b/./c/").unwrap(), "/a/b/c");
    assert_eq!(clean_destination("/data").unwrap(), "/data");
    assert!(clean_destination("//").is_err());
}
