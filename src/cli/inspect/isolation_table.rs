//! The isolation view as aligned tables, container next to host (from the JSON of
//! `isolation_view::to_json`); an unreadable fact reads `unreadable (why)`.

use serde_json::{Value, json};

use crate::cli::format::{self, Column, OutputFormat};
use crate::container::isolation::decode_caps;

/// The tables for one container's isolation JSON.
pub fn to_table(view: &Value) -> String {
    let mut text = format!(
        "Container {} ({}): PID 1 is host PID {}, running as host uid {}; the runtime's waiter is PID {}\n",
        view["Name"].as_str().unwrap_or(""),
        view["Id"].as_str().map_or("", |id| &id[..12.min(id.len())]),
        view["InitPid"],
        cell(view, "InitHostUid", &|v| v.to_string()),
        view["WaiterPid"],
    );
    let mut namespaces = rows(&view["Namespaces"], "Type", &|v| v.to_string());
    let listed = view["Namespaces"].as_array().cloned().unwrap_or_default();
    for (row, ns) in namespaces.iter_mut().zip(&listed) {
        row["Shared"] = json!(match ns["SharedWithHost"].as_bool() {
            Some(true) => "yes: not isolated",
            Some(false) => "no",
            None => "?",
        });
    }
    let ns_columns = [
        ("NAMESPACE", "Key"),
        ("CONTAINER", "Container"),
        ("HOST", "Host"),
        ("SHARED WITH HOST", "Shared"),
    ];
    section(&mut text, &ns_columns, namespaces);
    let maps = vec![
        side_row("uid_map", &view["UidMap"], &id_maps_text),
        side_row("gid_map", &view["GidMap"], &id_maps_text),
    ];
    section(
        &mut text,
        &[
            ("ID MAP", "Key"),
            ("CONTAINER", "Container"),
            ("HOST", "Host"),
        ],
        maps,
    );
    let caps = rows(&view["Capabilities"], "Set", &cap_names_text);
    let cap_columns = [
        ("CAPABILITIES", "Key"),
        ("CONTAINER (PID 1)", "Container"),
        ("HOST (engine)", "Host"),
    ];
    section(&mut text, &cap_columns, caps);
    let security = vec![
        side_row("no_new_privs", &view["NoNewPrivs"], &|v| v.to_string()),
        side_row("seccomp", &view["Seccomp"], &seccomp_text),
        side_row("cgroup", &view["Cgroup"], &|v| {
            cgroup_text(v.as_str().unwrap_or(""))
        }),
        side_row("MAC label", &view["MacLabel"], &|v| {
            v.as_str().unwrap_or("").to_string()
        }),
        json!({"Key": "cgroup limits", "Container": cell(view, "CgroupLimits", &limits_text), "Host": ""}),
    ];
    section(
        &mut text,
        &[
            ("SECURITY", "Key"),
            ("CONTAINER", "Container"),
            ("HOST", "Host"),
        ],
        security,
    );
    let paths = |key: &str, flag: &str, yes: &str, no: &str| -> Vec<Value> {
        let list = view[key].as_array().cloned().unwrap_or_default();
        list.iter()
            .map(|p| {
                let state = match p[flag].as_bool() {
                    Some(true) => yes,
                    Some(false) => no,
                    None => "unknown (mount table unreadable)",
                };
                json!({"Key": p["Path"], "State": state})
            })
            .collect()
    };
    let masked = paths(
        "MaskedPaths",
        "Masked",
        "masked",
        "not masked (absent in the container?)",
    );
    section(
        &mut text,
        &[("MASKED PATH", "Key"), ("STATE", "State")],
        masked,
    );
    let readonly = paths(
        "ReadonlyPaths",
        "ReadOnly",
        "read-only",
        "writable or absent",
    );
    section(
        &mut text,
        &[("READ-ONLY PATH", "Key"), ("STATE", "State")],
        readonly,
    );
    let mounts = match view["Mounts"].as_array() {
        Some(list) => list.clone(),
        None => vec![json!({"MountPoint": cell(view, "Mounts", &|_| String::new())})],
    };
    let mount_columns = [
        ("MOUNT POINT (PID 1)", "MountPoint"),
        ("TYPE", "Type"),
        ("SOURCE", "Source"),
        ("OPTIONS", "Options"),
    ];
    section(&mut text, &mount_columns, mounts);
    text
}

