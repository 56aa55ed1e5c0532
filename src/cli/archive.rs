//! `save` and `load`: local images to and from docker-archive / oci-archive tars and OCI
//! layout directories, streaming through stdout and stdin when no file is given.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;

use super::Session;
use crate::image::transport::archive_load::load_archive;
use crate::image::transport::archive_save::{
    DirSink, SaveFormat, SaveItem, TarSink, save as save_images,
};
use crate::store::{ImageRecord, Store};
use crate::util::proc::is_tty;

#[derive(Args, Debug)]
pub struct SaveArgs {
    /// Images to save (names or IDs)
    #[arg(value_name = "IMAGE", required = true, add = super::complete::images())]
    pub images: Vec<String>,
    /// Write to this file (or directory for oci-dir) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Archive format: docker-archive, oci-archive or oci-dir
    #[arg(long, default_value = "docker-archive")]
    pub format: String,
    /// Put several images in one docker-archive (accepted; several images always share one archive)
    #[arg(short, long)]
    pub multi_image_archive: bool,
    /// Print no progress information
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// Read the archive from this file instead of stdin
    #[arg(short, long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Print no progress information
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn save(session: &Session, args: SaveArgs) -> Result<()> {
    let format = SaveFormat::parse(&args.format)?;
    let store = session.open_store()?;
    let items = args
        .images
        .iter()
        .map(|query| {
            let image = store.find_image(query)?.with_context(|| {
                format!("no image {query:?} in the local store; see `engine images`")
            })?;
            Ok(SaveItem {
                name: saved_name(&image, query),
                image,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    match (format, &args.output) {
        (SaveFormat::OciDir, None) => bail!("--format oci-dir needs -o DIRECTORY"),
        (SaveFormat::OciDir, Some(dir)) => {
            save_images(&store, &items, format, &mut DirSink::new(dir)?)
        }
        (_, Some(path)) => write_file_atomically(path, |file| {
            let mut sink = TarSink::new(io::BufWriter::with_capacity(1 << 20, file));
            save_images(&store, &items, format, &mut sink)?;
            sink.finish()?.flush().context("writing the archive")
        }),
        (_, None) if is_tty(1) => {
            bail!("refusing to write an archive to a terminal; use -o FILE or redirect stdout")
        }
        (_, None) => {
            let mut sink = TarSink::new(io::BufWriter::with_capacity(1 << 20, io::stdout().lock()));
            save_images(&store, &items, format, &mut sink)?;
            sink.finish()?
                .flush()
                .context("writing the archive to stdout")
        }
    }
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

/// Writes through `write` to a temporary file next to `path`, renamed into place on success, so
/// a failed save leaves no half archive behind.
fn write_file_atomically(path: &Path, write: impl FnOnce(File) -> Result<()>) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let file = File::create(&temp).with_context(|| format!("creating {}", path.display()))?;
    let result = write(file).and_then(|()| {
        std::fs::rename(&temp, path)
            .with_context(|| format!("moving the archive to {}", path.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

pub fn load(session: &Session, args: LoadArgs) -> Result<()> {
    let store = session.open_store()?;
    let loaded = match &args.input {
        // An OCI layout directory is read in place.
        Some(path) if path.is_dir() => load_archive(&store, path)?,
        Some(path) => {
            let mut file =
                File::open(path).with_context(|| format!("opening {}", path.display()))?;
            let mut head = [0u8; 2];
            let n = file
                .read(&mut head)
                .with_context(|| format!("reading {}", path.display()))?;
            match head[..n] == [0x1f, 0x8b] {
                // A gzipped archive (docker load takes those) is unpacked into a temporary tar.
                true => load_spooled(&store, flate2::read::MultiGzDecoder::new(File::open(path)?))?,
                false => load_archive(&store, path)?,
            }
        }
        None if is_tty(0) => bail!("no archive to load: use -i FILE or pipe one to stdin"),
        None => {
            let mut stdin = io::stdin().lock();
            let mut head = [0u8; 2];
            let n = stdin
                .read(&mut head)
                .context("reading the archive from stdin")?;
            let stream = io::Cursor::new(head[..n].to_vec()).chain(stdin);
            match head[..n] == [0x1f, 0x8b] {
                true => load_spooled(&store, flate2::read::MultiGzDecoder::new(stream))?,
                false => load_spooled(&store, stream)?,
            }
        }
    };
    let mut out = io::stdout().lock();
    for name in loaded {
        writeln!(out, "Loaded image: {name}")?;
    }
    Ok(())
}

/// Archive members may come in any order, so a stream is kept in the store's temporary
/// directory (removed with it) and loaded from there.
fn load_spooled(store: &Store, mut stream: impl Read) -> Result<Vec<String>> {
    let path = store
        .tmp_dir()?
        .join(format!("load-{}.tar", std::process::id()));
    let mut file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    io::copy(&mut stream, &mut file).context("reading the archive")?;
    drop(file);
    let result = load_archive(store, &path);
    let _ = std::fs::remove_file(&path);
    result.map_err(|e| {
        // The temporary name means nothing to the user.
        anyhow::anyhow!(
            "{}",
            format!("{e:#}").replace(&path.display().to_string(), "the archive")
        )
    })
}
