//! Layers built to exhaust the unpacker rather than escape it: very many entries, paths past
//! PATH_MAX, names past NAME_MAX, odd bytes, device nodes carrying data. Each is refused with a
//! one-line error or handled; none crashes, hangs or writes outside the destination.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;

use tar::EntryType;

use super::special::{in_namespace, run_in_single_id_namespace};
use super::{Fixture, Layer, lstat, rootless_options};
use crate::rootfs::unpack::unpack;

/// Errors must stay one readable line, whatever the size of the hostile name.
#[track_caller]
fn assert_short_one_line(err: &str) {
    assert!(!err.contains('\n'), "{err}");
    assert!(err.len() < 400, "{} bytes: {err}", err.len());
}

#[test]
fn more_entries_than_the_ceiling_is_refused() {
    let fx = Fixture::new();
    let mut layer = Layer::new();
    for i in 0..150 {
        layer = layer.file(&format!("f{i}"), b"");
    }
    let tar = layer.finish();
    let err = unpack(tar.as_slice(), &fx.dest, &rootless_options(), 100, None)
        .map(|stats| format!("accepted: {stats:?}"))
        .unwrap_or_else(|e| format!("{e:#}"));
    assert_eq!(
        err,
        "the layer has more than 100 entries, the ceiling set by ENGINE_MAX_LAYER_ENTRIES (raise \
         it if the image is genuine); refusing it as a tar bomb"
    );
    let fx = Fixture::new();
    let stats = unpack(tar.as_slice(), &fx.dest, &rootless_options(), 150, None).unwrap();
    assert_eq!(stats.entries, 150, "exactly the ceiling is allowed");
    fx.assert_canary_untouched();
}

#[test]
fn path_past_path_max_is_refused() {
    let fx = Fixture::new();
    let deep = "d/".repeat(2100) + "leaf";
    let layer = Layer::new()
        .pax(&[("path", deep.as_bytes())])
        .file("ignored", b"x")
        .finish();
    let err = fx.refuse(layer);
    assert!(
        err.contains("path is 4204 bytes long, over the 4095 bytes Linux resolves (PATH_MAX)"),
        "{err}"
    );
    assert!(err.contains("... (4204 bytes)"), "{err}");
    assert_short_one_line(&err);
    fx.assert_canary_untouched();
}

/// A staircase of directories, each entry one level deeper, up to and past PATH_MAX.
#[test]
fn deep_staircase_stops_at_path_max() {
    let fx = Fixture::new();
    let mut layer = Layer::new();
    let mut path = String::new();
    while path.len() < 4200 {
        path.push_str("dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd/");
        layer = layer.pax(&[("path", path.as_bytes())]).dir("ignored/");
    }
    let err = fx.refuse(layer.finish());
    assert!(err.contains("PATH_MAX"), "{err}");
    assert_short_one_line(&err);
    fx.assert_canary_untouched();
}

#[test]
fn name_past_name_max_is_refused() {
    let fx = Fixture::new();
    let name = format!("dir/{}", "n".repeat(256));
    let layer = Layer::new().checked_file(&name, b"x").finish();
    let err = fx.refuse(layer);
    assert!(
        err.contains("a name in the path is 256 bytes long, over the 255 bytes Linux allows"),
        "{err}"
    );
    assert_short_one_line(&err);
    // 255 is fine.
    let fx = Fixture::new();
    let name = format!("dir/{}", "n".repeat(255));
    fx.unpack(Layer::new().checked_file(&name, b"x").finish())
        .unwrap();
    assert_eq!(fs::read(fx.path(&name)).unwrap(), b"x");
}

#[test]
fn odd_bytes_in_names_are_kept_verbatim() {
    let fx = Fixture::new();
    let names: [&[u8]; 6] = [
        b"new\nline",
        b"tab\there",
        b"\xff\xfe latin1 \xe9",
        b"-rf",
        b" lead and trail ",
        b"dir\x7f/\x1b[31mred",
    ];
    let mut layer = Layer::new();
    for name in names {
        layer = layer.entry(EntryType::Regular, name, b"", name);
    }
    fx.unpack(layer.finish()).unwrap();
    for name in names {
        assert_eq!(
            fs::read(fx.dest.join(OsStr::from_bytes(name))).unwrap(),
            name
        );
    }
    // Messages escape them: a newline in a name cannot forge a second line.
    let err = fx.refuse(
        Layer::new()
            .entry(EntryType::Regular, b"evil\nError: forged/../x", b"", b"")
            .finish(),
    );
    assert_short_one_line(&err);
    assert!(err.contains("evil\\nError: forged"), "{err}");
    fx.assert_canary_untouched();
}

/// A device header that carries data: never a regular file holding it. Created as real root,
/// skipped with a note in a user namespace (the rootless case).
fn device_with_data() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .entry_with(EntryType::Char, b"dev/evil", b"", b"pwned data", |h| {
            h.set_device_major(1).unwrap();
            h.set_device_minor(1).unwrap();
        })
        .entry_with(EntryType::Block, b"dev/disk", b"", b"more data", |h| {
            h.set_device_major(8).unwrap();
            h.set_device_minor(0).unwrap();
        })
        .file("after", b"intact")
        .finish();
    let stats = fx.unpack(layer).unwrap();
    for (name, check) in [
        (
            "dev/evil",
            FileTypeExt::is_char_device as fn(&fs::FileType) -> bool,
        ),
        ("dev/disk", FileTypeExt::is_block_device),
    ] {
        match fs::symlink_metadata(fx.path(name)) {
            Ok(meta) => assert!(check(&meta.file_type()), "{name} is {meta:?}"),
            Err(_) => assert!(
                stats
                    .skipped
                    .iter()
                    .any(|s| s.starts_with("device node not created")),
                "{stats:?}"
            ),
        }
    }
    assert_eq!(fs::read(fx.path("after")).unwrap(), b"intact");
    fx.assert_canary_untouched();
}

#[test]
fn device_nodes_with_data_never_become_files() {
    device_with_data();
    run_in_single_id_namespace("rootfs::unpack::tests::limits::device_nodes_with_data_in_userns");
}

#[test]
#[ignore = "run by device_nodes_with_data_never_become_files in a user namespace"]
fn device_nodes_with_data_in_userns() {
    if in_namespace() {
        device_with_data();
    }
}

#[test]
fn file_directory_file_directory_in_one_layer() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .file("x", b"1")
        .dir("x/")
        .file("x/a", b"2")
        .file("x", b"3")
        .dir("x/")
        .file("x/b", b"4")
        .finish();
    fx.unpack(layer).unwrap();
    assert!(lstat(&fx.path("x")).is_dir());
    assert!(
        !fx.path("x/a").exists(),
        "the first directory's content is gone"
    );
    assert_eq!(fs::read(fx.path("x/b")).unwrap(), b"4");
    fx.assert_canary_untouched();
}
