//! Opening the file sources of `image copy`: which image of an OCI layout or a docker-archive
//! is meant, and the docker schema2 manifest a docker-archive image is given (docker-archives
//! carry none), naming the layer members by their diff_ids, as uncompressed tars.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

use super::TransportRef;
use super::archive_index::ArchiveIndex;
use super::manifest_out::{self, Described, Family};
use super::source::{Kind, Source};
use crate::util::digest::Digest;

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// The index.json entry `reference` names (by its ref.name annotation), or the only one.
pub(super) fn layout_entry(
    files: &ArchiveIndex,
    name: &str,
    reference: Option<&str>,
) -> Result<Digest> {
    let index: Value = serde_json::from_slice(&files.read_member("index.json")?)
        .map_err(|e| anyhow!("{name}: index.json is malformed ({e})"))?;
    let entries = index["manifests"].as_array().cloned().unwrap_or_default();
    let chosen: Vec<&Value> = match reference {
        Some(r) => entries
            .iter()
            .filter(|e| e["annotations"][REF_NAME].as_str() == Some(r))
            .collect(),
        None => entries.iter().collect(),
    };
    let entry = match (chosen.as_slice(), reference) {
        ([one], _) => *one,
        ([], Some(r)) => bail!("{name}: index.json has no image named {r:?}"),
        ([], None) => bail!("{name}: index.json lists no image"),
        (many, _) => bail!(
            "{name}: index.json lists {} images; name one as {name}:REFERENCE",
            many.len()
        ),
    };
    entry["digest"]
        .as_str()
        .and_then(|d| Digest::parse(d).ok())
        .ok_or_else(|| anyhow!("{name}: index.json has an entry without a valid digest"))
}

pub(super) fn docker_archive(
    path: &Path,
    reference: Option<&str>,
    from: &TransportRef,
) -> Result<Source> {
    let name = from.to_string();
    let files = ArchiveIndex::open(path)?;
    let entries: Vec<Value> = serde_json::from_slice(&files.read_member("manifest.json")?)
        .map_err(|e| anyhow!("{name}: manifest.json is malformed ({e}); not a docker-archive"))?;
    let tagged = |e: &&Value, r: &str| {
        e["RepoTags"].as_array().is_some_and(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .any(|t| t == r || t.ends_with(&format!("/{r}")))
        })
    };
    let chosen: Vec<&Value> = match reference {
        Some(r) => entries.iter().filter(|e| tagged(e, r)).collect(),
        None => entries.iter().collect(),
    };
    let entry = match chosen.as_slice() {
        [one] => *one,
        [] => bail!("{name}: manifest.json lists no such image"),
        many => bail!(
            "{name}: holds {} images; name one as {name}:NAME:TAG",
            many.len()
        ),
    };
    let config_member = entry["Config"]
        .as_str()
        .with_context(|| format!("{name}: manifest.json names no Config"))?;
    let config = files.read_member(config_member)?;
    let parsed: Value = serde_json::from_slice(&config)
        .map_err(|e| anyhow!("{name}: the image config is not JSON ({e})"))?;
    let diff_ids: Vec<Digest> = parsed["rootfs"]["diff_ids"]
        .as_array()
        .with_context(|| format!("{name}: the image config lists no rootfs.diff_ids"))?
        .iter()
        .map(|d| d.as_str().and_then(|d| Digest::parse(d).ok()))
        .collect::<Option<_>>()
        .with_context(|| format!("{name}: the image config lists an invalid diff_id"))?;
    let layer_members: Vec<&str> = entry["Layers"]
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if layer_members.len() != diff_ids.len() {
        bail!("{name}: manifest.json and the image config list different numbers of layers");
    }
    let config_digest = Digest::of(&config);
    let mut members = BTreeMap::from([(config_digest.clone(), config_member.to_string())]);
    let mut layers = Vec::new();
    for (member, diff_id) in layer_members.iter().zip(diff_ids) {
        let size = files.layer_size(member)?;
        members.insert(diff_id.clone(), member.to_string());
        layers.push(Described::plain(diff_id, size));
    }
    let config = Described::plain(config_digest, config.len() as u64);
    Ok(Source {
        name,
        kind: Kind::DockerArchive {
            files: Arc::new(files),
            manifest: manifest_out::build(Family::Docker, &config, &layers),
            members,
        },
    })
}
