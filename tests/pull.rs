//! `engine pull` against the real registries, as the unprivileged test user: references,
//! manifest formats, platforms, blob integrity, interrupted and concurrent pulls, pull
//! policies, transport security and the errors a user meets. registries.conf, policy.json and
//! short names are in pull_config.rs; credentials in login.rs.

mod common;
mod pull_support;

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

use common::{Out, Sandbox, env, fixture, fixture_str};
use pull_support::proxy::Proxy;
use pull_support::pushed::{DamagedBlob, LayerCompression, push_unique_image};
use pull_support::store::{
    self, assert_blobs_intact, assert_tmp_empty, blob_names, blobs_of, hex_of,
};
use pull_support::{
    assert_engine_error, assert_engine_error_any, assert_nothing_stored, assert_pulled,
    closed_port, insecure_registry, lines, registries_conf_with,
};

fn pull(sb: &Sandbox, args: &[&str]) -> Out {
    sb.engine(&[&["pull"], args].concat())
}

/// `image inspect --format TEMPLATE IMAGE`, which must succeed; its one line.
fn inspect(sb: &Sandbox, image: &str, template: &str) -> String {
    sb.engine(&["image", "inspect", "--format", template, image])
        .ok()
        .line()
        .to_string()
}

fn native_arch() -> &'static str {
    env().fixtures["native_arch"]
        .as_str()
        .expect("fixtures.json has native_arch")
}

fn other_arch() -> &'static str {
    env().fixtures["other_arch"]
        .as_str()
        .expect("fixtures.json has other_arch")
}

const CREATED: &str = "2024-01-01T00:00:00Z";

// --- references and manifest formats ---

