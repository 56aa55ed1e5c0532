//! `image copy` and `image sync` across transports (registry, dir:, oci-archive:,
//! docker-archive:, the local store), compared with skopeo reading and writing the same
//! directories, as the unprivileged test user.

mod common;
mod pull_support;
mod transport_support;

use common::{Sandbox, env, fixture};
use pull_support::assert_engine_error;
use transport_support::{
    copy_repo, home_path, native_busybox, podman, remote_digest, sha256_digest, skopeo,
};

/// `image copy docker://SOURCE dir:~/NAME`; returns the directory.
fn copied_to_dir(sb: &Sandbox, source: &str, name: &str) -> String {
    let dir = home_path(sb, name);
    sb.engine(&[
        "image",
        "copy",
        "-q",
        &format!("docker://{source}"),
        &format!("dir:{dir}"),
    ])
    .ok();
    dir
}

#[test]
fn copy_registry_to_dir_and_back_keeps_the_digest_and_skopeo_reads_it() {
    let sb = Sandbox::new();
    let (source, _, digest) = native_busybox();
    let dir = copied_to_dir(&sb, source, "bb-dir");
    let version = std::fs::read_to_string(format!("{dir}/version")).unwrap();
    assert_eq!(version, "Directory Transport Version: 1.1\n");
    let seen = skopeo(
        &sb,
        &["inspect", "--format", "{{.Digest}}", &format!("dir:{dir}")],
    );
    assert_eq!(
        seen.ok().line(),
        digest,
        "skopeo reads the engine's dir: image"
    );
    let target = format!("{}:v1", copy_repo("dir"));
    sb.engine(&[
        "image",
        "copy",
        "-q",
        &format!("dir:{dir}"),
        &format!("docker://{target}"),
    ])
    .ok();
    assert_eq!(remote_digest(&sb, &format!("docker://{target}")), digest);
}

#[test]
fn copy_through_an_oci_archive_keeps_the_digest() {
    let sb = Sandbox::new();
    let (source, _, digest) = native_busybox();
    let archive = format!("oci-archive:{}:v1", home_path(&sb, "bb-oci.tar"));
    let digestfile = home_path(&sb, "digest");
    sb.engine(&[
        "image",
        "copy",
        "-q",
        "--digestfile",
        &digestfile,
        &format!("docker://{source}"),
        &archive,
    ])
    .ok();
    assert_eq!(std::fs::read_to_string(&digestfile).unwrap(), digest);
    let target = format!("{}:v1", copy_repo("oci-archive"));
    sb.engine(&[
        "image",
        "copy",
        "-q",
        &archive,
        &format!("docker://{target}"),
    ])
    .ok();
    assert_eq!(remote_digest(&sb, &format!("docker://{target}")), digest);
}

#[test]
fn copy_registry_to_docker_archive_then_into_the_store_and_run() {
    let sb = Sandbox::new();
    let (source, id, _) = native_busybox();
    let archive = format!("docker-archive:{}:copy/bb:v1", home_path(&sb, "bb.tar"));
    sb.engine(&[
        "image",
        "copy",
        "-q",
        &format!("docker://{source}"),
        &archive,
    ])
    .ok();
    // Layers go in uncompressed, named by their diff_id, as skopeo and docker write them.
    let file = std::fs::File::open(home_path(&sb, "bb.tar")).unwrap();
    let members: Vec<String> = tar::Archive::new(file)
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    for diff_id in fixture("busybox:latest")["diff_ids"].as_array().unwrap() {
        let member = format!(
            "{}.tar",
            diff_id.as_str().unwrap().trim_start_matches("sha256:")
        );
        assert!(
            members.contains(&member),
            "{member} missing from {members:?}"
        );
    }
    sb.engine(&["image", "copy", "-q", &archive, "local:whatever"])
        .ok();
    let name = "docker.io/copy/bb:v1";
    let inspected = sb.engine(&["image", "inspect", "--format", "{{.Id}}", name]);
    assert_eq!(
        inspected.ok().line(),
        id,
        "the image ID survives the docker-archive"
    );
    sb.engine(&["run", "--rm", name, "echo", "from-docker-archive"])
        .ok()
        .stdout_has("from-docker-archive");
}

#[test]
fn dir_images_move_between_skopeo_and_the_local_store() {
    let sb = Sandbox::new();
    let (source, id, digest) = native_busybox();
    let written = home_path(&sb, "skopeo-dir");
    skopeo(
        &sb,
        &[
            "copy",
            "-q",
            "--src-tls-verify=false",
            &format!("docker://{source}"),
            &format!("dir:{written}"),
        ],
    )
    .ok();
    sb.engine(&[
        "image",
        "copy",
        "-q",
        &format!("dir:{written}"),
        "local:copy/fromdir:v1",
    ])
    .ok();
    let name = "docker.io/copy/fromdir:v1";
    let inspected = sb.engine(&["image", "inspect", "--format", "{{.Id}} {{.Digest}}", name]);
    assert_eq!(
        inspected.ok().line(),
        format!("{id} {digest}"),
        "ID and manifest digest kept"
    );
    sb.engine(&["run", "--rm", name, "echo", "from-dir"])
        .ok()
        .stdout_has("from-dir");

    let out = home_path(&sb, "engine-dir");
    sb.engine(&[
        "image",
        "copy",
        "-q",
        &format!("local:{name}"),
        &format!("dir:{out}"),
    ])
    .ok();
    let raw = skopeo(&sb, &["inspect", "--raw", &format!("dir:{out}")]);
    let manifest: serde_json::Value = serde_json::from_str(&raw.ok().stdout).unwrap();
    assert_eq!(manifest["config"]["digest"], format!("sha256:{id}"));
    let layers = skopeo(
        &sb,
        &[
            "inspect",
            "--format",
            "{{len .Layers}}",
            &format!("dir:{out}"),
        ],
    );
    let diff_ids = fixture("busybox:latest")["diff_ids"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        layers.ok().line(),
        diff_ids.to_string(),
        "skopeo reads every layer"
    );
}