/// A value, or `unreadable (why)` from its `...Error` sibling.
fn cell(object: &Value, key: &str, show: &dyn Fn(&Value) -> String) -> String {
    match &object[key] {
        Value::Null => match object[format!("{key}Error")].as_str() {
            Some(reason) => format!("unreadable ({reason})"),
            None => "-".into(),
        },
        value => show(value),
    }
}

fn side_row(key: &str, side: &Value, show: &dyn Fn(&Value) -> String) -> Value {
    json!({"Key": key, "Container": cell(side, "Container", show), "Host": cell(side, "Host", show)})
}

fn rows(list: &Value, key_field: &str, show: &dyn Fn(&Value) -> String) -> Vec<Value> {
    let list = list.as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|item| side_row(item[key_field].as_str().unwrap_or(""), item, show))
        .collect()
}

fn section(text: &mut String, columns: &[(&'static str, &'static str)], rows: Vec<Value>) {
    let columns: Vec<Column> = columns
        .iter()
        .map(|(header, field)| Column { header, field })
        .collect();
    let mut out = Vec::new();
    // Rendering JSON rows into a buffer cannot fail.
    let _ = format::render(&rows, &columns, &OutputFormat::Table, &mut out);
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&out));
}

fn id_maps_text(maps: &Value) -> String {
    let lines = maps.as_array().cloned().unwrap_or_default();
    lines
        .iter()
        .map(|m| format!("{} {} {}", m["Inside"], m["Outside"], m["Count"]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// capsh's decoding, shortened for the table: `none`, `all`, or `all except ...` when most of
/// the capabilities the kernel has are in the set.
fn cap_names_text(set: &Value) -> String {
    let names: Vec<&str> = set["Names"]
        .as_array()
        .map(|n| n.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let last_cap = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|n| n.trim().parse::<u32>().ok());
    let known: Vec<String> = last_cap
        .and_then(|last| 1u64.checked_shl(last + 1).map(|bit| bit - 1))
        .and_then(|all| decode_caps(&format!("{all:016x}")).ok())
        .map(|set| set.names)
        .unwrap_or_default();
    let missing: Vec<&str> = known
        .iter()
        .map(String::as_str)
        .filter(|k| !names.contains(k))
        .collect();
    match names.len() {
        0 => "none".into(),
        _ if known.is_empty() => names.join(","),
        _ if missing.is_empty() => "all".into(),
        n if missing.len() * 2 < n => format!("all except {}", missing.join(",")),
        _ => names.join(","),
    }
}

/// /proc/PID/cgroup grouped by path: `/ (cpu,pids,...), /a (memory)`; one path alone as is.
fn cgroup_text(text: &str) -> String {
    let mut by_path: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let controllers = if controllers.is_empty() {
            "v2"
        } else {
            controllers
        };
        match by_path.iter_mut().find(|(p, _)| *p == path) {
            Some((_, list)) => list.push(controllers),
            None => by_path.push((path, vec![controllers])),
        }
    }
    match by_path.as_slice() {
        [(path, _)] => path.to_string(),
        _ => by_path
            .iter()
            .map(|(path, list)| format!("{path} ({})", list.join(",")))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn seccomp_text(seccomp: &Value) -> String {
    match (seccomp["Mode"].as_str(), seccomp["Filters"].as_u64()) {
        (Some("filter"), Some(1)) => "filter (1 filter)".into(),
        (Some("filter"), Some(n)) => format!("filter ({n} filters)"),
        (Some(mode), _) => mode.into(),
        _ => "-".into(),
    }
}

fn limits_text(limits: &Value) -> String {
    match limits.as_object() {
        Some(map) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(", "),
        _ => "none set".into(),
    }
}
