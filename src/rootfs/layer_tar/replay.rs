//! The child side of [`open_layer_tar`](super::open_layer_tar): `engine __layer-tar DIFF SPLIT`
//! replays the tar-split, reading payloads from the layer's files, and writes the tar stream
//! to stdout. It runs in the user namespace, where files of every image owner are readable.
//! When stdout is a pipe (as `open_layer_tar` makes it), large payloads go into it by
//! splice(2): the pipe then holds references to the page cache instead of copies made through
//! this process, which saves two of the three copies of every byte on the way to the reader.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::pipe::SpliceFlags;

use super::format::{Record, SplitReader};

/// `argv[1]` of the replay child.
pub const LAYER_TAR_COMMAND: &str = "__layer-tar";

/// Payloads from this size on are spliced into a pipe; below it, the write(2) of the headers
/// buffered before them would cost more than the copy it saves.
const SPLICE_FROM: u64 = 64 << 10;

/// Payload paths resolve inside the layer, as the unpacker resolved them.
const RESOLVE: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);

/// The child's entry point: exit 0, or 125 after printing the error.
pub fn layer_tar_main(args: &[OsString]) -> ExitCode {
    let result = match args {
        [_, _, diff, split] => {
            let stdout = io::stdout();
            let is_pipe = rustix::fs::fstat(&stdout)
                .is_ok_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_fifo());
            let pipe = is_pipe.then(|| stdout.as_fd());
            let mut out = io::BufWriter::with_capacity(256 << 10, stdout.lock());
            replay(Path::new(diff), Path::new(split), &mut out, pipe)
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

/// Writes the tar stream the split at `split` describes, payloads read below `diff`. `pipe`,
/// when given, is the pipe `out` writes to: large payloads are spliced into it directly.
pub fn replay(
    diff: &Path,
    split: &Path,
    out: &mut impl Write,
    pipe: Option<BorrowedFd<'_>>,
) -> Result<()> {
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
                let file = File::from(fd);
                let copied = match pipe {
                    Some(pipe) if size >= SPLICE_FROM => {
                        splice_exactly(file, size, out, pipe, &mut buffer)
                    }
                    _ => copy_exactly(file, size, out, &mut buffer),
                };
                copied.with_context(|| format!("reading {shown} in {}", diff.display()))?;
            }
        }
    }
}

/// As [`copy_exactly`], by splice(2) into `pipe` after flushing what `out` buffered for it.
/// A file system without splice support is read and written instead.
fn splice_exactly(
    file: File,
    size: u64,
    out: &mut impl Write,
    pipe: BorrowedFd<'_>,
    buffer: &mut [u8],
) -> Result<()> {
    out.flush().context("writing the layer tar")?;
    let mut copied: u64 = 0;
    while copied < size {
        let want = usize::try_from(size - copied)
            .unwrap_or(usize::MAX)
            .min(1 << 30);
        match rustix::pipe::splice(&file, None, pipe, None, want, SpliceFlags::empty()) {
            Ok(0) => break,
            Ok(n) => copied += n as u64,
            Err(rustix::io::Errno::INTR) => continue,
            Err(rustix::io::Errno::INVAL) if copied == 0 => {
                return copy_exactly(file, size, out, buffer);
            }
            Err(e) => return Err(io::Error::from(e)).context("writing the layer tar"),
        }
    }
    same_size(copied, size)
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
    same_size(copied, size)
}

/// A payload shorter than the split recorded means the layer's file was changed.
fn same_size(copied: u64, size: u64) -> Result<()> {
    if copied != size {
        bail!("the file has {copied} bytes, the layer recorded {size}: the layer was changed");
    }
    Ok(())
}
