//! podman's defaults for what every container gets: kernel filesystems, masked and read-only
//! paths, resource limits, the init binary.

use anyhow::Result;
use oci_spec::runtime::{LinuxIdMapping, Mount, MountBuilder};

/// Host information leaks and kernel knobs hidden from the container (bind of /dev/null or an
/// empty read-only tmpfs). `powercap` exposes energy counters usable as a side channel (PLATYPUS).
pub const MASKED_PATHS: [&str; 13] = [
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/interrupts",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/sys/dev/block",
    "/sys/devices/virtual/powercap",
];

/// Kernel interfaces that stay visible but read-only.
pub const READONLY_PATHS: [&str; 6] = [
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// podman's default NOFILE and NPROC (soft = hard), lowered to the caller's hard limit when
/// rootless because a user namespace cannot raise it.
pub const DEFAULT_NOFILE: u64 = 1_048_576;
pub const DEFAULT_NPROC: u64 = 4_194_304;

/// Where the init binary is looked for when neither `--init-path` nor containers.conf names one.
pub const INIT_SEARCH_PATHS: [&str; 3] = [
    "/usr/libexec/podman/catatonit",
    "/usr/bin/catatonit",
    "/usr/local/bin/catatonit",
];

/// Where `--init` puts the init binary inside the container (podman uses /run/podman-init).
pub const INIT_DESTINATION: &str = "/run/engine-init";

/// containers.conf's `shm_size` default.
pub const SHM_SIZE: &str = "size=65536k";

/// Builds one mount entry; `source` is a path for binds and a label ("proc", "tmpfs") otherwise.
pub fn mount(destination: &str, typ: &str, source: &str, options: &[&str]) -> Result<Mount> {
    Ok(MountBuilder::default()
        .destination(destination)
        .typ(typ)
        .source(source)
        .options(options.iter().map(|o| o.to_string()).collect::<Vec<_>>())
        .build()?)
}

/// How the kernel filesystems of the container are set up.
pub struct KernelMounts {
    /// A user namespace is created (rootless, or `--userns` other than host).
    pub user_namespace: bool,
    /// The network namespace is the host's.
    pub host_network: bool,
    pub rootless: bool,
    pub privileged: bool,
    /// The container's GID map; `gid=5` (tty) on /dev/pts only works if GID 5 is mapped.
    pub gid_mappings: Vec<LinuxIdMapping>,
}

impl KernelMounts {
    /// A fresh sysfs needs a network namespace owned by the container's user namespace; with
    /// the host's network only a read-only bind of the host's /sys is possible (podman's rule).
    pub fn can_mount_sysfs(&self) -> bool {
        !(self.host_network && self.user_namespace)
    }

    /// Extra masked paths: with a bound host /sys, rootless containers must not see /sys/kernel.
    pub fn extra_masked_paths(&self) -> Vec<&'static str> {
        if !self.can_mount_sysfs() && self.rootless && !self.privileged {
            vec!["/sys/kernel"]
        } else {
            Vec::new()
        }
    }

    pub fn mounts(&self) -> Result<Vec<Mount>> {
        let rw = if self.privileged { "rw" } else { "ro" };
        let mut pts = vec![
            "nosuid",
            "noexec",
            "newinstance",
            "ptmxmode=0666",
            "mode=0620",
        ];
        if !self.user_namespace || self.gid_mapped(5) {
            pts.push("gid=5");
        }
        let mut mounts = vec![
            mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"])?,
            mount(
                "/dev",
                "tmpfs",
                "tmpfs",
                &["nosuid", "strictatime", "mode=755", "size=65536k"],
            )?,
            mount("/dev/pts", "devpts", "devpts", &pts)?,
            mount(
                "/dev/shm",
                "tmpfs",
                "shm",
                &["nosuid", "noexec", "nodev", "mode=1777", SHM_SIZE],
            )?,
            mount(
                "/dev/mqueue",
                "mqueue",
                "mqueue",
                &["nosuid", "noexec", "nodev"],
            )?,
        ];
        if self.can_mount_sysfs() {
            mounts.push(mount(
                "/sys",
                "sysfs",
                "sysfs",
                &["nosuid", "noexec", "nodev", rw],
            )?);
            let cgroup = ["rprivate", "nosuid", "noexec", "nodev", "relatime", rw];
            mounts.push(mount("/sys/fs/cgroup", "cgroup", "cgroup", &cgroup)?);
        } else {
            let bind = ["rprivate", "nosuid", "noexec", "nodev", rw, "rbind"];
            mounts.push(mount("/sys", "bind", "/sys", &bind)?);
            mounts.push(mount("/sys/fs/cgroup", "bind", "/sys/fs/cgroup", &bind)?);
        }
        Ok(mounts)
    }

    fn gid_mapped(&self, gid: u32) -> bool {
        self.gid_mappings.iter().any(|m| {
            let start = m.container_id();
            gid >= start && u64::from(gid) < u64::from(start) + u64::from(m.size())
        })
    }
}
