//! `system check` on real stores damaged on purpose: each test breaks one thing, checks the
//! report names it, repairs, and checks the store is clean afterwards.

use std::fs;
use std::time::Duration;

use super::*;
use crate::store::{ContainerRecord, ImageRecord, LayerMeta, LayerRecord, chain_ids};
use crate::util::digest::Digest;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    (dir, store)
}

/// Everything counts as old: what is unreferenced is reported at once.
fn strict() -> CheckOptions {
    CheckOptions {
        max_age: Duration::ZERO,
        ..CheckOptions::default()
    }
}

fn repair(force: bool) -> CheckOptions {
    CheckOptions {
        repair: true,
        remove_containers: force,
        ..strict()
    }
}

fn put(store: &Store, data: &[u8]) -> Digest {
    let digest = Digest::of(data);
    store.put_blob(data, &digest).unwrap();
    digest
}

/// Adds an image `tag` with one layer per entry of `layers` (their file contents).
fn add_image(store: &Store, tag: &str, layers: &[&str]) -> ImageRecord {
    let diff_ids: Vec<Digest> = layers.iter().map(|l| Digest::of(l.as_bytes())).collect();
    let chains = chain_ids(&diff_ids);
    let mut records = Vec::new();
    for ((data, diff_id), chain) in layers.iter().zip(&diff_ids).zip(&chains) {
        if !store.has_layer(chain) {
            let staging = store.new_layer_staging().unwrap();
            fs::write(staging.diff_dir().join("file"), data).unwrap();
            let meta = LayerMeta {
                chain_id: chain.clone(),
                diff_id: diff_id.clone(),
                parent: None,
                compressed_digest: diff_id.clone(),
                tar_split: false,
                tar_checksum: None,
                size: data.len() as u64,
            };
            staging.commit(&meta).unwrap();
        }
        records.push(LayerRecord {
            digest: diff_id.clone(),
            diff_id: diff_id.clone(),
            chain_id: chain.clone(),
            media_type: "application/vnd.oci.image.layer.v1.tar".into(),
            size: data.len() as u64,
            uncompressed_size: data.len() as u64,
        });
    }
    let config = put(store, format!("config of {tag}").as_bytes());
    let manifest = put(store, format!("manifest of {tag}").as_bytes());
    let record = ImageRecord {
        id: config.hex().to_string(),
        names: vec![format!("localhost/{tag}:latest")],
        digests: Vec::new(),
        manifest_digest: manifest,
        manifest_media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        config_digest: config,
        layers: records,
        created: None,
        pulled: "2025-01-01T00:00:00Z".into(),
        architecture: "amd64".into(),
        os: "linux".into(),
        variant: None,
        size: 0,
    };
    store.add_image(record.clone()).unwrap();
    record
}

fn add_container(store: &Store, id_char: char, image: &ImageRecord) -> String {
    let id = id_char.to_string().repeat(64);
    let record: ContainerRecord = serde_json::from_value(serde_json::json!({
        "id": id, "name": format!("c{id_char}"), "image_id": image.id,
        "image_name": image.names[0], "command": ["true"], "created": "2025-01-01T00:00:00Z",
        "layers": image.layer_chains().collect::<Vec<_>>(), "rootfs_driver": "overlay",
        "status": "exited", "exit_code": 0, "started_at": null, "finished_at": null,
    }))
    .unwrap();
    store.create_container(&record).unwrap();
    id
}

fn flip_first_byte(path: &std::path::Path) {
    let mut data = fs::read(path).unwrap();
    data[0] ^= 0xff;
    fs::write(path, data).unwrap();
}

fn assert_clean(store: &Store) {
    let report = store.check(&strict()).unwrap();
    assert!(!report.has_errors(), "{report:#?}");
}

#[test]
fn a_healthy_store_is_clean() {
    let (_dir, store) = open();
    let base = add_image(&store, "base", &["a", "b"]);
    add_image(&store, "sibling", &["a", "c"]);
    add_container(&store, '1', &base);
    assert_clean(&store);
}

#[test]
fn a_corrupt_blob_damages_its_image_and_repair_removes_it() {
    let (_dir, store) = open();
    let bad = add_image(&store, "bad", &["shared", "own"]);
    let good = add_image(&store, "good", &["shared"]);
    flip_first_byte(&store.blob_path(&bad.config_digest));

    let quick = store
        .check(&CheckOptions {
            quick: true,
            ..strict()
        })
        .unwrap();
    assert!(
        !quick.has_errors(),
        "--quick does not hash blobs: {quick:#?}"
    );
    let report = store.check(&strict()).unwrap();
    let problems = &report.images[&bad.id];
    assert!(problems[0].contains("is corrupt"), "{problems:?}");
    assert_eq!(report.images.len(), 1, "{report:#?}");

    let repaired = store.check(&repair(false)).unwrap();
    assert_eq!(repaired.removed_images, vec![bad.id.clone()]);
    assert!(store.find_image(&bad.id).unwrap().is_none());
    assert!(!store.has_blob(&bad.config_digest) && !store.has_blob(&bad.manifest_digest));
    assert!(
        !store.has_layer(&bad.layers[1].chain_id),
        "its own layer goes"
    );
    assert!(
        store.has_layer(&good.layers[0].chain_id),
        "the shared one stays"
    );
    assert!(store.find_image(&good.id).unwrap().is_some());
    assert_clean(&store);
}

