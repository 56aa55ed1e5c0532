//! Local image management on a real store filled by real pulls: `images` (table, filters,
//! json and templates), `tag`, `rmi`, `inspect` and `image prune`.

mod common;
mod pull_support;

use std::collections::BTreeSet;
use std::io::Read;

use common::{Out, Sandbox, env, fixture, fixture_str};
use flate2::read::GzDecoder;
use pull_support::pushed::{LayerCompression, push_unique_image};
use pull_support::store::{self, assert_blobs_intact, blob_names, blobs_of};
use pull_support::{assert_engine_error, lines, short_id};
use serde_json::Value;

/// Pulls fixture `key` (e.g. "busybox:latest") and returns its reference.
fn pull_fixture(sb: &Sandbox, key: &str) -> &'static str {
    let reference = fixture_str(key, "reference");
    let out = sb.engine(&["pull", "-q", reference]);
    assert_eq!(out.ok().line(), fixture_str(key, "image_id"), "{out}");
    reference
}

fn id_of(key: &str) -> &'static str {
    fixture_str(key, "image_id")
}

fn json_of(out: &Out) -> Value {
    out.ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{out}"))
}

/// `images --format TEMPLATE [args]` lines.
fn images_formatted(sb: &Sandbox, template: &str, args: &[&str]) -> Vec<String> {
    let out = sb.engine(&[&["images", "--format", template], args].concat());
    lines(out.ok()).into_iter().map(str::to_string).collect()
}

/// The uncompressed size of a fixture image: what `Size` reports. Computed from the layer
/// blobs in the registry's storage (the engine keeps layers unpacked, not compressed).
fn uncompressed_size(_sb: &Sandbox, key: &str) -> u64 {
    let blobs = env().registry_dir.join("docker/registry/v2/blobs/sha256");
    let layers = fixture(key)["layers"].as_array().expect("layers");
    layers
        .iter()
        .map(|digest| {
            let hex = store::hex_of(digest.as_str().expect("digest"));
            let path = blobs.join(&hex[..2]).join(&hex).join("data");
            let blob = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("reading layer blob {}: {e}", path.display()));
            let mut tar = Vec::new();
            GzDecoder::new(blob.as_slice())
                .read_to_end(&mut tar)
                .expect("a gzip layer");
            tar.len() as u64
        })
        .sum()
}

// --- images ---

#[test]
fn images_table_lists_one_row_per_name() {
    let sb = Sandbox::new();
    let busybox = pull_fixture(&sb, "busybox:latest");
    let other = pull_fixture(&sb, "other:latest");
    let out = sb.engine(&["images"]);
    let table = lines(out.ok());
    assert_eq!(table.len(), 3, "a header and two rows\n{out}");
    let header: Vec<&str> = table[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"],
        "{out}"
    );
    for (reference, key) in [(busybox, "busybox:latest"), (other, "other:latest")] {
        let (repo, tag) = reference.rsplit_once(':').expect("name:tag");
        let row = table
            .iter()
            .find(|l| l.starts_with(repo))
            .unwrap_or_else(|| panic!("no row for {repo}\n{out}"));
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(&cells[..3], [repo, tag, short_id(id_of(key))], "{out}");
    }
    for alias in [["image", "ls"], ["image", "list"]] {
        let again = sb.engine(&alias);
        assert_eq!(
            again.ok().stdout,
            out.stdout,
            "`engine {}` must match `engine images`",
            alias.join(" ")
        );
    }
}

#[test]
fn images_quiet_noheading_no_trunc_and_digests() {
    let sb = Sandbox::new();
    let reference = pull_fixture(&sb, "busybox:latest");
    let id = id_of("busybox:latest");
    // A second name: one more row, but -q lists the image once.
    sb.engine(&["tag", reference, "localhost/second:v1"]).ok();
    assert_eq!(lines(sb.engine(&["images", "-q"]).ok()), [short_id(id)]);
    assert_eq!(
        lines(sb.engine(&["images", "-q", "--no-trunc"]).ok()),
        [format!("sha256:{id}")]
    );

    let out = sb.engine(&["images", "-n"]);
    let rows = lines(out.ok());
    assert_eq!(rows.len(), 2, "two rows and no header\n{out}");
    assert!(rows.iter().all(|r| !r.contains("REPOSITORY")), "{out}");

    let out = sb.engine(&["images", "--no-trunc"]);
    out.ok().stdout_has(&format!("sha256:{id}"));

    let out = sb.engine(&["images", "--digests"]);
    let table = lines(out.ok());
    assert!(table[0].split_whitespace().any(|h| h == "DIGEST"), "{out}");
    out.stdout_has(fixture_str("busybox:latest", "manifest_digest"));
}

