//! The helper side: `engine __userns-exec --sync=GO,READY -- PROGRAM ARGS...`.
//!
//! Runs single-threaded, before anything else in the process, because `unshare(CLONE_NEWUSER)`
//! is refused to multi-threaded processes. Errors before the namespace exists go back to the
//! parent through READY; later ones can only go to stderr.

use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::process::exit;

use nix::errno::Errno;
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};
use nix::sys::signal::{SigHandler, SigSet, SigmaskHow, Signal, signal, sigprocmask};
use nix::unistd::{AccessFlags, Gid, Uid, access, execv, setgroups, setresgid, setresuid};

/// Precedes the two fd numbers in the helper's arguments.
pub(super) const SYNC_OPTION: &str = "--sync=";
/// Helper to parent: the namespace exists, write its ID maps.
pub(super) const READY: u8 = b'r';
/// Helper to parent: it failed, a one-line message follows.
pub(super) const FAILED: u8 = b'e';
/// Parent to helper: the maps are written, run PROGRAM.
pub(super) const GO: u8 = b'g';
/// Names an existing user namespace to join (setns) instead of creating one.
pub(super) const JOIN_ENV: &str = "_ENGINE_JOIN_USERNS";

/// Setup failed: the engine's own exit code for "the engine failed", as podman and docker.
const EXIT_SETUP_FAILED: i32 = 125;
const EXIT_CANNOT_RUN: i32 = 126;
const EXIT_NOT_FOUND: i32 = 127;

/// The hidden entry point: `main` calls it first thing, before any thread exists, when
/// `args[1]` (of the whole argv) is [`super::USERNS_EXEC_ARG`]. Never returns: it becomes
/// PROGRAM or exits 125 (setup failed), 126 (cannot run PROGRAM) or 127 (PROGRAM not found).
pub fn userns_exec_main(args: &[OsString]) -> ! {
    let (sync, program) = match parse_args(args) {
        Ok(parsed) => parsed,
        Err(message) => fail(&message),
    };
    let (go, ready) = match take_sync_fds(sync) {
        Ok(fds) => fds,
        Err(message) => fail(&message),
    };
    let mut ready = File::from(ready);
    if let Some(path) = std::env::var_os(JOIN_ENV) {
        if let Err(message) = join_user_namespace(std::path::Path::new(&path)) {
            let _ = ready.write_all(&[&[FAILED][..], message.as_bytes()].concat());
            exit(EXIT_SETUP_FAILED);
        }
    } else if let Err(errno) = unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS) {
        let hint = match errno {
            Errno::EPERM | Errno::ENOSPC | Errno::EINVAL => {
                "; user namespaces may be disabled (sysctl user.max_user_namespaces) or \
                 forbidden here (a container or seccomp profile that blocks unshare)"
            }
            _ => "",
        };
        let message = format!("cannot create a user namespace: unshare: {errno}{hint}");
        let _ = ready.write_all(&[&[FAILED][..], message.as_bytes()].concat());
        exit(EXIT_SETUP_FAILED);
    }
    let mut answer = [0u8];
    let went = ready.write_all(&[READY]).is_ok()
        && File::from(go).read_exact(&mut answer).is_ok()
        && answer[0] == GO;
    if !went {
        // The parent failed to write the ID maps and reports why; nothing to add.
        exit(EXIT_SETUP_FAILED);
    }
    drop(ready);
    // Still the user (not yet the namespace's root): the last moment the user's own
    // directories are open to this process whatever the namespace maps.
    let reached = make_mounts_private().and_then(|()| super::reach::open_requested());
    if let Err(message) = reached.and_then(|()| become_root()) {
        fail(&message);
    }
    exec(program)
}

/// setns into the user namespace at `path` (we own it: it is one of our containers'), then a
/// mount namespace of our own.
fn join_user_namespace(path: &std::path::Path) -> Result<(), String> {
    let ns = File::open(path)
        .map_err(|e| format!("cannot open the user namespace {}: {e}", path.display()))?;
    nix::sched::setns(&ns, CloneFlags::CLONE_NEWUSER).map_err(|e| {
        format!(
            "cannot join the user namespace {}: setns: {e}",
            path.display()
        )
    })?;
    unshare(CloneFlags::CLONE_NEWNS)
        .map_err(|e| format!("cannot create a mount namespace: unshare: {e}"))
}

fn fail(message: &str) -> ! {
    eprintln!("engine: {message}");
    exit(EXIT_SETUP_FAILED)
}

/// `[exe, __userns-exec, --sync=GO,READY, --, PROGRAM, ARGS...]` -> (`GO,READY`, PROGRAM ARGS).
pub(super) fn parse_args(args: &[OsString]) -> Result<(&str, &[OsString]), String> {
    let usage = || {
        format!(
            "{} is internal to the engine (usage: {} {SYNC_OPTION}GO,READY -- PROGRAM [ARG...]); \
             use `engine unshare` instead",
            super::USERNS_EXEC_ARG,
            super::USERNS_EXEC_ARG
        )
    };
    match args {
        [_, _, sync, separator, program @ ..] if separator == "--" && !program.is_empty() => {
            let sync = sync.to_str().and_then(|s| s.strip_prefix(SYNC_OPTION));
            sync.map(|sync| (sync, program)).ok_or_else(usage)
        }
        _ => Err(usage()),
    }
}

