//! `save` and `load`: local images to and from docker-archive / oci-archive tars, OCI layout
//! and docker-dir directories, streaming through stdout and stdin when no file is given.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::Session;
use crate::image::transport::archive_io::{load_path, load_stream, save_docker_dir, save_items};
use crate::image::transport::archive_save::{DirSink, SaveFormat, TarSink, save as save_images};
use crate::util::fs::write_file_atomically;
use crate::util::proc::is_tty;

#[derive(Args, Debug)]
pub struct SaveArgs {
    /// Images to save (names or IDs)
    #[arg(value_name = "IMAGE", required = true, add = super::complete::images())]
    pub images: Vec<String>,
    /// Write to this file (or directory for oci-dir and docker-dir) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Archive format: docker-archive, oci-archive, oci-dir or docker-dir
    #[arg(long, default_value = "docker-archive")]
    pub format: String,
    /// Save each IMAGE as an image of its own (docker-archive only); without it the names after the first are extra tags of the first image
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
    let store = Arc::new(session.open_store()?);
    let mut items = save_items(&store, &args.images, args.multi_image_archive, format)?;
    match (format, &args.output) {
        (SaveFormat::OciDir | SaveFormat::DockerDir, None) => {
            bail!("--format {} needs -o DIRECTORY", args.format)
        }
        (SaveFormat::OciDir, Some(dir)) => {
            save_images(&store, &items, format, &mut DirSink::new(dir)?)
        }
        (SaveFormat::DockerDir, Some(dir)) => {
            let image = items.remove(0).image;
            super::runtime()?.block_on(save_docker_dir(&store, image, dir, args.quiet))
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

pub fn load(session: &Session, args: LoadArgs) -> Result<()> {
    let store = session.open_store()?;
    let loaded = match &args.input {
        Some(path) => load_path(&store, path)?,
        None if is_tty(0) => bail!("no archive to load: use -i FILE or pipe one to stdin"),
        None => load_stream(&store, io::stdin().lock())?,
    };
    let mut out = io::stdout().lock();
    for name in loaded {
        writeln!(out, "Loaded image: {name}")?;
    }
    Ok(())
}
