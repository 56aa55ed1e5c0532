//! Renaming a container: the new name is checked against every other container under the same
//! exclusive lock that writes it, so a rename racing a `create --name` (or another rename) to the
//! same name lets exactly one of them have it.

use std::fs;
use std::io;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::{ContainerRecord, Store};

/// The part of a container record a name check needs.
#[derive(Deserialize)]
struct NameOnly {
    id: String,
    name: String,
}

impl Store {
    /// Gives container `id` the name `new_name` (already checked for its form); fails when
    /// another container has it.
    pub fn rename_container(&self, id: &str, new_name: &str) -> Result<ContainerRecord> {
        let mut taken_by = None;
        let mut scan_error = None;
        // update_container holds the exclusive lock while the closure runs: the scan and the
        // write see no concurrent change.
        let updated = self.update_container(id, |record| match self.container_named(new_name) {
            Ok(Some(other)) if other != record.id => taken_by = Some(other),
            Ok(_) => record.name = new_name.to_string(),
            Err(e) => scan_error = Some(e),
        })?;
        if let Some(e) = scan_error {
            return Err(e);
        }
        if let Some(other) = taken_by {
            bail!(
                "the container name {new_name:?} is already in use by container {}; remove that container or choose another name",
                &other[..12.min(other.len())]
            );
        }
        Ok(updated)
    }

    /// The id of the container called `name`. The caller holds the store lock.
    fn container_named(&self, name: &str) -> Result<Option<String>> {
        let dir = self.root.join("containers");
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
        };
        for entry in entries.flatten() {
            let path = entry.path().join("container.json");
            let data = match fs::read(&path) {
                Ok(data) => data,
                // A directory without a record is a container being created or removed.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            };
            let record: NameOnly = serde_json::from_slice(&data).with_context(|| {
                format!(
                    "{} is corrupt; remove that container with `engine rm -f`",
                    path.display()
                )
            })?;
            if record.name == name {
                return Ok(Some(record.id));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: char, name: &str) -> ContainerRecord {
        serde_json::from_value(serde_json::json!({
            "id": id.to_string().repeat(64), "name": name, "image_id": "", "image_name": "i",
            "command": [], "created": "2026-01-01T00:00:00Z", "layers": [],
            "rootfs_driver": "overlay", "status": "created", "exit_code": null,
            "started_at": null, "finished_at": null,
        }))
        .unwrap()
    }

    #[test]
    fn renames_unless_the_name_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_container(&record('a', "web")).unwrap();
        store.create_container(&record('b', "db")).unwrap();
        let renamed = store.rename_container(&"a".repeat(64), "front").unwrap();
        assert_eq!(renamed.name, "front");
        assert_eq!(
            store.find_container("front").unwrap().unwrap().id,
            "a".repeat(64)
        );
        assert!(store.find_container("web").unwrap().is_none());
        // Its own name again is fine; another container's is not.
        store.rename_container(&"a".repeat(64), "front").unwrap();
        let err = store.rename_container(&"a".repeat(64), "db").unwrap_err();
        assert!(
            err.to_string()
                .contains("already in use by container bbbbbbbbbbbb"),
            "{err}"
        );
        assert_eq!(
            store.find_container("db").unwrap().unwrap().id,
            "b".repeat(64)
        );
        assert!(store.rename_container(&"c".repeat(64), "x").is_err());
    }

    #[test]
    fn racing_renames_to_one_name_let_one_win() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for (i, id) in ['1', '2', '3', '4'].into_iter().enumerate() {
            store
                .create_container(&record(id, &format!("c{i}")))
                .unwrap();
        }
        let winners: usize = std::thread::scope(|s| {
            let handles: Vec<_> = ['1', '2', '3', '4']
                .into_iter()
                .map(|id| {
                    let root = dir.path().to_path_buf();
                    s.spawn(move || {
                        let store = Store::open(&root).unwrap();
                        store
                            .rename_container(&id.to_string().repeat(64), "same")
                            .is_ok() as usize
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(winners, 1);
    }
}
