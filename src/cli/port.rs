//! `port`: where a running container's ports are published, in podman's format.

use std::io::Write;

use anyhow::{Result, bail};
use clap::Args;

use super::Session;
use crate::container::state;
use crate::network::ports::{lookup_port, port_lines};

#[derive(Args, Debug)]
pub struct PortArgs {
    /// The ports of every running container, each line prefixed with its ID
    #[arg(short, long)]
    pub all: bool,
    /// The container (name or ID)
    #[arg(value_name = "CONTAINER", add = super::complete::running_containers())]
    pub container: Option<String>,
    /// Only where this container port is published: PORT[/tcp|udp]
    #[arg(value_name = "PORT")]
    pub port: Option<String>,
}

pub fn port(session: &Session, args: PortArgs) -> Result<()> {
    let store = session.open_store()?;
    let containers = match (&args.container, args.all) {
        (Some(_), true) => bail!("give either --all or a container, not both"),
        (None, false) => bail!("give a container (name or ID), or --all"),
        (None, true) => state::list(&store)?,
        (Some(query), false) => vec![state::find(&store, query)?],
    };
    let mut out = std::io::stdout().lock();
    let mut found = false;
    // Like podman: only running containers have their ports published.
    for record in containers.iter().filter(|r| state::is_running(r)) {
        let ports = &record.settings.network.ports;
        let prefix = if args.all {
            format!("{}\t", &record.id[..12])
        } else {
            String::new()
        };
        let lines = match &args.port {
            None => port_lines(ports),
            Some(query) => match lookup_port(ports, query) {
                Ok(lines) => lines,
                Err(_) if args.all => Vec::new(),
                Err(e) => return Err(e),
            },
        };
        for line in lines {
            found = true;
            writeln!(out, "{prefix}{line}")?;
        }
    }
    if let (Some(query), false) = (&args.port, found) {
        bail!("failed to find published port {query:?}");
    }
    Ok(())
}
