//! `history` (also `image history`): an image's history entries, newest first, as podman
//! prints them.

use anyhow::{Result, anyhow};
use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use serde_json::{Value, json};

use super::format::{self, Column, OutputFormat};
use super::{Session, humanize, timefmt};
use crate::image::history::{HistoryEntry, history as image_history};

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// The image, by name, ID or digest
    #[arg(value_name = "IMAGE", add = super::complete::images())]
    pub image: String,
    /// Show dates as how long ago they were (false: RFC 3339 times)
    #[arg(short = 'H', long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub human: bool,
    /// Do not truncate IDs and CREATED BY
    #[arg(long)]
    pub no_trunc: bool,
    /// Print only the IDs (`<missing>` for layers no local image tops)
    #[arg(short, long)]
    pub quiet: bool,
    /// Output format: table, json, or a Go template such as '{{.ID}} {{.CreatedBy}}'
    #[arg(long)]
    pub format: Option<String>,
}

const COLUMNS: &[Column] = &[
    Column {
        header: "ID",
        field: "ID",
    },
    Column {
        header: "CREATED",
        field: "Created",
    },
    Column {
        header: "CREATED BY",
        field: "CreatedBy",
    },
    Column {
        header: "SIZE",
        field: "Size",
    },
    Column {
        header: "COMMENT",
        field: "Comment",
    },
];

/// podman cuts CREATED BY at 45 characters, the last three being "...".
const CREATED_BY_WIDTH: usize = 45;
const MISSING: &str = "<missing>";

pub fn history(session: &Session, args: HistoryArgs) -> Result<()> {
    let store = session.open_store()?;
    let image = store.find_image(&args.image)?.ok_or_else(|| {
        anyhow!(
            "no image {:?} in the local store; see `engine images`",
            args.image
        )
    })?;
    let config = store.read_blob(&image.config_digest)?;
    let entries = image_history(&image, &config, &store.images()?)?;
    let mut out = std::io::stdout().lock();
    let fmt = format::parse_format(args.format.as_deref());
    if let OutputFormat::Json = fmt {
        let values: Vec<Value> = entries.iter().map(json_entry).collect();
        return format::render(&values, &[], &fmt, &mut out);
    }
    let now = Utc::now();
    let rows: Vec<Value> = entries.iter().map(|e| row(e, &args, now)).collect();
    if args.quiet {
        let ids = OutputFormat::Template {
            template: "{{.ID}}".into(),
            table: false,
        };
        return format::render(&rows, &[], &ids, &mut out);
    }
    format::render(&rows, COLUMNS, &fmt, &mut out)
}

fn created(entry: &HistoryEntry) -> Option<DateTime<Utc>> {
    timefmt::parse(entry.created.as_deref())
}

/// A table or template row: the fields podman's history templates know.
fn row(entry: &HistoryEntry, args: &HistoryArgs, now: DateTime<Utc>) -> Value {
    let id = match &entry.image_id {
        Some(id) if args.no_trunc => id.clone(),
        Some(id) => id[..id.len().min(12)].to_string(),
        None => MISSING.to_string(),
    };
    let created = created(entry);
    let since = created
        .map(|t| humanize::time_ago(t, now))
        .unwrap_or_default();
    let created_column = match (args.human, created) {
        (true, _) => since.clone(),
        (false, Some(t)) => t.to_rfc3339_opts(SecondsFormat::Secs, true),
        (false, None) => String::new(),
    };
    json!({
        "ID": id,
        "Created": created_column,
        "CreatedAt": created.map(timefmt::go_time_string).unwrap_or_default(),
        "CreatedSince": since,
        "CreatedBy": truncated(&entry.created_by, !args.no_trunc),
        "Size": humanize::size(entry.size),
        "Comment": entry.comment,
        "Tags": [],
    })
}

fn truncated(text: &str, truncate: bool) -> String {
    if !truncate || text.chars().count() <= CREATED_BY_WIDTH {
        return text.to_string();
    }
    let kept: String = text.chars().take(CREATED_BY_WIDTH - 3).collect();
    format!("{kept}...")
}

/// podman's `history --format json` object (libimage's ImageHistory plus the `Created`
/// podman adds): the comment only when there is one.
fn json_entry(entry: &HistoryEntry) -> Value {
    let created = created(entry);
    let mut value = json!({
        "id": entry.image_id.as_deref().unwrap_or(MISSING),
        "created": entry.created,
        "CreatedBy": entry.created_by,
        "size": entry.size,
    });
    if !entry.comment.is_empty() {
        value["comment"] = json!(entry.comment);
    }
    value["Created"] = json!(created.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)));
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_by_is_cut_at_45_characters_unless_asked_not_to() {
        let long = "/bin/sh -c apt-get update && apt-get install -y curl";
        let cut = truncated(long, true);
        assert_eq!(cut.chars().count(), 45);
        assert!(cut.ends_with("..."), "{cut}");
        assert_eq!(truncated(long, false), long);
        assert_eq!(truncated("short", true), "short");
    }
}
