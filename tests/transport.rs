//! `push`, `image copy`, `image inspect --remote`, `image delete` and `image sync` against the
//! two test registries (plain, and TLS with authentication), as the unprivileged test user.
//! Every test writes to repositories of its own (`transport-<pid>-<test>/...`), so the shared
//! registry logs can be read per test.

mod common;
mod pull_support;
mod transport_support;

use std::time::{Duration, Instant};

use common::{Out, Sandbox, env, fixture, fixture_str};
use pull_support::assert_engine_error;
use transport_support::{blob_uploads, pull_plain, repo, tls_creds};

fn native_busybox() -> (&'static str, &'static str, &'static str) {
    (
        fixture_str("busybox:latest", "reference"),
        fixture_str("busybox:latest", "image_id"),
        fixture_str("busybox:latest", "manifest_digest"),
    )
}

fn inspect_remote(sb: &Sandbox, reference: &str, extra: &[&str]) -> Out {
    let creds = tls_creds();
    let mut args = vec!["image", "inspect", "--remote", "--creds", &creds];
    args.extend_from_slice(extra);
    args.push(reference);
    sb.engine(&args)
}

// --- push ---

#[test]
fn push_to_the_tls_registry_then_pull_back_and_run() {
    let sb = Sandbox::new();
    let (source, id, _) = native_busybox();
    pull_plain(&sb, source);
    let target = format!("{}/{}:v1", env().tls_registry, repo("pushed"));
    let digestfile = sb.home().join("digest");
    sb.engine(&[
        "push",
        "--creds",
        &tls_creds(),
        "--digestfile",
        &digestfile.display().to_string(),
        source,
        &target,
    ])
    .ok()
    .stderr_has("Writing manifest to image destination");
    let pushed = std::fs::read_to_string(&digestfile).expect("push writes --digestfile");
    assert!(pushed.starts_with("sha256:"), "digestfile holds {pushed:?}");

    let remote = inspect_remote(
        &sb,
        &format!("docker://{target}"),
        &["--format", "{{.Digest}}"],
    );
    assert_eq!(
        remote.ok().line(),
        pushed,
        "the digestfile names the manifest the registry holds"
    );

    let other = Sandbox::new();
    other
        .engine(&["pull", "-q", "--creds", &tls_creds(), &target])
        .ok();
    let pulled_id = other.engine(&["image", "inspect", "--format", "{{.Id}}", &target]);
    assert_eq!(
        pulled_id.ok().line(),
        id,
        "the image ID (config digest) survives push and pull"
    );
    let run = other.engine(&["run", "--rm", &target, "echo", "pushed-and-back"]);
    run.ok().stdout_has("pushed-and-back");
}

#[test]
fn push_to_the_same_registry_mounts_layers_and_keeps_the_manifest_digest() {
    let sb = Sandbox::new();
    let (source, _, manifest_digest) = native_busybox();
    pull_plain(&sb, source);
    let repository = repo("mounted");
    let target = format!("{}/{repository}:v1", env().registry);
    let digestfile = sb.home().join("digest");
    sb.engine(&[
        "push",
        "--digestfile",
        &digestfile.display().to_string(),
        source,
        &target,
    ])
    .ok();
    assert_eq!(
        std::fs::read_to_string(&digestfile).unwrap(),
        manifest_digest,
        "unchanged layers keep the manifest byte for byte"
    );
    assert_eq!(
        blob_uploads(&repository),
        0,
        "layers the registry has are mounted, not uploaded"
    );
}

#[test]
fn a_second_push_uploads_no_layer_again() {
    let sb = Sandbox::new();
    let (source, id, _) = native_busybox();
    pull_plain(&sb, source);
    let repository = repo("twice");
    let target = format!("{}/{repository}:v1", env().registry);
    // zstd forces new blobs (the pulled ones are gzip), so the first push uploads every layer.
    sb.engine(&["push", "--compression-format", "zstd", source, &target])
        .ok();
    let layers = fixture("busybox:latest")["layers"]
        .as_array()
        .unwrap()
        .len();
    let first = blob_uploads(&repository);
    assert!(
        first >= layers,
        "the first push uploads the {layers} layers (saw {first} uploads)"
    );
    sb.engine(&["push", "--compression-format", "zstd", source, &target])
        .ok()
        .stderr_has("skipped: already exists");
    assert_eq!(
        blob_uploads(&repository),
        first,
        "the second push uploads nothing"
    );

    let other = Sandbox::new();
    other.engine(&["pull", "-q", &target]).ok();
    let media = other.engine(&["image", "inspect", "--format", "{{.Id}}", &target]);
    assert_eq!(media.ok().line(), id);
}

