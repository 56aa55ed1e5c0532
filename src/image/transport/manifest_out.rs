//! Writing image manifests (docker schema2 or OCI) when the layers' bytes changed and the
//! stored manifest no longer describes them.

use serde_json::json;

use super::Compression;
use crate::image::manifest::{DOCKER_MANIFEST, OCI_MANIFEST};
use crate::store::{LayerRecord, Store};
use crate::util::digest::Digest;

pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// A blob as a manifest lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Described {
    pub digest: Digest,
    pub size: u64,
    pub compression: Option<Compression>,
}

impl Described {
    /// An uncompressed blob (a config, a layer tar) of `size` bytes named `digest`.
    pub fn plain(digest: Digest, size: u64) -> Described {
        Described {
            digest,
            size,
            compression: None,
        }
    }

    /// A stored layer as its uncompressed tar: named by its diff_id, and as long as the tar the
    /// store rebuilds from its tar-split (`open_layer_tar`).
    pub fn stored_layer(store: &Store, layer: &LayerRecord) -> Described {
        let size = store
            .layer_meta(&layer.chain_id)
            .map(|m| m.size)
            .unwrap_or(layer.uncompressed_size);
        Described::plain(layer.diff_id.clone(), size)
    }
}

/// Which manifest format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Docker,
    Oci,
}

impl Family {
    /// Keeps the stored manifest's family when it can carry the layers (docker schema2 has no
    /// zstd), as containers/image does.
    pub fn choose(stored_media_type: &str, layers: &[Described]) -> Family {
        let zstd = layers
            .iter()
            .any(|l| l.compression == Some(Compression::Zstd));
        if stored_media_type == DOCKER_MANIFEST && !zstd {
            Family::Docker
        } else {
            Family::Oci
        }
    }

    pub fn manifest_media_type(self) -> &'static str {
        match self {
            Family::Docker => DOCKER_MANIFEST,
            Family::Oci => OCI_MANIFEST,
        }
    }

    pub fn layer_media_type(self, compression: Option<Compression>) -> &'static str {
        match (self, compression) {
            (Family::Docker, Some(Compression::Gzip)) => {
                "application/vnd.docker.image.rootfs.diff.tar.gzip"
            }
            (Family::Docker, _) => "application/vnd.docker.image.rootfs.diff.tar",
            (Family::Oci, Some(Compression::Gzip)) => "application/vnd.oci.image.layer.v1.tar+gzip",
            (Family::Oci, Some(Compression::Zstd)) => "application/vnd.oci.image.layer.v1.tar+zstd",
            (Family::Oci, None) => "application/vnd.oci.image.layer.v1.tar",
        }
    }
}

/// The manifest bytes for a config and layers.
pub fn build(family: Family, config: &Described, layers: &[Described]) -> Vec<u8> {
    let config_type = match family {
        Family::Docker => DOCKER_CONFIG,
        Family::Oci => OCI_CONFIG,
    };
    let layers: Vec<_> = layers
        .iter()
        .map(|l| {
            json!({
                "mediaType": family.layer_media_type(l.compression),
                "size": l.size,
                "digest": l.digest.as_str(),
            })
        })
        .collect();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": family.manifest_media_type(),
        "config": { "mediaType": config_type, "size": config.size, "digest": config.digest.as_str() },
        "layers": layers,
    });
    serde_json::to_vec_pretty(&manifest).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::manifest::{self, Manifest};

    fn described(data: &[u8], compression: Option<Compression>) -> Described {
        Described {
            digest: Digest::of(data),
            size: data.len() as u64,
            compression,
        }
    }

    #[test]
    fn built_manifests_parse_back_with_the_same_blobs() {
        let config = described(b"{}", None);
        let layers = [
            described(b"a", Some(Compression::Gzip)),
            described(b"b", Some(Compression::Gzip)),
        ];
        for family in [Family::Docker, Family::Oci] {
            let bytes = build(family, &config, &layers);
            let Manifest::Image {
                media_type,
                manifest,
            } = manifest::parse(&bytes).unwrap()
            else {
                panic!("not an image manifest");
            };
            assert_eq!(media_type, family.manifest_media_type());
            let (c, l) = manifest::image_parts(&manifest).unwrap();
            assert_eq!(c.digest, config.digest);
            assert_eq!(
                l.iter().map(|b| &b.digest).collect::<Vec<_>>(),
                [&layers[0].digest, &layers[1].digest]
            );
        }
    }

    #[test]
    fn zstd_layers_force_oci() {
        let layers = [described(b"a", Some(Compression::Zstd))];
        assert_eq!(Family::choose(DOCKER_MANIFEST, &layers), Family::Oci);
        let gzip = [described(b"a", Some(Compression::Gzip))];
        assert_eq!(Family::choose(DOCKER_MANIFEST, &gzip), Family::Docker);
        assert_eq!(Family::choose(OCI_MANIFEST, &gzip), Family::Oci);
    }
}
