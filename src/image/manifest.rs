//! Manifests and indexes (OCI and docker schema2), platform choice, and layer compression.

use anyhow::{Result, anyhow, bail};
use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};

use crate::util::digest::Digest;

/// Manifests and configs above this size are refused before parsing (containers/image uses the
/// same 4 MiB bound): a registry must not be able to make us buffer arbitrary amounts.
pub const MAX_MANIFEST_BYTES: usize = 4 << 20;
pub const MAX_CONFIG_BYTES: u64 = 4 << 20;

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// A parsed manifest document.
#[derive(Debug)]
pub enum Manifest {
    Index {
        media_type: String,
        index: Box<ImageIndex>,
    },
    Image {
        media_type: String,
        manifest: Box<ImageManifest>,
    },
}

/// A blob a manifest points to, with the digest validated.
#[derive(Clone, Debug)]
pub struct Blob {
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
}

/// The platform an image is for, e.g. linux/arm64/v8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// The machine we run on, in OCI names.
    pub fn host() -> Platform {
        let (architecture, variant) = match std::env::consts::ARCH {
            "x86_64" => ("amd64", None),
            "aarch64" => ("arm64", None),
            "arm" => ("arm", Some("v7")),
            "x86" => ("386", None),
            "powerpc64" => ("ppc64le", None),
            "s390x" => ("s390x", None),
            "riscv64" => ("riscv64", None),
            other => (other, None),
        };
        Platform {
            os: "linux".into(),
            architecture: architecture.into(),
            variant: variant.map(String::from),
        }
    }

    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Platform> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: os.to_string(),
                architecture: normalize_arch(arch).into(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform {
                    os: os.to_string(),
                    architecture: normalize_arch(arch).into(),
                    variant: Some(variant.to_string()),
                })
            }
            _ => bail!("invalid platform {s:?}: expected OS/ARCH[/VARIANT], e.g. linux/arm64"),
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

fn normalize_arch(arch: &str) -> &str {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// Parses a manifest or index, deciding the kind from `mediaType` or, when absent (allowed by
/// OCI), from the fields present.
pub fn parse(bytes: &[u8]) -> Result<Manifest> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        bail!(
            "manifest is {} bytes, over the {MAX_MANIFEST_BYTES}-byte limit; refusing it",
            bytes.len()
        );
    }
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| anyhow!("manifest is not valid JSON: {e}"))?;
    let schema = value.get("schemaVersion").and_then(|v| v.as_u64());
    if schema == Some(1) {
        bail!(
            "manifest uses docker schema 1, which is deprecated and not supported; push the image again with a current client"
        );
    }
    if schema != Some(2) {
        bail!("manifest has schemaVersion {schema:?}; only version 2 is supported");
    }
    let declared = value
        .get("mediaType")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let media_type = match declared {
        Some(m) => m,
        None if value.get("manifests").is_some() => OCI_INDEX.to_string(),
        None if value.get("layers").is_some() => OCI_MANIFEST.to_string(),
        None => bail!("manifest has neither mediaType, manifests nor layers; it is not an image"),
    };
    match media_type.as_str() {
        OCI_INDEX | DOCKER_LIST => {
            let index: Box<ImageIndex> =
                serde_json::from_value(value).map_err(|e| anyhow!("malformed image index: {e}"))?;
            Ok(Manifest::Index { media_type, index })
        }
        OCI_MANIFEST | DOCKER_MANIFEST => {
            let manifest: Box<ImageManifest> = serde_json::from_value(value)
                .map_err(|e| anyhow!("malformed image manifest: {e}"))?;
            Ok(Manifest::Image {
                media_type,
                manifest,
            })
        }
        other => bail!("unsupported manifest media type {other:?}: not a container image"),
    }
}

/// Content-Types that say nothing about the kind of manifest: the body's `mediaType` decides
/// (containers/image guesses from the content in the same cases).
const GENERIC_CONTENT_TYPES: &[&str] = &[
    "",
    "application/json",
    "text/plain",
    "application/octet-stream",
    "binary/octet-stream",
];

/// Docker schema 1 types: accepted here so that [`parse`] explains they are unsupported.
const SCHEMA1_TYPES: &[&str] = &[
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
];