#[test]
fn images_json_has_podmans_fields() {
    let sb = Sandbox::new();
    let reference = pull_fixture(&sb, "busybox:latest");
    let value = json_of(&sb.engine(&["images", "--format", "json"]));
    let list = value
        .as_array()
        .unwrap_or_else(|| panic!("not a JSON array: {value}"));
    assert_eq!(list.len(), 1, "{value}");
    let image = &list[0];
    let digest = fixture_str("busybox:latest", "manifest_digest");
    let (name, _) = reference.rsplit_once(':').expect("name:tag");
    assert_eq!(image["Id"], id_of("busybox:latest"));
    assert_eq!(image["RepoTags"], serde_json::json!([reference]));
    assert_eq!(image["Names"], serde_json::json!([reference]));
    assert_eq!(image["Digest"], digest);
    let repo_digests = image["RepoDigests"].as_array().expect("RepoDigests array");
    assert!(
        repo_digests.contains(&Value::from(format!("{name}@{digest}"))),
        "{image}"
    );
    assert_eq!(
        image["Size"].as_u64(),
        Some(uncompressed_size(&sb, "busybox:latest")),
        "{image}"
    );
    assert!(
        image.get("Created").is_some_and(|c| !c.is_null()),
        "Created is missing: {image}"
    );
}

#[test]
fn images_go_templates() {
    let sb = Sandbox::new();
    let reference = pull_fixture(&sb, "busybox:latest");
    let id = id_of("busybox:latest");
    assert_eq!(
        images_formatted(&sb, "{{.Repository}}:{{.Tag}} {{.ID}}", &[]),
        [format!("{reference} {}", short_id(id))]
    );
    assert_eq!(
        images_formatted(&sb, "{{.Digest}}", &[]),
        [fixture_str("busybox:latest", "manifest_digest")]
    );
    // `table` keeps the header row.
    let out = sb.engine(&["images", "--format", "table {{.ID}}"]);
    let table = lines(out.ok());
    assert_eq!(table.len(), 2, "{out}");
    assert_eq!(table[1].trim(), short_id(id), "{out}");
}

#[test]
fn images_filters_by_reference_and_repository_argument() {
    let sb = Sandbox::new();
    pull_fixture(&sb, "busybox:latest");
    let other = pull_fixture(&sb, "other:latest");
    let (other_repo, _) = other.rsplit_once(':').expect("name:tag");
    let other_id = short_id(id_of("other:latest"));
    for filter in [
        "reference=engine-test/other",
        "reference=*other*",
        &format!("reference={other}"),
    ] {
        assert_eq!(
            images_formatted(&sb, "{{.ID}}", &["--filter", filter]),
            [other_id],
            "{filter}"
        );
    }
    assert_eq!(images_formatted(&sb, "{{.ID}}", &[other_repo]), [other_id]);
    assert_eq!(
        images_formatted(&sb, "{{.ID}}", &["--filter", "reference=no-such-image"]),
        Vec::<String>::new()
    );
    let out = sb.engine(&["images", "--filter", "no-such-key=1"]);
    assert_engine_error(&out, &["no-such-key"]);
}

#[test]
fn images_filters_by_creation_time() {
    let old = push_unique_image("old", "2020-01-01T00:00:00Z", LayerCompression::Gzip);
    let middle = push_unique_image("middle", "2022-01-01T00:00:00Z", LayerCompression::Gzip);
    let sb = Sandbox::new();
    for image in [&old, &middle] {
        let out = sb.engine(&["pull", "-q", &image.reference]);
        assert_eq!(out.ok().line(), image.id, "{out}");
    }
    pull_fixture(&sb, "busybox:latest"); // created 2024
    let before = images_formatted(
        &sb,
        "{{.ID}}",
        &["--filter", &format!("before={}", middle.reference)],
    );
    assert_eq!(before, [short_id(&old.id)]);
    let since = images_formatted(
        &sb,
        "{{.ID}}",
        &["--filter", &format!("since={}", middle.reference)],
    );
    assert_eq!(since, [short_id(id_of("busybox:latest"))]);
}

// --- tag ---

#[test]
fn tag_adds_names_and_short_ones_go_to_localhost() {
    let sb = Sandbox::new();
    let reference = pull_fixture(&sb, "busybox:latest");
    let id = id_of("busybox:latest");
    let qualified = format!("{}/engine-test/renamed:v9", env().registry);
    sb.engine(&["tag", short_id(id), "mybox", "project/tool:1.0", &qualified])
        .ok();
    let mut names = images_formatted(&sb, "{{.Repository}}:{{.Tag}}", &[]);
    names.sort();
    let mut expected = vec![
        reference.to_string(),
        "localhost/mybox:latest".into(),
        "localhost/project/tool:1.0".into(),
        qualified,
    ];
    expected.sort();
    assert_eq!(names, expected);
    // Every name designates the same image.
    for name in ["mybox", "localhost/project/tool:1.0"] {
        assert_eq!(
            sb.engine(&["image", "inspect", "--format", "{{.Id}}", name])
                .ok()
                .line(),
            id,
            "{name}"
        );
    }
}

