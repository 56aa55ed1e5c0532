use std::path::Path;

use serde_json::{Value, json};

use super::{BUNDLE, spec_json};
use crate::runtime::builtin::config::Container;
use crate::spec::recipe::RootfsRecipe;

fn load_error(edit: impl FnOnce(&mut Value)) -> String {
    match Container::from_spec(spec_json(edit), Path::new(BUNDLE)) {
        Ok(_) => panic!("the spec was accepted"),
        Err(err) => format!("{err:#}"),
    }
}

#[test]
fn a_relative_root_is_taken_from_the_bundle() {
    let spec = spec_json(|s| s["root"]["path"] = json!("rootfs"));
    let container = Container::from_spec(spec, Path::new(BUNDLE)).unwrap();
    assert_eq!(container.rootfs, Path::new("/store/containers/c1/rootfs"));
}

#[test]
fn empty_args_are_refused() {
    assert_eq!(
        load_error(|s| s["process"]["args"] = json!([])),
        "process.args is empty: give the command to run"
    );
}

#[test]
fn a_relative_cwd_is_refused() {
    assert_eq!(
        load_error(|s| s["process"]["cwd"] = json!("work")),
        "process.cwd work is not absolute"
    );
}

#[test]
fn mount_destinations_must_be_absolute_without_dotdot() {
    let relative = load_error(|s| {
        s["mounts"] = json!([{"destination": "data", "type": "tmpfs", "source": "tmpfs"}])
    });
    assert_eq!(relative, "mount destination data is not absolute");
    let escaping = load_error(|s| {
        s["mounts"] = json!([{"destination": "/a/../../etc", "type": "tmpfs", "source": "tmpfs"}])
    });
    assert_eq!(
        escaping,
        "mount destination /a/../../etc contains '..': use a path without it"
    );
}

#[test]
fn masked_paths_must_be_absolute() {
    assert_eq!(
        load_error(|s| s["linux"]["maskedPaths"] = json!(["proc/kcore"])),
        "masked or read-only path proc/kcore is not absolute"
    );
}

#[test]
fn a_namespace_listed_twice_is_refused() {
    assert_eq!(
        load_error(|s| s["linux"]["namespaces"] = json!([{"type": "pid"}, {"type": "pid"}])),
        "namespace pid is listed twice"
    );
}

#[test]
fn a_spec_without_the_rootfs_recipe_is_a_plain_bundle_used_as_is() {
    let spec = spec_json(|s| s["annotations"] = json!({"org.example": "x"}));
    let container = Container::from_spec(spec, Path::new(BUNDLE)).unwrap();
    assert_eq!(container.recipe, RootfsRecipe::vfs());
}

#[test]
fn a_partial_rootfs_recipe_says_to_recreate_the_container() {
    let err = load_error(|s| s["annotations"] = json!({"org.engine.rootfs.upperdir": "/u"}));
    assert!(err.contains("org.engine.rootfs.driver is missing"), "{err}");
}

#[test]
fn load_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), "{not json").unwrap();
    let err = format!("{:#}", Container::load(dir.path()).err().unwrap());
    assert!(
        err.starts_with(&format!("load {}/config.json", dir.path().display())),
        "{err}"
    );
}
