//! A [`Syscalls`] that records each call as one readable line, with injectable failures and a
//! pretend file system for `kind` and `mount_flags`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use nix::mount::MsFlags;

use crate::runtime::builtin::syscalls::{DetachedRoot, DeviceNode, FileKind, Syscalls, Target};

#[derive(Default)]
pub(crate) struct Recorder {
    calls: RefCell<Vec<String>>,
    /// What `kind` answers, by target key (`/sys`, `rootfs:/etc`); absent = missing.
    existing: HashMap<String, FileKind>,
    /// `mount_flags` answers, by target key; absent = no flags.
    mount_flags: HashMap<String, MsFlags>,
    /// Calls whose line starts with the prefix fail with the errno.
    failures: Vec<(String, i32)>,
    pub cgroup2: bool,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    pub fn exists(mut self, key: &str, kind: FileKind) -> Recorder {
        self.existing.insert(key.to_string(), kind);
        self
    }

    pub fn with_flags(mut self, key: &str, flags: MsFlags) -> Recorder {
        self.mount_flags.insert(key.to_string(), flags);
        self
    }

    pub fn failing(mut self, prefix: &str, errno: i32) -> Recorder {
        self.failures.push((prefix.to_string(), errno));
        self
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }

    /// Only the mount lines.
    pub fn mounts(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| c.starts_with("mount "))
            .collect()
    }

    fn record(&self, line: String) -> io::Result<()> {
        let failure = self
            .failures
            .iter()
            .find(|(prefix, _)| line.starts_with(prefix.as_str()));
        self.calls.borrow_mut().push(line);
        match failure {
            Some((_, errno)) => Err(io::Error::from_raw_os_error(*errno)),
            None => Ok(()),
        }
    }
}

pub(crate) fn key(target: Target) -> String {
    match target {
        Target::Path(path) => path.display().to_string(),
        Target::Rootfs(path) => format!("rootfs:{}", path.display()),
    }
}

/// `BIND|REC|RDONLY`-style names, in a fixed order.
pub(crate) fn flag_names(flags: MsFlags) -> String {
    let names = [
        (MsFlags::MS_BIND, "BIND"),
        (MsFlags::MS_REMOUNT, "REMOUNT"),
        (MsFlags::MS_REC, "REC"),
        (MsFlags::MS_PRIVATE, "PRIVATE"),
        (MsFlags::MS_SLAVE, "SLAVE"),
        (MsFlags::MS_SHARED, "SHARED"),
        (MsFlags::MS_UNBINDABLE, "UNBINDABLE"),
        (MsFlags::MS_RDONLY, "RDONLY"),
        (MsFlags::MS_NOSUID, "NOSUID"),
        (MsFlags::MS_NODEV, "NODEV"),
        (MsFlags::MS_NOEXEC, "NOEXEC"),
        (MsFlags::MS_RELATIME, "RELATIME"),
        (MsFlags::MS_STRICTATIME, "STRICTATIME"),
    ];
    let listed: Vec<&str> = names
        .iter()
        .filter(|(f, _)| flags.contains(*f))
        .map(|(_, n)| *n)
        .collect();
    if listed.is_empty() {
        "0".to_string()
    } else {
        listed.join("|")
    }
}

fn or_dash<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

impl Syscalls for Recorder {
    fn mount(
        &self,
        source: Option<&Path>,
        target: Target,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> io::Result<()> {
        self.record(format!(
            "mount {} {} {} {} {}",
            or_dash(source.map(Path::display)),
            key(target),
            or_dash(fstype),
            flag_names(flags),
            or_dash(data)
        ))
    }

    fn mount_flags(&self, target: Target) -> io::Result<MsFlags> {
        Ok(self
            .mount_flags
            .get(&key(target))
            .copied()
            .unwrap_or(MsFlags::empty()))
    }

    fn kind(&self, target: Target) -> io::Result<Option<FileKind>> {
        Ok(self.existing.get(&key(target)).copied())
    }

    fn set_rootfs(&self, rootfs: &Path) -> io::Result<()> {
        self.record(format!("set_rootfs {}", rootfs.display()))
    }

    fn attach_root(&self, root: &DetachedRoot, dir: &Path) -> io::Result<()> {
        self.record(format!("attach_root {root} on {}", dir.display()))
    }

    fn create_dir(&self, dest: &Path) -> io::Result<()> {
        self.record(format!("mkdir rootfs:{}", dest.display()))
    }

    fn create_file(&self, dest: &Path) -> io::Result<()> {
        self.record(format!("touch rootfs:{}", dest.display()))
    }

    fn symlink(&self, points_to: &Path, link: &Path) -> io::Result<()> {
        self.record(format!(
            "symlink rootfs:{} -> {}",
            link.display(),
            points_to.display()
        ))
    }

    fn mknod(&self, node: &DeviceNode) -> io::Result<()> {
        let kind = if node.file_type == libc::S_IFBLK {
            "b"
        } else {
            "c"
        };
        self.record(format!(
            "mknod rootfs:{} {kind} {}:{} {:o} {}:{}",
            node.path.display(),
            node.major,
            node.minor,
            node.mode,
            node.uid,
            node.gid
        ))
    }

    fn open_dirs(&self, dirs: &[PathBuf]) -> io::Result<Vec<OwnedFd>> {
        self.record(format!("open_dirs {}", dirs.len()))?;
        dirs.iter()
            .map(|_| std::fs::File::open("/").map(OwnedFd::from))
            .collect()
    }

    fn chdir(&self, dir: &Path) -> io::Result<()> {
        self.record(format!("chdir {}", dir.display()))
    }

    fn fuse_overlayfs(&self, options: &str, target: &Path) -> io::Result<()> {
        self.record(format!("fuse-overlayfs -o {options} {}", target.display()))
    }

    fn mount_with_copy_up(
        &self,
        dest: &Path,
        mount: &dyn Fn() -> io::Result<()>,
    ) -> io::Result<()> {
        self.record(format!("copy-up begin rootfs:{}", dest.display()))?;
        mount()?;
        self.record(format!("copy-up end rootfs:{}", dest.display()))
    }

    fn pivot_root(&self, new_root: &Path) -> io::Result<()> {
        self.record(format!("pivot_root {}", new_root.display()))
    }

    fn is_cgroup2(&self, _path: &Path) -> bool {
        self.cgroup2
    }

    fn stdin_path(&self) -> io::Result<PathBuf> {
        Ok(PathBuf::from("/dev/pts/7"))
    }

    fn write_file(&self, path: &Path, value: &str) -> io::Result<()> {
        self.record(format!("write {} {value}", path.display()))
    }
}
