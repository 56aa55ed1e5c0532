//! The read-only half of `system check`: finding what is damaged or left over.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use sha2::{Digest as _, Sha256};

use super::{CheckOptions, CheckReport};
use crate::store::images::ImageIndex;
use crate::store::layers::{DIFF_DIR, META_FILE};
use crate::store::{ContainerRecord, LayerMeta, Store, chain_ids, tmp};
use crate::util::digest::Digest;
use crate::util::fs::temp_siblings;

/// A scan's report plus what a repair needs to act on it.
pub(super) struct Findings {
    pub report: CheckReport,
    pub index: ImageIndex,
    /// The containers whose records could be read.
    pub containers: Vec<ContainerRecord>,
}

impl Store {
    /// Looks at everything; the caller holds the store lock.
    pub(super) fn scan(&self, options: &CheckOptions) -> Result<Findings> {
        let index = self.read_index()?;
        let mut report = CheckReport::default();

        let mut damaged_layers = BTreeMap::new();
        for name in self.stored_layers()? {
            let problems = self.layer_problems(&name);
            if !problems.is_empty() {
                damaged_layers.insert(name, problems);
            }
        }
        let containers = self.scan_containers(&mut report)?;
        let used_layers: BTreeSet<String> = index
            .referenced_layers()
            .into_iter()
            .chain(containers.iter().flat_map(|c| c.layers.iter()))
            .map(|d| d.hex().to_string())
            .collect();

        for image in index.images() {
            let mut problems = Vec::new();
            for blob in image.blobs() {
                if let Some(problem) = self.blob_problem(blob, options.quick) {
                    problems.push(problem);
                }
            }
            let diff_ids: Vec<Digest> = image.layers.iter().map(|l| l.diff_id.clone()).collect();
            if chain_ids(&diff_ids) != image.layer_chains().cloned().collect::<Vec<_>>() {
                problems.push("its layers' chain IDs do not follow from their diff_ids".into());
            }
            for chain in image.layer_chains() {
                problems.extend(self.use_of_layer(chain, &damaged_layers));
            }
            if !problems.is_empty() {
                report.images.insert(image.id.clone(), problems);
            }
        }

        for container in &containers {
            let mut problems = Vec::new();
            if !container.image_id.is_empty() {
                match index.images().iter().find(|i| i.id == container.image_id) {
                    None => problems.push(format!("its image {} is missing", container.image_id)),
                    Some(_) if report.images.contains_key(&container.image_id) => {
                        problems.push(format!("its image {} is damaged", container.image_id))
                    }
                    Some(_) => {}
                }
            }
            for chain in &container.layers {
                problems.extend(self.use_of_layer(chain, &damaged_layers));
            }
            for problem in problems {
                CheckReport::problem(&mut report.containers, &container.id, problem);
            }
        }

        for (name, problems) in damaged_layers {
            report.layers.insert(name, problems);
        }
        for name in self.stored_layers()? {
            if !used_layers.contains(&name)
                && !report.layers.contains_key(&name)
                && older_than(&self.layers_dir().join(&name), options.max_age)
            {
                let problem = "no image or container uses it (left by an interrupted pull?)";
                CheckReport::problem(&mut report.layers, &name, problem.into());
            }
        }

        let referenced_blobs = index.referenced_blobs();
        for blob in self.stored_blobs()? {
            if !referenced_blobs.contains(&blob)
                && older_than(&self.blob_path(&blob), options.max_age)
            {
                let problem = "no image references it (left by an interrupted pull?)";
                CheckReport::problem(&mut report.blobs, blob.as_str(), problem.into());
            }
        }

        self.scan_temp_files(&mut report)?;
        Ok(Findings {
            report,
            index,
            containers,
        })
    }

