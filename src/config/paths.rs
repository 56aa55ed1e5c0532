//! Where configuration, data, caches and runtime state live for the current user.
//!
//! Podman's rule, which we follow: user-level configuration under `$XDG_CONFIG_HOME/containers`
//! is consulted only when running rootless; root reads the system files under `/etc/containers`
//! and `/usr/share/containers`.

use anyhow::{Context, Result, bail};
use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Effective uid.
    pub uid: u32,
    pub home: PathBuf,
    pub config_home: PathBuf,
    pub data_home: PathBuf,
    pub cache_home: PathBuf,
    /// A directory owned by us for sockets, locks and the primary auth.json.
    pub runtime_dir: PathBuf,
    /// `uid != 0`.
    pub rootless: bool,
    /// `/etc/containers`: admin configuration.
    pub system_config_dir: PathBuf,
    /// `/usr/share/containers`: distribution defaults, overridden by `system_config_dir`.
    pub share_config_dir: PathBuf,
}

impl Paths {
    /// Resolves every path from the environment: `HOME` (else the passwd entry), the XDG base
    /// directory variables with their usual defaults, and a safe runtime directory.
    pub fn from_env() -> Result<Paths> {
        let uid = nix::unistd::geteuid().as_raw();
        let home = home_dir(uid)?;
        let runtime_dir = choose_runtime_dir(
            uid,
            std::env::var_os("XDG_RUNTIME_DIR"),
            Path::new("/run/user"),
            &temp_dir(),
        )?;
        Ok(Paths {
            uid,
            config_home: xdg_dir("XDG_CONFIG_HOME", &home, ".config"),
            data_home: xdg_dir("XDG_DATA_HOME", &home, ".local/share"),
            cache_home: xdg_dir("XDG_CACHE_HOME", &home, ".cache"),
            home,
            runtime_dir,
            // Root inside a user namespace (engine unshare) is still the rootless user.
            rootless: uid != 0 || crate::util::proc::in_user_namespace(),
            system_config_dir: PathBuf::from("/etc/containers"),
            share_config_dir: PathBuf::from("/usr/share/containers"),
        })
    }

    /// `$XDG_CONFIG_HOME/containers`, where a user's registries.conf, policy.json, etc. live.
    pub fn user_containers_dir(&self) -> PathBuf {
        self.config_home.join("containers")
    }

    /// The user configuration directory if it applies (rootless only, like podman).
    pub fn user_config_dir(&self) -> Option<PathBuf> {
        self.rootless.then(|| self.user_containers_dir())
    }

    /// A rootless `Paths` whose every directory lives under `root`, for tests.
    #[cfg(test)]
    pub(crate) fn sandbox(root: &Path) -> Paths {
        let home = root.join("home");
        Paths {
            uid: 1000,
            config_home: home.join(".config"),
            data_home: home.join(".local/share"),
            cache_home: home.join(".cache"),
            home,
            runtime_dir: root.join("run"),
            rootless: true,
            system_config_dir: root.join("etc/containers"),
            share_config_dir: root.join("usr/share/containers"),
        }
    }
}

fn home_dir(uid: u32) -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
        && home.is_absolute()
    {
        return Ok(home);
    }
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(user)) => Ok(user.dir),
        _ => bail!("cannot determine the home directory of uid {uid}: set HOME"),
    }
}

/// `$VAR` if it is an absolute path (the XDG spec says to ignore relative ones), else `home/rel`.
fn xdg_dir(var: &str, home: &Path, rel: &str) -> PathBuf {
    match std::env::var_os(var).map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => home.join(rel),
    }
}

fn temp_dir() -> PathBuf {
    match std::env::var_os("TMPDIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => PathBuf::from("/tmp"),
    }
}

/// Picks the runtime directory. `XDG_RUNTIME_DIR` often leaks through `su`/`sudo` and then
/// points at another user's directory, so it is used only if it is a directory we own; the
/// same goes for `/run/user/$UID`. The last resort is a private directory under `$TMPDIR`.
fn choose_runtime_dir(
    uid: u32,
    xdg_runtime_dir: Option<OsString>,
    run_user: &Path,
    tmp: &Path,
) -> Result<PathBuf> {
    let owned_dir = |p: &Path| fs::metadata(p).is_ok_and(|m| m.is_dir() && m.uid() == uid);
    if let Some(dir) = xdg_runtime_dir.map(PathBuf::from)
        && dir.is_absolute()
        && owned_dir(&dir)
    {
        return Ok(dir);
    }
    let per_user = run_user.join(uid.to_string());
    if owned_dir(&per_user) {
        return Ok(per_user);
    }
    let fallback = tmp.join(format!("engine-run-{uid}"));
    ensure_private_dir(&fallback, uid)?;
    Ok(fallback)
}

