//! The generic copy between file transports, on real files: bytes and digests kept, layers
//! decompressed for docker-archives, lying sources refused with nothing left behind.

use std::io::Write;
use std::path::Path;

use serde_json::json;

use super::copy_image;
use crate::image::transport::TransportRef;
use crate::image::transport::archive_index::ArchiveIndex;
use crate::image::transport::copy::CopyOptions;
use crate::image::transport::destination::Destination;
use crate::image::transport::dir_files::DIR_VERSION;
use crate::image::transport::progress::Progress;
use crate::image::transport::source::Source;
use crate::util::digest::Digest;

struct DirImage {
    manifest: Digest,
    layer: Digest,
    diff_id: Digest,
    tar: Vec<u8>,
}

fn layer_tar() -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let data = b"hello from a layer\n";
    let mut header = tar::Header::new_ustar();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_path("hello").unwrap();
    header.set_cksum();
    builder.append(&header, &data[..]).unwrap();
    builder.into_inner().unwrap()
}

fn gzipped(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A dir: image as skopeo writes it: one gzip layer, an OCI manifest.
fn write_dir_image(root: &Path) -> DirImage {
    std::fs::create_dir_all(root).unwrap();
    let tar = layer_tar();
    let layer = gzipped(&tar);
    let diff_id = Digest::of(&tar);
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": { "type": "layers", "diff_ids": [diff_id.as_str()] },
    }))
    .unwrap();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json",
                    "size": config.len(), "digest": Digest::of(&config).as_str() },
        "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                     "size": layer.len(), "digest": Digest::of(&layer).as_str() }],
    }))
    .unwrap();
    for (name, bytes) in [
        (Digest::of(&config).hex().to_string(), &config),
        (Digest::of(&layer).hex().to_string(), &layer),
        ("manifest.json".to_string(), &manifest),
    ] {
        std::fs::write(root.join(name), bytes).unwrap();
    }
    std::fs::write(root.join("version"), DIR_VERSION).unwrap();
    DirImage {
        manifest: Digest::of(&manifest),
        layer: Digest::of(&layer),
        diff_id,
        tar,
    }
}

async fn copy_files(from: &str, to: &str) -> anyhow::Result<Digest> {
    let opts = CopyOptions::without_registries(true);
    let source = Source::open_file(&TransportRef::parse(from)?)?;
    let destination = Destination::open_file(&TransportRef::parse(to)?, None)?;
    copy_image(&source, destination, &opts, &Progress::new(false, true)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn dir_to_dir_keeps_every_byte_and_the_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dst) = (tmp.path().join("src"), tmp.path().join("dst"));
    let image = write_dir_image(&src);
    let digest = copy_files(
        &format!("dir:{}", src.display()),
        &format!("dir:{}", dst.display()),
    )
    .await
    .unwrap();
    assert_eq!(digest, image.manifest);
    let mut names: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    for name in &names {
        assert_eq!(
            std::fs::read(src.join(name)).unwrap(),
            std::fs::read(dst.join(name)).unwrap(),
            "{name}"
        );
    }
    assert_eq!(std::fs::read_dir(&dst).unwrap().count(), names.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn oci_archives_carry_the_manifest_unchanged_both_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let image = write_dir_image(&src);
    let archive = format!("oci-archive:{}:v1", tmp.path().join("a.tar").display());
    let digest = copy_files(&format!("dir:{}", src.display()), &archive)
        .await
        .unwrap();
    assert_eq!(digest, image.manifest);
    let back = tmp.path().join("back");
    let digest = copy_files(&archive, &format!("dir:{}", back.display()))
        .await
        .unwrap();
    assert_eq!(digest, image.manifest);
    assert!(back.join(image.layer.hex()).is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn docker_archives_get_layers_uncompressed_named_by_diff_id() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let image = write_dir_image(&src);
    let path = tmp.path().join("d.tar");
    copy_files(
        &format!("dir:{}", src.display()),
        &format!("docker-archive:{}:app:v1", path.display()),
    )
    .await
    .unwrap();
    let archive = ArchiveIndex::open(&path).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&archive.read_member("manifest.json").unwrap()).unwrap();
    let layer = format!("{}.tar", image.diff_id.hex());
    assert_eq!(manifest[0]["Layers"], json!([layer]));
    assert_eq!(manifest[0]["RepoTags"], json!(["app:v1"]));
    assert_eq!(archive.read_member(&layer).unwrap(), image.tar);
}

#[tokio::test(flavor = "multi_thread")]
async fn gzipped_docker_archive_members_leave_as_the_tars_their_diff_ids_name() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = layer_tar();
    let diff_id = Digest::of(&tar);
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": { "type": "layers", "diff_ids": [diff_id.as_str()] },
    }))
    .unwrap();
    let manifest = serde_json::to_vec(&json!([
        { "Config": "config.json", "RepoTags": ["app:v1"], "Layers": ["layer.tar.gz"] }
    ]))
    .unwrap();
    let mut archive = tar::Builder::new(Vec::new());
    for (name, bytes) in [
        ("config.json", config),
        ("layer.tar.gz", gzipped(&tar)),
        ("manifest.json", manifest),
    ] {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        archive.append_data(&mut header, name, &bytes[..]).unwrap();
    }
    let path = tmp.path().join("d.tar");
    std::fs::write(&path, archive.into_inner().unwrap()).unwrap();
    let out = tmp.path().join("out");
    copy_files(
        &format!("docker-archive:{}", path.display()),
        &format!("dir:{}", out.display()),
    )
    .await
    .unwrap();
    assert!(std::fs::read(out.join(diff_id.hex())).unwrap() == tar);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["layers"][0]["digest"], json!(diff_id.as_str()));
    assert_eq!(manifest["layers"][0]["size"], json!(tar.len()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_blob_is_refused_and_no_destination_is_left() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let image = write_dir_image(&src);
    let blob = src.join(image.layer.hex());
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for to in [
        format!("dir:{}", out.join("dir").display()),
        format!("oci:{}", out.join("oci").display()),
        format!("oci-archive:{}", out.join("o.tar").display()),
    ] {
        let err = copy_files(&format!("dir:{}", src.display()), &to)
            .await
            .unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains(image.layer.as_str()), "{err}");
        assert!(err.contains(&format!("dir:{}", src.display())), "{err}");
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
        assert!(left.is_empty(), "copying to {to} left {left:?}");
    }
}
