//! One container as `ps` shows it: the object `ps --format json` prints (podman's field names
//! and types), and the row the table and Go templates read (podman's `psReporter`: strings
//! ready to print, `{{.Names}}` a string, `{{.CreatedAt}}` a Go time).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::{state_name, status_text};
use crate::cli::humanize;
use crate::cli::timefmt::{self, go_time_string, unix_or_zero};
use crate::store::ContainerRecord;

/// `--size`: what the container wrote, and that plus its image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub rw: u64,
    pub root_fs: u64,
}

impl Sizes {
    /// podman's SIZE cell: `1.98MB (virtual 7.24MB)` (go-units, 3 digits, no space).
    fn text(&self) -> String {
        format!(
            "{} (virtual {})",
            compact_size(self.rw),
            compact_size(self.root_fs)
        )
    }
}

/// go-units `HumanSizeWithPrecision(n, 3)` as podman prints it in `ps`: without the space
/// `humanize::size` puts before the unit.
fn compact_size(bytes: u64) -> String {
    humanize::size(bytes).replace(' ', "")
}

/// What one row needs besides the record.
pub struct RowContext {
    pub now: DateTime<Utc>,
    pub no_trunc: bool,
    pub sizes: Option<Sizes>,
    /// Destinations of the user's mounts; empty unless the output shows them.
    pub mounts: Vec<String>,
}

/// The PORTS column. Networking fills it in; until then containers publish no ports.
pub fn ports_text(record: &ContainerRecord) -> String {
    crate::network::format_ports(&record.settings.network)
}

/// `Ports` of `ps --format json` (podman prints `null` for none).
pub fn ports_json(record: &ContainerRecord) -> Value {
    let ports = &record.settings.network.ports;
    if ports.is_empty() {
        return Value::Null;
    }
    ports
        .iter()
        .map(|p| {
            serde_json::json!({
                "host_ip": p.host_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                "container_port": p.container_port,
                "host_port": p.host_port,
                "range": p.range,
                "protocol": p.protocol.to_string(),
            })
        })
        .collect()
}

/// The object `podman ps --format json` prints for a container.
pub fn json_row(record: &ContainerRecord, ctx: &RowContext) -> Value {
    let created = timefmt::parse(Some(&record.created));
    let started = timefmt::parse(record.started_at.as_deref());
    let finished = timefmt::parse(record.finished_at.as_deref());
    let exited = state_name(record) == "exited";
    json!({
        "AutoRemove": record.settings.auto_remove,
        "Command": record.command,
        "CreatedAt": created_human(created, ctx.now),
        "Exited": exited,
        "ExitedAt": unix_or_zero(if exited { finished } else { None }),
        "ExitCode": record.exit_code.unwrap_or(0),
        "Id": record.id,
        "Image": record.image_name,
        "ImageID": record.image_id,
        "IsInfra": false,
        "Labels": if record.labels.is_empty() { Value::Null } else { json!(record.labels) },
        "Mounts": ctx.mounts,
        "Names": [record.name],
        "Namespaces": {},
        "Networks": [],
        "Pid": record.init_pid.unwrap_or(0),
        "Pod": "",
        "PodName": "",
        "Ports": ports_json(record),
        "Restarts": record.restart_count,
        "Size": ctx.sizes.map(|s| json!({"RootFsSize": s.root_fs, "RwSize": s.rw})),
        "StartedAt": unix_or_zero(started),
        "State": state_name(record),
        "Status": status_text(record, ctx.now),
        "Created": unix_or_zero(created),
    })
}

/// Every field a `--format` template may name (podman's `psReporter`).
pub const REPORT_FIELDS: &[&str] = &[
    "AutoRemove",
    "Command",
    "Created",
    "CreatedAt",
    "CreatedHuman",
    "ExitCode",
    "Exited",
    "ExitedAt",
    "ID",
    "Id",
    "Image",
    "ImageID",
    "IsInfra",
    "Labels",
    "Mounts",
    "Names",
    "Namespaces",
    "Networks",
    "Pid",
    "Pod",
    "PodName",
    "Ports",
    "Restarts",
    "RunningFor",
    "Size",
    "StartedAt",
    "State",
    "Status",
];

/// The row the default table and `--format` templates read, with only `fields` computed: the
/// table needs seven, and a thousand containers should not pay for thirty.
pub fn report_row(record: &ContainerRecord, ctx: &RowContext, fields: &[&str]) -> Value {
    // The fields printed as `ps --format json` has them come from one json_row, built once.
    let mut as_json: Option<Value> = None;
    let row: Map<String, Value> = fields
        .iter()
        .map(|name| {
            let value = report_field(record, ctx, name).unwrap_or_else(|| {
                let json = as_json.get_or_insert_with(|| json_row(record, ctx));
                json.get(name).cloned().unwrap_or(Value::Null)
            });
            (name.to_string(), value)
        })
        .collect();
    Value::Object(row)
}

