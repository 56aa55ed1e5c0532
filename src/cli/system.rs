//! `system prune` (stopped containers, unused images, with `--volumes` unused volumes) and
//! `system df` (what images, containers and volumes use, and what pruning would reclaim).

mod check;
mod df;

use std::io::Write;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::Args;

use super::Session;
use super::prune::{PruneFilter, confirm, prune_containers};
use crate::container::disk_usage;
pub use check::{CheckArgs, check};
pub use df::{DfArgs, df};

#[derive(Args, Debug)]
pub struct SystemPruneArgs {
    /// Remove all images no container uses, not only dangling ones
    #[arg(short, long)]
    pub all: bool,
    /// Remove the volumes no container uses too
    #[arg(long)]
    pub volumes: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
    /// Prune only containers matching: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE]
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

pub fn system_prune(session: &Session, args: SystemPruneArgs) -> Result<()> {
    let filter = PruneFilter::parse(&args.filter, Utc::now())?;
    if !args.force {
        let mut warning =
            "WARNING! This command removes:\n\t- all stopped containers\n".to_string();
        if args.volumes {
            warning.push_str("\t- all volumes not used by at least one container\n");
        }
        warning.push_str(if args.all {
            "\t- all images without at least one container associated with them\n"
        } else {
            "\t- all dangling images\n"
        });
        if !confirm(&warning)? {
            return Ok(());
        }
    }
    let store = session.open_store()?;
    let mut text = String::new();
    let mut reclaimed = 0u64;

    let containers = prune_containers(&store, &filter)?;
    reclaimed += containers.iter().map(|(_, size)| size).sum::<u64>();
    let ids: Vec<String> = containers.into_iter().map(|(id, _)| id).collect();
    section(&mut text, "Deleted Containers", &ids);

    if args.volumes {
        let mut removed = Vec::new();
        for name in store.unused_volumes()? {
            let size = disk_usage::tree_size(&store.volume_path(&name));
            store.remove_volume(&name, false)?;
            reclaimed += size;
            removed.push(name);
        }
        section(&mut text, "Deleted Volumes", &removed);
    }

    let before = df::stored_image_bytes(&store.images()?);
    let images = store.prune_images(args.all)?;
    reclaimed += before.saturating_sub(df::stored_image_bytes(&store.images()?));
    section(&mut text, "Deleted Images", &images);

    text.push_str(&format!(
        "Total reclaimed space: {}\n",
        df::human_size(reclaimed)
    ));
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing the output")
}

/// A heading and one line per item, only when something was removed (as podman prints it).
fn section(text: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    text.push_str(heading);
    text.push('\n');
    for item in items {
        text.push_str(item);
        text.push('\n');
    }
}
