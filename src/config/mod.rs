//! Configuration shared with podman: the files under `/etc/containers`, `/usr/share/containers`
//! and `$XDG_CONFIG_HOME/containers`, read with podman's precedence rules so that a user's
//! existing setup keeps working. Only the image store is ours (see `store/`).
//!
//! Everything here reads files; nothing talks to the network.

pub mod auth;
pub mod certs;
pub mod containers_conf;
pub mod paths;
pub mod policy;
pub mod registries;
pub mod shortnames;
pub mod storage_conf;

pub use auth::{AuthFiles, Credentials};
pub use containers_conf::ContainersConf;
pub use paths::Paths;
pub use policy::Policy;
pub use registries::{PullSource, RegistriesConf, ShortNameMode};
pub use storage_conf::StorageConf;

use anyhow::{Context, Result, bail};
use nix::fcntl::{Flock, FlockArg};
use serde::de::DeserializeOwned;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Reads a configuration file; a missing file is `None` because every config file is optional.
pub(crate) fn read_optional(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Parses TOML into `T`. Errors name the file, the line and, when the line is a `key = value`
/// line, the dotted key, because toml's own multi-line report does not fit our one-line errors.
pub(crate) fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let (location, fix) = match e.span() {
            Some(span) => (describe_position(text, span.start), "fix that line"),
            None => (String::new(), "fix the file"),
        };
        anyhow::anyhow!(
            "invalid {}{location}: {}; {fix}",
            path.display(),
            e.message().trim_end()
        )
    })
}

/// `, line N, key `table.key`` for a byte offset into a TOML document.
fn describe_position(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line_no = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let Some((key, _)) = line.split_once('=') else {
        return format!(", line {line_no}");
    };
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return format!(", line {line_no}");
    }
    // The nearest table header above names the table the key lives in.
    let table = text
        .lines()
        .take(line_no - 1)
        .map(str::trim)
        .filter(|l| l.starts_with('['))
        .last()
        .map(|h| h.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    match table {
        Some(table) if !table.is_empty() => format!(", line {line_no}, key `{table}.{key}`"),
        _ => format!(", line {line_no}, key `{key}`"),
    }
}

/// The `*.conf` files of a drop-in directory in lexical order; a missing directory has none.
/// Sub-directories and other names are skipped, as containers/image and containers/common do.
pub(crate) fn drop_in_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "conf") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Takes an exclusive `flock` on `<file>.lock` so read-modify-write cycles of machine-written
/// files (auth.json, the short-name cache) from concurrent processes do not lose updates.
/// The lock is released when the returned guard is dropped.
pub(crate) fn lock_for_update(file: &Path) -> Result<Flock<File>> {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock_path = file.with_file_name(name);
    if let Some(dir) = lock_path.parent() {
        create_private_dir(dir)?;
    }
    let lock_file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .with_context(|| format!("cannot open lock file {}", lock_path.display()))?;
    match Flock::lock(lock_file, FlockArg::LockExclusive) {
        Ok(guard) => Ok(guard),
        Err((_, errno)) => bail!("cannot lock {}: {errno}", lock_path.display()),
    }
}

/// Creates `dir` and missing parents with mode 0700: they hold credentials and caches that
/// other users have no business listing.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Sample {
        registry: Vec<Entry>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Entry {
        insecure: bool,
    }

    #[test]
    fn type_error_names_file_line_and_key() {
        let text = "# comment\n[[registry]]\nlocation = \"a.io\"\ninsecure = \"yes\"\n";
        let err = parse_toml::<Sample>(Path::new("/x/r.conf"), text).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("/x/r.conf, line 4, key `registry.insecure`"),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "one line: {msg}");
    }

    #[test]
    fn syntax_error_names_line() {
        let text = "a = 1\n\nb = = 2\n";
        let msg = parse_toml::<toml::Table>(Path::new("f.conf"), text)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("f.conf, line 3"), "{msg}");
    }

    #[test]
    fn drop_ins_are_sorted_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["20-b.conf", "10-a.conf", "notes.txt", "05.conf.bak"] {
            fs::write(dir.path().join(name), "").unwrap();
        }
        fs::create_dir(dir.path().join("sub.conf")).unwrap();
        let names: Vec<_> = drop_in_files(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["10-a.conf", "20-b.conf"]);
        assert!(
            drop_in_files(&dir.path().join("missing"))
                .unwrap()
                .is_empty()
        );
    }
}
