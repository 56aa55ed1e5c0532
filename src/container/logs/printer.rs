//! Printing records as the container's lines: the parts of a line joined, each line on the
//! stream it was written to, filtered by time, and for `--tail` only the last ones.

use std::collections::VecDeque;
use std::io::Write;

use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset};

use super::Stream;
use super::reader::LogOptions;
use super::record::{Record, display_time};

/// Prints records as they come. Nothing is held back: the part of a line that has no end yet
/// is printed at once, and its next part continues it.
pub(super) struct Printer<'a> {
    opts: &'a LogOptions,
    /// By [`Stream::index`].
    out: [&'a mut dyn Write; 2],
    /// Per stream: a line begun but not ended, and whether it is printed (its time passed
    /// `--since`/`--until`).
    open: [Option<bool>; 2],
    buf: Vec<u8>,
}

impl<'a> Printer<'a> {
    pub fn new(
        opts: &'a LogOptions,
        stdout: &'a mut dyn Write,
        stderr: &'a mut dyn Write,
    ) -> Printer<'a> {
        Printer {
            opts,
            out: [stdout, stderr],
            open: [None; 2],
            buf: Vec::new(),
        }
    }

    /// A line of the log; one that is not a record is counted in `skipped`.
    pub fn record(&mut self, line: &[u8], skipped: &mut usize) -> Result<()> {
        match Record::parse(line) {
            Some(r) => self.piece(&r.time, r.stream, r.full, r.content),
            None => {
                *skipped += 1;
                Ok(())
            }
        }
    }

    /// One part of a line; `full`: its last. The line's time is its first part's.
    fn piece(
        &mut self,
        time: &DateTime<FixedOffset>,
        stream: Stream,
        full: bool,
        content: &[u8],
    ) -> Result<()> {
        let s = stream.index();
        let starts = self.open[s].is_none();
        let shown = self.open[s].unwrap_or_else(|| self.wanted(time));
        self.open[s] = (!full).then_some(shown);
        if !shown {
            return Ok(());
        }
        // One write per part, so stdout and stderr stay in order when they are one file.
        self.buf.clear();
        if starts && self.opts.timestamps {
            self.buf.extend_from_slice(display_time(time).as_bytes());
            self.buf.push(b' ');
        }
        self.buf.extend_from_slice(content);
        if full {
            self.buf.push(b'\n');
        }
        self.out[s]
            .write_all(&self.buf)
            .with_context(|| format!("writing the container's {}", stream.as_str()))
    }

    fn wanted(&self, time: &DateTime<FixedOffset>) -> bool {
        self.opts.since.is_none_or(|since| *time > since)
            && self.opts.until.is_none_or(|until| *time < until)
    }

    pub fn flush(&mut self) -> Result<()> {
        for out in &mut self.out {
            out.flush().context("writing the container's logs")?;
        }
        Ok(())
    }
}

/// A line put together from its records.
struct Line {
    time: DateTime<FixedOffset>,
    stream: Stream,
    content: Vec<u8>,
    /// Whether its last record is an `F`.
    ended: bool,
    /// The number of its last record, which orders lines as `--tail` counts them.
    last: u64,
}

/// The last lines read, for `--tail`.
pub(super) struct LastLines {
    max: usize,
    /// Ended lines, the last `max` of them, oldest first.
    ended: VecDeque<Line>,
    /// Per stream: the line being put together.
    unended: [Option<Line>; 2],
    records: u64,
}

impl LastLines {
    pub fn new(max: usize) -> LastLines {
        LastLines {
            max,
            ended: VecDeque::new(),
            unended: [None, None],
            records: 0,
        }
    }

    pub fn add(&mut self, record: &Record) {
        self.records += 1;
        let s = record.stream.index();
        let line = self.unended[s].get_or_insert_with(|| Line {
            time: record.time,
            stream: record.stream,
            content: Vec::new(),
            ended: false,
            last: 0,
        });
        line.content.extend_from_slice(record.content);
        line.last = self.records;
        if record.full
            && let Some(mut line) = self.unended[s].take()
        {
            line.ended = true;
            if self.ended.len() == self.max {
                self.ended.pop_front();
            }
            if self.max > 0 {
                self.ended.push_back(line);
            }
        }
    }

    /// Prints the last lines. Lines not ended yet count too, by their last record, and are
    /// printed as far as they go; when one is left out, so is its rest when following.
    pub fn print(self, printer: &mut Printer) -> Result<()> {
        let unended_streams: Vec<Stream> =
            self.unended.iter().flatten().map(|l| l.stream).collect();
        let mut lines: Vec<Line> = self.ended.into_iter().collect();
        lines.extend(self.unended.into_iter().flatten());
        lines.sort_by_key(|l| l.last);
        for line in &lines[lines.len().saturating_sub(self.max)..] {
            printer.piece(&line.time, line.stream, line.ended, &line.content)?;
        }
        for stream in unended_streams {
            printer.open[stream.index()].get_or_insert(false);
        }
        Ok(())
    }
}