#[test]
fn an_interrupted_push_is_completed_by_the_next_one() {
    let sb = Sandbox::new();
    let source = fixture_str("big:latest", "reference");
    let id = fixture_str("big:latest", "image_id");
    pull_plain(&sb, source);
    let repository = repo("interrupted");
    let target = format!("{}/{repository}:v1", env().registry);
    let mut child = sb.engine_spawn(&["push", "--compression-format", "zstd", source, &target]);
    // Kill it once an upload session has started, i.e. mid-upload.
    let started = Instant::now();
    while blob_uploads(&repository) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the push never started an upload"
        );
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    sb.engine(&["push", "--compression-format", "zstd", source, &target])
        .ok();
    let other = Sandbox::new();
    other.engine(&["pull", "-q", &target]).ok();
    let pulled = other.engine(&["image", "inspect", "--format", "{{.Id}}", &target]);
    assert_eq!(pulled.ok().line(), id);
}

#[test]
fn pushing_an_unknown_image_is_one_error_line() {
    let sb = Sandbox::new();
    let out = sb.engine(&[
        "push",
        "no-such-image-here",
        &format!("{}/{}:v1", env().registry, repo("none")),
    ]);
    assert_engine_error(&out, &["no-such-image-here", "local store"]);
    let out = sb.engine(&["push", "--compression-format", "lz4", "x", "y"]);
    assert_engine_error(&out, &["compression", "lz4"]);
}

// --- copy, inspect, delete, sync ---

#[test]
fn copy_between_registries_preserves_the_manifest_digest() {
    let sb = Sandbox::new();
    let (source, _, manifest_digest) = native_busybox();
    let target = format!("{}/{}:copied", env().tls_registry, repo("copy"));
    let digestfile = sb.home().join("digest");
    let df = digestfile.display().to_string();
    let out = sb.engine(&[
        "image",
        "copy",
        "--dest-creds",
        &tls_creds(),
        "--digestfile",
        &df,
        &format!("docker://{source}"),
        &format!("docker://{target}"),
    ]);
    out.ok();
    assert_eq!(
        std::fs::read_to_string(&digestfile).unwrap(),
        manifest_digest
    );
    let remote = inspect_remote(
        &sb,
        &format!("docker://{target}"),
        &["--format", "{{.Digest}}"],
    );
    assert_eq!(remote.ok().line(), manifest_digest);
    let images = sb.engine(&["images", "-q"]);
    assert_eq!(
        images.ok().stdout,
        "",
        "registry to registry copies leave the local store alone"
    );
}

#[test]
fn copy_all_copies_the_whole_index() {
    let sb = Sandbox::new();
    let multi = fixture("multi:latest");
    let source = multi["reference"].as_str().unwrap();
    let target = format!("{}/{}:all", env().tls_registry, repo("copy-all"));
    let index_digest = sb.engine(&[
        "image",
        "inspect",
        "--remote",
        "--format",
        "{{.Digest}}",
        &format!("docker://{source}"),
    ]);
    let index_digest = index_digest.ok().line().to_string();
    sb.engine(&[
        "image",
        "copy",
        "--all",
        "--dest-creds",
        &tls_creds(),
        &format!("docker://{source}"),
        &format!("docker://{target}"),
    ])
    .ok();
    let raw = inspect_remote(&sb, &format!("docker://{target}"), &["--raw"]);
    let raw_digest =
        transport_support::sha256_digest(raw.ok().stdout.trim_end_matches('\n').as_bytes());
    assert_eq!(
        raw_digest, index_digest,
        "the index is copied byte for byte"
    );
    for (arch, instance) in multi["instances"].as_object().unwrap() {
        let digest = instance["manifest_digest"].as_str().unwrap();
        let by_digest = format!("docker://{}@{digest}", target.rsplit_once(':').unwrap().0);
        inspect_remote(&sb, &by_digest, &[])
            .ok()
            .stdout_has(&format!("\"Architecture\": \"{arch}\""));
    }
}

