//! `engine cp`: files between a container and the host, or a tar stream, by docker's rules.
//!
//! Every copy is a tar stream from the source side to the destination side, and each side
//! runs in a process whose root is where its paths resolve, so that no symlink in the
//! container leads either side to the host (the CVE-2018-15664 class):
//!
//! - the container's side is `engine __container-copy` (`helper`): for a running container it
//!   joins its namespaces and root (the exec helper's way in), for a stopped one it mounts the
//!   rootfs in a user namespace with the container's ID mappings and chroots there;
//! - a host source is read by the engine itself, as the user;
//! - a host destination is written by the same helper in a user namespace of the user alone,
//!   chrooted into the directory that receives the copy: whatever the stream holds (an
//!   absolute symlink, then a file "through" it) lands below that directory.
//!
//! Files copied into a container belong to its root unless `-a` keeps the archive's IDs;
//! files copied out belong to the user, without setuid and setgid bits.

mod archive;
mod extract;
mod helper;
pub mod paths;

use std::io::BufWriter;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};

pub use helper::{COPY_COMMAND, copy_main};

use self::archive::write_archive;
use self::extract::ExtractOptions;
use self::helper::{CopyRequest, Operation, REQUEST_ENV, Root};
use self::paths::Location;
use crate::container::state;
use crate::runtime::builtin::Running;
use crate::runtime::userns::{IdMappings, UsernsCommand, bundle_mappings};
use crate::store::Store;

/// `engine cp`'s flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct CopyOptions {
    /// `-a`: files copied into the container keep the archive's UIDs and GIDs.
    pub archive: bool,
    /// `-L`: a source that is a symlink is copied as what it points to.
    pub follow: bool,
}

/// Copies `src` to `dst` (see [`Location::parse`]). Returns false when a helper failed: it
/// printed why on stderr already.
pub fn copy(store: &Store, src: &str, dst: &str, opts: CopyOptions) -> Result<bool> {
    let archive = |src| Operation::Archive {
        src,
        follow: opts.follow,
    };
    match (Location::parse(src), Location::parse(dst)) {
        (Location::Container { .. }, Location::Container { .. }) => bail!(
            "copying between containers is not supported: copy to the host, then into the other \
             container"
        ),
        (Location::Container { container, path }, Location::Stream) => {
            let root = container_root(store, &container)?;
            let source = spawn_helper(&root, &archive(path), Stdio::null(), Stdio::inherit())?;
            wait_all(vec![source])
        }
        (Location::Container { container, path }, Location::Host(dest)) => {
            let root = container_root(store, &container)?;
            copy_out(&root, archive(path), dest)
        }
        (from, Location::Container { container, path }) => {
            let root = container_root(store, &container)?;
            copy_in(&root, from, path, opts)
        }
        _ => bail!("one of SRC and DST must be CONTAINER:PATH (see `engine cp --help`)"),
    }
}

/// Container to host: the container's archive piped into the host's extraction.
fn copy_out(root: &Root, archive: Operation, dest: String) -> Result<bool> {
    let mut source = spawn_helper(root, &archive, Stdio::null(), Stdio::piped())?;
    let stream = source.stdout.take().context("the copy helper's output")?;
    let extract = Operation::Extract {
        dest,
        as_is: false,
        opts: ExtractOptions {
            keep_owner: false,
            strip_setid: true,
        },
    };
    let destination = spawn_helper(&Root::Host, &extract, Stdio::from(stream), Stdio::inherit());
    let destination = match destination {
        Ok(child) => child,
        Err(err) => {
            let _ = source.kill();
            let _ = source.wait();
            return Err(err);
        }
    };
    wait_all(vec![source, destination])
}

/// Host (a path, or a tar stream on stdin) to container.
fn copy_in(root: &Root, from: Location, dest: String, opts: CopyOptions) -> Result<bool> {
    let as_is = from == Location::Stream;
    let extract = Operation::Extract {
        dest,
        as_is,
        opts: ExtractOptions {
            keep_owner: opts.archive,
            strip_setid: false,
        },
    };
    let Location::Host(src) = from else {
        return wait_all(vec![spawn_helper(
            root,
            &extract,
            Stdio::inherit(),
            Stdio::inherit(),
        )?]);
    };
    let mut destination = spawn_helper(root, &extract, Stdio::piped(), Stdio::inherit())?;
    let stream = destination
        .stdin
        .take()
        .context("the copy helper's input")?;
    let written = write_archive(
        &src,
        opts.follow,
        BufWriter::with_capacity(128 << 10, stream),
    );
    let done = wait_all(vec![destination])?;
    match written {
        Ok(()) => Ok(done),
        // The helper stopped reading: it explained why.
        Err(err) if !done && is_broken_pipe(&err) => Ok(false),
        Err(err) => Err(err),
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Where `name`'s paths resolve: its running processes' root, else its stopped rootfs.
fn container_root(store: &Store, name: &str) -> Result<Root> {
    let record = state::find(store, name)?;
    if let Some(running) = Running::of(&record)? {
        return Ok(Root::Running { running });
    }
    Ok(Root::Stopped {
        bundle: store.container_dir(&record.id),
    })
}

fn spawn_helper(root: &Root, op: &Operation, stdin: Stdio, stdout: Stdio) -> Result<Child> {
    let request = CopyRequest {
        root: root.clone(),
        op: op.clone(),
    };
    let request = serde_json::to_string(&request).context("encode the copy request")?;
    // /proc/self/exe: this very binary, which speaks the request's format.
    let args = [COPY_COMMAND];
    let mappings = match root {
        // The container's user namespace is joined, not made.
        Root::Running { .. } => {
            return Command::new("/proc/self/exe")
                .args(args)
                .env(REQUEST_ENV, request)
                .stdin(stdin)
                .stdout(stdout)
                .spawn()
                .context("start the copy helper");
        }
        // Its own maps (keep-id, auto): what it writes gets the owners the container sees.
        Root::Stopped { bundle } => bundle_mappings(bundle)?,
        Root::Host => {
            let (uid, gid) = (rustix::process::geteuid(), rustix::process::getegid());
            IdMappings::single(uid.as_raw(), gid.as_raw())
        }
    };
    // An auto container's root cannot pass the user's private directories: the helper opens
    // the stopped container's paths before it becomes that root.
    let reach = match root {
        Root::Stopped { bundle } => crate::runtime::builtin::stopped_root_reach(bundle, &mappings)?,
        _ => Vec::new(),
    };
    UsernsCommand::new("/proc/self/exe", args)
        .env(REQUEST_ENV, request)
        .reach(reach)
        .stdin(stdin)
        .stdout(stdout)
        .spawn(&mappings)
        .context("start the copy helper")
}

/// Waits for every helper; true when all succeeded.
fn wait_all(children: Vec<Child>) -> Result<bool> {
    let mut ok = true;
    for mut child in children {
        let status = child.wait().context("wait for the copy helper")?;
        ok &= status.success();
    }
    Ok(ok)
}
