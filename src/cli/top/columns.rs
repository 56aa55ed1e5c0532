//! The values of `top`'s columns for one process, as psgo prints them.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use chrono::{DateTime, TimeDelta, Utc};
use oci_spec::runtime::LinuxIdMapping;

use crate::cli::timefmt;
use crate::container::isolation::{decode_caps, status_field};
use crate::container::top::{ProcessInfo, id_names, to_container_id};

/// How the container sees IDs: its mappings, and names from its /etc/passwd and /etc/group.
pub struct ContainerView {
    pub uid_maps: Vec<LinuxIdMapping>,
    pub gid_maps: Vec<LinuxIdMapping>,
    pub users: HashMap<u32, String>,
    pub groups: HashMap<u32, String>,
}

impl ContainerView {
    /// The name inside the container, else the container ID, else the host ID in parentheses
    /// (an ID the container cannot see).
    fn name(&self, host_id: u32, maps: &[LinuxIdMapping], names: &HashMap<u32, String>) -> String {
        match to_container_id(host_id, maps) {
            Some(id) => names.get(&id).cloned().unwrap_or_else(|| id.to_string()),
            None => format!("({host_id})"),
        }
    }
}

/// The container's /etc/passwd or /etc/group through PID 1's root, resolved inside that root
/// (the container's symlinks cannot point the engine at a host file, a FIFO or /dev/zero);
/// unreadable when PID 1 runs as another uid, and then IDs are shown as numbers.
pub fn read_names(init_pid: u32, file: &str) -> HashMap<u32, String> {
    /// Far more than any real account file.
    const MAX_ACCOUNTS_FILE: u64 = 16 << 20;
    let Ok(root) = rustix::fs::open(
        format!("/proc/{init_pid}/root"),
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    ) else {
        return HashMap::new();
    };
    let rel = format!("etc/{file}");
    crate::util::fs::read_in_root(std::os::fd::AsFd::as_fd(&root), &rel, MAX_ACCOUNTS_FILE)
        .map(|bytes| id_names(&String::from_utf8_lossy(&bytes)))
        .unwrap_or_default()
}

/// What the time columns need: now, the boot time and the clock tick.
pub struct Clock {
    now: DateTime<Utc>,
    boot: DateTime<Utc>,
    ticks_per_second: u64,
}

impl Clock {
    pub fn now() -> Result<Clock> {
        let stat = std::fs::read_to_string("/proc/stat")?;
        let boot = stat
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or_else(|| anyhow!("/proc/stat has no btime line"))?;
        // SAFETY: sysconf only reads a configuration value.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        Ok(Clock {
            now: Utc::now(),
            boot,
            ticks_per_second: u64::try_from(ticks).unwrap_or(100).max(1),
        })
    }

    fn started(&self, p: &ProcessInfo) -> DateTime<Utc> {
        let nanos = p.start_ticks.saturating_mul(1_000_000_000) / self.ticks_per_second;
        self.boot + TimeDelta::nanoseconds(i64::try_from(nanos).unwrap_or(i64::MAX))
    }
}

