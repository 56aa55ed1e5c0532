//! `engine __container-copy`: one side of a copy, in a process whose root is where its paths
//! resolve (see the module docs of `copy`).

use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::archive::write_archive;
use super::extract::{ExtractOptions, Target, extract};
use super::paths::{DestKind, place};
use crate::runtime::builtin::{Running, enter_container, enter_stopped_container};

/// `argv[1]` of the copy helper; the request is in [`REQUEST_ENV`]. `main` must dispatch it
/// before starting any thread (joining a user namespace refuses multi-threaded callers).
pub const COPY_COMMAND: &str = "__container-copy";

pub(super) const REQUEST_ENV: &str = "ENGINE_COPY_REQUEST";

/// The exit code of a failed side, as podman's for `cp` errors; the error is on stderr.
pub(super) const EXIT_FAILED: i32 = 125;

/// Whose root the helper works in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum Root {
    /// A running container: its namespaces and root, through its processes.
    Running { running: Running },
    /// A stopped container: its rootfs, mounted in the user namespace the helper was
    /// started in.
    Stopped { bundle: PathBuf },
    /// The host, in a user namespace of the user alone (as real root: none).
    Host,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum Operation {
    /// Writes the archive of `src` to stdout.
    Archive { src: String, follow: bool },
    /// Extracts the archive on stdin at `dest`, placed by docker's rules (the archive's first
    /// entry is the source), or, `as_is`, into the directory `dest` as the archive says.
    Extract {
        dest: String,
        as_is: bool,
        opts: ExtractOptions,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CopyRequest {
    pub root: Root,
    pub op: Operation,
}

/// The helper's entry point: exits 0, or 125 after printing the error.
pub fn copy_main() -> ! {
    // Nothing of the container's may inspect or trace this process while it works there.
    // SAFETY: prctl PR_SET_DUMPABLE takes plain integers.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
    let code = match run() {
        Ok(()) => 0,
        Err(err) => {
            if !err.is::<EmptyArchive>() {
                eprintln!("Error: {err:#}");
            }
            EXIT_FAILED
        }
    };
    std::process::exit(code)
}

fn run() -> Result<()> {
    let text = std::env::var(REQUEST_ENV)
        .with_context(|| format!("{COPY_COMMAND} needs its request in ${REQUEST_ENV}"))?;
    let request: CopyRequest =
        serde_json::from_str(&text).with_context(|| format!("parse ${REQUEST_ENV}"))?;
    match &request.root {
        Root::Running { running } => enter_container(*running)?,
        Root::Stopped { bundle } => enter_stopped_container(bundle)?,
        Root::Host => {}
    }
    match request.op {
        Operation::Archive { src, follow } => {
            let out = BufWriter::with_capacity(128 << 10, std::io::stdout().lock());
            write_archive(&src, follow, out)
        }
        Operation::Extract { dest, as_is, opts } => extract_at(&dest, as_is, opts),
    }
}

/// The archive on stdin was empty: the source side failed and said why.
#[derive(Debug)]
struct EmptyArchive;

impl std::fmt::Display for EmptyArchive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the archive is empty")
    }
}

impl std::error::Error for EmptyArchive {}

fn extract_at(dest: &str, as_is: bool, opts: ExtractOptions) -> Result<()> {
    let kind = match std::fs::metadata(dest) {
        Ok(meta) if meta.is_dir() => DestKind::Directory,
        Ok(_) => DestKind::Other,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => DestKind::Missing,
        Err(err) => return Err(err).with_context(|| format!("{dest}: cannot copy there")),
    };
    let stdin = BufReader::with_capacity(128 << 10, std::io::stdin().lock());
    let extracted = extract(stdin, opts, |source| {
        let target = if as_is {
            if kind != DestKind::Directory {
                bail!("{dest}: a tar stream from stdin needs an existing directory to go to");
            }
            Target {
                base: PathBuf::from(dest),
                root: None,
            }
        } else {
            let placement = place(source, dest, kind)?;
            Target {
                base: placement.base,
                root: Some(placement.root),
            }
        };
        // From here on nothing the archive holds can lead a write out of the base.
        enter_directory(&target.base)?;
        Ok(Target {
            base: PathBuf::from("/"),
            ..target
        })
    })?;
    match (extracted, as_is) {
        (true, _) => Ok(()),
        (false, true) => bail!("stdin holds no tar archive: give `engine cp -` a tar stream"),
        (false, false) => Err(EmptyArchive.into()),
    }
}

fn enter_directory(dir: &Path) -> Result<()> {
    std::env::set_current_dir(dir)
        .with_context(|| format!("{}: cannot copy into it", dir.display()))?;
    nix::unistd::chroot(".").with_context(|| format!("chroot {}", dir.display()))?;
    std::env::set_current_dir("/").context("chdir /")
}
