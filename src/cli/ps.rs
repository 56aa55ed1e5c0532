//! `ps` (`container ls|list|ps`): the containers, podman's columns, filters and formats.
//!
//! Fast with many containers: the records are read once under one shared lock
//! (`container::state::list`), and the bundle's config.json is read only when the output shows
//! mounts; sizes are measured only for `--size` (or a template that shows them).

mod filter;
mod row;

use std::collections::HashMap;
use std::io::Write;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::Value;

use super::format::{self, Column, OutputFormat};
use super::{Session, humanize, timefmt};
use crate::container::{disk_usage, state};
use crate::store::{ContainerRecord, ContainerStatus, Store};
pub use filter::ContainerFilter;
pub use row::short_id;
use row::{RowContext, Sizes};

const SORT_KEYS: &str = "command, created, id, image, names, runningfor, size, status";

#[derive(Args, Debug)]
pub struct PsArgs {
    /// Show all containers, not only running ones
    #[arg(short, long)]
    pub all: bool,
    /// Print only container IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Show the N most recently created containers, in any state
    #[arg(short = 'n', long, value_name = "N")]
    pub last: Option<usize>,
    /// Show the most recently created container, in any state
    #[arg(short, long)]
    pub latest: bool,
    /// Do not truncate IDs and commands
    #[arg(long)]
    pub no_trunc: bool,
    /// Show the size each container wrote (SIZE column), and with its image ("virtual")
    #[arg(short, long)]
    pub size: bool,
    /// Filter: status=STATE, name=REGEX, id=PREFIX, label=KEY[=VALUE], ancestor=IMAGE, exited=CODE (one key's values: any; different keys and labels: all)
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Output format: table, json, or a Go template such as '{{.ID}} {{.Names}}' ('table ...' adds a header)
    #[arg(long)]
    pub format: Option<String>,
    /// Sort by command, created (newest first, the default), id, image, names, runningfor, size or status
    #[arg(long, value_name = "KEY", default_value = "created")]
    pub sort: String,
    /// Do not print the header row
    #[arg(long)]
    pub noheading: bool,
}

/// The default table: podman's columns, SIZE last with `--size`.
const PS_COLUMNS: &[Column] = &[
    column("CONTAINER ID", "ID"),
    column("IMAGE", "Image"),
    column("COMMAND", "Command"),
    column("CREATED", "CreatedHuman"),
    column("STATUS", "Status"),
    column("PORTS", "Ports"),
    column("NAMES", "Names"),
    column("SIZE", "Size"),
];

/// Titles of fields that are not default columns, for `table` templates.
const EXTRA_TITLES: &[Column] = &[
    column("CREATED", "RunningFor"),
    column("CREATED AT", "CreatedAt"),
];

const fn column(header: &'static str, field: &'static str) -> Column {
    Column { header, field }
}

pub fn ps(session: &Session, args: PsArgs) -> Result<()> {
    let filter = ContainerFilter::parse(&args.filter)?;
    if !SORT_KEYS.split(", ").any(|k| k == args.sort) {
        bail!("invalid --sort {:?}: use one of {SORT_KEYS}", args.sort);
    }
    let store = session.open_store()?;
    let containers = select(state::list(&store)?, &args, &filter);
    let mut out = std::io::stdout().lock();
    if args.quiet {
        let mut containers = containers;
        sort(&mut containers, &args.sort, &HashMap::new());
        let mut text = String::new();
        for c in &containers {
            text.push_str(short_id(&c.id, args.no_trunc));
            text.push('\n');
        }
        return out.write_all(text.as_bytes()).context("writing the output");
    }
    let output = format::parse_format(args.format.as_deref());
    let template = args.format.as_deref().unwrap_or("");
    let wants_sizes = args.size || template.contains(".Size") || args.sort == "size";
    let sizes = if wants_sizes {
        measure(&store, &containers)?
    } else {
        HashMap::new()
    };
    let wants_mounts = output == OutputFormat::Json || template.contains(".Mounts");
    let mut containers = containers;
    sort(&mut containers, &args.sort, &sizes);
    let now = Utc::now();
    let context = |c: &ContainerRecord| RowContext {
        now,
        no_trunc: args.no_trunc,
        sizes: sizes.get(&c.id).copied(),
        mounts: if wants_mounts {
            super::inspect::user_mount_destinations(&store, c)
        } else {
            Vec::new()
        },
    };
    if output == OutputFormat::Json {
        // podman indents `ps --format json` with two spaces (json.MarshalIndent "  ").
        let rows: Vec<Value> = containers
            .iter()
            .map(|c| row::json_row(c, &context(c)))
            .collect();
        let mut text = serde_json::to_string_pretty(&rows).context("encoding the output")?;
        text.push('\n');
        return out.write_all(text.as_bytes()).context("writing the output");
    }
    let columns: Vec<Column> = match output {
        OutputFormat::Table => PS_COLUMNS
            .iter()
            .filter(|c| args.size || c.field != "Size")
            .copied()
            .collect(),
        _ => PS_COLUMNS.iter().chain(EXTRA_TITLES).copied().collect(),
    };
    let fields: Vec<&str> = match output {
        OutputFormat::Table => columns.iter().map(|c| c.field).collect(),
        _ => row::REPORT_FIELDS.to_vec(),
    };
    let rows: Vec<Value> = containers
        .iter()
        .map(|c| row::report_row(c, &context(c), &fields))
        .collect();
    format::render_with(&rows, &columns, &output, !args.noheading, &mut out)
}

