//! The child side of [`open_layer_tar`](super::open_layer_tar): `engine __layer-tar DIFF SPLIT`
//! replays the tar-split, reading payloads from the layer's files, and writes the tar stream
//! to stdout. It runs in the user namespace, where files of every image owner are readable.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use rustix::fs::{Mode, OFlags, ResolveFlags};

use super::format::{Record, SplitReader};

/// `argv[1]` of the replay child.
pub const LAYER_TAR_COMMAND: &str = "__layer-tar";

/// Payload paths resolve inside the layer, as the unpacker resolved them.
const RESOLVE: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);

/// The child's entry point: exit 0, or 125 after printing the error.
pub fn layer_tar_main(args: &[OsString]) -> ExitCode {
    let result = match args {
        [_, _, diff, split] => {
            let stdout = io::stdout().lock();
            let mut out = io::BufWriter::with_capacity(256 << 10, stdout);
            replay(Path::new(diff), Path::new(split), &mut out)
                .and_then(|()| out.flush().context("writing the layer tar"))
        }
        _ => Err(anyhow::anyhow!(
            "usage: {LAYER_TAR_COMMAND} DIFF_DIR TAR_SPLIT"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(125)
        }
    }
}

/// Writes the tar stream the split at `split` describes, payloads read below `diff`.
pub fn replay(diff: &Path, split: &Path, out: &mut impl Write) -> Result<()> {
    let file = File::open(split).with_context(|| format!("opening {}", split.display()))?;
    let decoder = zstd::stream::read::Decoder::new(file)
        .with_context(|| format!("reading {}", split.display()))?;
    let mut records = SplitReader::new(BufReader::new(decoder))
        .with_context(|| format!("reading {}", split.display()))?;
    let root = rustix::fs::open(
        diff,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .with_context(|| format!("opening {}", diff.display()))?;
    let mut buffer = vec![0u8; 128 << 10];
    loop {
        let record = records
            .next_record()
            .with_context(|| format!("reading {} (truncated or corrupt)", split.display()))?;
        match record {
            None => return Ok(()),
            Some(Record::Raw(bytes)) => out.write_all(&bytes).context("writing the layer tar")?,
            Some(Record::File { size, path }) => {
                let shown = String::from_utf8_lossy(&path).into_owned();
                let fd = rustix::fs::openat2(
                    &root,
                    path.as_slice(),
                    OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                    RESOLVE,
                )
                .with_context(|| format!("opening {shown} in {}", diff.display()))?;
                copy_exactly(File::from(fd), size, out, &mut buffer)
                    .with_context(|| format!("reading {shown} in {}", diff.display()))?;
            }
        }
    }
}

/// Copies exactly `size` bytes of `file`; a shorter file means the layer was changed.
fn copy_exactly(file: File, size: u64, out: &mut impl Write, buffer: &mut [u8]) -> Result<()> {
    let mut limited = file.take(size);
    let mut copied: u64 = 0;
    loop {
        let n = match limited.read(buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        out.write_all(&buffer[..n])
            .context("writing the layer tar")?;
        copied += n as u64;
    }
    if copied != size {
        bail!("the file has {copied} bytes, the layer recorded {size}: the layer was changed");
    }
    Ok(())
}
