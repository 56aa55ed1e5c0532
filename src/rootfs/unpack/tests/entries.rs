//! Ordinary entries: files, directories, links, metadata, replacement, streaming.

use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use tar::EntryType;

use super::{Fixture, Layer, MTIME, is_root, lstat, user_xattrs_supported, xattr};

#[test]
fn regular_file_gets_contents_mode_and_mtime() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .entry_with(EntryType::Regular, b"bin/tool", b"", b"#!/bin/sh\n", |h| {
            h.set_mode(0o750)
        })
        .finish();
    let stats = fx.unpack(layer).unwrap();
    let meta = lstat(&fx.path("bin/tool"));
    assert_eq!(fs::read(fx.path("bin/tool")).unwrap(), b"#!/bin/sh\n");
    assert_eq!(meta.mode() & 0o7777, 0o750);
    assert_eq!(meta.mtime(), MTIME as i64);
    assert_eq!(meta.atime(), MTIME as i64, "atime is set to the mtime");
    // The implicit parent gets 0755 whatever the umask.
    assert_eq!(lstat(&fx.path("bin")).mode() & 0o7777, 0o755);
    assert_eq!((stats.entries, stats.bytes), (1, 10));
    assert!(stats.skipped.is_empty(), "{:?}", stats.skipped);
}

#[test]
fn directory_mtime_and_mode_survive_its_children() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .entry_with(EntryType::Directory, b"etc/", b"", b"", |h| {
            h.set_mode(0o555);
            h.set_mtime(1234);
        })
        .file("etc/hosts", b"127.0.0.1 localhost\n")
        .entry_with(EntryType::Directory, b"etc/ssl/", b"", b"", |h| {
            h.set_mtime(5678)
        })
        .file("etc/ssl/cert.pem", b"pem")
        .finish();
    fx.unpack(layer).unwrap();
    let etc = lstat(&fx.path("etc"));
    assert_eq!(etc.mtime(), 1234);
    assert_eq!(
        etc.mode() & 0o7777,
        0o555,
        "a read-only directory still got its children"
    );
    assert_eq!(lstat(&fx.path("etc/ssl")).mtime(), 5678);
    assert_eq!(fs::read(fx.path("etc/ssl/cert.pem")).unwrap(), b"pem");
    fs::set_permissions(fx.path("etc"), fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn sticky_and_setgid_directories() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .entry_with(EntryType::Directory, b"tmp/", b"", b"", |h| {
            h.set_mode(0o1777)
        })
        .entry_with(EntryType::Directory, b"srv/", b"", b"", |h| {
            h.set_mode(0o2775)
        })
        .finish();
    fx.unpack(layer).unwrap();
    assert_eq!(lstat(&fx.path("tmp")).mode() & 0o7777, 0o1777);
    assert_eq!(lstat(&fx.path("srv")).mode() & 0o7777, 0o2775);
}

#[test]
fn owner_and_setuid_survive_chown_when_root() {
    if !is_root() {
        eprintln!("skipped: ownership needs root");
        return;
    }
    let fx = Fixture::new();
    let owned = |h: &mut tar::Header| {
        h.set_uid(1234);
        h.set_gid(5678);
    };
    let layer = Layer::new()
        .entry_with(EntryType::Regular, b"usr/bin/su", b"", b"elf", |h| {
            owned(h);
            h.set_mode(0o6755);
        })
        .entry_with(EntryType::Directory, b"home/user/", b"", b"", owned)
        .entry_with(
            EntryType::Symlink,
            b"home/link",
            b"../usr/bin/su",
            b"",
            |h| {
                h.set_uid(42);
                h.set_gid(43);
            },
        )
        .finish();
    fx.unpack(layer).unwrap();
    let su = lstat(&fx.path("usr/bin/su"));
    assert_eq!((su.uid(), su.gid()), (1234, 5678));
    assert_eq!(
        su.mode() & 0o7777,
        0o6755,
        "mode is applied after chown cleared setuid"
    );
    let home = lstat(&fx.path("home/user"));
    assert_eq!((home.uid(), home.gid()), (1234, 5678));
    let link = lstat(&fx.path("home/link"));
    assert_eq!(
        (link.uid(), link.gid()),
        (42, 43),
        "the symlink itself is chowned"
    );
    assert_eq!(su.uid(), 1234, "not the symlink's target");
}

#[test]
fn symlinks_are_kept_verbatim() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .symlink("a/up", "../../../etc/shadow")
        .symlink("a/abs", "/usr/lib")
        .symlink("a/dangling", "nowhere")
        .finish();
    fx.unpack(layer).unwrap();
    for (name, target) in [
        ("a/up", "../../../etc/shadow"),
        ("a/abs", "/usr/lib"),
        ("a/dangling", "nowhere"),
    ] {
        assert_eq!(fs::read_link(fx.path(name)).unwrap().as_os_str(), target);
        assert_eq!(
            lstat(&fx.path(name)).mtime(),
            MTIME as i64,
            "{name}: own mtime, not the target's"
        );
    }
}

