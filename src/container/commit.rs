//! `engine commit`: a container's changes as a new image, as podman makes it.
//!
//! The new layer is the container's upper directory as a tar (whiteouts turned back into OCI
//! `.wh.` entries, owners as the image's IDs; see `export`), stored on top of the image's
//! layers. The new config is the image's, with the container's command, environment, working
//! directory, labels and published ports carried over (as podman does), then `--change`
//! applied, and a history entry for the layer.

use std::collections::BTreeSet;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value, json};

use super::export::{TarContent, container_tar};
use super::state;
use crate::image::changes::{apply_changes, set_env};
use crate::image::new_image::{ImageLayer, ManifestFormat, now, store_new_image};
use crate::rootfs::layer_tar::store_layer_from_tar;
use crate::rootfs::unpacker::LayerUnpacker;
use crate::store::{ContainerRecord, ImageRecord, Store};

/// commit's flags.
pub struct CommitOptions {
    /// `--change` instructions, applied after the container's own settings.
    pub changes: Vec<String>,
    /// `--message`: the history entry's comment.
    pub message: Option<String>,
    /// `--author`: the config's and the history entry's author.
    pub author: Option<String>,
    /// `--pause`: stop the container's processes while its files are read.
    pub pause: bool,
    pub format: ManifestFormat,
}

/// Variables the engine sets in every container; not part of what the user configured.
const RUNTIME_ENV: [&str; 2] = ["HOSTNAME", "container"];

/// Commits container `name` as a new image, named `image_name` if given.
pub fn commit(
    store: &Store,
    name: &str,
    image_name: Option<&str>,
    opts: &CommitOptions,
) -> Result<ImageRecord> {
    let record = state::find(store, name)?;
    if record.image_id.is_empty() {
        bail!(
            "container {} runs from a root directory (--rootfs), not an image: there is no image \
             to commit its changes on top of; use `engine export` and `engine import`",
            record.name
        );
    }
    let image = store.find_image(&record.image_id)?.ok_or_else(|| {
        anyhow!(
            "the image of container {} ({}) is no longer in the store: commit needs it",
            record.name,
            record.image_id
        )
    })?;
    let mut config = image_config(store, &image)?;
    carry_over(store, &record, &image, &mut config)?;
    if let Some(container_config) = config.get_mut("config").and_then(Value::as_object_mut) {
        apply_changes(container_config, &opts.changes)?;
    }

    let (unpacker, warning) = LayerUnpacker::new()?;
    if let Some(warning) = warning {
        eprintln!("{warning}");
    }
    let paused = match opts.pause && state::is_running(&record) {
        true => Some(super::freeze::Frozen::freeze(&record)?),
        false => None,
    };
    let layer = new_layer(store, &unpacker, &record, &image);
    drop(paused);
    let layer = layer?;

    let created = now();
    config["created"] = json!(created);
    let mut history = json!({
        "created": created,
        "created_by": record.command.join(" "),
    });
    if let Some(author) = &opts.author {
        config["author"] = json!(author);
        history["author"] = json!(author);
    }
    if let Some(message) = &opts.message {
        history["comment"] = json!(message);
    }
    match config.get_mut("history").and_then(Value::as_array_mut) {
        Some(list) => list.push(history),
        None => config["history"] = json!([history]),
    }
    let mut layers = ImageLayer::of_image(&image);
    layers.push(layer);
    store_new_image(store, config, &layers, opts.format, image_name)
}

/// The container's upper directory stored as a layer on top of the image's.
fn new_layer(
    store: &Store,
    unpacker: &LayerUnpacker,
    record: &ContainerRecord,
    image: &ImageRecord,
) -> Result<ImageLayer> {
    let parent = image.layers.last().map(|l| &l.chain_id);
    let mut tar = container_tar(store, record, TarContent::Changes)?;
    let meta = match store_layer_from_tar(store, unpacker, parent, &mut tar) {
        Ok(meta) => meta,
        Err(e) => return Err(tar.finish_after(e)),
    };
    tar.finish()?;
    Ok(ImageLayer {
        chain_id: meta.chain_id,
        diff_id: meta.diff_id,
        size: meta.size,
    })
}

