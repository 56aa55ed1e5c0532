//! Looking at an image in a registry without pulling its layers (`skopeo inspect`).

use anyhow::{Context, Result, anyhow};
use serde_json::{Value, json};

use super::remote::RemoteRepo;
use crate::image::manifest::{self, Manifest, Platform};
use crate::util::digest::Digest;

/// What a registry says about one image.
pub struct RemoteImage {
    /// The manifest the reference names, as the registry sent it (an index for multi-platform
    /// images), and its digest.
    pub raw: Vec<u8>,
    pub digest: Digest,
    /// The config of the image manifest for the platform.
    pub config: Vec<u8>,
    /// Layers of that image manifest: (media type, digest, size).
    pub layers: Vec<(String, Digest, u64)>,
}

/// Reads the manifest `reference` names (and, through an index, the one for `platform`) and
/// its config; no layer is downloaded.
pub async fn fetch(repo: &RemoteRepo, reference: &str, platform: &Platform) -> Result<RemoteImage> {
    let (raw, _, digest) = repo.manifest(reference).await?;
    let what = format!("{}:{reference}", repo.name());
    let image =
        match manifest::parse(&raw).with_context(|| format!("reading manifest of {what}"))? {
            Manifest::Image { manifest, .. } => manifest,
            Manifest::Index { index, .. } => {
                let chosen = manifest::choose_platform(&index, platform)
                    .with_context(|| format!("inspecting {what}"))?;
                let (child, _, _) = repo.manifest(chosen.digest.as_str()).await?;
                match manifest::parse(&child)? {
                    Manifest::Image { manifest, .. } => manifest,
                    Manifest::Index { .. } => {
                        return Err(anyhow!(
                            "{what}: an index points to another index; not supported"
                        ));
                    }
                }
            }
        };
    let (config, layers) =
        manifest::image_parts(&image).with_context(|| format!("reading manifest of {what}"))?;
    let config_bytes = repo.small_blob(&config.digest).await?;
    Ok(RemoteImage {
        raw,
        digest,
        config: config_bytes,
        layers: layers
            .into_iter()
            .map(|l| (l.media_type, l.digest, l.size))
            .collect(),
    })
}

/// skopeo inspect's JSON object.
pub fn describe(name: &str, image: &RemoteImage, tags: &[String]) -> Result<Value> {
    let config: Value = serde_json::from_slice(&image.config)
        .map_err(|e| anyhow!("the image config of {name} is not JSON ({e})"))?;
    let inner = config.get("config").cloned().unwrap_or(Value::Null);
    let layers: Vec<Value> = image
        .layers
        .iter()
        .map(|(_, d, _)| json!(d.as_str()))
        .collect();
    let layers_data: Vec<Value> = image
        .layers
        .iter()
        .map(|(m, d, s)| json!({ "MIMEType": m, "Digest": d.as_str(), "Size": s, "Annotations": null }))
        .collect();
    Ok(json!({
        "Name": name,
        "Digest": image.digest.as_str(),
        "RepoTags": tags,
        "Created": config.get("created").cloned().unwrap_or(Value::Null),
        "DockerVersion": config.get("docker_version").cloned().unwrap_or(json!("")),
        "Labels": inner.get("Labels").cloned().unwrap_or(Value::Null),
        "Architecture": config.get("architecture").cloned().unwrap_or(Value::Null),
        "Os": config.get("os").cloned().unwrap_or(Value::Null),
        "Layers": layers,
        "LayersData": layers_data,
        "Env": inner.get("Env").cloned().unwrap_or(Value::Null),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_takes_platform_env_and_layers_from_config_and_manifest() {
        let config = br#"{"created":"2024-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Labels":{"a":"b"}}}"#;
        let layer = Digest::of(b"layer");
        let image = RemoteImage {
            raw: b"{}".to_vec(),
            digest: Digest::of(b"{}"),
            config: config.to_vec(),
            layers: vec![(
                "application/vnd.oci.image.layer.v1.tar+gzip".into(),
                layer.clone(),
                5,
            )],
        };
        let v = describe("r/x", &image, &["v1".into()]).unwrap();
        assert_eq!(v["Digest"], json!(Digest::of(b"{}").as_str()));
        assert_eq!(v["RepoTags"], json!(["v1"]));
        assert_eq!(v["Os"], json!("linux"));
        assert_eq!(v["Env"], json!(["PATH=/bin"]));
        assert_eq!(v["Layers"], json!([layer.as_str()]));
        assert_eq!(v["Labels"]["a"], json!("b"));
    }

    #[test]
    fn a_config_that_is_not_json_is_an_error() {
        let image = RemoteImage {
            raw: vec![],
            digest: Digest::of(b""),
            config: b"nope".to_vec(),
            layers: vec![],
        };
        assert!(
            describe("r/x", &image, &[])
                .unwrap_err()
                .to_string()
                .contains("not JSON")
        );
    }
}
