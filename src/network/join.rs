//! `--network container:NAME` and `--network ns:PATH`: joining a network namespace that exists.
//!
//! A network namespace belongs to the user namespace that created it, and only a process with
//! privileges there may join it. Every rootless container has a user namespace of its own, so
//! joining another container's network means joining its user namespace first (the runtime
//! does that when the spec's user namespace has a path).

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::container::state;
use crate::runtime::builtin::Running;
use crate::spec::etc_files::{HOSTS_FILE, RESOLV_CONF_FILE};
use crate::store::Store;

/// The namespaces a container joins instead of creating its own, and, when they are another
/// container's, that container's /etc files (the two share their names and resolvers, as in
/// podman).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinedNetwork {
    pub netns: PathBuf,
    /// The user namespace to join first; `None` for `ns:PATH`, whose owner the runtime finds.
    pub userns: Option<PathBuf>,
    /// The other container's generated /etc/hosts and /etc/resolv.conf.
    pub hosts: Option<String>,
    pub resolv_conf: Option<String>,
}

/// The running container `query` names, as `(full ID, what joining it means)`.
pub fn join_container(store: &Store, query: &str) -> Result<(String, JoinedNetwork)> {
    let record = state::find(store, query)?;
    // The process holding the container's namespaces: under crun or runc that is PID 1, not
    // the runtime's `run` the record waits on.
    let Some(running) = Running::of(&record)? else {
        bail!(
            "--network container:{query}: the container {} is not running: start it first, its \
             network namespace exists only while it runs",
            record.name
        );
    };
    let dir = store.container_dir(&record.id);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let proc_ns = PathBuf::from(format!("/proc/{}/ns", running.holder().pid));
    Ok((
        record.id.clone(),
        JoinedNetwork {
            netns: proc_ns.join("net"),
            userns: Some(proc_ns.join("user")),
            hosts: read(HOSTS_FILE),
            resolv_conf: read(RESOLV_CONF_FILE),
        },
    ))
}

/// `ns:PATH`, which must exist (a bind-mounted namespace or a /proc/PID/ns/net).
pub fn join_path(path: &std::path::Path) -> Result<JoinedNetwork> {
    if let Err(e) = std::fs::metadata(path) {
        bail!(
            "--network ns:{}: {e}: give the path of a network namespace (e.g. /proc/PID/ns/net \
             or a file `ip netns` created)",
            path.display()
        );
    }
    Ok(JoinedNetwork {
        netns: path.to_path_buf(),
        userns: None,
        hosts: None,
        resolv_conf: None,
    })
}
