//! OCI whiteout markers written in the overlay format.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

use tar::EntryType;

use super::super::{UnpackOptions, WhiteoutFormat, unpack_layer};
use super::{Fixture, Layer, is_root, lstat, user_xattrs_supported, xattr};

fn assert_whiteout(fx: &Fixture, name: &str) {
    let meta = lstat(&fx.path(name));
    assert!(
        meta.file_type().is_char_device(),
        "{name} is not a whiteout"
    );
    assert_eq!(meta.rdev(), 0, "{name}: whiteouts are device 0/0");
}

#[test]
fn whiteout_becomes_a_0_0_char_device() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .file("etc/.wh.passwd", b"")
        .file(".wh.toplevel", b"")
        .finish();
    let stats = fx.unpack(layer).unwrap();
    assert_whiteout(&fx, "etc/passwd");
    assert_whiteout(&fx, "toplevel");
    assert!(
        !fx.path("etc/.wh.passwd").exists(),
        "the marker itself is not written"
    );
    assert!(!fx.path(".wh.toplevel").exists());
    assert_eq!(stats.entries, 2);
}

#[test]
fn whiteout_replaces_what_this_layer_put_there() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .file("opt/app/bin/run", b"x")
        .symlink("opt/link", "/")
        .file("opt/.wh.app", b"")
        .file("opt/.wh.link", b"")
        .finish();
    fx.unpack(layer).unwrap();
    assert_whiteout(&fx, "opt/app");
    assert_whiteout(&fx, "opt/link");
}

#[test]
fn opaque_marker_sets_the_xattr() {
    let fx = Fixture::new();
    if !user_xattrs_supported(&fx.dest) {
        eprintln!("skipped: no user.* xattrs on this file system");
        return;
    }
    let layer = Layer::new()
        .dir("usr/")
        .dir("usr/share/")
        .file("usr/share/.wh..wh..opq", b"")
        .file("usr/share/kept", b"this layer's own content stays")
        .file("missing/dir/.wh..wh..opq", b"")
        .finish();
    fx.unpack(layer).unwrap();
    assert_eq!(
        xattr(&fx.path("usr/share"), "user.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
    assert_eq!(
        xattr(&fx.path("missing/dir"), "user.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
    assert_eq!(xattr(&fx.path("usr"), "user.overlay.opaque"), None);
    assert!(!fx.path("usr/share/.wh..wh..opq").exists());
    assert!(fx.path("usr/share/kept").exists());
}

#[test]
fn opaque_with_the_trusted_prefix_when_root() {
    if !is_root() {
        eprintln!("skipped: trusted.* xattrs need root");
        return;
    }
    let fx = Fixture::new();
    let opts = UnpackOptions {
        whiteouts: WhiteoutFormat::Overlay {
            xattr_prefix: "trusted.overlay.",
        },
        ignore_chown_errors: false,
    };
    let layer = Layer::new().file("d/.wh..wh..opq", b"").finish();
    unpack_layer(layer.as_slice(), &fx.dest, &opts).unwrap();
    assert_eq!(
        xattr(&fx.path("d"), "trusted.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
}

#[test]
fn aufs_metadata_is_ignored() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .dir(".wh..wh.plnk/")
        .file(".wh..wh.plnk/1234.5678", b"")
        .file(".wh..wh.aufs", b"")
        .entry(EntryType::Regular, b"real", b"", b"x")
        .finish();
    let stats = fx.unpack(layer).unwrap();
    let names: Vec<_> = fs::read_dir(&fx.dest)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["real"]);
    assert_eq!(
        stats.skipped,
        ["AUFS metadata ignored: 3 entries, first \".wh..wh.plnk\""]
    );
}
