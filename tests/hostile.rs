//! Hostile images and registries, pulled as the test user. Here: layers pushed to the real
//! registry whose paths try to leave the layer's own directory (`..`, absolute paths, symlinks,
//! hardlinks), each checked against a canary on the host where an escape would land. In the
//! case modules: lying documents, tar and decompression bombs, odd names (served by a fake
//! registry), and hostile HTTP answers. Every case is recorded for SECURITY.md.

mod common;
mod hostile_support;
#[path = "pull_support/http_front/mod.rs"]
mod http_front;
mod pull_support;

#[path = "hostile_support/answer_cases.rs"]
mod answer_cases;
#[path = "hostile_support/document_cases.rs"]
mod document_cases;
#[path = "hostile_support/layer_cases.rs"]
mod layer_cases;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use serde_json::json;
use sha2::{Digest as _, Sha256};

use common::{Sandbox, env};
use hostile_support::tar::Tar;
use pull_support::assert_engine_error;

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// Pushes a one-layer image made of `layer` (uncompressed) to the plain registry.
fn push_layer(repository: &str, layer: Tar) -> String {
    let layout = tempfile::tempdir().unwrap();
    let blobs = layout.path().join("blobs/sha256");
    fs::create_dir_all(&blobs).unwrap();
    let put = |data: &[u8]| {
        let digest = sha256(data);
        fs::write(blobs.join(digest.trim_start_matches("sha256:")), data).unwrap();
        (digest, data.len())
    };
    let tar = layer.finish();
    let (layer, layer_size) = put(&tar);
    let config = json!({
        "architecture": env().fixtures["native_arch"], "os": "linux",
        "config": {"Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": [layer]},
    })
    .to_string();
    let (config_digest, config_size) = put(config.as_bytes());
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": layer_size}],
    })
    .to_string();
    let (manifest_digest, manifest_size) = put(manifest.as_bytes());
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": manifest_size,
        "annotations": {"org.opencontainers.image.ref.name": "latest"},
    }]});
    fs::write(layout.path().join("index.json"), index.to_string()).unwrap();
    fs::write(
        layout.path().join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    let reference = format!("{}/{repository}:latest", env().registry);
    let out = Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            "--preserve-digests",
        ])
        .arg(format!("oci:{}:latest", layout.path().display()))
        .arg(format!("docker://{reference}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "skopeo push of {reference}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    reference
}

/// A directory of the test user's, where escapes would land, with one file in it.
fn canary(sb: &Sandbox, name: &str) -> std::path::PathBuf {
    let dir = sb.home().join(name);
    sb.write_file(&format!("{name}/keep"), "canary\n");
    dir
}

#[track_caller]
fn assert_canary_intact(dir: &Path) {
    let names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["keep"],
        "something was written into {}",
        dir.display()
    );
    assert_eq!(fs::read_to_string(dir.join("keep")).unwrap(), "canary\n");
}

#[track_caller]
fn assert_no_layers(sb: &Sandbox) {
    let layers = sb.data_dir().join("engine/layers");
    let left: Vec<_> = fs::read_dir(&layers)
        .map(|r| r.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "a refused layer was kept: {left:?}");
    assert_eq!(sb.engine(&["images", "-q"]).ok().stdout, "");
}

#[test]
fn dot_dot_paths_are_refused() {
    let sb = Sandbox::new();
    let dir = canary(&sb, "canary-dotdot");
    // Layers are unpacked into <home>/.local/share/engine/tmp/<pid>-<n>/layer-<k>/diff: seven
    // `..` from there name the canary in the home.
    let escape = format!("{}canary-dotdot/pwned", "../".repeat(7));
    let reference = push_layer("engine-hostile/dotdot", Tar::new().file(&escape, b"x"));
    let out = sb.engine(&["pull", "-q", &reference]);
    let line = assert_engine_error(&out, &[".."]);
    assert_canary_intact(&dir);
    assert_no_layers(&sb);
    refused("entry whose path climbs out with ../", &line);
}

/// Records a refused case for SECURITY.md.
fn refused(case: &str, line: &str) {
    common::report::record(
        "hostile",
        "hostile image",
        case,
        &format!("refused, exit 125: {line}"),
    );
}

