//! `diff` (also `container diff`): what a container changed in its image's files.

use std::io::Write;

use anyhow::{Result, bail};
use clap::Args;
use serde_json::{Map, Value, json};

use super::{Session, format};
use crate::container::diff::{ChangeKind, diff as container_diff};

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The container, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::containers())]
    pub container: String,
    /// Output format: json (the paths grouped as changed, added and deleted)
    #[arg(long)]
    pub format: Option<String>,
}

pub fn diff(session: &Session, args: DiffArgs) -> Result<()> {
    let json = match args.format.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(f) if f.eq_ignore_ascii_case("json") => true,
        Some(other) => bail!("--format {other:?} is not supported by diff; use --format json"),
    };
    let store = session.open_store()?;
    let changes = container_diff(&store, &args.container)?;
    let mut out = std::io::stdout().lock();
    if json {
        // podman's object: a key per kind of change, left out when it has none.
        let mut object = Map::new();
        for (key, kind) in [
            ("changed", ChangeKind::Changed),
            ("added", ChangeKind::Added),
            ("deleted", ChangeKind::Deleted),
        ] {
            let paths: Vec<&str> = changes
                .iter()
                .filter(|c| c.kind == kind)
                .map(|c| c.path.as_str())
                .collect();
            if !paths.is_empty() {
                object.insert(key.into(), json!(paths));
            }
        }
        return format::write_inspect_object(&Value::Object(object), &mut out);
    }
    for change in changes {
        writeln!(out, "{} {}", change.kind.letter(), change.path)?;
    }
    Ok(())
}
