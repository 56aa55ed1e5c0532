//! Reading one registries.conf file: TOML into raw structs, then validation with
//! containers/image's rules, each error naming the file and the fix.

use super::{Mirror, PullFromMirror, Registry, ShortNameMode};
use crate::config::parse_toml;
use crate::config::shortnames::validate_aliases;
use anyhow::{Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One file, parsed and validated.
pub(super) struct ParsedFile {
    pub unqualified_search_registries: Option<Vec<String>>,
    pub short_name_mode: Option<ShortNameMode>,
    pub credential_helpers: Option<Vec<String>>,
    /// Unique prefixes: within one file the first entry for a prefix wins.
    pub registries: Vec<Registry>,
    /// Validated; an empty value erases the alias.
    pub aliases: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawFile {
    unqualified_search_registries: Option<Vec<String>>,
    short_name_mode: Option<ShortNameMode>,
    credential_helpers: Option<Vec<String>>,
    #[serde(default)]
    registry: Vec<RawRegistry>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
    /// Only the V1 format has a top-level `registries` table.
    registries: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawRegistry {
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    insecure: bool,
    #[serde(default)]
    blocked: bool,
    #[serde(default)]
    mirror_by_digest_only: bool,
    #[serde(default)]
    mirror: Vec<RawMirror>,
    pull_from_mirror: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawMirror {
    #[serde(default)]
    location: String,
    #[serde(default)]
    insecure: bool,
    pull_from_mirror: Option<PullFromMirror>,
}

pub(super) fn parse_file(file: &Path, text: &str) -> Result<ParsedFile> {
    let raw: RawFile = parse_toml(file, text)?;
    let f = file.display();
    if raw.registries.is_some() {
        bail!(
            "{f} uses the V1 registries.conf format ([registries.search] etc.), which engine does not read: convert it to the V2 format (unqualified-search-registries and [[registry]] tables, see containers-registries.conf(5))"
        );
    }
    let mut registries: Vec<Registry> = Vec::new();
    for raw_reg in raw.registry {
        let reg = validate_registry(file, raw_reg)?;
        // Within one file the first entry for a prefix wins, as in containers/image.
        if !registries.iter().any(|r| r.prefix == reg.prefix) {
            registries.push(reg);
        }
    }
    check_consistent(file, &registries)?;
    let unqualified = match raw.unqualified_search_registries {
        Some(list) => Some(
            list.iter()
                .map(|entry| validate_search_registry(file, entry))
                .collect::<Result<Vec<_>>>()?,
        ),
        None => None,
    };
    Ok(ParsedFile {
        unqualified_search_registries: unqualified,
        short_name_mode: raw.short_name_mode,
        credential_helpers: raw.credential_helpers,
        registries,
        aliases: validate_aliases(file, raw.aliases)?,
    })
}

fn validate_registry(file: &Path, raw: RawRegistry) -> Result<Registry> {
    let f = file.display();
    let location = clean_location(file, &raw.location)?;
    let prefix = if raw.prefix.is_empty() {
        if location.is_empty() {
            bail!(
                "{f}: a [[registry]] entry has neither prefix nor location: set at least location"
            );
        }
        location.clone()
    } else {
        clean_location(file, &raw.prefix)?
    };
    let wildcard = prefix.starts_with("*.");
    if wildcard && prefix.contains(['/', '@', ':']) {
        bail!(
            "{f}: wildcard prefix {prefix:?} must have the form *.example.com (no port, path, tag or digest)"
        );
    }
    if !wildcard && location.is_empty() {
        bail!(
            "{f}: [[registry]] prefix {prefix:?} has no location: set location (only *.example.com prefixes may omit it)"
        );
    }
    if raw.pull_from_mirror.is_some() {
        bail!(
            "{f}: [[registry]] prefix {prefix:?} sets pull-from-mirror, which is only valid in a [[registry.mirror]] table: move it there"
        );
    }
    let mut mirrors = Vec::new();
    for m in raw.mirror {
        let mirror_location = clean_location(file, &m.location)?;
        if mirror_location.is_empty() {
            bail!("{f}: a [[registry.mirror]] of prefix {prefix:?} has no location: set it");
        }
        if raw.mirror_by_digest_only && m.pull_from_mirror.is_some() {
            bail!(
                "{f}: prefix {prefix:?} sets mirror-by-digest-only and its mirror {mirror_location:?} sets pull-from-mirror: keep only one of them"
            );
        }
        mirrors.push(Mirror {
            location: mirror_location,
            insecure: m.insecure,
            pull_from_mirror: m.pull_from_mirror.unwrap_or_default(),
        });
    }
    Ok(Registry {
        prefix,
        location,
        insecure: raw.insecure,
        blocked: raw.blocked,
        mirror_by_digest_only: raw.mirror_by_digest_only,
        mirrors,
        origin: file.to_path_buf(),
    })
}

/// Several entries may point at one location (different prefixes); they must agree on
/// `insecure` and `blocked`, or which one applies would depend on the image name.
fn check_consistent(file: &Path, registries: &[Registry]) -> Result<()> {
    let key = |r: &Registry| {
        if r.location.is_empty() {
            r.prefix.clone()
        } else {
            r.location.clone()
        }
    };
    for (i, a) in registries.iter().enumerate() {
        for b in &registries[i + 1..] {
            if key(a) == key(b) && (a.insecure != b.insecure || a.blocked != b.blocked) {
                bail!(
                    "{}: registry {} is defined several times with conflicting insecure/blocked settings (prefixes {:?} and {:?}): make them agree",
                    file.display(),
                    key(a),
                    a.prefix,
                    b.prefix
                );
            }
        }
    }
    Ok(())
}

/// Trailing slashes are dropped; a URL scheme is refused (locations are host[:port][/path]).
fn clean_location(file: &Path, value: &str) -> Result<String> {
    let trimmed = value.trim_end_matches('/');
    if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
        bail!(
            "{}: location {value:?} must not include a URL scheme: write it as host[:port][/path] and use insecure = true for plain HTTP",
            file.display()
        );
    }
    Ok(trimmed.to_string())
}

fn validate_search_registry(file: &Path, entry: &str) -> Result<String> {
    let host = clean_location(file, entry)?;
    if host.is_empty() || host.contains(['/', '@']) || host.contains(char::is_whitespace) {
        bail!(
            "{}: unqualified-search-registries entry {entry:?} is not a host[:port]: remove any path",
            file.display()
        );
    }
    Ok(host)
}
