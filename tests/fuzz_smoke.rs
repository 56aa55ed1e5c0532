//! Replays every committed fuzz seed (fuzz/seeds/TARGET/*) through the same entry points the
//! fuzz targets call, in the ordinary test build: the inputs of crashes the fuzzer found are
//! kept among the seeds, so each stays a regression test even where cargo fuzz is not
//! installed. The coverage-guided runs themselves are tests/fuzz/run.sh.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use engine::fuzz_api;

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
        .into_iter()
        .map(|f| {
            let bytes = fs::read(&f).unwrap_or_else(|e| panic!("reading {}: {e}", f.display()));
            (f, bytes)
        })
        .collect()
}

/// Runs `each` on every seed of `target`; a panic names the seed.
fn replay(target: &str, each: impl Fn(&Path, &[u8])) {
    for (file, bytes) in seeds(target) {
        let scratch = tempfile::tempdir().expect("a scratch directory");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            each(scratch.path(), &bytes);
        }));
        assert!(outcome.is_ok(), "seed {} panicked", file.display());
    }
}

#[test]
fn every_target_has_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let names = |dir: &str, strip: &str| -> BTreeSet<String> {
        fs::read_dir(root.join(dir))
            .expect("listing fuzz/")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter_map(|n| n.strip_suffix(strip).map(str::to_string))
            .collect()
    };
    assert_eq!(names("fuzz_targets", ".rs"), names("seeds", ""));
}

#[test]
fn text_parsers_survive_their_seeds() {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    replay("reference", |_, b| fuzz_api::image_reference(&text(b)));
    replay("policy_json", |_, b| {
        let _ = fuzz_api::policy_json(&text(b));
    });
    replay("manifest", |_, b| {
        let _ = fuzz_api::manifest(b);
    });
    replay("image_config", |_, b| {
        let _ = fuzz_api::image_config(b);
    });
}

#[test]
fn config_files_survive_their_seeds() {
    replay("registries_conf", |d, b| {
        let _ = fuzz_api::registries_conf(d, b);
    });
    replay("shortnames", |d, b| {
        let _ = fuzz_api::shortname_aliases(d, b);
    });
    replay("auth_json", |d, b| {
        let _ = fuzz_api::auth_json(d, b);
    });
    replay("containers_conf", |d, b| {
        let _ = fuzz_api::containers_conf(d, b);
    });
    replay("storage_conf", |d, b| {
        let _ = fuzz_api::storage_conf(d, b);
    });
    replay("seccomp_profile", |d, b| {
        let _ = fuzz_api::seccomp_profile(d, b);
    });
}

/// The committed seeds parse as what they are: a seed that errors covers little.
#[test]
fn real_config_seeds_are_accepted() {
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let read = |rel: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds")
            .join(rel);
        fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    };
    let d = scratch.path();
    fuzz_api::registries_conf(d, &read("registries_conf/mirrors.conf")).expect("registries.conf");
    fuzz_api::shortname_aliases(d, &read("shortnames/cache.conf")).expect("alias cache");
    fuzz_api::auth_json(d, &read("auth_json/auths.json")).expect("auth.json");
    fuzz_api::containers_conf(d, &read("containers_conf/fields.conf")).expect("containers.conf");
    fuzz_api::storage_conf(d, &read("storage_conf/overlay.conf")).expect("storage.conf");
    fuzz_api::seccomp_profile(d, &read("seccomp_profile/default.json")).expect("seccomp");
    let policy = String::from_utf8(read("policy_json/scoped.json")).expect("UTF-8");
    fuzz_api::policy_json(&policy).expect("policy.json");
    fuzz_api::manifest(&read("manifest/oci-index.json")).expect("an OCI index");
    fuzz_api::manifest(&read("manifest/docker-v2s2.json")).expect("a docker manifest");
    fuzz_api::image_config(&read("image_config/busybox-amd64.json")).expect("an image config");
}

/// Every seed tar unpacks into its root or is refused, and nothing appears or changes next to
/// the root, as in the fuzz target: the escape attempts among the seeds are the classic ones
/// (`../`, absolute names, symlinked parents, a symlink chain, hard links out).
#[test]
fn seed_layers_stay_inside_their_root() {
    const CANARY: &[u8] = b"must not change\n";
    for (file, bytes) in seeds("unpack") {
        let dir = tempfile::tempdir().expect("a scratch directory");
        let root = dir.path().join("root");
        fs::create_dir(&root).expect("creating the root");
        fs::write(dir.path().join("canary"), CANARY).expect("writing the canary");
        let outcome = fuzz_api::unpack_tar(&root, &bytes);
        let names: BTreeSet<String> = fs::read_dir(dir.path())
            .expect("listing the scratch directory")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let expected = BTreeSet::from(["canary".to_string(), "root".to_string()]);
        assert_eq!(names, expected, "{}: {outcome:?}", file.display());
        let canary = fs::read(dir.path().join("canary")).expect("reading the canary");
        assert_eq!(canary, CANARY, "{}: the canary changed", file.display());
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        if name == "files.tar" || name == "links.tar" {
            outcome.unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }
}