fn image_config(store: &Store, image: &ImageRecord) -> Result<Value> {
    let bytes = store.read_blob(&image.config_digest)?;
    let mut config: Value = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "image config {} is corrupt; pull the image again",
            image.config_digest
        )
    })?;
    if !config.is_object() {
        bail!(
            "image config {} is not a JSON object; pull the image again",
            image.config_digest
        );
    }
    if !config.get("config").is_some_and(Value::is_object) {
        config["config"] = json!({});
    }
    Ok(config)
}

/// What podman carries from the container into the new config: entrypoint and command, the
/// environment, the working directory, labels and the published ports.
fn carry_over(
    store: &Store,
    record: &ContainerRecord,
    image: &ImageRecord,
    config: &mut Value,
) -> Result<()> {
    let spec_path = store.container_dir(&record.id).join("config.json");
    let spec = oci_spec::runtime::Spec::load(&spec_path)
        .map_err(|e| anyhow!("reading {}: {e}", spec_path.display()))?;
    let Some(container_config) = config.get_mut("config").and_then(Value::as_object_mut) else {
        bail!("image config {} has no config object", image.config_digest);
    };
    if let Some(process) = spec.process() {
        let args = process.args().clone().unwrap_or_default();
        split_command(container_config, args);
        for var in process.env().iter().flatten() {
            let Some((key, value)) = var.split_once('=') else {
                continue;
            };
            if !RUNTIME_ENV.contains(&key) {
                set_env(container_config, key, value);
            }
        }
        let cwd = process.cwd().display().to_string();
        container_config.insert("WorkingDir".into(), json!(cwd));
    }
    if !record.labels.is_empty() {
        let labels = container_config
            .entry("Labels")
            .or_insert_with(|| json!({}));
        if !labels.is_object() {
            *labels = json!({});
        }
        if let Some(labels) = labels.as_object_mut() {
            for (key, value) in &record.labels {
                labels.insert(key.clone(), json!(value));
            }
        }
    }
    let published: BTreeSet<String> = record
        .settings
        .network
        .ports
        .iter()
        .flat_map(|p| {
            (0..p.range.max(1)).map(move |i| {
                format!(
                    "{}/{}",
                    u32::from(p.container_port) + u32::from(i),
                    p.protocol
                )
            })
        })
        .collect();
    if !published.is_empty() {
        let ports = container_config
            .entry("ExposedPorts")
            .or_insert_with(|| json!({}));
        if !ports.is_object() {
            *ports = json!({});
        }
        if let Some(ports) = ports.as_object_mut() {
            for port in published {
                ports.insert(port, json!({}));
            }
        }
    }
    Ok(())
}

/// The container's command line as Entrypoint + Cmd: the image's entrypoint stays when the
/// command starts with it (no `--entrypoint` was given), else the whole line is the Cmd.
fn split_command(config: &mut Map<String, Value>, args: Vec<String>) {
    if args.is_empty() {
        return;
    }
    let entrypoint: Vec<String> = config
        .get("Entrypoint")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let cmd = match args.strip_prefix(entrypoint.as_slice()) {
        Some(rest) if !entrypoint.is_empty() => rest.to_vec(),
        _ => {
            config.insert("Entrypoint".into(), Value::Null);
            args
        }
    };
    config.insert("Cmd".into(), json!(cmd));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_image_entrypoint_stays_when_the_command_starts_with_it() {
        let mut config = Map::new();
        config.insert("Entrypoint".into(), json!(["/entry"]));
        split_command(&mut config, strings(&["/entry", "arg"]));
        assert_eq!(config["Entrypoint"], json!(["/entry"]));
        assert_eq!(config["Cmd"], json!(["arg"]));

        split_command(&mut config, strings(&["/other", "x"]));
        assert_eq!(config["Entrypoint"], Value::Null);
        assert_eq!(config["Cmd"], json!(["/other", "x"]));
    }
}
