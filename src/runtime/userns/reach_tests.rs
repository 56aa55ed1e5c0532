//! Paths opened by the helper and adopted by PROGRAM, on real files (in one process here:
//! `open_all` stands for the helper, `Reached::adopt` for PROGRAM).

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::reach::{Reached, encode};
use super::{IdMappings, IdRange, fd_number, open_all};

fn reached(paths: &[PathBuf]) -> Reached {
    let requested = encode(paths).expect("something to reach");
    let described = open_all(&requested).expect("the paths open");
    Reached::adopt(&described).expect("the description is adopted")
}

#[test]
fn reached_paths_are_named_by_descriptors_that_lead_to_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layer");
    std::fs::create_dir(&dir).unwrap();
    let file = tmp.path().join("config.json");
    std::fs::write(&file, "{\"a\": 1}").unwrap();
    let fifo = tmp.path().join("exec.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let missing = tmp.path().join("missing");
    let reached = reached(&[dir.clone(), file.clone(), fifo.clone(), missing.clone()]);

    let by_fd = reached.path(&dir).expect("the dir is reached");
    assert!(fd_number(&by_fd).is_some(), "{}", by_fd.display());
    assert_eq!(
        std::fs::canonicalize(&by_fd).unwrap(),
        std::fs::canonicalize(&dir).unwrap()
    );
    // A fifo is opened without blocking and without becoming a reader.
    assert!(reached.path(&fifo).is_some());
    // Read from the start, twice: each read gets a rewound duplicate.
    for _ in 0..2 {
        let mut text = String::new();
        reached
            .file(&file)
            .expect("reached")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "{\"a\": 1}");
    }
    assert!(
        reached.path(&missing).is_none(),
        "a missing path is left to PROGRAM"
    );
    assert_eq!(reached.resolve(&missing), missing);
    assert_eq!(reached.fds().len(), 3);

    let kept = reached.duplicate(&dir).expect("reached").unwrap();
    reached.close();
    assert!(reached.path(&dir).is_none() && reached.fds().is_empty());
    drop(kept);
}

#[test]
fn adopted_descriptors_are_close_on_exec_and_bad_descriptions_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let reached = reached(&[tmp.path().to_path_buf()]);
    let fd = reached.fds()[0];
    // SAFETY: F_GETFD on an open descriptor.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    for bad in ["7", "x /a", "1 /stdout-is-not-ours", "100000 /not-open"] {
        assert!(Reached::adopt(OsStr::new(bad)).is_err(), "{bad}");
    }
}

#[test]
fn paths_with_a_newline_do_not_travel() {
    let odd = PathBuf::from("/a\nb");
    let plain = PathBuf::from("/plain");
    let encoded = encode(&[odd.clone(), plain.clone()]).unwrap();
    assert_eq!(encoded.as_bytes(), b"/plain");
    assert!(encode(&[odd]).is_none());
    assert_eq!(fd_number(Path::new("/proc/self/fd/12")), Some(12));
    assert_eq!(fd_number(Path::new("/proc/self/fd/x")), None);
    assert_eq!(fd_number(Path::new("/store/rootfs")), None);
}

#[test]
fn an_auto_layout_does_not_map_the_user_but_keep_id_does() {
    let range = |container, host, size| IdRange {
        container,
        host,
        size,
    };
    let storage = IdMappings {
        uids: vec![range(0, 1000, 1), range(1, 100000, 65536)],
        gids: vec![range(0, 1000, 1), range(1, 100000, 65536)],
    };
    assert!(storage.maps_host_ids(1000, 1000));
    assert!(
        storage
            .keep_id((1000, 1000))
            .unwrap()
            .maps_host_ids(1000, 1000)
    );
    let auto = storage.auto(0, 1024).unwrap();
    assert!(!auto.maps_host_ids(1000, 1000));
    assert!(auto.maps_host_ids(100000, 101023));
    assert!(!auto.maps_host_ids(101024, 100000), "one past the range");
}
