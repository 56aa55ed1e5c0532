//! What `save` and `load` do below the command line: which images and names a save writes
//! (podman's `-m` semantics), the docker-dir format, and loading an archive from a file or a
//! pipe, gzipped or not.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};

use super::archive_load::{full_name, load_archive};
use super::archive_save::{SaveFormat, SaveItem};
use super::copy::CopyOptions;
use super::destination::{Destination, DirDest};
use super::image_copy::copy_image;
use super::manifest_out::Family;
use super::progress::Progress;
use super::source::Source;
use crate::store::{ImageRecord, Store};

/// The images a save writes. As with podman, without `multi_image` the names after the first
/// are extra tags of the first image (its RepoTags); with it each names an image of its own,
/// which only a docker-archive can hold.
pub fn save_items(
    store: &Store,
    queries: &[String],
    multi_image: bool,
    format: SaveFormat,
) -> Result<Vec<SaveItem>> {
    if multi_image && format != SaveFormat::DockerArchive {
        bail!("--multi-image-archive works with --format docker-archive only");
    }
    let find = |query: &String| {
        store
            .find_image(query)?
            .with_context(|| format!("no image {query:?} in the local store; see `engine images`"))
    };
    let Some((first, rest)) = queries.split_first() else {
        bail!("save needs at least one image");
    };
    if multi_image {
        return queries
            .iter()
            .map(|query| {
                let image = find(query)?;
                Ok(SaveItem {
                    names: saved_name(&image, query).into_iter().collect(),
                    image,
                })
            })
            .collect();
    }
    let image = find(first)?;
    let mut names: Vec<String> = saved_name(&image, first).into_iter().collect();
    for extra in rest {
        let name = full_name(extra).with_context(|| format!("saving {first} with tag {extra}"))?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(vec![SaveItem { image, names }])
}

/// The name an image is saved under: the one the user typed when it is one of the image's
/// names (or their short form), none for an ID, else the image's first name.
fn saved_name(image: &ImageRecord, query: &str) -> Option<String> {
    let query_bare = query.trim_start_matches("sha256:");
    if image.id.starts_with(query_bare) {
        return None;
    }
    image
        .names
        .iter()
        .find(|n| {
            *n == query
                || n.ends_with(&format!("/{query}"))
                || n.ends_with(&format!("/{query}:latest"))
        })
        .or(image.names.first())
        .cloned()
}

/// `save --format docker-dir`: a dir: image with a docker schema2 manifest and the layers
/// uncompressed, as podman writes it.
pub async fn save_docker_dir(
    store: &Arc<Store>,
    image: ImageRecord,
    dir: &Path,
    quiet: bool,
) -> Result<()> {
    let source = Source::local(store, image, Family::Docker)?;
    let destination = Destination::Dir(DirDest::create(dir)?);
    let opts = CopyOptions::without_registries(quiet);
    let progress = Progress::new(false, quiet);
    copy_image(&source, destination, &opts, &progress).await?;
    Ok(())
}

/// Loads the archive (or OCI layout directory) at `path`; a gzipped archive, as `docker load`
/// takes them, is unpacked first.
pub fn load_path(store: &Store, path: &Path) -> Result<Vec<String>> {
    if path.is_dir() {
        return load_archive(store, path);
    }
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut head = [0u8; 2];
    let n = file
        .read(&mut head)
        .with_context(|| format!("reading {}", path.display()))?;
    match is_gzip(&head[..n]) {
        true => load_stream(store, File::open(path)?),
        false => load_archive(store, path),
    }
}

/// Loads an archive read from a pipe, gzipped or not.
pub fn load_stream(store: &Store, mut stream: impl Read) -> Result<Vec<String>> {
    let mut head = [0u8; 2];
    let n = stream.read(&mut head).context("reading the archive")?;
    let stream = io::Cursor::new(head[..n].to_vec()).chain(stream);
    match is_gzip(&head[..n]) {
        true => load_spooled(store, flate2::read::MultiGzDecoder::new(stream)),
        false => load_spooled(store, stream),
    }
}

fn is_gzip(head: &[u8]) -> bool {
    head == [0x1f, 0x8b]
}

/// Archive members may come in any order, so a stream is kept in the store's temporary
/// directory (removed with it) and loaded from there.
fn load_spooled(store: &Store, mut stream: impl Read) -> Result<Vec<String>> {
    let path = store
        .tmp_dir()?
        .join(format!("load-{}.tar", std::process::id()));
    let mut file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let copied = io::copy(&mut stream, &mut file).context("reading the archive");
    drop(file);
    let result = copied.and_then(|_| load_archive(store, &path));
    let _ = std::fs::remove_file(&path);
    // The temporary name means nothing to the user.
    result.map_err(|e| {
        anyhow!(
            "{}",
            format!("{e:#}").replace(&path.display().to_string(), "the archive")
        )
    })
}
