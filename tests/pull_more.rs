//! `engine pull` where the road is rough: a registry that wants bearer tokens, layers stored
//! uncompressed, a manifest or a layer damaged on the way, a full disk, a registry answering
//! errors or HTML. Each failure must be one clear error (exit 125) and leave no image, no half
//! layer and no scratch file behind; pull.rs covers the ordinary paths.

mod common;
mod pull_support;

#[path = "pull_support/http_front/mod.rs"]
mod http_front;
#[path = "pull_support/small_fs.rs"]
mod small_fs;
#[path = "pull_support/token_auth.rs"]
mod token_auth;
#[path = "pull_support/uncompressed.rs"]
mod uncompressed;

use std::collections::BTreeSet;
use std::path::Path;

use common::{Out, Sandbox, env, fixture, fixture_str};
use http_front::{FaultyFront, Reply, Response};
use pull_support::pushed::{DamagedBlob, LayerCompression, push_unique_image};
use pull_support::store::{
    self, assert_blobs_intact, assert_tmp_empty, blob_names, chains_of, layer_entries, layer_names,
};
use pull_support::{assert_engine_error, assert_engine_error_any, lines};
use small_fs::SmallFs;
use token_auth::TokenRegistry;
use uncompressed::push_uncompressed_busybox;

const USER: &str = "token-user";
const PASS: &str = "token-pass";

fn busybox_id() -> &'static str {
    fixture_str("busybox:latest", "image_id")
}

/// The busybox fixture's layer `n` ("sha256:...").
fn busybox_layer(n: usize) -> &'static str {
    fixture("busybox:latest")["layers"][n]
        .as_str()
        .expect("fixture layer digest")
}

#[track_caller]
fn assert_pulled(out: &Out, id: &str) {
    out.ok();
    assert_eq!(lines(out), [id], "pull must print the image ID\n{out}");
}

/// Asserts the store at `root` (listed with `engine [--root ROOT] images`) holds no image, no
/// layer (not even a half one) and nothing in tmp/, and that its blobs are intact.
#[track_caller]
fn assert_no_image_no_layer(sb: &Sandbox, root: &Path, root_flag: &[&str]) {
    let images = sb.engine(&[root_flag, &["images", "-q"]].concat());
    assert_eq!(images.ok().stdout, "", "no image may be stored\n{images}");
    assert_eq!(
        layer_entries(root),
        BTreeSet::new(),
        "no layer may be stored"
    );
    assert_tmp_empty(root);
    assert_blobs_intact(root);
}

/// Asserts nothing at all is stored: no blob either (the pull failed before any was verified).
#[track_caller]
fn assert_nothing_stored(sb: &Sandbox) {
    let root = store::root(sb);
    assert_no_image_no_layer(sb, &root, &[]);
    assert_eq!(blob_names(&root), BTreeSet::new(), "no blob may be stored");
}

fn insecure_sandbox(host: &str) -> Sandbox {
    let sb = Sandbox::new();
    pull_support::registries_conf_with(&sb, &pull_support::insecure_registry(host));
    sb
}

// --- bearer-token registries ---

#[test]
fn bearer_token_registry_with_creds_flag() {
    let registry = TokenRegistry::start(&env().registry, USER, PASS);
    let sb = Sandbox::new();
    let reference = format!("{}/engine-test/busybox:latest", registry.addr());
    let creds = format!("{USER}:{PASS}");
    let out = sb.engine(&["pull", "--tls-verify=false", "--creds", &creds, &reference]);
    assert_pulled(&out, busybox_id());
    assert!(
        registry.issued() >= 1,
        "the token server issued no token ({} requests)\n{out}",
        registry.token_requests()
    );
    assert_eq!(registry.refused(), 0, "a token request was refused\n{out}");
    let fetched = registry.registry_requests();
    let layer = format!("GET /v2/engine-test/busybox/blobs/{}", busybox_layer(0));
    assert!(
        fetched.contains(&layer),
        "the layer was not fetched through the token registry: {fetched:#?}"
    );
    let root = store::root(&sb);
    assert_eq!(
        layer_names(&root),
        chains_of(fixture("busybox:latest")).into_iter().collect()
    );
    assert_tmp_empty(&root);
}

