//! Hostile layers pushed to the real registry and pulled as the test user: every path in a
//! layer resolves inside the layer's own directory, whatever `..`, absolute path, symlink or
//! hardlink it uses. Each case plants a canary on the host where an escape would land and checks
//! it afterwards.

mod common;
mod pull_support;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use serde_json::json;
use sha2::{Digest as _, Sha256};

use common::{Sandbox, env};
use pull_support::assert_engine_error;

/// One tar entry, written with raw header fields so names the tar crate would refuse get through.
enum Entry<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

fn raw_name(field: &mut [u8], name: &str) {
    assert!(
        name.len() < field.len(),
        "name too long for a plain header: {name}"
    );
    field.fill(0);
    field[..name.len()].copy_from_slice(name.as_bytes());
}

fn layer_tar(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(1_704_067_200);
        header.set_uid(0);
        header.set_gid(0);
        let (name, data): (&str, &[u8]) = match entry {
            Entry::File(name, data) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(0o644);
                (name, data)
            }
            Entry::Dir(name) => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                (name, &[])
            }
            Entry::Symlink(name, target) | Entry::Hardlink(name, target) => {
                let kind = match entry {
                    Entry::Symlink(..) => tar::EntryType::Symlink,
                    _ => tar::EntryType::Link,
                };
                header.set_entry_type(kind);
                header.set_mode(0o777);
                raw_name(&mut header.as_old_mut().linkname, target);
                (name, &[])
            }
        };
        header.set_size(data.len() as u64);
        raw_name(&mut header.as_old_mut().name, name);
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// Pushes a one-layer image made of `entries` (uncompressed) to the plain registry.
fn push_layer(repository: &str, entries: &[Entry]) -> String {
    let layout = tempfile::tempdir().unwrap();
    let blobs = layout.path().join("blobs/sha256");
    fs::create_dir_all(&blobs).unwrap();
    let put = |data: &[u8]| {
        let digest = sha256(data);
        fs::write(blobs.join(digest.trim_start_matches("sha256:")), data).unwrap();
        (digest, data.len())
    };
    let tar = layer_tar(entries);
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
    let reference = push_layer("engine-hostile/dotdot", &[Entry::File(&escape, b"x")]);
    let out = sb.engine(&["pull", "-q", &reference]);
    assert_engine_error(&out, &[".."]);
    assert_canary_intact(&dir);
    assert_no_layers(&sb);
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
        &[
            Entry::File(&absolute, b"absolute"),
            Entry::Symlink("evil", &target),
            Entry::File(through_link, b"via symlink"),
            Entry::Symlink("a", "b"),
            Entry::Symlink("b", "../../../../../../../../../.."),
            Entry::Dir("a/contained"),
        ],
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
        &[Entry::Symlink("c", &target), Entry::File("c/file", b"x")],
    );
    let out = sb.engine(&["pull", "-q", &reference]);
    assert_engine_error(&out, &["c/file"]);
    assert_canary_intact(&dir);
    assert_no_layers(&sb);
}

#[test]
fn hardlinks_to_host_files_are_refused() {
    let sb = Sandbox::new();
    let links_before = fs::metadata("/etc/passwd").unwrap().nlink();
    let reference = push_layer(
        "engine-hostile/hardlink",
        &[Entry::Hardlink("passwd-copy", "/etc/passwd")],
    );
    let out = sb.engine(&["pull", "-q", &reference]);
    assert_engine_error(&out, &["passwd-copy"]);
    assert_eq!(
        fs::metadata("/etc/passwd").unwrap().nlink(),
        links_before,
        "/etc/passwd gained a link"
    );
    assert_no_layers(&sb);
}
