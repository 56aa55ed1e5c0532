//! Registry credentials in containers-auth.json(5) files, shared with podman, skopeo and
//! buildah, plus read-only use of docker's `~/.docker/config.json` and legacy `~/.dockercfg`.
//!
//! The format is `{"auths": {"KEY": {"auth": base64("user:password")}}}`; KEY is a host or
//! `host/namespace/.../repo`. Docker helpers (`credsStore`, `credHelpers`) are not run: those
//! entries are ignored, never an error.

use super::{Paths, create_private_dir, lock_for_update, read_optional};
use crate::util::fs::write_atomic;
use anyhow::{Context, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    // Passwords must not end up in logs or panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// One file in the lookup chain.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AuthFile {
    path: PathBuf,
    /// `~/.dockercfg`: the keys are at the top level rather than under "auths".
    legacy: bool,
}

/// The auth files to consult, most important first; the first one is where logins are written.
#[derive(Debug, Clone)]
pub struct AuthFiles {
    chain: Vec<AuthFile>,
}

impl AuthFiles {
    /// `--authfile`, else `REGISTRY_AUTH_FILE`: that file alone. Otherwise podman's chain:
    /// the runtime auth.json (written by login), `$XDG_CONFIG_HOME/containers/auth.json`,
    /// `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, and `~/.dockercfg`.
    pub fn new(paths: &Paths, authfile: Option<PathBuf>) -> AuthFiles {
        let from_env = std::env::var_os("REGISTRY_AUTH_FILE").filter(|v| !v.is_empty());
        if let Some(only) = authfile.or(from_env.map(PathBuf::from)) {
            return AuthFiles::single(only);
        }
        let docker_config = std::env::var_os("DOCKER_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| paths.home.join(".docker"));
        Self::default_chain(paths, &docker_config)
    }

    fn default_chain(paths: &Paths, docker_config: &Path) -> AuthFiles {
        let primary = if paths.rootless {
            paths.runtime_dir.join("containers/auth.json")
        } else {
            PathBuf::from("/run/containers/0/auth.json")
        };
        let modern = |path: PathBuf| AuthFile {
            path,
            legacy: false,
        };
        AuthFiles {
            chain: vec![
                modern(primary),
                modern(paths.user_containers_dir().join("auth.json")),
                modern(docker_config.join("config.json")),
                AuthFile {
                    path: paths.home.join(".dockercfg"),
                    legacy: true,
                },
            ],
        }
    }

    /// Just `path`, for reading and writing.
    pub fn single(path: PathBuf) -> AuthFiles {
        AuthFiles {
            chain: vec![AuthFile {
                path,
                legacy: false,
            }],
        }
    }

    /// The file `store`, `remove` and `remove_all` change.
    pub fn primary(&self) -> &Path {
        &self.chain[0].path
    }

    /// Every file consulted by `lookup`, in order.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.chain.iter().map(|f| f.path.as_path())
    }

    /// Credentials for `host` and repository path `repo` (e.g. "library/busybox"). Files are
    /// consulted in order; within a file the most specific key wins (`host/ns/repo`, `host/ns`,
    /// `host`), then keys docker wrote as URLs (`https://index.docker.io/v1/`).
    pub fn lookup(&self, host: &str, repo: &str) -> Result<Option<Credentials>> {
        let wanted = candidate_keys(host, repo);
        let wanted_host = normalize_key(host);
        for file in &self.chain {
            let Some(auths) = read_auths(file)? else {
                continue;
            };
            let exact = wanted
                .iter()
                .find_map(|k| auths.get(k.as_str()).map(|v| (k.as_str(), v)));
            let by_host = || auths.iter().find(|(k, _)| normalize_key(k) == wanted_host);
            let Some((key, entry)) = exact.or_else(|| by_host().map(|(k, v)| (k.as_str(), v)))
            else {
                continue;
            };
            if let Some(creds) = decode_entry(&file.path, key, entry)? {
                return Ok(Some(creds));
            }
        }
        Ok(None)
    }

    /// Saves credentials for `key` (a host or `host/namespace/...`) in the primary file,
    /// keeping every other key and top-level field. Returns the file written.
    pub fn store(&self, key: &str, creds: &Credentials) -> Result<PathBuf> {
        if key.is_empty() || key.contains("://") || key.contains(char::is_whitespace) {
            bail!(
                "invalid credentials key {key:?}: use a registry host or host/namespace, without a scheme"
            );
        }
        if creds.username.contains(':') {
            bail!(
                "user name {:?} contains ':', which auth.json cannot represent",
                creds.username
            );
        }
        let encoded = BASE64.encode(format!("{}:{}", creds.username, creds.password));
        self.update(|auths| {
            let mut entry = Map::new();
            entry.insert("auth".into(), Value::String(encoded));
            auths.insert(key.to_string(), Value::Object(entry));
            true
        })?;
        Ok(self.primary().to_path_buf())
    }