#[test]
fn absolute_paths_and_symlinks_stay_inside_the_layer() {
    let sb = Sandbox::new();
    let dir = canary(&sb, "canary-links");
    let target = dir.display().to_string();
    let absolute = format!("{target}/absolute");
    let through_link = "evil/through-symlink";
    let reference = push_layer(
        "engine-hostile/links",
        Tar::new()
            .file(&absolute, b"absolute")
            .symlink("evil", &target)
            .file(through_link, b"via symlink")
            .symlink("a", "b")
            .symlink("b", "../../../../../../../../../..")
            .dir("a/contained"),
    );
    sb.engine(&["pull", "-q", &reference]).ok();
    assert_canary_intact(&dir);
    // Everything landed in the layer, at the path the link names inside it.
    let layers = sb.data_dir().join("engine/layers");
    let layer = fs::read_dir(&layers)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("diff");
    let inside = |p: &str| layer.join(p.trim_start_matches('/'));
    assert_eq!(
        sb.engine(&["unshare", "cat", inside(&absolute).to_str().unwrap()])
            .ok()
            .stdout,
        "absolute"
    );
    assert_eq!(
        sb.engine(&[
            "unshare",
            "cat",
            inside(&format!("{target}/through-symlink"))
                .to_str()
                .unwrap()
        ])
        .ok()
        .stdout,
        "via symlink"
    );
    assert!(
        layer.join("contained").is_dir(),
        "a/.. chain resolves to the layer's root"
    );
    common::report::record(
        "hostile",
        "hostile image",
        "absolute paths, writes through a symlink to a host dir, a symlink chain climbing out",
        "contained: everything landed inside the layer, host canary untouched",
    );
}

/// A symlink to a host directory the layer does not have: writing through it is refused (the
/// target would have to be created outside the layer's own tree first).
#[test]
fn writes_through_dangling_symlinks_are_refused() {
    let sb = Sandbox::new();
    let dir = canary(&sb, "canary-dangling");
    let target = format!("{}/sub", dir.display());
    let reference = push_layer(
        "engine-hostile/dangling",
        Tar::new().symlink("c", &target).file("c/file", b"x"),
    );
    let out = sb.engine(&["pull", "-q", &reference]);
    let line = assert_engine_error(&out, &["c/file"]);
    assert_canary_intact(&dir);
    assert_no_layers(&sb);
    refused("write through a dangling symlink to a host dir", &line);
}

#[test]
fn hardlinks_to_host_files_are_refused() {
    let sb = Sandbox::new();
    let links_before = fs::metadata("/etc/passwd").unwrap().nlink();
    let reference = push_layer(
        "engine-hostile/hardlink",
        Tar::new().hardlink("passwd-copy", "/etc/passwd"),
    );
    let out = sb.engine(&["pull", "-q", &reference]);
    let line = assert_engine_error(&out, &["passwd-copy"]);
    assert_eq!(
        fs::metadata("/etc/passwd").unwrap().nlink(),
        links_before,
        "/etc/passwd gained a link"
    );
    assert_no_layers(&sb);
    refused("hardlink to a host file (/etc/passwd)", &line);
}

/// The tar crate reads a pax record whole, whatever size its header declares; the unpack child's
/// heap is capped so such a layer ends in a failed allocation, not in the host running out of
/// memory. Fed straight to the child (as the engine feeds it): a pax header declaring 3 GiB,
/// then zeros.
#[test]
fn an_endless_pax_record_stops_at_the_unpackers_memory_cap() {
    let sb = Sandbox::new();
    let mut header = tar::Header::new_ustar();
    header.set_path("PaxHeaders/x").unwrap();
    header.set_entry_type(tar::EntryType::XHeader);
    header.set_size(3 << 30);
    header.set_mode(0o644);
    header.set_cksum();
    sb.write_file("pax-header", header.as_bytes());
    fs::create_dir(sb.home().join("layer")).unwrap();
    Command::new("chown")
        .arg(format!("{}:{}", env().uid, env().gid))
        .arg(sb.home().join("layer"))
        .status()
        .unwrap();
    let engine = env().bin.display().to_string();
    let out = sb.sh_as_user(&format!(
        "cat pax-header /dev/zero | head -c $((512 + (3 << 30))) | \
         {engine} __unpack-layer --ignore-chown-errors --xattr-prefix user.overlay. layer"
    ));
    assert!(
        out.code != 0 && out.stderr.contains("out of memory"),
        "the unpacker should have failed to allocate: exit {}, stderr {}",
        out.code,
        out.stderr
    );
    common::report::record(
        "hostile",
        "hostile image",
        "a pax record declaring 3 GiB (the tar crate reads it whole)",
        "contained: the unpack child's 2 GiB heap cap fails the allocation; the pull fails with one line",
    );
}
