//! `engine login` / `logout` and pulling from the TLS registry, which wants basic auth:
//! where credentials are written (auth.json, mode 0600) and read from (--creds, --authfile,
//! REGISTRY_AUTH_FILE, the default chain), and what a wrong password or unknown CA does.

mod common;
mod pull_support;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{Out, Sandbox, env, fixture_str};
use pull_support::{assert_engine_error, assert_engine_error_any, lines};
use serde_json::{Value, json};

fn tls() -> &'static str {
    &env().tls_registry
}

fn tls_image() -> &'static str {
    fixture_str("tls/busybox:latest", "reference")
}

fn default_auth_file(sb: &Sandbox) -> PathBuf {
    sb.runtime_dir().join("containers/auth.json")
}

/// `login -u USER --password-stdin [extra] REGISTRY` with `password` on stdin.
fn login(sb: &Sandbox, password: &str, extra: &[&str]) -> Out {
    let args = [
        &["login", "-u", env().reg_user.as_str(), "--password-stdin"],
        extra,
        &[tls()],
    ]
    .concat();
    sb.engine_with_stdin(&args, format!("{password}\n"))
}

fn pull(sb: &Sandbox, args: &[&str]) -> Out {
    sb.engine(&[&["pull", "-q"], args].concat())
}

#[track_caller]
fn assert_pulled(out: &Out) {
    out.ok();
    assert_eq!(
        lines(out),
        [fixture_str("tls/busybox:latest", "image_id")],
        "{out}"
    );
}

/// A pull the TLS registry refuses for lack of (valid) credentials.
#[track_caller]
fn assert_needs_login(out: &Out) {
    assert_engine_error_any(out, &[tls()], &["login", "authentication"]);
}

fn read_json(path: &Path) -> Value {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Asserts `path` is an auth.json holding the test credentials for the TLS registry, private
/// to the test user.
#[track_caller]
fn assert_holds_credentials(path: &Path) {
    let meta =
        fs::metadata(path).unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "{} must be mode 0600",
        path.display()
    );
    assert_eq!(
        meta.uid(),
        env().uid,
        "{} must belong to the user",
        path.display()
    );
    let expected = BASE64.encode(format!("{}:{}", env().reg_user, env().reg_pass));
    let auth = &read_json(path)["auths"][tls()]["auth"];
    assert_eq!(
        auth,
        &json!(expected),
        "{}: wrong credentials for {}",
        path.display(),
        tls()
    );
}

fn auth_json_for(host: &str, user: &str, pass: &str) -> String {
    json!({"auths": {host: {"auth": BASE64.encode(format!("{user}:{pass}"))}}}).to_string()
}

#[test]
fn login_with_password_stdin_enables_pulls() {
    let sb = Sandbox::new();
    assert_needs_login(&pull(&sb, &[tls_image()]));

    let out = login(&sb, &env().reg_pass, &[]);
    out.ok().stdout_has("Login Succeeded!");
    assert_holds_credentials(&default_auth_file(&sb));
    assert_pulled(&pull(&sb, &[tls_image()]));

    let out = sb.engine(&["login", "--get-login", tls()]);
    assert_eq!(out.ok().line(), env().reg_user);
}

#[test]
fn login_with_password_flag() {
    let sb = Sandbox::new();
    let out = sb.engine(&["login", "-u", &env().reg_user, "-p", &env().reg_pass, tls()]);
    out.ok().stdout_has("Login Succeeded!");
    assert_holds_credentials(&default_auth_file(&sb));
}

#[test]
fn wrong_password_is_refused_and_nothing_is_written() {
    let sb = Sandbox::new();
    let out = login(&sb, "wrong-password", &[]);
    assert_engine_error_any(
        &out,
        &[tls()],
        &["unauthorized", "authentication", "password", "credentials"],
    );
    assert!(
        !default_auth_file(&sb).exists(),
        "a failed login must not write auth.json"
    );

    // An existing auth.json is left exactly as it was.
    let before = auth_json_for("other.example", "someone", "secret");
    let path = sb.write_file_mode("run/containers/auth.json", &before, 0o600);
    assert_engine_error(&login(&sb, "wrong-password", &[]), &[tls()]);
    assert_eq!(fs::read_to_string(&path).expect("auth.json"), before);
}

#[test]
fn login_keeps_the_other_registries_credentials() {
    let sb = Sandbox::new();
    sb.write_file_mode(
        "run/containers/auth.json",
        auth_json_for("other.example", "someone", "secret"),
        0o600,
    );
    login(&sb, &env().reg_pass, &[]).ok();
    let path = default_auth_file(&sb);
    assert_holds_credentials(&path);
    let kept = &read_json(&path)["auths"]["other.example"]["auth"];
    assert_eq!(kept, &json!(BASE64.encode("someone:secret")));
}

