//! `ps`.

use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{Value, json};

use super::format::{self, Column};
use super::{Session, humanize};
use crate::store::{ContainerRecord, ContainerStatus};

#[derive(Args, Debug)]
pub struct PsArgs {
    /// Show all containers, not only running ones
    #[arg(short, long)]
    pub all: bool,
    /// Print only container IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not truncate IDs and commands
    #[arg(long)]
    pub no_trunc: bool,
    /// Output format: table, json, or a Go template such as '{{.ID}} {{.Names}}'
    #[arg(long)]
    pub format: Option<String>,
}

const PS_COLUMNS: &[Column] = &[
    Column {
        header: "CONTAINER ID",
        field: "ID",
    },
    Column {
        header: "IMAGE",
        field: "Image",
    },
    Column {
        header: "COMMAND",
        field: "Command",
    },
    Column {
        header: "CREATED",
        field: "Created",
    },
    Column {
        header: "STATUS",
        field: "Status",
    },
    Column {
        header: "PORTS",
        field: "Ports",
    },
    Column {
        header: "NAMES",
        field: "Names",
    },
];

pub fn ps(session: &Session, args: PsArgs) -> Result<()> {
    let store = session.open_store()?;
    let containers: Vec<ContainerRecord> = crate::container::state::list(&store)?
        .into_iter()
        .filter(|c| args.all || c.status == ContainerStatus::Running)
        .collect();
    let mut out = std::io::stdout().lock();
    if args.quiet {
        for c in &containers {
            writeln!(out, "{}", if args.no_trunc { &c.id } else { &c.id[..12] })?;
        }
        return Ok(());
    }
    let now = Utc::now();
    let rows: Vec<Value> = containers
        .iter()
        .map(|c| ps_row(c, args.no_trunc, now))
        .collect();
    format::render(
        &rows,
        PS_COLUMNS,
        &format::parse_format(args.format.as_deref()),
        &mut out,
    )
}

fn parse_time(t: Option<&str>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// podman's ps fields: `Up 3 seconds`, `Exited (0) 2 minutes ago`, `Created`.
fn ps_row(c: &ContainerRecord, no_trunc: bool, now: DateTime<Utc>) -> Value {
    let created = parse_time(Some(&c.created));
    let status = match c.status {
        ContainerStatus::Created => "Created".to_string(),
        ContainerStatus::Running => match parse_time(c.started_at.as_deref()) {
            Some(t) => format!("Up {}", humanize::duration(now - t)),
            None => "Up".to_string(),
        },
        ContainerStatus::Exited => format!(
            "Exited ({}) {}",
            c.exit_code.unwrap_or(0),
            parse_time(c.finished_at.as_deref())
                .map(|t| humanize::time_ago(t, now))
                .unwrap_or_default()
        ),
    };
    let command = c.command.join(" ");
    let command = if no_trunc || command.chars().count() <= 20 {
        command
    } else {
        format!("{}...", command.chars().take(17).collect::<String>())
    };
    json!({
        "ID": if no_trunc { c.id.clone() } else { c.id[..12].to_string() },
        "Id": c.id,
        "Image": c.image_name,
        "ImageID": c.image_id,
        "Command": command,
        "Created": created.map(|t| humanize::time_ago(t, now)).unwrap_or_default(),
        "CreatedAt": c.created,
        "Status": status.trim_end(),
        "State": format!("{:?}", c.status).to_lowercase(),
        "ExitCode": c.exit_code,
        "Ports": "",
        "Names": c.name,
        "Labels": c.labels,
    })
}
