//! Layers trying to write outside their destination. Every test checks the canary directory
//! next to the destination. Tests aimed at real host paths (`/etc/passwd`) first run the same
//! attack against the canary, so a broken unpacker fails there before it could touch the host.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use tar::EntryType;

use super::{Fixture, Layer, is_root, lstat, user_xattrs_supported, xattr};

/// The canary's absolute path as a tar name.
fn canary_name(fx: &Fixture) -> String {
    fx.canary.to_str().expect("temp paths are UTF-8").to_owned()
}

/// What would change if something wrote, linked, chowned or chmodded a host file.
fn fingerprint(path: &Path) -> (u64, u64, u64, i64, u32, u32) {
    let m = lstat(path);
    (m.ino(), m.nlink(), m.size(), m.mtime(), m.mode(), m.uid())
}

#[test]
fn dotdot_is_refused_with_a_clear_error() {
    for (name, shown) in [
        (&b"a/../b"[..], "a/../b"),
        (b"../x", "../x"),
        (b"a/../../x", "a/../../x"),
        (b"./../canary/passwd", "./../canary/passwd"),
        (b"a/..", "a/.."),
    ] {
        let fx = Fixture::new();
        let err = fx.refuse(
            Layer::new()
                .entry(EntryType::Regular, name, b"", b"pwned")
                .finish(),
        );
        assert_eq!(
            err,
            format!(
                "unpacking layer: entry \"{shown}\": path contains \"..\"; the layer is malformed or hostile"
            )
        );
        fx.assert_canary_untouched();
        assert!(!fx.dest.parent().unwrap().join("x").exists());
    }
}

#[test]
fn dotdot_in_a_pax_path_or_nul_byte_is_refused() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .pax(&[("path", b"innocent/../../canary/passwd")])
        .file("innocent", b"pwned")
        .finish();
    assert!(fx.refuse(layer).contains("path contains \"..\""));
    let layer = Layer::new()
        .pax(&[("path", b"a\0b")])
        .file("innocent", b"x")
        .finish();
    assert!(fx.refuse(layer).contains("NUL byte"));
    fx.assert_canary_untouched();
}

#[test]
fn absolute_paths_are_taken_relative_to_the_layer() {
    let fx = Fixture::new();
    let target = format!("{}/passwd", canary_name(&fx));
    let layer = Layer::new()
        .file("/x", b"x")
        .file(&target, b"pwned")
        .finish();
    fx.unpack(layer).unwrap();
    assert_eq!(fs::read(fx.path("x")).unwrap(), b"x");
    assert_eq!(fs::read(fx.dest.join(&target[1..])).unwrap(), b"pwned");
    fx.assert_canary_untouched();
}

#[test]
fn symlink_to_root_then_write_through_it() {
    let fx = Fixture::new();
    let through = format!("evil{}/passwd", canary_name(&fx));
    let layer = Layer::new()
        .symlink("evil", "/")
        .dir(&format!("evil{}/", canary_name(&fx)))
        .file(&through, b"pwned")
        .finish();
    fx.unpack(layer).unwrap();
    fx.assert_canary_untouched();
    assert_eq!(
        fs::read(fx.dest.join(&canary_name(&fx)[1..]).join("passwd")).unwrap(),
        b"pwned"
    );

    let host = fingerprint(Path::new("/etc/passwd"));
    let fx = Fixture::new();
    let layer = Layer::new()
        .symlink("evil", "/")
        .file("evil/etc/passwd", b"root::0:0::/:/bin/sh\n")
        .finish();
    fx.unpack(layer).unwrap();
    assert_eq!(
        fs::read(fx.path("etc/passwd")).unwrap(),
        b"root::0:0::/:/bin/sh\n"
    );
    assert_eq!(fingerprint(Path::new("/etc/passwd")), host);
}

#[test]
fn symlink_chains_climbing_out_stay_inside() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .symlink("a", "b")
        .symlink("b", "../..")
        .file("a/x", b"x")
        .dir("a/sub/")
        .finish();
    fx.unpack(layer).unwrap();
    assert_eq!(fs::read(fx.path("x")).unwrap(), b"x");
    assert!(lstat(&fx.path("sub")).is_dir());
    fx.assert_canary_untouched();

    // Pointing at a directory that exists only outside: refused, nothing written there.
    let fx = Fixture::new();
    let layer = Layer::new()
        .symlink("a", "b")
        .symlink("b", "../canary")
        .file("a/passwd", b"pwned")
        .finish();
    let err = fx.refuse(layer);
    assert!(
        err.contains("entry \"a/passwd\"") && err.contains("dangling symlink"),
        "{err}"
    );
    fx.assert_canary_untouched();
}

/// The strongest case: the symlink's target exists both inside the layer and on the host.
#[test]
fn absolute_symlink_to_an_existing_host_dir_resolves_inside() {
    let fx = Fixture::new();
    let canary = canary_name(&fx);
    let layer = Layer::new()
        .file(&format!("{canary}/passwd"), b"layer's own copy")
        .symlink("evil", &canary)
        .file("evil/passwd", b"pwned")
        .file("evil/new", b"pwned")
        .dir("evil/sub/")
        .fifo("evil/fifo")
        .hardlink("evil/linked", "evil/passwd")
        .file("evil/.wh.gone", b"")
        .file("evil/.wh..wh..opq", b"")
        .finish();
    fx.unpack(layer).unwrap();
    fx.assert_canary_untouched();
    let inside = fx.dest.join(&canary[1..]);
    assert_eq!(fs::read(inside.join("passwd")).unwrap(), b"pwned");
    assert_eq!(
        lstat(&inside.join("linked")).ino(),
        lstat(&inside.join("passwd")).ino()
    );
    assert!(lstat(&inside.join("gone")).file_type().is_char_device());
    if user_xattrs_supported(&fx.dest) {
        assert_eq!(
            xattr(&inside, "user.overlay.opaque").as_deref(),
            Some(&b"y"[..])
        );
    }
}

