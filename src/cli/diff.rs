//! `diff` (a container or an image), `container diff` and `image diff`: what a container
//! changed in its image's files, or what an image's top layer changed in the layers below.

use std::io::Write;

use anyhow::{Result, bail};
use clap::Args;
use serde_json::{Map, Value, json};

use super::{Session, format};
use crate::container::diff::{ChangeKind, DiffTarget, diff as list_changes};

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The container or image, by name or ID (a container wins when both match)
    #[arg(value_name = "CONTAINER|IMAGE", add = super::complete::containers_and_images())]
    pub name: String,
    /// Compare to this container or image instead of the first one's image (or parent layers)
    #[arg(value_name = "CONTAINER|IMAGE", add = super::complete::containers_and_images())]
    pub other: Option<String>,
    #[command(flatten)]
    pub output: DiffOutput,
}

#[derive(Args, Debug)]
pub struct ContainerDiffArgs {
    /// The container, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::containers())]
    pub container: String,
    /// Compare to this container instead of the first one's image
    #[arg(value_name = "CONTAINER", add = super::complete::containers())]
    pub other: Option<String>,
    #[command(flatten)]
    pub output: DiffOutput,
}

#[derive(Args, Debug)]
pub struct ImageDiffArgs {
    /// The image, by name or ID
    #[arg(value_name = "IMAGE", add = super::complete::images())]
    pub image: String,
    /// Compare to this image instead of the first one's parent layers
    #[arg(value_name = "IMAGE", add = super::complete::images())]
    pub other: Option<String>,
    #[command(flatten)]
    pub output: DiffOutput,
}

#[derive(Args, Debug)]
pub struct DiffOutput {
    /// Output format: json (the paths grouped as changed, added and deleted)
    #[arg(long)]
    pub format: Option<String>,
}

pub fn diff(session: &Session, args: DiffArgs) -> Result<()> {
    print_changes(
        session,
        (&args.name, args.other.as_deref()),
        DiffTarget::Any,
        &args.output,
    )
}

pub fn container_diff(session: &Session, args: ContainerDiffArgs) -> Result<()> {
    print_changes(
        session,
        (&args.container, args.other.as_deref()),
        DiffTarget::Container,
        &args.output,
    )
}

pub fn image_diff(session: &Session, args: ImageDiffArgs) -> Result<()> {
    print_changes(
        session,
        (&args.image, args.other.as_deref()),
        DiffTarget::Image,
        &args.output,
    )
}

fn print_changes(
    session: &Session,
    (name, other): (&str, Option<&str>),
    target: DiffTarget,
    output: &DiffOutput,
) -> Result<()> {
    let json = match output.format.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(f) if f.eq_ignore_ascii_case("json") => true,
        Some(other) => bail!("--format {other:?} is not supported by diff; use --format json"),
    };
    let store = session.open_store()?;
    let changes = list_changes(&store, name, other, target)?;
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
