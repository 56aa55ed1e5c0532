//! Finding images by every accepted spelling, and docker's name ownership rules.

use super::*;
use std::collections::HashMap;

#[test]
fn find_accepts_every_documented_form() {
    let (_dir, store) = open();
    let mut rec = image(
        &store,
        "busybox",
        &["l1"],
        &["docker.io/library/busybox:latest"],
        T1,
    );
    let manifest_ref = format!("docker.io/library/busybox@{}", rec.manifest_digest);
    rec.digests.push(manifest_ref.clone());
    let id = rec.id.clone();
    store.add_image(rec.clone()).unwrap();

    let manifest = rec.manifest_digest.as_str();
    for query in [
        "docker.io/library/busybox:latest",
        "docker.io/library/busybox",
        "docker.io/busybox",
        "index.docker.io/busybox:latest",
        "busybox",
        "busybox:latest",
        "library/busybox",
        &manifest_ref,
        &format!("busybox@{manifest}"),
        &format!("busybox:ignored@{manifest}"),
        &id,
        &format!("sha256:{id}"),
        &id[..3],
        &format!("sha256:{}", &id[..8]),
    ] {
        assert_eq!(
            found_id(&store, query).as_deref(),
            Some(id.as_str()),
            "{query}"
        );
    }
    for query in ["busybox:1", "alpine", "quay.io/busybox", "abcd"] {
        assert_eq!(found_id(&store, query), None, "{query}");
    }
    assert!(
        store
            .find_image(&format!("busybox@{}", &manifest[..20]))
            .is_err()
    );
    assert!(store.find_image("sha256:zz").is_err());
    assert!(store.find_image("").is_err());
}

#[test]
fn short_names_match_across_registries_unless_ambiguous() {
    let (_dir, store) = open();
    let docker = image(&store, "a", &[], &["docker.io/library/app:latest"], T1);
    let quay = image(
        &store,
        "b",
        &[],
        &["quay.io/app:latest", "localhost/web:1"],
        T1,
    );
    store.add_image(docker.clone()).unwrap();
    store.add_image(quay.clone()).unwrap();

    let err = store.find_image("app").unwrap_err().to_string();
    assert!(
        err.contains("docker.io/library/app:latest") && err.contains("quay.io/app:latest"),
        "{err}"
    );
    assert_eq!(found_id(&store, "quay.io/app"), Some(quay.id.clone()));
    assert_eq!(found_id(&store, "docker.io/app"), Some(docker.id.clone()));
    assert_eq!(found_id(&store, "web:1"), Some(quay.id.clone()));

    // Several names of one image are not an ambiguity.
    store.tag(&quay.id, "docker.io/library/app:latest").unwrap();
    assert_eq!(found_id(&store, "app"), Some(quay.id));
}

#[test]
fn id_prefixes_must_be_unique_and_long_enough() {
    let (_dir, store) = open();
    // Find two configs whose ids share their first 3 hex digits.
    let mut seen: HashMap<String, String> = HashMap::new();
    let (a, b) = (0..)
        .find_map(|n| {
            let config = format!("config {n}");
            let prefix = Digest::of(config.as_bytes()).hex()[..3].to_string();
            seen.insert(prefix, config.clone())
                .map(|other| (other, config))
        })
        .unwrap();
    let a = image(&store, &a, &[], &[], T1);
    let b = image(&store, &b, &[], &[], T1);
    store.add_image(a.clone()).unwrap();
    store.add_image(b.clone()).unwrap();

    let err = store.find_image(&a.id[..3]).unwrap_err().to_string();
    assert!(
        err.contains("matches several images") && err.contains(&a.id[..12]),
        "{err}"
    );
    let common =
        a.id.chars()
            .zip(b.id.chars())
            .take_while(|(x, y)| x == y)
            .count();
    assert_eq!(found_id(&store, &a.id[..=common]), Some(a.id.clone()));
    assert_eq!(found_id(&store, &b.id[..=common]), Some(b.id.clone()));
    assert_eq!(
        found_id(&store, &a.id[..2]),
        None,
        "2 digits is a name, not an id prefix"
    );
}

#[test]
fn adding_moves_names_and_leaves_the_old_image_dangling() {
    let (_dir, store) = open();
    let old = image(
        &store,
        "old",
        &["l"],
        &["docker.io/library/app:latest", "docker.io/library/app:1"],
        T1,
    );
    let new = image(&store, "new", &["l"], &["docker.io/library/app:latest"], T2);
    store.add_image(old.clone()).unwrap();
    store.add_image(new.clone()).unwrap();

    assert_eq!(found_id(&store, "app"), Some(new.id.clone()));
    assert_eq!(names_of(&store, &old.id), ["docker.io/library/app:1"]);
    store.untag("docker.io/library/app:1").unwrap();
    let images = store.images().unwrap();
    assert_eq!(images.len(), 2, "the untagged image stays, dangling");
    assert_eq!(images[0].id, new.id, "newest pulled first");
    assert!(images[1].names.is_empty());
}

#[test]
fn re_adding_an_id_merges_references_and_keeps_newest_pull() {
    let (_dir, store) = open();
    let mut first = image(
        &store,
        "cfg",
        &["gzip layer"],
        &["docker.io/library/a:1"],
        T2,
    );
    let list_ref = format!("docker.io/library/a@{}", Digest::of(b"manifest list"));
    first.digests.push(list_ref.clone());
    first
        .digests
        .push(format!("docker.io/library/a@{}", first.manifest_digest));
    store.add_image(first.clone()).unwrap();
    // Same config, other manifest (say zstd layers), pulled under another name, older clock.
    let second = image(
        &store,
        "cfg",
        &["zstd layer"],
        &["quay.io/a:2", "docker.io/library/a:1"],
        T1,
    );
    store.add_image(second.clone()).unwrap();

    let images = store.images().unwrap();
    assert_eq!(images.len(), 1);
    let merged = &images[0];
    assert_eq!(merged.names, ["docker.io/library/a:1", "quay.io/a:2"]);
    // The list still resolves to this image; the replaced manifest's reference goes.
    assert_eq!(merged.digests, [list_ref]);
    assert_eq!(merged.pulled, T2);
    assert_eq!(merged.manifest_digest, second.manifest_digest);
    // The replaced manifest's blobs are unreferenced and gone; the shared config stays.
    assert!(!store.has_blob(&first.manifest_digest));
    assert!(!store.has_layer(&first.layers[0].chain_id));
    assert!(merged.blobs().all(|d| store.has_blob(d)));
}

#[test]
fn tag_and_untag() {
    let (_dir, store) = open();
    let a = image(&store, "a", &[], &["docker.io/library/a:latest"], T1);
    let b = image(&store, "b", &[], &["docker.io/library/b:latest"], T1);
    store.add_image(a.clone()).unwrap();
    store.add_image(b.clone()).unwrap();

    store.tag(&a.id, "docker.io/library/b:latest").unwrap();
    store.tag(&a.id, "docker.io/library/b:latest").unwrap();
    assert_eq!(
        names_of(&store, &a.id),
        ["docker.io/library/a:latest", "docker.io/library/b:latest"]
    );
    assert!(names_of(&store, &b.id).is_empty());

    assert!(store.untag("docker.io/library/a:latest").unwrap());
    assert!(!store.untag("docker.io/library/a:latest").unwrap());
    assert_eq!(found_id(&store, "a"), None);

    let err = store
        .tag("0123", "docker.io/library/c:latest")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no image with id 0123"), "{err}");
    assert!(
        store.tag(&a.id, "c:latest").is_err(),
        "only full names are stored"
    );
}