#[test]
fn entries_replace_a_symlink_instead_of_following_it() {
    let fx = Fixture::new();
    let canary_file = format!("{}/passwd", canary_name(&fx));
    let outward = |name: &str| {
        Layer::new().entry_with(
            EntryType::Symlink,
            name.as_bytes(),
            canary_file.as_bytes(),
            b"",
            |h| {
                h.set_mode(0o777);
                h.set_uid(1234);
            },
        )
    };
    let layer = outward("file").file("file", b"pwned").finish();
    fx.unpack(layer).unwrap();
    assert_eq!(fs::read(fx.path("file")).unwrap(), b"pwned");
    for layer in [
        outward("dir").dir("dir/").finish(),
        outward("fifo").fifo("fifo").finish(),
        outward("link")
            .file("target", b"t")
            .hardlink("link", "target")
            .finish(),
        outward("kept").finish(),
    ] {
        fx.unpack(layer).unwrap();
    }
    assert!(lstat(&fx.path("dir")).is_dir());
    assert!(lstat(&fx.path("fifo")).file_type().is_fifo());
    assert_eq!(
        lstat(&fx.path("link")).ino(),
        lstat(&fx.path("target")).ino()
    );
    // The symlink's own metadata went to the symlink, not through it.
    assert!(lstat(&fx.path("kept")).file_type().is_symlink());
    if is_root() {
        assert_eq!(lstat(&fx.path("kept")).uid(), 1234);
    }
    fx.assert_canary_untouched();
}

#[test]
fn hard_link_targets_resolve_inside_the_layer() {
    let fx = Fixture::new();
    let canary_file = format!("{}/passwd", canary_name(&fx));
    let err = fx.refuse(Layer::new().hardlink("h", &canary_file).finish());
    assert!(err.contains("does not exist in the layer"), "{err}");
    let err = fx.refuse(
        Layer::new()
            .symlink("up", "../../..")
            .hardlink("h", &format!("up{canary_file}"))
            .finish(),
    );
    assert!(err.contains("does not exist in the layer"), "{err}");
    fx.assert_canary_untouched();
    let layer = Layer::new()
        .file(&canary_file, b"inside")
        .hardlink("h", &canary_file)
        .finish();
    fx.unpack(layer).unwrap();
    assert_eq!(
        lstat(&fx.path("h")).ino(),
        lstat(&fx.dest.join(&canary_file[1..])).ino()
    );
    fx.assert_canary_untouched();

    let host = fingerprint(Path::new("/etc/passwd"));
    let fx = Fixture::new();
    let err = fx.refuse(Layer::new().hardlink("h", "/etc/passwd").finish());
    assert_eq!(
        err,
        "unpacking layer: entry \"h\": hard link target \"etc/passwd\" does not exist in the layer \
         (a hard link must come after its target in the tar stream)"
    );
    let layer = Layer::new()
        .file("etc/passwd", b"inside")
        .hardlink("h", "/etc/passwd")
        .finish();
    fx.unpack(layer).unwrap();
    assert_eq!(
        lstat(&fx.path("h")).ino(),
        lstat(&fx.path("etc/passwd")).ino()
    );
    assert_eq!(fingerprint(Path::new("/etc/passwd")), host);
}

#[test]
fn hard_link_with_dotdot_or_to_a_directory_is_refused() {
    let fx = Fixture::new();
    let err = fx.refuse(Layer::new().hardlink("h", "../canary/passwd").finish());
    assert_eq!(
        err,
        "unpacking layer: entry \"h\": hard link target \"../canary/passwd\": path contains \"..\"; \
         the layer is malformed or hostile"
    );
    let err = fx.refuse(Layer::new().dir("d/").hardlink("h", "d").finish());
    assert!(err.contains("is a directory"), "{err}");
    fx.assert_canary_untouched();
}

#[test]
fn hard_link_to_an_outward_symlink_never_touches_its_target() {
    let fx = Fixture::new();
    let canary_file = format!("{}/passwd", canary_name(&fx));
    let layer = Layer::new()
        .symlink("s", &canary_file)
        .entry_with(EntryType::Link, b"h", b"s", b"", |h| {
            h.set_mode(0o6777);
            h.set_uid(4321);
            h.set_mtime(1);
        })
        .finish();
    fx.unpack(layer).unwrap();
    assert!(lstat(&fx.path("h")).file_type().is_symlink());
    assert_eq!(lstat(&fx.path("h")).mtime(), 1);
    fx.assert_canary_untouched();
}

#[test]
fn whiteout_names_that_walk_out_are_refused() {
    for (name, expected) in [
        (&b".wh.../x"[..], "directory \".wh...\" has a whiteout name"),
        (b".wh..", "whiteout \".wh..\" names no file"),
        (b"a/.wh...", "whiteout \".wh...\" names no file"),
        (b"a/.wh.", "whiteout \".wh.\" names no file"),
    ] {
        let fx = Fixture::new();
        let err = fx.refuse(
            Layer::new()
                .dir("a/")
                .entry(EntryType::Regular, name, b"", b"")
                .finish(),
        );
        let shown = String::from_utf8_lossy(name);
        assert!(
            err.starts_with(&format!("unpacking layer: entry \"{shown}\": {expected}")),
            "{err}"
        );
        assert!(err.ends_with("the layer is malformed or hostile"), "{err}");
        fx.assert_canary_untouched();
        assert!(
            lstat(&fx.path("a")).is_dir(),
            "the layer's own directory survived"
        );
    }
}
