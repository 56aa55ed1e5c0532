//! Process isolation: user namespaces now, later mount, network and pid namespaces, capabilities.
//!
//! This is the only module that makes namespace, mount and capability syscalls. The engine process
//! itself is multi-threaded (tokio) and never changes its own namespaces: `unshare(CLONE_NEWUSER)`
//! fails in a multi-threaded process, and the rest of the engine must keep seeing the host. Every
//! namespace change happens in a freshly started helper process (see [`userns`]).

pub mod builtin;
pub mod external;
pub mod external_init;
mod external_staging;
#[cfg(test)]
mod external_tests;
pub mod overlay_probe;
pub mod seccomp;
pub mod self_exe;
pub mod userns;
