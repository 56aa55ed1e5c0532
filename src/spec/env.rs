//! The container's environment, merged in podman's order: engine defaults, the image's `Env`,
//! `--env-file`s, `-e`, then `HOSTNAME` and `HOME` if still unset. Later sources win.

use std::path::Path;

use anyhow::{Context, Result, bail};

pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// `container=` tells programs (systemd, for one) they run in a container; any non-empty value
/// does. podman writes `podman`; we name ourselves so nothing applies podman-specific workarounds
/// to a container podman did not create.
pub const CONTAINER_ENV: (&str, &str) = ("container", "engine");

/// An ordered environment: replacing a variable keeps its first position, so the result is
/// stable and readable (defaults first, then the image's, then the user's).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment(Vec<(String, String)>);

impl Environment {
    pub fn set(&mut self, key: &str, value: &str) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_string(),
            None => self.0.push((key.to_string(), value.to_string())),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn set_default(&mut self, key: &str, value: &str) {
        if self.get(key).is_none() {
            self.set(key, value);
        }
    }

    /// `KEY=VALUE` strings for the spec.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    /// Applies one user entry: `KEY=VALUE`, `KEY` (host value, skipped when the host lacks it),
    /// or `PREFIX*` (every host variable with that prefix). `origin` names the source in errors.
    fn apply_user_entry(
        &mut self,
        entry: &str,
        host_env: &[(String, String)],
        origin: &dyn Fn() -> String,
    ) -> Result<()> {
        if let Some((key, value)) = entry.split_once('=') {
            check_key(key, origin)?;
            self.set(key, value);
        } else if let Some(prefix) = entry.strip_suffix('*') {
            for (k, v) in host_env.iter().filter(|(k, _)| k.starts_with(prefix)) {
                self.set(k, v);
            }
        } else {
            check_key(entry, origin)?;
            if let Some((_, v)) = host_env.iter().find(|(k, _)| k == entry) {
                self.set(entry, v);
            }
        }
        Ok(())
    }
}

fn check_key(key: &str, origin: &dyn Fn() -> String) -> Result<()> {
    if key.is_empty() || key.contains(char::is_whitespace) || key.contains('\0') {
        bail!(
            "{}: invalid variable name {key:?}: use NAME=VALUE with a name free of spaces",
            origin()
        );
    }
    Ok(())
}

/// What the environment is built from, besides the user's flags.
pub struct EnvSources<'a> {
    pub image_env: &'a [String],
    pub env_files: &'a [std::path::PathBuf],
    pub env: &'a [String],
    /// The engine's own environment, for `-e KEY` and `KEY` lines of env files.
    pub host_env: &'a [(String, String)],
    pub hostname: &'a str,
    /// The user's home directory from /etc/passwd.
    pub home: &'a str,
}

pub fn build_environment(src: &EnvSources) -> Result<Environment> {
    let mut env = Environment::default();
    env.set("PATH", DEFAULT_PATH);
    env.set(CONTAINER_ENV.0, CONTAINER_ENV.1);
    // containers.conf ships TERM=xterm as a default for every container, tty or not.
    env.set("TERM", "xterm");
    for entry in src.image_env {
        // An image entry without '=' is malformed; keep the name with an empty value.
        let (k, v) = entry.split_once('=').unwrap_or((entry, ""));
        if !k.is_empty() {
            env.set(k, v);
        }
    }
    for file in src.env_files {
        apply_env_file(&mut env, file, src.host_env)?;
    }
    for entry in src.env {
        env.apply_user_entry(entry, src.host_env, &|| format!("-e {entry:?}"))?;
    }
    env.set_default("HOSTNAME", src.hostname);
    env.set_default("HOME", src.home);
    Ok(env)
}

/// podman's env-file format: one `KEY=VALUE` or `KEY` per line, `#` comments, blank lines.
fn apply_env_file(env: &mut Environment, path: &Path, host_env: &[(String, String)]) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "--env-file {}: cannot read it: check the path",
            path.display()
        )
    })?;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let origin = || format!("--env-file {} line {}", path.display(), n + 1);
        env.apply_user_entry(line, host_env, &origin)?;
    }
    Ok(())
}