#[test]
fn hard_links_share_an_inode() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .file("usr/bin/gzip", b"gzip")
        .hardlink("usr/bin/gunzip", "usr/bin/gzip")
        .hardlink("/bin/zcat", "/usr/bin/gzip")
        .symlink("usr/bin/sh", "dash")
        .hardlink("usr/bin/sh2", "usr/bin/sh")
        .finish();
    fx.unpack(layer).unwrap();
    let gzip = lstat(&fx.path("usr/bin/gzip"));
    assert_eq!(lstat(&fx.path("usr/bin/gunzip")).ino(), gzip.ino());
    assert_eq!(lstat(&fx.path("bin/zcat")).ino(), gzip.ino());
    assert_eq!(gzip.nlink(), 3);
    let sh2 = lstat(&fx.path("usr/bin/sh2"));
    assert!(
        sh2.file_type().is_symlink(),
        "a hard link to a symlink links the symlink itself"
    );
    assert_eq!(sh2.ino(), lstat(&fx.path("usr/bin/sh")).ino());
}

#[test]
fn user_xattrs_come_from_pax_records() {
    let fx = Fixture::new();
    if !user_xattrs_supported(&fx.dest) {
        eprintln!("skipped: no user.* xattrs on this file system");
        return;
    }
    let layer = Layer::new()
        .pax(&[("SCHILY.xattr.user.origin", b"layer one")])
        .file("data", b"x")
        .pax(&[("SCHILY.xattr.user.overlay.redirect", b"/etc")])
        .dir("sneaky/")
        .finish();
    let stats = fx.unpack(layer).unwrap();
    assert_eq!(
        xattr(&fx.path("data"), "user.origin").as_deref(),
        Some(&b"layer one"[..])
    );
    assert_eq!(xattr(&fx.path("sneaky"), "user.overlay.redirect"), None);
    assert!(
        stats
            .skipped
            .iter()
            .any(|s| s.contains("user.overlay.redirect") && s.contains("sneaky")),
        "{:?}",
        stats.skipped
    );
}

#[test]
fn pax_mtime_keeps_its_fraction() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .pax(&[("mtime", b"1700000000.25")])
        .file("precise", b"")
        .finish();
    fx.unpack(layer).unwrap();
    let meta = lstat(&fx.path("precise"));
    assert_eq!(
        (meta.mtime(), meta.mtime_nsec()),
        (1_700_000_000, 250_000_000)
    );
}

#[test]
fn duplicated_entries_last_wins() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .file("etc/motd", b"first")
        .file("etc/motd", b"second")
        .entry_with(EntryType::Directory, b"var/", b"", b"", |h| {
            h.set_mode(0o700)
        })
        .entry_with(EntryType::Directory, b"var/", b"", b"", |h| {
            h.set_mode(0o751)
        })
        .finish();
    fx.unpack(layer).unwrap();
    assert_eq!(fs::read(fx.path("etc/motd")).unwrap(), b"second");
    assert_eq!(lstat(&fx.path("var")).mode() & 0o7777, 0o751);
}

#[test]
fn file_replaced_by_directory_and_directory_by_file() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .file("x", b"file first")
        .dir("x/")
        .file("x/inside", b"kept")
        .dir("y/")
        .file("y/deep/er/file", b"gone")
        .symlink("y/link", "/")
        .file("y", b"now a file")
        .finish();
    fx.unpack(layer).unwrap();
    assert!(lstat(&fx.path("x")).is_dir());
    assert_eq!(fs::read(fx.path("x/inside")).unwrap(), b"kept");
    assert!(lstat(&fx.path("y")).is_file());
    assert_eq!(fs::read(fx.path("y")).unwrap(), b"now a file");
}

#[test]
fn deep_directory_tree_is_replaced() {
    let fx = Fixture::new();
    let deep = "d/".repeat(60);
    let layer = Layer::new()
        .checked_file(&format!("top/{deep}leaf"), b"x")
        .file("top", b"flat")
        .finish();
    fx.unpack(layer).unwrap();
    assert_eq!(fs::read(fx.path("top")).unwrap(), b"flat");
}

#[test]
fn long_names_and_odd_bytes() {
    let fx = Fixture::new();
    let long = format!("{}/file", "long-directory-name".repeat(12));
    let odd: &[u8] = b"caf\xe9 \x01\\name";
    let layer = Layer::new()
        .checked_file(&long, b"long")
        .entry(EntryType::Regular, odd, b"", b"odd")
        .finish();
    fx.unpack(layer).unwrap();
    assert_eq!(fs::read(fx.path(&long)).unwrap(), b"long");
    let odd_path = fx.dest.join(std::ffi::OsStr::from_bytes(odd));
    assert_eq!(fs::read(odd_path).unwrap(), b"odd");
}

