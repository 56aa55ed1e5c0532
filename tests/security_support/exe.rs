//! The CVE-2019-5736 setting: an engine binary its rootless user owns (as `cargo install` or
//! ~/bin leave it), a container whose dynamic loader runs the attacker's library in any
//! dynamically linked program started there, and the host-side checks.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::{Sandbox, env};
use crate::security_support::programs::exe_attack_library;
use crate::security_support::rootfs::Rootfs;

/// A copy of the engine binary at `~/engine`, owned by the test user, mode 0755.
pub fn user_owned_engine(sb: &Sandbox) -> PathBuf {
    let copy = sb.home().join("engine");
    fs::copy(&env().bin, &copy)
        .unwrap_or_else(|e| panic!("copying {} to {}: {e}", env().bin.display(), copy.display()));
    chown(&copy, Some(env().uid), Some(env().gid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", copy.display()));
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", copy.display()));
    copy
}

/// What the attack could change about a file: its content and its mode.
#[derive(Debug, PartialEq, Eq)]
pub struct Fingerprint {
    sha256: String,
    /// Octal, as chmod takes it.
    mode: String,
}

pub fn fingerprint(path: &Path) -> Fingerprint {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let meta = fs::metadata(path).unwrap_or_else(|e| panic!("stat {}: {e}", path.display()));
    Fingerprint {
        sha256: Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        mode: format!("{:04o}", meta.mode() & 0o7777),
    }
}

/// A busybox root filesystem holding the engine's dynamic loader and libraries (from the host,
/// so the kernel can run the engine in there), `/etc/ld.so.preload` naming the attacker's
/// library, and `/bin/evil`, a script whose interpreter is `/proc/self/exe`: the kernel
/// resolves that in the process exec'ing the script, so the engine process starting it runs
/// the engine binary again, inside the container.
pub fn attack_rootfs(sb: &Sandbox) -> Rootfs {
    let rootfs = Rootfs::busybox(sb, "attack-rootfs");
    rootfs.add_libraries_of(&env().bin);
    rootfs.copy_from_host(exe_attack_library(), "lib/exe_attack.so", 0o755);
    rootfs.file("etc/ld.so.preload", "/lib/exe_attack.so\n", 0o644);
    rootfs.file("bin/evil", "#!/proc/self/exe\n", 0o755);
    rootfs
}

/// The host PIDs of processes executing `file` (the same inode behind /proc/PID/exe).
pub fn processes_executing(file: &Path) -> Vec<i32> {
    let target = fs::metadata(file).unwrap_or_else(|e| panic!("stat {}: {e}", file.display()));
    fs::read_dir("/proc")
        .expect("listing /proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            fs::metadata(format!("/proc/{pid}/exe"))
                .is_ok_and(|exe| exe.dev() == target.dev() && exe.ino() == target.ino())
        })
        .collect()
}

/// Waits until no process executes `file`: the kernel refuses to write a file being executed
/// (ETXTBSY), which would hide a write the attacker could otherwise make.
#[track_caller]
pub fn wait_until_nothing_executes(file: &Path, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let running = processes_executing(file);
        if running.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "processes still execute {} after {timeout:?}: {running:?}",
                file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for the attacker's report `dir/result` to hold a line `done`; returns the report.
#[track_caller]
pub fn wait_for_report(dir: &Path, timeout: Duration) -> String {
    let path = dir.join("result");
    let deadline = Instant::now() + timeout;
    loop {
        let report = fs::read_to_string(&path).unwrap_or_default();
        if report.lines().any(|l| l == "done") {
            return report;
        }
        if Instant::now() > deadline {
            panic!(
                "the attacker reported no `done` in {} after {timeout:?}; it says:\n{report}",
                path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
