//! `exec`: run a command in a running container (docker's and podman's flags and exit codes:
//! 125 engine error, 126 cannot run, 127 not found, else the command's).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use oci_spec::runtime::Spec;

use super::Session;
use crate::container::state;
use crate::runtime::builtin::{ExecTarget, Running, exec_attached, exec_detached};
use crate::spec::exec::{ExecOptions, exec_environment};

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// Keep standard input open
    #[arg(short, long)]
    pub interactive: bool,
    /// Allocate a pseudo-terminal
    #[arg(short, long)]
    pub tty: bool,
    /// Start the command in the background and return once it runs
    #[arg(short, long)]
    pub detach: bool,
    /// Set an environment variable: KEY=VALUE, or KEY to copy it from this environment
    #[arg(short, long = "env", value_name = "ENV")]
    pub env: Vec<String>,
    /// Read environment variables from a file (KEY=VALUE lines)
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// User to run as: USER[:GROUP] or UID[:GID] (default: the container's)
    #[arg(short, long)]
    pub user: Option<String>,
    /// Working directory inside the container (default: the container's)
    #[arg(short, long)]
    pub workdir: Option<String>,
    /// Give the command every capability (the container's seccomp filter stays)
    #[arg(long)]
    pub privileged: bool,
    /// Keys that detach from the command: only "" (none) is supported
    #[arg(long, value_name = "KEYS")]
    pub detach_keys: Option<String>,
    /// The container, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::running_containers())]
    pub container: String,
    /// The command and its arguments
    #[arg(
        value_name = "COMMAND",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<String>,
}

pub fn exec(session: &Session, args: ExecArgs) -> Result<ExitCode> {
    if args
        .detach_keys
        .as_deref()
        .is_some_and(|keys| !keys.is_empty())
    {
        bail!(
            "--detach-keys: detaching from an exec session is not supported: use `engine exec -d` \
             to run a command in the background"
        );
    }
    if args.detach && args.tty {
        bail!("--detach with --tty: nobody would read the terminal: drop -t, or -d");
    }
    let store = session.open_store()?;
    let record = state::find(&store, &args.container)?;
    let name = &args.container;
    let Some(running) = Running::of(&record)? else {
        bail!("container {name} is not running: start it with `engine start {name}`");
    };
    let bundle = store.container_dir(&record.id);
    let config = bundle.join("config.json");
    let spec = Spec::load(&config).with_context(|| format!("load {}", config.display()))?;
    let container_env = spec
        .process()
        .as_ref()
        .and_then(|p| p.env().clone())
        .unwrap_or_default();
    let host_env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let env = exec_environment(
        &container_env,
        &args.env,
        &args.env_file,
        &host_env,
        spec.hostname().as_deref().unwrap_or_default(),
    )?;
    let options = ExecOptions {
        command: args.command,
        env,
        user: args.user,
        workdir: args.workdir,
        tty: args.tty,
        privileged: args.privileged,
    };
    let target = ExecTarget { bundle, running };
    let outcome = if args.detach {
        exec_detached(&target, &options)?
    } else {
        exec_attached(&target, &options, args.interactive)?
    };
    if let Some(error) = &outcome.error {
        eprintln!("Error: {error}");
    }
    Ok(ExitCode::from(outcome.code.clamp(0, 255) as u8))
}