/// The containers to show: running ones (all with `-a`, a status filter, `-n` or `-l`) that
/// pass the filter; with `-n N` / `-l` only the N / 1 most recently created of those.
fn select(
    all: Vec<ContainerRecord>,
    args: &PsArgs,
    filter: &ContainerFilter,
) -> Vec<ContainerRecord> {
    let last = if args.latest { Some(1) } else { args.last };
    let any_state = args.all || last.is_some() || filter.selects_by_status();
    let mut chosen: Vec<ContainerRecord> = all
        .into_iter()
        .filter(|c| any_state || c.status == ContainerStatus::Running)
        .filter(|c| filter.matches(c))
        .collect();
    if let Some(n) = last {
        chosen.sort_by(|a, b| b.created.cmp(&a.created));
        chosen.truncate(n);
    }
    chosen
}

/// `--sort`; ties keep the newest first.
fn sort(containers: &mut [ContainerRecord], key: &str, sizes: &HashMap<String, Sizes>) {
    containers.sort_by(|a, b| b.created.cmp(&a.created));
    match key {
        "command" => containers.sort_by(|a, b| a.command.cmp(&b.command)),
        "id" => containers.sort_by(|a, b| a.id.cmp(&b.id)),
        "image" => containers.sort_by(|a, b| a.image_name.cmp(&b.image_name)),
        "names" => containers.sort_by(|a, b| a.name.cmp(&b.name)),
        "status" => containers.sort_by_key(state_name),
        "runningfor" => containers.sort_by(|a, b| b.started_at.cmp(&a.started_at)),
        "size" => containers.sort_by_key(|c| sizes.get(&c.id).map_or(0, |s| s.rw)),
        _ => {}
    }
}

/// Sizes for `--size`: the upper dir, plus the image's size for "virtual".
fn measure(store: &Store, containers: &[ContainerRecord]) -> Result<HashMap<String, Sizes>> {
    let image_sizes: HashMap<String, u64> = store
        .images()?
        .into_iter()
        .map(|i| (i.id, i.size))
        .collect();
    Ok(containers
        .iter()
        .map(|c| {
            let rw = disk_usage::container_rw_size(store, c);
            let image = image_sizes.get(&c.image_id).copied().unwrap_or(0);
            let sizes = Sizes {
                rw,
                root_fs: rw + image,
            };
            (c.id.clone(), sizes)
        })
        .collect())
}

/// podman's state names: `created`, `running`, `exited`.
pub fn state_name(record: &ContainerRecord) -> &'static str {
    match record.status {
        ContainerStatus::Created => "created",
        ContainerStatus::Running => "running",
        ContainerStatus::Exited => "exited",
    }
}

/// The STATUS column: `Created`, `Up 3 seconds`, `Exited (0) 2 minutes ago`.
pub fn status_text(record: &ContainerRecord, now: DateTime<Utc>) -> String {
    match record.status {
        ContainerStatus::Created => "Created".to_string(),
        ContainerStatus::Running => match timefmt::parse(record.started_at.as_deref()) {
            Some(started) => format!("Up {}", humanize::duration(now - started)),
            None => "Up".to_string(),
        },
        ContainerStatus::Exited => {
            let code = record.exit_code.unwrap_or(0);
            match timefmt::parse(record.finished_at.as_deref()) {
                Some(finished) => format!("Exited ({code}) {}", humanize::time_ago(finished, now)),
                None => format!("Exited ({code})"),
            }
        }
    }
}

#[cfg(test)]
mod tests;
