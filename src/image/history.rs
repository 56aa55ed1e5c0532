//! An image's history as `engine history` shows it: the config's history entries, newest first,
//! each paired with the layer it made. The pairing walks the layers down from the top and
//! steps to the next one only after an entry that made a layer (`empty_layer` false), as
//! podman (containers/common libimage) and docker do; an entry whose layer is the top layer
//! of another local image is shown with that image's ID.

use std::collections::HashSet;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::store::ImageRecord;

/// One row of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The local image this entry's layer tops (the image itself on the newest entry); None
    /// when there is none (podman's `<missing>`).
    pub image_id: Option<String>,
    /// RFC 3339, as the config has it.
    pub created: Option<String>,
    pub created_by: String,
    pub comment: String,
    /// The uncompressed size of the layer the entry made; 0 for entries that made none.
    pub size: u64,
}

/// The part of an image config the history needs; every field may be missing.
#[derive(Deserialize, Default)]
struct Config {
    #[serde(default)]
    history: Vec<ConfigEntry>,
}

#[derive(Deserialize)]
struct ConfigEntry {
    created: Option<String>,
    created_by: Option<String>,
    comment: Option<String>,
    #[serde(default)]
    empty_layer: bool,
}

/// The history of `image`, whose config blob is `config`, newest entry first. `local` is every
/// image in the store (to name the images intermediate layers belong to).
pub fn history(
    image: &ImageRecord,
    config: &[u8],
    local: &[ImageRecord],
) -> Result<Vec<HistoryEntry>> {
    let config: Config = serde_json::from_slice(config).with_context(|| {
        format!(
            "the config of image {} has no readable history; run `engine rmi {}` and pull it again",
            image.id,
            short(&image.id)
        )
    })?;
    let mut used = HashSet::new();
    let mut layer = image.layers.len().checked_sub(1);
    let newest = config.history.len().saturating_sub(1);
    let mut entries = Vec::with_capacity(config.history.len());
    for (index, entry) in config.history.into_iter().enumerate().rev() {
        let mut row = HistoryEntry {
            image_id: (index == newest).then(|| image.id.clone()),
            created: entry.created,
            created_by: entry.created_by.unwrap_or_default(),
            comment: entry.comment.unwrap_or_default(),
            size: 0,
        };
        if let Some(at) = layer {
            let record = &image.layers[at];
            if !entry.empty_layer {
                row.size = record.uncompressed_size;
            }
            let topped = local
                .iter()
                .find(|other| other.layers.last().map(|l| &l.chain_id) == Some(&record.chain_id));
            if let Some(other) = topped
                && used.insert(other.id.clone())
            {
                row.image_id = Some(other.id.clone());
            }
            if !entry.empty_layer {
                layer = at.checked_sub(1);
            }
        }
        entries.push(row);
    }
    Ok(entries)
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::LayerRecord;
    use crate::util::digest::Digest;

    fn digest(n: u8) -> Digest {
        Digest::of(&[n])
    }

    fn layer(n: u8, size: u64) -> LayerRecord {
        LayerRecord {
            digest: digest(n),
            diff_id: digest(n),
            chain_id: digest(100 + n),
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
            size,
            uncompressed_size: size,
        }
    }

    fn image(id: &str, layers: Vec<LayerRecord>) -> ImageRecord {
        ImageRecord {
            id: id.into(),
            names: vec![],
            digests: vec![],
            manifest_digest: digest(0),
            manifest_media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            config_digest: digest(0),
            size: layers.iter().map(|l| l.uncompressed_size).sum(),
            layers,
            created: None,
            pulled: "2026-01-01T00:00:00Z".into(),
            architecture: "amd64".into(),
            os: "linux".into(),
            variant: None,
        }
    }

    const BASE_CONFIG: &str = r#"{"history": [
        {"created": "2024-01-01T00:00:00Z", "created_by": "base"},
        {"created": "2024-01-02T00:00:00Z", "created_by": "files", "comment": "c"},
        {"created_by": "CMD [\"sh\"]", "empty_layer": true}
    ]}"#;

    #[test]
    fn entries_pair_with_layers_from_the_top_skipping_empty_ones() {
        let base = image("base", vec![layer(1, 100), layer(2, 20)]);
        let rows = history(&base, BASE_CONFIG.as_bytes(), std::slice::from_ref(&base)).unwrap();
        let summary: Vec<_> = rows
            .iter()
            .map(|r| (r.image_id.as_deref(), r.created_by.as_str(), r.size))
            .collect();
        assert_eq!(
            summary,
            [
                (Some("base"), "CMD [\"sh\"]", 0),
                (None, "files", 20),
                (None, "base", 100)
            ]
        );
        assert_eq!(rows[1].comment, "c");
        assert_eq!(rows[2].created.as_deref(), Some("2024-01-01T00:00:00Z"));
    }

    #[test]
    fn a_layer_topping_another_local_image_shows_its_id() {
        let base = image("base", vec![layer(1, 100), layer(2, 20)]);
        let child = image("child", vec![layer(1, 100), layer(2, 20), layer(3, 5)]);
        let config = BASE_CONFIG.replace(
            "\"empty_layer\": true}",
            "\"empty_layer\": true}, {\"created_by\": \"/bin/sh\", \"comment\": \"m\"}",
        );
        let local = [base, child.clone()];
        let rows = history(&child, config.as_bytes(), &local).unwrap();
        let ids: Vec<_> = rows.iter().map(|r| r.image_id.as_deref()).collect();
        assert_eq!(ids, [Some("child"), Some("base"), None, None]);
        assert_eq!(rows[0].size, 5);
        assert_eq!(rows[2].size, 20);
    }

    #[test]
    fn more_entries_than_layers_and_no_history_at_all() {
        let one = image("one", vec![layer(1, 7)]);
        let config = r#"{"history": [{"created_by": "a"}, {"created_by": "b"}]}"#;
        let rows = history(&one, config.as_bytes(), &[]).unwrap();
        assert_eq!(rows.iter().map(|r| r.size).collect::<Vec<_>>(), [7, 0]);
        assert_eq!(rows[0].image_id.as_deref(), Some("one"));
        assert!(history(&one, b"{}", &[]).unwrap().is_empty());
        let err = history(&one, b"not json", &[]).unwrap_err().to_string();
        assert!(err.contains("engine rmi one"), "{err}");
    }
}
