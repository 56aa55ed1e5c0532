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
            let names = store.volumes()?;
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
