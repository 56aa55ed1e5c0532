//! The engine's store as files (layout: src/store/mod.rs), read directly to check what the
//! commands cannot show: which blobs exist, that each is intact, and what tmp/ holds.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::common::Sandbox;

/// The rootless store of a sandbox: `$XDG_DATA_HOME/engine`.
pub fn root(sb: &Sandbox) -> PathBuf {
    sb.data_dir().join("engine")
}

/// The hex names in `blobs/sha256` (empty when the directory does not exist yet).
pub fn blob_names(root: &Path) -> BTreeSet<String> {
    let dir = root.join("blobs/sha256");
    match fs::read_dir(&dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap_or_else(|e| panic!("listing {}: {e}", dir.display())))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeSet::new(),
        Err(e) => panic!("listing {}: {e}", dir.display()),
    }
}

/// Asserts that every entry of `blobs/sha256` is a regular file whose SHA-256 is its name.
#[track_caller]
pub fn assert_blobs_intact(root: &Path) {
    for name in blob_names(root) {
        let path = root.join("blobs/sha256").join(&name);
        let meta =
            fs::symlink_metadata(&path).unwrap_or_else(|e| panic!("stat {}: {e}", path.display()));
        assert!(meta.is_file(), "{} is not a regular file", path.display());
        let data = fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let actual = hex::encode(Sha256::digest(&data));
        assert_eq!(
            actual,
            name,
            "blob {} does not hash to its name",
            path.display()
        );
    }
}

/// `sha256:<hex>` -> `<hex>`.
pub fn hex_of(digest: &str) -> String {
    digest
        .strip_prefix("sha256:")
        .unwrap_or_else(|| panic!("{digest:?} is not a sha256 digest"))
        .to_string()
}

/// The blobs pulling a (single-manifest) fixture image stores: manifest and config (layers
/// are kept unpacked instead, see [`chains_of`]).
pub fn blobs_of(image: &Value) -> BTreeSet<String> {
    let field = |name: &str| {
        image[name]
            .as_str()
            .unwrap_or_else(|| panic!("fixture lacks {name}: {image}"))
    };
    [field("manifest_digest"), field("config_digest")]
        .map(hex_of)
        .into()
}

/// The chain IDs (hex) of a fixture image's layers, computed here from its diff_ids as the OCI
/// image spec defines them: `chain[0] = diff[0]`, `chain[n] = sha256(chain[n-1] + " " + diff[n])`.
pub fn chains_of(image: &Value) -> Vec<String> {
    let diff_ids = image["diff_ids"]
        .as_array()
        .unwrap_or_else(|| panic!("fixture lacks diff_ids: {image}"));
    let mut chains: Vec<String> = Vec::new();
    for diff in diff_ids {
        let diff = diff.as_str().expect("diff_ids are strings");
        let chain = match chains.last() {
            None => diff.to_string(),
            Some(parent) => format!(
                "sha256:{}",
                hex::encode(Sha256::digest(format!("{parent} {diff}")))
            ),
        };
        chains.push(chain);
    }
    chains.iter().map(|c| hex_of(c)).collect()
}

/// The unpacked layers in `layers/` (complete ones: with their `layer.json`).
pub fn layer_names(root: &Path) -> BTreeSet<String> {
    let dir = root.join("layers");
    match fs::read_dir(&dir) {
        Ok(entries) => entries
            .flatten()
            .filter(|e| e.path().join("layer.json").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeSet::new(),
        Err(e) => panic!("listing {}: {e}", dir.display()),
    }
}

/// Every entry of `layers/`, complete or not (nothing half-made may stay behind).
pub fn layer_entries(root: &Path) -> BTreeSet<String> {
    fs::read_dir(root.join("layers"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every file and directory below `tmp/`, recursively.
pub fn tmp_entries(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            found.push(path.clone());
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&path, found);
            }
        }
    }
    let mut found = Vec::new();
    walk(&root.join("tmp"), &mut found);
    found
}

/// Bytes in the regular files below `tmp/` (tolerates files vanishing meanwhile).
pub fn tmp_bytes(root: &Path) -> u64 {
    tmp_entries(root)
        .iter()
        .filter_map(|p| fs::symlink_metadata(p).ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Asserts that `tmp/` holds nothing: no scratch directory, no partial blob.
#[track_caller]
pub fn assert_tmp_empty(root: &Path) {
    let left = tmp_entries(root);
    assert!(
        left.is_empty(),
        "temporary files were left behind in {}/tmp: {left:?}",
        root.display()
    );
}
