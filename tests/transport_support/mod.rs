//! Support for tests/transport.rs, tests/transport_copy.rs and tests/archives.rs: the fixture
//! busybox, helpers around skopeo and podman, repository names of one test, the registry log read per
//! repository, and credentials of the TLS registry.
#![allow(dead_code)]

use sha2::{Digest as _, Sha256};

use crate::common::{Out, Sandbox, env, fixture_str};

/// `transport-<pid>-<name>`: a repository no other test (or run) writes to.
pub fn repo(name: &str) -> String {
    format!("transport-{}-{name}/image", std::process::id())
}

/// `--creds` for the TLS registry.
pub fn tls_creds() -> String {
    let user = std::env::var("ENGINE_TEST_REG_USER").expect("ENGINE_TEST_REG_USER");
    let pass = std::env::var("ENGINE_TEST_REG_PASS").expect("ENGINE_TEST_REG_PASS");
    format!("{user}:{pass}")
}

/// Pulls from the plain registry (trusted as insecure by the sandbox's registries.conf).
pub fn pull_plain(sb: &Sandbox, reference: &str) {
    sb.engine(&["pull", "-q", reference]).ok();
}

fn access_lines(method: &str, repository: &str) -> Vec<String> {
    let log = std::fs::read_to_string(&env().registry_log).unwrap_or_default();
    let needle = format!("\"{method} /v2/{repository}/blobs/uploads/");
    log.lines()
        .filter(|l| l.contains(&needle))
        .map(str::to_string)
        .collect()
}

/// Blob uploads to `repository` of the plain registry: every upload opens a session with a
/// POST; a mount is a POST too, but with `mount=` (the log shows response sizes only, so the
/// PUTs and PATCHes that carry bytes cannot be told apart from the closing PUT).
pub fn blob_uploads(repository: &str) -> usize {
    access_lines("POST", repository)
        .iter()
        .filter(|l| !l.contains("mount="))
        .count()
}

pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Writes a tar with these members (names written raw, so `..` stays) into the home, owned by
/// the test user; returns its path.
pub fn tar_archive(sb: &Sandbox, name: &str, members: &[(&str, &[u8])]) -> String {
    let mut builder = tar::Builder::new(Vec::new());
    for (member, data) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.as_old_mut().name[..member.len()].copy_from_slice(member.as_bytes());
        header.set_cksum();
        builder
            .append(&header, *data)
            .expect("building a test archive");
    }
    let bytes = builder.into_inner().expect("building a test archive");
    sb.write_file(name, bytes).display().to_string()
}

/// The plain registry's busybox fixture: reference, image ID and manifest digest.
pub fn native_busybox() -> (&'static str, &'static str, &'static str) {
    (
        fixture_str("busybox:latest", "reference"),
        fixture_str("busybox:latest", "image_id"),
        fixture_str("busybox:latest", "manifest_digest"),
    )
}

/// The installed podman, if any (tests compare with it where it is there).
pub fn podman() -> Option<&'static str> {
    ["/usr/bin/podman", "/usr/local/bin/podman"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

/// `copy-<pid>-<name>/image` on the plain registry.
pub fn copy_repo(name: &str) -> String {
    format!(
        "{}/copy-{}-{name}/image",
        env().registry,
        std::process::id()
    )
}

/// The manifest digest the registry serves for `reference`.
pub fn remote_digest(sb: &Sandbox, reference: &str) -> String {
    let out = sb.engine(&[
        "image",
        "inspect",
        "--remote",
        "--format",
        "{{.Digest}}",
        reference,
    ]);
    out.ok().line().to_string()
}

/// `skopeo` as the test user; the plain registry is reached without TLS.
pub fn skopeo(sb: &Sandbox, args: &[&str]) -> Out {
    sb.user_cmd("skopeo", args).run()
}

/// `NAME` in the sandbox's home, as a string for command lines.
pub fn home_path(sb: &Sandbox, name: &str) -> String {
    sb.home().join(name).display().to_string()
}