#[test]
fn tag_errors() {
    let sb = Sandbox::new();
    pull_fixture(&sb, "busybox:latest");
    assert_engine_error(
        &sb.engine(&["tag", "no-such-image", "x"]),
        &["no-such-image"],
    );
    assert_engine_error(
        &sb.engine(&["tag", short_id(id_of("busybox:latest")), "Bad:Name"]),
        &["Bad"],
    );
}

// --- rmi ---

#[test]
fn rmi_of_one_of_two_names_only_untags() {
    let sb = Sandbox::new();
    let reference = pull_fixture(&sb, "busybox:latest");
    sb.engine(&["tag", reference, "second"]).ok();
    let before = blob_names(&store::root(&sb));
    let out = sb.engine(&["rmi", "second"]);
    assert_eq!(
        lines(out.ok()),
        ["Untagged: localhost/second:latest"],
        "{out}"
    );
    assert_eq!(
        images_formatted(&sb, "{{.Repository}}:{{.Tag}}", &[]),
        [reference]
    );
    assert_eq!(
        blob_names(&store::root(&sb)),
        before,
        "untagging must not remove blobs"
    );
}

#[test]
fn rmi_by_id_of_an_image_with_two_names_needs_force() {
    let sb = Sandbox::new();
    let reference = pull_fixture(&sb, "busybox:latest");
    let id = id_of("busybox:latest");
    sb.engine(&["tag", reference, "second"]).ok();
    let out = sb.engine(&["rmi", short_id(id)]);
    assert_engine_error(&out, &[short_id(id)]);
    assert_eq!(
        lines(sb.engine(&["images", "-q"]).ok()),
        [short_id(id)],
        "a refused rmi removed something"
    );

    let out = sb.engine(&["rmi", "-f", short_id(id)]);
    let printed = lines(out.ok());
    let mut untagged: Vec<&str> = printed
        .iter()
        .filter(|l| l.starts_with("Untagged: "))
        .copied()
        .collect();
    untagged.sort();
    let first = format!("Untagged: {reference}");
    let mut expected = vec!["Untagged: localhost/second:latest", first.as_str()];
    expected.sort();
    assert_eq!(untagged, expected, "{out}");
    assert_eq!(
        printed.last().copied(),
        Some(format!("Deleted: {id}").as_str()),
        "{out}"
    );
    assert_eq!(sb.engine(&["images", "-q"]).ok().stdout, "");
    assert_eq!(
        blob_names(&store::root(&sb)),
        BTreeSet::new(),
        "every blob was only this image's"
    );
}

#[test]
fn rmi_keeps_blobs_another_image_shares() {
    let sb = Sandbox::new();
    pull_fixture(&sb, "busybox:latest");
    let other = pull_fixture(&sb, "other:latest");
    let out = sb.engine(&["image", "rm", other]);
    assert_eq!(
        lines(out.ok()),
        [
            format!("Untagged: {other}"),
            format!("Deleted: {}", id_of("other:latest"))
        ]
    );
    let root = store::root(&sb);
    // The shared base layer stays for busybox; other's own blobs are gone.
    assert_eq!(blob_names(&root), blobs_of(fixture("busybox:latest")));
    assert_blobs_intact(&root);
    assert_eq!(
        lines(sb.engine(&["images", "-q"]).ok()),
        [short_id(id_of("busybox:latest"))]
    );

    sb.engine(&[
        "image",
        "remove",
        fixture_str("busybox:latest", "reference"),
    ])
    .ok();
    assert_eq!(blob_names(&root), BTreeSet::new());
}

#[test]
fn rmi_all_and_unknown_images() {
    let sb = Sandbox::new();
    pull_fixture(&sb, "busybox:latest");
    pull_fixture(&sb, "other:latest");
    let out = sb.engine(&["rmi", "no-such-image"]);
    assert_engine_error(&out, &["no-such-image"]);
    assert_eq!(lines(sb.engine(&["images", "-q"]).ok()).len(), 2);

    let out = sb.engine(&["rmi", "-a"]);
    let deleted: BTreeSet<&str> = lines(out.ok())
        .into_iter()
        .filter(|l| l.starts_with("Deleted: "))
        .collect();
    let expected: BTreeSet<String> = [id_of("busybox:latest"), id_of("other:latest")]
        .iter()
        .map(|id| format!("Deleted: {id}"))
        .collect();
    assert_eq!(
        deleted,
        expected.iter().map(String::as_str).collect(),
        "{out}"
    );
    assert_eq!(sb.engine(&["images", "-q"]).ok().stdout, "");
    assert_eq!(blob_names(&store::root(&sb)), BTreeSet::new());
}

