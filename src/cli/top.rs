//! `top CONTAINER [DESCRIPTORS...]`: the container's processes with podman's (psgo's) format
//! descriptors, `user,pid,ppid,pcpu,etime,tty,time,args` by default.

mod columns;

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use clap::Args;
use oci_spec::runtime::Spec;
use serde_json::{Map, Value};

use super::Session;
use super::format::{self, Column, OutputFormat};
use crate::container::state;
use crate::container::top::container_processes;
use columns::{Clock, ContainerView, cell, read_names};

#[derive(Args, Debug)]
pub struct TopArgs {
    /// The running container, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::running_containers())]
    pub container: String,
    /// Columns, separate or comma-separated: user, ruser, group, rgroup, huser, hgroup, pid, ppid, hpid, pgid, pcpu, etime, time, tty, args, comm, nice, vsz, rss, state, stime, seccomp, capeff, capprm, capbnd, capinh, capamb, label, or the AIX codes %C %G %P %U %a %c %g %n %p %r %t %u %x %y %z (default: user pid ppid pcpu etime tty time args)
    #[arg(value_name = "DESCRIPTORS")]
    pub descriptors: Vec<String>,
}

const DEFAULT_DESCRIPTORS: [&str; 8] = [
    "user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args",
];

/// Every descriptor and its column title, as psgo names them.
const DESCRIPTORS: &[Column] = &[
    column("USER", "user"),
    column("RUSER", "ruser"),
    column("GROUP", "group"),
    column("RGROUP", "rgroup"),
    column("HUSER", "huser"),
    column("HGROUP", "hgroup"),
    column("PID", "pid"),
    column("PPID", "ppid"),
    column("HPID", "hpid"),
    column("PGID", "pgid"),
    column("%CPU", "pcpu"),
    column("ELAPSED", "etime"),
    column("TIME", "time"),
    column("TTY", "tty"),
    column("COMMAND", "args"),
    column("COMMAND", "comm"),
    column("NI", "nice"),
    column("VSZ", "vsz"),
    column("RSS", "rss"),
    column("STATE", "state"),
    column("STIME", "stime"),
    column("SECCOMP", "seccomp"),
    column("EFFECTIVE CAPS", "capeff"),
    column("PERMITTED CAPS", "capprm"),
    column("BOUNDING CAPS", "capbnd"),
    column("INHERITED CAPS", "capinh"),
    column("AMBIENT CAPS", "capamb"),
    column("LABEL", "label"),
];

/// ps's AIX format codes, which podman accepts too.
const AIX_CODES: [(&str, &str); 15] = [
    ("%C", "pcpu"),
    ("%G", "group"),
    ("%P", "ppid"),
    ("%U", "user"),
    ("%a", "args"),
    ("%c", "comm"),
    ("%g", "rgroup"),
    ("%n", "nice"),
    ("%p", "pid"),
    ("%r", "pgid"),
    ("%t", "etime"),
    ("%u", "ruser"),
    ("%x", "time"),
    ("%y", "tty"),
    ("%z", "vsz"),
];

const fn column(header: &'static str, field: &'static str) -> Column {
    Column { header, field }
}

pub fn top(session: &Session, args: TopArgs) -> Result<()> {
    let columns = parse_descriptors(&args.descriptors)?;
    let store = session.open_store()?;
    let record = state::find(&store, &args.container)?;
    if !state::is_running(&record) {
        bail!(
            "container {} is not running: top lists the processes of running containers; start it with `engine start {}`",
            record.name,
            record.name
        );
    }
    let Some(init_pid) = record.init_pid else {
        bail!(
            "container {} is starting: its PID 1 is not recorded yet; run `engine top {}` again",
            record.name,
            record.name
        );
    };
    let config = store.container_dir(&record.id).join("config.json");
    let spec = Spec::load(&config).map_err(|e| anyhow!("reading {}: {e}", config.display()))?;
    let linux = spec.linux().as_ref();
    let clock = Clock::now()?;
    let view = ContainerView {
        uid_maps: linux
            .and_then(|l| l.uid_mappings().clone())
            .unwrap_or_default(),
        gid_maps: linux
            .and_then(|l| l.gid_mappings().clone())
            .unwrap_or_default(),
        users: read_names(init_pid, "passwd"),
        groups: read_names(init_pid, "group"),
    };
    let processes = container_processes(Path::new("/proc"), init_pid)?;
    let rows: Vec<Value> = processes
        .iter()
        .map(|p| {
            let row: Map<String, Value> = columns
                .iter()
                .map(|c| {
                    (
                        c.field.to_string(),
                        Value::String(cell(c.field, p, &view, &clock)),
                    )
                })
                .collect();
            Value::Object(row)
        })
        .collect();
    format::render(
        &rows,
        &columns,
        &OutputFormat::Table,
        &mut std::io::stdout().lock(),
    )
}

/// Descriptors from the arguments (each may hold several, comma- or space-separated).
fn parse_descriptors(given: &[String]) -> Result<Vec<Column>> {
    let words: Vec<&str> = given
        .iter()
        .flat_map(|g| g.split([',', ' ']))
        .filter(|w| !w.is_empty())
        .collect();
    let words = if words.is_empty() {
        DEFAULT_DESCRIPTORS.to_vec()
    } else {
        words
    };
    words
        .iter()
        .map(|word| {
            let name = AIX_CODES
                .iter()
                .find(|(code, _)| code == word)
                .map_or(*word, |(_, name)| name);
            DESCRIPTORS
                .iter()
                .find(|c| c.field == name)
                .copied()
                .ok_or_else(|| {
                    let known: Vec<&str> = DESCRIPTORS.iter().map(|c| c.field).collect();
                    anyhow!("unknown top descriptor {word:?}: use {}", known.join(", "))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_default_split_and_aix() {
        let fields = |given: &[&str]| {
            let given: Vec<String> = given.iter().map(|s| s.to_string()).collect();
            parse_descriptors(&given)
                .unwrap()
                .iter()
                .map(|c| c.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(&[]), DEFAULT_DESCRIPTORS);
        assert_eq!(fields(&["pid,user", "comm"]), ["pid", "user", "comm"]);
        assert_eq!(fields(&["%p %U"]), ["pid", "user"]);
        let err = parse_descriptors(&["bogus".to_string()]).unwrap_err();
        assert!(err.to_string().contains("bogus"));
    }
}
