//! Removing images and blobs, and the records and index files the store refuses.

use super::*;

#[test]
fn remove_keeps_blobs_and_layers_other_images_share() {
    let (_dir, store) = open();
    let a = image(
        &store,
        "a",
        &["base", "only a"],
        &["docker.io/library/a:latest"],
        T1,
    );
    let mut b = image(
        &store,
        "b",
        &["base", "only b"],
        &["docker.io/library/b:latest"],
        T1,
    );
    b.digests
        .push(format!("docker.io/library/b@{}", b.manifest_digest));
    store.add_image(a.clone()).unwrap();
    store.add_image(b.clone()).unwrap();

    let removed = store.remove_image(&b.id).unwrap();
    assert_eq!(removed.id, b.id);
    assert_eq!(removed.untagged, [b.names[0].clone(), b.digests[0].clone()]);
    assert_eq!(removed.deleted_blobs, 2, "manifest and config");
    assert!(
        store.has_layer(&b.layers[0].chain_id),
        "the shared base layer stays"
    );
    assert!(!store.has_layer(&b.layers[1].chain_id));
    assert!(a.blobs().all(|d| store.has_blob(d)));
    assert!(a.layer_chains().all(|c| store.has_layer(c)));

    assert!(store.remove_image(&b.id).is_err());
    assert_eq!(store.remove_image(&a.id).unwrap().deleted_blobs, 2);
    assert!(store.stored_blobs().unwrap().is_empty());
    assert!(store.stored_layers().unwrap().is_empty());
}

#[test]
fn prune_removes_only_dangling_images() {
    let (_dir, store) = open();
    let kept = image(
        &store,
        "kept",
        &["base"],
        &["docker.io/library/x:latest"],
        T1,
    );
    let dangling = image(&store, "dangling", &["base", "own"], &[], T1);
    store.add_image(kept.clone()).unwrap();
    store.add_image(dangling.clone()).unwrap();

    assert_eq!(
        store.prune_dangling().unwrap(),
        std::slice::from_ref(&dangling.id)
    );
    assert!(store.prune_dangling().unwrap().is_empty());
    assert!(kept.blobs().all(|d| store.has_blob(d)));
    assert!(kept.layer_chains().all(|c| store.has_layer(c)));
    assert!(!store.has_layer(&dangling.layers[1].chain_id));
}

#[test]
fn gc_removes_only_unreferenced_blobs() {
    let (_dir, store) = open();
    let a = image(
        &store,
        "a",
        &["shared"],
        &["docker.io/library/a:latest"],
        T1,
    );
    let b = image(
        &store,
        "b",
        &["shared"],
        &["docker.io/library/b:latest"],
        T1,
    );
    store.add_image(a.clone()).unwrap();
    store.add_image(b.clone()).unwrap();
    let orphan = put(&store, b"left by an interrupted pull");
    fs::write(store.blobs_dir().join("README"), b"not a blob").unwrap();

    assert_eq!(store.gc_blobs().unwrap(), 1);
    assert!(!store.has_blob(&orphan));
    assert!(a.blobs().chain(b.blobs()).all(|d| store.has_blob(d)));
    assert!(
        store.blobs_dir().join("README").exists(),
        "unknown files are not ours to delete"
    );
}

#[test]
fn vanished_blob_is_reported_as_missing_blobs() {
    let (_dir, store) = open();
    let rec = image(
        &store,
        "cfg",
        &["l1", "l2"],
        &["docker.io/library/a:latest"],
        T1,
    );
    // A concurrent rmi deleted a layer between download and add.
    fs::remove_dir_all(store.layer_path(&rec.layers[1].chain_id)).unwrap();

    let err = store.add_image(rec.clone()).unwrap_err();
    let missing = err
        .downcast_ref::<MissingBlobs>()
        .expect("a typed MissingBlobs error");
    assert_eq!(missing.0, [rec.layers[1].chain_id.clone()]);
    assert!(err.to_string().contains(rec.layers[1].chain_id.as_str()));
    assert!(store.images().unwrap().is_empty(), "nothing was recorded");

    put_layer(&store, b"l2");
    store.add_image(rec).unwrap();
}

#[test]
fn add_refuses_inconsistent_records() {
    let (_dir, store) = open();
    let mut rec = image(&store, "cfg", &[], &["docker.io/library/a:latest"], T1);
    rec.id = "0".repeat(64);
    assert!(
        store
            .add_image(rec.clone())
            .unwrap_err()
            .to_string()
            .contains("does not match")
    );
    let mut rec = image(&store, "cfg", &[], &["a:latest"], T1);
    assert!(store.add_image(rec.clone()).is_err());
    rec.names.clear();
    rec.digests.push("docker.io/library/a@sha256:123".into());
    assert!(store.add_image(rec).is_err());
}

#[test]
fn newer_schema_and_corrupt_index_are_refused() {
    let (dir, store) = open();
    let index = store.index_path();
    fs::write(&index, br#"{"version": 2, "images": [], "layers": {}}"#).unwrap();
    let err = Store::open(&dir.path().join("store"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("schema version 2") && err.contains("upgrade engine"),
        "{err}"
    );

    fs::write(&index, br#"{"version": 1, "images": [{"id": 3"#).unwrap();
    let err = store.images().unwrap_err().to_string();
    assert!(
        err.contains(&index.display().to_string()) && err.contains("corrupt"),
        "{err}"
    );
}