#[test]
fn remote_inspect_shows_digest_tags_config_and_layers() {
    let sb = Sandbox::new();
    let busybox = fixture("busybox:latest");
    let reference = format!("docker://{}", busybox["reference"].as_str().unwrap());
    let out = sb.engine(&["image", "inspect", "--remote", &reference]);
    let v: serde_json::Value =
        serde_json::from_str(&out.ok().stdout).expect("inspect --remote prints JSON");
    assert_eq!(v["Digest"], busybox["manifest_digest"]);
    assert_eq!(v["Layers"], busybox["layers"]);
    assert_eq!(v["Architecture"], busybox["arch"]);
    assert_eq!(v["Os"], busybox["os"]);
    assert!(
        v["RepoTags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "latest"),
        "{v}"
    );
    assert!(v["Env"].as_array().is_some_and(|e| !e.is_empty()), "{v}");
    assert!(v["Created"].is_string(), "{v}");

    let config = sb.engine(&["image", "inspect", "--remote", "--config", &reference]);
    let config_digest =
        transport_support::sha256_digest(config.ok().stdout.trim_end_matches('\n').as_bytes());
    assert_eq!(config_digest, busybox["config_digest"].as_str().unwrap());
    let images = sb.engine(&["images", "-q"]);
    assert_eq!(images.ok().stdout, "", "inspect --remote pulls nothing");

    let missing = sb.engine(&[
        "image",
        "inspect",
        "--remote",
        &format!("docker://{}/{}:nope", env().registry, repo("missing")),
    ]);
    assert_engine_error(&missing, &["manifest"]);
}

#[test]
fn delete_removes_the_manifest_from_the_registry() {
    let sb = Sandbox::new();
    let (source, _, _) = native_busybox();
    let target = format!("docker://{}/{}:gone", env().tls_registry, repo("delete"));
    sb.engine(&[
        "image",
        "copy",
        "--dest-creds",
        &tls_creds(),
        &format!("docker://{source}"),
        &target,
    ])
    .ok();
    inspect_remote(&sb, &target, &[]).ok();
    sb.engine(&["image", "delete", "--creds", &tls_creds(), &target])
        .ok();
    assert_engine_error(&inspect_remote(&sb, &target, &[]), &["manifest"]);
}

#[test]
fn sync_copies_every_tag_of_a_repository() {
    let sb = Sandbox::new();
    let namespace = format!("{}/{}", env().tls_registry, repo("sync"));
    let source = format!("{}/engine-test/busybox", env().registry);
    sb.engine(&[
        "image",
        "sync",
        "--src",
        "docker",
        "--dest",
        "docker",
        "--dest-creds",
        &tls_creds(),
        &source,
        &namespace,
    ])
    .ok();
    let tags = |reference: &str, creds: bool| {
        let mut args = vec![
            "image",
            "inspect",
            "--remote",
            "--format",
            "{{json .RepoTags}}",
        ];
        let c = tls_creds();
        if creds {
            args.extend(["--creds", c.as_str()]);
        }
        args.push(reference);
        let out = sb.engine(&args);
        let mut tags: Vec<String> = serde_json::from_str(out.ok().line()).unwrap();
        tags.sort();
        tags
    };
    let want = tags(&format!("docker://{source}"), false);
    assert_eq!(tags(&format!("docker://{namespace}/busybox"), true), want);
}

#[test]
fn bad_transport_references_are_refused_clearly() {
    let sb = Sandbox::new();
    let out = sb.engine(&["image", "copy", "busybox", "docker://x/y"]);
    assert_engine_error(&out, &["transport"]);
    let out = sb.engine(&["image", "copy", "ftp:x", "docker://x/y"]);
    assert_engine_error(&out, &["unknown transport", "ftp"]);
}

// --- save and load ---

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
fn podman() -> Option<&'static str> {
    ["/usr/bin/podman", "/usr/local/bin/podman"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

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

// --- copy between every transport (dir:, archives, sync, save -m) ---

/// `copy-<pid>-<name>/image` on the plain registry.
fn copy_repo(name: &str) -> String {
    format!(
        "{}/copy-{}-{name}/image",
        env().registry,
        std::process::id()
    )
}

fn remote_digest(sb: &Sandbox, reference: &str) -> String {
    let out = sb.engine(&[
        "image",
        "inspect",
        "--remote",
        "--format",
        "{{.Digest}}",
        reference,
    ]);
    out.ok().line().to_string()
}

/// `skopeo` as the test user; the plain registry is reached without TLS.
fn skopeo(sb: &Sandbox, args: &[&str]) -> Out {
    sb.user_cmd("skopeo", args).run()
}

fn home_path(sb: &Sandbox, name: &str) -> String {
    sb.home().join(name).display().to_string()
}

#[test]
fn copy_registry_to_dir_and_back_keeps_the_digest_and_skopeo_reads_it() {
    let sb = Sandbox::new();
    let (source, _, digest) = native_busybox();
    let dir = home_path(&sb, "bb-dir");
    sb.engine(&[
        "image",
        "copy",
        "-q",
        &format!("docker://{source}"),
        &format!("dir:{dir}"),
    ])
    .ok();
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

#[test]
fn a_damaged_dir_blob_is_refused_and_nothing_is_written() {
    let sb = Sandbox::new();
    let (source, _, _) = native_busybox();
    let dir = home_path(&sb, "damaged");
    sb.engine(&[
        "image",
        "copy",
        "-q",
        &format!("docker://{source}"),
        &format!("dir:{dir}"),
    ])
    .ok();
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
