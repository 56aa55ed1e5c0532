//! `system df`: TYPE TOTAL ACTIVE SIZE RECLAIMABLE for images, containers and local volumes, as
//! podman lays it out; `-v` lists each image, container and volume.
//!
//! Images share layers (stored once per chain ID), so an image's size counts each layer once
//! across the store: SIZE is the sum of the distinct layers, RECLAIMABLE the layers that only
//! images no container uses hold.

mod verbose;

use std::collections::{HashMap, HashSet};

use anyhow::{Result, bail};
use clap::Args;
use serde_json::{Value, json};

use crate::cli::format::{self, Column, OutputFormat};
use crate::cli::{Session, humanize};
use crate::container::{disk_usage, state};
use crate::store::{ContainerRecord, ContainerStatus, ImageRecord};
use verbose::Verbose;

#[derive(Args, Debug)]
pub struct DfArgs {
    /// List every image, container and volume with its size
    #[arg(short, long)]
    pub verbose: bool,
    /// Output format: table, json, or a Go template such as '{{.Type}} {{.Size}}' (fields Type, Total, Active, Size, Reclaimable, RawSize, RawReclaimable)
    #[arg(long)]
    pub format: Option<String>,
}

/// One line of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub kind: &'static str,
    pub total: usize,
    pub active: usize,
    pub size: u64,
    pub reclaimable: u64,
}

impl Usage {
    fn to_json(&self) -> Value {
        json!({
            "Type": self.kind,
            "Total": self.total,
            "Active": self.active,
            "Size": human_size(self.size),
            "Reclaimable": format!("{} ({}%)", human_size(self.reclaimable), percent(self.reclaimable, self.size)),
            "RawSize": self.size,
            "RawReclaimable": self.reclaimable,
        })
    }
}

const SUMMARY_COLUMNS: &[Column] = &[
    column("TYPE", "Type"),
    column("TOTAL", "Total"),
    column("ACTIVE", "Active"),
    column("SIZE", "Size"),
    column("RECLAIMABLE", "Reclaimable"),
];

const fn column(header: &'static str, field: &'static str) -> Column {
    Column { header, field }
}

pub fn df(session: &Session, args: DfArgs) -> Result<()> {
    let output = format::parse_format(args.format.as_deref());
    if args.verbose && matches!(output, OutputFormat::Template { .. }) {
        bail!("--verbose takes no template: use --format json, or a template without --verbose");
    }
    let store = session.open_store()?;
    let images = store.images()?;
    let containers = state::list(&store)?;
    let rw: HashMap<&str, u64> = containers
        .iter()
        .map(|c| (c.id.as_str(), disk_usage::container_rw_size(&store, c)))
        .collect();
    let volumes = store.volumes()?;
    let unused: HashSet<String> = store.unused_volumes()?.into_iter().collect();
    let volume_sizes: Vec<(String, u64, usize)> = volumes
        .into_iter()
        .map(|name| {
            let size = disk_usage::tree_size(&store.volume_path(&name));
            let links = containers
                .iter()
                .filter(|c| c.volumes.contains(&name))
                .count();
            (name, size, links)
        })
        .collect();
    let summary = [
        image_usage(&images, &containers),
        container_usage(&containers, &rw),
        volume_usage(&volume_sizes, &unused),
    ];
    let mut out = std::io::stdout().lock();
    if args.verbose {
        let verbose = Verbose {
            images: &images,
            containers: &containers,
            rw: &rw,
            volumes: &volume_sizes,
        };
        return verbose.render(&output, &mut out);
    }
    let rows: Vec<Value> = summary.iter().map(Usage::to_json).collect();
    format::render(&rows, SUMMARY_COLUMNS, &output, &mut out)
}

/// Images: how many, how many containers use, the distinct layers' bytes, and those only
/// unused images hold.
pub fn image_usage(images: &[ImageRecord], containers: &[ContainerRecord]) -> Usage {
    let used: HashSet<&str> = containers.iter().map(|c| c.image_id.as_str()).collect();
    let (active, idle): (Vec<&ImageRecord>, Vec<&ImageRecord>) =
        images.iter().partition(|i| used.contains(i.id.as_str()));
    let kept = layer_sizes(active.iter().copied());
    let all = layer_sizes(images.iter());
    let reclaimable = layer_sizes(idle.iter().copied())
        .iter()
        .filter(|(chain, _)| !kept.contains_key(*chain))
        .map(|(_, size)| size)
        .sum();
    Usage {
        kind: "Images",
        total: images.len(),
        active: active.len(),
        size: all.values().sum(),
        reclaimable,
    }
}

/// Bytes of the distinct unpacked layers of `images` (what pruning images can free).
pub fn stored_image_bytes(images: &[ImageRecord]) -> u64 {
    layer_sizes(images.iter()).values().sum()
}

fn layer_sizes<'a>(images: impl Iterator<Item = &'a ImageRecord>) -> HashMap<String, u64> {
    images
        .flat_map(|i| &i.layers)
        .map(|l| (l.chain_id.to_string(), l.uncompressed_size))
        .collect()
}

pub fn container_usage(containers: &[ContainerRecord], rw: &HashMap<&str, u64>) -> Usage {
    let size_of = |c: &ContainerRecord| rw.get(c.id.as_str()).copied().unwrap_or(0);
    let running = |c: &&ContainerRecord| c.status == ContainerStatus::Running;
    Usage {
        kind: "Containers",
        total: containers.len(),
        active: containers.iter().filter(running).count(),
        size: containers.iter().map(size_of).sum(),
        reclaimable: containers.iter().filter(|c| !running(c)).map(size_of).sum(),
    }
}

/// Volumes as (name, bytes, containers using it).
pub fn volume_usage(volumes: &[(String, u64, usize)], unused: &HashSet<String>) -> Usage {
    Usage {
        kind: "Local Volumes",
        total: volumes.len(),
        active: volumes.iter().filter(|(n, ..)| !unused.contains(n)).count(),
        size: volumes.iter().map(|(_, size, _)| size).sum(),
        reclaimable: volumes
            .iter()
            .filter(|(n, ..)| unused.contains(n))
            .map(|(_, size, _)| size)
            .sum(),
    }
}

/// podman's rounding: `math.Round(reclaimable / size * 100)`, 0 for an empty total.
fn percent(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        0
    } else {
        (part as f64 / whole as f64 * 100.0).round() as u64
    }
}

/// `podman system df`'s sizes.
pub fn human_size(bytes: u64) -> String {
    humanize::size_compact(bytes)
}

#[cfg(test)]
mod tests;
