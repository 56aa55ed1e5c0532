//! The container's seccomp profile: which file, and its conversion to the spec's `linux.seccomp`.
//!
//! `--security-opt seccomp=unconfined` means no filter, `seccomp=FILE` that profile, and the
//! default is podman's: `/etc/containers/seccomp.json` if it exists, else
//! `/usr/share/containers/seccomp.json`, else the copy built into the engine.

mod convert;
mod profile;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use oci_spec::runtime::LinuxSeccomp;

use crate::spec::options::SeccompChoice;

pub(crate) use self::convert::Host;

/// containers' default seccomp profile, embedded for hosts without one installed.
///
/// Copied from `/usr/share/containers/seccomp.json` of Debian's golang-github-containers-common
/// 0.50.1 package, which ships containers/common `pkg/seccomp/seccomp.json`.
/// Copyright 2018 github.com/containers/common authors; licensed under the Apache License,
/// Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0), as is this project.
const BUILTIN_PROFILE: &str = include_str!("seccomp/default.json");

/// Where podman looks for the default profile, in order (containers/common `config`).
const DEFAULT_PROFILE_PATHS: [&str; 2] = [
    "/etc/containers/seccomp.json",
    "/usr/share/containers/seccomp.json",
];

/// The seccomp section for a container that may hold `effective_caps` (names like
/// `CAP_SYS_ADMIN`; podman passes the bounding set, which is the container's capability list),
/// or `None` for no filter.
pub fn load_profile(
    choice: &SeccompChoice,
    effective_caps: &[String],
) -> Result<Option<LinuxSeccomp>> {
    let defaults = DEFAULT_PROFILE_PATHS.map(Path::new);
    load_profile_from(choice, effective_caps, &defaults, &Host::current())
}

/// The embedded default profile, resolved for this host and `caps`.
pub fn builtin_profile(caps: &[String]) -> Result<LinuxSeccomp> {
    convert_text(BUILTIN_PROFILE, &Host::current(), caps)
        .context("the built-in seccomp profile")?
        .context("the built-in seccomp profile is empty")
}

fn load_profile_from(
    choice: &SeccompChoice,
    caps: &[String],
    default_paths: &[&Path],
    host: &Host,
) -> Result<Option<LinuxSeccomp>> {
    let path: PathBuf = match choice {
        SeccompChoice::Unconfined => return Ok(None),
        SeccompChoice::Profile(path) => path.clone(),
        SeccompChoice::Default => match default_paths.iter().find(|p| p.exists()) {
            Some(path) => path.to_path_buf(),
            None => {
                return convert_text(BUILTIN_PROFILE, host, caps)
                    .context("the built-in seccomp profile");
            }
        },
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading seccomp profile {}", path.display()))?;
    convert_text(&text, host, caps).with_context(|| format!("seccomp profile {}", path.display()))
}

fn convert_text(text: &str, host: &Host, caps: &[String]) -> Result<Option<LinuxSeccomp>> {
    let profile = profile::parse(text)?;
    convert::to_oci(&profile, host, caps)
}

#[cfg(test)]
mod tests;
