//! Reading the host: each fact from the file or program that holds it, never guessed. Every
//! reader takes its path so the tests can point it at files of their own.

use std::collections::BTreeMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::checks::{Device, Privilege, UsernsKnobs};

/// The `KEY=VALUE` pairs of an os-release(5) file, values unquoted.
pub fn os_release(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| {
            let value = value.trim();
            let unquoted = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            (key.trim().to_string(), unquoted.to_string())
        })
        .collect()
}

/// The first ID after every range in the subordinate ID `files` (of any user), at least 100000
/// and aligned to 65536: a range there collides with no one.
pub fn free_subid_start(files: &[&Path]) -> u64 {
    let mut end: u64 = 100_000;
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split(':').collect();
            if let [_, start, count] = fields[..]
                && let (Ok(start), Ok(count)) = (start.parse::<u64>(), count.parse::<u64>())
            {
                end = end.max(start + count);
            }
        }
    }
    end.div_ceil(65536) * 65536
}

/// How the ID-mapping helper at `path` gets the privilege to write ID maps: setuid root, or a
/// `security.capability` xattr granting `cap` (CAP_SETUID = 7, CAP_SETGID = 6) effectively.
pub fn privilege(path: &Path, cap: u32) -> Privilege {
    let Ok(meta) = path.metadata() else {
        return Privilege::None;
    };
    if meta.uid() == 0 && meta.mode() & libc::S_ISUID != 0 {
        return Privilege::SetuidRoot;
    }
    let mut buf = [0u8; 24];
    match rustix::fs::getxattr(path, "security.capability", &mut buf) {
        Ok(len) if file_caps_grant(&buf[..len], cap) => Privilege::FileCapabilities,
        _ => Privilege::None,
    }
}

/// Whether a `vfs_cap_data` xattr value (capability(7), "File capability extended attribute
/// versioning") has `cap` in its permitted set and the effective bit set.
pub fn file_caps_grant(data: &[u8], cap: u32) -> bool {
    let word = |i: usize| {
        data.get(i * 4..i * 4 + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    const VFS_CAP_FLAGS_EFFECTIVE: u32 = 1;
    let (Some(magic), Some(permitted_low)) = (word(0), word(1)) else {
        return false;
    };
    cap < 32 && magic & VFS_CAP_FLAGS_EFFECTIVE != 0 && permitted_low & (1 << cap) != 0
}

/// Whether this user can open the character device `path` read-write.
pub fn device(path: &Path) -> Device {
    match path.metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Device::Missing,
        Err(e) => Device::Unusable(e.to_string()),
        Ok(meta) if !meta.file_type().is_char_device() => {
            Device::Unusable("not a character device".into())
        }
        Ok(_) => match nix::unistd::access(
            path,
            nix::unistd::AccessFlags::R_OK | nix::unistd::AccessFlags::W_OK,
        ) {
            Ok(()) => Device::Usable,
            Err(errno) => Device::Unusable(errno.desc().to_lowercase()),
        },
    }
}

/// The user-namespace knobs under `proc_sys` (normally `/proc/sys`).
pub fn userns_knobs(proc_sys: &Path) -> UsernsKnobs {
    let read = |rel: &str| {
        std::fs::read_to_string(proc_sys.join(rel))
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
    };
    UsernsKnobs {
        unprivileged_clone: read("kernel/unprivileged_userns_clone").map(|v| v != 0),
        max_user_namespaces: read("user/max_user_namespaces"),
        apparmor_restrict: read("kernel/apparmor_restrict_unprivileged_userns").map(|v| v != 0),
    }
}

/// The propagation of the `/` mount in a mountinfo(5) text: `shared`, `slave` or `private`.
pub fn root_propagation(mountinfo: &str) -> Option<String> {
    // The last line mounted on / is the one in effect.
    let line = mountinfo
        .lines()
        .rfind(|l| l.split_whitespace().nth(4) == Some("/"))?;
    // Optional fields (6th on) run up to the "-" separator.
    let optional: Vec<&str> = line
        .split_whitespace()
        .skip(6)
        .take_while(|f| *f != "-")
        .collect();
    Some(if optional.iter().any(|f| f.starts_with("shared:")) {
        "shared".into()
    } else if optional.iter().any(|f| f.starts_with("master:")) {
        "slave".into()
    } else {
        "private".into()
    })
}

/// The line of `program --version` that names the program (fuse-overlayfs prints its FUSE
/// library's version first), else the first line; empty when it prints nothing.
pub fn version_of(program: &Path) -> String {
    let name = program
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .map(|out| {
            let text = String::from_utf8_lossy(&out.stdout);
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let first = lines.clone().next().unwrap_or_default();
            lines
                .find(|l| l.contains(&name))
                .unwrap_or(first)
                .to_string()
        })
        .unwrap_or_default()
}

/// `v2` for the unified hierarchy, `v1` for the legacy one, by the filesystem at `path`.
pub fn cgroup_version(path: &Path) -> &'static str {
    const CGROUP2_SUPER_MAGIC: u64 = 0x6367_7270;
    const TMPFS_MAGIC: u64 = 0x0102_1994;
    match rustix::fs::statfs(path) {
        Ok(fs) if fs.f_type as u64 == CGROUP2_SUPER_MAGIC => "v2",
        Ok(fs) if fs.f_type as u64 == TMPFS_MAGIC => "v1",
        _ => "none",
    }
}

