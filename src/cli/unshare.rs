//! `unshare`: a command inside the rootless user namespace, like `podman unshare`, so users can
//! inspect and clean files of their store that belong to subordinate ids.

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::Session;
use crate::runtime::userns::{self, UsernsCommand};

#[derive(Args, Debug)]
pub struct UnshareArgs {
    /// The command and its arguments (default: $SHELL, else /bin/sh)
    #[arg(
        value_name = "COMMAND",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<OsString>,
}

pub fn unshare(session: &Session, args: UnshareArgs) -> Result<ExitCode> {
    if !session.paths.rootless {
        bail!("engine unshare is for rootless users: as root, run the command directly");
    }
    let mut command = args.command;
    if command.is_empty() {
        command.push(std::env::var_os("SHELL").unwrap_or_else(|| "/bin/sh".into()));
    }
    let (mappings, warning) = userns::rootless_mappings()?;
    if let Some(warning) = warning {
        eprintln!("WARNING: {warning}");
    }
    let status = UsernsCommand::new(&command[0], &command[1..])
        // Like podman's CONTAINERS_GRAPHROOT: nested engine commands and scripts find the store.
        .env("ENGINE_ROOT", session.store_root())
        .status(&mappings)
        .with_context(|| format!("running {:?} in the user namespace", command[0]))?;
    Ok(ExitCode::from(userns::exit_code(status).clamp(0, 255) as u8))
}
