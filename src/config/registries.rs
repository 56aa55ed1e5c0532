//! registries.conf, version 2 (containers-registries.conf(5), containers-registries.conf.d(5)).
//!
//! File choice, as podman does it:
//! - `CONTAINERS_REGISTRIES_CONF=FILE`: that file only (it must exist), no drop-ins.
//! - else, rootless and `$XDG_CONFIG_HOME/containers/registries.conf` exists: that file, then
//!   the user's `registries.conf.d/*.conf`; the system files are not read at all.
//! - else `/etc/containers/registries.conf` (missing is fine), then
//!   `/etc/containers/registries.conf.d/*.conf`, then the user's `registries.conf.d/*.conf`.
//!
//! Drop-ins are read in lexical order, each overriding what came before: scalars and lists it
//! sets replace earlier values, a `[[registry]]` with an identical prefix replaces the earlier
//! one, aliases are merged (an empty value erases an alias). Unknown keys are ignored, like
//! containers/image does. The alias cache (`shortnames.rs`) is applied last and wins.

mod parse;

use super::shortnames;
use super::{Paths, drop_in_files, read_optional};
use anyhow::{Result, bail};
use parse::parse_file;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How short names (`busybox`) are resolved when no alias matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShortNameMode {
    /// Prompt on a TTY when ambiguous; fail otherwise.
    Enforcing,
    /// Prompt on a TTY when ambiguous; otherwise try every search registry in order.
    #[default]
    Permissive,
    /// Never prompt; try every search registry in order.
    Disabled,
}

/// Which pulls a mirror serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PullFromMirror {
    #[default]
    All,
    DigestOnly,
    TagOnly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    pub location: String,
    pub insecure: bool,
    pub pull_from_mirror: PullFromMirror,
}

/// One `[[registry]]` table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Registry {
    /// What image names it applies to: `host[:port][/namespace...]` or `*.example.com`.
    pub prefix: String,
    /// Where to pull from instead; empty only for a wildcard prefix (pull from the name itself).
    pub location: String,
    pub insecure: bool,
    pub blocked: bool,
    pub mirror_by_digest_only: bool,
    pub mirrors: Vec<Mirror>,
    /// The file this entry came from, for error messages.
    pub origin: PathBuf,
}

/// One place to try pulling an image from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullSource {
    /// The repository name rewritten for this source, e.g. `mirror.host:5000/library/busybox`.
    pub name: String,
    pub insecure: bool,
    pub mirror: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegistriesConf {
    pub unqualified_search_registries: Vec<String>,
    pub short_name_mode: ShortNameMode,
    /// Sorted by prefix; prefixes are unique.
    pub registries: Vec<Registry>,
    /// Short name -> fully-qualified repository, config aliases overlaid by the cache.
    pub aliases: BTreeMap<String, String>,
    pub credential_helpers: Vec<String>,
    /// The configuration files that were read, in order.
    pub files: Vec<PathBuf>,
}

impl RegistriesConf {
    /// Loads the configuration the way podman does (see the module comment) and applies the
    /// short-name alias cache.
    pub fn load(paths: &Paths) -> Result<RegistriesConf> {
        let override_file = std::env::var_os("CONTAINERS_REGISTRIES_CONF")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        Self::load_with(paths, override_file.as_deref())
    }

    pub(crate) fn load_with(paths: &Paths, override_file: Option<&Path>) -> Result<RegistriesConf> {
        let user_dir = paths.user_config_dir();
        let mut conf =
            Self::load_from(&paths.system_config_dir, user_dir.as_deref(), override_file)?;
        // The cache records the user's answers to short-name prompts; it wins, like podman.
        conf.aliases.extend(shortnames::load_cache(paths)?);
        conf.aliases.retain(|_, long| !long.is_empty());
        Ok(conf)
    }

    /// Loads from explicit directories: `system_dir` is `/etc/containers`, `user_dir` the
    /// user's `containers` config directory (None when it does not apply).
    pub fn load_from(
        system_dir: &Path,
        user_dir: Option<&Path>,
        override_file: Option<&Path>,
    ) -> Result<RegistriesConf> {
        let mut merged = Merged::default();
        if let Some(file) = override_file {
            let Some(text) = read_optional(file)? else {
                bail!(
                    "registries configuration {} does not exist: create it or unset CONTAINERS_REGISTRIES_CONF",
                    file.display()
                );
            };
            merged.apply(file, &text)?;
            return Ok(merged.finish());
        }
        let user_main = user_dir.map(|d| d.join("registries.conf"));
        let mut drop_in_dirs = Vec::new();
        match user_main.filter(|f| f.exists()) {
            Some(main) => merged.apply_optional(&main)?,
            None => {
                merged.apply_optional(&system_dir.join("registries.conf"))?;
                drop_in_dirs.push(system_dir.join("registries.conf.d"));
            }
        }
        drop_in_dirs.extend(user_dir.map(|d| d.join("registries.conf.d")));
        for dir in drop_in_dirs {
            for file in drop_in_files(&dir)? {
                merged.apply_optional(&file)?;
            }
        }
        Ok(merged.finish())
    }

