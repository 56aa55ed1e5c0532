//! Entry points for the coverage-guided fuzz targets in `fuzz/` (see `tests/fuzz/run.sh`).
//!
//! Each function feeds untrusted bytes to one parser the way the engine does and then uses the
//! result as the engine would, discarding it: errors are the expected outcome of bad input, a
//! panic (or a write outside the unpack root) is the bug the fuzzer is looking for. They live
//! here, inside the crate, so that crate-private parsers are reachable without widening their
//! visibility. Loaders that only read files get the input through `scratch`, a directory the
//! caller owns. Nothing here is part of the engine's interface.

use std::path::Path;

use anyhow::Result;

use crate::config::auth::AuthFiles;
use crate::config::containers_conf::ContainersConf;
use crate::config::policy::Policy;
use crate::config::registries::RegistriesConf;
use crate::config::shortnames;
use crate::config::storage_conf::StorageConf;
use crate::image::manifest::{self, Manifest, Platform};
use crate::image::reference::{self, ParsedReference, Reference};
use crate::rootfs::unpack::{UnpackOptions, WhiteoutFormat, unpack_layer};
use crate::spec::SeccompChoice;
use crate::util::digest::Digest;

/// Names the configuration lookups are tried with once a file parsed.
const SAMPLE_NAMES: [&str; 4] = [
    "docker.io/library/busybox",
    "localhost:5000/a/b",
    "quay.io/x",
    "example.com",
];

/// An image reference as typed on the command line, and its qualified and tagged forms.
pub fn image_reference(input: &str) {
    if let Ok(parsed) = reference::parse(input) {
        match parsed {
            ParsedReference::Qualified(r) => use_reference(&r),
            ParsedReference::Short { path, .. } => {
                let _ = shortnames::validate_short_name(&path);
            }
        }
    }
    if let Ok(r) = Reference::parse_qualified(input) {
        use_reference(&r);
    }
    if let Ok(r) = Reference::parse_repository_name(input) {
        use_reference(&r);
    }
    let _ = Digest::parse(input);
}

fn use_reference(r: &Reference) {
    let _ = (r.name(), r.familiar(), r.to_string());
    let _ = (r.repo_tag_string(), r.digest_string());
    let _ = r.with_tag("fuzz");
}

/// registries.conf as `CONTAINERS_REGISTRIES_CONF` names it, then lookups through it.
pub fn registries_conf(scratch: &Path, text: &[u8]) -> Result<()> {
    let file = write_scratch(scratch, "registries.conf", text)?;
    let conf = RegistriesConf::load_from(scratch, None, Some(&file))?;
    let aliases = conf.aliases.values().map(String::as_str);
    for name in SAMPLE_NAMES.into_iter().chain(aliases) {
        let _ = conf.find(name);
        let _ = conf.pull_sources(name, false);
        let _ = conf.pull_sources(name, true);
        let _ = conf.is_insecure(name);
    }
    Ok(())
}

/// The short-name alias cache (`short-name-aliases.conf`), and each line as an alias.
pub fn shortname_aliases(scratch: &Path, text: &[u8]) -> Result<()> {
    let file = write_scratch(scratch, "short-name-aliases.conf", text)?;
    let _ = shortnames::load_cache_file(&file);
    let text = String::from_utf8_lossy(text);
    for line in text.lines() {
        let (short, long) = line.split_once('=').unwrap_or((line, line));
        let _ = shortnames::validate_short_name(short);
        let _ = shortnames::normalize_alias_target(long);
    }
    Ok(())
}

/// policy.json, then a pull decision for a few names.
pub fn policy_json(input: &str) -> Result<()> {
    let policy = Policy::parse(Path::new("policy.json"), input)?;
    for name in SAMPLE_NAMES {
        let _ = policy.check_docker_pull(name);
    }
    Ok(())
}

/// auth.json, then credential lookups for a few registries.
pub fn auth_json(scratch: &Path, text: &[u8]) -> Result<()> {
    let file = write_scratch(scratch, "auth.json", text)?;
    let auth = AuthFiles::single(file);
    for name in SAMPLE_NAMES {
        let (host, repo) = name.split_once('/').unwrap_or((name, ""));
        let _ = auth.lookup(host, repo);
    }
    Ok(())
}

/// containers.conf, read as one of the default files.
pub fn containers_conf(scratch: &Path, text: &[u8]) -> Result<()> {
    let file = write_scratch(scratch, "containers.conf", text)?;
    let conf = ContainersConf::load_files(&[file])?;
    let _ = conf.default_rootless_network_cmd();
    Ok(())
}

/// storage.conf, read as the user's file.
pub fn storage_conf(scratch: &Path, text: &[u8]) -> Result<()> {
    let file = write_scratch(scratch, "storage.conf", text)?;
    StorageConf::load_from(Some(&file), &[])?;
    Ok(())
}

/// A manifest or index as a registry serves it, followed as a pull follows it.
pub fn manifest(bytes: &[u8]) -> Result<()> {
    match manifest::parse(bytes)? {
        Manifest::Image { manifest, .. } => {
            manifest::image_parts(&manifest)?;
        }
        Manifest::Index { index, .. } => {
            for platform in ["linux/amd64", "linux/arm64/v8", "windows/amd64"] {
                let _ = manifest::choose_platform(&index, &Platform::parse(platform)?);
            }
        }
    }
    Ok(())
}

/// An image config blob, checked as a pull checks it.
pub fn image_config(bytes: &[u8]) -> Result<()> {
    let config: oci_spec::image::ImageConfiguration = serde_json::from_slice(bytes)?;
    for diff_id in config.rootfs().diff_ids() {
        Digest::parse(diff_id).map_err(anyhow::Error::msg)?;
    }
    Ok(())
}

/// A seccomp profile given with `--security-opt seccomp=FILE`, converted for this host and
/// compiled to the BPF program the runtime would install (it is not installed).
pub fn seccomp_profile(scratch: &Path, text: &[u8]) -> Result<()> {
    let file = write_scratch(scratch, "seccomp.json", text)?;
    let caps = ["CAP_CHOWN".to_string(), "CAP_SYS_ADMIN".to_string()];
    if let Some(seccomp) = crate::spec::seccomp::load_profile(&SeccompChoice::Profile(file), &caps)?
    {
        crate::runtime::seccomp::compile(&seccomp)?;
    }
    Ok(())
}

/// Unpacks `tar` as a layer into `root`, an empty directory, with the rootless options.
pub fn unpack_tar(root: &Path, tar: &[u8]) -> Result<()> {
    let opts = UnpackOptions {
        whiteouts: WhiteoutFormat::Overlay {
            xattr_prefix: "user.overlay.",
        },
        ignore_chown_errors: true,
    };
    unpack_layer(tar, root, &opts)?;
    Ok(())
}

fn write_scratch(scratch: &Path, name: &str, bytes: &[u8]) -> Result<std::path::PathBuf> {
    let file = scratch.join(name);
    std::fs::write(&file, bytes)?;
    Ok(file)
}
