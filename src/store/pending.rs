//! The deletion journal, `<root>/removing.json`: the layers and blobs an index update is about
//! to make unreferenced, written before the index. An engine killed between the index write
//! and the deletions leaves it behind; the next [`Store::open`] deletes whatever of it is still
//! unreferenced, so a killed `rmi` leaks nothing.

use std::collections::BTreeSet;
use std::fs;
use std::io;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::Store;
use crate::util::digest::Digest;
use crate::util::fs::write_atomic;

const JOURNAL_FILE: &str = "removing.json";

/// What an index update is about to delete (if nothing else references it).
#[derive(Serialize, Deserialize, Default)]
pub(super) struct Doomed {
    pub layers: Vec<Digest>,
    pub blobs: Vec<Digest>,
}

impl Store {
    /// Records `doomed` before the index write that makes it unreferenced. The caller holds
    /// the exclusive lock.
    pub(super) fn journal_deletion(&self, doomed: &Doomed) -> Result<()> {
        let path = self.root.join(JOURNAL_FILE);
        write_atomic(&path, &serde_json::to_vec(doomed)?, 0o600)
            .with_context(|| format!("writing the deletion journal {}", path.display()))
    }

    /// The deletions are done (or left to the next sweep if they failed midway).
    pub(super) fn finish_deletion(&self) {
        let _ = fs::remove_file(self.root.join(JOURNAL_FILE));
    }

    pub(super) fn has_deletion_journal(&self) -> bool {
        self.root.join(JOURNAL_FILE).exists()
    }

    /// Completes what a killed engine journaled: deletes what no image or container references
    /// now. The caller holds the exclusive lock.
    pub(super) fn finish_journaled_deletion(&self) -> Result<()> {
        let path = self.root.join(JOURNAL_FILE);
        let doomed: Doomed = match fs::read(&path) {
            Ok(data) => serde_json::from_slice(&data).unwrap_or_default(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let index = self.read_index()?;
        let (_, container_layers) = self.used_by_containers()?;
        let keep_layers: BTreeSet<&Digest> = index
            .referenced_layers()
            .into_iter()
            .chain(container_layers.iter())
            .collect();
        let keep_blobs = index.referenced_blobs();
        self.delete_layers(doomed.layers.iter().filter(|l| !keep_layers.contains(l)))?;
        self.delete_blobs(doomed.blobs.iter().filter(|b| !keep_blobs.contains(b)))?;
        self.finish_deletion();
        Ok(())
    }
}
