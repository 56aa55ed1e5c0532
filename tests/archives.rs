//! `save` and `load` in every format (stdin/stdout too), multi-image archives, bad archives,
//! and archives moving between engine and podman, as the unprivileged test user.

mod common;
mod pull_support;
mod transport_support;

use common::{Sandbox, env, fixture_str};
use pull_support::assert_engine_error;
use transport_support::{home_path, native_busybox, podman, pull_plain, skopeo};

/// Saves the pulled busybox in `format` to `path` (relative to the home).
fn save_busybox(sb: &Sandbox, format: &str, path: &str) -> String {
    let (source, _, _) = native_busybox();
    pull_plain(sb, source);
    let out = sb.home().join(path).display().to_string();
    sb.engine(&["save", "--format", format, "-o", &out, source])
        .ok();
    out
}

#[test]
fn save_and_load_round_trip_in_every_format_keeping_the_image_id() {
    let (source, id, _) = native_busybox();
    for (format, path) in [
        ("docker-archive", "bb.tar"),
        ("oci-archive", "bb-oci.tar"),
        ("oci-dir", "bb-layout"),
    ] {
        let sb = Sandbox::new();
        let saved = save_busybox(&sb, format, path);
        let other = Sandbox::new();
        let loaded = other.engine(&["load", "-i", &saved]);
        loaded.ok();
        assert_eq!(
            loaded.line(),
            format!("Loaded image: {source}"),
            "{format}\n{loaded}"
        );
        let inspected = other.engine(&["image", "inspect", "--format", "{{.Id}}", source]);
        assert_eq!(
            inspected.ok().line(),
            id,
            "{format}: the image ID survives save and load"
        );
        other
            .engine(&["run", "--rm", source, "echo", format])
            .ok()
            .stdout_has(format);
    }
}

#[test]
fn save_streams_to_stdout_and_load_reads_stdin() {
    let sb = Sandbox::new();
    let (source, id, _) = native_busybox();
    pull_plain(&sb, source);
    let bin = env().bin.display().to_string();
    sb.sh_as_user(&format!("{bin} save {source} > piped.tar"))
        .ok();
    let other = Sandbox::new();
    let archive = sb.home().join("piped.tar").display().to_string();
    let out = other.sh_as_user(&format!("cat {archive} | {bin} load"));
    out.ok().stdout_has(&format!("Loaded image: {source}"));
    let inspected = other.engine(&["image", "inspect", "--format", "{{.Id}}", source]);
    assert_eq!(inspected.ok().line(), id);
}