/// The text of column `descriptor` for process `p`.
pub fn cell(descriptor: &str, p: &ProcessInfo, view: &ContainerView, clock: &Clock) -> String {
    let user = |i: usize| view.name(p.host_uids[i], &view.uid_maps, &view.users);
    let group = |i: usize| view.name(p.host_gids[i], &view.gid_maps, &view.groups);
    let cpu_seconds = p.cpu_ticks as f64 / clock.ticks_per_second as f64;
    match descriptor {
        "user" => user(1),
        "ruser" => user(0),
        "group" => group(1),
        "rgroup" => group(0),
        "huser" => p.host_uids[1].to_string(),
        "hgroup" => p.host_gids[1].to_string(),
        "pid" => p.pid.to_string(),
        "ppid" => p.ppid.to_string(),
        "hpid" => p.host_pid.to_string(),
        "pgid" => p.pgid.to_string(),
        "pcpu" => {
            let elapsed = (clock.now - clock.started(p)).as_seconds_f64();
            let percent = if elapsed > 0.0 {
                cpu_seconds / elapsed * 100.0
            } else {
                0.0
            };
            format!("{percent:.3}")
        }
        "etime" => timefmt::go_duration(clock.now - clock.started(p)),
        "time" => timefmt::go_duration(TimeDelta::seconds(cpu_seconds as i64)),
        "tty" => tty_name(p.tty_nr),
        "args" if p.args.is_empty() => format!("[{}]", p.comm),
        "args" => p.args.join(" "),
        "comm" => p.comm.clone(),
        "nice" => p.nice.to_string(),
        "vsz" => (p.vsize_bytes / 1024).to_string(),
        "rss" => (p.rss_pages * page_size() / 1024).to_string(),
        "state" => p.state.to_string(),
        "stime" => clock
            .started(p)
            .format("%Y-%m-%d %H:%M:%S +0000 UTC")
            .to_string(),
        "seccomp" => match status_field(&p.status, "Seccomp") {
            Some("1") => "strict".into(),
            Some("2") => "filter".into(),
            _ => "disabled".into(),
        },
        "capeff" => capabilities(p, "CapEff"),
        "capprm" => capabilities(p, "CapPrm"),
        "capbnd" => capabilities(p, "CapBnd"),
        "capinh" => capabilities(p, "CapInh"),
        "capamb" => capabilities(p, "CapAmb"),
        "label" => std::fs::read_to_string(format!("/proc/{}/attr/current", p.host_pid))
            .map(|l| l.trim_end_matches(['\0', '\n']).to_string())
            .unwrap_or_else(|_| "?".into()),
        _ => String::new(),
    }
}

/// psgo's capability column: `none`, `full` (every capability the kernel has) or the names.
fn capabilities(p: &ProcessInfo, key: &str) -> String {
    let Some(set) = status_field(&p.status, key).and_then(|hex| decode_caps(hex).ok()) else {
        return "?".into();
    };
    let last_cap = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|n| n.trim().parse::<u32>().ok());
    let full = last_cap.and_then(|last| 1u64.checked_shl(last + 1).map(|bit| bit - 1));
    match set.mask {
        0 => "none".into(),
        mask if Some(mask) == full => "full".into(),
        _ => set
            .names
            .iter()
            .map(|n| n.trim_start_matches("cap_").to_uppercase())
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The controlling terminal from stat's tty_nr: `pts/N`, `ttyN`, `ttySN`, or `?`.
fn tty_name(tty_nr: u64) -> String {
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    match major {
        0 => "?".into(),
        136..=143 => format!("pts/{}", (major - 136) * 256 + minor),
        4 if minor < 64 => format!("tty{minor}"),
        4 => format!("ttyS{}", minor - 64),
        _ => "?".into(),
    }
}

fn page_size() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tty_numbers_decode() {
        assert_eq!(tty_name(0), "?");
        assert_eq!(tty_name(34816), "pts/0");
        assert_eq!(tty_name((136 << 8) | 5), "pts/5");
        assert_eq!(tty_name((4 << 8) | 1), "tty1");
        assert_eq!(tty_name((4 << 8) | 65), "ttyS1");
    }

    #[test]
    fn ids_outside_the_mappings_show_in_parentheses() {
        let view = ContainerView {
            uid_maps: Vec::new(),
            gid_maps: Vec::new(),
            users: [(0, "root".to_string())].into_iter().collect(),
            groups: HashMap::new(),
        };
        assert_eq!(view.name(0, &view.uid_maps, &view.users), "root");
        assert_eq!(view.name(7, &view.uid_maps, &view.users), "7");
        let mapping = oci_spec::runtime::LinuxIdMappingBuilder::default()
            .container_id(0u32)
            .host_id(1001u32)
            .size(1u32)
            .build()
            .unwrap();
        assert_eq!(view.name(5, &[mapping], &view.users), "(5)");
    }
}