/// Parses a manifest as a registry served it. Its Content-Type must be a manifest type of the
/// same kind (index or image) as the body, or a generic type; anything else (an HTML login
/// page, a mislabelled document) is refused, as podman refuses it.
pub fn parse_served(bytes: &[u8], content_type: Option<&str>) -> Result<Manifest> {
    let essence = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if GENERIC_CONTENT_TYPES.contains(&essence.as_str())
        || SCHEMA1_TYPES.contains(&essence.as_str())
    {
        return parse(bytes);
    }
    let served_index = match essence.as_str() {
        OCI_INDEX | DOCKER_LIST => true,
        OCI_MANIFEST | DOCKER_MANIFEST => false,
        _ => bail!(
            "the registry sent it as {essence:?}, which is not a manifest type (a proxy or login \
             page answering for the registry?); refusing it"
        ),
    };
    let manifest = parse(bytes)?;
    let (is_index, body_type) = match &manifest {
        Manifest::Index { media_type, .. } => (true, media_type),
        Manifest::Image { media_type, .. } => (false, media_type),
    };
    if is_index != served_index {
        bail!(
            "the registry sent it as {essence:?} but it is a {body_type:?}; the registry or a \
             proxy mislabels it, refusing it"
        );
    }
    Ok(manifest)
}

/// Validates a descriptor's digest and returns it as a [`Blob`].
pub fn blob(d: &Descriptor) -> Result<Blob> {
    let digest =
        Digest::parse(d.digest().as_ref()).map_err(|e| anyhow!("manifest references {e}"))?;
    Ok(Blob {
        digest,
        size: d.size(),
        media_type: d.media_type().to_string(),
    })
}

/// The config and layers of an image manifest.
pub fn image_parts(manifest: &ImageManifest) -> Result<(Blob, Vec<Blob>)> {
    let config = blob(manifest.config())?;
    if config.size > MAX_CONFIG_BYTES {
        bail!(
            "image config is {} bytes, over the {MAX_CONFIG_BYTES}-byte limit; refusing it",
            config.size
        );
    }
    let layers = manifest
        .layers()
        .iter()
        .map(blob)
        .collect::<Result<Vec<_>>>()?;
    for layer in &layers {
        layer_compression_from_media_type(&layer.media_type)?;
    }
    Ok((config, layers))
}

/// Picks the manifest for `want` from an index. Variant is compared only when both sides name one,
/// except that an explicit variant request must be met.
pub fn choose_platform(index: &ImageIndex, want: &Platform) -> Result<Blob> {
    let mut available = Vec::new();
    let mut fallback = None;
    for entry in index.manifests() {
        let Some(p) = entry.platform() else { continue };
        let entry_platform = Platform {
            os: p.os().to_string(),
            architecture: p.architecture().to_string(),
            variant: p.variant().clone(),
        };
        available.push(entry_platform.to_string());
        if entry_platform.os != want.os || entry_platform.architecture != want.architecture {
            continue;
        }
        match (&want.variant, &entry_platform.variant) {
            (Some(w), Some(e)) if w == e => return blob(entry),
            (Some(_), _) => continue,
            (None, _) => {
                if fallback.is_none() {
                    fallback = Some(entry);
                }
            }
        }
    }
    match fallback {
        Some(entry) => blob(entry),
        None => bail!(
            "no image for platform {want} in the manifest list (available: {}); choose one with --platform",
            if available.is_empty() {
                "none".to_string()
            } else {
                available.join(", ")
            }
        ),
    }
}

/// How a layer blob is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// The compression a layer media type announces; unknown layer types are refused.
pub fn layer_compression_from_media_type(media_type: &str) -> Result<Compression> {
    let m = media_type;
    if m.ends_with("+gzip") || m.ends_with(".tar.gzip") {
        Ok(Compression::Gzip)
    } else if m.ends_with("+zstd") {
        Ok(Compression::Zstd)
    } else if m.ends_with(".tar") || m.ends_with(".v1.tar") {
        Ok(Compression::None)
    } else {
        bail!("unsupported layer media type {m:?}: not a tar layer (gzip, zstd or plain)")
    }
}

