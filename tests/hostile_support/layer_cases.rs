//! Hostile layer contents, served by a fake registry and pulled as the test user: whiteouts
//! walking out, device nodes, entries replacing each other, odd and overlong names, tar bombs
//! and decompression bombs. Each is refused by [`assert_refused`] or contained as checked here.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;

use tar::EntryType;

use crate::common::report;
use crate::hostile_support::image::{Codec, Image, Layer};
use crate::hostile_support::tar::Tar;
use crate::hostile_support::{FakeRegistry, assert_refused, layer_dir, pull};

const AREA: &str = "hostile image";

/// One uncompressed layer.
fn one_layer(tar: Tar) -> Image {
    Image::new(vec![Layer::new(&tar.finish(), Codec::None)])
}

#[test]
fn whiteouts_whose_names_walk_out_are_refused() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    for (repository, name, words) in [
        (
            "wh-dotdot",
            ".wh.../../x",
            &["\".wh.../../x\"", "\"..\""][..],
        ),
        (
            "wh-in-dir",
            "dir/.wh...",
            &["\"dir/.wh...\"", "names no file"],
        ),
        ("wh-as-dir", ".wh.../x", &["\".wh...\"", "whiteout name"]),
    ] {
        let layer = Tar::new().dir("dir/").file(name, b"");
        let reference = fake.add(&format!("hostile/{repository}"), &one_layer(layer));
        let case = format!("whiteout named {name:?}");
        assert_refused(&fake, &sb, (AREA, &case), &reference, &[], words);
    }
}

#[test]
fn device_nodes_are_skipped_rootless_never_files() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    let layer = Tar::new()
        .entry_with(EntryType::Char, b"dev/mem", b"", b"data in a device", |h| {
            h.set_device_major(1).unwrap();
            h.set_device_minor(1).unwrap();
        })
        .entry_with(EntryType::Block, b"dev/sda", b"", b"", |h| {
            h.set_device_major(8).unwrap();
            h.set_device_minor(0).unwrap();
        })
        .file("after", b"intact");
    let reference = fake.add("hostile/devices", &one_layer(layer));
    let out = sb
        .engine_cmd(&["--log-level", "debug", "pull", "-q", &reference])
        .run();
    out.ok();
    assert!(
        out.stderr.contains("device node not created"),
        "the skip is noted\n{out}"
    );
    let diff = layer_dir(&sb, &reference, 0);
    for name in ["dev/mem", "dev/sda"] {
        assert!(
            fs::symlink_metadata(diff.join(name)).is_err(),
            "{name} was created by the rootless user"
        );
    }
    assert_eq!(fs::read(diff.join("after")).unwrap(), b"intact");
    report::record(
        "hostile",
        AREA,
        "char and block device nodes (one carrying data), rootless",
        "contained: skipped with a debug note, no file created",
    );
}

#[test]
fn files_and_directories_replace_each_other_across_and_within_layers() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    let layers = vec![
        Layer::new(&Tar::new().file("x", b"one").finish(), Codec::Gzip),
        Layer::new(
            &Tar::new().dir("x/").file("x/inside", b"two").finish(),
            Codec::Gzip,
        ),
        Layer::new(
            &Tar::new()
                .file("x", b"three")
                .file("y", b"file")
                .dir("y/")
                .file("y/a", b"a")
                .file("y", b"file again")
                .dir("y/")
                .file("y/b", b"b")
                .finish(),
            Codec::Gzip,
        ),
    ];
    let reference = fake.add("hostile/flip", &Image::new(layers));
    pull(&sb, &reference, &[]).ok();
    assert_eq!(
        fs::read(layer_dir(&sb, &reference, 0).join("x")).unwrap(),
        b"one"
    );
    assert_eq!(
        fs::read(layer_dir(&sb, &reference, 1).join("x/inside")).unwrap(),
        b"two"
    );
    let top = layer_dir(&sb, &reference, 2);
    assert_eq!(fs::read(top.join("x")).unwrap(), b"three");
    assert!(
        !top.join("y/a").exists(),
        "the replaced directory's content is gone"
    );
    assert_eq!(fs::read(top.join("y/b")).unwrap(), b"b");
    report::record(
        "hostile",
        AREA,
        "file replaced by a directory and back, across layers and within one",
        "handled: the last entry wins, nothing of the replaced one is left",
    );
}

