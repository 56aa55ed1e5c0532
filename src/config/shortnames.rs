//! Short-name aliases: validation shared with registries.conf `[aliases]`, and the
//! machine-written alias cache (podman's `short-name-aliases.conf`) where the choice made at a
//! short-name prompt is recorded so the next pull of the same short name does not ask again.

use super::{Paths, lock_for_update, parse_toml, read_optional};
use crate::util::fs::write_atomic;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const CACHE_FILE: &str = "containers/short-name-aliases.conf";

#[derive(serde::Deserialize, serde::Serialize, Default)]
struct AliasFile {
    #[serde(default)]
    aliases: BTreeMap<String, String>,
}

/// The cache file: `$XDG_CACHE_HOME/containers/short-name-aliases.conf` when rootless,
/// `/var/cache/containers/short-name-aliases.conf` for root (the files podman uses).
pub fn cache_path(paths: &Paths) -> PathBuf {
    if paths.rootless {
        paths.cache_home.join(CACHE_FILE)
    } else {
        Path::new("/var/cache").join(CACHE_FILE)
    }
}

/// The cached aliases, validated; a missing cache is empty. An empty value in the cache means
/// "no alias" and is kept so that it can mask an alias from registries.conf.
pub fn load_cache(paths: &Paths) -> Result<BTreeMap<String, String>> {
    load_cache_file(&cache_path(paths))
}

/// Records `short` -> `long` in the cache, under a lock and with an atomic rename so that
/// concurrent pulls neither lose each other's entries nor expose a half-written file.
pub fn record_alias(paths: &Paths, short: &str, long: &str) -> Result<()> {
    record_alias_in(&cache_path(paths), short, long)
}

pub(crate) fn load_cache_file(path: &Path) -> Result<BTreeMap<String, String>> {
    let Some(text) = read_optional(path)? else {
        return Ok(BTreeMap::new());
    };
    let file: AliasFile = parse_toml(path, &text)?;
    validate_aliases(path, file.aliases)
}

pub(crate) fn record_alias_in(path: &Path, short: &str, long: &str) -> Result<()> {
    validate_short_name(short)?;
    let long = normalize_alias_target(long)?;
    let _lock = lock_for_update(path)?;
    let mut file = match read_optional(path)? {
        Some(text) => parse_toml::<AliasFile>(path, &text)?,
        None => AliasFile::default(),
    };
    file.aliases.insert(short.to_string(), long);
    let text = toml::to_string(&file).context("cannot encode the short-name alias cache")?;
    write_atomic(path, text.as_bytes(), 0o600)
        .with_context(|| format!("cannot write short-name alias cache {}", path.display()))
}

/// Validates every alias of a file, normalising targets; empty targets are kept (they erase).
pub(crate) fn validate_aliases(
    file: &Path,
    aliases: BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (short, long) in aliases {
        let checked = validate_short_name(&short).and_then(|()| {
            if long.is_empty() {
                Ok(long)
            } else {
                normalize_alias_target(&long)
            }
        });
        let long = checked.map_err(|e| anyhow::anyhow!("{} [aliases]: {e:#}", file.display()))?;
        out.insert(short, long);
    }
    Ok(out)
}

/// The left side of an alias: a repository path without registry, tag or digest.
pub(crate) fn validate_short_name(short: &str) -> Result<()> {
    if short.is_empty() {
        bail!("short-name alias has an empty name");
    }
    if short.contains('@') {
        bail!("short-name alias {short:?} must not contain a digest");
    }
    let first = short.split('/').next().unwrap_or_default();
    if short.contains('/') && looks_like_domain(first) {
        bail!(
            "short-name alias {short:?} must not contain a registry: use the bare name, e.g. \"busybox\""
        );
    }
    if short.contains(':') {
        bail!("short-name alias {short:?} must not contain a tag");
    }
    check_path_components(short, short)
}

/// The right side of an alias: `registry/repository` without tag or digest. `docker.io/x` is
/// normalised to `docker.io/library/x`, as podman does, so lookups compare like with like.
pub(crate) fn normalize_alias_target(long: &str) -> Result<String> {
    let Some((domain, path)) = long.split_once('/') else {
        bail!(
            "alias target {long:?} must be a registry and repository, e.g. docker.io/library/busybox"
        );
    };
    if !looks_like_domain(domain) {
        bail!(
            "alias target {long:?} must start with a registry host, e.g. docker.io/library/busybox"
        );
    }
    if long.contains('@') {
        bail!("alias target {long:?} must not contain a digest");
    }
    if path.contains(':') {
        bail!("alias target {long:?} must not contain a tag");
    }
    check_path_components(long, path)?;
    if domain == "docker.io" && !path.contains('/') {
        return Ok(format!("docker.io/library/{path}"));
    }
    Ok(long.to_string())
}

/// podman's rule: a first component is a registry if it has a '.' or ':' or is "localhost".
fn looks_like_domain(component: &str) -> bool {
    component.contains('.') || component.contains(':') || component == "localhost"
}

fn check_path_components(whole: &str, path: &str) -> Result<()> {
    let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if path
        .split('/')
        .any(|part| part.is_empty() || !part.chars().all(valid))
    {
        bail!(
            "{whole:?} is not a valid repository name: use lowercase letters, digits, '.', '_', '-' and non-empty '/'-separated parts"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn validates_and_normalises() {
        assert_eq!(
            normalize_alias_target("docker.io/alpine").unwrap(),
            "docker.io/library/alpine"
        );
        assert_eq!(
            normalize_alias_target("quay.io/podman/hello").unwrap(),
            "quay.io/podman/hello"
        );
        assert!(normalize_alias_target("alpine").is_err());
        assert!(normalize_alias_target("quay.io/x:1").is_err());
        assert!(normalize_alias_target("quay.io/x@sha256:00").is_err());
        assert!(normalize_alias_target("quay.io/Upper").is_err());
        validate_short_name("library/busybox").unwrap();
        assert!(validate_short_name("quay.io/busybox").is_err());
        assert!(validate_short_name("busybox:1").is_err());
        assert!(validate_short_name("").is_err());
    }

    #[test]
    fn record_then_load_round_trips_and_keeps_other_entries() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::sandbox(dir.path());
        assert!(load_cache(&paths).unwrap().is_empty());
        record_alias(&paths, "alpine", "docker.io/alpine").unwrap();
        record_alias(&paths, "fedora", "registry.fedoraproject.org/fedora").unwrap();
        record_alias(&paths, "alpine", "quay.io/libpod/alpine").unwrap();
        let cache = load_cache(&paths).unwrap();
        assert_eq!(cache.len(), 2);
        assert_eq!(cache["alpine"], "quay.io/libpod/alpine");
        let file = dir
            .path()
            .join("home/.cache/containers/short-name-aliases.conf");
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache/short-name-aliases.conf");
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    record_alias_in(&path, &format!("img{i}"), &format!("quay.io/ns/img{i}"))
                        .unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(load_cache_file(&path).unwrap().len(), 8);
    }

    #[test]
    fn corrupt_cache_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short-name-aliases.conf");
        std::fs::write(&path, "[aliases]\n\"x\" = \"not-qualified\"\n").unwrap();
        let msg = format!("{:#}", load_cache_file(&path).unwrap_err());
        assert!(msg.contains("short-name-aliases.conf"), "{msg}");
        assert!(msg.contains("not-qualified"), "{msg}");
    }

    #[test]
    fn root_uses_var_cache() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Paths::sandbox(dir.path());
        paths.rootless = false;
        assert_eq!(
            cache_path(&paths),
            Path::new("/var/cache/containers/short-name-aliases.conf")
        );
    }
}
