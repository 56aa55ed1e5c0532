//! `image sync` as skopeo sync plans it: the images of a registry repository (every tag, or
//! the one named) or of a directory tree of dir: images, each copied to a registry namespace
//! or to a directory where each image becomes a dir: image named `NAME:TAG`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::TransportRef;
use super::copy::{RegistryAccess, RegistryFlags, reference_in_repo};
use crate::image::reference::Reference;

/// One side of a sync (`--src`, `--dest`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncSide {
    Docker,
    Dir,
}

impl SyncSide {
    pub fn parse(s: &str) -> Result<SyncSide> {
        match s {
            "docker" => Ok(SyncSide::Docker),
            "dir" => Ok(SyncSide::Dir),
            other => bail!("image sync: unknown transport {other:?}; use docker or dir"),
        }
    }
}

/// An image to sync: its reference, and the `NAME:TAG` it keeps at the destination.
struct Found {
    from: TransportRef,
    name: String,
    tag: String,
}

/// The copies to make, in order: (source, destination).
pub async fn plan(
    access: &RegistryAccess<'_>,
    source_flags: &RegistryFlags,
    src: SyncSide,
    source: &str,
    dest: SyncSide,
    destination: &str,
) -> Result<Vec<(TransportRef, TransportRef)>> {
    let found = match src {
        SyncSide::Docker => registry_images(access, source_flags, source).await?,
        SyncSide::Dir => dir_images(Path::new(source))?,
    };
    found
        .into_iter()
        .map(|f| {
            let to = match dest {
                SyncSide::Docker => {
                    let target = format!("{}/{}", destination.trim_end_matches('/'), f.name);
                    TransportRef::Docker(
                        registry_reference(&target, "image sync")?.with_tag(&f.tag)?,
                    )
                }
                SyncSide::Dir => {
                    TransportRef::Dir(Path::new(destination).join(format!("{}:{}", f.name, f.tag)))
                }
            };
            Ok((f.from, to))
        })
        .collect()
}

/// A tag written in SOURCE syncs that tag only; otherwise every tag of the repository. Images
/// keep the last component of the repository path as their name, as with skopeo.
async fn registry_images(
    access: &RegistryAccess<'_>,
    flags: &RegistryFlags,
    source: &str,
) -> Result<Vec<Found>> {
    let reference = registry_reference(source, "image sync")?;
    let name = reference
        .path
        .rsplit('/')
        .next()
        .unwrap_or(&reference.path)
        .to_string();
    let tagged = source.rsplit('/').next().is_some_and(|s| s.contains(':'));
    let tags = match tagged {
        true => vec![reference_in_repo(&reference)],
        false => {
            access
                .connect(&reference, flags, false)
                .await?
                .tags()
                .await?
        }
    };
    tags.into_iter()
        .map(|tag| {
            Ok(Found {
                from: TransportRef::Docker(reference.with_tag(&tag)?),
                name: name.clone(),
                tag,
            })
        })
        .collect()
}

/// SOURCE itself when it is a dir: image (named by its base name), otherwise every dir: image
/// below it, named by its path relative to SOURCE; `NAME:TAG` directory names give the tag.
fn dir_images(source: &Path) -> Result<Vec<Found>> {
    let mut images = Vec::new();
    if source.join("manifest.json").is_file() {
        let base = source
            .file_name()
            .with_context(|| format!("image sync: {} names no directory", source.display()))?;
        images.push(PathBuf::from(base));
    } else {
        collect_image_dirs(source, Path::new(""), &mut images)?;
    }
    if images.is_empty() {
        bail!(
            "image sync: {} holds no dir: image (no manifest.json)",
            source.display()
        );
    }
    images.sort();
    Ok(images
        .into_iter()
        .map(|relative| {
            let path = match source.join("manifest.json").is_file() {
                true => source.to_path_buf(),
                false => source.join(&relative),
            };
            let text = relative.to_string_lossy().to_string();
            let (name, tag) = match text.rsplit_once(':') {
                Some((name, tag)) if !tag.contains('/') => (name.to_string(), tag.to_string()),
                _ => (text.clone(), "latest".to_string()),
            };
            Found {
                from: TransportRef::Dir(path),
                name,
                tag,
            }
        })
        .collect())
}

fn collect_image_dirs(root: &Path, relative: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let dir = root.join(relative);
    let entries = std::fs::read_dir(&dir)
        .with_context(|| format!("image sync: reading {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("image sync: reading {}", dir.display()))?;
        // Symbolic links are not followed: a loop would never end.
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let child = relative.join(entry.file_name());
        match root.join(&child).join("manifest.json").is_file() {
            true => found.push(child),
            false => collect_image_dirs(root, &child, found)?,
        }
    }
    Ok(())
}

/// `HOST/NAME[:TAG]`, with or without `docker://`.
pub fn registry_reference(input: &str, command: &str) -> Result<Reference> {
    let plain = input.strip_prefix("docker://").unwrap_or(input);
    match TransportRef::parse(&format!("docker://{plain}"))? {
        TransportRef::Docker(r) => Ok(r),
        _ => bail!("{command}: {input:?} is not a registry reference (docker://HOST/NAME[:TAG])"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image_dir(path: &Path) {
        std::fs::create_dir_all(path).unwrap();
        std::fs::write(path.join("manifest.json"), "{}").unwrap();
    }

    #[test]
    fn dir_trees_are_named_by_relative_path_and_tag() {
        let root = tempfile::tempdir().unwrap();
        image_dir(&root.path().join("busybox:latest"));
        image_dir(&root.path().join("team/app:v2"));
        image_dir(&root.path().join("plain"));
        let found = dir_images(root.path()).unwrap();
        let names: Vec<(String, String)> = found
            .iter()
            .map(|f| (f.name.clone(), f.tag.clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("busybox".to_string(), "latest".to_string()),
                ("plain".into(), "latest".into()),
                ("team/app".into(), "v2".into())
            ]
        );
    }

    #[test]
    fn one_image_directory_is_named_by_its_base_name() {
        let root = tempfile::tempdir().unwrap();
        let image = root.path().join("busybox:1.36");
        image_dir(&image);
        let found = dir_images(&image).unwrap();
        assert_eq!(
            (found[0].name.as_str(), found[0].tag.as_str()),
            ("busybox", "1.36")
        );
        assert_eq!(found[0].from, TransportRef::Dir(image));
        let empty = tempfile::tempdir().unwrap();
        let err = dir_images(empty.path()).err().unwrap().to_string();
        assert!(err.contains("holds no dir: image"), "{err}");
    }
}