#[test]
fn a_deleted_layer_damages_its_image() {
    let (_dir, store) = open();
    let image = add_image(&store, "img", &["one", "two"]);
    fs::remove_dir_all(store.layer_path(&image.layers[1].chain_id)).unwrap();
    let report = store.check(&strict()).unwrap();
    assert!(
        report.images[&image.id][0].contains("is missing"),
        "{report:#?}"
    );
    store.check(&repair(false)).unwrap();
    assert!(store.find_image(&image.id).unwrap().is_none());
    assert!(!store.has_layer(&image.layers[0].chain_id));
    assert_clean(&store);
}

#[test]
fn a_layer_whose_metadata_lies_is_damaged() {
    let (_dir, store) = open();
    let image = add_image(&store, "img", &["one"]);
    let chain = &image.layers[0].chain_id;
    let meta_path = store.layer_path(chain).join("layer.json");
    let text = fs::read_to_string(&meta_path).unwrap();
    fs::write(&meta_path, text.replace(chain.hex(), &"0".repeat(64))).unwrap();
    let report = store.check(&strict()).unwrap();
    assert!(
        report.layers[chain.hex()][0].contains("names chain ID"),
        "{report:#?}"
    );
    assert!(
        report.images[&image.id][0].contains("is damaged"),
        "{report:#?}"
    );
    fs::write(&meta_path, b"{").unwrap();
    let report = store.check(&strict()).unwrap();
    assert!(
        report.layers[chain.hex()][0].contains("is corrupt"),
        "{report:#?}"
    );
    store.check(&repair(false)).unwrap();
    assert!(!store.layer_path(chain).exists());
    assert_clean(&store);
}

#[test]
fn a_broken_index_entry_is_reported() {
    let (_dir, store) = open();
    let image = add_image(&store, "img", &["one", "two"]);
    // The index names a layer that was never stored.
    let index_path = store.root().join("images.json");
    let text = fs::read_to_string(&index_path).unwrap();
    let chain = image.layers[1].chain_id.hex();
    fs::write(&index_path, text.replace(chain, &"e".repeat(64))).unwrap();
    let report = store.check(&strict()).unwrap();
    let problems = report.images[&image.id].join("; ");
    assert!(
        problems.contains("do not follow from their diff_ids"),
        "{problems}"
    );
    assert!(problems.contains("is missing"), "{problems}");
    assert!(
        report.layers.contains_key(chain),
        "the real layer is now unused"
    );
    store.check(&repair(false)).unwrap();
    assert!(store.images().unwrap().is_empty());
    assert!(store.stored_layers().unwrap().is_empty());
    assert_clean(&store);
}

#[test]
fn unreferenced_layers_and_blobs_count_only_once_old() {
    let (_dir, store) = open();
    let image = add_image(&store, "img", &["one"]);
    // What a pull killed before `add_image` leaves: blobs and a layer no image references.
    fs::write(
        store.root().join("images.json"),
        br#"{"version":1,"images":[]}"#,
    )
    .unwrap();
    let young = store.check(&CheckOptions::default()).unwrap();
    assert!(!young.has_errors(), "a pull may be in progress: {young:#?}");
    let old = store.check(&strict()).unwrap();
    assert_eq!(old.layers.len(), 1, "{old:#?}");
    assert_eq!(old.blobs.len(), 2, "{old:#?}");
    let repaired = store.check(&repair(false)).unwrap();
    assert_eq!(
        repaired.removed_layers,
        vec![image.layers[0].chain_id.hex()]
    );
    assert_eq!(repaired.removed_blobs.len(), 2);
    assert_clean(&store);
}

