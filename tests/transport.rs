//! `push`, `image copy` between registries, `image inspect --remote`, `image delete` and
//! `image sync` against the two test registries (plain, and TLS with authentication), as the
//! unprivileged test user. Every test writes to repositories of its own
//! (`transport-<pid>-<test>/...`), so the shared registry logs can be read per test.

mod common;
mod pull_support;
mod transport_support;

use std::time::{Duration, Instant};

use common::{Out, Sandbox, env, fixture, fixture_str};
use pull_support::assert_engine_error;
use transport_support::{blob_uploads, native_busybox, pull_plain, repo, tls_creds};

fn inspect_remote(sb: &Sandbox, reference: &str, extra: &[&str]) -> Out {
    let creds = tls_creds();
    let mut args = vec!["image", "inspect", "--remote", "--creds", &creds];
    args.extend_from_slice(extra);
    args.push(reference);
    sb.engine(&args)
}

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

/// The layer descriptors of the manifest `target` names.
fn remote_layers(sb: &Sandbox, target: &str) -> Vec<serde_json::Value> {
    let raw = sb.engine(&[
        "image",
        "inspect",
        "--remote",
        "--raw",
        &format!("docker://{target}"),
    ]);
    let manifest: serde_json::Value = serde_json::from_str(&raw.ok().stdout).unwrap();
    manifest["layers"].as_array().unwrap().clone()
}

/// The sizes of the layers of the manifest `target` names.
fn remote_layer_sizes(sb: &Sandbox, target: &str) -> Vec<u64> {
    remote_layers(sb, target)
        .iter()
        .map(|l| l["size"].as_u64().unwrap())
        .collect()
}

#[test]
fn the_compression_level_decides_the_size_of_pushed_layers() {
    let (source, id, _) = native_busybox();
    let mut sizes = Vec::new();
    for level in ["1", "19"] {
        // A store each: the blob-info cache would otherwise offer the first push's blobs.
        let sb = Sandbox::new();
        pull_plain(&sb, source);
        let target = format!("{}/{}:v1", env().registry, repo(&format!("level{level}")));
        sb.engine(&[
            "push",
            "--compression-format",
            "zstd",
            "--compression-level",
            level,
            source,
            &target,
        ])
        .ok();
        sizes.push((remote_layer_sizes(&sb, &target), target));
    }
    let (fast, small) = (&sizes[0].0, &sizes[1].0);
    assert!(
        small.iter().sum::<u64>() < fast.iter().sum::<u64>(),
        "zstd level 19 layers {small:?} are not smaller than level 1's {fast:?}"
    );
    let other = Sandbox::new();
    other.engine(&["pull", "-q", &sizes[1].1]).ok();
    let pulled = other.engine(&["image", "inspect", "--format", "{{.Id}}", &sizes[1].1]);
    assert_eq!(pulled.ok().line(), id);
}

#[test]
fn containers_conf_sets_the_compression_of_pushes_and_flags_override_it() {
    let (source, _, _) = native_busybox();
    let sb = Sandbox::new();
    pull_plain(&sb, source);
    sb.write_file(
        ".config/containers/containers.conf",
        "[engine]\ncompression_format = \"zstd:chunked\"\ncompression_level = 19\n",
    );
    let media_types = |target: &str| -> Vec<String> {
        remote_layers(&sb, target)
            .iter()
            .map(|l| l["mediaType"].as_str().unwrap().to_string())
            .collect()
    };
    let target = format!("{}/{}:v1", env().registry, repo("conf-zstd"));
    sb.engine(&["push", "-q", source, &target]).ok();
    let types = media_types(&target);
    assert!(types.iter().all(|t| t.ends_with("zstd")), "{types:?}");
    // The flag wins; the level from the file (19) would be out of gzip's range.
    let target = format!("{}/{}:v1", env().registry, repo("conf-gzip"));
    sb.engine(&[
        "push",
        "-q",
        "--compression-format",
        "gzip",
        source,
        &target,
    ])
    .ok();
    let out = sb.engine(&[
        "push",
        "-q",
        "--compression-format",
        "gzip",
        "--compression-level",
        "19",
        source,
        &target,
    ]);
    assert_engine_error(&out, &["gzip levels are 1 to 9"]);
    // Only pushes to a registry read the keys: a copy between files copies layers as they are.
    let dir = sb.home().join("copied").display().to_string();
    sb.engine(&[
        "image",
        "copy",
        "-q",
        &format!("docker://{target}"),
        &format!("dir:{dir}"),
    ])
    .ok();
    sb.write_file(
        ".config/containers/containers.conf",
        "[engine]\ncompression_format = \"lz4\"\n",
    );
    let out = sb.engine(&["push", "-q", source, &target]);
    assert_engine_error(&out, &["containers.conf", "compression_format", "lz4"]);
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
    let out = sb.engine(&["push", "--compression-level", "10", "x", "y"]);
    assert_engine_error(&out, &["--compression-level 10", "gzip levels are 1 to 9"]);
    let out = sb.engine(&[
        "push",
        "--compression-format",
        "zstd",
        "--compression-level",
        "0",
        "x",
        "y",
    ]);
    assert_engine_error(&out, &["zstd levels are 1 to 20"]);
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
