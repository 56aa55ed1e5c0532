//! What the store keeps for containers with a user namespace of their own
//! (`--userns=keep-id|auto`): their ranges of subordinate IDs and their ID-shifted layer copies
//! (`layers/<chain>/shifted/<key>/`, made by `rootfs::shift`).
//!
//! An auto container's range is chosen under the exclusive store lock, in the same critical
//! section that writes its record, so two containers created at once never get overlapping
//! ranges; the record holds the range, so removing the container frees it.

use std::path::PathBuf;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use super::{ContainerRecord, Store};
use crate::util::digest::Digest;

const SHIFTED_DIR: &str = "shifted";

/// A container's own user namespace layout, kept in its record.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct UsernsRecord {
    /// `keep-id` or `auto`, with options as given (`auto:size=2000`).
    pub mode: String,
    /// auto: the subordinate IDs it holds, as (offset from the first subordinate ID, count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_range: Option<(u32, u32)>,
    /// The key of its ID-shifted layer copies; empty when it uses the layers as they are.
    #[serde(default)]
    pub shift_key: String,
    /// Whether the copies are its own (auto: no other container has its mapping), so they go
    /// with it.
    #[serde(default)]
    pub private_copies: bool,
}

/// The first offset where `size` subordinate IDs are free of every range in `taken`, among
/// `total` subordinate IDs.
pub fn free_range(taken: &[(u32, u32)], size: u32, total: u32) -> Result<u32> {
    let mut taken = taken.to_vec();
    taken.sort_unstable();
    let mut start: u64 = 0;
    for (offset, count) in taken {
        if u64::from(offset) >= start + u64::from(size) {
            break;
        }
        start = start.max(u64::from(offset) + u64::from(count));
    }
    if start + u64::from(size) > u64::from(total) {
        bail!(
            "--userns=auto: no {size} free subordinate IDs left (you have {total}, and other \
             auto containers hold the rest): remove some of them, use a smaller auto:size=N, \
             or add IDs in /etc/subuid and /etc/subgid"
        );
    }
    Ok(start as u32)
}

/// The auto ranges existing containers hold.
pub fn auto_ranges(containers: &[ContainerRecord]) -> Vec<(u32, u32)> {
    containers
        .iter()
        .filter_map(|c| c.userns.as_ref()?.auto_range)
        .collect()
}

impl Store {
    /// `layers/<chain>/shifted/<key>`: a layer's copy for one mapping (its files in `diff/`).
    pub fn shifted_layer(&self, chain: &Digest, key: &str) -> PathBuf {
        self.layer_path(chain).join(SHIFTED_DIR).join(key)
    }

    /// Removes the private shifted copies of a removed container, unless another container
    /// uses the same mapping. The caller holds the exclusive lock.
    pub(super) fn release_userns(&self, removed: &ContainerRecord) -> Result<()> {
        let Some(userns) = &removed.userns else {
            return Ok(());
        };
        if !userns.private_copies || userns.shift_key.is_empty() {
            return Ok(());
        }
        let shared = self.read_containers()?.iter().any(|c| {
            c.id != removed.id
                && c.userns
                    .as_ref()
                    .is_some_and(|u| u.shift_key == userns.shift_key)
        });
        if shared {
            return Ok(());
        }
        for chain in &removed.layers {
            let copy = self.shifted_layer(chain, &userns.shift_key);
            if copy.exists() {
                super::tmp::remove_any(&copy, &self.remover).map_err(|e| {
                    anyhow::anyhow!(
                        "removing the ID-shifted layer copy {}: {e}: run `engine unshare rm \
                         -rf {}`",
                        copy.display(),
                        copy.display()
                    )
                })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_first_fit_and_never_overlap() {
        assert_eq!(free_range(&[], 1024, 65536).unwrap(), 0);
        assert_eq!(free_range(&[(0, 1024)], 1024, 65536).unwrap(), 1024);
        // A hole big enough is reused; one too small is skipped.
        let taken = [(2048, 1024), (0, 1000)];
        assert_eq!(free_range(&taken, 1048, 65536).unwrap(), 1000);
        assert_eq!(free_range(&taken, 1049, 65536).unwrap(), 3072);
        assert_eq!(free_range(&taken, 10, 65536).unwrap(), 1000);
        let err = free_range(&[(0, 65000)], 1024, 65536).unwrap_err();
        assert!(
            err.to_string().contains("no 1024 free subordinate IDs"),
            "{err}"
        );
        assert_eq!(free_range(&[(0, 64512)], 1024, 65536).unwrap(), 64512);
    }
}
