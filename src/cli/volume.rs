//! `volume create|ls|inspect|rm|prune`: named volumes in the store.

use std::io::{BufRead, Write};

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::Session;
use super::format::{self, Column};
use crate::store::Store;

#[derive(Subcommand, Debug)]
pub enum VolumeCommand {
    /// Create a volume
    Create(CreateArgs),
    /// List volumes
    #[command(visible_alias = "list")]
    Ls(LsArgs),
    /// Display the details of volumes
    Inspect(InspectArgs),
    /// Remove volumes
    #[command(visible_alias = "remove")]
    Rm(RmArgs),
    /// Remove every volume no container uses
    Prune(PruneArgs),
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Name of the volume (default: a random one)
    pub name: Option<String>,
    /// Do not fail when the volume exists
    #[arg(long)]
    pub ignore: bool,
}

#[derive(Args, Debug)]
pub struct LsArgs {
    /// Print only volume names
    #[arg(short, long)]
    pub quiet: bool,
    /// Output format: table, json, or a Go template such as '{{.Name}}'
    #[arg(long)]
    pub format: Option<String>,
    /// Only volumes that match: name=SUBSTRING, dangling=true|false (not used by any
    /// container); several keys must all match, the same key twice is either
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Volumes to inspect
    #[arg(required = true, add = super::complete::volumes())]
    pub names: Vec<String>,
    /// Format the output with a Go template, or json
    #[arg(short, long)]
    pub format: Option<String>,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// Volumes to remove
    #[arg(add = super::complete::volumes())]
    pub names: Vec<String>,
    /// Remove every volume
    #[arg(short, long)]
    pub all: bool,
    /// Remove volumes even when a container uses them
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
}

/// docker's `volume ls --filter` keys: the same key twice is OR, different keys AND.
fn filter_volumes(
    names: Vec<String>,
    filters: &[String],
    unused: impl FnOnce() -> Result<Vec<String>>,
) -> Result<Vec<String>> {
    let mut by_name: Vec<&str> = Vec::new();
    let mut dangling: Vec<bool> = Vec::new();
    for filter in filters {
        match filter.split_once('=') {
            Some(("name", value)) => by_name.push(value),
            Some(("dangling", "true" | "1")) => dangling.push(true),
            Some(("dangling", "false" | "0")) => dangling.push(false),
            _ => anyhow::bail!(
                "invalid --filter {filter:?}: use name=SUBSTRING or dangling=true|false"
            ),
        }
    }
    let unused = match dangling.is_empty() {
        true => Vec::new(),
        false => unused()?,
    };
    Ok(names
        .into_iter()
        .filter(|n| by_name.is_empty() || by_name.iter().any(|want| n.contains(want)))
        .filter(|n| dangling.is_empty() || dangling.contains(&unused.contains(n)))
        .collect())
}

pub fn volume(session: &Session, command: VolumeCommand) -> Result<()> {
    let store = session.open_store()?;
    let mut out = std::io::stdout().lock();
    match command {
        VolumeCommand::Create(a) => {
            let name = match a.name {
                Some(n) => n,
                None => crate::container::names::random_id()?,
            };
            store.create_volume(&name, a.ignore)?;
            writeln!(out, "{name}")?;
        }
        VolumeCommand::Ls(a) => {
            let names = filter_volumes(store.volumes()?, &a.filter, || store.unused_volumes())?;
            if a.quiet {
                for n in names {
                    writeln!(out, "{n}")?;
                }
                return Ok(());
            }
            let rows: Vec<Value> = names.iter().map(|n| volume_json(&store, n)).collect();
            let columns = [
                Column {
                    header: "DRIVER",
                    field: "Driver",
                },
                Column {
                    header: "VOLUME NAME",
                    field: "Name",
                },
            ];
            format::render(
                &rows,
                &columns,
                &format::parse_format(a.format.as_deref()),
                &mut out,
            )?;
        }
        VolumeCommand::Inspect(a) => {
            let known = store.volumes()?;
            let missing: Vec<&String> = a.names.iter().filter(|n| !known.contains(n)).collect();
            let values: Vec<Value> = a
                .names
                .iter()
                .filter(|n| known.contains(n))
                .map(|n| volume_json(&store, n))
                .collect();
            let template = a.format.as_deref().filter(|f| *f != "json");
            format::render_inspect(&values, template, &mut out)?;
            if !missing.is_empty() {
                bail!(
                    "no such volume: {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        VolumeCommand::Rm(a) => {
            if a.all != a.names.is_empty() {
                bail!("give either volume names or --all to volume rm");
            }
            let names = if a.all { store.volumes()? } else { a.names };
            for name in names {
                store.remove_volume(&name, a.force)?;
                writeln!(out, "{name}")?;
            }
        }
        VolumeCommand::Prune(a) => {
            if !a.force {
                eprint!(
                    "WARNING! This will remove all volumes not used by at least one container.\nAre you sure you want to continue? [y/N] "
                );
                let mut answer = String::new();
                std::io::stdin().lock().read_line(&mut answer)?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    return Ok(());
                }
            }
            for name in store.unused_volumes()? {
                store.remove_volume(&name, false)?;
                writeln!(out, "{name}")?;
            }
        }
    }
    Ok(())
}

/// podman's `volume inspect` object (the fields that apply here).
fn volume_json(store: &Store, name: &str) -> Value {
    let mountpoint = store.volume_path(name);
    json!({
        "Name": name,
        "Driver": "local",
        "Mountpoint": mountpoint,
        "Scope": "local",
        "Labels": {},
        "Options": {},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_dangling_filters() {
        let all = || {
            vec![
                "web-data".to_string(),
                "db".to_string(),
                "web-cache".to_string(),
            ]
        };
        let pick = |filters: &[&str]| {
            let filters: Vec<String> = filters.iter().map(|f| f.to_string()).collect();
            filter_volumes(all(), &filters, || Ok(vec!["web-cache".to_string()])).unwrap()
        };
        assert_eq!(pick(&[]), all());
        assert_eq!(pick(&["name=web"]), ["web-data", "web-cache"]);
        assert_eq!(pick(&["name=web", "dangling=true"]), ["web-cache"]);
        assert_eq!(pick(&["dangling=false"]), ["web-data", "db"]);
        assert_eq!(pick(&["name=db", "name=cache"]), ["db", "web-cache"]);
        assert!(filter_volumes(all(), &["driver=local".into()], || Ok(Vec::new())).is_err());
    }
}