#[test]
fn sync_to_a_directory_matches_skopeo_and_syncs_back_to_a_registry() {
    let sb = Sandbox::new();
    let source = format!("{}/engine-test/busybox", env().registry);
    let ours = home_path(&sb, "sync-engine");
    let theirs = home_path(&sb, "sync-skopeo");
    sb.engine(&[
        "image", "sync", "-q", "--src", "docker", "--dest", "dir", &source, &ours,
    ])
    .ok();
    skopeo(
        &sb,
        &[
            "sync",
            "--src",
            "docker",
            "--dest",
            "dir",
            "--src-tls-verify=false",
            &source,
            &theirs,
        ],
    )
    .ok();
    let listing = |root: &str| {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for image in std::fs::read_dir(root).unwrap() {
            let image = image.unwrap().path();
            for file in std::fs::read_dir(&image).unwrap() {
                let file = file.unwrap().path();
                let name = file.strip_prefix(root).unwrap().display().to_string();
                files.push((name, std::fs::read(&file).unwrap()));
            }
        }
        files.sort();
        files
    };
    let (a, b) = (listing(&ours), listing(&theirs));
    assert!(!a.is_empty());
    assert_eq!(
        a.iter().map(|f| &f.0).collect::<Vec<_>>(),
        b.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(a == b, "the engine's sync writes the bytes skopeo's does");

    let namespace = format!("{}/copy-{}-sync", env().registry, std::process::id());
    sb.engine(&[
        "image", "sync", "-q", "--src", "dir", "--dest", "docker", &ours, &namespace,
    ])
    .ok();
    let tags = |reference: &str| {
        let out = sb.engine(&[
            "image",
            "inspect",
            "--remote",
            "--format",
            "{{json .RepoTags}}",
            reference,
        ]);
        let mut tags: Vec<String> = serde_json::from_str(out.ok().line()).unwrap();
        tags.sort();
        tags
    };
    assert_eq!(
        tags(&format!("docker://{namespace}/busybox")),
        tags(&format!("docker://{source}"))
    );
}

#[test]
fn a_damaged_dir_blob_is_refused_and_nothing_is_written() {
    let sb = Sandbox::new();
    let (source, _, _) = native_busybox();
    let dir = copied_to_dir(&sb, source, "damaged");
    let layer = fixture("busybox:latest")["layers"][0].as_str().unwrap();
    let blob = format!("{dir}/{}", layer.trim_start_matches("sha256:"));
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[1000] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    for (to, left) in [
        (format!("dir:{}", home_path(&sb, "out-dir")), "out-dir"),
        (
            format!("docker-archive:{}", home_path(&sb, "out.tar")),
            "out.tar",
        ),
        (format!("oci:{}", home_path(&sb, "out-oci")), "out-oci"),
    ] {
        let out = sb.engine(&["image", "copy", "-q", &format!("dir:{dir}"), &to]);
        assert_engine_error(&out, &[layer, &format!("dir:{dir}")]);
        let names: Vec<String> = std::fs::read_dir(sb.home())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.contains("out"))
            .collect();
        assert!(names.is_empty(), "copying to {to} left {names:?} ({left})");
    }
}

/// The gzip layers `push` writes (one gzip member per MiB) decompress with the readers other
/// tools use: containers/image's in skopeo, and podman's pull where podman is installed.
#[test]
fn pushed_gzip_layers_decompress_with_skopeo_and_podman() {
    let sb = Sandbox::new();
    // An imported layer has no pulled blob to send again: the push gzips it, 3 MB in 3 members.
    let text: Vec<u8> = (0..3_000_000u32)
        .map(|i| b"lorem ipsum dolor sit amet "[(i % 27) as usize] ^ ((i / 4099) % 2) as u8)
        .collect();
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(1_700_000_000);
    builder
        .append_data(&mut header, "data.txt", &text[..])
        .unwrap();
    let tarball = sb.write_file("layer.tar", builder.into_inner().unwrap());
    let tarball = tarball.display().to_string();
    let diff_id = sha256_digest(&std::fs::read(&tarball).unwrap());
    sb.engine(&["import", "-q", &tarball, "imported:v1"]).ok();
    let target = format!("{}:v1", copy_repo("gzipped"));
    sb.engine(&["push", "-q", "imported:v1", &target]).ok();

    let out = home_path(&sb, "decompressed");
    skopeo(
        &sb,
        &[
            "copy",
            "-q",
            "--src-tls-verify=false",
            "--dest-decompress",
            &format!("docker://{target}"),
            &format!("dir:{out}"),
        ],
    )
    .ok();
    let hex = diff_id.trim_start_matches("sha256:");
    let layer = std::fs::read(std::path::Path::new(&out).join(hex))
        .expect("skopeo's decompressed layer is named by the diff_id");
    assert!(layer == std::fs::read(&tarball).unwrap());

    if let Some(podman) = podman() {
        let id = sb.engine(&["image", "inspect", "--format", "{{.Id}}", "imported:v1"]);
        let id = id.ok().line().to_string();
        sb.user_cmd(podman, &["pull", "-q", "--tls-verify=false", &target])
            .run()
            .ok();
        let podman_id = sb
            .user_cmd(
                podman,
                &["image", "inspect", "--format", "{{.Id}}", &target],
            )
            .run();
        assert_eq!(podman_id.ok().line(), id, "podman pulls the pushed image");
    }
}
