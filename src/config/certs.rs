//! Extra CA certificates per registry (containers-certs.d(5)): `*.crt` files in
//! `certs.d/HOST[:PORT]/` directories.

use super::Paths;
use std::fs;
use std::path::{Path, PathBuf};

/// Docker's directory, which podman honours too.
const DOCKER_CERTS_DIR: &str = "/etc/docker/certs.d";

/// The CA files to trust for `host` (`host` or `host:port`, as in the image name), from
/// `/etc/containers/certs.d`, `/etc/docker/certs.d` and, when rootless,
/// `$XDG_CONFIG_HOME/containers/certs.d`. Sorted; unreadable or missing dirs add nothing.
pub fn ca_files(paths: &Paths, host: &str) -> Vec<PathBuf> {
    let mut dirs = vec![
        paths.system_config_dir.join("certs.d"),
        PathBuf::from(DOCKER_CERTS_DIR),
    ];
    dirs.extend(paths.user_config_dir().map(|d| d.join("certs.d")));
    ca_files_in(&dirs, host)
}

pub(crate) fn ca_files_in(cert_dirs: &[PathBuf], host: &str) -> Vec<PathBuf> {
    // A host with '/' or ".." would escape the certs.d directory.
    if host.is_empty() || host.contains('/') || host == "." || host == ".." {
        return Vec::new();
    }
    let mut files: Vec<PathBuf> = cert_dirs
        .iter()
        .flat_map(|dir| crt_files(&dir.join(host)))
        .collect();
    files.sort();
    files.dedup();
    files
}

/// The `*.crt` files of one directory (`--cert-dir`), sorted.
pub fn crt_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files = crt_files(dir);
    files.sort();
    files
}

fn crt_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "crt") && p.is_file())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_crt_files_from_every_dir_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let d = |rel: &str| dir.path().join(rel);
        for file in [
            "etc/certs.d/reg.io:5000/b.crt",
            "etc/certs.d/reg.io:5000/client.cert",
            "etc/certs.d/reg.io:5000/client.key",
            "docker/certs.d/reg.io:5000/a.crt",
            "user/certs.d/reg.io:5000/c.crt",
            "user/certs.d/reg.io/other-port.crt",
        ] {
            fs::create_dir_all(d(file).parent().unwrap()).unwrap();
            fs::write(d(file), "pem").unwrap();
        }
        fs::create_dir_all(d("etc/certs.d/reg.io:5000/dir.crt")).unwrap();
        let dirs = [
            d("etc/certs.d"),
            d("docker/certs.d"),
            d("user/certs.d"),
            d("missing"),
        ];
        let found = ca_files_in(&dirs, "reg.io:5000");
        assert_eq!(
            found,
            [
                d("docker/certs.d/reg.io:5000/a.crt"),
                d("etc/certs.d/reg.io:5000/b.crt"),
                d("user/certs.d/reg.io:5000/c.crt"),
            ]
        );
        assert!(ca_files_in(&dirs, "..").is_empty());
        assert!(ca_files_in(&dirs, "a/../../x").is_empty());
    }

    #[test]
    fn uses_paths() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::sandbox(dir.path());
        let user = paths.user_containers_dir().join("certs.d/my.reg");
        fs::create_dir_all(&user).unwrap();
        fs::write(user.join("ca.crt"), "pem").unwrap();
        let sys = paths.system_config_dir.join("certs.d/my.reg");
        fs::create_dir_all(&sys).unwrap();
        fs::write(sys.join("sys.crt"), "pem").unwrap();
        assert_eq!(
            ca_files(&paths, "my.reg"),
            [sys.join("sys.crt"), user.join("ca.crt")]
        );
    }
}
