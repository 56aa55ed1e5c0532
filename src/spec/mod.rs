//! The container's OCI runtime spec (config.json), built from the image config and the run
//! options with podman's defaults.
//!
//! Flow for `engine run`:
//! 1. cli/ parses `-v`/`--mount`/`--tmpfs` with [`parse_volume_flag`], [`parse_mount_flag`] and
//!    [`parse_tmpfs_flag`], resolves volume requests, and fills [`RunOptions`].
//! 2. The caller loads the seccomp profile for [`RunOptions::effective_seccomp`] with the
//!    capabilities from [`bounding_capabilities`], and computes the ID mappings.
//! 3. [`build_spec`] returns the spec and the /etc files; the caller writes the files with
//!    [`EtcFiles::write_to`] and the spec with `Spec::save(bundle/config.json)`.
//!
//! Nothing here makes namespace or mount syscalls; the host is read only through
//! [`HostContext::current`] (and the existence checks of bind sources and the init binary).

pub mod caps;
pub mod defaults;
pub mod env;
pub mod etc_files;
pub mod exec;
pub mod generate;
pub mod host;
pub mod keep_id;
pub mod mount_options;
pub mod mount_request;
pub mod mounts;
pub mod options;
pub mod recipe;
pub mod rejoin;
pub mod rlimits;
pub mod seccomp;
pub mod user;

#[cfg(test)]
mod tests;

pub use etc_files::EtcFiles;
pub use generate::{Generated, ImageFiles, SpecInputs, build_spec};
pub use host::{HostAccount, HostContext};
pub use mount_request::{
    MountRequest, ParsedMount, VolumeRequest, parse_mount_flag, parse_tmpfs_flag, parse_volume_flag,
};
pub use options::{NetworkMode, RunOptions, SeccompChoice, UsernsMode};
pub use recipe::{RootfsDriver, RootfsRecipe};
pub use rlimits::parse_ulimit;

use anyhow::Result;

/// The container's bounding capabilities as `CAP_*` names: what seccomp's `includes.caps`
/// rules are evaluated against (`spec::seccomp::load_profile`).
pub fn bounding_capabilities(opts: &RunOptions, host: &HostContext) -> Result<Vec<String>> {
    let bounding = caps::container_bounding_set(opts, host.cap_last_cap)?;
    Ok(caps::capability_names(&bounding))
}
