//! Reading a log forward, line by line: the rotated file, then the live one, and while
//! following, the files that replace the live one when it is rotated.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::rotated_path;

/// Where reading starts: a byte offset in the rotated file or in the live one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Position {
    pub rotated: bool,
    pub offset: u64,
}

/// Receives each complete line (without its `\n`).
pub(super) type LineSink<'a> = dyn FnMut(&[u8]) -> Result<()> + 'a;

pub(super) struct LogFiles {
    path: PathBuf,
    /// The rotated file, to read to its end before `live`.
    rotated: Option<BufReader<File>>,
    /// The file at `path` when it was last looked at.
    live: Option<BufReader<File>>,
    /// The last file read to its end, kept open so its inode cannot be reused and mistaken
    /// for the file at `ctr.log.1`.
    previous: Option<File>,
    /// A line whose `\n` has not been written yet.
    fragment: Vec<u8>,
    /// Files that ended in the middle of a line (the writer died while writing it).
    pub truncated: usize,
}

impl LogFiles {
    /// Opens the log at `path` and its rotated predecessor; either may be missing.
    pub fn open(path: &Path) -> Result<LogFiles> {
        // The live file first: if a rotation happens in between, the rotated file is then the
        // one already opened as live, and the new live file is found when following.
        let live = open_existing(path)?;
        let rotated = open_existing(&rotated_path(path))?
            .filter(|r| live.as_ref().is_none_or(|l| !same_file(l, r)));
        Ok(LogFiles {
            path: path.to_path_buf(),
            rotated: rotated.map(BufReader::new),
            live: live.map(BufReader::new),
            previous: None,
            fragment: Vec::new(),
            truncated: 0,
        })
    }

    /// The files newest first (live, then rotated), for scanning backwards.
    pub fn newest_first(&self) -> Vec<(bool, &File)> {
        let live = self.live.as_ref().map(|l| (false, l.get_ref()));
        let rotated = self.rotated.as_ref().map(|r| (true, r.get_ref()));
        live.into_iter().chain(rotated).collect()
    }

    /// Skips everything before `start`.
    pub fn seek(&mut self, start: Position) -> Result<()> {
        if !start.rotated {
            self.rotated = None;
        }
        let reader = if start.rotated {
            self.rotated.as_mut()
        } else {
            self.live.as_mut()
        };
        if let Some(reader) = reader {
            reader
                .seek(SeekFrom::Start(start.offset))
                .with_context(|| format!("seeking in the log {}", self.path.display()))?;
        }
        Ok(())
    }

    /// Passes every complete line written so far to `sink`. With `follow`, also moves on to
    /// the files that replaced the live one (rotation), and to the log once it is created.
    pub fn read(&mut self, follow: bool, sink: &mut LineSink) -> Result<()> {
        if let Some(mut rotated) = self.rotated.take() {
            self.read_lines(&mut rotated, sink)?;
            self.finish_file(rotated.into_inner());
        }
        loop {
            // Looked for before reading: if the live file was renamed away, nothing more is
            // written to it, so the read below gets all of it before moving on.
            let replacement = if follow { self.replacement()? } else { None };
            let Some(live) = self.live.as_mut() else {
                // Not created yet (or between a rotation's rename and the new file).
                if !follow {
                    return Ok(());
                }
                match open_existing(&self.path)? {
                    Some(new) => self.switch_to(new, sink)?,
                    None => return Ok(()),
                }
                continue;
            };
            read_lines(live, &mut self.fragment, sink)?;
            let Some(new) = replacement else {
                return Ok(());
            };
            if let Some(old) = self.live.take() {
                self.finish_file(old.into_inner());
            }
            self.switch_to(new, sink)?;
        }
    }

    fn read_lines(&mut self, reader: &mut BufReader<File>, sink: &mut LineSink) -> Result<()> {
        read_lines(reader, &mut self.fragment, sink)
    }

    /// The file now at `path`, if it is not the live one any more.
    fn replacement(&self) -> Result<Option<File>> {
        let Some(live) = &self.live else {
            return Ok(None);
        };
        Ok(open_existing(&self.path)?.filter(|new| !same_file(new, live.get_ref())))
    }

    fn finish_file(&mut self, file: File) {
        if !self.fragment.is_empty() {
            self.truncated += 1;
            self.fragment.clear();
        }
        self.previous = Some(file);
    }

    /// Makes `new` (the file at `path`) the live file. The file at `ctr.log.1` is read first
    /// if it is not the one read last: the log was rotated twice since (or before) the last
    /// look, and that file was written in between.
    fn switch_to(&mut self, new: File, sink: &mut LineSink) -> Result<()> {
        if let Some(missed) = open_existing(&rotated_path(&self.path))?
            && !same_file(&missed, &new)
            && self
                .previous
                .as_ref()
                .is_none_or(|p| !same_file(&missed, p))
        {
            let mut missed = BufReader::new(missed);
            self.read_lines(&mut missed, sink)?;
            self.finish_file(missed.into_inner());
        }
        self.live = Some(BufReader::new(new));
        Ok(())
    }
}

/// Reads complete lines to the end of the file; a last line without its `\n` stays in
/// `fragment` and is completed by the next read.
fn read_lines(
    reader: &mut BufReader<File>,
    fragment: &mut Vec<u8>,
    sink: &mut LineSink,
) -> Result<()> {
    loop {
        if reader
            .read_until(b'\n', fragment)
            .context("reading the container log")?
            == 0
        {
            return Ok(());
        }
        match fragment.strip_suffix(b"\n") {
            Some(line) => sink(line)?,
            None => return Ok(()),
        }
        fragment.clear();
    }
}

fn open_existing(path: &Path) -> Result<Option<File>> {
    match File::open(path) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("opening the container log {}", path.display())),
    }
}

fn same_file(a: &File, b: &File) -> bool {
    match (a.metadata(), b.metadata()) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}
