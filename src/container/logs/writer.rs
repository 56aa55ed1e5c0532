//! The monitor's side: the container's output, chunk by chunk, as `k8s-file` records.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::record::{now_timestamp, push_header};
use super::{Stream, rotated_path};

/// Appends records to a container's log, rotating it past a size limit.
///
/// Each chunk becomes its records in one `write(2)` on an `O_APPEND` file, so a reader never
/// sees a chunk's records half written unless the disk is full or the monitor is killed in the
/// middle (the reader skips such a broken line). Nothing is kept between chunks: a chunk that
/// does not end in `\n` is written at once as a `P` record, and the reader joins it with what
/// follows.
pub struct LogWriter {
    path: PathBuf,
    file: File,
    /// Bytes in `file`, to decide when to rotate.
    size: u64,
    max_size: Option<u64>,
    /// The records of the chunk being written; kept to reuse its allocation.
    records: Vec<u8>,
}

impl LogWriter {
    /// Appends to `path` (created 0600); rotates beyond `max_size` bytes.
    ///
    /// Rotation keeps one old file: `ctr.log` is renamed to `ctr.log.1`, replacing the one
    /// from the previous rotation, and a new `ctr.log` is started. A chunk's records are
    /// split between the two files at a record boundary; only a single record larger than
    /// `max_size` makes a file that large.
    pub fn open(path: &Path, max_size: Option<u64>) -> Result<LogWriter> {
        let file = open_append(path)?;
        let size = file
            .metadata()
            .with_context(|| format!("reading the size of the log {}", path.display()))?
            .len();
        Ok(LogWriter {
            path: path.to_path_buf(),
            file,
            size,
            max_size,
            records: Vec::new(),
        })
    }

    /// One chunk of the container's output as it was read from its pipe or pty.
    pub fn write(&mut self, stream: Stream, data: &[u8]) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        // One timestamp per chunk: the time it was read, as conmon does.
        let timestamp = now_timestamp();
        self.records.clear();
        // Where each record ends in `records`: rotation happens between records.
        let mut ends = Vec::new();
        for piece in data.split_inclusive(|&b| b == b'\n') {
            let (content, full) = match piece.strip_suffix(b"\n") {
                Some(line) => (line, true),
                None => (piece, false),
            };
            push_header(&mut self.records, &timestamp, stream, full);
            self.records.extend_from_slice(content);
            self.records.push(b'\n');
            ends.push(self.records.len());
        }
        let Some(max) = self.max_size else {
            return self.append(0, self.records.len());
        };
        // Records [start, end) go to the current file as one write; a record that would take
        // the file past `max` starts a new one.
        let (mut start, mut end) = (0, 0);
        for next in ends {
            let grown = self.size + (next - start) as u64;
            if grown > max && (self.size > 0 || end > start) {
                self.append(start, end)?;
                self.rotate()?;
                start = end;
            }
            end = next;
        }
        self.append(start, end)
    }

    /// Writes `records[start..end]` to the current file.
    fn append(&mut self, start: usize, end: usize) -> Result<()> {
        if start == end {
            return Ok(());
        }
        self.file
            .write_all(&self.records[start..end])
            .with_context(|| format!("writing the container log {}", self.path.display()))?;
        self.size += (end - start) as u64;
        Ok(())
    }

    /// Renames the log to `ctr.log.1` and starts a new one. A follower reading the old file
    /// keeps its descriptor: it reads the old file to its end, then opens the new one.
    fn rotate(&mut self) -> Result<()> {
        let rotated = rotated_path(&self.path);
        fs::rename(&self.path, &rotated).with_context(|| {
            format!(
                "rotating the container log {} to {}",
                self.path.display(),
                rotated.display()
            )
        })?;
        self.file = open_append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("opening the container log {}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::super::record::Record;
    use super::*;

    /// (stream, full, content) of every record in `path`.
    fn records(path: &Path) -> Vec<(Stream, bool, String)> {
        let text = fs::read(path).unwrap();
        assert!(text.is_empty() || text.ends_with(b"\n"));
        text.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                let r = Record::parse(l).unwrap();
                (r.stream, r.full, String::from_utf8_lossy(r.content).into())
            })
            .collect()
    }

    fn rec(stream: Stream, full: bool, content: &str) -> (Stream, bool, String) {
        (stream, full, content.into())
    }

    #[test]
    fn writes_full_and_partial_lines_per_stream() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let mut w = LogWriter::open(&path, None).unwrap();
        w.write(Stream::Stdout, b"one\ntwo\n\nthr").unwrap();
        w.write(Stream::Stderr, b"oops\n").unwrap();
        w.write(Stream::Stdout, b"ee\n").unwrap();
        w.write(Stream::Stdout, b"").unwrap();
        use Stream::*;
        assert_eq!(
            records(&path),
            [
                rec(Stdout, true, "one"),
                rec(Stdout, true, "two"),
                rec(Stdout, true, ""),
                rec(Stdout, false, "thr"),
                rec(Stderr, true, "oops"),
                rec(Stdout, true, "ee"),
            ]
        );
        let text = fs::read_to_string(&path).unwrap();
        let stamp = text.split(' ').next().unwrap();
        // 2026-11-29T03:26:12.123456789+00:00: nanoseconds and a numeric offset, as conmon.
        assert_eq!(stamp.len(), 35, "{stamp}");
        assert_eq!(&stamp[19..20], ".", "{stamp}");
        assert!(stamp[29..].starts_with(['+', '-']), "{stamp}");
    }

    #[test]
    fn creates_the_log_private_and_appends_to_an_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        LogWriter::open(&path, None)
            .unwrap()
            .write(Stream::Stdout, b"first\n")
            .unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        LogWriter::open(&path, None)
            .unwrap()
            .write(Stream::Stdout, b"second\n")
            .unwrap();
        let contents: Vec<String> = records(&path).into_iter().map(|r| r.2).collect();
        assert_eq!(contents, ["first", "second"]);
    }

    #[test]
    fn rotates_to_one_old_file_between_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let record_len = records_len(b"line 0\n");
        // Room for two records per file.
        let mut w = LogWriter::open(&path, Some(2 * record_len + 1)).unwrap();
        for i in 0..5 {
            w.write(Stream::Stdout, format!("line {i}\n").as_bytes())
                .unwrap();
        }
        let contents = |p: &Path| -> Vec<String> { records(p).into_iter().map(|r| r.2).collect() };
        assert_eq!(contents(&path), ["line 4"]);
        assert_eq!(contents(&rotated_path(&path)), ["line 2", "line 3"]);
        assert!(!dir.path().join("ctr.log.2").exists());
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A chunk bigger than the limit is split between files at record boundaries: the
        // limit holds, and the newest records survive.
        w.write(Stream::Stderr, b"a\nb\nc\nd\n").unwrap();
        assert_eq!(contents(&path), ["d"]);
        assert_eq!(contents(&rotated_path(&path)), ["b", "c"]);
        assert!(fs::metadata(&path).unwrap().len() <= 2 * record_len + 1);
    }

    fn records_len(chunk: &[u8]) -> u64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("probe.log");
        LogWriter::open(&path, None)
            .unwrap()
            .write(Stream::Stdout, chunk)
            .unwrap();
        fs::metadata(&path).unwrap().len()
    }
}