#[test]
fn odd_names_and_duplicated_entries_are_kept_verbatim() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    let long = "n".repeat(255);
    let names: [&[u8]; 5] = [
        b"new\nline",
        b"\xff\xfe not utf-8 \xe9",
        b"\x1b[31mred",
        b"-rf",
        long.as_bytes(),
    ];
    let mut tar = Tar::new().file("dup", b"first").file("dup", b"second");
    for name in names {
        tar = tar.entry(EntryType::Regular, name, b"", name);
    }
    let reference = fake.add("hostile/odd-names", &one_layer(tar));
    pull(&sb, &reference, &[]).ok();
    let diff = layer_dir(&sb, &reference, 0);
    for name in names {
        assert_eq!(fs::read(diff.join(OsStr::from_bytes(name))).unwrap(), name);
    }
    assert_eq!(fs::read(diff.join("dup")).unwrap(), b"second");
    report::record(
        "hostile",
        AREA,
        "names with newlines, non-UTF-8 and escape bytes, a 255-byte name, a duplicated entry",
        "handled: kept byte for byte, the last duplicate wins",
    );

    let too_long = Tar::new().file(&format!("dir/{}", "n".repeat(256)), b"");
    let reference = fake.add("hostile/name-max", &one_layer(too_long));
    assert_refused(
        &fake,
        &sb,
        (AREA, "a 256-byte name (past NAME_MAX)"),
        &reference,
        &[],
        &["256 bytes long", "NAME_MAX"],
    );
}

#[test]
fn tar_bombs_are_refused() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    let mut many = Tar::new();
    for i in 0..1200 {
        many = many.file(&format!("f{i}"), b"");
    }
    let reference = fake.add("hostile/many", &one_layer(many));
    assert_refused(
        &fake,
        &sb,
        (AREA, "tar bomb: more entries than the ceiling"),
        &reference,
        &[("ENGINE_MAX_LAYER_ENTRIES", "1000")],
        &[
            "more than 1000 entries",
            "ENGINE_MAX_LAYER_ENTRIES",
            "tar bomb",
        ],
    );

    let deep = "d/".repeat(2100) + "leaf";
    let reference = fake.add("hostile/deep", &one_layer(Tar::new().file(&deep, b"x")));
    assert_refused(
        &fake,
        &sb,
        (AREA, "tar bomb: a path of 4204 bytes (past PATH_MAX)"),
        &reference,
        &[],
        &["4204 bytes long", "PATH_MAX"],
    );
}

/// A few kilobytes inflating to 64 MiB against a 16 MiB ceiling: refused at the ceiling,
/// without writing the rest (the real default, 64 GiB, works the same way, only later).
#[test]
fn decompression_bombs_are_refused_at_the_ceiling() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    let tar = Tar::new().zeros("zeros", 64 << 20).finish();
    for (codec, name) in [(Codec::Gzip, "gzip"), (Codec::Zstd, "zstd")] {
        let layer = Layer::new(&tar, codec);
        assert!(layer.blob.len() < 256 << 10, "{name}: not a bomb");
        let case = format!(
            "{name} bomb: a {}-byte blob inflating to 64 MiB (ceiling lowered to 16 MiB)",
            layer.blob.len()
        );
        let reference = fake.add(&format!("hostile/{name}-bomb"), &Image::new(vec![layer]));
        assert_refused(
            &fake,
            &sb,
            (AREA, &case),
            &reference,
            &[("ENGINE_MAX_LAYER_SIZE", "16777216")],
            &["more than 16777216 bytes", "ENGINE_MAX_LAYER_SIZE", "bomb"],
        );
    }
}
