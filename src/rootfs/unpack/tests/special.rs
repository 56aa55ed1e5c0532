//! Fifos, device nodes, sparse files, and the degraded single-id user namespace.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::process::Command;

use tar::{EntryType, Header};

use super::super::{UnpackOptions, WhiteoutFormat, unpack_layer};
use super::{Fixture, Layer, is_root, lstat};

#[test]
fn fifo_is_created() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .entry_with(EntryType::Fifo, b"run/initctl", b"", b"", |h| {
            h.set_mode(0o620)
        })
        .finish();
    fx.unpack(layer).unwrap();
    let meta = lstat(&fx.path("run/initctl"));
    assert!(meta.file_type().is_fifo());
    assert_eq!(meta.mode() & 0o7777, 0o620);
}

fn device_layer() -> Vec<u8> {
    Layer::new()
        .entry_with(EntryType::Char, b"dev/null", b"", b"", |h| {
            h.set_mode(0o666);
            h.set_device_major(1).unwrap();
            h.set_device_minor(3).unwrap();
        })
        .entry_with(EntryType::Block, b"dev/loop0", b"", b"", |h| {
            h.set_device_major(7).unwrap();
            h.set_device_minor(0).unwrap();
        })
        // Hard link headers carry the inode's metadata, and it is applied (containers/storage).
        .entry_with(EntryType::Link, b"dev/null2", b"dev/null", b"", |h| {
            h.set_mode(0o666)
        })
        .file("after", b"unpacked")
        .finish()
}

#[test]
fn device_nodes_are_created_when_root() {
    let fx = Fixture::new();
    let stats = fx.unpack(device_layer()).unwrap();
    if !is_root() {
        assert!(!fx.path("dev/null").exists());
        assert!(
            stats
                .skipped
                .iter()
                .any(|s| s.starts_with("device node not created")),
            "{stats:?}"
        );
        return;
    }
    let null = lstat(&fx.path("dev/null"));
    assert!(null.file_type().is_char_device());
    assert_eq!(null.rdev(), rustix::fs::makedev(1, 3));
    assert_eq!(null.mode() & 0o7777, 0o666);
    assert!(lstat(&fx.path("dev/loop0")).file_type().is_block_device());
    assert_eq!(lstat(&fx.path("dev/null2")).ino(), null.ino());
}

#[test]
fn gnu_sparse_file_keeps_its_holes() {
    const HOLE: u64 = 8 * 1024 * 1024;
    let mut header = Header::new_gnu();
    let gnu = header.as_gnu_mut().unwrap();
    gnu.name[..10].copy_from_slice(b"sparse.img");
    gnu.sparse[0].set_offset(0);
    gnu.sparse[0].set_length(512);
    gnu.sparse[1].set_offset(HOLE);
    gnu.sparse[1].set_length(512);
    gnu.set_real_size(HOLE + 512);
    header.set_entry_type(EntryType::GNUSparse);
    header.set_size(1024);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(super::MTIME);
    header.set_cksum();
    let mut data = vec![b'a'; 512];
    data.extend_from_slice(&[b'b'; 512]);
    let layer = Layer::new()
        .header(&header, &data)
        .file("after", b"x")
        .finish();

    let fx = Fixture::new();
    let stats = fx.unpack(layer).unwrap();
    let content = fs::read(fx.path("sparse.img")).unwrap();
    assert_eq!(content.len() as u64, HOLE + 512);
    assert!(content[..512].iter().all(|&b| b == b'a'));
    assert!(content[512..HOLE as usize].iter().all(|&b| b == 0));
    assert!(content[HOLE as usize..].iter().all(|&b| b == b'b'));
    let allocated = lstat(&fx.path("sparse.img")).blocks() * 512;
    assert!(
        allocated < 1024 * 1024,
        "holes were written out: {allocated} bytes allocated"
    );
    assert_eq!(stats.bytes, HOLE + 512 + 1);
}

