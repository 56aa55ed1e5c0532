//! Root filesystems for `engine run --rootfs`, built in a sandbox and owned by the test user
//! (root in the container): a host path owned by another id would be unmapped there.

use std::fs;
use std::os::unix::fs::{PermissionsExt, lchown, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Sandbox, env};
use crate::security_support::programs::probe;

pub struct Rootfs {
    root: PathBuf,
}

impl Rootfs {
    /// `~/NAME` with busybox-static as /bin/busybox and every applet linked to it, the probe as
    /// /bin/probe, and empty /etc, /tmp, /mnt and /signal (a mount point for the test's
    /// channel with the container).
    pub fn busybox(sb: &Sandbox, name: &str) -> Rootfs {
        let rootfs = Rootfs {
            root: sb.home().join(name),
        };
        rootfs.dir("");
        for dir in ["etc", "tmp", "mnt", "signal"] {
            rootfs.dir(dir);
        }
        rootfs.copy_from_host(Path::new("/bin/busybox"), "bin/busybox", 0o755);
        let list = Command::new("/bin/busybox")
            .arg("--list")
            .output()
            .expect("running /bin/busybox --list (busybox-static)");
        for applet in String::from_utf8_lossy(&list.stdout).lines() {
            if applet != "busybox" {
                rootfs.symlink(&format!("bin/{applet}"), "busybox");
            }
        }
        rootfs.copy_from_host(probe(), "bin/probe", 0o755);
        rootfs
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The path as an argument.
    pub fn arg(&self) -> &str {
        self.root.to_str().expect("a UTF-8 path")
    }

    /// A directory (and its missing parents) at `rel`.
    pub fn dir(&self, rel: &str) {
        let path = self.root.join(rel);
        fs::create_dir_all(&path).unwrap_or_else(|e| panic!("mkdir {}: {e}", path.display()));
        self.give_to_user_up_to(&path);
    }

    /// A file at `rel` with `contents` and `mode` (chmod'ed after the chown, so setuid stays).
    pub fn file(&self, rel: &str, contents: impl AsRef<[u8]>, mode: u32) {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            self.dir(
                parent
                    .strip_prefix(&self.root)
                    .expect("below the root")
                    .to_str()
                    .unwrap(),
            );
        }
        fs::write(&path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        self.give_to_user_up_to(&path);
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
    }

    /// A copy of the host's file `host` at `rel`.
    pub fn copy_from_host(&self, host: &Path, rel: &str, mode: u32) {
        let contents = fs::read(host).unwrap_or_else(|e| panic!("reading {}: {e}", host.display()));
        self.file(rel, contents, mode);
    }

    /// A symbolic link at `rel` pointing to `target`, which may lead anywhere.
    pub fn symlink(&self, rel: &str, target: impl AsRef<Path>) {
        let path = self.root.join(rel);
        symlink(target.as_ref(), &path)
            .unwrap_or_else(|e| panic!("symlink {}: {e}", path.display()));
        self.give_to_user_up_to(&path);
    }

    /// The dynamic loader and the shared libraries `program` links, at their host paths, so
    /// the program runs in the container (as `ldd` lists them).
    pub fn add_libraries_of(&self, program: &Path) {
        let ldd = Command::new("ldd")
            .arg(program)
            .output()
            .unwrap_or_else(|e| panic!("running ldd {}: {e}", program.display()));
        let listing = String::from_utf8_lossy(&ldd.stdout);
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux... (0x...)"
        let libraries: Vec<&str> = listing
            .split_whitespace()
            .filter(|word| word.starts_with('/'))
            .collect();
        assert!(
            libraries.iter().any(|l| l.contains("libc.so")),
            "ldd {} lists no libc:\n{listing}",
            program.display()
        );
        for library in libraries {
            let rel = library.trim_start_matches('/');
            self.copy_from_host(Path::new(library), rel, 0o755);
        }
    }

    /// Owner and group to the test user, for `path` and each directory between it and the root.
    fn give_to_user_up_to(&self, path: &Path) {
        let mut current = Some(path);
        while let Some(p) = current {
            lchown(p, Some(env().uid), Some(env().gid))
                .unwrap_or_else(|e| panic!("chown {}: {e}", p.display()));
            if p == self.root {
                break;
            }
            current = p.parent();
        }
    }
}
