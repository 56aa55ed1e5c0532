//! A fresh home for one test, owned by the test user, as a login would give it.

use std::fs;
use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Out, UserCommand, env};

/// `$ENGINE_TEST_WORK/homes/<test>.<pid>.<n>` with the XDG directories inside, a policy.json
/// accepting anything, a registries.conf that searches and trusts the plain registry, and the
/// test CA in certs.d for the TLS registry. Removed on drop unless ENGINE_TEST_KEEP is set.
pub struct Sandbox {
    home: PathBuf,
}

const POLICY_JSON: &str = r#"{"default": [{"type": "insecureAcceptAnything"}]}"#;

impl Sandbox {
    pub fn new() -> Sandbox {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let home =
            env()
                .work
                .join("homes")
                .join(format!("{}.{}.{n}", test_name(), std::process::id()));
        if home.exists() {
            fs::remove_dir_all(&home)
                .unwrap_or_else(|e| panic!("removing {}: {e}", home.display()));
        }
        let sandbox = Sandbox { home };
        sandbox.make_dir(&sandbox.home);
        for dir in [".config", ".local", ".local/share", ".cache", "run"] {
            sandbox.make_dir(&sandbox.home.join(dir));
        }
        sandbox.write_file(".config/containers/policy.json", POLICY_JSON);
        let registry = &env().registry;
        sandbox.registries_conf(&format!(
            "unqualified-search-registries = [\"{registry}\"]\n\n\
             [[registry]]\nlocation = \"{registry}\"\ninsecure = true\n"
        ));
        let ca =
            fs::read(&env().ca).unwrap_or_else(|e| panic!("reading {}: {e}", env().ca.display()));
        let port = env().tls_registry.rsplit(':').next().unwrap_or_default();
        for host in [env().tls_registry.clone(), format!("localhost:{port}")] {
            sandbox.write_file(&format!(".config/containers/certs.d/{host}/ca.crt"), &ca);
        }
        sandbox
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// XDG_CONFIG_HOME
    pub fn config_dir(&self) -> PathBuf {
        self.home.join(".config")
    }

    /// XDG_DATA_HOME; the engine's rootless store is `data_dir()/engine`.
    pub fn data_dir(&self) -> PathBuf {
        self.home.join(".local/share")
    }

    /// XDG_CACHE_HOME
    pub fn cache_dir(&self) -> PathBuf {
        self.home.join(".cache")
    }

    /// XDG_RUNTIME_DIR (mode 0700, owned by the test user)
    pub fn runtime_dir(&self) -> PathBuf {
        self.home.join("run")
    }

    /// Writes `contents` to `rel` (relative to the home), mode 0644, creating the missing
    /// directories; all of it owned by the test user. Returns the absolute path.
    pub fn write_file(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        self.write_file_mode(rel, contents, 0o644)
    }

    pub fn write_file_mode(&self, rel: &str, contents: impl AsRef<[u8]>, mode: u32) -> PathBuf {
        assert!(
            !rel.starts_with('/'),
            "write_file takes a path relative to the home, not {rel:?}"
        );
        let path = self.home.join(rel);
        if let Some(parent) = path.parent() {
            self.make_dirs_below_home(parent);
        }
        fs::write(&path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        self.give_to_user(&path, mode);
        path
    }

    /// Replaces ~/.config/containers/registries.conf.
    pub fn registries_conf(&self, toml: &str) -> PathBuf {
        self.write_file(".config/containers/registries.conf", toml)
    }

    /// The environment a login of the test user would have (nothing from the test process).
    pub fn user_env(&self) -> Vec<(String, String)> {
        let home = self.home.display().to_string();
        let user = env().user.clone();
        vec![
            ("HOME".into(), home.clone()),
            ("USER".into(), user.clone()),
            ("LOGNAME".into(), user),
            ("PATH".into(), "/usr/sbin:/usr/bin:/sbin:/bin".into()),
            ("XDG_CONFIG_HOME".into(), format!("{home}/.config")),
            ("XDG_DATA_HOME".into(), format!("{home}/.local/share")),
            ("XDG_CACHE_HOME".into(), format!("{home}/.cache")),
            ("XDG_RUNTIME_DIR".into(), format!("{home}/run")),
        ]
    }

    /// `engine args` as the test user, for adding env, stdin or a timeout before `.run()`.
    pub fn engine_cmd(&self, args: &[&str]) -> UserCommand {
        UserCommand::new(&env().bin, args, &self.user_env(), &self.home)
    }

    /// Runs `engine args` as the test user (stdin /dev/null, 120 s timeout).
    pub fn engine(&self, args: &[&str]) -> Out {
        self.engine_cmd(args).run()
    }

    pub fn engine_with_stdin(&self, args: &[&str], stdin: impl Into<Vec<u8>>) -> Out {
        self.engine_cmd(args).stdin(stdin).run()
    }

    /// Starts `engine args` and returns at once; the child is the engine process itself.
    pub fn engine_spawn(&self, args: &[&str]) -> Child {
        self.engine_cmd(args).spawn()
    }

    /// Any program as the test user, in the home, with `user_env()`.
    pub fn user_cmd(&self, program: &str, args: &[&str]) -> UserCommand {
        UserCommand::new(Path::new(program), args, &self.user_env(), &self.home)
    }

    /// Runs a /bin/sh script as the test user, in the home, with `user_env()`.
    pub fn sh_as_user(&self, script: &str) -> Out {
        self.user_cmd("/bin/sh", &["-c", script]).run()
    }

    fn make_dir(&self, dir: &Path) {
        if let Err(e) = fs::create_dir(dir)
            && e.kind() != std::io::ErrorKind::AlreadyExists
        {
            panic!("creating {}: {e}", dir.display());
        }
        // 0700 like a login's home and XDG_RUNTIME_DIR; the engine may rely on it.
        self.give_to_user(dir, 0o700);
    }

    fn make_dirs_below_home(&self, dir: &Path) {
        let rel = dir
            .strip_prefix(&self.home)
            .unwrap_or_else(|_| panic!("{} is outside the home", dir.display()));
        let mut current = self.home.clone();
        for part in rel.components() {
            current.push(part);
            if !current.is_dir() {
                self.make_dir(&current);
            }
        }
    }

    fn give_to_user(&self, path: &Path, mode: u32) {
        chown(path, Some(env().uid), Some(env().gid))
            .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        kill_processes_of(&self.home);
        if std::env::var_os("ENGINE_TEST_KEEP").is_some() {
            eprintln!("ENGINE_TEST_KEEP: kept {}", self.home.display());
            return;
        }
        if let Err(e) = fs::remove_dir_all(&self.home) {
            eprintln!("warning: could not remove {}: {e}", self.home.display());
        }
    }
}

/// The running test's name (libtest names each test's thread after it), shortened for paths:
/// the home holds XDG_RUNTIME_DIR, where sockets must fit in 108 bytes.
fn test_name() -> String {
    let thread = std::thread::current();
    let full = thread.name().unwrap_or("test");
    let last = full.rsplit("::").next().unwrap_or(full);
    last.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(24)
        .collect()
}

/// Kills what a test left running in this sandbox: processes whose HOME is `home`.
fn kill_processes_of(home: &Path) {
    let marker = format!("HOME={}", home.display()).into_bytes();
    let Ok(entries) = fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        let Ok(environ) = fs::read(entry.path().join("environ")) else {
            continue;
        };
        if environ
            .split(|&b| b == 0)
            .any(|var| var == marker.as_slice())
        {
            // SAFETY: plain syscall; the pid was running as this sandbox's user a moment ago.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}