#[test]
fn bad_archives_are_refused_with_one_line() {
    let sb = Sandbox::new();
    let truncated =
        transport_support::tar_archive(&sb, "truncated.tar", &[("manifest.json", &[b' '; 5000])]);
    let len = std::fs::metadata(&truncated).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&truncated)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    assert_engine_error(&sb.engine(&["load", "-i", &truncated]), &["truncated"]);

    let escaping = transport_support::tar_archive(
        &sb,
        "escaping.tar",
        &[("../../evil", b"x"), ("manifest.json", b"[]")],
    );
    assert_engine_error(
        &sb.engine(&["load", "-i", &escaping]),
        &["outside the archive"],
    );

    let wrong =
        transport_support::tar_archive(&sb, "wrong.tar", &[("manifest.json", br#"{"Config": 1}"#)]);
    assert_engine_error(
        &sb.engine(&["load", "-i", &wrong]),
        &["manifest.json", "malformed"],
    );

    let missing = transport_support::tar_archive(
        &sb,
        "missing.tar",
        &[(
            "manifest.json",
            br#"[{"Config":"c.json","RepoTags":["x:1"],"Layers":["../l.tar"]}]"#,
        )],
    );
    assert_engine_error(&sb.engine(&["load", "-i", &missing]), &["c.json"]);

    let neither = transport_support::tar_archive(&sb, "neither.tar", &[("hello.txt", b"hi")]);
    assert_engine_error(
        &sb.engine(&["load", "-i", &neither]),
        &["manifest.json", "index.json"],
    );
    let images = sb.engine(&["images", "-q"]);
    assert_eq!(images.ok().stdout, "", "a refused archive stores no image");
}

/// podman is optional: these run only where it is installed.
#[test]
fn archives_move_between_engine_and_podman() {
    let Some(podman) = podman() else {
        eprintln!("podman is not installed: skipping");
        return;
    };
    let (source, id, _) = native_busybox();
    let sb = Sandbox::new();
    sb.user_cmd(podman, &["pull", "-q", "--tls-verify=false", source])
        .run()
        .ok();
    let from_podman = sb.home().join("podman.tar").display().to_string();
    sb.user_cmd(podman, &["save", "-o", &from_podman, source])
        .run()
        .ok();
    sb.engine(&["load", "-i", &from_podman])
        .ok()
        .stdout_has("Loaded image:");
    let inspected = sb.engine(&["image", "inspect", "--format", "{{.Id}}", source]);
    assert_eq!(
        inspected.ok().line(),
        id,
        "a podman archive loads with its image ID"
    );

    let other = Sandbox::new();
    let from_engine = save_busybox(&other, "docker-archive", "engine.tar");
    other
        .user_cmd(podman, &["load", "-i", &from_engine])
        .run()
        .ok();
    let podman_id = other
        .user_cmd(podman, &["image", "inspect", "--format", "{{.Id}}", source])
        .run();
    assert_eq!(
        podman_id.ok().line(),
        id,
        "podman loads an engine archive with the same image ID"
    );
}

#[test]
fn save_m_writes_several_images_and_without_m_extra_names_are_tags() {
    let sb = Sandbox::new();
    let (busybox, busybox_id, _) = native_busybox();
    let other = fixture_str("other:latest", "reference");
    pull_plain(&sb, busybox);
    pull_plain(&sb, other);
    let multi = home_path(&sb, "multi.tar");
    sb.engine(&["save", "-m", "-o", &multi, busybox, other])
        .ok();
    let loader = Sandbox::new();
    let loaded = loader.engine(&["load", "-i", &multi]);
    loaded.ok().stdout_has(&format!("Loaded image: {busybox}"));
    loaded.stdout_has(&format!("Loaded image: {other}"));
    for (name, fixture_name) in [(busybox, "busybox:latest"), (other, "other:latest")] {
        let id = loader.engine(&["image", "inspect", "--format", "{{.Id}}", name]);
        let want = fixture_str(fixture_name, "image_id");
        assert_eq!(
            id.ok().line(),
            want,
            "-m saves {name} as an image of its own"
        );
    }
    if let Some(podman) = podman() {
        let out = loader.user_cmd(podman, &["load", "-i", &multi]).run();
        out.ok().stdout_has(busybox);
        out.stdout_has(other);
    }

    let tagged = home_path(&sb, "tagged.tar");
    sb.engine(&["save", "-o", &tagged, busybox, "copy/extra:tag"])
        .ok();
    let tags = Sandbox::new();
    tags.engine(&["load", "-i", &tagged]).ok();
    for name in [busybox, "docker.io/copy/extra:tag"] {
        let id = tags.engine(&["image", "inspect", "--format", "{{.Id}}", name]);
        assert_eq!(
            id.ok().line(),
            busybox_id,
            "{name} names the one saved image"
        );
    }
    let refused = sb.engine(&[
        "save",
        "-m",
        "--format",
        "oci-archive",
        "-o",
        &tagged,
        busybox,
        other,
    ]);
    assert_engine_error(&refused, &["--multi-image-archive", "docker-archive"]);
}

#[test]
fn save_docker_dir_writes_a_schema2_dir_image() {
    let sb = Sandbox::new();
    let (source, id, _) = native_busybox();
    pull_plain(&sb, source);
    let dir = home_path(&sb, "docker-dir");
    sb.engine(&["save", "-q", "--format", "docker-dir", "-o", &dir, source])
        .ok();
    let raw = skopeo(&sb, &["inspect", "--raw", &format!("dir:{dir}")]);
    let manifest: serde_json::Value = serde_json::from_str(&raw.ok().stdout).unwrap();
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(manifest["config"]["digest"], format!("sha256:{id}"));
}

/// Stored layers record the XXH3-128 of their tar (checked here with the reference `xxhsum`);
/// save checks the tar it rebuilds against it, or against the diff_id for a layer an older
/// engine stored without one. A file changed in the store is refused either way.
#[test]
fn save_refuses_a_layer_whose_files_changed_on_disk() {
    let sb = Sandbox::new();
    let (source, _, _) = native_busybox();
    pull_plain(&sb, source);
    let layers = sb.data_dir().join("engine/layers");
    let layer = std::fs::read_dir(&layers)
        .expect("the store's layers")
        .flatten()
        .map(|e| e.path())
        .find(|dir| dir.join("diff/bin/busybox").is_file())
        .expect("the layer holding bin/busybox");
    let meta_path = layer.join("layer.json");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    let recorded = meta["tar_checksum"]
        .as_str()
        .expect("layer.json records tar_checksum");
    let bin = env().bin.display();
    let rebuilt = sb.sh_as_user(&format!(
        "{bin} unshare {bin} __layer-tar {diff} {split} | xxhsum -H2",
        diff = layer.join("diff").display(),
        split = layer.join("tar-split").display(),
    ));
    let hex = rebuilt
        .ok()
        .stdout
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    assert_eq!(recorded, format!("xxh3-128:{hex}"), "{rebuilt}");

    // One byte of busybox changed in place: same size, same inode.
    sb.sh_as_user(&format!(
        "{bin} unshare sh -c 'printf X | dd of={file} bs=1 seek=4096 conv=notrunc status=none'",
        file = layer.join("diff/bin/busybox").display(),
    ))
    .ok();
    let saved = sb.home().join("changed.tar").display().to_string();
    let out = sb.engine(&["save", "-o", &saved, source]);
    assert_engine_error(&out, &["changed on disk", recorded]);
    assert!(
        !std::path::Path::new(&saved).exists(),
        "no half-written archive is left"
    );
    // As an older engine stored it: no checksum, so the diff_id is what the tar must match.
    let mut older = meta.clone();
    older.as_object_mut().unwrap().remove("tar_checksum");
    std::fs::write(&meta_path, serde_json::to_vec_pretty(&older).unwrap()).unwrap();
    let out = sb.engine(&["save", "-o", &saved, source]);
    assert_engine_error(
        &out,
        &["changed on disk", meta["diff_id"].as_str().unwrap()],
    );
}
