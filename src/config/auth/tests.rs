use super::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use tempfile::TempDir;

fn b64(s: &str) -> String {
    BASE64.encode(s)
}

fn creds(user: &str, pass: &str) -> Credentials {
    Credentials {
        username: user.into(),
        password: pass.into(),
    }
}

/// A chain of the four default files under a temp dir, without consulting the environment.
fn chain(dir: &TempDir) -> AuthFiles {
    let at = |rel: &str| dir.path().join(rel);
    AuthFiles {
        chain: vec![
            AuthFile {
                path: at("run/containers/auth.json"),
                legacy: false,
            },
            AuthFile {
                path: at("config/containers/auth.json"),
                legacy: false,
            },
            AuthFile {
                path: at("home/.docker/config.json"),
                legacy: false,
            },
            AuthFile {
                path: at("home/.dockercfg"),
                legacy: true,
            },
        ],
    }
}

fn write(dir: &TempDir, rel: &str, json: &str) -> PathBuf {
    let path = dir.path().join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, json).unwrap();
    path
}

#[test]
fn most_specific_key_wins_within_a_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "run/containers/auth.json",
        &format!(
            r#"{{"auths":{{"quay.io":{{"auth":"{}"}},"quay.io/team":{{"auth":"{}"}},"quay.io/team/app":{{"auth":"{}"}}}}}}"#,
            b64("host:h"),
            b64("ns:n"),
            b64("repo:r")
        ),
    );
    let files = chain(&dir);
    assert_eq!(
        files.lookup("quay.io", "team/app").unwrap(),
        Some(creds("repo", "r"))
    );
    assert_eq!(
        files.lookup("quay.io", "team/other").unwrap(),
        Some(creds("ns", "n"))
    );
    assert_eq!(
        files.lookup("quay.io", "solo/x").unwrap(),
        Some(creds("host", "h"))
    );
    assert_eq!(
        files.lookup("quay.io", "").unwrap(),
        Some(creds("host", "h"))
    );
    assert_eq!(files.lookup("ghcr.io", "a/b").unwrap(), None);
}

#[test]
fn earlier_file_wins_and_chain_falls_through() {
    let dir = tempfile::tempdir().unwrap();
    let files = chain(&dir);
    assert_eq!(
        files.lookup("quay.io", "a").unwrap(),
        None,
        "no files at all is fine"
    );
    write(
        &dir,
        "home/.dockercfg",
        &format!(
            r#"{{"https://old.io/v1/":{{"auth":"{}"}}}}"#,
            b64("legacy:l")
        ),
    );
    write(
        &dir,
        "home/.docker/config.json",
        &format!(
            r#"{{"credsStore":"desktop","credHelpers":{{"gcr.io":"gcloud"}},"auths":{{"quay.io":{{"auth":"{}"}},"empty.io":{{}}}}}}"#,
            b64("docker:d")
        ),
    );
    write(
        &dir,
        "config/containers/auth.json",
        &format!(
            r#"{{"auths":{{"empty.io":{{"auth":"{}"}}}}}}"#,
            b64("cfg:c")
        ),
    );
    assert_eq!(
        files.lookup("quay.io", "a").unwrap(),
        Some(creds("docker", "d"))
    );
    assert_eq!(
        files.lookup("old.io", "a").unwrap(),
        Some(creds("legacy", "l"))
    );
    assert_eq!(
        files.lookup("empty.io", "a").unwrap(),
        Some(creds("cfg", "c"))
    );
    write(
        &dir,
        "run/containers/auth.json",
        &format!(r#"{{"auths":{{"quay.io":{{"auth":"{}"}}}}}}"#, b64("run:r")),
    );
    assert_eq!(
        files.lookup("quay.io", "a").unwrap(),
        Some(creds("run", "r"))
    );
    // A docker entry without "auth" (secret held by a helper) does not stop the search.
    write(
        &dir,
        "home/.docker/config.json",
        r#"{"auths":{"gcr.io":{}}}"#,
    );
    assert_eq!(files.lookup("gcr.io", "a").unwrap(), None);
}

#[test]
fn docker_url_keys_are_normalised() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "home/.docker/config.json",
        &format!(
            r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{}"}},"http://reg.local:5000/v2/":{{"auth":"{}"}}}}}}"#,
            b64("hub:h"),
            b64("local:l")
        ),
    );
    let files = chain(&dir);
    assert_eq!(
        files.lookup("docker.io", "library/busybox").unwrap(),
        Some(creds("hub", "h"))
    );
    assert_eq!(
        files.lookup("reg.local:5000", "x").unwrap(),
        Some(creds("local", "l"))
    );
    assert_eq!(normalize_key("registry-1.docker.io"), "docker.io");
    assert_eq!(normalize_key("https://quay.io"), "quay.io");
    assert_eq!(normalize_key("quay.io/ns"), "quay.io/ns");
}

#[test]
fn password_may_contain_colons() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "run/containers/auth.json",
        &format!(r#"{{"auths":{{"a.io":{{"auth":"{}"}}}}}}"#, b64("u:p:w")),
    );
    assert_eq!(
        chain(&dir).lookup("a.io", "x").unwrap(),
        Some(creds("u", "p:w"))
    );
}