    /// Removes the credentials for `key` from the primary file, including entries docker
    /// spelled differently for the same host. Returns whether anything was removed.
    pub fn remove(&self, key: &str) -> Result<bool> {
        if !self.primary().exists() {
            return Ok(false);
        }
        let bare_host = !key.contains('/');
        let normalized = normalize_key(key);
        self.update(|auths| {
            let before = auths.len();
            auths.retain(|k, _| k != key && !(bare_host && normalize_key(k) == normalized));
            auths.len() != before
        })
    }

    /// Removes every credential from the primary file (other top-level fields stay).
    pub fn remove_all(&self) -> Result<()> {
        if !self.primary().exists() {
            return Ok(());
        }
        self.update(|auths| {
            let changed = !auths.is_empty();
            auths.clear();
            changed
        })
        .map(|_| ())
    }

    /// Read-modify-write of the primary file's "auths" under a lock. `change` returns whether
    /// it changed anything; nothing is written otherwise (and a missing file stays missing).
    fn update(&self, change: impl FnOnce(&mut Map<String, Value>) -> bool) -> Result<bool> {
        let path = self.primary();
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        let _lock = lock_for_update(path)?;
        let mut root = match read_optional(path)? {
            Some(text) => parse_object(path, &text)?,
            None => Map::new(),
        };
        let auths = root
            .entry("auths")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(auths) = auths else {
            bail!(
                "{}: \"auths\" is not a JSON object; fix or remove the file",
                path.display()
            );
        };
        if !change(auths) {
            return Ok(false);
        }
        let mut text = serde_json::to_vec_pretty(&root).context("cannot encode auth file")?;
        text.push(b'\n');
        write_atomic(path, &text, 0o600)
            .with_context(|| format!("cannot write auth file {}", path.display()))?;
        Ok(true)
    }
}

/// `host/a/b/c`, `host/a/b`, `host/a`, `host`: the exact keys to try, most specific first.
fn candidate_keys(host: &str, repo: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut name = if repo.is_empty() {
        host.to_string()
    } else {
        format!("{host}/{repo}")
    };
    loop {
        keys.push(name.clone());
        match name.rfind('/') {
            Some(slash) => name.truncate(slash),
            None => break,
        }
    }
    keys
}

/// Maps a key to the registry it names: strips a URL scheme and the API path docker appends
/// (`https://index.docker.io/v1/` -> `docker.io`), and folds Docker Hub's aliases.
fn normalize_key(key: &str) -> String {
    let without_scheme = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"));
    let mut k = without_scheme.unwrap_or(key).trim_end_matches('/');
    for api in ["/v1", "/v2"] {
        k = k.strip_suffix(api).unwrap_or(k);
    }
    if without_scheme.is_some() {
        // A URL names a registry, never a namespace.
        k = k.split('/').next().unwrap_or(k);
    }
    match k {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".into(),
        other => other.to_string(),
    }
}

fn parse_object(path: &Path, text: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => bail!(
            "auth file {} is not a JSON object; fix or remove it",
            path.display()
        ),
        Err(e) => bail!(
            "auth file {} is not valid JSON ({e}); fix or remove it",
            path.display()
        ),
    }
}

/// The key -> entry map of a file, or None if the file does not exist.
fn read_auths(file: &AuthFile) -> Result<Option<Map<String, Value>>> {
    let Some(text) = read_optional(&file.path)? else {
        return Ok(None);
    };
    let mut root = parse_object(&file.path, &text)?;
    if file.legacy {
        return Ok(Some(root));
    }
    match root.remove("auths") {
        None => Ok(Some(Map::new())),
        Some(Value::Object(auths)) => Ok(Some(auths)),
        Some(_) => bail!(
            "{}: \"auths\" is not a JSON object; fix or remove the file",
            file.path.display()
        ),
    }
}

/// Decodes `{"auth": base64("user:password")}`. An entry without "auth" (docker leaves those
/// when a credential helper holds the secret) yields None so the lookup goes on.
fn decode_entry(path: &Path, key: &str, entry: &Value) -> Result<Option<Credentials>> {
    let auth = match entry.get("auth") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.is_empty() => return Ok(None),
        Some(Value::String(s)) => s,
        Some(_) => bail!(
            "{}: \"auth\" of {key:?} is not a string; log in again",
            path.display()
        ),
    };
    let bad = |why: &str| {
        anyhow::anyhow!(
            "{}: the \"auth\" value of {key:?} {why}; log in again or remove that entry",
            path.display()
        )
    };
    let decoded = BASE64
        .decode(auth.trim())
        .map_err(|_| bad("is not valid base64"))?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad("is not UTF-8 text"))?;
    let (username, password) = decoded
        .split_once(':')
        .ok_or_else(|| bad("has no ':' between user and password"))?;
    Ok(Some(Credentials {
        username: username.into(),
        password: password.into(),
    }))
}

#[cfg(test)]
mod tests;