#[test]
fn bearer_token_registry_after_login() {
    let registry = TokenRegistry::start(&env().registry, USER, PASS);
    let sb = Sandbox::new();
    let host = registry.addr();
    let out = sb.engine(&["login", "--tls-verify=false", "-u", USER, "-p", PASS, host]);
    out.ok().stdout_has("Login Succeeded!");
    let after_login = registry.token_requests();
    assert!(
        after_login >= 1,
        "login did not ask the token server\n{out}"
    );
    assert_eq!(registry.refused(), 0, "login's token request was refused");

    let reference = format!("{host}/engine-test/busybox:latest");
    let out = sb.engine(&["pull", "--tls-verify=false", &reference]);
    assert_pulled(&out, busybox_id());
    assert!(
        registry.token_requests() > after_login,
        "the pull did not ask the token server\n{out}"
    );
    assert_eq!(registry.refused(), 0, "a token request was refused\n{out}");
}

#[test]
fn bearer_token_registry_refuses_a_wrong_password() {
    let registry = TokenRegistry::start(&env().registry, USER, PASS);
    let sb = Sandbox::new();
    let host = registry.addr();
    let reference = format!("{host}/engine-test/busybox:latest");
    let creds = format!("{USER}:wrong-password");
    let out = sb.engine(&["pull", "--tls-verify=false", "--creds", &creds, &reference]);
    assert_engine_error_any(&out, &[host], &["authentication", "credentials"]);
    assert!(
        registry.refused() >= 1,
        "the token server was not asked\n{out}"
    );
    assert_eq!(registry.issued(), 0);
    assert_nothing_stored(&sb);

    let out = sb.engine(&[
        "login",
        "--tls-verify=false",
        "-u",
        USER,
        "-p",
        "wrong",
        host,
    ]);
    assert_engine_error_any(
        &out,
        &[host],
        &["authentication", "credentials", "password"],
    );
    assert!(
        !sb.runtime_dir().join("containers/auth.json").exists(),
        "a refused login must not write auth.json"
    );
}

#[test]
fn bearer_token_registry_without_credentials() {
    let registry = TokenRegistry::start(&env().registry, USER, PASS);
    let sb = Sandbox::new();
    let host = registry.addr();
    let reference = format!("{host}/engine-test/busybox:latest");
    let out = sb.engine(&["pull", "--tls-verify=false", &reference]);
    assert_engine_error_any(&out, &[host], &["authentication", "credentials", "login"]);
    assert!(
        registry.token_requests() >= 1,
        "the engine did not even ask the token server\n{out}"
    );
    assert_eq!(registry.issued(), 0);
    assert_nothing_stored(&sb);
}

// --- layer formats ---

#[test]
fn uncompressed_layers_give_the_same_image() {
    let image = push_uncompressed_busybox("engine-test-gaps/plain");
    let diff_ids: Vec<&str> = fixture("busybox:latest")["diff_ids"]
        .as_array()
        .expect("fixture diff_ids")
        .iter()
        .map(|d| d.as_str().expect("diff_id"))
        .collect();
    assert_eq!(
        image.layers, diff_ids,
        "a plain tar's digest is its diff_id"
    );

    let sb = Sandbox::new();
    assert_pulled(&sb.engine(&["pull", &image.reference]), busybox_id());
    let inspect = |template: &str| {
        let out = sb.engine(&["image", "inspect", "--format", template, &image.reference]);
        out.ok().line().to_string()
    };
    assert_eq!(inspect("{{.Digest}}"), image.manifest_digest);
    assert_eq!(
        inspect("{{json .RootFS.Layers}}"),
        serde_json::to_string(&diff_ids).expect("JSON")
    );
    let root = store::root(&sb);
    assert_eq!(
        layer_names(&root),
        chains_of(fixture("busybox:latest")).into_iter().collect()
    );
    let base = root
        .join("layers")
        .join(&chains_of(fixture("busybox:latest"))[0]);
    assert!(
        base.join("diff/bin/busybox").is_file(),
        "the base layer is not unpacked in {}",
        base.display()
    );
    assert_tmp_empty(&root);
    assert_blobs_intact(&root);
}

// --- damaged content ---

