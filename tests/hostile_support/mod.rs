//! Support for tests/hostile.rs: a fake registry on a hostile server, images made by the test,
//! and the check every refused case must pass — one error line, exit 125, nothing written
//! outside the store, no layer or scratch file left, `images` unchanged, and the next pull of
//! a good image works.

pub mod image;
pub mod tar;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::{Out, Sandbox, report};
use crate::http_front::{HttpFront, Reply, Request};
use crate::pull_support::store::{self, assert_blobs_intact, assert_tmp_empty, layer_entries};
use crate::pull_support::{assert_engine_error, insecure_registry, registries_conf_with};
use image::{Content, Image, Shared, good_image};

/// A hostile server acting as a registry for what `content` holds; `spoil` answers the
/// requests it picks instead.
pub struct FakeRegistry {
    pub server: HttpFront,
    pub content: Shared,
}

impl FakeRegistry {
    pub fn start(
        spoil: impl Fn(&Request, &Content) -> Option<Reply> + Send + Sync + 'static,
    ) -> FakeRegistry {
        let content = Content::shared();
        let held = std::sync::Arc::clone(&content);
        let server = HttpFront::start(None, move |request| {
            let content = held.lock().expect("registry content");
            spoil(request, &content).unwrap_or_else(|| content.answer(request))
        });
        FakeRegistry { server, content }
    }

    /// Serves `image` as `REPOSITORY:latest`; returns the reference to pull.
    pub fn add(&self, repository: &str, image: &Image) -> String {
        self.content
            .lock()
            .expect("registry content")
            .add_image(repository, image);
        self.reference(repository)
    }

    pub fn reference(&self, repository: &str) -> String {
        format!("{}/{repository}:latest", self.server.addr())
    }

    /// A sandbox whose registries.conf lets it pull from this server over plain HTTP.
    pub fn sandbox(&self) -> Sandbox {
        let sb = Sandbox::new();
        registries_conf_with(&sb, &insecure_registry(self.server.addr()));
        sb
    }
}

/// `pull -q REFERENCE` with extra environment variables, bounded in time.
pub fn pull(sb: &Sandbox, reference: &str, vars: &[(&str, &str)]) -> Out {
    let mut command = sb
        .engine_cmd(&["pull", "-q", reference])
        .timeout(Duration::from_secs(90));
    for (key, value) in vars {
        command = command.env(key, value);
    }
    command.run()
}

/// Pulls the hostile `reference` (with `vars` set) between two good images served by `fake`,
/// checks the refusal left everything as it was, records the case for SECURITY.md and returns
/// the error line. `words` must all appear in it.
pub fn assert_refused(
    fake: &FakeRegistry,
    sb: &Sandbox,
    (area, case): (&str, &str),
    reference: &str,
    vars: &[(&str, &str)],
    words: &[&str],
) -> String {
    let before = fake.add("hostile/good-before", &good_image("before"));
    pull(sb, &before, &[]).ok();
    let images = sb
        .engine(&["images", "-q", "--no-trunc"])
        .ok()
        .stdout
        .clone();
    let root = store::root(sb);
    let layers = layer_entries(&root);
    let canary = plant_canary(sb);

    let out = pull(sb, reference, vars);
    let line = assert_engine_error(&out, words);

    assert_canary_intact(&canary);
    assert_eq!(
        sb.engine(&["images", "-q", "--no-trunc"]).ok().stdout,
        images,
        "the refused pull changed the image list"
    );
    assert_eq!(layer_entries(&root), layers, "a refused layer was kept");
    assert_tmp_empty(&root);
    assert_blobs_intact(&root);
    let after = fake.add("hostile/good-after", &good_image("after"));
    pull(sb, &after, &[]).ok();
    report::record("hostile", area, case, &format!("refused, exit 125: {line}"));
    line
}

/// A directory of the test user's where a layer escaping the store would land, with one file.
pub fn plant_canary(sb: &Sandbox) -> PathBuf {
    sb.write_file("canary/keep", "canary\n");
    sb.home().join("canary")
}

#[track_caller]
pub fn assert_canary_intact(dir: &Path) {
    let names: Vec<String> = fs::read_dir(dir)
        .expect("listing the canary")
        .map(|e| {
            e.expect("canary entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        ["keep"],
        "something was written into {}",
        dir.display()
    );
    assert_eq!(
        fs::read_to_string(dir.join("keep")).expect("reading the canary"),
        "canary\n"
    );
}

/// The unpacked directory of the image's layer `n` (0 = bottom), read as root.
pub fn layer_dir(sb: &Sandbox, reference: &str, n: usize) -> PathBuf {
    let out = sb.engine(&["image", "inspect", reference]);
    let inspect: serde_json::Value =
        serde_json::from_str(&out.ok().stdout).expect("image inspect prints JSON");
    let diff_ids = &inspect[0]["RootFS"]["Layers"];
    let chain = chain_id(diff_ids, n);
    store::root(sb)
        .join("layers")
        .join(chain.trim_start_matches("sha256:"))
        .join("diff")
}

/// The chain ID of layer `n` from the diff IDs (OCI image spec).
fn chain_id(diff_ids: &serde_json::Value, n: usize) -> String {
    let ids: Vec<&str> = diff_ids
        .as_array()
        .expect("RootFS.Layers")
        .iter()
        .map(|v| v.as_str().expect("a diff ID"))
        .collect();
    let mut chain = ids[0].to_string();
    for id in &ids[1..=n] {
        chain = image::sha256(format!("{chain} {id}").as_bytes());
    }
    chain
}