/// Creates `dir` with mode 0700, or accepts an existing one only if it is a real directory
/// (not a symlink) that we own: anyone can pre-create names in a shared `/tmp`.
fn ensure_private_dir(dir: &Path, uid: u32) -> Result<()> {
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(e).with_context(|| {
                format!("cannot create runtime directory {}: set XDG_RUNTIME_DIR to a directory you own", dir.display())
            });
        }
    }
    let meta = fs::symlink_metadata(dir)
        .with_context(|| format!("cannot inspect runtime directory {}", dir.display()))?;
    if !meta.is_dir() || meta.uid() != uid {
        bail!(
            "runtime directory {} is not a directory owned by uid {uid}: remove it or set XDG_RUNTIME_DIR to a directory you own",
            dir.display()
        );
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot make {} private (chmod 700)", dir.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn my_uid() -> u32 {
        nix::unistd::geteuid().as_raw()
    }

    #[test]
    fn xdg_runtime_dir_is_used_when_we_own_it() {
        let dir = tempfile::tempdir().unwrap();
        let xdg = dir.path().join("xdg");
        fs::create_dir(&xdg).unwrap();
        let got = choose_runtime_dir(
            my_uid(),
            Some(xdg.clone().into()),
            &dir.path().join("run/user"),
            dir.path(),
        )
        .unwrap();
        assert_eq!(got, xdg);
    }

    #[test]
    fn foreign_or_relative_xdg_runtime_dir_falls_back_to_tmp() {
        let dir = tempfile::tempdir().unwrap();
        // Pretend to be another uid: the directory exists but is not "ours".
        let other_uid = my_uid() + 1;
        let xdg = dir.path().join("xdg");
        fs::create_dir(&xdg).unwrap();
        let got = choose_runtime_dir(
            other_uid,
            Some(xdg.clone().into()),
            &dir.path().join("run/user"),
            dir.path(),
        )
        .unwrap();
        assert_eq!(got, dir.path().join(format!("engine-run-{other_uid}")));

        let got = choose_runtime_dir(
            my_uid(),
            Some("relative/dir".into()),
            &dir.path().join("run/user"),
            dir.path(),
        )
        .unwrap();
        assert_eq!(got, dir.path().join(format!("engine-run-{}", my_uid())));
        let mode = fs::metadata(&got).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn run_user_dir_is_second_choice() {
        let dir = tempfile::tempdir().unwrap();
        let per_user = dir.path().join("run/user").join(my_uid().to_string());
        fs::create_dir_all(&per_user).unwrap();
        let got = choose_runtime_dir(my_uid(), None, &dir.path().join("run/user"), dir.path());
        assert_eq!(got.unwrap(), per_user);
    }

    #[test]
    fn fallback_refuses_symlink_and_tightens_mode() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        fs::create_dir(&target).unwrap();
        let fallback = dir.path().join(format!("engine-run-{}", my_uid()));
        std::os::unix::fs::symlink(&target, &fallback).unwrap();
        let err = choose_runtime_dir(my_uid(), None, &dir.path().join("none"), dir.path());
        assert!(err.is_err(), "a symlink planted in /tmp must be refused");

        fs::remove_file(&fallback).unwrap();
        fs::create_dir(&fallback).unwrap();
        fs::set_permissions(&fallback, fs::Permissions::from_mode(0o755)).unwrap();
        choose_runtime_dir(my_uid(), None, &dir.path().join("none"), dir.path()).unwrap();
        assert_eq!(fs::metadata(&fallback).unwrap().mode() & 0o777, 0o700);
    }

    #[test]
    fn user_config_dir_only_when_rootless() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Paths::sandbox(dir.path());
        assert_eq!(
            paths.user_config_dir(),
            Some(dir.path().join("home/.config/containers"))
        );
        paths.rootless = false;
        assert_eq!(paths.user_config_dir(), None);
    }
}
