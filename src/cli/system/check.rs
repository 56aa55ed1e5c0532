//! `system check`: podman 5's consistency check of the store. Prints nothing when all is well;
//! otherwise each damaged thing with one line per problem, and what a repair deleted. Damage
//! without `--repair` (or `--force`) fails with "damage detected in local storage"; a repair
//! is followed by a second check, which must come out clean.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::cli::Session;
use crate::container::{lifecycle, logs, state};
use crate::store::{CheckOptions, CheckReport, Store};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Remove damaged images (unless containers use them), and damaged or unused layers, blobs and leftovers of interrupted commands
    #[arg(short, long)]
    pub repair: bool,
    /// Repair, and also remove the containers that use damaged images (stopping them first)
    #[arg(short, long)]
    pub force: bool,
    /// Skip the time-consuming checks (hashing every blob)
    #[arg(short, long)]
    pub quick: bool,
    /// Unused layers and blobs older than this count as left by an interrupted pull (Go duration: 24h, 90m, 30s)
    #[arg(short, long, value_name = "DURATION", default_value = "24h")]
    pub max: String,
    /// Output format: json prints the report as a JSON object
    #[arg(long)]
    pub format: Option<String>,
}

pub fn check(session: &Session, args: CheckArgs) -> Result<()> {
    let max_age = logs::go_duration(&args.max)
        .and_then(|d| d.to_std().ok())
        .with_context(|| {
            format!(
                "invalid --max {:?}: give a duration such as 24h, 90m or 30s",
                args.max
            )
        })?;
    let json = match args.format.as_deref() {
        None => false,
        Some(f) if f.trim() == "json" => true,
        Some(other) => bail!("invalid --format {other:?}: only json is supported"),
    };
    let repair = args.repair || args.force;
    let options = CheckOptions {
        quick: args.quick,
        repair,
        remove_containers: args.force,
        max_age,
    };
    let store = session.open_store()?;
    if args.force {
        stop_damaged_containers(&store, &options)?;
    }
    let report = store.check(&options)?;
    let mut out = std::io::stdout().lock();
    if json {
        let text = serde_json::to_string_pretty(&ReportJson::new(&report))?;
        writeln!(out, "{text}").context("writing the output")?;
    } else {
        out.write_all(render(&report).as_bytes())
            .context("writing the output")?;
    }
    if !report.has_errors() {
        return Ok(());
    }
    if !repair {
        bail!(
            "damage detected in local storage: `engine system check --repair` removes it (--force also removes the containers using damaged images)"
        );
    }
    let recheck = store.check(&CheckOptions {
        repair: false,
        remove_containers: false,
        ..options
    })?;
    if recheck.has_errors() {
        let still: Vec<&String> = recheck
            .images
            .keys()
            .chain(recheck.containers.keys())
            .chain(recheck.layers.keys())
            .chain(recheck.leftovers.keys())
            .collect();
        bail!(
            "damage in local storage still present after repair attempt ({}): images in use are kept unless --force is given",
            still
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

/// `--force` removes the containers using damaged images; running ones are stopped first
/// (the store can only remove records and directories).
fn stop_damaged_containers(store: &Store, options: &CheckOptions) -> Result<()> {
    let scan = store.check(&CheckOptions {
        repair: false,
        ..options.clone()
    })?;
    for id in scan.damaged_containers() {
        let Ok(record) = state::find(store, id) else {
            continue;
        };
        if state::is_running(&record) {
            lifecycle::stop(store, &record, Some(0))?;
        }
    }
    Ok(())
}

/// The report as podman prints it: "Damaged KIND ID:" then one "\t* problem" line each, and
/// "Deleted damaged KIND: ID" for what a repair removed.
fn render(report: &CheckReport) -> String {
    let mut text = String::new();
    let mut section = |kind: &str, items: &std::collections::BTreeMap<String, Vec<String>>| {
        for (id, problems) in items {
            let _ = writeln!(text, "Damaged {kind} {id}:");
            for problem in problems {
                let _ = writeln!(text, "\t* {problem}");
            }
        }
    };
    section("layer", &report.layers);
    section("blob", &report.blobs);
    section("image", &report.images);
    section("container", &report.containers);
    for (path, what) in &report.leftovers {
        let _ = writeln!(text, "Leftover {path}:\n\t* {what}");
    }
    for (kind, removed) in [
        ("layer", &report.removed_layers),
        ("blob", &report.removed_blobs),
        ("image", &report.removed_images),
        ("container", &report.removed_containers),
        ("leftover", &report.removed_leftovers),
    ] {
        for id in removed {
            let _ = writeln!(text, "Deleted damaged {kind}: {id}");
        }
    }
    text
}

/// `--format json`: the report with podman's `Errors` flag.
#[derive(serde::Serialize)]
struct ReportJson<'a> {
    #[serde(rename = "Errors")]
    errors: bool,
    #[serde(flatten)]
    report: &'a CheckReport,
}

impl<'a> ReportJson<'a> {
    fn new(report: &'a CheckReport) -> Self {
        ReportJson {
            errors: report.has_errors(),
            report,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_lists_problems_one_per_line_and_deletions() {
        let mut report = CheckReport::default();
        report
            .images
            .insert("abc".into(), vec!["its blob x is corrupt".into()]);
        report
            .leftovers
            .insert("/s/tmp/1-0".into(), "a dead scratch dir".into());
        report.removed_images.push("abc".into());
        assert_eq!(
            render(&report),
            "Damaged image abc:\n\t* its blob x is corrupt\nLeftover /s/tmp/1-0:\n\t* a dead scratch dir\nDeleted damaged image: abc\n"
        );
        assert_eq!(render(&CheckReport::default()), "");
        let json = serde_json::to_value(ReportJson::new(&report)).unwrap();
        assert_eq!(json["Errors"], true);
        assert_eq!(json["Images"]["abc"][0], "its blob x is corrupt");
    }
}
