//! `inspect --isolation`: the isolation facts as JSON (for `--format`, and what the tables are
//! laid out from). A fact that could not be read is `null` with a `...Error` sibling saying why.

use serde_json::{Map, Value, json};

use crate::container::isolation::{CapSet, Fact, IdMap, Isolation, Side};
use crate::store::ContainerRecord;

pub fn to_json(record: &ContainerRecord, view: &Isolation) -> Value {
    let mut object = Map::new();
    object.insert("Id".into(), json!(record.id));
    object.insert("Name".into(), json!(record.name));
    object.insert("InitPid".into(), json!(view.init_pid));
    object.insert("WaiterPid".into(), json!(view.waiter_pid));
    insert_fact(
        &mut object,
        "InitHostUid",
        view.init_host_uid.clone().map(|u| json!(u)),
    );
    let namespaces: Vec<Value> = view
        .namespaces
        .iter()
        .map(|(kind, side)| {
            let mut row = side_json(side, |inode| json!(inode));
            row.insert("Type".into(), json!(kind));
            let shared = match (&side.container, &side.host) {
                (Ok(c), Ok(h)) => json!(c == h),
                _ => Value::Null,
            };
            row.insert("SharedWithHost".into(), shared);
            Value::Object(row)
        })
        .collect();
    object.insert("Namespaces".into(), json!(namespaces));
    object.insert(
        "UidMap".into(),
        side_json(&view.uid_map, |m| id_maps_json(m)).into(),
    );
    object.insert(
        "GidMap".into(),
        side_json(&view.gid_map, |m| id_maps_json(m)).into(),
    );
    let capabilities: Vec<Value> = view
        .capabilities
        .iter()
        .map(|(set, side)| {
            let mut row = side_json(side, cap_set_json);
            row.insert("Set".into(), json!(set));
            Value::Object(row)
        })
        .collect();
    object.insert("Capabilities".into(), json!(capabilities));
    object.insert(
        "NoNewPrivs".into(),
        side_json(&view.no_new_privs, |b| json!(b)).into(),
    );
    let seccomp = side_json(
        &view.seccomp,
        |s| json!({"Mode": s.mode, "Filters": s.filters}),
    );
    object.insert("Seccomp".into(), seccomp.into());
    object.insert(
        "Cgroup".into(),
        side_json(&view.cgroup, |c| json!(c)).into(),
    );
    let limits = view
        .cgroup_limits
        .clone()
        .map(|l| json!(l.into_iter().collect::<std::collections::BTreeMap<_, _>>()));
    insert_fact(&mut object, "CgroupLimits", limits);
    object.insert(
        "MacLabel".into(),
        side_json(&view.mac_label, |l| json!(l)).into(),
    );
    let mounts = view.mounts.clone().map(|mounts| {
        json!(mounts.iter().map(|m| json!({
            "MountPoint": m.mount_point, "Type": m.fs_type, "Source": m.source, "Options": m.options,
        })).collect::<Vec<_>>())
    });
    insert_fact(&mut object, "Mounts", mounts);
    let rules = |rules: &[crate::container::isolation::PathRule], key: &str| {
        json!(
            rules
                .iter()
                .map(|r| json!({"Path": r.path, key: r.applied}))
                .collect::<Vec<_>>()
        )
    };
    object.insert("MaskedPaths".into(), rules(&view.masked_paths, "Masked"));
    object.insert(
        "ReadonlyPaths".into(),
        rules(&view.readonly_paths, "ReadOnly"),
    );
    Value::Object(object)
}

/// `{"Container": .., "Host": ..}`, with `ContainerError`/`HostError` for unreadable sides.
fn side_json<T>(side: &Side<T>, to_value: impl Fn(&T) -> Value) -> Map<String, Value> {
    let mut map = Map::new();
    for (key, fact) in [("Container", &side.container), ("Host", &side.host)] {
        insert_fact(
            &mut map,
            key,
            fact.as_ref().map(&to_value).map_err(String::clone),
        );
    }
    map
}

fn insert_fact(map: &mut Map<String, Value>, key: &str, fact: Fact<Value>) {
    match fact {
        Ok(value) => {
            map.insert(key.into(), value);
        }
        Err(reason) => {
            map.insert(key.into(), Value::Null);
            map.insert(format!("{key}Error"), json!(reason));
        }
    }
}

fn id_maps_json(maps: &[IdMap]) -> Value {
    json!(
        maps.iter()
            .map(|m| json!({"Inside": m.inside, "Outside": m.outside, "Count": m.count}))
            .collect::<Vec<_>>()
    )
}

fn cap_set_json(set: &CapSet) -> Value {
    json!({"Mask": format!("{:016x}", set.mask), "Names": set.names})
}
