//! Parsing what containers print from /proc (and the host's own values to compare with).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use nix::unistd::Pid;

use crate::common::env;

/// podman's default capabilities (containers.conf `default_capabilities`): CHOWN, DAC_OVERRIDE,
/// FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, SETFCAP, as the
/// bit mask /proc/PID/status shows. No NET_RAW (bit 13), unlike docker's.
pub const PODMAN_DEFAULT_CAPS: u64 = 0x0000_0000_8004_05fb;

/// CAP_NET_RAW's bit.
pub const CAP_NET_RAW: u64 = 1 << 13;

/// Every capability the host kernel knows: bits 0..=cap_last_cap.
pub fn all_caps() -> u64 {
    let text = fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .expect("reading /proc/sys/kernel/cap_last_cap");
    let last: u32 = text.trim().parse().expect("cap_last_cap is a number");
    (1u64 << (last + 1)) - 1
}

/// The value of `Key:` in a /proc/PID/status text (exact key: `Seccomp` is not
/// `Seccomp_filters`).
#[track_caller]
pub fn status_field<'a>(status: &'a str, key: &str) -> &'a str {
    find_status_field(status, key)
        .unwrap_or_else(|| panic!("no {key:?} in /proc/self/status:\n{status}"))
}

/// Like [`status_field`], for a status that may lack the key.
pub fn find_status_field<'a>(status: &'a str, key: &str) -> Option<&'a str> {
    status.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k == key).then(|| v.trim())
    })
}

/// Asserts the capability sets (`CapEff`, `CapBnd`, ...) of a /proc/PID/status text.
#[track_caller]
pub fn assert_caps(status: &str, expected: &[(&str, u64)]) {
    for (key, mask) in expected {
        assert_eq!(
            status_field(status, key),
            format!("{mask:016x}"),
            "{key} of the container process\n{status}"
        );
    }
}

/// /proc/PID/uid_map or gid_map as `[inside, outside, count]` rows.
#[track_caller]
pub fn id_map(text: &str) -> Vec<[u64; 3]> {
    text.lines()
        .map(|line| {
            let numbers: Vec<u64> = line
                .split_whitespace()
                .map(|n| n.parse().unwrap_or_else(|e| panic!("{line:?}: {e}")))
                .collect();
            numbers
                .try_into()
                .unwrap_or_else(|_| panic!("an id map line has three numbers, not {line:?}"))
        })
        .collect()
}

/// The test user's first range in /etc/subuid or /etc/subgid: (start, count).
pub fn subordinate_range(file: &str) -> (u64, u64) {
    let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {file}: {e}"));
    let user = &env().user;
    let uid = env().uid.to_string();
    text.lines()
        .find_map(|line| {
            let mut f = line.split(':');
            let (owner, start, count) = (f.next()?, f.next()?, f.next()?);
            if owner != user.as_str() && owner != uid {
                return None;
            }
            Some((start.parse().ok()?, count.parse().ok()?))
        })
        .unwrap_or_else(|| panic!("{user} has no range in {file}"))
}

/// The interface names of a /proc/net/dev text.
pub fn interfaces(net_dev: &str) -> BTreeSet<String> {
    net_dev
        .lines()
        .skip(2) // two header lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, _)| name.trim().to_string())
        .collect()
}

/// The host's interfaces, as the test user's processes see them.
pub fn host_interfaces() -> BTreeSet<String> {
    interfaces(&fs::read_to_string("/proc/net/dev").expect("reading /proc/net/dev"))
}

/// One mount of /proc/self/mountinfo.
#[derive(Debug)]
pub struct Mount {
    pub fstype: String,
    /// Per-mount options (`ro`, `nosuid`, ...).
    pub options: Vec<String>,
    /// Filesystem options (`size=...`, `mode=...`).
    pub super_options: Vec<String>,
}

impl Mount {
    pub fn read_only(&self) -> bool {
        self.options.iter().any(|o| o == "ro")
    }
}

/// The mount visible at `target` (the last one mounted there), if any.
pub fn mount_at(mountinfo: &str, target: &str) -> Option<Mount> {
    mountinfo.lines().rev().find_map(|line| {
        // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
        let (mount_part, fs_part) = line.split_once(" - ")?;
        let fields: Vec<&str> = mount_part.split(' ').collect();
        if fields.get(4)?.replace("\\040", " ") != target {
            return None;
        }
        let mut fs_fields = fs_part.split(' ');
        let fstype = fs_fields.next()?.to_string();
        let super_options = fs_fields.nth(1).unwrap_or_default();
        let split = |s: &str| s.split(',').map(String::from).collect();
        Some(Mount {
            fstype,
            options: split(fields.get(5)?),
            super_options: split(super_options),
        })
    })
}

/// NUL-separated /proc/PID/cmdline as arguments.
pub fn cmdline(raw: &str) -> Vec<&str> {
    raw.strip_suffix('\0').unwrap_or(raw).split('\0').collect()
}

/// podman's masked paths (src/spec/defaults.rs) that exist on this host, some of each kind:
/// files masked by /dev/null, directories by an empty tmpfs.
pub fn masked_paths_on_this_host() -> Vec<&'static str> {
    let masked = [
        "/proc/kcore",
        "/proc/keys",
        "/proc/timer_list",
        "/sys/firmware",
    ];
    masked
        .into_iter()
        .filter(|p| Path::new(p).exists())
        .collect()
}

/// The host PID of the test user's process running `args` as PID 1 of its own PID namespace,
/// waiting up to `timeout` for it to appear.
pub fn container_pid_1(args: &[&str], timeout: Duration) -> Pid {
    let deadline = Instant::now() + timeout;
    loop {
        let found = fs::read_dir("/proc")
            .expect("listing /proc")
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .find(|pid| is_container_pid_1(*pid, args));
        match found {
            Some(pid) => return Pid::from_raw(pid),
            None if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            None => panic!("no process {args:?} of the test user is PID 1 of a PID namespace"),
        }
    }
}

fn is_container_pid_1(pid: i32, args: &[&str]) -> bool {
    let proc = Path::new("/proc").join(pid.to_string());
    // Either read fails when the process has gone meanwhile.
    let (Ok(raw), Ok(status)) = (
        fs::read_to_string(proc.join("cmdline")),
        fs::read_to_string(proc.join("status")),
    ) else {
        return false;
    };
    let field = |key| find_status_field(&status, key).unwrap_or_default();
    let real_uid = field("Uid").split_whitespace().next();
    let pid_in_namespace = field("NSpid").split_whitespace().last();
    cmdline(&raw) == args
        && real_uid == Some(env().uid.to_string().as_str())
        && pid_in_namespace == Some("1")
}
