//! Container lifecycle commands: start, stop, restart, kill, wait, attach, rm, pause.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use super::Session;
use super::run::{attached_exit, runtime_state_dir, start_failed};
use crate::container::attach::{self, AttachOptions, DEFAULT_DETACH_KEYS, parse_detach_keys};
use crate::container::lifecycle::{self, Launched, running_error};
use crate::container::state;
use crate::store::{ContainerRecord, Store};

#[derive(Args, Debug)]
pub struct StartArgs {
    /// Containers to start, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::stopped_containers(), required = true)]
    pub containers: Vec<String>,
    /// Attach to the container's output (and exit with its code)
    #[arg(short, long)]
    pub attach: bool,
    /// Attach stdin as well (with --attach)
    #[arg(short, long)]
    pub interactive: bool,
    /// Keys that detach from the container: ctrl-X or single characters, comma-separated
    #[arg(long, value_name = "KEYS", default_value = DEFAULT_DETACH_KEYS)]
    pub detach_keys: String,
    /// Forward the signals the engine receives to the container (with --attach)
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub sig_proxy: bool,
}

#[derive(Args, Debug)]
pub struct StopArgs {
    /// Containers to stop, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::running_containers())]
    pub containers: Vec<String>,
    /// Stop every running container
    #[arg(short, long)]
    pub all: bool,
    /// Seconds to wait for the stop signal before SIGKILL (default: the container's --stop-timeout)
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u32>,
    /// Do not fail for containers that do not exist
    #[arg(short, long)]
    pub ignore: bool,
    /// Read the container ID from this file (written by run --cidfile)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct KillArgs {
    /// Containers to signal, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::running_containers())]
    pub containers: Vec<String>,
    /// Signal every running container
    #[arg(short, long)]
    pub all: bool,
    /// The signal: a name (KILL, SIGTERM, RTMIN+3) or a number
    #[arg(short, long, default_value = "KILL")]
    pub signal: String,
}

#[derive(Args, Debug)]
pub struct WaitArgs {
    /// Containers to wait for, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::containers(), required = true)]
    pub containers: Vec<String>,
}

#[derive(Args, Debug)]
pub struct AttachArgs {
    /// The container to attach to
    #[arg(value_name = "CONTAINER", add = super::complete::running_containers())]
    pub container: String,
    /// Do not forward our stdin
    #[arg(long)]
    pub no_stdin: bool,
    /// Keys that detach from the container: ctrl-X or single characters, comma-separated
    #[arg(long, value_name = "KEYS", default_value = DEFAULT_DETACH_KEYS)]
    pub detach_keys: String,
    /// Forward the signals the engine receives to the container
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub sig_proxy: bool,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// Containers to remove, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::containers())]
    pub containers: Vec<String>,
    /// Remove every container
    #[arg(short, long)]
    pub all: bool,
    /// Stop running containers first (SIGKILL at once unless --time is given)
    #[arg(short, long)]
    pub force: bool,
    /// With --force: seconds to wait for the stop signal before SIGKILL
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u32>,
    /// Remove the container's anonymous volumes too
    #[arg(short, long)]
    pub volumes: bool,
    /// Do not fail for containers that do not exist
    #[arg(short, long)]
    pub ignore: bool,
    /// Read the container ID from this file (written by run --cidfile)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct PauseArgs {
    /// Containers to pause or unpause
    #[arg(value_name = "CONTAINER", add = super::complete::running_containers(), required = true)]
    pub containers: Vec<String>,
}

