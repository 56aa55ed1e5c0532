//! A container whose root cannot reach the user's directories (`--userns=auto`): the paths
//! its init needs, and the calls it makes through the descriptors the user namespace helper
//! opened (a real bundle in a temp dir; `open_all` stands for the helper).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::recorder::Recorder;
use super::spec_json;
use crate::runtime::builtin::config::Container;
use crate::runtime::builtin::mounts::mount_all;
use crate::runtime::builtin::reach::host_paths;
use crate::runtime::builtin::rootfs::{prepare_rootfs, start_fuse_overlayfs};
use crate::runtime::builtin::syscalls::FileKind;
use crate::runtime::userns::{Reached, open_all};

/// A bundle in `tmp` with config.json, rootfs, upper, work, two layers and a hosts file.
fn bundle(tmp: &Path, driver: &str) -> PathBuf {
    let bundle = tmp.join("c1");
    for dir in ["c1/rootfs", "c1/upper", "c1/work", "layers/a", "layers/b"] {
        std::fs::create_dir_all(tmp.join(dir)).unwrap();
    }
    std::fs::write(bundle.join("hosts"), "127.0.0.1 localhost\n").unwrap();
    let at = |rel: &str| tmp.join(rel).display().to_string();
    let spec = spec_json(|spec| {
        spec["root"]["path"] = json!("rootfs");
        spec["annotations"] = match driver {
            "vfs" => json!({"org.engine.rootfs.driver": "vfs"}),
            _ => json!({
                "org.engine.rootfs.driver": driver,
                "org.engine.rootfs.lowerdirs": format!("{}:{}", at("layers/b"), at("layers/a")),
                "org.engine.rootfs.upperdir": at("c1/upper"),
                "org.engine.rootfs.workdir": at("c1/work"),
            }),
        };
        spec["mounts"] = json!([
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/etc/hosts", "type": "bind", "source": "hosts", "options": ["rbind"]},
            {"destination": "/data", "source": "/srv/data", "options": ["bind"]},
        ]);
    });
    spec.save(bundle.join("config.json")).unwrap();
    bundle
}

fn reach(paths: &[PathBuf]) -> Reached {
    let lines: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| p.as_os_str().as_encoded_bytes().to_vec())
        .collect();
    let described = open_all(&OsString::from_vec(lines.join(&b'\n'))).unwrap();
    Reached::adopt(&described).unwrap()
}

#[test]
fn the_init_needs_its_config_root_layers_bind_sources_and_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = bundle(tmp.path(), "overlay");
    let paths = host_paths(&bundle, Some(&bundle)).unwrap();
    let expected: Vec<PathBuf> = [
        "c1/config.json",
        "c1/rootfs",
        "layers/b",
        "layers/a",
        "c1/upper",
        "c1/work",
        "c1/hosts",
    ]
    .iter()
    .map(|rel| tmp.path().join(rel))
    .chain([
        PathBuf::from("/srv/data"),
        bundle.clone(),
        bundle.join("ready.fifo"),
        bundle.join("exec.fifo"),
    ])
    .collect();
    assert_eq!(paths, expected);
}

#[test]
fn a_reached_overlay_root_is_made_detached_and_attached_through_its_descriptor() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = bundle(tmp.path(), "overlay");
    let container = Container::load_reached(&bundle, reach(&host_paths(&bundle, None).unwrap()))
        .expect("loads through the descriptor of config.json");
    assert!(container.rootfs_is_reached());
    let fd = |rel: &str| {
        let path = container.reached.path(&tmp.path().join(rel)).unwrap();
        crate::runtime::userns::fd_number(&path).unwrap()
    };
    let root = format!("/proc/self/fd/{}", fd("c1/rootfs"));
    let hosts = format!("/proc/self/fd/{}", fd("c1/hosts"));
    let sys = Recorder::new().exists(&hosts, FileKind::NonDir);
    prepare_rootfs(&sys, &container, true).unwrap();
    mount_all(&sys, &container, true).unwrap_err(); // /srv/data does not exist here
    let calls = sys.calls();
    let attach = format!(
        "attach_root overlay lowerdir={}:{},upperdir={},workdir={},userxattr on {root}",
        fd("layers/b"),
        fd("layers/a"),
        fd("c1/upper"),
        fd("c1/work")
    );
    assert_eq!(
        calls[..5],
        [
            "mount - / - REC|PRIVATE -".to_string(),
            "chdir /proc/self/fd".to_string(),
            attach,
            "chdir /".to_string(),
            format!("set_rootfs {root}"),
        ],
        "{calls:#?}"
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with(&format!("mount {root} {root}"))),
        "no bind of the root onto itself: it would hide under the descriptor\n{calls:#?}"
    );
    let bind = format!("mount {hosts} rootfs:/etc/hosts - BIND|REC -");
    assert!(calls.contains(&bind), "{calls:#?}");
}

#[test]
fn a_reached_vfs_root_is_bound_and_fuse_overlayfs_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = bundle(tmp.path(), "vfs");
    let container =
        Container::load_reached(&bundle, reach(&host_paths(&bundle, None).unwrap())).unwrap();
    let sys = Recorder::new();
    prepare_rootfs(&sys, &container, true).unwrap();
    let root = container.rootfs.display().to_string();
    assert!(
        sys.calls().contains(&format!("attach_root bind on {root}")),
        "{:#?}",
        sys.calls()
    );

    let bundle = self::bundle(&tmp.path().join("fuse"), "fuse-overlayfs");
    let container =
        Container::load_reached(&bundle, reach(&host_paths(&bundle, None).unwrap())).unwrap();
    let err = start_fuse_overlayfs(&Recorder::new(), &container).unwrap_err();
    assert!(format!("{err:#}").contains("--userns=auto"), "{err:#}");
}