/// A program from `$PATH` (or /usr/bin).
pub fn find(program: &str) -> Option<PathBuf> {
    crate::util::proc::find_executable(program, std::env::var_os("PATH").as_deref())
}

/// Total memory in bytes, from /proc/meminfo.
pub fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn os_release_values_are_unquoted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("os-release");
        std::fs::write(
            &path,
            "ID=debian\nVERSION_ID=\"12\"\nNAME='Debian GNU/Linux'\n# x\n",
        )
        .unwrap();
        let release = os_release(&path);
        assert_eq!(release["ID"], "debian");
        assert_eq!(release["VERSION_ID"], "12");
        assert_eq!(release["NAME"], "Debian GNU/Linux");
        assert!(os_release(&dir.path().join("missing")).is_empty());
    }

    #[test]
    fn free_range_starts_after_every_user_and_is_aligned() {
        let dir = tempfile::tempdir().unwrap();
        let (uids, gids) = (dir.path().join("subuid"), dir.path().join("subgid"));
        assert_eq!(free_subid_start(&[&uids, &gids]), 131072);
        std::fs::write(
            &uids,
            "alice:100000:65536\n# bob:900000:1\nbob:165536:65536\n",
        )
        .unwrap();
        std::fs::write(&gids, "carol:300000:10\nbroken line\n").unwrap();
        assert_eq!(free_subid_start(&[&uids, &gids]), 327680);
    }

    #[test]
    fn privilege_of_setuid_and_capability_helpers() {
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("newuidmap");
        std::fs::write(&tool, "").unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(privilege(&tool, 7), Privilege::None);
        assert_eq!(privilege(&dir.path().join("missing"), 7), Privilege::None);
        // Setuid counts only for a root-owned file.
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o4755)).unwrap();
        let owner_is_root = tool.metadata().unwrap().uid() == 0;
        let expected = if owner_is_root {
            Privilege::SetuidRoot
        } else {
            Privilege::None
        };
        assert_eq!(privilege(&tool, 7), expected);
    }

    #[test]
    fn file_capability_data_is_decoded() {
        // VFS_CAP_REVISION_2 | effective, permitted = CAP_SETUID (bit 7).
        let mut data = Vec::new();
        for word in [0x0200_0001u32, 1 << 7, 0, 0, 0] {
            data.extend_from_slice(&word.to_le_bytes());
        }
        assert!(file_caps_grant(&data, 7));
        assert!(!file_caps_grant(&data, 6), "CAP_SETGID is not granted");
        data[0] = 0; // not effective
        assert!(!file_caps_grant(&data, 7));
        assert!(!file_caps_grant(&[1, 0], 7), "truncated data");
    }

    #[test]
    fn devices() {
        assert_eq!(device(Path::new("/dev/null")), Device::Usable);
        assert_eq!(device(Path::new("/dev/no-such-device")), Device::Missing);
        let file = tempfile::NamedTempFile::new().unwrap();
        assert_eq!(
            device(file.path()),
            Device::Unusable("not a character device".into())
        );
    }

    #[test]
    fn userns_knobs_from_proc_sys() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(userns_knobs(dir.path()), UsernsKnobs::default());
        std::fs::create_dir_all(dir.path().join("kernel")).unwrap();
        std::fs::create_dir_all(dir.path().join("user")).unwrap();
        std::fs::write(dir.path().join("kernel/unprivileged_userns_clone"), "0\n").unwrap();
        std::fs::write(dir.path().join("user/max_user_namespaces"), "15000\n").unwrap();
        let knobs = userns_knobs(dir.path());
        assert_eq!(knobs.unprivileged_clone, Some(false));
        assert_eq!(knobs.max_user_namespaces, Some(15000));
        assert_eq!(knobs.apparmor_restrict, None);
    }

    #[test]
    fn propagation_of_the_root_mount() {
        let shared = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n\
                      30 22 0:5 / /dev rw shared:2 - devtmpfs udev rw\n";
        assert_eq!(root_propagation(shared).as_deref(), Some("shared"));
        let private = "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n";
        assert_eq!(root_propagation(private).as_deref(), Some("private"));
        let slave = "22 1 8:1 / / rw master:3 - ext4 /dev/sda1 rw\n";
        assert_eq!(root_propagation(slave).as_deref(), Some("slave"));
        assert_eq!(
            root_propagation("30 22 0:5 / /dev rw - devtmpfs udev rw\n"),
            None
        );
    }

    #[test]
    fn meminfo_total() {
        assert_eq!(
            mem_total("MemTotal:       1000 kB\nMemFree: 1 kB\n"),
            Some(1_024_000)
        );
        assert_eq!(mem_total("nothing"), None);
    }
}
