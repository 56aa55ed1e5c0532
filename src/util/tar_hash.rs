//! The hashes of a layer's uncompressed tar, taken in one pass as the layer is stored: SHA-256,
//! its diff_id (the layer's name in image configs), and XXH3-128, recorded in layer.json so
//! that the tar a push or save rebuilds from the store is checked at a fraction of SHA-256's
//! cost (on the push benchmark, hashing the rebuilt tars took 7% of the wall time).
//!
//! XXH3 is no cryptographic hash, and need not be here: the check catches files changed on
//! disk since the layer was stored; whoever can write the store can rewrite layer.json too.

use sha2::{Digest as _, Sha256};
use xxhash_rust::xxh3::Xxh3;

use super::digest::Digest;

const XXH3_PREFIX: &str = "xxh3-128:";

/// What a stored tar hashed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarHashes {
    pub diff_id: Digest,
    /// `xxh3-128:<32 hex>`.
    pub checksum: String,
    pub size: u64,
}

/// Both hashes of a tar being stored, and its size.
#[derive(Default)]
pub struct TarHasher {
    sha256: Sha256,
    check: TarChecksum,
    size: u64,
}

impl TarHasher {
    pub fn update(&mut self, data: &[u8]) {
        self.sha256.update(data);
        self.check.update(data);
        self.size += data.len() as u64;
    }

    /// Bytes hashed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn finish(self) -> TarHashes {
        TarHashes {
            diff_id: Digest::from_hasher(self.sha256),
            checksum: self.check.value(),
            size: self.size,
        }
    }
}

/// The XXH3-128 of a tar, for checking a rebuilt one against what was recorded.
#[derive(Default)]
pub struct TarChecksum(Xxh3);

impl TarChecksum {
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// `xxh3-128:<32 hex>` of what was hashed so far.
    pub fn value(&self) -> String {
        format!("{XXH3_PREFIX}{:032x}", self.0.digest128())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_gives_the_diff_id_the_checksum_and_the_size() {
        let data = b"a layer tar, in pieces";
        let mut hasher = TarHasher::default();
        for piece in data.chunks(5) {
            hasher.update(piece);
        }
        let hashes = hasher.finish();
        assert_eq!(hashes.diff_id, Digest::of(data));
        assert_eq!(hashes.size, data.len() as u64);
        let mut whole = TarChecksum::default();
        whole.update(data);
        assert_eq!(hashes.checksum, whole.value());
        // XXH3-128 of nothing, as the reference implementation gives it (`xxhsum -H2`).
        assert_eq!(
            TarChecksum::default().value(),
            "xxh3-128:99aa06d3014798d86001c324468d497f"
        );
    }
}
