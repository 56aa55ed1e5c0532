//! The layer unpacker (src/rootfs/unpack*) on arbitrary bytes as a tar stream.
//!
//! Each input is unpacked into `T/root` of a fresh directory `T` that also holds a canary file;
//! afterwards `T` must hold exactly `canary` (unchanged) and `root`: anything else means the
//! layer wrote outside its root, which is the escape this target hunts for.
#![no_main]

use std::collections::BTreeSet;
use std::fs;

const CANARY: &[u8] = b"must not change\n";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("creating the unpack directory");
    let root = dir.path().join("root");
    let canary = dir.path().join("canary");
    fs::create_dir(&root).expect("creating the unpack root");
    fs::write(&canary, CANARY).expect("writing the canary");

    let _ = engine::fuzz_api::unpack_tar(&root, data);

    let names: BTreeSet<String> = fs::read_dir(dir.path())
        .expect("listing the unpack directory")
        .map(|e| {
            e.expect("listing the unpack directory")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let expected: BTreeSet<String> = ["canary", "root"].map(String::from).into();
    assert_eq!(
        names, expected,
        "the layer created entries next to its root"
    );
    let meta = fs::symlink_metadata(&canary).expect("the canary is gone");
    assert!(meta.is_file(), "the canary was replaced");
    assert_eq!(
        fs::read(&canary).expect("reading the canary"),
        CANARY,
        "the canary changed"
    );
    let root_meta = fs::symlink_metadata(&root).expect("the unpack root is gone");
    assert!(
        root_meta.is_dir(),
        "the unpack root was replaced by a non-directory"
    );
    // Layers may leave read-only directories; make them removable for the TempDir's drop.
    make_writable(&root);
});

fn make_writable(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                make_writable(&entry.path());
            }
        }
    }
}
