//! Quadlet: declarative containers as systemd units.
//!
//! `NAME.container` files in podman Quadlet's format (podman-systemd.unit(5)) are turned into
//! `NAME.service` units by a systemd generator: systemd runs every program in its generator
//! directories at boot and on `daemon-reload`, with three output directories (normal, early,
//! late), before it loads units. `engine` is that program when started under the name
//! `engine-user-generator` (a symlink in `/usr/lib/systemd/user-generators/`, reading the user's
//! `~/.config/containers/systemd/`) or `engine-system-generator` (in
//! `/usr/lib/systemd/system-generators/`, reading `/etc/containers/systemd/`).
//!
//! The generator touches no store and no network: it only reads the files and writes units.
//! A bad file is reported (to the journal, where generator output goes) and skipped; the others
//! are still generated.

pub mod container;
pub mod service;
pub mod syntax;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::paths::Paths;
use service::Programs;
use syntax::UnitFile;

/// The argv[0] base names that make `engine` act as the generator.
pub const USER_GENERATOR: &str = "engine-user-generator";
pub const SYSTEM_GENERATOR: &str = "engine-system-generator";

/// Overrides the directories searched for `.container` files (colon-separated), as podman's
/// quadlet does.
pub const UNIT_DIRS_ENV: &str = "QUADLET_UNIT_DIRS";

/// Where `.container` files are looked for, in priority order: a file name found in an earlier
/// directory hides the same name in later ones.
pub fn search_dirs(paths: &Paths, user: bool) -> Vec<PathBuf> {
    if let Some(dirs) = std::env::var_os(UNIT_DIRS_ENV).filter(|v| !v.is_empty()) {
        return std::env::split_paths(&dirs)
            .filter(|d| d.is_absolute())
            .collect();
    }
    if user {
        vec![
            paths.user_containers_dir().join("systemd"),
            PathBuf::from(format!("/etc/containers/systemd/users/{}", paths.uid)),
            PathBuf::from("/etc/containers/systemd/users"),
        ]
    } else {
        vec![
            paths.system_config_dir.join("systemd"),
            paths.share_config_dir.join("systemd"),
        ]
    }
}

/// The `.container` files in `dirs`, by unit name (`web` for `web.container`), the first
/// directory winning. Missing directories are skipped.
pub fn find_container_files(dirs: &[PathBuf]) -> Result<BTreeMap<String, PathBuf>> {
    let mut found = BTreeMap::new();
    for dir in dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "container"))
            .collect();
        names.sort();
        for path in names {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                found.entry(stem.to_string()).or_insert(path);
            }
        }
    }
    Ok(found)
}

/// One generated unit: its file name and contents, and the `[Install]` links it asks for
/// (`default.target.wants`, ...), which systemd cannot make for generated units itself.
#[derive(Debug, PartialEq, Eq)]
pub struct GeneratedUnit {
    pub file_name: String,
    pub text: String,
    pub link_dirs: Vec<String>,
}

/// Converts one `.container` file.
pub fn generate_unit(path: &Path, programs: &Programs, origin: &str) -> Result<GeneratedUnit> {
    let unit = UnitFile::read(path)?;
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        bail!("{}: the file name is not valid UTF-8", path.display());
    };
    if stem.is_empty()
        || !stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":_.-@\\".contains(c))
    {
        bail!(
            "{}: {stem:?} is not a valid unit name (letters, digits and :_.-@ only)",
            path.display()
        );
    }
    let text = service::service_unit(&unit, programs, origin)?;
    let mut link_dirs = Vec::new();
    for entry in unit
        .section("Install")
        .map(|s| s.entries.as_slice())
        .unwrap_or(&[])
    {
        let suffix = match entry.key.as_str() {
            "WantedBy" => "wants",
            "RequiredBy" => "requires",
            "UpheldBy" => "upholds",
            _ => continue,
        };
        let targets = syntax::split_words(&entry.value)
            .map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), entry.line))?;
        link_dirs.extend(targets.iter().map(|t| format!("{t}.{suffix}")));
    }
    Ok(GeneratedUnit {
        file_name: format!("{stem}.service"),
        text,
        link_dirs,
    })
}

/// Writes `unit` into `out_dir` with its `[Install]` symlinks.
pub fn write_unit(out_dir: &Path, unit: &GeneratedUnit) -> Result<()> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let path = out_dir.join(&unit.file_name);
    std::fs::write(&path, &unit.text)
        .with_context(|| format!("cannot write {}", path.display()))?;
    for dir in &unit.link_dirs {
        let dir = out_dir.join(dir);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let link = dir.join(&unit.file_name);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(Path::new("..").join(&unit.file_name), &link)
            .with_context(|| format!("cannot create symlink {}", link.display()))?;
    }
    Ok(())
}

/// The absolute paths of the programs a unit runs: this very binary, and `rm`.
pub fn programs_of_this_host() -> Result<(PathBuf, PathBuf)> {
    let engine = std::env::current_exe().context("cannot find the engine binary's own path")?;
    let rm = crate::util::proc::find_executable("rm", std::env::var_os("PATH").as_deref())
        .unwrap_or_else(|| PathBuf::from("/bin/rm"));
    Ok((engine, rm))
}

/// Generates the units of every `.container` file in `dirs`, writing them into `out_dir` (or
/// printing them, each after a `---NAME---` line, when it is `None`). Returns the number of files
/// that failed; each failure is reported on stderr and the others are still generated.
pub fn run_generator(dirs: &[PathBuf], out_dir: Option<&Path>, origin: &str) -> Result<usize> {
    let (engine, rm) = programs_of_this_host()?;
    let programs = Programs {
        engine: &engine,
        rm: &rm,
    };
    let mut failed = 0;
    for path in find_container_files(dirs)?.values() {
        let written = generate_unit(path, &programs, origin).and_then(|unit| match out_dir {
            Some(dir) => write_unit(dir, &unit),
            None => {
                println!("---{}---\n{}", unit.file_name, unit.text);
                Ok(())
            }
        });
        if let Err(e) = written {
            eprintln!("{origin}: {e:#}");
            failed += 1;
        }
    }
    Ok(failed)
}

/// `engine-user-generator NORMAL [EARLY LATE]` (or the system one), as systemd runs it.
pub fn generator_main(user: bool, args: &[std::ffi::OsString]) -> std::process::ExitCode {
    let origin = if user {
        USER_GENERATOR
    } else {
        SYSTEM_GENERATOR
    };
    let Some(normal) = args.first() else {
        eprintln!("{origin}: usage: {origin} NORMAL_DIR [EARLY_DIR LATE_DIR] (systemd runs it)");
        return std::process::ExitCode::FAILURE;
    };
    let result = Paths::from_env().and_then(|paths| {
        run_generator(&search_dirs(&paths, user), Some(Path::new(normal)), origin)
    });
    match result {
        Ok(0) => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{origin}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