#[test]
fn large_file_is_streamed() {
    let fx = Fixture::new();
    let data: Vec<u8> = (0..5 * 1024 * 1024 + 17).map(|i| (i % 251) as u8).collect();
    let layer = Layer::new().file("big.bin", &data).finish();
    let stats = fx.unpack(layer).unwrap();
    assert_eq!(stats.bytes, data.len() as u64);
    assert!(fs::read(fx.path("big.bin")).unwrap() == data);
}

#[test]
fn root_and_dot_entries_are_skipped_and_names_normalized() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .entry_with(EntryType::Directory, b"./", b"", b"", |h| h.set_mode(0o700))
        .entry(EntryType::Directory, b".", b"", b"")
        .file("./a/./b//c", b"c")
        .finish();
    let stats = fx.unpack(layer).unwrap();
    assert_eq!(stats.entries, 3);
    assert_eq!(fs::read(fx.path("a/b/c")).unwrap(), b"c");
    assert_ne!(
        lstat(&fx.dest).mode() & 0o7777,
        0o700,
        "the destination's own mode is the store's"
    );
}

#[test]
fn unknown_entry_types_are_noted() {
    let fx = Fixture::new();
    let layer = Layer::new()
        .entry(EntryType::new(b'V'), b"volume-label", b"", b"")
        .file("after", b"still unpacked")
        .finish();
    let stats = fx.unpack(layer).unwrap();
    assert!(!fx.path("volume-label").exists());
    assert_eq!(fs::read(fx.path("after")).unwrap(), b"still unpacked");
    assert_eq!(
        stats.skipped,
        ["unsupported tar entry type 'V': \"volume-label\""]
    );
}

#[test]
fn the_whole_stream_is_consumed() {
    struct Counting<'a>(&'a [u8], usize);
    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1 += n;
            Ok(n)
        }
    }
    let fx = Fixture::new();
    let mut layer = Layer::new().file("f", b"x").finish();
    layer.extend_from_slice(&[0u8; 10240]);
    let total = layer.len();
    let mut reader = Counting(&layer, 0);
    super::unpack_layer(&mut reader, &fx.dest, &super::rootless_options()).unwrap();
    assert_eq!(
        reader.1, total,
        "trailing blocks must be read so a hashing caller sees them"
    );
}

#[test]
fn file_capabilities_survive_chown_and_symlinks_take_xattrs_when_root() {
    if !is_root() {
        eprintln!("skipped: security.* and trusted.* xattrs need root");
        return;
    }
    // VFS_CAP_REVISION_2 | effective; permitted = CAP_NET_BIND_SERVICE (10).
    let mut capability = Vec::new();
    for word in [0x0200_0001_u32, 1 << 10, 0, 0, 0] {
        capability.extend_from_slice(&word.to_le_bytes());
    }
    let fx = Fixture::new();
    let layer = Layer::new()
        .pax(&[("SCHILY.xattr.security.capability", &capability)])
        .entry_with(EntryType::Regular, b"usr/bin/ping", b"", b"elf", |h| {
            h.set_uid(1000)
        })
        .pax(&[("SCHILY.xattr.trusted.note", b"on the link")])
        .symlink("usr/bin/link", "ping")
        .finish();
    fx.unpack(layer).unwrap();
    let stored = xattr(&fx.path("usr/bin/ping"), "security.capability").expect("capability kept");
    assert_eq!(stored[4..8], capability[4..8], "permitted set");
    assert_eq!(lstat(&fx.path("usr/bin/ping")).uid(), 1000);
    assert_eq!(
        xattr(&fx.path("usr/bin/link"), "trusted.note").as_deref(),
        Some(&b"on the link"[..])
    );
    assert_eq!(
        xattr(&fx.path("usr/bin/ping"), "trusted.note"),
        None,
        "the symlink was not followed"
    );
}

#[test]
fn pax_times_parse_with_sign_and_fraction() {
    use super::super::metadata::parse_pax_time;
    let parsed = |text: &str| parse_pax_time(text.as_bytes()).map(|t| (t.tv_sec, t.tv_nsec));
    assert_eq!(parsed("1700000000"), Some((1_700_000_000, 0)));
    assert_eq!(parsed("1.000000001999"), Some((1, 1)));
    assert_eq!(parsed("-1.25"), Some((-2, 750_000_000)));
    assert_eq!(parsed("12x"), None);
    assert_eq!(parsed(".5"), None);
}