#[test]
fn bad_entries_are_errors_naming_file_and_key() {
    let cases = [
        (
            r#"{"auths":{"a.io":{"auth":"!!notbase64"}}}"#,
            "not valid base64",
        ),
        (
            &format!(r#"{{"auths":{{"a.io":{{"auth":"{}"}}}}}}"#, b64("nocolon")) as &str,
            "no ':'",
        ),
        (r#"{"auths":{"a.io":{"auth":5}}}"#, "not a string"),
        (r#"{"auths": ["#, "not valid JSON"),
        (r#"[1]"#, "not a JSON object"),
        (r#"{"auths":[]}"#, "\"auths\" is not a JSON object"),
    ];
    for (json, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "run/containers/auth.json", json);
        let msg = chain(&dir).lookup("a.io", "x").unwrap_err().to_string();
        assert!(msg.contains(expected), "{json}: {msg}");
        assert!(msg.contains(&path.display().to_string()), "{json}: {msg}");
        if !expected.contains("JSON") {
            assert!(msg.contains("\"a.io\""), "{json}: {msg}");
        }
    }
}

#[test]
fn store_keeps_other_keys_and_fields_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let files = AuthFiles::single(dir.path().join("run/containers/auth.json"));
    let path = files.store("quay.io", &creds("me", "secret")).unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let parent_mode = fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(parent_mode & 0o777, 0o700);

    let mut json: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    json["credHelpers"] = serde_json::json!({"gcr.io": "gcloud"});
    json["auths"]["ghcr.io"] = serde_json::json!({"auth": b64("gh:g"), "email": "x@y"});
    fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();

    files.store("docker.io", &creds("hub", "h")).unwrap();
    files.store("quay.io", &creds("me", "new")).unwrap();
    let json: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["credHelpers"]["gcr.io"], "gcloud");
    assert_eq!(json["auths"]["ghcr.io"]["email"], "x@y");
    assert_eq!(
        files.lookup("quay.io", "a").unwrap(),
        Some(creds("me", "new"))
    );
    assert_eq!(
        files.lookup("docker.io", "library/x").unwrap(),
        Some(creds("hub", "h"))
    );
    assert_eq!(
        files.lookup("ghcr.io", "a").unwrap(),
        Some(creds("gh", "g"))
    );
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn store_refuses_bad_input_and_does_not_clobber_corrupt_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "auth.json", "{corrupt");
    let files = AuthFiles::single(path.clone());
    assert!(files.store("https://quay.io", &creds("a", "b")).is_err());
    assert!(files.store("quay.io", &creds("a:b", "c")).is_err());
    assert!(files.store("quay.io", &creds("a", "b")).is_err());
    assert_eq!(fs::read_to_string(&path).unwrap(), "{corrupt");
}

#[test]
fn remove_and_remove_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "auth.json",
        &format!(
            r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{a}"}},"docker.io/team":{{"auth":"{a}"}},"quay.io":{{"auth":"{a}"}}}},"other":1}}"#,
            a = b64("u:p")
        ),
    );
    let files = AuthFiles::single(path.clone());
    assert!(files.remove("docker.io").unwrap());
    assert!(!files.remove("docker.io").unwrap());
    assert_eq!(
        files.lookup("docker.io", "team/x").unwrap(),
        Some(creds("u", "p"))
    );
    assert_eq!(files.lookup("docker.io", "library/x").unwrap(), None);
    files.remove_all().unwrap();
    let json: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(json, serde_json::json!({"auths": {}, "other": 1}));

    let missing = AuthFiles::single(dir.path().join("none/auth.json"));
    assert!(!missing.remove("quay.io").unwrap());
    missing.remove_all().unwrap();
    assert!(
        !dir.path().join("none").exists(),
        "nothing is created to remove nothing"
    );
}

#[test]
fn default_chain_order() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::sandbox(dir.path());
    // An explicit --authfile replaces the chain (REGISTRY_AUTH_FILE is not consulted then).
    let only = AuthFiles::new(&paths, Some(dir.path().join("mine.json")));
    assert_eq!(
        only.files().collect::<Vec<_>>(),
        [dir.path().join("mine.json")]
    );
    assert_eq!(only.primary(), dir.path().join("mine.json"));

    let default = AuthFiles::default_chain(&paths, &paths.home.join(".docker"));
    let expected = [
        dir.path().join("run/containers/auth.json"),
        dir.path().join("home/.config/containers/auth.json"),
        dir.path().join("home/.docker/config.json"),
        dir.path().join("home/.dockercfg"),
    ];
    assert_eq!(default.files().collect::<Vec<_>>(), expected);
    let mut root = paths.clone();
    root.rootless = false;
    let root_chain = AuthFiles::default_chain(&root, &root.home.join(".docker"));
    assert_eq!(
        root_chain.primary(),
        Path::new("/run/containers/0/auth.json")
    );
}

#[test]
fn debug_hides_password() {
    let shown = format!("{:?}", creds("me", "hunter2"));
    assert!(shown.contains("me") && !shown.contains("hunter2"));
}
