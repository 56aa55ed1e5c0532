//! What `linux.resources` writes into a cgroup: the control files and their values, for the v1
//! controllers and for the unified (v2) hierarchy. Pure: `cgroups` does the writing.

use oci_spec::runtime::{
    LinuxDevice, LinuxDeviceCgroup, LinuxDeviceCgroupBuilder, LinuxDeviceType, LinuxResources,
};

/// The devices every container has (null, zero, full, random, urandom, tty, console, ptmx and
/// the pty slaves), as the runtime spec lists them.
const DEFAULT_DEVICES: &[&str] = &[
    "c 1:3 rwm",
    "c 1:5 rwm",
    "c 1:7 rwm",
    "c 1:8 rwm",
    "c 1:9 rwm",
    "c 5:0 rwm",
    "c 5:1 rwm",
    "c 5:2 rwm",
    "c 136:* rwm",
];

/// One control file to write: `controller` names the v1 hierarchy it lives in (`None` for v2).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Setting {
    pub controller: &'static str,
    pub file: String,
    pub value: String,
}

fn set(controller: &'static str, file: impl Into<String>, value: impl ToString) -> Setting {
    Setting {
        controller,
        file: file.into(),
        value: value.to_string(),
    }
}

/// The v1 settings, in the order they must be written (cpuset before anything joins; the
/// memory limit before the memory+swap limit, which may never be lower; the realtime period
/// before the runtime). The kernel memory limit (not the TCP one) is left out: kernels since
/// 5.16 refuse it, and crun and runc ignore it too.
///
/// After the spec's device rules come the devices the container gets anyway (the default ones
/// and `linux.devices`): the runtime creates them and the process must be able to use them,
/// as runc and crun allow them.
pub(super) fn v1_settings(resources: &LinuxResources, devices: &[LinuxDevice]) -> Vec<Setting> {
    let mut out = Vec::new();
    if let Some(cpu) = resources.cpu() {
        if let Some(cpus) = cpu.cpus() {
            out.push(set("cpuset", "cpuset.cpus", cpus));
        }
        if let Some(mems) = cpu.mems() {
            out.push(set("cpuset", "cpuset.mems", mems));
        }
        if let Some(shares) = cpu.shares() {
            out.push(set("cpu", "cpu.shares", shares));
        }
        if let Some(period) = cpu.period() {
            out.push(set("cpu", "cpu.cfs_period_us", period));
        }
        if let Some(quota) = cpu.quota() {
            out.push(set("cpu", "cpu.cfs_quota_us", quota));
        }
        if let Some(period) = cpu.realtime_period() {
            out.push(set("cpu", "cpu.rt_period_us", period));
        }
        if let Some(runtime) = cpu.realtime_runtime() {
            out.push(set("cpu", "cpu.rt_runtime_us", runtime));
        }
    }
    if let Some(memory) = resources.memory() {
        if let Some(limit) = memory.limit() {
            out.push(set("memory", "memory.limit_in_bytes", limit));
        }
        if let Some(reservation) = memory.reservation() {
            out.push(set("memory", "memory.soft_limit_in_bytes", reservation));
        }
        if let Some(swap) = memory.swap() {
            out.push(set("memory", "memory.memsw.limit_in_bytes", swap));
        }
        if let Some(tcp) = memory.kernel_tcp() {
            out.push(set("memory", "memory.kmem.tcp.limit_in_bytes", tcp));
        }
        if let Some(swappiness) = memory.swappiness() {
            out.push(set("memory", "memory.swappiness", swappiness));
        }
        if let Some(disable) = memory.disable_oom_killer() {
            out.push(set("memory", "memory.oom_control", u8::from(disable)));
        }
    }
    if let Some(pids) = resources.pids() {
        out.push(set("pids", "pids.max", pids_max(pids.limit())));
    }
    for limit in resources.hugepage_limits().as_deref().unwrap_or_default() {
        let file = format!("hugetlb.{}.limit_in_bytes", limit.page_size());
        out.push(set("hugetlb", file, limit.limit()));
    }
    for rule in resources.devices().as_deref().unwrap_or_default() {
        let file = if rule.allow() {
            "devices.allow"
        } else {
            "devices.deny"
        };
        out.push(set("devices", file, device_rule(rule)));
    }
    if resources.devices().is_some() {
        for rule in DEFAULT_DEVICES {
            out.push(set("devices", "devices.allow", rule));
        }
        for device in devices {
            let rule = LinuxDeviceCgroupBuilder::default()
                .allow(true)
                .typ(device.typ())
                .major(device.major())
                .minor(device.minor())
                .access("rwm")
                .build();
            if let Ok(rule) = rule {
                out.push(set("devices", "devices.allow", device_rule(&rule)));
            }
        }
    }
    block_io_settings(resources, &mut out);
    if let Some(network) = resources.network() {
        if let Some(class_id) = network.class_id() {
            out.push(set("net_cls", "net_cls.classid", class_id));
        }
        for priority in network.priorities().as_deref().unwrap_or_default() {
            let value = format!("{} {}", priority.name(), priority.priority());
            out.push(set("net_prio", "net_prio.ifpriomap", value));
        }
    }
    out
}

