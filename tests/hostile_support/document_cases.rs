//! Images whose documents lie: a layer whose digest or diff_id is false, a manifest or config of
//! absurd size (declared or actual), an index pointing to an index or answered by itself.

use serde_json::json;

use crate::hostile_support::image::{Codec, Image, Layer, OCI_INDEX, OCI_MANIFEST, good_image};
use crate::hostile_support::tar::Tar;
use crate::hostile_support::{FakeRegistry, assert_refused};
use crate::http_front::{Reply, Request, Response};

const AREA: &str = "hostile image";

fn small_layer(text: &str) -> Layer {
    Layer::new(&Tar::new().file("f", text.as_bytes()).finish(), Codec::Gzip)
}

#[test]
fn layer_whose_digest_lies_is_refused() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    let honest = small_layer("honest");
    let digest = crate::hostile_support::image::sha256(&honest.blob);
    let reference = fake.add("hostile/digest-lies", &Image::new(vec![honest]));
    // Other content, same size: only the digest check can tell.
    let other = small_layer("hostil");
    assert_eq!(other.blob.len(), fake_blob_len(&fake, &digest));
    fake.content.lock().unwrap().set_blob(&digest, other.blob);
    assert_refused(
        &fake,
        &sb,
        (AREA, "layer whose digest lies (same size, other bytes)"),
        &reference,
        &[],
        &[&digest, "content hashes to", "refusing it"],
    );
}

fn fake_blob_len(fake: &FakeRegistry, digest: &str) -> usize {
    let request = Request::get(&format!("/v2/x/blobs/{digest}"));
    match fake.content.lock().unwrap().answer(&request) {
        Reply::Respond(Response { body, .. }) => body.len(),
        _ => 0,
    }
}

#[test]
fn layer_whose_diff_id_lies_is_refused() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    let mut layer = small_layer("diff");
    let claimed = crate::hostile_support::image::sha256(b"something else");
    layer.diff_id = claimed.clone();
    let reference = fake.add("hostile/diff-id-lies", &Image::new(vec![layer]));
    assert_refused(
        &fake,
        &sb,
        (AREA, "layer whose diff_id lies"),
        &reference,
        &[],
        &[&claimed, "the image config says"],
    );
}

#[test]
fn config_of_absurd_size_is_refused() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    let mut declared = good_image("declared");
    let (config, _) = declared.bytes();
    declared.manifest["config"]["digest"] = json!(crate::hostile_support::image::sha256(&config));
    declared.manifest["config"]["size"] = json!(1u64 << 40);
    let reference = fake.add("hostile/config-declared", &declared);
    assert_refused(
        &fake,
        &sb,
        (AREA, "config declared 1 TiB in the manifest"),
        &reference,
        &[],
        &["image config is 1099511627776 bytes", "limit"],
    );

    // Declared small, served big: the download stops past the declared size.
    let mut actual = good_image("actual");
    actual.config["padding"] = json!("x".repeat(8 << 20));
    let (config, _) = actual.bytes();
    actual.manifest["config"]["digest"] = json!(crate::hostile_support::image::sha256(&config));
    actual.manifest["config"]["size"] = json!(1000);
    let reference = fake.add("hostile/config-actual", &actual);
    assert_refused(
        &fake,
        &sb,
        (AREA, "config of 8 MiB declared as 1000 bytes"),
        &reference,
        &[],
        &["more than the 1000 bytes the manifest declares"],
    );
}

#[test]
fn manifest_of_absurd_size_is_refused() {
    let fake = FakeRegistry::start(|request, _| {
        let path = request.path();
        if path.ends_with("/huge-declared/manifests/latest") {
            return Some(Reply::ok(OCI_MANIFEST, "{}").with("Content-Length", "10000000000"));
        }
        if path.ends_with("/huge-actual/manifests/latest") {
            return Some(Reply::Endless {
                content_type: OCI_MANIFEST.into(),
                total: 256 << 20,
            });
        }
        None
    });
    let sb = fake.sandbox();
    assert_refused(
        &fake,
        &sb,
        (AREA, "manifest answer declaring 10 GB (Content-Length)"),
        &fake.reference("hostile/huge-declared"),
        &[],
        &["declares 10000000000 bytes", "limit for manifests"],
    );
    assert_refused(
        &fake,
        &sb,
        (AREA, "manifest answer of 256 MiB without Content-Length"),
        &fake.reference("hostile/huge-actual"),
        &[],
        &["larger than the 4194304-byte limit for manifests"],
    );

    // An index declaring a huge child manifest: refused before asking for it.
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{
        "mediaType": OCI_MANIFEST, "size": 1u64 << 40,
        "digest": crate::hostile_support::image::sha256(b"never fetched"),
        "platform": {"os": "linux", "architecture": crate::common::env().fixtures["native_arch"]},
    }]});
    fake.content.lock().unwrap().add_manifest(
        "hostile/child-declared",
        "latest",
        OCI_INDEX,
        serde_json::to_vec(&index).unwrap(),
    );
    assert_refused(
        &fake,
        &sb,
        (AREA, "index declaring a 1 TiB manifest"),
        &fake.reference("hostile/child-declared"),
        &[],
        &["1099511627776-byte manifest", "limit"],
    );
}

/// An index cannot contain its own digest, but a registry can answer for the child with the
/// index itself, and an index can point to another index, recursively.
#[test]
fn index_pointing_to_itself_or_to_an_index_is_refused() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    let arch = crate::common::env().fixtures["native_arch"].clone();
    let index_of = |digest: &str| {
        serde_json::to_vec(
            &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{
                "mediaType": OCI_INDEX, "size": 300, "digest": digest,
                "platform": {"os": "linux", "architecture": arch},
            }]}),
        )
        .unwrap()
    };
    let mut content = fake.content.lock().unwrap();
    let inner = content.add_manifest(
        "hostile/nested",
        "inner",
        OCI_INDEX,
        index_of(&crate::hostile_support::image::sha256(b"bottom")),
    );
    content.add_manifest("hostile/nested", "latest", OCI_INDEX, index_of(&inner));
    // The top index's child digest, answered with the top index itself.
    let child = crate::hostile_support::image::sha256(b"child");
    let top = index_of(&child);
    content.add_manifest("hostile/self", "latest", OCI_INDEX, top.clone());
    content.add_manifest("hostile/self", &child, OCI_INDEX, top);
    drop(content);
    assert_refused(
        &fake,
        &sb,
        (AREA, "index pointing to another index"),
        &fake.reference("hostile/nested"),
        &[],
        &["points to another list"],
    );
    assert_refused(
        &fake,
        &sb,
        (AREA, "index whose child is answered with the index itself"),
        &fake.reference("hostile/self"),
        &[],
        &[&child, "refusing it"],
    );
}
