//! The spec an external runtime gets: without a user namespace of its own, or (auto) with one
//! relative to the storage namespace, its root and bind sources staged.

use std::path::Path;

use oci_spec::runtime::{LinuxNamespaceType, Spec};
use serde_json::json;

use super::external::external_spec;
use super::external_staging::staged_spec;
use super::userns::{IdMappings, IdRange};

fn spec() -> Spec {
    serde_json::from_value(json!({
        "ociVersion": "1.0.2-dev",
        "root": {"path": "rootfs"},
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/etc/hosts", "type": "bind", "source": "/store/c1/hosts", "options": ["bind"]},
            {"destination": "/v", "source": "/store/volumes/v/_data", "options": ["rbind", "ro"]},
        ],
        "linux": {
            "namespaces": [{"type": "pid"}, {"type": "user"}, {"type": "mount"}],
            "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 1024}],
            "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 1024}],
        }
    }))
    .expect("a valid spec")
}

fn has_user_namespace(spec: &Spec) -> bool {
    let linux = spec.linux().as_ref().expect("linux");
    let namespaces = linux.namespaces().as_deref().unwrap_or_default();
    namespaces
        .iter()
        .any(|ns| ns.typ() == LinuxNamespaceType::User)
}

#[test]
fn without_nesting_the_runtime_makes_no_user_namespace() {
    let spec = external_spec(spec(), Path::new("/store/c1/rootfs"), None).unwrap();
    assert!(!has_user_namespace(&spec));
    assert!(spec.linux().as_ref().unwrap().uid_mappings().is_none());
    assert_eq!(
        spec.root().as_ref().unwrap().path(),
        Path::new("/store/c1/rootfs")
    );
}

#[test]
fn nested_the_runtime_makes_the_user_namespace_with_relative_maps() {
    let relative = IdMappings {
        uids: vec![IdRange {
            container: 0,
            host: 1,
            size: 1024,
        }],
        gids: vec![IdRange {
            container: 0,
            host: 1,
            size: 1024,
        }],
    };
    let spec = external_spec(spec(), Path::new("/store/c1/rootfs"), Some(&relative)).unwrap();
    assert!(has_user_namespace(&spec));
    let linux = spec.linux().as_ref().unwrap();
    let uids = linux.uid_mappings().as_ref().unwrap();
    assert_eq!(
        (uids[0].container_id(), uids[0].host_id(), uids[0].size()),
        (0, 1, 1024)
    );
    let gids = linux.gid_mappings().as_ref().unwrap();
    assert_eq!(gids[0].host_id(), 1);

    let staged = staged_spec(spec, Path::new("/tmp/.engine-1000-roots"));
    assert_eq!(
        staged.root().as_ref().unwrap().path(),
        Path::new("/tmp/.engine-1000-roots/rootfs")
    );
    let sources: Vec<_> = staged
        .mounts()
        .iter()
        .flatten()
        .map(|m| m.source().clone().unwrap_or_default())
        .collect();
    assert_eq!(
        sources,
        [
            Path::new("proc"),
            Path::new("/tmp/.engine-1000-roots/binds/1"),
            Path::new("/tmp/.engine-1000-roots/binds/2"),
        ]
    );
}