/// Runs test `inner` in a fresh single-id user namespace (`unshare -Ur`): only our own id is mapped,
/// as for a rootless user without /etc/subuid entries.
pub(super) fn run_in_single_id_namespace(inner: &str) {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    // `inner` names a test of this module, or of another one by its path below the crate.
    let test = match inner.contains("::") {
        true => inner.to_string(),
        false => format!(
            "{}::{inner}",
            module_path!().split_once("::").map_or("", |(_, rest)| rest)
        ),
    };
    let output = Command::new("unshare")
        .args(["--user", "--map-root-user", "--"])
        .arg(exe)
        .args([
            "--exact",
            &test,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("UNPACK_TEST_IN_USERNS", "1")
        .output();
    let output = match output {
        Ok(out) if out.status.success() => out,
        Ok(out) if String::from_utf8_lossy(&out.stderr).contains("unshare failed") => {
            eprintln!("skipped: no unprivileged user namespaces here");
            return;
        }
        Ok(out) => panic!(
            "{test} failed in the user namespace:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => {
            eprintln!("skipped: cannot run unshare: {e}");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("1 passed"),
        "the inner test did not run:\n{stdout}"
    );
}

pub(super) fn in_namespace() -> bool {
    std::env::var_os("UNPACK_TEST_IN_USERNS").is_some()
}

fn owned_layer() -> Vec<u8> {
    Layer::new()
        .entry_with(EntryType::Regular, b"home/user/file", b"", b"data", |h| {
            h.set_uid(1000);
            h.set_gid(1000);
            h.set_mode(0o4755);
        })
        .file("etc/.wh.gone", b"")
        .finish()
}

#[test]
fn single_id_namespace_with_ignore_chown_errors() {
    run_in_single_id_namespace("single_id_namespace_with_ignore_chown_errors_inner");
}

#[test]
#[ignore = "run by single_id_namespace_with_ignore_chown_errors inside `unshare -Ur`"]
fn single_id_namespace_with_ignore_chown_errors_inner() {
    assert!(
        in_namespace(),
        "run through single_id_namespace_with_ignore_chown_errors"
    );
    let opts = UnpackOptions {
        whiteouts: WhiteoutFormat::Overlay {
            xattr_prefix: "user.overlay.",
        },
        ignore_chown_errors: true,
    };
    let fx = Fixture::new();
    let mut layer = owned_layer();
    layer.truncate(layer.len() - 1024); // drop the end-of-archive blocks to append more
    let mut layer = [layer, device_layer()].concat();
    layer.extend_from_slice(&[0; 1024]);
    let stats = unpack_layer(layer.as_slice(), &fx.dest, &opts).unwrap();
    let file = lstat(&fx.path("home/user/file"));
    assert_eq!(file.uid(), 0, "owned by the unpacking user");
    assert_eq!(file.mode() & 0o7777, 0o4755);
    let whiteout = lstat(&fx.path("etc/gone"));
    assert!(whiteout.file_type().is_char_device() && whiteout.rdev() == 0);
    assert!(!fx.path("dev/null").exists());
    assert_eq!(fs::read(fx.path("after")).unwrap(), b"unpacked");
    let skipped = stats.skipped.join("\n");
    assert!(
        skipped.contains("owner left as the unpacking user"),
        "{skipped}"
    );
    assert!(
        skipped.contains("device node not created (mknod: Operation not permitted"),
        "{skipped}"
    );
    assert!(
        skipped.contains("hard link to a device node that was not created"),
        "{skipped}"
    );
}

#[test]
fn single_id_namespace_refuses_unmapped_owner() {
    run_in_single_id_namespace("single_id_namespace_refuses_unmapped_owner_inner");
}

#[test]
#[ignore = "run by single_id_namespace_refuses_unmapped_owner inside `unshare -Ur`"]
fn single_id_namespace_refuses_unmapped_owner_inner() {
    assert!(
        in_namespace(),
        "run through single_id_namespace_refuses_unmapped_owner"
    );
    let opts = UnpackOptions {
        whiteouts: WhiteoutFormat::Overlay {
            xattr_prefix: "user.overlay.",
        },
        ignore_chown_errors: false,
    };
    let fx = Fixture::new();
    let err = unpack_layer(owned_layer().as_slice(), &fx.dest, &opts).unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.starts_with(
            "unpacking layer: entry \"home/user/file\": cannot chown to uid 1000 gid 1000"
        ),
        "{err}"
    );
    assert!(
        err.contains("/etc/subuid") && err.contains("ignore_chown_errors"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");
}
