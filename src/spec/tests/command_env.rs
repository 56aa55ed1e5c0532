//! ENTRYPOINT/CMD resolution and the environment merge.

use std::fs;

use serde_json::json;

use super::*;
use crate::spec::generate::command_args;

fn resolve(image_config: serde_json::Value, opts: &RunOptions) -> anyhow::Result<Vec<String>> {
    let img = image(image_config);
    command_args(img.config().as_ref(), opts)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn entrypoint_and_cmd_follow_dockers_rules() {
    let both = json!({"Entrypoint": ["/ep", "-x"], "Cmd": ["default"]});
    let cmd_only = json!({"Cmd": ["/bin/sh", "-c", "true"]});
    let ep_only = json!({"Entrypoint": ["/ep"]});
    let with = |command: &[&str], entrypoint: Option<&[&str]>| RunOptions {
        command: strings(command),
        entrypoint: entrypoint.map(strings),
        ..opts()
    };
    // (image, user command, --entrypoint, expected)
    let cases: Vec<(serde_json::Value, RunOptions, Vec<&str>)> = vec![
        (
            cmd_only.clone(),
            with(&[], None),
            vec!["/bin/sh", "-c", "true"],
        ),
        (cmd_only.clone(), with(&["ls", "/"], None), vec!["ls", "/"]),
        (both.clone(), with(&[], None), vec!["/ep", "-x", "default"]),
        (both.clone(), with(&["arg"], None), vec!["/ep", "-x", "arg"]),
        (ep_only.clone(), with(&[], None), vec!["/ep"]),
        // --entrypoint drops the image's CMD ...
        (both.clone(), with(&[], Some(&["/other"])), vec!["/other"]),
        // ... but keeps the user's command.
        (
            both.clone(),
            with(&["a", "b"], Some(&["/other"])),
            vec!["/other", "a", "b"],
        ),
        // --entrypoint "" resets the entrypoint, in both encodings.
        (both.clone(), with(&["ls"], Some(&[])), vec!["ls"]),
        (both.clone(), with(&["ls"], Some(&[""])), vec!["ls"]),
        (cmd_only.clone(), with(&["ls"], Some(&[""])), vec!["ls"]),
    ];
    for (i, (img, o, expected)) in cases.into_iter().enumerate() {
        assert_eq!(resolve(img, &o).unwrap(), strings(&expected), "case {i}");
    }
}

#[test]
fn nothing_to_run_is_an_error_with_the_fix() {
    let reset = RunOptions {
        entrypoint: Some(vec![]),
        ..opts()
    };
    let text = err_text(resolve(json!({"Cmd": ["/bin/sh"]}), &reset));
    assert!(text.contains("no command given"), "{text}");
    assert!(
        text.contains("add a command after the image name"),
        "{text}"
    );
    assert!(resolve(json!({}), &opts()).is_err());
}

#[test]
fn environment_merges_in_podmans_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vars.env");
    fs::write(
        &file,
        "# comment\n\nFROM_FILE=file\nSHARED=file\n  HOSTVAR\nMISSING_ON_HOST\nPROXY_*\n",
    )
    .unwrap();
    let mut fx = Fixture::new();
    fx.image = image(json!({
        "Cmd": ["/bin/sh"],
        "Env": ["PATH=/image/bin", "SHARED=image", "IMAGE_ONLY=1", "TERM=vt100"]
    }));
    let o = RunOptions {
        env_files: vec![file],
        env: strings(&["SHARED=flag", "EMPTY=", "WITH=eq=sign"]),
        user: Some("app".into()),
        ..opts()
    };
    let got = env(&fx.spec(&o));
    let expected = strings(&[
        "PATH=/image/bin",
        "container=engine",
        "TERM=vt100",
        "SHARED=flag",
        "IMAGE_ONLY=1",
        "FROM_FILE=file",
        "HOSTVAR=from-host",
        "PROXY_A=a",
        "PROXY_B=b",
        "EMPTY=",
        "WITH=eq=sign",
        "HOSTNAME=0123456789ab",
        "HOME=/home/app",
    ]);
    assert_eq!(got, expected);
}

#[test]
fn defaults_fill_what_the_image_lacks() {
    let fx = Fixture::new();
    let got = env(&fx.spec(&opts()));
    assert_eq!(
        got,
        strings(&[
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "container=engine",
            "TERM=xterm",
            "HOSTNAME=0123456789ab",
            "HOME=/root",
        ])
    );
}

#[test]
fn user_set_hostname_and_home_are_kept() {
    let fx = Fixture::new();
    let o = RunOptions {
        env: strings(&["HOME=/custom", "HOSTNAME=mine"]),
        hostname: Some("box".into()),
        ..opts()
    };
    let got = env(&fx.spec(&o));
    assert!(got.contains(&"HOME=/custom".to_string()));
    assert!(got.contains(&"HOSTNAME=mine".to_string()));
    assert_eq!(fx.spec(&o).hostname().as_deref(), Some("box"));
}

#[test]
fn bad_env_entries_name_their_origin() {
    let fx = Fixture::new();
    let bad_flag = RunOptions {
        env: strings(&["BAD KEY=1"]),
        ..opts()
    };
    let text = err_text(fx.build(&bad_flag));
    assert!(text.contains("-e \"BAD KEY=1\""), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.env");
    fs::write(&file, "OK=1\n=novalue\n").unwrap();
    let bad_file = RunOptions {
        env_files: vec![file.clone()],
        ..opts()
    };
    let text = err_text(fx.build(&bad_file));
    assert!(
        text.contains(&format!("{} line 2", file.display())),
        "{text}"
    );

    let missing = RunOptions {
        env_files: vec![dir.path().join("nope.env")],
        ..opts()
    };
    let text = err_text(fx.build(&missing));
    assert!(
        text.contains("nope.env") && text.contains("cannot read"),
        "{text}"
    );
}

#[test]
fn working_directory_comes_from_flag_image_or_root() {
    let mut fx = Fixture::new();
    let cwd = |fx: &Fixture, o: &RunOptions| fx.spec(o).process().as_ref().unwrap().cwd().clone();
    assert_eq!(cwd(&fx, &opts()), std::path::PathBuf::from("/"));
    fx.image = image(json!({"Cmd": ["x"], "WorkingDir": "/srv/app"}));
    assert_eq!(cwd(&fx, &opts()), std::path::PathBuf::from("/srv/app"));
    fx.image = image(json!({"Cmd": ["x"], "WorkingDir": "relative"}));
    assert_eq!(cwd(&fx, &opts()), std::path::PathBuf::from("/relative"));
    let flag = RunOptions {
        workdir: Some("/w".into()),
        ..opts()
    };
    assert_eq!(cwd(&fx, &flag), std::path::PathBuf::from("/w"));
    let relative = RunOptions {
        workdir: Some("w".into()),
        ..opts()
    };
    assert!(err_text(fx.build(&relative)).contains("--workdir \"w\": not absolute"));
}