#[test]
fn leftovers_of_interrupted_operations_are_reported_and_removed() {
    let (_dir, store) = open();
    let image = add_image(&store, "img", &["one"]);
    let removing = store.root().join("layers/.removing-abc");
    fs::create_dir_all(removing.join("diff")).unwrap();
    let dead_tmp = store.root().join("tmp/999999-0");
    fs::create_dir_all(&dead_tmp).unwrap();
    fs::write(dead_tmp.join("lock"), b"").unwrap();
    let index_temp = store.root().join(".images.json.tmp-999999-0");
    fs::write(&index_temp, b"{").unwrap();
    let orphan = store.container_dir(&"d".repeat(64));
    fs::create_dir_all(orphan.join("upper")).unwrap();
    let id = add_container(&store, '2', &image);
    let record_temp = store
        .container_dir(&id)
        .join(".container.json.tmp-999999-3");
    fs::write(&record_temp, b"{").unwrap();

    let report = store.check(&strict()).unwrap();
    assert!(report.layers[".removing-abc"][0].contains("interrupted removal"));
    for path in [&dead_tmp, &index_temp, &orphan, &record_temp] {
        let key = path.display().to_string();
        assert!(report.leftovers.contains_key(&key), "{key}: {report:#?}");
    }
    assert!(
        report.containers.is_empty() && report.images.is_empty(),
        "{report:#?}"
    );
    store.check(&repair(false)).unwrap();
    for path in [&removing, &dead_tmp, &index_temp, &orphan, &record_temp] {
        assert!(!path.exists(), "{}", path.display());
    }
    assert!(store.container_dir(&id).join("container.json").exists());
    assert_clean(&store);
}

#[test]
fn open_sweeps_a_crashed_record_write_and_keeps_the_record() {
    let (dir, store) = open();
    let image = add_image(&store, "img", &["one"]);
    let id = add_container(&store, '3', &image);
    // An engine killed between writing its temp file and renaming it over the record.
    let stale = store
        .container_dir(&id)
        .join(".container.json.tmp-999999-4");
    fs::write(&stale, b"{").unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("store")).unwrap();
    assert!(!stale.exists());
    assert!(store.find_container(&id).unwrap().is_some());
    assert_clean(&store);
}

#[test]
fn open_sweeps_what_interrupted_removals_left() {
    let (dir, store) = open();
    let removing = store.root().join("layers/.removing-abc");
    fs::create_dir_all(removing.join("diff/sub")).unwrap();
    let orphan = store.container_dir(&"d".repeat(64));
    fs::create_dir_all(orphan.join("rootfs")).unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("store")).unwrap();
    assert!(!removing.exists() && !orphan.exists());
    assert_clean(&store);
}

#[test]
fn containers_keep_damaged_images_unless_forced() {
    let (_dir, store) = open();
    let image = add_image(&store, "img", &["one"]);
    let id = add_container(&store, '3', &image);
    flip_first_byte(&store.blob_path(&image.manifest_digest));

    let report = store.check(&repair(false)).unwrap();
    assert!(
        report.containers[&id][0].contains("is damaged"),
        "{report:#?}"
    );
    assert!(report.removed_images.is_empty(), "in use: kept");
    assert!(store.find_image(&image.id).unwrap().is_some());
    assert!(store.check(&strict()).unwrap().has_errors());

    let forced = store.check(&repair(true)).unwrap();
    assert_eq!(forced.removed_containers, vec![id.clone()]);
    assert_eq!(forced.removed_images, vec![image.id.clone()]);
    assert!(!store.container_dir(&id).exists());
    assert_clean(&store);
}

#[test]
fn a_container_without_its_image_is_damaged() {
    let (_dir, store) = open();
    let image = add_image(&store, "img", &["one"]);
    let id = add_container(&store, '4', &image);
    let path = store.container_dir(&id).join("container.json");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace(&image.id, &"f".repeat(64))).unwrap();
    let report = store.check(&strict()).unwrap();
    assert!(
        report.containers[&id][0].contains("is missing"),
        "{report:#?}"
    );
    fs::write(&path, b"not json").unwrap();
    let report = store.check(&strict()).unwrap();
    assert!(
        report.containers[&id][0].contains("is corrupt"),
        "{report:#?}"
    );
    store.check(&repair(true)).unwrap();
    assert!(!store.container_dir(&id).exists());
    assert_clean(&store);
}

fn journal_removal_of(store: &Store, image: &ImageRecord) {
    let doomed = crate::store::pending::Doomed {
        layers: image.layer_chains().cloned().collect(),
        blobs: image.blobs().cloned().collect(),
    };
    store.journal_deletion(&doomed).unwrap();
}

#[test]
fn an_rmi_killed_after_the_index_write_is_finished_at_open() {
    let (dir, store) = open();
    let image = add_image(&store, "img", &["one"]);
    journal_removal_of(&store, &image);
    // The index no longer has the image; the kill came before the deletions.
    fs::write(
        store.root().join("images.json"),
        br#"{"version":1,"images":[]}"#,
    )
    .unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("store")).unwrap();
    assert!(!store.has_layer(&image.layers[0].chain_id));
    assert!(!store.has_blob(&image.config_digest));
    assert_clean(&store);
}

#[test]
fn an_rmi_killed_before_the_index_write_keeps_the_image() {
    let (dir, store) = open();
    let image = add_image(&store, "img", &["one"]);
    journal_removal_of(&store, &image);
    drop(store);
    let store = Store::open(&dir.path().join("store")).unwrap();
    assert!(store.has_layer(&image.layers[0].chain_id));
    assert!(store.has_blob(&image.config_digest));
    assert!(!store.root().join("removing.json").exists());
    assert_clean(&store);
}