// --- inspect ---

#[test]
fn inspect_reports_the_image_config() {
    let sb = Sandbox::new();
    let reference = pull_fixture(&sb, "busybox:latest");
    let id = id_of("busybox:latest");
    let value = json_of(&sb.engine(&["inspect", reference]));
    let list = value
        .as_array()
        .unwrap_or_else(|| panic!("not a JSON array: {value}"));
    assert_eq!(list.len(), 1);
    let image = &list[0];
    let (name, _) = reference.rsplit_once(':').expect("name:tag");
    let digest = fixture_str("busybox:latest", "manifest_digest");
    assert_eq!(image["Id"], id);
    assert_eq!(image["Digest"], digest);
    assert_eq!(image["RepoTags"], serde_json::json!([reference]));
    assert!(
        image["RepoDigests"]
            .as_array()
            .is_some_and(|d| d.contains(&format!("{name}@{digest}").into())),
        "{image}"
    );
    assert!(
        image["Created"]
            .as_str()
            .is_some_and(|c| c.starts_with("2024-01-01T00:00:00")),
        "{image}"
    );
    assert_eq!(image["Architecture"], env().fixtures["native_arch"]);
    assert_eq!(image["Os"], "linux");
    assert_eq!(image["Config"]["Cmd"], serde_json::json!(["sh"]));
    assert_eq!(
        image["Labels"],
        serde_json::json!({"org.engine.test": "busybox"})
    );
    assert_eq!(image["RootFS"]["Type"], "layers");
    assert_eq!(
        image["RootFS"]["Layers"],
        fixture("busybox:latest")["diff_ids"]
    );
    assert_eq!(
        image["Size"].as_u64(),
        Some(uncompressed_size(&sb, "busybox:latest")),
        "{image}"
    );

    // `image inspect` is the same; any way of naming the image works.
    for query in [
        reference,
        short_id(id),
        id,
        &format!("sha256:{id}"),
        &format!("{name}@{digest}"),
    ] {
        let again = json_of(&sb.engine(&["image", "inspect", query]));
        assert_eq!(again, value, "inspect {query}");
    }
}

#[test]
fn inspect_format_and_several_images() {
    let sb = Sandbox::new();
    let busybox = pull_fixture(&sb, "busybox:latest");
    let other = pull_fixture(&sb, "other:latest");
    let out = sb.engine(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}} {{.Architecture}}",
        busybox,
        other,
    ]);
    let arch = env().fixtures["native_arch"].as_str().expect("native_arch");
    assert_eq!(
        lines(out.ok()),
        [
            format!("{} {arch}", id_of("busybox:latest")),
            format!("{} {arch}", id_of("other:latest"))
        ]
    );
    let both = json_of(&sb.engine(&["inspect", busybox, other]));
    assert_eq!(both.as_array().map(Vec::len), Some(2), "{both}");

    let out = sb.engine(&["image", "inspect", "no-such-image"]);
    assert_engine_error(&out, &["no-such-image"]);
}

// --- prune ---

#[test]
fn prune_removes_dangling_images_and_all_with_a() {
    let sb = Sandbox::new();
    let busybox = pull_fixture(&sb, "busybox:latest");
    pull_fixture(&sb, "other:latest");
    // Moving busybox's only name to `other` leaves busybox dangling.
    sb.engine(&["tag", short_id(id_of("other:latest")), busybox])
        .ok();
    let dangling = images_formatted(&sb, "{{.ID}}", &["--filter", "dangling=true"]);
    assert_eq!(dangling, [short_id(id_of("busybox:latest"))]);
    let rows = images_formatted(&sb, "{{.Repository}} {{.Tag}} {{.ID}}", &[]);
    assert!(
        rows.contains(&format!(
            "<none> <none> {}",
            short_id(id_of("busybox:latest"))
        )),
        "{rows:?}"
    );

    let out = sb.engine(&["image", "prune", "-f"]);
    assert_eq!(lines(out.ok()), [id_of("busybox:latest")], "{out}");
    assert_eq!(
        lines(sb.engine(&["images", "-q"]).ok()),
        [short_id(id_of("other:latest"))]
    );
    let root = store::root(&sb);
    assert_eq!(blob_names(&root), blobs_of(fixture("other:latest")));

    let out = sb.engine(&["image", "prune", "-a", "-f"]);
    assert_eq!(lines(out.ok()), [id_of("other:latest")], "{out}");
    assert_eq!(blob_names(&root), BTreeSet::new());
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let sb = Sandbox::new();
    let out = sb.engine(&["images", "--no-such-flag"]);
    out.fails_with(125);
    assert!(
        out.stderr.starts_with("Error: "),
        "the first stderr line must start with \"Error: \"\n{out}"
    );
    out.stderr_has("--no-such-flag");
}
