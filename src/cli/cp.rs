//! `cp`: copy files between a container and the host, or a tar stream (docker's rules).

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::Session;
use crate::container::copy::{CopyOptions, copy};

#[derive(Args, Debug)]
#[command(after_help = "\
SRC or DST is CONTAINER:PATH; the other is a host path, or - for a tar stream on stdin \
(as SRC) or stdout (as DST). A directory is copied into an existing directory by its \
name, or becomes a missing destination; DIR/. copies the directory's contents.")]
pub struct CpArgs {
    /// Archive mode: files copied into the container keep their UIDs and GIDs (default:
    /// owned by the container's root)
    #[arg(short, long)]
    pub archive: bool,
    /// Follow a symlink given as SRC (default: copy the link itself)
    #[arg(short = 'L', long)]
    pub follow_link: bool,
    /// What to copy: CONTAINER:PATH, a host path, or -
    #[arg(value_name = "SRC", allow_hyphen_values = true)]
    pub src: String,
    /// Where to copy it: CONTAINER:PATH, a host path, or -
    #[arg(value_name = "DST", allow_hyphen_values = true)]
    pub dst: String,
}

pub fn cp(session: &Session, args: CpArgs) -> Result<ExitCode> {
    let store = session.open_store()?;
    let opts = CopyOptions {
        archive: args.archive,
        follow: args.follow_link,
    };
    let copied = copy(&store, &args.src, &args.dst, opts)?;
    // A failed helper printed its error already.
    Ok(if copied {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_ENGINE_ERROR)
    })
}