pub fn start(session: &Session, args: StartArgs) -> Result<ExitCode> {
    let store = session.open_store()?;
    if args.attach && args.containers.len() > 1 {
        bail!("start --attach takes one container");
    }
    let runtime_state = runtime_state_dir(session);
    for query in &args.containers {
        let record = state::find(&store, query)?;
        if state::is_running(&record) {
            if !args.attach {
                println!("{query}");
                continue;
            }
            let socket = lifecycle::connect(&store, &record.id)?;
            let options = AttachOptions {
                stdin: args.interactive && record.settings.interactive,
                tty: record.settings.tty,
                sig_proxy: args.sig_proxy,
                detach_keys: parse_detach_keys(&args.detach_keys)?,
            };
            return attached_exit(&store, &record, attach::attach(socket, &options)?);
        }
        match lifecycle::start(&store, &record, &runtime_state, args.attach)? {
            Launched::Failed { code, message } => return Ok(start_failed(code, &message)),
            Launched::Running { attach: None } => println!("{query}"),
            Launched::Running {
                attach: Some(socket),
            } => {
                let options = AttachOptions {
                    stdin: args.interactive,
                    tty: record.settings.tty,
                    sig_proxy: args.sig_proxy,
                    detach_keys: parse_detach_keys(&args.detach_keys)?,
                };
                return attached_exit(&store, &record, attach::attach(socket, &options)?);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn stop(session: &Session, args: StopArgs) -> Result<()> {
    let store = session.open_store()?;
    let queries = with_cidfiles(&args.containers, &args.cidfile, args.ignore)?;
    let targets = targets(&store, &queries, args.all, args.ignore, true)?;
    for (shown, record) in targets {
        lifecycle::stop(&store, &record, args.time)?;
        println!("{shown}");
    }
    Ok(())
}

pub fn restart(session: &Session, args: StopArgs) -> Result<ExitCode> {
    let store = session.open_store()?;
    let runtime_state = runtime_state_dir(session);
    let queries = with_cidfiles(&args.containers, &args.cidfile, args.ignore)?;
    for (shown, record) in targets(&store, &queries, args.all, args.ignore, true)? {
        if let Launched::Failed { code, message } =
            lifecycle::restart(&store, &record, args.time, &runtime_state)?
        {
            return Ok(start_failed(code, &message));
        }
        println!("{shown}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn kill(session: &Session, args: KillArgs) -> Result<()> {
    let store = session.open_store()?;
    let signal = crate::util::signal::parse(&args.signal)?;
    for (shown, record) in targets(&store, &args.containers, args.all, false, true)? {
        lifecycle::kill(&store, &record, signal)?;
        println!("{shown}");
    }
    Ok(())
}

pub fn wait(session: &Session, args: WaitArgs) -> Result<()> {
    let store = session.open_store()?;
    let records: Vec<ContainerRecord> = args
        .containers
        .iter()
        .map(|q| state::find(&store, q))
        .collect::<Result<_>>()?;
    let mut out = std::io::stdout().lock();
    for record in records {
        match lifecycle::wait(&store, &record.id)? {
            Some(code) => writeln!(out, "{code}")?,
            None => bail!(
                "container {} was removed before its exit code could be read",
                record.name
            ),
        }
    }
    Ok(())
}

pub fn attach(session: &Session, args: AttachArgs) -> Result<ExitCode> {
    let store = session.open_store()?;
    let record = state::find(&store, &args.container)?;
    if !state::is_running(&record) {
        bail!(
            "container {} is not running: start it with `engine start -a {}`",
            record.name,
            args.container
        );
    }
    let socket = lifecycle::connect(&store, &record.id)?;
    let options = AttachOptions {
        stdin: !args.no_stdin && record.settings.interactive,
        tty: record.settings.tty,
        sig_proxy: args.sig_proxy,
        detach_keys: parse_detach_keys(&args.detach_keys)?,
    };
    attached_exit(&store, &record, attach::attach(socket, &options)?)
}

pub fn rm(session: &Session, args: RmArgs) -> Result<()> {
    let store = session.open_store()?;
    let queries = with_cidfiles(&args.containers, &args.cidfile, args.ignore)?;
    if args.time.is_some() && !args.force {
        bail!("rm --time needs --force: only a running container is stopped first");
    }
    let targets = targets(&store, &queries, args.all, args.ignore, false)?;
    // Refuse before removing anything, so `rm a b` with b running removes neither.
    if !args.force
        && let Some((_, running)) = targets.iter().find(|(_, r)| state::is_running(r))
    {
        return Err(running_error(running));
    }
    let mut out = std::io::stdout().lock();
    for (shown, record) in targets {
        lifecycle::stop(&store, &record, Some(args.time.unwrap_or(0)))?;
        // --rm containers remove themselves once stopped.
        if let Some(record) = store
            .find_container(&record.id)?
            .filter(|r| r.id == record.id)
        {
            state::remove(&store, &record, args.volumes)?;
        }
        writeln!(out, "{shown}")?;
    }
    // podman removes the --cidfile files of the containers it removed.
    for path in &args.cidfile {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

pub fn pause(session: &Session, args: PauseArgs, verb: &str) -> Result<()> {
    let store = session.open_store()?;
    let record = state::find(&store, &args.containers[0])?;
    if !state::is_running(&record) {
        bail!("container {} is not running", record.name);
    }
    // Freezing needs a cgroup of the container's own with the freezer; engine puts
    // containers in no cgroup (a rootless user has no delegated controllers on such hosts).
    bail!(
        "cannot {verb} container {}: {verb} needs the cgroup freezer, and engine does not place \
         containers in cgroups of their own; stop the container instead",
        record.name
    )
}

/// The IDs of `--cidfile` files added to the named containers.
fn with_cidfiles(
    containers: &[String],
    cidfiles: &[std::path::PathBuf],
    ignore: bool,
) -> Result<Vec<String>> {
    let mut all = containers.to_vec();
    for path in cidfiles {
        match std::fs::read_to_string(path) {
            Ok(id) => all.push(id.trim().to_string()),
            Err(_) if ignore => {}
            Err(e) => bail!("--cidfile {}: {e}", path.display()),
        }
    }
    Ok(all)
}

/// (what to print, record) for each container named, or every one with `all` (running only
/// when `running_only`); `ignore` skips names that do not exist.
fn targets(
    store: &Store,
    queries: &[String],
    all: bool,
    ignore: bool,
    running_only: bool,
) -> Result<Vec<(String, ContainerRecord)>> {
    if all {
        if !queries.is_empty() {
            bail!("give either container names or --all, not both");
        }
        return Ok(state::list(store)?
            .into_iter()
            .filter(|r| !running_only || state::is_running(r))
            .map(|r| (r.id.clone(), r))
            .collect());
    }
    if queries.is_empty() && !ignore {
        bail!("name at least one container, or use --all");
    }
    let mut found = Vec::new();
    for query in queries {
        match state::find(store, query) {
            Ok(record) => found.push((query.clone(), record)),
            Err(_) if ignore => {}
            Err(e) => return Err(e),
        }
    }
    Ok(found)
}
