//! The shifted copy on real files. Changing owners needs root (or the storage namespace):
//! as another user the owner checks are skipped, the rest still runs.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt, symlink};

use rustix::fs::XattrFlags;

use super::xattrs::shifted_value;
use super::*;
use crate::runtime::userns::{IdMappings, IdRange};

fn range(container: u32, host: u32, size: u32) -> IdRange {
    IdRange {
        container,
        host,
        size,
    }
}

/// keep-id for user 1001 with 65536 subordinate IDs, seen from the storage namespace.
fn keep_id_shift() -> IdShift {
    let relative = vec![
        range(0, 1, 1001),
        range(1001, 0, 1),
        range(1002, 1002, 64535),
    ];
    IdShift::new(&IdMappings {
        uids: relative.clone(),
        gids: relative,
    })
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

#[test]
fn ids_move_by_the_relative_map_and_unmapped_ones_to_an_unmapped_id() {
    let keep = keep_id_shift();
    assert_eq!(keep.uid(0), 1);
    assert_eq!(keep.uid(1000), 1001);
    assert_eq!(keep.uid(1001), 0);
    assert_eq!(keep.gid(5000), 5000);
    assert!(!keep.is_identity());
    let auto = IdShift::parse("0:1:1024", "0:1:1024").unwrap();
    assert_eq!(auto.uid(1000), 1001);
    assert_eq!(
        auto.uid(5000),
        0,
        "unmapped: the user, whom auto does not map"
    );
    let all = IdShift::parse("0:0:1,1:1:65536", "0:0:65537").unwrap();
    assert!(all.is_identity());
    assert_eq!(
        IdShift::format(&[range(0, 1, 2), range(2, 0, 1)]),
        "0:1:2,2:0:1"
    );
    for bad in ["", "1:2", "1:2:0", "a:1:1", "4294967295:0:2"] {
        assert!(IdShift::parse(bad, "0:0:1").is_err(), "{bad}");
    }
}

#[test]
fn capabilities_are_rewritten_for_the_containers_root_and_acls_shifted() {
    let keep = keep_id_shift();
    // v2, effective: cap_net_bind_service.
    let mut v2 = vec![0x01, 0, 0, 0x02];
    v2.extend_from_slice(&[0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let v3 = shifted_value("security.capability", &v2, &keep);
    assert_eq!(v3.len(), 24);
    assert_eq!(&v3[..4], &[0x01, 0, 0, 0x03]);
    assert_eq!(&v3[4..20], &v2[4..]);
    assert_eq!(&v3[20..], &1u32.to_le_bytes(), "root ID 0 -> storage ID 1");
    // v3 with root ID 1000 -> 1001.
    let mut other_root = v3.clone();
    other_root[20..].copy_from_slice(&1000u32.to_le_bytes());
    assert_eq!(
        &shifted_value("security.capability", &other_root, &keep)[20..],
        &1001u32.to_le_bytes()
    );
    // ACL: header, USER_OBJ, USER 1000, GROUP 1001, OTHER.
    let entry = |tag: u16, id: u32| [&tag.to_le_bytes()[..], &[7, 0], &id.to_le_bytes()].concat();
    let acl = [
        &2u32.to_le_bytes()[..],
        &entry(0x01, u32::MAX),
        &entry(0x02, 1000),
        &entry(0x08, 1001),
        &entry(0x20, u32::MAX),
    ]
    .concat();
    let expected = [
        &2u32.to_le_bytes()[..],
        &entry(0x01, u32::MAX),
        &entry(0x02, 1001),
        &entry(0x08, 0),
        &entry(0x20, u32::MAX),
    ]
    .concat();
    assert_eq!(
        shifted_value("system.posix_acl_access", &acl, &keep),
        expected
    );
    assert_eq!(shifted_value("user.other", b"v", &keep), b"v");
}

#[test]
fn a_shifted_copy_keeps_everything_but_the_owners() {
    let dir = tempfile::tempdir().unwrap();
    let (src, dst) = (dir.path().join("src"), dir.path().join("dst"));
    fs::create_dir_all(src.join("etc/opaque")).unwrap();
    fs::write(src.join("etc/passwd"), "root:x:0:0::/:/bin/sh\n").unwrap();
    fs::write(src.join("setuid"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(src.join("setuid"), fs::Permissions::from_mode(0o4755)).unwrap();
    fs::hard_link(src.join("setuid"), src.join("hardlink")).unwrap();
    symlink("etc/passwd", src.join("link")).unwrap();
    fs::set_permissions(src.join("etc"), fs::Permissions::from_mode(0o1750)).unwrap();
    let marked = rustix::fs::lsetxattr(
        src.join("etc/opaque"),
        "user.overlay.opaque",
        b"y",
        XattrFlags::empty(),
    )
    .is_ok();
    let whiteout = rustix::fs::mknodat(
        rustix::fs::CWD,
        src.join("etc/gone"),
        rustix::fs::FileType::CharacterDevice,
        rustix::fs::Mode::empty(),
        0,
    )
    .is_ok();
    let owned = is_root();
    if owned {
        rustix::fs::chown(
            src.join("etc/passwd"),
            Some(rustix::fs::Uid::from_raw(1000)),
            Some(rustix::fs::Gid::from_raw(1001)),
        )
        .unwrap();
    }
    shift_tree(&src, &dst, &keep_id_shift()).unwrap();

    let meta = |p: &str| fs::symlink_metadata(dst.join(p)).unwrap();
    assert_eq!(
        fs::read_to_string(dst.join("etc/passwd")).unwrap(),
        "root:x:0:0::/:/bin/sh\n"
    );
    assert_eq!(
        meta("setuid").mode() & 0o7777,
        0o4755,
        "setuid survives the chown"
    );
    assert_eq!(meta("etc").mode() & 0o7777, 0o1750);
    assert_eq!(
        meta("hardlink").ino(),
        meta("setuid").ino(),
        "hard links stay linked"
    );
    assert_eq!(
        fs::read_link(dst.join("link")).unwrap().to_str(),
        Some("etc/passwd")
    );
    assert_eq!(
        meta("etc/passwd").mtime(),
        fs::metadata(src.join("etc/passwd")).unwrap().mtime()
    );
    if marked {
        let mut value = [0u8; 4];
        let n = rustix::fs::lgetxattr(dst.join("etc/opaque"), "user.overlay.opaque", &mut value);
        assert_eq!(n.ok(), Some(1), "the opaque marker is copied");
    }
    if whiteout {
        assert!(meta("etc/gone").file_type().is_char_device() && meta("etc/gone").rdev() == 0);
    }
    if owned {
        assert_eq!(
            (meta("etc/passwd").uid(), meta("etc/passwd").gid()),
            (1001, 0)
        );
        assert_eq!(
            meta("setuid").uid(),
            1,
            "root's files go to the container's root"
        );
    }
    assert!(
        shift_tree(&src, &dst, &keep_id_shift()).is_err(),
        "the copy must be new"
    );
    let (uid, gid) = max_ids(&src).unwrap();
    if owned {
        assert_eq!((uid, gid), (1000, 1001));
    }
}
