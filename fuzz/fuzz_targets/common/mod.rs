//! What the targets share: a scratch directory for the loaders that read files.

use std::path::Path;
use std::sync::OnceLock;

/// A directory private to this fuzzing process, kept for its lifetime (libFuzzer exits without
/// running destructors, so tests/fuzz/run.sh points TMPDIR at a directory it removes).
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("creating the fuzz scratch directory"))
        .path()
}