/// Adopts the two inherited pipe ends named by `GO,READY`, close-on-exec again so PROGRAM never
/// sees them.
fn take_sync_fds(sync: &str) -> Result<(OwnedFd, OwnedFd), String> {
    let bad = || format!("bad {SYNC_OPTION}{sync}: expected two distinct open file descriptors");
    let (go, ready) = sync.split_once(',').ok_or_else(bad)?;
    let (go, ready): (RawFd, RawFd) = match (go.parse(), ready.parse()) {
        (Ok(go), Ok(ready)) if go != ready && go > 2 && ready > 2 => (go, ready),
        _ => return Err(bad()),
    };
    for fd in [go, ready] {
        // SAFETY: fcntl on an integer fd has no memory-safety requirements; failing means the
        // fd is not open, so the process must not adopt it.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == -1 {
            return Err(bad());
        }
    }
    // SAFETY: both are open, distinct, and were opened by the parent for this process alone;
    // nothing else here owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(go), OwnedFd::from_raw_fd(ready)) })
}

/// Root in the namespace: `setresgid`, clear supplementary groups (unless setgroups is denied,
/// as with a single-GID map), `setresuid`.
fn become_root() -> Result<(), String> {
    let root_gid = Gid::from_raw(0);
    setresgid(root_gid, root_gid, root_gid)
        .map_err(|e| format!("cannot become root in the user namespace: setresgid(0): {e}"))?;
    let setgroups_allowed =
        std::fs::read_to_string("/proc/self/setgroups").is_ok_and(|state| state.trim() == "allow");
    if setgroups_allowed {
        setgroups(&[]).map_err(|e| format!("cannot drop supplementary groups: {e}"))?;
    }
    let root_uid = Uid::from_raw(0);
    setresuid(root_uid, root_uid, root_uid)
        .map_err(|e| format!("cannot become root in the user namespace: setresuid(0): {e}"))
}

/// The new mount namespace is a copy of the host's. The kernel already turned its shared mounts
/// into slaves (a less privileged namespace never propagates back), but host mounts and unmounts
/// would still arrive here while layers are unpacked; private cuts propagation both ways.
fn make_mounts_private() -> Result<(), String> {
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| format!("cannot make the mounts of the new namespace private: {e}"))
}

/// Replaces this process with PROGRAM, with docker's exit codes when that fails.
fn exec(program: &[OsString]) -> ! {
    let Some(first) = program.first() else {
        fail("no program to run");
    };
    let name = first.to_string_lossy().into_owned();
    // The engine re-executing itself (a container init, an unpacker): from a read-only mount.
    let found = match first.as_bytes() == crate::runtime::self_exe::SELF_EXE.as_bytes() {
        true => match crate::runtime::self_exe::bind_readonly() {
            Ok(path) => Some(path),
            Err(message) => fail(&message),
        },
        false => find_program(first),
    };
    let Some(path) = found else {
        eprintln!("engine: {name}: executable file not found in $PATH");
        exit(EXIT_NOT_FOUND);
    };
    let (Ok(path), Ok(argv)) = (
        CString::new(path.into_os_string().into_vec()),
        program
            .iter()
            .map(|arg| CString::new(arg.as_bytes()))
            .collect::<Result<Vec<CString>, _>>(),
    ) else {
        eprintln!("engine: cannot run {name}: an argument contains a NUL byte");
        exit(EXIT_CANNOT_RUN);
    };
    reset_signals();
    let Err(errno) = execv(&path, &argv);
    if let Errno::ENOENT | Errno::ENOTDIR = errno {
        eprintln!("engine: {name}: no such file or directory");
        exit(EXIT_NOT_FOUND)
    }
    eprintln!("engine: cannot run {name}: {}", errno.desc());
    exit(EXIT_CANNOT_RUN)
}

/// PROGRAM itself when it has a slash, else the first executable file named PROGRAM in `$PATH`.
/// Like docker (Go's LookPath), unlike execvp(3): a `$PATH` directory we may not search means
/// "not found" (127), not "permission denied" (126).
fn find_program(program: &OsStr) -> Option<PathBuf> {
    if program.as_bytes().contains(&b'/') {
        return Some(PathBuf::from(program));
    }
    // execvp's default when PATH is unset.
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/bin:/usr/bin".into());
    std::env::split_paths(&path)
        .map(|dir| {
            if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            }
        })
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file() && access(candidate, AccessFlags::X_OK).is_ok())
}

/// Rust's runtime ignores SIGPIPE at startup and exec keeps ignored signals ignored: without
/// this, PROGRAM would get EPIPE errors instead of dying quietly in `cmd | head -1`.
fn reset_signals() {
    // SAFETY: installing SIG_DFL runs no handler code; this process has a single thread.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
}
