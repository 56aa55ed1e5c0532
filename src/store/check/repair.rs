//! The repairing half of `system check`: removing what the scan found, in the order that keeps
//! the store consistent at every step (index first, then what nothing references any more).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result};

use super::scan::Findings;
use super::{CheckOptions, CheckReport};
use crate::store::{Store, tmp};
use crate::util::digest::Digest;

impl Store {
    /// Removes what `findings` lists; the caller holds the exclusive lock. Images that
    /// containers use stay unless `remove_containers`, and so do their layers and blobs.
    pub(super) fn repair(&self, findings: Findings, options: &CheckOptions) -> Result<CheckReport> {
        let Findings {
            mut report,
            mut index,
            containers,
        } = findings;

        // Containers first (only when asked): they keep images and layers alive.
        let mut remaining = Vec::new();
        for container in containers {
            if options.remove_containers && report.containers.contains_key(&container.id) {
                self.remove_container_locked(&container.id)?;
                report.removed_containers.push(container.id);
            } else {
                remaining.push(container);
            }
        }
        // Unreadable records have no usable content to keep anything alive.
        if options.remove_containers {
            for id in report.containers.keys() {
                if !report.removed_containers.contains(id) && self.container_dir(id).exists() {
                    self.remove_container_locked(id)?;
                    report.removed_containers.push(id.clone());
                }
            }
        }

        let used_images: BTreeSet<&str> = remaining.iter().map(|c| c.image_id.as_str()).collect();
        let doomed: Vec<String> = report
            .images
            .keys()
            .filter(|id| !used_images.contains(id.as_str()))
            .cloned()
            .collect();
        let removed = index.remove_images(&doomed);
        if !removed.is_empty() {
            self.write_index(&index)?;
            report.removed_images = doomed;
        }

        // What the remaining images and containers need stays, damaged or not; what removed
        // images had goes like `rmi` removes it, with what the scan found.
        let keep_layers: BTreeSet<String> = index
            .referenced_layers()
            .into_iter()
            .chain(remaining.iter().flat_map(|c| c.layers.iter()))
            .map(|d| d.hex().to_string())
            .collect();
        let layer_candidates: BTreeSet<String> = removed
            .iter()
            .flat_map(|i| i.layer_chains())
            .map(|d| d.hex().to_string())
            .chain(report.layers.keys().cloned())
            .collect();
        for name in layer_candidates.difference(&keep_layers) {
            let path = self.layers_dir().join(name);
            if path.exists() {
                self.remove_path(&path)?;
                report.removed_layers.push(name.clone());
            }
        }

        let keep_blobs = index.referenced_blobs();
        let blob_candidates: BTreeSet<Digest> = removed
            .iter()
            .flat_map(|i| i.blobs())
            .cloned()
            .chain(report.blobs.keys().filter_map(|d| Digest::parse(d).ok()))
            .collect();
        for blob in blob_candidates.iter().filter(|b| !keep_blobs.contains(b)) {
            if self.delete_blobs([blob])? > 0 {
                report.removed_blobs.push(blob.as_str().to_string());
            }
        }

        for path in report.leftovers.keys() {
            self.remove_path(Path::new(path))?;
            report.removed_leftovers.push(path.clone());
        }
        Ok(report)
    }

    fn remove_path(&self, path: &Path) -> Result<()> {
        tmp::remove_any(path, &self.remover).with_context(|| {
            format!(
                "removing {}: run `engine unshare rm -rf {}`",
                path.display(),
                path.display()
            )
        })
    }
}
