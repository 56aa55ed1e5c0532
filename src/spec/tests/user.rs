//! `--user` resolution against the image's passwd and group files.

use serde_json::json;

use super::*;
use crate::spec::user::{ResolvedUser, resolve_user};

fn resolve(spec: Option<&str>) -> anyhow::Result<ResolvedUser> {
    resolve_user(spec, &[], Some(PASSWD), Some(GROUP))
}

fn user(uid: u32, gid: u32, groups: &[u32], home: &str) -> ResolvedUser {
    ResolvedUser {
        uid,
        gid,
        additional_gids: groups.to_vec(),
        home: home.into(),
    }
}

#[test]
fn names_and_ids_resolve_like_runc() {
    let app = user(1000, 1000, &[10, 29], "/home/app");
    assert_eq!(resolve(None).unwrap(), user(0, 0, &[], "/root"));
    assert_eq!(resolve(Some("")).unwrap(), user(0, 0, &[], "/root"));
    assert_eq!(resolve(Some("root")).unwrap(), user(0, 0, &[], "/root"));
    assert_eq!(resolve(Some("app")).unwrap(), app);
    assert_eq!(resolve(Some("1000")).unwrap(), app);
    // An explicit group replaces the primary group and the memberships.
    assert_eq!(
        resolve(Some("app:staff")).unwrap(),
        user(1000, 50, &[], "/home/app")
    );
    assert_eq!(
        resolve(Some("app:50")).unwrap(),
        user(1000, 50, &[], "/home/app")
    );
    assert_eq!(
        resolve(Some("1000:7777")).unwrap(),
        user(1000, 7777, &[], "/home/app")
    );
    // Unknown numeric IDs run anyway, with GID 0 and HOME=/ (docker's rule).
    assert_eq!(resolve(Some("4242")).unwrap(), user(4242, 0, &[], "/"));
    assert_eq!(
        resolve(Some("4242:4343")).unwrap(),
        user(4242, 4343, &[], "/")
    );
    // An empty home field falls back to /.
    assert_eq!(resolve(Some("nohome")).unwrap(), user(1001, 1001, &[], "/"));
}

#[test]
fn unknown_names_are_errors_with_the_fix() {
    let text = err_text(resolve(Some("nobody2")));
    assert!(
        text.starts_with("unable to find user nobody2: no matching entries in passwd file"),
        "{text}"
    );
    assert!(text.contains("numeric --user"), "{text}");
    let text = err_text(resolve(Some("app:nogroup")));
    assert!(
        text.starts_with("unable to find group nogroup: no matching entries in group file"),
        "{text}"
    );
}

#[test]
fn malformed_user_specs_are_rejected() {
    for bad in [":5", "app:", "a:b:c", ":"] {
        let text = err_text(resolve(Some(bad)));
        assert!(text.contains("malformed"), "{bad}: {text}");
    }
}

#[test]
fn images_without_passwd_still_run_root_and_numeric_users() {
    assert_eq!(
        resolve_user(None, &[], None, None).unwrap(),
        user(0, 0, &[], "/")
    );
    assert_eq!(
        resolve_user(Some("root"), &[], None, None).unwrap(),
        user(0, 0, &[], "/")
    );
    assert_eq!(
        resolve_user(Some("12:34"), &[], None, None).unwrap(),
        user(12, 34, &[], "/")
    );
    assert!(resolve_user(Some("app"), &[], None, None).is_err());
}

#[test]
fn group_add_takes_names_and_ids() {
    let extra = vec!["staff".to_string(), "4000".to_string(), "wheel".to_string()];
    let got = resolve_user(Some("app"), &extra, Some(PASSWD), Some(GROUP)).unwrap();
    assert_eq!(got.additional_gids, vec![10, 29, 50, 4000]);
    let missing = vec!["ghosts".to_string()];
    let text = err_text(resolve_user(
        Some("app"),
        &missing,
        Some(PASSWD),
        Some(GROUP),
    ));
    assert!(
        text.contains("--group-add") && text.contains("ghosts"),
        "{text}"
    );
    let keep = vec!["keep-groups".to_string()];
    assert!(err_text(resolve_user(None, &keep, Some(PASSWD), Some(GROUP))).contains("keep-groups"));
}

#[test]
fn spec_user_comes_from_flag_image_or_keep_id() {
    let mut fx = Fixture::new();
    let ids = |fx: &Fixture, o: &RunOptions| {
        let spec = fx.spec(o);
        let u = spec.process().as_ref().unwrap().user().clone();
        (
            u.uid(),
            u.gid(),
            u.additional_gids().clone().unwrap_or_default(),
            u.umask(),
        )
    };
    assert_eq!(ids(&fx, &opts()), (0, 0, vec![], Some(0o022)));
    fx.image = image(json!({"Cmd": ["x"], "User": "app"}));
    assert_eq!(ids(&fx, &opts()), (1000, 1000, vec![10, 29], Some(0o022)));
    let flag = RunOptions {
        user: Some("daemon".into()),
        ..opts()
    };
    assert_eq!(ids(&fx, &flag).0, 1);

    // keep-id: the caller's own IDs unless a user is named; here they map 1:1.
    let mut fx = Fixture::new();
    fx.uids = vec![
        id_map(0, 1, 1000),
        id_map(1000, 1000, 1),
        id_map(1001, 1001, 64_535),
    ];
    fx.gids = fx.uids.clone();
    let keep = RunOptions {
        userns: crate::spec::UsernsMode::KeepId {
            uid: None,
            gid: None,
        },
        ..opts()
    };
    // "UID:GID" names the group, so /etc/group memberships are not added (as with podman).
    assert_eq!(ids(&fx, &keep), (1000, 1000, vec![], Some(0o022)));
}

#[test]
fn users_outside_the_id_mapping_are_refused() {
    let fx = Fixture::new();
    let o = RunOptions {
        user: Some("70000".into()),
        ..opts()
    };
    let text = err_text(fx.build(&o));
    assert!(text.contains("user ID 70000 is not mapped"), "{text}");
    assert!(text.contains("0-0, 1-65536"), "{text}");
    let o = RunOptions {
        user: Some("0:70000".into()),
        ..opts()
    };
    assert!(err_text(fx.build(&o)).contains("group ID 70000 is not mapped"));
}