fn block_io_settings(resources: &LinuxResources, out: &mut Vec<Setting>) {
    let Some(blkio) = resources.block_io() else {
        return;
    };
    if let Some(weight) = blkio.weight() {
        out.push(set("blkio", "blkio.weight", weight));
    }
    if let Some(weight) = blkio.leaf_weight() {
        out.push(set("blkio", "blkio.leaf_weight", weight));
    }
    for device in blkio.weight_device().as_deref().unwrap_or_default() {
        let id = format!("{}:{}", device.major(), device.minor());
        if let Some(weight) = device.weight() {
            out.push(set(
                "blkio",
                "blkio.weight_device",
                format!("{id} {weight}"),
            ));
        }
        if let Some(weight) = device.leaf_weight() {
            out.push(set(
                "blkio",
                "blkio.leaf_weight_device",
                format!("{id} {weight}"),
            ));
        }
    }
    let throttles = [
        (
            "blkio.throttle.read_bps_device",
            blkio.throttle_read_bps_device(),
        ),
        (
            "blkio.throttle.write_bps_device",
            blkio.throttle_write_bps_device(),
        ),
        (
            "blkio.throttle.read_iops_device",
            blkio.throttle_read_iops_device(),
        ),
        (
            "blkio.throttle.write_iops_device",
            blkio.throttle_write_iops_device(),
        ),
    ];
    for (file, devices) in throttles {
        for device in devices.as_deref().unwrap_or_default() {
            let value = format!("{}:{} {}", device.major(), device.minor(), device.rate());
            out.push(set("blkio", file, value));
        }
    }
}

/// The unified hierarchy's settings for what it has an equivalent of.
pub(super) fn v2_settings(resources: &LinuxResources) -> Vec<Setting> {
    let mut out = Vec::new();
    if let Some(cpu) = resources.cpu() {
        if let Some(cpus) = cpu.cpus() {
            out.push(set("", "cpuset.cpus", cpus));
        }
        if let Some(mems) = cpu.mems() {
            out.push(set("", "cpuset.mems", mems));
        }
        if let Some(shares) = cpu.shares() {
            // The conversion runc and crun use: shares 2..262144 onto weight 1..10000.
            let weight = 1 + (shares.clamp(2, 262_144) - 2) * 9999 / 262_142;
            out.push(set("", "cpu.weight", weight));
        }
        if cpu.quota().is_some() || cpu.period().is_some() {
            let quota = match cpu.quota() {
                Some(quota) if quota > 0 => quota.to_string(),
                _ => "max".to_string(),
            };
            out.push(set(
                "",
                "cpu.max",
                format!("{quota} {}", cpu.period().unwrap_or(100_000)),
            ));
        }
    }
    if let Some(memory) = resources.memory() {
        if let Some(limit) = memory.limit() {
            out.push(set("", "memory.max", limit_or_max(limit)));
        }
        if let Some(reservation) = memory.reservation() {
            out.push(set("", "memory.low", limit_or_max(reservation)));
        }
        if let (Some(swap), Some(limit)) = (memory.swap(), memory.limit()) {
            // v1's swap is memory+swap; v2 limits swap alone.
            let swap_only = if swap < 0 { -1 } else { (swap - limit).max(0) };
            out.push(set("", "memory.swap.max", limit_or_max(swap_only)));
        }
    }
    if let Some(pids) = resources.pids() {
        out.push(set("", "pids.max", pids_max(pids.limit())));
    }
    for limit in resources.hugepage_limits().as_deref().unwrap_or_default() {
        let file = format!("hugetlb.{}.max", limit.page_size());
        out.push(set("", file, limit.limit()));
    }
    for (file, value) in resources.unified().as_ref().into_iter().flatten() {
        out.push(set("", file.clone(), value));
    }
    out
}

fn pids_max(limit: i64) -> String {
    if limit > 0 {
        limit.to_string()
    } else {
        "max".to_string()
    }
}

fn limit_or_max(value: i64) -> String {
    if value < 0 {
        "max".to_string()
    } else {
        value.to_string()
    }
}

/// `c 1:3 rwm`, with `a` and `*` for what the rule leaves out.
fn device_rule(rule: &LinuxDeviceCgroup) -> String {
    let typ = match rule.typ() {
        Some(LinuxDeviceType::B) => "b",
        Some(LinuxDeviceType::C | LinuxDeviceType::U) => "c",
        Some(LinuxDeviceType::P) => "p",
        Some(LinuxDeviceType::A) | None => "a",
    };
    let number = |n: Option<i64>| match n {
        Some(n) if n >= 0 => n.to_string(),
        _ => "*".to_string(),
    };
    let access = rule.access().as_deref().unwrap_or("rwm");
    format!(
        "{typ} {}:{} {access}",
        number(rule.major()),
        number(rule.minor())
    )
}