#[test]
fn tampered_manifest_is_refused_by_digest() {
    let image = push_unique_image(
        "manifest-tampered",
        "2024-01-01T00:00:00Z",
        LayerCompression::Gzip,
    );
    let path = image.registry_blob_path(&image.manifest_digest);
    let manifest = std::fs::read(&path).expect("reading the pushed manifest");
    // A hex digit of the layer digest: the JSON stays valid, so the registry still serves it.
    let layer_hex = image.layer_digest.trim_start_matches("sha256:");
    let offset = manifest
        .windows(layer_hex.len())
        .position(|w| w == layer_hex.as_bytes())
        .expect("the manifest names its layer")
        + 10;
    let damaged = DamagedBlob::flip_byte(&path, offset);
    let by_digest = format!("{}@{}", image.name, image.manifest_digest);

    let sb = Sandbox::new();
    let out = sb.engine(&["pull", &by_digest]);
    assert_engine_error(&out, &["digest"]);
    assert_nothing_stored(&sb);

    drop(damaged);
    assert_pulled(&sb.engine(&["pull", &by_digest]), &image.id);
}

#[test]
fn truncated_layer_fails_cleanly_and_the_next_pull_works() {
    let layer = busybox_layer(0);
    let front = FaultyFront::start(&env().registry, move |request| {
        request
            .is_blob_get(layer)
            .then_some(Reply::ForwardTruncated)
    });
    let sb = insecure_sandbox(front.addr());
    let reference = format!("{}/engine-test/busybox:latest", front.addr());
    let out = sb.engine(&["pull", &reference]);
    // The cause, not just "error decoding response body": the download stopped short.
    assert_engine_error_any(
        &out,
        &[layer, front.addr()],
        &[
            "closed",
            "truncated",
            "incomplete",
            "end of file",
            "eof",
            "short",
        ],
    );
    let root = store::root(&sb);
    assert_no_image_no_layer(&sb, &root, &[]);

    front.disarm();
    assert_pulled(&sb.engine(&["pull", &reference]), busybox_id());
    assert_tmp_empty(&root);
}

#[test]
fn full_disk_fails_cleanly() {
    let sb = Sandbox::new();
    // Unpacked, busybox takes about 4 MB.
    let small = SmallFs::mount(&sb.home().join("small"), "3m");
    let root = small.path().join("store");
    let root_arg = root.display().to_string();
    let reference = fixture_str("busybox:latest", "reference");
    let out = sb.engine(&["--root", &root_arg, "pull", reference]);
    assert_engine_error(&out, &["No space left on device"]);
    assert_no_image_no_layer(&sb, &root, &["--root", &root_arg]);
}

// --- registries answering nonsense ---

#[test]
fn server_error_on_a_layer_fails_cleanly() {
    let layer = busybox_layer(0);
    let front = FaultyFront::start(&env().registry, move |request| {
        request.is_blob_get(layer).then(|| {
            Reply::Respond(Response::new(
                500,
                "text/plain",
                "storage backend unavailable\n",
            ))
        })
    });
    let sb = insecure_sandbox(front.addr());
    let reference = format!("{}/engine-test/busybox:latest", front.addr());
    let out = sb.engine(&["pull", &reference]);
    assert_engine_error(&out, &[layer, front.addr(), "500"]);
    assert_no_image_no_layer(&sb, &store::root(&sb), &[]);
}

/// A captive portal or a misconfigured proxy: 200 with an HTML page instead of the content.
const HTML: &str = "<html><body><h1>Please sign in to the network</h1></body></html>\n";

#[test]
fn html_instead_of_a_layer_fails_cleanly() {
    let layer = busybox_layer(0);
    let front = FaultyFront::start(&env().registry, move |request| {
        request
            .is_blob_get(layer)
            .then(|| Reply::Respond(Response::new(200, "text/html", HTML)))
    });
    let sb = insecure_sandbox(front.addr());
    let reference = format!("{}/engine-test/busybox:latest", front.addr());
    let out = sb.engine(&["pull", &reference]);
    assert_engine_error(&out, &[layer]);
    assert_no_image_no_layer(&sb, &store::root(&sb), &[]);
}

#[test]
fn html_instead_of_a_manifest_fails_cleanly() {
    let front = FaultyFront::start(&env().registry, |request| {
        request
            .path()
            .contains("/manifests/")
            .then(|| Reply::Respond(Response::new(200, "text/html", HTML)))
    });
    let sb = insecure_sandbox(front.addr());
    let reference = format!("{}/engine-test/busybox:latest", front.addr());
    let out = sb.engine(&["pull", &reference]);
    assert_engine_error(&out, &["manifest", &reference]);
    assert_nothing_stored(&sb);
}