/// The compression the first bytes of a blob show; registries sometimes mislabel layers, so the
/// bytes decide, as containers/image does.
pub fn sniff_compression(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_json(entries: &[(&str, &str, Option<&str>)]) -> Vec<u8> {
        let manifests: Vec<serde_json::Value> = entries
            .iter()
            .enumerate()
            .map(|(i, (os, arch, variant))| {
                let mut platform = serde_json::json!({"os": os, "architecture": arch});
                if let Some(v) = variant {
                    platform["variant"] = serde_json::json!(v);
                }
                serde_json::json!({
                    "mediaType": OCI_MANIFEST,
                    "digest": Digest::of(&[i as u8]).to_string(),
                    "size": 100,
                    "platform": platform,
                })
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests
        }))
        .unwrap()
    }

    #[test]
    fn chooses_platform_with_variants() {
        let bytes = index_json(&[
            ("linux", "amd64", None),
            ("linux", "arm", Some("v6")),
            ("linux", "arm", Some("v7")),
            ("linux", "arm64", Some("v8")),
        ]);
        let Manifest::Index { index, .. } = parse(&bytes).unwrap() else {
            panic!("not an index")
        };
        let pick =
            |p: &str| choose_platform(&index, &Platform::parse(p).unwrap()).map(|b| b.digest);
        assert_eq!(pick("linux/amd64").unwrap(), Digest::of(&[0]));
        assert_eq!(pick("linux/arm/v7").unwrap(), Digest::of(&[2]));
        assert_eq!(pick("linux/arm").unwrap(), Digest::of(&[1]));
        assert_eq!(pick("linux/aarch64").unwrap(), Digest::of(&[3]));
        let err = pick("linux/s390x").unwrap_err().to_string();
        assert!(
            err.contains("linux/s390x") && err.contains("linux/arm/v7"),
            "{err}"
        );
        assert!(pick("linux/arm/v5").is_err());
    }

    #[test]
    fn refuses_schema1_huge_and_unknown() {
        assert!(
            parse(br#"{"schemaVersion":1}"#)
                .unwrap_err()
                .to_string()
                .contains("schema 1")
        );
        assert!(parse(&vec![b' '; MAX_MANIFEST_BYTES + 1]).is_err());
        let err = parse(br#"{"schemaVersion":2,"mediaType":"text/html"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("text/html"), "{err}");
        assert!(parse(b"not json").is_err());
    }

    #[test]
    fn detects_kind_without_media_type_and_validates_digests() {
        let good = Digest::of(b"{}");
        let manifest = |digest: &str| {
            format!(
                r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{digest}","size":2}},"layers":[]}}"#
            )
        };
        let Manifest::Image {
            manifest: m,
            media_type,
        } = parse(manifest(good.as_str()).as_bytes()).unwrap()
        else {
            panic!("not an image manifest")
        };
        assert_eq!(media_type, OCI_MANIFEST);
        assert_eq!(image_parts(&m).unwrap().0.digest, good);
        let bad = parse(manifest("sha256:../../x").as_bytes()).and_then(|m| match m {
            Manifest::Image { manifest, .. } => image_parts(&manifest).map(|_| ()),
            Manifest::Index { .. } => Ok(()),
        });
        assert!(bad.is_err(), "a malformed digest must be refused");
    }

    #[test]
    fn served_content_type_must_fit_the_body() {
        let image = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
        let index = index_json(&[("linux", "amd64", None)]);
        for ok in [
            None,
            Some("application/json; charset=utf-8"),
            Some("text/plain"),
            Some(OCI_MANIFEST),
            Some(DOCKER_MANIFEST),
        ] {
            assert!(parse_served(image, ok).is_ok(), "{ok:?}");
        }
        assert!(parse_served(&index, Some(DOCKER_LIST)).is_ok());
        let err = parse_served(image, Some("text/html"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"text/html\", which is not a manifest type"),
            "{err}"
        );
        let err = parse_served(&index, Some(OCI_MANIFEST))
            .unwrap_err()
            .to_string();
        assert!(err.contains("mislabels"), "{err}");
        let err = parse_served(image, Some(OCI_INDEX))
            .unwrap_err()
            .to_string();
        assert!(err.contains("mislabels"), "{err}");
    }

    #[test]
    fn compression_detection() {
        assert_eq!(sniff_compression(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(
            sniff_compression(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(sniff_compression(b"bin/"), Compression::None);
        assert_eq!(
            layer_compression_from_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip")
                .unwrap(),
            Compression::Gzip
        );
        assert!(layer_compression_from_media_type("application/vnd.in-toto+json").is_err());
    }
}
