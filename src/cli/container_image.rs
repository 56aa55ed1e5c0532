//! `export`, `commit` and `import`: between containers, images and tarballs (also
//! `container export`, `container commit`, `image import`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::Session;
use crate::container::commit::{CommitOptions, commit as commit_container};
use crate::container::export::export as export_container;
use crate::image::import::{ImportOptions, import as import_tarball};
use crate::image::new_image::ManifestFormat;
use crate::util::proc::is_tty;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Write the tar archive to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The container whose filesystem to export, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::containers())]
    pub container: String,
}

#[derive(Args, Debug)]
pub struct CommitArgs {
    /// Apply a Dockerfile instruction to the image config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR or STOPSIGNAL (repeatable)
    #[arg(short, long, value_name = "INSTRUCTION")]
    pub change: Vec<String>,
    /// A comment for the new layer's history entry
    #[arg(short, long)]
    pub message: Option<String>,
    /// The image's author
    #[arg(short, long)]
    pub author: Option<String>,
    /// Stop the container's processes while its files are read
    #[arg(short, long)]
    pub pause: bool,
    /// Format of the image manifest and config: oci or docker
    #[arg(short, long, default_value = "oci", value_parser = ["oci", "docker"])]
    pub format: String,
    /// Write the new image's ID to FILE as well
    #[arg(long, value_name = "FILE")]
    pub iidfile: Option<PathBuf>,
    /// Accepted for compatibility with podman: no progress is printed anyway
    #[arg(short, long)]
    pub quiet: bool,
    /// The container to commit, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::containers())]
    pub container: String,
    /// The new image's name (unqualified names go to localhost/); without it the image has none
    #[arg(value_name = "IMAGE")]
    pub image: Option<String>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Apply a Dockerfile instruction to the image config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR or STOPSIGNAL (repeatable)
    #[arg(short, long, value_name = "INSTRUCTION")]
    pub change: Vec<String>,
    /// A comment for the layer's history entry
    #[arg(short, long)]
    pub message: Option<String>,
    /// Accepted for compatibility with podman: no progress is printed anyway
    #[arg(short, long)]
    pub quiet: bool,
    /// The root filesystem tarball (uncompressed, gzip or zstd): a file, an http(s) URL, or - for stdin
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// The new image's name (unqualified names go to localhost/); without it the image has none
    #[arg(value_name = "IMAGE")]
    pub image: Option<String>,
}

pub fn export(session: &Session, args: ExportArgs) -> Result<()> {
    let store = session.open_store()?;
    let Some(path) = &args.output else {
        if is_tty(1) {
            bail!("refusing to export to a terminal: use -o FILE or redirect stdout");
        }
        let mut out = BufWriter::with_capacity(256 << 10, io::stdout().lock());
        return export_container(&store, &args.container, &mut out);
    };
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::with_capacity(256 << 10, file);
    let result = export_container(&store, &args.container, &mut out);
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}

pub fn commit(session: &Session, args: CommitArgs) -> Result<()> {
    let store = session.open_store()?;
    let opts = CommitOptions {
        changes: args.change,
        message: args.message,
        author: args.author,
        pause: args.pause,
        format: ManifestFormat::parse(&args.format)?,
    };
    let image = commit_container(&store, &args.container, args.image.as_deref(), &opts)?;
    if let Some(path) = &args.iidfile {
        std::fs::write(path, format!("sha256:{}", image.id))
            .with_context(|| format!("writing --iidfile {}", path.display()))?;
    }
    writeln!(io::stdout(), "{}", image.id)?;
    Ok(())
}

pub fn import(session: &Session, args: ImportArgs) -> Result<()> {
    let store = session.open_store()?;
    let opts = ImportOptions {
        changes: args.change,
        message: args.message,
        format: ManifestFormat::Oci,
    };
    let image = import_tarball(&store, &args.source, args.image.as_deref(), &opts)?;
    writeln!(io::stdout(), "sha256:{}", image.id)?;
    Ok(())
}
