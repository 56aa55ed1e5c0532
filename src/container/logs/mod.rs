//! Container logs in podman's (conmon's) `k8s-file` format, which podman and the CRI tools read.
//!
//! The monitor writes one record per line: `TIMESTAMP STREAM TAG CONTENT`, where TIMESTAMP is
//! RFC 3339 with nanoseconds and the local UTC offset, STREAM is `stdout` or `stderr`, and TAG
//! is `F` when CONTENT ends a line of the container's output (its `\n` left out) or `P` when it
//! does not: the output's next record on that stream continues it. A line is therefore one `F`
//! record preceded by any number of `P` records of its stream.
//!
//! With a size limit the log is rotated: `ctr.log` is renamed to `ctr.log.1` (replacing the
//! previous one) and a new `ctr.log` started, so at most two files, one of them rotated, exist.
//! `engine logs` reads both, and while following it notices the rename and moves on to the new
//! file once it has read the old one to its end.

mod files;
mod printer;
mod reader;
mod record;
mod tail;
mod time_arg;
mod writer;

#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use reader::{LogOptions, copy_logs};
pub use time_arg::{go_duration, parse_since, parse_until};
pub use writer::LogWriter;

/// The log's file name in the container's directory (`store.container_dir(id)`).
pub const LOG_FILE: &str = "ctr.log";

/// Which of the container's output streams a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    /// The name records carry.
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Where `log` goes when it is rotated: `ctr.log.1`.
pub fn rotated_path(log: &Path) -> PathBuf {
    let mut name = OsString::from(log.as_os_str());
    name.push(".1");
    PathBuf::from(name)
}