    /// Why the layer directory `name` is not a complete layer, if it is not.
    fn layer_problems(&self, name: &str) -> Vec<String> {
        let is_chain_hex = name.len() == 64
            && name
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        if !is_chain_hex {
            return vec!["not a layer (the remains of an interrupted removal?)".into()];
        }
        let dir = self.layers_dir().join(name);
        let meta_path = dir.join(META_FILE);
        let meta: LayerMeta = match fs::read(&meta_path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return vec![format!("{META_FILE} is missing")];
            }
            Err(e) => return vec![format!("{META_FILE} is unreadable: {e}")],
            Ok(data) => match serde_json::from_slice(&data) {
                Ok(meta) => meta,
                Err(e) => return vec![format!("{META_FILE} is corrupt: {e}")],
            },
        };
        let mut problems = Vec::new();
        if meta.chain_id.hex() != name {
            problems.push(format!(
                "{META_FILE} names chain ID {}, not the directory's",
                meta.chain_id
            ));
        }
        if !fs::symlink_metadata(dir.join(DIFF_DIR)).is_ok_and(|m| m.is_dir()) {
            problems.push(format!("its {DIFF_DIR} directory is missing"));
        }
        problems
    }

    /// The problem of an image or container needing layer `chain`, if any.
    fn use_of_layer(
        &self,
        chain: &Digest,
        damaged: &BTreeMap<String, Vec<String>>,
    ) -> Option<String> {
        if damaged.contains_key(chain.hex()) {
            Some(format!("its layer {chain} is damaged"))
        } else if !self.layer_path(chain).exists() {
            Some(format!("its layer {chain} is missing"))
        } else {
            None
        }
    }

    /// Why the blob `digest` is unusable, if it is: missing, or (unless `quick`) not hashing to
    /// its name.
    fn blob_problem(&self, digest: &Digest, quick: bool) -> Option<String> {
        let path = self.blob_path(digest);
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return Some(format!("its blob {digest} is missing"));
        }
        if quick {
            return None;
        }
        match hash_file(&path) {
            Ok(actual) if actual == *digest => None,
            Ok(actual) => Some(format!(
                "its blob {digest} is corrupt (the content hashes to {actual})"
            )),
            Err(e) => Some(format!("its blob {digest} is unreadable: {e}")),
        }
    }

    /// Reads every container directory; records that are corrupt, and directories without a
    /// record, go into the report.
    fn scan_containers(&self, report: &mut CheckReport) -> Result<Vec<ContainerRecord>> {
        let mut found = Vec::new();
        for id in self.container_dir_names()? {
            let dir = self.container_dir(&id);
            let record = dir.join(super::super::containers::RECORD_FILE);
            let temps =
                temp_siblings(&record).with_context(|| format!("listing {}", dir.display()))?;
            for temp in temps {
                report.leftovers.insert(
                    temp.display().to_string(),
                    "a temp file of an interrupted record update".into(),
                );
            }
            if !dir.join(super::super::containers::RECORD_FILE).exists() {
                report.leftovers.insert(
                    dir.display().to_string(),
                    "a container directory without a record (an interrupted rm?)".into(),
                );
                continue;
            }
            match self.read_record(&id) {
                Ok(record) => found.push(record),
                Err(e) => {
                    CheckReport::problem(&mut report.containers, &id, format!("{e:#}"));
                }
            }
        }
        Ok(found)
    }

    /// Temp files of the index and tmp dirs whose owner died.
    fn scan_temp_files(&self, report: &mut CheckReport) -> Result<()> {
        for path in self.index_temp_files()? {
            report.leftovers.insert(
                path.display().to_string(),
                "a temp file of an interrupted index update".into(),
            );
        }
        for dir in tmp::stale_dirs(&self.tmp_root())? {
            report.leftovers.insert(
                dir.display().to_string(),
                "the scratch directory of an engine process that died".into(),
            );
        }
        Ok(())
    }
}

/// Whether `path` was last modified more than `max` ago (a missing path is not).
fn older_than(path: &Path, max: Duration) -> bool {
    let modified = fs::symlink_metadata(path).and_then(|m| m.modified());
    modified.is_ok_and(|t| {
        SystemTime::now()
            .duration_since(t)
            .is_ok_and(|age| age >= max)
    })
}

fn hash_file(path: &Path) -> io::Result<Digest> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 256 * 1024];
    loop {
        match file.read(&mut buffer)? {
            0 => return Ok(Digest::from_hasher(hasher)),
            n => hasher.update(&buffer[..n]),
        }
    }
}
