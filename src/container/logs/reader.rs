//! `engine logs`: the records joined back into the container's lines, each printed to the
//! stream it was written to.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::files::LogFiles;
use super::printer::{LastLines, Printer};
use super::record::Record;
use super::tail::tail_start;
use crate::util::log;

/// What `engine logs` prints.
#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    /// Keep printing new output until the container stops.
    pub follow: bool,
    /// Only the last N lines (which `since` and `until` then filter, as podman does).
    pub tail: Option<usize>,
    /// Prefix each line with the time it was written.
    pub timestamps: bool,
    /// Only lines written after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only lines written before this time; a follower stops once it has passed.
    pub until: Option<DateTime<Utc>>,
}

/// How long a follower waits before looking for new output again.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Copies the container's log to `stdout`/`stderr` by stream. With `follow`, keeps reading
/// new lines until `running()` is false and everything written was copied.
///
/// A line's time, which `-t`, `--since` and `--until` use, is the time its first part was
/// written. A missing log (a container that never started) prints nothing.
pub fn copy_logs(
    path: &Path,
    opts: &LogOptions,
    running: &dyn Fn() -> bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<()> {
    let mut files = LogFiles::open(path)?;
    let mut printer = Printer::new(opts, stdout, stderr);
    // Lines that are not records are skipped rather than fatal: a monitor killed (or a disk
    // filling up) in the middle of a write leaves a record without its end, which the next
    // record then continues on the same line. Everything else in the log is still good, and
    // refusing to print it would hide the output that matters most, the last before a crash.
    let mut skipped = 0;
    match opts.tail {
        Some(lines) => {
            files.seek(tail_start(&files.newest_first(), lines)?)?;
            let mut last = LastLines::new(lines);
            files.read(false, &mut |line| {
                match Record::parse(line) {
                    Some(record) => last.add(&record),
                    None => skipped += 1,
                }
                Ok(())
            })?;
            last.print(&mut printer)?;
        }
        None => files.read(false, &mut |line| printer.record(line, &mut skipped))?,
    }
    if opts.follow {
        loop {
            // Asked before reading: once it says stopped, the read that follows gets all
            // there is.
            let alive = running();
            files.read(true, &mut |line| printer.record(line, &mut skipped))?;
            printer.flush()?;
            if !alive || opts.until.is_some_and(|until| Utc::now() >= until) {
                break;
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }
    printer.flush()?;
    let skipped = skipped + files.truncated;
    if skipped > 0 && log::enabled(log::Level::Warn) {
        eprintln!(
            "WARNING: skipped {skipped} lines of {} that are not log records",
            path.display()
        );
    }
    Ok(())
}
