//! `container prune`: removes every container that does not run (created or exited), and the
//! confirmation every prune command asks for.

use std::io::{BufRead, Write};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use clap::Args;

use super::{Session, timefmt};
use crate::container::{disk_usage, state};
use crate::store::{ContainerRecord, ContainerStatus, Store};
use crate::util::proc::is_tty;

#[derive(Args, Debug)]
pub struct ContainerPruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
    /// Prune only containers matching: until=TIME (created before a duration ago such as 24h, or a date), label=KEY[=VALUE], label!=KEY[=VALUE]
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

pub fn container_prune(session: &Session, args: ContainerPruneArgs) -> Result<()> {
    let filter = PruneFilter::parse(&args.filter, Utc::now())?;
    if !args.force && !confirm("WARNING! This will remove all non running containers.")? {
        return Ok(());
    }
    let store = session.open_store()?;
    let pruned = prune_containers(&store, &filter)?;
    let mut text = String::new();
    for (id, _) in &pruned {
        text.push_str(id);
        text.push('\n');
    }
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing the output")
}

/// Asks on the terminal; refuses when stdin is not one (a script must say `--force`).
pub fn confirm(warning: &str) -> Result<bool> {
    if !is_tty(0) {
        bail!(
            "refusing to prune without confirmation: stdin is not a terminal; add --force (-f) to prune without asking"
        );
    }
    eprint!("{warning}\nAre you sure you want to continue? [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("reading the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// Removes the containers that do not run and pass `filter`; returns their IDs and the bytes
/// each had written.
pub fn prune_containers(store: &Store, filter: &PruneFilter) -> Result<Vec<(String, u64)>> {
    let mut pruned = Vec::new();
    for record in state::list(store)? {
        if record.status == ContainerStatus::Running || !filter.matches(&record) {
            continue;
        }
        let size = disk_usage::container_rw_size(store, &record);
        state::remove(store, &record, false)?;
        pruned.push((record.id, size));
    }
    Ok(pruned)
}

/// `until=`, `label=` and `label!=` filters of the prune commands (all must match).
#[derive(Debug, Default)]
pub struct PruneFilter {
    until: Option<DateTime<Utc>>,
    labels: Vec<(String, Option<String>, bool)>,
}

impl PruneFilter {
    pub fn parse(filters: &[String], now: DateTime<Utc>) -> Result<PruneFilter> {
        let mut filter = PruneFilter::default();
        for text in filters {
            let Some((key, value)) = text.split_once('=') else {
                bail!(
                    "invalid filter {text:?}: use until=TIME, label=KEY[=VALUE] or label!=KEY[=VALUE]"
                );
            };
            match key {
                "until" => filter.until = Some(timefmt::parse_point_in_time(value, now)?),
                "label" | "label!" => {
                    let (k, v) = match value.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (value.to_string(), None),
                    };
                    filter.labels.push((k, v, key == "label"));
                }
                _ => bail!(
                    "invalid filter {text:?}: unknown key {key:?}; use until, label or label!"
                ),
            }
        }
        Ok(filter)
    }

    pub fn matches(&self, record: &ContainerRecord) -> bool {
        let old_enough = match (self.until, timefmt::parse(Some(&record.created))) {
            (Some(until), Some(created)) => created < until,
            (Some(_), None) => false,
            (None, _) => true,
        };
        old_enough
            && self.labels.iter().all(|(key, value, wanted)| {
                let has = match value {
                    Some(v) => record.labels.get(key) == Some(v),
                    None => record.labels.contains_key(key),
                };
                has == *wanted
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(created: &str, labels: serde_json::Value, status: &str) -> ContainerRecord {
        serde_json::from_value(serde_json::json!({
            "id": "a".repeat(64), "name": "x", "image_id": "", "image_name": "i", "command": [],
            "created": created, "labels": labels, "layers": [], "rootfs_driver": "overlay",
            "status": status, "exit_code": 0, "started_at": null, "finished_at": null,
        }))
        .unwrap()
    }

    #[test]
    fn filters_by_age_and_labels() {
        let now = timefmt::parse(Some("2026-01-02T00:00:00Z")).unwrap();
        let parse = |f: &[&str]| {
            let f: Vec<String> = f.iter().map(|s| s.to_string()).collect();
            PruneFilter::parse(&f, now).unwrap()
        };
        let old = record(
            "2025-12-31T00:00:00Z",
            serde_json::json!({"keep": "yes"}),
            "exited",
        );
        let new = record("2026-01-01T23:00:00Z", serde_json::json!({}), "created");
        assert!(parse(&[]).matches(&old) && parse(&[]).matches(&new));
        assert!(parse(&["until=24h"]).matches(&old));
        assert!(!parse(&["until=24h"]).matches(&new));
        assert!(parse(&["label=keep"]).matches(&old));
        assert!(parse(&["label=keep=yes"]).matches(&old));
        assert!(!parse(&["label=keep=no"]).matches(&old));
        assert!(!parse(&["label!=keep"]).matches(&old));
        assert!(parse(&["label!=keep"]).matches(&new));
        assert!(!parse(&["until=24h", "label!=keep"]).matches(&old));
        for bad in ["until=soon", "name=x", "until"] {
            assert!(
                PruneFilter::parse(&[bad.to_string()], now).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn prunes_only_what_does_not_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut exited = record("2026-01-01T00:00:00Z", serde_json::json!({}), "exited");
        let mut created = exited.clone();
        created.id = "b".repeat(64);
        created.name = "y".into();
        created.status = ContainerStatus::Created;
        let mut running = exited.clone();
        running.id = "c".repeat(64);
        running.name = "z".into();
        running.status = ContainerStatus::Running;
        // A live monitor (this test process) keeps it running through reconciliation.
        running.monitor = Some(crate::util::proc::ProcessRef::current());
        exited.labels.insert("keep".into(), "1".into());
        for r in [&exited, &created, &running] {
            store.create_container(r).unwrap();
        }
        std::fs::create_dir_all(store.container_dir(&created.id).join("upper")).unwrap();
        std::fs::write(store.container_dir(&created.id).join("upper/f"), b"12345").unwrap();
        let keep = PruneFilter::parse(&["label!=keep".into()], Utc::now()).unwrap();
        let pruned = prune_containers(&store, &keep).unwrap();
        assert_eq!(pruned, [("b".repeat(64), 5)]);
        let pruned = prune_containers(&store, &PruneFilter::default()).unwrap();
        assert_eq!(pruned, [("a".repeat(64), 0)]);
        assert_eq!(state::list(&store).unwrap().len(), 1);
    }
}
