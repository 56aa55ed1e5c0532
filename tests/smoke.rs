//! Proves the harness itself: the registries serve the fixtures that fixtures.json describes,
//! and a sandbox runs `engine` as the test user. Needs `sudo tests/run.sh`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::process::Command;
use std::time::Duration;

use common::{Sandbox, env, fixture, fixture_str};

/// Runs skopeo (as root, outside any sandbox) and returns its stdout.
fn skopeo(args: &[&str]) -> String {
    let output = Command::new("skopeo")
        .arg("--insecure-policy")
        .args(args)
        .output()
        .expect("running skopeo (tests/run.sh installs it)");
    assert!(
        output.status.success(),
        "skopeo {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn plain_registry_answers_v2() {
    let mut stream = TcpStream::connect(&env().registry).expect("connecting to the plain registry");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "GET /v2/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        env().registry
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "GET /v2/ answered:\n{response}"
    );
}

#[test]
fn plain_registry_serves_the_recorded_digests() {
    for name in [
        "busybox:latest",
        "busybox:v2s2",
        "busybox:zstd",
        "other:latest",
        "big:latest",
    ] {
        let reference = format!("docker://{}", fixture_str(name, "reference"));
        let digest = skopeo(&[
            "inspect",
            "--tls-verify=false",
            "--format",
            "{{.Digest}}",
            &reference,
        ]);
        assert_eq!(digest, fixture_str(name, "manifest_digest"), "{reference}");
    }
    // The fixtures share their base layer; pull tests rely on it.
    let base = &fixture("busybox:latest")["layers"][0];
    assert_eq!(&fixture("other:latest")["layers"][0], base);
    assert_eq!(&fixture("big:latest")["layers"][0], base);
}

#[test]
fn multi_arch_index_has_both_platforms() {
    let multi = fixture("multi:latest");
    let fixtures = &env().fixtures;
    let (native, other) = (
        fixtures["native_arch"].as_str().unwrap(),
        fixtures["other_arch"].as_str().unwrap(),
    );
    assert_eq!(
        multi["instances"][native]["manifest_digest"],
        fixture("busybox:latest")["manifest_digest"]
    );
    assert_eq!(multi["instances"][other]["arch"], other);
    let reference = format!("docker://{}", fixture_str("multi:latest", "reference"));
    let index = skopeo(&["inspect", "--tls-verify=false", "--raw", &reference]);
    assert!(
        index.contains(&format!("\"architecture\":\"{other}\"")),
        "{index}"
    );
}

#[test]
fn tls_registry_verifies_with_the_test_ca_and_needs_credentials() {
    let cert_dir = tempfile::tempdir().unwrap();
    std::fs::copy(&env().ca, cert_dir.path().join("ca.crt")).unwrap();
    let cert_dir = cert_dir.path().to_str().unwrap();
    let reference = format!(
        "docker://{}",
        fixture_str("tls/busybox:latest", "reference")
    );
    let creds = format!("{}:{}", env().reg_user, env().reg_pass);
    let digest = skopeo(&[
        "inspect",
        "--cert-dir",
        cert_dir,
        "--creds",
        &creds,
        "--format",
        "{{.Digest}}",
        &reference,
    ]);
    assert_eq!(digest, fixture_str("tls/busybox:latest", "manifest_digest"));

    let anonymous = Command::new("skopeo")
        .args([
            "--insecure-policy",
            "inspect",
            "--cert-dir",
            cert_dir,
            "--no-creds",
            "--raw",
            &reference,
        ])
        .output()
        .unwrap();
    assert!(
        !anonymous.status.success(),
        "the TLS registry let an anonymous client in"
    );
}

#[test]
fn engine_runs_as_the_test_user_in_a_sandbox() {
    let sandbox = Sandbox::new();
    sandbox.engine(&["--version"]).ok();

    let out = sandbox.sh_as_user("id -un; echo $HOME; echo $XDG_RUNTIME_DIR; pwd; cat $XDG_CONFIG_HOME/containers/registries.conf");
    out.ok()
        .stdout_has(&format!("{}\n{}\n", env().user, sandbox.home().display()));
    out.stdout_has(&env().registry);
    let runtime_dir = std::fs::metadata(sandbox.runtime_dir()).unwrap();
    assert_eq!(
        (runtime_dir.uid(), runtime_dir.mode() & 0o777),
        (env().uid, 0o700)
    );

    let written = sandbox.write_file("a/b/file.txt", "hello");
    let meta = std::fs::metadata(&written).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (env().uid, env().gid));
    sandbox
        .sh_as_user("echo more >> a/b/file.txt && mkdir a/b/c")
        .ok();
}

#[test]
fn sandbox_reports_exit_codes_and_stdin() {
    let sandbox = Sandbox::new();
    sandbox
        .sh_as_user("echo oops >&2; exit 3")
        .fails_with(3)
        .stderr_has("oops");
    let cat = sandbox.user_cmd("/bin/cat", &[]).stdin("piped in").run();
    assert_eq!(cat.ok().stdout, "piped in");
}

#[test]
fn sandbox_is_removed_on_drop() {
    let home = {
        let sandbox = Sandbox::new();
        sandbox
            .sh_as_user("mkdir -p deep/er && chmod 000 deep")
            .ok();
        sandbox.home().to_path_buf()
    };
    assert!(
        std::env::var_os("ENGINE_TEST_KEEP").is_some() || !home.exists(),
        "{} is still there",
        home.display()
    );
}
