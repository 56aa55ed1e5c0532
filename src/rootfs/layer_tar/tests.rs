//! Tar streams unpacked with a tar-split recorded, then replayed from the unpacked files: the
//! bytes must come back identical.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::Path;

use tar::{EntryType, Header};

use super::replay::replay;
use crate::rootfs::unpack::{UnpackOptions, WhiteoutFormat, unpack_layer_recording};

fn options() -> UnpackOptions {
    let root = rustix::process::geteuid().is_root();
    UnpackOptions {
        whiteouts: WhiteoutFormat::Overlay {
            xattr_prefix: "user.overlay.",
        },
        ignore_chown_errors: !root,
    }
}

/// Unpacks `tar` into a fresh layer; returns the temp dir (`diff/`, `tar-split`) and whether
/// the split is complete.
fn unpack(tar: &[u8]) -> (tempfile::TempDir, bool) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("diff")).unwrap();
    let split = File::create_new(dir.path().join("tar-split")).unwrap();
    let (_, complete) =
        unpack_layer_recording(tar, &dir.path().join("diff"), &options(), split).unwrap();
    (dir, complete)
}

fn rebuild(layer: &Path) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    replay(
        &layer.join("diff"),
        &layer.join("tar-split"),
        &mut out,
        None,
    )?;
    Ok(out)
}

/// As [`rebuild`], through a real pipe, so large payloads take the splice(2) path.
fn rebuild_through_pipe(layer: &Path) -> anyhow::Result<Vec<u8>> {
    let (read_end, write_end) = rustix::pipe::pipe()?;
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        File::from(read_end).read_to_end(&mut bytes).map(|_| bytes)
    });
    let result = {
        let mut out = std::io::BufWriter::new(File::from(write_end.try_clone()?));
        replay(
            &layer.join("diff"),
            &layer.join("tar-split"),
            &mut out,
            Some(write_end.as_fd()),
        )
        .and_then(|()| Ok(out.flush()?))
    };
    drop(write_end);
    let bytes = reader.join().unwrap()?;
    result.map(|()| bytes)
}

fn assert_round_trip(tar: &[u8]) -> tempfile::TempDir {
    let (layer, complete) = unpack(tar);
    assert!(complete);
    let rebuilt = rebuild(layer.path()).unwrap();
    assert!(
        rebuilt == tar,
        "rebuilt {} bytes, want {}",
        rebuilt.len(),
        tar.len()
    );
    layer
}

fn header(kind: EntryType, size: u64, mode: u32) -> Header {
    let mut h = Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(1_700_000_000);
    h.set_uid(0);
    h.set_gid(0);
    h
}

fn file(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut h = header(EntryType::Regular, data.len() as u64, 0o644);
    b.append_data(&mut h, name, data).unwrap();
}

/// A pax extended header entry holding `records` (key, value).
fn pax(b: &mut tar::Builder<Vec<u8>>, records: &[(&str, &[u8])]) {
    let mut data = Vec::new();
    for (key, value) in records {
        let body_len = key.len() + value.len() + 3; // ' ', '=', '\n'
        let mut len = body_len + 1;
        while len != body_len + len.to_string().len() {
            len = body_len + len.to_string().len();
        }
        data.extend_from_slice(format!("{len} {key}=").as_bytes());
        data.extend_from_slice(value);
        data.push(b'\n');
    }
    let mut h = Header::new_ustar();
    h.set_entry_type(EntryType::XHeader);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_path("PaxHeaders/entry").unwrap();
    h.set_cksum();
    b.append(&h, &data[..]).unwrap();
}

fn rich_layer() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut dir = header(EntryType::Directory, 0, 0o755);
    b.append_data(&mut dir, "etc/", &[][..]).unwrap();
    file(&mut b, "etc/hostname", b"layer\n");
    file(&mut b, "etc/empty", b"");
    // Not a multiple of 512: padding follows the payload.
    let big: Vec<u8> = (0..3 << 20).map(|i: u32| (i * 7 % 251) as u8).collect();
    file(&mut b, "big.bin", &big[..big.len() - 77]);
    file(&mut b, "zeros", &vec![0u8; 1 << 20]);
    let mut link = header(EntryType::Link, 0, 0o644);
    b.append_link(&mut link, "etc/hardlink", "etc/hostname")
        .unwrap();
    let mut sym = header(EntryType::Symlink, 0, 0o777);
    b.append_link(&mut sym, "etc/symlink", "/etc/hostname")
        .unwrap();
    // GNU long name (the tar crate writes a ././@LongLink entry first).
    let long = format!("deep/{}/file", "d".repeat(150));
    file(&mut b, &long, b"long name\n");
    // pax: a long name and an xattr for the next entry.
    let pax_name = format!("pax/{}", "p".repeat(200));
    pax(
        &mut b,
        &[
            ("path", pax_name.as_bytes()),
            ("SCHILY.xattr.user.test", b"value"),
        ],
    );
    file(&mut b, "pax/short", b"pax file\n");
    // Whiteouts: no file is read for them when replaying.
    file(&mut b, "etc/.wh.gone", b"");
    file(&mut b, "opaque/.wh..wh..opq", b"");
    let mut tar = b.into_inner().unwrap();
    // Trailing data after the end blocks still belongs to the stream.
    tar.extend_from_slice(&[0u8; 4096]);
    tar.extend_from_slice(b"trailing garbage");
    tar
}

