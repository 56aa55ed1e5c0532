//! `engine oci ...`: runc's command set for the built-in runtime (create, start, state, kill,
//! delete, list, run), for tools that drive an OCI runtime. The global `--root` is the state
//! directory here, as in runc.

use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use nix::sys::signal::Signal;

use super::Session;
use crate::runtime::builtin::hooks::{self, Stage};
use crate::runtime::builtin::oci_state::{OciState, StateRoot, Status};
use crate::runtime::userns::{self, exit_code};

#[derive(Subcommand, Debug)]
pub enum OciCommand {
    /// Create a container from a bundle, stopped right before its command runs
    Create(CreateArgs),
    /// Run the command of a created container
    Start(IdArgs),
    /// Print the OCI state of a container as JSON
    State(IdArgs),
    /// Send a signal to the container's PID 1
    Kill(KillArgs),
    /// Remove a stopped (or, with --force, any) container's state
    Delete(DeleteArgs),
    /// List the containers
    List(ListArgs),
    /// Create and start a container, wait for it and exit with its code
    Run(CreateArgs),
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Directory holding config.json and the root filesystem
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub bundle: PathBuf,
    /// Write the container's PID 1 to this file
    #[arg(long, value_name = "FILE")]
    pub pid_file: Option<PathBuf>,
    /// Unix socket that gets the master of the container's terminal (SCM_RIGHTS), for a spec with process.terminal
    #[arg(long, value_name = "SOCKET")]
    pub console_socket: Option<PathBuf>,
    /// Container ID: letters, digits, '_', '.' and '-'
    pub id: String,
}

#[derive(Args, Debug)]
pub struct IdArgs {
    /// Container ID
    pub id: String,
}

#[derive(Args, Debug)]
pub struct KillArgs {
    /// Container ID
    pub id: String,
    /// Signal name (TERM, SIGKILL) or number
    #[arg(default_value = "SIGTERM")]
    pub signal: String,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Kill the container first if it is running
    #[arg(short, long)]
    pub force: bool,
    /// Container ID
    pub id: String,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print only the IDs
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn oci(session: &Session, command: OciCommand) -> Result<ExitCode> {
    let root = StateRoot::new(state_root(session));
    match command {
        OciCommand::Create(args) => {
            create(
                &root,
                &args,
                [Stdio::inherit(), Stdio::inherit(), Stdio::inherit()],
            )?;
        }
        OciCommand::Start(args) => start(&root, &args.id)?,
        OciCommand::State(args) => {
            let state = root.state(&args.id)?;
            println!("{}", serde_json::to_string_pretty(&state)?);
        }
        OciCommand::Kill(args) => root.kill(&args.id, parse_signal(&args.signal)?)?,
        OciCommand::Delete(args) => delete(&root, &args.id, args.force)?,
        OciCommand::List(args) => print_list(&root.list()?, args.quiet),
        OciCommand::Run(args) => return run(&root, &args),
    }
    Ok(ExitCode::SUCCESS)
}

/// `--root`, else `$XDG_RUNTIME_DIR/engine/oci` rootless or `/run/engine/oci` as root.
fn state_root(session: &Session) -> PathBuf {
    match &session.global.root {
        Some(root) => root.clone(),
        None if session.paths.rootless => session.paths.runtime_dir.join("engine/oci"),
        None => PathBuf::from("/run/engine/oci"),
    }
}

fn create(root: &StateRoot, args: &CreateArgs, stdio: [Stdio; 3]) -> Result<std::process::Child> {
    // runc's protocol: the runtime connects and sends the pty master (SCM_RIGHTS).
    let console = match &args.console_socket {
        Some(path) => Some(
            std::os::unix::net::UnixStream::connect(path)
                .with_context(|| format!("connect to --console-socket {}", path.display()))?,
        ),
        None => None,
    };
    let (mappings, warning) = userns::rootless_mappings()?;
    if let Some(warning) = warning {
        eprintln!("WARNING: {warning}");
    }
    use std::os::fd::AsFd;
    let child = root.create(
        &args.id,
        &args.bundle,
        &mappings,
        stdio,
        console.as_ref().map(|c| c.as_fd()),
    )?;
    let state = root.state(&args.id)?;
    if let Err(err) = hooks::run(&state, Stage::Created) {
        // The spec's life cycle: a failed prestart hook stops and deletes the container.
        let _ = root.delete(&args.id, true);
        return Err(err);
    }
    if let Some(pid_file) = &args.pid_file {
        write_pid_file(pid_file, state.pid)?;
    }
    Ok(child)
}

/// Starts the container, then runs its poststart hooks with the state it started in (the
/// process may already have exited by the time they run).
fn start(root: &StateRoot, id: &str) -> Result<()> {
    let mut state = root.state(id)?;
    root.start(id)?;
    state.status = Status::Running;
    hooks::run(&state, Stage::Started)
}

/// Deletes the container, then runs its poststop hooks with its last state.
fn delete(root: &StateRoot, id: &str, force: bool) -> Result<()> {
    let mut state = root.state(id)?;
    root.delete(id, force)?;
    state.status = Status::Stopped;
    hooks::run(&state, Stage::Deleted)
}

fn run(root: &StateRoot, args: &CreateArgs) -> Result<ExitCode> {
    let stdio = [Stdio::inherit(), Stdio::inherit(), Stdio::inherit()];
    let mut child = create(root, args, stdio)?;
    start(root, &args.id)?;
    let status = child.wait().context("wait for the container")?;
    delete(root, &args.id, true)?;
    Ok(ExitCode::from(exit_code(status).clamp(0, 255) as u8))
}

fn write_pid_file(path: &Path, pid: i32) -> Result<()> {
    std::fs::write(path, pid.to_string())
        .with_context(|| format!("write the PID file {}", path.display()))
}

/// `TERM`, `SIGTERM`, `sigterm` or `15` (`engine oci kill` takes classic signals only).
fn parse_signal(text: &str) -> Result<Signal> {
    let number = crate::util::signal::parse(text)?;
    Signal::try_from(number)
        .with_context(|| format!("signal {text:?} cannot be sent by engine oci kill"))
}

fn print_list(states: &[OciState], quiet: bool) {
    if quiet {
        for state in states {
            println!("{}", state.id);
        }
        return;
    }
    println!("{:<20} {:<8} {:<10} BUNDLE", "ID", "PID", "STATUS");
    for state in states {
        println!(
            "{:<20} {:<8} {:<10} {}",
            state.id,
            state.pid,
            state.status.as_str(),
            state.bundle.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_by_name_or_number() {
        assert_eq!(parse_signal("TERM").unwrap(), Signal::SIGTERM);
        assert_eq!(parse_signal("sigkill").unwrap(), Signal::SIGKILL);
        assert_eq!(parse_signal("9").unwrap(), Signal::SIGKILL);
        let err = parse_signal("NOPE").unwrap_err().to_string();
        assert!(err.contains("unknown signal \"NOPE\""), "{err}");
        assert!(parse_signal("0").is_err());
    }
}
