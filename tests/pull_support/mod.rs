//! Support for the pull, images and login integration tests (`mod pull_support;` next to
//! `mod common;`): error assertions, a view of the engine's store on disk, a recording and
//! throttling TCP proxy in front of a registry, and images pushed for one test only.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod proxy;
pub mod pushed;
pub mod store;

use std::net::TcpListener;

use crate::common::{Out, Sandbox, env};

/// Asserts a successful pull of `id` printed the ID as the only stdout line.
#[track_caller]
pub fn assert_pulled(out: &Out, id: &str) {
    out.ok();
    assert_eq!(
        lines(out),
        [id],
        "pull must print the image ID (and only it) on stdout\n{out}"
    );
}

/// Asserts the store holds no image and no blob, as after a refused pull.
#[track_caller]
pub fn assert_nothing_stored(sb: &Sandbox) {
    let root = store::root(sb);
    assert_eq!(
        store::blob_names(&root),
        std::collections::BTreeSet::new(),
        "no blob may be stored"
    );
    let images = sb.engine(&["images", "-q"]);
    assert_eq!(images.ok().stdout, "", "no image may be stored\n{images}");
}

/// Asserts podman's error contract: exit status 125 and exactly one stderr line starting with
/// "Error: " (besides pull's "Trying to pull ..." status lines), which mentions every word of
/// `words` (case-insensitively). Returns that line.
#[track_caller]
pub fn assert_engine_error(out: &Out, words: &[&str]) -> String {
    out.fails_with(125);
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.starts_with("Trying to pull "))
        .collect();
    if lines.len() != 1 || !lines[0].starts_with("Error: ") {
        panic!(
            "expected ONE stderr line starting with \"Error: \" (besides \"Trying to pull\")\n{out}"
        );
    }
    let line = lines[0].to_string();
    let lower = line.to_lowercase();
    for word in words {
        if !lower.contains(&word.to_lowercase()) {
            panic!("expected the error to mention {word:?}\n{out}");
        }
    }
    line
}

/// Like [`assert_engine_error`], and the error mentions at least one of `any_of`.
#[track_caller]
pub fn assert_engine_error_any(out: &Out, words: &[&str], any_of: &[&str]) -> String {
    let line = assert_engine_error(out, words);
    let lower = line.to_lowercase();
    if !any_of.iter().any(|w| lower.contains(&w.to_lowercase())) {
        panic!("expected the error to mention one of {any_of:?}\n{out}");
    }
    line
}

/// A 127.0.0.1 port nothing listens on (it was free a moment ago; nobody else binds ports here).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    listener
        .local_addr()
        .expect("local address of a bound socket")
        .port()
}

/// The sandbox's default registries.conf (plain registry searched and insecure) plus `extra`.
pub fn registries_conf_with(sb: &Sandbox, extra: &str) {
    let plain = &env().registry;
    sb.registries_conf(&format!(
        "unqualified-search-registries = [\"{plain}\"]\n\n\
         [[registry]]\nlocation = \"{plain}\"\ninsecure = true\n\n{extra}"
    ));
}

/// A `[[registry]]` table marking `location` insecure (plain HTTP), for proxies.
pub fn insecure_registry(location: &str) -> String {
    format!("[[registry]]\nlocation = \"{location}\"\ninsecure = true\n\n")
}

/// The lines of stdout.
pub fn lines(out: &Out) -> Vec<&str> {
    out.stdout.lines().collect()
}

/// The first 12 hex digits of an image ID, as `images` shows it.
pub fn short_id(id: &str) -> &str {
    &id[..12]
}
