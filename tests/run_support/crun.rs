//! Running an engine bundle's config.json under crun, to check the spec the engine writes is
//! one another OCI runtime accepts and runs the same way.
//!
//! The engine's spec cannot go to crun unchanged, by design (DESIGN.md, "Issue 3"): the rootfs
//! is an overlay the engine's own runtime mounts inside the container's user namespace, from
//! the `org.engine.rootfs.*` annotations, while `root.path` is an empty directory until then.
//! podman has the same split: it mounts the overlay inside its rootless user namespace and
//! runs crun there, with a spec that creates no user namespace of its own. The test does
//! exactly that in `engine unshare`: mounts the overlay from the annotations, and gives crun
//! the spec with only the user namespace (and its ID maps, already in effect) removed and
//! `root.path` pointing at the mounted overlay.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{Out, Sandbox};

/// The annotation holding the overlay lower dirs, top first, joined by ':'.
pub const LOWERDIRS: &str = "org.engine.rootfs.lowerdirs";

/// Runs the config.json of the engine container `id` under crun (inside `engine unshare`, on
/// a fresh overlay of the same layers, in `~/crun-bundle`) and returns what crun printed.
pub fn run_under_crun(sb: &Sandbox, id: &str) -> Out {
    let config_path = sb
        .data_dir()
        .join("engine/containers")
        .join(id)
        .join("config.json");
    let text =
        fs::read(&config_path).unwrap_or_else(|e| panic!("reading {}: {e}", config_path.display()));
    let config: Value = serde_json::from_slice(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", config_path.display()));
    let bundle = sb.home().join("crun-bundle");
    let spec = spec_inside_userns(&config, &bundle.join("rootfs"));
    let spec_text = serde_json::to_vec_pretty(&spec).expect("a JSON value serializes");
    sb.write_file("crun-bundle/config.json", spec_text);
    sb.engine(&[
        "unshare",
        "sh",
        "-c",
        RUN_UNDER_CRUN,
        "sh",
        bundle.to_str().expect("a UTF-8 path"),
        lowerdirs(&config),
        "crun-test",
    ])
}

/// The lower dirs string of an engine spec.
#[track_caller]
pub fn lowerdirs(spec: &Value) -> &str {
    spec["annotations"][LOWERDIRS]
        .as_str()
        .unwrap_or_else(|| panic!("config.json has no {LOWERDIRS} annotation: {spec:#}"))
}

/// `spec` for a crun running inside the user namespace the engine's ID maps describe, on the
/// overlay mounted at `rootfs`.
#[track_caller]
pub fn spec_inside_userns(spec: &Value, rootfs: &Path) -> Value {
    let mut spec = spec.clone();
    let linux = spec["linux"]
        .as_object_mut()
        .unwrap_or_else(|| panic!("config.json has no linux section"));
    let namespaces = linux["namespaces"]
        .as_array_mut()
        .unwrap_or_else(|| panic!("config.json has no linux.namespaces"));
    let before = namespaces.len();
    namespaces.retain(|ns| ns["type"] != "user");
    assert_eq!(
        namespaces.len() + 1,
        before,
        "a rootless engine spec creates a user namespace"
    );
    linux.remove("uidMappings");
    linux.remove("gidMappings");
    spec["root"]["path"] = Value::from(rootfs.to_str().expect("a UTF-8 path"));
    spec
}

/// The shell script (for `engine unshare sh -c SCRIPT sh BUNDLE LOWERDIRS NAME`) that mounts
/// the overlay at BUNDLE/rootfs with BUNDLE/upper and BUNDLE/work, then runs crun on BUNDLE
/// with its state in BUNDLE/state and no cgroup manager (a rootless user without systemd
/// cannot create cgroups; the engine makes none either).
pub const RUN_UNDER_CRUN: &str = r#"set -e
bundle=$1 lowerdirs=$2 name=$3
mkdir -p "$bundle/rootfs" "$bundle/upper" "$bundle/work" "$bundle/state"
mount -t overlay overlay \
    -o "lowerdir=$lowerdirs,upperdir=$bundle/upper,workdir=$bundle/work,userxattr" "$bundle/rootfs"
exec crun --cgroup-manager=disabled --root "$bundle/state" run --bundle "$bundle" "$name"
"#;
