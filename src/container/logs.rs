//! TEMPORARY (replaced by the logs helper's module at merge).
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, Result};

pub const LOG_FILE: &str = "ctr.log";
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}
pub struct LogWriter {
    file: File,
}
impl LogWriter {
    pub fn open(path: &Path, _max_size: Option<u64>) -> Result<LogWriter> {
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("open {}", path.display()))?;
        Ok(LogWriter { file })
    }
    pub fn write(&mut self, stream: Stream, data: &[u8]) -> Result<()> {
        let ts = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, false);
        let name = match stream {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        let mut out = Vec::new();
        let mut rest = data;
        while !rest.is_empty() {
            let (line, tag, next) = match rest.iter().position(|b| *b == b'\n') {
                Some(i) => (&rest[..i], "F", &rest[i + 1..]),
                None => (rest, "P", &rest[rest.len()..]),
            };
            out.extend_from_slice(format!("{ts} {name} {tag} ").as_bytes());
            out.extend_from_slice(line);
            out.push(b'\n');
            rest = next;
        }
        self.file.write_all(&out).context("write the log")
    }
}
