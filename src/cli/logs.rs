//! `logs`: what containers wrote to their stdout and stderr, from the logs their monitors keep.

use std::cell::Cell;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use chrono::Utc;
use clap::Args;

use super::Session;
use crate::container::logs::{self, LOG_FILE, LogOptions};
use crate::container::state;
use crate::store::{ContainerRecord, Store};
use crate::util::proc::ProcessRef;

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// Containers whose logs to print, by name or ID; with several, each line starts with
    /// its container's ID
    #[arg(value_name = "CONTAINER", add = super::complete::containers(), required = true)]
    pub containers: Vec<String>,
    /// Keep printing new output until the container stops
    #[arg(short, long)]
    pub follow: bool,
    /// Print only the last N lines (a negative N prints all)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub tail: Option<i64>,
    /// Start each line with the time it was written (RFC 3339 with nanoseconds)
    #[arg(short, long)]
    pub timestamps: bool,
    /// Print only lines written after TIME: an RFC 3339 time, a date, a Unix timestamp, or a
    /// duration before now (10m, 1h30m)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Print only lines written before TIME: an RFC 3339 time, a date, a Unix timestamp, or a
    /// duration after now (with --follow, stop following then)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// With several containers, start each line with the container's name instead of its ID
    #[arg(short, long)]
    pub names: bool,
}

pub fn logs(session: &Session, args: LogsArgs) -> Result<()> {
    let now = Utc::now();
    let opts = LogOptions {
        follow: args.follow,
        tail: args.tail.and_then(|n| usize::try_from(n).ok()),
        timestamps: args.timestamps,
        since: args
            .since
            .as_deref()
            .map(|t| logs::parse_since(t, now))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|t| logs::parse_until(t, now))
            .transpose()?,
    };
    let store = session.open_store()?;
    // All found and checked first, so a mistyped name prints nothing rather than half.
    let containers: Vec<ContainerRecord> = args
        .containers
        .iter()
        .map(|query| state::find(&store, query))
        .collect::<Result<_>>()?;
    for container in &containers {
        check_log_driver(container)?;
    }
    let prefix = |c: &ContainerRecord| match (containers.len(), args.names) {
        (1, _) => String::new(),
        (_, true) => format!("{} ", c.name),
        (_, false) => format!("{} ", &c.id[..c.id.len().min(12)]),
    };
    if !opts.follow || containers.len() == 1 {
        for container in &containers {
            copy_container_logs(&store, container, &opts, prefix(container))?;
        }
        return Ok(());
    }
    // Following several: one follower each, their lines mixed as they come.
    std::thread::scope(|scope| {
        let followers: Vec<_> = containers
            .iter()
            .map(|c| {
                let (store, opts, prefix) = (&store, &opts, prefix(c));
                scope.spawn(move || copy_container_logs(store, c, opts, prefix))
            })
            .collect();
        followers
            .into_iter()
            .try_for_each(|f| f.join().unwrap_or_else(|_| bail!("a log follower crashed")))
    })
}

fn check_log_driver(container: &ContainerRecord) -> Result<()> {
    match container.settings.log_driver.as_str() {
        "k8s-file" | "" => Ok(()),
        "none" => bail!(
            "container {} keeps no logs: it was created with --log-driver none; create it \
             with --log-driver k8s-file to keep its output",
            container.name
        ),
        other => bail!(
            "container {} logs with the {other:?} driver: engine logs reads only k8s-file logs",
            container.name
        ),
    }
}

fn copy_container_logs(
    store: &Store,
    container: &ContainerRecord,
    opts: &LogOptions,
    prefix: String,
) -> Result<()> {
    let path = store.container_dir(&container.id).join(LOG_FILE);
    let liveness = Liveness::new(store, container);
    let mut stdout = Prefixed::new(io::stdout(), prefix.clone());
    let mut stderr = Prefixed::new(io::stderr(), prefix);
    let copied = logs::copy_logs(
        &path,
        opts,
        &|| liveness.running(),
        &mut stdout,
        &mut stderr,
    )
    .and_then(|()| {
        // A last line without its end is ended, so that the next container's lines start
        // on lines of their own.
        stdout.end_line()?;
        stderr.end_line()
    });
    match copied {
        // Whoever reads the output has had enough (`engine logs c | head`).
        Err(e) if is_broken_pipe(&e) => Ok(()),
        result => result,
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// Whether a followed container still runs. Its record is found again (which reads every
/// container's record) once a second, or as soon as its monitor process is gone; in between,
/// the monitor being alive, which is cheap to check, is taken as running.
struct Liveness<'a> {
    store: &'a Store,
    id: String,
    monitor: Cell<Option<ProcessRef>>,
    checked: Cell<Instant>,
}

const RECHECK_INTERVAL: Duration = Duration::from_secs(1);

impl Liveness<'_> {
    fn new<'a>(store: &'a Store, container: &ContainerRecord) -> Liveness<'a> {
        Liveness {
            store,
            id: container.id.clone(),
            monitor: Cell::new(container.monitor.filter(|_| state::is_running(container))),
            checked: Cell::new(Instant::now()),
        }
    }

    fn running(&self) -> bool {
        if self.checked.get().elapsed() < RECHECK_INTERVAL
            && self.monitor.get().is_some_and(|m| m.is_alive())
        {
            return true;
        }
        // Removed meanwhile (`rm -f`, `--rm`): stopped.
        let found = state::find(self.store, &self.id).ok();
        let running = found.as_ref().filter(|c| state::is_running(c));
        self.monitor.set(running.and_then(|c| c.monitor));
        self.checked.set(Instant::now());
        running.is_some()
    }
}

/// Starts every line written through it with `prefix`; each write goes to `inner` in one
/// piece, so lines written from several threads do not mix.
struct Prefixed<W> {
    inner: W,
    prefix: String,
    at_line_start: bool,
    buf: Vec<u8>,
}

impl<W: Write> Prefixed<W> {
    fn new(inner: W, prefix: String) -> Prefixed<W> {
        Prefixed {
            inner,
            prefix,
            at_line_start: true,
            buf: Vec::new(),
        }
    }

    /// Ends a line left unended, when lines are prefixed (several containers).
    fn end_line(&mut self) -> Result<()> {
        if !self.prefix.is_empty() && !self.at_line_start {
            self.write_all(b"\n")?;
        }
        Ok(self.flush()?)
    }
}

impl<W: Write> Write for Prefixed<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.clear();
        for part in data.split_inclusive(|&b| b == b'\n') {
            if self.at_line_start {
                self.buf.extend_from_slice(self.prefix.as_bytes());
            }
            self.buf.extend_from_slice(part);
            self.at_line_start = part.ends_with(b"\n");
        }
        self.inner.write_all(&self.buf)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_every_line_once() {
        let mut out = Prefixed::new(Vec::new(), "abc ".into());
        out.write_all(b"one\ntw").unwrap();
        out.write_all(b"o\n\nthree").unwrap();
        out.end_line().unwrap();
        assert_eq!(out.inner, b"abc one\nabc two\nabc \nabc three\n");
        // Without a prefix (one container), its output is left as it is.
        let mut out = Prefixed::new(Vec::new(), String::new());
        out.write_all(b"one\ntwo").unwrap();
        out.end_line().unwrap();
        assert_eq!(out.inner, b"one\ntwo");
    }
}