#[test]
fn logout_removes_the_credentials() {
    let sb = Sandbox::new();
    login(&sb, &env().reg_pass, &[]).ok();
    let out = sb.engine(&["logout", tls()]);
    out.ok().stdout_has(tls());
    let path = default_auth_file(&sb);
    if path.exists() {
        assert!(
            read_json(&path)["auths"].get(tls()).is_none(),
            "logout left {} in {}",
            tls(),
            path.display()
        );
    }
    assert_needs_login(&pull(&sb, &[tls_image()]));
    assert_engine_error(&sb.engine(&["logout", tls()]), &[tls()]);
    assert_engine_error(&sb.engine(&["login", "--get-login", tls()]), &[tls()]);
}

#[test]
fn logout_all_removes_every_registry() {
    let sb = Sandbox::new();
    sb.write_file_mode(
        "run/containers/auth.json",
        auth_json_for("other.example", "someone", "secret"),
        0o600,
    );
    login(&sb, &env().reg_pass, &[]).ok();
    sb.engine(&["logout", "--all"]).ok();
    let path = default_auth_file(&sb);
    if path.exists() {
        let auths = &read_json(&path)["auths"];
        assert!(
            auths.as_object().is_none_or(|a| a.is_empty()),
            "logout --all left {auths}"
        );
    }
    assert_needs_login(&pull(&sb, &[tls_image()]));
}

#[test]
fn creds_flag_authenticates_one_pull() {
    let sb = Sandbox::new();
    let wrong = format!("{}:wrong-password", env().reg_user);
    assert_needs_login(&pull(&sb, &["--creds", &wrong, tls_image()]));
    let good = format!("{}:{}", env().reg_user, env().reg_pass);
    assert_pulled(&pull(&sb, &["--creds", &good, tls_image()]));
    assert!(
        !default_auth_file(&sb).exists(),
        "--creds must not be saved"
    );
}

#[test]
fn authfile_flag_and_registry_auth_file_variable() {
    let sb = Sandbox::new();
    let file = sb.home().join("my-auth.json");
    let file_arg = file.display().to_string();
    login(&sb, &env().reg_pass, &["--authfile", &file_arg]).ok();
    assert_holds_credentials(&file);
    assert!(
        !default_auth_file(&sb).exists(),
        "--authfile must replace the default file"
    );

    assert_needs_login(&pull(&sb, &[tls_image()]));
    assert_pulled(&pull(&sb, &["--authfile", &file_arg, tls_image()]));
    let out = sb
        .engine_cmd(&["pull", "-q", tls_image()])
        .env("REGISTRY_AUTH_FILE", &file)
        .run();
    assert_pulled(&out);

    sb.engine(&["logout", "--authfile", &file_arg, tls()]).ok();
    assert_needs_login(&pull(&sb, &["--authfile", &file_arg, tls_image()]));
}

#[test]
fn credentials_are_found_in_the_fallback_files() {
    let auth = auth_json_for(tls(), &env().reg_user, &env().reg_pass);
    for fallback in [".config/containers/auth.json", ".docker/config.json"] {
        let sb = Sandbox::new();
        sb.write_file_mode(fallback, &auth, 0o600);
        let out = pull(&sb, &[tls_image()]);
        out.ok();
        assert_eq!(
            lines(&out),
            [fixture_str("tls/busybox:latest", "image_id")],
            "credentials in ~/{fallback}\n{out}"
        );
    }
}

#[test]
fn login_to_a_registry_with_an_unknown_ca() {
    let sb = Sandbox::new();
    fs::remove_dir_all(sb.config_dir().join("containers/certs.d")).expect("removing certs.d");
    assert_engine_error(&login(&sb, &env().reg_pass, &[]), &[tls(), "certificate"]);
    assert!(
        !default_auth_file(&sb).exists(),
        "a failed login must not write auth.json"
    );

    let cert_dir = sb.write_file(
        "my-certs/ca.crt",
        fs::read(&env().ca).expect("reading the test CA"),
    );
    let cert_dir = cert_dir.parent().expect("cert dir").display().to_string();
    login(&sb, &env().reg_pass, &["--cert-dir", &cert_dir])
        .ok()
        .stdout_has("Login Succeeded!");

    let sb = Sandbox::new();
    fs::remove_dir_all(sb.config_dir().join("containers/certs.d")).expect("removing certs.d");
    login(&sb, &env().reg_pass, &["--tls-verify=false"])
        .ok()
        .stdout_has("Login Succeeded!");
    assert_holds_credentials(&default_auth_file(&sb));
}

#[test]
fn login_usage_errors() {
    let sb = Sandbox::new();
    let out = sb.engine(&["login", "--no-such-flag", tls()]);
    out.fails_with(125);
    assert!(
        out.stderr.starts_with("Error: "),
        "the first stderr line must start with \"Error: \"\n{out}"
    );
    out.stderr_has("--no-such-flag");

    // --password-stdin needs a username: there is no terminal to ask.
    let out = sb.engine_with_stdin(&["login", "--password-stdin", tls()], "secret\n");
    assert_engine_error(&out, &["username"]);
    assert!(!default_auth_file(&sb).exists());
}
