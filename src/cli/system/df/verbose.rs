//! `system df -v`: each image, container and volume with its size.

use std::collections::HashMap;

use anyhow::Result;
use chrono::Utc;
use serde_json::{Value, json};

use super::{column, human_size};
use crate::cli::format::{self, Column, OutputFormat};
use crate::cli::ps::{short_id, status_text};
use crate::cli::{humanize, timefmt};
use crate::store::{ContainerRecord, ImageRecord};

/// `df -v`: one table per kind, or one JSON object of three lists.
pub struct Verbose<'a> {
    pub images: &'a [ImageRecord],
    pub containers: &'a [ContainerRecord],
    pub rw: &'a HashMap<&'a str, u64>,
    pub volumes: &'a [(String, u64, usize)],
}

impl Verbose<'_> {
    pub fn render(&self, output: &OutputFormat, out: &mut impl std::io::Write) -> Result<()> {
        let now = Utc::now();
        let all_layers = self
            .images
            .iter()
            .flat_map(|i| &i.layers)
            .map(|l| &l.chain_id);
        let mut layer_users: HashMap<String, usize> = HashMap::new();
        for chain in all_layers {
            *layer_users.entry(chain.to_string()).or_default() += 1;
        }
        let images: Vec<Value> = self
            .images
            .iter()
            .map(|i| {
                let (repository, tag) = i
                    .names
                    .first()
                    .map_or(("<none>", "<none>"), |n| split_name(n));
                let shared: u64 = i
                    .layers
                    .iter()
                    .filter(|l| {
                        layer_users
                            .get(&l.chain_id.to_string())
                            .is_some_and(|n| *n > 1)
                    })
                    .map(|l| l.uncompressed_size)
                    .sum();
                let created = timefmt::parse(i.created.as_deref());
                json!({
                    "Repository": repository, "Tag": tag, "ImageID": &i.id[..12.min(i.id.len())],
                    "Created": created.map(|t| humanize::time_ago(t, now)).unwrap_or_default(),
                    "Size": human_size(i.size), "SharedSize": human_size(shared),
                    "UniqueSize": human_size(i.size.saturating_sub(shared)),
                    "Containers": self.containers.iter().filter(|c| c.image_id == i.id).count(),
                })
            })
            .collect();
        let containers: Vec<Value> = self
            .containers
            .iter()
            .map(|c| {
                let created = timefmt::parse(Some(&c.created));
                json!({
                    "ContainerID": short_id(&c.id, false), "Image": c.image_name,
                    "Command": c.command.join(" "), "LocalVolumes": c.volumes.len(),
                    "Size": human_size(self.rw.get(c.id.as_str()).copied().unwrap_or(0)),
                    "Created": created.map(|t| humanize::time_ago(t, now)).unwrap_or_default(),
                    "Status": status_text(c, now), "Names": c.name,
                })
            })
            .collect();
        let volumes: Vec<Value> = self
            .volumes
            .iter()
            .map(|(name, size, links)| json!({"VolumeName": name, "Links": links, "Size": human_size(*size)}))
            .collect();
        if *output == OutputFormat::Json {
            let all = json!({"Images": images, "Containers": containers, "Volumes": volumes});
            return format::render_one(&all, output, out);
        }
        let sections: [(&str, &[Column], &[Value]); 3] = [
            ("Images space usage:", VERBOSE_IMAGE_COLUMNS, &images),
            (
                "Containers space usage:",
                VERBOSE_CONTAINER_COLUMNS,
                &containers,
            ),
            (
                "Local Volumes space usage:",
                VERBOSE_VOLUME_COLUMNS,
                &volumes,
            ),
        ];
        for (i, (title, columns, rows)) in sections.into_iter().enumerate() {
            let gap = if i == 0 { "" } else { "\n" };
            write!(out, "{gap}{title}\n\n")?;
            format::render(rows, columns, &OutputFormat::Table, out)?;
        }
        Ok(())
    }
}

/// `host/repo:tag` -> (`host/repo`, `tag`); the colon of a registry port is not a tag.
pub(super) fn split_name(name: &str) -> (&str, &str) {
    match name.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (name, "<none>"),
    }
}

const VERBOSE_IMAGE_COLUMNS: &[Column] = &[
    column("REPOSITORY", "Repository"),
    column("TAG", "Tag"),
    column("IMAGE ID", "ImageID"),
    column("CREATED", "Created"),
    column("SIZE", "Size"),
    column("SHARED SIZE", "SharedSize"),
    column("UNIQUE SIZE", "UniqueSize"),
    column("CONTAINERS", "Containers"),
];

const VERBOSE_CONTAINER_COLUMNS: &[Column] = &[
    column("CONTAINER ID", "ContainerID"),
    column("IMAGE", "Image"),
    column("COMMAND", "Command"),
    column("LOCAL VOLUMES", "LocalVolumes"),
    column("SIZE", "Size"),
    column("CREATED", "Created"),
    column("STATUS", "Status"),
    column("NAMES", "Names"),
];

const VERBOSE_VOLUME_COLUMNS: &[Column] = &[
    column("VOLUME NAME", "VolumeName"),
    column("LINKS", "Links"),
    column("SIZE", "Size"),
];