#[test]
fn every_kind_of_entry_comes_back_byte_for_byte() {
    let tar = rich_layer();
    let layer = assert_round_trip(&tar);
    let split = fs::metadata(layer.path().join("tar-split")).unwrap().len();
    assert!(split * 50 < tar.len() as u64, "tar-split is {split} bytes");
}

#[test]
fn gnu_sparse_files_come_back() {
    let src = tempfile::tempdir().unwrap();
    let path = src.path().join("sparse");
    let mut f = File::create(&path).unwrap();
    f.write_all(b"start").unwrap();
    f.set_len(8 << 20).unwrap();
    drop(f);
    let mut b = tar::Builder::new(Vec::new());
    b.sparse(true);
    b.append_path_with_name(&path, "sparse").unwrap();
    file(&mut b, "after", b"after the sparse file");
    assert_round_trip(&b.into_inner().unwrap());
}

#[test]
fn large_files_spliced_into_a_pipe_come_back_byte_for_byte() {
    let mut b = tar::Builder::new(Vec::new());
    file(&mut b, "small", b"a few bytes");
    let large: Vec<u8> = (0..(3 << 20) + 123).map(|i| (i * 7 % 253) as u8).collect();
    file(&mut b, "large", &large);
    file(&mut b, "exactly-64k", &large[..64 << 10]);
    file(&mut b, "after", b"tail");
    let tar = b.into_inner().unwrap();
    let layer = assert_round_trip(&tar);
    assert!(rebuild_through_pipe(layer.path()).unwrap() == tar);
    // A spliced file that shrank is caught as a short copy.
    let victim = layer.path().join("diff/large");
    fs::write(&victim, &large[..1 << 20]).unwrap();
    let err = rebuild_through_pipe(layer.path()).unwrap_err();
    assert!(
        format!("{err:#}").contains("the layer was changed"),
        "{err:#}"
    );
}

#[test]
fn a_changed_layer_is_an_error() {
    let tar = rich_layer();
    let (layer, _) = unpack(&tar);
    let victim = layer.path().join("diff/etc/hostname");
    fs::write(&victim, b"x").unwrap();
    let err = rebuild(layer.path()).unwrap_err();
    assert!(format!("{err:#}").contains("etc/hostname"), "{err:#}");
    fs::remove_file(&victim).unwrap();
    assert!(rebuild(layer.path()).is_err());
}

#[test]
fn a_damaged_split_is_an_error() {
    let (layer, _) = unpack(&rich_layer());
    let split = layer.path().join("tar-split");
    let data = fs::read(&split).unwrap();
    fs::write(&split, &data[..data.len() / 2]).unwrap();
    assert!(rebuild(layer.path()).is_err());
}

#[test]
fn a_layer_replacing_its_own_file_has_no_split() {
    let mut b = tar::Builder::new(Vec::new());
    file(&mut b, "twice", b"first");
    file(&mut b, "twice", b"second");
    let (_, complete) = unpack(&b.into_inner().unwrap());
    assert!(!complete);

    let mut b = tar::Builder::new(Vec::new());
    file(&mut b, "dir/file", b"content");
    let mut sym = header(EntryType::Symlink, 0, 0o777);
    b.append_link(&mut sym, "dir", "elsewhere").unwrap();
    let (_, complete) = unpack(&b.into_inner().unwrap());
    assert!(!complete, "replacing a directory loses the files below it");

    let mut b = tar::Builder::new(Vec::new());
    file(&mut b, "dir/file", b"content");
    let mut dir = header(EntryType::Directory, 0, 0o700);
    b.append_data(&mut dir, "dir", &[][..]).unwrap();
    file(&mut b, "dir/other", b"other");
    assert_round_trip(&b.into_inner().unwrap());
}

/// The layers of the integration tests' images (built by tests/fixtures/build_images.py),
/// when a test environment is set up.
#[test]
fn real_image_layers_come_back() {
    let Some(work) = std::env::var_os("ENGINE_TEST_WORK") else {
        return;
    };
    let blobs = Path::new(&work).join("images/busybox/blobs/sha256");
    let Ok(entries) = fs::read_dir(&blobs) else {
        return;
    };
    let mut layers = 0;
    for entry in entries {
        let mut compressed = Vec::new();
        File::open(entry.unwrap().path())
            .unwrap()
            .read_to_end(&mut compressed)
            .unwrap();
        if !compressed.starts_with(&[0x1f, 0x8b]) {
            continue; // a manifest or config
        }
        let mut tar = Vec::new();
        flate2::read::MultiGzDecoder::new(&compressed[..])
            .read_to_end(&mut tar)
            .unwrap();
        assert_round_trip(&tar);
        layers += 1;
    }
    assert!(layers >= 3, "found {layers} layers in {}", blobs.display());
}
