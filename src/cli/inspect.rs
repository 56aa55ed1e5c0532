//! `inspect` (containers, then images, by name), `container inspect`, and the isolation view
//! `inspect --isolation`.

mod container_json;
mod isolation_table;
mod isolation_view;
mod mounts;

use std::io::Write;
use std::path::Path;

use anyhow::{Result, anyhow, bail};
use clap::{Args, ValueEnum};
use oci_spec::runtime::Spec;
use serde_json::Value;

use super::{Session, format, image};
use crate::container::isolation::{Isolation, Probe};
use crate::container::state;
use crate::store::{ContainerRecord, Store};
pub use container_json::container_json;
pub use mounts::user_mount_destinations;

/// What `inspect` looks names up as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ObjectType {
    Container,
    Image,
    All,
}

/// Options shared by `inspect` and `container inspect`.
#[derive(Args, Debug)]
pub struct InspectOptions {
    /// Format the output with a Go template such as '{{.State.Status}}' or '{{json .Config}}', or json
    #[arg(short, long)]
    pub format: Option<String>,
    /// Add the sizes of containers: SizeRw (what it wrote) and SizeRootFs (with its image)
    #[arg(short, long)]
    pub size: bool,
    /// Show what isolates running containers, next to the host's values: namespaces, uid/gid maps, capabilities, no_new_privs, seccomp, cgroup, MAC label, mounts, masked and read-only paths (a table; json or a template with --format)
    #[arg(long)]
    pub isolation: bool,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Containers or images to inspect, by name or ID (a container wins when both match)
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,
    /// Look the names up as: container, image or all
    #[arg(short = 't', long = "type", value_enum, default_value = "all")]
    pub object_type: ObjectType,
    #[command(flatten)]
    pub options: InspectOptions,
}

#[derive(Args, Debug)]
pub struct ContainerInspectArgs {
    /// Containers to inspect, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::containers(), required_unless_present = "latest")]
    pub names: Vec<String>,
    /// Inspect the most recently created container
    #[arg(short, long)]
    pub latest: bool,
    #[command(flatten)]
    pub options: InspectOptions,
}

pub fn inspect(session: &Session, args: InspectArgs) -> Result<()> {
    if args.object_type == ObjectType::Image {
        if args.options.isolation || args.options.size {
            bail!("--isolation and --size apply to containers, not to --type image");
        }
        return image::inspect(session, image_args(args.names, args.options.format));
    }
    let store = session.open_store()?;
    let mut values = Vec::new();
    let mut missing = Vec::new();
    for name in &args.names {
        if let Some(record) = find_container(&store, name)? {
            values.push(render_container(&store, &record, &args.options)?);
        } else if args.object_type == ObjectType::All
            && !args.options.isolation
            && let Some(found) = store.find_image(name)?
        {
            values.push(image::inspect_json(&store, &found)?);
        } else {
            missing.push(name.as_str());
        }
    }
    let what = match args.object_type {
        ObjectType::Container => "container",
        _ => "object",
    };
    print(&values, &args.options, &missing, what)
}

pub fn container_inspect(session: &Session, args: ContainerInspectArgs) -> Result<()> {
    let store = session.open_store()?;
    let mut values = Vec::new();
    let mut missing = Vec::new();
    if args.latest {
        let newest = state::list(&store)?.into_iter().next();
        let newest =
            newest.ok_or_else(|| anyhow!("no containers to inspect: --latest found none"))?;
        values.push(render_container(&store, &newest, &args.options)?);
    }
    for name in &args.names {
        match find_container(&store, name)? {
            Some(record) => values.push(render_container(&store, &record, &args.options)?),
            None => missing.push(name.as_str()),
        }
    }
    print(&values, &args.options, &missing, "container")
}

fn image_args(images: Vec<String>, format: Option<String>) -> image::InspectArgs {
    image::InspectArgs { images, format }
}

/// The container `name` names, reconciled; `None` when there is none (ambiguous prefixes fail).
fn find_container(store: &Store, name: &str) -> Result<Option<ContainerRecord>> {
    match store.find_container(name)? {
        Some(record) => state::reconcile(store, record),
        None => Ok(None),
    }
}

fn render_container(
    store: &Store,
    record: &ContainerRecord,
    options: &InspectOptions,
) -> Result<Value> {
    if options.isolation {
        let live = probe(store, record)?.ok_or_else(|| {
            anyhow!(
                "container {} is not running: the isolation view reads its processes; start it with `engine start {}`",
                record.name,
                record.name
            )
        })?;
        return Ok(isolation_view::to_json(record, &live));
    }
    let live = probe(store, record)?;
    container_json(store, record, options.size, live.as_ref())
}

/// The running container's isolation facts, `None` when it does not run.
fn probe(store: &Store, record: &ContainerRecord) -> Result<Option<Isolation>> {
    let Some(init_pid) = record.init_pid.filter(|_| state::is_running(record)) else {
        return Ok(None);
    };
    let config = store.container_dir(&record.id).join("config.json");
    let spec = Spec::load(&config).map_err(|e| anyhow!("reading {}: {e}", config.display()))?;
    let linux = spec.linux().as_ref();
    let masked = linux
        .and_then(|l| l.masked_paths().clone())
        .unwrap_or_default();
    let readonly = linux
        .and_then(|l| l.readonly_paths().clone())
        .unwrap_or_default();
    Ok(Some(
        Probe {
            proc: Path::new("/proc"),
            cgroup_root: Path::new("/sys/fs/cgroup"),
            init_pid,
            waiter_pid: record.waiter.map(|w| w.pid),
            host_pid: std::process::id(),
            masked_paths: &masked,
            readonly_paths: &readonly,
        }
        .read(),
    ))
}

/// Prints what was found, then fails naming what was not (podman prints both).
fn print(values: &[Value], options: &InspectOptions, missing: &[&str], what: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let template = options.format.as_deref().filter(|f| *f != "json");
    if options.isolation && options.format.is_none() {
        let text: String = values
            .iter()
            .map(isolation_table::to_table)
            .collect::<Vec<_>>()
            .join("\n");
        out.write_all(text.as_bytes())?;
    } else {
        format::render_inspect(values, template, &mut out)?;
    }
    if !missing.is_empty() {
        bail!("no such {what}: {}", missing.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command, ContainerCommand};

    #[test]
    fn flags_parse_like_podmans() {
        let cli = Cli::try_parse_from([
            "engine",
            "inspect",
            "-t",
            "container",
            "-s",
            "-f",
            "{{.Id}}",
            "web",
        ])
        .unwrap();
        let Command::Inspect(args) = cli.command else {
            panic!("not inspect");
        };
        assert_eq!(args.object_type, super::ObjectType::Container);
        assert!(args.options.size);
        assert_eq!(args.options.format.as_deref(), Some("{{.Id}}"));
        let cli =
            Cli::try_parse_from(["engine", "container", "inspect", "-l", "--isolation"]).unwrap();
        let Command::Container(ContainerCommand::Inspect(args)) = cli.command else {
            panic!("not container inspect");
        };
        assert!(args.latest && args.options.isolation && args.names.is_empty());
        assert!(Cli::try_parse_from(["engine", "container", "inspect"]).is_err());
    }
}
