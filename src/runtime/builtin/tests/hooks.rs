//! The spec's hooks for `engine oci`, and where a rootfs's parent mount is.

use std::path::Path;

use oci_spec::runtime::{Hook, Hooks};
use serde_json::json;

use crate::runtime::builtin::hooks::{Stage, hooks_for, run_one};
use crate::runtime::builtin::rootfs::mount_point_of;

fn hook(value: serde_json::Value) -> Hook {
    serde_json::from_value(value).unwrap()
}

#[test]
fn each_stage_runs_its_hooks_in_order() {
    let hooks: Hooks = serde_json::from_value(json!({
        "prestart": [{"path": "/a"}],
        "createRuntime": [{"path": "/b"}],
        "poststart": [{"path": "/c"}],
        "poststop": [{"path": "/d"}, {"path": "/e"}]
    }))
    .unwrap();
    let paths = |stage| -> Vec<String> {
        hooks_for(&hooks, stage)
            .iter()
            .map(|h| h.path().display().to_string())
            .collect()
    };
    assert_eq!(paths(Stage::Created), ["/a", "/b"]);
    assert_eq!(paths(Stage::Started), ["/c"]);
    assert_eq!(paths(Stage::Deleted), ["/d", "/e"]);
}

#[test]
fn a_hook_gets_the_state_on_stdin_its_args_and_only_its_env() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let script = format!(
        "echo \"$0 $1 $FOO ${{HOME:-nohome}}\" >{0}; cat >>{0}",
        out.display()
    );
    let sh = hook(json!({
        "path": "/bin/sh", "args": ["hook-name", "-c", script], "env": ["FOO=bar"]
    }));
    run_one(&sh, br#"{"status":"created"}"#).unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "hook-name  bar nohome\n{\"status\":\"created\"}"
    );
}

#[test]
fn a_failing_or_slow_hook_is_an_error_naming_it() {
    let fails = hook(json!({"path": "/bin/false"}));
    let err = format!("{:#}", run_one(&fails, b"{}").unwrap_err());
    assert!(
        err.starts_with("hook /bin/false failed (exit status: 1)"),
        "{err}"
    );
    let slow = hook(json!({"path": "/bin/sleep", "args": ["sleep", "5"], "timeout": 1}));
    let err = format!("{:#}", run_one(&slow, b"{}").unwrap_err());
    assert_eq!(
        err,
        "hook /bin/sleep did not finish within its timeout of 1 s"
    );
}

#[test]
fn the_parent_mount_is_the_longest_mount_point_above() {
    let mountinfo = "\
22 1 0:21 / / rw - ext4 /dev/vda rw
30 22 0:25 / /tmp rw - tmpfs tmpfs rw
31 22 0:26 / /tmpx rw - tmpfs tmpfs rw
";
    let at = |path: &str| mount_point_of(Path::new(path), mountinfo);
    assert_eq!(at("/tmp/bundle"), Path::new("/tmp"));
    assert_eq!(at("/tmpxy/bundle"), Path::new("/"));
    assert_eq!(at("/srv"), Path::new("/"));
}
