//! `--tail N`: where the last N lines begin, found by reading the log backwards, so a long log
//! costs no more than its end.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use anyhow::{Context, Result};

use super::files::Position;
use super::record::Record;

/// How much of the file is read at a time.
const BLOCK: u64 = 64 * 1024;

/// Where to start reading `files` (newest first, as [`super::files::LogFiles::newest_first`]
/// lists them) so that the last `lines` lines are read whole.
///
/// A line is an `F` record with the `P` records before it on its stream, or trailing `P`
/// records that no `F` has ended yet. As stdout and stderr records interleave, the position
/// may let some older lines through as well, some cut at their start: the caller keeps only
/// the last `lines` lines it reads, which are these.
pub(super) fn tail_start(files: &[(bool, &File)], lines: usize) -> Result<Position> {
    let mut counted = 0;
    // Per stream: a counted line whose first record is still to be found.
    let mut open = [false; 2];
    // Per stream: its older lines are not wanted.
    let mut done = [false; 2];
    let mut oldest = Position {
        rotated: false,
        offset: 0,
    };
    for &(rotated, file) in files {
        oldest = Position { rotated, offset: 0 };
        let len = file.metadata().context("reading the log's size")?.len();
        let mut reverse = ReverseLines::new(file, len);
        while let Some((offset, line)) = reverse.prev().context("reading the log backwards")? {
            // Lines that are not records are skipped when the log is read forward too.
            let Some(record) = Record::parse(&line) else {
                continue;
            };
            let s = record.stream.index();
            if done[s] || (open[s] && !record.full) {
                continue;
            }
            // `record` is the last of a line (its `F`, or the last `P` of a line not ended
            // yet), so the line counted before on its stream, if any, starts after it.
            open[s] = false;
            if counted < lines {
                counted += 1;
                open[s] = true;
            } else {
                done[s] = true;
                if !open.contains(&true) {
                    // After an ended line; but from an unended one, so that it is known as
                    // unended and its rest is left out when following.
                    let end = if record.full {
                        line.len() as u64 + 1
                    } else {
                        0
                    };
                    return Ok(Position {
                        rotated,
                        offset: offset + end,
                    });
                }
            }
        }
    }
    Ok(oldest)
}

/// The complete lines of a file, last first. A last line without its `\n` (still being
/// written) is left out.
struct ReverseLines<'a> {
    file: &'a File,
    /// `buf` holds the file's bytes from `pos` on that were not returned yet.
    pos: u64,
    buf: Vec<u8>,
    /// Whether the unfinished line at the end, if any, was dropped.
    trimmed: bool,
}

impl ReverseLines<'_> {
    fn new(file: &File, len: u64) -> ReverseLines<'_> {
        ReverseLines {
            file,
            pos: len,
            buf: Vec::new(),
            trimmed: false,
        }
    }

    /// The previous line (without its `\n`) and its offset in the file.
    fn prev(&mut self) -> io::Result<Option<(u64, Vec<u8>)>> {
        loop {
            // Once trimmed, `buf` is empty or ends with the `\n` of the line to return.
            if let Some(end) = self.buf.len().checked_sub(1).filter(|_| self.trimmed) {
                let start = match self.buf[..end].iter().rposition(|&b| b == b'\n') {
                    Some(newline) => newline + 1,
                    None if self.pos == 0 => 0,
                    None => {
                        self.read_block()?;
                        continue;
                    }
                };
                let line = self.buf[start..end].to_vec();
                self.buf.truncate(start);
                return Ok(Some((self.pos + start as u64, line)));
            }
            if self.pos == 0 {
                return Ok(None);
            }
            self.read_block()?;
            if !self.trimmed {
                match self.buf.iter().rposition(|&b| b == b'\n') {
                    Some(newline) => {
                        self.buf.truncate(newline + 1);
                        self.trimmed = true;
                    }
                    // All of it belongs to the unfinished line.
                    None => self.buf.clear(),
                }
            }
        }
    }

    /// Prepends the block before `pos` to `buf`.
    fn read_block(&mut self) -> io::Result<()> {
        let n = BLOCK.min(self.pos);
        self.pos -= n;
        let mut block = vec![0; n as usize];
        self.file.read_exact_at(&mut block, self.pos)?;
        block.extend_from_slice(&self.buf);
        self.buf = block;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn all_lines_backwards(content: &[u8]) -> Vec<(u64, String)> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(content).unwrap();
        let mut reverse = ReverseLines::new(&file, content.len() as u64);
        let mut lines = Vec::new();
        while let Some((offset, line)) = reverse.prev().unwrap() {
            lines.push((offset, String::from_utf8(line).unwrap()));
        }
        lines
    }

    #[test]
    fn reads_lines_backwards_without_the_unfinished_one() {
        let lines = all_lines_backwards(b"ab\n\ncd\nunfinished");
        assert_eq!(lines, [(4, "cd".into()), (3, "".into()), (0, "ab".into())]);
        assert_eq!(all_lines_backwards(b"no newline"), []);
        assert_eq!(all_lines_backwards(b""), []);
    }

    #[test]
    fn reads_lines_longer_than_a_block() {
        let long = "x".repeat(BLOCK as usize * 2 + 17);
        let content = format!("first\n{long}\nlast\n{}", "y".repeat(BLOCK as usize + 3));
        let lines = all_lines_backwards(content.as_bytes());
        assert_eq!(
            lines,
            [
                (6 + long.len() as u64 + 1, "last".into()),
                (6, long),
                (0, "first".into())
            ]
        );
    }
}
