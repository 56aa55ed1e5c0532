//! `system check`: what in the store is damaged or left over, and (with `repair`) removing it.
//!
//! The scan runs under the store lock (exclusive when repairing), so nothing it looks at is
//! half-written by a concurrent engine: blobs and layers appear by rename, records and the
//! index are replaced atomically, and temp files of the index and leftover `.removing-*`
//! layers can only belong to writers that died. What is merely unreferenced (a layer or blob
//! a pull wrote just before it was killed, or one that is about to be referenced) counts as
//! damage only once it is older than `max_age`, as podman treats unreferenced layers.

mod repair;
mod scan;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use super::Store;

/// What `system check` looks at and may do.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Skip hashing blobs (the slow part).
    pub quick: bool,
    /// Remove damaged images (unless containers use them), damaged or stale layers and blobs,
    /// and leftovers of interrupted operations.
    pub repair: bool,
    /// With `repair`, also remove the containers that use damaged images or layers. Stop
    /// running ones first: the store cannot.
    pub remove_containers: bool,
    /// Unreferenced layers and blobs younger than this may belong to a pull in progress.
    pub max_age: Duration,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            quick: false,
            repair: false,
            remove_containers: false,
            max_age: Duration::from_secs(24 * 3600),
        }
    }
}

/// The findings: each damaged thing with one line per problem, and what a repair removed.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CheckReport {
    /// Image id -> problems.
    pub images: BTreeMap<String, Vec<String>>,
    /// Layer directory name (chain ID hex) -> problems.
    pub layers: BTreeMap<String, Vec<String>>,
    /// Blob digest -> problems (blobs no image references).
    pub blobs: BTreeMap<String, Vec<String>>,
    /// Container id -> problems.
    pub containers: BTreeMap<String, Vec<String>>,
    /// Path -> what it is (temp files and directories of interrupted operations).
    pub leftovers: BTreeMap<String, String>,
    pub removed_images: Vec<String>,
    pub removed_layers: Vec<String>,
    pub removed_blobs: Vec<String>,
    pub removed_containers: Vec<String>,
    pub removed_leftovers: Vec<String>,
}

impl CheckReport {
    /// Whether anything was found (repaired or not).
    pub fn has_errors(&self) -> bool {
        !(self.images.is_empty()
            && self.layers.is_empty()
            && self.blobs.is_empty()
            && self.containers.is_empty()
            && self.leftovers.is_empty())
    }

    /// The containers found damaged (those `remove_containers` would remove).
    pub fn damaged_containers(&self) -> impl Iterator<Item = &String> {
        self.containers.keys()
    }

    fn problem(map: &mut BTreeMap<String, Vec<String>>, key: &str, problem: String) {
        map.entry(key.to_string()).or_default().push(problem);
    }
}

impl Store {
    /// Checks the store and, with `options.repair`, removes what is damaged. The report lists
    /// what was found; a repair's removals are in its `removed_*` fields.
    pub fn check(&self, options: &CheckOptions) -> Result<CheckReport> {
        let _lock = if options.repair {
            self.lock_exclusive()?
        } else {
            self.lock_shared()?
        };
        let findings = self.scan(options)?;
        if !options.repair {
            return Ok(findings.report);
        }
        self.repair(findings, options)
    }
}