#[test]
fn pull_by_tag_stores_manifest_config_and_layers() {
    let sb = Sandbox::new();
    let reference = fixture_str("busybox:latest", "reference");
    let id = fixture_str("busybox:latest", "image_id");
    let out = pull(&sb, &[reference]);
    assert_pulled(&out, id);
    out.stderr_has(&format!("Trying to pull {reference}..."));

    let root = store::root(&sb);
    assert_eq!(blob_names(&root), blobs_of(fixture("busybox:latest")));
    assert_blobs_intact(&root);
    assert_tmp_empty(&root);
    let listed = sb.engine(&["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]);
    assert_eq!(
        lines(listed.ok()),
        [format!("{reference} {}", &id[..12])],
        "{listed}"
    );
}

#[test]
fn pull_by_digest() {
    let sb = Sandbox::new();
    let digest = fixture_str("busybox:latest", "manifest_digest");
    let name = format!("{}/engine-test/busybox", env().registry);
    let by_digest = format!("{name}@{digest}");
    assert_pulled(
        &pull(&sb, &[&by_digest]),
        fixture_str("busybox:latest", "image_id"),
    );
    assert_eq!(inspect(&sb, &by_digest, "{{.Digest}}"), digest);
    let repo_digests = inspect(&sb, &by_digest, "{{json .RepoDigests}}");
    assert!(
        repo_digests.contains(&by_digest),
        "RepoDigests {repo_digests} lacks {by_digest}"
    );
    assert_blobs_intact(&store::root(&sb));
}

#[test]
fn pull_by_tag_and_digest_follows_the_digest() {
    let sb = Sandbox::new();
    // The v2s2 tag with the OCI manifest's digest: the digest decides what is pulled.
    let oci_digest = fixture_str("busybox:latest", "manifest_digest");
    let reference = format!("{}/engine-test/busybox:v2s2@{oci_digest}", env().registry);
    assert_pulled(
        &pull(&sb, &[&reference]),
        fixture_str("busybox:latest", "image_id"),
    );
    let root = store::root(&sb);
    assert!(
        blob_names(&root).contains(&hex_of(oci_digest)),
        "the OCI manifest {oci_digest} is not stored"
    );
    let v2s2 = hex_of(fixture_str("busybox:v2s2", "manifest_digest"));
    assert!(
        !blob_names(&root).contains(&v2s2),
        "the v2s2 manifest was fetched though the digest names the OCI one"
    );
}

#[test]
fn pull_docker_schema2_image() {
    let sb = Sandbox::new();
    let reference = fixture_str("busybox:v2s2", "reference");
    assert_pulled(
        &pull(&sb, &[reference]),
        fixture_str("busybox:v2s2", "image_id"),
    );
    let root = store::root(&sb);
    assert_eq!(blob_names(&root), blobs_of(fixture("busybox:v2s2")));
    assert_blobs_intact(&root);
    assert_eq!(
        inspect(&sb, reference, "{{.Digest}}"),
        fixture_str("busybox:v2s2", "manifest_digest")
    );
    assert_eq!(
        inspect(&sb, reference, "{{.ManifestType}}"),
        "application/vnd.docker.distribution.manifest.v2+json"
    );
}

#[test]
fn pull_zstd_image() {
    let sb = Sandbox::new();
    let reference = fixture_str("busybox:zstd", "reference");
    assert_pulled(
        &pull(&sb, &[reference]),
        fixture_str("busybox:zstd", "image_id"),
    );
    let root = store::root(&sb);
    assert_eq!(blob_names(&root), blobs_of(fixture("busybox:zstd")));
    assert_blobs_intact(&root);
    let diff_ids = serde_json::to_string(&fixture("busybox:zstd")["diff_ids"]).expect("JSON");
    assert_eq!(inspect(&sb, reference, "{{json .RootFS.Layers}}"), diff_ids);
}

// --- image indexes and platforms ---

#[test]
fn pull_index_picks_this_machines_platform() {
    let sb = Sandbox::new();
    let reference = fixture_str("multi:latest", "reference");
    assert_pulled(
        &pull(&sb, &[reference]),
        fixture_str("multi:latest", "image_id"),
    );
    assert_eq!(inspect(&sb, reference, "{{.Architecture}}"), native_arch());
    assert_eq!(inspect(&sb, reference, "{{.Os}}"), "linux");
    assert_blobs_intact(&store::root(&sb));
}

#[test]
fn pull_index_with_platform_flag_gets_the_other_architecture() {
    let other = &fixture("multi:latest")["instances"][other_arch()];
    let other_id = other["image_id"].as_str().expect("instance image_id");
    assert_ne!(
        other_id,
        fixture_str("multi:latest", "image_id"),
        "fixture instances must differ"
    );
    let reference = fixture_str("multi:latest", "reference");

    let sb = Sandbox::new();
    let platform = format!("linux/{}", other_arch());
    assert_pulled(&pull(&sb, &["--platform", &platform, reference]), other_id);
    assert_eq!(inspect(&sb, reference, "{{.Architecture}}"), other_arch());
    assert_blobs_intact(&store::root(&sb));

    let sb = Sandbox::new();
    assert_pulled(&pull(&sb, &["--arch", other_arch(), reference]), other_id);
    assert_eq!(inspect(&sb, reference, "{{.Architecture}}"), other_arch());

    // The fixture's arm64 instance says variant v8, which may be given explicitly.
    if other_arch() == "arm64" {
        let sb = Sandbox::new();
        assert_pulled(
            &pull(&sb, &["--platform", "linux/arm64/v8", reference]),
            other_id,
        );
        let sb = Sandbox::new();
        assert_pulled(
            &pull(&sb, &["--arch", "arm64", "--variant", "v8", reference]),
            other_id,
        );
    }
}

#[test]
fn pull_index_without_the_platform_lists_the_available_ones() {
    let sb = Sandbox::new();
    let reference = fixture_str("multi:latest", "reference");
    let out = pull(&sb, &["--platform", "linux/s390x", reference]);
    assert_engine_error(&out, &["s390x", native_arch(), other_arch()]);
    let images = sb.engine(&["images", "-q"]);
    assert_eq!(images.ok().stdout, "", "no image may be stored\n{images}");
}

// --- blob sharing and integrity ---

#[test]
fn shared_layer_is_downloaded_once() {
    let proxy = Proxy::start(&env().registry);
    let sb = Sandbox::new();
    registries_conf_with(&sb, &insecure_registry(proxy.addr()));
    let busybox = format!("{}/engine-test/busybox:latest", proxy.addr());
    let other = format!("{}/engine-test/other:latest", proxy.addr());
    assert_pulled(
        &pull(&sb, &[&busybox]),
        fixture_str("busybox:latest", "image_id"),
    );
    assert_pulled(
        &pull(&sb, &[&other]),
        fixture_str("other:latest", "image_id"),
    );

    let base = fixture("busybox:latest")["layers"][0]
        .as_str()
        .expect("layer digest");
    assert_eq!(
        fixture("other:latest")["layers"][0].as_str(),
        Some(base),
        "fixtures must share the base layer"
    );
    let own = fixture("other:latest")["layers"][1]
        .as_str()
        .expect("layer digest");
    assert_eq!(
        proxy.blob_fetches(own).len(),
        1,
        "other's own layer: {:#?}",
        proxy.requests()
    );
    assert_eq!(
        proxy.blob_fetches(base).len(),
        1,
        "the shared layer was fetched again: {:#?}",
        proxy.requests()
    );

    let root = store::root(&sb);
    let expected: BTreeSet<String> = blobs_of(fixture("busybox:latest"))
        .union(&blobs_of(fixture("other:latest")))
        .cloned()
        .collect();
    assert_eq!(blob_names(&root), expected);
    assert_blobs_intact(&root);
}

#[test]
fn tampered_layer_is_refused_and_leaves_nothing_behind() {
    let image = push_unique_image("tampered", CREATED, LayerCompression::None);
    let damaged = DamagedBlob::flip_byte(&image.registry_blob_path(&image.layer_digest), 1000);
    let sb = Sandbox::new();
    let out = pull(&sb, &[&image.reference]);
    assert_engine_error(&out, &["digest"]);
    let images = sb.engine(&["images", "-q"]);
    assert_eq!(images.ok().stdout, "", "no image may be stored\n{images}");
    let root = store::root(&sb);
    assert!(
        !blob_names(&root).contains(&hex_of(&image.layer_digest)),
        "the damaged layer was stored"
    );
    assert_blobs_intact(&root);
    assert_tmp_empty(&root);

    // Repaired, the same image pulls: the failure left no state that gets in the way.
    drop(damaged);
    assert_pulled(&pull(&sb, &[&image.reference]), &image.id);
    assert_blobs_intact(&root);
}

#[test]
fn interrupted_pull_is_cleaned_up_and_the_next_pull_works() {
    let proxy = Proxy::start(&env().registry);
    proxy.throttle(8 << 20);
    let sb = Sandbox::new();
    registries_conf_with(&sb, &insecure_registry(proxy.addr()));
    let reference = format!("{}/engine-test/big:latest", proxy.addr());
    let root = store::root(&sb);

    let mut child = sb.engine_spawn(&["pull", &reference]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while store::tmp_bytes(&root) < 4 << 20 {
        if let Some(status) = child.try_wait().expect("waiting for the pull") {
            let out = child.wait_with_output().expect("pull output");
            panic!(
                "the pull ended ({status}) before 4 MiB reached {}/tmp\nstderr: {}",
                root.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            Instant::now() < deadline,
            "the big layer did not reach {}/tmp within 60 s",
            root.display()
        );
        thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL the pull");
    child.wait().expect("reaping the pull");
    assert!(
        store::tmp_bytes(&root) > 0,
        "the killed pull should have left its partial download"
    );
    assert!(
        !blob_names(&root).contains(&hex_of(
            fixture("big:latest")["layers"][1].as_str().expect("digest")
        )),
        "the big layer must not be a blob before it is complete"
    );
    assert_blobs_intact(&root);

    proxy.throttle(0);
    assert_pulled(
        &pull(&sb, &[&reference]),
        fixture_str("big:latest", "image_id"),
    );
    assert_tmp_empty(&root);
    assert_eq!(blob_names(&root), blobs_of(fixture("big:latest")));
    assert_blobs_intact(&root);
    let images = sb.engine(&["images", "-q"]);
    assert_eq!(lines(images.ok()).len(), 1, "{images}");
}

#[test]
fn concurrent_pulls_of_one_image_both_succeed() {
    let proxy = Proxy::start(&env().registry);
    // Slow enough that the two pulls overlap.
    proxy.throttle(2 << 20);
    let sb = Sandbox::new();
    registries_conf_with(&sb, &insecure_registry(proxy.addr()));
    let reference = format!("{}/engine-test/busybox:latest", proxy.addr());
    let id = fixture_str("busybox:latest", "image_id");
    let outs: Vec<Out> = thread::scope(|s| {
        let pulls: Vec<_> = (0..2)
            .map(|_| s.spawn(|| pull(&sb, &[&reference])))
            .collect();
        pulls
            .into_iter()
            .map(|p| p.join().expect("pull thread"))
            .collect()
    });
    for out in &outs {
        assert_pulled(out, id);
    }
    let listed = sb.engine(&["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]);
    assert_eq!(
        lines(listed.ok()),
        [format!("{reference} {}", &id[..12])],
        "{listed}"
    );
    let root = store::root(&sb);
    assert_eq!(blob_names(&root), blobs_of(fixture("busybox:latest")));
    assert_blobs_intact(&root);
    assert_tmp_empty(&root);
}

// --- output and pull policies ---

#[test]
fn quiet_prints_only_the_id() {
    let sb = Sandbox::new();
    let out = pull(&sb, &["-q", fixture_str("other:latest", "reference")]);
    out.ok();
    assert_eq!(
        out.stdout,
        format!("{}\n", fixture_str("other:latest", "image_id")),
        "{out}"
    );
    assert_eq!(out.stderr, "", "-q prints nothing on stderr\n{out}");
}

#[test]
fn policy_never_refuses_an_absent_image() {
    let sb = Sandbox::new();
    let out = pull(
        &sb,
        &[
            "--policy",
            "never",
            fixture_str("busybox:latest", "reference"),
        ],
    );
    assert_engine_error(&out, &["never"]);
    assert_nothing_stored(&sb);
}

#[test]
fn policy_missing_uses_the_local_image_without_the_registry() {
    let proxy = Proxy::start(&env().registry);
    let sb = Sandbox::new();
    registries_conf_with(&sb, &insecure_registry(proxy.addr()));
    let reference = format!("{}/engine-test/busybox:latest", proxy.addr());
    let id = fixture_str("busybox:latest", "image_id");
    assert_pulled(&pull(&sb, &[&reference]), id);
    drop(proxy); // the registry is gone now

    let out = pull(&sb, &["--policy", "missing", &reference]);
    assert_pulled(&out, id);
    assert!(
        !out.stderr.contains("Trying to pull"),
        "--policy missing contacted the registry\n{out}"
    );
    let out = pull(&sb, &["--policy", "never", &reference]);
    assert_pulled(&out, id);
    // Control: the registry really is unreachable.
    assert_engine_error(
        &pull(&sb, &["--policy", "always", &reference]),
        &["connection refused"],
    );
}

#[test]
fn root_flag_puts_the_store_elsewhere() {
    let sb = Sandbox::new();
    let alt = sb.home().join("alt-store");
    let alt_arg = alt.display().to_string();
    let reference = fixture_str("other:latest", "reference");
    let id = fixture_str("other:latest", "image_id");
    assert_pulled(&sb.engine(&["--root", &alt_arg, "pull", reference]), id);
    assert_eq!(blob_names(&alt), blobs_of(fixture("other:latest")));
    assert_eq!(
        blob_names(&store::root(&sb)),
        BTreeSet::new(),
        "the default store must stay empty"
    );
    let listed = sb.engine(&["--root", &alt_arg, "images", "-q"]);
    assert_eq!(lines(listed.ok()), [&id[..12]]);
    let default = sb.engine(&["images", "-q"]);
    assert_eq!(default.ok().stdout, "", "{default}");
}

// --- transport security ---

#[test]
fn tls_registry_without_its_ca_fails_unless_tls_verify_is_off() {
    let sb = Sandbox::new();
    std::fs::remove_dir_all(sb.config_dir().join("containers/certs.d")).expect("removing certs.d");
    let creds = format!("{}:{}", env().reg_user, env().reg_pass);
    let reference = fixture_str("tls/busybox:latest", "reference");
    let out = pull(&sb, &["--creds", &creds, reference]);
    assert_engine_error(&out, &["certificate"]);
    assert_nothing_stored(&sb);

    let out = pull(&sb, &["--tls-verify=false", "--creds", &creds, reference]);
    assert_pulled(&out, fixture_str("tls/busybox:latest", "image_id"));
}

#[test]
fn plain_http_registry_needs_insecure_or_tls_verify_false() {
    let sb = Sandbox::new();
    let plain = &env().registry;
    sb.registries_conf(&format!("unqualified-search-registries = [\"{plain}\"]\n"));
    let reference = fixture_str("busybox:latest", "reference");
    let id = fixture_str("busybox:latest", "image_id");
    let out = pull(&sb, &[reference]);
    assert_engine_error_any(&out, &[plain], &["https", "tls", "insecure"]);
    assert_nothing_stored(&sb);

    assert_pulled(&pull(&sb, &["--tls-verify=false", reference]), id);

    let sb = Sandbox::new();
    sb.registries_conf(&format!(
        "[[registry]]\nlocation = \"{plain}\"\ninsecure = true\n"
    ));
    assert_pulled(&pull(&sb, &[reference]), id);
}

// --- errors ---

// podman's wording names the repository and the tag apart: "reading manifest TAG in REPO".
#[test]
fn unknown_tag_names_the_reference() {
    let sb = Sandbox::new();
    let repository = format!("{}/engine-test/busybox", env().registry);
    let out = pull(&sb, &[&format!("{repository}:no-such-tag")]);
    assert_engine_error(&out, &[&repository, "no-such-tag", "manifest unknown"]);
    assert_nothing_stored(&sb);
}

#[test]
fn unknown_repository_names_the_reference() {
    let sb = Sandbox::new();
    let repository = format!("{}/engine-test/no-such-repository", env().registry);
    let out = pull(&sb, &[&format!("{repository}:latest")]);
    // distribution answers MANIFEST_UNKNOWN or NAME_UNKNOWN ("repository name not known").
    assert_engine_error_any(&out, &[&repository], &["unknown", "not known", "not found"]);
    assert_nothing_stored(&sb);
}

#[test]
fn registry_down_is_connection_refused() {
    let sb = Sandbox::new();
    let host = format!("127.0.0.1:{}", closed_port());
    let reference = format!("{host}/engine-test/busybox:latest");
    assert_engine_error(&pull(&sb, &[&reference]), &[&host, "connection refused"]);
    assert_engine_error(
        &pull(&sb, &["--tls-verify=false", &reference]),
        &[&host, "connection refused"],
    );
    assert_nothing_stored(&sb);
}

#[test]
fn unresolvable_host_fails() {
    let sb = Sandbox::new();
    let out = pull(&sb, &["nonexistent.invalid/engine-test/busybox:latest"]);
    assert_engine_error_any(
        &out,
        &["nonexistent.invalid"],
        &["dns", "lookup", "resolve", "name or service"],
    );
    assert_nothing_stored(&sb);
}

#[test]
fn malformed_references_are_refused_before_any_request() {
    let sb = Sandbox::new();
    let plain = &env().registry;
    let zeros = "0".repeat(63);
    // (input, what the error must quote)
    let cases = [
        ("Busybox".to_string(), "Busybox".to_string()),
        ("a@sha256:bad".to_string(), "sha256:bad".to_string()),
        (
            format!("{plain}/engine-test/BusyBox:latest"),
            "BusyBox".to_string(),
        ),
        (
            format!("{plain}/engine-test/busybox:bad:tag"),
            "bad:tag".to_string(),
        ),
        (
            format!("{plain}/engine-test/busybox@sha256:{zeros}"),
            zeros.clone(),
        ),
    ];
    for (input, quoted) in &cases {
        let out = pull(&sb, &[input]);
        let line = assert_engine_error(&out, &[]);
        assert!(
            line.contains(quoted.as_str()),
            "the error must quote {quoted:?}\n{out}"
        );
        assert!(
            !out.stderr.contains("Trying to pull"),
            "a malformed reference must not reach a registry\n{out}"
        );
    }
    assert_nothing_stored(&sb);
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let sb = Sandbox::new();
    let out = pull(
        &sb,
        &["--no-such-flag", fixture_str("busybox:latest", "reference")],
    );
    out.fails_with(125);
    assert!(
        out.stderr.starts_with("Error: "),
        "the first stderr line must start with \"Error: \"\n{out}"
    );
    out.stderr_has("--no-such-flag");
    assert_nothing_stored(&sb);
}