    /// The `[[registry]]` whose prefix is the longest match for `name` (`host/repo`, no tag).
    pub fn find(&self, name: &str) -> Option<&Registry> {
        self.find_match(name).map(|(reg, _)| reg)
    }

    /// Where to pull `name` from, in order: the mirrors allowed for this kind of pull, then
    /// the primary location. Fails if the matching registry is blocked.
    pub fn pull_sources(&self, name: &str, by_digest: bool) -> Result<Vec<PullSource>> {
        let Some((reg, matched)) = self.find_match(name) else {
            let direct = PullSource {
                name: name.to_string(),
                insecure: false,
                mirror: false,
            };
            return Ok(vec![direct]);
        };
        if reg.blocked {
            bail!(
                "registry {} is blocked in registries.conf ({}), so {name} cannot be pulled: remove `blocked = true` from that [[registry]] entry to allow it",
                reg.prefix,
                reg.origin.display()
            );
        }
        let rewrite = |location: &str| {
            if location.is_empty() {
                name.to_string()
            } else {
                format!("{location}{}", &name[matched..])
            }
        };
        let mirror_allowed = |m: &Mirror| match (reg.mirror_by_digest_only, m.pull_from_mirror) {
            (true, _) | (false, PullFromMirror::DigestOnly) => by_digest,
            (false, PullFromMirror::TagOnly) => !by_digest,
            (false, PullFromMirror::All) => true,
        };
        let mut sources: Vec<PullSource> = reg
            .mirrors
            .iter()
            .filter(|m| mirror_allowed(m))
            .map(|m| PullSource {
                name: rewrite(&m.location),
                insecure: m.insecure,
                mirror: true,
            })
            .collect();
        sources.push(PullSource {
            name: rewrite(&reg.location),
            insecure: reg.insecure,
            mirror: false,
        });
        Ok(sources)
    }

    /// Whether TLS verification is off (and plain HTTP allowed) for `host[:port]`.
    pub fn is_insecure(&self, host: &str) -> bool {
        self.find(host).is_some_and(|r| r.insecure)
    }

    fn find_match(&self, name: &str) -> Option<(&Registry, usize)> {
        self.registries
            .iter()
            .filter_map(|r| prefix_match(name, &r.prefix).map(|len| (r, len)))
            .max_by_key(|(r, _)| r.prefix.len())
    }
}

/// How many bytes of `name` the prefix covers, if it matches. Plain prefixes match on
/// component boundaries only: `example.com/foo` matches `example.com/foo/bar` but not
/// `example.com/foobar`. `*.example.com` matches the host of any subdomain (ports aside).
fn prefix_match(name: &str, prefix: &str) -> Option<usize> {
    if let Some(suffix) = prefix.strip_prefix('*') {
        let domain = name.split('/').next().unwrap_or_default();
        let host_len = domain.find(':').unwrap_or(domain.len());
        let host = &domain[..host_len];
        return (host.len() > suffix.len() && host.ends_with(suffix)).then_some(host_len);
    }
    let rest = name.strip_prefix(prefix)?;
    let on_boundary = match rest.chars().next() {
        None | Some('/') => true,
        // A tag or digest after a repository; right after a bare host, ':' is a port.
        Some(':' | '@') => prefix.contains('/'),
        Some(_) => false,
    };
    on_boundary.then_some(prefix.len())
}

/// The configuration assembled so far while reading files in order.
#[derive(Default)]
struct Merged {
    unqualified: Option<Vec<String>>,
    mode: Option<ShortNameMode>,
    helpers: Option<Vec<String>>,
    registries: BTreeMap<String, Registry>,
    aliases: BTreeMap<String, String>,
    files: Vec<PathBuf>,
}

impl Merged {
    fn apply_optional(&mut self, file: &Path) -> Result<()> {
        match read_optional(file)? {
            Some(text) => self.apply(file, &text),
            None => Ok(()),
        }
    }

    fn apply(&mut self, file: &Path, text: &str) -> Result<()> {
        let parsed = parse_file(file, text)?;
        self.unqualified = parsed
            .unqualified_search_registries
            .or(self.unqualified.take());
        self.mode = parsed.short_name_mode.or(self.mode);
        self.helpers = parsed.credential_helpers.or(self.helpers.take());
        for reg in parsed.registries {
            self.registries.insert(reg.prefix.clone(), reg);
        }
        self.aliases.extend(parsed.aliases);
        self.files.push(file.to_path_buf());
        Ok(())
    }

    fn finish(self) -> RegistriesConf {
        let mut aliases = self.aliases;
        aliases.retain(|_, long| !long.is_empty());
        let helpers = self.helpers.filter(|h| !h.is_empty());
        RegistriesConf {
            unqualified_search_registries: self.unqualified.unwrap_or_default(),
            short_name_mode: self.mode.unwrap_or_default(),
            registries: self.registries.into_values().collect(),
            aliases,
            credential_helpers: helpers.unwrap_or_else(|| vec!["containers-auth.json".into()]),
            files: self.files,
        }
    }
}

#[cfg(test)]
mod tests;
