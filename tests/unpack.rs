//! Layers are unpacked once, at pull time, inside the rootless user namespace: on disk the files
//! belong to the test user's subordinate ids exactly as the image defines them, whiteouts are
//! overlay whiteouts, and nothing compressed is kept.

mod common;
mod pull_support;

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use common::{Sandbox, env, fixture};
use pull_support::store::{self, chains_of, layer_entries, layer_names};

fn subordinate_start(file: &str) -> u32 {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .find_map(|l| {
            let mut f = l.split(':');
            (f.next()? == env().user).then(|| f.next()?.parse().ok())?
        })
        .unwrap_or_else(|| panic!("{} has no range in {file}", env().user))
}

/// The diff dir of layer `n` (0 = bottom) of a fixture image.
fn layer_diff(sb: &Sandbox, image: &str, n: usize) -> PathBuf {
    store::root(sb)
        .join("layers")
        .join(&chains_of(fixture(image))[n])
        .join("diff")
}

fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let p = CString::new(path.as_os_str().as_bytes()).unwrap();
    let n = CString::new(name).unwrap();
    let mut buf = vec![0u8; 256];
    // SAFETY: valid C strings and a buffer of the given length.
    let len =
        unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    (len >= 0).then(|| buf[..len as usize].to_vec())
}

fn pull(sb: &Sandbox, image: &str) {
    let reference = fixture(image)["reference"].as_str().unwrap();
    sb.engine(&["pull", "-q", reference]).ok();
}

#[test]
fn files_get_their_image_owners_as_subordinate_ids() {
    let sb = Sandbox::new();
    pull(&sb, "busybox:latest");
    let (uid0, gid0) = (
        subordinate_start("/etc/subuid"),
        subordinate_start("/etc/subgid"),
    );
    let base = layer_diff(&sb, "busybox:latest", 0);
    // Image root is the user; image uid 1000 is subordinate start + 999.
    let busybox = std::fs::metadata(base.join("bin/busybox")).unwrap();
    assert_eq!((busybox.uid(), busybox.gid()), (env().uid, env().gid));
    let home = std::fs::metadata(base.join("home/app")).unwrap();
    assert_eq!((home.uid(), home.gid()), (uid0 + 999, gid0 + 999));
    let special = layer_diff(&sb, "busybox:latest", 1);
    let owned = std::fs::metadata(special.join("data/owned-by-app")).unwrap();
    assert_eq!(
        (owned.uid(), owned.gid(), owned.mode() & 0o7777),
        (uid0 + 999, gid0 + 999, 0o640)
    );
}

#[test]
fn special_files_come_out_as_the_image_defines_them() {
    let sb = Sandbox::new();
    pull(&sb, "busybox:latest");
    let base = layer_diff(&sb, "busybox:latest", 0);
    let special = layer_diff(&sb, "busybox:latest", 1);
    // Applets are hardlinks of busybox: one inode.
    let ino = |p: &Path| std::fs::metadata(p).unwrap().ino();
    assert_eq!(ino(&base.join("bin/sh")), ino(&base.join("bin/busybox")));
    assert_eq!(
        ino(&special.join("data/hard")),
        ino(&special.join("data/owned-by-app"))
    );
    assert_eq!(
        std::fs::metadata(base.join("tmp"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o1777
    );
    assert_eq!(
        std::fs::metadata(special.join("data/setuid-bin"))
            .unwrap()
            .mode()
            & 0o7777,
        0o4755
    );
    assert_eq!(
        std::fs::metadata(special.join("data/setgid-dir"))
            .unwrap()
            .mode()
            & 0o7777,
        0o2775
    );
    assert_eq!(
        std::fs::read_link(special.join("data/link")).unwrap(),
        Path::new("owned-by-app")
    );
    assert!(
        std::fs::symlink_metadata(special.join("data/fifo"))
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(
        xattr(&special.join("data/xattr-file"), "user.engine-test").as_deref(),
        Some(&b"yes"[..])
    );
    // Fixed mtimes survive (2024-01-01).
    assert_eq!(
        std::fs::metadata(special.join("data/owned-by-app"))
            .unwrap()
            .mtime(),
        1704067200
    );
}

#[test]
fn whiteouts_become_overlay_whiteouts_and_opaque_markers() {
    let sb = Sandbox::new();
    pull(&sb, "busybox:latest");
    let top = layer_diff(&sb, "busybox:latest", 2);
    let gone = std::fs::symlink_metadata(top.join("data/gone")).unwrap();
    assert!(
        gone.file_type().is_char_device() && gone.rdev() == 0,
        "data/gone must be a 0/0 whiteout"
    );
    assert!(
        !top.join("data/.wh.gone").exists(),
        "the marker file itself is not written"
    );
    assert_eq!(
        xattr(&top.join("data/opaque"), "user.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
    assert!(!top.join("data/opaque/.wh..wh..opq").exists());
    assert!(top.join("data/opaque/new").is_file());
}

#[test]
fn layers_are_shared_and_no_compressed_copy_is_kept() {
    let sb = Sandbox::new();
    pull(&sb, "busybox:latest");
    pull(&sb, "other:latest");
    let root = store::root(&sb);
    let mut expected = chains_of(fixture("busybox:latest"));
    expected.extend(chains_of(fixture("other:latest")));
    expected.sort();
    expected.dedup();
    assert_eq!(layer_names(&root).into_iter().collect::<Vec<_>>(), expected);
    assert_eq!(
        chains_of(fixture("busybox:latest"))[0],
        chains_of(fixture("other:latest"))[0],
        "the fixtures share their base"
    );
    for layer in fixture("busybox:latest")["layers"].as_array().unwrap() {
        let hex = layer.as_str().unwrap().trim_start_matches("sha256:");
        assert!(
            !root.join("blobs/sha256").join(hex).exists(),
            "compressed layer {hex} was kept"
        );
    }
    // Removing one image keeps the shared base; removing the other frees everything, even
    // files owned by subordinate ids (removed through the user namespace).
    sb.engine(&[
        "rmi",
        fixture("busybox:latest")["reference"].as_str().unwrap(),
    ])
    .ok();
    assert_eq!(
        layer_names(&root),
        chains_of(fixture("other:latest")).into_iter().collect()
    );
    sb.engine(&["rmi", "--all"]).ok();
    assert!(
        layer_entries(&root).is_empty(),
        "layers left: {:?}",
        layer_entries(&root)
    );
}

#[test]
fn a_killed_pull_leaves_nothing_the_next_command_cannot_clean() {
    let sb = Sandbox::new();
    let root = store::root(&sb);
    let reference = fixture("big:latest")["reference"].as_str().unwrap();
    let mut child = sb.engine_spawn(&["pull", "-q", reference]);
    // Wait until unpacking has written part of the big layer into the staging area.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while store::tmp_bytes(&root) < (1 << 20) && std::time::Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    // Any engine command sweeps the dead process's scratch space, subordinate-owned or not.
    sb.engine(&["images", "-q"]).ok();
    store::assert_tmp_empty(&root);
    assert!(
        layer_entries(&root).iter().all(|l| !l.starts_with('.')),
        "half-removed layers: {:?}",
        layer_entries(&root)
    );
    sb.engine(&["pull", "-q", reference]).ok();
    assert_eq!(
        layer_names(&root),
        chains_of(fixture("big:latest")).into_iter().collect()
    );
}
