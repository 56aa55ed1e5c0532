//! Crashes, concurrent processes, stale files and on-disk layout.

use super::*;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;

#[test]
fn open_creates_private_layout() {
    let (_dir, store) = open();
    let mode = fs::metadata(store.root()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(store.root().join("blobs/sha256").is_dir());
    assert!(store.images().unwrap().is_empty());
    assert!(store.root().is_absolute());
}

#[test]
fn crashed_index_write_is_invisible_and_swept() {
    let (dir, store) = open();
    let rec = image(&store, "a", &[], &["docker.io/library/a:latest"], T1);
    store.add_image(rec.clone()).unwrap();
    // A writer died after writing half of its temp file, before the rename.
    let stale = store.root().join(".images.json.tmp-999999-0");
    fs::write(&stale, br#"{"version": 1, "images": [{"id": "tru"#).unwrap();

    assert_eq!(store.images().unwrap(), std::slice::from_ref(&rec));
    let reopened = Store::open(&dir.path().join("store")).unwrap();
    assert!(!stale.exists());
    assert_eq!(reopened.images().unwrap(), [rec]);
}

#[test]
fn readers_never_see_a_partial_index() {
    let (_dir, store) = open();
    let recs: Vec<ImageRecord> = (0..40)
        .map(|n| {
            image(
                &store,
                &format!("cfg {n}"),
                &["layer"],
                &["docker.io/library/x:latest"],
                T1,
            )
        })
        .collect();
    let index = store.index_path();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            for rec in &recs {
                store.add_image(rec.clone()).unwrap();
            }
            done.store(true, std::sync::atomic::Ordering::Relaxed);
        });
        s.spawn(|| {
            // Deliberately without the lock: the file itself must always be whole.
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(data) = fs::read(&index) {
                    serde_json::from_slice::<serde_json::Value>(&data).unwrap();
                }
            }
        });
    });
    assert_eq!(store.images().unwrap().len(), 40);
}

#[test]
fn concurrent_adds_from_separate_stores_lose_nothing() {
    const THREADS: usize = 6;
    const PER_THREAD: usize = 5;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    // Blobs are written up front, so the threads do nothing but race their adds.
    let batches: Vec<Vec<ImageRecord>> = {
        let store = Store::open(&root).unwrap();
        (0..THREADS)
            .map(|t| {
                (0..PER_THREAD)
                    .map(|n| {
                        let own = format!("docker.io/library/t{t}:{n}");
                        let names = [own.as_str(), "docker.io/library/hot:latest"];
                        image(&store, &format!("{t}/{n}"), &["base"], &names, T1)
                    })
                    .collect()
            })
            .collect()
    };
    std::thread::scope(|s| {
        for batch in batches {
            let root = &root;
            s.spawn(move || {
                let store = Store::open(root).unwrap();
                for rec in batch {
                    store.add_image(rec).unwrap();
                }
            });
        }
    });
    let store = Store::open(&root).unwrap();
    let images = store.images().unwrap();
    assert_eq!(images.len(), THREADS * PER_THREAD);
    let holders = images
        .iter()
        .filter(|i| i.names.iter().any(|n| n.contains("/hot:")))
        .count();
    assert_eq!(holders, 1, "a name belongs to exactly one image");
    assert!(images.iter().all(|i| !i.names.is_empty()));
}

#[test]
fn open_sweeps_dead_tmp_dirs_but_not_live_ones() {
    let (dir, live) = open();
    let live_tmp = live.tmp_dir().unwrap().to_path_buf();
    let mut writer = live.new_blob_writer().unwrap();
    writer.write_all(b"a layer being pulled").unwrap();

    let dead = live.tmp_root().join("31337-0");
    fs::create_dir(&dead).unwrap();
    fs::write(dead.join("lock"), b"").unwrap();
    fs::write(dead.join("blob-3"), b"half a layer").unwrap();

    let other = Store::open(&dir.path().join("store")).unwrap();
    assert!(!dead.exists(), "the dead process's dir is swept");
    assert!(
        live_tmp.join("lock").exists(),
        "a live process's dir is untouched"
    );

    let digest = Digest::of(b"a layer being pulled");
    writer.commit(&digest).unwrap();
    assert!(other.has_blob(&digest));
    drop(live);
    assert!(!live_tmp.exists(), "a closed store removes its tmp dir");
}
