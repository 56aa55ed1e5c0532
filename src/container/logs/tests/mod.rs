//! The reader against logs written by the writer (or by hand, for exact times).

mod follow;
mod read;

use std::path::{Path, PathBuf};

use super::{LOG_FILE, LogOptions, LogWriter, Stream, copy_logs};

struct Output {
    stdout: String,
    stderr: String,
}

fn copy(path: &Path, opts: &LogOptions, running: &dyn Fn() -> bool) -> Output {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    copy_logs(path, opts, running, &mut out, &mut err).unwrap();
    Output {
        stdout: String::from_utf8(out).unwrap(),
        stderr: String::from_utf8(err).unwrap(),
    }
}

fn read(path: &Path, opts: &LogOptions) -> Output {
    copy(path, opts, &|| false)
}

fn tail(path: &Path, lines: usize) -> Output {
    read(
        path,
        &LogOptions {
            tail: Some(lines),
            ..LogOptions::default()
        },
    )
}

fn log_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join(LOG_FILE)
}

fn write(path: &Path, chunks: &[(Stream, &str)]) {
    let mut w = LogWriter::open(path, None).unwrap();
    for (stream, data) in chunks {
        w.write(*stream, data.as_bytes()).unwrap();
    }
}