/// A field the template row prints differently from `ps --format json`, else `None`.
fn report_field(record: &ContainerRecord, ctx: &RowContext, name: &str) -> Option<Value> {
    let created = || timefmt::parse(Some(&record.created));
    Some(match name {
        "ID" => json!(short_id(&record.id, ctx.no_trunc)),
        "Command" => json!(command_text(&record.command, ctx.no_trunc)),
        "Names" => json!(record.name),
        "Created" | "CreatedAt" => json!(created().map(go_time_string).unwrap_or_default()),
        "CreatedHuman" | "RunningFor" => json!(created_human(created(), ctx.now)),
        "Ports" => json!(ports_text(record)),
        "Mounts" => json!(ctx.mounts.join(",")),
        "Networks" => json!(""),
        "Size" => json!(ctx.sizes.map(|s| s.text()).unwrap_or_default()),
        "Image" => json!(record.image_name),
        "Status" => json!(status_text(record, ctx.now)),
        "State" => json!(state_name(record)),
        _ => return None,
    })
}

/// 12 hex digits unless `--no-trunc`.
pub fn short_id(id: &str, no_trunc: bool) -> &str {
    if no_trunc {
        id
    } else {
        &id[..12.min(id.len())]
    }
}

/// podman's COMMAND cell: the command line, cut to 17 characters and `...` beyond 20.
fn command_text(command: &[String], no_trunc: bool) -> String {
    let text = command.join(" ");
    if no_trunc || text.chars().count() <= 20 {
        text
    } else {
        format!("{}...", text.chars().take(17).collect::<String>())
    }
}

fn created_human(created: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    created
        .map(|t| humanize::time_ago(t, now))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ContainerStatus;

    fn record() -> ContainerRecord {
        serde_json::from_value(json!({
            "id": "c37e52bbcbe0055f6239ba460a7a7d3e7976baa396790150931b0506b68ee298",
            "name": "web", "image_id": "", "image_name": "/srv/rootfs",
            "command": ["/bin/sh", "-c", "echo hi > /x; exit 3"],
            "created": "2026-11-29T03:32:47.605270170Z", "labels": {},
            "layers": [], "rootfs_driver": "overlay", "status": ContainerStatus::Exited,
            "exit_code": 3, "started_at": "2026-11-29T03:32:48Z",
            "finished_at": "2026-11-29T03:32:50Z",
        }))
        .unwrap()
    }

    fn ctx(sizes: Option<Sizes>) -> RowContext {
        RowContext {
            now: timefmt::parse(Some("2026-11-29T03:34:50Z")).unwrap(),
            no_trunc: false,
            sizes,
            mounts: Vec::new(),
        }
    }

    #[test]
    fn json_row_has_podmans_fields_and_types() {
        let row = json_row(&record(), &ctx(None));
        assert_eq!(row["Names"], json!(["web"]));
        assert_eq!(row["Command"][2], "echo hi > /x; exit 3");
        assert_eq!(row["Created"], 1_795_923_167);
        assert_eq!(row["ExitedAt"], 1_795_923_170);
        assert_eq!(row["Exited"], true);
        assert_eq!(row["ExitCode"], 3);
        assert_eq!(row["State"], "exited");
        assert_eq!(row["Status"], "Exited (3) 2 minutes ago");
        assert_eq!(row["Labels"], Value::Null);
        assert_eq!(row["Size"], Value::Null);
        assert_eq!(row["Ports"], Value::Null);
    }

    #[test]
    fn report_row_is_ready_to_print() {
        let sizes = Sizes {
            rw: 1_984_000,
            root_fs: 7_240_000,
        };
        let row = report_row(&record(), &ctx(Some(sizes)), REPORT_FIELDS);
        assert_eq!(row["ID"], "c37e52bbcbe0");
        assert_eq!(row["Command"], "/bin/sh -c echo h...");
        assert_eq!(row["Names"], "web");
        assert_eq!(row["CreatedAt"], "2026-11-29 03:32:47.60527017 +0000 UTC");
        assert_eq!(row["CreatedHuman"], "2 minutes ago");
        assert_eq!(row["Size"], "1.98MB (virtual 7.24MB)");
        assert_eq!(row["Ports"], "");
        assert_eq!(row["Id"], record().id);
        assert_eq!(row["ExitCode"], 3);
        assert_eq!(row.as_object().unwrap().len(), REPORT_FIELDS.len());
        let lean = report_row(&record(), &ctx(None), &["ID", "Status"]);
        assert_eq!(
            lean,
            json!({"ID": "c37e52bbcbe0", "Status": "Exited (3) 2 minutes ago"})
        );
    }
}
