//! Which compressed blobs a layer (by diff_id) has been pushed as, like containers/image's
//! blob-info cache: our gzip of a stored layer differs from the blob it was pulled as, so
//! without this a second push would upload it again. Losing the file (or an entry, when two
//! pushes write at once) only costs an upload: it is a cache, never trusted without a HEAD.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::Compression;
use crate::store::Store;
use crate::util::digest::Digest;
use crate::util::fs::write_atomic;

const FILE: &str = "blob-info-cache.json";
/// Blobs remembered per layer; the oldest go first.
const PER_LAYER: usize = 8;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CachedBlob {
    pub digest: Digest,
    pub size: u64,
    pub zstd: bool,
}

impl CachedBlob {
    pub fn compression(&self) -> Compression {
        if self.zstd {
            Compression::Zstd
        } else {
            Compression::Gzip
        }
    }
}

pub struct BlobCache {
    path: PathBuf,
}

impl BlobCache {
    pub fn of(store: &Store) -> BlobCache {
        BlobCache {
            path: store.root().join(FILE),
        }
    }

    fn read(&self) -> BTreeMap<Digest, Vec<CachedBlob>> {
        // A missing or damaged cache is an empty one.
        std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Blobs `diff_id` was pushed as, newest first, in `compression` when one is asked for.
    pub fn candidates(
        &self,
        diff_id: &Digest,
        compression: Option<Compression>,
    ) -> Vec<CachedBlob> {
        let mut found = self.read().remove(diff_id).unwrap_or_default();
        found.retain(|b| compression.is_none_or(|c| b.compression() == c));
        found.reverse();
        found
    }

    pub fn record(&self, diff_id: &Digest, blob: CachedBlob) -> Result<()> {
        let mut all = self.read();
        let entries = all.entry(diff_id.clone()).or_default();
        entries.retain(|b| b.digest != blob.digest);
        entries.push(blob);
        if entries.len() > PER_LAYER {
            entries.remove(0);
        }
        let bytes = serde_json::to_vec(&all).context("serialising the blob-info cache")?;
        write_atomic(&self.path, &bytes, 0o600)
            .with_context(|| format!("writing the blob-info cache {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_found_by_diff_id_and_compression_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = BlobCache::of(&store);
        let layer = Digest::of(b"tar");
        assert!(cache.candidates(&layer, None).is_empty());
        let gz = |n: &[u8]| CachedBlob {
            digest: Digest::of(n),
            size: 1,
            zstd: false,
        };
        cache.record(&layer, gz(b"a")).unwrap();
        cache
            .record(
                &layer,
                CachedBlob {
                    digest: Digest::of(b"z"),
                    size: 2,
                    zstd: true,
                },
            )
            .unwrap();
        cache.record(&layer, gz(b"b")).unwrap();
        let gzip = cache.candidates(&layer, Some(Compression::Gzip));
        assert_eq!(gzip, [gz(b"b"), gz(b"a")]);
        assert_eq!(cache.candidates(&layer, Some(Compression::Zstd)).len(), 1);
        assert!(cache.candidates(&Digest::of(b"other"), None).is_empty());
    }

    #[test]
    fn a_damaged_cache_is_empty_and_gets_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
        let cache = BlobCache::of(&store);
        let layer = Digest::of(b"tar");
        assert!(cache.candidates(&layer, None).is_empty());
        let blob = CachedBlob {
            digest: Digest::of(b"x"),
            size: 3,
            zstd: false,
        };
        cache.record(&layer, blob.clone()).unwrap();
        assert_eq!(cache.candidates(&layer, None), [blob]);
    }

    #[test]
    fn only_the_newest_blobs_per_layer_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = BlobCache::of(&store);
        let layer = Digest::of(b"tar");
        for i in 0..20u8 {
            cache
                .record(
                    &layer,
                    CachedBlob {
                        digest: Digest::of(&[i]),
                        size: 1,
                        zstd: false,
                    },
                )
                .unwrap();
        }
        let kept = cache.candidates(&layer, None);
        assert_eq!(kept.len(), PER_LAYER);
        assert_eq!(kept[0].digest, Digest::of(&[19]));
    }
}
